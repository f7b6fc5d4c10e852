//! Webhooks against real HTTP subscribers on 127.0.0.1: who gets a confidential alert, what
//! the public delivery log shows of it, retries with backoff, and redirects.
//!
//! Signatures are checked with the Standard Webhooks reference library over the raw body and
//! headers each subscriber received, an implementation independent of the one that signs.
//! Deliveries owed survive a restart of the dispatcher, and alerts raised while none ran are
//! delivered when one starts.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use http_body_util::BodyExt;
use parking_lot::Mutex;
use serde_json::{json, Value};
use tower::ServiceExt;
use truce_core::{alert_is_public, Alert};
use truce_store::Outbox;

use super::{
    id,
    monitoring::{
        assert_standard_signature, redact_port, report_shelling, strike_notified_site, subscriber, webhook_secret,
        world_in_force, Received, NOTIFICATION,
    },
    World, OPP, RU, UN,
};
use crate::{
    router,
    webhooks::{open_outbox, Dispatcher, RetryPolicy, Subscription, WebhookError},
    AppState,
};

/// How long a test waits for deliveries before it fails.
const DELIVERY_WAIT: Duration = Duration::from_secs(10);

/// A subscription as `webhooks.json` spells it.
fn subscription(url: &str, secret: &str, party_ids: Option<Vec<String>>) -> Subscription {
    let mut value = json!({"url": url, "secret": secret});
    if let Some(party_ids) = party_ids {
        value["party_ids"] = json!(party_ids);
    }
    serde_json::from_value(value).expect("a valid subscription")
}

/// An outbox in a directory of its own, kept as long as the directory is.
fn outbox() -> (tempfile::TempDir, Outbox) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let outbox = open_outbox(dir.path()).expect("an outbox");
    (dir, outbox)
}

/// The fixture's state with a started dispatcher for `subscriptions`.
fn with_dispatcher(
    world: &World,
    subscriptions: Vec<Subscription>,
    policy: RetryPolicy,
) -> (AppState, Arc<Dispatcher>) {
    let (dir, outbox) = outbox();
    // The outbox's directory lives as long as the test's process.
    std::mem::forget(dir);
    let dispatcher = Dispatcher::new(subscriptions, policy, world.fixture.clock.clone(), outbox);
    // The task ends when the node's broadcast closes, with the test.
    drop(dispatcher.start(world.fixture.state.node.clone()));
    (world.fixture.state.clone().with_webhooks(Arc::clone(&dispatcher)), dispatcher)
}

/// `GET /api/v1/webhooks/deliveries`.
async fn public_log(state: &AppState) -> Value {
    let reply = router(state.clone())
        .oneshot(
            Request::get("/api/v1/webhooks/deliveries")
                .header(header::AUTHORIZATION, format!("Bearer {}", super::token_for(state, &super::id(1))))
                .body(Body::empty())
                .expect("a request"),
        )
        .await
        .expect("the router is infallible");
    assert_eq!(reply.status(), StatusCode::OK);
    let bytes = reply.into_body().collect().await.expect("a body").to_bytes();
    serde_json::from_slice(&bytes).expect("JSON")
}

/// Waits until `done` holds; fails the test after `DELIVERY_WAIT`.
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + DELIVERY_WAIT;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn received_ids(received: &Mutex<Vec<Received>>) -> Vec<String> {
    let mut ids: Vec<String> = received.lock().iter().map(|r| r.alert_id.clone()).collect();
    ids.sort();
    ids
}

fn log_lines(log: &Value) -> Vec<String> {
    log["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            redact_port(&format!(
                "{} {} attempt {} {} {}",
                i["alert_id"], i["url"], i["attempt"], i["outcome"], i["status"]
            ))
        })
        .collect()
}

