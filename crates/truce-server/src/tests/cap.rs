//! CAP 1.2 and Atom as independent implementations read them, and what the public sees of
//! confidential alerts.
//!
//! Every CAP message the server serves for the alerts of a world that raises every kind of
//! alert is validated by xmllint (libxml2) against the official OASIS CAP 1.2 schema,
//! vendored beside this file (`cap/CAP-v1.2.xsd`; `cap/README.md` says where it comes from).
//! The Atom feed is parsed by xmllint and checked for what RFC 4287 requires of a feed and
//! its entries. xmllint is a program, not a crate: `.ci/run` installs it (Debian's
//! `libxml2-utils`), and without it these tests fail rather than skip.

use std::{collections::BTreeSet, path::PathBuf, process::Command};

use axum::http::StatusCode;
use quick_xml::{events::Event as XmlEvent, Reader};
use serde_json::{json, Value};
use truce_core::{alert_is_public, Alert, AlertKind};

use super::{
    id,
    monitoring::{
        open_stream, read, read_events, report_shelling, source, strike_notified_site, world_in_force, EA_1, INCIDENT,
        NOTIFICATION, NO_ATTACK, PLAN,
    },
    Signer, World, EAST_ALEPPO,
};
use crate::alerts::{cap::CAP_POLYGON_POSITIONS_MAX, ATOM_ENTRIES_MAX, ATOM_NAMESPACE, CAP_CONTENT_TYPE};

/// The official OASIS CAP 1.2 schema.
const CAP_SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/tests/cap/CAP-v1.2.xsd");

const ANALYST: u32 = 130;
const GUNFIRE: u32 = 902;
const SECOND_SHELLING: u32 = 920;
const RECIPROCAL: u32 = 620;

/// Every kind of alert. The match makes a new kind fail to compile here until it is listed,
/// and the CAP test then fails until `world_with_every_alert` raises it.
fn every_kind() -> Vec<AlertKind> {
    let every = [
        AlertKind::ViolationNew,
        AlertKind::ViolationChanged,
        AlertKind::ViolationWithdrawn,
        AlertKind::ConditionFailed,
        AlertKind::ConditionRestored,
        AlertKind::AgreementChanged,
        AlertKind::CorridorOpened,
        AlertKind::CorridorClosed,
        AlertKind::CorridorChanged,
        AlertKind::NotificationOverdue,
    ];
    for kind in every {
        match kind {
            AlertKind::ViolationNew
            | AlertKind::ViolationChanged
            | AlertKind::ViolationWithdrawn
            | AlertKind::ConditionFailed
            | AlertKind::ConditionRestored
            | AlertKind::AgreementChanged
            | AlertKind::CorridorOpened
            | AlertKind::CorridorClosed
            | AlertKind::CorridorChanged
            | AlertKind::NotificationOverdue => {}
        }
    }
    every.to_vec()
}

/// Kinds only ever about confidential humanitarian notifications, never served publicly.
const CONFIDENTIAL_KINDS: [AlertKind; 1] = [AlertKind::NotificationOverdue];

