//! The edge: security headers on every answer, CORS only for configured origins, 414 and
//! 431 as problems, and HTTPS through `listen::serve` on 127.0.0.1 with a self-signed
//! certificate, read by reqwest's rustls as any client would.

use std::{net::SocketAddr, time::Duration};

use axum::{
    body::Body,
    http::{header, HeaderMap, Request, StatusCode},
};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::oneshot,
};
use tower::ServiceExt as _;

use super::Fixture;
use crate::{
    edge::{EdgePolicy, CONTENT_SECURITY_POLICY, HEADER_BYTES_MAX, URI_BYTES_MAX},
    listen::{self, Limits},
    router, tls,
};

/// What any one step of a test may take at the most.
const WAIT_MAX: Duration = Duration::from_secs(10);

async fn answer(fixture: &Fixture, edge: EdgePolicy, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let state = fixture.state.clone().with_edge(edge);
    let response = router(state).oneshot(request).await.expect("the router is infallible");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("the body reads").to_bytes();
    (parts.status, parts.headers, String::from_utf8_lossy(&bytes).into_owned())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("a valid request")
}

fn assert_security_headers(headers: &HeaderMap, tls: bool) {
    assert_eq!(headers[header::CONTENT_SECURITY_POLICY], CONTENT_SECURITY_POLICY);
    let csp = CONTENT_SECURITY_POLICY;
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(headers.contains_key(header::STRICT_TRANSPORT_SECURITY), tls);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_problems_too() {
    let fixture = Fixture::new().await;
    let (status, headers, _) = answer(&fixture, EdgePolicy::default(), get("/api/v1/ledger/checkpoint")).await;
    assert_eq!(status, StatusCode::OK);
    assert_security_headers(&headers, false);
    let (status, headers, _) = answer(&fixture, EdgePolicy::default(), get("/no/such/route")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_security_headers(&headers, false);
    let tls = EdgePolicy::new(&[], true).expect("a policy");
    let (_, headers, _) = answer(&fixture, tls, get("/api/v1/ledger/checkpoint")).await;
    assert_security_headers(&headers, true);
}

fn preflight(origin: &str) -> Request<Body> {
    Request::options("/api/v1/commands")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .expect("a valid request")
}

#[tokio::test]
async fn cors_lets_in_only_the_configured_origins() {
    let fixture = Fixture::new().await;
    // None configured: no page of another origin may read an answer.
    let (_, headers, _) = answer(&fixture, EdgePolicy::default(), preflight("https://ops.example.org")).await;
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN), "{headers:?}");
    let request = Request::get("/api/v1/ledger/checkpoint")
        .header(header::ORIGIN, "https://ops.example.org")
        .body(Body::empty())
        .expect("a valid request");
    let (status, headers, _) = answer(&fixture, EdgePolicy::default(), request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN), "{headers:?}");

    let policy = EdgePolicy::new(&["https://ops.example.org".to_owned()], false).expect("an origin");
    let (_, headers, _) = answer(&fixture, policy.clone(), preflight("https://ops.example.org")).await;
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://ops.example.org");
    assert!(headers[header::ACCESS_CONTROL_ALLOW_METHODS].to_str().expect("text").contains("POST"));
    // Credentials are never let across origins.
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS));
    let (_, headers, _) = answer(&fixture, policy, preflight("https://evil.example.org")).await;
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN), "{headers:?}");
}

#[test]
fn a_cors_origin_must_be_exactly_an_origin() {
    for origin in ["https://ops.example.org", "http://127.0.0.1:8080", "https://[::1]:8443"] {
        EdgePolicy::new(&[origin.to_owned()], false).unwrap_or_else(|err| panic!("{origin}: {err}"));
    }
    for origin in [
        "*",
        "https://ops.example.org/",
        "https://ops.example.org/app",
        "ftp://ops.example.org",
        "ops.example.org",
        "HTTPS://ops.example.org",
        "https://ops.example.org?x=1",
    ] {
        let err = EdgePolicy::new(&[origin.to_owned()], false).expect_err(origin).to_string();
        assert!(err.contains("--cors-origin") && err.contains(origin), "{err}");
    }
}

#[tokio::test]
async fn an_over_long_target_or_head_is_a_problem() {
    let fixture = Fixture::new().await;
    let long_target = format!("/api/v1/incidents?limit=1&x={}", "a".repeat(URI_BYTES_MAX));
    let (status, headers, body) = answer(&fixture, EdgePolicy::default(), get(&long_target)).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    let problem: Value = serde_json::from_str(&body).expect("problem+json");
    assert_eq!(problem["type"], "/problems/uri-too-long");
    assert_eq!(problem["status"], 414);
    assert_security_headers(&headers, false);

    let mut request = get("/api/v1/ledger/checkpoint");
    for n in 0..8 {
        let name = axum::http::HeaderName::try_from(format!("x-filler-{n}")).expect("a header name");
        let value = axum::http::HeaderValue::try_from("b".repeat(HEADER_BYTES_MAX / 8)).expect("a header value");
        request.headers_mut().insert(name, value);
    }
    let (status, headers, body) = answer(&fixture, EdgePolicy::default(), request).await;
    assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    let problem: Value = serde_json::from_str(&body).expect("problem+json");
    assert_eq!(problem["type"], "/problems/headers-too-large");
    assert_eq!(problem["instance"], "/api/v1/ledger/checkpoint");
}

