//! The lead-database objects other than leads — companies, opportunities, opportunity roles, sales
//! persons and custom-object records — all behind one interface (`lead-database.md`):
//!
//! - Describe: `idField`, `dedupeFields`, `searchableFields`, `fields`.
//! - Query: see [`super::object_query`].
//! - Sync: `action` createOnly | updateOnly | createOrUpdate, `dedupeBy` dedupeFields | idField
//!   (not with createOnly), up to 300 records, one outcome per record with its `seq`; `null` and
//!   `""` are written as null.
//! - Delete: `deleteBy` dedupeFields | idField.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api::{self, ApiError, Call};
use super::values::{DataType, Row, Val, format_millis};

/// The system key of a type: an integer `id`, or a `marketoGUID` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdField {
    Id,
    Guid,
}

impl IdField {
    pub(crate) fn name(self) -> &'static str {
        match self {
            IdField::Id => "id",
            IdField::Guid => "marketoGUID",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ObjField {
    pub(crate) name: String,
    pub(crate) display: String,
    pub(crate) data_type: DataType,
    pub(crate) length: Option<u32>,
    pub(crate) updateable: bool,
    pub(crate) description: Option<String>,
}

impl ObjField {
    pub(crate) fn new(
        name: &str,
        display: &str,
        data_type: DataType,
        updateable: bool,
    ) -> ObjField {
        ObjField {
            name: name.to_owned(),
            display: display.to_owned(),
            data_type,
            length: match data_type {
                DataType::String | DataType::Email | DataType::Phone | DataType::Url => Some(255),
                _ => None,
            },
            updateable,
            description: None,
        }
    }

    pub(crate) fn length(mut self, length: u32) -> ObjField {
        self.length = Some(length);
        self
    }
}

const SYSTEM: [&str; 4] = ["id", "marketoGUID", "createdAt", "updatedAt"];

/// An object type's metadata, as its Describe returns it.
#[derive(Debug, Clone)]
pub(crate) struct Kind {
    pub(crate) name: String,
    pub(crate) display: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) id_field: IdField,
    pub(crate) dedupe: Vec<String>,
    pub(crate) searchable: Vec<Vec<String>>,
    /// Every field, the system ones (`id` or `marketoGUID`, `createdAt`, `updatedAt`) first.
    pub(crate) fields: Vec<ObjField>,
    /// Custom-object link relationships, in Describe's shape.
    pub(crate) relationships: Option<Vec<Value>>,
    /// Whether a query without `fields` returns every populated field (otherwise the id, dedupe
    /// and date fields, as `companies.md` says for companies).
    pub(crate) default_all: bool,
    pub(crate) created_ms: i64,
    pub(crate) updated_ms: i64,
}

impl Kind {
    /// The field named `name` (case-insensitive) and its numeric id within the type.
    pub(crate) fn field(&self, name: &str) -> Option<(u16, &ObjField)> {
        self.fields
            .iter()
            .enumerate()
            .find(|(_, f)| f.name.eq_ignore_ascii_case(name))
            .map(|(i, f)| (i as u16, f))
    }

    pub(crate) fn describe(&self) -> Value {
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|f| {
                let mut item = json!({
                    "name": f.name,
                    "displayName": f.display,
                    "dataType": f.data_type.name(),
                    "updateable": f.updateable,
                });
                if let Some(length) = f.length {
                    item["length"] = json!(length);
                }
                if let Some(d) = &f.description {
                    item["description"] = json!(d);
                }
                item
            })
            .collect();
        let mut body = json!({
            "name": self.name,
            "createdAt": format_millis(self.created_ms),
            "updatedAt": format_millis(self.updated_ms),
            "idField": self.id_field.name(),
            "dedupeFields": self.dedupe,
            "searchableFields": self.searchable,
            "fields": fields,
        });
        if let Some(d) = &self.display {
            body["displayName"] = json!(d);
        }
        if let Some(d) = &self.description {
            body["description"] = json!(d);
        }
        if let Some(r) = &self.relationships {
            body["relationships"] = json!(r);
        }
        body
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) id: i64,
    pub(crate) guid: Option<Box<str>>,
    pub(crate) created_ms: i64,
    pub(crate) updated_ms: i64,
    pub(crate) values: Row,
}

/// The records of one type, with indexes on the id, the GUID and the dedupe key.
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) kind: Kind,
    records: Vec<Option<Record>>,
    by_key: HashMap<String, u32>,
    by_guid: HashMap<Box<str>, u32>,
}

