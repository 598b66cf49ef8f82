//! The real desktop app under WebDriver: launching it on a fresh profile, finding, typing,
//! waiting, screenshots, and an axe-core accessibility audit of the screen shown.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// How long a screen may take to show what a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// How long a sync (the first one, a Quick Sync) may take on the tiny sample data.
pub const SYNC_PATIENCE: Duration = Duration::from_secs(90);

/// A running app, driven through WebDriver. Dropping it ends the session and tauri-driver.
#[derive(Debug)]
pub struct App {
    client: Client,
    driver: Driver,
}

/// tauri-driver, stopped with SIGTERM: it stops its WebKitWebDriver child only on SIGTERM, SIGINT or
/// SIGQUIT, and a SIGKILLed driver leaves that child holding its port and the test's output pipe.
#[derive(Debug)]
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for an app left by an earlier launch to end, and stops it after 5 s: closing its window
/// keeps the app running in the tray, and being single-instance it would take this launch over
/// (the new process hands its arguments to the old one and exits, leaving WebDriver no session).
fn stop_lingering(binary: &Path) {
    let binary = binary.canonicalize().unwrap_or_else(|_| binary.to_owned());
    let running = || -> Vec<String> {
        std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter(|e| std::fs::read_link(e.path().join("exe")).is_ok_and(|exe| exe == binary))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while !running().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    for pid in running() {
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
    }
}

fn free_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").unwrap();
    let b = TcpListener::bind("127.0.0.1:0").unwrap();
    (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    )
}

fn fresh_profile() -> PathBuf {
    static LAUNCHES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = LAUNCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/e2e-profiles")
        .join(format!("{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The app binary under test: `DYNASYNC_APP_BIN`, else the workspace's debug build.
pub fn app_binary() -> PathBuf {
    std::env::var_os("DYNASYNC_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/dynasync-app")
        })
}

/// axe-core, installed with the UI's npm packages.
fn axe_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js")
}

/// Where screenshots go: `DYNASYNC_SCREENSHOTS`, else `target/screenshots`.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("DYNASYNC_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots"))
}

