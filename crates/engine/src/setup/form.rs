//! The connection forms of the setup wizard (and of `dynasync setup`), and their validation:
//! every field gets a precise problem the UI can translate, before anything is contacted.

use dynasync_secrets::Secret;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;
use uuid::Uuid;

use crate::config::{DynamicsAuth, DynamicsConnection, MarketoConnection};

/// Microsoft's global Entra ID endpoint.
pub const ENTRA_AUTHORITY: &str = "https://login.microsoftonline.com";

/// How Dynasync signs in to Dynamics, as the form chooses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionKind {
    /// Server-to-server with an app registration (recommended; MFA stays on).
    App,
    /// Username and password of a dedicated sync user.
    Password,
}

/// What the Dynamics step of the wizard sends. Secrets are sent once; an empty secret means "keep
/// the one saved in the keychain".
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DynamicsForm {
    pub org_url: String,
    pub connection: ConnectionKind,
    pub tenant: String,
    pub client_id: String,
    /// Only for clouds other than Microsoft's global one (and the sandbox).
    #[serde(default)]
    pub authority_host: Option<String>,
    #[serde(default)]
    #[ts(type = "string | null")]
    pub client_secret: Option<Secret>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    #[ts(type = "string | null")]
    pub password: Option<Secret>,
}

/// What the Marketo step of the wizard sends.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MarketoForm {
    pub rest_url: String,
    pub identity_url: String,
    pub client_id: String,
    #[serde(default)]
    #[ts(type = "string | null")]
    pub client_secret: Option<Secret>,
}

/// A form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum FormField {
    OrgUrl,
    Tenant,
    ClientId,
    ClientSecret,
    AuthorityHost,
    Username,
    Password,
    RestUrl,
    IdentityUrl,
    MarketoClientId,
    MarketoClientSecret,
}

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum FieldProblem {
    Required,
    NotAUrl,
    /// Plain HTTP to anything but this computer would send credentials in clear text.
    HttpNotAllowed,
    /// Only the environment URL, e.g. `https://contoso.crm.dynamics.com`, without a path.
    HasPath,
    /// The Marketo REST endpoint ends in `/rest` (Admin > Web Services).
    NotARestEndpoint,
    /// The Marketo identity endpoint ends in `/identity`.
    NotAnIdentityEndpoint,
    /// Client ids are GUIDs.
    NotAGuid,
    /// A tenant is a GUID or a domain such as `contoso.onmicrosoft.com`.
    NotATenant,
    /// `user@domain.com` or `DOMAIN\user` (R84).
    NotAUsername,
    /// The org URL cannot change once the first sync ran (R90): another org is another setup.
    Locked,
}

/// A field and its problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    pub field: FormField,
    pub problem: FieldProblem,
}

fn error(field: FormField, problem: FieldProblem) -> FieldError {
    FieldError { field, problem }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A URL a credential may be sent to: HTTPS, or HTTP to this computer only.
fn secure_url(text: &str, field: FormField) -> Result<Url, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(error(field, FieldProblem::Required));
    }
    let url = Url::parse(text).map_err(|_| error(field, FieldProblem::NotAUrl))?;
    if url.host().is_none() || !matches!(url.scheme(), "https" | "http") {
        return Err(error(field, FieldProblem::NotAUrl));
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(error(field, FieldProblem::HttpNotAllowed));
    }
    Ok(url)
}

/// The URL without its trailing slash.
fn origin_text(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

fn required(text: &str, field: FormField, errors: &mut Vec<FieldError>) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        errors.push(error(field, FieldProblem::Required));
        None
    } else {
        Some(text.to_owned())
    }
}

fn guid(text: &str, field: FormField, errors: &mut Vec<FieldError>) -> Option<String> {
    let text = required(text, field, errors)?;
    match Uuid::parse_str(&text) {
        Ok(id) => Some(id.to_string()),
        Err(_) => {
            errors.push(error(field, FieldProblem::NotAGuid));
            None
        }
    }
}

