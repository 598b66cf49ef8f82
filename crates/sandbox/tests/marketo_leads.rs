//! Leads over raw HTTP: describe, fields, reads, Sync Leads with its record-level reasons,
//! delete, merge and company inheritance (`leads.md`, `lead-database.md`, `companies.md`,
//! `error-codes.md`; samples m03, m04, m05, m13).

mod marketo_support;

use marketo_support::{Marketo, error_code, ok, reason};
use serde_json::{Value, json};

fn ids(result: &[Value]) -> Vec<i64> {
    result.iter().map(|l| l["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn describe_lists_rest_names_and_describe2_lists_searchable_fields() {
    let m = Marketo::start().await;
    let describe = m.get("/v1/leads/describe.json", &[]).await;
    let company = ok(&describe)
        .iter()
        .find(|f| f["rest"]["name"] == "company")
        .expect("the standard company field");
    assert_eq!(company["displayName"], "Company Name");
    assert_eq!(company["dataType"], "string");
    assert_eq!(company["length"], 255);
    let describe2 = m.get("/v1/leads/describe2.json", &[]).await;
    let lead = &ok(&describe2)[0];
    assert_eq!(lead["name"], "API Lead");
    let searchable: Vec<&str> = lead["searchableFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[0].as_str().unwrap())
        .collect();
    for key in ["email", "id", "externalPersonId", "sfdcLeadId", "twitterId"] {
        assert!(
            searchable.contains(&key),
            "{key} is a filterType: {searchable:?}"
        );
    }
    assert!(
        !searchable.contains(&"firstName"),
        "firstName is not searchable"
    );
    let first = lead["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "firstName")
        .unwrap();
    assert_eq!(first["updateable"], true);
    assert_eq!(first["crmManaged"], false);
}

#[tokio::test]
async fn custom_fields_are_created_once_then_searchable_and_listed_with_paging() {
    let m = Marketo::start().await;
    let created = m
        .post(
            "/v1/leads/schema/fields.json",
            json!({ "input": [
                { "displayName": "Microsoft Type", "name": "microsoftType", "dataType": "string" },
                { "displayName": "Microsoft is Deleted", "name": "microsoftIsDeleted", "dataType": "boolean" },
                { "displayName": "Bad", "name": "9lives", "dataType": "string" },
                { "displayName": "Odd", "name": "oddType", "dataType": "blob" }
            ]}),
        )
        .await;
    let result = ok(&created);
    assert_eq!(
        result[0],
        json!({ "name": "microsoftType", "status": "created" })
    );
    assert_eq!(result[1]["status"], "created");
    assert_eq!(reason(&result[2]), "1003", "a name starts with a letter");
    assert_eq!(
        reason(&result[3]),
        "1003",
        "the data type must be a creatable one"
    );
    let again = m
        .post(
            "/v1/leads/schema/fields.json",
            json!({ "input": [{ "displayName": "Microsoft Type 2", "name": "microsofttype", "dataType": "string" }] }),
        )
        .await;
    assert_eq!(
        reason(&ok(&again)[0]),
        "1017",
        "field names are unique regardless of case"
    );
    let one = m
        .get("/v1/leads/schema/fields/microsoftType.json", &[])
        .await;
    assert_eq!(ok(&one)[0]["isCustom"], true);
    let describe2 = m.get("/v1/leads/describe2.json", &[]).await;
    let searchable = ok(&describe2)[0]["searchableFields"].to_string();
    assert!(
        searchable.contains("microsoftType"),
        "a string custom field is searchable"
    );
    assert!(
        !searchable.contains("microsoftIsDeleted"),
        "a boolean custom field is not"
    );
    let page = m
        .get("/v1/leads/schema/fields.json", &[("batchSize", "10")])
        .await;
    assert_eq!(ok(&page).len(), 10);
    assert_eq!(page["moreResult"], true);
    let token = page["nextPageToken"].as_str().unwrap();
    let next = m
        .get(
            "/v1/leads/schema/fields.json",
            &[("batchSize", "10"), ("nextPageToken", token)],
        )
        .await;
    assert_ne!(
        ok(&next)[0]["name"],
        ok(&page)[0]["name"],
        "the token moves to the next page"
    );
}

#[tokio::test]
async fn get_lead_by_id_returns_the_default_fields_or_the_named_ones() {
    let m = Marketo::start().await;
    let id = m
        .create_leads(vec![json!({"email": "abe@usa.gov", "firstName": "Abraham", "lastName": "Lincoln", "city": "Springfield"})])
        .await[0];
    let lead = m.get(&format!("/v1/lead/{id}.json"), &[]).await;
    let lead = &ok(&lead)[0];
    let mut keys: Vec<&str> = lead
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "createdAt",
            "email",
            "firstName",
            "id",
            "lastName",
            "updatedAt"
        ]
    );
    assert!(lead["createdAt"].as_str().unwrap().ends_with('Z'));
    let named = m
        .get(&format!("/v1/lead/{id}.json"), &[("fields", "city,title")])
        .await;
    assert_eq!(
        ok(&named)[0],
        json!({"city": "Springfield"}),
        "a requested field with no value is left out (implied null)"
    );
    let missing = m.get("/v1/lead/999999.json", &[]).await;
    assert!(ok(&missing).is_empty(), "an unknown id is an empty result");
    let unknown = m
        .get(&format!("/v1/lead/{id}.json"), &[("fields", "noSuchField")])
        .await;
    assert_eq!(error_code(&unknown), "1006");
}

#[tokio::test]
async fn get_leads_by_filter_accepts_searchable_fields_and_at_most_300_values() {
    let m = Marketo::start().await;
    let ids = m
        .create_leads(vec![
            json!({"email": "a@x.com", "externalPersonId": "guid-a"}),
            json!({"email": "b@x.com", "externalPersonId": "guid-b"}),
        ])
        .await;
    let by_email = m
        .get(
            "/v1/leads.json",
            &[
                ("filterType", "email"),
                ("filterValues", "A@X.com,b@x.com,none@x.com"),
            ],
        )
        .await;
    assert_eq!(self::ids(ok(&by_email)), ids, "email matching ignores case");
    let by_guid = m
        .get(
            "/v1/leads.json",
            &[
                ("filterType", "externalPersonId"),
                ("filterValues", "guid-b"),
            ],
        )
        .await;
    assert_eq!(self::ids(ok(&by_guid)), vec![ids[1]]);
    let nothing = m
        .get(
            "/v1/leads.json",
            &[("filterType", "email"), ("filterValues", "none@x.com")],
        )
        .await;
    assert!(
        ok(&nothing).is_empty(),
        "no match is success with an empty result"
    );
    let unsupported = m
        .get(
            "/v1/leads.json",
            &[("filterType", "firstName"), ("filterValues", "Ann")],
        )
        .await;
    assert_eq!(
        error_code(&unsupported),
        "1011",
        "firstName is a standard field that is not searchable"
    );
    let unknown = m
        .get(
            "/v1/leads.json",
            &[("filterType", "shoeSize"), ("filterValues", "9")],
        )
        .await;
    assert_eq!(error_code(&unknown), "1006");
    let too_many: Vec<String> = (0..301).map(|i| i.to_string()).collect();
    let over = m
        .get(
            "/v1/leads.json",
            &[("filterType", "id"), ("filterValues", &too_many.join(","))],
        )
        .await;
    assert_eq!(
        error_code(&over),
        "1003",
        "filterValues takes at most 300 values"
    );
}

#[tokio::test]
async fn a_filter_matching_more_than_1000_leads_is_1003_and_fewer_are_paged_by_token() {
    let m = Marketo::start().await;
    let rows: Vec<Value> = (0..1001)
        .map(|i| json!({"email": format!("p{i}@x.com"), "leadSource": "Fair"}))
        .collect();
    m.act(reqwest::Method::POST, "leads/bulk", json!({ "rows": rows }))
        .await;
    m.post(
        "/v1/leads/schema/fields.json",
        json!({ "input": [{ "displayName": "Cohort", "name": "cohort", "dataType": "integer" }] }),
    )
    .await;
    let everyone: Vec<String> = (1..=1001).map(|i| i.to_string()).collect();
    // Mark 700 of them with a searchable integer custom field, 300 per call.
    for chunk in everyone[..700].chunks(300) {
        let input: Vec<Value> = chunk
            .iter()
            .map(|id| json!({"id": id.parse::<i64>().unwrap(), "cohort": 7}))
            .collect();
        let synced = m
            .post(
                "/v1/leads.json",
                json!({"action": "updateOnly", "input": input}),
            )
            .await;
        assert!(ok(&synced).iter().all(|r| r["status"] == "updated"));
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut query = vec![
            ("filterType", "cohort"),
            ("filterValues", "7"),
            ("batchSize", "300"),
        ];
        if let Some(t) = &token {
            query.push(("nextPageToken", t.as_str()));
        }
        let page = m.get("/v1/leads.json", &query).await;
        seen.extend(ids(ok(&page)));
        match page["nextPageToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 700, "three pages of 300, 300 and 100");
    seen.dedup();
    assert_eq!(seen.len(), 700, "no lead is returned twice across pages");
    m.act(
        reqwest::Method::POST,
        "leads/bulk",
        json!({ "rows": [{"email": "extra@x.com"}] }),
    )
    .await;
    let all = m
        .get(
            "/v1/leads.json",
            &[("filterType", "leadPartitionId"), ("filterValues", "1")],
        )
        .await;
    assert_eq!(error_code(&all), "1003");
    assert_eq!(
        all["errors"][0]["message"],
        "Too many results match the filter"
    );
}

#[tokio::test]
async fn sync_leads_reports_each_record_in_input_order_with_the_documented_reasons() {
    let m = Marketo::start().await;
    m.create_leads(vec![json!({"email": "twin@x.com"})]).await;
    m.post(
        "/v1/leads.json",
        json!({"action": "createDuplicate", "input": [{"email": "twin@x.com"}]}),
    )
    .await;
    let existing = m.create_leads(vec![json!({"email": "kept@x.com"})]).await[0];
    let created = m
        .post(
            "/v1/leads.json",
            json!({ "action": "createOnly", "input": [
                {"email": "new@x.com", "firstName": "New"},
                {"email": "kept@x.com"},
                {"email": "id@x.com", "id": 5},
                {"email": "odd@x.com", "shoeSize": 9},
                {"email": "num@x.com", "leadScore": "many"}
            ]}),
        )
        .await;
    let result = ok(&created);
    assert_eq!(result[0]["status"], "created");
    assert_eq!(reason(&result[1]), "1005", "createOnly on an existing lead");
    assert_eq!(
        reason(&result[2]),
        "1003",
        "id is accepted only with updateOnly"
    );
    assert_eq!(reason(&result[3]), "1006", "an unknown field");
    assert_eq!(reason(&result[4]), "1001", "a value of the wrong type");
    assert_eq!(
        result[4]["reasons"][0]["message"],
        "Invalid value 'many'. Required of type 'score'"
    );
    let updated = m
        .post(
            "/v1/leads.json",
            json!({ "action": "updateOnly", "input": [
                {"email": "nobody@x.com", "city": "Paris"},
                {"id": existing, "city": "Lyon"},
                {"email": "twin@x.com", "city": "Nice"}
            ]}),
        )
        .await;
    let result = ok(&updated);
    assert_eq!(reason(&result[0]), "1004", "updateOnly on a missing lead");
    assert_eq!(result[1], json!({"id": existing, "status": "updated"}));
    assert_eq!(
        reason(&result[2]),
        "1007",
        "two leads share the lookup value"
    );
    let upsert = m
        .post(
            "/v1/leads.json",
            json!({"input": [{"email": "KEPT@x.com", "title": "CEO"}, {"email": "fresh@x.com"}]}),
        )
        .await;
    let result = ok(&upsert);
    assert_eq!(
        result[0],
        json!({"id": existing, "status": "updated"}),
        "createOrUpdate by email is the default"
    );
    assert_eq!(result[1]["status"], "created");
}

#[tokio::test]
async fn external_person_id_and_custom_fields_serve_as_lookup_fields_but_first_name_does_not() {
    let m = Marketo::start().await;
    let created = m
        .post("/v1/leads.json", json!({"lookupField": "externalPersonId", "input": [{"externalPersonId": "c-1", "email": "x@y.z"}]}))
        .await;
    let id = ok(&created)[0]["id"].as_i64().unwrap();
    let updated = m
        .post("/v1/leads.json", json!({"lookupField": "externalPersonId", "input": [{"externalPersonId": "c-1", "email": "new@y.z"}]}))
        .await;
    assert_eq!(
        ok(&updated)[0],
        json!({"id": id, "status": "updated"}),
        "the same person, found by externalPersonId"
    );
    let bad = m
        .post(
            "/v1/leads.json",
            json!({"lookupField": "firstName", "input": [{"firstName": "A"}]}),
        )
        .await;
    assert_eq!(error_code(&bad), "1011");
}

#[tokio::test]
async fn a_sync_of_more_than_300_leads_is_refused_as_a_whole() {
    let m = Marketo::start().await;
    let input: Vec<Value> = (0..301)
        .map(|i| json!({"email": format!("n{i}@x.com")}))
        .collect();
    let refused = m.post("/v1/leads.json", json!({"input": input})).await;
    assert_eq!(error_code(&refused), "1003");
    assert!(
        m.snapshot().await["leads"].as_array().unwrap().is_empty(),
        "nothing was written"
    );
}

#[tokio::test]
async fn delete_leads_deletes_by_id_and_skips_unknown_ids_with_1004() {
    let m = Marketo::start().await;
    let ids = m
        .create_leads(vec![
            json!({"email": "a@x.com"}),
            json!({"email": "b@x.com"}),
        ])
        .await;
    let deleted = m
        .post(
            "/v1/leads/delete.json",
            json!({"input": [{"id": ids[0]}, {"id": 424242}]}),
        )
        .await;
    let result = ok(&deleted);
    assert_eq!(result[0], json!({"id": ids[0], "status": "deleted"}));
    assert_eq!(reason(&result[1]), "1004");
    let by_query = m
        .post_query(
            "/v1/leads/delete.json",
            &[("id", &ids[1].to_string())],
            None,
        )
        .await;
    assert_eq!(
        ok(&by_query)[0]["status"],
        "deleted",
        "ids may come as query parameters"
    );
    assert!(ok(&m.get(&format!("/v1/lead/{}.json", ids[0]), &[]).await).is_empty());
}

#[tokio::test]
async fn merge_keeps_the_winner_filling_its_empty_fields_from_the_losers_and_deletes_the_losers() {
    let m = Marketo::start().await;
    let ids = m
        .create_leads(vec![
            json!({"email": "win@x.com", "firstName": "Win"}),
            json!({"email": "lose@x.com", "firstName": "Lose", "city": "Oslo"}),
        ])
        .await;
    let merged = m
        .post_query(
            &format!("/v1/leads/{}/merge.json", ids[0]),
            &[("leadId", &ids[1].to_string())],
            None,
        )
        .await;
    assert_eq!(merged["success"], true);
    assert!(
        merged.get("result").is_none(),
        "Merge Leads answers without a result"
    );
    let winner = m
        .get(
            &format!("/v1/lead/{}.json", ids[0]),
            &[("fields", "email,firstName,city")],
        )
        .await;
    assert_eq!(
        ok(&winner)[0],
        json!({"email": "win@x.com", "firstName": "Win", "city": "Oslo"})
    );
    assert!(ok(&m.get(&format!("/v1/lead/{}.json", ids[1]), &[]).await).is_empty());
    let too_many: Vec<String> = (0..26).map(|i| (1000 + i).to_string()).collect();
    let refused = m
        .post_query(
            &format!("/v1/leads/{}/merge.json", ids[0]),
            &[("leadIds", &too_many.join(","))],
            None,
        )
        .await;
    assert_eq!(error_code(&refused), "1080", "more than 25 losers");
}

#[tokio::test]
async fn a_lead_linked_to_a_company_reads_its_values_and_cannot_update_them_with_1021() {
    let m = Marketo::start().await;
    m.post(
        "/v1/companies.json",
        json!({"input": [{"externalCompanyId": "acct-1", "company": "Contoso", "industry": "Retail"}]}),
    )
    .await;
    let ids = m
        .create_leads(vec![
            json!({"email": "emp@contoso.com", "externalCompanyId": "acct-1"}),
            json!({"email": "solo@x.com", "company": "Solo Ltd"}),
        ])
        .await;
    let read = m
        .get(
            &format!("/v1/lead/{}.json", ids[0]),
            &[("fields", "company,industry")],
        )
        .await;
    assert_eq!(
        ok(&read)[0],
        json!({"company": "Contoso", "industry": "Retail"})
    );
    let refused = m
        .post(
            "/v1/leads.json",
            json!({"input": [{"email": "emp@contoso.com", "company": "Other"}]}),
        )
        .await;
    assert_eq!(
        reason(&ok(&refused)[0]),
        "1021",
        "company fields change through Sync Companies"
    );
    let solo = m
        .get(
            &format!("/v1/lead/{}.json", ids[1]),
            &[("fields", "company")],
        )
        .await;
    assert_eq!(
        ok(&solo)[0]["company"],
        "Solo Ltd",
        "a lead with no company keeps its own company name"
    );
    m.post(
        "/v1/companies.json",
        json!({"input": [{"externalCompanyId": "acct-1", "industry": "Finance"}]}),
    )
    .await;
    let after = m
        .get(
            &format!("/v1/lead/{}.json", ids[0]),
            &[("fields", "industry")],
        )
        .await;
    assert_eq!(
        ok(&after)[0]["industry"],
        "Finance",
        "a company change shows on its people"
    );
}
