//! Conformance of the Entra ID token endpoint over raw HTTP: both grants, the documented error
//! shape and AADSTS codes (reference-error-codes.md, v2-oauth2-client-creds-grant-flow.md,
//! v2-oauth-ropc.md).

mod dataverse_common;

use dataverse_common::http;
use dynasync_sandbox::{Sandbox, SandboxConfig, SandboxInfo};
use serde_json::{Value, json};

async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

fn client_credentials(info: &SandboxInfo) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", info.app.client_id.to_string()),
        ("client_secret", info.app.client_secret.clone()),
        ("scope", info.dataverse.scope.clone()),
    ]
}

fn password(info: &SandboxInfo) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "password".into()),
        ("client_id", info.ropc.client_id.to_string()),
        ("client_secret", info.ropc.client_secret.clone()),
        ("scope", info.dataverse.scope.clone()),
        ("username", info.ropc.username.clone()),
        ("password", info.ropc.password.clone()),
    ]
}

fn with(
    mut form: Vec<(&'static str, String)>,
    name: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    form.retain(|(n, _)| *n != name);
    form.push((name, value.to_owned()));
    form
}

fn without(mut form: Vec<(&'static str, String)>, name: &str) -> Vec<(&'static str, String)> {
    form.retain(|(n, _)| *n != name);
    form
}

async fn token(sandbox: &Sandbox, tenant: &str, form: &[(&'static str, String)]) -> (u16, Value) {
    let url = format!(
        "{}/{tenant}/oauth2/v2.0/token",
        sandbox.info().entra.authority_host
    );
    let response = http().post(url).form(form).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Asserts the documented error shape and returns the AADSTS code.
fn aadsts(body: &Value, error: &str) -> u64 {
    assert_eq!(body["error"], json!(error), "error value: {body}");
    let code = body["error_codes"][0]
        .as_u64()
        .expect("error_codes holds the AADSTS number");
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "error_description starts with the code: {description}"
    );
    for line in ["\r\nTrace ID: ", "\r\nCorrelation ID: ", "\r\nTimestamp: "] {
        assert!(
            description.contains(line),
            "error_description carries '{line}': {description}"
        );
    }
    for member in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body[member].is_string(), "{member} is present: {body}");
    }
    code
}

#[tokio::test]
async fn client_credentials_grant_issues_a_bearer_token_for_the_org() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let tenant = info.entra.tenant_id.to_string();
    let (status, body) = token(&sandbox, &tenant, &client_credentials(&info)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599, "the docs' examples say 3599 s");
    assert!(body["access_token"].as_str().unwrap().len() > 40);
    assert!(
        body.get("refresh_token").is_none(),
        "this flow never issues a refresh token"
    );
}

#[tokio::test]
async fn the_tenant_can_be_named_by_its_domain() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let (status, body) = token(
        &sandbox,
        &info.entra.tenant_domain,
        &client_credentials(&info),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_client_secret_may_come_as_http_basic() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let response = http()
        .post(&info.entra.token_url)
        .basic_auth(info.app.client_id, Some(&info.app.client_secret))
        .form(&without(
            without(client_credentials(&info), "client_secret"),
            "client_id",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "RFC 6749 §2.3.1 allows Basic client authentication"
    );
}

#[tokio::test]
async fn password_grant_issues_a_token_with_its_scope() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let (status, body) = token(&sandbox, "organizations", &password(&info)).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["scope"].is_string(),
        "ROPC answers the granted scope: {body}"
    );
    assert!(
        body.get("refresh_token").is_none(),
        "no refresh token without offline_access"
    );
}

#[tokio::test]
async fn a_wrong_client_secret_is_aadsts7000215_invalid_client() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let (status, body) = token(
        &sandbox,
        &info.entra.tenant_domain,
        &with(client_credentials(&info), "client_secret", "nope"),
    )
    .await;
    assert_eq!(status, 401, "invalid_client is a 401");
    assert_eq!(aadsts(&body, "invalid_client"), 7_000_215);
}

#[tokio::test]
async fn a_missing_client_secret_is_aadsts7000218() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let (status, body) = token(
        &sandbox,
        &info.entra.tenant_domain,
        &without(password(&info), "client_secret"),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        aadsts(&body, "invalid_client"),
        7_000_218,
        "the ROPC app is a confidential client"
    );
}

