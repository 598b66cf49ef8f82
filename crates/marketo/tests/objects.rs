//! Companies, opportunities, roles, sales persons, custom objects, lists and usage through the
//! client, against the sandbox.

mod support;

use dynasync_marketo::{
    DedupeBy, Error, Lead, LinkTo, NewCustomObjectField, NewCustomObjectType, ObjectKind,
    OutcomeStatus, Record, RecordId, SyncAction,
};
use reqwest::Method;
use serde_json::json;
use support::Fixture;

#[tokio::test]
async fn crm_objects_sync_in_dependency_order_and_read_back() {
    let f = Fixture::unthrottled().await;
    let c = &f.client;
    let reps = c
        .sync_sales_persons(
            SyncAction::CreateOrUpdate,
            DedupeBy::DedupeFields,
            vec![
                Record::new()
                    .with("externalSalesPersonId", "u-1")
                    .with("email", "rep@contoso.com")
                    .with("firstName", "Rae"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(reps[0].status, OutcomeStatus::Created);
    let companies = c
        .sync_companies(
            SyncAction::CreateOrUpdate,
            DedupeBy::DedupeFields,
            vec![
                Record::new()
                    .with("externalCompanyId", "a-1")
                    .with("company", "Contoso")
                    .with("externalSalesPersonId", "u-1"),
                Record::new().with("company", "no key"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(companies[0].seq, 0);
    assert!(matches!(companies[0].id, Some(RecordId::Id(_))));
    assert_eq!(companies[1].reason_code(), Some(1002));
    let people = c
        .sync_leads(
            SyncAction::CreateOrUpdate,
            "externalPersonId",
            vec![
                Lead::new()
                    .with("externalPersonId", "p-1")
                    .with("email", "p@contoso.com")
                    .with("externalCompanyId", "a-1")
                    .with("externalSalesPersonId", "u-1"),
            ],
        )
        .await
        .unwrap();
    let Some(RecordId::Id(lead)) = people[0].id.clone() else {
        panic!("{people:?}")
    };
    let read = c
        .get_leads(
            "externalPersonId",
            &["p-1".to_owned()],
            &["company", "leadOwnerFirstName"],
        )
        .await
        .unwrap();
    assert_eq!(
        read[0].str("company"),
        Some("Contoso"),
        "the lead reads its company's name"
    );
    assert_eq!(read[0].str("leadOwnerFirstName"), Some("Rae"));
    let opportunities = c
        .sync_opportunities(
            SyncAction::CreateOrUpdate,
            DedupeBy::DedupeFields,
            vec![
                Record::new()
                    .with("externalOpportunityId", "o-1")
                    .with("name", "Chairs")
                    .with("amount", 1604.47)
                    .with("externalSalesPersonId", "u-1"),
            ],
        )
        .await
        .unwrap();
    let Some(RecordId::Guid(guid)) = opportunities[0].id.clone() else {
        panic!("{opportunities:?}")
    };
    let unknown_rep = c
        .sync_opportunities(
            SyncAction::CreateOrUpdate,
            DedupeBy::DedupeFields,
            vec![
                Record::new()
                    .with("externalOpportunityId", "o-2")
                    .with("name", "Desks")
                    .with("externalSalesPersonId", "nobody"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(unknown_rep.code(), Some(718));
    let role = Record::new()
        .with("externalOpportunityId", "o-1")
        .with("leadId", lead)
        .with("role", "Buyer");
    c.sync_opportunity_roles(
        SyncAction::CreateOrUpdate,
        DedupeBy::DedupeFields,
        vec![role.clone().with("isPrimary", true)],
    )
    .await
    .unwrap();
    let by_key = c
        .get_opportunity_roles_by_key(std::slice::from_ref(&role), &["isPrimary"])
        .await
        .unwrap();
    assert_eq!(by_key[0].bool("isPrimary"), Some(true));
    let by_lead = c
        .get_opportunity_roles("leadId", &[lead.to_string()], &[])
        .await
        .unwrap();
    assert_eq!(by_lead.len(), 1);
    let opportunity = c
        .get_opportunities("idField", std::slice::from_ref(&guid), &["amount"])
        .await
        .unwrap();
    assert_eq!(opportunity[0].f64("amount"), Some(1604.47));
    let companies = c
        .get_companies("externalCompanyId", &["a-1".to_owned()], &["company"])
        .await
        .unwrap();
    assert_eq!(companies[0].str("company"), Some("Contoso"));
    assert_eq!(
        c.get_sales_persons("email", &["rep@contoso.com".to_owned()], &[])
            .await
            .unwrap()
            .len(),
        1
    );
    let in_use = c
        .delete_sales_persons(
            DedupeBy::DedupeFields,
            vec![Record::new().with("externalSalesPersonId", "u-1")],
        )
        .await
        .unwrap();
    assert_eq!(in_use[0].reason_code(), Some(1022));
    let deleted = c
        .delete_opportunity_roles(DedupeBy::DedupeFields, vec![role])
        .await
        .unwrap();
    assert_eq!(deleted[0].status, OutcomeStatus::Deleted);
    c.delete_opportunities(
        DedupeBy::IdField,
        vec![Record::new().with("marketoGUID", guid)],
    )
    .await
    .unwrap();
    c.delete_companies(
        DedupeBy::DedupeFields,
        vec![Record::new().with("externalCompanyId", "a-1")],
    )
    .await
    .unwrap();
    let described = c
        .describe_object(ObjectKind::OpportunityRole)
        .await
        .unwrap();
    assert_eq!(
        described.dedupe_fields,
        ["externalOpportunityId", "leadId", "role"]
    );
    let refused = c
        .sync_companies(SyncAction::CreateDuplicate, DedupeBy::DedupeFields, vec![])
        .await;
    assert!(
        matches!(refused, Err(Error::Invalid(_))),
        "createDuplicate is for leads only"
    );
}

#[tokio::test]
async fn a_custom_object_is_defined_approved_and_its_records_linked_to_leads() {
    let f = Fixture::unthrottled().await;
    let c = &f.client;
    c.create_custom_object_type(&NewCustomObjectType {
        api_name: "dynasync_project".into(),
        display_name: "Project".into(),
        plural_name: Some("Projects".into()),
        description: None,
        show_in_lead_detail: true,
    })
    .await
    .unwrap();
    let field = |name: &str, data_type: &str, dedupe: bool| NewCustomObjectField {
        name: name.into(),
        display_name: name.into(),
        data_type: data_type.into(),
        description: None,
        is_dedupe_field: dedupe,
        related_to: None,
    };
    c.add_custom_object_fields(
        "dynasync_project",
        &[
            field("projectId", "string", true),
            NewCustomObjectField {
                related_to: Some(LinkTo {
                    name: "lead".into(),
                    field: "id".into(),
                }),
                ..field("leadId", "link", false)
            },
            field("budget", "currency", false),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        c.describe_custom_object("dynasync_project")
            .await
            .unwrap()
            .state
            .as_deref(),
        Some("draft")
    );
    c.approve_custom_object_type("dynasync_project")
        .await
        .unwrap();
    let described = c.describe_custom_object("dynasync_project").await.unwrap();
    assert_eq!(described.id_field.as_deref(), Some("marketoGUID"));
    assert_eq!(described.relationships[0].related_to.name, "lead");
    assert_eq!(c.custom_object_types().await.unwrap().len(), 1);
    let lead = f
        .control(
            Method::POST,
            "marketo/leads",
            json!({"as": "Kim", "fields": {"email": "o@x.com"}}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let outcomes = c
        .sync_custom_objects(
            "dynasync_project",
            SyncAction::CreateOrUpdate,
            DedupeBy::DedupeFields,
            vec![
                Record::new()
                    .with("projectId", "PR-1")
                    .with("leadId", lead)
                    .with("budget", 5000),
                Record::new()
                    .with("projectId", "PR-2")
                    .with("leadId", 999_999),
            ],
        )
        .await
        .unwrap();
    assert_eq!(outcomes[0].status, OutcomeStatus::Created);
    assert_eq!(outcomes[1].reason_code(), Some(1004));
    let found = c
        .get_custom_objects(
            "dynasync_project",
            "leadId",
            &[lead.to_string()],
            &["projectId", "budget"],
        )
        .await
        .unwrap();
    assert_eq!(found[0].str("projectId"), Some("PR-1"));
    assert_eq!(found[0].f64("budget"), Some(5000.0));
    let deleted = c
        .delete_custom_objects(
            "dynasync_project",
            DedupeBy::DedupeFields,
            vec![Record::new().with("projectId", "PR-1")],
        )
        .await
        .unwrap();
    assert_eq!(deleted[0].status, OutcomeStatus::Deleted);
}

#[tokio::test]
async fn static_list_members_are_read_added_removed_and_checked() {
    let f = Fixture::unthrottled().await;
    let c = &f.client;
    let rows: Vec<_> = (0..450)
        .map(|i| json!({"email": format!("s{i}@x.com")}))
        .collect();
    let ids: Vec<i64> = serde_json::from_value(
        f.control(Method::POST, "marketo/leads/bulk", json!({"rows": rows}))
            .await["ids"]
            .clone(),
    )
    .unwrap();
    let list = f
        .control(
            Method::POST,
            "marketo/lists",
            json!({"name": "Sync Person to Microsoft"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let added = c.add_to_list(list, &ids[..400]).await.unwrap();
    assert_eq!(added.len(), 400, "300 and 100 ids, two calls");
    assert!(added.iter().all(|o| o.status == OutcomeStatus::Added));
    let lists = c.lists().await.unwrap();
    assert_eq!(lists[0].name, "Sync Person to Microsoft");
    let members = c.list_members(list, &["email"]).await.unwrap();
    assert_eq!(members.len(), 400, "every page of members");
    let checked = c
        .is_member(list, &[ids[0], ids[420], 999_999])
        .await
        .unwrap();
    assert_eq!(checked[0].status, OutcomeStatus::MemberOf);
    assert_eq!(checked[1].status, OutcomeStatus::NotMemberOf);
    assert_eq!(checked[2].reason_code(), Some(1004));
    let removed = c.remove_from_list(list, &[ids[0], ids[420]]).await.unwrap();
    assert_eq!(removed[0].status, OutcomeStatus::Removed);
    assert_eq!(removed[1].reason_code(), Some(1015));
}
