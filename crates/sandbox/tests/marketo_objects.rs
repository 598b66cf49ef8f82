//! Companies, opportunities, roles, sales persons and custom objects over raw HTTP
//! (`lead-database.md`, `companies.md`, `opportunities.md`, `opportunity-roles.md`,
//! `sales-persons.md`, `custom-objects.md`; samples m16–m19).

mod marketo_support;

use marketo_support::{Marketo, error_code, ok, reason};
use serde_json::{Value, json};

#[tokio::test]
async fn describe_gives_each_type_its_id_field_dedupe_fields_and_searchable_fields() {
    let m = Marketo::start().await;
    for (path, id_field, dedupe) in [
        (
            "/v1/companies/describe.json",
            "id",
            json!(["externalCompanyId"]),
        ),
        (
            "/v1/opportunities/describe.json",
            "marketoGUID",
            json!(["externalOpportunityId"]),
        ),
        (
            "/v1/opportunities/roles/describe.json",
            "marketoGUID",
            json!(["externalOpportunityId", "leadId", "role"]),
        ),
        (
            "/v1/salespersons/describe.json",
            "id",
            json!(["externalSalesPersonId"]),
        ),
    ] {
        let described = m.get(path, &[]).await;
        let meta = &ok(&described)[0];
        assert_eq!(meta["idField"], id_field, "{path}");
        assert_eq!(meta["dedupeFields"], dedupe, "{path}");
        assert!(
            meta["searchableFields"]
                .as_array()
                .unwrap()
                .contains(&json!([id_field])),
            "{path}"
        );
    }
}

#[tokio::test]
async fn company_sync_creates_updates_and_skips_each_record_with_its_seq() {
    let m = Marketo::start().await;
    let first = m
        .post(
            "/v1/companies.json",
            json!({"action": "createOrUpdate", "dedupeBy": "dedupeFields", "input": [
                {"externalCompanyId": "19UYA31581L000000", "company": "Google"},
                {"externalCompanyId": "29UYA31581L000000", "company": "Yahoo"}
            ]}),
        )
        .await;
    let result = ok(&first);
    assert_eq!(result[0]["seq"], 0);
    assert_eq!(result[1]["seq"], 1);
    assert!(
        result
            .iter()
            .all(|r| r["status"] == "created" && r["id"].is_i64())
    );
    let second = m
        .post(
            "/v1/companies.json",
            json!({"input": [
                {"externalCompanyId": "19UYA31581L000000", "company": "Alphabet"},
                {"company": "No key"},
                {"externalCompanyId": "39UYA31581L000000", "shoeSize": 3},
                {"externalCompanyId": "19UYA31581L000000", "company": "Twice"}
            ]}),
        )
        .await;
    let result = ok(&second);
    assert_eq!(result[0]["status"], "updated");
    assert_eq!(reason(&result[1]), "1002", "every dedupe field is required");
    assert_eq!(reason(&result[2]), "1006");
    assert_eq!(reason(&result[3]), "1036", "the same key twice in one call");
    let only = m
        .post(
            "/v1/companies.json",
            json!({"action": "createOnly", "input": [{"externalCompanyId": "19UYA31581L000000"}]}),
        )
        .await;
    assert_eq!(reason(&ok(&only)[0]), "1017");
    let update = m
        .post(
            "/v1/companies.json",
            json!({"action": "updateOnly", "input": [{"externalCompanyId": "nope"}]}),
        )
        .await;
    assert_eq!(reason(&ok(&update)[0]), "1013");
    let by_id = m
        .post(
            "/v1/companies.json",
            json!({"action": "createOnly", "dedupeBy": "idField", "input": [{"id": 1}]}),
        )
        .await;
    assert_eq!(
        error_code(&by_id),
        "1003",
        "idField is not compatible with createOnly"
    );
}

