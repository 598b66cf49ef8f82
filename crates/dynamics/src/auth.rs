//! Tokens from Microsoft Entra ID for one Dataverse org: the client-credentials grant (an app
//! registration bound to an application user, recommended) or the password grant (ROPC, a licensed
//! user without MFA), against any authority host (API-FACTS A1; v2-oauth2-client-creds-grant-flow.md,
//! v2-oauth-ropc.md). The token is cached, renewed shortly before it expires, and renewed once more
//! when Dataverse answers 401 anyway (revoked, or clocks that disagree).

use std::time::Duration;

use dynasync_secrets::Secret;
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use crate::error::Error;
use crate::retry::{Retry, retry_decision, transport_decision};
use crate::wire;

/// How the client signs in.
#[derive(Debug, Clone)]
pub enum Auth {
    /// An app registration with a client secret, bound to an application user in the org.
    ClientCredentials {
        /// e.g. `https://login.microsoftonline.com`.
        authority_host: Url,
        /// The tenant id or domain (`contoso.onmicrosoft.com`).
        tenant: String,
        client_id: String,
        client_secret: Secret,
    },
    /// A user name and password (ROPC). The account must not need MFA. Without a client secret
    /// the app is a public client and asks for `user_impersonation`.
    Password {
        authority_host: Url,
        tenant: String,
        client_id: String,
        client_secret: Option<Secret>,
        username: String,
        password: Secret,
    },
}

impl Auth {
    fn token_url(&self) -> Result<Url, Error> {
        let (host, tenant) = match self {
            Auth::ClientCredentials {
                authority_host,
                tenant,
                ..
            }
            | Auth::Password {
                authority_host,
                tenant,
                ..
            } => (authority_host, tenant),
        };
        if tenant.trim().is_empty() {
            return Err(Error::InvalidInput(
                "the tenant (id or domain) is empty".into(),
            ));
        }
        host.join(&format!("{}/oauth2/v2.0/token", tenant.trim()))
            .map_err(|e| {
                Error::InvalidInput(format!(
                    "the authority host '{host}' cannot take a tenant path: {e}"
                ))
            })
    }

    fn form(&self, org: &str) -> Vec<(&'static str, String)> {
        let org = org.trim_end_matches('/');
        match self {
            Auth::ClientCredentials {
                client_id,
                client_secret,
                ..
            } => vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", client_id.clone()),
                ("client_secret", client_secret.expose().to_owned()),
                ("scope", format!("{org}/.default")),
            ],
            Auth::Password {
                client_id,
                client_secret,
                username,
                password,
                ..
            } => {
                let scope = if client_secret.is_some() {
                    ".default"
                } else {
                    "user_impersonation"
                };
                let mut form = vec![
                    ("grant_type", "password".into()),
                    ("client_id", client_id.clone()),
                    ("scope", format!("{org}/{scope}")),
                    ("username", username.clone()),
                    ("password", password.expose().to_owned()),
                ];
                if let Some(secret) = client_secret {
                    form.push(("client_secret", secret.expose().to_owned()));
                }
                form
            }
        }
    }
}

#[derive(Debug)]
struct Token {
    access: Secret,
    renew_at: Instant,
}

/// The cached token of one client.
#[derive(Debug)]
pub(crate) struct Tokens {
    auth: Auth,
    org: String,
    http: reqwest::Client,
    current: Mutex<Option<Token>>,
}

/// Renew this long before expiry: five minutes, or a tenth of a short lifetime.
fn margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(300))
}

impl Tokens {
    pub(crate) fn new(auth: Auth, org: &Url, http: reqwest::Client) -> Tokens {
        Tokens {
            auth,
            org: org.as_str().trim_end_matches('/').to_owned(),
            http,
            current: Mutex::new(None),
        }
    }

