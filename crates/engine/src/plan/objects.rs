//! One-way entities, Dynamics to Marketo (R15): users and teams become sales persons (R58, R59),
//! accounts become companies (R53), opportunities become opportunities with their roles (R55-R57).
//! Dynamics always wins (R20): every change of a record sends all its mapped fields, which also
//! overrides any edit made in Marketo since (R21). An account change leaves an activity on each of
//! its people, unless it has more than 5,000 of them (R12).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as Json;
use uuid::Uuid;

use super::{
    Commit, Context, DynamicsRecord, Filter, KnownSet, LinkChange, LinkRef, MarketoAction,
    MarketoId, MarketoWrite, Plan, Skip,
};
use crate::model::{Entity, MarketoObject, SYNC_FILTER_COLUMN, custom_object};
use crate::rules::Rule;
use crate::store::journal::{Entry, Flow};
use crate::store::links::LinkState;
use crate::value::Value;

/// Above this many people, an account change logs no activity on each of them (R12).
pub const ACCOUNT_ACTIVITY_CAP: usize = 5_000;

/// The role of an opportunity's customer contact in Marketo (R56).
const CUSTOMER_ROLE: &str = "Customer";

/// Where an opportunity's last-synced values keep its customer contact's person, so that a change
/// of customer can remove the former role (R56). Not a Marketo field: never sent.
const CUSTOMER_PERSON: &str = "customerPerson";

/// The role of a stakeholder connected without one (R57).
const STAKEHOLDER_ROLE: &str = "Stakeholder";

/// The fields that identify an opportunity role in Marketo (its dedupe fields), kept as a
/// stakeholder connection's last-synced values so that a changed or removed stakeholder's former
/// role can be deleted (R57).
const ROLE_KEY: [&str; 3] = ["externalOpportunityId", "leadId", "role"];

/// A custom activity to add to a Marketo person's activity log.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityWrite {
    pub person: i64,
    pub kind: ActivityKind,
    /// The activity's primary attribute (an account name, a field).
    pub primary: String,
    pub attributes: Vec<(&'static str, String)>,
}

/// The custom activity types Dynasync creates in Marketo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    /// "Dynamics account changed": an account field changed for this person's company (R12).
    AccountChanged,
    /// "Dynamics rejected a change": a value from Marketo failed a Dynamics validation (R28).
    DynamicsRejected,
}

/// The one-way records of a batch and what they refer to.
#[derive(Debug, Clone, Copy)]
pub struct ObjectsInput<'a> {
    pub records: &'a [DynamicsRecord],
    pub known: &'a KnownSet,
    /// The Marketo people of each account, for the per-person activities of an account change (R12).
    pub people_of_account: &'a HashMap<Uuid, Vec<i64>>,
    /// Each linked contact's Marketo person and account, for opportunity roles and companies (R56).
    pub contacts: &'a HashMap<Uuid, ContactRef>,
    /// What each custom entity record hangs off in Marketo.
    pub parents: &'a HashMap<Uuid, Parent>,
    /// Connection role names by id, for stakeholders (R57).
    pub roles: &'a HashMap<Uuid, String>,
}

/// The Marketo record a custom object record links to: the person or company of the lead, contact
/// or account it hangs off in Dynamics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parent {
    Person(i64),
    Company(Uuid),
    /// It hangs off nothing that syncs; says why.
    NotSynced(String),
}

/// What an opportunity needs to know of the contact it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactRef {
    pub person: Option<i64>,
    pub account: Option<Uuid>,
}

/// The dedupe key of each object: the Dynamics id goes into this field.
pub(crate) fn key_field(object: &MarketoObject) -> &'static str {
    match object {
        MarketoObject::Company => "externalCompanyId",
        MarketoObject::SalesPerson => "externalSalesPersonId",
        MarketoObject::Opportunity => "externalOpportunityId",
        _ => custom_object::DYNAMICS_ID,
    }
}

