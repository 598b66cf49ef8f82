//! The org's validation rules, which the control API sets per table and every write meets: required
//! columns, shorter maximum lengths (`0x80044331`, the `$batch` doc's message), plug-in style
//! rejections (400 `0x80040265` with the plug-in's message, compose-http-requests-handle-errors.md)
//! and duplicate detection when the caller asks for it (`MSCRM.SuppressDuplicateDetection: false`,
//! 500 `0x80040333`, manage-duplicate-detection-create-update.md).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::errors::{ApiError, ApiResult};
use super::filter::Expr;
use super::query::{bind_filter, matches};
use super::schema::{Entity, Schema};
use super::store::{Cell, Row, Store};
use super::{Ctx, Request, values};

/// A table's validation rules, as `PUT /_sandbox/dynamics/rules/{entity}` sets them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Rules {
    /// Columns that must have a value after every write.
    pub(crate) required: Vec<String>,
    /// Maximum lengths shorter than the column's own.
    pub(crate) max_lengths: BTreeMap<String, u32>,
    /// Plug-in style rejections: when the `$filter`-syntax condition holds for the record being
    /// written, the write fails with the message.
    pub(crate) rejections: Vec<Rejection>,
    /// Columns whose values together identify a duplicate when detection is requested.
    pub(crate) duplicate_detection: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Rejection {
    pub(crate) when: String,
    pub(crate) message: String,
}

impl Rules {
    /// Checks the rules against the table, so a bad rule is refused when it is set.
    pub(crate) fn check(&self, schema: &Schema, entity: &Entity) -> Result<(), String> {
        let column = |name: &String| {
            entity
                .column(name)
                .map(|_| ())
                .ok_or_else(|| format!("{} has no column '{name}'", entity.logical))
        };
        self.required.iter().try_for_each(column)?;
        self.max_lengths.keys().try_for_each(column)?;
        self.duplicate_detection.iter().try_for_each(column)?;
        for rejection in &self.rejections {
            bind_filter(schema, entity, &rejection.when, false).map_err(|e| {
                format!(
                    "the condition '{}' is not valid: {}",
                    rejection.when, e.message
                )
            })?;
        }
        Ok(())
    }
}

pub(crate) fn check_length(entity: &Entity, column: &str, text: &str, max: u32) -> ApiResult<()> {
    if text.chars().count() > max as usize {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "0x80044331",
            format!(
                "A validation error occurred.  The length of the '{column}' attribute of the '{}' entity exceeded the maximum allowed length of '{max}'.",
                entity.logical
            ),
        ));
    }
    Ok(())
}

/// The org's rules for the written row.
pub(crate) fn validate(
    ctx: &Ctx<'_>,
    schema: &Schema,
    store: &Store,
    entity: usize,
    row: &Row,
    detect_duplicates: bool,
) -> ApiResult<()> {
    let e = &schema.entities[entity];
    let rules = ctx
        .state()
        .rules
        .read()
        .get(&e.logical)
        .cloned()
        .unwrap_or_default();
    for name in &rules.required {
        if let Some((i, _)) = e.column(name)
            && row.get(i).is_none()
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "0x80040203",
                format!(
                    "A validation error occurred. The value of '{name}' on record of type '{}' is required.",
                    e.logical
                ),
            ));
        }
    }
    for (name, max) in &rules.max_lengths {
        if let Some((i, _)) = e.column(name)
            && let Some(text) = row.get(i).and_then(Cell::as_text)
        {
            check_length(e, name, text, *max)?;
        }
    }
    for rejection in &rules.rejections {
        let expr: Expr = bind_filter(schema, e, &rejection.when, false)?;
        if matches(schema, store, e, row, &expr) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "0x80040265",
                rejection.message.clone(),
            ));
        }
    }
    if detect_duplicates && !rules.duplicate_detection.is_empty() {
        let columns: Vec<usize> = rules
            .duplicate_detection
            .iter()
            .filter_map(|n| e.column(n).map(|(i, _)| i))
            .collect();
        let key = |r: &Row| -> Option<Vec<String>> {
            columns
                .iter()
                .map(|&i| {
                    r.get(i)
                        .map(|c| values::cell_to_json(c).to_string().to_lowercase())
                })
                .collect()
        };
        if let Some(mine) = key(row) {
            let state = e.column("statecode").map(|(i, _)| i);
            let duplicate = store.tables[entity].rows.values().any(|other| {
                other.id != row.id
                    && state.is_none_or(|s| matches!(other.get(s), Some(Cell::Int(0)) | None))
                    && key(other).as_ref() == Some(&mine)
            });
            if duplicate {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "0x80040333",
                    "A record was not created or updated because a duplicate of the current record already exists.",
                ));
            }
        }
    }
    Ok(())
}

pub(crate) fn detect_duplicates(request: Option<&Request<'_>>) -> bool {
    request
        .and_then(|r| r.header("mscrm.suppressduplicatedetection"))
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
}
