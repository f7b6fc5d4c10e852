//! The visibility matrix: every route of the OpenAPI document, asked by every kind of
//! viewer, is allowed or refused as the table below says (docs/visibility.md), and a
//! humanitarian notification's name and position reach nobody who is not entitled to it,
//! in any response, the event stream and the CAP and Atom feeds included.
//!
//! A route added to `openapi::routes()` without a row in `rule` fails the test.

use std::{collections::BTreeSet, time::Duration};

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use tower::ServiceExt as _;
use truce_ledger::SecretKey;

use super::{
    id,
    monitoring::{report_shelling, source, world_in_force, EA_1, PLAN},
    Fixture, Signer, World, EAST_ALEPPO, OPP, RU, T0, UN,
};
use crate::{
    auth::{secret_sha256, SESSION_COOKIE},
    openapi::routes,
    router,
};

/// A name and a position found nowhere else in the test world.
const SITE_NAME: &str = "Bustan al-Qasr Cave Hospital 8302";
const LON: &str = "37.18293";
const LAT: &str = "36.21457";
const NOTIFICATION: u32 = 970;
const STRIKE: u32 = 971;

/// Who may call a route, as docs/visibility.md says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in accounts only: anyone else gets 401.
    Members,
    /// Anyone may call it: it is authenticated by what it carries (a signed command, a
    /// signed password request, a password), not by who is signed in.
    Carried,
    /// A confidential record: only accounts of the notification's parties; to anyone else
    /// an empty list (`List`) or a 404 (`Record`), as if there were none.
    PartiesList,
    PartiesRecord,
    /// A party's coordinators only, for their own party: anyone else gets 401 or 403.
    PartyCoordinators,
}

/// The visibility table of routes: one row per documented operation. Confidential records
/// inside public routes are filtered per viewer (alerts, violations) and checked below.
fn rule(method: &Method, path: &str) -> Option<Rule> {
    let rule = match (method.as_str(), path) {
        ("POST", "/api/v1/commands") | ("POST", "/api/v1/commands/batch") => Rule::Carried,
        ("GET", "/api/v1/ledger/checkpoint")
        | ("GET", "/api/v1/ledger/key")
        | ("GET", "/api/v1/ledger/entries")
        | ("GET", "/api/v1/ledger/proof/inclusion")
        | ("GET", "/api/v1/ledger/proof/consistency")
        | ("GET", "/api/v1/tlog/checkpoint")
        | ("GET", "/api/v1/tlog/tile/{path}") => Rule::Public,
        ("GET", "/api/v1/parties")
        | ("GET", "/api/v1/parties/{id}")
        | ("GET", "/api/v1/forces")
        | ("GET", "/api/v1/zones")
        | ("GET", "/api/v1/zones.geojson")
        | ("GET", "/api/v1/zones/{id}")
        | ("GET", "/api/v1/zones/{id}/population")
        | ("GET", "/api/v1/corridors")
        | ("GET", "/api/v1/corridors.geojson")
        | ("GET", "/api/v1/corridors/{id}")
        | ("GET", "/api/v1/corridors/{id}/movement")
        | ("GET", "/api/v1/agreements")
        | ("GET", "/api/v1/agreements/{id}")
        | ("GET", "/api/v1/commitments")
        | ("GET", "/api/v1/consents")
        | ("GET", "/api/v1/incidents")
        | ("GET", "/api/v1/incidents/{id}")
        | ("GET", "/api/v1/incidents.geojson")
        | ("GET", "/api/v1/violations")
        | ("GET", "/api/v1/violations.geojson")
        | ("GET", "/api/v1/exports/incidents")
        | ("GET", "/api/v1/exports/violations")
        | ("GET", "/api/v1/exports/passages")
        | ("GET", "/api/v1/exports/counts")
        | ("GET", "/api/v1/exports/commitments")
        | ("GET", "/api/v1/exports/corridors")
        | ("GET", "/api/v1/retractions")
        | ("GET", "/api/v1/statements")
        | ("GET", "/api/v1/passages")
        | ("GET", "/api/v1/counts")
        | ("GET", "/api/v1/convoys")
        | ("GET", "/api/v1/observations")
        | ("GET", "/api/v1/alerts")
        | ("GET", "/api/v1/alerts.atom")
        | ("GET", "/api/v1/alerts/{id}.cap")
        | ("GET", "/api/v1/stream") => Rule::Public,
        ("GET", "/api/v1/notifications") => Rule::PartiesList,
        ("GET", "/api/v1/notifications/{id}") => Rule::PartiesRecord,
        ("GET", "/api/v1/accounts") | ("GET", "/api/v1/webhooks/deliveries") => Rule::Members,
        ("POST", "/api/v1/password") | ("POST", "/api/v1/session") => Rule::Carried,
        ("GET", "/api/v1/session")
        | ("DELETE", "/api/v1/session")
        | ("GET", "/api/v1/tokens")
        | ("POST", "/api/v1/tokens")
        | ("DELETE", "/api/v1/tokens/{id}") => Rule::Members,
        ("GET", "/healthz") | ("GET", "/readyz") | ("GET", "/api/v1/status") | ("GET", "/api/v1/openapi.json") => {
            Rule::Public
        }
        ("POST", "/api/v1/webhooks/subscriptions")
        | ("GET", "/api/v1/webhooks/subscriptions")
        | ("DELETE", "/api/v1/webhooks/subscriptions/{id}") => Rule::PartyCoordinators,
        _ => return None,
    };
    Some(rule)
}

