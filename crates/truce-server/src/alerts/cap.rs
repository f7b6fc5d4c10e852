//! One alert as an OASIS CAP 1.2 message (docs/cap.md).
//!
//! An `<info>` in English (`en-US`) first, then one in Arabic and one in Russian when a
//! record the alert names (a party it is addressed to, its corridor or zone) has a name in
//! that language; their fixed phrases are `phrases`. Each gives an `<instruction>` (what a
//! person should do) and a `<web>` link to the record's page on this server. Areas: a
//! `<circle>` around an incident's position, and `<polygon>`s for a corridor's area (its
//! route buffered by its half-width, as `corridors.geojson?as=area` serves it) and a zone's
//! outline, one per part, each cut to at most `CAP_POLYGON_POSITIONS_MAX` positions.

use std::io;

use quick_xml::{events::BytesDecl, Writer};
use truce_core::{
    alert_is_public, corridor_area, geodesic_distance_m, simplified_ring, Alert, AlertId, AlertKind, CorridorRecord,
    Name, Names, Polygon, Scope, State, Timestamp, ViolationStatus, Zone,
};

use super::{
    element,
    phrases::{self, CapEvent, Label, Lang, Slots},
    CAP_NAMESPACE,
};

/// Positions in one `<polygon>` at the most: CAP readers (alerting gateways, phones' cell
/// broadcast) are built for outlines of a few hundred points, and a zone may have 10,000.
pub const CAP_POLYGON_POSITIONS_MAX: usize = 300;
/// `<polygon>`s in one `<area>` at the most: the largest parts of a zone of many parts.
pub const CAP_POLYGONS_MAX: usize = 10;

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

/// What one alert says in CAP's vocabulary (CAP 1.2, section 3.2), in any language.
struct CapInfo<'a> {
    /// `info/event`: what the alert is about.
    event: CapEvent,
    category: &'static str,
    urgency: &'static str,
    severity: &'static str,
    certainty: &'static str,
    /// The earlier message this one updates: `msgType` is then `Update`, with `references`.
    updates: Option<&'a Alert>,
    /// `info/area`s: the places the alert is about.
    places: Vec<Place<'a>>,
}

/// A place an alert is about, said in each language by `area`.
enum Place<'a> {
    /// The circle of an incident's reported position and uncertainty.
    Incident {
        incident_id: String,
        lat: f64,
        lon: f64,
        uncertainty_m: f64,
    },
    Corridor(&'a CorridorRecord),
    /// A zone, with its boundary at the alert's instant.
    Zone(&'a Zone, Timestamp),
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

/// When an alert's news held in the world: when what it reports happened, if it says, or
/// else when it was raised.
fn instant(alert: &Alert) -> Timestamp {
    alert.effective_at.unwrap_or(alert.raised_at)
}

/// How each kind of alert is said in CAP. One arm per kind and no catch-all, so that a new
/// kind does not compile until someone decides what it means in CAP.
fn cap_info<'a>(state: &'a State, alert: &Alert) -> CapInfo<'a> {
    match alert.kind {
        AlertKind::ViolationNew => violation_info(state, alert, None),
        AlertKind::ViolationChanged => violation_info(state, alert, previous_alert(state, alert)),
        AlertKind::ViolationWithdrawn => CapInfo {
            event: CapEvent::ViolationWithdrawn,
            category: "Security",
            urgency: "Past",
            severity: "Minor",
            certainty: "Unlikely",
            updates: previous_alert(state, alert),
            places: incident_place(state, alert).into_iter().chain(scope_place(state, alert)).collect(),
        },
        AlertKind::ConditionFailed | AlertKind::ConditionRestored => CapInfo {
            event: CapEvent::CommitmentCondition,
            category: "Security",
            // A commitment that no longer binds can put people in a corridor at risk.
            urgency: "Immediate",
            severity: "Moderate",
            // Derived from a substantiated violation: likely, not observed.
            certainty: "Likely",
            updates: None,
            places: scope_place(state, alert).into_iter().collect(),
        },
        AlertKind::AgreementChanged => CapInfo {
            event: CapEvent::AgreementChange,
            category: "Security",
            urgency: "Unknown",
            severity: "Unknown",
            // The change is recorded in the ledger: it happened.
            certainty: "Observed",
            updates: None,
            places: Vec::new(),
        },
        AlertKind::CorridorOpened | AlertKind::CorridorClosed | AlertKind::CorridorChanged => CapInfo {
            event: CapEvent::CorridorChange,
            category: "Security",
            // People on either side act on an opening or a closing at once.
            urgency: "Immediate",
            severity: "Moderate",
            // Derived from the agreed terms and the clock: it is so.
            certainty: "Observed",
            updates: None,
            places: corridor(state, alert).map(Place::Corridor).into_iter().collect(),
        },
        AlertKind::NotificationOverdue => CapInfo {
            event: CapEvent::NotificationOverdue,
            category: "Security",
            urgency: "Immediate",
            severity: "Moderate",
            certainty: "Observed",
            updates: None,
            // Confidential: its place is the notification's, for its parties only, and a
            // message may be forwarded further than they would want it to go.
            places: Vec::new(),
        },
    }
}

