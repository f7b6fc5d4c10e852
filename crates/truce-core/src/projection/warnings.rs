//! Warnings: what a command says that is accepted but looks wrong, for its author to check.
//! A point far outside the zone it names, or whose longitude and latitude look swapped
//! (GeoJSON's order is `[longitude, latitude]`; many sources write latitude first).
//!
//! And altitudes dropped: GeoJSON positions may carry a third number, which a zone or a
//! route is read without; the author is told, in case the altitude mattered.
//!
//! Advisory only, and apart from `decide`: a warning never refuses a command (a source may
//! place an event outside the zone it names, and that is worth recording as it says), is
//! not written to the ledger, and is computed against the state the command is decided on.
//! The store's writer calls `warnings` beside `decide` and hands what it finds back with the
//! receipt, which the server puts in the reply.

use serde::Serialize;

use crate::{
    command::{Command, CommandBody},
    matcher::distance_to_zone_m,
    monitoring::model::{Location, Notified},
    projection::state::State,
    vocab::{
        geometry::{Polygon, Position},
        ids::ZoneId,
        limits::OUTSIDE_ZONE_WARNING_M,
        time::Timestamp,
    },
};

/// One thing a command says that looks wrong: the field by its path, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Warning {
    pub field: String,
    pub message: String,
}

/// A point a command gives, where it is, and what it says about itself.
struct Point<'a> {
    field: &'static str,
    position: Position,
    uncertainty_m: f64,
    zone_id: Option<&'a ZoneId>,
    /// The valid time at which the zone's boundary is read.
    at: Timestamp,
}

/// The warnings for `command` against `state`; empty when nothing looks wrong.
pub fn warnings(state: &State, command: &Command) -> Vec<Warning> {
    let mut found: Vec<Warning> =
        points(state, command).into_iter().filter_map(|point| warning_for(state, &point)).collect();
    found.extend(altitudes(command));
    found
}

/// A geometry of the command whose input positions had altitudes, which were dropped.
fn altitudes(command: &Command) -> Vec<Warning> {
    let dropped: Vec<(String, usize)> = match &command.body {
        CommandBody::DefineZone { boundary, .. } | CommandBody::RedrawZone { boundary, .. } => {
            vec![("boundary".to_owned(), boundary.altitudes_dropped())]
        }
        CommandBody::ProposeAgreement { terms, .. } | CommandBody::ProposeVersion { terms, .. } => terms
            .corridors
            .iter()
            .enumerate()
            .map(|(index, corridor)| (format!("terms.corridors[{index}].route"), corridor.route.altitudes_dropped()))
            .collect(),
        CommandBody::NotifyHumanitarian { notified: Notified::Movement { route, .. }, .. } => {
            vec![("notified.route".to_owned(), route.altitudes_dropped())]
        }
        // Exhaustive, so that a new command with a geometry is considered here.
        CommandBody::NotifyHumanitarian { notified: Notified::Site { .. }, .. }
        | CommandBody::Genesis(_)
        | CommandBody::RegisterParty { .. }
        | CommandBody::RegisterAccount { .. }
        | CommandBody::AddAccountKey { .. }
        | CommandBody::CreateEnrolment { .. }
        | CommandBody::EnrolKey { .. }
        | CommandBody::RevokeKey { .. }
        | CommandBody::SetEncryptionKey { .. }
        | CommandBody::RegisterForce { .. }
        | CommandBody::RecordZoneControl { .. }
        | CommandBody::Endorse { .. }
        | CommandBody::Reject { .. }
        | CommandBody::Withdraw { .. }
        | CommandBody::Suspend { .. }
        | CommandBody::Resume { .. }
        | CommandBody::DeclareBroken { .. }
        | CommandBody::DeclareCompleted { .. }
        | CommandBody::RecordConsent { .. }
        | CommandBody::ReportFulfilled { .. }
        | CommandBody::ReportIncident { .. }
        | CommandBody::CorrectIncident { .. }
        | CommandBody::RecordObservation { .. }
        | CommandBody::AddSource { .. }
        | CommandBody::GradeIncident { .. }
        | CommandBody::MarkDuplicate { .. }
        | CommandBody::DismissViolation { .. }
        | CommandBody::MakeStatement { .. }
        | CommandBody::RecordReading { .. }
        | CommandBody::EstimatePopulation { .. }
        | CommandBody::RecordPassage { .. }
        | CommandBody::ReportTotal { .. }
        | CommandBody::ScheduleConvoy { .. }
        | CommandBody::UpdateConvoy { .. }
        | CommandBody::WithdrawNotification { .. }
        | CommandBody::AcknowledgeNotification { .. }
        | CommandBody::AcknowledgeAlert { .. }
        | CommandBody::MarkTime {}
        | CommandBody::Retract { .. } => Vec::new(),
    };
    dropped
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(field, count)| Warning {
            field,
            message: format!(
                "{count} position(s) had an altitude, which was dropped: positions are kept as [longitude, latitude]"
            ),
        })
        .collect()
}

fn located<'a>(field: &'static str, location: &'a Location, at: Timestamp) -> Point<'a> {
    Point {
        field,
        position: location.position,
        uncertainty_m: location.uncertainty_m,
        zone_id: location.zone_id.as_ref(),
        at,
    }
}

