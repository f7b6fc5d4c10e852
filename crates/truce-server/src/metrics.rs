//! The operator's metrics, in the OpenMetrics text format, from the Prometheus project's own
//! client library: requests by route template, method and status, their latencies, and the
//! state of the log (entries, alerts, open event streams, webhook deliveries owed), read when
//! scraped.
//!
//! Served on a listener of their own (`truce serve --metrics-listen ADDR`), never on the
//! public API: how many deliveries are owed, or how often a route is refused, is the
//! operator's to know. Labels are route templates (`/api/v1/parties/{id}`), never paths, so
//! that no id reaches the metrics and their number stays bounded.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

use crate::AppState;

/// The media type of the exposition.
pub const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// Every metric, registered once.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    log_entries: Gauge,
    alerts: Gauge,
    event_streams_open: Gauge,
    webhook_deliveries_owed: Gauge,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("truce");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        // From 1 ms to about 16 s, doubling.
        let durations = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(0.001, 2.0, 15))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to the response head, by route template",
            durations.clone(),
        );
        let log_entries = Gauge::default();
        registry.register("log_entries", "Entries in the log, the genesis included", log_entries.clone());
        let alerts = Gauge::default();
        registry.register("alerts", "Alerts raised since the log began", alerts.clone());
        let event_streams_open = Gauge::default();
        registry.register("event_streams_open", "Live event streams open", event_streams_open.clone());
        let webhook_deliveries_owed = Gauge::default();
        registry.register(
            "webhook_deliveries_owed",
            "Webhook deliveries queued and not yet delivered or given up",
            webhook_deliveries_owed.clone(),
        );
        Metrics { registry, requests, durations, log_entries, alerts, event_streams_open, webhook_deliveries_owed }
    }
}

fn gauge_value(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Metrics {
    /// The exposition, with the state's gauges read now.
    pub fn render(&self, app: &AppState) -> String {
        let (entries, alerts) = app.node.read_state(|state| (state.entries_count, state.alerts.len()));
        self.log_entries.set(gauge_value(entries));
        self.alerts.set(gauge_value(u64::try_from(alerts).unwrap_or(u64::MAX)));
        self.event_streams_open.set(gauge_value(u64::try_from(app.streams.open()).unwrap_or(u64::MAX)));
        self.webhook_deliveries_owed.set(gauge_value(app.webhooks.as_ref().map_or(0, |dispatcher| dispatcher.owed())));
        let mut text = String::new();
        // Writing to a String does not fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// Middleware: counts every answer and times it, labelled by the route template.
pub async fn count(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.durations.get_or_create(&RouteLabels { route: route.clone() }).observe(started.elapsed().as_secs_f64());
    metrics.requests.get_or_create(&RequestLabels { route, method, status: response.status().as_u16() }).inc();
    response
}

/// The router of the metrics listener: `GET /metrics`.
pub fn router(app: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(app): State<AppState>| async move {
                ([(header::CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE)], app.metrics.render(&app)).into_response()
            }),
        )
        .with_state(app)
}