/// A violation: urgency, severity and certainty follow its status.
fn violation_info<'a>(state: &'a State, alert: &Alert, updates: Option<&'a Alert>) -> CapInfo<'a> {
    let (urgency, severity, certainty) = match alert.violation_status {
        Some(ViolationStatus::Alleged) => ("Immediate", "Moderate", "Possible"),
        Some(ViolationStatus::Substantiated) => ("Immediate", "Severe", "Likely"),
        Some(ViolationStatus::Dismissed) => ("Past", "Minor", "Unlikely"),
        None => ("Unknown", "Unknown", "Unknown"),
    };
    // Military action against the terms of a ceasefire is CAP's "Security" (3.2.2).
    CapInfo {
        event: CapEvent::Violation,
        category: "Security",
        urgency,
        severity,
        certainty,
        updates,
        places: incident_place(state, alert).into_iter().chain(scope_place(state, alert)).collect(),
    }
}

fn corridor<'a>(state: &'a State, alert: &Alert) -> Option<&'a CorridorRecord> {
    state.coordination.corridors.get(alert.corridor_id.as_ref()?)
}

/// The reported position of the alert's incident.
fn incident_place<'a>(state: &State, alert: &Alert) -> Option<Place<'a>> {
    let incident = state.monitoring.incidents.get(alert.incident_id.as_ref()?)?;
    let location = &incident.current().location;
    Some(Place::Incident {
        incident_id: incident.incident_id.to_string(),
        lat: location.position.lat(),
        lon: location.position.lon(),
        uncertainty_m: location.uncertainty_m,
    })
}

/// The corridor or zone the alert's commitment is about.
fn scope_place<'a>(state: &'a State, alert: &Alert) -> Option<Place<'a>> {
    let (_, spec) = state.coordination.commitment_spec(alert.commitment_id.as_ref()?)?;
    match &spec.scope {
        Scope::Corridor(corridor_id) => state.coordination.corridors.get(corridor_id).map(Place::Corridor),
        Scope::Zone(zone_id) => state.coordination.zones.get(zone_id).map(|zone| Place::Zone(zone, instant(alert))),
    }
}

/// A record's name in `lang`: its name in that language, or its default name.
fn local<'a>(lang: Lang, name: &'a Name, names: &'a Names) -> &'a str {
    lang.names_tag().and_then(|tag| names.get(tag)).unwrap_or(name).as_str()
}

/// `EA-1 (al-Sukkari to Ramouseh)`, in `lang`.
fn corridor_label(lang: Lang, record: &CorridorRecord) -> String {
    format!("{} ({})", record.spec.code, local(lang, &record.spec.name, &record.spec.names))
}

fn zone_label(lang: Lang, zone: &Zone) -> String {
    format!("{} ({})", zone.code, local(lang, &zone.name, &zone.names))
}

/// A place in words, for a headline's `{place}`.
fn place_label(lang: Lang, place: &Place<'_>) -> String {
    match place {
        Place::Incident { incident_id, .. } => format!("{} {incident_id}", phrases::label(lang, Label::Incident)),
        Place::Corridor(record) => {
            format!("{} {}", phrases::label(lang, Label::Corridor), corridor_label(lang, record))
        }
        Place::Zone(zone, _) => format!("{} {}", phrases::label(lang, Label::Zone), zone_label(lang, zone)),
    }
}

/// An `<area>`: its description in `lang`, and its circles or polygons.
struct CapArea {
    description: String,
    /// `lat,lon lat,lon ...`, first = last.
    polygons: Vec<String>,
    /// `lat,lon radius`, WGS 84 degrees and kilometres.
    circles: Vec<String>,
}

fn area(lang: Lang, place: &Place<'_>) -> CapArea {
    let metres = phrases::label(lang, Label::Metres);
    match place {
        Place::Incident { incident_id, lat, lon, uncertainty_m } => CapArea {
            description: format!(
                "{} {uncertainty_m} {metres} {} {lat:.5}, {lon:.5} ({} {incident_id})",
                phrases::label(lang, Label::Within),
                phrases::label(lang, Label::OfPosition),
                phrases::label(lang, Label::Incident),
            ),
            polygons: Vec::new(),
            // CAP radii are in kilometres; a point report still gets a small circle.
            circles: vec![format!("{lat:.6},{lon:.6} {:.3}", uncertainty_m.max(1.0) / 1000.0)],
        },
        Place::Corridor(record) => {
            let description = format!(
                "{}{}{} {} {metres}",
                place_label(lang, place),
                lang.list_separator(),
                phrases::label(lang, Label::HalfWidth),
                record.spec.half_width_m
            );
            match corridor_area(&record.spec.route, record.spec.half_width_m) {
                Ok(area) => CapArea { description, polygons: cap_polygons(&area), circles: Vec::new() },
                // A buffer with more vertices than a geometry may hold: the circle around it.
                Err(_) => CapArea { description, polygons: Vec::new(), circles: vec![corridor_circle(record)] },
            }
        }
        Place::Zone(zone, at) => CapArea {
            description: place_label(lang, place),
            polygons: cap_polygons(zone.boundary_at(*at)),
            circles: Vec::new(),
        },
    }
}

