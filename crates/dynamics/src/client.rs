//! The client and the one path every request takes: the limiter, a bearer token, the OData headers,
//! a single token renewal on 401, and retries as [`crate::retry`] decides.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use dynasync_secrets::Secret;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use tokio::sync::OnceCell;
use url::Url;

use crate::auth::{Auth, Tokens};
use crate::error::Error;
use crate::limiter::{Limiter, ServiceProtection};
use crate::retry::{Retry, retry_after, retry_decision, transport_decision};
use crate::wire;

/// A client for one Dataverse org. Cheap to clone (one connection pool, token cache and limiter
/// inside), `Send` and `Sync`.
#[derive(Debug, Clone)]
pub struct DataverseClient {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    http: reqwest::Client,
    /// `<org>/api/data/v9.2/`.
    pub(crate) web_api: Url,
    tokens: Tokens,
    pub(crate) limiter: Limiter,
    keys: OnceCell<HashMap<String, String>>,
    requests: AtomicU64,
    throttled: AtomicU64,
}

/// What a client (and its clones) has used of the org: requests sent, retries included, and how
/// many were answered 429 by service protection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub requests: u64,
    pub throttled: u64,
}

/// Builds a [`DataverseClient`].
#[derive(Debug)]
pub struct ClientBuilder {
    org_url: Url,
    auth: Auth,
    api_version: String,
    root_certificate: Option<Vec<u8>>,
    protection: ServiceProtection,
    timeout: Duration,
}

impl ClientBuilder {
    /// The Web API version, `9.2` unless told otherwise (9.0 and 9.1 work too).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Trusts only this CA (PEM), e.g. the built-in sandbox's.
    pub fn root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificate = Some(pem.into());
        self
    }

    /// The service protection limits to stay under (the documented ones by default).
    pub fn protection(mut self, protection: ServiceProtection) -> Self {
        self.protection = protection;
        self
    }

    /// How long one HTTP exchange may take (two minutes by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// # Errors
    /// An org URL that is not `http(s)`, an unreadable certificate, an HTTP stack that cannot start.
    pub fn build(self) -> Result<DataverseClient, Error> {
        if !matches!(self.org_url.scheme(), "https" | "http") || self.org_url.host().is_none() {
            return Err(Error::InvalidInput(format!(
                "'{}' is not an org URL like https://contoso.crm.dynamics.com",
                self.org_url
            )));
        }
        let version = self.api_version.trim_start_matches('v');
        if !matches!(version, "9.0" | "9.1" | "9.2") {
            return Err(Error::InvalidInput(format!(
                "Web API version {version} is not one of 9.0, 9.1, 9.2"
            )));
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(Duration::from_secs(15));
        if let Some(pem) = &self.root_certificate {
            let certificate = reqwest::Certificate::from_pem(pem).map_err(|e| {
                Error::InvalidInput(format!("the root certificate is not PEM: {e}"))
            })?;
            http = http.tls_certs_only([certificate]);
        }
        let http = http
            .build()
            .map_err(|e| Error::InvalidInput(format!("cannot start the HTTP client: {e}")))?;
        let mut org = self.org_url.clone();
        org.set_path("/");
        org.set_query(None);
        let web_api = org
            .join(&format!("api/data/v{version}/"))
            .map_err(|e| Error::InvalidInput(format!("cannot form the Web API URL: {e}")))?;
        Ok(DataverseClient {
            inner: Arc::new(Inner {
                tokens: Tokens::new(self.auth, &org, http.clone()),
                http,
                web_api,
                limiter: Limiter::new(self.protection),
                keys: OnceCell::new(),
                requests: AtomicU64::new(0),
                throttled: AtomicU64::new(0),
            }),
        })
    }
}

/// A body to send.
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    None,
    Json(Vec<u8>),
    Raw { content_type: String, body: Vec<u8> },
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// Characters a query option value keeps as they are; the rest is percent-encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'$')
    .remove(b',')
    .remove(b'(')
    .remove(b')')
    .remove(b'\'')
    .remove(b'/')
    .remove(b':')
    .remove(b'@');