    /// A token valid for a while yet.
    pub(crate) async fn bearer(&self) -> Result<Secret, Error> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref().filter(|t| t.renew_at > Instant::now()) {
            return Ok(token.access.clone());
        }
        let token = self.request().await?;
        let access = token.access.clone();
        *current = Some(token);
        Ok(access)
    }

    /// A new token after Dataverse refused `rejected`; if another request renewed it meanwhile,
    /// that one.
    pub(crate) async fn renew(&self, rejected: &Secret) -> Result<Secret, Error> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref().filter(|t| t.access != *rejected) {
            return Ok(token.access.clone());
        }
        let token = self.request().await?;
        let access = token.access.clone();
        *current = Some(token);
        Ok(access)
    }

    async fn request(&self) -> Result<Token, Error> {
        let url = self.auth.token_url()?;
        let form = self.auth.form(&self.org);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = Instant::now();
            let response = match self.http.post(url.clone()).form(&form).send().await {
                Ok(response) => response,
                Err(source) => match transport_decision(attempt, rand::random()) {
                    Retry::After(wait) => {
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    Retry::Stop => {
                        return Err(Error::Transport {
                            url: url.to_string(),
                            source,
                        });
                    }
                },
            };
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(|source| Error::Transport {
                url: url.to_string(),
                source,
            })?;
            if status.is_success() {
                let (access, lifetime) = wire::token_response(&body)?;
                return Ok(Token {
                    access,
                    renew_at: sent + lifetime.saturating_sub(margin(lifetime)),
                });
            }
            match retry_decision(status, &headers, None, attempt, rand::random()) {
                Retry::After(wait) if status.is_server_error() || status.as_u16() == 429 => {
                    tokio::time::sleep(wait).await
                }
                _ => return Err(wire::token_error(status.as_u16(), &body)),
            }
        }
    }
}

/// Where to sign in for an org, from the `WWW-Authenticate` challenge of a 401
/// (`Bearer authorization_uri=https://login.microsoftonline.com/<tenant>/oauth2/authorize,
/// resource_id=https://<org>/`), as the Dataverse SDK discovers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// e.g. `https://login.microsoftonline.com/`.
    pub host: Url,
    /// The tenant id.
    pub tenant: String,
}

impl Authority {
    /// Reads the challenge; `None` when it does not name an authority.
    pub fn from_challenge(header: &str) -> Option<Authority> {
        let uri = header
            .trim()
            .strip_prefix("Bearer")?
            .split(',')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(name, _)| name.trim() == "authorization_uri")?
            .1
            .trim()
            .trim_matches('"');
        let url = Url::parse(uri).ok()?;
        let tenant = url
            .path_segments()?
            .next()
            .filter(|t| !t.is_empty())?
            .to_owned();
        let host = url.join("/").ok()?;
        Some(Authority { host, tenant })
    }

    /// Asks the org itself: an unauthenticated `GET <org>/api/data/v9.2/` answers 401 with the
    /// challenge.
    ///
    /// # Errors
    /// When the org cannot be reached or does not answer with a challenge naming an authority.
    pub async fn discover(org_url: &Url, http: &reqwest::Client) -> Result<Authority, Error> {
        let url = org_url
            .join("api/data/v9.2/")
            .map_err(|e| Error::InvalidInput(format!("'{org_url}' is not an org URL: {e}")))?;
        let response = http
            .get(url.clone())
            .send()
            .await
            .map_err(|source| Error::Transport {
                url: url.to_string(),
                source,
            })?;
        response
            .headers()
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .and_then(Authority::from_challenge)
            .ok_or_else(|| Error::Decode {
                path: "WWW-Authenticate".into(),
                message: format!(
                    "{url} answered {} without naming its sign-in authority",
                    response.status()
                ),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_starts_five_minutes_early_or_a_tenth_of_a_short_lifetime() {
        assert_eq!(margin(Duration::from_secs(3599)), Duration::from_secs(300));
        assert_eq!(margin(Duration::from_secs(60)), Duration::from_secs(6));
    }

    #[test]
    fn public_clients_ask_for_user_impersonation() {
        let host = Url::parse("https://login.microsoftonline.com").unwrap();
        let auth = Auth::Password {
            authority_host: host.clone(),
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "app".into(),
            client_secret: None,
            username: "u".into(),
            password: Secret::new("p"),
        };
        let form = auth.form("https://contoso.crm.dynamics.com/");
        assert!(form.contains(&(
            "scope",
            "https://contoso.crm.dynamics.com/user_impersonation".into()
        )));
        assert!(
            !form.iter().any(|(n, _)| *n == "client_secret"),
            "a public client sends no secret (AADSTS700025)"
        );
        assert_eq!(
            auth.token_url().unwrap().as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }
}
