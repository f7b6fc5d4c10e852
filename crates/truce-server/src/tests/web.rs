//! The web page: served at `/` from the files embedded at build time, with its assets cached
//! for good and the page revalidated, the client routes falling back to `index.html` for
//! browsers only, never under `/api/`, and the page itself free of inline script and style
//! (the Content-Security-Policy forbids them).

use axum::{
    body::Body,
    http::{header, HeaderMap, Request, StatusCode},
};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

use super::Fixture;
use crate::{edge::CONTENT_SECURITY_POLICY, router, web::WebConfig};

async fn answer(fixture: &Fixture, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let response = router(fixture.state.clone()).oneshot(request).await.expect("the router is infallible");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("the body reads").to_bytes();
    (parts.status, parts.headers, String::from_utf8_lossy(&bytes).into_owned())
}

fn get(uri: &str, accept: &str) -> Request<Body> {
    Request::get(uri).header(header::ACCEPT, accept).body(Body::empty()).expect("a valid request")
}

fn header_of(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

/// The `src` of the page's module script.
fn script_src(index: &str) -> &str {
    let start = index.find("<script type=\"module\" src=\"").expect("the page loads its module") + 27;
    let end = index[start..].find('"').expect("the attribute ends") + start;
    &index[start..end]
}

#[tokio::test]
async fn the_page_is_served_at_the_root_revalidated_and_under_the_policy() {
    let fixture = Fixture::new().await;
    let (status, headers, index) = answer(&fixture, get("/", "text/html")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&headers, header::CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-cache");
    assert_eq!(header_of(&headers, header::CONTENT_SECURITY_POLICY), CONTENT_SECURITY_POLICY);
    // No inline script or style: every script has a `src`, and there is no <style> element.
    assert_eq!(index.matches("<script").count(), index.matches("<script type=\"module\" src=\"/assets/").count());
    assert!(!index.contains("<style"), "{index}");
    assert!(!index.contains(" style="), "{index}");
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_with_their_types() {
    let fixture = Fixture::new().await;
    let (_, _, index) = answer(&fixture, get("/", "text/html")).await;
    let (status, headers, script) = answer(&fixture, get(script_src(&index), "*/*")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&headers, header::CONTENT_TYPE), "text/javascript; charset=utf-8");
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "public, max-age=31536000, immutable");
    assert!(script.len() > 1000);
    let (status, headers, _) = answer(&fixture, get("/basemap/land.json", "*/*")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&headers, header::CONTENT_TYPE), "application/json");
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-cache");
    let (status, headers, _) = answer(&fixture, get("/sw.js", "*/*")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-cache");
}

#[tokio::test]
async fn a_page_route_gets_the_page_in_a_browser_and_a_problem_elsewhere() {
    let fixture = Fixture::new().await;
    let (_, _, index) = answer(&fixture, get("/", "text/html")).await;
    let (status, _, body) = answer(&fixture, get("/agreements/0158f242", "text/html,application/xhtml+xml")).await;
    assert_eq!((status, body), (StatusCode::OK, index));
    let (status, headers, body) = answer(&fixture, get("/agreements/0158f242", "application/json")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header_of(&headers, header::CONTENT_TYPE), "application/problem+json");
    assert!(body.contains("no-such-route"), "{body}");
}

#[tokio::test]
async fn api_paths_never_fall_back_to_the_page() {
    let fixture = Fixture::new().await;
    for uri in ["/api/v1/no-such-thing", "/api/", "/healthz/x", "/metrics"] {
        let (status, headers, body) = answer(&fixture, get(uri, "text/html")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(header_of(&headers, header::CONTENT_TYPE), "application/problem+json", "{uri}");
        assert!(body.contains("no-such-route"), "{uri}: {body}");
    }
    let request = Request::post("/").header(header::ACCEPT, "text/html").body(Body::empty()).expect("a valid request");
    let (status, _, body) = answer(&fixture, request).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("no-such-route"), "{body}");
}

#[tokio::test]
async fn the_page_is_told_the_tile_url() {
    let fixture = Fixture::new().await;
    let (status, _, body) = answer(&fixture, get("/config.json", "application/json")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, r#"{"tile_url":null}"#));
    let web = WebConfig::new(Some("https://tiles.example.org/{z}/{x}/{y}.png".to_owned())).expect("a tile URL");
    let state = fixture.state.clone().with_web(web);
    let response = router(state).oneshot(get("/config.json", "*/*")).await.expect("the router is infallible");
    let bytes = response.into_body().collect().await.expect("the body reads").to_bytes();
    assert_eq!(&bytes[..], br#"{"tile_url":"https://tiles.example.org/{z}/{x}/{y}.png"}"#);
}

#[test]
fn a_tile_url_without_its_holes_or_scheme_is_refused() {
    for url in
        ["https://tiles.example.org/tile.png", "ftp://h/{z}/{x}/{y}", "javascript:{z}{x}{y}", "https://h/{z}/{x}/{y} x"]
    {
        let refused = WebConfig::new(Some(url.to_owned())).expect_err(url).to_string();
        assert!(refused.starts_with("--tile-url"), "{refused}");
    }
    assert!(WebConfig::new(None).is_ok());
}
