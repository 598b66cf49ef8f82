//! Listening, serving HTTP or HTTPS, and the network middleware every emulated service goes through
//! (call accounting and network faults).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::StartError;
use crate::metrics::Service;
use crate::world::World;

/// The ports a sandbox listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ports {
    pub(crate) entra: u16,
    pub(crate) dataverse: u16,
    pub(crate) marketo: u16,
    pub(crate) control: u16,
}

#[derive(Debug)]
pub(crate) struct Listeners {
    pub(crate) entra: TcpListener,
    pub(crate) dataverse: TcpListener,
    pub(crate) marketo: TcpListener,
    pub(crate) control: TcpListener,
}

impl Listeners {
    pub(crate) fn ports(&self) -> Ports {
        let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).unwrap_or_default();
        Ports {
            entra: port(&self.entra),
            dataverse: port(&self.dataverse),
            marketo: port(&self.marketo),
            control: port(&self.control),
        }
    }
}

/// Binds the four listeners: `base..base+3`, or free ports when `base` is `None`.
pub(crate) async fn bind_all(ip: IpAddr, base: Option<u16>) -> Result<Listeners, StartError> {
    let bind = |offset: u16| async move {
        let addr = SocketAddr::new(ip, base.map_or(0, |b| b.saturating_add(offset)));
        TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: addr.to_string(),
                source,
            })
    };
    Ok(Listeners {
        entra: bind(0).await?,
        dataverse: bind(1).await?,
        marketo: bind(2).await?,
        control: bind(3).await?,
    })
}

/// Serves `router` on `listener` until `stop` turns true, then closes every open connection.
pub(crate) fn spawn(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = stop.wait_for(|stopped| *stopped) => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let service = TowerToHyperService::new(router.clone());
                    let tls = tls.clone();
                    connections.spawn(async move {
                        let http = hyper::server::conn::http1::Builder::new();
                        match tls {
                            Some(acceptor) => {
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    let _ = http.serve_connection(TokioIo::new(stream), service).await;
                                }
                            }
                            None => {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                    });
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    })
}

/// What the network middleware needs to know about a service.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServiceSpec {
    pub(crate) service: Service,
    /// The endpoint a request counts under, e.g. `GET /rest/v1/leads.json` or `PATCH contacts(id)`:
    /// ids are replaced so that calls to the same operation add up.
    pub(crate) endpoint: fn(&Method, &str) -> String,
    /// The service's own answer for an injected 5xx status.
    pub(crate) server_error: fn(u16) -> Response,
}

/// Wraps a service's routes with call accounting and network faults.
pub(crate) fn with_network(router: Router, world: Arc<World>, spec: ServiceSpec) -> Router {
    router.layer(axum::middleware::from_fn_with_state((world, spec), network))
}

async fn network(
    State((world, spec)): State<(Arc<World>, ServiceSpec)>,
    request: Request,
    next: Next,
) -> Response {
    let endpoint = (spec.endpoint)(request.method(), request.uri().path());
    let call = world
        .metrics
        .begin(spec.service, endpoint, world.clock.now());
    let plan = world.faults.plan(spec.service);
    if let Some(latency) = plan.latency {
        tokio::time::sleep(latency).await;
    }
    if plan.drop {
        call.answered(0);
        return dropped_connection();
    }
    let response = match plan.server_error {
        Some(status) => (spec.server_error)(status),
        None => next.run(request).await,
    };
    call.answered(response.status().as_u16());
    match plan.slow_body_bytes_per_sec {
        Some(rate) => slow_body(response, rate).await,
        None => response,
    }
}

/// A response whose body fails at once: the connection is closed before a complete answer.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, _>(io::Error::other("connection dropped"))
    });
    Response::new(Body::from_stream(failing))
}

/// The same response, its body trickling out at `rate` bytes per second.
async fn slow_body(response: Response, rate: u32) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(collected) = body.collect().await else {
        return dropped_connection();
    };
    let bytes = collected.to_bytes();
    let chunk = (rate as usize / 10).max(1);
    let chunks: Vec<Bytes> = (0..bytes.len())
        .step_by(chunk)
        .map(|i| bytes.slice(i..(i + chunk).min(bytes.len())))
        .collect();
    let stream = futures_util::stream::unfold(chunks.into_iter(), |mut rest| async move {
        let next = rest.next()?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        Some((Ok::<_, io::Error>(next), rest))
    });
    Response::from_parts(parts, Body::from_stream(stream))
}