/// A world whose log raises every kind of alert: agreement changes; a new violation, its
/// substantiation and its dismissal (updates of it); a violation whose incident description
/// holds characters XML cannot carry; and the confidential alert of a struck humanitarian
/// site. Returns the world and its monitor.
async fn world_with_every_alert() -> (World, Signer) {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    report_shelling(&world, &monitor).await;
    fixture
        .accept(
            &monitor,
            json!({"type": "add_source", "incident_id": id(INCIDENT), "source": source(2, "Anadolu Agency")}),
        )
        .await;
    let analyst = world.un_account(ANALYST, 22, "analyst").await;
    fixture.clock.set("2016-12-12T10:30:00Z");
    fixture
        .accept(
            &analyst,
            json!({"type": "dismiss_violation", "incident_id": id(INCIDENT), "commitment_id": id(NO_ATTACK),
                   "reason": "The shells fell outside the corridor"}),
        )
        .await;
    strike_notified_site(&world, &monitor).await;
    fixture
        .accept(
            &monitor,
            json!({"type": "report_incident", "incident_id": id(GUNFIRE), "kind": "gunfire",
                   "location": {"position": [37.14, 36.21], "uncertainty_m": 0.0},
                   "when": {"start": "2016-12-12T10:20:00Z"},
                   "description": "Gunfire\u{1} at the \u{FFFF} checkpoint \"B\" > 'C'", "source": source(4, "SOHR")}),
        )
        .await;
    // Version 2 opens EA-1 to civilians only (a corridor change), then the day passes: the
    // corridor closes, and the notification's deadline passes unacknowledged.
    let mut terms = super::terms(EA_1, "EA-1", NO_ATTACK);
    // From version 2, the corridor has its names in Arabic and Russian: its messages have an
    // `<info>` in each.
    terms["corridors"][0]["names"] = json!({"ar": "ممر الراموسة", "ru": "Коридор Рамуса"});
    terms["corridors"][0]["windows"] =
        json!([{"start": "2016-12-12T08:00:00Z", "end": "2016-12-13T08:00:00Z", "groups": ["civilians"]}]);
    terms["truce"] = json!({"zone_id": id(EAST_ALEPPO), "start": {"kind": "immediately"}});
    fixture
        .accept(
            &world.ru,
            json!({"type": "propose_version", "agreement_id": id(PLAN), "supersedes": 1, "terms": terms}),
        )
        .await;
    for signer in [&world.ru, &world.opp] {
        fixture.accept(signer, json!({"type": "endorse", "agreement_id": id(PLAN), "version": 2})).await;
    }
    fixture.clock.set("2016-12-13T09:00:00Z");
    fixture.accept(&fixture.operator, json!({"type": "mark_time"})).await;
    // Version 3 adds OPP's cease-fire in East Aleppo, conditional on RU's not attacking EA-1
    // not being breached; a corroborated shelling of EA-1 breaches it (the condition fails),
    // and its dismissal restores it.
    terms["commitments"].as_array_mut().expect("commitments").push(json!({
        "commitment_id": id(RECIPROCAL), "party_id": id(super::OPP), "kind": "cease_fire",
        "scope": {"zone": id(EAST_ALEPPO)}, "text": "No fire in East Aleppo while the corridor is respected.",
        "conditions": [{"commitment_id": id(NO_ATTACK), "requires": "not_breached"}]}));
    fixture
        .accept(
            &world.ru,
            json!({"type": "propose_version", "agreement_id": id(PLAN), "supersedes": 2, "terms": terms}),
        )
        .await;
    for signer in [&world.ru, &world.opp] {
        fixture.accept(signer, json!({"type": "endorse", "agreement_id": id(PLAN), "version": 3})).await;
    }
    fixture.clock.set("2016-12-13T10:00:00Z");
    fixture
        .accept(
            &monitor,
            json!({"type": "report_incident", "incident_id": id(SECOND_SHELLING), "kind": "shelling",
                   "location": {"position": [37.17, 36.20], "uncertainty_m": 50.0},
                   "when": {"start": "2016-12-13T09:50:00Z"}, "description": "Shelling of the corridor again",
                   "source": source(21, "EFE")}),
        )
        .await;
    fixture
        .accept(
            &monitor,
            json!({"type": "add_source", "incident_id": id(SECOND_SHELLING), "source": source(22, "Anadolu Agency")}),
        )
        .await;
    fixture
        .accept(
            &analyst,
            json!({"type": "dismiss_violation", "incident_id": id(SECOND_SHELLING), "commitment_id": id(NO_ATTACK),
                   "reason": "Counter-battery fire, not an attack on the corridor"}),
        )
        .await;
    // The first shelling, geolocated far away: its violation no longer stands.
    fixture
        .accept(
            &monitor,
            json!({"type": "correct_incident", "incident_id": id(INCIDENT), "reason": "Geolocated from video",
                   "location": {"position": [37.30, 36.30], "uncertainty_m": 50.0}}),
        )
        .await;
    (world, monitor)
}

fn all_alerts(world: &World) -> Vec<Alert> {
    world.fixture.state.node.read_state(|state| state.alerts.clone())
}

/// Runs `xmllint --noout` on `files`, against `schema` when given; `Err` holds its report.
///
/// # Panics
/// When xmllint is not installed: a test that needs it must not pass without it.
fn xmllint(schema: Option<&str>, files: &[PathBuf]) -> Result<(), String> {
    let mut command = Command::new("xmllint");
    command.arg("--noout");
    if let Some(schema) = schema {
        command.args(["--schema", schema]);
    }
    command.args(files);
    let output = match command.output() {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "xmllint is not installed; these tests validate CAP against the OASIS schema with it \
             (Debian: apt-get install libxml2-utils; .ci/run installs it)"
        ),
        Err(err) => panic!("running xmllint: {err}"),
    };
    match output.status.success() {
        true => Ok(()),
        false => Err(format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))),
    }
}