/// One kind of viewer.
struct Viewer {
    label: String,
    /// The account, for a signed-in viewer.
    account: Option<String>,
    /// Whether it is entitled to the notification: an account of the notifying or of the
    /// notified party.
    entitled: bool,
    /// Whether it is a coordinator of a party.
    coordinator: bool,
}

/// The world: RU notifies OPP of a field hospital; UN is unrelated. Each party has a
/// coordinator, a monitor and an analyst; a strike near the hospital violates the
/// notification (a confidential violation and alert), and a public shelling of the corridor
/// comes after it (public alerts after the confidential one).
async fn world() -> (Fixture, Vec<Viewer>, String) {
    let (world, monitor) = world_in_force().await;
    let mut viewers = vec![
        Viewer { label: "anonymous".to_owned(), account: None, entitled: false, coordinator: false },
        Viewer {
            label: "operator".to_owned(),
            account: Some(world.fixture.operator.account.clone()),
            entitled: false,
            coordinator: false,
        },
    ];
    let mut seed = 40u8;
    let mut account = 130u32;
    for (coordinator, code, party, entitled) in [
        (&world.ru, "RU (notifying)", RU, true),
        (&world.opp, "OPP (notified)", OPP, true),
        (&world.un, "UN (unrelated)", UN, false),
    ] {
        viewers.push(Viewer {
            label: format!("{code} coordinator"),
            account: Some(coordinator.account.clone()),
            entitled,
            coordinator: true,
        });
        for role in ["monitor", "analyst"] {
            let signer =
                Signer { key: SecretKey::from_seed(&[seed; 32]), account: id(account), party: Some(id(party)) };
            (seed, account) = (seed + 1, account + 1);
            world
                .fixture
                .accept(
                    coordinator,
                    json!({"type": "register_account", "account_id": signer.account, "party_id": id(party),
                           "name": format!("{code} {role}"), "roles": [role], "public_key": signer.public_key()}),
                )
                .await;
            viewers.push(Viewer {
                label: format!("{code} {role}"),
                account: Some(signer.account),
                entitled,
                coordinator: false,
            });
        }
    }
    let fixture = &world.fixture;
    let position: Value = serde_json::from_str(&format!("[{LON}, {LAT}]")).expect("a position");
    fixture
        .accept(
            &world.ru,
            json!({"type": "notify_humanitarian", "notification_id": id(NOTIFICATION),
                   "notified": {"kind": "site", "name": SITE_NAME, "site_kind": "hospital",
                                "position": position, "radius_m": 150.0},
                   "party_ids": [id(OPP)], "deadline": "2016-12-12T12:00:00Z"}),
        )
        .await;
    fixture.accept(&world.opp, json!({"type": "acknowledge_notification", "notification_id": id(NOTIFICATION)})).await;
    // Some 50 m from the site, inside its radius, after the notification.
    fixture.clock.set("2016-12-12T10:30:00Z");
    fixture
        .accept(
            &monitor,
            json!({"type": "report_incident", "incident_id": id(STRIKE), "kind": "airstrike",
                   "location": {"position": [37.1832, 36.2150], "uncertainty_m": 20.0},
                   "when": {"start": "2016-12-12T10:15:00Z"}, "description": "Airstrike",
                   "source": source(7, "SAMS")}),
        )
        .await;
    report_shelling(&world, &monitor).await;
    let confidential_alert = fixture.state.node.read_state(|state| {
        let confidential: Vec<String> =
            state.alerts.iter().filter(|a| a.notification_id.is_some()).map(|a| a.alert_id.to_string()).collect();
        let last_public = state.alerts.iter().rposition(|a| a.notification_id.is_none());
        let first_confidential = state.alerts.iter().position(|a| a.notification_id.is_some());
        assert!(first_confidential < last_public, "a public alert follows the confidential one: {confidential:?}");
        confidential.first().cloned().expect("the strike raised a confidential alert")
    });
    let World { fixture, .. } = world;
    (fixture, viewers, confidential_alert)
}