/// What a sync did to one record, for the type's own follow-up rules.
#[derive(Debug)]
pub(crate) struct Written {
    pub(crate) index: u32,
    pub(crate) created: bool,
    /// The fields whose value changed, with old and new values.
    pub(crate) changes: Vec<(u16, Option<Val>, Option<Val>)>,
}

/// A record-level reason.
pub(crate) type Skip = (u32, String);

pub(crate) fn missing(name: &str) -> Skip {
    (
        1002,
        format!("Missing value for the required parameter '{name}'"),
    )
}

/// `action` of a sync call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Action {
    CreateOnly,
    UpdateOnly,
    CreateOrUpdate,
}

/// `dedupeBy` / `deleteBy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum KeyBy {
    DedupeFields,
    IdField,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SyncRequest {
    pub(crate) action: Option<Action>,
    pub(crate) dedupe_by: Option<KeyBy>,
    pub(crate) input: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct DeleteRequest {
    pub(crate) delete_by: Option<KeyBy>,
    pub(crate) input: Option<Vec<Value>>,
}

/// Normalised text of a key value: keys match without regard to case.
pub(crate) fn key_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.to_lowercase()),
        other => Some(other.to_string().to_lowercase()),
    }
}

impl Store {
    pub(crate) fn new(kind: Kind) -> Store {
        Store {
            kind,
            records: Vec::new(),
            by_key: HashMap::new(),
            by_guid: HashMap::new(),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Record> {
        self.records.iter().flatten()
    }

    pub(crate) fn record(&self, index: u32) -> Option<&Record> {
        self.records.get(index as usize)?.as_ref()
    }

    /// The value of a named field of a record.
    pub(crate) fn value(&self, record: &Record, name: &str) -> Option<Value> {
        match name {
            "id" if self.kind.id_field == IdField::Id => Some(json!(record.id)),
            "marketoGUID" => record.guid.as_deref().map(|g| json!(g)),
            "createdAt" => Some(json!(format_millis(record.created_ms))),
            "updatedAt" => Some(json!(format_millis(record.updated_ms))),
            _ => {
                let (id, _) = self.kind.field(name)?;
                record.values.get(id).map(|v| v.to_json())
            }
        }
    }

    /// The record whose dedupe key the given values make.
    pub(crate) fn find_by_key(&self, values: &[&Value]) -> Option<&Record> {
        let key = self.key_of(values)?;
        self.record(*self.by_key.get(&key)?)
    }

    fn key_of(&self, values: &[&Value]) -> Option<String> {
        let parts: Option<Vec<String>> = values.iter().map(|v| key_text(v)).collect();
        Some(parts?.join("\u{1f}"))
    }

    fn record_key(&self, record: &Record) -> Option<String> {
        let values: Vec<Value> = self
            .kind
            .dedupe
            .iter()
            .map(|d| self.value(record, d).unwrap_or(Value::Null))
            .collect();
        self.key_of(&values.iter().collect::<Vec<_>>())
    }

    /// The index of the record with this id field value.
    pub(crate) fn find_by_id(&self, value: &Value) -> Option<u32> {
        match self.kind.id_field {
            IdField::Id => {
                let id = value.as_i64().or_else(|| value.as_str()?.parse().ok())?;
                let index = u32::try_from(id.checked_sub(1)?).ok()?;
                self.record(index).map(|_| index)
            }
            IdField::Guid => self.by_guid.get(value.as_str()?).copied(),
        }
    }

    /// The key input of a record for `by`, or why it is missing.
    fn locate(&self, by: KeyBy, input: &Map<String, Value>) -> Result<Option<u32>, Skip> {
        match by {
            KeyBy::IdField => {
                let name = self.kind.id_field.name();
                let value = input
                    .get(name)
                    .filter(|v| !v.is_null())
                    .ok_or_else(|| missing(name))?;
                Ok(self.find_by_id(value))
            }
            KeyBy::DedupeFields => {
                let mut values = Vec::with_capacity(self.kind.dedupe.len());
                for name in &self.kind.dedupe {
                    let value = input
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v)
                        .filter(|v| key_text(v).is_some())
                        .ok_or_else(|| missing(name))?;
                    values.push(value);
                }
                let key = self
                    .key_of(&values)
                    .ok_or_else(|| missing(&self.kind.dedupe[0]))?;
                Ok(self.by_key.get(&key).copied())
            }
        }
    }

    /// The coerced values of a record's input (keys included), or why it cannot be written.
    fn values(
        &self,
        input: &Map<String, Value>,
        by: KeyBy,
    ) -> Result<Vec<(u16, Option<Val>)>, Skip> {
        let mut values = Vec::with_capacity(input.len());
        for (name, value) in input {
            let Some((id, field)) = self.kind.field(name) else {
                return Err((1006, format!("Field '{name}' not found")));
            };
            if SYSTEM.contains(&field.name.as_str()) {
                if by == KeyBy::IdField && field.name == self.kind.id_field.name() {
                    continue;
                }
                return Err((
                    1003,
                    format!("Invalid data: '{}' is managed by Marketo", field.name),
                ));
            }
            let value = field
                .data_type
                .coerce(value)
                .map_err(|e| (1001, e.message()))?;
            values.push((id, value));
        }
        Ok(values)
    }

    /// Creates or updates one record.
    pub(crate) fn write(
        &mut self,
        action: Action,
        by: KeyBy,
        input: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<Written, Skip> {
        let found = self.locate(by, input)?;
        let values = self.values(input, by)?;
        match (found, action) {
            (Some(_), Action::CreateOnly) => Err((1017, "Object already exists".to_owned())),
            // The id is system managed: a record is only ever created by its dedupe fields.
            (None, _) if action == Action::UpdateOnly || by == KeyBy::IdField => {
                Err((1013, "Record not found".to_owned()))
            }
            (None, _) => {
                let index = self.records.len() as u32;
                let record = Record {
                    id: i64::from(index) + 1,
                    guid: (self.kind.id_field == IdField::Guid)
                        .then(|| uuid::Uuid::new_v4().to_string().into()),
                    created_ms: now_ms,
                    updated_ms: now_ms,
                    values: Row::from_values(
                        values
                            .iter()
                            .filter_map(|(f, v)| Some((*f, v.clone()?)))
                            .collect(),
                    ),
                };
                self.insert(index, record);
                let changes = values.into_iter().map(|(f, v)| (f, None, v)).collect();
                Ok(Written {
                    index,
                    created: true,
                    changes,
                })
            }
            (Some(index), _) => {
                let record = self.records[index as usize].as_ref().expect("indexed");
                let mut changes = Vec::new();
                for (field, value) in values {
                    let old = record.values.get(field).map(|v| v.to_owned());
                    if old == value {
                        continue;
                    }
                    if !self.kind.fields[field as usize].updateable {
                        return Err((
                            1003,
                            format!(
                                "Invalid data: '{}' cannot be changed once the record exists",
                                self.kind.fields[field as usize].name
                            ),
                        ));
                    }
                    changes.push((field, old, value));
                }
                if !changes.is_empty() {
                    let update: Vec<(u16, Option<Val>)> =
                        changes.iter().map(|(f, _, v)| (*f, v.clone())).collect();
                    let record = self.records[index as usize].as_mut().expect("indexed");
                    record.values = record.values.with(&update);
                    record.updated_ms = now_ms;
                }
                Ok(Written {
                    index,
                    created: false,
                    changes,
                })
            }
        }
    }

    fn insert(&mut self, index: u32, record: Record) {
        if let Some(key) = self.record_key(&record) {
            self.by_key.insert(key, index);
        }
        if let Some(guid) = &record.guid {
            self.by_guid.insert(guid.clone(), index);
        }
        self.records.push(Some(record));
    }

    /// Removes the record a delete input names.
    pub(crate) fn remove(&mut self, by: KeyBy, input: &Map<String, Value>) -> Result<Record, Skip> {
        let index = self
            .locate(by, input)?
            .ok_or((1013, "Record not found".to_owned()))?;
        let record = self.records[index as usize].take().expect("indexed");
        if let Some(key) = self.record_key(&record) {
            self.by_key.remove(&key);
        }
        if let Some(guid) = &record.guid {
            self.by_guid.remove(guid);
        }
        Ok(record)
    }

    /// Whether the record a write input names exists.
    pub(crate) fn exists(&self, by: KeyBy, input: &Map<String, Value>) -> bool {
        matches!(self.locate(by, input), Ok(Some(_)))
    }

    /// Locates without removing (for the in-use checks of a delete).
    pub(crate) fn peek(&self, by: KeyBy, input: &Map<String, Value>) -> Result<&Record, Skip> {
        let index = self
            .locate(by, input)?
            .ok_or((1013, "Record not found".to_owned()))?;
        Ok(self.record(index).expect("indexed"))
    }

    /// A record's id field, as write and delete outcomes carry it.
    pub(crate) fn id_json(&self, record: &Record) -> (&'static str, Value) {
        match self.kind.id_field {
            IdField::Id => ("id", json!(record.id)),
            IdField::Guid => (
                "marketoGUID",
                json!(record.guid.as_deref().unwrap_or_default()),
            ),
        }
    }

    pub(crate) fn record_json(
        &self,
        record: &Record,
        seq: usize,
        fields: &Option<Vec<String>>,
    ) -> Value {
        let mut item = Map::new();
        item.insert("seq".into(), json!(seq));
        let names: Vec<&str> = match fields {
            Some(names) => names.iter().map(String::as_str).collect(),
            None if self.kind.default_all => {
                self.kind.fields.iter().map(|f| f.name.as_str()).collect()
            }
            None => {
                let mut names = vec![self.kind.id_field.name()];
                names.extend(self.kind.dedupe.iter().map(String::as_str));
                names.extend(["updatedAt", "createdAt"]);
                names
            }
        };
        for name in names {
            if let Some(value) = self.value(record, name) {
                let canonical = self
                    .kind
                    .field(name)
                    .map_or(name.to_owned(), |(_, f)| f.name.clone());
                item.insert(canonical, value);
            }
        }
        Value::Object(item)
    }

    /// Every record with every field, for the snapshot.
    pub(crate) fn snapshot(&self) -> Vec<Value> {
        let all = Some(self.kind.fields.iter().map(|f| f.name.clone()).collect());
        self.iter()
            .map(|r| {
                let mut item = self.record_json(r, 0, &all);
                if let Value::Object(map) = &mut item {
                    map.remove("seq");
                }
                item
            })
            .collect()
    }
}

/// Checks a sync request's shape and returns its action, key mode and records.
pub(crate) fn sync_request(
    call: &Call,
    max_records: usize,
) -> Result<(Action, KeyBy, Vec<Value>), ApiError> {
    let request: SyncRequest = call.json()?;
    let action = request.action.unwrap_or(Action::CreateOrUpdate);
    let by = request.dedupe_by.unwrap_or(KeyBy::DedupeFields);
    if action == Action::CreateOnly && by == KeyBy::IdField {
        return Err(ApiError::invalid(
            "dedupeBy idField is not compatible with action createOnly (the id is system managed)",
        ));
    }
    let input = checked_input(request.input, max_records)?;
    Ok((action, by, input))
}

/// Checks a delete request's shape.
pub(crate) fn delete_request(
    call: &Call,
    max_records: usize,
) -> Result<(KeyBy, Vec<Value>), ApiError> {
    let request: DeleteRequest = call.json()?;
    let input = checked_input(request.input, max_records)?;
    Ok((request.delete_by.unwrap_or(KeyBy::DedupeFields), input))
}

fn checked_input(input: Option<Vec<Value>>, max: usize) -> Result<Vec<Value>, ApiError> {
    let input = input
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ApiError::blank("input"))?;
    if input.len() > max {
        return Err(ApiError::invalid(format!(
            "at most {max} records per call, got {}",
            input.len()
        )));
    }
    Ok(input)
}

/// The outcome of one record of a write: `seq`, the id field, `status` (or the reasons).
pub(crate) fn outcome(seq: usize, result: Result<(&'static str, Value, &str), Skip>) -> Value {
    let mut item = Map::new();
    item.insert("seq".into(), json!(seq));
    match result {
        Ok((id_name, id, status)) => {
            item.insert(id_name.into(), id);
            item.insert("status".into(), json!(status));
        }
        Err((code, message)) => item.append(&mut api::skipped(code, message)),
    }
    Value::Object(item)
}

/// Tracks the keys already seen in one call: a second record with the same key is 1036
/// (`error-codes.md`: "Duplicate object found in input").
#[derive(Debug, Default)]
pub(crate) struct SeenKeys(HashSet<String>);

impl SeenKeys {
    pub(crate) fn check(
        &mut self,
        store: &Store,
        by: KeyBy,
        input: &Map<String, Value>,
    ) -> Result<(), Skip> {
        let names: Vec<&str> = match by {
            KeyBy::IdField => vec![store.kind.id_field.name()],
            KeyBy::DedupeFields => store.kind.dedupe.iter().map(String::as_str).collect(),
        };
        let key: Option<Vec<String>> = names
            .iter()
            .map(|n| {
                input
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .and_then(|(_, v)| key_text(v))
            })
            .collect();
        match key {
            Some(key) if !self.0.insert(key.join("\u{1f}")) => {
                Err((1036, "Duplicate object found in input".to_owned()))
            }
            _ => Ok(()),
        }
    }
}
