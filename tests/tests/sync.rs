//! The engine syncing the sandbox over real HTTP, rule by rule: each test acts "as a user" on
//! either side through the control API, runs sync cycles and asserts both sides afterwards.

use dynasync_engine::ClientLimits;
use dynasync_engine::schedule::CycleOutcome;
use dynasync_sandbox::{Sandbox, SandboxConfig};
use dynasync_tests::control::{Control, person_of, rows};
use dynasync_tests::setup;
use serde_json::json;

struct World {
    sandbox: Sandbox,
    control: Control,
    engine: dynasync_engine::Engine,
    _dir: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
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

    async fn configure(&self) {
        setup::configure(&self.engine, self.sandbox.info(), &[]).await;
    }

    async fn cycle(&self) {
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
}

#[tokio::test]
async fn the_first_sync_copies_every_contact_to_marketo_r3() {
    let world = World::new().await;
    let ids = world
        .control
        .dynamics_bulk(
            "contacts",
            (0..5).map(|i| json!({"firstname": format!("Ada{i}"), "lastname": "Lovelace", "emailaddress1": format!("ada{i}@example.com")})).collect(),
        )
        .await;
    world.configure().await;
    world.cycle().await;
    let snapshot = world.control.snapshot().await;
    for (i, id) in ids.iter().enumerate() {
        let person = person_of(&snapshot, id)
            .unwrap_or_else(|| panic!("contact {id} has no Marketo person"));
        assert_eq!(person["firstName"], json!(format!("Ada{i}")));
        assert_eq!(person["microsoftType"], json!("Contact"));
    }
    let _ = rows(&snapshot, "contacts");
}