#[tokio::test]
async fn a_notification_alert_goes_only_to_the_addressed_partys_subscription_and_never_into_the_public_log() {
    let (world, monitor) = world_in_force().await;
    let (public_url, public_received) = subscriber(0).await;
    let (ru_url, ru_received) = subscriber(0).await;
    let (un_url, un_received) = subscriber(0).await;
    let secrets = [webhook_secret(1), webhook_secret(2), webhook_secret(3)];
    let subscriptions = vec![
        subscription(&public_url, &secrets[0], None),
        subscription(&ru_url, &secrets[1], Some(vec![id(RU)])),
        subscription(&un_url, &secrets[2], Some(vec![id(UN)])),
    ];
    let policy =
        RetryPolicy { attempts_max: 1, first_delay: Duration::from_millis(10), timeout: Duration::from_secs(5) };
    let (state, dispatcher) = with_dispatcher(&world, subscriptions, policy);
    let alerts_before = world.fixture.state.node.read_state(|state| state.alerts.len());
    strike_notified_site(&world, &monitor).await;
    // A public alert after the confidential one: every subscriber gets it.
    report_shelling(&world, &monitor).await;

    let raised: Vec<Alert> = world.fixture.state.node.read_state(|state| state.alerts[alerts_before..].to_vec());
    let ids = |public_only: bool| -> Vec<String> {
        let mut ids: Vec<String> =
            raised.iter().filter(|a| !public_only || alert_is_public(a)).map(|a| a.alert_id.to_string()).collect();
        ids.sort();
        ids
    };
    let confidential: Vec<&Alert> = raised.iter().filter(|a| !alert_is_public(a)).collect();
    assert_eq!(confidential.len(), 1, "the strike raised one confidential alert: {raised:?}");
    let confidential = confidential[0];
    let parties: Vec<String> = confidential.parties.iter().map(|p| p.to_string()).collect();
    assert_eq!(parties, vec![id(RU), id(OPP)], "addressed to the notified parties");
    assert!(ids(true).len() == 1, "the shelling raised one public alert: {raised:?}");

    // RU's subscription gets both; the public one and UN's only the public alert. Alerts are
    // dispatched in log order and an unaddressed subscription gets no delivery task at all,
    // so once the later public alert has arrived, the confidential one never will.
    let public_id = ids(true)[0].clone();
    wait_until("the public alert at every subscriber, and the confidential one at RU's", || {
        received_ids(&ru_received) == ids(false)
            && received_ids(&public_received).contains(&public_id)
            && received_ids(&un_received).contains(&public_id)
    })
    .await;
    assert_eq!(received_ids(&public_received), ids(true), "the public subscription");
    assert_eq!(received_ids(&un_received), ids(true), "UN's subscription");
    let ru_deliveries = ru_received.lock().clone();
    let delivered = ru_deliveries.iter().find(|r| r.alert_id == confidential.alert_id.to_string()).expect("delivered");
    let body: Value = serde_json::from_slice(&delivered.body).expect("a JSON body");
    assert_eq!(body["notification_id"], json!(id(NOTIFICATION)));
    assert_eq!(body["parties"], json!([id(RU), id(OPP)]));

    // Every delivery is signed with its subscription's secret, as Standard Webhooks checks it.
    for (received, secret) in
        [(&public_received, &secrets[0]), (&ru_received, &secrets[1]), (&un_received, &secrets[2])]
    {
        for delivery in received.lock().iter() {
            assert_standard_signature(secret, delivery);
        }
    }

    // The public log shows the public deliveries, and nothing of the confidential one, once
    // the dispatcher has recorded all four.
    wait_until("every delivery recorded", || dispatcher.full_log().len() == 4).await;
    let log = public_log(&state).await;
    let text = log.to_string();
    assert!(!text.contains(&format!("\"{}\"", confidential.alert_id)), "{text}");
    assert!(!text.contains("notification"), "{text}");
    let mut lines = log_lines(&log);
    lines.sort();
    assert_eq!(
        lines,
        vec![
            format!("\"{public_id}\" \"http://127.0.0.1:PORT/hook\" attempt 1 \"delivered\" 204"),
            format!("\"{public_id}\" \"http://127.0.0.1:PORT/hook\" attempt 1 \"delivered\" 204"),
            format!("\"{public_id}\" \"http://127.0.0.1:PORT/hook\" attempt 1 \"delivered\" 204"),
        ]
    );
}

