//! `truce demo`: a fresh data directory, the Aleppo 2016 scenario submitted through the
//! HTTP API (each party signing with its own key), and the server left running.
//!
//! The demo runs on the system clock, like `truce serve`: every entry's record time is
//! today. The story's times are valid times carried inside the commands: the parties' acts
//! are reported acts with the `effective_at` the article gives, incidents carry their
//! `when`, estimates their `as_of`. Ask `?at=2016-12-12T...` for the story as it stood, and
//! `?known_at=` for what the log knew at a record time.

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::{anyhow, Context as _};
use truce_core::scenario::Scenario;
use truce_server::listen::Limits;
use truce_store::{Clock, SystemClock};

use crate::{
    client::{Client, Signer},
    datadir::DataDir,
    load, serve,
};

/// The scenario built from the seed article, shipped inside the binary.
pub const SCENARIO_TEXT: &str = include_str!("../../../scenarios/aleppo-2016-12-12.json");
/// The checkpoint origin of demo logs.
pub const DEMO_ORIGIN: &str = "truce.local/demo-aleppo-2016";

pub fn run(data: Option<PathBuf>, listen: SocketAddr, load_only: bool) -> anyhow::Result<()> {
    let scenario = Scenario::parse(SCENARIO_TEXT).map_err(|err| anyhow!("the bundled scenario is invalid: {err}"))?;
    let data = data.unwrap_or_else(|| {
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
        std::env::temp_dir().join(format!("truce-demo-{stamp}"))
    });
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let data_dir = crate::init(&data, DEMO_ORIGIN, clock.clone())?;
    // The same handle, not the directory opened again: this process holds its lock.
    let data_dir_for_wal = data_dir.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let node = serve::open_node(&data_dir, clock.clone())?;
        let (address, serving) =
            serve::bind(node.clone(), clock.clone(), listen, &data_dir.path, Limits::default(), false).await?;
        let server = tokio::spawn(serving);
        let base_url = format!("http://{address}");
        let loader_url = base_url.clone();
        let loader_clock = Arc::clone(&clock);
        let loaded = tokio::task::spawn_blocking({
            let data_dir = data_dir.clone();
            move || load(&scenario, &data_dir, &loader_url, &loader_clock)
        })
        .await
        .context("the scenario loader stopped")??;
        // Started only now, so that the scenario's own entries keep their places in the log.
        serve::start_timekeeper(node, clock.clone(), &data_dir)?;
        println!(
            "truce demo: {loaded} commands of the Aleppo, 12 December 2016 scenario loaded into {}",
            data.display()
        );
        println!("(the steps dated 13 December are an illustrative second phase, not in the article)");
        println!("the story's times are valid times: ask ?at=2016-12-12T11:00:00Z for the world then, and");
        println!("?known_at=<an instant before this load> to see that none of it was known yet");
        println!("serving on {base_url}");
        println!("  agreements:  {base_url}/api/v1/agreements");
        println!("  corridors:   {base_url}/api/v1/corridors.geojson");
        println!("  incidents:   {base_url}/api/v1/incidents");
        println!("  violations:  {base_url}/api/v1/violations");
        println!("  alerts:      {base_url}/api/v1/alerts  (CAP: /api/v1/alerts/<id>.cap, Atom: /api/v1/alerts.atom)");
        println!("  live:        {base_url}/api/v1/stream");
        println!("  checkpoint:  {base_url}/api/v1/ledger/checkpoint");
        println!("  verify:      truce verify --data {}", data.display());
        if load_only {
            server.abort();
            return Ok::<(), anyhow::Error>(());
        }
        server.await.context("the server task failed")?.context("serving")
    })?;
    serve::fold_wal(&data_dir_for_wal);
    Ok(())
}

/// Submits every step, as its account, on the system clock. Returns the number of commands.
fn load(scenario: &Scenario, data_dir: &DataDir, base_url: &str, clock: &Arc<dyn Clock>) -> anyhow::Result<usize> {
    let client = Client::new(base_url)?;
    let operator =
        Signer { key: data_dir.operator_key()?, author: data_dir.config.operator_account_id.clone(), party: None };
    let signers = load::signers(scenario, operator);
    let tally =
        load::load(scenario, &signers, &client, clock.as_ref(), |_| {}, |_, _| {}).context("the bundled scenario")?;
    let checkpoint = client.get_text("/api/v1/ledger/checkpoint")?;
    tracing::info!(checkpoint = checkpoint.lines().nth(1).unwrap_or_default(), "scenario loaded");
    Ok(tally.accepted)
}
