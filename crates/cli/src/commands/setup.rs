//! `dynasync setup --from FILE`: the desktop wizard's steps from a file. Both connections are
//! checked (secrets from standard input or the prompt), the fields and custom entities chosen,
//! the options set and Marketo prepared; `dynasync sync` then runs the first sync.

use std::path::PathBuf;

use dynasync_engine::setup::catalog::{Availability, CustomEntityOption, EntityFields};
use dynasync_engine::setup::flow::{CustomEntityChoice, FieldChoice, Selection};
use dynasync_engine::setup::form::{ConnectionKind, DynamicsForm, MarketoForm};
use dynasync_engine::{Engine, EngineError};

use crate::exit::Exit;
use crate::setup_file::{self, DEFAULT, SetupFile};
use crate::{output, secrets_input};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The setup file: TOML without secrets (`dynasync export-config` writes one). Secrets are
    /// prompted for, or read from standard input as `dynamics-client-secret=...`,
    /// `dynamics-password=...` and `marketo-client-secret=...` lines; ones already in the keychain
    /// may be left out.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
}

pub(crate) async fn run(data_dir: Option<PathBuf>, args: Args) -> Exit {
    let file = match setup_file::read(&args.from) {
        Ok(file) => file,
        Err(error) => {
            eprintln!("dynasync: {error}");
            return Exit::Config;
        }
    };
    let engine = match crate::open(data_dir) {
        Ok(engine) => engine,
        Err(error) => return crate::fail(&error),
    };
    let needs_password = file.dynamics.connection == ConnectionKind::Password;
    let given = match secrets_input::gather(engine.secrets().as_ref(), needs_password) {
        Ok(given) => given,
        Err(error) => {
            eprintln!("dynasync: {error}");
            return Exit::Config;
        }
    };
    let dynamics = DynamicsForm {
        org_url: file.dynamics.org_url.clone(),
        connection: file.dynamics.connection,
        tenant: file.dynamics.tenant.clone(),
        client_id: file.dynamics.client_id.clone(),
        authority_host: file.dynamics.authority_host.clone(),
        client_secret: given.dynamics_client_secret,
        username: file.dynamics.username.clone(),
        password: given.dynamics_password,
    };
    let marketo = MarketoForm {
        rest_url: file.marketo.rest_url.clone(),
        identity_url: file.marketo.identity_url.clone(),
        client_id: file.marketo.client_id.clone(),
        client_secret: given.marketo_client_secret,
    };
    if let Err(exit) = check(&engine, dynamics, marketo).await {
        return exit;
    }
    match choose(&engine, &file).await {
        Ok(()) => {}
        Err(Choice::File(error)) => {
            eprintln!("dynasync: {}: {error}", args.from.display());
            return Exit::Config;
        }
        Err(Choice::Engine(error)) => return crate::fail(&error),
    }
    if let Err(error) = engine.finish_setup().await {
        return crate::fail(&error);
    }
    println!(
        "set up: run `dynasync sync` to start (`dynasync sync --dry-run` shows what the first sync will do)"
    );
    Exit::Ok
}

/// Runs both sides' checks, printing them; a failure gives the exit code.
pub(crate) async fn check(
    engine: &Engine,
    dynamics: DynamicsForm,
    marketo: MarketoForm,
) -> Result<(), Exit> {
    for (side, report) in [
        ("Dynamics", engine.check_dynamics(dynamics).await),
        ("Marketo", engine.check_marketo(marketo).await),
    ] {
        match report {
            Ok(report) => {
                output::checks(side, &report);
                if !report.ok {
                    return Err(output::checks_exit(&report));
                }
            }
            Err(EngineError::Invalid(errors)) => {
                output::form_errors(side, &errors);
                return Err(Exit::Config);
            }
            Err(error) => return Err(crate::fail(&error)),
        }
    }
    Ok(())
}

enum Choice {
    File(String),
    Engine(EngineError),
}

impl From<EngineError> for Choice {
    fn from(error: EngineError) -> Self {
        Choice::Engine(error)
    }
}

async fn choose(engine: &Engine, file: &SetupFile) -> Result<(), Choice> {
    let catalog = engine.catalog().await?;
    let customs = if file.custom_entities.is_empty() {
        Vec::new()
    } else {
        engine.custom_entities().await?
    };
    let selection = selection(file, &catalog, &customs).map_err(Choice::File)?;
    engine.save_selection(selection).await?;
    engine.set_options(file.options.clone().into()).await?;
    Ok(())
}

fn available(
    entity: &str,
    option: &dynasync_engine::setup::catalog::FieldOption,
) -> Result<(), String> {
    match option.availability {
        Availability::Available => Ok(()),
        other => Err(format!(
            "{entity}.{} cannot be synced: {}",
            option.column,
            match other {
                Availability::Secured => "field security keeps it from the sync user (R5)",
                Availability::Unreadable => "Dynamics does not let it be read",
                Availability::Unsupported => "its kind of column has no Marketo counterpart",
                _ => "Marketo has no field for it and cannot create one for this object",
            }
        )),
    }
}

/// The wizard's Fields and Custom entities steps, from the file.
fn selection(
    file: &SetupFile,
    catalog: &[EntityFields],
    customs: &[CustomEntityOption],
) -> Result<Selection, String> {
    if let Some(unknown) = file
        .fields
        .keys()
        .find(|k| !catalog.iter().any(|e| &e.entity == *k))
    {
        let known: Vec<&str> = catalog.iter().map(|e| e.entity.as_str()).collect();
        return Err(format!(
            "[fields] has an unknown entity '{unknown}' (one of: {})",
            known.join(", ")
        ));
    }
    let mut fields = Vec::new();
    for entity in catalog {
        let defaults = vec![DEFAULT.to_owned()];
        let wanted = file.fields.get(&entity.entity).unwrap_or(&defaults);
        for name in wanted {
            if name == DEFAULT {
                fields.extend(
                    entity
                        .fields
                        .iter()
                        .filter(|f| f.default && f.availability == Availability::Available)
                        .map(|f| FieldChoice {
                            entity: entity.entity.clone(),
                            column: f.column.clone(),
                        }),
                );
                continue;
            }
            let option = entity
                .fields
                .iter()
                .find(|f| &f.column == name)
                .ok_or_else(|| format!("{} has no column '{name}'", entity.entity))?;
            available(&entity.entity, option)?;
            fields.push(FieldChoice {
                entity: entity.entity.clone(),
                column: name.clone(),
            });
        }
    }
    let mut custom_entities = Vec::new();
    for wanted in &file.custom_entities {
        let option = customs
            .iter()
            .find(|c| c.logical_name == wanted.name)
            .ok_or_else(|| format!("there is no custom entity '{}'", wanted.name))?;
        if !option.eligible {
            let reason = serde_json::to_value(option.reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            return Err(format!(
                "{} cannot be synced ({reason}): it must be linked to a lead, contact or account one or two levels deep (R60)",
                wanted.name
            ));
        }
        for column in &wanted.columns {
            let found = option
                .fields
                .iter()
                .find(|f| &f.column == column)
                .ok_or_else(|| format!("{} has no column '{column}'", wanted.name))?;
            available(&wanted.name, found)?;
        }
        custom_entities.push(CustomEntityChoice {
            logical_name: wanted.name.clone(),
            columns: wanted.columns.clone(),
        });
    }
    Ok(Selection {
        fields,
        custom_entities,
    })
}
