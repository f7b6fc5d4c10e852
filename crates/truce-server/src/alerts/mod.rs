//! Public alerts: as JSON pages, as OASIS CAP 1.2 messages, and as an Atom feed of them.
//!
//! Alerts are raised by core as entries are applied (`State::alerts`); this module only
//! renders them. Who may see an alert is the core's read policy (`truce_core::may_read_alert`,
//! docs/visibility.md): an alert about a humanitarian notification is for its parties only.
//! Every route applies it to the viewer (anonymous, or signed in by session cookie or bearer
//! token): the list, the stream, each CAP message and the Atom feed. A confidential alert's
//! CAP message says so (`<scope>Restricted</scope>`).
//! XML is written with quick-xml's writer, which escapes text and attribute values.

use std::{borrow::Cow, io};

use axum::{
    extract::State as AxumState,
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
    Json,
};
use quick_xml::{events::BytesDecl, events::BytesText, Writer};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use truce_core::{
    alert_is_public, geodesic_distance_m, may_read_alert, Alert, AlertId, AlertKind, Reader, State, Timestamp,
    ViolationStatus,
};

use crate::{
    as_of::AsOf,
    auth::Viewer,
    extract::{ApiPath, ApiQuery},
    problem::ApiError,
    read::{page_limit, Page},
    AppState, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX,
};

/// The media type of a CAP message.
pub const CAP_CONTENT_TYPE: &str = "application/cap+xml";
/// The media type of an Atom feed (RFC 4287).
pub const ATOM_CONTENT_TYPE: &str = "application/atom+xml";
/// The CAP 1.2 namespace.
pub const CAP_NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";
/// The Atom namespace.
pub const ATOM_NAMESPACE: &str = "http://www.w3.org/2005/Atom";
/// Entries in a page of the Atom feed; older ones are on the next page (RFC 5005 section 3).
pub const ATOM_ENTRIES_MAX: usize = 50;

/// An alert as the public sees it: the alert (a public one carries no `notification_id`)
/// and where it is as CAP.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AlertView {
    #[serde(flatten)]
    pub alert: Alert,
    /// Where the alert is as an OASIS CAP 1.2 message.
    pub cap_url: String,
}

/// The parameters of the alert list, besides `at` and `known_at` (`AsOf`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertsQuery {
    /// The `next_cursor` of the previous page (an alert id); the first page when absent.
    #[serde(default)]
    #[schemars(with = "String")]
    cursor: Option<String>,
    /// Items in the page at the most.
    #[serde(default)]
    #[schemars(with = "u32", range(min = 1, max = PAGE_SIZE_MAX), extend("default" = PAGE_SIZE_DEFAULT))]
    limit: Option<u32>,
}

/// The order of alerts: by entry, then by place in the entry.
pub(crate) fn alert_key(alert_id: &str) -> Option<(u64, u32)> {
    let (seq, n) = alert_id.split_once('.')?;
    let valid =
        |part: &str, len_max: usize| (1..=len_max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    if !valid(seq, 16) || !valid(n, 6) {
        return None;
    }
    Some((seq.parse().ok()?, n.parse().ok()?))
}

pub fn alert_view(alert: &Alert) -> AlertView {
    AlertView { alert: alert.clone(), cap_url: format!("/api/v1/alerts/{}.cap", alert.alert_id) }
}

/// The alerts `reader` may read after `after` (every one when `None`), oldest first.
pub(crate) fn alerts_after<'a>(
    state: &'a State,
    reader: Reader<'a>,
    after: Option<(u64, u32)>,
) -> impl Iterator<Item = &'a Alert> {
    // Alerts are appended in entry order, so the first one after the key is found by bisection.
    let start = match after {
        None => 0,
        Some(key) => state.alerts.partition_point(|a| alert_key(a.alert_id.as_str()).is_some_and(|k| k <= key)),
    };
    state.alerts[start..].iter().filter(move |a| may_read_alert(state, reader, a))
}

