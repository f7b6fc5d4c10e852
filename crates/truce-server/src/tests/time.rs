//! What time alone makes due, over HTTP: the timekeeper writes `mark_time` when a corridor
//! window opens or closes and nothing else is written, and the alert goes out live with
//! the instant it happened; `mark_time` is refused when nothing is due or not sent by an
//! operator.

use std::sync::Arc;

use axum::http::StatusCode;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use truce_core::DomainError;
use truce_ledger::SecretKey;
use truce_store::{Clock, SubmitError};

use super::{
    id,
    monitoring::{open_stream, read_events},
    World, EAST_ALEPPO,
};
use crate::timekeeper::{self, Operator};

const PLAN: u32 = 410;
const EA_2: u32 = 510;
const NO_ATTACK: u32 = 610;

/// The plan agreed at 08:00 on the 12th: EA-2 opens at 10:00 for civilians and the wounded,
/// closes at 12:00, opens at 14:00 for fighters and closes at 16:00.
async fn world_agreed() -> World {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut terms = super::terms(EA_2, "EA-2", NO_ATTACK);
    terms["truce"] = json!({"zone_id": id(EAST_ALEPPO), "start": {"kind": "immediately"}});
    let body = json!({"type": "propose_agreement", "agreement_id": id(PLAN), "title": "Evacuation", "terms": terms});
    fixture.accept(&world.ru, body).await;
    fixture.accept(&world.ru, json!({"type": "endorse", "agreement_id": id(PLAN), "version": 1})).await;
    fixture.accept(&world.opp, json!({"type": "endorse", "agreement_id": id(PLAN), "version": 1})).await;
    world
}

fn operator(world: &World) -> Operator {
    let account_id = truce_core::AccountId::parse(&world.fixture.operator.account).expect("a UUIDv7");
    Operator { account_id, key: SecretKey::from_seed(&[2; 32]) }
}