fn guid(json: &Json, property: &str) -> Option<Uuid> {
    json.get(property)
        .and_then(Json::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// Plans a batch of one-way records (all of one entity or mixed).
pub fn plan_objects(ctx: &Context<'_>, input: &ObjectsInput<'_>) -> (Plan, Vec<ActivityWrite>) {
    let mut plan = Plan::default();
    let mut activities = Vec::new();
    for record in input.records {
        let entity = &record.entity;
        let object = entity.marketo_object();
        let known = input.known.by_dynamics(entity, record.id);
        if *entity == Entity::Connection {
            stakeholder(ctx, input, record, known, &mut plan);
            continue;
        }
        let entry =
            |rule: Rule, field: Option<&str>, before: Option<Value>, after: Option<Value>| Entry {
                run_id: ctx.run_id,
                at: ctx.now,
                entity: entity.logical_name().to_owned(),
                dynamics_id: Some(record.id),
                marketo_id: None,
                field: field.map(str::to_owned),
                flow: if field.is_some() {
                    Flow::ToMarketo
                } else {
                    Flow::None
                },
                before,
                after,
                rule,
                note: None,
            };
        let mut key = serde_json::Map::new();
        key.insert(key_field(&object).into(), Json::from(record.id.to_string()));

        let Some(json) = &record.json else {
            // Gone from Dynamics: gone from Marketo, as Dynamics always wins for these (R20).
            if let Some(known) = known {
                plan.marketo.push(MarketoWrite {
                    object,
                    action: MarketoAction::Delete,
                    record: key,
                    commit: Commit {
                        links: vec![LinkChange::Remove {
                            link_id: known.link.id,
                        }],
                        journal: vec![entry(Rule::DynamicsWinsOneWay, None, None, None)],
                        ..Commit::default()
                    },
                });
            }
            continue;
        };
        let filter = if !ctx.filter_entities.contains(entity) {
            Filter::Absent
        } else {
            match json.get(SYNC_FILTER_COLUMN) {
                Some(Json::Bool(true)) => Filter::Yes,
                Some(Json::Bool(false)) => Filter::No,
                _ => Filter::Blank,
            }
        };
        let state = known.map(|k| k.link.state);
        match (filter, state) {
            (Filter::No | Filter::Blank, Some(LinkState::Live)) => {
                // No: stops getting updates (R37). Blank: copied once, then no updates (R34).
                let link_id = known.map(|k| k.link.id).unwrap_or_default();
                let rule = if filter == Filter::No {
                    Rule::FilterNo
                } else {
                    Rule::FilterBlank
                };
                plan.local.push(Commit {
                    links: vec![LinkChange::State {
                        link_id,
                        state: LinkState::Stale,
                    }],
                    journal: vec![entry(rule, None, None, None)],
                    ..Commit::default()
                });
                continue;
            }
            (Filter::No, _) | (Filter::Blank, Some(_)) => continue,
            // Yes or no filter (which resumes a stale record, R36), or Blank for the one first copy.
            _ => {}
        }

        let mut values: BTreeMap<String, Value> = BTreeMap::new();
        let mut fields = key.clone();
        if let Entity::Custom(_) = entity {
            match input.parents.get(&record.id) {
                Some(Parent::Person(person)) => {
                    fields.insert(custom_object::LEAD_LINK.into(), Json::from(*person));
                }
                Some(Parent::Company(account)) => {
                    fields.insert(
                        custom_object::COMPANY_LINK.into(),
                        Json::from(account.to_string()),
                    );
                }
                Some(Parent::NotSynced(why)) => {
                    plan.skipped.push(Skip {
                        entity: entity.clone(),
                        record: record.id.to_string(),
                        code: "parent-not-synced",
                        message: why.clone(),
                    });
                    continue;
                }
                None => {
                    plan.skipped.push(Skip {
                        entity: entity.clone(),
                        record: record.id.to_string(),
                        code: "parent-not-synced",
                        message: "it hangs off no lead, contact or account".into(),
                    });
                    continue;
                }
            }
        }
        for mapping in ctx.mappings.of(entity) {
            let Some(raw) = json.get(mapping.read_property()) else {
                continue;
            };
            let Ok(value) = mapping.kind.from_dynamics(raw) else {
                continue;
            };
            fields.insert(mapping.marketo.clone(), mapping.kind.to_marketo(&value));
            values.insert(mapping.marketo.clone(), value);
        }
        let mut add_ref = |field: &str, id: Option<Uuid>| {
            fields.insert(
                field.into(),
                id.map_or(Json::Null, |id| Json::from(id.to_string())),
            );
            values.insert(field.into(), id.map_or(Value::Null, Value::Ref));
        };
        if matches!(entity, Entity::Account | Entity::Opportunity)
            && json.get("_ownerid_value").is_some()
        {
            add_ref("externalSalesPersonId", guid(json, "_ownerid_value"));
        }
        let mut roles = Vec::new();
        let mut gone_roles = Vec::new();
        if *entity == Entity::Opportunity && json.get("_customerid_value").is_some() {
            // The potential customer is an account or a contact (R56). A contact gives a role and
            // its own account; an account is just the opportunity's company.
            let customer = guid(json, "_customerid_value");
            let kind = json
                .get("_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname")
                .and_then(Json::as_str);
            let mut customer_person = None;
            let account = match (kind, customer) {
                (Some("contact"), Some(contact)) => {
                    let contact = input.contacts.get(&contact);
                    customer_person = contact.and_then(|c| c.person);
                    contact.and_then(|c| c.account)
                }
                (_, customer) => customer,
            };
            add_ref("externalCompanyId", account);
            if let Some(person) = customer_person {
                roles.push((person, CUSTOMER_ROLE, true));
            }
            // A former customer contact is no longer a role once the customer changes (R56).
            if let Some(Value::Int(former)) = known.and_then(|k| k.synced.get(CUSTOMER_PERSON))
                && customer_person != Some(*former)
            {
                gone_roles.push(*former);
            }
            values.insert(
                CUSTOMER_PERSON.into(),
                customer_person.map_or(Value::Null, Value::Int),
            );
        }

        // An account change logs an activity on each of its people, unless there are too many (R12).
        if *entity == Entity::Account
            && let Some(known) = known
        {
            let changed: Vec<String> = values
                .iter()
                .filter(|(field, value)| known.synced.get(*field).unwrap_or(&Value::Null) != *value)
                .map(|(field, value)| {
                    format!(
                        "{field}: {} → {value}",
                        known.synced.get(field).unwrap_or(&Value::Null)
                    )
                })
                .collect();
            let people = input
                .people_of_account
                .get(&record.id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if !changed.is_empty() && people.len() > ACCOUNT_ACTIVITY_CAP {
                plan.local.push(Commit {
                    journal: vec![Entry {
                        note: Some(format!("{} people", people.len())),
                        ..entry(Rule::AccountActivityCap, None, None, None)
                    }],
                    ..Commit::default()
                });
            } else if !changed.is_empty() {
                let name = json
                    .get("name")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned();
                for person in people {
                    activities.push(ActivityWrite {
                        person: *person,
                        kind: ActivityKind::AccountChanged,
                        primary: name.clone(),
                        attributes: vec![("changes", changed.join("; "))],
                    });
                }
            }
        }

        let first = known.is_none();
        let mut journal: Vec<Entry> = values
            .iter()
            .filter(|(field, value)| {
                known.is_none_or(|k| k.synced.get(*field).unwrap_or(&Value::Null) != *value)
            })
            .map(|(field, value)| {
                let before = known.map(|k| k.synced.get(field).cloned().unwrap_or(Value::Null));
                let rule = match (first, entity) {
                    (true, _) => Rule::FirstCopy,
                    (false, Entity::Account) => Rule::AccountOverridesCompany,
                    (false, _) => Rule::DynamicsWinsOneWay,
                };
                entry(rule, Some(field), before, Some(value.clone()))
            })
            .collect();
        let new_state = if filter == Filter::Blank {
            LinkState::Stale
        } else {
            LinkState::Live
        };
        if filter == Filter::Blank {
            journal.push(entry(Rule::FilterBlank, None, None, None));
        } else if state == Some(LinkState::Stale) {
            journal.push(entry(Rule::FilterYes, None, None, None));
        }
        let link = match known {
            Some(k) => LinkChange::State {
                link_id: k.link.id,
                state: new_state,
            },
            None => LinkChange::Upsert {
                entity: entity.clone(),
                dynamics_id: record.id,
                object: object.clone(),
                marketo_id: MarketoId::FromOutcome,
                state: new_state,
            },
        };
        plan.marketo.push(MarketoWrite {
            object: object.clone(),
            action: MarketoAction::Upsert,
            record: fields,
            commit: Commit {
                links: vec![link],
                link: known.map(|k| LinkRef::Id(k.link.id)),
                synced: values,
                journal,
                ..Commit::default()
            },
        });
        let role_key = |person: i64, role: &str| {
            let mut key = serde_json::Map::new();
            key.insert(
                "externalOpportunityId".into(),
                Json::from(record.id.to_string()),
            );
            key.insert("leadId".into(), Json::from(person));
            key.insert("role".into(), Json::from(role));
            key
        };
        for person in gone_roles {
            plan.marketo.push(MarketoWrite {
                object: MarketoObject::OpportunityRole,
                action: MarketoAction::Delete,
                record: role_key(person, CUSTOMER_ROLE),
                commit: Commit::default(),
            });
        }
        for (person, role, primary) in roles {
            let mut role_record = role_key(person, role);
            role_record.insert("isPrimary".into(), Json::Bool(primary));
            plan.marketo.push(MarketoWrite {
                object: MarketoObject::OpportunityRole,
                action: MarketoAction::Upsert,
                record: role_record,
                commit: Commit::default(),
            });
        }
    }
    (plan, activities)
}

/// A connection from an opportunity to a contact is a stakeholder: the contact's person gets a role
/// on the opportunity, named after the contact's connection role (R57). Dataverse keeps each
/// connection twice, once from each side; only the one from the opportunity counts. A changed
/// stakeholder's former role goes, and so does the role of a stakeholder removed or deactivated.
fn stakeholder(
    ctx: &Context<'_>,
    input: &ObjectsInput<'_>,
    record: &DynamicsRecord,
    known: Option<&super::Known>,
    plan: &mut Plan,
) {
    let entry = |rule: Rule, note: Option<String>| Entry {
        run_id: ctx.run_id,
        at: ctx.now,
        entity: Entity::Connection.logical_name().to_owned(),
        dynamics_id: Some(record.id),
        marketo_id: None,
        field: None,
        flow: Flow::ToMarketo,
        before: None,
        after: None,
        rule,
        note,
    };
    let side = |json: &Json, n: u8| {
        let property = format!("_record{n}id_value");
        let table = json
            .get(format!(
                "{property}@Microsoft.Dynamics.CRM.lookuplogicalname"
            ))
            .and_then(Json::as_str)
            .map(str::to_owned);
        (table, guid(json, &property))
    };
    let wanted = record.json.as_ref().and_then(|json| {
        let active = json.get("statecode").and_then(Json::as_i64).unwrap_or(0) == 0;
        let (from, opportunity) = side(json, 1);
        let (to, contact) = side(json, 2);
        if !active || from.as_deref() != Some("opportunity") || to.as_deref() != Some("contact") {
            return None;
        }
        let person = input.contacts.get(&contact?)?.person?;
        let role = guid(json, "_record2roleid_value")
            .and_then(|id| input.roles.get(&id).cloned())
            .unwrap_or_else(|| STAKEHOLDER_ROLE.to_owned());
        Some(BTreeMap::from([
            (
                ROLE_KEY[0].to_owned(),
                Value::Text(opportunity?.to_string()),
            ),
            (ROLE_KEY[1].to_owned(), Value::Int(person)),
            (ROLE_KEY[2].to_owned(), Value::Text(role)),
        ]))
    });
    let role_record = |key: &BTreeMap<String, Value>| -> serde_json::Map<String, Json> {
        key.iter()
            .map(|(field, value)| {
                let json = match value {
                    Value::Int(n) => Json::from(*n),
                    Value::Text(text) => Json::from(text.as_str()),
                    _ => Json::Null,
                };
                (field.clone(), json)
            })
            .collect()
    };
    let former = known
        .map(|k| k.synced.clone())
        .filter(|key| ROLE_KEY.iter().all(|field| key.contains_key(*field)));
    if former.is_some() && former == wanted {
        return; // Another field of the connection changed: the role is the same.
    }
    // A stakeholder no more: its link goes, with the former role when there is one.
    let removal = known.filter(|_| wanted.is_none()).map(|k| Commit {
        links: vec![LinkChange::Remove { link_id: k.link.id }],
        journal: vec![entry(
            Rule::Stakeholder,
            Some("no longer a stakeholder".into()),
        )],
        ..Commit::default()
    });
    match (&former, removal) {
        (Some(former), removal) => plan.marketo.push(MarketoWrite {
            object: MarketoObject::OpportunityRole,
            action: MarketoAction::Delete,
            record: role_record(former),
            commit: removal.unwrap_or_default(),
        }),
        (None, Some(removal)) => plan.local.push(removal),
        (None, None) => {}
    }
    let Some(key) = wanted else { return };
    let mut role = role_record(&key);
    role.insert("isPrimary".into(), Json::Bool(false));
    let note = match &key[ROLE_KEY[2]] {
        Value::Text(name) => format!("as {name}"),
        _ => String::new(),
    };
    plan.marketo.push(MarketoWrite {
        object: MarketoObject::OpportunityRole,
        action: MarketoAction::Upsert,
        record: role,
        commit: Commit {
            // No Marketo id: the role is found by its dedupe fields, which two connections of
            // the same contact in the same role share.
            links: vec![LinkChange::Upsert {
                entity: Entity::Connection,
                dynamics_id: record.id,
                object: MarketoObject::OpportunityRole,
                marketo_id: MarketoId::None,
                state: LinkState::Live,
            }],
            synced: key,
            journal: vec![entry(Rule::Stakeholder, Some(note))],
            ..Commit::default()
        },
    });
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::Utc;
    use serde_json::json;

    use super::*;
    use crate::mapping::{FieldMapping, Mappings};
    use crate::model::Direction;
    use crate::plan::Known;
    use crate::store::links::Link;
    use crate::value::FieldKind;

    fn mappings() -> Mappings {
        let text = || FieldKind::Text { max_length: None };
        Mappings::new([
            FieldMapping {
                entity: Entity::Account,
                dynamics: "name".into(),
                marketo: "company".into(),
                kind: text(),
                direction: Direction::ToMarketo,
            },
            FieldMapping {
                entity: Entity::Account,
                dynamics: "address1_city".into(),
                marketo: "billingCity".into(),
                kind: text(),
                direction: Direction::ToMarketo,
            },
            FieldMapping {
                entity: Entity::Opportunity,
                dynamics: "name".into(),
                marketo: "name".into(),
                kind: text(),
                direction: Direction::ToMarketo,
            },
            FieldMapping {
                entity: Entity::SystemUser,
                dynamics: "internalemailaddress".into(),
                marketo: "email".into(),
                kind: text(),
                direction: Direction::ToMarketo,
            },
        ])
    }

    struct Run {
        mappings: Mappings,
        filters: BTreeSet<Entity>,
        known: KnownSet,
        people: HashMap<Uuid, Vec<i64>>,
        contacts: HashMap<Uuid, ContactRef>,
        parents: HashMap<Uuid, Parent>,
        roles: HashMap<Uuid, String>,
    }

    impl Run {
        fn new() -> Run {
            Run {
                mappings: mappings(),
                filters: BTreeSet::new(),
                known: KnownSet::default(),
                people: HashMap::new(),
                contacts: HashMap::new(),
                parents: HashMap::new(),
                roles: HashMap::new(),
            }
        }

        fn known(
            mut self,
            entity: Entity,
            id: Uuid,
            object: MarketoObject,
            state: LinkState,
            synced: &[(&str, Value)],
        ) -> Run {
            self.known.insert(Known {
                link: Link {
                    id: 9,
                    entity,
                    dynamics_id: id,
                    object,
                    marketo_id: None,
                    state,
                    dynamics_echo: None,
                },
                synced: synced
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.clone()))
                    .collect(),
                marketo_synced: BTreeMap::new(),
            });
            self
        }

        fn plan(&self, records: &[DynamicsRecord]) -> (Plan, Vec<ActivityWrite>) {
            let ctx = Context {
                now: Utc::now(),
                run_id: 1,
                mappings: &self.mappings,
                sync_user: None,
                filter_entities: &self.filters,
            };
            let input = ObjectsInput {
                records,
                known: &self.known,
                people_of_account: &self.people,
                contacts: &self.contacts,
                parents: &self.parents,
                roles: &self.roles,
            };
            plan_objects(&ctx, &input)
        }
    }

    const ACME: Uuid = Uuid::from_u128(0xA);
    const OWNER: Uuid = Uuid::from_u128(0x0B);

    fn account(json: Json) -> DynamicsRecord {
        DynamicsRecord {
            entity: Entity::Account,
            id: ACME,
            json: Some(json),
        }
    }

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn an_account_becomes_a_company_keyed_by_its_dynamics_id_with_its_owner() {
        let (plan, activities) = Run::new().plan(&[account(
            json!({"name": "Acme", "address1_city": "Lyon", "_ownerid_value": OWNER.to_string()}),
        )]);
        let write = &plan.marketo[0];
        assert_eq!(write.object, MarketoObject::Company);
        assert_eq!(write.record["externalCompanyId"], json!(ACME.to_string()));
        assert_eq!(
            write.record["externalSalesPersonId"],
            json!(OWNER.to_string())
        );
        assert_eq!(write.record["billingCity"], json!("Lyon"));
        assert!(activities.is_empty(), "a first copy is not a change");
        assert!(
            write
                .commit
                .journal
                .iter()
                .all(|e| e.rule == Rule::FirstCopy)
        );
    }

    #[test]
    fn an_account_change_overrides_every_company_field_r21() {
        let run = Run::new().known(
            Entity::Account,
            ACME,
            MarketoObject::Company,
            LinkState::Live,
            &[("company", t("Acme")), ("billingCity", t("Lyon"))],
        );
        let (plan, _) = run.plan(&[account(json!({"name": "Acme", "address1_city": "Paris"}))]);
        let write = &plan.marketo[0];
        assert_eq!(
            write.record["company"],
            json!("Acme"),
            "unchanged fields are sent too, overriding Marketo edits"
        );
        assert_eq!(write.record["billingCity"], json!("Paris"));
        assert_eq!(
            write
                .commit
                .journal
                .iter()
                .map(|e| e.rule)
                .collect::<Vec<_>>(),
            [Rule::AccountOverridesCompany],
            "only the change is journaled"
        );
    }

    #[test]
    fn an_account_change_logs_an_activity_on_each_person_up_to_5000_r12() {
        let mut run = Run::new().known(
            Entity::Account,
            ACME,
            MarketoObject::Company,
            LinkState::Live,
            &[("billingCity", t("Lyon"))],
        );
        run.people.insert(ACME, (1..=5000).collect());
        let (_, activities) = run.plan(&[account(json!({"address1_city": "Paris"}))]);
        assert_eq!(activities.len(), 5000);
        assert_eq!(activities[0].kind, ActivityKind::AccountChanged);
        assert!(
            activities[0].attributes[0]
                .1
                .contains("billingCity: \"Lyon\" → \"Paris\""),
            "{:?}",
            activities[0]
        );

        run.people.insert(ACME, (1..=5001).collect());
        let (plan, activities) = run.plan(&[account(json!({"address1_city": "Paris"}))]);
        assert!(
            activities.is_empty(),
            "above 5,000 people the change syncs without per-person activities"
        );
        assert_eq!(plan.marketo.len(), 1, "the change itself still syncs");
        assert!(
            plan.local
                .iter()
                .flat_map(|c| &c.journal)
                .any(|e| e.rule == Rule::AccountActivityCap)
        );
    }

    #[test]
    fn a_deleted_account_deletes_its_company() {
        let run = Run::new().known(
            Entity::Account,
            ACME,
            MarketoObject::Company,
            LinkState::Live,
            &[],
        );
        let (plan, _) = run.plan(&[DynamicsRecord {
            entity: Entity::Account,
            id: ACME,
            json: None,
        }]);
        assert_eq!(plan.marketo[0].action, MarketoAction::Delete);
        assert_eq!(
            plan.marketo[0].commit.links,
            [LinkChange::Remove { link_id: 9 }]
        );
    }

    #[test]
    fn the_sync_filter_keeps_an_account_out_r33() {
        let mut run = Run::new();
        run.filters.insert(Entity::Account);
        let (plan, _) = run.plan(&[account(json!({"name": "Acme", "new_synctomkto": false}))]);
        assert!(plan.marketo.is_empty());
    }

    #[test]
    fn an_opportunity_for_a_contact_gets_a_role_and_the_contacts_account_r56() {
        let contact = Uuid::from_u128(0xC);
        let mut run = Run::new();
        run.contacts.insert(
            contact,
            ContactRef {
                person: Some(321),
                account: Some(ACME),
            },
        );
        let opportunity = DynamicsRecord {
            entity: Entity::Opportunity,
            id: Uuid::from_u128(0x0),
            json: Some(
                json!({"name": "Big deal", "_customerid_value": contact.to_string(),
                "_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "contact"}),
            ),
        };
        let (plan, _) = run.plan(&[opportunity]);
        assert_eq!(
            plan.marketo[0].record["externalCompanyId"],
            json!(ACME.to_string()),
            "the contact's account"
        );
        let role = &plan.marketo[1];
        assert_eq!(role.object, MarketoObject::OpportunityRole);
        assert_eq!(role.record["leadId"], json!(321));
        assert_eq!(role.record["role"], json!("Customer"));
    }

    const DEAL: Uuid = Uuid::from_u128(0xD0);
    const DECISION_MAKER: Uuid = Uuid::from_u128(0xDE);

    /// A connection as change tracking gives it, from `from` (a table, an id) to `to`.
    fn connection(
        id: u128,
        from: (&str, Uuid),
        to: (&str, Uuid),
        role: Option<Uuid>,
    ) -> DynamicsRecord {
        let annotation = "@Microsoft.Dynamics.CRM.lookuplogicalname";
        DynamicsRecord {
            entity: Entity::Connection,
            id: Uuid::from_u128(id),
            json: Some(json!({
                "statecode": 0,
                "_record1id_value": from.1.to_string(),
                format!("_record1id_value{annotation}"): from.0,
                "_record2id_value": to.1.to_string(),
                format!("_record2id_value{annotation}"): to.0,
                "_record2roleid_value": role.map(|r| r.to_string()),
            })),
        }
    }

    fn stakeholders() -> (Run, Uuid) {
        let contact = Uuid::from_u128(0xC5);
        let mut run = Run::new();
        run.contacts.insert(
            contact,
            ContactRef {
                person: Some(555),
                account: None,
            },
        );
        run.roles.insert(DECISION_MAKER, "Decision Maker".into());
        (run, contact)
    }

    #[test]
    fn a_stakeholder_gets_a_role_named_after_its_connection_role_r57() {
        let (run, contact) = stakeholders();
        let (plan, _) = run.plan(&[
            connection(
                1,
                ("opportunity", DEAL),
                ("contact", contact),
                Some(DECISION_MAKER),
            ),
            // The reciprocal Dataverse keeps from the contact's side: the same stakeholder.
            connection(2, ("contact", contact), ("opportunity", DEAL), None),
        ]);
        assert_eq!(
            plan.marketo.len(),
            1,
            "one role per stakeholder: {:?}",
            plan.marketo
        );
        let role = &plan.marketo[0];
        assert_eq!(
            (role.object.clone(), role.action),
            (MarketoObject::OpportunityRole, MarketoAction::Upsert)
        );
        assert_eq!(
            serde_json::Value::Object(role.record.clone()),
            json!({"externalOpportunityId": DEAL.to_string(), "leadId": 555, "role": "Decision Maker", "isPrimary": false})
        );
        assert_eq!(role.commit.journal[0].rule, Rule::Stakeholder);
    }

    #[test]
    fn a_stakeholder_without_a_role_is_a_stakeholder_and_one_whose_contact_does_not_sync_has_none_r57()
     {
        let (run, contact) = stakeholders();
        let (plan, _) = run.plan(&[
            connection(1, ("opportunity", DEAL), ("contact", contact), None),
            connection(
                3,
                ("opportunity", DEAL),
                ("contact", Uuid::from_u128(0xFF)),
                None,
            ),
            connection(4, ("opportunity", DEAL), ("account", ACME), None),
        ]);
        assert_eq!(plan.marketo.len(), 1, "{:?}", plan.marketo);
        assert_eq!(plan.marketo[0].record["role"], json!("Stakeholder"));
    }

    #[test]
    fn a_removed_or_changed_stakeholder_loses_its_former_role_r57() {
        let (run, contact) = stakeholders();
        let former = [
            ("externalOpportunityId", Value::Text(DEAL.to_string())),
            ("leadId", Value::Int(555)),
            ("role", Value::Text("Stakeholder".into())),
        ];
        let run = run.known(
            Entity::Connection,
            Uuid::from_u128(1),
            MarketoObject::OpportunityRole,
            LinkState::Live,
            &former,
        );
        let removed = DynamicsRecord {
            entity: Entity::Connection,
            id: Uuid::from_u128(1),
            json: None,
        };
        let (plan, _) = run.plan(&[removed]);
        assert_eq!(plan.marketo.len(), 1);
        assert_eq!(plan.marketo[0].action, MarketoAction::Delete);
        assert_eq!(plan.marketo[0].record["role"], json!("Stakeholder"));
        assert_eq!(
            plan.marketo[0].commit.links,
            [LinkChange::Remove { link_id: 9 }],
            "the link goes with the role"
        );

        let (plan, _) = run.plan(&[connection(
            1,
            ("opportunity", DEAL),
            ("contact", contact),
            Some(DECISION_MAKER),
        )]);
        let actions: Vec<_> = plan
            .marketo
            .iter()
            .map(|w| (w.action, w.record["role"].clone()))
            .collect();
        assert_eq!(
            actions,
            [
                (MarketoAction::Delete, json!("Stakeholder")),
                (MarketoAction::Upsert, json!("Decision Maker"))
            ]
        );

        let (plan, _) = run.plan(&[connection(
            1,
            ("opportunity", DEAL),
            ("contact", contact),
            None,
        )]);
        assert!(
            plan.marketo.is_empty(),
            "the same stakeholder in the same role: nothing to write"
        );
    }

    #[test]
    fn an_opportunity_for_an_account_only_sets_its_company_r56() {
        let opportunity = DynamicsRecord {
            entity: Entity::Opportunity,
            id: Uuid::from_u128(0x1),
            json: Some(
                json!({"name": "Deal", "_customerid_value": ACME.to_string(),
                "_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "account"}),
            ),
        };
        let (plan, _) = Run::new().plan(&[opportunity]);
        assert_eq!(plan.marketo.len(), 1, "no role without a contact");
        assert_eq!(
            plan.marketo[0].record["externalCompanyId"],
            json!(ACME.to_string())
        );
    }

    #[test]
    fn a_user_becomes_a_sales_person() {
        let user = DynamicsRecord {
            entity: Entity::SystemUser,
            id: OWNER,
            json: Some(json!({"internalemailaddress": "dana@contoso.com"})),
        };
        let (plan, _) = Run::new().plan(&[user]);
        assert_eq!(plan.marketo[0].object, MarketoObject::SalesPerson);
        assert_eq!(
            plan.marketo[0].record["externalSalesPersonId"],
            json!(OWNER.to_string())
        );
        assert_eq!(plan.marketo[0].record["email"], json!("dana@contoso.com"));
    }

    #[test]
    fn a_custom_record_links_to_the_person_it_hangs_off_or_is_skipped_with_why() {
        let mut run = Run::new();
        run.mappings = Mappings::new([FieldMapping {
            entity: Entity::Custom("new_event_registration".into()),
            dynamics: "new_eventname".into(),
            marketo: "new_eventname".into(),
            kind: FieldKind::Text {
                max_length: Some(200),
            },
            direction: Direction::ToMarketo,
        }]);
        let (linked, orphan) = (Uuid::from_u128(0x51), Uuid::from_u128(0x52));
        run.parents.insert(linked, Parent::Person(77));
        run.parents.insert(
            orphan,
            Parent::NotSynced("its contact does not sync to Marketo".into()),
        );
        let record = |id: Uuid| DynamicsRecord {
            entity: Entity::Custom("new_event_registration".into()),
            id,
            json: Some(json!({"new_eventname": "Summit"})),
        };
        let (plan, _) = run.plan(&[record(linked), record(orphan)]);
        assert_eq!(plan.marketo.len(), 1);
        let write = &plan.marketo[0];
        assert_eq!(
            write.object,
            MarketoObject::CustomObject("new_event_registration_c".into())
        );
        assert_eq!(write.record["dynamicsId"], json!(linked.to_string()));
        assert_eq!(
            write.record["leadId"],
            json!(77),
            "linked to its contact's person"
        );
        assert_eq!(write.record["new_eventname"], json!("Summit"));
        assert_eq!(
            plan.skipped.len(),
            1,
            "a record with no synced parent is not sent"
        );
        assert_eq!(plan.skipped[0].code, "parent-not-synced");
    }
}
