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

use super::errors::{Answer, ApiError, ApiResult};
use super::filter::{self, Val};
use super::schema::{Column, Entity, K, Relationship, Schema};
use super::{Ctx, Request};

fn label(text: &str, id: Uuid) -> Value {
    let localized = json!({
        "Label": text,
        "LanguageCode": 1033,
        "IsManaged": true,
        "MetadataId": id,
        "HasChanged": null
    });
    json!({ "LocalizedLabels": [localized.clone()], "UserLocalizedLabel": localized })
}

fn managed(value: Value, name: &str) -> Value {
    json!({ "Value": value, "CanBeChanged": true, "ManagedPropertyLogicalName": name })
}

fn entity_json(entity: &Entity) -> Map<String, Value> {
    let id = entity.metadata_id;
    let value = json!({
        "MetadataId": id,
        "LogicalName": entity.logical,
        "SchemaName": entity.schema_name,
        "EntitySetName": entity.set,
        "LogicalCollectionName": entity.set,
        "CollectionSchemaName": format!("{}s", entity.schema_name),
        "PrimaryIdAttribute": entity.primary_id,
        "PrimaryNameAttribute": entity.primary_name,
        "ObjectTypeCode": entity.type_code,
        "IsCustomEntity": entity.custom,
        "IsActivity": false,
        "IsIntersect": false,
        "IsManaged": !entity.custom,
        "OwnershipType": if entity.user_owned { "UserOwned" } else if entity.logical == "businessunit" { "BusinessOwned" } else { "OrganizationOwned" },
        "ChangeTrackingEnabled": entity.change_tracking,
        "IsOptimisticConcurrencyEnabled": true,
        "HasChanged": null,
        "DisplayName": label(&entity.display, super::schema::stable_id(&[&entity.logical, "display"])),
        "DisplayCollectionName": label(&entity.display_collection, super::schema::stable_id(&[&entity.logical, "collection"])),
        "Description": label("", super::schema::stable_id(&[&entity.logical, "description"])),
        "CanCreateAttributes": managed(json!(true), "cancreateattributes"),
        "CanChangeTrackingBeEnabled": managed(json!(true), "canchangetrackingbeenabled"),
        "IsValidForAdvancedFind": true,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn type_name(kind: K) -> &'static str {
    match kind {
        K::Text(_) => "StringType",
        K::Memo(_) => "MemoType",
        K::Integer => "IntegerType",
        K::BigInt => "BigIntType",
        K::Money => "MoneyType",
        K::Boolean => "BooleanType",
        K::DateTime => "DateTimeType",
        K::Picklist => "PicklistType",
        K::State => "StateType",
        K::Status => "StatusType",
        K::Lookup => "LookupType",
        K::Customer => "CustomerType",
        K::Owner => "OwnerType",
        K::Guid => "UniqueidentifierType",
    }
}

/// Properties every column has (`AttributeMetadata`).
const BASE: &[&str] = &[
    "MetadataId",
    "LogicalName",
    "SchemaName",
    "EntityLogicalName",
    "AttributeType",
    "AttributeTypeName",
    "ColumnNumber",
    "IsCustomAttribute",
    "IsPrimaryId",
    "IsPrimaryName",
    "IsValidForCreate",
    "IsValidForRead",
    "IsValidForUpdate",
    "IsSecured",
    "CanBeSecuredForRead",
    "CanBeSecuredForCreate",
    "CanBeSecuredForUpdate",
    "IsRetrievable",
    "IsFilterable",
    "IsSearchable",
    "IsManaged",
    "IsLogical",
    "AttributeOf",
    "DisplayName",
    "Description",
    "RequiredLevel",
    "HasChanged",
    "IsValidODataAttribute",
];

fn attribute_json(entity: &Entity, column: &Column) -> Map<String, Value> {
    let mut value = json!({
        "@odata.type": format!("#Microsoft.Dynamics.CRM.{}", column.kind.metadata_type()),
        "MetadataId": column.metadata_id,
        "LogicalName": column.name,
        "SchemaName": column.schema_name,
        "EntityLogicalName": entity.logical,
        "AttributeType": column.kind.type_code(),
        "AttributeTypeName": { "Value": type_name(column.kind) },
        "ColumnNumber": column.number,
        "IsCustomAttribute": column.custom,
        "IsPrimaryId": column.primary_id,
        "IsPrimaryName": column.primary_name,
        "IsValidForCreate": column.valid_for_create,
        "IsValidForRead": true,
        "IsValidForUpdate": column.valid_for_update,
        "IsSecured": column.secured,
        "CanBeSecuredForRead": !column.primary_id,
        "CanBeSecuredForCreate": !column.primary_id,
        "CanBeSecuredForUpdate": !column.primary_id,
        "IsRetrievable": true,
        "IsFilterable": true,
        "IsSearchable": true,
        "IsManaged": !column.custom,
        "IsLogical": false,
        "IsValidODataAttribute": true,
        "AttributeOf": null,
        "HasChanged": null,
        "DisplayName": label(&column.display, super::schema::stable_id(&[&entity.logical, &column.name, "display"])),
        "Description": label("", super::schema::stable_id(&[&entity.logical, &column.name, "description"])),
        "RequiredLevel": managed(json!(column.required.name()), "canmodifyrequirementlevelsettings"),
    });
    let extra = match column.kind {
        K::Text(n) | K::Memo(n) => {
            json!({ "MaxLength": n, "Format": if matches!(column.kind, K::Memo(_)) { "TextArea" } else { "Text" } })
        }
        K::Lookup | K::Customer | K::Owner => json!({ "Targets": column.targets }),
        K::Integer => {
            json!({ "MinValue": -2_147_483_648_i64, "MaxValue": 2_147_483_647_i64, "Format": "None" })
        }
        K::Money => {
            json!({ "Precision": 2, "MinValue": -922_337_203_685_477_f64, "MaxValue": 922_337_203_685_477_f64 })
        }
        K::Picklist | K::State | K::Status => {
            json!({ "DefaultFormValue": column.options.first().map(|o| o.0) })
        }
        K::Boolean => json!({ "DefaultValue": false }),
        K::DateTime => {
            json!({ "Format": "DateAndTime", "DateTimeBehavior": { "Value": "UserLocal" } })
        }
        _ => json!({}),
    };
    if let (Value::Object(map), Value::Object(extra)) = (&mut value, extra) {
        map.extend(extra);
    }
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn option_set(entity: &Entity, column: &Column) -> Value {
    let option = |value: i32, text: &str, state: i32| {
        let mut o = json!({
            "Value": value,
            "Label": label(text, super::schema::stable_id(&[&entity.logical, &column.name, text])),
            "Description": label("", super::schema::stable_id(&[&entity.logical, &column.name, text, "d"])),
            "IsManaged": !column.custom,
            "HasChanged": null,
        });
        if column.kind == K::Status {
            o["State"] = json!(state);
        }
        o
    };
    let kind = match column.kind {
        K::State => "State",
        K::Status => "Status",
        K::Boolean => "Boolean",
        _ => "Picklist",
    };
    let mut set = json!({
        "MetadataId": super::schema::stable_id(&[&entity.logical, &column.name, "optionset"]),
        "Name": format!("{}_{}", entity.logical, column.name),
        "OptionSetType": kind,
        "IsGlobal": false,
        "IsCustomOptionSet": column.custom,
        "HasChanged": null,
    });
    if column.kind == K::Boolean {
        let find = |v: i32| {
            column
                .options
                .iter()
                .find(|o| o.0 == v)
                .map(|o| option(o.0, &o.1, o.2))
        };
        set["FalseOption"] = find(0).unwrap_or(Value::Null);
        set["TrueOption"] = find(1).unwrap_or(Value::Null);
    } else {
        set["Options"] = Value::Array(
            column
                .options
                .iter()
                .map(|o| option(o.0, &o.1, o.2))
                .collect(),
        );
    }
    set
}

fn relationship_json(r: &Relationship) -> Map<String, Value> {
    let value = json!({
        "@odata.type": "#Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata",
        "MetadataId": r.metadata_id,
        "SchemaName": r.schema_name,
        "RelationshipType": "OneToManyRelationship",
        "IsCustomRelationship": r.custom,
        "ReferencedEntity": r.referenced_entity,
        "ReferencedAttribute": r.referenced_attribute,
        "ReferencingEntity": r.referencing_entity,
        "ReferencingAttribute": r.referencing_attribute,
        "ReferencingEntityNavigationPropertyName": r.referencing_navigation,
        "ReferencedEntityNavigationPropertyName": r.schema_name,
        "HasChanged": null,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

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
        expand: &dyn Fn(&str, &Map<String, Value>, &Options) -> ApiResult<Value>,
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

fn attributes(entity: &Entity, cast: Option<&str>, options: &Options) -> ApiResult<Vec<Value>> {
    let columns: Vec<&Column> = entity
        .live_columns()
        .map(|(_, c)| c)
        .filter(|c| cast.is_none_or(|t| c.kind.metadata_type() == t))
        .collect();
    let items: Vec<Map<String, Value>> =
        columns.iter().map(|c| attribute_json(entity, c)).collect();
    let known: Vec<String> = match cast {
        None => BASE.iter().map(|s| (*s).to_owned()).collect(),
        Some(_) => items
            .first()
            .map(|i| i.keys().cloned().collect())
            .unwrap_or_else(|| BASE.iter().map(|s| (*s).to_owned()).collect()),
    };
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

const RELATIONSHIP_PROPERTIES: &[&str] = &[
    "MetadataId",
    "SchemaName",
    "RelationshipType",
    "IsCustomRelationship",
    "ReferencedEntity",
    "ReferencedAttribute",
    "ReferencingEntity",
    "ReferencingAttribute",
    "ReferencingEntityNavigationPropertyName",
    "ReferencedEntityNavigationPropertyName",
    "HasChanged",
];

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
