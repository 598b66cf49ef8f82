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