/// When an alert's news held in the world: when what it reports happened, if it says, or
/// else when it was raised.
fn happened_at(alert: &Alert) -> Timestamp {
    alert.effective_at.unwrap_or(alert.raised_at)
}

/// The public alerts raised by the entries recorded by `known_at`, about what had happened by
/// `at`, in the order they were raised.
pub async fn alerts(as_of: AsOf<AlertsQuery>) -> Result<Json<Page<AlertView>>, ApiError> {
    let query = &as_of.query;
    let limit = page_limit(query.limit)?;
    let after = match query.cursor.as_deref() {
        None => None,
        Some(cursor) => Some(
            alert_key(cursor)
                .ok_or_else(|| ApiError::bad_request("cursor", "cursor must be an alert id, `<seq>.<n>`"))?,
        ),
    };
    let at = as_of.at;
    let viewer = as_of.viewer.clone();
    let page = as_of.read(|state| {
        let happened = alerts_after(state, viewer.reader(), after).filter(|alert| happened_at(alert) <= at);
        let mut items: Vec<AlertView> = happened.take(limit + 1).map(alert_view).collect();
        let next_cursor = match items.len() > limit {
            true => {
                items.truncate(limit);
                items.last().map(|a| a.alert.alert_id.to_string())
            }
            false => None,
        };
        Page { items, next_cursor }
    })?;
    Ok(Json(page))
}

/// `{id}.cap`: one public alert as a CAP 1.2 message.
pub async fn alert_cap(
    AxumState(app): AxumState<AppState>,
    viewer: Viewer,
    ApiPath(file): ApiPath<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound { kind: "alert", id: file.clone() };
    let id = file.strip_suffix(".cap").ok_or_else(not_found)?;
    let key = alert_key(id).ok_or_else(not_found)?;
    let origin = app.node.origin().to_owned();
    let xml = app.node.read_state(|state| {
        // An alert the viewer may not read is as absent as one that never was.
        let idx = state.alerts.partition_point(|a| alert_key(a.alert_id.as_str()).is_some_and(|k| k < key));
        let alert = state
            .alerts
            .get(idx)
            .filter(|a| a.alert_id.as_str() == id && may_read_alert(state, viewer.reader(), a))
            .ok_or_else(not_found)?;
        cap_message(state, &origin, alert).map_err(|err| ApiError::Internal(format!("writing CAP: {err}")))
    })?;
    Ok(([(header::CONTENT_TYPE, CAP_CONTENT_TYPE), (header::VARY, VARY_BY_VIEWER)], xml).into_response())
}

/// What a response read by the viewer depends on, for caches between it and the server.
const VARY_BY_VIEWER: &str = "Cookie, Authorization";

/// The parameters of the Atom feed.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AtomQuery {
    /// An alert id: the page of the alerts raised before it (the feed's `next` link); the
    /// newest page when absent.
    #[serde(default)]
    #[schemars(with = "String")]
    before: Option<String>,
}

/// A page of the Atom feed of the alerts the viewer may read, newest first, each linking to
/// its CAP message; paged by RFC 5005's `first` and `next` links, all of them absolute.
pub async fn alerts_atom(
    AxumState(app): AxumState<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<AtomQuery>,
) -> Result<Response, ApiError> {
    let before = match query.before.as_deref() {
        None => None,
        Some(id) => Some(
            alert_key(id).ok_or_else(|| ApiError::bad_request("before", "before must be an alert id, `<seq>.<n>`"))?,
        ),
    };
    let base = base_url(&headers, app.edge.tls);
    let origin = app.node.origin().to_owned();
    let now = app.clock.now();
    let xml = app
        .node
        .read_state(|state| {
            atom_feed(state, &AtomPage { origin: &origin, base: &base, reader: viewer.reader(), before }, now)
        })
        .map_err(|err| ApiError::Internal(format!("writing Atom: {err}")))?;
    Ok(([(header::CONTENT_TYPE, ATOM_CONTENT_TYPE), (header::VARY, VARY_BY_VIEWER)], xml).into_response())
}

