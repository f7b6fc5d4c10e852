//! A stream resumed from the start of the log reads its backlog from the state page by page
//! (`BACKLOG_PAGE_MAX` alerts at a time): every alert still arrives once, in order, across the
//! pages' boundaries, while new alerts are raised during the replay.

use serde_json::{json, Value};

use super::{
    id,
    monitoring::{open_stream, read_events},
    World,
};
use crate::stream::BACKLOG_PAGE_MAX;

/// A proposal by RU: each raises one public alert.
fn proposal(n: u32) -> Value {
    json!({"type": "propose_agreement", "agreement_id": id(5_000 + n), "title": format!("Proposal {n}"),
           "terms": {"signatories": [id(super::RU)]}})
}

/// Proposes `count` agreements from number `from` on, a chunk at a time submitted together
/// (so that they share batches, as a busy server's do).
async fn propose(world: &World, from: u32, count: u32) {
    let numbers: Vec<u32> = (from..from + count).collect();
    for chunk in numbers.chunks(64) {
        let replies =
            futures_util::future::join_all(chunk.iter().map(|n| world.fixture.submit(&world.ru, proposal(*n)))).await;
        for reply in replies {
            assert!(reply.status.is_success(), "{}", reply.text);
        }
    }
}

/// Every public alert's id, oldest first, as the alerts route lists them.
async fn every_alert_id(world: &World) -> Vec<String> {
    let page = world.fixture.get("/api/v1/alerts?limit=1000").await.json();
    assert!(page["next_cursor"].is_null(), "one page holds them all: {}", page["next_cursor"]);
    page["items"].as_array().expect("items").iter().map(|a| a["alert_id"].as_str().expect("an id").to_owned()).collect()
}

#[tokio::test]
async fn a_stream_resumed_from_the_start_sends_every_alert_once_in_order_across_pages_while_new_ones_arrive() {
    let world = World::new().await;
    let page = u32::try_from(BACKLOG_PAGE_MAX).expect("a small page");
    // Two pages and a half of backlog.
    propose(&world, 0, page * 5 / 2).await;
    let backlog = every_alert_id(&world).await;
    assert!(backlog.len() >= BACKLOG_PAGE_MAX * 5 / 2, "{}", backlog.len());

    let mut body = open_stream(&world.fixture, Some("0.0")).await;
    let mut received = read_events(&mut body, 100).await;
    // Raised while the first page is being sent, then while the second is.
    propose(&world, 10_000, 5).await;
    received.extend(read_events(&mut body, BACKLOG_PAGE_MAX).await);
    propose(&world, 10_005, 5).await;
    let expected = every_alert_id(&world).await;
    assert_eq!(expected.len(), backlog.len() + 10);
    received.extend(read_events(&mut body, expected.len() - received.len()).await);
    // And live after the backlog: exactly the next one.
    propose(&world, 10_010, 1).await;
    received.extend(read_events(&mut body, 1).await);
    let expected = every_alert_id(&world).await;

    let ids: Vec<String> = received.iter().map(|event| event.split(' ').next().expect("an id").to_owned()).collect();
    assert_eq!(ids, expected, "every alert once, in order");
}
