//! What a client needs to reach the sandbox: URLs and credentials, derived from the seed so that the
//! same seed always gives the same tenant, apps, users and secrets.

use std::path::PathBuf;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::server::Ports;

/// URLs and credentials of a running sandbox. `dynasync sandbox --json` prints exactly this.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxInfo {
    pub entra: EntraInfo,
    pub dataverse: DataverseInfo,
    /// The server-to-server app registration, bound to an application user in the org (recommended).
    pub app: AppCredentials,
    /// The app registration and user for the username-and-password (ROPC) connection.
    pub ropc: RopcCredentials,
    /// A user whose tenant policy demands multi-factor authentication: ROPC must refuse it.
    pub mfa_username: String,
    pub marketo: MarketoInfo,
    /// The control API (`/_sandbox/...`), always plain HTTP.
    pub control_url: String,
    /// The CA certificate to trust when the sandbox serves HTTPS.
    pub ca_cert: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntraInfo {
    /// Stands in for `https://login.microsoftonline.com`.
    pub authority_host: String,
    pub tenant_id: Uuid,
    pub tenant_domain: String,
    /// `{authority_host}/{tenant_id}/oauth2/v2.0/token`.
    pub token_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataverseInfo {
    /// The environment URL, e.g. what `https://contoso.crm.dynamics.com` is for a real org.
    pub org_url: String,
    /// `{org_url}/api/data/v9.2/`.
    pub web_api_url: String,
    /// The scope to request a token for: `{org_url}/.default`.
    pub scope: String,
    pub organization_id: Uuid,
    pub unique_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppCredentials {
    pub client_id: Uuid,
    pub client_secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RopcCredentials {
    pub client_id: Uuid,
    pub client_secret: String,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketoInfo {
    /// Stands in for `https://<munchkin-id>.mktorest.com/rest`.
    pub rest_url: String,
    /// Stands in for `https://<munchkin-id>.mktorest.com/identity`.
    pub identity_url: String,
    pub munchkin_id: String,
    pub client_id: Uuid,
    pub client_secret: String,
}

impl SandboxInfo {
    pub(crate) fn new(
        seed: u64,
        scheme: &str,
        host: &str,
        ports: Ports,
        ca_cert: Option<PathBuf>,
    ) -> SandboxInfo {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5A4D_B0C5_1D3A_77E1);
        let mut guid = || uuid::Builder::from_random_bytes(rng.random()).into_uuid();
        let tenant_id = guid();
        let organization_id = guid();
        let app_client_id = guid();
        let ropc_client_id = guid();
        let marketo_client_id = guid();
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0D15_EA5E_F00D_CAFE);
        let mut secret = |prefix: &str| {
            let tail: String = (0..32)
                .map(|_| char::from(b"abcdefghijkmnpqrstuvwxyz23456789"[rng.random_range(0..32)]))
                .collect();
            format!("{prefix}~{tail}")
        };
        let tenant_domain = "contoso-sandbox.onmicrosoft.com".to_owned();
        let entra_host = format!("{scheme}://{host}:{}", ports.entra);
        let org_url = format!("{scheme}://{host}:{}", ports.dataverse);
        let marketo_host = format!("{scheme}://{host}:{}", ports.marketo);
        SandboxInfo {
            entra: EntraInfo {
                token_url: format!("{entra_host}/{tenant_id}/oauth2/v2.0/token"),
                authority_host: entra_host,
                tenant_id,
                tenant_domain: tenant_domain.clone(),
            },
            dataverse: DataverseInfo {
                web_api_url: format!("{org_url}/api/data/v9.2/"),
                scope: format!("{org_url}/.default"),
                org_url,
                organization_id,
                unique_name: "org7f3a9c21".to_owned(),
            },
            app: AppCredentials {
                client_id: app_client_id,
                client_secret: secret("s2s"),
            },
            ropc: RopcCredentials {
                client_id: ropc_client_id,
                client_secret: secret("ropc"),
                username: format!("marketo.sync@{tenant_domain}"),
                password: secret("pw"),
            },
            mfa_username: format!("alex.mfa@{tenant_domain}"),
            marketo: MarketoInfo {
                rest_url: format!("{marketo_host}/rest"),
                identity_url: format!("{marketo_host}/identity"),
                munchkin_id: "284-RPR-133".to_owned(),
                client_id: marketo_client_id,
                client_secret: secret("mkto"),
            },
            control_url: format!(
                "http://{}:{}/_sandbox/",
                if scheme == "https" { "127.0.0.1" } else { host },
                ports.control
            ),
            ca_cert,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ports() -> Ports {
        Ports {
            entra: 1,
            dataverse: 2,
            marketo: 3,
            control: 4,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_credentials() {
        let a = serde_json::to_string(&SandboxInfo::new(7, "http", "127.0.0.1", ports(), None))
            .unwrap();
        let b = serde_json::to_string(&SandboxInfo::new(7, "http", "127.0.0.1", ports(), None))
            .unwrap();
        let c = serde_json::to_string(&SandboxInfo::new(8, "http", "127.0.0.1", ports(), None))
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c, "another seed must give other ids and secrets");
    }
}