/// `name=value&...`, values percent-encoded (`+` and `&` included, so filters survive).
pub(crate) fn query_string(options: &[(&str, String)]) -> String {
    options
        .iter()
        .map(|(name, value)| format!("{name}={}", utf8_percent_encode(value, QUERY_VALUE)))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Debug, Deserialize)]
struct Keys {
    value: Vec<KeyRow>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyRow {
    entity_set_name: Option<String>,
    primary_id_attribute: Option<String>,
}

impl DataverseClient {
    /// Starts building a client for `org_url` (e.g. `https://contoso.crm.dynamics.com`).
    pub fn builder(org_url: Url, auth: Auth) -> ClientBuilder {
        ClientBuilder {
            org_url,
            auth,
            api_version: "9.2".into(),
            root_certificate: None,
            protection: ServiceProtection::default(),
            timeout: Duration::from_secs(120),
        }
    }

    /// Requests sent and 429 answers received so far, by this client and every clone of it.
    pub fn usage(&self) -> Usage {
        Usage {
            requests: self.inner.requests.load(Ordering::Relaxed),
            throttled: self.inner.throttled.load(Ordering::Relaxed),
        }
    }

    /// The Web API root, `<org>/api/data/v9.2/`.
    pub fn web_api_url(&self) -> &Url {
        &self.inner.web_api
    }

    /// `<web api><path>`.
    pub(crate) fn url(&self, path: &str) -> Result<Url, Error> {
        self.inner
            .web_api
            .join(path)
            .map_err(|e| Error::InvalidInput(format!("'{path}' is not a Web API path: {e}")))
    }

    /// A link the server gave (`@odata.nextLink`, `@odata.deltaLink`), checked to point at this org
    /// so the token never goes anywhere else.
    pub(crate) fn link(&self, link: &str) -> Result<Url, Error> {
        let url = Url::parse(link)
            .map_err(|e| Error::InvalidInput(format!("'{link}' is not a link: {e}")))?;
        let base = &self.inner.web_api;
        if url.origin() != base.origin() || !url.path().starts_with("/api/data/") {
            return Err(Error::InvalidInput(format!(
                "the link '{link}' does not point at this org ({base})"
            )));
        }
        Ok(url)
    }

    /// The primary key column of an entity set (`contacts` → `contactid`), read once from the
    /// org's metadata.
    pub(crate) async fn primary_key(&self, entity_set: &str) -> Result<String, Error> {
        let keys = self
            .inner
            .keys
            .get_or_try_init(|| async {
                let url = self.url("EntityDefinitions?$select=EntitySetName,PrimaryIdAttribute")?;
                let answer = self.send(Method::GET, url, &[], Payload::None).await?;
                let keys: Keys = wire::decode(&answer.body, "EntityDefinitions")?;
                Ok::<_, Error>(
                    keys.value
                        .into_iter()
                        .filter_map(|k| Some((k.entity_set_name?, k.primary_id_attribute?)))
                        .collect(),
                )
            })
            .await?;
        keys.get(entity_set)
            .cloned()
            .ok_or_else(|| Error::InvalidInput(format!("the org has no entity set '{entity_set}'")))
    }

