//! Crash safety: `dynasync sync --once` killed with SIGKILL at random points of the first sync and of
//! later cycles, again and again, while people edit both sides. Once it is let finish, both sides agree
//! on every edit and nobody exists twice. Runs against the real keychain (`cargo xtask test` runs it
//! in its keychain session).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use dynasync_sandbox::{Sandbox, SandboxConfig};
use dynasync_tests::control::{Control, people, rows};
use dynasync_tests::setup::setup_file;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const KILLS: usize = 60;
const CONTACTS: usize = 3_000;
const LEADS: usize = 500;

fn dynasync(data: &std::path::Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_dynasync"));
    command
        .arg("--data-dir")
        .arg(data)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an unlocked Secret Service: run `cargo xtask test`"]
async fn killed_at_random_points_the_sync_converges_with_no_loss_and_no_duplicate() {
    let seed: u64 = std::env::var("DYNASYNC_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    eprintln!("crash test seed {seed} (DYNASYNC_CRASH_SEED to repeat)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let control = Control::new(&sandbox.info().control_url);
    let contacts = control
        .dynamics_bulk(
            "contacts",
            (0..CONTACTS)
                .map(|i| json!({"lastname": format!("C{i}"), "emailaddress1": format!("c{i}@example.com")}))
                .collect(),
        )
        .await;
    let leads = control
        .dynamics_bulk(
            "leads",
            (0..LEADS)
                .map(|i| json!({"lastname": format!("L{i}"), "emailaddress1": format!("l{i}@example.com")}))
                .collect(),
        )
        .await;
    // People already in Marketo: some are the same humans as contacts (matched by email), some
    // exist only in Marketo.
    control
        .marketo_bulk(
            (0..200)
                .map(|i| json!({"email": format!("c{}@example.com", i * 7), "lastName": "Known"}))
                .chain((0..100).map(
                    |i| json!({"email": format!("m{i}@example.com"), "lastName": "OnlyMarketo"}),
                ))
                .collect(),
        )
        .await;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("dynasync.toml");
    std::fs::write(&file, setup_file(sandbox.info())).unwrap();
    let mut setup = dynasync(&data)
        .args(["setup", "--from", &file.display().to_string()])
        .spawn()
        .unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = setup.stdin.take().unwrap();
        let info = sandbox.info();
        stdin
            .write_all(
                format!(
                    "dynamics-client-secret={}\nmarketo-client-secret={}\n",
                    info.app.client_secret, info.marketo.client_secret
                )
                .as_bytes(),
            )
            .await
            .unwrap();
    }
    assert!(setup.wait().await.unwrap().success(), "setup");

    // Each side's edits touch their own field, so the final value of each is known.
    let mut last_name: HashMap<String, String> = HashMap::new();
    let mut last_city: HashMap<String, String> = HashMap::new();
    let mut kills = 0;
    let mut completed = 0;
    let mut last_run: u64 = 5_000;
    let mut linked: Vec<(i64, String)> = Vec::new();
    let mut round = 0;
    while kills < KILLS {
        round += 1;
        for _ in 0..rng.random_range(0..4) {
            let id = &contacts[rng.random_range(0..contacts.len())];
            let name = format!("Edited{round}");
            control
                .dynamics_update("contacts", id, json!({"lastname": name}))
                .await;
            last_name.insert(id.clone(), name);
        }
        if completed > 0 && (linked.is_empty() || round % 10 == 0) {
            // Marketo people exist once a first sync has gone through: edit some there too.
            let snapshot = control.snapshot().await;
            linked = people(&snapshot)
                .iter()
                .filter_map(|p| {
                    let id = p["externalPersonId"].as_str()?.to_lowercase();
                    contacts
                        .iter()
                        .any(|c| c.to_lowercase() == id)
                        .then(|| (p["id"].as_i64().unwrap(), id))
                })
                .collect();
        }
        if !linked.is_empty() {
            for _ in 0..rng.random_range(0..3) {
                let (person, contact) = &linked[rng.random_range(0..linked.len())];
                let city = format!("City{round}");
                control.marketo_update(*person, json!({"city": city})).await;
                last_city.insert(contact.clone(), city);
            }
        }
        let mut child = dynasync(&data).args(["sync", "--once"]).spawn().unwrap();
        drop(child.stdin.take());
        // Anywhere in a run: a run lasts about as long as the last one that completed.
        // Every fifth run is let finish, so that later runs are incremental cycles.
        let wait = if round % 5 == 0 {
            Duration::from_secs(600)
        } else {
            Duration::from_millis(rng.random_range(30..last_run.max(60)))
        };
        let started = std::time::Instant::now();
        match tokio::time::timeout(wait, child.wait()).await {
            Ok(status) => {
                last_run = started.elapsed().as_millis() as u64;
                let status = status.unwrap();
                assert!(
                    status.success(),
                    "an unkilled run must succeed (round {round}): {status}"
                );
                completed += 1;
            }
            Err(_) => {
                child.start_kill().unwrap();
                child.wait().await.unwrap();
                kills += 1;
            }
        }
    }
    eprintln!("{kills} kills, {completed} runs completed in {round} rounds");

    // Let it finish: two clean cycles in a row.
    for _ in 0..2 {
        let mut child = dynasync(&data).args(["sync", "--once"]).spawn().unwrap();
        drop(child.stdin.take());
        assert!(child.wait().await.unwrap().success(), "a clean cycle");
    }

    let snapshot = control.snapshot().await;
    let mut by_dynamics_id: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for person in people(&snapshot) {
        if let Some(id) = person["externalPersonId"].as_str() {
            by_dynamics_id
                .entry(id.to_lowercase())
                .or_default()
                .push(person);
        }
    }
    for id in contacts.iter().chain(&leads) {
        let found = by_dynamics_id.get(&id.to_lowercase()).map_or(0, Vec::len);
        assert_eq!(
            found, 1,
            "Dynamics record {id} must have exactly one Marketo person, has {found}"
        );
    }
    let persons = people(&snapshot).len();
    assert_eq!(
        persons,
        CONTACTS + LEADS + 100,
        "every Dynamics person once (the 200 known ones matched by email, not duplicated) plus the Marketo-only ones"
    );
    let contact_rows: HashMap<String, &Value> = rows(&snapshot, "contacts")
        .iter()
        .map(|r| (r["contactid"].as_str().unwrap().to_lowercase(), r))
        .collect();
    for (id, name) in &last_name {
        let person = by_dynamics_id[&id.to_lowercase()][0];
        assert_eq!(
            person["lastName"],
            json!(name),
            "the last Dynamics edit of {id} reached Marketo"
        );
        assert_eq!(contact_rows[&id.to_lowercase()]["lastname"], json!(name));
    }
    for (id, city) in &last_city {
        assert_eq!(
            contact_rows[id]["address1_city"],
            json!(city),
            "the last Marketo edit of {id}'s person reached Dynamics"
        );
        assert_eq!(by_dynamics_id[id][0]["city"], json!(city));
    }
    assert!(kills >= 50 && !last_city.is_empty());
}
