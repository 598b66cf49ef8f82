//! The engine under faults, over real HTTP: a share of 5xx on every service, 429/606/615 storms and
//! revoked tokens in the middle of the first sync; it converges with nobody missing or twice, and the
//! sandbox's call histograms show the documented limits were never exceeded. Marketo's daily quota:
//! used up, the sync stops and goes on after the reset; and it never eats the reserve kept for others.

use std::time::Duration;

use dynasync_engine::schedule::CycleOutcome;
use dynasync_engine::setup::flow::SyncOptions;
use dynasync_tests::control::{Control, people, person_of};
use dynasync_tests::setup;
use dynasync_tests::world::World;
use reqwest::Method;
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// A storm every 300 ms, in turn a Dataverse 429, a Marketo 606 and a Marketo 615, with 10 % of 5xx
/// on every service throughout, and every token revoked now and then; until cancelled. Returns how
/// many rounds ran.
fn chaos(control: Control, stop: CancellationToken) -> tokio::task::JoinHandle<u32> {
    tokio::spawn(async move {
        let mut round = 0u32;
        while !stop.is_cancelled() {
            let storm = match round % 3 {
                0 => {
                    json!({"dataverse": {"kind": "throttle", "requests": 15, "retryAfterSecs": 1}})
                }
                1 => json!({"marketo": {"kind": "rate", "requests": 8}}),
                _ => json!({"marketo": {"kind": "concurrency", "requests": 8}}),
            };
            control
                .set_faults(json!({
                    "entra": {"serverErrorRate": 0.1},
                    "dataverse": {"serverErrorRate": 0.1, "storm": storm["dataverse"]},
                    "marketo": {"serverErrorRate": 0.1, "storm": storm["marketo"]},
                }))
                .await;
            if round % 40 == 10 {
                control.call(Method::POST, "entra/revoke", None).await;
                control
                    .call(Method::POST, "marketo/tokens/revoke", None)
                    .await;
            }
            round += 1;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        round
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sync_converges_through_5xx_storms_and_revoked_tokens_within_the_limits() {
    let world = World::new().await;
    let contacts = world
        .control
        .dynamics_bulk(
            "contacts",
            (0..900)
                .map(|i| json!({"lastname": format!("F{i}"), "emailaddress1": format!("f{i}@example.com")}))
                .collect(),
        )
        .await;
    let leads = world
        .control
        .dynamics_bulk(
            "leads",
            (0..200)
                .map(|i| json!({"lastname": format!("G{i}"), "emailaddress1": format!("g{i}@example.com")}))
                .collect(),
        )
        .await;
    world.configure().await;
    world
        .control
        .call(Method::POST, "metrics/reset", None)
        .await;

    let stop = CancellationToken::new();
    let storms = chaos(world.control.clone(), stop.clone());
    let mut failed = Vec::new();
    let mut done = false;
    for _ in 0..20 {
        match world.engine.sync_once("a test", false).await.unwrap() {
            CycleOutcome::Done { .. } => {
                done = true;
                break;
            }
            // A passing failure: the scheduler would try again at the next cycle.
            CycleOutcome::Failed(reason) => failed.push(reason.detail),
            other => panic!("faults must not stop the sync for good: {other:?}"),
        }
    }
    stop.cancel();
    let rounds = storms.await.unwrap();
    assert!(
        done,
        "the first sync completes despite the faults; {} cycles failed: {failed:#?}",
        failed.len()
    );
    assert!(
        rounds > 10,
        "storms and a token revocation hit the run ({rounds} rounds)"
    );
    world.control.set_faults(json!({})).await;
    world.cycle().await;

    let snapshot = world.control.snapshot().await;
    for id in contacts.iter().chain(&leads) {
        assert!(person_of(&snapshot, id).is_some(), "{id} reached Marketo");
    }
    assert_eq!(
        people(&snapshot).len(),
        contacts.len() + leads.len(),
        "retries created nobody twice"
    );
    let metrics = world.control.metrics().await;
    let marketo = &metrics["marketo"];
    assert!(
        marketo["maxIn20s"].as_u64().unwrap() <= 100,
        "Marketo: at most 100 calls in any 20 s: {}",
        marketo["maxIn20s"]
    );
    assert!(
        marketo["maxInFlight"].as_u64().unwrap() <= 10,
        "Marketo: at most 10 at once: {}",
        marketo["maxInFlight"]
    );
    let dataverse = &metrics["dataverse"];
    assert!(dataverse["maxIn300s"].as_u64().unwrap() <= 6_000);
    assert!(dataverse["maxInFlight"].as_u64().unwrap() <= 52);

    // The dashboard's charts show what each run cost and how often Dynamics throttled it.
    let runs = world.engine.runs(50).await.unwrap();
    let sum = |f: fn(&dynasync_engine::store::runs::Run) -> u64| runs.iter().map(f).sum::<u64>();
    let throttled = dataverse["endpoints"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|e| e["byStatus"]["429"].as_u64())
        .sum::<u64>();
    assert!(throttled > 0, "the storms throttled Dataverse");
    assert_eq!(
        sum(|r| r.stats.dynamics_throttled),
        throttled,
        "every 429 the sandbox answered is counted in a run"
    );
    assert!(
        sum(|r| r.stats.dynamics_requests) >= dataverse["total"].as_u64().unwrap(),
        "every Dataverse request is counted in a run"
    );
    assert!(sum(|r| r.stats.marketo_calls) > 0);
}

#[tokio::test]
async fn a_used_up_daily_quota_stops_the_sync_until_the_reset() {
    let world = World::new().await;
    let (id, person) = world
        .with_contact(json!({"lastname": "Quota", "emailaddress1": "q@example.com"}))
        .await;
    let exhausted = world
        .control
        .call(Method::POST, "marketo/quota/exhaust", None)
        .await;
    let resets_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(exhausted["resetsAt"].clone()).unwrap();
    world
        .control
        .dynamics_update("contacts", &id, json!({"lastname": "After reset"}))
        .await;
    match world.engine.sync_once("a test", false).await.unwrap() {
        CycleOutcome::QuotaExhausted { .. } => {}
        other => panic!("a 607 stops the cycle until the reset: {other:?}"),
    }
    assert_eq!(world.person(person).await["lastName"], json!("Quota"));

    let now: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(world.control.call(Method::GET, "clock", None).await["now"].clone())
            .unwrap();
    let seconds = (resets_at - now).num_seconds() + 60;
    world
        .control
        .call(
            Method::POST,
            "clock/advance",
            Some(json!({"seconds": seconds})),
        )
        .await;
    world.cycle().await;
    assert_eq!(
        world.person(person).await["lastName"],
        json!("After reset"),
        "after the reset the change goes through"
    );
}

#[tokio::test]
async fn the_sync_never_eats_the_share_of_the_daily_quota_kept_for_others() {
    let world = World::new().await;
    let quota: u32 = 60;
    let mut limits = world.control.call(Method::GET, "limits", None).await;
    limits["marketo"]["dailyQuota"] = json!(quota);
    world
        .control
        .call(Method::PUT, "limits", Some(limits))
        .await;
    world
        .control
        .dynamics_bulk(
            "contacts",
            (0..6_000)
                .map(|i| json!({"lastname": format!("R{i}"), "emailaddress1": format!("r{i}@example.com")}))
                .collect(),
        )
        .await;
    world
        .engine
        .set_options(SyncOptions {
            marketo_daily_quota: quota,
            reserve_percent: 10,
            ..SyncOptions::default()
        })
        .await
        .unwrap();
    world.configure().await;
    let outcome = world.engine.sync_once("a test", false).await.unwrap();
    assert!(
        matches!(outcome, CycleOutcome::QuotaExhausted { .. }),
        "the first sync needs more than the quota allows: {outcome:?}"
    );
    let used = setup::marketo_client(world.sandbox.info())
        .usage_today()
        .await
        .unwrap()
        .total;
    assert!(
        used <= u64::from(quota - quota / 10) + 1,
        "{used} calls used: the last {} (10 %) are kept for other integrations",
        quota / 10
    );
}