    /// Sends one request through the limiter, with a token, retrying as the retry policy decides.
    /// Any 2xx and 304 are answers; everything else becomes an [`Error`].
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        headers: &[(&str, String)],
        payload: Payload,
    ) -> Result<Answer, Error> {
        let idempotent = !matches!(method, Method::POST);
        let mut attempt = 0;
        let mut renewals = 0;
        loop {
            attempt += 1;
            let token = self.inner.tokens.bearer().await?;
            let slot = self.inner.limiter.acquire().await;
            self.inner.requests.fetch_add(1, Ordering::Relaxed);
            // The request is in flight until its whole body is in.
            let exchange = async {
                let response = self
                    .request(&method, &url, headers, &payload, &token)
                    .send()
                    .await?;
                let status = response.status();
                let headers = response.headers().clone();
                Ok::<_, reqwest::Error>((status, headers, response.bytes().await?))
            }
            .await;
            drop(slot);
            let (status, response_headers, body) = match exchange {
                Ok(exchange) => exchange,
                Err(source) => {
                    // A POST that may have reached the server is not sent twice.
                    let may_retry = idempotent || source.is_connect();
                    match transport_decision(attempt, rand::random()) {
                        Retry::After(wait) if may_retry => {
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        _ => {
                            return Err(Error::Transport {
                                url: url.to_string(),
                                source,
                            });
                        }
                    }
                }
            };
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                return Ok(Answer {
                    status,
                    headers: response_headers,
                    body,
                });
            }
            // A token revoked or expired under the request: get a new one. Twice, since a
            // revocation can race the renewal; a third refusal is the caller's.
            if status == StatusCode::UNAUTHORIZED && renewals < 2 {
                renewals += 1;
                attempt -= 1;
                self.inner.tokens.renew(&token).await?;
                continue;
            }
            let wait = retry_after(&response_headers);
            let error = wire::api_error(status.as_u16(), wait, &body);
            if status == StatusCode::TOO_MANY_REQUESTS {
                self.inner.throttled.fetch_add(1, Ordering::Relaxed);
                // Every request of this client waits, not only this one.
                self.inner
                    .limiter
                    .pause(wait.unwrap_or(Duration::from_secs(1)));
            }
            match retry_decision(
                status,
                &response_headers,
                error.code(),
                attempt,
                rand::random(),
            ) {
                Retry::After(_) if status == StatusCode::TOO_MANY_REQUESTS => continue,
                Retry::After(wait) => tokio::time::sleep(wait).await,
                Retry::Stop => return Err(error),
            }
        }
    }

    fn request(
        &self,
        method: &Method,
        url: &Url,
        headers: &[(&str, String)],
        payload: &Payload,
        token: &Secret,
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .inner
            .http
            .request(method.clone(), url.clone())
            .bearer_auth(token.expose())
            .header("Accept", "application/json")
            .header("OData-MaxVersion", "4.0")
            .header("OData-Version", "4.0");
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(*name),
                HeaderValue::try_from(value.as_str()),
            ) {
                request = request.header(name, value);
            }
        }
        match payload {
            Payload::None => request,
            Payload::Json(body) => request
                .header("Content-Type", "application/json")
                .body(body.clone()),
            Payload::Raw { content_type, body } => request
                .header("Content-Type", content_type.as_str())
                .body(body.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded_but_odata_syntax_stays_readable() {
        let query = query_string(&[
            ("$select", "fullname,_ownerid_value".into()),
            ("$filter", "lastname eq 'O''Bryan & Co+'".into()),
        ]);
        assert_eq!(
            query,
            "$select=fullname,_ownerid_value&$filter=lastname%20eq%20'O''Bryan%20%26%20Co%2B'"
        );
    }

    #[test]
    fn links_to_another_host_are_refused() {
        let client = DataverseClient::builder(
            Url::parse("https://contoso.crm.dynamics.com").unwrap(),
            Auth::ClientCredentials {
                authority_host: Url::parse("https://login.microsoftonline.com").unwrap(),
                tenant: "t".into(),
                client_id: "c".into(),
                client_secret: Secret::new("s"),
            },
        )
        .build()
        .unwrap();
        assert_eq!(
            client.web_api_url().as_str(),
            "https://contoso.crm.dynamics.com/api/data/v9.2/"
        );
        assert!(
            client
                .link("https://contoso.crm.dynamics.com/api/data/v9.2/contacts?$skiptoken=x")
                .is_ok()
        );
        assert!(
            client
                .link("https://evil.example/api/data/v9.2/contacts")
                .is_err(),
            "the token must not leave the org"
        );
    }
}
