//! Monitoring over HTTP: incidents, violations and alerts (JSON, CAP 1.2, Atom, the live
//! stream and webhooks), statements and convoys, and the confidentiality of humanitarian
//! notifications. Counts (population, movement, passages) are in `counts.rs`.
//!
//! Here CAP is read with an XML parser for what a message says; `cap.rs` validates every
//! message against the official OASIS CAP 1.2 schema with an independent validator.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    http::{header, HeaderMap, Request, StatusCode},
};
use expect_test::expect;
use http_body_util::BodyExt;
use parking_lot::Mutex;
use quick_xml::{events::Event as XmlEvent, Reader};
use serde_json::{json, Value};
use tower::ServiceExt;

use super::{id, Fixture, Signer, World, EAST_ALEPPO, OPP, OPP_FORCE, RU, SAA};
use crate::{
    router,
    webhooks::{Dispatcher, RetryPolicy, Subscription},
};

pub(super) const PLAN: u32 = 400;
pub(super) const EA_1: u32 = 500;
pub(super) const NO_ATTACK: u32 = 600;
pub(super) const INCIDENT: u32 = 900;
pub(super) const SITE_INCIDENT: u32 = 901;
pub(super) const NOTIFICATION: u32 = 950;

/// The world with the plan in force: EA-1 open all day, RU's no_attack active, and a monitor.
pub(super) async fn world_in_force() -> (World, Signer) {
    let world = World::new().await;
    let fixture = &world.fixture;
    let mut terms = super::terms(EA_1, "EA-1", NO_ATTACK);
    terms["corridors"][0]["windows"] = json!([{"start": "2016-12-12T08:00:00Z", "end": "2016-12-13T08:00:00Z"}]);
    terms["truce"] = json!({"zone_id": id(EAST_ALEPPO), "start": {"kind": "immediately"}});
    fixture
        .accept(
            &world.ru,
            json!({"type": "propose_agreement", "agreement_id": id(PLAN), "title": "Evacuation", "terms": terms}),
        )
        .await;
    fixture.accept(&world.ru, json!({"type": "endorse", "agreement_id": id(PLAN), "version": 1})).await;
    fixture.accept(&world.opp, json!({"type": "endorse", "agreement_id": id(PLAN), "version": 1})).await;
    let monitor = world.un_account(120, 21, "monitor").await;
    fixture.clock.set("2016-12-12T10:00:00Z");
    (world, monitor)
}

pub(super) fn source(n: u32, organisation: &str) -> Value {
    json!({"source_id": id(n), "organisation": organisation, "kind": "media",
           "casualties": {"civilians_killed": {"min": 2 * n, "max": 3 * n}}, "responsible_force_id": id(SAA)})
}

/// Shelling on EA-1's first vertex, reported by the monitor with one media source.
pub(super) async fn report_shelling(world: &World, monitor: &Signer) {
    world
        .fixture
        .accept(
            monitor,
            json!({"type": "report_incident", "incident_id": id(INCIDENT), "kind": "shelling",
                   "location": {"position": [37.17, 36.20], "uncertainty_m": 50.0},
                   "when": {"start": "2016-12-12T09:30:00Z"}, "description": "Shelling <near> the corridor & checkpoint",
                   "source": source(1, "EFE")}),
        )
        .await;
}

/// RU notifies a field hospital to itself and OPP, and the monitor reports an airstrike on
/// it: a violation of a humanitarian notification, whose alerts are confidential.
pub(super) async fn strike_notified_site(world: &World, monitor: &Signer) {
    let fixture = &world.fixture;
    fixture
        .accept(
            &world.ru,
            json!({"type": "notify_humanitarian", "notification_id": id(NOTIFICATION),
                   "notified": {"kind": "site", "name": "Field hospital", "site_kind": "hospital",
                                "position": [37.19, 36.22], "radius_m": 100.0},
                   "party_ids": [id(RU), id(OPP)], "deadline": "2016-12-12T12:00:00Z"}),
        )
        .await;
    fixture
        .accept(
            monitor,
            json!({"type": "report_incident", "incident_id": id(SITE_INCIDENT), "kind": "airstrike",
                   "location": {"position": [37.19, 36.22], "uncertainty_m": 20.0},
                   "when": {"start": "2016-12-12T10:00:00Z"}, "description": "Airstrike on the field hospital",
                   "source": source(3, "SAMS")}),
        )
        .await;
}

pub(super) async fn read(fixture: &Fixture, uri: &str) -> Value {
    let reply = fixture.get(uri).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text);
    reply.json()
}

fn alert_lines(page: &Value) -> String {
    let items = page["items"].as_array().expect("items");
    let lines: Vec<String> = items
        .iter()
        .map(|a| format!("{} {} {}", a["alert_id"].as_str().unwrap_or(""), a["kind"], a["headline"]))
        .collect();
    lines.join("\n")
}

