//! The custom activity types Dynasync adds to people's activity logs in Marketo: an account change
//! (R12) and a change Dynamics refused (R28). Created and approved once, at setup.

use dynasync_marketo::{CustomActivity, CustomAttribute, Error, MarketoClient, NewActivityType};
use serde::{Deserialize, Serialize};

use crate::plan::objects::{ActivityKind, ActivityWrite};

const ACCOUNT_CHANGED: &str = "dynasyncAccountChanged";
const DYNAMICS_REJECTED: &str = "dynasyncDynamicsRejected";

/// The ids Marketo gave Dynasync's activity types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ActivityTypes {
    pub account_changed: i64,
    pub dynamics_rejected: i64,
}

impl ActivityTypes {
    fn id(&self, kind: ActivityKind) -> i64 {
        match kind {
            ActivityKind::AccountChanged => self.account_changed,
            ActivityKind::DynamicsRejected => self.dynamics_rejected,
        }
    }

    /// The activities, as the API adds them.
    pub(crate) fn activities(
        &self,
        writes: &[ActivityWrite],
        at: chrono::DateTime<chrono::Utc>,
    ) -> Vec<CustomActivity> {
        writes
            .iter()
            .map(|w| CustomActivity {
                lead_id: w.person,
                activity_date: at,
                activity_type_id: self.id(w.kind),
                primary_attribute_value: w.primary.clone(),
                attributes: w
                    .attributes
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(v.as_str())))
                    .collect(),
            })
            .collect()
    }
}

fn definition(kind: ActivityKind) -> NewActivityType {
    let (api_name, name, description, primary, attributes) = match kind {
        ActivityKind::AccountChanged => (
            ACCOUNT_CHANGED,
            "Dynamics Account Changed",
            "An account field of this person's company changed in Microsoft Dynamics",
            CustomAttribute::new("account", "Account", "string"),
            vec![CustomAttribute::new("changes", "Changes", "text")],
        ),
        ActivityKind::DynamicsRejected => (
            DYNAMICS_REJECTED,
            "Dynamics Rejected Change",
            "Microsoft Dynamics refused a value synced from Marketo (a validation rule)",
            CustomAttribute::new("field", "Field", "string"),
            vec![
                CustomAttribute::new("code", "Error Code", "string"),
                CustomAttribute::new("message", "Error Message", "text"),
            ],
        ),
    };
    NewActivityType {
        api_name: api_name.to_owned(),
        name: name.to_owned(),
        description: Some(description.to_owned()),
        trigger_name: format!("{name} (Dynasync)"),
        filter_name: format!("Has {name} (Dynasync)"),
        primary_attribute: primary,
        attributes,
    }
}

/// Creates and approves Dynasync's activity types where missing; returns their ids.
///
/// # Errors
/// Any Marketo error (1027 when the instance already has 10 custom types).
pub(crate) async fn ensure_types(client: &MarketoClient) -> Result<ActivityTypes, Error> {
    let existing = client.custom_activity_types().await?;
    let mut ids = Vec::new();
    for kind in [ActivityKind::AccountChanged, ActivityKind::DynamicsRejected] {
        let def = definition(kind);
        let found = existing.iter().find(|t| t.api_name == def.api_name);
        let approved = found.is_some_and(|t| {
            t.status
                .as_deref()
                .is_some_and(|s| s.starts_with("approved"))
        });
        let mut current = match found {
            Some(t) => t.clone(),
            None => client.create_custom_activity_type(&def).await?,
        };
        if !approved {
            current = client.approve_custom_activity_type(&def.api_name).await?;
        }
        ids.push(
            current
                .id
                .ok_or_else(|| Error::Invalid(format!("Marketo gave no id to {}", def.api_name)))?,
        );
    }
    Ok(ActivityTypes {
        account_changed: ids[0],
        dynamics_rejected: ids[1],
    })
}
