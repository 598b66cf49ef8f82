//! The built-in sandbox: faithful local emulators of Entra ID, the Dataverse Web API and the Marketo
//! REST API, with a control API to act "as a user", inject faults and read the truth back.
//!
//! It is the Dynamics org and Marketo instance that the demo, every test and every benchmark use, so
//! it behaves like the documented APIs, strictly: the same URLs, headers, JSON shapes, paging, errors
//! and limits. It depends on no other Dynasync crate, so that a client bug cannot hide behind the same
//! bug in the emulator. [`Sandbox::start`] serves it on loopback ports: one for Entra ID, one for
//! Dataverse, one for Marketo (REST and identity) and one for the control API under `/_sandbox/`.

mod clock;
mod control;
mod dataverse;
mod entra;
mod faults;
mod generate;
mod info;
mod limits;
mod marketo;
mod metrics;
mod server;
mod tls;
mod world;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use dataverse::InsertError;
pub use faults::{FaultConfig, ServiceFaults, Storm, StormKind};
pub use generate::{Generate, GenerateError, Preset, UnknownPreset};
pub use info::{
    AppCredentials, DataverseInfo, EntraInfo, MarketoInfo, RopcCredentials, SandboxInfo,
};
pub use limits::{DataverseLimits, Limits, MarketoLimits, TokenLifetimes};
pub use marketo::rest_routes as marketo_rest_routes;
pub use metrics::{Bucket, EndpointMetrics, Service, ServiceMetrics};

use world::World;

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Seeds every generated id, credential and record: the same seed gives the same sandbox.
    pub seed: u64,
    /// The first of four consecutive ports (Entra ID, Dataverse, Marketo, control); `None` picks
    /// free ports.
    pub base_port: Option<u16>,
    /// The address to listen on; loopback unless asked otherwise.
    pub bind: IpAddr,
    /// Serve HTTPS with a locally generated CA.
    pub tls: Option<TlsOptions>,
    /// The documented limits, and whether they are enforced.
    pub limits: Limits,
    /// Records to generate before the sandbox answers; `None` leaves an empty org with just its
    /// people, and an empty Marketo instance.
    pub data: Option<Generate>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 1,
            base_port: None,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            tls: None,
            limits: Limits::default(),
            data: None,
        }
    }
}

/// HTTPS for the emulators (the control API stays plain HTTP).
#[derive(Debug, Clone)]
pub struct TlsOptions {
    /// Where the CA certificate (`sandbox-ca.pem`) is written, for clients to trust.
    pub dir: PathBuf,
    /// Host names the certificate covers besides `localhost` and `127.0.0.1`.
    pub extra_names: Vec<String>,
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    #[error(transparent)]
    Generate(#[from] GenerateError),
}

/// A running sandbox. Dropping it stops the servers.
#[derive(Debug)]
pub struct Sandbox {
    world: Arc<World>,
    shutdown: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
}

impl Sandbox {
    /// Starts the emulators and the control API and returns once they accept connections, with
    /// the records of `config.data` already in place.
    ///
    /// # Errors
    /// When a port cannot be bound, the TLS material cannot be created, or a generated record
    /// does not fit the emulators (a generator bug, reported with the table and the reason).
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, StartError> {
        let listeners = server::bind_all(config.bind, config.base_port).await?;
        let tls = match &config.tls {
            Some(options) => Some(tls::Material::generate(options)?),
            None => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let host = match (&tls, config.bind) {
            (Some(_), _) => "localhost".to_owned(),
            (None, IpAddr::V4(ip)) => ip.to_string(),
            (None, IpAddr::V6(ip)) => format!("[{ip}]"),
        };
        let ports = listeners.ports();
        let info = SandboxInfo::new(
            config.seed,
            scheme,
            &host,
            ports,
            tls.as_ref().map(|t| t.ca_path.clone()),
        );
        let world = Arc::new(World::new(info, config.limits.clone(), config.seed));
        if let Some(data) = config.data {
            let filling = world.clone();
            match tokio::task::spawn_blocking(move || generate::run(&filling, data)).await {
                Ok(generated) => generated?,
                Err(stopped) => std::panic::resume_unwind(stopped.into_panic()),
            }
        }
        let (shutdown, stopped) = watch::channel(false);
        let acceptor = tls.map(|t| t.acceptor);
        let servers = vec![
            server::spawn(
                listeners.entra,
                entra::router(world.clone()),
                acceptor.clone(),
                stopped.clone(),
            ),
            server::spawn(
                listeners.dataverse,
                dataverse::router(world.clone()),
                acceptor.clone(),
                stopped.clone(),
            ),
            server::spawn(
                listeners.marketo,
                marketo::router(world.clone()),
                acceptor,
                stopped.clone(),
            ),
            server::spawn(
                listeners.control,
                control::router(world.clone()),
                None,
                stopped,
            ),
        ];
        Ok(Sandbox {
            world,
            shutdown,
            servers,
        })
    }

    /// The URLs and credentials to give a client.
    pub fn info(&self) -> &SandboxInfo {
        &self.world.info
    }

    /// Stops accepting connections, closes the open ones and waits for the servers to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for server in self.servers.drain(..) {
            let _ = server.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
