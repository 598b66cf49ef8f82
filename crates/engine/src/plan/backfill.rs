//! Back-filling fields added after the first sync (R46-R48): every synced record's current Dynamics
//! value of the new fields goes to Marketo, nulls included ("Quick Sync can sync null values",
//! R47), and becomes the field's last-synced value, so the three-way merge has a base from then on.
//! Records that do not sync (stale under the sync filter, deleted) are left alone.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use uuid::Uuid;

use super::objects::key_field;
use super::record::COMPANY_FIELDS;
use super::{Commit, Context, KnownSet, LinkRef, MarketoAction, MarketoWrite, Plan, Skip};
use crate::mapping::FieldMapping;
use crate::model::{Entity, MarketoObject, person_fields};
use crate::rules::Rule;
use crate::store::journal::{Entry, Flow};
use crate::store::links::LinkState;

/// One page of an entity's records, read with the fields to back-fill.
#[derive(Debug, Clone, Copy)]
pub struct BackfillInput<'a> {
    pub entity: &'a Entity,
    /// The fields being back-filled.
    pub fields: &'a [FieldMapping],
    /// Each record's id and JSON as the Web API returned it.
    pub rows: &'a [(Uuid, Json)],
    pub known: &'a KnownSet,
}

/// Plans the Marketo writes that bring a page's new fields to Marketo.
pub fn plan_backfill(ctx: &Context<'_>, input: &BackfillInput<'_>) -> Plan {
    let mut plan = Plan::default();
    let entity = input.entity;
    let object = entity.marketo_object();
    for (id, json) in input.rows {
        let Some(known) = input.known.by_dynamics(entity, *id) else {
            continue; // Not synced (yet): its first copy will carry every field.
        };
        if known.link.state != LinkState::Live {
            continue;
        }
        let Some(marketo_id) = known.link.marketo_id.clone() else {
            continue;
        };
        // A person linked to a company shows the company's values and cannot write them (R54).
        let company = entity.is_person()
            && known
                .synced
                .get(person_fields::COMPANY)
                .is_some_and(|c| !c.is_null());
        let mut record = serde_json::Map::new();
        let mut synced = BTreeMap::new();
        let mut journal = Vec::new();
        for mapping in input.fields {
            if company && COMPANY_FIELDS.contains(&mapping.marketo.as_str()) {
                continue;
            }
            let raw = json.get(mapping.read_property()).unwrap_or(&Json::Null);
            let value = match mapping.kind.from_dynamics(raw) {
                Ok(value) => value,
                Err(error) => {
                    plan.skipped.push(Skip {
                        entity: entity.clone(),
                        record: id.to_string(),
                        code: "invalid-value",
                        message: format!("{}: {error}", mapping.marketo),
                    });
                    continue;
                }
            };
            record.insert(mapping.marketo.clone(), mapping.kind.to_marketo(&value));
            journal.push(Entry {
                run_id: ctx.run_id,
                at: ctx.now,
                entity: entity.logical_name().to_owned(),
                dynamics_id: Some(*id),
                marketo_id: Some(marketo_id.clone()),
                field: Some(mapping.marketo.clone()),
                flow: Flow::ToMarketo,
                before: known.synced.get(&mapping.marketo).cloned(),
                after: Some(value.clone()),
                rule: Rule::Backfill,
                note: None,
            });
            synced.insert(mapping.marketo.clone(), value);
        }
        if record.is_empty() {
            continue;
        }
        let action = if object == MarketoObject::Person {
            let Ok(person) = marketo_id.parse::<i64>() else {
                continue;
            };
            record.insert("id".into(), Json::from(person));
            MarketoAction::UpdatePerson
        } else {
            record.insert(key_field(&object).into(), Json::from(id.to_string()));
            MarketoAction::Upsert
        };
        plan.marketo.push(MarketoWrite {
            object: object.clone(),
            action,
            record,
            commit: Commit {
                link: Some(LinkRef::Id(known.link.id)),
                synced,
                journal,
                ..Commit::default()
            },
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::Utc;
    use serde_json::json;

    use super::*;
    use crate::mapping::Mappings;
    use crate::model::Direction;
    use crate::plan::Known;
    use crate::store::links::Link;
    use crate::value::{FieldKind, Value};

    fn field(entity: Entity, dynamics: &str, marketo: &str) -> FieldMapping {
        FieldMapping {
            entity,
            dynamics: dynamics.into(),
            marketo: marketo.into(),
            kind: FieldKind::Text {
                max_length: Some(100),
            },
            direction: Direction::TwoWay,
        }
    }

    fn known(id: i64, entity: Entity, dynamics: Uuid, marketo: &str, state: LinkState) -> Known {
        Known {
            link: Link {
                id,
                entity: entity.clone(),
                dynamics_id: dynamics,
                object: entity.marketo_object(),
                marketo_id: Some(marketo.into()),
                state,
                dynamics_echo: None,
            },
            synced: BTreeMap::from([("lastName".to_owned(), Value::Text("Old".into()))]),
            marketo_synced: BTreeMap::new(),
        }
    }

    fn plan(
        entity: &Entity,
        fields: &[FieldMapping],
        rows: &[(Uuid, Json)],
        known: &KnownSet,
    ) -> Plan {
        let mappings = Mappings::new(fields.to_vec());
        let filters = BTreeSet::new();
        let ctx = Context {
            now: Utc::now(),
            run_id: 3,
            mappings: &mappings,
            sync_user: None,
            filter_entities: &filters,
        };
        plan_backfill(
            &ctx,
            &BackfillInput {
                entity,
                fields,
                rows,
                known,
            },
        )
    }

    #[test]
    fn a_new_field_reaches_every_synced_person_nulls_included_r46_r47() {
        let fields = [field(Entity::Contact, "jobtitle", "title")];
        let (a, b, stale, unknown) = (
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            Uuid::from_u128(4),
        );
        let mut set = KnownSet::default();
        set.insert(known(10, Entity::Contact, a, "501", LinkState::Live));
        set.insert(known(11, Entity::Contact, b, "502", LinkState::Live));
        set.insert(known(12, Entity::Contact, stale, "503", LinkState::Stale));
        let rows = vec![
            (a, json!({"contactid": a, "jobtitle": "CFO"})),
            (b, json!({"contactid": b, "jobtitle": null})),
            (stale, json!({"contactid": stale, "jobtitle": "CEO"})),
            (unknown, json!({"contactid": unknown, "jobtitle": "CTO"})),
        ];
        let plan = plan(&Entity::Contact, &fields, &rows, &set);
        assert_eq!(
            plan.marketo.len(),
            2,
            "only live, linked records: a stale one gets no updates (R37), an unsynced one gets its first copy"
        );
        assert_eq!(plan.marketo[0].record["id"], json!(501));
        assert_eq!(plan.marketo[0].record["title"], json!("CFO"));
        assert_eq!(
            plan.marketo[1].record["title"],
            Json::Null,
            "Quick Sync syncs null values (R47)"
        );
        assert_eq!(plan.marketo[0].action, MarketoAction::UpdatePerson);
        let commit = &plan.marketo[0].commit;
        assert_eq!(
            commit.synced["title"],
            Value::Text("CFO".into()),
            "the value becomes the field's base"
        );
        assert_eq!(commit.journal[0].rule, Rule::Backfill);
        assert_eq!(commit.link, Some(LinkRef::Id(10)));
    }

    #[test]
    fn a_one_way_entity_is_back_filled_by_its_key() {
        let fields = [field(Entity::Account, "tickersymbol", "tickerSymbol")];
        let id = Uuid::from_u128(7);
        let mut set = KnownSet::default();
        set.insert(known(20, Entity::Account, id, "co-1", LinkState::Live));
        let rows = vec![(id, json!({"accountid": id, "tickersymbol": "MSFT"}))];
        let plan = plan(&Entity::Account, &fields, &rows, &set);
        assert_eq!(plan.marketo[0].action, MarketoAction::Upsert);
        assert_eq!(
            plan.marketo[0].record["externalCompanyId"],
            json!(id.to_string())
        );
        assert_eq!(plan.marketo[0].record["tickerSymbol"], json!("MSFT"));
    }
}
