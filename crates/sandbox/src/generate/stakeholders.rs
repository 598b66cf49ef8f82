//! Opportunity stakeholders (R57): contacts connected to opportunities with a role of the
//! Stakeholder category, as a salesperson adds them on the opportunity form. Most opportunities
//! have none to three; an account's opportunity mostly draws them from that account's contacts,
//! and a contact's opportunity often names its customer as a stakeholder too. Each connection
//! brings its reciprocal, as Dataverse makes it.

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Map, json};
use uuid::Uuid;

use super::dynamics::{Customer, Deal, Loader};
use super::people::chance;
use super::persons::Contacts;
use super::{GenerateError, guid, rng};
use crate::dataverse::connections::{stakeholder_roles, standard_role_id};

pub(super) fn fill(
    loader: &Loader<'_>,
    seed: u64,
    deals: &[Deal],
    contacts: &Contacts,
    accounts: usize,
) -> Result<(), GenerateError> {
    let mut rng = rng(seed, "stakeholders");
    let roles: Vec<Uuid> = stakeholder_roles().map(standard_role_id).collect();
    let mut of_account: Vec<Vec<usize>> = vec![Vec::new(); accounts];
    for (contact, account) in contacts.accounts.iter().enumerate() {
        if let Some(account) = account {
            of_account[*account].push(contact);
        }
    }
    for deal in deals {
        let wanted = match rng.random_range(0..100) {
            0..40 => 0,
            40..70 => 1,
            70..90 => 2,
            _ => 3,
        };
        let mut chosen: Vec<Uuid> = Vec::with_capacity(wanted);
        for n in 0..wanted {
            let contact = match deal.customer {
                Customer::Contact(customer) if n == 0 && chance(&mut rng, 0.6) => Some(customer),
                Customer::Account(a) if !of_account[a].is_empty() && chance(&mut rng, 0.85) => {
                    of_account[a].choose(&mut rng).map(|c| contacts.ids[*c])
                }
                _ => contacts.ids.choose(&mut rng).copied(),
            };
            let (Some(contact), Some(role)) = (contact, roles.choose(&mut rng)) else {
                continue;
            };
            if chosen.contains(&contact) {
                continue;
            }
            chosen.push(contact);
            let mut row = Map::new();
            row.insert("connectionid".into(), json!(guid(&mut rng)));
            row.insert(
                "record1id_opportunity@odata.bind".into(),
                json!(format!("/opportunities({})", deal.id)),
            );
            row.insert(
                "record2id_contact@odata.bind".into(),
                json!(format!("/contacts({contact})")),
            );
            row.insert(
                "record2roleid@odata.bind".into(),
                json!(format!("/connectionroles({role})")),
            );
            if chance(&mut rng, 0.15) {
                row.insert(
                    "description".into(),
                    json!("Met at the kickoff; owns the budget conversation."),
                );
            }
            loader.put(&mut rng, "connections", row, false)?;
        }
    }
    Ok(())
}