/// The scheme and authority the client reached this server by (its `Host` header), which
/// the feed's links start with: Atom readers resolve links against the feed's address, and
/// some do not resolve relative ones at all.
fn base_url(headers: &HeaderMap, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .filter(|host| !host.is_empty() && host.bytes().all(|b| b.is_ascii_graphic() && !b"<>\"'&/".contains(&b)))
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// CAP's `dateTime`: whole seconds and a numeric offset. CAP 1.2 (section 3.3.2) forbids
/// alphabetic designators such as `Z` and writes UTC as `-00:00`.
pub fn cap_time(at: Timestamp) -> String {
    at.as_datetime().format("%Y-%m-%dT%H:%M:%S-00:00").to_string()
}

/// A CAP identifier or sender: no spaces, commas, `<` or `&`.
fn cap_token(text: &str) -> String {
    text.chars().map(|c| if c.is_whitespace() || matches!(c, ',' | '<' | '&') { '-' } else { c }).collect()
}

fn cap_identifier(origin: &str, alert_id: &AlertId) -> String {
    cap_token(&format!("{origin}/alerts/{alert_id}"))
}

/// Text as XML 1.0 can hold it. Its `Char` production leaves out the C0 controls other than
/// tab, line feed and carriage return, and U+FFFE and U+FFFF; not even a character reference
/// can carry them, so each becomes U+FFFD. Descriptions, names and titles are bounded text
/// from commands and may hold any of them. Escaping `<` and `&` is the writer's job.
fn xml_chars(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'));
    match text.chars().all(allowed) {
        true => Cow::Borrowed(text),
        false => Cow::Owned(text.chars().map(|c| if allowed(c) { c } else { char::REPLACEMENT_CHARACTER }).collect()),
    }
}

fn element(writer: &mut Writer<Vec<u8>>, name: &str, text: &str) -> io::Result<()> {
    writer.create_element(name).write_text_content(BytesText::new(&xml_chars(text)))?;
    Ok(())
}

/// What one alert says in CAP's vocabulary (CAP 1.2, section 3.2).
struct CapInfo<'a> {
    /// `info/event`: what the alert is about, in words.
    event: &'static str,
    category: &'static str,
    urgency: &'static str,
    severity: &'static str,
    certainty: &'static str,
    /// The earlier message this one updates: `msgType` is then `Update`, with `references`.
    updates: Option<&'a Alert>,
    /// `info/area`, when the alert is about a place.
    area: Option<CapArea>,
}

struct CapArea {
    description: String,
    /// `lat,lon radius`, WGS 84 degrees and kilometres.
    circle: String,
}

/// How long after what it reports an alert still calls for action: past that, CAP's
/// urgency is `Past` (a violation of 2016 recorded today is history, not an emergency).
const CAP_PAST_AFTER_S: i64 = 24 * 60 * 60;

