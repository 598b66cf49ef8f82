//! How to reach each system: everything but the secrets, which live in the OS keychain under the
//! names in [`secret_names`].

use serde::{Deserialize, Serialize};

/// The Dynamics 365 side of a setup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DynamicsConnection {
    /// The environment URL, e.g. `https://contoso.crm.dynamics.com`. Fixed once the first sync ran (R90).
    pub org_url: String,
    /// Where Entra ID answers: `https://login.microsoftonline.com` for a real tenant.
    pub authority_host: String,
    /// The tenant id or domain.
    pub tenant: String,
    /// The app registration's client id.
    pub client_id: String,
    pub auth: DynamicsAuth,
}

/// How Dynasync signs in to Dynamics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DynamicsAuth {
    /// Server-to-server: the app registration's own identity, bound to an application user in the
    /// org. Recommended: nobody's password, and MFA stays on for everyone (R82b).
    App,
    /// Username and password of a dedicated sync user (OAuth ROPC, R82a). Refused for MFA accounts.
    Password { username: String },
}

/// The Marketo side of a setup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketoConnection {
    /// `https://<munchkin-id>.mktorest.com/rest`.
    pub rest_url: String,
    /// `https://<munchkin-id>.mktorest.com/identity`.
    pub identity_url: String,
    pub client_id: String,
}

/// Keychain entry names of the secrets a setup needs.
pub mod secret_names {
    /// The Entra ID app registration's client secret.
    pub const DYNAMICS_CLIENT_SECRET: &str = "dynamics/client-secret";
    /// The sync user's password (username-and-password connections only).
    pub const DYNAMICS_PASSWORD: &str = "dynamics/password";
    /// The Marketo LaunchPoint service's client secret.
    pub const MARKETO_CLIENT_SECRET: &str = "marketo/client-secret";
    pub const ALL: [&str; 3] = [
        DYNAMICS_CLIENT_SECRET,
        DYNAMICS_PASSWORD,
        MARKETO_CLIENT_SECRET,
    ];
}
