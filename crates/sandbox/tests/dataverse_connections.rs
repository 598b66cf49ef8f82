//! Conformance of connections over raw HTTP: opportunity stakeholders (R57), their reciprocals,
//! roles and the tables a role is limited to, change tracking, lookups that point at more than
//! one table (connection-entities.md, reference/entities/connection.md, connectionrole.md).

mod dataverse_common;

use dataverse_common::{Org, error_of};
use reqwest::Method;
use serde_json::{Value, json};

const LOOKUP_NAME: &str = "@Microsoft.Dynamics.CRM.lookuplogicalname";

fn values(body: &Value) -> &Vec<Value> {
    body["value"].as_array().expect("a collection has value[]")
}

/// The id of a standard role, looked up by name as a client must.
async fn role(org: &Org, name: &str) -> String {
    let body = org
        .get_json(&format!(
            "connectionroles?$select=name,category&$filter=name eq '{name}'"
        ))
        .await;
    values(&body)[0]["connectionroleid"]
        .as_str()
        .unwrap_or_else(|| panic!("the org ships the role {name}"))
        .to_owned()
}

/// An opportunity and a contact to connect.
async fn deal(org: &Org) -> (String, String) {
    let contact = org
        .seed(
            "contacts",
            json!({ "firstname": "Ines", "lastname": "Okafor" }),
        )
        .await;
    let opportunity = org
        .seed(
            "opportunities",
            json!({ "name": "Fabrikam: 40 seats", "customerid_contact@odata.bind": format!("/contacts({contact})") }),
        )
        .await;
    (opportunity, contact)
}

/// A stakeholder as the opportunity form adds it: the opportunity connected to the contact, the
/// contact's role on the "to" side.
fn stakeholder(opportunity: &str, contact: &str, role: &str) -> Value {
    json!({
        "record1id_opportunity@odata.bind": format!("/opportunities({opportunity})"),
        "record2id_contact@odata.bind": format!("/contacts({contact})"),
        "record2roleid@odata.bind": format!("/connectionroles({role})"),
    })
}