/// A self-signed certificate for `localhost` and 127.0.0.1, written as PEM files the way
/// `truce serve --tls-cert --tls-key` reads them.
fn self_signed(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("a self-signed certificate");
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    let cert_pem = certified.cert.pem();
    std::fs::write(&cert_path, &cert_pem).expect("the certificate is written");
    std::fs::write(&key_path, certified.key_pair.serialize_pem()).expect("the key is written");
    (cert_path, key_path, cert_pem)
}

async fn start_tls(
    fixture: &Fixture,
    acceptor: tokio_rustls::TlsAcceptor,
    limits: Limits,
) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port on 127.0.0.1");
    let address = listener.local_addr().expect("a bound address");
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(fixture.state.clone().with_edge(EdgePolicy::new(&[], true).expect("a policy")));
    tokio::spawn(listen::serve(listener, app, limits, Some(acceptor), async {
        let _ = stopped.await;
    }));
    (address, stop)
}

#[tokio::test]
async fn https_serves_a_client_that_trusts_the_certificate_and_no_other() {
    let fixture = Fixture::new().await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let (cert_path, key_path, cert_pem) = self_signed(dir.path());
    let acceptor = tls::acceptor(&cert_path, &key_path).expect("the PEM files make an acceptor");
    let (address, _stop) = start_tls(&fixture, acceptor, Limits::default()).await;
    let url = format!("https://localhost:{}/api/v1/ledger/checkpoint", address.port());

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).expect("PEM"))
        .resolve("localhost", address)
        .timeout(WAIT_MAX)
        .build()
        .expect("a client");
    let response = trusting.get(&url).send().await.expect("the HTTPS request is answered");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
    let checkpoint = response.text().await.expect("a body");
    assert!(checkpoint.starts_with(super::ORIGIN), "{checkpoint}");

    // A client that does not trust the certificate refuses the server.
    let wary = reqwest::Client::builder().resolve("localhost", address).timeout(WAIT_MAX).build().expect("a client");
    let err = wary.get(&url).send().await.expect_err("an untrusted certificate is refused");
    assert!(err.is_connect(), "{err:?}");

    // Plain HTTP on the TLS port gets no HTTP answer.
    let mut plain = TcpStream::connect(address).await.expect("connects");
    plain.write_all(b"GET /api/v1/ledger/checkpoint HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("sent");
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(WAIT_MAX, plain.read_to_end(&mut buf)).await.expect("closed within the wait");
    assert!(!String::from_utf8_lossy(&buf).contains("HTTP/1.1 200"), "plain HTTP was served over the TLS port");
}

#[tokio::test]
async fn a_stalled_handshake_is_closed_after_the_header_read_timeout() {
    let fixture = Fixture::new().await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let (cert_path, key_path, _) = self_signed(dir.path());
    let acceptor = tls::acceptor(&cert_path, &key_path).expect("an acceptor");
    let limits = Limits {
        header_read_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_secs(600),
        ..Limits::default()
    };
    let (address, _stop) = start_tls(&fixture, acceptor, limits).await;
    let mut stalled = TcpStream::connect(address).await.expect("connects");
    // The first byte of a ClientHello, then nothing.
    stalled.write_all(&[0x16]).await.expect("sent");
    let mut buf = [0_u8; 64];
    let read = tokio::time::timeout(WAIT_MAX, stalled.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0) | Err(_))), "the stalled handshake was not closed: {read:?}");
}