impl DynamicsForm {
    /// The connection this form describes, or every problem found.
    ///
    /// `saved` tells which secrets the keychain already holds, so that leaving them empty is fine.
    pub fn validate(
        &self,
        saved_secret: bool,
        saved_password: bool,
    ) -> Result<DynamicsConnection, Vec<FieldError>> {
        let mut errors = Vec::new();
        let org_url = match secure_url(&self.org_url, FormField::OrgUrl) {
            Ok(url) if url.path() != "/" || url.query().is_some() => {
                errors.push(error(FormField::OrgUrl, FieldProblem::HasPath));
                None
            }
            Ok(url) => Some(origin_text(&url)),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let authority_host = match self
            .authority_host
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            None => Some(ENTRA_AUTHORITY.to_owned()),
            Some(text) => match secure_url(text, FormField::AuthorityHost) {
                Ok(url) => Some(origin_text(&url)),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
        };
        let tenant = required(&self.tenant, FormField::Tenant, &mut errors).filter(|t| {
            let ok = Uuid::parse_str(t).is_ok()
                || t.eq_ignore_ascii_case("organizations")
                || (t.contains('.') && !t.contains(char::is_whitespace) && !t.contains('/'));
            if !ok {
                errors.push(error(FormField::Tenant, FieldProblem::NotATenant));
            }
            ok
        });
        let client_id = guid(&self.client_id, FormField::ClientId, &mut errors);
        if self.client_secret.as_ref().is_none_or(Secret::is_empty) && !saved_secret {
            errors.push(error(FormField::ClientSecret, FieldProblem::Required));
        }
        let auth = match self.connection {
            ConnectionKind::App => Some(DynamicsAuth::App),
            ConnectionKind::Password => {
                let username = required(
                    self.username.as_deref().unwrap_or_default(),
                    FormField::Username,
                    &mut errors,
                )
                .filter(|u| {
                    let ok = u
                        .split_once('@')
                        .is_some_and(|(name, domain)| !name.is_empty() && domain.contains('.'))
                        || u.split_once('\\')
                            .is_some_and(|(domain, name)| !domain.is_empty() && !name.is_empty());
                    if !ok {
                        errors.push(error(FormField::Username, FieldProblem::NotAUsername));
                    }
                    ok
                });
                if self.password.as_ref().is_none_or(Secret::is_empty) && !saved_password {
                    errors.push(error(FormField::Password, FieldProblem::Required));
                }
                username.map(|username| DynamicsAuth::Password { username })
            }
        };
        match (org_url, authority_host, tenant, client_id, auth) {
            (Some(org_url), Some(authority_host), Some(tenant), Some(client_id), Some(auth))
                if errors.is_empty() =>
            {
                Ok(DynamicsConnection {
                    org_url,
                    authority_host,
                    tenant,
                    client_id,
                    auth,
                })
            }
            _ => Err(errors),
        }
    }
}

impl MarketoForm {
    /// The connection this form describes, or every problem found.
    pub fn validate(&self, saved_secret: bool) -> Result<MarketoConnection, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut endpoint = |text: &str, field, suffix: &str, problem| match secure_url(text, field)
        {
            Ok(url) if url.path().trim_end_matches('/') != suffix => {
                errors.push(error(field, problem));
                None
            }
            Ok(url) => Some(origin_text(&url)),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let rest_url = endpoint(
            &self.rest_url,
            FormField::RestUrl,
            "/rest",
            FieldProblem::NotARestEndpoint,
        );
        let identity_url = endpoint(
            &self.identity_url,
            FormField::IdentityUrl,
            "/identity",
            FieldProblem::NotAnIdentityEndpoint,
        );
        let client_id = guid(&self.client_id, FormField::MarketoClientId, &mut errors);
        if self.client_secret.as_ref().is_none_or(Secret::is_empty) && !saved_secret {
            errors.push(error(
                FormField::MarketoClientSecret,
                FieldProblem::Required,
            ));
        }
        match (rest_url, identity_url, client_id) {
            (Some(rest_url), Some(identity_url), Some(client_id)) if errors.is_empty() => {
                Ok(MarketoConnection {
                    rest_url,
                    identity_url,
                    client_id,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = "7d8a6c2e-3b1f-4c55-9e0e-0d2f5a0e9b11";

    fn dynamics(org_url: &str) -> DynamicsForm {
        DynamicsForm {
            org_url: org_url.into(),
            connection: ConnectionKind::App,
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: CLIENT.into(),
            authority_host: None,
            client_secret: Some(Secret::new("s")),
            username: None,
            password: None,
        }
    }

    fn problems(
        result: Result<impl std::fmt::Debug, Vec<FieldError>>,
    ) -> Vec<(FormField, FieldProblem)> {
        result
            .expect_err("the form must be refused")
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect()
    }

    #[test]
    fn a_good_dynamics_form_gives_a_normalised_connection() {
        let connection = dynamics("https://contoso.crm.dynamics.com/")
            .validate(false, false)
            .unwrap();
        assert_eq!(connection.org_url, "https://contoso.crm.dynamics.com");
        assert_eq!(connection.authority_host, ENTRA_AUTHORITY);
        assert_eq!(connection.auth, DynamicsAuth::App);
    }

    #[test]
    fn each_bad_url_gets_its_own_problem() {
        assert_eq!(
            problems(dynamics("").validate(false, false)),
            [(FormField::OrgUrl, FieldProblem::Required)]
        );
        assert_eq!(
            problems(dynamics("contoso").validate(false, false)),
            [(FormField::OrgUrl, FieldProblem::NotAUrl)]
        );
        assert_eq!(
            problems(dynamics("http://contoso.crm.dynamics.com").validate(false, false)),
            [(FormField::OrgUrl, FieldProblem::HttpNotAllowed)]
        );
        assert_eq!(
            problems(
                dynamics("https://contoso.crm.dynamics.com/api/data/v9.2").validate(false, false)
            ),
            [(FormField::OrgUrl, FieldProblem::HasPath)]
        );
        assert!(
            dynamics("http://127.0.0.1:8080")
                .validate(false, false)
                .is_ok(),
            "plain HTTP to this computer is fine (the sandbox)"
        );
        assert!(
            dynamics("http://localhost:8080")
                .validate(false, false)
                .is_ok()
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut form = dynamics("ftp://x");
        form.tenant = "not a tenant".into();
        form.client_id = "abc".into();
        form.client_secret = None;
        let found = problems(form.validate(false, false));
        assert_eq!(
            found,
            [
                (FormField::OrgUrl, FieldProblem::NotAUrl),
                (FormField::Tenant, FieldProblem::NotATenant),
                (FormField::ClientId, FieldProblem::NotAGuid),
                (FormField::ClientSecret, FieldProblem::Required),
            ]
        );
    }

    #[test]
    fn a_saved_secret_may_be_left_empty() {
        let mut form = dynamics("https://contoso.crm.dynamics.com");
        form.client_secret = None;
        assert!(form.validate(true, false).is_ok());
    }

    #[test]
    fn a_password_connection_needs_a_username_in_one_of_the_two_formats() {
        let mut form = dynamics("https://contoso.crm.dynamics.com");
        form.connection = ConnectionKind::Password;
        form.username = Some("syncuser".into());
        assert_eq!(
            problems(form.validate(false, false)),
            [
                (FormField::Username, FieldProblem::NotAUsername),
                (FormField::Password, FieldProblem::Required)
            ]
        );
        form.password = Some(Secret::new("pw"));
        for username in ["sync@contoso.com", "CONTOSO\\sync"] {
            form.username = Some(username.into());
            assert_eq!(
                form.validate(false, false).unwrap().auth,
                DynamicsAuth::Password {
                    username: username.into()
                }
            );
        }
    }

    #[test]
    fn marketo_endpoints_must_be_the_rest_and_identity_ones() {
        let form = |rest: &str, identity: &str| MarketoForm {
            rest_url: rest.into(),
            identity_url: identity.into(),
            client_id: CLIENT.into(),
            client_secret: Some(Secret::new("s")),
        };
        let good = form(
            "https://284-RPR-133.mktorest.com/rest/",
            "https://284-RPR-133.mktorest.com/identity",
        )
        .validate(false)
        .unwrap();
        assert_eq!(good.rest_url, "https://284-rpr-133.mktorest.com/rest");
        assert_eq!(
            problems(
                form(
                    "https://284-RPR-133.mktorest.com",
                    "https://284-RPR-133.mktorest.com/rest"
                )
                .validate(false)
            ),
            [
                (FormField::RestUrl, FieldProblem::NotARestEndpoint),
                (FormField::IdentityUrl, FieldProblem::NotAnIdentityEndpoint)
            ]
        );
        assert_eq!(
            problems(
                form(
                    "http://mkto.example.com/rest",
                    "https://x.mktorest.com/identity"
                )
                .validate(false)
            ),
            [(FormField::RestUrl, FieldProblem::HttpNotAllowed)]
        );
    }
}
