//! `dynasync export-config`: the current setup as a setup file (no secrets), for
//! `dynasync setup --from` on another machine or after a disconnect.

use std::collections::BTreeSet;
use std::path::PathBuf;

use dynasync_engine::EngineError;
use dynasync_engine::setup::form::ENTRA_AUTHORITY;

use crate::exit::Exit;
use crate::setup_file::{
    self, CustomEntity, DEFAULT, DynamicsSection, MarketoSection, Options, SetupFile,
};

pub(crate) async fn run(data_dir: Option<PathBuf>) -> Exit {
    let engine = match crate::open(data_dir) {
        Ok(engine) => engine,
        Err(error) => return crate::fail(&error),
    };
    match export(&engine).await {
        Ok(file) => {
            print!("{}", setup_file::write(&file));
            Exit::Ok
        }
        Err(error) => crate::fail(&error),
    }
}

async fn export(engine: &dynasync_engine::Engine) -> Result<SetupFile, EngineError> {
    let state = engine.setup_state().await?;
    let (Some(dynamics), Some(marketo)) = (state.dynamics, state.marketo) else {
        return Err(EngineError::NotConfigured);
    };
    let mut fields = std::collections::BTreeMap::new();
    for entity in engine.catalog().await? {
        let chosen: BTreeSet<&str> = entity
            .fields
            .iter()
            .filter(|f| f.selected)
            .map(|f| f.column.as_str())
            .collect();
        let defaults: BTreeSet<&str> = entity
            .fields
            .iter()
            .filter(|f| f.default)
            .map(|f| f.column.as_str())
            .collect();
        let mut listed: Vec<String> = Vec::new();
        let with_defaults = !defaults.is_empty() && defaults.is_subset(&chosen);
        if with_defaults {
            listed.push(DEFAULT.to_owned());
        }
        listed.extend(
            chosen
                .iter()
                .filter(|c| !(with_defaults && defaults.contains(*c)))
                .map(|c| (*c).to_owned()),
        );
        if listed != [DEFAULT] {
            fields.insert(entity.entity.clone(), listed);
        }
    }
    let custom_entities = engine
        .custom_entities()
        .await?
        .into_iter()
        .filter(|c| c.enabled)
        .map(|c| CustomEntity {
            name: c.logical_name,
            columns: c
                .fields
                .into_iter()
                .filter(|f| f.selected)
                .map(|f| f.column)
                .collect(),
        })
        .collect();
    Ok(SetupFile {
        dynamics: DynamicsSection {
            org_url: dynamics.org_url,
            connection: dynamics.connection,
            tenant: dynamics.tenant,
            client_id: dynamics.client_id,
            authority_host: (dynamics.authority_host != ENTRA_AUTHORITY)
                .then_some(dynamics.authority_host),
            username: dynamics.username,
        },
        marketo: MarketoSection {
            rest_url: marketo.rest_url,
            identity_url: marketo.identity_url,
            client_id: marketo.client_id,
        },
        fields,
        custom_entities,
        options: Options::from(state.options),
    })
}
