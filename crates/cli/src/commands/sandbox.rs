//! `dynasync sandbox`: serves the built-in sandbox (Entra ID, Dataverse, Marketo and the control
//! API) on loopback until Ctrl-C, and prints what to paste into the wizard, a setup file or any
//! other client. `--json` prints the same as one JSON object on the first line, for scripts.

use dynasync_sandbox::{Generate, Preset, Sandbox, SandboxConfig, SandboxInfo, TlsOptions};

use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// How much data to generate: tiny (about 50 records), demo (about 10,000), 100k or 1m.
    #[arg(long, default_value = "demo", value_name = "PRESET")]
    preset: Preset,
    /// Seeds the generated records: the same seed gives the same data.
    #[arg(long, default_value_t = 1, value_name = "N")]
    seed: u64,
    /// The first of four consecutive ports (Entra ID, Dataverse, Marketo, control API);
    /// free ports when left out.
    #[arg(long, value_name = "PORT")]
    port: Option<u16>,
    /// Prints the URLs and credentials as one JSON object on the first line of standard output.
    #[arg(long)]
    json: bool,
    /// Serves Entra ID, Dataverse and Marketo over HTTPS with a locally generated CA, whose
    /// certificate path is printed (the control API stays plain HTTP).
    #[arg(long)]
    tls: bool,
    /// Another host name for the HTTPS certificate, besides localhost and 127.0.0.1 (repeatable).
    #[arg(long = "tls-name", value_name = "NAME", requires = "tls")]
    tls_names: Vec<String>,
}

pub(crate) async fn run(args: Args) -> Exit {
    let tls_dir = args
        .tls
        .then(|| std::env::temp_dir().join(format!("dynasync-sandbox-{}", std::process::id())));
    let config = SandboxConfig {
        seed: args.seed,
        base_port: args.port,
        tls: tls_dir.clone().map(|dir| TlsOptions {
            dir,
            extra_names: args.tls_names.clone(),
        }),
        data: Some(Generate {
            preset: args.preset,
            seed: args.seed,
        }),
        ..SandboxConfig::default()
    };
    if !args.json {
        eprintln!(
            "Generating the {} data set (seed {})...",
            args.preset, args.seed
        );
    }
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("dynasync: the sandbox cannot start: {error}");
            if let Some(port) = args.port {
                eprintln!(
                    "  ports {port} to {} must be free: choose another --port, or leave it out",
                    port.saturating_add(3)
                );
            }
            return Exit::Internal;
        }
    };
    if args.json {
        match serde_json::to_string(sandbox.info()) {
            Ok(line) => println!("{line}"),
            Err(error) => {
                eprintln!("dynasync: {error}");
                return Exit::Internal;
            }
        }
    } else {
        println!("{}", describe(sandbox.info(), args.preset));
    }
    stopped().await;
    if !args.json {
        eprintln!("Stopping the sandbox.");
    }
    sandbox.shutdown().await;
    if let Some(dir) = tls_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    Exit::Ok
}

/// Waits for Ctrl-C (or, on Unix, a termination request).
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// What a person pastes into the wizard or a setup file.
fn describe(info: &SandboxInfo, preset: Preset) -> String {
    let ca = info.ca_cert.as_ref().map(|p| {
        format!(
            "\nHTTPS: trust the sandbox CA certificate at {}\n",
            p.display()
        )
    });
    format!(
        "\
The Dynasync sandbox is running with the {preset} data set. Press Ctrl-C to stop it.

Microsoft Dynamics 365 (server-to-server app)
  Organization URL   {org}
  Tenant             {tenant}  ({domain})
  Authority host     {authority}
  Client ID          {app_id}
  Client secret      {app_secret}

Microsoft Dynamics 365 (user name and password)
  Client ID          {ropc_id}
  Client secret      {ropc_secret}
  User name          {user}
  Password           {password}

Marketo Engage
  REST API endpoint  {rest}
  Identity endpoint  {identity}
  Client ID          {mkto_id}
  Client secret      {mkto_secret}

Control API          {control}
  e.g. curl {control}counts
{ca}
A setup file for `dynasync setup --from` (it asks for the secrets above):

[dynamics]
org_url = \"{org}\"
connection = \"app\"
tenant = \"{tenant}\"
client_id = \"{app_id}\"
authority_host = \"{authority}\"

[marketo]
rest_url = \"{rest}\"
identity_url = \"{identity}\"
client_id = \"{mkto_id}\"",
        org = info.dataverse.org_url,
        tenant = info.entra.tenant_id,
        domain = info.entra.tenant_domain,
        authority = info.entra.authority_host,
        app_id = info.app.client_id,
        app_secret = info.app.client_secret,
        ropc_id = info.ropc.client_id,
        ropc_secret = info.ropc.client_secret,
        user = info.ropc.username,
        password = info.ropc.password,
        rest = info.marketo.rest_url,
        identity = info.marketo.identity_url,
        mkto_id = info.marketo.client_id,
        mkto_secret = info.marketo.client_secret,
        control = info.control_url,
        ca = ca.unwrap_or_default(),
    )
}
