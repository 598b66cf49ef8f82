//! The client: its builder, the Identity token, and the one path every REST call takes — the
//! limiter, the bearer header, the envelope, one token renewal on 601/602 and the retry decision.

use std::sync::Arc;
use std::time::Duration;

use dynasync_secrets::Secret;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use crate::Error;
use crate::envelope::{self, Envelope};
use crate::error::RETRYABLE_CODES;
use crate::limiter::{Budget, Limiter, Limits};
use crate::retry::{Retry, Signal, retry_decision};

/// A Marketo REST client for one instance and one LaunchPoint service. Cheap to clone; clones
/// share the token, the limiter and the budget.
#[derive(Debug, Clone)]
pub struct MarketoClient {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    http: reqwest::Client,
    rest: String,
    identity: String,
    client_id: String,
    client_secret: Secret,
    token: tokio::sync::Mutex<Option<Token>>,
    limiter: Limiter,
    pub(crate) limits: Limits,
}

#[derive(Debug)]
struct Token {
    value: String,
    expires: Instant,
}

/// Identity's answer (`authentication.md`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct IdentityToken {
    pub access_token: String,
    #[serde(default)]
    pub token_type: String,
    /// The token's remaining lifetime in seconds (3,600 when new).
    pub expires_in: u64,
    /// The API-only user the service belongs to.
    #[serde(default)]
    pub scope: String,
}

/// Identity's refusal, an OAuth error body: `invalid_client`, "Bad client credentials".
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct IdentityRefusal {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub error_description: String,
}

/// Builds a [`MarketoClient`].
#[derive(Debug)]
pub struct ClientBuilder {
    rest: Url,
    identity: Url,
    client_id: String,
    client_secret: Secret,
    roots: Vec<Vec<u8>>,
    limits: Limits,
    timeout: Duration,
}

impl MarketoClient {
    /// A client for the instance at `rest_url` (`https://<munchkin-id>.mktorest.com/rest`) and
    /// `identity_url` (`.../identity`), with a LaunchPoint service's client id and secret.
    pub fn builder(
        rest_url: Url,
        identity_url: Url,
        client_id: String,
        client_secret: Secret,
    ) -> ClientBuilder {
        ClientBuilder {
            rest: rest_url,
            identity: identity_url,
            client_id,
            client_secret,
            roots: Vec::new(),
            limits: Limits::default(),
            // The longest documented endpoint time-out is Merge Leads' 180 s (`leads.md`).
            timeout: Duration::from_secs(180),
        }
    }

    /// Today's call budget: the client's count, raised by [`MarketoClient::usage_today`].
    pub fn budget(&self) -> Budget {
        self.inner.limiter.budget()
    }

    pub(crate) fn correct_budget(&self, date: chrono::NaiveDate, total: u64) {
        self.inner.limiter.correct(date, total);
    }
}

impl ClientBuilder {
    /// Also trusts this PEM certificate authority (the sandbox's own CA).
    pub fn root_certificate(mut self, pem: &[u8]) -> ClientBuilder {
        self.roots.push(pem.to_vec());
        self
    }

    pub fn limits(mut self, limits: Limits) -> ClientBuilder {
        self.limits = limits;
        self
    }

    /// The longest a call may take.
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// # Errors
    /// [`Error::Invalid`] for an unreadable certificate, a URL that cannot be a base, or limits
    /// of zero.
    pub fn build(self) -> Result<MarketoClient, Error> {
        if self.limits.calls_per_20s == 0 || self.limits.concurrent == 0 {
            return Err(Error::Invalid("limits must allow at least one call".into()));
        }
        for url in [&self.rest, &self.identity] {
            if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
                return Err(Error::Invalid(format!("{url} is not an http(s) base URL")));
            }
        }
        // The workspace's one TLS crypto provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut roots = Vec::new();
        for pem in &self.roots {
            roots.push(
                reqwest::Certificate::from_pem(pem)
                    .map_err(|e| Error::Invalid(format!("the root certificate: {e}")))?,
            );
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .tls_certs_merge(roots)
            .build()
            .map_err(|e| Error::Invalid(format!("the HTTP client: {e}")))?;
        let trim = |u: &Url| u.as_str().trim_end_matches('/').to_owned();
        Ok(MarketoClient {
            inner: Arc::new(Inner {
                http,
                rest: trim(&self.rest),
                identity: trim(&self.identity),
                client_id: self.client_id,
                client_secret: self.client_secret,
                token: tokio::sync::Mutex::new(None),
                limiter: Limiter::new(self.limits),
                limits: self.limits,
            }),
        })
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    None,
    Json(Vec<u8>),
    /// `application/x-www-form-urlencoded`, for a query too long for the URI (`_method=GET`).
    Form(Vec<(String, String)>),
}

/// One REST call, relative to the REST base (`/v1/leads.json`).
#[derive(Debug, Clone)]
pub(crate) struct Request {
    method: Method,
    path: String,
    pub(crate) query: Vec<(String, String)>,
    body: Body,
    /// Whether sending it twice does no harm, so that a broken connection may be retried.
    idempotent: bool,
}

/// The longest URI Marketo takes (`error-codes.md`, 414), with room for the host.
const MAX_URI: usize = 7_000;

/// New tokens one call may ask for after 601/602 (`authentication.md`).
const MAX_RENEWALS: u32 = 2;

impl Request {
    pub(crate) fn get(path: impl Into<String>) -> Request {
        Request {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: Body::None,
            idempotent: true,
        }
    }

