//! Conformance of Dataverse access over raw HTTP: the 401 challenge, API versions, `WhoAmI`,
//! `RetrieveCurrentOrganization` and the service protection limits (api-limits.md).

mod dataverse_common;

use dataverse_common::{Org, error_of, http};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn a_request_without_a_token_gets_401_with_the_authority_challenge() {
    let org = Org::start().await;
    let info = org.sandbox.info().clone();
    let response = http()
        .get(&info.dataverse.web_api_url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        challenge,
        format!(
            "Bearer authorization_uri={}/{}/oauth2/authorize, resource_id={}/",
            info.entra.authority_host, info.entra.tenant_id, info.dataverse.org_url
        ),
        "clients discover the authority from this header"
    );
}

#[tokio::test]
async fn an_expired_token_gets_401() {
    let org = Org::start().await;
    assert_eq!(org.get("WhoAmI").send().await.unwrap().status(), 200);
    org.control(Method::POST, "clock/advance", json!({ "seconds": 3600 }))
        .await;
    let response = org.get("WhoAmI").send().await.unwrap();
    assert_eq!(
        response.status(),
        401,
        "the token lived 3599 s by the sandbox clock"
    );
    assert!(response.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn a_foreign_token_gets_401() {
    let org = Org::start().await;
    let response = http()
        .get(org.url("WhoAmI"))
        .bearer_auth("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL290aGVyIn0.c2ln")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn versions_9_0_and_9_1_are_served_and_others_are_not() {
    let org = Org::start().await;
    let base = org.sandbox.info().dataverse.org_url.clone();
    for (version, status) in [("v9.0", 200), ("v9.1", 200), ("v9.2", 200), ("v8.2", 404)] {
        let response = org
            .http
            .get(format!("{base}/api/data/{version}/WhoAmI"))
            .bearer_auth(&org.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{version}");
    }
}

#[tokio::test]
async fn who_am_i_names_the_application_user_of_the_app() {
    let org = Org::start().await;
    let plain = org.get_json("WhoAmI").await;
    let called = org.get_json("WhoAmI()").await;
    assert_eq!(plain, called, "both documented forms answer the same");
    assert!(
        plain["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse")
    );
    assert_eq!(
        plain["OrganizationId"],
        json!(org.sandbox.info().dataverse.organization_id)
    );
    let user = plain["UserId"].as_str().unwrap();
    let row = org
        .get_json(&format!(
            "systemusers({user})?$select=fullname,applicationid"
        ))
        .await;
    assert_eq!(
        row["applicationid"],
        json!(org.sandbox.info().app.client_id),
        "the token of the S2S app is its application user"
    );
}

#[tokio::test]
async fn a_password_token_is_the_signed_in_user() {
    let org = Org::start().await;
    let info = org.sandbox.info().clone();
    let body: Value = http()
        .post(&info.entra.token_url)
        .form(&[
            ("grant_type", "password"),
            ("client_id", &info.ropc.client_id.to_string()),
            ("client_secret", &info.ropc.client_secret),
            ("scope", &info.dataverse.scope),
            ("username", &info.ropc.username),
            ("password", &info.ropc.password),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["access_token"].as_str().unwrap();
    let me: Value = http()
        .get(org.url("WhoAmI"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user = me["UserId"].as_str().unwrap();
    let row = org
        .get_json(&format!("systemusers({user})?$select=domainname"))
        .await;
    assert_eq!(row["domainname"], json!(info.ropc.username));
}

#[tokio::test]
async fn the_organization_id_is_stable_until_the_org_is_refreshed() {
    let org = Org::start().await;
    let path = "RetrieveCurrentOrganization(AccessType=@p1)?@p1=Microsoft.Dynamics.CRM.EndpointAccessType'Default'";
    let first = org.get_json(path).await;
    let again = org.get_json(path).await;
    assert_eq!(
        first["Detail"]["OrganizationId"],
        again["Detail"]["OrganizationId"]
    );
    assert_eq!(
        first["Detail"]["UniqueName"],
        json!(org.sandbox.info().dataverse.unique_name)
    );
    assert_eq!(
        first["Detail"]["TenantId"],
        json!(org.sandbox.info().entra.tenant_id)
    );
    assert_eq!(first["Detail"]["State"], "Enabled");
    org.control(Method::POST, "dynamics/refresh", Value::Null)
        .await;
    let refreshed = org.get_json(path).await;
    assert_ne!(
        first["Detail"]["OrganizationId"], refreshed["Detail"]["OrganizationId"],
        "a refreshed sandbox is another org"
    );
    assert_eq!(
        org.get_json("WhoAmI").await["OrganizationId"],
        refreshed["Detail"]["OrganizationId"]
    );
}

#[tokio::test]
async fn retrieve_current_organization_needs_the_qualified_enum_member() {
    let org = Org::start().await;
    let response = org
        .get("RetrieveCurrentOrganization(AccessType=@p1)?@p1='Default'")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "the enum must be fully qualified");
}

#[tokio::test]
async fn more_requests_than_the_window_allows_get_429_0x80072322_with_retry_after() {
    let org = Org::start().await;
    org.set_limits(|l| l["dataverse"]["requestsPerWindow"] = json!(5))
        .await;
    for _ in 0..5 {
        assert_eq!(org.get("WhoAmI").send().await.unwrap().status(), 200);
    }
    let response = org.get("WhoAmI").send().await.unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=300).contains(&retry_after),
        "Retry-After is the seconds until the window frees: {retry_after}"
    );
    let (_, code, message) = error_of(response).await;
    assert_eq!(code, "0x80072322");
    assert_eq!(
        message,
        "Number of requests exceeded the limit of 5 over time window of 300 seconds."
    );
    org.control(Method::POST, "clock/advance", json!({ "seconds": 301 }))
        .await;
    let fresh = dataverse_common::app_token(&org.http, &org.sandbox).await;
    let response = org
        .http
        .get(org.url("WhoAmI"))
        .bearer_auth(fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "the window slid past the old requests"
    );
}

#[tokio::test]
async fn limits_are_per_user() {
    let org = Org::start().await;
    org.set_limits(|l| l["dataverse"]["requestsPerWindow"] = json!(2))
        .await;
    for _ in 0..3 {
        org.get("WhoAmI").send().await.unwrap();
    }
    assert_eq!(org.get("WhoAmI").send().await.unwrap().status(), 429);
    let info = org.sandbox.info().clone();
    let body: Value = http()
        .post(&info.entra.token_url)
        .form(&[
            ("grant_type", "password"),
            ("client_id", &info.ropc.client_id.to_string()),
            ("client_secret", &info.ropc.client_secret),
            ("scope", &info.dataverse.scope),
            ("username", &info.ropc.username),
            ("password", &info.ropc.password),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other = http()
        .get(org.url("WhoAmI"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200, "another user has a window of its own");
}

#[tokio::test]
async fn combined_execution_time_over_the_limit_gets_429_0x80072321() {
    let org = Org::start().await;
    org.seed_contacts(3000).await;
    org.set_limits(|l| l["dataverse"]["executionMsPerWindow"] = json!(1))
        .await;
    let mut refused = None;
    for _ in 0..20 {
        let response = org.get("contacts").send().await.unwrap();
        if response.status() == 429 {
            refused = Some(response);
            break;
        }
    }
    let response = refused.expect("reading 3,000 rows takes more than a millisecond");
    assert!(response.headers().contains_key("retry-after"));
    let (_, code, message) = error_of(response).await;
    assert_eq!(code, "0x80072321");
    assert!(message.starts_with("Combined execution time of incoming requests exceeded limit of 1  milliseconds over time window of 300 seconds."), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_over_the_limit_get_429_0x80072326() {
    let org = Org::start().await;
    org.seed_contacts(3000).await;
    org.set_limits(|l| l["dataverse"]["concurrentRequests"] = json!(1))
        .await;
    let mut refused = Vec::new();
    for _ in 0..10 {
        let calls = (0..8).map(|_| org.get("contacts").send());
        for response in futures_util::future::join_all(calls).await {
            let response = response.unwrap();
            if response.status() == 429 {
                refused.push(error_of(response).await);
            }
        }
        if !refused.is_empty() {
            break;
        }
    }
    let (_, code, message) = refused
        .first()
        .expect("eight parallel reads overlap")
        .clone();
    assert_eq!(code, "0x80072326");
    assert_eq!(
        message,
        "Number of concurrent requests exceeded the limit of 1."
    );
}

#[tokio::test]
async fn a_throttle_storm_answers_429_with_its_retry_after() {
    let org = Org::start().await;
    org.control(Method::PUT, "faults", json!({ "dataverse": { "storm": { "kind": "throttle", "requests": 2, "retryAfterSecs": 7 } } })).await;
    for _ in 0..2 {
        let response = org.get("WhoAmI").send().await.unwrap();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
        assert_eq!(error_of(response).await.1, "0x80072322");
    }
    assert_eq!(
        org.get("WhoAmI").send().await.unwrap().status(),
        200,
        "the storm is over"
    );
}

#[tokio::test]
async fn switched_off_limits_never_throttle() {
    let org = Org::start().await;
    org.set_limits(|l| {
        l["dataverse"]["requestsPerWindow"] = json!(1);
        l["dataverse"]["enforced"] = json!(false);
    })
    .await;
    for _ in 0..5 {
        assert_eq!(org.get("WhoAmI").send().await.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn answers_carry_the_remaining_budget_headers() {
    let org = Org::start().await;
    let response = org.get("WhoAmI").send().await.unwrap();
    let remaining: u64 = response.headers()["x-ms-ratelimit-burst-remaining-xrm-requests"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(remaining, 5_999);
    assert!(
        response
            .headers()
            .contains_key("x-ms-ratelimit-time-remaining-xrm-requests")
    );
}
