//! The JSON shapes of table, column, choice and relationship definitions, as the Web API's
//! metadata endpoints return them (`EntityMetadata`, `AttributeMetadata` and its derived types,
//! `OptionSetMetadata`, `OneToManyRelationshipMetadata`; sample 12).

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::schema::{Column, Entity, K, Relationship, stable_id};

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

pub(super) fn entity_json(entity: &Entity) -> Map<String, Value> {
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
        "DisplayName": label(&entity.display, stable_id(&[&entity.logical, "display"])),
        "DisplayCollectionName": label(&entity.display_collection, stable_id(&[&entity.logical, "collection"])),
        "Description": label("", stable_id(&[&entity.logical, "description"])),
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
pub(super) const BASE: &[&str] = &[
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

pub(super) fn attribute_json(entity: &Entity, column: &Column) -> Map<String, Value> {
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
        "DisplayName": label(&column.display, stable_id(&[&entity.logical, &column.name, "display"])),
        "Description": label("", stable_id(&[&entity.logical, &column.name, "description"])),
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

pub(super) fn option_set(entity: &Entity, column: &Column) -> Value {
    let option = |value: i32, text: &str, state: i32| {
        let mut o = json!({
            "Value": value,
            "Label": label(text, stable_id(&[&entity.logical, &column.name, text])),
            "Description": label("", stable_id(&[&entity.logical, &column.name, text, "d"])),
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
        "MetadataId": stable_id(&[&entity.logical, &column.name, "optionset"]),
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

pub(super) fn relationship_json(r: &Relationship) -> Map<String, Value> {
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

pub(super) const RELATIONSHIP_PROPERTIES: &[&str] = &[
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
