//! The commands, called the way the web UI calls them, through Tauri's mock runtime.

use std::sync::Arc;

use dynasync_secrets::{MemoryStore, SecretStore};
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

fn invoke(store: Arc<dyn SecretStore>, cmd: &str) -> Result<Value, Value> {
    let app = dynasync_app::setup(mock_builder(), store)
        .build(mock_context(noop_assets()))
        .unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    get_ipc_response(
        &webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: UI_ORIGIN.parse().unwrap(),
            body: InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
fn startup_check_refuses_a_keychain_that_would_lose_secrets() {
    let report =
        invoke(Arc::new(MemoryStore::default()), "startup_check").expect("the command answers");
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
    let error =
        invoke(Arc::new(MemoryStore::default()), "no_such_command").expect_err("must be refused");
    assert!(error.to_string().contains("no_such_command"), "{error}");
}