#[tokio::test]
async fn every_public_alert_is_a_cap_message_the_oasis_schema_validates_and_no_confidential_one_is() {
    let (world, _) = world_with_every_alert().await;
    let fixture = &world.fixture;
    let alerts = all_alerts(&world);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut files = Vec::new();
    let mut kinds = Vec::new();
    let mut msg_types = BTreeSet::new();
    for alert in &alerts {
        let reply = fixture.get(&format!("/api/v1/alerts/{}.cap", alert.alert_id)).await;
        if !alert_is_public(alert) {
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "confidential alert {} is served", alert.alert_id);
            continue;
        }
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", alert.alert_id, reply.text);
        assert_eq!(reply.content_type, CAP_CONTENT_TYPE);
        kinds.push(alert.kind);
        for msg_type in ["Alert", "Update"] {
            if reply.text.contains(&format!("<msgType>{msg_type}</msgType>")) {
                msg_types.insert(msg_type);
            }
        }
        let path = dir.path().join(format!("alert-{}.xml", alert.alert_id));
        std::fs::write(&path, &reply.text).expect("the CAP message is written");
        files.push(path);
    }
    for kind in every_kind() {
        if CONFIDENTIAL_KINDS.contains(&kind) {
            assert!(
                alerts.iter().any(|a| a.kind == kind && !alert_is_public(a)),
                "world_with_every_alert raises no confidential {kind:?} alert"
            );
        } else {
            assert!(kinds.contains(&kind), "world_with_every_alert raises no public {kind:?} alert");
        }
    }
    assert_eq!(msg_types, BTreeSet::from(["Alert", "Update"]));
    assert!(alerts.iter().any(|a| !alert_is_public(a)), "the world raises a confidential alert too");
    if let Err(report) = xmllint(Some(CAP_SCHEMA), &files) {
        let documents: Vec<String> =
            files.iter().map(|f| std::fs::read_to_string(f).expect("the message reads back")).collect();
        panic!("the CAP 1.2 schema rejects our CAP:\n{report}\n{}", documents.join("\n"));
    }

    // The validator does reject what CAP forbids, so the pass above means something: a `Z`
    // time zone, and the elements of `alert` out of order.
    let valid = std::fs::read_to_string(&files[0]).expect("the message reads back");
    let zulu = valid.replacen("-00:00</sent>", "Z</sent>", 1);
    let identifier_line = valid.lines().find(|l| l.contains("<identifier>")).expect("an identifier");
    let reordered = valid.replacen(&format!("{identifier_line}\n"), "", 1).replacen(
        "</sender>\n",
        &format!("</sender>\n{identifier_line}\n"),
        1,
    );
    for (name, text) in [("zulu", zulu), ("reordered", reordered)] {
        assert_ne!(text, valid, "{name} changes the message");
        let path = dir.path().join(format!("{name}.xml"));
        std::fs::write(&path, text).expect("the broken message is written");
        assert!(xmllint(Some(CAP_SCHEMA), &[path]).is_err(), "the schema accepts the {name} message");
    }
}

