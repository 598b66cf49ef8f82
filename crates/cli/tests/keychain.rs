//! `dynasync` against the real keychain and a sandbox over HTTP (run by `cargo xtask test` inside a
//! D-Bus session with an unlocked gnome-keyring): setting up from a file, syncing, the exit code of
//! each failure class, and no secret ever printed.

use std::path::PathBuf;
use std::process::Output;

use dynasync_sandbox::{Sandbox, SandboxConfig, SandboxInfo};
use dynasync_tests::control::{Control, person_of};
use serde_json::{Value, json};

#[test]
#[ignore = "needs an unlocked Secret Service: run `cargo xtask test`"]
fn doctor_finds_a_working_secret_service() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dynasync"))
        .arg("doctor")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "doctor failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "keychain: ok (Secret Service)");
}

/// A sandbox, a data directory and a setup file for them; every command's output is kept so the
/// test can check no secret was ever printed.
struct Cli {
    sandbox: Sandbox,
    control: Control,
    dir: tempfile::TempDir,
    file: PathBuf,
    outputs: Vec<String>,
}

/// The sandbox's connections, the fax beside the default fields, and a 7-minute interval.
fn setup_file(info: &SandboxInfo) -> String {
    format!(
        "{}\n[fields]\ncontact = [\"default\", \"fax\"]\n\n[options]\ninterval_minutes = 7\n",
        dynasync_tests::setup::setup_file(info)
    )
}