fn urgency(alert: &Alert, urgency: &'static str) -> &'static str {
    match alert.effective_at {
        Some(at) if at.seconds_until(alert.raised_at) > CAP_PAST_AFTER_S => "Past",
        _ => urgency,
    }
}

/// How each kind of alert is said in CAP. One arm per kind and no catch-all, so that a new
/// kind does not compile until someone decides what it means in CAP.
fn cap_info<'a>(state: &'a State, alert: &Alert) -> CapInfo<'a> {
    match alert.kind {
        AlertKind::ViolationNew => violation_info(state, alert, None),
        AlertKind::ViolationChanged => violation_info(state, alert, previous_alert(state, alert)),
        AlertKind::ViolationWithdrawn => CapInfo {
            event: "Ceasefire violation withdrawn",
            category: "Security",
            urgency: "Past",
            severity: "Minor",
            certainty: "Unlikely",
            updates: previous_alert(state, alert),
            area: incident_area(state, alert),
        },
        AlertKind::ConditionFailed | AlertKind::ConditionRestored => CapInfo {
            event: "Ceasefire commitment condition",
            category: "Security",
            // A commitment that no longer binds can put people in a corridor at risk.
            urgency: "Immediate",
            severity: "Moderate",
            // Derived from a substantiated violation: likely, not observed.
            certainty: "Likely",
            updates: None,
            area: None,
        },
        AlertKind::AgreementChanged => CapInfo {
            event: "Ceasefire agreement change",
            category: "Security",
            urgency: "Unknown",
            severity: "Unknown",
            // The change is recorded in the ledger: it happened.
            certainty: "Observed",
            updates: None,
            area: None,
        },
        AlertKind::CorridorOpened | AlertKind::CorridorClosed | AlertKind::CorridorChanged => CapInfo {
            event: "Safe-passage corridor change",
            category: "Security",
            // People on either side act on an opening or a closing at once.
            urgency: "Immediate",
            severity: "Moderate",
            // Derived from the agreed terms and the clock: it is so.
            certainty: "Observed",
            updates: None,
            area: corridor_area(state, alert),
        },
        AlertKind::NotificationOverdue => CapInfo {
            event: "Humanitarian notification overdue",
            category: "Security",
            urgency: "Immediate",
            severity: "Moderate",
            certainty: "Observed",
            updates: None,
            // Confidential: never rendered publicly (`alert_is_public`), so no place is given.
            area: None,
        },
    }
}

/// A circle around the alert's corridor: centred on its middle vertex, reaching its
/// farthest vertex plus its half-width.
fn corridor_area(state: &State, alert: &Alert) -> Option<CapArea> {
    let record = state.coordination.corridors.get(alert.corridor_id.as_ref()?)?;
    let positions = record.spec.route.positions();
    let centre = *positions.get(positions.len() / 2)?;
    let reach_m = positions.iter().map(|p| geodesic_distance_m(centre, *p)).fold(0.0, f64::max);
    let radius_km = (reach_m + record.spec.half_width_m).max(1.0) / 1000.0;
    let (lat, lon) = (centre.lat(), centre.lon());
    Some(CapArea {
        description: format!(
            "Corridor {} ({}), with its {} m half-width",
            record.spec.code, record.spec.name, record.spec.half_width_m
        ),
        circle: format!("{lat:.6},{lon:.6} {radius_km:.3}"),
    })
}

/// A violation: urgency, severity and certainty follow its status.
fn violation_info<'a>(state: &State, alert: &Alert, updates: Option<&'a Alert>) -> CapInfo<'a> {
    let (urgency, severity, certainty) = match alert.violation_status {
        Some(ViolationStatus::Alleged) => ("Immediate", "Moderate", "Possible"),
        Some(ViolationStatus::Substantiated) => ("Immediate", "Severe", "Likely"),
        Some(ViolationStatus::Dismissed) => ("Past", "Minor", "Unlikely"),
        None => ("Unknown", "Unknown", "Unknown"),
    };
    // Military action against the terms of a ceasefire is CAP's "Security" (3.2.2).
    CapInfo {
        event: "Ceasefire violation",
        category: "Security",
        urgency,
        severity,
        certainty,
        updates,
        area: incident_area(state, alert),
    }
}

/// The circle around the reported position of the alert's incident.
fn incident_area(state: &State, alert: &Alert) -> Option<CapArea> {
    let incident = state.monitoring.incidents.get(alert.incident_id.as_ref()?)?;
    let location = &incident.current().location;
    let (lat, lon) = (location.position.lat(), location.position.lon());
    // CAP radii are in kilometres; a point report still gets a small circle.
    let radius_km = location.uncertainty_m.max(1.0) / 1000.0;
    Some(CapArea {
        description: format!(
            "Within {} m of {lat:.5}, {lon:.5} (incident {})",
            location.uncertainty_m, incident.incident_id
        ),
        circle: format!("{lat:.6},{lon:.6} {radius_km:.3}"),
    })
}

