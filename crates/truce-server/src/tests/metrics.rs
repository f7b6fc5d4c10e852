//! The operator's metrics, read with two independent parsers of the Prometheus text format
//! (the `prometheus-parse` crate, and the Prometheus project's own Python client, strict):
//! requests counted by route template (never by path, so no id leaks into them), the writer's
//! commands, batches and decision times, the state read when scraped; and two servers in one
//! process count apart.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use http_body_util::BodyExt as _;
use prometheus_parse::{Sample, Scrape, Value as Metric};
use serde_json::json;
use tower::ServiceExt as _;

use super::{id, Fixture, World};
use crate::metrics::{self, PROMETHEUS_CONTENT_TYPE};

/// The exposition's text, and what a Prometheus scraper reads of it.
async fn scrape(fixture: &Fixture) -> (String, Scrape) {
    let response = metrics::router(fixture.state.clone())
        .oneshot(Request::get("/metrics").body(Body::empty()).expect("a request"))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], PROMETHEUS_CONTENT_TYPE);
    let bytes = response.into_body().collect().await.expect("a body").to_bytes();
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8");
    let scrape = Scrape::parse(text.lines().map(|line| Ok(line.to_owned()))).expect("the text format parses");
    (text, scrape)
}

/// The samples of `name` whose labels include `labels`.
fn samples<'a>(scrape: &'a Scrape, name: &str, labels: &[(&str, &str)]) -> Vec<&'a Sample> {
    scrape
        .samples
        .iter()
        .filter(|sample| sample.metric == name)
        .filter(|sample| labels.iter().all(|(key, value)| sample.labels.get(key) == Some(*value)))
        .collect()
}

/// The value of the one sample of `name` with `labels`: a counter, gauge or untyped value.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found = samples(scrape, name, labels);
    assert!(found.len() <= 1, "{name} {labels:?}: {found:?}");
    found.first().map(|sample| match &sample.value {
        Metric::Counter(value) | Metric::Gauge(value) | Metric::Untyped(value) => *value,
        other => panic!("{name} is not a single value: {other:?}"),
    })
}

