//! Random interleavings of edits on both sides and sync cycles, over real HTTP against one sandbox,
//! checked against a small model of the documented rules written here, independently of the
//! engine: per field, who changed it since the last sync; Marketo wins for leads and Dynamics for
//! contacts when both did (R18, R19); the sync user's own edits are not synced back, and Marketo's
//! unchanged value of such a field is not sent back to Dynamics either (R6); a record
//! turned No stops syncing and syncs Dynamics' values again once back to Yes (R36, R37); a Dynamics
//! delete flags the person (R66); a Marketo delete leaves Dynamics alone and a later Dynamics change
//! brings the person back (R67, R68).
//!
//! Many short histories run side by side in one world (a sandbox and an engine) per batch, each on
//! its own few records, sharing the cycles. `DYNASYNC_PROPERTY_SEED` repeats a run; the seed is
//! printed either way. Each run draws a new seed, except in CI, where a landing must not depend on
//! the draw: there the seed is [`CI_SEED`].

use dynasync_engine::schedule::CycleOutcome;
use dynasync_engine::setup::flow::SyncOptions;
use dynasync_tests::control::{people, person_of, rows};
use dynasync_tests::setup;
use dynasync_tests::world::World;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const BATCHES: usize = 20;
const HISTORIES_PER_BATCH: usize = 50;
const RECORDS_PER_HISTORY: usize = 2;
const ROUNDS: usize = 3;
/// (Dynamics column, Marketo field), all mapped by default for leads and contacts.
const FIELDS: [(&str, &str); 4] = [
    ("firstname", "firstName"),
    ("lastname", "lastName"),
    ("address1_city", "city"),
    ("jobtitle", "title"),
];
const VALUES: [&str; 3] = ["Ash", "Birch", "Cedar"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Lead,
    Contact,
}

