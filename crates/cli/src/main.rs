//! `dynasync`, the headless command line on the same engine and store as the desktop app: for
//! servers and scripts that keep Marketo and Dynamics in sync without a desktop.

mod commands;
mod exit;
mod output;
mod progress;
mod secrets_input;
mod setup_file;
mod text;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use dynasync_engine::{Engine, EngineError, default_data_dir, keychain_service};
use dynasync_secrets::{Keychain, SecretStore};

use crate::exit::Exit;

/// Keeps Marketo Engage and Microsoft Dynamics 365 in sync, without a desktop.
///
/// Uses the desktop app's data (its setup, links and history) unless --data-dir says otherwise;
/// secrets stay in the OS keychain.
#[derive(Debug, Parser)]
#[command(name = "dynasync", version, after_help = exit::HELP)]
struct Cli {
    /// The data directory (default: the desktop app's).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sets Dynasync up from a file: checks both connections, chooses the fields and custom
    /// entities, sets the options and prepares Marketo.
    Setup(commands::setup::Args),
    /// Checks both saved connections again (the wizard's seven Dynamics checks and Marketo's).
    Validate,
    /// Runs the sync: the first sync, then a cycle 5 minutes after each one ends.
    Sync(commands::sync::Args),
    /// Prints the current setup as a setup file (no secrets).
    ExportConfig,
    /// Shows the setup, the latest runs, open errors and the backlog, and whether a process is
    /// syncing this data.
    Status(commands::status::Args),
    /// Lists the records that failed to sync; --retry lets the next cycle try them again.
    Errors(commands::errors::Args),
    /// Explains why a record's fields hold their values: every decision with its rule.
    Why(commands::why::Args),
    /// Checks that this computer can run Dynasync: the OS keychain must keep secrets.
    Doctor,
    /// Serves the built-in sandbox (Entra ID, Dataverse, Marketo and its control API) on
    /// loopback until Ctrl-C, and prints the URLs and credentials to connect with.
    Sandbox(commands::sandbox::Args),
}

/// The keychain the data directory's secrets are in (the app's for the default data directory).
pub(crate) fn keychain(data_dir: &Path) -> Arc<dyn SecretStore> {
    Arc::new(Keychain::open(keychain_service(data_dir)))
}

/// Opens the engine on the chosen data directory.
pub(crate) fn open(data_dir: Option<PathBuf>) -> Result<Engine, EngineError> {
    let dir = data_dir.unwrap_or_else(default_data_dir);
    Engine::open(&dir, keychain(&dir))
}

/// Reports an engine error on stderr and gives its exit code.
pub(crate) fn fail(error: &EngineError) -> Exit {
    eprintln!("dynasync: {error}");
    Exit::from(error)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("dynasync: cannot start: {error}");
            return Exit::Internal.code();
        }
    };
    let exit = runtime.block_on(async {
        match cli.command {
            Command::Setup(args) => commands::setup::run(cli.data_dir, args).await,
            Command::Validate => commands::validate::run(cli.data_dir).await,
            Command::Sync(args) => commands::sync::run(cli.data_dir, args).await,
            Command::ExportConfig => commands::export::run(cli.data_dir).await,
            Command::Status(args) => commands::status::run(cli.data_dir, args).await,
            Command::Errors(args) => commands::errors::run(cli.data_dir, args).await,
            Command::Why(args) => commands::why::run(cli.data_dir, args).await,
            Command::Doctor => commands::doctor::run(cli.data_dir),
            Command::Sandbox(args) => commands::sandbox::run(args).await,
        }
    });
    exit.code()
}
