//! A sandbox and a Dynasync installation set up against it: the fixture of the end-to-end sync
//! tests, which act "as a user" on either side and assert both sides after each cycle.

use dynasync_engine::schedule::CycleOutcome;
use dynasync_engine::{ClientLimits, Engine};
use dynasync_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

use crate::control::{Control, people, person_of, rows};
use crate::setup;

/// A running sandbox and an engine on a fresh data directory (secrets in memory).
#[derive(Debug)]
pub struct World {
    pub sandbox: Sandbox,
    pub control: Control,
    pub engine: Engine,
    _dir: tempfile::TempDir,
}

impl World {
    pub async fn new() -> World {
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .expect("sandbox starts");
        World::around(sandbox)
    }

    /// A world whose sandbox has four consecutive ports, so that [`World::restart_sandbox`] can
    /// bring another one up behind the same URLs.
    pub async fn on_consecutive_ports() -> World {
        for attempt in 0..20u16 {
            let free = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .unwrap_or(40_000 + attempt * 7);
            let config = SandboxConfig {
                base_port: Some(free.min(u16::MAX - 4)),
                ..SandboxConfig::default()
            };
            if let Ok(sandbox) = Sandbox::start(config).await {
                return World::around(sandbox);
            }
        }
        panic!("no four consecutive free ports for the sandbox");
    }

    fn around(sandbox: Sandbox) -> World {
        let control = Control::new(&sandbox.info().control_url);
        let dir = tempfile::tempdir().unwrap();
        let engine = setup::engine(dir.path(), ClientLimits::default());
        World {
            sandbox,
            control,
            engine,
            _dir: dir,
        }
    }

    /// Replaces the sandbox by a fresh one on the same ports and seed: the same URLs, credentials
    /// and organization id, but a new, empty Marketo instance and org behind them (R91, R93).
    /// The world must come from [`World::on_consecutive_ports`].
    pub async fn restart_sandbox(self) -> World {
        let World {
            sandbox,
            engine,
            _dir,
            ..
        } = self;
        let base_port = url::Url::parse(&sandbox.info().entra.authority_host)
            .ok()
            .and_then(|u| u.port())
            .expect("the sandbox's Entra ID URL names its port");
        sandbox.shutdown().await;
        let sandbox = Sandbox::start(SandboxConfig {
            base_port: Some(base_port),
            ..SandboxConfig::default()
        })
        .await
        .expect("the sandbox starts again on its ports");
        let control = Control::new(&sandbox.info().control_url);
        World {
            sandbox,
            control,
            engine,
            _dir,
        }
    }

    /// Runs the setup with the default fields.
    pub async fn configure(&self) {
        setup::configure(&self.engine, self.sandbox.info(), &[]).await;
    }

    /// Runs the setup with the default fields plus `extra`, and these custom entities.
    pub async fn configure_with(
        &self,
        extra: &[(&str, &str)],
        custom_entities: Vec<dynasync_engine::setup::flow::CustomEntityChoice>,
    ) {
        setup::configure_with(&self.engine, self.sandbox.info(), extra, custom_entities).await;
    }

    /// Runs one cycle and requires it to complete.
    pub async fn cycle(&self) {
        let outcome = self
            .engine
            .sync_once("a test", false)
            .await
            .expect("a cycle runs");
        assert_eq!(
            outcome,
            CycleOutcome::Done { more: false },
            "the cycle must complete"
        );
    }

    /// A configured world with one contact synced; returns its id and its Marketo person id.
    pub async fn with_contact(&self, fields: Value) -> (String, i64) {
        let id = self.control.dynamics_create("contacts", fields).await;
        self.configure().await;
        self.cycle().await;
        let snapshot = self.control.snapshot().await;
        let person = person_of(&snapshot, &id).expect("the contact was copied")["id"]
            .as_i64()
            .unwrap();
        (id, person)
    }

    /// A configured world with one lead synced; returns its id and its Marketo person id.
    pub async fn with_lead(&self, fields: Value) -> (String, i64) {
        let id = self.control.dynamics_create("leads", fields).await;
        self.configure().await;
        self.cycle().await;
        let snapshot = self.control.snapshot().await;
        let person = person_of(&snapshot, &id).expect("the lead was copied")["id"]
            .as_i64()
            .unwrap();
        (id, person)
    }

    /// A Dynamics row as the sandbox holds it.
    pub async fn dynamics_row(&self, set: &str, id: &str) -> Value {
        let snapshot = self.control.snapshot().await;
        let key = match set {
            "opportunities" => "opportunityid".to_owned(),
            other => format!("{}id", other.trim_end_matches('s')),
        };
        rows(&snapshot, set)
            .iter()
            .find(|r| r[&key].as_str() == Some(id))
            .cloned()
            .unwrap_or_else(|| panic!("no {set} {id}"))
    }

    /// A Marketo person as the sandbox holds it.
    pub async fn person(&self, id: i64) -> Value {
        let snapshot = self.control.snapshot().await;
        people(&snapshot)
            .iter()
            .find(|p| p["id"].as_i64() == Some(id))
            .cloned()
            .unwrap_or_else(|| panic!("no person {id}"))
    }
}
