//! Running the server: open the node on a data directory and serve the router.

use std::{net::SocketAddr, path::Path, sync::Arc};

use anyhow::Context as _;
use truce_server::{
    listen::{self, Limits},
    router,
    timekeeper::{self, Operator},
    webhooks::{self, Dispatcher, RetryPolicy},
    AppState,
};
use truce_store::{Clock, Node, NodeConfig};

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

/// Binds `listen` and returns the bound address and a future that serves until Ctrl-C.
/// Starts delivering alerts to webhooks when `data_path` holds a `webhooks.json`.
pub async fn bind(
    node: Node,
    clock: Arc<dyn Clock>,
    listen: SocketAddr,
    data_path: &Path,
    limits: Limits,
) -> anyhow::Result<(SocketAddr, impl std::future::Future<Output = std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let mut state = AppState::new(node.clone(), Arc::clone(&clock));
    if let Some(subscriptions) = webhooks::load_subscriptions(data_path)? {
        let dispatcher = Dispatcher::new(subscriptions, RetryPolicy::default(), clock);
        dispatcher.start(node);
        state = state.with_webhooks(dispatcher);
    }
    let app = router(state);
    let serve = listen::serve(listener, app, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    });
    Ok((address, serve))
}

/// After a clean stop, moves the WAL into the main file so that the file alone is the log
/// (what a backup or an investigator copies). Best effort: a failure only leaves the WAL.
pub fn fold_wal(data: &DataDir) {
    let folded = truce_store::SqliteLog::open(&data.db_path()).and_then(|log| log.checkpoint_wal());
    if let Err(err) = folded {
        tracing::warn!(%err, "could not fold the WAL into the log file");
    }
}
