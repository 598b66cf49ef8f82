//! Preparing Marketo for the sync: the person fields the mapping writes to and the custom object
//! types custom entities become (each keyed by its Dynamics id and linked to the person or company
//! it hangs off), created when missing.

use dynasync_marketo::{
    LinkTo, MarketoClient, NewCustomObjectField, NewCustomObjectType, NewField,
};

use crate::error::EngineError;
use crate::mapping::FieldMapping;
use crate::model::{Entity, custom_object, custom_object_name};
use crate::store::schema::EnabledEntity;
use crate::value::FieldKind;

fn setup_error(message: String) -> EngineError {
    EngineError::Setup(message)
}

/// Creates the Marketo person fields `mappings` write to and Marketo lacks.
pub(crate) async fn ensure_person_fields(
    client: &MarketoClient,
    mappings: &[FieldMapping],
) -> Result<(), EngineError> {
    let described = client.describe_leads().await?;
    let mut fields = NewField::dynasync_fields();
    let mut seen = std::collections::BTreeSet::new();
    for mapping in mappings {
        if !mapping.entity.is_person()
            || described.field(&mapping.marketo).is_some()
            || !seen.insert(mapping.marketo.clone())
        {
            continue;
        }
        let (label, data_type) = crate::mapping::default_fields(&mapping.entity)
            .into_iter()
            .find(|d| d.marketo == mapping.marketo)
            .and_then(|d| d.create)
            .map_or_else(
                || {
                    (
                        mapping.marketo.clone(),
                        new_field_type(&mapping.kind).to_owned(),
                    )
                },
                |c| (c.display_name.to_owned(), c.data_type.to_owned()),
            );
        fields.push(NewField::new(&mapping.marketo, &label, &data_type));
    }
    let outcomes = client.ensure_lead_fields(&fields).await?;
    if let Some(refused) = outcomes.iter().find(|o| o.is_skipped()) {
        return Err(setup_error(format!(
            "Marketo refused to create a field: {:?}",
            refused.reasons
        )));
    }
    Ok(())
}

fn new_field_type(kind: &FieldKind) -> &'static str {
    match kind {
        // The API creates no text-area fields: longer texts go to a string field too.
        FieldKind::Text { .. } => "string",
        FieldKind::Integer => "integer",
        FieldKind::Decimal => "float",
        FieldKind::Boolean => "boolean",
        FieldKind::DateTime => "datetime",
        FieldKind::DateOnly => "date",
        FieldKind::Choice { .. } | FieldKind::Lookup { .. } => "string",
    }
}

/// The type of a custom object field for a column: longer texts become `text`.
fn custom_field_type(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::Text {
            max_length: Some(n),
        } if *n > 255 => "text",
        other => new_field_type(other),
    }
}

/// The fields a custom entity's object type has: its key, its link to the person or company it
/// hangs off, and its mapped columns.
fn custom_object_fields(
    entity: &EnabledEntity,
    mappings: &[FieldMapping],
) -> Vec<NewCustomObjectField> {
    let field = |name: &str, label: &str, data_type: &str| NewCustomObjectField {
        name: name.to_owned(),
        display_name: label.to_owned(),
        data_type: data_type.to_owned(),
        description: None,
        is_dedupe_field: false,
        related_to: None,
    };
    let mut fields = vec![NewCustomObjectField {
        is_dedupe_field: true,
        description: Some("The record's id in Dynamics".into()),
        ..field(custom_object::DYNAMICS_ID, "Dynamics Id", "string")
    }];
    let root = entity
        .path
        .first()
        .map(|s| Entity::from_logical_name(&s.parent));
    fields.push(match root {
        Some(Entity::Account) => NewCustomObjectField {
            related_to: Some(LinkTo {
                name: "company".into(),
                field: "externalCompanyId".into(),
            }),
            ..field(custom_object::COMPANY_LINK, "Company", "link")
        },
        _ => NewCustomObjectField {
            related_to: Some(LinkTo {
                name: "lead".into(),
                field: "id".into(),
            }),
            ..field(custom_object::LEAD_LINK, "Person", "link")
        },
    });
    for mapping in mappings.iter().filter(|m| m.entity == entity.entity) {
        fields.push(field(
            &mapping.marketo,
            &mapping.marketo,
            custom_field_type(&mapping.kind),
        ));
    }
    fields
}

/// Creates (or completes) and approves the custom object type of each enabled custom entity.
pub(crate) async fn ensure_custom_objects(
    client: &MarketoClient,
    entities: &[EnabledEntity],
    mappings: &[FieldMapping],
) -> Result<(), EngineError> {
    let customs: Vec<&EnabledEntity> = entities
        .iter()
        .filter(|e| matches!(e.entity, Entity::Custom(_)))
        .collect();
    if customs.is_empty() {
        return Ok(());
    }
    let types = client.custom_object_types().await?;
    for entity in customs {
        let api_name = custom_object_name(entity.entity.logical_name());
        let wanted = custom_object_fields(entity, mappings);
        let existing = types
            .iter()
            .find(|t| t.api_name.as_deref() == Some(api_name.as_str()));
        let (have, approved): (Vec<String>, bool) = match existing {
            Some(t) => (
                t.fields.iter().map(|f| f.name.to_lowercase()).collect(),
                t.state.as_deref() != Some("draft"),
            ),
            None => {
                client
                    .create_custom_object_type(&NewCustomObjectType {
                        api_name: api_name.clone(),
                        display_name: entity
                            .label
                            .clone()
                            .unwrap_or_else(|| entity.entity.logical_name().to_owned()),
                        plural_name: None,
                        description: Some(format!(
                            "The Dynamics table {}, synced by Dynasync",
                            entity.entity.logical_name()
                        )),
                        show_in_lead_detail: true,
                    })
                    .await?;
                (Vec::new(), false)
            }
        };
        let missing: Vec<NewCustomObjectField> = wanted
            .into_iter()
            .filter(|f| !have.contains(&f.name.to_lowercase()))
            .collect();
        if approved
            && let Some(key) = missing
                .iter()
                .find(|f| f.is_dedupe_field || f.related_to.is_some())
        {
            return Err(setup_error(format!(
                "the Marketo custom object {api_name} exists without the field {} Dynasync needs, which an approved type cannot get: \
                 delete that custom object type in Marketo (or rename the Dynamics table), then save again",
                key.name
            )));
        }
        if !missing.is_empty() {
            client.add_custom_object_fields(&api_name, &missing).await?;
        }
        if !missing.is_empty() || !approved {
            client.approve_custom_object_type(&api_name).await?;
        }
    }
    Ok(())
}
