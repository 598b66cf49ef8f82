//! Table and column definitions (webapi/query-metadata-web-api.md; API-FACTS A8):
//! `EntityDefinitions` with `$select`, `$filter` (enum members namespaced, managed properties via
//! `/Value`) and `$expand` of `Attributes`, `OneToManyRelationships` and `ManyToOneRelationships`
//! (nested options separated by `;`), one table by `(LogicalName='x')` or its MetadataId, its
//! `Attributes` (by logical name too), casts to a column type
//! (`/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet`) and its
//! relationships. No paging: everything comes in one response. `IsSecured` shows field security.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::definitions::{
    BASE, RELATIONSHIP_PROPERTIES, attribute_json, entity_json, option_set, relationship_json,
};
use super::errors::{Answer, ApiError, ApiResult};
use super::filter::{self, Val};
use super::schema::{Column, Entity, Schema};
use super::{Ctx, Request};

/// Resolves one `$expand`ed navigation property of an item.
type Expand<'a> = dyn Fn(&str, &Map<String, Value>, &Options) -> ApiResult<Value> + 'a;

/// `$select`, `$filter` and `$expand` for one collection of metadata.
#[derive(Debug, Default)]
struct Options {
    select: Option<Vec<String>>,
    filter: Option<filter::Expr>,
    expand: Vec<(String, Options)>,
}

impl Options {
    fn from_pairs(pairs: &[(String, String)]) -> ApiResult<Options> {
        let mut options = Options::default();
        for (name, value) in pairs {
            match name.as_str() {
                "$select" => {
                    options.select = Some(
                        value
                            .split(',')
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty())
                            .collect(),
                    )
                }
                "$filter" => options.filter = Some(filter::parse(value)?),
                "$expand" => options.expand = parse_expand(value)?,
                "$top" | "$orderby" | "$skip" => {
                    return Err(ApiError::bad_query(format!(
                        "The query option {name} is not supported on metadata."
                    )));
                }
                _ => {}
            }
        }
        Ok(options)
    }

    /// Filters, projects and expands a list of objects of one metadata type.
    fn apply(
        &self,
        items: Vec<Map<String, Value>>,
        type_name: &str,
        known: &[&str],
        expand: &Expand<'_>,
    ) -> ApiResult<Vec<Value>> {
        for name in self.select.iter().flatten() {
            if !known.contains(&name.as_str()) {
                return Err(ApiError::bad_query(format!(
                    "Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{type_name}'."
                )));
            }
        }
        if let Some(f) = &self.filter {
            for (path, _, _) in f.paths() {
                if !known.contains(&path[0].as_str()) {
                    return Err(ApiError::bad_query(format!(
                        "Could not find a property named '{}' on type 'Microsoft.Dynamics.CRM.{type_name}'.",
                        path[0]
                    )));
                }
            }
        }
        let mut out = Vec::new();
        for item in items {
            if let Some(f) = &self.filter
                && !filter::eval(f, &mut |path| json_val(&item, path))
            {
                continue;
            }
            let mut projected = match &self.select {
                None => item.clone(),
                Some(names) => {
                    let mut map = Map::new();
                    for key in ["@odata.type"] {
                        if let Some(v) = item.get(key) {
                            map.insert(key.into(), v.clone());
                        }
                    }
                    for name in names {
                        map.insert(name.clone(), item.get(name).cloned().unwrap_or(Value::Null));
                    }
                    map.insert(
                        "MetadataId".into(),
                        item.get("MetadataId").cloned().unwrap_or(Value::Null),
                    );
                    map
                }
            };
            for (nav, options) in &self.expand {
                projected.insert(nav.clone(), expand(nav, &item, options)?);
            }
            out.push(Value::Object(projected));
        }
        Ok(out)
    }
}

