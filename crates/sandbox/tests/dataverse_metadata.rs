//! Conformance of table and column definitions over raw HTTP (webapi/query-metadata-web-api.md,
//! sample 12).

mod dataverse_common;

use dataverse_common::{Org, error_of};
use reqwest::Method;
use serde_json::{Value, json};

fn values(body: &Value) -> &Vec<Value> {
    body["value"].as_array().expect("a collection has value[]")
}

#[tokio::test]
async fn entity_definitions_filter_on_custom_tables_and_select_properties() {
    let org = Org::start().await;
    let body = org.get_json("EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute&$filter=IsCustomEntity eq true").await;
    let mut names: Vec<&str> = values(&body)
        .iter()
        .map(|e| e["LogicalName"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "new_event_registration",
            "new_feedback_followup",
            "new_session_feedback",
            "new_venue"
        ]
    );
    let registration = values(&body)
        .iter()
        .find(|e| e["LogicalName"] == "new_event_registration")
        .unwrap();
    assert_eq!(registration["EntitySetName"], "new_event_registrations");
    assert_eq!(
        registration["PrimaryIdAttribute"],
        "new_event_registrationid"
    );
    assert!(
        registration["MetadataId"].is_string(),
        "MetadataId always comes back"
    );
    assert!(
        registration.get("DisplayName").is_none(),
        "$select limits the properties"
    );
}

#[tokio::test]
async fn change_tracking_and_ownership_filter_like_the_docs_show() {
    let org = Org::start().await;
    let tracked = org
        .get_json("EntityDefinitions?$select=LogicalName&$filter=ChangeTrackingEnabled eq true")
        .await;
    assert!(
        values(&tracked)
            .iter()
            .any(|e| e["LogicalName"] == "contact")
    );
    let owned = org
        .get_json("EntityDefinitions?$select=LogicalName&$filter=OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned' and CanCreateAttributes/Value eq true")
        .await;
    assert!(values(&owned).iter().any(|e| e["LogicalName"] == "lead"));
    assert!(
        !values(&owned)
            .iter()
            .any(|e| e["LogicalName"] == "systemuser")
    );
}