/// The CAP message's elements as `path=text` lines, in document order.
fn cap_outline(xml: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    loop {
        match reader.read_event().expect("the CAP message is well-formed XML") {
            XmlEvent::Start(start) => {
                let name = String::from_utf8(start.name().as_ref().to_vec()).expect("UTF-8");
                if path.is_empty() {
                    let xmlns = start.try_get_attribute("xmlns").expect("attributes parse").expect("a namespace");
                    lines.push(format!("xmlns={}", xmlns.unescape_value().expect("a value")));
                }
                path.push(name);
                lines.push(path.join("/"));
            }
            XmlEvent::Text(text) => {
                let last = lines.pop().expect("text is inside an element");
                lines.push(format!("{last}={}", text.unescape().expect("text unescapes")));
            }
            XmlEvent::End(_) => {
                path.pop();
            }
            XmlEvent::Eof => break,
            _ => {}
        }
    }
    lines
}

/// Checks what CAP 1.2 requires of the message and returns its outline.
fn check_cap(xml: &str) -> Vec<String> {
    let lines = cap_outline(xml);
    assert_eq!(lines[0], "xmlns=urn:oasis:names:tc:emergency:cap:1.2");
    let names: Vec<&str> = lines[1..].iter().map(|l| l.split('=').next().unwrap_or("")).collect();
    let top: Vec<&str> = names.iter().filter(|n| n.matches('/').count() == 1).copied().collect();
    // The order of `alert`'s children in the CAP 1.2 schema (a sequence).
    let order = ["identifier", "sender", "sent", "status", "msgType", "scope", "references", "info"];
    let positions: Vec<usize> = top
        .iter()
        .map(|n| order.iter().position(|o| n == &format!("alert/{o}")).unwrap_or_else(|| panic!("{n}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "alert children out of order: {top:?}");
    for required in ["identifier", "sender", "sent", "status", "msgType", "scope"] {
        assert!(top.contains(&format!("alert/{required}").as_str()), "{required} missing");
    }
    let info_order = [
        "language",
        "category",
        "event",
        "urgency",
        "severity",
        "certainty",
        "effective",
        "senderName",
        "headline",
        "description",
        "instruction",
        "web",
        "parameter",
        "area",
    ];
    let info: Vec<&str> =
        names.iter().filter_map(|n| n.strip_prefix("alert/info/")).filter(|n| !n.contains('/')).collect();
    let positions: Vec<usize> =
        info.iter().map(|n| info_order.iter().position(|o| o == n).unwrap_or_else(|| panic!("{n}"))).collect();
    assert!(positions.windows(2).all(|w| w[0] <= w[1]), "info children out of order: {info:?}");
    let value = |name: &str| {
        lines.iter().find_map(|l| l.strip_prefix(&format!("{name}="))).unwrap_or_else(|| panic!("{name}")).to_owned()
    };
    let sent = value("alert/sent");
    let sent_format = sent.len() == 25
        && sent.as_bytes()[10] == b'T'
        && sent.ends_with("-00:00")
        && chrono::DateTime::parse_from_rfc3339(&sent).is_ok();
    assert!(sent_format, "sent {sent} is not CAP's dateTime");
    for (name, allowed) in [
        ("alert/status", &["Actual", "Exercise", "System", "Test", "Draft"][..]),
        ("alert/msgType", &["Alert", "Update", "Cancel", "Ack", "Error"]),
        ("alert/scope", &["Public", "Restricted", "Private"]),
        ("alert/info/category", &["Safety", "Security", "Other"]),
        ("alert/info/urgency", &["Immediate", "Expected", "Future", "Past", "Unknown"]),
        ("alert/info/severity", &["Extreme", "Severe", "Moderate", "Minor", "Unknown"]),
        ("alert/info/certainty", &["Observed", "Likely", "Possible", "Unlikely", "Unknown"]),
    ] {
        assert!(allowed.contains(&value(name).as_str()), "{name} = {}", value(name));
    }
    for name in ["alert/identifier", "alert/sender"] {
        let text = value(name);
        assert!(!text.contains([' ', ',', '<', '&']), "{name} {text}");
    }
    lines
}

#[tokio::test]
async fn a_reported_shelling_is_an_alleged_violation_with_an_alert_and_a_second_source_substantiates_it() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    report_shelling(&world, &monitor).await;

    let incident = read(fixture, &format!("/api/v1/incidents/{}", id(INCIDENT))).await;
    assert_eq!(
        incident["grade"],
        json!({"grade": "single_source", "overridden": false, "derived": "single_source", "overrides": [],
               "reasons": ["single source: EFE"],
               "sources": [{"source_id": id(1), "organisation": "EFE", "claimed": "media", "counts_as": "media"}]})
    );
    assert_eq!(incident["violations"][0]["status"], json!("alleged"));
    assert_eq!(incident["accused_forces"], json!([id(SAA)]));
    assert_eq!(incident["attributed_force"], json!(id(SAA)));
    let listed = read(fixture, "/api/v1/incidents").await;
    assert_eq!(listed["items"][0]["incident_id"], json!(id(INCIDENT)));
    let violations = read(fixture, "/api/v1/violations?status=alleged").await;
    assert_eq!(violations["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(violations["items"][0]["commitment_id"], json!(id(NO_ATTACK)));
    assert_eq!(violations["items"][0]["parties"], json!([id(RU)]));

    let alerts = read(fixture, "/api/v1/alerts").await;
    expect![[r#"
        11.0 "agreement_changed" "Evacuation: version 1 of an agreement was proposed"
        12.0 "agreement_changed" "Evacuation: Party RU endorsed version 1"
        13.0 "agreement_changed" "Evacuation: Party OPP endorsed version 1"
        13.1 "corridor_opened" "Evacuation: corridor EA-1 (Corridor EA-1) opened for civilians, fighters, the wounded"
        15.0 "violation_new" "alleged violation of a commitment""#]]
    .assert_eq(&alert_lines(&alerts));
    let reply = fixture.get("/api/v1/alerts/15.0.cap").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type, "application/cap+xml");
    let outline = check_cap(&reply.text);
    expect![[r#"
        xmlns=urn:oasis:names:tc:emergency:cap:1.2
        alert
        alert/identifier=truce.test/log/alerts/15.0
        alert/sender=truce.test/log
        alert/sent=2016-12-12T10:00:00-00:00
        alert/status=Actual
        alert/msgType=Alert
        alert/scope=Public
        alert/info
        alert/info/language=en-US
        alert/info/category=Security
        alert/info/event=Ceasefire violation
        alert/info/urgency=Immediate
        alert/info/severity=Moderate
        alert/info/certainty=Possible
        alert/info/effective=2016-12-12T09:30:00-00:00
        alert/info/senderName=truce
        alert/info/headline=Alleged violation of a commitment
        alert/info/description=Alleged violation of a commitment.
        Incident 01900000-0000-7000-8000-000000000384 (shelling) at 2016-12-12T09:30:00-00:00: Shelling <near> the corridor & checkpoint
        Addressed to: Party RU.
        alert/info/instruction=The parties addressed are expected to investigate the incident, stop any action against their commitment, and tell the monitors what they find.
        alert/info/web=http://localhost/incidents/01900000-0000-7000-8000-000000000384
        alert/info/parameter
        alert/info/parameter/valueName=alert_kind
        alert/info/parameter/value=violation_new
        alert/info/parameter
        alert/info/parameter/valueName=incident_id
        alert/info/parameter/value=01900000-0000-7000-8000-000000000384
        alert/info/parameter
        alert/info/parameter/valueName=commitment_id
        alert/info/parameter/value=01900000-0000-7000-8000-000000000258
        alert/info/parameter
        alert/info/parameter/valueName=agreement_id
        alert/info/parameter/value=01900000-0000-7000-8000-000000000190
        alert/info/area
        alert/info/area/areaDesc=Within 50 m of 36.20000, 37.17000 (incident 01900000-0000-7000-8000-000000000384)
        alert/info/area/circle=36.200000,37.170000 0.050
        alert/info/area
        alert/info/area/areaDesc=Corridor EA-1 (Corridor EA-1), with its half-width of 150 m
        alert/info/area/polygon=36.210380,37.138399 36.210102,37.138337 36.209820,37.138347 36.209545,37.138429 36.209291,37.138580 36.209067,37.138793 36.208884,37.139059 36.208750,37.139366 36.198750,37.169365 36.198670,37.169700 36.198649,37.170048 36.198686,37.170393 36.198781,37.170722 36.198929,37.171018 36.199124,37.171271 36.199358,37.171468 36.199619,37.171600 36.199897,37.171663 36.200180,37.171653 36.200454,37.171571 36.200709,37.171420 36.200933,37.171207 36.201116,37.170941 36.201250,37.170635 36.211250,37.140634 36.211330,37.140300 36.211351,37.139952 36.211314,37.139606 36.211219,37.139278 36.211070,37.138981 36.210875,37.138729 36.210642,37.138532 36.210380,37.138399"#]]
    .assert_eq(&outline.join("\n"));
    assert!(reply.text.contains("Shelling &lt;near&gt; the corridor &amp; checkpoint"), "{}", reply.text);

    fixture
        .accept(
            &monitor,
            json!({"type": "add_source", "incident_id": id(INCIDENT), "source": source(2, "Anadolu Agency")}),
        )
        .await;
    let incident = read(fixture, &format!("/api/v1/incidents/{}", id(INCIDENT))).await;
    assert_eq!(incident["grade"]["grade"], json!("corroborated"));
    assert_eq!(incident["sources"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        incident["figures"],
        json!([{"field": "civilians_killed", "min": 2, "max": 6, "sources_count": 2, "sources_agree": false}])
    );
    let violations = read(fixture, "/api/v1/violations?status=substantiated").await;
    assert_eq!(violations["items"][0]["status"], json!("substantiated"));
    assert_eq!(read(fixture, "/api/v1/violations?status=alleged").await["items"], json!([]));
    let alerts = read(fixture, "/api/v1/alerts?cursor=15.0").await;
    expect![[r#"16.0 "violation_changed" "substantiated violation of a commitment""#]].assert_eq(&alert_lines(&alerts));
    let outline = check_cap(&fixture.get("/api/v1/alerts/16.0.cap").await.text);
    let picked: Vec<&String> = outline
        .iter()
        .filter(|l| l.starts_with("alert/msgType") || l.starts_with("alert/references") || l.contains("certainty"))
        .collect();
    expect![[r#"
        [
            "alert/msgType=Update",
            "alert/references=truce.test/log,truce.test/log/alerts/15.0,2016-12-12T10:00:00-00:00",
            "alert/info/certainty=Likely",
        ]
    "#]]
    .assert_debug_eq(&picked);

    let atom = fixture.get("/api/v1/alerts.atom").await;
    assert_eq!(atom.content_type, "application/atom+xml");
    let outline = cap_outline(&atom.text);
    assert_eq!(outline[0], "xmlns=http://www.w3.org/2005/Atom");
    for required in ["feed/id", "feed/title", "feed/updated", "feed/author/name", "feed/entry/id", "feed/entry/updated"]
    {
        assert!(outline.iter().any(|l| l.starts_with(required)), "{required} missing: {outline:?}");
    }
    assert!(atom.text.contains(r#"href="http://localhost/api/v1/alerts/16.0.cap""#), "{}", atom.text);
    let first_entry = atom.text.find("<entry>").expect("an entry");
    assert!(atom.text[first_entry..].find("16.0.cap") < atom.text[first_entry..].find("15.0.cap"), "newest first");
}

const ANALYST: u32 = 131;

/// An analyst's grade is the incident's grade; the view still says what its sources and
/// statements alone give (`derived`), contested here, with its reasons.
#[tokio::test]
async fn an_analysts_grade_overrides_and_the_view_keeps_the_grade_its_sources_give() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    report_shelling(&world, &monitor).await;
    let mut second = source(2, "Opposition media office");
    second["responsible_force_id"] = json!(id(OPP_FORCE));
    fixture.accept(&monitor, json!({"type": "add_source", "incident_id": id(INCIDENT), "source": second})).await;
    let analyst = world.un_account(ANALYST, 23, "analyst").await;
    let before = read(fixture, &format!("/api/v1/incidents/{}", id(INCIDENT))).await;
    assert_eq!(before["grade"]["grade"], json!("contested"));
    fixture
        .accept(
            &analyst,
            json!({"type": "grade_incident", "incident_id": id(INCIDENT), "grade": "verified",
                   "reason": "Confirmed by imagery"}),
        )
        .await;
    let after = read(fixture, &format!("/api/v1/incidents/{}", id(INCIDENT))).await;
    assert_eq!(after["grade"]["grade"], json!("verified"));
    assert_eq!(after["grade"]["overridden"], json!(true));
    assert_eq!(after["grade"]["derived"], json!("contested"));
    assert_eq!(after["grade"]["reasons"], json!(["set by an analyst: Confirmed by imagery"]));
}

#[tokio::test]
async fn bad_monitoring_reads_are_404_or_400_problems() {
    let (world, _) = world_in_force().await;
    let fixture = &world.fixture;
    let problem = |uri: &'static str| async move { fixture.get(uri).await.problem() };
    expect![[r#"
        404
        {
          "detail": "incident nope does not exist",
          "instance": "/api/v1/incidents/nope",
          "status": 404,
          "title": "Not found",
          "type": "/problems/not-found"
        }"#]]
    .assert_eq(&problem("/api/v1/incidents/nope").await);
    let reply = problem("/api/v1/violations?status=proven").await;
    assert!(reply.starts_with("400"), "{reply}");
    assert!(reply.contains(r#""field": "status""#), "{reply}");
    assert!(problem("/api/v1/alerts/99.0.cap").await.starts_with("404"));
    assert!(problem("/api/v1/alerts/12.0").await.starts_with("404"));
    assert!(problem("/api/v1/zones/XX/population").await.starts_with("404"));
    assert!(problem("/api/v1/corridors/XX/movement").await.starts_with("404"));
    assert!(problem("/api/v1/alerts?cursor=x").await.contains(r#""field": "cursor""#));
}

/// Reads SSE events (`id event data` lines) until `count` arrive; panics after 5 s.
pub(super) async fn read_events(body: &mut Body, count: usize) -> Vec<String> {
    let mut events = Vec::new();
    let mut buffer = String::new();
    while events.len() < count {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .unwrap_or_else(|_| panic!("timed out with {events:?}"))
            .expect("the stream is open")
            .expect("a frame reads");
        let Ok(data) = frame.into_data() else {
            continue;
        };
        buffer.push_str(std::str::from_utf8(&data).expect("UTF-8"));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                block.lines().find_map(|l| l.strip_prefix(&format!("{name}:"))).map(|v| v.trim().to_owned())
            };
            if let Some(id) = field("id") {
                let data: Value = serde_json::from_str(&field("data").unwrap_or_default()).expect("JSON data");
                events.push(format!("{id} {} {}", field("event").unwrap_or_default(), data["alert_id"]));
            }
        }
    }
    events
}

pub(super) async fn open_stream(fixture: &Fixture, last_event_id: Option<&str>) -> Body {
    let mut request = Request::get("/api/v1/stream");
    if let Some(last) = last_event_id {
        request = request.header("Last-Event-ID", last);
    }
    let request = request.body(Body::empty()).expect("a valid request");
    let response = router(fixture.state.clone()).oneshot(request).await.expect("the router is infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/event-stream");
    response.into_body()
}

#[tokio::test]
async fn the_stream_replays_the_alerts_after_last_event_id_then_continues_live_without_repeats() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    report_shelling(&world, &monitor).await;
    let mut body = open_stream(fixture, Some("12.0")).await;
    expect![[r#"
        [
            "13.0 agreement_changed \"13.0\"",
            "13.1 corridor_opened \"13.1\"",
            "15.0 violation_new \"15.0\"",
        ]
    "#]]
    .assert_debug_eq(&read_events(&mut body, 3).await);
    fixture
        .accept(
            &monitor,
            json!({"type": "add_source", "incident_id": id(INCIDENT), "source": source(2, "Anadolu Agency")}),
        )
        .await;
    expect![[r#"
        [
            "16.0 violation_changed \"16.0\"",
        ]
    "#]]
    .assert_debug_eq(&read_events(&mut body, 1).await);
    drop(body);

    // Through the documented operation too: the stream is listed, with its header.
    let reply = fixture.send(Request::get("/api/v1/stream").body(Body::empty()).expect("a request")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let mut headers = HeaderMap::new();
    headers.insert("last-event-id", "nonsense".parse().expect("a header value"));
    let mut request = Request::get("/api/v1/stream").body(Body::empty()).expect("a request");
    *request.headers_mut() = headers;
    let reply = fixture.send(request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["field"], json!("Last-Event-ID"));
}

#[tokio::test]
async fn streams_beyond_the_limit_are_refused_with_a_503_problem() {
    let (world, _) = world_in_force().await;
    let fixture_state = world.fixture.state.clone().with_streams(crate::StreamSlots::new(1));
    let first = router(fixture_state.clone())
        .oneshot(Request::get("/api/v1/stream").body(Body::empty()).expect("a request"))
        .await
        .expect("infallible");
    assert_eq!(first.status(), StatusCode::OK);
    let second = router(fixture_state.clone())
        .oneshot(Request::get("/api/v1/stream").body(Body::empty()).expect("a request"))
        .await
        .expect("infallible");
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    let bytes = second.into_body().collect().await.expect("a body").to_bytes();
    let problem: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(problem["type"], json!("/problems/too-many-streams"));
    drop(first);
    let third = router(fixture_state)
        .oneshot(Request::get("/api/v1/stream").body(Body::empty()).expect("a request"))
        .await
        .expect("infallible");
    assert_eq!(third.status(), StatusCode::OK, "a closed stream frees its slot");
}

#[tokio::test]
async fn a_violation_of_a_humanitarian_notification_never_appears_publicly() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    let mut live = open_stream(fixture, Some("14.0")).await;
    strike_notified_site(&world, &monitor).await;
    let confidential = fixture.state.node.read_state(|state| {
        state.alerts.iter().filter(|a| a.notification_id.is_some()).map(|a| a.alert_id.to_string()).collect::<Vec<_>>()
    });
    assert!(!confidential.is_empty(), "core raised the notification's alert");
    // The incident is public; its violation of the notification is not.
    let incident = read(fixture, &format!("/api/v1/incidents/{}", id(SITE_INCIDENT))).await;
    assert_eq!(incident["violations"], json!([]));
    for uri in [
        "/api/v1/violations",
        "/api/v1/violations.geojson",
        "/api/v1/incidents.geojson",
        "/api/v1/alerts",
        "/api/v1/alerts.atom",
        "/api/v1/incidents",
        "/api/v1/webhooks/deliveries",
    ] {
        let text = fixture.get_as(&id(1), uri).await.text;
        assert!(!text.contains(&id(NOTIFICATION)), "{uri} shows the notification");
        assert!(!text.contains("notification"), "{uri}: {text}");
        for alert_id in &confidential {
            assert!(!text.contains(&format!("\"{alert_id}\"")), "{uri} shows alert {alert_id}");
        }
    }
    for alert_id in &confidential {
        assert_eq!(fixture.get(&format!("/api/v1/alerts/{alert_id}.cap")).await.status, StatusCode::NOT_FOUND);
    }
    // The stream skips it: the next event it sends is the next public alert.
    report_shelling(&world, &monitor).await;
    let events = read_events(&mut live, 1).await;
    let public_id =
        read(fixture, "/api/v1/alerts").await["items"].as_array().and_then(|a| a.last().cloned()).expect("an alert");
    assert_eq!(events, vec![format!("{0} violation_new \"{0}\"", public_id["alert_id"].as_str().unwrap_or(""))]);
}

#[tokio::test]
async fn statements_and_convoys_are_listed() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    report_shelling(&world, &monitor).await;
    fixture
        .accept(
            &world.ru,
            json!({"type": "make_statement", "statement_id": id(800), "text": "Our forces did not fire",
                   "stances": [{"stance": "denies", "incident_id": id(INCIDENT)}]}),
        )
        .await;
    fixture
        .accept(
            &world.ru,
            json!({"type": "schedule_convoy", "convoy_id": id(810), "corridor_id": id(EA_1), "buses": 20,
                   "ambulances": 5, "departs_at": "2016-12-12T11:00:00Z"}),
        )
        .await;
    fixture.clock.set("2016-12-12T11:05:00Z");
    fixture.accept(&world.ru, json!({"type": "update_convoy", "convoy_id": id(810), "status": "moving"})).await;
    let statements = read(fixture, "/api/v1/statements").await;
    assert_eq!(statements["items"][0]["stances"], json!([{"stance": "denies", "incident_id": id(INCIDENT)}]));
    let incident = read(fixture, &format!("/api/v1/incidents/{}", id(INCIDENT))).await;
    assert_eq!(incident["statements"][0]["statement_id"], json!(id(800)));
    let convoys = read(fixture, "/api/v1/convoys").await;
    assert_eq!(convoys["items"][0]["status"], json!("moving"));
    let earlier = read(fixture, "/api/v1/convoys?at=2016-12-12T11:00:00Z").await;
    assert_eq!(earlier["items"][0]["status"], json!("scheduled"));
}

/// What a test subscriber received: the headers that matter, the raw body, and when.
#[derive(Debug, Clone)]
pub(super) struct Received {
    pub(super) headers: HeaderMap,
    pub(super) alert_id: String,
    pub(super) body: Vec<u8>,
    pub(super) at: tokio::time::Instant,
}

/// A subscriber on 127.0.0.1 that fails its first `failures` requests with a 500.
pub(super) async fn subscriber(failures: usize) -> (String, Arc<Mutex<Vec<Received>>>) {
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let log = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let log = Arc::clone(&log);
            async move {
                let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let mut log = log.lock();
                log.push(Received {
                    alert_id: text("webhook-id"),
                    headers: headers.clone(),
                    body: body.to_vec(),
                    at: tokio::time::Instant::now(),
                });
                match log.len() <= failures {
                    true => StatusCode::INTERNAL_SERVER_ERROR,
                    false => StatusCode::NO_CONTENT,
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a local port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/hook?token=hidden"), received)
}

/// A Standard Webhooks secret for tests: `whsec_` and base64 of 32 bytes made from `seed`.
pub(super) fn webhook_secret(seed: u8) -> String {
    use base64::Engine as _;
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode([seed; 32]))
}

/// Checks a delivery as a subscriber would, with the Standard Webhooks reference library: the
/// signature over its id, timestamp and body under `secret`, and a timestamp within the
/// library's tolerance of now.
pub(super) fn assert_standard_signature(secret: &str, delivery: &Received) {
    let webhook = standardwebhooks::Webhook::new(secret).expect("a whsec_ secret");
    if let Err(err) = webhook.verify(&delivery.body, &delivery.headers) {
        panic!("delivery of {} does not verify: {err} ({:?})", delivery.alert_id, delivery.headers);
    }
    // The signature covers the timestamp: one moved by an hour (a captured delivery replayed
    // later, with a fresh timestamp) does not verify.
    let mut replayed = delivery.headers.clone();
    let timestamp: i64 = delivery.headers["webhook-timestamp"].to_str().expect("text").parse().expect("seconds");
    replayed.insert("webhook-timestamp", (timestamp - 3_600).to_string().parse().expect("a header value"));
    assert!(webhook.verify(&delivery.body, &replayed).is_err(), "a moved timestamp still verified");
}

#[test]
fn the_webhook_signature_matches_the_standard_webhooks_vector() {
    // The reference library's own vector.
    assert_eq!(
        crate::webhooks::signature(
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1_649_367_553,
            br#"{"email":"test@example.com","username":"test_user"}"#
        ),
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
    );
}

#[tokio::test]
async fn a_webhook_gets_each_alert_signed_and_a_failing_one_is_retried_and_logged() {
    let (world, monitor) = world_in_force().await;
    let (url, received) = subscriber(2).await;
    let secret = webhook_secret(7);
    let subscription = Subscription { url, secret: secret.clone(), party_ids: None };
    let policy =
        RetryPolicy { attempts_max: 4, first_delay: Duration::from_millis(20), timeout: Duration::from_secs(5) };
    let outbox_dir = tempfile::tempdir().expect("a temp dir");
    let outbox = crate::webhooks::open_outbox(outbox_dir.path()).expect("an outbox");
    let dispatcher = Dispatcher::new(vec![subscription], policy, world.fixture.clock.clone(), outbox);
    let _task = dispatcher.start(world.fixture.state.node.clone());
    let mut state = world.fixture.state.clone();
    state = state.with_webhooks(dispatcher);
    report_shelling(&world, &monitor).await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let log = loop {
        let reply = router(state.clone())
            .oneshot(
                Request::get("/api/v1/webhooks/deliveries")
                    .header(header::AUTHORIZATION, format!("Bearer {}", super::token_for(&state, &id(1))))
                    .body(Body::empty())
                    .expect("a request"),
            )
            .await
            .expect("infallible");
        let bytes = reply.into_body().collect().await.expect("a body").to_bytes();
        let log: Value = serde_json::from_slice(&bytes).expect("JSON");
        if log["items"].as_array().is_some_and(|items| items.iter().any(|i| i["outcome"] == json!("delivered"))) {
            break log;
        }
        assert!(tokio::time::Instant::now() < deadline, "no delivery in time: {log}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let lines: Vec<String> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| format!("{} {} attempt {} {} {}", i["alert_id"], i["url"], i["attempt"], i["outcome"], i["status"]))
        .collect();
    expect![[r#"
        [
            "\"15.0\" \"http://127.0.0.1:PORT/hook\" attempt 1 \"retrying\" 500",
            "\"15.0\" \"http://127.0.0.1:PORT/hook\" attempt 2 \"retrying\" 500",
            "\"15.0\" \"http://127.0.0.1:PORT/hook\" attempt 3 \"delivered\" 204",
        ]
    "#]]
    .assert_debug_eq(&lines.iter().map(|l| redact_port(l)).collect::<Vec<_>>());
    assert!(!log.to_string().contains("hidden") && !log.to_string().contains(&secret), "{log}");
    let received = received.lock().clone();
    assert_eq!(received.len(), 3);
    // Exponential backoff: 20 ms before the second attempt, then twice that.
    let gaps: Vec<Duration> = received.windows(2).map(|pair| pair[1].at - pair[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(20), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(40), "{gaps:?}");
    for delivery in &received {
        assert_eq!(delivery.alert_id, "15.0");
        assert_standard_signature(&secret, delivery);
        let alert: Value = serde_json::from_slice(&delivery.body).expect("a JSON body");
        assert_eq!(alert["kind"], json!("violation_new"));
    }
}

pub(super) fn redact_port(line: &str) -> String {
    let Some(start) = line.find("127.0.0.1:") else {
        return line.to_owned();
    };
    let rest = &line[start + 10..];
    let end = rest.find('/').unwrap_or(rest.len());
    format!("{}127.0.0.1:PORT{}", &line[..start], &rest[end..])
}

#[tokio::test]
async fn incidents_and_violations_are_answered_as_the_record_stood_at_any_instant() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    report_shelling(&world, &monitor).await;
    fixture.clock.set("2016-12-12T10:30:00Z");
    fixture
        .accept(
            &monitor,
            json!({"type": "add_source", "incident_id": id(INCIDENT), "source": source(2, "Anadolu Agency")}),
        )
        .await;
    fixture.clock.set("2016-12-12T11:00:00Z");
    fixture
        .accept(
            &monitor,
            json!({"type": "correct_incident", "incident_id": id(INCIDENT), "reason": "Geolocated from video",
                   "location": {"position": [37.30, 36.30], "uncertainty_m": 50.0}}),
        )
        .await;

    let statuses = |page: Value| -> Vec<String> {
        page["items"].as_array().expect("items").iter().map(|v| v["status"].as_str().unwrap_or("").to_owned()).collect()
    };
    // Now the incident lies far from the corridor: no violation.
    assert_eq!(statuses(read(fixture, "/api/v1/violations").await), Vec::<String>::new());
    // As known before the correction it was substantiated; before the second source, alleged.
    let at = |t: &str| format!("/api/v1/violations?known_at=2016-12-12T{t}Z");
    assert_eq!(statuses(read(fixture, &at("10:45:00")).await), vec!["substantiated"]);
    assert_eq!(statuses(read(fixture, &at("10:15:00")).await), vec!["alleged"]);
    assert_eq!(statuses(read(fixture, &at("09:59:00")).await), Vec::<String>::new());

    let incident = |t: &str| format!("/api/v1/incidents/{}?known_at=2016-12-12T{t}Z", id(INCIDENT));
    let early = read(fixture, &incident("10:15:00")).await;
    assert_eq!(
        (early["grade"]["grade"].clone(), early["sources"].as_array().map(Vec::len)),
        (json!("single_source"), Some(1))
    );
    assert_eq!(early["revisions"].as_array().map(Vec::len), Some(1));
    let late = read(fixture, &format!("/api/v1/incidents/{}", id(INCIDENT))).await;
    assert_eq!(
        (late["grade"]["grade"].clone(), late["revisions"].as_array().map(Vec::len)),
        (json!("corroborated"), Some(2))
    );
    // Not yet reported: not found, and not listed.
    assert_eq!(fixture.get(&incident("09:59:00")).await.status, StatusCode::NOT_FOUND);
    let listed = read(fixture, "/api/v1/incidents?known_at=2016-12-12T09:59:00Z").await;
    assert_eq!(listed["items"], json!([]));
    // By valid time, the incident exists from its start at 09:30, once recorded.
    let listed = read(fixture, "/api/v1/incidents?at=2016-12-12T09:29:00Z").await;
    assert_eq!(listed["items"], json!([]));
    let listed = read(fixture, "/api/v1/incidents?at=2016-12-12T09:30:00Z").await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    // A bad instant is a problem naming `at`.
    let reply = fixture.get("/api/v1/violations?at=yesterday").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["field"], json!("at"));
}

#[tokio::test]
async fn a_retracted_report_is_listed_and_gone_from_the_incidents_known_after_it() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    fixture.clock.set("2016-12-12T09:40:00Z");
    report_shelling(&world, &monitor).await;
    // The report is the last entry: the checkpoint's tree size, less one.
    let checkpoint = fixture.get("/api/v1/ledger/checkpoint").await.text;
    let size: u64 = checkpoint.lines().nth(1).and_then(|l| l.parse().ok()).expect("a tree size");
    let seq = size - 1;
    fixture.clock.set("2016-12-12T10:00:00Z");
    let receipt = fixture
        .accept(&monitor, json!({"type": "retract", "seq": seq, "reason": "The same shelling reported twice"}))
        .await;
    assert!(receipt["seq"].as_u64() > Some(seq));
    let retractions = read(fixture, "/api/v1/retractions").await;
    assert_eq!(retractions["items"][0]["seq"], json!(seq));
    assert_eq!(retractions["items"][0]["reason"], json!("The same shelling reported twice"));
    let incidents = read(fixture, "/api/v1/incidents").await;
    assert_eq!(incidents["items"], json!([]), "taken out from the retraction on");
    let before = read(fixture, "/api/v1/incidents?known_at=2016-12-12T09:59:00Z").await;
    assert_eq!(before["items"].as_array().map(Vec::len), Some(1), "as known before it, the report stands");
    let again = fixture.submit(&monitor, json!({"type": "retract", "seq": seq, "reason": "again"})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_stream_first_tells_the_client_how_long_to_wait_before_reconnecting() {
    let fixture = Fixture::new().await;
    let mut stream = open_stream(&fixture, None).await;
    let frame = tokio::time::timeout(Duration::from_secs(5), stream.frame())
        .await
        .expect("a first frame in time")
        .expect("the stream is open")
        .expect("a frame reads");
    let data = frame.into_data().expect("data");
    let expected = format!("retry: {}\n\n", crate::stream::RECONNECT_DELAY_MS);
    assert_eq!(std::str::from_utf8(&data).expect("UTF-8"), expected);
}