impl App {
    /// Starts the app binary with `args` under a fresh tauri-driver.
    ///
    /// # Panics
    /// When there is no display, no driver, or the app does not come up within 30 s.
    pub async fn launch(args: &[&str]) -> App {
        assert!(
            std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
            "no display: run WebDriver tests with `cargo xtask test` (it starts Xvfb)"
        );
        let binary = app_binary();
        assert!(
            binary.exists(),
            "the app is not built: {} is missing",
            binary.display()
        );
        stop_lingering(&binary);
        let (port, native_port) = free_ports();
        let driver_bin = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());
        // A fresh profile per launch: the app and WebKit keep their state (settings, the database,
        // local storage) under the XDG directories, which the driver passes on to the app.
        let profile = fresh_profile();
        let driver = Command::new(&driver_bin)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("XDG_DATA_HOME", profile.join("data"))
            .env("XDG_CONFIG_HOME", profile.join("config"))
            .env("XDG_CACHE_HOME", profile.join("cache"))
            // The built-in sandbox starts with its tiny sample set: a first sync takes seconds.
            .env("DYNASYNC_SANDBOX_DATA", "tiny")
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver_bin}: {e} (set TAURI_DRIVER)"));
        let driver = Driver(driver);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({ "application": binary, "args": args }),
        );
        // If the app dies at startup WebKitWebDriver never answers: bound the wait.
        let url = format!("http://127.0.0.1:{port}");
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps);
        let client = tokio::time::timeout(Duration::from_secs(30), builder.connect(&url))
            .await
            .expect("no WebDriver session within 30 s: did the app crash at startup?")
            .expect("WebDriver session");
        App { client, driver }
    }

    /// The WebDriver client, for anything the helpers here do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}` within {PATIENCE:?}: {e}"))
    }

    /// Whether an element matching `css` is present right now.
    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Waits until the text of `css` equals `expected`, and fails with what it was otherwise.
    pub async fn wait_for_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + PATIENCE;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if last == expected {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("`{css}` should read {expected:?} but reads {last:?}");
    }

    /// Waits until `css` matches an element whose attribute `name` equals `value`.
    pub async fn wait_for_attr(&self, css: &str, name: &str, value: &str) {
        let deadline = Instant::now() + PATIENCE;
        let mut last = None;
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.attr(name).await.unwrap_or_default();
                if last.as_deref() == Some(value) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("`{css}` should have {name}={value:?} but has {last:?}");
    }

    /// Clicks the element matching `css` once it is there and enabled.
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let element = self.find(css).await;
            if element.is_enabled().await.unwrap_or(false) {
                element
                    .click()
                    .await
                    .unwrap_or_else(|e| panic!("cannot click `{css}`: {e}"));
                return;
            }
            assert!(
                Instant::now() < deadline,
                "`{css}` stayed disabled for {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reaches the element matching `css` with the Tab key alone (from wherever the focus is) and
    /// activates it with `key` (Enter for a button, Space for a checkbox), as a keyboard-only user.
    pub async fn press(&self, css: &str, key: fantoccini::key::Key) {
        let target = self.find(css).await;
        let id = target.attr("id").await.ok().flatten();
        assert!(id.is_some(), "`{css}` needs an id to be told apart");
        let deadline = Instant::now() + PATIENCE;
        for _ in 0..80 {
            let active = self
                .client
                .active_element()
                .await
                .expect("a focused element");
            let focused = active.attr("id").await.ok().flatten() == id;
            if focused && target.is_enabled().await.unwrap_or(false) {
                active
                    .send_keys(&char::from(key).to_string())
                    .await
                    .unwrap_or_else(|e| panic!("cannot press a key on `{css}`: {e}"));
                return;
            }
            if focused {
                // Focused but still disabled (a check running): wait, then go round again.
                assert!(Instant::now() < deadline, "`{css}` stayed disabled");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            active
                .send_keys(&char::from(fantoccini::key::Key::Tab).to_string())
                .await
                .expect("press Tab");
        }
        panic!("`{css}` cannot be reached with the Tab key");
    }

    /// Replaces the text of the input matching `css` with `text`, as typed keys.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clear the input");
        input
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into `{css}`: {e}"));
    }

    /// The value of the input matching `css`.
    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// The text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_default()
    }

    /// The attribute `name` of the element matching `css`.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await.ok().flatten()
    }

    /// Waits until an element matches `css`, for up to `patience`.
    pub async fn wait_for(&self, css: &str, patience: Duration) -> Element {
        match self
            .client
            .wait()
            .at_most(patience)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => {
                let shot = self.screenshot("failed-wait").await;
                panic!(
                    "no element `{css}` within {patience:?}: {e} (screen: {})",
                    shot.display()
                )
            }
        }
    }

    /// Waits until nothing matches `css` any more.
    pub async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        while self.exists(css).await {
            assert!(
                Instant::now() < deadline,
                "`{css}` was still there after {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs axe-core on the screen shown and fails on any serious or critical violation, naming
    /// the rule and the elements.
    pub async fn assert_accessible(&self, screen: &str) {
        let source = std::fs::read_to_string(axe_source()).unwrap_or_else(|e| {
            panic!(
                "axe-core is missing ({e}): run `npm --prefix ui ci` ({})",
                axe_source().display()
            )
        });
        self.client
            .execute(&source, vec![])
            .await
            .expect("inject axe-core");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\n\
                 axe.run(document)\n\
                   .then(r => done({ passes: r.passes.length, violations: r.violations\n\
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')\n\
                     .map(v => ({ id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) })) }))\n\
                   .catch(e => done({ passes: 0, violations: [String(e)] }));",
                vec![],
            )
            .await
            .expect("run axe-core");
        let violations = result["violations"].as_array().cloned().unwrap_or_default();
        assert!(
            violations.is_empty(),
            "the {screen} screen must have no serious or critical accessibility violation: {}",
            serde_json::to_string_pretty(&violations).unwrap_or_default()
        );
        assert!(
            result["passes"].as_u64().unwrap_or(0) > 0,
            "axe-core must have checked the {screen} screen: {result}"
        );
    }

    /// Saves a screenshot of the window as `<screenshot dir>/<name>.png` for a person to look at.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await.expect("screenshot")).unwrap();
        path
    }

    /// Ends the WebDriver session (which closes the app) and stops the driver.
    pub async fn close(self) {
        let App { client, driver } = self;
        let _ = client.close().await;
        drop(driver);
    }
}
