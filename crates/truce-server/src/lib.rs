//! The HTTP edge of truce: axum routes for submitting signed commands, reading every
//! noun of the projection (JSON and GeoJSON), and reading the ledger in the form any
//! RFC 9162 verifier understands.
//!
//! This is the only crate that knows HTTP and JSON DTOs. It parses untrusted input once,
//! turns every error into RFC 9457 problem+json (`problem.rs`), and never writes except
//! through `Node::submit`. It does not bind sockets: `router(state)` is served on a listener
//! the `truce` binary binds, by `listen::serve` (timeouts and a cap on connections), and
//! tested with `oneshot`.

mod alerts;
mod api;
mod as_of;
pub mod auth;
mod counts;
mod edge;
mod exports;
mod extract;
mod filters;
mod i_json;
mod json;
mod layers;
mod ledger;
pub mod listen;
pub mod metrics;
mod monitoring;
mod notifications;
mod observations;
mod openapi;
mod problem;
mod read;
mod select;
mod stream;
pub mod timekeeper;
mod tlog;
pub mod tls;
mod web;
pub mod webhooks;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use axum::{extract::DefaultBodyLimit, middleware, Router};
use tower_http::{
    catch_panic::CatchPanicLayer,
    trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer},
};
use tracing::Level;
use truce_store::{Clock, Node};

pub use crate::{
    edge::{EdgeError, EdgePolicy, BURST_SECONDS, REQUESTS_PER_ACCOUNT_PER_S, REQUESTS_PER_ADDRESS_PER_S},
    problem::{ApiError, Problem},
    stream::{StreamSlots, STREAMS_MAX},
    web::{WebConfig, WebConfigError},
};

/// The OpenAPI 3.1 document of the API, as served at `/api/v1/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    openapi::build_document()
}

/// Largest request body accepted, in bytes.
pub const REQUEST_BODY_BYTES_MAX: usize = 1024 * 1024;
/// Largest page of any list.
pub const PAGE_SIZE_MAX: u32 = 1000;
/// Page size when none is asked for.
pub const PAGE_SIZE_DEFAULT: u32 = 100;

/// What every handler can reach: shared, so that a clone (axum makes several for every
/// request: each layer and extractor of state takes its own) is one reference count, not
/// one per field and a copy of the CORS origins (docs/performance.md).
#[derive(Clone)]
pub struct AppState(Arc<AppShared>);

/// What an `AppState` shares.
#[derive(Clone)]
pub struct AppShared {
    pub node: Node,
    pub clock: Arc<dyn Clock>,
    /// The slots for live event streams, shared by every clone.
    pub streams: StreamSlots,
    /// Delivers alerts to `webhooks.json` subscribers, when there are any.
    pub webhooks: Option<Arc<webhooks::Dispatcher>>,
    /// CORS origins and whether the server speaks TLS.
    pub edge: EdgePolicy,
    /// Requests counted and timed, for the metrics listener.
    pub metrics: Arc<metrics::Metrics>,
    /// Passwords, sessions and API tokens (never in the log).
    pub auth: Arc<auth::Auth>,
    /// What the web page is told about this server (`/config.json`).
    pub web: web::WebConfig,
    /// Signers' public keys as parsed, shared by every request that carries a signed command.
    pub public_keys: Arc<truce_ledger::PublicKeys>,
}

impl std::ops::Deref for AppState {
    type Target = AppShared;
    fn deref(&self) -> &AppShared {
        &self.0
    }
}

impl AppState {
    /// A state with `STREAMS_MAX` stream slots, no webhooks, and credentials in memory
    /// (`with_auth` gives the data directory's).
    ///
    /// # Panics
    /// When SQLite cannot open an in-memory database.
    pub fn new(node: Node, clock: Arc<dyn Clock>) -> AppState {
        let credentials = truce_store::Credentials::in_memory().expect("SQLite opens an in-memory database");
        let auth = Arc::new(auth::Auth::new(credentials, false));
        let metrics = Arc::new(metrics::Metrics::default());
        // The writer records to this server's recorder (the last state made for the node).
        node.set_recorder(metrics.recorder());
        AppState(Arc::new(AppShared {
            node,
            clock,
            streams: StreamSlots::default(),
            webhooks: None,
            edge: EdgePolicy::default(),
            metrics,
            auth,
            web: web::WebConfig::default(),
            public_keys: Arc::default(),
        }))
    }

    /// The state with one of its parts changed (a copy of the rest if another clone
    /// shares it: the clones already made keep what they had).
    fn changed(mut self, change: impl FnOnce(&mut AppShared)) -> AppState {
        change(Arc::make_mut(&mut self.0));
        self
    }

    /// Sets what the web page is told (the tile URL).
    pub fn with_web(self, web: web::WebConfig) -> AppState {
        self.changed(|shared| shared.web = web)
    }

    /// Sets the CORS origins and whether the server speaks TLS.
    pub fn with_edge(self, edge: EdgePolicy) -> AppState {
        self.changed(|shared| shared.edge = edge)
    }

    /// Replaces the credentials and cookie settings.
    pub fn with_auth(self, auth: auth::Auth) -> AppState {
        self.changed(|shared| shared.auth = Arc::new(auth))
    }

    /// Adds a webhook dispatcher (already started, or to be started by the caller).
    pub fn with_webhooks(self, dispatcher: Arc<webhooks::Dispatcher>) -> AppState {
        self.changed(|shared| shared.webhooks = Some(dispatcher))
    }

    /// Replaces the slots for live event streams.
    pub fn with_streams(self, streams: StreamSlots) -> AppState {
        self.changed(|shared| shared.streams = streams)
    }
}

/// Every route of the API: exactly the routes of the table the OpenAPI document is made
/// from (`openapi::routes`), so that no route goes undocumented and no documented route is
/// missing. Anything else is a file of the web page (`web.rs`), or a 404 or 405 problem.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in openapi::routes() {
        router = router.route(route.mount, route.handler);
    }
    router
        // Only on matched routes, where the route template is known.
        .route_layer(middleware::from_fn_with_state(Arc::clone(&state.metrics), metrics::count))
        // After the routes: it applies to the method routers already added.
        .method_not_allowed_fallback(problem::method_not_allowed)
        .fallback(web::fallback)
        .layer(DefaultBodyLimit::max(REQUEST_BODY_BYTES_MAX))
        .layer(CatchPanicLayer::custom(problem::panic_to_problem))
        .layer(state.edge.cors())
        // Outside the routes, CORS and panics, so every answer carries its headers; inside
        // `fill_instance`, so its own problems name the path too.
        .layer(middleware::from_fn_with_state(state.edge.tls, edge::guard))
        .layer(middleware::from_fn(problem::fill_instance))
        .layer(middleware::from_fn_with_state(state.edge.rate_limiter(), edge::limit_rate))
        // The access log: one line at info per request (method, path and query, status,
        // latency), never a header or a body, where cookies, tokens and codes travel.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}