#[test]
fn bad_tls_files_are_named() {
    let refusal = |cert: &std::path::Path, key: &std::path::Path| match tls::acceptor(cert, key) {
        Ok(_) => panic!("{} and {} were taken", cert.display(), key.display()),
        Err(err) => err.to_string(),
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let (cert_path, key_path, _) = self_signed(dir.path());
    let missing = dir.path().join("missing.pem");
    let err = refusal(&missing, &key_path);
    assert!(err.starts_with("--tls-cert") && err.contains("missing.pem"), "{err}");
    let err = refusal(&key_path, &key_path);
    assert!(err.contains("--tls-cert") && err.contains("no PEM certificate"), "{err}");
    let err = refusal(&cert_path, &cert_path);
    assert!(err.starts_with("--tls-key"), "{err}");
    let other = self_signed(&{
        let other = dir.path().join("other");
        std::fs::create_dir(&other).expect("a dir");
        other
    });
    let err = refusal(&cert_path, &other.1);
    assert!(err.contains("do not go together"), "{err}");
}

fn from(peer: &str) -> Request<Body> {
    let mut request = get("/api/v1/ledger/checkpoint");
    let peer: SocketAddr = peer.parse().expect("an address");
    request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    request
}

#[tokio::test]
async fn each_address_gets_its_rate_then_a_429_with_retry_after() {
    let fixture = Fixture::new().await;
    // 2 per second: a burst of 20.
    let policy = EdgePolicy::new(&[], false).expect("a policy").with_requests_per_address(Some(2));
    let app = router(fixture.state.clone().with_edge(policy));
    let status = |peer: &'static str| {
        let app = app.clone();
        async move { app.oneshot(from(peer)).await.expect("infallible") }
    };
    for n in 0..20 {
        assert_eq!(status("203.0.113.7:40000").await.status(), StatusCode::OK, "request {n} of the burst");
    }
    let refused = status("203.0.113.7:40001").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()[header::RETRY_AFTER].to_str().expect("text").parse().expect("seconds");
    assert!((1..=1).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.headers()[header::CONTENT_TYPE], "application/problem+json");
    let body = refused.into_body().collect().await.expect("a body").to_bytes();
    let problem: Value = serde_json::from_slice(&body).expect("problem+json");
    assert_eq!(problem["type"], "/problems/too-many-requests");
    // Other addresses are not held back by it; loopback never is.
    assert_eq!(status("198.51.100.1:1").await.status(), StatusCode::OK);
    for _ in 0..40 {
        assert_eq!(status("127.0.0.1:5000").await.status(), StatusCode::OK);
    }
    // An IPv6 client is counted by its /64: another address in it shares its budget.
    for _ in 0..20 {
        assert_eq!(status("[2001:db8:1:2::10]:443").await.status(), StatusCode::OK);
    }
    assert_eq!(status("[2001:db8:1:2::99]:443").await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(status("[2001:db8:1:3::10]:443").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn each_account_gets_its_rate_for_commands_it_signs_and_reads_signed_in() {
    let fixture = Fixture::new().await;
    // 1 per second: a burst of 10.
    let policy = EdgePolicy::new(&[], false).expect("a policy").with_requests_per_account(Some(1));
    let state = fixture.state.clone().with_edge(policy);
    let submit = |n: u32| {
        let body = serde_json::json!({"type": "register_party", "party_id": super::id(3000 + n),
                                      "code": format!("R{n}"), "name": format!("Party {n}"), "kind": "state"});
        let signed = fixture.sign(&fixture.operator, fixture.command(&fixture.operator, body));
        Request::post("/api/v1/commands")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(signed.to_string()))
            .expect("a request")
    };
    for n in 0..10 {
        let response = router(state.clone()).oneshot(submit(n)).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::CREATED, "command {n} of the burst");
    }
    let refused = router(state.clone()).oneshot(submit(10)).await.expect("infallible");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    // The same account signed in is held to the same budget; anonymous reads are not.
    let token = super::token_for(&state, &fixture.operator.account);
    let read = Request::get("/api/v1/parties")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("a request");
    assert_eq!(router(state.clone()).oneshot(read).await.expect("infallible").status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(router(state).oneshot(get("/api/v1/parties")).await.expect("infallible").status(), StatusCode::OK);
}

#[tokio::test]
async fn a_batch_stopped_by_its_authors_rate_says_when_to_send_the_rest() {
    let fixture = Fixture::new().await;
    // 1 per second: a burst of 10, and a batch of 12.
    let policy = EdgePolicy::new(&[], false).expect("a policy").with_requests_per_account(Some(1));
    let state = fixture.state.clone().with_edge(policy);
    let commands: Vec<serde_json::Value> = (0..12)
        .map(|n: u32| {
            let body = serde_json::json!({"type": "register_party", "party_id": super::id(3000 + n),
                                          "code": format!("R{n}"), "name": format!("Party {n}"), "kind": "state"});
            fixture.sign(&fixture.operator, fixture.command(&fixture.operator, body))
        })
        .collect();
    let request = Request::post("/api/v1/commands/batch")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::json!({ "commands": commands }).to_string()))
        .expect("a request");
    let response = router(state).oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let retry_after: u64 = response.headers()[header::RETRY_AFTER].to_str().expect("text").parse().expect("seconds");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body = response.into_body().collect().await.expect("a body").to_bytes();
    let reply: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(reply["accepted"], 10);
    assert_eq!(reply["results"][10]["problem"]["type"], "/problems/too-many-requests");
    assert_eq!(reply["results"][11]["problem"]["type"], "/problems/not-tried");
}
