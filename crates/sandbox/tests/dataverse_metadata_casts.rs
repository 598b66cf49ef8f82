//! A column type's own properties can be selected on a cast to that type, whether or not the
//! table has columns of it (webapi/query-metadata-web-api.md: `Attributes/Microsoft.Dynamics.CRM.<Type>`).

mod dataverse_common;

use dataverse_common::Org;

#[tokio::test]
async fn a_cast_selects_its_types_properties_even_when_no_column_has_that_type() {
    let org = Org::start().await;
    for entity in ["contact", "systemuser", "team"] {
        let body = org
            .get_json(&format!(
                "EntityDefinitions(LogicalName='{entity}')/Attributes/Microsoft.Dynamics.CRM.MemoAttributeMetadata?$select=LogicalName,MaxLength"
            ))
            .await;
        let rows = body["value"]
            .as_array()
            .unwrap_or_else(|| panic!("{entity}: {body}"));
        assert!(
            rows.iter().all(|r| r["MaxLength"].is_number()),
            "{entity}: {body}"
        );
    }
}

#[tokio::test]
async fn a_property_of_another_type_is_still_refused_on_a_cast() {
    let org = Org::start().await;
    let response = org
        .get("EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.MemoAttributeMetadata?$select=Targets")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        400,
        "Targets belongs to lookups, not memos"
    );
}
