//! Conformance of Dataverse queries over raw HTTP: `$select`, `$filter`, `$orderby`, `$top`,
//! `$count`, paging with `Prefer: odata.maxpagesize` and `@odata.nextLink` (webapi/query/*.md),
//! annotations, owners, and field security on reads (column-level-security.md).

mod dataverse_common;

use std::collections::HashSet;

use dataverse_common::{Org, error_of};
use reqwest::Method;
use serde_json::{Value, json};

fn values(body: &Value) -> &Vec<Value> {
    body["value"].as_array().expect("a collection has value[]")
}

#[tokio::test]
async fn select_returns_the_named_columns_the_key_and_the_etag() {
    let org = Org::start().await;
    org.seed_contacts(2).await;
    let body = org
        .get_json("contacts?$select=firstname,emailaddress1")
        .await;
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#contacts(firstname,emailaddress1)")
    );
    let row = values(&body)[0].as_object().unwrap();
    let keys: HashSet<&str> = row.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        HashSet::from(["@odata.etag", "firstname", "emailaddress1", "contactid"]),
        "the primary key always comes back"
    );
    assert!(
        row["@odata.etag"].as_str().unwrap().starts_with("W/\""),
        "ETags are weak"
    );
}

#[tokio::test]
async fn an_unknown_column_is_refused_with_the_odata_error() {
    let org = Org::start().await;
    for path in [
        "contacts?$select=nosuchcolumn",
        "contacts?$filter=nosuchcolumn eq 'x'",
        "contacts?$orderby=nosuchcolumn",
    ] {
        let (status, code, message) = error_of(org.get(path).send().await.unwrap()).await;
        assert_eq!((status, code.as_str()), (400, "0x80060888"), "{path}");
        assert_eq!(
            message,
            "Could not find a property named 'nosuchcolumn' on type 'Microsoft.Dynamics.CRM.contact'."
        );
    }
    let (status, _, _) = error_of(
        org.get("contacts?$select=parentcustomerid")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        status, 400,
        "a lookup is read as _parentcustomerid_value, not by its navigation name"
    );
}

#[tokio::test]
async fn skip_is_refused() {
    let org = Org::start().await;
    let (status, _, message) =
        error_of(org.get("contacts?$top=2&$skip=2").send().await.unwrap()).await;
    assert_eq!(status, 400, "Dataverse does not support $skip");
    assert!(message.contains("$skip"), "{message}");
}