fn points<'a>(state: &State, command: &'a Command) -> Vec<Point<'a>> {
    match &command.body {
        CommandBody::ReportIncident { location, when, .. } => {
            vec![located("location.position", location, when.start)]
        }
        CommandBody::CorrectIncident { incident_id, location: Some(location), when, .. } => {
            let current = state.monitoring.incidents.get(incident_id).map(|i| i.current().when.start);
            let at = when.map(|w| w.start).or(current).unwrap_or(command.issued_at);
            vec![located("location.position", location, at)]
        }
        CommandBody::RecordObservation { observation, .. } => {
            vec![located("observation.observer.position", &observation.observer, observation.when.start)]
        }
        CommandBody::NotifyHumanitarian { notified: Notified::Site { position, radius_m, .. }, .. } => {
            vec![Point {
                field: "notified.position",
                position: *position,
                uncertainty_m: *radius_m,
                zone_id: None,
                at: command.issued_at,
            }]
        }
        // Exhaustive, so that a new command with a point is considered here.
        CommandBody::CorrectIncident { location: None, .. }
        | CommandBody::NotifyHumanitarian { notified: Notified::Movement { .. }, .. }
        | CommandBody::Genesis(_)
        | CommandBody::RegisterParty { .. }
        | CommandBody::RegisterAccount { .. }
        | CommandBody::AddAccountKey { .. }
        | CommandBody::CreateEnrolment { .. }
        | CommandBody::EnrolKey { .. }
        | CommandBody::RevokeKey { .. }
        | CommandBody::SetEncryptionKey { .. }
        | CommandBody::RegisterForce { .. }
        | CommandBody::DefineZone { .. }
        | CommandBody::RedrawZone { .. }
        | CommandBody::RecordZoneControl { .. }
        | CommandBody::ProposeAgreement { .. }
        | CommandBody::ProposeVersion { .. }
        | CommandBody::Endorse { .. }
        | CommandBody::Reject { .. }
        | CommandBody::Withdraw { .. }
        | CommandBody::Suspend { .. }
        | CommandBody::Resume { .. }
        | CommandBody::DeclareBroken { .. }
        | CommandBody::DeclareCompleted { .. }
        | CommandBody::RecordConsent { .. }
        | CommandBody::ReportFulfilled { .. }
        | CommandBody::AddSource { .. }
        | CommandBody::GradeIncident { .. }
        | CommandBody::MarkDuplicate { .. }
        | CommandBody::DismissViolation { .. }
        | CommandBody::MakeStatement { .. }
        | CommandBody::RecordReading { .. }
        | CommandBody::EstimatePopulation { .. }
        | CommandBody::RecordPassage { .. }
        | CommandBody::ReportTotal { .. }
        | CommandBody::ScheduleConvoy { .. }
        | CommandBody::UpdateConvoy { .. }
        | CommandBody::WithdrawNotification { .. }
        | CommandBody::AcknowledgeNotification { .. }
        | CommandBody::AcknowledgeAlert { .. }
        | CommandBody::MarkTime {}
        | CommandBody::Retract { .. } => Vec::new(),
    }
}

fn warning_for(state: &State, point: &Point<'_>) -> Option<Warning> {
    let slack_m = point.uncertainty_m + OUTSIDE_ZONE_WARNING_M;
    // Latitude written where the longitude goes, and the other way round; only a point
    // whose longitude could be a latitude can be swapped.
    let swapped = Position::new(point.position.lat(), point.position.lon()).ok();
    let warn = |message: String| Some(Warning { field: point.field.to_owned(), message });
    if let Some(zone) = point.zone_id.and_then(|id| state.coordination.zones.get(id)) {
        let boundary = zone.boundary_at(point.at);
        let outside_m = distance_to_zone_m(point.position, boundary);
        if outside_m <= slack_m {
            return None;
        }
        let km = outside_m / 1000.0;
        if swapped.is_some_and(|swapped| distance_to_zone_m(swapped, boundary) <= slack_m) {
            return warn(format!(
                "[{}, {}] is {km:.0} km outside zone {}, which it names, and inside it with longitude and latitude \
                 swapped; positions are [longitude, latitude]",
                point.position.lon(),
                point.position.lat(),
                zone.code
            ));
        }
        return warn(format!("the point is {km:.1} km outside zone {}, which it names", zone.code));
    }
    // No zone named: a point far from every zone whose swap falls inside one. Each zone's box
    // first: a log holds thousands of zones of hundreds of vertices, nearly all of them far
    // from any one point, and the exact distance reads every edge of a zone.
    let within = |position: Position, distance_m: f64, boundary: &Polygon| {
        boundary.may_be_within_m(position, distance_m) && distance_to_zone_m(position, boundary) <= distance_m
    };
    let zones: Vec<_> = state.coordination.zones.values().map(|zone| (zone, zone.boundary_at(point.at))).collect();
    if zones.is_empty() || zones.iter().any(|(_, boundary)| within(point.position, slack_m, boundary)) {
        return None;
    }
    let swapped = swapped?;
    let (zone, _) = zones.iter().find(|(_, boundary)| within(swapped, point.uncertainty_m, boundary))?;
    warn(format!(
        "[{}, {}] is far from every zone, and inside zone {} with longitude and latitude swapped; positions are \
         [longitude, latitude]",
        point.position.lon(),
        point.position.lat(),
        zone.code
    ))
}