impl Kind {
    fn set(self) -> &'static str {
        match self {
            Kind::Lead => "leads",
            Kind::Contact => "contacts",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gone {
    No,
    FromDynamics,
    FromMarketo,
}

/// What the model expects of one record: each side's values and the last synced ones.
#[derive(Debug, Clone)]
struct Model {
    kind: Kind,
    email: String,
    id: String,
    person: Option<i64>,
    dynamics: Vec<String>,
    marketo: Vec<String>,
    /// The last synced values as each side holds them: they differ after a sync user's edit (R6).
    synced_dynamics: Vec<String>,
    synced_marketo: Vec<String>,
    /// The sync filter in Dynamics: No stops the sync (R37).
    filter: bool,
    /// The filter at the last cycle.
    filter_then: bool,
    gone: Gone,
    /// What happened since the last cycle.
    dynamics_edited: bool,
    last_dynamics_by_sync_user: bool,
    log: Vec<String>,
}

impl Model {
    fn new(kind: Kind, email: String) -> Model {
        let initial = |f: &str| format!("{f}0");
        let values: Vec<String> = FIELDS.iter().map(|(d, _)| initial(d)).collect();
        Model {
            kind,
            email,
            id: String::new(),
            person: None,
            dynamics: values.clone(),
            marketo: values.clone(),
            synced_dynamics: values.clone(),
            synced_marketo: values,
            filter: true,
            filter_then: true,
            gone: Gone::No,
            dynamics_edited: false,
            last_dynamics_by_sync_user: false,
            log: Vec::new(),
        }
    }

    fn dynamics_fields(&self) -> Value {
        let mut fields: serde_json::Map<String, Value> = FIELDS
            .iter()
            .zip(&self.dynamics)
            .map(|((d, _), v)| ((*d).to_owned(), json!(v)))
            .collect();
        fields.insert("emailaddress1".into(), json!(self.email));
        fields.insert("new_synctomkto".into(), json!(true));
        if self.kind == Kind::Lead {
            fields.insert("companyname".into(), json!("Model Ltd"));
        }
        Value::Object(fields)
    }

    /// Both sides hold `values`, as last synced.
    fn agree(&mut self, values: Vec<String>) {
        self.marketo.clone_from(&values);
        self.synced_dynamics.clone_from(&values);
        self.synced_marketo = values;
    }

    /// What one cycle does to this record, by the rules.
    fn cycle(&mut self) {
        self.log.push("cycle".into());
        let edited = std::mem::take(&mut self.dynamics_edited);
        let by_sync_user = std::mem::take(&mut self.last_dynamics_by_sync_user);
        let was_on = std::mem::replace(&mut self.filter_then, self.filter);
        match self.gone {
            Gone::FromDynamics => return,
            Gone::FromMarketo => {
                // A later change in Dynamics brings the person back, with Dynamics' values (R68).
                if edited && self.filter && !by_sync_user {
                    self.gone = Gone::No;
                    self.person = None;
                    self.agree(self.dynamics.clone());
                }
                return;
            }
            Gone::No => {}
        }
        if !self.filter {
            return; // Stale: no updates from either side (R37).
        }
        if !was_on {
            // Back to Yes: Dynamics' values go to Marketo (R36).
            self.agree(self.dynamics.clone());
            return;
        }
        if by_sync_user {
            // Not synced back (R6): Dynamics' values become Dynamics' last synced ones; Marketo's
            // stay what Marketo holds.
            self.synced_dynamics = self.dynamics.clone();
        }
        for f in 0..FIELDS.len() {
            let d = self.dynamics[f] != self.synced_dynamics[f];
            let m = self.marketo[f] != self.synced_marketo[f];
            let value = match (d, m) {
                (false, false) => continue,
                _ if self.dynamics[f] == self.marketo[f] => self.dynamics[f].clone(),
                (true, false) => self.dynamics[f].clone(),
                (false, true) => self.marketo[f].clone(),
                (true, true) => match self.kind {
                    Kind::Lead => self.marketo[f].clone(),     // R18
                    Kind::Contact => self.dynamics[f].clone(), // R19
                },
            };
            self.dynamics[f] = value.clone();
            self.marketo[f] = value.clone();
            self.synced_dynamics[f] = value.clone();
            self.synced_marketo[f] = value;
        }
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Dynamics(usize, String),
    BySyncUser(usize, String),
    Marketo(usize, String),
    Filter(bool),
    DeleteInDynamics,
    DeleteInMarketo,
}

fn random_edit(rng: &mut StdRng, model: &Model, edited_this_round: bool) -> Option<Edit> {
    let field = rng.random_range(0..FIELDS.len());
    let value = VALUES[rng.random_range(0..VALUES.len())].to_owned();
    if model.gone == Gone::FromDynamics {
        return None;
    }
    if model.gone == Gone::FromMarketo {
        return Some(Edit::Dynamics(field, value));
    }
    Some(match rng.random_range(0..100) {
        0..40 => Edit::Dynamics(field, value),
        40..80 => Edit::Marketo(field, value),
        // Also while Dynasync's own last write has not been seen back yet, which is signed by
        // the sync user too.
        80..88 => Edit::BySyncUser(field, value),
        88..94 => Edit::Filter(!model.filter),
        94..97 => Edit::DeleteInDynamics,
        // Alone in its round too: whether a Dynamics change made just before it brings the
        // person back at once is not documented.
        97..100 if model.filter && !edited_this_round => Edit::DeleteInMarketo,
        _ => Edit::Dynamics(field, value),
    })
}

async fn apply(
    world: &World,
    sync_user: &dynasync_dynamics::DataverseClient,
    model: &mut Model,
    edit: Edit,
) {
    let set = model.kind.set();
    model.log.push(format!("{edit:?}"));
    match edit {
        Edit::Dynamics(f, value) => {
            world
                .control
                .dynamics_update(set, &model.id, json!({ FIELDS[f].0: value }))
                .await;
            model.dynamics[f] = value;
            model.dynamics_edited = true;
            model.last_dynamics_by_sync_user = false;
        }
        Edit::BySyncUser(f, value) => {
            let mut record = dynasync_dynamics::Record::new();
            record.set(FIELDS[f].0, value.as_str());
            sync_user
                .update(
                    set,
                    model.id.parse().unwrap(),
                    &record,
                    dynasync_dynamics::Precondition::MustExist,
                )
                .await
                .expect("the sync user can edit the record");
            model.dynamics[f] = value;
            model.dynamics_edited = true;
            model.last_dynamics_by_sync_user = true;
        }
        Edit::Marketo(f, value) => {
            let person = model.person.expect("a person to edit");
            world
                .control
                .marketo_update(person, json!({ FIELDS[f].1: value }))
                .await;
            model.marketo[f] = value;
        }
        Edit::Filter(on) => {
            world
                .control
                .dynamics_update(set, &model.id, json!({ "new_synctomkto": on }))
                .await;
            model.filter = on;
            model.dynamics_edited = true;
            model.last_dynamics_by_sync_user = false;
        }
        Edit::DeleteInDynamics => {
            world.control.dynamics_delete(set, &model.id).await;
            model.gone = Gone::FromDynamics;
        }
        Edit::DeleteInMarketo => {
            let person = model.person.take().expect("a person to delete");
            world.control.marketo_delete(person).await;
            model.gone = Gone::FromMarketo;
        }
    }
}

async fn cycle(world: &World) {
    // Confirmed: the histories together change most records at once, which is no accident here.
    let outcome = world
        .engine
        .sync_once("the property test", true)
        .await
        .expect("a cycle runs");
    assert_eq!(
        outcome,
        CycleOutcome::Done { more: false },
        "every cycle completes"
    );
}

fn check(snapshot: &Value, model: &Model, seed: u64, history: usize) {
    let context = || {
        format!(
            "seed {seed}, history {history}, {:?} {} ({}): {:?}",
            model.kind, model.id, model.email, model.log
        )
    };
    let same_email: Vec<&Value> = people(snapshot)
        .iter()
        .filter(|p| p["email"].as_str() == Some(model.email.as_str()))
        .collect();
    let in_dynamics = rows(snapshot, "leads")
        .iter()
        .chain(rows(snapshot, "contacts"))
        .filter(|r| r["emailaddress1"].as_str() == Some(model.email.as_str()))
        .count();
    match model.gone {
        Gone::FromDynamics => {
            assert_eq!(in_dynamics, 0, "deleted in Dynamics: {}", context());
            assert_eq!(same_email.len(), 1, "one person stays (R66): {}", context());
            assert_eq!(
                same_email[0]["microsoftIsDeleted"],
                json!(true),
                "the person is flagged (R66): {}",
                context()
            );
            return;
        }
        Gone::FromMarketo => {
            assert_eq!(
                in_dynamics,
                1,
                "a Marketo delete leaves Dynamics alone (R67): {}",
                context()
            );
            assert!(
                same_email.is_empty(),
                "no person comes back without a Dynamics change: {}",
                context()
            );
            return;
        }
        Gone::No => {}
    }
    assert_eq!(in_dynamics, 1, "no duplicate in Dynamics: {}", context());
    assert_eq!(
        same_email.len(),
        1,
        "exactly one person in Marketo: {}",
        context()
    );
    let person = same_email[0];
    assert!(
        person["externalPersonId"]
            .as_str()
            .is_some_and(|id| id.eq_ignore_ascii_case(&model.id)),
        "the person syncs with its record: {}",
        context()
    );
    let row = rows(snapshot, model.kind.set())
        .iter()
        .find(|r| r["emailaddress1"].as_str() == Some(model.email.as_str()))
        .unwrap();
    for (f, (column, field)) in FIELDS.iter().enumerate() {
        assert_eq!(
            row[*column].as_str(),
            Some(model.dynamics[f].as_str()),
            "Dynamics {column}: {}",
            context()
        );
        assert_eq!(
            person[*field].as_str(),
            Some(model.marketo[f].as_str()),
            "Marketo {field}: {}",
            context()
        );
    }
}

async fn batch(seed: u64, batch: usize) -> usize {
    let mut rng = StdRng::seed_from_u64(seed ^ (batch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let world = World::new().await;
    let options = SyncOptions {
        use_sync_filter: true,
        ..Default::default()
    };
    world.engine.set_options(options).await.unwrap();
    let sync_user = setup::dynamics_client(world.sandbox.info());

    // Histories: a few records each, leads or contacts.
    let mut histories: Vec<Vec<Model>> = (0..HISTORIES_PER_BATCH)
        .map(|h| {
            (0..RECORDS_PER_HISTORY)
                .map(|r| {
                    let kind = if rng.random_bool(0.5) {
                        Kind::Lead
                    } else {
                        Kind::Contact
                    };
                    Model::new(kind, format!("h{batch}-{h}-{r}@example.com"))
                })
                .collect()
        })
        .collect();
    for kind in [Kind::Lead, Kind::Contact] {
        let models: Vec<&mut Model> = histories
            .iter_mut()
            .flatten()
            .filter(|m| m.kind == kind)
            .collect();
        let ids = world
            .control
            .dynamics_bulk(
                kind.set(),
                models.iter().map(|m| m.dynamics_fields()).collect(),
            )
            .await;
        for (model, id) in models.into_iter().zip(ids) {
            model.id = id;
        }
    }
    world.configure().await;
    cycle(&world).await;
    let snapshot = world.control.snapshot().await;
    for model in histories.iter_mut().flatten() {
        model.person = Some(
            person_of(&snapshot, &model.id).expect("the first sync copies every record")["id"]
                .as_i64()
                .unwrap(),
        );
    }

    for _ in 0..ROUNDS {
        for history in &mut histories {
            for model in history.iter_mut() {
                let edits = rng.random_range(0..=3);
                let mut edited = false;
                for _ in 0..edits {
                    let Some(edit) = random_edit(&mut rng, model, edited) else {
                        continue;
                    };
                    if matches!(edit, Edit::DeleteInMarketo) {
                        apply(&world, &sync_user, model, edit).await;
                        break;
                    }
                    edited = true;
                    apply(&world, &sync_user, model, edit).await;
                    if model.gone == Gone::FromDynamics {
                        break;
                    }
                }
            }
        }
        // Collisions: the same field edited on both sides before one cycle.
        for history in &mut histories {
            let model = &mut history[0];
            if model.gone == Gone::No && model.filter && rng.random_bool(0.3) {
                let f = rng.random_range(0..FIELDS.len());
                let a = VALUES[rng.random_range(0..VALUES.len())].to_owned();
                let b = VALUES[rng.random_range(0..VALUES.len())].to_owned();
                apply(&world, &sync_user, model, Edit::Dynamics(f, a)).await;
                apply(&world, &sync_user, model, Edit::Marketo(f, b)).await;
            }
        }
        cycle(&world).await;
        let snapshot = world.control.snapshot().await;
        for (h, history) in histories.iter_mut().enumerate() {
            for model in history.iter_mut() {
                model.cycle();
                // After every cycle, not only at the end: a value synced back and then overwritten
                // again would go unseen otherwise.
                check(&snapshot, model, seed, batch * HISTORIES_PER_BATCH + h);
                if model.person.is_none() && model.gone == Gone::No {
                    model.person = person_of(&snapshot, &model.id).and_then(|p| p["id"].as_i64());
                }
            }
        }
    }

    // Quiescence: nothing left to move.
    cycle(&world).await;
    cycle(&world).await;
    for model in histories.iter_mut().flatten() {
        model.cycle();
        model.cycle();
    }
    let snapshot = world.control.snapshot().await;
    for (h, history) in histories.iter().enumerate() {
        for model in history {
            check(&snapshot, model, seed, batch * HISTORIES_PER_BATCH + h);
        }
    }
    histories.len()
}

/// The seed CI runs with.
const CI_SEED: u64 = 17_893_046_071_697_633_416;

#[tokio::test]
async fn after_any_history_of_edits_both_sides_agree_as_the_rules_say() {
    let seed = std::env::var("DYNASYNC_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            if std::env::var_os("CI").is_some() {
                CI_SEED
            } else {
                rand::rng().random()
            }
        });
    println!("property seed {seed} (DYNASYNC_PROPERTY_SEED={seed} repeats it)");
    let mut histories = 0;
    for b in 0..BATCHES {
        histories += batch(seed, b).await;
    }
    assert!(
        histories >= 1_000,
        "at least 1,000 histories ran: {histories}"
    );
}
