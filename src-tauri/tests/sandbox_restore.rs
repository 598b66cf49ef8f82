//! A sandbox setup outlives the sandbox it was made on: the next launch sets the same choices up
//! again on a fresh sandbox and syncs.

use std::sync::Arc;

use dynasync_app::sandbox::{self, SandboxHost, SandboxRestore};
use dynasync_app::sandbox_control::SandboxData;
use dynasync_engine::Engine;
use dynasync_engine::setup::flow::{FieldChoice, Selection};
use dynasync_secrets::MemoryStore;

async fn set_up(engine: &Engine, host: &SandboxHost) -> String {
    let prefill = sandbox::choose(engine, host)
        .await
        .expect("the sandbox starts");
    let report = engine
        .check_dynamics(sandbox::dynamics_form(&prefill))
        .await
        .unwrap();
    assert!(report.ok, "the sandbox's own secret was kept: {report:?}");
    assert!(
        engine
            .check_marketo(sandbox::marketo_form(&prefill))
            .await
            .unwrap()
            .ok
    );
    let mut fields: Vec<FieldChoice> = engine
        .catalog()
        .await
        .unwrap()
        .iter()
        .flat_map(|e| {
            e.fields.iter().filter(|f| f.selected).map(|f| FieldChoice {
                entity: e.entity.clone(),
                column: f.column.clone(),
            })
        })
        .collect();
    fields.push(FieldChoice {
        entity: "contact".into(),
        column: "fax".into(),
    });
    engine
        .save_selection(Selection {
            fields,
            custom_entities: Vec::new(),
        })
        .await
        .unwrap();
    let mut options = engine.options().await.unwrap();
    options.interval_minutes = 7;
    engine.set_options(options).await.unwrap();
    engine.finish_setup().await.unwrap();
    prefill.org_url
}

#[tokio::test]
async fn a_sandbox_setup_is_set_up_again_on_the_next_launchs_fresh_sandbox_with_the_same_choices() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), Arc::new(MemoryStore::default())).unwrap();
    let first = SandboxHost::new(SandboxData::Tiny);
    let old_url = set_up(&engine, &first).await;
    let chosen = engine.selection().await.unwrap();
    drop(first);

    let next = SandboxHost::new(SandboxData::Tiny).restoring();
    sandbox::restore(&engine, &next, "a test").await;
    assert_eq!(
        next.restored().await,
        SandboxRestore::Restored,
        "the restore must succeed on the fresh sandbox"
    );
    let state = engine.setup_state().await.unwrap();
    assert!(state.configured && state.sandbox, "{state:?}");
    let new_url = state.dynamics.expect("a Dynamics connection").org_url;
    assert_ne!(new_url, old_url, "the setup points at the new sandbox");
    assert!(
        engine
            .selection()
            .await
            .unwrap()
            .fields
            .iter()
            .any(|f| f.entity == "contact" && f.column == "fax"),
        "a field chosen earlier is still synced"
    );
    assert_eq!(
        engine.selection().await.unwrap().fields.len(),
        chosen.fields.len(),
        "the same fields, no more, no fewer"
    );
    assert_eq!(engine.options().await.unwrap().interval_minutes, 7);
    assert!(
        engine.is_running(),
        "the first sync on the new sandbox starts"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn a_real_setup_is_left_alone_at_launch() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path(), Arc::new(MemoryStore::default())).unwrap();
    let host = SandboxHost::new(SandboxData::Tiny).restoring();
    sandbox::restore(&engine, &host, "a test").await;
    assert_eq!(host.restored().await, SandboxRestore::NotNeeded);
    assert!(
        host.control().await.is_err(),
        "no sandbox is started for an installation that does not use one"
    );
}