fn json_val<'a>(item: &'a Map<String, Value>, path: &[String]) -> Val<'a> {
    let mut current = item.get(&path[0]);
    for step in &path[1..] {
        current = current.and_then(|v| v.get(step));
    }
    match current {
        Some(Value::Bool(b)) => Val::Bool(*b),
        Some(Value::Number(n)) => n
            .as_i64()
            .map_or_else(|| Val::Num(n.as_f64().unwrap_or(0.0)), Val::Int),
        Some(Value::String(s)) => {
            Uuid::parse_str(s).map_or(Val::Str(std::borrow::Cow::Borrowed(s)), Val::Guid)
        }
        _ => Val::Null,
    }
}

/// `Attributes($select=LogicalName;$filter=...),OneToManyRelationships`.
fn parse_expand(text: &str) -> ApiResult<Vec<(String, Options)>> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    let mut items = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
        let (name, inner) = match item.split_once('(') {
            Some((n, rest)) => (
                n.trim(),
                rest.strip_suffix(')').ok_or_else(|| {
                    ApiError::bad_query(format!("Syntax error in $expand '{text}'."))
                })?,
            ),
            None => (item, ""),
        };
        let pairs: Vec<(String, String)> = inner
            .split(';')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        out.push((name.to_owned(), Options::from_pairs(&pairs)?));
    }
    Ok(out)
}

const ENTITY_EXPANDS: &[&str] = &[
    "Attributes",
    "OneToManyRelationships",
    "ManyToOneRelationships",
];

fn expand_entity(schema: &Schema, logical: &str, nav: &str, options: &Options) -> ApiResult<Value> {
    let (_, entity) = schema
        .by_logical(logical)
        .ok_or_else(|| ApiError::no_resource(logical))?;
    match nav {
        "Attributes" => attributes(entity, None, options).map(Value::Array),
        "OneToManyRelationships" | "ManyToOneRelationships" => {
            relationships(schema, entity, nav, options).map(Value::Array)
        }
        _ => Err(ApiError::bad_query(format!(
            "Could not find a property named '{nav}' on type 'Microsoft.Dynamics.CRM.EntityMetadata'."
        ))),
    }
}

/// The properties a metadata type adds to `AttributeMetadata` (query-metadata-web-api.md).
fn cast_properties(cast: &str) -> &'static [&'static str] {
    match cast {
        "StringAttributeMetadata" => &[
            "MaxLength",
            "Format",
            "FormatName",
            "ImeMode",
            "IsLocalizable",
            "DatabaseLength",
        ],
        "MemoAttributeMetadata" => &["MaxLength", "Format", "ImeMode", "IsLocalizable"],
        "PicklistAttributeMetadata" | "MultiSelectPicklistAttributeMetadata" => {
            &["OptionSet", "GlobalOptionSet", "DefaultFormValue"]
        }
        "BooleanAttributeMetadata" => &["OptionSet", "GlobalOptionSet", "DefaultValue"],
        "StateAttributeMetadata" | "StatusAttributeMetadata" => &["OptionSet", "GlobalOptionSet"],
        "LookupAttributeMetadata" => &["Targets", "Format"],
        "DateTimeAttributeMetadata" => &["Format", "DateTimeBehavior", "ImeMode"],
        "MoneyAttributeMetadata" | "DecimalAttributeMetadata" | "DoubleAttributeMetadata" => {
            &["Precision", "MinValue", "MaxValue", "ImeMode"]
        }
        "IntegerAttributeMetadata" | "BigIntAttributeMetadata" => {
            &["MinValue", "MaxValue", "Format"]
        }
        _ => &[],
    }
}

