//! The operator's metrics, in the Prometheus text format: requests by route template, method
//! and status, their latencies; the writer's commands by outcome, batch sizes, commit latency,
//! queue depth and the time to decide each command by kind (the matcher's, for incidents);
//! open event streams; webhook attempts by outcome and deliveries owed; the log's entries and
//! alerts.
//!
//! Recorded through the `metrics` crate's facade and rendered by its Prometheus exporter
//! (`metrics-exporter-prometheus`), whose own HTTP listener is left out: the exposition is
//! served by `router` on a listener of its own (`truce serve --metrics-listen ADDR`), never on
//! the public API: how many deliveries are owed, or how often a route is refused, is the
//! operator's to know. Labels are route templates (`/api/v1/parties/{id}`), never paths, so
//! that no id reaches the metrics and their number stays bounded.
//!
//! Each `Metrics` has a recorder of its own, used through `metrics::with_local_recorder`
//! rather than installed as the process's global one, so that several servers in one process
//! (the tests) never count into each other. The node's writer records to the same recorder
//! (`Node::set_recorder`); values that are state rather than events (queue depth, streams,
//! deliveries owed, entries, alerts) are read when scraped.

use std::{
    sync::{Arc, OnceLock, Weak},
    time::{Duration, Instant},
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use truce_store::metric;

use crate::{webhooks::DeliveryOutcome, AppState};

/// The media type of the exposition: the Prometheus text format.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

const HTTP_REQUESTS: &str = "truce_http_requests_total";
const HTTP_DURATION_SECONDS: &str = "truce_http_request_duration_seconds";
const WRITE_QUEUE_DEPTH: &str = "truce_write_queue_depth";
const LOG_ENTRIES: &str = "truce_log_entries";
const ALERTS: &str = "truce_alerts";
const EVENT_STREAMS_OPEN: &str = "truce_event_streams_open";
const WEBHOOK_ATTEMPTS: &str = "truce_webhook_attempts_total";
const WEBHOOK_DELIVERIES_OWED: &str = "truce_webhook_deliveries_owed";

/// Buckets of the latencies, in seconds: from 0.1 ms to about 13 s, doubling.
fn seconds_buckets() -> Vec<f64> {
    (0..18).map(|doublings| 0.000_1 * f64::from(1_u32 << doublings)).collect()
}

/// Buckets of the batch sizes: 1, 2, 4... up to `BATCH_ENTRIES_MAX` (1,024).
fn batch_buckets() -> Vec<f64> {
    (0..=10).map(|doublings| f64::from(1_u32 << doublings)).collect()
}

/// How often histogram samples are folded into their buckets between scrapes, so that a
/// server nobody scrapes does not keep every sample.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// One server's metrics: its recorder and the handle that renders it.
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
    /// Set once the upkeep task runs (started by the first request counted).
    upkeep: OnceLock<()>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &seconds_buckets())
            .and_then(|builder| {
                builder.set_buckets_for_metric(Matcher::Full(metric::BATCH_ENTRIES.to_owned()), &batch_buckets())
            })
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        let metrics = Metrics { recorder: Arc::new(recorder), handle, upkeep: OnceLock::new() };
        metrics.record(describe);
        metrics
    }
}

/// The help text of every metric.
fn describe() {
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by route template, method and status");
    describe_histogram!(HTTP_DURATION_SECONDS, Unit::Seconds, "Time to the response head, by route template");
    describe_counter!(
        metric::COMMANDS,
        "Commands the writer took, by outcome: accepted (durable), refused (decided against), unavailable (storage refused)"
    );
    describe_histogram!(metric::BATCH_ENTRIES, Unit::Count, "Entries per committed batch (group commit)");
    describe_histogram!(
        metric::COMMIT_SECONDS,
        Unit::Seconds,
        "Time to make a batch durable: its transaction and the checkpoint's save"
    );
    describe_histogram!(
        metric::DECIDE_SECONDS,
        Unit::Seconds,
        "Time to decide and apply one accepted command, by kind (for report_incident and correct_incident, mostly the matcher's)"
    );
    describe_gauge!(WRITE_QUEUE_DEPTH, Unit::Count, "Submissions queued for the writer, not yet in a batch");
    describe_gauge!(LOG_ENTRIES, Unit::Count, "Entries in the log, the genesis included");
    describe_gauge!(ALERTS, Unit::Count, "Alerts raised since the log began");
    describe_gauge!(EVENT_STREAMS_OPEN, Unit::Count, "Live event streams open");
    describe_counter!(
        WEBHOOK_ATTEMPTS,
        "Webhook delivery attempts, by outcome: delivered, retrying, failed (given up)"
    );
    describe_gauge!(
        WEBHOOK_DELIVERIES_OWED,
        Unit::Count,
        "Webhook deliveries queued and not yet delivered or given up"
    );
}