/// How many observations the histogram `name` with `labels` holds.
fn observations(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found = samples(scrape, name, labels);
    assert!(found.len() <= 1, "{name} {labels:?}: {found:?}");
    found.first().map(|sample| match &sample.value {
        Metric::Histogram(buckets) => buckets.iter().map(|bucket| bucket.count).fold(0.0, f64::max),
        other => panic!("{name} is not a histogram: {other:?}"),
    })
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_the_gauges_follow_the_log() {
    let fixture = Fixture::new().await;
    assert_eq!(fixture.get("/healthz").await.text, "ok\n");
    let missing = "01890a5d-ac96-774b-bcce-b302099a8057";
    for _ in 0..3 {
        assert_eq!(fixture.get(&format!("/api/v1/parties/{missing}")).await.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(fixture.get("/api/v1/ledger/checkpoint").await.status, StatusCode::OK);

    let (text, scrape) = scrape(&fixture).await;
    let requests = |route: &str, status: &str| {
        value(&scrape, "truce_http_requests_total", &[("route", route), ("method", "GET"), ("status", status)])
    };
    assert_eq!(requests("/api/v1/ledger/checkpoint", "200"), Some(1.0), "{text}");
    assert_eq!(
        observations(&scrape, "truce_http_request_duration_seconds", &[("route", "/api/v1/ledger/checkpoint")]),
        Some(1.0),
        "{text}"
    );
    // prometheus-parse reads a label set up to its first `}`, so it skips a sample whose
    // label value holds one (legal in the format, and Prometheus reads it): a route
    // template with a parameter is checked on the text.
    let line = |prefix: &str| text.lines().find(|line| line.starts_with(prefix)).map(str::to_owned);
    assert_eq!(
        line(r#"truce_http_requests_total{route="/api/v1/parties/{id}",method="GET",status="404"} "#).as_deref(),
        Some(r#"truce_http_requests_total{route="/api/v1/parties/{id}",method="GET",status="404"} 3"#),
        "{text}"
    );
    assert_eq!(
        line(r#"truce_http_request_duration_seconds_count{route="/api/v1/parties/{id}"} "#).as_deref(),
        Some(r#"truce_http_request_duration_seconds_count{route="/api/v1/parties/{id}"} 3"#),
        "{text}"
    );
    assert!(!text.contains(missing), "a path's id reached the metrics: {text}");
    let entries = fixture.state.node.read_state(|state| state.entries_count);
    assert_eq!(value(&scrape, "truce_log_entries", &[]), Some(entries as f64), "{text}");
    assert_eq!(value(&scrape, "truce_alerts", &[]), Some(0.0), "{text}");
    assert_eq!(value(&scrape, "truce_event_streams_open", &[]), Some(0.0), "{text}");
    assert_eq!(value(&scrape, "truce_webhook_deliveries_owed", &[]), Some(0.0), "{text}");
    assert_eq!(value(&scrape, "truce_write_queue_depth", &[]), Some(0.0), "{text}");
    for documented in ["truce_http_requests_total", "truce_log_entries", "truce_commands_total"] {
        assert!(scrape.docs.contains_key(documented), "{documented} has no help text: {text}");
    }
}

/// What the Prometheus project's own client (Python, `prometheus_client.parser`) reads of the
/// exposition: every sample as `[name, labels, value]`. It refuses what the format does not
/// allow, and reads label values holding `}`, which prometheus-parse skips.
fn prometheus_client_samples(text: &str) -> Vec<(String, serde_json::Map<String, serde_json::Value>, f64)> {
    let script = "import json, sys\n\
                  from prometheus_client.parser import text_string_to_metric_families\n\
                  families = text_string_to_metric_families(sys.stdin.read())\n\
                  print(json.dumps([[s.name, s.labels, s.value] for f in families for s in f.samples]))";
    let stdout = super::python::run("prometheus_client", script, None, text.as_bytes());
    serde_json::from_slice(&stdout).expect("the script prints JSON")
}

#[tokio::test]
async fn the_prometheus_clients_own_parser_reads_every_sample() {
    let world = World::new().await;
    let missing = "01890a5d-ac96-774b-bcce-b302099a8057";
    for _ in 0..2 {
        assert_eq!(world.fixture.get(&format!("/api/v1/parties/{missing}")).await.status, StatusCode::NOT_FOUND);
    }
    let (text, _) = scrape(&world.fixture).await;
    let samples = prometheus_client_samples(&text);
    let sample_lines = text.lines().filter(|line| !line.starts_with('#') && !line.is_empty()).count();
    assert_eq!(samples.len(), sample_lines, "every sample line is read: {text}");
    let of_route = samples.iter().find(|(name, labels, _)| {
        name == "truce_http_requests_total"
            && labels.get("route").and_then(|v| v.as_str()) == Some("/api/v1/parties/{id}")
    });
    assert_eq!(of_route.map(|(_, _, value)| *value), Some(2.0), "{text}");
    let accepted = samples.iter().find(|(name, labels, _)| {
        name == "truce_commands_total" && labels.get("outcome").and_then(|v| v.as_str()) == Some("accepted")
    });
    assert!(accepted.is_some_and(|(_, _, value)| *value >= 1.0), "the world's commands are counted: {text}");
}

#[tokio::test]
async fn the_writer_counts_commands_by_outcome_and_times_batches_and_decisions() {
    let world = World::new().await;
    let fixture = &world.fixture;
    // A party that exists already: refused.
    let again =
        json!({"type": "register_party", "party_id": id(super::RU), "code": "RU", "name": "Party RU", "kind": "state"});
    let refused = fixture.submit(&fixture.operator, again.clone()).await;
    assert!(refused.status.is_client_error(), "{}", refused.text);
    // A batch refused at its first command: the two after it are not tried.
    let others = [7001, 7002].map(
        |n| json!({"type": "register_party", "party_id": id(n), "code": format!("P{n}"), "name": "P", "kind": "state"}),
    );
    let commands: Vec<serde_json::Value> = [again, others[0].clone(), others[1].clone()]
        .into_iter()
        .map(|body| fixture.sign(&fixture.operator, fixture.command(&fixture.operator, body)))
        .collect();
    let batch = fixture.post_json("/api/v1/commands/batch", &json!({ "commands": commands })).await;
    assert_eq!(batch.json()["accepted"], json!(0), "{}", batch.text);

    let (text, scrape) = scrape(fixture).await;
    let entries = fixture.state.node.read_state(|state| state.entries_count);
    let entries = entries as f64;
    assert_eq!(value(&scrape, "truce_commands_total", &[("outcome", "accepted")]), Some(entries), "{text}");
    assert_eq!(value(&scrape, "truce_commands_total", &[("outcome", "refused")]), Some(2.0), "{text}");
    assert_eq!(value(&scrape, "truce_commands_total", &[("outcome", "not_tried")]), Some(2.0), "{text}");
    // One command at a time here: a batch each.
    assert_eq!(observations(&scrape, "truce_write_batch_entries", &[]), Some(entries), "{text}");
    assert_eq!(observations(&scrape, "truce_write_commit_seconds", &[]), Some(entries), "{text}");
    assert_eq!(
        observations(&scrape, "truce_command_decide_seconds", &[("kind", "register_party")]),
        Some(3.0),
        "{text}"
    );
    assert_eq!(observations(&scrape, "truce_command_decide_seconds", &[("kind", "genesis")]), Some(1.0), "{text}");
}

#[tokio::test]
async fn two_servers_in_one_process_count_apart() {
    let (first, second) = (Fixture::new().await, Fixture::new().await);
    for _ in 0..2 {
        first.get("/healthz").await;
    }
    second.get("/healthz").await;
    let healthz = [("route", "/healthz"), ("method", "GET"), ("status", "200")];
    assert_eq!(value(&scrape(&first).await.1, "truce_http_requests_total", &healthz), Some(2.0));
    assert_eq!(value(&scrape(&second).await.1, "truce_http_requests_total", &healthz), Some(1.0));
    let accepted = [("outcome", "accepted")];
    assert_eq!(value(&scrape(&second).await.1, "truce_commands_total", &accepted), Some(1.0));
}