    pub(crate) fn post(path: impl Into<String>) -> Request {
        Request {
            method: Method::POST,
            ..Request::get(path)
        }
    }

    pub(crate) fn delete(path: impl Into<String>) -> Request {
        Request {
            method: Method::DELETE,
            ..Request::get(path)
        }
    }

    pub(crate) fn param(mut self, name: &str, value: impl ToString) -> Request {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    /// A JSON body.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Request {
        self.body = Body::Json(serde_json::to_vec(body).expect("plain JSON values serialize"));
        self
    }

    pub(crate) fn not_idempotent(mut self) -> Request {
        self.idempotent = false;
        self
    }

    /// A GET whose query would make the URI too long goes as `POST ?_method=GET` with the query
    /// in a form body (`lead-database.md`, Long URIs).
    fn fit_uri(self) -> Request {
        let length: usize = self
            .query
            .iter()
            .map(|(k, v)| k.len() + v.len() * 3 + 2)
            .sum();
        if self.method != Method::GET || length + self.path.len() <= MAX_URI {
            return self;
        }
        Request {
            method: Method::POST,
            path: self.path,
            query: vec![("_method".into(), "GET".into())],
            body: Body::Form(self.query),
            idempotent: true,
        }
    }
}

enum Failure {
    Status(u16, String),
    Transport(reqwest::Error),
}

impl MarketoClient {
    /// The live token, from Identity when there is none or it has expired.
    async fn token(&self) -> Result<String, Error> {
        let mut token = self.inner.token.lock().await;
        if let Some(live) = token.as_ref()
            && Instant::now() < live.expires
        {
            return Ok(live.value.clone());
        }
        let fresh = self.identity().await?;
        let value = fresh.value.clone();
        *token = Some(fresh);
        Ok(value)
    }

    /// Drops a token Marketo refused, unless another call already replaced it.
    async fn forget(&self, refused: &str) {
        let mut token = self.inner.token.lock().await;
        if token.as_ref().is_some_and(|t| t.value == refused) {
            *token = None;
        }
    }