impl Cli {
    async fn new() -> Cli {
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let control = Control::new(&sandbox.info().control_url);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dynasync.toml");
        std::fs::write(&file, setup_file(sandbox.info())).unwrap();
        Cli {
            sandbox,
            control,
            dir,
            file,
            outputs: Vec::new(),
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn secrets_input(&self) -> String {
        let info = self.sandbox.info();
        format!(
            "dynamics-client-secret={}\nmarketo-client-secret={}\n",
            info.app.client_secret, info.marketo.client_secret
        )
    }

    /// Runs `dynasync --data-dir <data> args...` with `stdin`.
    async fn run(&mut self, args: &[&str], stdin: &str) -> Output {
        use tokio::io::AsyncWriteExt;
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_dynasync"))
            .arg("--data-dir")
            .arg(self.data())
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).await.unwrap();
        drop(input);
        let out = child.wait_with_output().await.unwrap();
        self.outputs.push(format!(
            "$ dynasync {}\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        out
    }

    async fn setup(&mut self) -> Output {
        let file = self.file.display().to_string();
        let secrets = self.secrets_input();
        self.run(&["setup", "--from", &file], &secrets).await
    }

    /// No output of any command showed a secret.
    fn assert_no_secret_printed(&self) {
        let info = self.sandbox.info();
        for secret in [
            &info.app.client_secret,
            &info.ropc.client_secret,
            &info.ropc.password,
            &info.marketo.client_secret,
        ] {
            for output in &self.outputs {
                assert!(
                    !output.contains(secret.as_str()),
                    "a secret was printed:\n{output}"
                );
            }
        }
    }
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: run `cargo xtask test`"]
async fn setup_from_a_file_then_sync_once_converges_and_every_answer_parses() {
    let mut cli = Cli::new().await;
    let contact = cli
        .control
        .dynamics_create(
            "contacts",
            json!({"lastname": "Cli", "emailaddress1": "cli@example.com", "fax": "555-0199"}),
        )
        .await;

    let out = cli.setup().await;
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("ok   Sign-in"),
        "each check is shown: {}",
        text(&out)
    );

    let out = cli.run(&["validate"], "").await;
    assert_eq!(code(&out), Some(0), "{}", text(&out));

    let out = cli.run(&["sync", "--dry-run", "--json"], "").await;
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let preview: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(preview["firstSync"], json!(true));

    let out = cli.run(&["sync", "--once"], "").await;
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let snapshot = cli.control.snapshot().await;
    let person = person_of(&snapshot, &contact).expect("the contact reached Marketo");
    assert_eq!(
        person["microsoftFax"],
        json!("555-0199"),
        "the file's extra field syncs"
    );

    let out = cli.run(&["status", "--json"], "").await;
    let status: Value = serde_json::from_slice(&out.stdout).expect("status --json parses");
    assert_eq!(status["configured"], json!(true));
    assert_eq!(status["firstSyncDone"], json!(true));

    let out = cli.run(&["export-config"], "").await;
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let exported = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        exported.contains("\"fax\"") && exported.contains("interval_minutes = 7"),
        "{exported}"
    );
    // The exported file sets the same installation up again, secrets coming from the keychain.
    std::fs::write(&cli.file, &exported).unwrap();
    let file = cli.file.display().to_string();
    let out = cli.run(&["setup", "--from", &file], "").await;
    assert_eq!(code(&out), Some(0), "export then setup: {}", text(&out));

    cli.control
        .dynamics_update("contacts", &contact, json!({"lastname": "Again"}))
        .await;
    let out = cli.run(&["sync", "--once"], "").await;
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(
        person_of(&cli.control.snapshot().await, &contact).unwrap()["lastName"],
        json!("Again")
    );
    cli.assert_no_secret_printed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: run `cargo xtask test`"]
async fn each_failure_class_has_its_exit_code() {
    let mut cli = Cli::new().await;

    // 3: not set up yet, or a bad file.
    let out = cli.run(&["sync", "--once"], "").await;
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    let bad = cli.dir.path().join("bad.toml");
    std::fs::write(&bad, "[dynamics]\norg_url = 3\n").unwrap();
    let out = cli
        .run(&["setup", "--from", &bad.display().to_string()], "")
        .await;
    assert_eq!(code(&out), Some(3), "{}", text(&out));

    // 4: a refused secret.
    let file = cli.file.display().to_string();
    let wrong = "dynamics-client-secret=not-the-secret\nmarketo-client-secret=nope\n";
    let out = cli.run(&["setup", "--from", &file], wrong).await;
    assert_eq!(code(&out), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("The client secret is wrong"),
        "{}",
        text(&out)
    );

    // 9: a host that cannot be reached.
    let unreachable = cli.dir.path().join("unreachable.toml");
    std::fs::write(
        &unreachable,
        std::fs::read_to_string(&cli.file)
            .unwrap()
            .replace(&cli.sandbox.info().dataverse.org_url, "http://127.0.0.1:9"),
    )
    .unwrap();
    let secrets = cli.secrets_input();
    let out = cli
        .run(
            &["setup", "--from", &unreachable.display().to_string()],
            &secrets,
        )
        .await;
    assert_eq!(code(&out), Some(9), "{}", text(&out));

    let out = cli.setup().await;
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let out = cli.run(&["sync", "--once"], "").await;
    assert_eq!(code(&out), Some(0), "{}", text(&out));

    // 6: a record Dynamics refuses.
    let contact = cli
        .control
        .dynamics_create(
            "contacts",
            json!({"lastname": "Refused", "emailaddress1": "r@example.com"}),
        )
        .await;
    cli.run(&["sync", "--once"], "").await;
    let person = person_of(&cli.control.snapshot().await, &contact).unwrap()["id"]
        .as_i64()
        .unwrap();
    cli.control
        .call(
            reqwest::Method::PUT,
            "dynamics/rules/contact",
            Some(
                json!({"rejections": [{"when": "jobtitle eq 'Intern'", "message": "No interns"}]}),
            ),
        )
        .await;
    cli.control
        .marketo_update(person, json!({"title": "Intern"}))
        .await;
    let out = cli.run(&["sync", "--once"], "").await;
    assert_eq!(code(&out), Some(6), "{}", text(&out));

    // 7: another process syncs this data.
    let lock = dynasync_engine::lock::DataDirLock::acquire(&cli.data(), "the desktop app").unwrap();
    let out = cli.run(&["sync", "--once"], "").await;
    assert_eq!(code(&out), Some(7), "{}", text(&out));
    assert!(text(&out).contains("the desktop app"), "{}", text(&out));
    drop(lock);

    // 5: Marketo's daily quota is used up.
    cli.control
        .call(reqwest::Method::POST, "marketo/quota/exhaust", None)
        .await;
    let out = cli.run(&["sync", "--once"], "").await;
    assert_eq!(code(&out), Some(5), "{}", text(&out));

    // 8: the org behind the URL is not the one set up (a sandbox refresh).
    cli.control
        .call(reqwest::Method::POST, "dynamics/refresh", None)
        .await;
    let out = cli.run(&["sync", "--once"], "").await;
    assert_eq!(code(&out), Some(8), "{}", text(&out));
    cli.assert_no_secret_printed();
}