/// A fresh session of `account`, as signing in would make it: each request gets its own,
/// so that signing out in one cell does not sign the viewer out of the next.
fn session_cookie(fixture: &Fixture, account: &str) -> String {
    let secret = format!("matrix-{}", fixture.nonce());
    let expires = super::ts(T0).unix_ms() / 1000 + 365 * 24 * 3600;
    fixture.state.auth.credentials.insert_session(&secret_sha256(&secret), account, expires).expect("stored");
    format!("{SESSION_COOKIE}={secret}")
}

/// The concrete request of a documented route, with ids from the world.
fn request(fixture: &Fixture, method: &Method, path: &str, viewer: &Viewer, public_alert: &str) -> Request<Body> {
    let uri = path
        .replace("/parties/{id}", &format!("/parties/{}", id(RU)))
        .replace("/zones/{id}", &format!("/zones/{}", id(EAST_ALEPPO)))
        .replace("/corridors/{id}", &format!("/corridors/{}", id(EA_1)))
        .replace("/agreements/{id}", &format!("/agreements/{}", id(PLAN)))
        .replace("/incidents/{id}", &format!("/incidents/{}", id(STRIKE)))
        .replace("/alerts/{id}", &format!("/alerts/{public_alert}"))
        .replace("/tokens/{id}", "/tokens/test99999999")
        .replace("/subscriptions/{id}", "/subscriptions/01890a5d-ac96-774b-bcce-b302099a8057")
        .replace("/notifications/{id}", &format!("/notifications/{}", id(NOTIFICATION)))
        // A tile past the tree: a tile itself is bytes, which `Fixture::send` does not read.
        .replace("/tile/{path}", "/tile/0/999");
    assert!(!uri.contains('{'), "{path}: the matrix has no id for this parameter");
    let uri = match path {
        "/api/v1/ledger/proof/inclusion" => format!("{uri}?seq=0&size=1"),
        "/api/v1/ledger/proof/consistency" => format!("{uri}?from=1&to=2"),
        // Each export in each format is asked below, after the matrix.
        _ if path.starts_with("/api/v1/exports/") => format!("{uri}?format=geojson"),
        _ => uri,
    };
    let body = match (method.as_str(), path) {
        ("POST", "/api/v1/tokens") => json!({"name": "matrix"}),
        ("POST", "/api/v1/webhooks/subscriptions") => json!({"url": "http://127.0.0.1:9/hook"}),
        ("POST", _) => json!({}),
        _ => Value::Null,
    };
    let mut builder = Request::builder().method(method.clone()).uri(uri);
    if let Some(account) = &viewer.account {
        builder = builder.header(header::COOKIE, session_cookie(fixture, account));
    }
    let body = match body {
        Value::Null => Body::empty(),
        body => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(body.to_string())
        }
    };
    builder.body(body).expect("a valid request")
}