/// The earlier public alert about the same violation, which an update refers to.
fn previous_alert<'a>(state: &'a State, alert: &Alert) -> Option<&'a Alert> {
    alert.incident_id.as_ref()?;
    let idx = state.alerts.iter().position(|a| a.alert_id == alert.alert_id)?;
    state.alerts[..idx].iter().filter(|a| alert_is_public(a)).rev().find(|a| {
        a.incident_id == alert.incident_id
            && a.commitment_id == alert.commitment_id
            && a.agreement_id == alert.agreement_id
    })
}

fn cap_description(state: &State, alert: &Alert) -> String {
    let mut lines = vec![format!("{}.", capitalise(&alert.headline))];
    if let Some(incident) = alert.incident_id.as_ref().and_then(|id| state.monitoring.incidents.get(id)) {
        let current = incident.current();
        let kind = serde_json::to_value(current.kind).ok().and_then(|v| v.as_str().map(str::to_owned));
        lines.push(format!(
            "Incident {} ({}) at {}: {}",
            incident.incident_id,
            kind.unwrap_or_default().replace('_', " "),
            cap_time(current.when.start),
            incident.description
        ));
    }
    let names: Vec<String> = alert
        .parties
        .iter()
        .map(|id| state.coordination.parties.get(id).map_or_else(|| id.to_string(), |p| p.name.to_string()))
        .collect();
    if !names.is_empty() {
        lines.push(format!("Addressed to: {}.", names.join(", ")));
    }
    lines.join("\n")
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One alert as a CAP 1.2 message, its elements in the order the schema requires.
pub fn cap_message(state: &State, origin: &str, alert: &Alert) -> io::Result<String> {
    let info = cap_info(state, alert);
    let sender = cap_token(origin);
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer.write_event(quick_xml::events::Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer.create_element("alert").with_attribute(("xmlns", CAP_NAMESPACE)).write_inner_content(|w| {
        element(w, "identifier", &cap_identifier(origin, &alert.alert_id))?;
        element(w, "sender", &sender)?;
        element(w, "sent", &cap_time(alert.raised_at))?;
        element(w, "status", "Actual")?;
        element(w, "msgType", if info.updates.is_some() { "Update" } else { "Alert" })?;
        // A confidential alert is for the parties of its notification (docs/visibility.md),
        // and only they are served its message.
        match alert_is_public(alert) {
            true => element(w, "scope", "Public")?,
            false => {
                element(w, "scope", "Restricted")?;
                element(w, "restriction", "For the parties of the humanitarian notification only; do not forward.")?
            }
        };
        if let Some(previous) = info.updates {
            // `sender,identifier,sent` of the message updated (CAP 1.2, 3.2.1).
            let reference =
                format!("{sender},{},{}", cap_identifier(origin, &previous.alert_id), cap_time(previous.raised_at));
            element(w, "references", &reference)?;
        }
        w.create_element("info").write_inner_content(|w| {
            element(w, "language", "en")?;
            element(w, "category", info.category)?;
            element(w, "event", info.event)?;
            element(w, "urgency", urgency(alert, info.urgency))?;
            element(w, "severity", info.severity)?;
            element(w, "certainty", info.certainty)?;
            if let Some(at) = alert.effective_at {
                element(w, "effective", &cap_time(at))?;
            }
            element(w, "senderName", "truce")?;
            element(w, "headline", &capitalise(&alert.headline))?;
            element(w, "description", &cap_description(state, alert))?;
            let parameters = [
                ("alert_kind", Some(alert.kind.as_str().to_owned())),
                ("incident_id", alert.incident_id.as_ref().map(|id| id.to_string())),
                ("commitment_id", alert.commitment_id.as_ref().map(|id| id.to_string())),
                ("agreement_id", alert.agreement_id.as_ref().map(|id| id.to_string())),
                ("corridor_id", alert.corridor_id.as_ref().map(|id| id.to_string())),
            ];
            for (name, value) in parameters {
                let Some(value) = value else {
                    continue;
                };
                w.create_element("parameter").write_inner_content(|w| {
                    element(w, "valueName", name)?;
                    element(w, "value", &value)
                })?;
            }
            if let Some(area) = &info.area {
                w.create_element("area").write_inner_content(|w| {
                    element(w, "areaDesc", &area.description)?;
                    element(w, "circle", &area.circle)
                })?;
            }
            Ok(())
        })?;
        Ok(())
    })?;
    String::from_utf8(writer.into_inner()).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
}

/// An IRI path segment: what RFC 3986 allows in a segment (unreserved, sub-delims, `@`)
/// plus `/`, every other byte percent-encoded. A log origin is free text.
fn iri_segment(text: &str) -> String {
    let mut segment = String::new();
    for byte in text.bytes() {
        match byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&byte) {
            true => segment.push(char::from(byte)),
            false => segment.push_str(&format!("%{byte:02X}")),
        }
    }
    segment
}

/// Which page of the Atom feed, for whom, and where its links point.
pub struct AtomPage<'a> {
    pub origin: &'a str,
    /// `scheme://authority`, which every link starts with.
    pub base: &'a str,
    pub reader: Reader<'a>,
    /// The alerts raised before this one; the newest when `None`.
    pub before: Option<(u64, u32)>,
}

