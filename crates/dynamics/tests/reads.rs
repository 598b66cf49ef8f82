//! The client against the sandbox over real HTTP: signing in, identity, paged reads, change
//! tracking, metadata and field security, token expiry.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{Org, app_auth, client};
use dynasync_dynamics::{
    Auth, Change, ChangeRequest, DeltaLink, Error, Ineligible, Secret, ServiceProtection,
};
use futures_util::TryStreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use url::Url;
use uuid::Uuid;

#[tokio::test]
async fn the_client_knows_who_it_is_and_which_org_it_talks_to() {
    let org = Org::start().await;
    let me = org.client.who_am_i().await.unwrap();
    let organization = org.client.current_organization().await.unwrap();
    let info = org.sandbox.info();
    assert_eq!(me.organization_id, info.dataverse.organization_id);
    assert_eq!(organization.organization_id, info.dataverse.organization_id);
    assert_eq!(organization.unique_name, info.dataverse.unique_name);
    assert_eq!(organization.tenant_id, info.entra.tenant_id);
    org.control(Method::POST, "dynamics/refresh", Value::Null)
        .await;
    let refreshed = org.client.current_organization().await.unwrap();
    assert_ne!(
        refreshed.organization_id, organization.organization_id,
        "a refreshed org is told apart by its id"
    );
}

#[tokio::test]
async fn the_password_grant_signs_in_as_the_user() {
    let org = Org::start().await;
    let info = org.sandbox.info().clone();
    let auth = Auth::Password {
        authority_host: Url::parse(&info.entra.authority_host).unwrap(),
        tenant: "organizations".into(),
        client_id: info.ropc.client_id.to_string(),
        client_secret: Some(Secret::new(info.ropc.client_secret.clone())),
        username: info.ropc.username.clone(),
        password: Secret::new(info.ropc.password.clone()),
    };
    let ropc = client(&org.sandbox, auth, ServiceProtection::default());
    let me = ropc.who_am_i().await.unwrap();
    let app = org.client.who_am_i().await.unwrap();
    assert_ne!(
        me.user_id, app.user_id,
        "the user, not the application user"
    );
}

#[tokio::test]
async fn refused_credentials_surface_as_auth_errors_with_the_aadsts_code() {
    let org = Org::start().await;
    let info = org.sandbox.info().clone();
    let wrong = Auth::ClientCredentials {
        authority_host: Url::parse(&info.entra.authority_host).unwrap(),
        tenant: info.entra.tenant_id.to_string(),
        client_id: info.app.client_id.to_string(),
        client_secret: Secret::new("not the secret"),
    };
    let error = client(&org.sandbox, wrong, ServiceProtection::default())
        .who_am_i()
        .await
        .unwrap_err();
    assert!(error.is_auth() && !error.is_retryable(), "{error}");
    assert!(
        matches!(
            error,
            Error::Auth {
                aadsts: Some(7_000_215),
                ..
            }
        ),
        "{error:?}"
    );
    let mfa = Auth::Password {
        authority_host: Url::parse(&info.entra.authority_host).unwrap(),
        tenant: info.entra.tenant_domain.clone(),
        client_id: info.ropc.client_id.to_string(),
        client_secret: Some(Secret::new(info.ropc.client_secret.clone())),
        username: info.mfa_username.clone(),
        password: Secret::new(info.ropc.password.clone()),
    };
    let error = client(&org.sandbox, mfa, ServiceProtection::default())
        .who_am_i()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Auth {
                aadsts: Some(50_076),
                ..
            }
        ),
        "ROPC cannot do MFA: {error:?}"
    );
}

#[tokio::test]
async fn the_authority_is_discovered_from_the_org() {
    let org = Org::start().await;
    let info = org.sandbox.info();
    let authority = dynasync_dynamics::Authority::discover(
        &Url::parse(&info.dataverse.org_url).unwrap(),
        &reqwest::Client::new(),
    )
    .await
    .unwrap();
    assert_eq!(authority.tenant, info.entra.tenant_id.to_string());
    assert_eq!(
        authority.host.as_str(),
        format!("{}/", info.entra.authority_host)
    );
}

