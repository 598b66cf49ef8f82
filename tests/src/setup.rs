//! A Dynasync installation set up against a running sandbox, the way the wizard does it: forms
//! filled from the sandbox's info, every check run, the default fields chosen, setup finished.

use std::sync::Arc;

use dynasync_engine::setup::flow::{CustomEntityChoice, FieldChoice, Selection};
use dynasync_engine::setup::form::{ConnectionKind, DynamicsForm, MarketoForm};
use dynasync_engine::{ClientLimits, Engine};
use dynasync_sandbox::SandboxInfo;
use dynasync_secrets::{MemoryStore, Secret};

/// The Dynamics form for the sandbox's server-to-server app.
pub fn dynamics_form(info: &SandboxInfo) -> DynamicsForm {
    DynamicsForm {
        org_url: info.dataverse.org_url.clone(),
        connection: ConnectionKind::App,
        tenant: info.entra.tenant_id.to_string(),
        client_id: info.app.client_id.to_string(),
        authority_host: Some(info.entra.authority_host.clone()),
        client_secret: Some(Secret::new(info.app.client_secret.clone())),
        username: None,
        password: None,
    }
}

/// The Dynamics form for the sandbox's username-and-password connection.
pub fn password_form(info: &SandboxInfo) -> DynamicsForm {
    DynamicsForm {
        connection: ConnectionKind::Password,
        client_id: info.ropc.client_id.to_string(),
        client_secret: Some(Secret::new(info.ropc.client_secret.clone())),
        username: Some(info.ropc.username.clone()),
        password: Some(Secret::new(info.ropc.password.clone())),
        ..dynamics_form(info)
    }
}

/// The Marketo form for the sandbox's instance.
pub fn marketo_form(info: &SandboxInfo) -> MarketoForm {
    MarketoForm {
        rest_url: info.marketo.rest_url.clone(),
        identity_url: info.marketo.identity_url.clone(),
        client_id: info.marketo.client_id.to_string(),
        client_secret: Some(Secret::new(info.marketo.client_secret.clone())),
    }
}

/// An engine on a fresh data directory whose secrets live in memory.
pub fn engine(dir: &std::path::Path, limits: ClientLimits) -> Engine {
    Engine::open_with(dir, Arc::new(MemoryStore::default()), limits).expect("engine opens")
}

/// Runs the whole setup with the default fields (and `extra` choices); panics on any failure.
pub async fn configure(engine: &Engine, info: &SandboxInfo, extra: &[(&str, &str)]) {
    configure_with(engine, info, extra, Vec::new()).await;
}

/// Runs the whole setup with the default fields, `extra` choices and custom entities.
pub async fn configure_with(
    engine: &Engine,
    info: &SandboxInfo,
    extra: &[(&str, &str)],
    custom_entities: Vec<CustomEntityChoice>,
) {
    let report = engine
        .check_dynamics(dynamics_form(info))
        .await
        .expect("Dynamics form is valid");
    assert!(report.ok, "Dynamics checks: {report:#?}");
    let report = engine
        .check_marketo(marketo_form(info))
        .await
        .expect("Marketo form is valid");
    assert!(report.ok, "Marketo checks: {report:#?}");
    select(engine, extra, custom_entities).await;
    engine.finish_setup().await.expect("setup finished");
}

/// Saves the default fields plus `extra` (entity, column) as the synced fields.
pub async fn select_fields(engine: &Engine, extra: &[(&str, &str)]) {
    select(engine, extra, Vec::new()).await;
}

/// Saves the default fields plus `extra`, and enables `custom_entities`.
pub async fn select(
    engine: &Engine,
    extra: &[(&str, &str)],
    custom_entities: Vec<CustomEntityChoice>,
) {
    let catalog = engine.catalog().await.expect("catalog");
    let mut fields: Vec<FieldChoice> = catalog
        .iter()
        .flat_map(|e| {
            e.fields.iter().filter(|f| f.selected).map(|f| FieldChoice {
                entity: e.entity.clone(),
                column: f.column.clone(),
            })
        })
        .collect();
    fields.extend(extra.iter().map(|(entity, column)| FieldChoice {
        entity: (*entity).into(),
        column: (*column).into(),
    }));
    engine
        .save_selection(Selection {
            fields,
            custom_entities,
        })
        .await
        .expect("selection saved");
}

/// A Marketo client for the sandbox, to look at what Dynasync did there.
pub fn marketo_client(info: &SandboxInfo) -> dynasync_marketo::MarketoClient {
    let _ = rustls::crypto::ring::default_provider().install_default();
    dynasync_marketo::MarketoClient::builder(
        info.marketo.rest_url.parse().unwrap(),
        info.marketo.identity_url.parse().unwrap(),
        info.marketo.client_id.to_string(),
        Secret::new(info.marketo.client_secret.clone()),
    )
    .build()
    .unwrap()
}

/// A Dataverse client signed in as the sandbox's sync user (its app registration).
pub fn dynamics_client(info: &SandboxInfo) -> dynasync_dynamics::DataverseClient {
    let _ = rustls::crypto::ring::default_provider().install_default();
    dynasync_dynamics::DataverseClient::builder(
        info.dataverse.org_url.parse().unwrap(),
        dynasync_dynamics::Auth::ClientCredentials {
            authority_host: info.entra.authority_host.parse().unwrap(),
            tenant: info.entra.tenant_id.to_string(),
            client_id: info.app.client_id.to_string(),
            client_secret: Secret::new(info.app.client_secret.clone()),
        },
    )
    .build()
    .unwrap()
}

/// The connection sections of a `dynasync setup` file for the sandbox's app registration.
pub fn setup_file(info: &SandboxInfo) -> String {
    format!(
        "[dynamics]\norg_url = \"{}\"\nconnection = \"app\"\ntenant = \"{}\"\nclient_id = \"{}\"\n\
         authority_host = \"{}\"\n\n[marketo]\nrest_url = \"{}\"\nidentity_url = \"{}\"\nclient_id = \"{}\"\n",
        info.dataverse.org_url,
        info.entra.tenant_id,
        info.app.client_id,
        info.entra.authority_host,
        info.marketo.rest_url,
        info.marketo.identity_url,
        info.marketo.client_id,
    )
}
