//! Conformance of Dataverse writes over raw HTTP: create, update, upsert and delete with their
//! conditions (samples 11, 18, 21), lookups, field security on writes, the org's validation rules
//! (samples 01, 19), `QualifyLead` and `Merge`.

mod dataverse_common;

use dataverse_common::{Org, error_of};
use reqwest::Method;
use serde_json::{Value, json};

async fn create(org: &Org, set: &str, body: Value) -> reqwest::Response {
    org.request(Method::POST, set)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn id_from_entity_id(response: &reqwest::Response) -> String {
    let url = response.headers()["odata-entityid"].to_str().unwrap();
    url.rsplit_once('(')
        .unwrap()
        .1
        .trim_end_matches(')')
        .to_owned()
}

#[tokio::test]
async fn create_answers_204_with_the_entity_id() {
    let org = Org::start().await;
    let response = create(&org, "accounts", json!({ "name": "Sample Account", "description": null, "revenue": 5000000, "industrycode": 7 })).await;
    assert_eq!(response.status(), 204);
    let url = response.headers()["odata-entityid"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with(&org.url("accounts(")), "{url}");
    let id = id_from_entity_id(&response);
    let row = org.get_json(&format!("accounts({id})?$select=name,revenue,_ownerid_value,_createdby_value,_modifiedby_value,statecode,statuscode")).await;
    assert_eq!(row["name"], "Sample Account");
    assert_eq!(row["revenue"], 5_000_000.0);
    let me = org.get_json("WhoAmI").await["UserId"].clone();
    assert_eq!(row["_createdby_value"], me, "created by the caller");
    assert_eq!(
        row["_modifiedby_value"], me,
        "modifiedby records the caller, for echo suppression"
    );
    assert_eq!(
        row["_ownerid_value"], me,
        "owned by the caller unless told otherwise"
    );
    assert_eq!(
        (row["statecode"].clone(), row["statuscode"].clone()),
        (json!(0), json!(1))
    );
}

#[tokio::test]
async fn return_representation_answers_201_with_the_record() {
    let org = Org::start().await;
    let response = org
        .request(
            Method::POST,
            "contacts?$select=firstname,lastname,fullname,createdon",
        )
        .header("Prefer", "return=representation")
        .json(&json!({ "firstname": "Yvonne", "lastname": "McKay" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert!(
        response.headers().get("odata-entityid").is_none(),
        "no OData-EntityId with a representation"
    );
    assert_eq!(
        response.headers()["preference-applied"],
        "return=representation"
    );
    let body: Value = response.json().await.unwrap();
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/$entity")
    );
    assert_eq!(
        body["fullname"], "Yvonne McKay",
        "the full name is composed by the platform"
    );
    assert!(body["createdon"].as_str().unwrap().ends_with('Z'));
    assert!(body["contactid"].is_string());
}

#[tokio::test]
async fn lookups_are_written_with_odata_bind_only() {
    let org = Org::start().await;
    let account = id_from_entity_id(&create(&org, "accounts", json!({ "name": "Parent" })).await);
    let contact = create(&org, "contacts", json!({ "lastname": "Child", "parentcustomerid_account@odata.bind": format!("/accounts({account})") })).await;
    assert_eq!(contact.status(), 204);
    let id = id_from_entity_id(&contact);
    let row = org
        .get_json(&format!("contacts({id})?$select=_parentcustomerid_value"))
        .await;
    assert_eq!(row["_parentcustomerid_value"], json!(account));
    let no_slash = create(&org, "contacts", json!({ "lastname": "Child2", "parentcustomerid_account@odata.bind": format!("accounts({account})") })).await;
    assert_eq!(no_slash.status(), 204, "the leading slash is optional");

    let direct = create(
        &org,
        "contacts",
        json!({ "lastname": "X", "_parentcustomerid_value": account }),
    )
    .await;
    let (status, _, message) = error_of(direct).await;
    assert_eq!(status, 400);
    assert_eq!(
        message,
        "CRM do not support direct update of Entity Reference properties, Use Navigation properties instead."
    );

    let missing = create(&org, "contacts", json!({ "lastname": "X", "parentcustomerid_account@odata.bind": "/accounts(00000000-0000-0000-0000-000000000001)" })).await;
    let (status, code, message) = error_of(missing).await;
    assert_eq!((status, code.as_str()), (404, "0x80040217"));
    assert_eq!(
        message,
        "account With Id = 00000000-0000-0000-0000-000000000001 Does Not Exist"
    );

    let wrong = create(&org, "contacts", json!({ "lastname": "X", "parentcustomerid_account@odata.bind": format!("/contacts({id})") })).await;
    assert_eq!(
        wrong.status(),
        400,
        "the navigation property decides the target table"
    );
}

#[tokio::test]
async fn bodies_that_do_not_fit_the_table_are_refused() {
    let org = Org::start().await;
    let cases = [
        (
            json!({ "lastname": "X", "nosuchcolumn": 1 }),
            "The property 'nosuchcolumn' does not exist on type 'Microsoft.Dynamics.CRM.contact'.",
        ),
        (
            json!({ "lastname": 5 }),
            "Cannot convert the literal '5' to the expected type 'Edm.String'.",
        ),
        (
            json!({ "lastname": "X", "preferredcontactmethodcode": 99 }),
            "is outside the valid range",
        ),
    ];
    for (body, expected) in cases {
        let (status, _, message) = error_of(create(&org, "contacts", body.clone()).await).await;
        assert_eq!(status, 400, "{body}");
        assert!(message.contains(expected), "{body}: {message}");
    }
}

#[tokio::test]
async fn a_value_longer_than_the_column_allows_is_0x80044331() {
    let org = Org::start().await;
    let (status, code, message) =
        error_of(create(&org, "contacts", json!({ "lastname": "x".repeat(51) })).await).await;
    assert_eq!((status, code.as_str()), (400, "0x80044331"));
    assert_eq!(
        message,
        "A validation error occurred.  The length of the 'lastname' attribute of the 'contact' entity exceeded the maximum allowed length of '50'."
    );
}

#[tokio::test]
async fn patch_updates_and_moves_the_etag() {
    let org = Org::start().await;
    let id = org.seed("contacts", json!({ "lastname": "Before" })).await;
    let before = org
        .get(&format!("contacts({id})?$select=lastname"))
        .send()
        .await
        .unwrap();
    let etag = before.headers()["etag"].to_str().unwrap().to_owned();
    let response = org
        .request(Method::PATCH, &format!("contacts({id})"))
        .header("If-Match", &etag)
        .json(&json!({ "lastname": "After" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let after = org
        .get(&format!("contacts({id})?$select=lastname"))
        .send()
        .await
        .unwrap();
    assert_ne!(
        after.headers()["etag"].to_str().unwrap(),
        etag,
        "every write takes a new version"
    );
    let stale = org
        .request(Method::PATCH, &format!("contacts({id})"))
        .header("If-Match", &etag)
        .json(&json!({ "lastname": "Again" }))
        .send()
        .await
        .unwrap();
    let (status, code, message) = error_of(stale).await;
    assert_eq!((status, code.as_str()), (412, "0x80060882"));
    assert_eq!(
        message,
        "The version of the existing record doesn't match the RowVersion property provided."
    );
}

#[tokio::test]
async fn if_match_star_updates_only_and_if_none_match_star_creates_only() {
    let org = Org::start().await;
    let absent = "00000000-0000-0000-0000-000000000001";
    let update_only = org
        .request(Method::PATCH, &format!("accounts({absent})"))
        .header("If-Match", "*")
        .json(&json!({ "name": "Updated" }))
        .send()
        .await
        .unwrap();
    let (status, _, message) = error_of(update_only).await;
    assert_eq!(status, 404);
    assert_eq!(
        message,
        format!("account With Id = {absent} Does Not Exist")
    );

    let upsert = org
        .request(Method::PATCH, &format!("accounts({absent})"))
        .json(&json!({ "name": "Upserted" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        upsert.status(),
        204,
        "without conditions PATCH creates a missing record"
    );
    assert_eq!(
        org.get_json(&format!("accounts({absent})?$select=name"))
            .await["name"],
        "Upserted"
    );

    let create_only = org
        .request(Method::PATCH, &format!("accounts({absent})"))
        .header("If-None-Match", "*")
        .json(&json!({ "name": "Again" }))
        .send()
        .await
        .unwrap();
    let (status, _, message) = error_of(create_only).await;
    assert_eq!(status, 412);
    assert_eq!(message, "A record with matching key values already exists.");

    let representation = org
        .request(Method::PATCH, &format!("accounts({absent})?$select=name"))
        .header("Prefer", "return=representation")
        .json(&json!({ "name": "Shown" }))
        .send()
        .await
        .unwrap();
    assert_eq!(representation.status(), 200);
    assert_eq!(
        representation.json::<Value>().await.unwrap()["name"],
        "Shown"
    );
}

#[tokio::test]
async fn a_conditional_get_with_the_current_etag_is_304() {
    let org = Org::start().await;
    let id = org.seed("accounts", json!({ "name": "Cached" })).await;
    let first = org
        .get(&format!("accounts({id})?$select=name"))
        .send()
        .await
        .unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = org
        .get(&format!("accounts({id})?$select=name"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let annotated = org
        .get(&format!("accounts({id})?$select=name"))
        .header("If-None-Match", &etag)
        .header("Prefer", "odata.include-annotations=\"*\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        annotated.status(),
        200,
        "annotations defeat the conditional GET"
    );
}

#[tokio::test]
async fn delete_answers_204_then_404() {
    let org = Org::start().await;
    let id = org.seed("contacts", json!({ "lastname": "Doomed" })).await;
    let stale = org
        .request(Method::DELETE, &format!("contacts({id})"))
        .header("If-Match", "W/\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412, "DELETE honours If-Match too");
    assert_eq!(
        org.request(Method::DELETE, &format!("contacts({id})"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let (status, code, _) = error_of(
        org.request(Method::DELETE, &format!("contacts({id})"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (404, "0x80040217"));
    assert_eq!(
        org.get(&format!("contacts({id})"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn writing_a_secured_column_without_permission_is_403() {
    let org = Org::start().await;
    let (status, _, message) = error_of(
        create(
            &org,
            "contacts",
            json!({ "lastname": "X", "new_creditlimit": 10 }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        message.contains("AttributePrivilegeCreateIsMissing"),
        "{message}"
    );
    let id = org.seed("contacts", json!({ "lastname": "Y" })).await;
    let update = org
        .request(Method::PATCH, &format!("contacts({id})"))
        .json(&json!({ "new_creditlimit": 10 }))
        .send()
        .await
        .unwrap();
    let (status, _, message) = error_of(update).await;
    assert_eq!(status, 403);
    assert!(
        message.contains("AttributePermissionUpdateIsMissingDuringUpdate"),
        "{message}"
    );
    org.control(
        Method::PUT,
        "dynamics/columns/contact/new_creditlimit/security",
        json!({ "secured": true, "syncUserCanRead": true, "syncUserCanUpdate": true }),
    )
    .await;
    let granted = org
        .request(Method::PATCH, &format!("contacts({id})"))
        .json(&json!({ "new_creditlimit": 10 }))
        .send()
        .await
        .unwrap();
    assert_eq!(granted.status(), 204, "the profile now grants update");
}

#[tokio::test]
async fn a_plugin_rejection_is_400_0x80040265_with_its_message() {
    let org = Org::start().await;
    org.control(
        Method::PUT,
        "dynamics/rules/contact",
        json!({ "rejections": [{ "when": "endswith(emailaddress1,'@competitor.example')", "message": "Contacts from competitors are not allowed." }] }),
    )
    .await;
    let (status, code, message) = error_of(
        create(
            &org,
            "contacts",
            json!({ "lastname": "Spy", "emailaddress1": "spy@competitor.example" }),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "0x80040265"));
    assert_eq!(message, "Contacts from competitors are not allowed.");
    assert_eq!(
        create(
            &org,
            "contacts",
            json!({ "lastname": "Friend", "emailaddress1": "friend@example.com" })
        )
        .await
        .status(),
        204
    );
}

#[tokio::test]
async fn required_columns_and_shorter_lengths_come_from_the_rules() {
    let org = Org::start().await;
    org.control(
        Method::PUT,
        "dynamics/rules/lead",
        json!({ "required": ["emailaddress1"], "maxLengths": { "jobtitle": 10 } }),
    )
    .await;
    let (status, _, message) =
        error_of(create(&org, "leads", json!({ "lastname": "NoEmail" })).await).await;
    assert_eq!(status, 400);
    assert!(message.contains("'emailaddress1'"), "{message}");
    let (status, code, message) = error_of(create(&org, "leads", json!({ "lastname": "L", "emailaddress1": "l@example.com", "jobtitle": "Chief Marketing Officer" })).await).await;
    assert_eq!((status, code.as_str()), (400, "0x80044331"));
    assert!(
        message.contains("maximum allowed length of '10'"),
        "{message}"
    );
    let bad_rule = org
        .http
        .put(org.control_url("dynamics/rules/lead"))
        .json(&json!({ "required": ["nosuchcolumn"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bad_rule.status(),
        400,
        "a rule on a missing column is refused when set"
    );
}

#[tokio::test]
async fn duplicate_detection_is_500_0x80040333_when_asked_for() {
    let org = Org::start().await;
    org.control(
        Method::PUT,
        "dynamics/rules/lead",
        json!({ "duplicateDetection": ["emailaddress1"] }),
    )
    .await;
    let body = json!({ "firstname": "Monte", "lastname": "Orton", "emailaddress1": "monteorton@example.com" });
    assert_eq!(create(&org, "leads", body.clone()).await.status(), 204);
    assert_eq!(
        create(&org, "leads", body.clone()).await.status(),
        204,
        "detection is off by default for the Web API"
    );
    let asked = org
        .request(Method::POST, "leads")
        .header("MSCRM.SuppressDuplicateDetection", "false")
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, code, message) = error_of(asked).await;
    assert_eq!((status, code.as_str()), (500, "0x80040333"));
    assert_eq!(
        message,
        "A record was not created or updated because a duplicate of the current record already exists."
    );
}

#[tokio::test]
async fn qualify_lead_creates_the_account_contact_and_opportunity() {
    let org = Org::start().await;
    let lead = org.seed("leads", json!({ "firstname": "Ada", "lastname": "Quinn", "emailaddress1": "ada@contoso.com", "companyname": "Contoso Ltd", "subject": "Big deal", "mkt_leadscore": 77 })).await;
    let response = org
        .request(Method::POST, &format!("leads({lead})/Microsoft.Dynamics.CRM.QualifyLead"))
        .json(&json!({ "CreateAccount": true, "CreateContact": true, "CreateOpportunity": true, "Status": 3 }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    let created = body["value"].as_array().unwrap();
    let of = |t: &str| {
        created
            .iter()
            .find(|r| r["@odata.type"] == format!("#Microsoft.Dynamics.CRM.{t}"))
            .unwrap_or_else(|| panic!("{t}: {body}"))[format!("{t}id")]
        .as_str()
        .unwrap()
        .to_owned()
    };
    let (account, contact, opportunity) = (of("account"), of("contact"), of("opportunity"));
    let c = org.get_json(&format!("contacts({contact})?$select=fullname,emailaddress1,mkt_leadscore,_parentcustomerid_value,_originatingleadid_value")).await;
    assert_eq!(c["fullname"], "Ada Quinn");
    assert_eq!(c["emailaddress1"], "ada@contoso.com");
    assert_eq!(c["mkt_leadscore"], 77);
    assert_eq!(c["_parentcustomerid_value"], json!(account));
    assert_eq!(
        org.get_json(&format!("accounts({account})?$select=name"))
            .await["name"],
        "Contoso Ltd"
    );
    assert_eq!(
        org.get_json(&format!(
            "opportunities({opportunity})?$select=_customerid_value"
        ))
        .await["_customerid_value"],
        json!(account)
    );
    let l = org
        .get_json(&format!(
            "leads({lead})?$select=statecode,statuscode,_parentcontactid_value"
        ))
        .await;
    assert_eq!(
        (l["statecode"].clone(), l["statuscode"].clone()),
        (json!(1), json!(3)),
        "the lead is qualified"
    );
    assert_eq!(l["_parentcontactid_value"], json!(contact));
    let again = org
        .request(Method::POST, &format!("leads({lead})/Microsoft.Dynamics.CRM.QualifyLead"))
        .json(&json!({ "CreateAccount": false, "CreateContact": true, "CreateOpportunity": false, "Status": 3 }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        400,
        "a closed lead cannot be qualified again"
    );
}

#[tokio::test]
async fn merge_keeps_the_target_deactivates_the_subordinate_and_moves_its_children() {
    let org = Org::start().await;
    let target = org
        .seed(
            "accounts",
            json!({ "name": "Account 1", "telephone1": "555-0100" }),
        )
        .await;
    let subordinate = org.seed("accounts", json!({ "name": "Account 2", "telephone1": "555-0199", "websiteurl": "https://two.example" })).await;
    let child = org.seed("contacts", json!({ "lastname": "Kid", "parentcustomerid_account@odata.bind": format!("/accounts({subordinate})") })).await;
    let response = org
        .request(Method::POST, "Merge")
        .json(&json!({
            "Target": { "name": "Account 1", "accountid": target, "@odata.type": "Microsoft.Dynamics.CRM.account" },
            "Subordinate": { "name": "Account 2", "accountid": subordinate, "@odata.type": "Microsoft.Dynamics.CRM.account" },
            "UpdateContent": { "accountnumber": "1234", "@odata.type": "Microsoft.Dynamics.CRM.account" },
            "PerformParentingChecks": false
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let t = org
        .get_json(&format!(
            "accounts({target})?$select=name,telephone1,websiteurl,accountnumber"
        ))
        .await;
    assert_eq!(
        t["telephone1"], "555-0100",
        "the target's data is not overwritten"
    );
    assert_eq!(
        t["websiteurl"], "https://two.example",
        "its blanks are filled from the subordinate"
    );
    assert_eq!(t["accountnumber"], "1234", "UpdateContent applies");
    let s = org
        .get_json(&format!(
            "accounts({subordinate})?$select=statecode,merged,_masterid_value"
        ))
        .await;
    assert_eq!(s["statecode"], 1);
    assert_eq!(s["merged"], true);
    assert_eq!(s["_masterid_value"], json!(target));
    let kid = org
        .get_json(&format!(
            "contacts({child})?$select=_parentcustomerid_value"
        ))
        .await;
    assert_eq!(
        kid["_parentcustomerid_value"],
        json!(target),
        "children move to the target"
    );
    let opportunities = org.request(Method::POST, "Merge").json(&json!({
        "Target": { "opportunityid": target, "@odata.type": "Microsoft.Dynamics.CRM.opportunity" },
        "Subordinate": { "opportunityid": subordinate, "@odata.type": "Microsoft.Dynamics.CRM.opportunity" }
    })).send().await.unwrap();
    assert_eq!(
        opportunities.status(),
        400,
        "only accounts, contacts and leads merge"
    );
}