#[tokio::test]
async fn paging_streams_every_row_once_across_pages() {
    let org = Org::start().await;
    let ids: HashSet<Uuid> = org
        .seed_contacts(23)
        .await
        .iter()
        .map(|s| Uuid::parse_str(s).unwrap())
        .collect();
    let pages: Vec<_> = org
        .client
        .query("contacts")
        .select(["firstname", "lastname"])
        .page_size(5)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 5, "23 rows in pages of five");
    let seen: Vec<Uuid> = pages
        .iter()
        .flat_map(|p| &p.records)
        .map(|r| r.id().expect("every row has its key"))
        .collect();
    assert_eq!(seen.len(), 23);
    assert_eq!(seen.iter().copied().collect::<HashSet<_>>(), ids);
    assert!(pages[0].records[0].etag().unwrap().starts_with("W/\""));
}

#[tokio::test]
async fn queries_filter_sort_count_and_annotate() {
    let org = Org::start().await;
    org.seed_contacts(12).await;
    let pages: Vec<_> = org
        .client
        .query("contacts")
        .select(["lastname", "_ownerid_value"])
        .filter("startswith(lastname,'Last000') and lastname ne 'Last0003'")
        .order_by("lastname desc")
        .count()
        .with_annotations()
        .pages()
        .try_collect()
        .await
        .unwrap();
    let page = &pages[0];
    assert_eq!(page.count, Some(9));
    let names: Vec<&str> = page
        .records
        .iter()
        .map(|r| r.string("lastname").unwrap().unwrap())
        .collect();
    assert_eq!(names.first(), Some(&"Last0009"));
    assert!(!names.contains(&"Last0003"));
    let owner = page.records[0].lookup("ownerid").unwrap().unwrap();
    assert_eq!(owner.logical_name.as_deref(), Some("systemuser"));
    assert_eq!(
        owner.name.as_deref(),
        Some("Dana Whitfield"),
        "the formatted value names the owner"
    );
    let error = org
        .client
        .query("contacts")
        .select(["nosuchcolumn"])
        .pages()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("0x80060888"));
    assert!(
        !error.is_validation() && !error.is_retryable(),
        "a bad query is a bug: {error}"
    );
}

#[tokio::test]
async fn a_delta_after_creates_updates_and_deletes_returns_them() {
    let org = Org::start().await;
    let ids = org.seed_contacts(12).await;
    let mut request = ChangeRequest::Start {
        entity_set: "contacts".into(),
        select: vec!["firstname".into(), "lastname".into()],
        page_size: Some(5),
    };
    let mut listed = 0;
    let delta = loop {
        let page = org.client.changes(request).await.unwrap();
        listed += page.changes.len();
        match (page.next, page.delta) {
            (Some(next), _) => request = ChangeRequest::Next(next),
            (None, Some(delta)) => break delta,
            (None, None) => panic!("the last page carries the delta link"),
        }
    };
    assert_eq!(listed, 12);
    // The link is a durable cursor: store it as text and come back with it.
    let stored = delta.as_str().to_owned();

    org.control(
        Method::PATCH,
        &format!("dynamics/contacts/{}", ids[4]),
        json!({ "as": "Sam Ortiz", "fields": { "firstname": "Renamed" } }),
    )
    .await;
    let created = org
        .control(
            Method::POST,
            "dynamics/contacts",
            json!({ "as": "Sam Ortiz", "fields": { "lastname": "Brand new" } }),
        )
        .await;
    org.control(
        Method::DELETE,
        &format!("dynamics/contacts/{}?as=Sam%20Ortiz", ids[7]),
        Value::Null,
    )
    .await;

    let page = org
        .client
        .changes(ChangeRequest::Delta(DeltaLink::from(stored)))
        .await
        .unwrap();
    assert_eq!(page.changes.len(), 3);
    let Change::Upsert(renamed) = &page.changes[0] else {
        panic!("changed rows come first")
    };
    assert_eq!(renamed.id().unwrap().to_string(), ids[4]);
    assert_eq!(renamed.string("firstname").unwrap(), Some("Renamed"));
    let Change::Upsert(new) = &page.changes[1] else {
        panic!()
    };
    assert_eq!(
        new.id().unwrap().to_string(),
        created["contactid"].as_str().unwrap()
    );
    assert_eq!(
        page.changes[2],
        Change::Deleted {
            id: Uuid::parse_str(&ids[7]).unwrap()
        }
    );
    assert!(page.delta.is_some(), "and a new delta link");
}