/// A polygon's parts as CAP polygons: each part's exterior ring (CAP has no holes), cut
/// to `CAP_POLYGON_POSITIONS_MAX` positions, the `CAP_POLYGONS_MAX` longest parts.
fn cap_polygons(polygon: &Polygon) -> Vec<String> {
    let mut exteriors: Vec<&[truce_core::Position]> =
        polygon.parts().filter_map(|part| part.first()).map(Vec::as_slice).collect();
    exteriors.sort_by_key(|ring| std::cmp::Reverse(ring.len()));
    exteriors
        .into_iter()
        .take(CAP_POLYGONS_MAX)
        .map(|ring| {
            let pairs: Vec<String> = simplified_ring(ring, CAP_POLYGON_POSITIONS_MAX)
                .iter()
                .map(|p| format!("{:.6},{:.6}", p.lat(), p.lon()))
                .collect();
            pairs.join(" ")
        })
        .collect()
}

/// A circle around a corridor: centred on its middle vertex, reaching its farthest vertex
/// plus its half-width.
fn corridor_circle(record: &CorridorRecord) -> String {
    let positions = record.spec.route.positions();
    let centre = positions[positions.len() / 2];
    let reach_m = positions.iter().map(|p| geodesic_distance_m(centre, *p)).fold(0.0, f64::max);
    let radius_km = (reach_m + record.spec.half_width_m).max(1.0) / 1000.0;
    format!("{:.6},{:.6} {radius_km:.3}", centre.lat(), centre.lon())
}

/// The earlier public alert about the same violation, which an update refers to.
fn previous_alert<'a>(state: &'a State, alert: &Alert) -> Option<&'a Alert> {
    alert.incident_id.as_ref()?;
    let idx = state.alert_position(&alert.alert_id)?;
    state.alerts[..idx].iter().filter(|a| alert_is_public(a)).rev().find(|a| {
        a.incident_id == alert.incident_id
            && a.commitment_id == alert.commitment_id
            && a.agreement_id == alert.agreement_id
    })
}

/// The names of the parties an alert is addressed to, in `lang`.
fn addressees(state: &State, alert: &Alert, lang: Lang) -> Vec<String> {
    alert
        .parties
        .iter()
        .map(|id| {
            state
                .coordination
                .parties
                .get(id)
                .map_or_else(|| id.to_string(), |p| local(lang, &p.name, &p.names).to_owned())
        })
        .collect()
}

/// The alert in a few lines of English: its headline, its incident, whom it is addressed
/// to. Also the summary of its Atom entry.
pub(crate) fn cap_description(state: &State, alert: &Alert) -> String {
    description(state, alert, Lang::En, &capitalise(&alert.headline))
}

fn description(state: &State, alert: &Alert, lang: Lang, headline: &str) -> String {
    let mut lines = vec![format!("{headline}.")];
    if let Some(incident) = alert.incident_id.as_ref().and_then(|id| state.monitoring.incidents.get(id)) {
        let current = incident.current();
        let line = match lang {
            Lang::En => {
                let kind = serde_json::to_value(current.kind).ok().and_then(|v| v.as_str().map(str::to_owned));
                format!(
                    "Incident {} ({}) at {}: {}",
                    incident.incident_id,
                    kind.unwrap_or_default().replace('_', " "),
                    cap_time(current.when.start),
                    incident.description
                )
            }
            // The incident's kind is a word of the API, not of the catalogue; its
            // description is free text, as recorded.
            Lang::Ar | Lang::Ru => format!(
                "{} {}{}{}: {}",
                capitalise(phrases::label(lang, Label::Incident)),
                incident.incident_id,
                lang.list_separator(),
                cap_time(current.when.start),
                incident.description
            ),
        };
        lines.push(line);
    }
    let names = addressees(state, alert, lang);
    if !names.is_empty() {
        lines.push(format!("{}: {}.", phrases::label(lang, Label::AddressedTo), names.join(lang.list_separator())));
    }
    lines.join("\n")
}

pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The languages of the alert's message: English, then each translated language in which
/// some record the alert names has a name.
fn languages(state: &State, alert: &Alert, info: &CapInfo<'_>) -> Vec<Lang> {
    let mut named: Vec<&Names> =
        alert.parties.iter().filter_map(|id| state.coordination.parties.get(id)).map(|p| &p.names).collect();
    named.extend(corridor(state, alert).map(|record| &record.spec.names));
    for place in &info.places {
        match place {
            Place::Incident { .. } => {}
            Place::Corridor(record) => named.push(&record.spec.names),
            Place::Zone(zone, _) => named.push(&zone.names),
        }
    }
    let mut languages = vec![Lang::En];
    for lang in Lang::TRANSLATED {
        let tag = lang.names_tag();
        if named.iter().any(|names| tag.and_then(|tag| names.get(tag)).is_some()) {
            languages.push(lang);
        }
    }
    languages
}

/// The page of the record the alert is about on this server's web page, absolute.
fn web_url(base: &str, alert: &Alert) -> String {
    let page = match alert.kind {
        AlertKind::ViolationNew | AlertKind::ViolationChanged | AlertKind::ViolationWithdrawn => {
            alert.incident_id.as_ref().map(|id| format!("/incidents/{id}"))
        }
        AlertKind::CorridorOpened | AlertKind::CorridorClosed | AlertKind::CorridorChanged => {
            alert.corridor_id.as_ref().map(|id| format!("/corridors/{id}"))
        }
        AlertKind::ConditionFailed | AlertKind::ConditionRestored | AlertKind::AgreementChanged => {
            alert.agreement_id.as_ref().map(|id| format!("/agreements/{id}"))
        }
        // The web page has no page for a notification; the API has its record.
        AlertKind::NotificationOverdue => {
            alert.notification_id.as_ref().map(|id| format!("/api/v1/notifications/{id}"))
        }
    };
    format!("{base}{}", page.unwrap_or_else(|| format!("/api/v1/alerts/{}.cap", alert.alert_id)))
}

/// What the phrases of the alert are filled with, in `lang`.
fn slots_text(state: &State, alert: &Alert, info: &CapInfo<'_>, lang: Lang) -> [String; 4] {
    let corridor = corridor(state, alert).map(|record| corridor_label(lang, record)).unwrap_or_default();
    let groups: Vec<&str> = alert.open_for.iter().map(|group| phrases::group(lang, *group)).collect();
    let title = alert
        .agreement_id
        .as_ref()
        .and_then(|id| state.coordination.agreements.get(id))
        .map(|agreement| agreement.title.to_string())
        .unwrap_or_default();
    // The commitment's corridor or zone when there is one, else the incident.
    let place = info
        .places
        .iter()
        .rev()
        .map(|place| place_label(lang, place))
        .next()
        .unwrap_or_else(|| format!("{} {}", phrases::label(lang, Label::Incident), alert.alert_id));
    [corridor, groups.join(lang.list_separator()), title, place]
}

/// One alert as a CAP 1.2 message, its elements in the order the schema requires. `base`
/// (`scheme://authority`) starts the `<web>` link.
pub fn cap_message(state: &State, origin: &str, base: &str, alert: &Alert) -> io::Result<String> {
    let info = cap_info(state, alert);
    let sender = cap_token(origin);
    let web = web_url(base, alert);
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
        for lang in languages(state, alert, &info) {
            let [corridor, groups, title, place] = slots_text(state, alert, &info, lang);
            let slots = Slots { corridor: &corridor, groups: &groups, title: &title, place: &place };
            let headline = match phrases::headline(lang, alert.kind, alert.violation_status) {
                Some(phrase) => phrases::fill(phrase, &slots),
                None => capitalise(&alert.headline),
            };
            let instruction = phrases::fill(phrases::instruction(lang, alert.kind, alert.violation_status), &slots);
            w.create_element("info").write_inner_content(|w| {
                element(w, "language", lang.cap_language())?;
                element(w, "category", info.category)?;
                element(w, "event", phrases::event(lang, info.event))?;
                element(w, "urgency", urgency(alert, info.urgency))?;
                element(w, "severity", info.severity)?;
                element(w, "certainty", info.certainty)?;
                if let Some(at) = alert.effective_at {
                    element(w, "effective", &cap_time(at))?;
                }
                element(w, "senderName", "truce")?;
                element(w, "headline", &headline)?;
                element(w, "description", &description(state, alert, lang, &headline))?;
                element(w, "instruction", &instruction)?;
                element(w, "web", &web)?;
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
                for place in &info.places {
                    let area = area(lang, place);
                    w.create_element("area").write_inner_content(|w| {
                        element(w, "areaDesc", &area.description)?;
                        for polygon in &area.polygons {
                            element(w, "polygon", polygon)?;
                        }
                        for circle in &area.circles {
                            element(w, "circle", circle)?;
                        }
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })?;
    String::from_utf8(writer.into_inner()).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
}