/// What betrays the notification.
fn secrets() -> [String; 4] {
    [SITE_NAME.to_owned(), LON.to_owned(), LAT.to_owned(), id(NOTIFICATION)]
}

#[tokio::test]
async fn every_route_allows_and_refuses_each_kind_of_viewer_as_the_table_says_and_betrays_no_notification() {
    let (fixture, viewers, confidential_alert) = world().await;
    let public_alerts = fixture.get("/api/v1/alerts?limit=1000").await.json();
    let public_ids: Vec<String> = public_alerts["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["alert_id"].as_str().expect("an id").to_owned())
        .collect();
    let public_alert = public_ids.first().expect("a public alert").clone();

    let mut unlisted = Vec::new();
    let mut wrong = Vec::new();
    for route in routes() {
        let Some(rule) = rule(&route.method, route.path) else {
            unlisted.push(format!("{} {}", route.method, route.path));
            continue;
        };
        for viewer in &viewers {
            let reply = fixture.send(request(&fixture, &route.method, route.path, viewer, &public_alert)).await;
            let refused = match rule {
                Rule::Public | Rule::Carried | Rule::Members | Rule::PartyCoordinators => {
                    matches!(reply.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                }
                Rule::PartiesList => reply.json()["items"].as_array().is_none_or(Vec::is_empty),
                Rule::PartiesRecord => reply.status == StatusCode::NOT_FOUND,
            };
            let allowed = match rule {
                Rule::Public | Rule::Carried => true,
                Rule::Members => viewer.account.is_some(),
                Rule::PartiesList | Rule::PartiesRecord => viewer.entitled,
                Rule::PartyCoordinators => viewer.coordinator,
            };
            if refused == allowed {
                wrong.push(format!(
                    "{} {} as {}: {} ({rule:?}) {}",
                    route.method, route.path, viewer.label, reply.status, reply.text
                ));
            }
            if viewer.entitled && matches!(rule, Rule::PartiesList | Rule::PartiesRecord) {
                assert!(reply.text.contains(SITE_NAME), "{} as {}: {}", route.path, viewer.label, reply.text);
            }
            if !viewer.entitled {
                // A 404 names the id it was asked for; that id is the asker's, not a leak.
                let asked = route.path.contains("/notifications/");
                for secret in secrets().into_iter().filter(|secret| !(asked && *secret == id(NOTIFICATION))) {
                    assert!(
                        !reply.text.contains(&secret),
                        "{} {} as {} holds {secret}: {}",
                        route.method,
                        route.path,
                        viewer.label,
                        reply.text
                    );
                }
            }
        }
    }
    // Every export, in every format, as every viewer: public records only, and no trace of
    // the notification (a violation of it is in no export, docs/exports.md).
    for route in routes().iter().filter(|route| route.path.starts_with("/api/v1/exports/")) {
        for format in ["geojson", "csv", "hxl"] {
            for viewer in &viewers {
                let mut request = Request::get(format!("{}?format={format}", route.path));
                if let Some(account) = &viewer.account {
                    request = request.header(header::COOKIE, session_cookie(&fixture, account));
                }
                let reply = fixture.send(request.body(Body::empty()).expect("a request")).await;
                assert_eq!(reply.status, StatusCode::OK, "{} {format} as {}: {}", route.path, viewer.label, reply.text);
                for secret in secrets() {
                    assert!(
                        !reply.text.contains(&secret),
                        "{} {format} as {} holds {secret}: {}",
                        route.path,
                        viewer.label,
                        reply.text
                    );
                }
            }
        }
    }
    assert!(unlisted.is_empty(), "routes with no row in the visibility table: {unlisted:#?}");
    assert!(wrong.is_empty(), "cells that differ from the table: {wrong:#?}");

    // The confidential alert: in the list of the entitled only, and no CAP message of it.
    for viewer in &viewers {
        let mut request = Request::get("/api/v1/alerts?limit=1000");
        if let Some(account) = &viewer.account {
            request = request.header(header::COOKIE, session_cookie(&fixture, account));
        }
        let listed = fixture.send(request.body(Body::empty()).expect("a request")).await.json();
        let ids: BTreeSet<&str> =
            listed["items"].as_array().expect("items").iter().filter_map(|a| a["alert_id"].as_str()).collect();
        assert_eq!(ids.contains(confidential_alert.as_str()), viewer.entitled, "{}: {ids:?}", viewer.label);
    }
    let cap = fixture.get(&format!("/api/v1/alerts/{confidential_alert}.cap")).await;
    assert_eq!(cap.status, StatusCode::NOT_FOUND, "{}", cap.text);

    // The stream replays to everyone what the anonymous list shows, no more.
    for viewer in viewers.iter().filter(|v| !v.entitled) {
        let mut request = Request::get("/api/v1/stream").header("Last-Event-ID", "0.0");
        if let Some(account) = &viewer.account {
            request = request.header(header::COOKIE, session_cookie(&fixture, account));
        }
        let response = router(fixture.state.clone())
            .oneshot(request.body(Body::empty()).expect("a request"))
            .await
            .expect("the router is infallible");
        assert_eq!(response.status(), StatusCode::OK);
        let (ids, text) = read_stream(response.into_body(), public_ids.len()).await;
        assert_eq!(ids, public_ids, "{}", viewer.label);
        for secret in secrets() {
            assert!(!text.contains(&secret), "the stream to {} holds {secret}: {text}", viewer.label);
        }
    }

    // An entitled party reads its confidential alerts on the stream, signed in, in log order
    // among the public ones.
    let mut with_confidential: Vec<String> = public_ids.clone();
    with_confidential.push(confidential_alert.clone());
    with_confidential.sort_by_key(|id| crate::alerts::alert_key(id));
    for viewer in viewers.iter().filter(|v| v.entitled) {
        let account = viewer.account.as_ref().expect("an entitled viewer is signed in");
        let request = Request::get("/api/v1/stream")
            .header("Last-Event-ID", "0.0")
            .header(header::COOKIE, session_cookie(&fixture, account));
        let response = router(fixture.state.clone())
            .oneshot(request.body(Body::empty()).expect("a request"))
            .await
            .expect("the router is infallible");
        let (ids, text) = read_stream(response.into_body(), with_confidential.len()).await;
        assert_eq!(ids, with_confidential, "{}", viewer.label);
        assert!(text.contains(&id(NOTIFICATION)), "the stream to {} lacks its notification's alert", viewer.label);
    }
}

/// The first `count` events of a stream: their ids, and all the text read.
async fn read_stream(mut body: Body, count: usize) -> (Vec<String>, String) {
    let mut ids = Vec::new();
    let mut text = String::new();
    let mut buffer = String::new();
    while ids.len() < count {
        // A guard against a hung test, not a timing assertion.
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .unwrap_or_else(|_| panic!("timed out with {ids:?}"))
            .expect("the stream is open")
            .expect("a frame reads");
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let chunk = std::str::from_utf8(&data).expect("UTF-8");
        text.push_str(chunk);
        buffer.push_str(chunk);
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(id) = block.lines().find_map(|l| l.strip_prefix("id:")) {
                ids.push(id.trim().to_owned());
            }
        }
    }
    (ids, text)
}