#[tokio::test]
async fn changes_say_which_table_a_customer_lookup_points_to() {
    let org = Org::start().await;
    let account = org
        .control(
            Method::POST,
            "dynamics/accounts",
            json!({ "as": "Sam Ortiz", "fields": { "name": "Contoso" } }),
        )
        .await;
    let account = account["accountid"].as_str().unwrap().to_owned();
    org.control(
        Method::POST,
        "dynamics/contacts",
        json!({ "as": "Sam Ortiz", "fields": {
            "lastname": "Ng",
            "parentcustomerid_account@odata.bind": format!("/accounts({account})")
        } }),
    )
    .await;
    let page = org
        .client
        .changes(ChangeRequest::Start {
            entity_set: "contacts".into(),
            select: vec!["lastname".into(), "_parentcustomerid_value".into()],
            page_size: None,
        })
        .await
        .unwrap();
    let Change::Upsert(contact) = &page.changes[0] else {
        panic!("a new row is an upsert")
    };
    let parent = contact.lookup("parentcustomerid").unwrap().unwrap();
    assert_eq!(parent.id.to_string(), account);
    assert_eq!(parent.logical_name.as_deref(), Some("account"));
}

#[tokio::test]
async fn an_expired_delta_link_is_refused() {
    let org = Org::start().await;
    let page = org
        .client
        .changes(ChangeRequest::Start {
            entity_set: "accounts".into(),
            select: vec![],
            page_size: None,
        })
        .await
        .unwrap();
    org.control(
        Method::POST,
        "clock/advance",
        json!({ "seconds": 8 * 86_400 }),
    )
    .await;
    let error = org
        .client
        .changes(ChangeRequest::Delta(page.delta.unwrap()))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("0x80044352"), "{error}");
}

#[tokio::test]
async fn an_expired_token_mid_stream_is_renewed_once_and_the_stream_goes_on() {
    let org = Org::start().await;
    org.seed_contacts(20).await;
    let mut pages = Box::pin(
        org.client
            .query("contacts")
            .select(["lastname"])
            .page_size(5)
            .pages(),
    );
    let first = pages.try_next().await.unwrap().unwrap();
    // The sandbox's clock moves past the token's lifetime; the client's own clock does not.
    org.control(Method::POST, "clock/advance", json!({ "seconds": 7_200 }))
        .await;
    let mut count = first.records.len();
    while let Some(page) = pages.try_next().await.unwrap() {
        count += page.records.len();
    }
    assert_eq!(count, 20);
    assert_eq!(
        org.calls("dataverse", "GET contacts", 401).await,
        1,
        "one 401, then a new token"
    );
    assert_eq!(
        org.calls("entra", "POST /{tenant}/oauth2/v2.0/token", 200)
            .await,
        2
    );
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let org = Org::start().await;
    org.set_limits(|l| l["tokens"]["entraSecs"] = json!(3))
        .await;
    org.client.who_am_i().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_800)).await;
    org.client.who_am_i().await.unwrap();
    assert_eq!(
        org.calls("entra", "POST /{tenant}/oauth2/v2.0/token", 200)
            .await,
        2,
        "a new token near the end of the old one"
    );
    assert_eq!(
        org.calls("dataverse", "GET WhoAmI", 401).await,
        0,
        "without waiting for a 401"
    );
}

#[tokio::test]
async fn a_revoked_token_is_replaced_after_one_401() {
    let org = Org::start().await;
    org.client.who_am_i().await.unwrap();
    org.control(Method::POST, "entra/revoke", Value::Null).await;
    org.client.who_am_i().await.unwrap();
    assert_eq!(org.calls("dataverse", "GET WhoAmI", 401).await, 1);
}