/// A count as the float the facade takes: exact below 2^53, and close enough above.
fn count_f64(value: u64) -> f64 {
    value as f64
}

impl Metrics {
    /// The recorder, for the node's writer to record to (`Node::set_recorder`).
    pub fn recorder(&self) -> Arc<dyn metrics::Recorder + Send + Sync> {
        Arc::clone(&self.recorder) as Arc<dyn metrics::Recorder + Send + Sync>
    }

    /// Runs `record` with this server's recorder as the `metrics` crate's.
    fn record<T>(&self, record: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(self.recorder.as_ref(), record)
    }

    /// Starts the task that folds histogram samples into their buckets, once, from within
    /// the runtime; it ends when these metrics are dropped.
    fn start_upkeep(self: &Arc<Self>) {
        self.upkeep.get_or_init(|| {
            let metrics: Weak<Metrics> = Arc::downgrade(self);
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(UPKEEP_INTERVAL);
                loop {
                    interval.tick().await;
                    let Some(metrics) = metrics.upgrade() else { return };
                    metrics.handle.run_upkeep();
                }
            });
        });
    }

    /// The exposition, with the values that are state read now.
    pub fn render(&self, app: &AppState) -> String {
        let (entries, alerts) = app.node.read_state(|state| (state.entries_count, state.alerts.len()));
        let usize_f64 = |value: usize| count_f64(u64::try_from(value).unwrap_or(u64::MAX));
        self.record(|| {
            metrics::gauge!(LOG_ENTRIES).set(count_f64(entries));
            metrics::gauge!(ALERTS).set(usize_f64(alerts));
            metrics::gauge!(EVENT_STREAMS_OPEN).set(usize_f64(app.streams.open()));
            metrics::gauge!(WRITE_QUEUE_DEPTH).set(usize_f64(app.node.queue_depth()));
            let owed = app.webhooks.as_ref().map_or(0, |dispatcher| dispatcher.owed());
            metrics::gauge!(WEBHOOK_DELIVERIES_OWED).set(count_f64(owed));
            if let Some(dispatcher) = &app.webhooks {
                for (outcome, attempts) in dispatcher.attempts() {
                    let outcome = match outcome {
                        DeliveryOutcome::Delivered => "delivered",
                        DeliveryOutcome::Retrying => "retrying",
                        DeliveryOutcome::Failed => "failed",
                    };
                    metrics::counter!(WEBHOOK_ATTEMPTS, "outcome" => outcome).absolute(attempts);
                }
            }
        });
        self.handle.render()
    }
}

/// Middleware: counts every answer and times it, labelled by the route template.
pub async fn count(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    metrics.start_upkeep();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let took = started.elapsed().as_secs_f64();
    let status = response.status().as_u16().to_string();
    metrics.record(|| {
        metrics::histogram!(HTTP_DURATION_SECONDS, "route" => route.clone()).record(took);
        metrics::counter!(HTTP_REQUESTS, "route" => route, "method" => method, "status" => status).increment(1);
    });
    response
}

/// The router of the metrics listener: `GET /metrics`.
pub fn router(app: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(app): State<AppState>| async move {
                ([(header::CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE)], app.metrics.render(&app)).into_response()
            }),
        )
        .with_state(app)
}