#[tokio::test]
async fn one_table_by_logical_name_with_labels() {
    let org = Org::start().await;
    let body = org
        .get_json("EntityDefinitions(LogicalName='account')?$select=DisplayName,EntitySetName")
        .await;
    assert_eq!(body["EntitySetName"], "accounts");
    assert_eq!(
        body["DisplayName"]["UserLocalizedLabel"]["Label"],
        "Account"
    );
    assert_eq!(
        body["DisplayName"]["LocalizedLabels"][0]["LanguageCode"],
        1033
    );
    let by_id = org
        .get_json(&format!(
            "EntityDefinitions({})?$select=LogicalName",
            body["MetadataId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_id["LogicalName"], "account");
    let missing = org
        .get("EntityDefinitions(LogicalName='nosuchtable')")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn attributes_describe_type_custom_security_and_validity() {
    let org = Org::start().await;
    let body = org
        .get_json("EntityDefinitions(LogicalName='contact')/Attributes?$select=LogicalName,AttributeType,IsCustomAttribute,IsSecured,IsValidForRead,IsValidForCreate,IsValidForUpdate,DisplayName,RequiredLevel")
        .await;
    let column = |name: &str| {
        values(&body)
            .iter()
            .find(|a| a["LogicalName"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let credit = column("new_creditlimit");
    assert_eq!(credit["IsSecured"], true, "secured out of the box");
    assert_eq!(credit["IsCustomAttribute"], true);
    assert_eq!(credit["AttributeType"], "Money");
    let email = column("emailaddress1");
    assert_eq!(email["AttributeType"], "String");
    assert_eq!(email["IsCustomAttribute"], false);
    assert_eq!(email["DisplayName"]["UserLocalizedLabel"]["Label"], "Email");
    let created = column("createdon");
    assert_eq!(
        (
            created["IsValidForCreate"].clone(),
            created["IsValidForUpdate"].clone()
        ),
        (json!(false), json!(false))
    );
    assert_eq!(
        column("lastname")["RequiredLevel"]["Value"],
        "ApplicationRequired"
    );
    assert_eq!(column("parentcustomerid")["AttributeType"], "Customer");
}

#[tokio::test]
async fn attributes_filter_on_the_namespaced_type_enum() {
    let org = Org::start().await;
    let body = org
        .get_json("EntityDefinitions(LogicalName='account')?$select=LogicalName&$expand=Attributes($select=LogicalName;$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist')")
        .await;
    let attributes = body["Attributes"].as_array().unwrap();
    assert!(
        attributes
            .iter()
            .all(|a| a.as_object().unwrap().contains_key("LogicalName"))
    );
    let names: Vec<&str> = attributes
        .iter()
        .map(|a| a["LogicalName"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"industrycode") && names.contains(&"businesstypecode"),
        "{names:?}"
    );
    assert!(!names.contains(&"name"));
}

#[tokio::test]
async fn type_specific_properties_need_a_cast() {
    let org = Org::start().await;
    let (status, code, _) = error_of(
        org.get(
            "EntityDefinitions(LogicalName='contact')/Attributes?$select=LogicalName,MaxLength",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (400, "0x80060888"),
        "MaxLength is not on AttributeMetadata"
    );
    let strings = org.get_json("EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength").await;
    let email = values(&strings)
        .iter()
        .find(|a| a["LogicalName"] == "emailaddress1")
        .unwrap();
    assert_eq!(email["MaxLength"], 100);
    let lookups = org.get_json("EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=LogicalName,Targets").await;
    let parent = values(&lookups)
        .iter()
        .find(|a| a["LogicalName"] == "parentcustomerid")
        .unwrap();
    assert_eq!(parent["Targets"], json!(["account", "contact"]));
}

#[tokio::test]
async fn choices_come_with_the_expanded_option_set() {
    let org = Org::start().await;
    let body = org
        .get_json("EntityDefinitions(LogicalName='lead')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet")
        .await;
    let source = values(&body)
        .iter()
        .find(|a| a["LogicalName"] == "leadsourcecode")
        .unwrap();
    let options = source["OptionSet"]["Options"].as_array().unwrap();
    assert_eq!(options[0]["Value"], 1);
    assert_eq!(
        options[0]["Label"]["UserLocalizedLabel"]["Label"],
        "Advertisement"
    );
    let statuses = org
        .get_json("EntityDefinitions(LogicalName='lead')/Attributes/Microsoft.Dynamics.CRM.StatusAttributeMetadata?$select=LogicalName&$expand=OptionSet")
        .await;
    let qualified = values(&statuses)[0]["OptionSet"]["Options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["Value"] == 3)
        .unwrap()
        .clone();
    assert_eq!(qualified["State"], 1, "a status reason names its state");
    let booleans = org
        .get_json("EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$select=LogicalName&$expand=OptionSet")
        .await;
    let phone = values(&booleans)
        .iter()
        .find(|a| a["LogicalName"] == "donotphone")
        .unwrap();
    assert_eq!(
        phone["OptionSet"]["TrueOption"]["Label"]["UserLocalizedLabel"]["Label"],
        "Do Not Allow"
    );
}

#[tokio::test]
async fn one_attribute_by_logical_name() {
    let org = Org::start().await;
    let body = org
        .get_json(
            "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='new_synctomkto')",
        )
        .await;
    assert_eq!(body["AttributeType"], "Boolean");
    assert_eq!(
        body["@odata.type"],
        "#Microsoft.Dynamics.CRM.BooleanAttributeMetadata"
    );
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/Attributes/$entity")
    );
}

#[tokio::test]
async fn one_to_many_relationships_show_custom_tables_linked_to_contact() {
    let org = Org::start().await;
    let body = org
        .get_json("EntityDefinitions(LogicalName='contact')/OneToManyRelationships?$select=ReferencingEntity,ReferencingAttribute,ReferencingEntityNavigationPropertyName")
        .await;
    let link = values(&body)
        .iter()
        .find(|r| r["ReferencingEntity"] == "new_event_registration")
        .expect("registrations point at contacts");
    assert_eq!(link["ReferencingAttribute"], "new_contactid");
    let expanded = org
        .get_json("EntityDefinitions(LogicalName='new_event_registration')?$select=LogicalName&$expand=OneToManyRelationships($select=ReferencingEntity),ManyToOneRelationships($select=ReferencedEntity)")
        .await;
    assert!(
        expanded["OneToManyRelationships"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ReferencingEntity"] == "new_session_feedback")
    );
    assert!(
        expanded["ManyToOneRelationships"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ReferencedEntity"] == "contact")
    );
}

#[tokio::test]
async fn a_deleted_column_disappears_from_metadata_and_queries() {
    let org = Org::start().await;
    org.seed(
        "contacts",
        json!({ "lastname": "Before", "mkt_urgency": 3 }),
    )
    .await;
    org.control(
        Method::POST,
        "dynamics/columns/contact/mkt_urgency/delete",
        Value::Null,
    )
    .await;
    let attributes = org
        .get_json("EntityDefinitions(LogicalName='contact')/Attributes?$select=LogicalName")
        .await;
    assert!(
        !values(&attributes)
            .iter()
            .any(|a| a["LogicalName"] == "mkt_urgency")
    );
    let (status, _, _) = error_of(
        org.get("contacts?$select=mkt_urgency")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "a deleted column is an unknown column");
    let snapshot = org.control(Method::GET, "snapshot", Value::Null).await;
    assert!(
        snapshot["dynamics"]["contacts"][0]
            .get("mkt_urgency")
            .is_none(),
        "its data is gone too"
    );
}