fn attributes(entity: &Entity, cast: Option<&str>, options: &Options) -> ApiResult<Vec<Value>> {
    let columns: Vec<&Column> = entity
        .live_columns()
        .map(|(_, c)| c)
        .filter(|c| cast.is_none_or(|t| c.kind.metadata_type() == t))
        .collect();
    let items: Vec<Map<String, Value>> =
        columns.iter().map(|c| attribute_json(entity, c)).collect();
    // A type's properties exist whether or not any column of the table has that type.
    let mut known: Vec<String> = BASE.iter().map(|s| (*s).to_owned()).collect();
    if let Some(cast) = cast {
        known.extend(cast_properties(cast).iter().map(|s| (*s).to_owned()));
        known.extend(items.iter().flat_map(|i| i.keys().cloned()));
    }
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let type_name = cast.unwrap_or("AttributeMetadata");
    for (nav, _) in &options.expand {
        let valid = cast.is_some()
            && matches!(nav.as_str(), "OptionSet" | "GlobalOptionSet")
            && columns.iter().all(|c| c.kind.has_options());
        if !valid {
            return Err(ApiError::bad_query(format!(
                "Could not find a property named '{nav}' on type 'Microsoft.Dynamics.CRM.{type_name}'."
            )));
        }
    }
    options.apply(items, type_name, &known, &|nav, item, _| {
        let column = columns
            .iter()
            .find(|c| Some(c.name.as_str()) == item.get("LogicalName").and_then(Value::as_str));
        Ok(match (nav, column) {
            ("OptionSet", Some(c)) => option_set(entity, c),
            _ => Value::Null,
        })
    })
}

fn relationships(
    schema: &Schema,
    entity: &Entity,
    nav: &str,
    options: &Options,
) -> ApiResult<Vec<Value>> {
    let items = schema
        .relationships()
        .into_iter()
        .filter(|r| {
            if nav == "OneToManyRelationships" {
                r.referenced_entity == entity.logical
            } else {
                r.referencing_entity == entity.logical
            }
        })
        .map(|r| relationship_json(&r))
        .collect();
    options.apply(
        items,
        "OneToManyRelationshipMetadata",
        RELATIONSHIP_PROPERTIES,
        &|_, _, _| Ok(Value::Null),
    )
}

/// A metadata key: `(LogicalName='x')` or `(<MetadataId>)`.
fn key_matches(key: &str, logical: &str, id: Uuid) -> bool {
    match key.split_once('=') {
        Some((name, value)) if name.trim() == "LogicalName" => {
            value.trim().trim_matches('\'') == logical
        }
        Some(_) => false,
        None => Uuid::parse_str(key.trim()).is_ok_and(|k| k == id),
    }
}

fn split_key(segment: &str) -> (&str, Option<&str>) {
    match segment.split_once('(') {
        Some((name, key)) => (name, key.strip_suffix(')')),
        None => (segment, None),
    }
}

