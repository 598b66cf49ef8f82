//! What the desktop app needs from the engine beyond the setup flow and the sync: the saved choices
//! as the wizard sends them (to set the same sync up again on a fresh sandbox), Marketo's static
//! lists for the Options step, and the error list as CSV for the dashboard's export.

use serde::Serialize;
use ts_rs::TS;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::model::Entity;
use crate::setup::flow::{CustomEntityChoice, FieldChoice, Selection};
use crate::store::errors::RecordError;
use crate::store::schema;

/// A Marketo static list, to pick the one whose members go to Dynamics (R24).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MarketoList {
    pub id: i64,
    pub name: String,
}

impl Engine {
    /// The static lists of the Marketo instance being set up (or saved), by name.
    ///
    /// # Errors
    /// [`EngineError::NotConfigured`] before the Marketo step passed; Marketo's refusal.
    pub async fn marketo_lists(&self) -> Result<Vec<MarketoList>, EngineError> {
        let (_, marketo) = self.draft_clients().await?;
        let mut lists: Vec<MarketoList> = marketo
            .lists()
            .await?
            .into_iter()
            .map(|l| MarketoList {
                id: l.id,
                name: l.name,
            })
            .collect();
        lists.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(lists)
    }

    /// The fields and custom entities chosen at setup (and changed since), read from the store
    /// alone: no side is contacted, so it works when the connection is gone.
    pub async fn selection(&self) -> Result<Selection, EngineError> {
        let (mappings, entities) = self
            .db(|s| s.read(|c| Ok((schema::mappings(c)?, schema::entities(c)?))))
            .await?;
        let mut selection = Selection {
            fields: Vec::new(),
            custom_entities: Vec::new(),
        };
        for enabled in entities {
            let columns = mappings
                .iter()
                .filter(|(m, _)| m.entity == enabled.entity)
                .map(|(m, _)| m.dynamics.clone());
            match &enabled.entity {
                Entity::Custom(name) => selection.custom_entities.push(CustomEntityChoice {
                    logical_name: name.clone(),
                    columns: columns.collect(),
                }),
                entity => selection.fields.extend(columns.map(|column| FieldChoice {
                    entity: entity.logical_name().to_owned(),
                    column,
                })),
            }
        }
        Ok(selection)
    }

    /// The open record errors matching `search`, as CSV with a header line.
    pub async fn errors_csv(&self, search: Option<String>) -> Result<String, EngineError> {
        Ok(errors_csv(&self.errors(search, usize::MAX >> 1).await?))
    }
}

/// One CSV line per error (RFC 4180 quoting), header first.
pub fn errors_csv(errors: &[RecordError]) -> String {
    let mut out = String::from(
        "record,entity,direction,operation,code,message,attempts,first_at,last_at\r\n",
    );
    for e in errors {
        let direction = serde_json::to_value(e.direction)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let cells = [
            e.record.clone(),
            e.entity.clone(),
            direction,
            e.operation.clone(),
            e.code.clone(),
            e.message.clone(),
            e.attempts.to_string(),
            e.first_at.to_rfc3339(),
            e.last_at.to_rfc3339(),
        ];
        let line: Vec<String> = cells.iter().map(|c| quote(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn quote(cell: &str) -> String {
    // A leading = + - @ would make a spreadsheet run the cell as a formula.
    let cell = if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    };
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::store::journal::Flow;

    fn error(record: &str, message: &str) -> RecordError {
        RecordError {
            id: 1,
            first_at: Utc::now(),
            last_at: Utc::now(),
            direction: Flow::ToDynamics,
            entity: "contact".into(),
            record: record.into(),
            operation: "update".into(),
            code: "0x80040265".into(),
            message: message.into(),
            attempts: 3,
            blocked: None,
            resolved_at: None,
        }
    }

    #[test]
    fn csv_export_quotes_what_would_break_a_row_and_defuses_formulas() {
        let csv = errors_csv(&[
            error("42", "Email, \"work\"\nis invalid"),
            error("=1+1", "x"),
        ]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("record,entity,direction"), "{csv}");
        assert!(
            lines[1].starts_with(
                "42,contact,toDynamics,update,0x80040265,\"Email, \"\"work\"\"\nis invalid\",3,"
            ),
            "commas, quotes and newlines stay inside one quoted cell: {csv}"
        );
        assert!(
            lines[2].starts_with("'=1+1,"),
            "a cell that a spreadsheet would evaluate is defused: {csv}"
        );
    }
}