#[tokio::test]
async fn a_secured_column_the_sync_user_cannot_read_is_flagged_and_reads_null() {
    let org = Org::start().await;
    org.control(Method::POST, "dynamics/contacts", json!({ "as": "Dana Whitfield", "fields": { "lastname": "Rich", "new_creditlimit": 1000 } })).await;
    let attributes = org.client.attributes("contact").await.unwrap();
    let credit = attributes
        .iter()
        .find(|a| a.logical_name == "new_creditlimit")
        .unwrap();
    assert!(
        credit.is_secured && !credit.readable_by_caller,
        "{credit:?}"
    );
    let email = attributes
        .iter()
        .find(|a| a.logical_name == "emailaddress1")
        .unwrap();
    assert!(email.readable_by_caller && email.max_length == Some(100));
    let method = attributes
        .iter()
        .find(|a| a.logical_name == "preferredcontactmethodcode")
        .unwrap();
    assert_eq!(
        method
            .options
            .iter()
            .find(|o| o.value == 2)
            .and_then(|o| o.label.as_deref()),
        Some("Email")
    );
    let parent = attributes
        .iter()
        .find(|a| a.logical_name == "parentcustomerid")
        .unwrap();
    assert_eq!(parent.targets, ["account", "contact"]);
    let pages: Vec<_> = org
        .client
        .query("contacts")
        .select(["new_creditlimit"])
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages[0].records[0].number("new_creditlimit").unwrap(),
        None,
        "read as null"
    );

    org.control(
        Method::PUT,
        "dynamics/columns/contact/new_creditlimit/security",
        json!({ "secured": true, "syncUserCanRead": true }),
    )
    .await;
    let attributes = org.client.attributes("contact").await.unwrap();
    assert!(
        attributes
            .iter()
            .find(|a| a.logical_name == "new_creditlimit")
            .unwrap()
            .readable_by_caller,
        "granted through the profile"
    );
}

#[tokio::test]
async fn custom_tables_one_or_two_levels_below_a_person_or_account_are_eligible() {
    let org = Org::start().await;
    let links = org.client.linked_custom_entities().await.unwrap();
    let of = |name: &str| {
        links
            .iter()
            .find(|l| l.logical_name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let registration = of("new_event_registration");
    assert_eq!(registration.ineligible, None);
    assert_eq!(registration.path.len(), 1);
    assert_eq!(
        (
            registration.path[0].parent.as_str(),
            registration.path[0].lookup.as_str()
        ),
        ("contact", "new_contactid")
    );
    let feedback = of("new_session_feedback");
    assert_eq!(
        (feedback.ineligible.clone(), feedback.path.len()),
        (None, 2)
    );
    assert_eq!(
        of("new_feedback_followup").ineligible,
        Some(Ineligible::TooDeep { levels: 3 })
    );
    assert_eq!(of("new_venue").ineligible, Some(Ineligible::NotLinked));
    let entities = org.client.entities().await.unwrap();
    let contact = entities
        .iter()
        .find(|e| e.logical_name == "contact")
        .unwrap();
    assert_eq!(
        (
            contact.entity_set_name.as_str(),
            contact.primary_id.as_str()
        ),
        ("contacts", "contactid")
    );
    assert!(contact.change_tracking_enabled && !contact.is_custom);
}

#[tokio::test]
async fn the_client_works_with_either_auth_and_shares_across_tasks() {
    let org = Org::start().await;
    let a = app_auth(&org.sandbox);
    let shared = client(&org.sandbox, a, ServiceProtection::default());
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let c = shared.clone();
            tokio::spawn(async move { c.who_am_i().await.map(|w| w.user_id) })
        })
        .collect();
    let mut users = HashSet::new();
    for task in tasks {
        users.insert(task.await.unwrap().unwrap());
    }
    assert_eq!(users.len(), 1);
    assert_eq!(
        org.calls("entra", "POST /{tenant}/oauth2/v2.0/token", 200)
            .await,
        1,
        "one token for every clone"
    );
}
