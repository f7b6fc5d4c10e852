//! The HTTP edge of truce: axum routes for submitting signed commands, reading every
//! noun of the projection (JSON and GeoJSON), and reading the ledger in the form any
//! RFC 9162 verifier understands.
//!
//! This is the only crate that knows HTTP and JSON DTOs. It parses untrusted input once,
//! turns every error into RFC 9457 problem+json (`problem.rs`), and never writes except
//! through `Node::submit`. It does not bind sockets: `router(state)` is served by the
//! `truce` binary, and tested with `oneshot`.

mod api;
mod extract;
mod ledger;
mod openapi;
mod problem;
mod read;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use axum::{
    extract::DefaultBodyLimit,
    routing::{get, post},
    Router,
};
use tower_http::{catch_panic::CatchPanicLayer, trace::TraceLayer};
use truce_store::{Clock, Node};

pub use crate::problem::{ApiError, Problem};

/// Largest request body accepted, in bytes.
pub const REQUEST_BODY_BYTES_MAX: usize = 1024 * 1024;
/// Largest page of any list.
pub const PAGE_SIZE_MAX: u32 = 1000;
/// Page size when none is asked for.
pub const PAGE_SIZE_DEFAULT: u32 = 100;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub node: Node,
    pub clock: Arc<dyn Clock>,
}

/// Every route of the API. The OpenAPI document lists the same table (`openapi::ROUTES`).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/commands", post(api::submit_command))
        .route("/api/v1/ledger/checkpoint", get(ledger::checkpoint))
        .route("/api/v1/ledger/key", get(ledger::key))
        .route("/api/v1/ledger/entries", get(ledger::entries))
        .route("/api/v1/ledger/proof/inclusion", get(ledger::inclusion_proof))
        .route("/api/v1/ledger/proof/consistency", get(ledger::consistency_proof))
        .route("/api/v1/parties", get(read::parties))
        .route("/api/v1/parties/{id}", get(read::party))
        .route("/api/v1/accounts", get(read::accounts))
        .route("/api/v1/forces", get(read::forces))
        .route("/api/v1/zones", get(read::zones))
        .route("/api/v1/zones.geojson", get(read::zones_geojson))
        .route("/api/v1/zones/{id}", get(read::zone))
        .route("/api/v1/corridors", get(read::corridors))
        .route("/api/v1/corridors.geojson", get(read::corridors_geojson))
        .route("/api/v1/corridors/{id}", get(read::corridor))
        .route("/api/v1/agreements", get(read::agreements))
        .route("/api/v1/agreements/{id}", get(read::agreement))
        .route("/api/v1/commitments", get(read::commitments))
        .route("/api/v1/consents", get(read::consents))
        .route("/api/v1/status", get(read::status))
        .route("/api/v1/openapi.json", get(openapi::document))
        .fallback(problem::not_found_route)
        .layer(DefaultBodyLimit::max(REQUEST_BODY_BYTES_MAX))
        .layer(CatchPanicLayer::custom(problem::panic_to_problem))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