#[tokio::test]
async fn a_subscriber_that_keeps_failing_gets_every_attempt_with_doubling_waits_then_the_delivery_fails() {
    let (world, monitor) = world_in_force().await;
    let (url, received) = subscriber(usize::MAX).await;
    let policy =
        RetryPolicy { attempts_max: 3, first_delay: Duration::from_millis(30), timeout: Duration::from_secs(5) };
    let (state, dispatcher) = with_dispatcher(&world, vec![subscription(&url, &webhook_secret(9), None)], policy);
    report_shelling(&world, &monitor).await;
    wait_until("three attempts recorded", || dispatcher.full_log().len() == 3).await;
    expect_test::expect![[r#"
        [
            "\"15.0\" \"http://127.0.0.1:PORT/hook\" attempt 1 \"retrying\" 500",
            "\"15.0\" \"http://127.0.0.1:PORT/hook\" attempt 2 \"retrying\" 500",
            "\"15.0\" \"http://127.0.0.1:PORT/hook\" attempt 3 \"failed\" 500",
        ]
    "#]]
    .assert_debug_eq(&log_lines(&public_log(&state).await));
    let received = received.lock().clone();
    assert_eq!(received.len(), 3, "no attempt after the last");
    let gaps: Vec<Duration> = received.windows(2).map(|pair| pair[1].at - pair[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(30), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(60), "{gaps:?}");
}

#[tokio::test]
async fn a_redirect_is_a_failed_attempt_and_the_body_is_not_sent_where_it_points() {
    let (world, monitor) = world_in_force().await;
    let (elsewhere, elsewhere_received) = subscriber(0).await;
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let location = elsewhere.clone();
            async move { (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, location)]) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a local port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let policy =
        RetryPolicy { attempts_max: 1, first_delay: Duration::from_millis(10), timeout: Duration::from_secs(5) };
    let url = format!("http://{address}/hook");
    let (state, dispatcher) = with_dispatcher(&world, vec![subscription(&url, &webhook_secret(9), None)], policy);
    report_shelling(&world, &monitor).await;
    wait_until("the attempt recorded", || dispatcher.full_log().len() == 1).await;
    expect_test::expect![[r#"
        [
            "\"15.0\" \"http://127.0.0.1:PORT/hook\" attempt 1 \"failed\" 307",
        ]
    "#]]
    .assert_debug_eq(&log_lines(&public_log(&state).await));
    assert!(elsewhere_received.lock().is_empty(), "the redirect was followed");
}

#[tokio::test]
async fn deliveries_owed_survive_a_restart_and_alerts_raised_while_down_are_delivered_after_it() {
    let (world, monitor) = world_in_force().await;
    // Fails the first attempt, then accepts.
    let (url, received) = subscriber(1).await;
    let secret = webhook_secret(5);
    let subscriptions = || vec![subscription(&url, &secret, Some(vec![id(RU)]))];
    let policy =
        RetryPolicy { attempts_max: 5, first_delay: Duration::from_millis(300), timeout: Duration::from_secs(5) };
    let dir = tempfile::tempdir().expect("a temp dir");
    let node = world.fixture.state.node.clone();

    let before = Dispatcher::new(
        subscriptions(),
        policy,
        world.fixture.clock.clone(),
        open_outbox(dir.path()).expect("an outbox"),
    );
    let running = before.start(node.clone());
    report_shelling(&world, &monitor).await;
    wait_until("the first attempt failed", || before.full_log().len() == 1).await;
    assert_eq!(before.owed(), 1, "the failed delivery is still owed");
    // The dispatcher stops (the process dies) with the retry owed.
    running.abort();
    let _ = running.await;

    // While none runs, a confidential alert addressed to RU is raised.
    let alerts_before = node.read_state(|state| state.alerts.len());
    strike_notified_site(&world, &monitor).await;
    let raised: Vec<String> =
        node.read_state(|state| state.alerts[alerts_before..].iter().map(|a| a.alert_id.to_string()).collect());
    assert!(!raised.is_empty(), "the strike raised alerts");

    let after = Dispatcher::new(
        subscriptions(),
        policy,
        world.fixture.clock.clone(),
        open_outbox(dir.path()).expect("the same outbox, reopened"),
    );
    drop(after.start(node.clone()));
    let mut expected: Vec<String> = vec!["15.0".to_owned()];
    expected.extend(raised.iter().cloned());
    expected.sort();
    wait_until("the retry and the alerts raised while down, delivered", || {
        let mut delivered: Vec<String> = received.lock().iter().skip(1).map(|r| r.alert_id.clone()).collect();
        delivered.sort();
        delivered == expected
    })
    .await;
    wait_until("nothing owed", || after.owed() == 0).await;
    for delivery in received.lock().iter() {
        assert_standard_signature(&secret, delivery);
    }
    let attempts: Vec<u32> = after
        .full_log()
        .iter()
        .filter(|r| r.alert_id.as_ref().is_some_and(|a| a.to_string() == "15.0"))
        .map(|r| r.attempt)
        .collect();
    assert_eq!(attempts, [2], "the restarted dispatcher made the second attempt, counting the first");
}

#[test]
fn a_secret_that_is_not_a_standard_webhooks_secret_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let good = webhook_secret(1);
    for (secret, refused) in [
        (good.as_str(), false),
        ("s3cret", true),
        ("whsec_not base64", true),
        // 8 bytes: too short a key.
        ("whsec_AAAAAAAAAAA=", true),
    ] {
        let file = json!([{"url": "https://hooks.example.org/truce", "secret": "x"},
                          {"url": "https://hooks.example.org/truce", "secret": secret}]);
        let file = file.to_string().replacen("\"x\"", &format!("{:?}", good), 1);
        std::fs::write(dir.path().join(crate::webhooks::WEBHOOKS_FILE), file).expect("written");
        match crate::webhooks::load_subscriptions(dir.path()) {
            Ok(_) => assert!(!refused, "{secret} was taken"),
            Err(err @ WebhookError::BadSecret { .. }) => {
                assert!(refused, "{secret} was refused");
                let text = err.to_string();
                assert!(text.starts_with("subscriptions[1].secret") && text.contains("whsec_"), "{text}");
                assert!(!text.contains(secret), "the refusal repeats the secret: {text}");
            }
            Err(err) => panic!("{secret}: {err}"),
        }
    }
}

/// A request through the router as `account`, with a bearer token.
async fn as_account(
    state: &AppState,
    account: &str,
    request: axum::http::request::Builder,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let token = super::token_for(state, account);
    let request = request
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.map_or_else(Body::empty, |body| Body::from(body.to_string())))
        .expect("a request");
    let response = router(state.clone()).oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("a body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_party_subscribes_through_the_api_gets_its_own_confidential_alerts_signed_and_no_other_party_sees_it() {
    let (world, monitor) = world_in_force().await;
    let (url, received) = subscriber(0).await;
    let policy =
        RetryPolicy { attempts_max: 1, first_delay: Duration::from_millis(10), timeout: Duration::from_secs(5) };
    let dir = tempfile::tempdir().expect("a temp dir");
    let dispatcher =
        Dispatcher::new(Vec::new(), policy, world.fixture.clock.clone(), open_outbox(dir.path()).expect("an outbox"));
    drop(dispatcher.start(world.fixture.state.node.clone()));
    let state = world.fixture.state.clone().with_webhooks(Arc::clone(&dispatcher));
    let subscriptions = || Request::builder().uri("/api/v1/webhooks/subscriptions");

    // Anonymous: no.
    let anonymous = router(state.clone())
        .oneshot(Request::get("/api/v1/webhooks/subscriptions").body(Body::empty()).expect("a request"))
        .await
        .expect("infallible");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // A URL that is not one is named.
    let (status, problem) =
        as_account(&state, &world.ru.account, subscriptions().method("POST"), Some(json!({"url": "ftp://x"}))).await;
    assert_eq!((status, problem["field"].clone()), (StatusCode::BAD_REQUEST, json!("url")), "{problem}");

    let (status, created) =
        as_account(&state, &world.ru.account, subscriptions().method("POST"), Some(json!({"url": url}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().expect("the secret, once").to_owned();
    let subscription_id = created["subscription_id"].as_str().expect("an id").to_owned();
    assert_eq!(created["party_id"], json!(id(RU)));

    // RU lists it, without the secret; OPP sees none of it and cannot delete it.
    let (_, listed) = as_account(&state, &world.ru.account, subscriptions().method("GET"), None).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "{listed}");
    assert!(!listed.to_string().contains(&secret), "{listed}");
    let (_, theirs) = as_account(&state, &world.opp.account, subscriptions().method("GET"), None).await;
    assert_eq!(theirs["items"], json!([]), "{theirs}");
    let delete = |id: &str| Request::builder().method("DELETE").uri(format!("/api/v1/webhooks/subscriptions/{id}"));
    let (status, _) = as_account(&state, &world.opp.account, delete(&subscription_id), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // It gets the confidential alert addressed to RU, and the public one, signed with its secret.
    let alerts_before = world.fixture.state.node.read_state(|state| state.alerts.len());
    strike_notified_site(&world, &monitor).await;
    report_shelling(&world, &monitor).await;
    let raised: Vec<String> = world
        .fixture
        .state
        .node
        .read_state(|state| state.alerts[alerts_before..].iter().map(|a| a.alert_id.to_string()).collect());
    wait_until("every alert at RU's subscription", || {
        let mut got = received_ids(&received);
        got.sort();
        let mut want = raised.clone();
        want.sort();
        got == want
    })
    .await;
    for delivery in received.lock().iter() {
        assert_standard_signature(&secret, delivery);
    }

    // A restarted dispatcher still has it; once deleted, nothing more is sent to it.
    let again =
        Dispatcher::new(Vec::new(), policy, world.fixture.clock.clone(), open_outbox(dir.path()).expect("reopened"));
    assert_eq!(again.made_count(), 1);
    let (status, left) = as_account(&state, &world.ru.account, delete(&subscription_id), None).await;
    assert_eq!((status, left["items"].clone()), (StatusCode::OK, json!([])));
    let count = received.lock().len();
    world
        .fixture
        .accept(
            &monitor,
            json!({"type": "report_incident", "incident_id": id(9_001), "kind": "shelling",
                   "location": {"position": [37.17, 36.20], "uncertainty_m": 50.0},
                   "when": {"start": "2016-12-12T09:40:00Z"}, "description": "Shelling again",
                   "source": super::monitoring::source(9_002, "EFE")}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(received.lock().len(), count, "a deleted subscription got a delivery");
}