#[tokio::test]
async fn cap_updates_reference_the_message_they_update_and_unwritable_characters_are_replaced() {
    let (world, _) = world_with_every_alert().await;
    let fixture = &world.fixture;
    let mut lines = Vec::new();
    for alert in all_alerts(&world).iter().filter(|a| alert_is_public(a)) {
        let text = fixture.get(&format!("/api/v1/alerts/{}.cap", alert.alert_id)).await.text;
        let elements = xml_elements(&text);
        let value = |name: &str| {
            let path = format!("alert/{name}");
            elements.iter().find(|e| e.path == path).map_or("-", |e| e.text.as_str()).to_owned()
        };
        lines.push(format!(
            "{} {} {} {} {}/{}/{} refs={}",
            alert.alert_id,
            value("msgType"),
            value("info/category"),
            value("info/event"),
            value("info/urgency"),
            value("info/severity"),
            value("info/certainty"),
            value("references")
        ));
        if alert.incident_id.as_ref().is_some_and(|i| i.to_string() == id(GUNFIRE)) {
            let description = value("info/description");
            assert!(description.contains("Gunfire\u{FFFD} at the \u{FFFD} checkpoint \"B\" > 'C'"), "{text}");
            assert_eq!(value("info/area/circle"), "36.210000,37.140000 0.001");
        }
    }
    expect_test::expect![[r#"
        11.0 Alert Security Ceasefire agreement change Unknown/Unknown/Observed refs=-
        12.0 Alert Security Ceasefire agreement change Unknown/Unknown/Observed refs=-
        13.0 Alert Security Ceasefire agreement change Unknown/Unknown/Observed refs=-
        13.1 Alert Security Safe-passage corridor change Immediate/Moderate/Observed refs=-
        15.0 Alert Security Ceasefire violation Immediate/Moderate/Possible refs=-
        16.0 Update Security Ceasefire violation Immediate/Severe/Likely refs=truce.test/log,truce.test/log/alerts/15.0,2016-12-12T10:00:00-00:00
        18.0 Update Security Ceasefire violation Past/Minor/Unlikely refs=truce.test/log,truce.test/log/alerts/16.0,2016-12-12T10:00:00-00:00
        21.0 Alert Security Ceasefire violation Immediate/Moderate/Possible refs=-
        22.0 Alert Security Ceasefire agreement change Unknown/Unknown/Observed refs=-
        23.0 Alert Security Ceasefire agreement change Unknown/Unknown/Observed refs=-
        24.0 Alert Security Ceasefire agreement change Unknown/Unknown/Observed refs=-
        24.1 Alert Security Safe-passage corridor change Immediate/Moderate/Observed refs=-
        25.0 Alert Security Safe-passage corridor change Immediate/Moderate/Observed refs=-
        26.0 Alert Security Ceasefire agreement change Unknown/Unknown/Observed refs=-
        27.0 Alert Security Ceasefire agreement change Unknown/Unknown/Observed refs=-
        28.0 Alert Security Ceasefire agreement change Unknown/Unknown/Observed refs=-
        29.0 Alert Security Ceasefire violation Immediate/Moderate/Possible refs=-
        29.1 Alert Security Ceasefire violation Immediate/Moderate/Possible refs=-
        30.0 Update Security Ceasefire violation Immediate/Severe/Likely refs=truce.test/log,truce.test/log/alerts/29.0,2016-12-13T10:00:00-00:00
        30.1 Update Security Ceasefire violation Immediate/Severe/Likely refs=truce.test/log,truce.test/log/alerts/29.1,2016-12-13T10:00:00-00:00
        30.2 Alert Security Ceasefire commitment condition Immediate/Moderate/Likely refs=-
        31.0 Update Security Ceasefire violation Past/Minor/Unlikely refs=truce.test/log,truce.test/log/alerts/30.0,2016-12-13T10:00:00-00:00
        31.1 Alert Security Ceasefire commitment condition Immediate/Moderate/Likely refs=-
        32.0 Update Security Ceasefire violation withdrawn Past/Minor/Unlikely refs=truce.test/log,truce.test/log/alerts/18.0,2016-12-12T10:30:00-00:00"#]]
    .assert_eq(&lines.join("\n"));
}

/// One element of an XML document: its path from the root, attributes and text.
#[derive(Debug)]
struct XmlElement {
    path: String,
    attributes: Vec<(String, String)>,
    text: String,
}

impl XmlElement {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn xml_elements(xml: &str) -> Vec<XmlElement> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut elements = Vec::new();
    loop {
        let event = reader.read_event().expect("the document is well-formed XML");
        let (start, empty) = match &event {
            XmlEvent::Start(start) => (start, false),
            XmlEvent::Empty(start) => (start, true),
            XmlEvent::Text(text) => {
                let element: &mut XmlElement = elements.last_mut().expect("text is inside an element");
                element.text = text.unescape().expect("text unescapes").into_owned();
                continue;
            }
            XmlEvent::End(_) => {
                path.pop();
                continue;
            }
            XmlEvent::Eof => break,
            _ => continue,
        };
        path.push(String::from_utf8(start.name().as_ref().to_vec()).expect("UTF-8"));
        let attributes = start
            .attributes()
            .map(|attribute| {
                let attribute = attribute.expect("attributes parse");
                let name = String::from_utf8(attribute.key.as_ref().to_vec()).expect("UTF-8");
                (name, attribute.unescape_value().expect("a value").into_owned())
            })
            .collect();
        elements.push(XmlElement { path: path.join("/"), attributes, text: String::new() });
        if empty {
            path.pop();
        }
    }
    elements
}

fn is_rfc3339(text: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

#[tokio::test]
async fn the_atom_feed_has_what_rfc_4287_requires_and_links_each_public_alert_to_its_cap() {
    let (world, _) = world_with_every_alert().await;
    let fixture = &world.fixture;
    let reply = fixture.get("/api/v1/alerts.atom").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type, "application/atom+xml");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("alerts.atom");
    std::fs::write(&path, &reply.text).expect("the feed is written");
    if let Err(report) = xmllint(None, &[path]) {
        panic!("the Atom feed is not well-formed XML:\n{report}\n{}", reply.text);
    }

    let elements = xml_elements(&reply.text);
    assert_eq!(elements[0].path, "feed");
    assert_eq!(elements[0].attribute("xmlns"), Some(ATOM_NAMESPACE));
    let only = |path: &str| -> &XmlElement {
        let found: Vec<&XmlElement> = elements.iter().filter(|e| e.path == path).collect();
        assert_eq!(found.len(), 1, "{path} appears {} times", found.len());
        found[0]
    };
    // RFC 4287 4.1.1: a feed has exactly one id, title and updated, and an author unless
    // every entry has one.
    let feed_id = only("feed/id").text.clone();
    assert!(feed_id.starts_with("urn:truce:"), "{feed_id}");
    assert!(!only("feed/title").text.is_empty());
    assert!(is_rfc3339(&only("feed/updated").text), "{}", only("feed/updated").text);
    assert!(!only("feed/author/name").text.is_empty());
    // RFC 5005 section 3: the first page links itself, the first page, and the next (older)
    // page when there is one; every link is absolute.
    let links: Vec<(&str, &str)> = elements
        .iter()
        .filter(|e| e.path == "feed/link")
        .map(|e| (e.attribute("rel").unwrap_or(""), e.attribute("href").unwrap_or("")))
        .collect();
    assert_eq!(links[..2], [("self", BASE_ATOM), ("first", BASE_ATOM)], "{links:?}");

    // RFC 4287 4.1.2: each entry has exactly one id, title and updated, and an alternate link
    // when it has no content; here, the link to its CAP message.
    let mut entries: Vec<Vec<&XmlElement>> = Vec::new();
    for element in &elements {
        match element.path.as_str() {
            "feed/entry" => entries.push(Vec::new()),
            path if path.starts_with("feed/entry/") => {
                entries.last_mut().expect("inside an entry").push(element);
            }
            _ => {}
        }
    }
    let mut entry_ids = BTreeSet::new();
    let mut hrefs = Vec::new();
    for entry in &entries {
        let child = |name: &str| -> &XmlElement {
            let found: Vec<&&XmlElement> = entry.iter().filter(|e| e.path == format!("feed/entry/{name}")).collect();
            assert_eq!(found.len(), 1, "entry has {} {name}: {entry:?}", found.len());
            found[0]
        };
        assert!(entry_ids.insert(child("id").text.clone()), "entry ids are unique");
        assert!(child("id").text.starts_with(&format!("{feed_id}:")));
        assert!(!child("title").text.is_empty());
        assert!(is_rfc3339(&child("updated").text), "{}", child("updated").text);
        let link = child("link");
        assert_eq!(link.attribute("rel"), Some("alternate"));
        assert_eq!(link.attribute("type"), Some(CAP_CONTENT_TYPE));
        hrefs.push(link.attribute("href").expect("an href").to_owned());
    }
    // Newest first: the most recent public alerts, each linking to a CAP message that is served.
    let expected: Vec<String> = all_alerts(&world)
        .iter()
        .rev()
        .filter(|a| alert_is_public(a))
        .take(ATOM_ENTRIES_MAX)
        .map(|a| format!("http://localhost/api/v1/alerts/{}.cap", a.alert_id))
        .collect();
    assert_eq!(hrefs, expected);
    for href in &hrefs {
        let path = href.strip_prefix("http://localhost").expect("an absolute link to this server");
        assert_eq!(fixture.get(path).await.status, StatusCode::OK, "{href}");
    }
}

const BASE_ATOM: &str = "http://localhost/api/v1/alerts.atom";

/// The CAP links of an Atom page, and its `next` link.
fn atom_page(text: &str) -> (Vec<String>, Option<String>) {
    let elements = xml_elements(text);
    let caps = elements
        .iter()
        .filter(|e| e.path == "feed/entry/link")
        .filter_map(|e| e.attribute("href"))
        .map(str::to_owned)
        .collect();
    let next = elements
        .iter()
        .find(|e| e.path == "feed/link" && e.attribute("rel") == Some("next"))
        .and_then(|e| e.attribute("href"))
        .map(str::to_owned);
    (caps, next)
}

#[tokio::test]
async fn the_atom_feed_pages_back_through_every_alert_by_its_next_links_to_the_last() {
    let (world, monitor) = world_with_every_alert().await;
    let fixture = &world.fixture;
    // Enough alerts for three pages: gunfire in the open corridor, one alert each.
    for n in 0..u32::try_from(ATOM_ENTRIES_MAX * 2).expect("small") {
        fixture
            .accept(
                &monitor,
                json!({"type": "report_incident", "incident_id": id(5_000 + n), "kind": "gunfire",
                       "location": {"position": [37.17, 36.20], "uncertainty_m": 10.0},
                       "when": {"start": "2016-12-12T10:41:00Z"}, "description": "Gunfire at the corridor",
                       "source": source(7_000 + n, "EFE")}),
            )
            .await;
    }
    let expected: Vec<String> = all_alerts(&world)
        .iter()
        .rev()
        .filter(|a| alert_is_public(a))
        .map(|a| format!("http://localhost/api/v1/alerts/{}.cap", a.alert_id))
        .collect();
    assert!(expected.len() > ATOM_ENTRIES_MAX * 2);
    let (mut paged, mut next) = atom_page(&fixture.get("/api/v1/alerts.atom").await.text);
    let mut pages = 1;
    while let Some(href) = next {
        let reply = fixture.get(href.strip_prefix("http://localhost").expect("absolute")).await;
        assert_eq!(reply.status, StatusCode::OK, "{href}: {}", reply.text);
        let (caps, after) = atom_page(&reply.text);
        assert!(!caps.is_empty(), "{href} is an empty page");
        paged.extend(caps);
        (next, pages) = (after, pages + 1);
    }
    assert_eq!(paged, expected, "every public alert once, newest first, across {pages} pages");
    assert_eq!(pages, expected.len().div_ceil(ATOM_ENTRIES_MAX));
    assert_eq!(fixture.get("/api/v1/alerts.atom?before=nope").await.status, StatusCode::BAD_REQUEST);
}

/// A second airstrike on the notified site, after it was notified: a violation of the
/// notification (incident `903`) and a confidential alert.
async fn strike_the_site_again(world: &World, monitor: &Signer) {
    world
        .fixture
        .accept(
            monitor,
            json!({"type": "report_incident", "incident_id": id(903), "kind": "airstrike",
                   "location": {"position": [37.19, 36.22], "uncertainty_m": 20.0},
                   "when": {"start": "2016-12-12T10:40:00Z"}, "description": "A second airstrike on the field hospital",
                   "source": source(5, "SAMS")}),
        )
        .await;
}

#[tokio::test]
async fn a_party_of_the_notification_reads_its_confidential_alert_as_restricted_cap_and_in_its_atom_feed() {
    let (world, monitor) = world_with_every_alert().await;
    let fixture = &world.fixture;
    strike_the_site_again(&world, &monitor).await;
    let confidential: Vec<Alert> = all_alerts(&world).into_iter().filter(|a| !alert_is_public(a)).collect();
    assert!(!confidential.is_empty());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut files = Vec::new();
    for alert in &confidential {
        let uri = format!("/api/v1/alerts/{}.cap", alert.alert_id);
        // The notified party reads it; the UN (no party to it) and the anonymous do not.
        let reply = fixture.get_as(&world.opp.account, &uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text);
        assert!(reply.text.contains("<scope>Restricted</scope>"), "{}", reply.text);
        assert!(reply.text.contains("<restriction>"), "{}", reply.text);
        assert_eq!(fixture.get_as(&world.un.account, &uri).await.status, StatusCode::NOT_FOUND);
        assert_eq!(fixture.get(&uri).await.status, StatusCode::NOT_FOUND);
        let path = dir.path().join(format!("alert-{}.xml", alert.alert_id));
        std::fs::write(&path, &reply.text).expect("the CAP message is written");
        files.push(path);
    }
    if let Err(report) = xmllint(Some(CAP_SCHEMA), &files) {
        panic!("the CAP 1.2 schema rejects a restricted CAP message:\n{report}");
    }
    // The notification's view shows its parties the strike that violated it.
    let view = fixture.get_as(&world.opp.account, &format!("/api/v1/notifications/{}", id(NOTIFICATION))).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
    let violations = &view.json()["violations"];
    assert_eq!(violations.as_array().map(Vec::len), Some(1), "{violations}");
    assert_eq!(violations[0]["notification_id"], id(NOTIFICATION));
    assert_eq!(violations[0]["incident_id"], id(903));
    assert_eq!(violations[0]["status"], "alleged");
    let listed = fixture.get_as(&world.ru.account, "/api/v1/notifications").await.json();
    assert_eq!(listed["items"][0]["violations"], *violations);
    let own = fixture.get_as(&world.opp.account, "/api/v1/alerts.atom").await.text;
    let others = fixture.get_as(&world.un.account, "/api/v1/alerts.atom").await.text;
    for alert in &confidential {
        let link = format!("/api/v1/alerts/{}.cap", alert.alert_id);
        assert!(own.contains(&link), "the party's feed lacks {link}: {own}");
        assert!(!others.contains(&link), "another party's feed links {link}");
    }
}

#[tokio::test]
async fn no_public_response_carries_a_confidential_alert() {
    let (world, monitor) = world_with_every_alert().await;
    let fixture = &world.fixture;
    let alerts = all_alerts(&world);
    let public: Vec<String> = alerts.iter().filter(|a| alert_is_public(a)).map(|a| a.alert_id.to_string()).collect();
    let confidential: Vec<String> =
        alerts.iter().filter(|a| !alert_is_public(a)).map(|a| a.alert_id.to_string()).collect();
    assert!(!confidential.is_empty());

    // The JSON list, page by page: exactly the public alerts, in order.
    let mut listed = Vec::new();
    let mut uri = "/api/v1/alerts?limit=2".to_owned();
    loop {
        let page = read(fixture, &uri).await;
        let text = page.to_string();
        assert!(!text.contains(&id(NOTIFICATION)) && !text.contains("notification"), "{uri}: {text}");
        listed.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|a| a["alert_id"].as_str().unwrap_or(""))
                .map(str::to_owned),
        );
        match &page["next_cursor"] {
            Value::String(cursor) => uri = format!("/api/v1/alerts?limit=2&cursor={cursor}"),
            _ => break,
        }
    }
    assert_eq!(listed, public);

    // The Atom feed and the CAP messages.
    let atom = fixture.get("/api/v1/alerts.atom").await.text;
    assert!(!atom.contains(&id(NOTIFICATION)) && !atom.contains("notification"), "{atom}");
    for alert_id in &confidential {
        assert!(!atom.contains(&format!("/alerts/{alert_id}.cap")), "the feed links alert {alert_id}");
        assert_eq!(fixture.get(&format!("/api/v1/alerts/{alert_id}.cap")).await.status, StatusCode::NOT_FOUND);
    }

    // The stream, replaying from before the first alert: exactly the public ones, in order.
    let mut stream = open_stream(fixture, Some("0.0")).await;
    let events = read_events(&mut stream, public.len()).await;
    let streamed: Vec<&str> = events.iter().map(|e| e.split(' ').next().unwrap_or("")).collect();
    assert_eq!(streamed, public);
    // And live: after a second strike on the site (a confidential alert) and gunfire on the
    // corridor (a public one), the next event is the gunfire's.
    strike_the_site_again(&world, &monitor).await;
    fixture
        .accept(
            &monitor,
            json!({"type": "report_incident", "incident_id": id(904), "kind": "gunfire",
                   "location": {"position": [37.17, 36.20], "uncertainty_m": 10.0},
                   "when": {"start": "2016-12-12T10:41:00Z"}, "description": "Gunfire at the corridor",
                   "source": source(6, "EFE")}),
        )
        .await;
    let alerts = all_alerts(&world);
    let strike = alerts.iter().find(|a| a.incident_id.as_ref().is_some_and(|i| i.to_string() == id(903)));
    assert!(strike.is_some_and(|a| !alert_is_public(a)), "the second strike raised a confidential alert");
    let gunfire = alerts.iter().find(|a| a.incident_id.as_ref().is_some_and(|i| i.to_string() == id(904)));
    let gunfire_id = gunfire.map(|a| a.alert_id.to_string()).expect("the gunfire raised an alert");
    let next = read_events(&mut stream, 1).await;
    assert_eq!(next[0].split(' ').next(), Some(gunfire_id.as_str()));
}