async fn post(org: &Org, set: &str, body: &Value) -> reqwest::Response {
    org.request(Method::POST, set)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Creates a connection through the Web API and answers its id.
async fn connect(org: &Org, body: &Value) -> String {
    let response = post(org, "connections", body).await;
    assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
    let url = response.headers()["odata-entityid"].to_str().unwrap();
    url.rsplit_once('(')
        .unwrap()
        .1
        .trim_end_matches(')')
        .to_owned()
}

async fn connections_of(org: &Org, record: &str) -> Vec<Value> {
    values(
        &org.get_json(&format!("connections?$filter=_record1id_value eq {record}"))
            .await,
    )
    .clone()
}

async fn count(org: &Org) -> usize {
    values(&org.get_json("connections?$select=name").await).len()
}

#[tokio::test]
async fn creating_a_connection_creates_its_reciprocal_with_records_and_roles_swapped() {
    let org = Org::start().await;
    let (opportunity, contact) = deal(&org).await;
    let decision_maker = role(&org, "Decision Maker").await;
    let mut body = stakeholder(&opportunity, &contact, &decision_maker);
    // The platform's columns are its own: a body that sets them is not obeyed.
    body["ismaster"] = json!(false);
    body["name"] = json!("Made up");
    body["relatedconnectionid@odata.bind"] =
        json!("/connections(00000000-0000-4000-8000-000000000009)");
    let master = connect(&org, &body).await;

    let from_opportunity = connections_of(&org, &opportunity).await;
    assert_eq!(
        from_opportunity.len(),
        1,
        "one connection from the opportunity"
    );
    let first = &from_opportunity[0];
    assert_eq!(first["connectionid"], master.as_str());
    assert_eq!(first["_record2id_value"], contact.as_str());
    assert_eq!(first["_record2roleid_value"], decision_maker.as_str());
    assert_eq!(first["_record1roleid_value"], Value::Null);
    assert_eq!(
        (
            first["record1objecttypecode"].clone(),
            first["record2objecttypecode"].clone()
        ),
        (json!(3), json!(2)),
        "the platform fills in each side's object type code"
    );
    assert_eq!(first["ismaster"], true, "the connection made is the master");
    assert_eq!(
        first["name"], "Ines Okafor",
        "a connection is named after the record it connects to"
    );

    let from_contact = connections_of(&org, &contact).await;
    assert_eq!(
        from_contact.len(),
        1,
        "the reciprocal lets a query from the contact find the connection too"
    );
    let reciprocal = &from_contact[0];
    assert_ne!(reciprocal["connectionid"], master.as_str());
    assert_eq!(reciprocal["_record2id_value"], opportunity.as_str());
    assert_eq!(
        reciprocal["_record1roleid_value"],
        decision_maker.as_str(),
        "the contact's role moves to the contact's side"
    );
    assert_eq!(reciprocal["_record2roleid_value"], Value::Null);
    assert_eq!(
        (
            reciprocal["record1objecttypecode"].clone(),
            reciprocal["record2objecttypecode"].clone()
        ),
        (json!(2), json!(3))
    );
    assert_eq!(reciprocal["ismaster"], false);
    assert_eq!(reciprocal["name"], "Fabrikam: 40 seats");
    assert_eq!(
        reciprocal["_relatedconnectionid_value"],
        master.as_str(),
        "each side points at the other"
    );
    assert_eq!(
        first["_relatedconnectionid_value"],
        reciprocal["connectionid"]
    );
    assert_eq!(count(&org).await, 2, "one connection is two rows");
}

#[tokio::test]
async fn updating_either_side_updates_the_other() {
    let org = Org::start().await;
    let (opportunity, contact) = deal(&org).await;
    let master = connect(
        &org,
        &stakeholder(&opportunity, &contact, &role(&org, "Influencer").await),
    )
    .await;
    let champion = role(&org, "Champion").await;
    let response = org
        .request(Method::PATCH, &format!("connections({master})"))
        .json(&json!({ "description": "Owns the budget", "record2roleid@odata.bind": format!("/connectionroles({champion})") }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let reciprocal = &connections_of(&org, &contact).await[0];
    assert_eq!(reciprocal["description"], "Owns the budget");
    assert_eq!(
        reciprocal["_record1roleid_value"],
        champion.as_str(),
        "a new role on one side is the reciprocal's role on the other"
    );

    let reciprocal_id = reciprocal["connectionid"].as_str().unwrap();
    let response = org
        .request(Method::PATCH, &format!("connections({reciprocal_id})"))
        .json(&json!({ "statecode": 1, "statuscode": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let master_row = org
        .get_json(&format!(
            "connections({master})?$select=statecode,statuscode,ismaster"
        ))
        .await;
    assert_eq!(
        (
            master_row["statecode"].clone(),
            master_row["statuscode"].clone()
        ),
        (json!(1), json!(2)),
        "deactivating the reciprocal deactivates the master"
    );
    assert_eq!(master_row["ismaster"], true, "the master stays the master");
}

#[tokio::test]
async fn deleting_either_side_deletes_both() {
    let org = Org::start().await;
    let (opportunity, contact) = deal(&org).await;
    let stakeholder_role = role(&org, "Stakeholder").await;
    connect(
        &org,
        &stakeholder(&opportunity, &contact, &stakeholder_role),
    )
    .await;
    let reciprocal = connections_of(&org, &contact).await[0]["connectionid"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = org
        .request(Method::DELETE, &format!("connections({reciprocal})"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        count(&org).await,
        0,
        "deleting the reciprocal deletes the master with it"
    );

    connect(
        &org,
        &stakeholder(&opportunity, &contact, &stakeholder_role),
    )
    .await;
    org.control(
        Method::DELETE,
        &format!("dynamics/contacts/{contact}?as=Dana%20Whitfield"),
        Value::Null,
    )
    .await;
    assert_eq!(
        count(&org).await,
        0,
        "a deleted contact takes its connections with it (Delete: Cascade)"
    );
}

#[tokio::test]
async fn deleting_a_role_empties_it_on_the_connections_that_used_it() {
    let org = Org::start().await;
    let (opportunity, contact) = deal(&org).await;
    let mentor = org
        .seed(
            "connectionroles",
            json!({ "name": "Mentor", "category": 1000 }),
        )
        .await;
    let master = connect(&org, &stakeholder(&opportunity, &contact, &mentor)).await;
    let response = org
        .request(Method::DELETE, &format!("connectionroles({mentor})"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let row = org
        .get_json(&format!("connections({master})?$select=name"))
        .await;
    assert_eq!(row["name"], "Ines Okafor", "the connection stays");
    let both = values(
        &org.get_json("connections?$select=_record1roleid_value,_record2roleid_value")
            .await,
    )
    .clone();
    assert!(
        both.iter()
            .all(|c| c["_record1roleid_value"].is_null() && c["_record2roleid_value"].is_null()),
        "the role is removed from both sides (RemoveLink): {both:?}"
    );
}

#[tokio::test]
async fn a_role_meant_for_another_table_is_refused_with_the_documented_error() {
    let org = Org::start().await;
    let (opportunity, _) = deal(&org).await;
    let account = org.seed("accounts", json!({ "name": "Fabrikam" })).await;
    let decision_maker = role(&org, "Decision Maker").await;
    let response = post(
        &org,
        "connections",
        &json!({
            "record1id_opportunity@odata.bind": format!("/opportunities({opportunity})"),
            "record2id_account@odata.bind": format!("/accounts({account})"),
            "record2roleid@odata.bind": format!("/connectionroles({decision_maker})"),
        }),
    )
    .await;
    let (status, code, message) = error_of(response).await;
    assert_eq!((status, code.as_str()), (400, "0x80048215"));
    assert_eq!(
        message,
        format!(
            "The record of type account (Object type code 1) is not defined for use with connection role Decision Maker with id {decision_maker}."
        )
    );
    assert_eq!(count(&org).await, 0, "a refused connection leaves nothing");

    // A role limited to no table applies to every table.
    let colleague = role(&org, "Colleague").await;
    let body = json!({
        "record1id_account@odata.bind": format!("/accounts({account})"),
        "record2id_opportunity@odata.bind": format!("/opportunities({opportunity})"),
        "record1roleid@odata.bind": format!("/connectionroles({colleague})"),
    });
    connect(&org, &body).await;
}

#[tokio::test]
async fn a_missing_record_is_refused_and_nothing_is_written() {
    let org = Org::start().await;
    let (opportunity, _) = deal(&org).await;
    let stakeholder_role = role(&org, "Stakeholder").await;
    let ghost = "00000000-0000-4000-8000-000000000001";
    let response = post(
        &org,
        "connections",
        &stakeholder(&opportunity, ghost, &stakeholder_role),
    )
    .await;
    let (status, code, message) = error_of(response).await;
    assert_eq!((status, code.as_str()), (404, "0x80040217"));
    assert_eq!(message, format!("contact With Id = {ghost} Does Not Exist"));

    let response = post(&org, "connections", &json!({ "description": "to nobody" })).await;
    let (status, code, message) = error_of(response).await;
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (
            400,
            "0x80048210",
            "Both objects being connected are missing."
        )
    );
    let response = post(
        &org,
        "connections",
        &json!({ "record2id_opportunity@odata.bind": format!("/opportunities({opportunity})") }),
    )
    .await;
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "0x80040203"),
        "a connection needs the record it is made from"
    );

    let response = post(
        &org,
        "connections",
        &json!({
            "record1id_opportunity@odata.bind": format!("/opportunities({opportunity})"),
            "record2id_opportunity@odata.bind": format!("/opportunities({opportunity})"),
            "effectivestart": "2025-06-01",
            "effectiveend": "2025-05-01",
        }),
    )
    .await;
    let (status, code, message) = error_of(response).await;
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (400, "0x80048209", "Start date / end date is invalid.")
    );
    assert_eq!(count(&org).await, 0);
}

#[tokio::test]
async fn reading_with_annotations_gives_the_polymorphic_lookups_logical_name() {
    let org = Org::start().await;
    let (opportunity, contact) = deal(&org).await;
    connect(
        &org,
        &stakeholder(&opportunity, &contact, &role(&org, "Technical Buyer").await),
    )
    .await;
    let response = org
        .get(&format!(
            "connections?$select=_record1id_value,_record2id_value,_record2roleid_value,record2objecttypecode&$filter=_record1id_value eq {opportunity}"
        ))
        .header("Prefer", "odata.include-annotations=\"*\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let row = &values(&body)[0];
    assert_eq!(row[format!("_record1id_value{LOOKUP_NAME}")], "opportunity");
    assert_eq!(
        row["_record1id_value@Microsoft.Dynamics.CRM.associatednavigationproperty"],
        "record1id_opportunity",
        "the navigation property to bind is named after the target table"
    );
    assert_eq!(row[format!("_record2id_value{LOOKUP_NAME}")], "contact");
    assert_eq!(
        row["_record2id_value@OData.Community.Display.V1.FormattedValue"],
        "Ines Okafor"
    );
    assert_eq!(
        row[format!("_record2roleid_value{LOOKUP_NAME}")],
        "connectionrole"
    );
    assert_eq!(
        row["_record2roleid_value@OData.Community.Display.V1.FormattedValue"],
        "Technical Buyer"
    );
    assert_eq!(
        row["record2objecttypecode@OData.Community.Display.V1.FormattedValue"],
        "Contact"
    );

    let response = org
        .get(&format!(
            "connections?$select=name&$filter=_record1id_value eq {contact} and record2objecttypecode eq 3 and modifiedon le {}",
            "2999-01-01T00:00:00Z"
        ))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        values(&body).len(),
        1,
        "connections filter on the record, its type and the dates like any table: {body}"
    );
}

#[tokio::test]
async fn connections_are_change_tracked_with_both_sides_and_their_deletes() {
    let org = Org::start().await;
    let (opportunity, contact) = deal(&org).await;
    let stakeholder_role = role(&org, "Economic Buyer").await;
    let first = org
        .get("connections?$select=name,_record1id_value")
        .header("Prefer", "odata.track-changes")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let body: Value = first.json().await.unwrap();
    assert!(values(&body).is_empty());
    let delta = body["@odata.deltaLink"]
        .as_str()
        .expect("connections give a delta link")
        .to_owned();

    // A salesperson adds a stakeholder in the app.
    let added = org
        .control(
            Method::POST,
            "dynamics/connections",
            json!({ "as": "Priya Raman", "fields": stakeholder(&opportunity, &contact, &stakeholder_role) }),
        )
        .await;
    let master = added["connectionid"].as_str().unwrap().to_owned();
    let changes = org.get_json(delta.trim_start_matches(&org.url(""))).await;
    let rows = values(&changes);
    let mut sides: Vec<&str> = rows
        .iter()
        .map(|r| r["_record1id_value"].as_str().unwrap())
        .collect();
    sides.sort_unstable();
    let mut expected = vec![opportunity.as_str(), contact.as_str()];
    expected.sort_unstable();
    assert_eq!(sides, expected, "the delta carries both sides: {changes}");
    let delta = changes["@odata.deltaLink"].as_str().unwrap().to_owned();

    org.control(
        Method::DELETE,
        &format!("dynamics/connections/{master}?as=Priya%20Raman"),
        Value::Null,
    )
    .await;
    let changes = org.get_json(delta.trim_start_matches(&org.url(""))).await;
    let deleted: Vec<&Value> = values(&changes)
        .iter()
        .filter(|r| {
            r["@odata.context"]
                .as_str()
                .is_some_and(|c| c.ends_with("$metadata#connections/$deletedEntity"))
        })
        .collect();
    assert_eq!(
        deleted.len(),
        2,
        "removing a stakeholder deletes both rows, and the delta says so: {changes}"
    );
    assert!(deleted.iter().any(|r| r["id"] == master.as_str()));
    assert!(deleted.iter().all(|r| r["reason"] == "deleted"));
}

#[tokio::test]
async fn role_definitions_refuse_change_tracking() {
    let org = Org::start().await;
    let response = org
        .get("connectionroles?$select=name")
        .header("Prefer", "odata.track-changes")
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(response).await;
    assert_eq!((status, code.as_str()), (400, "0x80044353"));
}

#[tokio::test]
async fn the_org_ships_the_stakeholder_roles_with_the_same_ids_everywhere() {
    let org = Org::start().await;
    let body = org
        .get_json("connectionroles?$select=name,category,statecode&$filter=category eq 1000&$orderby=name")
        .await;
    let names: Vec<&str> = values(&body)
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Champion",
            "Decision Maker",
            "Economic Buyer",
            "End User",
            "Influencer",
            "Stakeholder",
            "Technical Buyer"
        ],
        "the Stakeholder category's roles, as the opportunity form offers them"
    );
    assert!(values(&body).iter().all(|r| r["statecode"] == 0));
    let other = Org::start().await;
    assert_eq!(
        role(&org, "Decision Maker").await,
        role(&other, "Decision Maker").await,
        "a standard role has the same id in every org, as a solution component does"
    );
    let limits = org
        .get_json(&format!(
            "connectionroleobjecttypecodes?$select=associatedobjecttypecode&$filter=_connectionroleid_value eq {}",
            role(&org, "Decision Maker").await
        ))
        .await;
    assert_eq!(values(&limits)[0]["associatedobjecttypecode"], "contact");
}

#[tokio::test]
async fn metadata_describes_connections_like_any_table() {
    let org = Org::start().await;
    let table = org
        .get_json("EntityDefinitions(LogicalName='connection')?$select=EntitySetName,PrimaryIdAttribute,ObjectTypeCode,ChangeTrackingEnabled,OwnershipType")
        .await;
    assert_eq!(table["EntitySetName"], "connections");
    assert_eq!(table["PrimaryIdAttribute"], "connectionid");
    assert_eq!(table["ObjectTypeCode"], 3234);
    assert_eq!(table["ChangeTrackingEnabled"], true);
    assert_eq!(table["OwnershipType"], "UserOwned");
    let lookups = org
        .get_json("EntityDefinitions(LogicalName='connection')/Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=LogicalName,Targets,IsValidForCreate")
        .await;
    let lookup = |name: &str| {
        values(&lookups)
            .iter()
            .find(|a| a["LogicalName"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("connection.{name} is described"))
    };
    let targets = lookup("record1id")["Targets"].clone();
    for target in ["account", "contact", "opportunity", "lead"] {
        assert!(
            targets.as_array().unwrap().iter().any(|t| t == target),
            "record1id can point at {target}: {targets}"
        );
    }
    assert_eq!(
        lookup("record2roleid")["Targets"],
        json!(["connectionrole"])
    );
    assert_eq!(
        lookup("relatedconnectionid")["IsValidForCreate"],
        false,
        "the reciprocal is the platform's to set"
    );
    let relationships = org
        .get_json("EntityDefinitions(LogicalName='connection')/ManyToOneRelationships?$select=ReferencingAttribute,ReferencedEntity,ReferencingEntityNavigationPropertyName")
        .await;
    assert!(
        values(&relationships)
            .iter()
            .any(|r| r["ReferencedEntity"] == "opportunity"
                && r["ReferencingAttribute"] == "record1id"
                && r["ReferencingEntityNavigationPropertyName"] == "record1id_opportunity"),
        "{relationships}"
    );
    let counts = org
        .get_json(
            "RetrieveTotalRecordCount(EntityNames=@p1)?@p1=[\"connection\",\"connectionrole\"]",
        )
        .await;
    let roles = values(&org.get_json("connectionroles?$select=name").await).len();
    assert_eq!(
        counts["EntityRecordCountCollection"]["Values"],
        json!([0, roles]),
        "record counts know both tables: {counts}"
    );
}

#[tokio::test]
async fn a_person_adds_stakeholders_in_bulk_through_the_control_api() {
    let org = Org::start().await;
    let (opportunity, contact) = deal(&org).await;
    let other = org
        .seed(
            "contacts",
            json!({ "firstname": "Tomas", "lastname": "Berg" }),
        )
        .await;
    let role_id = role(&org, "End User").await;
    let answer = org
        .control(
            Method::POST,
            "dynamics/connections/bulk",
            json!({ "as": "Sam Ortiz", "rows": [
                stakeholder(&opportunity, &contact, &role_id),
                stakeholder(&opportunity, &other, &role_id),
            ] }),
        )
        .await;
    assert_eq!(answer["ids"].as_array().unwrap().len(), 2);
    assert_eq!(connections_of(&org, &opportunity).await.len(), 2);
    assert_eq!(
        count(&org).await,
        4,
        "a bulk load makes the reciprocals too"
    );
}

#[tokio::test]
async fn merging_contacts_moves_their_connections_to_the_master() {
    let org = Org::start().await;
    let (opportunity, duplicate) = deal(&org).await;
    let master = org
        .seed(
            "contacts",
            json!({ "firstname": "Ines", "lastname": "Okafor-Lind" }),
        )
        .await;
    connect(
        &org,
        &stakeholder(&opportunity, &duplicate, &role(&org, "Champion").await),
    )
    .await;
    org.control(
        Method::POST,
        "dynamics/contacts/merge",
        json!({ "as": "Dana Whitfield", "target": master, "subordinate": duplicate }),
    )
    .await;
    let from_opportunity = connections_of(&org, &opportunity).await;
    assert_eq!(
        from_opportunity[0]["_record2id_value"],
        master.as_str(),
        "the stakeholder follows the merge (Merge: Cascade)"
    );
    assert_eq!(
        from_opportunity[0]["name"], "Ines Okafor-Lind",
        "and is named after the master"
    );
    assert_eq!(connections_of(&org, &master).await.len(), 1);
    assert!(connections_of(&org, &duplicate).await.is_empty());
}
