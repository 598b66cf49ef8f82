//! The setup file `dynasync setup --from` reads and `dynasync export-config` writes: the whole setup
//! but the secrets, in TOML.
//!
//! ```toml
//! [dynamics]
//! org_url = "https://contoso.crm.dynamics.com"
//! connection = "app"                      # or "password" (then `username`)
//! tenant = "contoso.onmicrosoft.com"
//! client_id = "7d8a6c2e-3b1f-4c55-9e0e-0d2f5a0e9b11"
//!
//! [marketo]
//! rest_url = "https://123-ABC-456.mktorest.com/rest"
//! identity_url = "https://123-ABC-456.mktorest.com/identity"
//! client_id = "0f9c3a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
//!
//! [fields]                                # per entity; an entity left out gets the defaults
//! contact = ["default", "fax"]            # "default": the default mapping (R52)
//!
//! [[custom_entities]]
//! name = "new_event_registration"
//! columns = ["new_eventname"]
//!
//! [options]                               # each one optional
//! interval_minutes = 5
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use dynasync_engine::setup::flow::SyncOptions;
use dynasync_engine::setup::form::ConnectionKind;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The word that stands for an entity's default fields.
pub(crate) const DEFAULT: &str = "default";

/// Keys that would hold a secret: refused with a pointer to where secrets go.
const SECRET_KEYS: [&str; 3] = ["client_secret", "password", "secret"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetupFile {
    pub(crate) dynamics: DynamicsSection,
    pub(crate) marketo: MarketoSection,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) fields: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) custom_entities: Vec<CustomEntity>,
    #[serde(default)]
    pub(crate) options: Options,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DynamicsSection {
    pub(crate) org_url: String,
    pub(crate) connection: ConnectionKind,
    pub(crate) tenant: String,
    pub(crate) client_id: String,
    /// Only for clouds other than Microsoft's global one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) authority_host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) username: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MarketoSection {
    pub(crate) rest_url: String,
    pub(crate) identity_url: String,
    pub(crate) client_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomEntity {
    pub(crate) name: String,
    pub(crate) columns: Vec<String>,
}

/// [`SyncOptions`] in the file's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Options {
    pub(crate) interval_minutes: u32,
    pub(crate) sync_filter: bool,
    pub(crate) reserve_percent: u32,
    pub(crate) marketo_daily_quota: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) person_list_id: Option<i64>,
    pub(crate) person_list_as_contact: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) person_list_owner: Option<Uuid>,
    pub(crate) notifications: bool,
    pub(crate) breaker_percent: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options::from(SyncOptions::default())
    }
}

impl From<SyncOptions> for Options {
    fn from(o: SyncOptions) -> Options {
        Options {
            interval_minutes: o.interval_minutes,
            sync_filter: o.use_sync_filter,
            reserve_percent: o.reserve_percent,
            marketo_daily_quota: o.marketo_daily_quota,
            person_list_id: o.person_list_id,
            person_list_as_contact: o.person_list_as_contact,
            person_list_owner: o.person_list_owner,
            notifications: o.notifications,
            breaker_percent: o.breaker_percent,
        }
    }
}

impl From<Options> for SyncOptions {
    fn from(o: Options) -> SyncOptions {
        SyncOptions {
            interval_minutes: o.interval_minutes,
            use_sync_filter: o.sync_filter,
            reserve_percent: o.reserve_percent,
            marketo_daily_quota: o.marketo_daily_quota,
            person_list_id: o.person_list_id,
            person_list_as_contact: o.person_list_as_contact,
            person_list_owner: o.person_list_owner,
            notifications: o.notifications,
            breaker_percent: o.breaker_percent,
        }
    }
}

/// Reads a setup file. The error names the file, line and column, and never shows the file's lines
/// (one could hold a secret pasted by mistake).
pub(crate) fn read(path: &Path) -> Result<SetupFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn parse(text: &str) -> Result<SetupFile, String> {
    let place = |span: Option<std::ops::Range<usize>>| {
        span.map(|s| {
            let before = &text[..s.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: ")
        })
        .unwrap_or_default()
    };
    let table: toml::Table =
        toml::from_str(text).map_err(|e| format!("{}{}", place(e.span()), e.message()))?;
    for (section, value) in &table {
        if let Some(keys) = value.as_table()
            && let Some(key) = keys.keys().find(|k| SECRET_KEYS.contains(&k.as_str()))
        {
            return Err(format!(
                "[{section}] {key}: secrets do not go in the setup file; give them on standard input \
                 (dynamics-client-secret=..., dynamics-password=..., marketo-client-secret=...) or at the prompt"
            ));
        }
    }
    toml::from_str(text).map_err(|e: toml::de::Error| format!("{}{}", place(e.span()), e.message()))
}

/// The file's text for a setup.
pub(crate) fn write(file: &SetupFile) -> String {
    toml::to_string(file).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[dynamics]
org_url = "https://contoso.crm.dynamics.com"
connection = "app"
tenant = "contoso.onmicrosoft.com"
client_id = "7d8a6c2e-3b1f-4c55-9e0e-0d2f5a0e9b11"

[marketo]
rest_url = "https://123-ABC-456.mktorest.com/rest"
identity_url = "https://123-ABC-456.mktorest.com/identity"
client_id = "0f9c3a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"

[fields]
contact = ["default", "fax"]

[[custom_entities]]
name = "new_event_registration"
columns = ["new_eventname"]

[options]
interval_minutes = 10
"#;

    #[test]
    fn a_setup_file_reads_and_writes_back_the_same() {
        let file = parse(EXAMPLE).unwrap();
        assert_eq!(file.dynamics.connection, ConnectionKind::App);
        assert_eq!(file.fields["contact"], ["default", "fax"]);
        assert_eq!(file.options.interval_minutes, 10);
        assert_eq!(
            file.options.reserve_percent, 10,
            "options left out keep their defaults"
        );
        assert_eq!(
            parse(&write(&file)).unwrap(),
            file,
            "export then import is lossless"
        );
    }

    #[test]
    fn a_secret_in_the_file_is_refused_without_being_repeated() {
        let text = EXAMPLE.replace(
            "connection = \"app\"",
            "connection = \"app\"\nclient_secret = \"s3cr3t-value\"",
        );
        let error = parse(&text).unwrap_err();
        assert!(
            error.contains("secrets do not go in the setup file"),
            "{error}"
        );
        assert!(
            !error.contains("s3cr3t-value"),
            "the secret is not echoed: {error}"
        );
    }

    #[test]
    fn a_mistake_names_its_line_and_column_but_not_the_text() {
        let text = EXAMPLE.replace("interval_minutes = 10", "interval_minutes = \"ten-x9\"");
        let error = parse(&text).unwrap_err();
        assert!(error.starts_with("line 21, column 20: "), "{error}");
        assert!(
            !error.contains('\n'),
            "one line, no excerpt of the file: {error}"
        );
        let unknown = EXAMPLE.replace("[options]", "[options]\nintervall = 3");
        assert!(parse(&unknown).unwrap_err().contains("intervall"));
    }
}