#[tokio::test]
async fn filters_compare_combine_and_match_text_ignoring_case() {
    let org = Org::start().await;
    org.seed("contacts", json!({ "firstname": "Yvonne", "lastname": "McKay", "emailaddress1": "yvonne@contoso.com", "mkt_leadscore": 40 })).await;
    org.seed("contacts", json!({ "firstname": "Susanna", "lastname": "O'Bryan", "emailaddress1": "susanna@fabrikam.com", "mkt_leadscore": 90 })).await;
    org.seed(
        "contacts",
        json!({ "firstname": "Nancy", "lastname": "Anderson", "mkt_leadscore": 65 }),
    )
    .await;
    let names = |body: Value| -> Vec<String> {
        let mut n: Vec<String> = values(&body)
            .iter()
            .map(|r| r["firstname"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    let cases: [(&str, &[&str]); 8] = [
        ("lastname eq 'MCKAY'", &["Yvonne"]),
        ("lastname eq 'o''bryan'", &["Susanna"]),
        ("mkt_leadscore gt 50 and mkt_leadscore lt 80", &["Nancy"]),
        (
            "mkt_leadscore ge 90 or firstname eq 'Yvonne'",
            &["Susanna", "Yvonne"],
        ),
        ("not contains(emailaddress1,'contoso')", &["Susanna"]),
        (
            "startswith(firstname,'su') or endswith(lastname,'SON')",
            &["Nancy", "Susanna"],
        ),
        ("emailaddress1 eq null", &["Nancy"]),
        (
            "(mkt_leadscore le 40 or mkt_leadscore ge 90) and emailaddress1 ne null",
            &["Susanna", "Yvonne"],
        ),
    ];
    for (filter, expected) in cases {
        let body = org
            .get_json(&format!(
                "contacts?$select=firstname&$filter={}",
                urlencode(filter)
            ))
            .await;
        assert_eq!(names(body), expected, "{filter}");
    }
}

#[tokio::test]
async fn filters_on_dates_and_lookups() {
    let org = Org::start().await;
    let account = org
        .seed("accounts", json!({ "name": "Litware, Inc. (sample)" }))
        .await;
    org.seed("contacts", json!({ "lastname": "Linked", "parentcustomerid_account@odata.bind": format!("/accounts({account})") })).await;
    org.seed("contacts", json!({ "lastname": "Alone" })).await;
    let linked = org
        .get_json(&format!(
            "contacts?$select=lastname&$filter=_parentcustomerid_value eq {account}"
        ))
        .await;
    assert_eq!(values(&linked).len(), 1);
    assert_eq!(values(&linked)[0]["lastname"], "Linked");
    let through = org
        .get_json(&format!(
            "contacts?$select=lastname&$filter={}",
            urlencode("parentcustomerid_account/name eq 'Litware, Inc. (sample)'")
        ))
        .await;
    assert_eq!(
        values(&through)[0]["lastname"],
        "Linked",
        "a filter can cross a lookup"
    );
    let recent = org
        .get_json("contacts?$select=lastname&$filter=createdon gt 2020-01-01T00:00:00Z")
        .await;
    assert_eq!(values(&recent).len(), 2);
    let future = org
        .get_json("contacts?$select=lastname&$filter=modifiedon gt 2999-01-01")
        .await;
    assert!(values(&future).is_empty());
}

#[tokio::test]
async fn a_filter_comparing_incompatible_types_is_refused() {
    let org = Org::start().await;
    let (status, code, message) = error_of(
        org.get("contacts?$filter=lastname eq 5")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "0x80060888"));
    assert!(message.contains("incompatible types"), "{message}");
    let (status, _, _) = error_of(
        org.get("contacts?$filter=lastname eqq 'x'")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "a malformed filter is refused");
}

#[tokio::test]
async fn orderby_sorts_and_top_limits() {
    let org = Org::start().await;
    org.seed_contacts(12).await;
    let body = org
        .get_json("contacts?$select=lastname&$orderby=lastname desc&$top=3")
        .await;
    let names: Vec<&str> = values(&body)
        .iter()
        .map(|r| r["lastname"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Last00011", "Last00010", "Last00009"]);
    assert!(
        body.get("@odata.nextLink").is_none(),
        "$top ends the result"
    );
}

#[tokio::test]
async fn count_gives_the_number_of_matching_rows() {
    let org = Org::start().await;
    org.seed_contacts(7).await;
    let body = org
        .get_json("contacts?$select=lastname&$count=true&$filter=startswith(lastname,'Last0000')")
        .await;
    assert_eq!(body["@odata.count"], 7);
}

#[tokio::test]
async fn maxpagesize_pages_through_every_row_once_by_following_next_links() {
    let org = Org::start().await;
    let ids: HashSet<String> = org.seed_contacts(25).await.into_iter().collect();
    let mut seen = HashSet::new();
    let mut url = org.url("contacts?$select=fullname");
    let mut pages = 0;
    loop {
        let response = org
            .http
            .get(&url)
            .bearer_auth(&org.token)
            .header("Prefer", "odata.maxpagesize=10")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["preference-applied"],
            "odata.maxpagesize=10"
        );
        let body: Value = response.json().await.unwrap();
        pages += 1;
        assert!(values(&body).len() <= 10);
        for row in values(&body) {
            assert!(
                seen.insert(row["contactid"].as_str().unwrap().to_owned()),
                "a row came twice"
            );
        }
        match body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.contains("$skiptoken=%3Ccookie%20pagenumber"),
                    "the documented cookie: {next}"
                );
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn ordered_queries_page_in_order() {
    let org = Org::start().await;
    org.seed_contacts(9).await;
    let mut url = org.url("contacts?$select=lastname&$orderby=lastname desc");
    let mut names = Vec::new();
    loop {
        let body: Value = org
            .http
            .get(&url)
            .bearer_auth(&org.token)
            .header("Prefer", "odata.maxpagesize=4")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        names.extend(
            values(&body)
                .iter()
                .map(|r| r["lastname"].as_str().unwrap().to_owned()),
        );
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    let mut expected = names.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, expected);
    assert_eq!(names.len(), 9);
}

#[tokio::test]
async fn a_page_never_holds_more_than_5000_rows() {
    let org = Org::start().await;
    org.seed_contacts(5_003).await;
    let response = org
        .get("contacts?$select=lastname")
        .header("Prefer", "odata.maxpagesize=9000")
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(values(&body).len(), 5_000, "5,000 is the maximum page size");
    assert!(body["@odata.nextLink"].is_string());
    let unpaged = org.get_json("contacts?$select=lastname").await;
    assert_eq!(values(&unpaged).len(), 5_000, "and the default one");
}

#[tokio::test]
async fn annotations_give_formatted_values_and_lookup_types() {
    let org = Org::start().await;
    let account = org
        .seed(
            "accounts",
            json!({ "name": "Litware, Inc. (sample)", "industrycode": 7 }),
        )
        .await;
    org.seed("contacts", json!({ "lastname": "Stubberod", "preferredcontactmethodcode": 2, "parentcustomerid_account@odata.bind": format!("/accounts({account})") })).await;
    let body: Value = org
        .get("contacts?$select=preferredcontactmethodcode,_parentcustomerid_value,donotphone")
        .header("Prefer", "odata.include-annotations=\"*\"")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = &values(&body)[0];
    assert_eq!(
        row["preferredcontactmethodcode@OData.Community.Display.V1.FormattedValue"],
        "Email"
    );
    assert_eq!(
        row["_parentcustomerid_value@OData.Community.Display.V1.FormattedValue"],
        "Litware, Inc. (sample)"
    );
    assert_eq!(
        row["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"],
        "account"
    );
    assert_eq!(
        row["_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"],
        "parentcustomerid_account"
    );
    assert_eq!(row["_parentcustomerid_value"], json!(account));
    let plain = org
        .get_json("contacts?$select=preferredcontactmethodcode")
        .await;
    assert!(
        values(&plain)[0]
            .get("preferredcontactmethodcode@OData.Community.Display.V1.FormattedValue")
            .is_none(),
        "no annotations unless asked"
    );
}

#[tokio::test]
async fn an_owner_can_be_a_team() {
    let org = Org::start().await;
    let teams = org
        .get_json("teams?$select=name&$filter=name eq 'Sales Team'")
        .await;
    let team = values(&teams)[0]["teamid"].as_str().unwrap().to_owned();
    org.seed(
        "contacts",
        json!({ "lastname": "Team-owned", "ownerid@odata.bind": format!("/teams({team})") }),
    )
    .await;
    let body: Value = org
        .get("contacts?$select=_ownerid_value&$filter=lastname eq 'Team-owned'")
        .header(
            "Prefer",
            "odata.include-annotations=\"Microsoft.Dynamics.CRM.lookuplogicalname\"",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(values(&body)[0]["_ownerid_value"], json!(team));
    assert_eq!(
        values(&body)[0]["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"],
        "team"
    );
}

#[tokio::test]
async fn a_secured_column_reads_as_null_and_cannot_be_queried_on() {
    let org = Org::start().await;
    org.seed(
        "contacts",
        json!({ "lastname": "Rich", "new_creditlimit": 50000 }),
    )
    .await;
    let body = org
        .get_json("contacts?$select=lastname,new_creditlimit")
        .await;
    assert_eq!(
        values(&body)[0]["new_creditlimit"],
        Value::Null,
        "the sync user's profile cannot read it"
    );
    let everything = org.get_json("contacts").await;
    assert_eq!(values(&everything)[0]["new_creditlimit"], Value::Null);
    let (status, code, _) = error_of(
        org.get("contacts?$filter=new_creditlimit gt 10")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (403, "0x8004F506"));
    org.control(
        Method::PUT,
        "dynamics/columns/contact/new_creditlimit/security",
        json!({ "secured": true, "syncUserCanRead": true }),
    )
    .await;
    let granted = org.get_json("contacts?$select=new_creditlimit").await;
    assert_eq!(
        values(&granted)[0]["new_creditlimit"],
        50000.0,
        "read access granted through the profile"
    );
}

fn urlencode(text: &str) -> String {
    text.replace('%', "%25")
        .replace(' ', "%20")
        .replace('\'', "%27")
        .replace(',', "%2C")
        .replace('(', "%28")
        .replace(')', "%29")
}
