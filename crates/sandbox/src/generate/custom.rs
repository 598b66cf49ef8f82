//! The custom tables: event registrations of contacts, session feedback on a share of attended
//! registrations, follow-ups on a share of the poor feedback, and venues linked to nothing: one,
//! two and three levels below contact, and none (R60, R62).

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Map, json};
use uuid::Uuid;

use super::dynamics::Loader;
use super::people::{self, chance};
use super::words::{COMMENTS, EVENTS};
use super::{GenerateError, Sizes, guid, iso, rng};

/// Fills the four custom tables.
pub(super) fn fill(
    loader: &Loader<'_>,
    seed: u64,
    sizes: &Sizes,
    contacts: &[Uuid],
) -> Result<(), GenerateError> {
    let mut rng = rng(seed, "custom");
    let mut feedback_ids = Vec::new();
    for n in 0..sizes.registrations {
        let id = guid(&mut rng);
        let mut row = Map::new();
        row.insert("new_event_registrationid".into(), json!(id));
        row.insert("new_name".into(), json!(format!("REG-{:06}", n + 1)));
        row.insert(
            "new_eventname".into(),
            json!(EVENTS.choose(&mut rng).copied().unwrap_or_default()),
        );
        let date = loader.history.around(&mut rng, 300);
        row.insert("new_eventdate".into(), json!(iso(date)));
        let past = date < loader.history.around(&mut rng, 0);
        let attendance = match (past, rng.random_range(0..100)) {
            (true, 0..65) => 100_000_001,
            (true, 65..90) => 100_000_002,
            _ => 100_000_000,
        };
        row.insert("new_attendancestatus".into(), json!(attendance));
        if chance(&mut rng, 0.6) {
            row.insert(
                "new_ticketprice".into(),
                json!(f64::from(rng.random_range(0u32..40)) * 25.0),
            );
        }
        if let Some(contact) = contacts.choose(&mut rng) {
            row.insert(
                "new_contactid@odata.bind".into(),
                json!(format!("/contacts({contact})")),
            );
        }
        if chance(&mut rng, 0.05) {
            row.insert("statecode".into(), json!(1));
        }
        loader.put(&mut rng, "new_event_registrations", row, false)?;
        if attendance == 100_000_001 && chance(&mut rng, 0.5) {
            let feedback = guid(&mut rng);
            let rating = rng.random_range(1..=5);
            let mut row = Map::new();
            row.insert("new_session_feedbackid".into(), json!(feedback));
            row.insert("new_name".into(), json!(format!("FB-{:06}", n + 1)));
            row.insert("new_rating".into(), json!(rating));
            if chance(&mut rng, 0.4) {
                row.insert(
                    "new_comments".into(),
                    json!(COMMENTS.choose(&mut rng).copied().unwrap_or_default()),
                );
            }
            row.insert(
                "new_registrationid@odata.bind".into(),
                json!(format!("/new_event_registrations({id})")),
            );
            loader.put(&mut rng, "new_session_feedbacks", row, false)?;
            if rating <= 3 {
                feedback_ids.push(feedback);
            }
        }
    }
    for (n, feedback) in feedback_ids.iter().enumerate() {
        if !chance(&mut rng, 0.6) {
            continue;
        }
        let mut row = Map::new();
        row.insert("new_feedback_followupid".into(), json!(guid(&mut rng)));
        row.insert("new_name".into(), json!(format!("FU-{:06}", n + 1)));
        row.insert(
            "new_followupdate".into(),
            json!(iso(loader.history.around(&mut rng, 30))),
        );
        row.insert(
            "new_feedbackid@odata.bind".into(),
            json!(format!("/new_session_feedbacks({feedback})")),
        );
        loader.put(&mut rng, "new_feedback_followups", row, false)?;
    }
    for n in 0..sizes.venues {
        let address = people::address(&mut rng);
        let mut row = Map::new();
        row.insert("new_venueid".into(), json!(guid(&mut rng)));
        row.insert(
            "new_name".into(),
            json!(format!("{} Convention Centre {}", address.city, n + 1)),
        );
        row.insert("new_city".into(), json!(address.city));
        row.insert("new_capacity".into(), json!(rng.random_range(50..5_000)));
        loader.put(&mut rng, "new_venues", row, false)?;
    }
    Ok(())
}
