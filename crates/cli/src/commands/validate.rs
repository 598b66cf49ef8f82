//! `dynasync validate`: runs every check of both saved connections again, with the secrets in the
//! keychain, as the wizard's Validate buttons do.

use std::path::PathBuf;

use dynasync_engine::EngineError;
use dynasync_engine::setup::form::{DynamicsForm, MarketoForm};

use crate::exit::Exit;

pub(crate) async fn run(data_dir: Option<PathBuf>) -> Exit {
    let engine = match crate::open(data_dir) {
        Ok(engine) => engine,
        Err(error) => return crate::fail(&error),
    };
    let state = match engine.setup_state().await {
        Ok(state) => state,
        Err(error) => return crate::fail(&error),
    };
    let (Some(dynamics), Some(marketo)) = (state.dynamics, state.marketo) else {
        return crate::fail(&EngineError::NotConfigured);
    };
    let dynamics = DynamicsForm {
        org_url: dynamics.org_url,
        connection: dynamics.connection,
        tenant: dynamics.tenant,
        client_id: dynamics.client_id,
        authority_host: Some(dynamics.authority_host),
        client_secret: None,
        username: dynamics.username,
        password: None,
    };
    let marketo = MarketoForm {
        rest_url: marketo.rest_url,
        identity_url: marketo.identity_url,
        client_id: marketo.client_id,
        client_secret: None,
    };
    match super::setup::check(&engine, dynamics, marketo).await {
        Ok(()) => {
            println!("both connections work");
            Exit::Ok
        }
        Err(exit) => exit,
    }
}
