//! `dynasync`, the headless command line on the same engine and store as the desktop app.
//!
//! Today it holds `doctor`; `setup --from FILE`, `validate`, `sync`, `status`, `errors`, `why`,
//! `export-config` and `sandbox` follow, for servers and scripts that sync without a desktop.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dynasync_secrets::{Keychain, SecretStore};

/// Keeps Marketo Engage and Microsoft Dynamics 365 in sync, without a desktop.
#[derive(Debug, Parser)]
#[command(name = "dynasync", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Checks that this computer can run Dynasync: the OS keychain must keep secrets.
    Doctor,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Doctor => doctor(),
    }
}

fn doctor() -> ExitCode {
    match Keychain::open("dynasync").check() {
        Ok(backend) => {
            println!("keychain: ok ({})", backend.display_name());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("keychain: {error}");
            ExitCode::FAILURE
        }
    }
}
