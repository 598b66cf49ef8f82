//! `dataverse_read`: a full copy of the contacts of a large org through the client. The sandbox
//! runs with its limits off and the contacts loaded in-process; the client reads them all with
//! `DataverseClient::query("contacts")` in pages of 5,000. Issue #3 wants more than 50,000 records
//! a second, so that the sandbox is never what an engine benchmark measures.

use std::time::Instant;

use dynasync_dynamics::{Auth, DataverseClient, Secret};
use dynasync_sandbox::{Limits, Sandbox, SandboxConfig};
use futures_util::TryStreamExt;
use serde_json::{Map, Value, json};
use url::Url;

use super::{Figure, Options, Outcome, Scenario};

pub(super) const READ: Scenario = Scenario {
    name: "dataverse_read",
    in_quick: true,
    run: |options| Box::pin(read(options)),
};

const GOAL: f64 = 50_000.0;

/// A contact as a sync sees them: names, email, phone, address, a score, the sync filter.
fn contact(i: usize) -> Map<String, Value> {
    let job = ["Buyer", "CMO", "Engineer", "Analyst"][i % 4];
    let city = ["Redmond", "Paris", "Lyon", "Austin"][i % 4];
    let country = ["USA", "France"][i % 2];
    let row = json!({
        "firstname": format!("First{i}"),
        "lastname": format!("Last{i}"),
        "emailaddress1": format!("person{i}@example.com"),
        "jobtitle": job,
        "telephone1": format!("+1 425 555 {:04}", i % 10_000),
        "address1_line1": format!("{} Main Street", i % 900 + 1),
        "address1_city": city,
        "address1_country": country,
        "address1_postalcode": format!("{:05}", i % 99_999),
        "mkt_leadscore": (i % 100) as i64,
        "donotbulkemail": i.is_multiple_of(7),
        "new_synctomkto": !i.is_multiple_of(3),
    });
    match row {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Seconds to fetch every page over plain HTTP without decoding a row: what the sandbox alone
/// takes, to tell it apart from the client's decoding.
async fn serve_raw(sandbox: &Sandbox) -> Result<f64, String> {
    let info = sandbox.info();
    let http = reqwest::Client::new();
    let token: Value = http
        .post(&info.entra.token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &info.app.client_id.to_string()),
            ("client_secret", &info.app.client_secret),
            ("scope", &info.dataverse.scope),
        ])
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let token = token["access_token"]
        .as_str()
        .ok_or("no access token")?
        .to_owned();
    let started = Instant::now();
    let mut url = format!("{}contacts", info.dataverse.web_api_url);
    loop {
        let body = http
            .get(&url)
            .bearer_auth(&token)
            .header("Prefer", "odata.maxpagesize=5000")
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&body[body.len().saturating_sub(4096)..]).into_owned();
        match text.rsplit_once("\"@odata.nextLink\":\"") {
            Some((_, rest)) => url = rest.split('"').next().unwrap_or_default().to_owned(),
            None => break,
        }
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Resident memory of this process, where the OS tells it (Linux).
fn resident_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

async fn read(options: Options) -> Outcome {
    let total = if options.quick { 20_000 } else { 100_000 };
    let sandbox = Sandbox::start(SandboxConfig {
        limits: Limits::unthrottled(),
        ..SandboxConfig::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let before = resident_mib();
    let loading = Instant::now();
    sandbox
        .load_dataverse_rows("contacts", (0..total).map(contact))
        .map_err(|e| e.to_string())?;
    let load_secs = loading.elapsed().as_secs_f64();
    let loaded_mib = before.zip(resident_mib()).map(|(b, a)| a - b);

    let info = sandbox.info();
    let client = DataverseClient::builder(
        Url::parse(&info.dataverse.org_url).map_err(|e| e.to_string())?,
        Auth::ClientCredentials {
            authority_host: Url::parse(&info.entra.authority_host).map_err(|e| e.to_string())?,
            tenant: info.entra.tenant_id.to_string(),
            client_id: info.app.client_id.to_string(),
            client_secret: Secret::new(info.app.client_secret.clone()),
        },
    )
    .build()
    .map_err(|e| e.to_string())?;
    // Sign in before the clock starts: the figure is about reading.
    client.who_am_i().await.map_err(|e| e.to_string())?;

    let started = Instant::now();
    let mut pages = Box::pin(client.query("contacts").page_size(5_000).pages());
    let mut read = 0;
    while let Some(page) = pages.try_next().await.map_err(|e| e.to_string())? {
        read += page.records.len();
    }
    let secs = started.elapsed().as_secs_f64();
    if read != total {
        return Err(format!("read {read} contacts of {total}"));
    }
    let served = serve_raw(&sandbox).await?;
    let mut figures = vec![
        Figure::new(
            "dataverse_read",
            "contacts served per second (raw HTTP)",
            total as f64 / served,
            "records/s",
        ),
        Figure::new(
            "dataverse_read",
            "contacts read per second",
            total as f64 / secs,
            "records/s",
        )
        .against(
            GOAL,
            "issue #3: > 50k records/s, the sandbox must not be the bottleneck",
        ),
        Figure::new(
            "dataverse_read",
            "contacts loaded per second",
            total as f64 / load_secs,
            "records/s",
        ),
    ];
    if let Some(mib) = loaded_mib {
        figures.push(Figure::new(
            "dataverse_read",
            "memory per 100k contacts",
            mib * 100_000.0 / total as f64,
            "MiB",
        ));
    }
    sandbox.shutdown().await;
    Ok(figures)
}
