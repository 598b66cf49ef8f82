//! Activities over raw HTTP: paging tokens, lead changes, deleted leads, activity types and custom
//! activities (`activities.md`, `paging-tokens.md`; samples m06–m09, m13).

mod marketo_support;

use marketo_support::{Marketo, error_code, ok};
use serde_json::{Value, json};

async fn since_start(m: &Marketo) -> String {
    let response = m
        .get(
            "/v1/activities/pagingtoken.json",
            &[("sinceDatetime", "2020-01-01T00:00:00Z")],
        )
        .await;
    response["nextPageToken"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_paging_token_call_returns_a_token_and_no_result_and_refuses_a_bad_date_with_704() {
    let m = Marketo::start().await;
    let response = m
        .get(
            "/v1/activities/pagingtoken.json",
            &[("sinceDatetime", "2014-10-06T13:22:17-08:00")],
        )
        .await;
    assert_eq!(response["success"], true);
    assert!(
        response.get("result").is_none(),
        "paging-token responses have no result: {response}"
    );
    let token = response["nextPageToken"].as_str().unwrap();
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '='),
        "base32: {token}"
    );
    let bad = m
        .get(
            "/v1/activities/pagingtoken.json",
            &[("sinceDatetime", "yesterday")],
        )
        .await;
    assert_eq!(error_code(&bad), "704");
}

