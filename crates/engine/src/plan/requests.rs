//! "Sync Person to Microsoft" (R24-R27): a Marketo-only person is created in Dynamics only when
//! asked, from the app or as a member of the chosen static list. It becomes a lead (R25) or, as a
//! contact, a lead qualified at once into a contact with no account (R26), with the chosen owner
//! (R27). A person that already syncs is left alone (R25: "the flow step will not perform any
//! action").

use serde_json::Value as Json;
use uuid::Uuid;

use super::Context;
use super::record::marketo_values;
use crate::model::{Direction, Entity, SYNC_FILTER_COLUMN, person_fields};
use crate::store::requests::{Request, SyncAs};
use crate::value::{FieldKind, Value};

/// Names the leads Dynasync creates on request: the same request always gives the same id, so a
/// create retried after a crash finds its lead instead of making a second one.
const LEAD_NAMESPACE: Uuid = Uuid::from_u128(0x6d2f_1c4e_8b7a_4f15_9c3d_2a61_e0b4_7f58);

/// What a request comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestDecision {
    /// Nothing to create; the request ends with this outcome.
    Done {
        outcome: &'static str,
        message: String,
    },
    /// Create this lead (`If-None-Match: *`), then qualify it into a contact when `as_contact`.
    Create {
        lead_id: Uuid,
        lead: serde_json::Map<String, Json>,
        as_contact: bool,
    },
}

/// The id of the lead a request (by its id and its person's) creates.
pub fn lead_id(request_id: i64, marketo_id: i64) -> Uuid {
    Uuid::new_v5(
        &LEAD_NAMESPACE,
        format!("{request_id}:{marketo_id}").as_bytes(),
    )
}

