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
};
use quick_xml::{events::BytesDecl, events::BytesText, Writer};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use truce_core::{may_read_alert, Alert, Reader, State, Timestamp};

use crate::{
    as_of::AsOf,
    auth::Viewer,
    extract::{ApiPath, ApiQuery},
    json::Json,
    problem::ApiError,
    read::{page_limit, Page},
    AppState, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX,
};

pub(crate) mod cap;
mod phrases;

use cap::{cap_description, cap_message, capitalise};

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
    truce_core::AlertId::parse(alert_id).ok().map(|id| id.key())
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
        Some(key) => state.alerts.partition_point(|a| a.alert_id.key() <= key),
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
    headers: HeaderMap,
    ApiPath(file): ApiPath<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound { kind: "alert", id: file.clone() };
    let id = file.strip_suffix(".cap").ok_or_else(not_found)?;
    let key = alert_key(id).ok_or_else(not_found)?;
    let origin = app.node.origin().to_owned();
    let base = base_url(&headers, app.edge.tls);
    let xml = app.node.read_state(|state| {
        // An alert the viewer may not read is as absent as one that never was.
        let idx = state.alerts.partition_point(|a| a.alert_id.key() < key);
        let alert = state
            .alerts
            .get(idx)
            .filter(|a| a.alert_id.key() == key && may_read_alert(state, viewer.reader(), a))
            .ok_or_else(not_found)?;
        cap_message(state, &origin, &base, alert).map_err(|err| ApiError::Internal(format!("writing CAP: {err}")))
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
        Some(key) => state.alerts.partition_point(|a| a.alert_id.key() < key),
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