/// Each `<info>` of a CAP message: its language, headline, instruction, web link, and its
/// areas as (description, polygons, circles).
#[derive(Debug, Default)]
struct CapInfoRead {
    language: String,
    headline: String,
    instruction: String,
    web: String,
    areas: Vec<(String, Vec<String>, Vec<String>)>,
}

fn cap_infos(xml: &str) -> Vec<CapInfoRead> {
    let mut infos: Vec<CapInfoRead> = Vec::new();
    for element in xml_elements(xml) {
        let text = element.text.clone();
        match element.path.as_str() {
            "alert/info" => infos.push(CapInfoRead::default()),
            "alert/info/language" => infos.last_mut().expect("in an info").language = text,
            "alert/info/headline" => infos.last_mut().expect("in an info").headline = text,
            "alert/info/instruction" => infos.last_mut().expect("in an info").instruction = text,
            "alert/info/web" => infos.last_mut().expect("in an info").web = text,
            "alert/info/area" => infos.last_mut().expect("in an info").areas.push(Default::default()),
            "alert/info/area/areaDesc" => {
                infos.last_mut().and_then(|i| i.areas.last_mut()).expect("in an area").0 = text
            }
            "alert/info/area/polygon" => {
                infos.last_mut().and_then(|i| i.areas.last_mut()).expect("in an area").1.push(text)
            }
            "alert/info/area/circle" => {
                infos.last_mut().and_then(|i| i.areas.last_mut()).expect("in an area").2.push(text)
            }
            _ => {}
        }
    }
    infos
}

