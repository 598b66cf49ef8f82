//! The commands, called the way the web UI calls them, through Tauri's mock runtime.

use std::sync::Arc;

use dynasync_app::ipc::LaunchOptions;
use dynasync_app::sandbox::SandboxHost;
use dynasync_app::sandbox_control::SandboxData;
use dynasync_engine::Engine;
use dynasync_secrets::MemoryStore;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

/// The origin of the embedded UI on Linux and macOS (Windows and Android use http://tauri.localhost).
const UI_ORIGIN: &str = if cfg!(any(windows, target_os = "android")) {
    "http://tauri.localhost"
} else {
    "tauri://localhost"
};

/// An app whose engine lives in a fresh data directory and keeps its secrets in memory (which the
/// startup check must refuse).
struct App {
    _dir: tempfile::TempDir,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
}

impl App {
    fn new() -> App {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path(), Arc::new(MemoryStore::default())).unwrap();
        let app = dynasync_app::setup(
            mock_builder(),
            engine,
            SandboxHost::new(SandboxData::Tiny),
            LaunchOptions::default(),
        )
        .build(mock_context(noop_assets()))
        .unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        App { _dir: dir, webview }
    }

    fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: UI_ORIGIN.parse().unwrap(),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().unwrap())
    }
}

#[test]
fn startup_check_refuses_a_keychain_that_would_lose_secrets() {
    let report = App::new()
        .invoke("startup_check", json!({}))
        .expect("the command answers");
    assert_eq!(report["appVersion"], json!(env!("CARGO_PKG_VERSION")));
    assert_eq!(
        report["keychain"]["status"],
        json!("unavailable"),
        "an in-memory store must not pass: {report}"
    );
    let message = report["keychain"]["message"].as_str().unwrap();
    assert!(
        message.contains("would lose every secret"),
        "the UI must be told why: {message}"
    );
}

#[test]
fn an_unknown_command_is_refused() {
    let error = App::new()
        .invoke("no_such_command", json!({}))
        .expect_err("must be refused");
    assert!(error.to_string().contains("no_such_command"), "{error}");
}

#[test]
fn a_fresh_installation_reports_that_it_is_not_set_up() {
    let status = App::new()
        .invoke("status", json!({}))
        .expect("the command answers");
    assert_eq!(
        status["state"],
        json!("notConfigured"),
        "the wizard must come first: {status}"
    );
}

#[test]
fn the_chosen_language_is_kept_by_the_engine() {
    let app = App::new();
    assert_eq!(
        app.invoke("language", json!({})).unwrap(),
        Value::Null,
        "nothing chosen yet"
    );
    app.invoke("set_language", json!({"language": "fr"}))
        .unwrap();
    assert_eq!(app.invoke("language", json!({})).unwrap(), json!("fr"));
}

#[test]
fn choosing_the_sandbox_prefills_every_credential_but_never_answers_a_secret() {
    let app = App::new();
    let prefill = app
        .invoke("choose_sandbox", json!({}))
        .expect("the sandbox starts in the app");
    assert!(
        prefill["orgUrl"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{prefill}"
    );
    assert!(
        !prefill.to_string().to_lowercase().contains("secret"),
        "the sandbox's secrets go to the keychain, not to the UI: {prefill}"
    );
    let form = json!({
        "orgUrl": prefill["orgUrl"], "connection": "app", "tenant": prefill["tenant"],
        "clientId": prefill["clientId"], "authorityHost": prefill["authorityHost"],
    });
    let report = app
        .invoke("check_dynamics", json!({ "form": form }))
        .expect("the form is valid");
    assert_eq!(
        report["ok"],
        json!(true),
        "an empty secret means the one the sandbox kept in the keychain: {report}"
    );
    let state = app.invoke("setup_state", json!({})).unwrap();
    assert_eq!(state["sandbox"], json!(true));
    assert_eq!(state["dynamics"]["clientSecretSaved"], json!(true));
}

#[test]
fn a_wrong_form_names_each_field_and_its_problem() {
    let form = json!({"orgUrl": "http://crm.example.com", "connection": "app", "tenant": "", "clientId": "x"});
    let error = App::new()
        .invoke("check_dynamics", json!({ "form": form }))
        .expect_err("refused before anything is contacted");
    assert_eq!(error["code"], json!("invalidInput"));
    let fields = error["fields"].to_string();
    for expected in [
        r#"{"field":"orgUrl","problem":"httpNotAllowed"}"#,
        r#"{"field":"tenant","problem":"required"}"#,
        r#"{"field":"clientId","problem":"notAGuid"}"#,
    ] {
        assert!(
            fields.contains(expected),
            "{expected} missing from {fields}"
        );
    }
}

#[test]
fn the_sandbox_panel_answers_only_in_sandbox_mode() {
    let error = App::new()
        .invoke("sandbox_view", json!({}))
        .expect_err("no sandbox runs");
    assert_eq!(
        error["code"],
        json!("notConfigured"),
        "the UI must be told to pick the sandbox first: {error}"
    );
}
