//! The operator's metrics: requests counted by route template (never by path, so no id leaks
//! into them), and the log's gauges read when scraped; and the liveness route.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

use super::Fixture;
use crate::metrics::{self, OPENMETRICS_CONTENT_TYPE};

async fn scrape(fixture: &Fixture) -> String {
    let response = metrics::router(fixture.state.clone())
        .oneshot(Request::get("/metrics").body(Body::empty()).expect("a request"))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], OPENMETRICS_CONTENT_TYPE);
    let bytes = response.into_body().collect().await.expect("a body").to_bytes();
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn sample<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.lines().find(|line| line.starts_with(prefix)).and_then(|line| line.rsplit(' ').next())
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

    let text = scrape(&fixture).await;
    assert!(text.ends_with("# EOF\n"), "an OpenMetrics exposition ends with # EOF: {text}");
    assert_eq!(
        sample(&text, r#"truce_http_requests_total{route="/api/v1/parties/{id}",method="GET",status="404"}"#),
        Some("3"),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"truce_http_requests_total{route="/api/v1/ledger/checkpoint",method="GET",status="200"}"#),
        Some("1"),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"truce_http_request_duration_seconds_count{route="/api/v1/parties/{id}"}"#),
        Some("3"),
        "{text}"
    );
    assert!(!text.contains(missing), "a path's id reached the metrics: {text}");
    let entries = fixture.state.node.read_state(|state| state.entries_count);
    assert_eq!(sample(&text, "truce_log_entries "), Some(entries.to_string().as_str()), "{text}");
    assert_eq!(sample(&text, "truce_event_streams_open "), Some("0"), "{text}");
    assert_eq!(sample(&text, "truce_webhook_deliveries_owed "), Some("0"), "{text}");
}