#[tokio::test]
async fn companies_are_queried_by_searchable_fields_with_the_default_fields() {
    let m = Marketo::start().await;
    m.post(
        "/v1/companies.json",
        json!({"input": [
            {"externalCompanyId": "a", "company": "Alpha", "industry": "Retail"},
            {"externalCompanyId": "b", "company": "Beta"}
        ]}),
    )
    .await;
    let found = m
        .get(
            "/v1/companies.json",
            &[("filterType", "externalCompanyId"), ("filterValues", "b,a")],
        )
        .await;
    let result = ok(&found);
    assert_eq!(result[0]["seq"], 0);
    assert_eq!(
        result[0]["externalCompanyId"], "b",
        "results follow the filter values"
    );
    let mut keys: Vec<&str> = result[1]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["createdAt", "externalCompanyId", "id", "seq", "updatedAt"],
        "the documented default fields"
    );
    let named = m
        .get(
            "/v1/companies.json",
            &[
                ("filterType", "company"),
                ("filterValues", "Alpha"),
                ("fields", "industry"),
            ],
        )
        .await;
    assert_eq!(ok(&named)[0]["industry"], "Retail");
    let by_alias = m
        .get(
            "/v1/companies.json",
            &[("filterType", "dedupeFields"), ("filterValues", "a")],
        )
        .await;
    assert_eq!(
        ok(&by_alias).len(),
        1,
        "dedupeFields is an alias filterType"
    );
    let not_searchable = m
        .get(
            "/v1/companies.json",
            &[("filterType", "industry"), ("filterValues", "Retail")],
        )
        .await;
    assert_eq!(error_code(&not_searchable), "1003");
    let deleted = m.post("/v1/companies/delete.json", json!({"deleteBy": "dedupeFields", "input": [{"externalCompanyId": "a"}, {"externalCompanyId": "zz"}]})).await;
    let result = ok(&deleted);
    assert_eq!(result[0]["status"], "deleted");
    assert_eq!(reason(&result[1]), "1013");
}

