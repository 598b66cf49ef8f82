//! `dynasync sandbox` started as a process, as a script or another tool would: one JSON line to
//! read, a token and a Dataverse WhoAmI over HTTP and HTTPS, the text a person pastes, and a clean
//! stop on Ctrl-C.

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::Value;

/// The running command; stopped with SIGINT, as Ctrl-C does, and killed if a test fails first.
struct Running {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dynasync"))
            .arg("sandbox")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Running { child, lines }
    }

    fn line(&mut self) -> String {
        self.lines
            .next()
            .expect("the sandbox prints before it stops")
            .unwrap()
    }

    /// Sends Ctrl-C's signal and answers the exit code.
    fn interrupt(mut self) -> Option<i32> {
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -INT must reach the sandbox");
        self.child.wait().unwrap().code()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A token for the server-to-server app, then WhoAmI with it: what a client does first.
async fn who_am_i(http: &reqwest::Client, info: &Value) -> Value {
    let token: Value = http
        .post(info["entra"]["tokenUrl"].as_str().unwrap())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", info["app"]["clientId"].as_str().unwrap()),
            (
                "client_secret",
                info["app"]["clientSecret"].as_str().unwrap(),
            ),
            ("scope", info["dataverse"]["scope"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .error_for_status()
        .expect("the token endpoint grants the app a token")
        .json()
        .await
        .unwrap();
    http.get(format!(
        "{}WhoAmI",
        info["dataverse"]["webApiUrl"].as_str().unwrap()
    ))
    .bearer_auth(token["access_token"].as_str().unwrap())
    .header("Accept", "application/json")
    .send()
    .await
    .unwrap()
    .error_for_status()
    .expect("Dataverse answers WhoAmI with the token")
    .json()
    .await
    .unwrap()
}

#[tokio::test]
async fn json_mode_prints_one_object_first_and_the_sandbox_answers_a_token_and_who_am_i() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut sandbox = Running::start(&["--preset", "tiny", "--seed", "3", "--json"]);
    let info: Value = serde_json::from_str(&sandbox.line())
        .expect("the first line of standard output is one JSON object");
    for pointer in [
        "/entra/tokenUrl",
        "/entra/tenantId",
        "/dataverse/webApiUrl",
        "/dataverse/uniqueName",
        "/marketo/restUrl",
        "/marketo/identityUrl",
        "/marketo/clientSecret",
        "/app/clientId",
        "/app/clientSecret",
        "/ropc/username",
        "/controlUrl",
    ] {
        assert!(
            info.pointer(pointer).and_then(Value::as_str).is_some(),
            "scripts need {pointer} in {info}"
        );
    }
    let me = who_am_i(&reqwest::Client::new(), &info).await;
    assert!(
        me["UserId"].as_str().is_some(),
        "WhoAmI names the caller: {me}"
    );
    let counts: Value = reqwest::get(format!("{}counts", info["controlUrl"].as_str().unwrap()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        counts["dynamics"]["contacts"].as_u64().unwrap() > 0,
        "the tiny preset's records are there before the JSON line: {counts}"
    );
    assert_eq!(
        sandbox.interrupt(),
        Some(0),
        "Ctrl-C stops the sandbox cleanly"
    );
}

#[tokio::test]
async fn with_tls_the_sandbox_serves_https_trusted_through_the_printed_ca() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut sandbox = Running::start(&[
        "--preset",
        "tiny",
        "--json",
        "--tls",
        "--tls-name",
        "sandbox.test",
    ]);
    let info: Value = serde_json::from_str(&sandbox.line()).unwrap();
    let token_url = info["entra"]["tokenUrl"].as_str().unwrap();
    assert!(token_url.starts_with("https://"), "{token_url}");
    assert!(
        info["controlUrl"].as_str().unwrap().starts_with("http://"),
        "the control API stays plain HTTP"
    );
    let ca = std::fs::read(
        info["caCert"]
            .as_str()
            .expect("the CA's path is in the JSON"),
    )
    .unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .build()
        .unwrap();
    let me = who_am_i(&http, &info).await;
    assert!(me["OrganizationId"].as_str().is_some(), "{me}");
    assert_eq!(sandbox.interrupt(), Some(0));
}

#[test]
fn the_text_output_lists_what_to_paste_and_a_setup_file() {
    let mut sandbox = Running::start(&["--preset", "tiny"]);
    let mut text = String::new();
    let mut in_marketo = false;
    loop {
        let line = sandbox.line();
        in_marketo |= line == "[marketo]";
        let last = in_marketo && line.starts_with("client_id");
        text.push_str(&line);
        text.push('\n');
        if last {
            break;
        }
    }
    for label in [
        "Organization URL",
        "Client secret",
        "REST API endpoint",
        "Identity endpoint",
        "Control API",
        "Ctrl-C",
    ] {
        assert!(text.contains(label), "the wizard needs {label}:\n{text}");
    }
    let setup = &text[text.find("[dynamics]").expect("a setup file")..];
    let parsed: toml::Table = toml::from_str(setup).expect("the setup file is TOML");
    assert!(
        parsed["dynamics"]["org_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:")),
        "{setup}"
    );
    assert!(
        !setup.contains("secret ="),
        "secrets never go into a setup file"
    );
    assert_eq!(sandbox.interrupt(), Some(0));
}

#[test]
fn an_unknown_preset_is_refused_with_the_choices() {
    let out = Command::new(env!("CARGO_BIN_EXE_dynasync"))
        .args(["sandbox", "--preset", "huge"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a wrong command line exits with 2"
    );
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("tiny, demo, 100k or 1m"),
        "the error lists the presets: {message}"
    );
}