/// A page of the Atom feed (RFC 4287) of the alerts `page.reader` may read, newest first.
pub fn atom_feed(state: &State, page: &AtomPage<'_>, now: Timestamp) -> io::Result<String> {
    let AtomPage { origin, base, reader, before } = *page;
    let end = match before {
        None => state.alerts.len(),
        Some(key) => state.alerts.partition_point(|a| alert_key(a.alert_id.as_str()).is_some_and(|k| k < key)),
    };
    let mut readable = state.alerts[..end].iter().rev().filter(|a| may_read_alert(state, reader, a));
    let recent: Vec<&Alert> = readable.by_ref().take(ATOM_ENTRIES_MAX).collect();
    let more = readable.next().is_some();
    let updated = recent.first().map_or(now, |a| a.raised_at);
    let first_href = format!("{base}/api/v1/alerts.atom");
    let self_href = match before {
        None => first_href.clone(),
        Some((seq, n)) => format!("{first_href}?before={seq}.{n}"),
    };
    let next_href = match (more, recent.last()) {
        (true, Some(oldest)) => Some(format!("{first_href}?before={}", oldest.alert_id)),
        _ => None,
    };
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer.write_event(quick_xml::events::Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let feed_id = format!("urn:truce:{}:alerts", iri_segment(origin));
    writer.create_element("feed").with_attribute(("xmlns", ATOM_NAMESPACE)).write_inner_content(|w| {
        element(w, "id", &feed_id)?;
        element(w, "title", &format!("truce alerts: {origin}"))?;
        // Atom's dates are RFC 3339, where `-00:00` would mean an unknown local offset.
        element(w, "updated", &updated.to_string())?;
        w.create_element("author").write_inner_content(|w| element(w, "name", "truce"))?;
        for (rel, href) in [("self", Some(&self_href)), ("first", Some(&first_href)), ("next", next_href.as_ref())] {
            if let Some(href) = href {
                w.create_element("link")
                    .with_attribute(("rel", rel))
                    .with_attribute(("type", ATOM_CONTENT_TYPE))
                    .with_attribute(("href", href.as_str()))
                    .write_empty()?;
            }
        }
        for alert in &recent {
            w.create_element("entry").write_inner_content(|w| {
                element(w, "id", &format!("{feed_id}:{}", alert.alert_id))?;
                element(w, "title", &capitalise(&alert.headline))?;
                element(w, "updated", &alert.raised_at.to_string())?;
                w.create_element("link")
                    .with_attribute(("rel", "alternate"))
                    .with_attribute(("type", CAP_CONTENT_TYPE))
                    .with_attribute(("href", format!("{base}/api/v1/alerts/{}.cap", alert.alert_id).as_str()))
                    .write_empty()?;
                w.create_element("category").with_attribute(("term", alert.kind.as_str())).write_empty()?;
                element(w, "summary", &cap_description(state, alert))
            })?;
        }
        Ok(())
    })?;
    String::from_utf8(writer.into_inner()).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
}