#[tokio::test]
async fn opportunities_need_a_name_and_an_existing_sales_person_and_roles_need_their_lead() {
    let m = Marketo::start().await;
    m.post("/v1/salespersons.json", json!({"input": [{"externalSalesPersonId": "sam@test.com", "email": "sam@test.com", "firstName": "Sam"}]})).await;
    let unknown_rep = m
        .post("/v1/opportunities.json", json!({"input": [{"externalOpportunityId": "o1", "name": "Chairs", "externalSalesPersonId": "raj@test.com"}]}))
        .await;
    assert_eq!(
        error_code(&unknown_rep),
        "718",
        "a Sync Opportunities call naming an unknown sales person fails"
    );
    let synced = m
        .post("/v1/opportunities.json", json!({"input": [
            {"externalOpportunityId": "o1", "name": "Chairs", "amount": "1604.47", "externalSalesPersonId": "sam@test.com"},
            {"externalOpportunityId": "o2"}
        ]}))
        .await;
    let result = ok(&synced);
    assert_eq!(result[0]["status"], "created");
    assert_eq!(result[0]["marketoGUID"].as_str().unwrap().len(), 36);
    assert_eq!(reason(&result[1]), "1002", "the name must not be null");
    let lead = m.create_leads(vec![json!({"email": "buyer@x.com"})]).await[0];
    let roles = m
        .post("/v1/opportunities/roles.json", json!({"input": [
            {"externalOpportunityId": "o1", "leadId": lead, "role": "Technical Buyer", "isPrimary": false},
            {"externalOpportunityId": "o1", "leadId": 999999, "role": "Technical Buyer"},
            {"externalOpportunityId": "o9", "leadId": lead, "role": "Technical Buyer"}
        ]}))
        .await;
    let result = ok(&roles);
    assert_eq!(result[0]["status"], "created");
    assert_eq!(reason(&result[1]), "1004");
    assert_eq!(reason(&result[2]), "1013");
    let compound: Value = m
        .http
        .post(m.rest("/v1/opportunities/roles.json?_method=GET"))
        .bearer_auth(&m.token)
        .json(&json!({"filterType": "dedupeFields", "fields": ["marketoGUID", "role", "isPrimary"], "input": [
            {"externalOpportunityId": "o1", "leadId": lead, "role": "technical buyer"}
        ]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let found = ok(&compound);
    assert_eq!(
        found.len(),
        1,
        "a compound key is queried with a JSON body: {compound}"
    );
    assert_eq!(found[0]["isPrimary"], false);
    let plain = m
        .get(
            "/v1/opportunities/roles.json",
            &[("filterType", "dedupeFields"), ("filterValues", "o1")],
        )
        .await;
    assert_eq!(
        error_code(&plain),
        "1003",
        "a compound key cannot be given as filterValues"
    );
    let by_lead = m
        .get(
            "/v1/opportunities/roles.json",
            &[
                ("filterType", "leadId"),
                ("filterValues", &lead.to_string()),
            ],
        )
        .await;
    assert_eq!(ok(&by_lead).len(), 1);
}

#[tokio::test]
async fn a_sales_person_in_use_by_a_lead_is_not_deleted_and_leads_read_their_owner() {
    let m = Marketo::start().await;
    m.post("/v1/salespersons.json", json!({"input": [
        {"externalSalesPersonId": "sam@test.com", "email": "sam@test.com", "firstName": "Sam", "lastName": "Sanosin"},
        {"externalSalesPersonId": "david@test.com", "email": "david@test.com"}
    ]}))
    .await;
    let lead = m
        .create_leads(vec![
            json!({"email": "p@x.com", "externalSalesPersonId": "sam@test.com"}),
        ])
        .await[0];
    let owner = m
        .get(
            &format!("/v1/lead/{lead}.json"),
            &[("fields", "leadOwnerEmail,leadOwnerFirstName")],
        )
        .await;
    assert_eq!(
        ok(&owner)[0],
        json!({"leadOwnerEmail": "sam@test.com", "leadOwnerFirstName": "Sam"})
    );
    let deleted = m
        .post("/v1/salespersons/delete.json", json!({"input": [{"externalSalesPersonId": "sam@test.com"}, {"externalSalesPersonId": "david@test.com"}, {"externalSalesPersonId": "raj@test.com"}]}))
        .await;
    let result = ok(&deleted);
    assert_eq!(reason(&result[0]), "1022", "Sam owns a lead");
    assert_eq!(result[1]["status"], "deleted");
    assert_eq!(reason(&result[2]), "1013");
}

#[tokio::test]
async fn a_company_change_logs_a_change_data_value_on_each_of_its_people() {
    let m = Marketo::start().await;
    let token = m
        .get(
            "/v1/activities/pagingtoken.json",
            &[("sinceDatetime", "2020-01-01T00:00:00Z")],
        )
        .await["nextPageToken"]
        .as_str()
        .unwrap()
        .to_owned();
    m.post(
        "/v1/companies.json",
        json!({"input": [{"externalCompanyId": "acct", "industry": "Retail"}]}),
    )
    .await;
    let people = m
        .create_leads(vec![
            json!({"email": "1@acct.com", "externalCompanyId": "acct"}),
            json!({"email": "2@acct.com", "externalCompanyId": "acct"}),
        ])
        .await;
    m.post(
        "/v1/companies.json",
        json!({"input": [{"externalCompanyId": "acct", "industry": "Finance"}]}),
    )
    .await;
    let changes = m
        .get(
            "/v1/activities/leadchanges.json",
            &[("nextPageToken", &token), ("fields", "industry")],
        )
        .await;
    let logged: Vec<(i64, &Value)> = ok(&changes)
        .iter()
        .filter(|a| a["activityTypeId"] == 13)
        .map(|a| (a["leadId"].as_i64().unwrap(), &a["fields"][0]))
        .collect();
    assert_eq!(logged.len(), 2, "one per person: {changes}");
    for (lead, field) in &logged {
        assert!(people.contains(lead));
        assert_eq!(field["oldValue"], "Retail");
        assert_eq!(field["newValue"], "Finance");
    }
}

async fn car_type(m: &Marketo) {
    m.post("/v1/customobjects/schema.json", json!({"action": "createOnly", "apiName": "car", "displayName": "Car", "pluralName": "Cars"})).await;
    let added = m
        .post("/v1/customobjects/schema/car/addField.json", json!({"input": [
            {"displayName": "Lead ID", "name": "leadID", "dataType": "link", "relatedTo": {"name": "lead", "field": "id"}},
            {"displayName": "VIN", "name": "vin", "dataType": "string", "isDedupeField": true},
            {"displayName": "Year", "name": "year", "dataType": "integer"}
        ]}))
        .await;
    assert_eq!(added["success"], true, "{added}");
}

#[tokio::test]
async fn a_custom_object_type_is_a_draft_until_approved_and_needs_a_dedupe_field() {
    let m = Marketo::start().await;
    m.post(
        "/v1/customobjects/schema.json",
        json!({"action": "createOnly", "apiName": "course", "displayName": "Course"}),
    )
    .await;
    let draft = m
        .get("/v1/customobjects/schema/course/describe.json", &[])
        .await;
    let meta = &ok(&draft)[0];
    assert_eq!(meta["state"], "draft");
    assert!(
        meta["idField"].is_null(),
        "a never-approved draft has no id field yet (the docs' example)"
    );
    let refused = m
        .post_query("/v1/customobjects/schema/course/approve.json", &[], None)
        .await;
    assert_eq!(
        error_code(&refused),
        "709",
        "at least one dedupe field is required"
    );
    let early = m
        .post(
            "/v1/customobjects/course.json",
            json!({"input": [{"courseId": "c1"}]}),
        )
        .await;
    assert_eq!(error_code(&early), "1013", "records need an approved type");
    car_type(&m).await;
    ok(&m
        .post_query("/v1/customobjects/schema/car/approve.json", &[], None)
        .await);
    let approved = m
        .get("/v1/customobjects/schema/car/describe.json", &[])
        .await;
    let meta = &ok(&approved)[0];
    assert_eq!(meta["state"], "approved");
    assert_eq!(meta["dedupeFields"], json!(["vin"]));
    assert_eq!(
        meta["relationships"][0]["relatedTo"],
        json!({"name": "lead", "field": "id"})
    );
    let late_link = m
        .post("/v1/customobjects/schema/car/addField.json", json!({"input": [{"displayName": "Owner", "name": "owner", "relatedTo": {"name": "lead", "field": "email"}}]}))
        .await;
    assert_eq!(error_code(&late_link), "709", "no link field once approved");
    let listed = m
        .get("/v1/customobjects/schema.json", &[("names", "car")])
        .await;
    assert_eq!(ok(&listed).len(), 1);
    let linkable = m
        .get("/v1/customobjects/schema/linkableObjects.json", &[])
        .await;
    let names: Vec<&str> = ok(&linkable)
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"lead") && names.contains(&"company"));
    assert!(
        !names.contains(&"car"),
        "a type with a link field cannot be linked to"
    );
}

#[tokio::test]
async fn custom_object_records_link_to_existing_leads_and_are_queried_and_deleted() {
    let m = Marketo::start().await;
    car_type(&m).await;
    m.post_query("/v1/customobjects/schema/car/approve.json", &[], None)
        .await;
    let lead = m.create_leads(vec![json!({"email": "owner@x.com"})]).await[0];
    let synced = m
        .post(
            "/v1/customobjects/car.json",
            json!({"input": [
                {"vin": "19UYA31581L000000", "leadID": lead, "year": 2003},
                {"vin": "29UYA31581L000000", "leadID": 999999}
            ]}),
        )
        .await;
    let result = ok(&synced);
    assert_eq!(result[0]["status"], "created");
    assert_eq!(reason(&result[1]), "1004", "the linked lead must exist");
    let guid = result[0]["marketoGUID"].as_str().unwrap().to_owned();
    let by_id = m
        .get(
            "/v1/customobjects/car.json",
            &[("filterType", "idField"), ("filterValues", &guid)],
        )
        .await;
    assert_eq!(ok(&by_id)[0]["vin"], "19UYA31581L000000");
    let by_lead = m
        .get(
            "/v1/customobjects/car.json",
            &[
                ("filterType", "leadID"),
                ("filterValues", &lead.to_string()),
            ],
        )
        .await;
    assert_eq!(ok(&by_lead)[0]["year"], 2003);
    let listed = m.get("/v1/customobjects.json", &[]).await;
    assert_eq!(ok(&listed)[0]["name"], "car");
    let described = m.get("/v1/customobjects/car/describe.json", &[]).await;
    assert_eq!(ok(&described)[0]["idField"], "marketoGUID");
    let deleted = m.post("/v1/customobjects/car/delete.json", json!({"deleteBy": "dedupeFields", "input": [{"vin": "19UYA31581L000000"}, {"vin": "39UYA31581L000000"}]})).await;
    let result = ok(&deleted);
    assert_eq!(result[0]["marketoGUID"], guid);
    assert_eq!(result[0]["status"], "deleted");
    assert_eq!(reason(&result[1]), "1013");
}