pub(crate) fn entity_definitions(
    ctx: &Ctx<'_>,
    path: &str,
    request: &Request<'_>,
) -> ApiResult<Answer> {
    let schema = ctx.state().schema.read();
    let options = Options::from_pairs(&request.query)?;
    let segments: Vec<&str> = path.split('/').collect();
    let (_, key) = split_key(segments[0]);
    let base = &ctx.base;
    let known: Vec<String> = schema
        .entities
        .first()
        .map(|e| entity_json(e).keys().cloned().collect())
        .unwrap_or_default();
    let mut known: Vec<&str> = known.iter().map(String::as_str).collect();
    let expand = |nav: &str, item: &Map<String, Value>, options: &Options| {
        let logical = item
            .get("LogicalName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        expand_entity(&schema, logical, nav, options)
    };
    let Some(key) = key else {
        if segments.len() > 1 {
            return Err(ApiError::no_resource(path));
        }
        for (nav, _) in &options.expand {
            if !ENTITY_EXPANDS.contains(&nav.as_str()) {
                return Err(ApiError::bad_query(format!(
                    "Could not find a property named '{nav}' on type 'Microsoft.Dynamics.CRM.EntityMetadata'."
                )));
            }
        }
        let items = schema.entities.iter().map(entity_json).collect();
        let value = options.apply(items, "EntityMetadata", &known, &expand)?;
        return Ok(Answer::json(
            StatusCode::OK,
            &json!({ "@odata.context": format!("{base}$metadata#EntityDefinitions"), "value": value }),
        ));
    };
    let entity = schema
        .entities
        .iter()
        .find(|e| key_matches(key, &e.logical, e.metadata_id))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "0x80040217",
                format!("Could not find an entity with key {key}."),
            )
        })?;
    match segments.as_slice() {
        [_] => {
            for (nav, _) in &options.expand {
                if !ENTITY_EXPANDS.contains(&nav.as_str()) {
                    return Err(ApiError::bad_query(format!(
                        "Could not find a property named '{nav}' on type 'Microsoft.Dynamics.CRM.EntityMetadata'."
                    )));
                }
            }
            known.retain(|_| true);
            let mut value =
                options.apply(vec![entity_json(entity)], "EntityMetadata", &known, &expand)?;
            let mut object = match value.pop() {
                Some(Value::Object(map)) => map,
                _ => Map::new(),
            };
            object.insert(
                "@odata.context".into(),
                json!(format!("{base}$metadata#EntityDefinitions/$entity")),
            );
            Ok(Answer::json(StatusCode::OK, &Value::Object(object)))
        }
        [_, "Attributes"] => {
            let value = attributes(entity, None, &options)?;
            Ok(collection(
                base,
                &format!("EntityDefinitions('{}')/Attributes", entity.logical),
                value,
            ))
        }
        [_, "Attributes", cast] if cast.starts_with("Microsoft.Dynamics.CRM.") => {
            let cast = cast.trim_start_matches("Microsoft.Dynamics.CRM.");
            let value = attributes(entity, Some(cast), &options)?;
            Ok(collection(
                base,
                &format!(
                    "EntityDefinitions('{}')/Attributes/Microsoft.Dynamics.CRM.{cast}",
                    entity.logical
                ),
                value,
            ))
        }
        [_, attribute] if attribute.starts_with("Attributes(") => {
            let (_, key) = split_key(attribute);
            let key = key.unwrap_or_default();
            let column = entity
                .live_columns()
                .map(|(_, c)| c)
                .find(|c| key_matches(key, &c.name, c.metadata_id))
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::NOT_FOUND,
                        "0x80040217",
                        format!(
                            "Could not find an attribute with key {key} on {}.",
                            entity.logical
                        ),
                    )
                })?;
            let mut single = attributes(entity, None, &options)?
                .into_iter()
                .find(|v| v.get("MetadataId") == Some(&json!(column.metadata_id)))
                .unwrap_or(Value::Null);
            single["@odata.context"] = json!(format!(
                "{base}$metadata#EntityDefinitions('{}')/Attributes/$entity",
                entity.logical
            ));
            Ok(Answer::json(StatusCode::OK, &single))
        }
        [
            _,
            nav @ ("OneToManyRelationships" | "ManyToOneRelationships"),
        ] => {
            let value = relationships(&schema, entity, nav, &options)?;
            Ok(collection(
                base,
                &format!("EntityDefinitions('{}')/{nav}", entity.logical),
                value,
            ))
        }
        _ => Err(ApiError::no_resource(path)),
    }
}

fn collection(base: &str, context: &str, value: Vec<Value>) -> Answer {
    Answer::json(
        StatusCode::OK,
        &json!({ "@odata.context": format!("{base}$metadata#{context}"), "value": value }),
    )
}

/// The service document: every entity set.
pub(crate) fn service_document(ctx: &Ctx<'_>) -> Answer {
    let schema = ctx.state().schema.read();
    let value: Vec<Value> = schema
        .entities
        .iter()
        .map(|e| json!({ "name": e.set, "kind": "EntitySet", "url": e.set }))
        .collect();
    Answer::json(
        StatusCode::OK,
        &json!({ "@odata.context": format!("{}$metadata", ctx.base), "value": value }),
    )
}
