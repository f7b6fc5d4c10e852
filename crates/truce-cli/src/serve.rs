//! Running the server: open the node on a data directory and serve the router.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::Context as _;
use truce_server::{
    auth::Auth,
    listen::{self, Limits},
    router,
    timekeeper::{self, Operator},
    tls,
    webhooks::{self, Dispatcher, RetryPolicy},
    AppState, EdgePolicy, WebConfig,
};

/// The server's own secrets in a data directory: password hashes, sessions, API tokens.
pub const CREDENTIALS_FILE: &str = "credentials.db";
use truce_store::{Clock, Credentials, Node, NodeConfig};

use crate::datadir::DataDir;

fn node_config(data: &DataDir, clock: Arc<dyn Clock>) -> anyhow::Result<NodeConfig> {
    Ok(NodeConfig {
        path: data.db_path(),
        checkpoint_path: data.checkpoint_path(),
        log_key: data.log_key()?,
        sealing_key_path: data.sealing_key_path(),
        origin: data.config.origin.clone(),
        clock,
    })
}

/// Opens the log of an initialised data directory: refused when it is missing or empty,
/// or does not extend the checkpoint saved beside it (`StoreError::log_refusal`).
pub fn open_node(data: &DataDir, clock: Arc<dyn Clock>) -> anyhow::Result<Node> {
    Node::open(node_config(data, clock)?).with_context(|| format!("opening the log in {}", data.path.display()))
}

/// Creates the new, empty log of a data directory, for `truce init` to write the genesis.
pub fn create_node(data: &DataDir, clock: Arc<dyn Clock>) -> anyhow::Result<Node> {
    Node::create(node_config(data, clock)?).with_context(|| format!("creating the log in {}", data.path.display()))
}

/// Starts the timekeeper, signing its `mark_time` entries with the operator's key.
pub fn start_timekeeper(node: Node, clock: Arc<dyn Clock>, data: &DataDir) -> anyhow::Result<()> {
    let operator = Operator { account_id: data.config.operator_account_id.clone(), key: data.operator_key()? };
    timekeeper::spawn(node, clock, operator);
    Ok(())
}

/// How the server meets the network: connection limits, TLS, the origins whose pages may
/// call it, and the rate each client address may send at.
pub struct Edge {
    pub limits: Limits,
    /// The certificate chain and key files (PEM), for HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    pub cors_origins: Vec<String>,
    /// Requests per second per client address; 0: no limit.
    pub requests_per_address: u32,
    /// Requests per second per account; 0: no limit.
    pub requests_per_account: u32,
    /// Where to serve the metrics, if anywhere.
    pub metrics_listen: Option<SocketAddr>,
    /// Mark session cookies `Secure` though this server speaks plain HTTP (a TLS proxy in front).
    pub secure_cookies: bool,
    /// The raster tile URL template the web page is given, if any.
    pub tile_url: Option<String>,
}

/// Binds `listen` and returns the bound address and a future that serves until Ctrl-C.
/// Delivers alerts to the subscriptions of `webhooks.json`, if there is one, and to those
/// parties make through the API.
impl Default for Edge {
    fn default() -> Edge {
        Edge {
            limits: Limits::default(),
            tls: None,
            cors_origins: Vec::new(),
            requests_per_address: truce_server::REQUESTS_PER_ADDRESS_PER_S,
            requests_per_account: truce_server::REQUESTS_PER_ACCOUNT_PER_S,
            metrics_listen: None,
            secure_cookies: false,
            tile_url: None,
        }
    }
}

pub async fn bind(
    node: Node,
    clock: Arc<dyn Clock>,
    listen: SocketAddr,
    data_path: &Path,
    edge: Edge,
) -> anyhow::Result<(SocketAddr, impl std::future::Future<Output = std::io::Result<()>>)> {
    let web = WebConfig::new(edge.tile_url.clone())?;
    let tls = edge.tls.as_ref().map(|(cert, key)| tls::acceptor(cert, key)).transpose()?;
    let policy = EdgePolicy::new(&edge.cors_origins, tls.is_some())?
        .with_requests_per_address(Some(edge.requests_per_address))
        .with_requests_per_account(Some(edge.requests_per_account));
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let credentials_path = data_path.join(CREDENTIALS_FILE);
    let credentials = Credentials::open(&credentials_path)
        .with_context(|| format!("opening the credentials file {}", credentials_path.display()))?;
    // Under TLS the cookie is always `Secure`; behind a TLS proxy, when asked.
    let secure_cookies = edge.secure_cookies || tls.is_some();
    let mut state = AppState::new(node.clone(), Arc::clone(&clock))
        .with_edge(policy)
        .with_auth(Auth::new(credentials, secure_cookies))
        .with_web(web);
    // Always: parties subscribe through the API even when there is no `webhooks.json`.
    let subscriptions = webhooks::load_subscriptions(data_path)?.unwrap_or_default();
    let outbox = webhooks::open_outbox(data_path)?;
    let dispatcher = Dispatcher::new(subscriptions, RetryPolicy::default(), clock, outbox);
    dispatcher.start(node);
    state = state.with_webhooks(dispatcher);
    if let Some(metrics_listen) = edge.metrics_listen {
        let listener = tokio::net::TcpListener::bind(metrics_listen)
            .await
            .with_context(|| format!("cannot listen on {metrics_listen} for metrics"))?;
        println!("metrics on http://{}/metrics", listener.local_addr()?);
        let metrics = truce_server::metrics::router(state.clone());
        tokio::spawn(async move { axum::serve(listener, metrics).await });
    }
    let app = router(state);
    let serve = listen::serve(listener, app, edge.limits, tls, async {
        let _ = tokio::signal::ctrl_c().await;
    });
    Ok((address, serve))
}

/// On a clean stop, saves a projection snapshot so that the next start folds nothing.
/// Best effort: without it, the next start folds from an older snapshot or replays the log.
pub fn save_snapshot(node: &Node) {
    if let Err(err) = node.save_snapshot() {
        tracing::warn!(%err, "could not save the projection snapshot");
    }
}

/// After a clean stop, moves the WAL into the main file so that the file alone is the log
/// (what a backup or an investigator copies). Best effort: a failure only leaves the WAL.
pub fn fold_wal(data: &DataDir) {
    let folded = truce_store::fold_wal(&data.db_path());
    if let Err(err) = folded {
        tracing::warn!(%err, "could not fold the WAL into the log file");
    }
}