    /// `GET <identity>/oauth/token?grant_type=client_credentials&client_id=&client_secret=`.
    async fn identity(&self) -> Result<Token, Error> {
        let url = format!("{}/oauth/token", self.inner.identity);
        let mut attempt = 0;
        loop {
            // Identity calls do not count against the quota, but take a window slot so that the
            // calls Marketo sees in any 20 s stay within the limit.
            let permit = self.inner.limiter.acquire(false).await?;
            let asked = Instant::now();
            let sent = self
                .inner
                .http
                .get(&url)
                .query(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", self.inner.client_id.as_str()),
                    ("client_secret", self.inner.client_secret.expose()),
                ])
                .send()
                .await;
            let signal = match sent {
                Err(e) => (Signal::Transport, Error::Transport(e)),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = response.bytes().await.map_err(Error::Transport)?;
                    drop(permit);
                    match status {
                        200 => {
                            let answer: IdentityToken = envelope::decode(&body)?;
                            return Ok(Token {
                                value: answer.access_token,
                                expires: asked + Duration::from_secs(answer.expires_in),
                            });
                        }
                        400 | 401 | 403 => {
                            let refusal: IdentityRefusal =
                                serde_json::from_slice(&body).unwrap_or(IdentityRefusal {
                                    error: format!("HTTP {status}"),
                                    error_description: String::from_utf8_lossy(&body).into_owned(),
                                });
                            return Err(Error::Auth(format!(
                                "{} ({})",
                                refusal.error_description, refusal.error
                            )));
                        }
                        _ => (
                            Signal::Status(status),
                            Error::Http {
                                status,
                                body: String::from_utf8_lossy(&body).into_owned(),
                            },
                        ),
                    }
                }
            };
            match retry_decision(signal.0, attempt, rand::random()) {
                Retry::After(wait) => tokio::time::sleep(wait).await,
                Retry::Stop => return Err(signal.1),
            }
            attempt += 1;
        }
    }

    /// The HTTP request for a call: the token goes only in the `Authorization: Bearer` header
    /// (the `access_token` parameter is removed on 2026-08-31, `authentication.md`).
    fn build(&self, request: &Request, token: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{}", self.inner.rest, request.path);
        let builder = self
            .inner
            .http
            .request(request.method.clone(), url)
            .bearer_auth(token)
            .query(&request.query);
        match &request.body {
            Body::None => builder,
            Body::Json(bytes) => builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Form(fields) => builder.form(fields),
        }
    }

    async fn send(&self, request: &Request, token: &str) -> Result<Vec<u8>, Failure> {
        let builder = self.build(request, token);
        let response = builder.send().await.map_err(Failure::Transport)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(Failure::Transport)?;
        if status == 200 {
            Ok(body.to_vec())
        } else {
            Err(Failure::Status(
                status,
                String::from_utf8_lossy(&body).into_owned(),
            ))
        }
    }

    /// Sends a REST call and returns its successful envelope.
    ///
    /// Renews the token once on 601/602 (`authentication.md`), retries the codes and statuses
    /// [`retry_decision`] says to (a broken connection only for idempotent calls), and turns what
    /// is left into an [`Error`].
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<Envelope<T>, Error> {
        let request = request.fit_uri();
        let mut attempt = 0;
        let mut renewals = 0;
        loop {
            let token = self.token().await?;
            let permit = self.inner.limiter.acquire(true).await?;
            let sent = self.send(&request, &token).await;
            drop(permit);
            let (signal, error) = match sent {
                Ok(body) => match envelope::parse::<T>(&body) {
                    Ok(envelope) => return Ok(envelope),
                    // A token revoked (or expired) under the call: get a new one. Twice, since a
                    // revocation can race the renewal; a third refusal is left to the caller.
                    Err(Error::Api {
                        code: 601 | 602, ..
                    }) if renewals < MAX_RENEWALS => {
                        self.forget(&token).await;
                        renewals += 1;
                        continue;
                    }
                    Err(error @ Error::Api { code, .. }) if RETRYABLE_CODES.contains(&code) => {
                        (Signal::Code(code), error)
                    }
                    Err(error) => return Err(error),
                },
                Err(Failure::Status(status, body)) => {
                    (Signal::Status(status), Error::Http { status, body })
                }
                Err(Failure::Transport(e)) => (Signal::Transport, Error::Transport(e)),
            };
            let unsure = matches!(signal, Signal::Transport | Signal::Status(_));
            if unsure && !request.idempotent {
                return Err(error);
            }
            match retry_decision(signal, attempt, rand::random()) {
                Retry::After(wait) => tokio::time::sleep(wait).await,
                Retry::Stop => {
                    return Err(match error {
                        Error::Api {
                            code: code @ (606 | 615),
                            message,
                            ..
                        } => Error::RateLimited {
                            code,
                            message,
                            attempts: attempt + 1,
                        },
                        other => other,
                    });
                }
            }
            attempt += 1;
        }
    }

    /// The first result item of a call that answers with one.
    pub(crate) async fn first<T: serde::de::DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<T, Error> {
        self.call::<T>(request)
            .await?
            .result
            .into_iter()
            .next()
            .ok_or_else(|| Error::Decode {
                path: "result".into(),
                message: "an empty result where one item was due".into(),
            })
    }

    /// Every page of a paged read: follows `nextPageToken` while `moreResult` says so.
    pub(crate) async fn all_pages<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut page = request.clone();
            if let Some(token) = &token {
                page = page.param("nextPageToken", token);
            }
            let envelope: Envelope<T> = self.call(page).await?;
            all.extend(envelope.result);
            match envelope.next_page_token {
                Some(next) if envelope.more_result => token = Some(next),
                _ => return Ok(all),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> MarketoClient {
        MarketoClient::builder(
            Url::parse("https://284-RPR-133.mktorest.com/rest").unwrap(),
            Url::parse("https://284-RPR-133.mktorest.com/identity").unwrap(),
            "id".into(),
            Secret::new("secret"),
        )
        .build()
        .unwrap()
    }

    #[test]
    fn the_client_is_shared_across_tasks() {
        fn shareable<T: Send + Sync + Clone + 'static>() {}
        shareable::<MarketoClient>();
    }

    #[test]
    fn the_token_travels_in_the_bearer_header_only() {
        let request = Request::get("/v1/leads.json").param("filterType", "email");
        let built = client().build(&request, "tok:int").build().unwrap();
        assert_eq!(built.headers()["authorization"], "Bearer tok:int");
        let query = built.url().query().unwrap_or_default();
        assert!(!query.contains("access_token"), "{query}");
        assert_eq!(built.url().path(), "/rest/v1/leads.json");
    }

    #[test]
    fn a_query_too_long_for_the_uri_goes_as_a_form_with_method_get() {
        let long = (0..300)
            .map(|i| format!("person-{i}@example.com"))
            .collect::<Vec<_>>()
            .join(",");
        let request = Request::get("/v1/leads.json")
            .param("filterType", "email")
            .param("filterValues", &long)
            .fit_uri();
        assert_eq!(request.method, Method::POST);
        assert_eq!(
            request.query,
            vec![("_method".to_owned(), "GET".to_owned())]
        );
        assert!(
            matches!(&request.body, Body::Form(f) if f.iter().any(|(k, v)| k == "filterValues" && *v == long))
        );
        let short = Request::get("/v1/leads.json")
            .param("filterValues", "a@b.c")
            .fit_uri();
        assert_eq!(short.method, Method::GET, "a short query stays in the URI");
    }
}