#[tokio::test]
async fn an_expired_client_secret_is_aadsts7000222() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let response = http()
        .put(format!(
            "{}entra/apps/{}/secret",
            info.control_url, info.app.client_id
        ))
        .json(&json!({ "expired": true }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let (status, body) = token(
        &sandbox,
        &info.entra.tenant_domain,
        &client_credentials(&info),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(aadsts(&body, "invalid_client"), 7_000_222);
}

#[tokio::test]
async fn an_unknown_app_is_aadsts700016() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let form = with(
        client_credentials(&info),
        "client_id",
        "00000000-1111-2222-3333-444444444444",
    );
    let (status, body) = token(&sandbox, &info.entra.tenant_domain, &form).await;
    assert_eq!(status, 400);
    assert_eq!(aadsts(&body, "unauthorized_client"), 700_016);
}

#[tokio::test]
async fn an_unknown_tenant_is_aadsts90002() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let (status, body) = token(
        &sandbox,
        "fabrikam.onmicrosoft.com",
        &client_credentials(&info),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(aadsts(&body, "invalid_request"), 90_002);
}

#[tokio::test]
async fn common_and_consumers_are_refused_with_aadsts9001023() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    for tenant in ["common", "consumers"] {
        let (status, body) = token(&sandbox, tenant, &password(&info)).await;
        assert_eq!(status, 400, "{tenant}");
        assert_eq!(
            aadsts(&body, "invalid_request"),
            9_001_023,
            "ROPC cannot use /{tenant}"
        );
    }
}

#[tokio::test]
async fn a_wrong_password_is_aadsts50126() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let (status, body) = token(
        &sandbox,
        &info.entra.tenant_domain,
        &with(password(&info), "password", "wrong"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(aadsts(&body, "invalid_grant"), 50_126);
}

#[tokio::test]
async fn a_user_who_needs_mfa_is_refused_by_ropc_with_aadsts50076() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let (status, body) = token(
        &sandbox,
        &info.entra.tenant_domain,
        &with(password(&info), "username", &info.mfa_username),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        aadsts(&body, "invalid_grant"),
        50_076,
        "ROPC cannot satisfy MFA"
    );
}

#[tokio::test]
async fn an_app_users_never_consented_to_is_aadsts65001() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let form = with(
        with(
            password(&info),
            "client_id",
            &info.app.client_id.to_string(),
        ),
        "client_secret",
        &info.app.client_secret,
    );
    let (status, body) = token(&sandbox, &info.entra.tenant_domain, &form).await;
    assert_eq!(status, 400);
    assert_eq!(aadsts(&body, "invalid_grant"), 65_001);
    assert_eq!(body["suberror"], "consent_required");
}

#[tokio::test]
async fn scopes_must_name_the_org_once_with_default() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let tenant = info.entra.tenant_domain.clone();
    let cases = [
        (
            "https://other.crm.dynamics.com/.default",
            "invalid_resource",
            500_011,
        ),
        (
            &*format!("{}/user_impersonation", info.dataverse.org_url),
            "invalid_scope",
            70_011,
        ),
        (
            &*format!(
                "{} https://graph.microsoft.com/.default",
                info.dataverse.scope
            ),
            "invalid_scope",
            700_022,
        ),
    ];
    for (scope, error, code) in cases {
        let (status, body) = token(
            &sandbox,
            &tenant,
            &with(client_credentials(&info), "scope", scope),
        )
        .await;
        assert_eq!(status, 400, "{scope}");
        assert_eq!(aadsts(&body, error), code, "{scope}");
    }
}

#[tokio::test]
async fn a_missing_parameter_is_aadsts900144() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let (status, body) = token(
        &sandbox,
        &info.entra.tenant_domain,
        &without(client_credentials(&info), "scope"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(aadsts(&body, "invalid_request"), 900_144);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("'scope'")
    );
}

#[tokio::test]
async fn the_token_lifetime_follows_the_sandbox_limits() {
    let sandbox = start().await;
    let info = sandbox.info().clone();
    let client = http();
    let limits: Value = client
        .get(format!("{}limits", info.control_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut limits = limits;
    limits["tokens"]["entraSecs"] = json!(120);
    client
        .put(format!("{}limits", info.control_url))
        .json(&limits)
        .send()
        .await
        .unwrap();
    let (_, body) = token(
        &sandbox,
        &info.entra.tenant_domain,
        &client_credentials(&info),
    )
    .await;
    assert_eq!(body["expires_in"], 120);
}