/// A CAP polygon's pairs, checked as CAP 1.2 (3.2.4) wants them: `lat,lon` pairs in range,
/// at least four, the first repeated last.
fn polygon_pairs(polygon: &str) -> Vec<(f64, f64)> {
    let pairs: Vec<(f64, f64)> = polygon
        .split(' ')
        .map(|pair| {
            let (lat, lon) = pair.split_once(',').expect("lat,lon");
            (lat.parse().expect("a latitude"), lon.parse().expect("a longitude"))
        })
        .collect();
    assert!(pairs.len() >= 4, "{polygon}");
    assert_eq!(pairs.first(), pairs.last(), "{polygon}");
    assert!(pairs.iter().all(|(lat, lon)| lat.abs() <= 90.0 && lon.abs() <= 180.0), "{polygon}");
    pairs
}

#[tokio::test]
async fn cap_messages_have_polygons_instructions_links_and_an_info_per_language_of_the_records_named() {
    let (world, _) = world_with_every_alert().await;
    let fixture = &world.fixture;
    let mut lines = Vec::new();
    for alert in all_alerts(&world).iter().filter(|a| alert_is_public(a)) {
        let text = fixture.get(&format!("/api/v1/alerts/{}.cap", alert.alert_id)).await.text;
        let infos = cap_infos(&text);
        let languages: Vec<&str> = infos.iter().map(|info| info.language.as_str()).collect();
        assert_eq!(languages.first(), Some(&"en-US"), "{text}");
        for info in &infos {
            assert!(!info.instruction.is_empty() && !info.headline.is_empty(), "{text}");
            assert_eq!(info.web, infos[0].web, "every language links the same page");
            assert_eq!(info.areas.len(), infos[0].areas.len(), "every language has the same areas");
            for (_, polygons, _) in &info.areas {
                for polygon in polygons {
                    assert!(polygon_pairs(polygon).len() <= CAP_POLYGON_POSITIONS_MAX);
                }
            }
        }
        let english = &infos[0];
        let areas: Vec<String> = english
            .areas
            .iter()
            .map(|(_, polygons, circles)| format!("{}p{}c", polygons.len(), circles.len()))
            .collect();
        lines.push(format!(
            "{} {} {} areas=[{}] web={}",
            alert.alert_id,
            alert.kind.as_str(),
            languages.join(","),
            areas.join(" "),
            english.web.replace(&id(PLAN), "PLAN").replace(&id(EA_1), "EA_1").replace(&id(INCIDENT), "INCIDENT")
        ));
    }
    expect_test::expect![[r#"
        11.0 agreement_changed en-US areas=[] web=http://localhost/agreements/PLAN
        12.0 agreement_changed en-US areas=[] web=http://localhost/agreements/PLAN
        13.0 agreement_changed en-US areas=[] web=http://localhost/agreements/PLAN
        13.1 corridor_opened en-US,ar,ru areas=[1p0c] web=http://localhost/corridors/EA_1
        15.0 violation_new en-US,ar,ru areas=[0p1c 1p0c] web=http://localhost/incidents/INCIDENT
        16.0 violation_changed en-US,ar,ru areas=[0p1c 1p0c] web=http://localhost/incidents/INCIDENT
        18.0 violation_changed en-US,ar,ru areas=[0p1c 1p0c] web=http://localhost/incidents/INCIDENT
        21.0 violation_new en-US,ar,ru areas=[0p1c 1p0c] web=http://localhost/incidents/01900000-0000-7000-8000-000000000386
        22.0 agreement_changed en-US areas=[] web=http://localhost/agreements/PLAN
        23.0 agreement_changed en-US areas=[] web=http://localhost/agreements/PLAN
        24.0 agreement_changed en-US areas=[] web=http://localhost/agreements/PLAN
        24.1 corridor_changed en-US,ar,ru areas=[1p0c] web=http://localhost/corridors/EA_1
        25.0 corridor_closed en-US,ar,ru areas=[1p0c] web=http://localhost/corridors/EA_1
        26.0 agreement_changed en-US areas=[] web=http://localhost/agreements/PLAN
        27.0 agreement_changed en-US areas=[] web=http://localhost/agreements/PLAN
        28.0 agreement_changed en-US areas=[] web=http://localhost/agreements/PLAN
        29.0 violation_new en-US,ar,ru areas=[0p1c 1p0c] web=http://localhost/incidents/01900000-0000-7000-8000-000000000398
        29.1 violation_new en-US areas=[0p1c 1p0c] web=http://localhost/incidents/01900000-0000-7000-8000-000000000398
        30.0 violation_changed en-US,ar,ru areas=[0p1c 1p0c] web=http://localhost/incidents/01900000-0000-7000-8000-000000000398
        30.1 violation_changed en-US areas=[0p1c 1p0c] web=http://localhost/incidents/01900000-0000-7000-8000-000000000398
        30.2 condition_failed en-US areas=[1p0c] web=http://localhost/agreements/PLAN
        31.0 violation_changed en-US,ar,ru areas=[0p1c 1p0c] web=http://localhost/incidents/01900000-0000-7000-8000-000000000398
        31.1 condition_restored en-US areas=[1p0c] web=http://localhost/agreements/PLAN
        32.0 violation_withdrawn en-US,ar,ru areas=[0p1c 1p0c] web=http://localhost/incidents/INCIDENT"#]].assert_eq(&lines.join("\n"));

    // A closed corridor, said in each language with the corridor's name in it.
    let closed = all_alerts(&world).into_iter().find(|a| a.kind == AlertKind::CorridorClosed).expect("a closing");
    let infos = cap_infos(&fixture.get(&format!("/api/v1/alerts/{}.cap", closed.alert_id)).await.text);
    let said: Vec<String> = infos
        .iter()
        .map(|info| format!("{}\n  {}\n  {}\n  {}", info.language, info.headline, info.instruction, info.areas[0].0))
        .collect();
    expect_test::expect![[r#"
        en-US
          Evacuation: corridor EA-1 (Corridor EA-1) closed
          Do not use corridor EA-1 (Corridor EA-1) until an alert says it is open again.
          Corridor EA-1 (Corridor EA-1), with its half-width of 150 m
        ar
          الممر EA-1 (ممر الراموسة) مغلق
          لا تستخدموا الممر EA-1 (ممر الراموسة) حتى يعلن تنبيه أنه فُتح من جديد.
          الممر EA-1 (ممر الراموسة)، بنصف عرض قدره 150 م
        ru
          Коридор EA-1 (Коридор Рамуса) закрыт
          Не пользуйтесь коридором EA-1 (Коридор Рамуса), пока новое оповещение не сообщит, что он снова открыт.
          Коридор EA-1 (Коридор Рамуса), с полушириной 150 м"#]]
    .assert_eq(&said.join("\n"));
}