/// Decides a request from the person as Marketo has it now (`None`: no such person) and whether
/// Dynasync already links it.
pub fn plan_request(
    ctx: &Context<'_>,
    request: &Request,
    person: Option<&Json>,
    linked: bool,
) -> RequestDecision {
    let Some(person) = person else {
        return RequestDecision::Done {
            outcome: "not-found",
            message: format!("Marketo has no person {}", request.marketo_id),
        };
    };
    let text = |field: &str| {
        person
            .get(field)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
    };
    if let Some(kind) = text(person_fields::MICROSOFT_TYPE) {
        return RequestDecision::Done {
            outcome: "exists",
            message: format!("The person already syncs with a Dynamics {kind}: nothing to do"),
        };
    }
    if linked || text(person_fields::DYNAMICS_ID).is_some() {
        return RequestDecision::Done {
            outcome: "exists",
            message: "The person already syncs with a Dynamics record: nothing to do".into(),
        };
    }
    let (values, _) = marketo_values(ctx, &Entity::Lead, person);
    let mut lead = serde_json::Map::new();
    for mapping in ctx.mappings.of(&Entity::Lead) {
        let writable = mapping.direction == Direction::TwoWay
            && !matches!(mapping.kind, FieldKind::Lookup { .. })
            && !matches!(mapping.dynamics.as_str(), "statecode" | "statuscode");
        match values.get(&mapping.marketo) {
            Some(value) if writable && !matches!(value, Value::Null) => {
                lead.insert(mapping.dynamics.clone(), mapping.kind.to_dynamics(value));
            }
            _ => {}
        }
    }
    if let Some(owner) = request.owner_id {
        lead.insert(
            "ownerid@odata.bind".into(),
            Json::from(format!("/systemusers({owner})")),
        );
    }
    if ctx.filter_entities.contains(&Entity::Lead) {
        // Asked for by name: it keeps syncing, whatever the sync filter's default.
        lead.insert(SYNC_FILTER_COLUMN.into(), Json::Bool(true));
    }
    RequestDecision::Create {
        lead_id: lead_id(request.id, request.marketo_id),
        lead,
        as_contact: request.sync_as == SyncAs::Contact,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::Utc;
    use serde_json::json;

    use super::*;
    use crate::mapping::{FieldMapping, Mappings};
    use crate::value::ChoiceOption;

    fn request(sync_as: SyncAs, owner: Option<Uuid>) -> Request {
        Request {
            id: 7,
            marketo_id: 1001,
            sync_as,
            owner_id: owner,
            source: "app".into(),
        }
    }

    fn decide(
        request: &Request,
        person: Option<&Json>,
        linked: bool,
        filter: bool,
    ) -> RequestDecision {
        let text = || FieldKind::Text {
            max_length: Some(100),
        };
        let mut fields: Vec<FieldMapping> = [
            ("firstname", "firstName"),
            ("lastname", "lastName"),
            ("emailaddress1", "email"),
            ("jobtitle", "title"),
        ]
        .into_iter()
        .map(|(dynamics, marketo)| FieldMapping {
            entity: Entity::Lead,
            dynamics: dynamics.into(),
            marketo: marketo.into(),
            kind: text(),
            direction: Direction::TwoWay,
        })
        .collect();
        fields.push(FieldMapping {
            entity: Entity::Lead,
            dynamics: "statuscode".into(),
            marketo: "leadStatus".into(),
            kind: FieldKind::Choice {
                options: vec![ChoiceOption {
                    value: 1,
                    label: "New".into(),
                }],
            },
            direction: Direction::TwoWay,
        });
        let mappings = Mappings::new(fields);
        let filter_entities: BTreeSet<Entity> = if filter {
            [Entity::Lead].into()
        } else {
            BTreeSet::new()
        };
        let ctx = Context {
            now: Utc::now(),
            run_id: 1,
            mappings: &mappings,
            sync_user: None,
            filter_entities: &filter_entities,
        };
        plan_request(&ctx, request, person, linked)
    }

    #[test]
    fn a_marketo_only_person_becomes_a_lead_with_its_values_and_owner() {
        let owner = Uuid::new_v4();
        let person = json!({"id": 1001, "firstName": "Ines", "lastName": "Garcia",
            "email": "ines@example.com", "title": "CFO", "leadStatus": "New", "microsoftType": null});
        let RequestDecision::Create {
            lead_id: id,
            lead,
            as_contact,
        } = decide(
            &request(SyncAs::Lead, Some(owner)),
            Some(&person),
            false,
            false,
        )
        else {
            panic!("a Marketo-only person is created when asked (R24)")
        };
        assert_eq!(lead["firstname"], json!("Ines"));
        assert_eq!(lead["lastname"], json!("Garcia"));
        assert_eq!(lead["emailaddress1"], json!("ines@example.com"));
        assert_eq!(lead["jobtitle"], json!("CFO"));
        assert_eq!(
            lead["ownerid@odata.bind"],
            json!(format!("/systemusers({owner})")),
            "the chosen owner (R27)"
        );
        assert!(!as_contact);
        assert!(
            !lead.contains_key("statuscode"),
            "a new lead starts in Dynamics' own status"
        );
        assert_eq!(
            id,
            lead_id(7, 1001),
            "the same request always names the same lead, so a retry cannot duplicate it"
        );
        assert!(
            !lead.contains_key(SYNC_FILTER_COLUMN),
            "no filter chosen, no filter value"
        );
    }

    #[test]
    fn as_a_contact_the_lead_is_qualified_and_keeps_syncing_under_the_filter() {
        let person = json!({"id": 1001, "lastName": "Garcia"});
        let RequestDecision::Create {
            lead, as_contact, ..
        } = decide(&request(SyncAs::Contact, None), Some(&person), false, true)
        else {
            panic!("created")
        };
        assert!(as_contact, "Sync As Contact qualifies the lead (R26)");
        assert_eq!(lead[SYNC_FILTER_COLUMN], json!(true));
        assert!(!lead.contains_key("ownerid@odata.bind"));
    }

    #[test]
    fn a_person_that_already_syncs_is_left_alone() {
        let lead = json!({"id": 1001, "lastName": "Garcia", "microsoftType": "Lead"});
        let unmarked = json!({"id": 1001, "lastName": "Garcia"});
        for (person, linked) in [(&lead, false), (&unmarked, true)] {
            assert!(
                matches!(
                    decide(&request(SyncAs::Lead, None), Some(person), linked, false),
                    RequestDecision::Done {
                        outcome: "exists",
                        ..
                    }
                ),
                "R25: if the lead exists, the flow step does nothing"
            );
        }
        assert!(matches!(
            decide(&request(SyncAs::Lead, None), None, false, false),
            RequestDecision::Done {
                outcome: "not-found",
                ..
            }
        ));
    }
}