#[tokio::test]
async fn every_api_field_change_leaves_a_change_data_value_with_old_and_new_values() {
    let m = Marketo::start().await;
    let token = since_start(&m).await;
    let id = m
        .create_leads(vec![json!({"email": "a@x.com", "firstName": "Ann"})])
        .await[0];
    m.post(
        "/v1/leads.json",
        json!({"input": [{"email": "a@x.com", "firstName": "Anna", "title": "CTO"}]}),
    )
    .await;
    let changes = m
        .get(
            "/v1/activities/leadchanges.json",
            &[("nextPageToken", &token), ("fields", "firstName,lastName")],
        )
        .await;
    let result = ok(&changes);
    assert_eq!(
        result.len(),
        2,
        "New Lead and the firstName change; title was not asked for: {changes}"
    );
    assert_eq!(result[0]["activityTypeId"], 12, "creation logs New Lead");
    assert_eq!(result[0]["leadId"], id);
    let change = &result[1];
    assert_eq!(change["activityTypeId"], 13);
    assert_eq!(change["fields"][0]["name"], "firstName");
    assert_eq!(change["fields"][0]["oldValue"], "Ann");
    assert_eq!(change["fields"][0]["newValue"], "Anna");
    assert_eq!(change["marketoGUID"], change["id"].to_string());
    let attributes: Vec<(&str, &Value)> = change["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), &a["value"]))
        .collect();
    assert!(
        attributes.contains(&("Source", &json!("Web service API"))),
        "{attributes:?}"
    );
    assert!(attributes.contains(&("Reason", &json!("Web service API"))));
    assert!(attributes.contains(&("Lead ID", &json!(id))));
    let missing = m
        .get(
            "/v1/activities/leadchanges.json",
            &[("nextPageToken", &token)],
        )
        .await;
    assert_eq!(error_code(&missing), "701", "fields is required");
}

#[tokio::test]
async fn a_change_by_a_person_in_the_marketo_ui_is_logged_with_its_own_source() {
    let m = Marketo::start().await;
    let token = since_start(&m).await;
    let id = m
        .act(
            reqwest::Method::POST,
            "leads",
            json!({"as": "Maria Lopez", "fields": {"email": "p@x.com"}}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    m.act(
        reqwest::Method::PATCH,
        &format!("leads/{id}"),
        json!({"as": "Maria Lopez", "fields": {"lastName": "Ng"}}),
    )
    .await;
    let changes = m
        .get(
            "/v1/activities/leadchanges.json",
            &[("nextPageToken", &token), ("fields", "lastName")],
        )
        .await;
    let change = &ok(&changes)[1];
    assert_eq!(change["fields"][0]["newValue"], "Ng");
    assert!(
        change["fields"][0]["oldValue"].is_null(),
        "the field was empty before"
    );
    let text = change["attributes"].to_string();
    assert!(
        text.contains("Marketo UI") && text.contains("Maria Lopez"),
        "{text}"
    );
}

#[tokio::test]
async fn lead_changes_are_followed_across_pages_and_a_stored_token_resumes_where_it_stopped() {
    let m = Marketo::start().await;
    let token = since_start(&m).await;
    let rows: Vec<Value> = (0..5)
        .map(|i| json!({"email": format!("l{i}@x.com")}))
        .collect();
    m.create_leads(rows).await;
    let mut seen = Vec::new();
    let mut next = token;
    loop {
        let page = m
            .get(
                "/v1/activities/leadchanges.json",
                &[
                    ("nextPageToken", &next),
                    ("fields", "email"),
                    ("batchSize", "2"),
                ],
            )
            .await;
        seen.extend(ok(&page).iter().map(|a| a["id"].as_i64().unwrap()));
        next = page["nextPageToken"]
            .as_str()
            .expect("always a nextPageToken")
            .to_owned();
        if page["moreResult"] == false {
            break;
        }
    }
    assert_eq!(seen, vec![1, 2, 3, 4, 5], "every activity once, in order");
    let stored = next;
    let quiet = m
        .get(
            "/v1/activities/leadchanges.json",
            &[("nextPageToken", &stored), ("fields", "email")],
        )
        .await;
    assert!(ok(&quiet).is_empty() && quiet["moreResult"] == false);
    m.create_leads(vec![json!({"email": "late@x.com"})]).await;
    let resumed = m
        .get(
            "/v1/activities/leadchanges.json",
            &[("nextPageToken", &stored), ("fields", "email")],
        )
        .await;
    assert_eq!(
        ok(&resumed)
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![6],
        "the stored token sees exactly what came after it"
    );
}

#[tokio::test]
async fn deleted_leads_are_delete_lead_activities_named_after_the_person() {
    let m = Marketo::start().await;
    let token = since_start(&m).await;
    let id = m
        .create_leads(vec![
            json!({"email": "d@x.com", "firstName": "First", "lastName": "Last"}),
        ])
        .await[0];
    m.post("/v1/leads/delete.json", json!({"input": [{"id": id}]}))
        .await;
    let deleted = m
        .get(
            "/v1/activities/deletedleads.json",
            &[("nextPageToken", &token)],
        )
        .await;
    let result = ok(&deleted);
    assert_eq!(result.len(), 1);
    assert_eq!(result[0]["activityTypeId"], 37);
    assert_eq!(result[0]["leadId"], id);
    assert_eq!(result[0]["primaryAttributeValue"], "First Last");
}

#[tokio::test]
async fn activities_are_read_by_type_and_narrowed_to_at_most_30_leads() {
    let m = Marketo::start().await;
    let token = since_start(&m).await;
    let ids = m
        .create_leads(vec![
            json!({"email": "a@x.com"}),
            json!({"email": "b@x.com"}),
        ])
        .await;
    m.post(
        "/v1/leads.json",
        json!({"input": [{"email": "b@x.com", "city": "Rome"}]}),
    )
    .await;
    let changes = m
        .get(
            "/v1/activities.json",
            &[
                ("nextPageToken", &token),
                ("activityTypeIds", "13"),
                ("leadIds", &ids[1].to_string()),
            ],
        )
        .await;
    let result = ok(&changes);
    assert_eq!(result.len(), 1);
    assert_eq!(result[0]["primaryAttributeValue"], "City");
    assert!(result[0]["attributes"].to_string().contains("Rome"));
    let repeated = m
        .get(
            "/v1/activities.json",
            &[
                ("nextPageToken", &token),
                ("activityTypeIds", "12"),
                ("activityTypeIds", "13"),
            ],
        )
        .await;
    assert_eq!(
        ok(&repeated).len(),
        3,
        "repeated activityTypeIds (Swagger's multi) are read too"
    );
    let eleven: Vec<String> = (1..=11).map(|i| i.to_string()).collect();
    let too_many_types = m
        .get(
            "/v1/activities.json",
            &[
                ("nextPageToken", &token),
                ("activityTypeIds", &eleven.join(",")),
            ],
        )
        .await;
    assert_eq!(error_code(&too_many_types), "1003");
    let leads: Vec<String> = (1..=31).map(|i| i.to_string()).collect();
    let too_many_leads = m
        .get(
            "/v1/activities.json",
            &[
                ("nextPageToken", &token),
                ("activityTypeIds", "12"),
                ("leadIds", &leads.join(",")),
            ],
        )
        .await;
    assert_eq!(error_code(&too_many_leads), "1003");
    let types = m.get("/v1/activities/types.json", &[]).await;
    let names: Vec<&str> = ok(&types)
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"New Lead")
            && names.contains(&"Change Data Value")
            && names.contains(&"Delete Lead")
    );
}

#[tokio::test]
async fn a_custom_activity_type_must_be_approved_before_activities_of_it_are_added() {
    let m = Marketo::start().await;
    let id = m.create_leads(vec![json!({"email": "c@x.com"})]).await[0];
    let created = m
        .post(
            "/v1/activities/external/type.json",
            json!({
                "apiName": "dynasyncSyncError", "name": "Dynamics Sync Error",
                "triggerName": "Has Dynamics Sync Error", "filterName": "Had Dynamics Sync Error",
                "primaryAttribute": {"apiName": "entity", "name": "Entity", "dataType": "string"}
            }),
        )
        .await;
    let draft = &ok(&created)[0];
    assert_eq!(draft["status"], "draft");
    let type_id = draft["id"].as_i64().unwrap();
    m.post(
        "/v1/activities/external/type/dynasyncSyncError/attributes/create.json",
        json!({"attributes": [{"apiName": "message", "name": "Message", "dataType": "text"}]}),
    )
    .await;
    let input = json!({"input": [{
        "leadId": id, "activityDate": "2024-05-01T10:00:00Z", "activityTypeId": type_id,
        "primaryAttributeValue": "contact", "attributes": [{"apiName": "message", "value": "Phone is required"}]
    }, {
        "leadId": 999999, "activityDate": "2024-05-01T10:00:00Z", "activityTypeId": type_id,
        "primaryAttributeValue": "contact", "attributes": []
    }]});
    let early = m.post("/v1/activities/external.json", input.clone()).await;
    assert_eq!(
        ok(&early)[0]["status"],
        "skipped",
        "a draft type takes no activities"
    );
    let approved = m
        .post_query(
            "/v1/activities/external/type/dynasyncSyncError/approve.json",
            &[],
            None,
        )
        .await;
    assert_eq!(ok(&approved)[0]["status"], "approved");
    let again = m
        .post_query(
            "/v1/activities/external/type/dynasyncSyncError/approve.json",
            &[],
            None,
        )
        .await;
    assert_eq!(
        error_code(&again),
        "709",
        "approving without a draft violates a business rule"
    );
    let added = m.post("/v1/activities/external.json", input).await;
    let result = ok(&added);
    assert_eq!(result[0]["status"], "added");
    assert_eq!(result[0]["marketoGUID"], result[0]["id"].to_string());
    assert_eq!(result[1]["status"], "skipped");
    assert_eq!(
        result[1]["errors"][0]["code"], "1004",
        "a skipped custom activity carries errors, not reasons"
    );
    let described = m
        .get(
            "/v1/activities/external/type/dynasyncSyncError/describe.json",
            &[],
        )
        .await;
    assert_eq!(ok(&described)[0]["attributes"][0]["apiName"], "message");
    let token = since_start(&m).await;
    let logged = m
        .get(
            "/v1/activities.json",
            &[
                ("nextPageToken", &token),
                ("activityTypeIds", &type_id.to_string()),
            ],
        )
        .await;
    let activity = &ok(&logged)[0];
    assert_eq!(activity["primaryAttributeValue"], "contact");
    assert_eq!(activity["activityDate"], "2024-05-01T10:00:00Z");
    assert_eq!(
        activity["attributes"][0],
        json!({"name": "Message", "value": "Phone is required"})
    );
    let types = m.get("/v1/activities/types.json", &[]).await;
    assert!(
        ok(&types).iter().any(|t| t["id"] == type_id),
        "approved custom types are listed with the standard ones"
    );
}