#[tokio::test]
async fn the_timekeeper_alerts_each_corridor_opening_and_closing_live_with_its_instant() {
    let world = world_agreed().await;
    let fixture = &world.fixture;
    let last = fixture.get("/api/v1/alerts?limit=100").await.json()["items"]
        .as_array()
        .and_then(|items| items.last().cloned())
        .expect("the agreement raised alerts");
    let mut stream = open_stream(fixture, last["alert_id"].as_str()).await;
    let clock: Arc<dyn Clock> = fixture.clock.clone();
    let keeper = timekeeper::spawn(fixture.state.node.clone(), clock, operator(&world));

    fixture.clock.set("2016-12-12T10:00:01Z");
    let opened = read_events(&mut stream, 1).await;
    assert!(opened[0].contains("corridor_opened"), "{opened:?}");
    fixture.clock.set("2016-12-12T12:00:01Z");
    let closed = read_events(&mut stream, 1).await;
    assert!(closed[0].contains("corridor_closed"), "{closed:?}");
    keeper.abort();

    let alerts = fixture.get("/api/v1/alerts?limit=100").await.json();
    let corridor_alerts: Vec<Value> = alerts["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|a| a["corridor_id"] == json!(id(EA_2)))
        .map(|a| json!([a["kind"], a["open_for"], a["effective_at"]]))
        .collect();
    assert_eq!(
        corridor_alerts,
        vec![
            json!(["corridor_opened", ["civilians", "wounded"], "2016-12-12T10:00:00Z"]),
            json!(["corridor_closed", null, "2016-12-12T12:00:00Z"]),
        ]
    );
    // Each was raised by a `mark_time` entry signed by the operator.
    let entries = fixture.get("/api/v1/ledger/entries?limit=1000").await.json();
    let marks = entries["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| serde_json::from_str::<Value>(e["entry"].as_str().expect("the entry's text")).expect("JSON"))
        .filter(|entry| entry["command"]["body"]["type"] == json!("mark_time"))
        .count();
    assert_eq!(marks, 2);
    // And the CAP message says when the corridor opened.
    let opened_id = opened[0].split(' ').next().expect("an id");
    let cap = fixture.get(&format!("/api/v1/alerts/{opened_id}.cap")).await;
    assert_eq!(cap.status, StatusCode::OK);
    assert!(cap.text.contains("<effective>2016-12-12T10:00:00-00:00</effective>"), "{}", cap.text);
    assert!(cap.text.contains("<event>Safe-passage corridor change</event>"), "{}", cap.text);
}

#[tokio::test]
async fn mark_time_is_refused_when_nothing_is_due_and_from_a_coordinator() {
    let world = world_agreed().await;
    let fixture = &world.fixture;
    let refused = timekeeper::mark_time(&fixture.state.node, fixture.clock.as_ref(), &operator(&world)).await;
    assert!(matches!(refused, Err(SubmitError::Domain(DomainError::NothingDue { .. }))), "{refused:?}");
    let reply = fixture.submit(&fixture.operator, json!({"type": "mark_time"})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
    assert_eq!(reply.json()["type"], json!("/problems/nothing-due"));

    fixture.clock.set("2016-12-12T10:30:00Z");
    let reply = fixture.submit(&world.ru, json!({"type": "mark_time"})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    let seq = timekeeper::mark_time(&fixture.state.node, fixture.clock.as_ref(), &operator(&world))
        .await
        .expect("the window's opening is due");
    let status = fixture.get("/api/v1/status").await.json();
    assert_eq!(status["entries_count"], json!(seq + 1), "{status}");
}

#[tokio::test]
async fn an_idle_stream_sends_a_keep_alive_comment_every_interval() {
    let world = world_agreed().await;
    let mut stream = open_stream(&world.fixture, None).await;
    // The stream opens with its reconnection delay, at once.
    let first = stream.frame().await.expect("the stream is open").expect("a frame reads");
    assert!(first.into_data().expect("a data frame").starts_with(b"retry: "));
    tokio::time::pause();
    // Time is paused: the runtime moves it to the stream's next timer once all is idle.
    let started = tokio::time::Instant::now();
    let frame = stream.frame().await.expect("the stream is open").expect("a frame reads");
    let data = frame.into_data().expect("a data frame");
    assert_eq!(&data[..], b":\n\n");
    let waited = started.elapsed();
    let interval = crate::stream::KEEP_ALIVE_INTERVAL;
    assert!(waited >= interval && waited < interval + std::time::Duration::from_secs(1), "{waited:?}");
}

#[tokio::test]
async fn a_stream_sends_its_keep_alive_only_after_a_whole_interval_without_a_frame() {
    let world = world_agreed().await;
    let fixture = &world.fixture;
    let mut stream = open_stream(fixture, None).await;
    let first = stream.frame().await.expect("the stream is open").expect("a frame reads");
    assert!(first.into_data().expect("a data frame").starts_with(b"retry: "));
    tokio::time::pause();
    let interval = crate::stream::KEEP_ALIVE_INTERVAL;
    // Two thirds of an interval idle (the body polled meanwhile, so that the stream sets its
    // keep-alive for the end of the first interval), then an alert: the keep-alive must move
    // to a whole interval after the alert.
    tokio::select! {
        biased;
        frame = stream.frame() => panic!("a frame before any alert or interval: {frame:?}"),
        () = tokio::time::sleep(interval * 2 / 3) => {}
    }
    let body = json!({"type": "propose_agreement", "agreement_id": id(PLAN + 1), "title": "Another plan",
                      "terms": {"signatories": [id(super::RU)]}});
    fixture.accept(&world.ru, body).await;
    read_events(&mut stream, 1).await;
    let alert_read_at = tokio::time::Instant::now();
    let frame = stream.frame().await.expect("the stream is open").expect("a frame reads");
    assert_eq!(&frame.into_data().expect("a data frame")[..], b":\n\n");
    let waited = alert_read_at.elapsed();
    assert!(waited >= interval && waited < interval + std::time::Duration::from_secs(1), "{waited:?}");
}
