//! Map layers of the monitoring record: incidents and their violations as GeoJSON points
//! (RFC 7946), with flat properties a GIS reads as columns (QGIS shows a nested object as
//! text): plain `start` and `end`, names next to ids, lists comma-separated.
//!
//! Each feature says what the list routes' views say (`monitoring::incident_view`,
//! `monitoring::violation_view`), with the same read policy (`violation_shown`): a violation
//! of a confidential humanitarian notification is never in the layer. An incident's feature
//! is made from its record, without the parts of the view it does not show.

use std::ops::Bound;

use axum::response::Response;
use schemars::JsonSchema;
use serde::Serialize;
use truce_core::{
    AgreementId, CommitmentId, ForceId, Grade, IncidentId, IncidentKind, IncidentRecord, Name, Position, State,
    Timestamp, ViolationStatus, ZoneId,
};

use crate::{
    as_of::AsOf,
    filters::Filters,
    monitoring::{read_monitoring, violation_shown, violation_view},
    problem::ApiError,
    read::{geojson, Feature, FeatureCollection, FeatureCollectionTag, FeatureTag},
    select::{IncidentFilter, Reads, Selects},
};

/// A GeoJSON Point (RFC 7946 section 3.1.2).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Point {
    #[serde(rename = "type")]
    pub kind: PointTag,
    pub coordinates: Position,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub enum PointTag {
    Point,
}

/// An incident as a layer's feature.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IncidentProperties {
    pub incident_id: IncidentId,
    /// The position again, as plain columns (for CSV, and GIS tables).
    pub lon: f64,
    pub lat: f64,
    pub kind: IncidentKind,
    pub description: String,
    /// When it happened (valid time); `end` null for an instant.
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    /// `day`, `week` or `month` (ACLED's time precision); null when not said.
    pub time_precision: Option<String>,
    pub uncertainty_m: f64,
    /// `exact`, `near` or `region` (ACLED's geo precision); null when not said.
    pub geo_precision: Option<String>,
    pub zone_id: Option<ZoneId>,
    pub zone_name: Option<Name>,
    pub grade: Grade,
    /// The killed figure across sources: the lowest minimum and the highest maximum
    /// (null when open at the top, or no source gives it).
    pub killed_min: Option<u32>,
    pub killed_max: Option<u32>,
    pub injured_min: Option<u32>,
    pub injured_max: Option<u32>,
    pub attributed_force_id: Option<ForceId>,
    pub attributed_force_name: Option<Name>,
    pub sources_count: usize,
    pub violations_count: usize,
    pub duplicate_of: Option<IncidentId>,
    pub reported_at: Timestamp,
}

/// A violation as a layer's feature, at its incident's place.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ViolationProperties {
    pub incident_id: IncidentId,
    /// The incident's position again, as plain columns.
    pub lon: f64,
    pub lat: f64,
    pub incident_kind: IncidentKind,
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    pub commitment_id: CommitmentId,
    pub agreement_id: Option<AgreementId>,
    pub agreement_title: Option<Name>,
    pub status: ViolationStatus,
    /// The commitment's party, then the parties answering for the perpetrator, by id and by
    /// name, comma-separated.
    pub party_ids: String,
    pub party_names: String,
    pub grade: Grade,
    pub dismissed_reason: Option<String>,
}

/// A value's wire name (`"week"`), for a flat property.
fn wire_name(value: &impl Serialize) -> Option<String> {
    serde_json::to_value(value).ok().and_then(|value| value.as_str().map(str::to_owned))
}

pub(crate) fn point(position: Position) -> Point {
    Point { kind: PointTag::Point, coordinates: position }
}

/// An incident as a layer's feature: what its view says (`incident_view`), derived from the
/// record without the rest of the view (revisions, sources, reasons, statements), which a
/// map of many incidents does not show.
pub(crate) fn incident_feature(state: &State, incident: &IncidentRecord) -> Feature<Point, IncidentProperties> {
    let current = incident.current();
    let figures = state.figures(incident);
    let figure = |field: &str| {
        figures.iter().find(|f| f.field == field).map_or((None, None), |f| (Some(f.range.min), f.range.max))
    };
    let (killed_min, killed_max) = figure("killed");
    let (injured_min, injured_max) = figure("injured");
    let zone_id = current.location.zone_id.clone();
    let attributed_force = state.attributed_force(incident);
    let violations = state.violations_of_commitments(&incident.incident_id);
    Feature {
        kind: FeatureTag::Feature,
        id: incident.incident_id.to_string(),
        geometry: point(current.location.position),
        properties: IncidentProperties {
            incident_id: incident.incident_id.clone(),
            lon: current.location.position.lon(),
            lat: current.location.position.lat(),
            kind: current.kind,
            description: incident.description.to_string(),
            start: current.when.start,
            end: current.when.end,
            time_precision: current.when.precision.as_ref().and_then(wire_name),
            uncertainty_m: current.location.uncertainty_m,
            geo_precision: current.location.precision.as_ref().and_then(wire_name),
            zone_name: zone_id.as_ref().and_then(|id| state.coordination.zones.get(id)).map(|zone| zone.name.clone()),
            zone_id,
            grade: state.grade(incident),
            killed_min,
            killed_max,
            injured_min,
            injured_max,
            attributed_force_name: attributed_force
                .as_ref()
                .and_then(|id| state.coordination.forces.get(id))
                .map(|force| force.name.clone()),
            attributed_force_id: attributed_force,
            sources_count: state.incident_sources(incident).len(),
            violations_count: violations.iter().filter(|violation| violation_shown(state, violation)).count(),
            duplicate_of: incident.duplicate_of.as_ref().map(|d| d.duplicate_of.clone()),
            reported_at: incident.reported_at,
        },
    }
}

pub async fn incidents_geojson(filters: Filters, as_of: AsOf) -> Result<Response, ApiError> {
    let features = read_monitoring(&as_of, |state| {
        let filter = IncidentFilter::new(&filters, state, Selects::Incidents, Reads::All)?;
        Ok::<_, ApiError>(
            filter
                .candidates(state, Bound::Unbounded)
                .filter(|(_, incident)| filter.admits(state, incident))
                .map(|(_, incident)| incident_feature(state, incident))
                .collect::<Vec<_>>(),
        )
    })??;
    Ok(geojson(FeatureCollection { kind: FeatureCollectionTag::FeatureCollection, features }))
}

/// The features of the violations of one incident that `filter` selects, at its position.
pub(crate) fn violation_features(
    state: &State,
    incident: &IncidentRecord,
    filter: &IncidentFilter,
) -> Vec<Feature<Point, ViolationProperties>> {
    let current = incident.current();
    let violations =
        state.violations_of_commitments(&incident.incident_id).into_iter().filter(|v| filter.admits_violation(v));
    violations
        .filter_map(|violation| violation_view(state, violation))
        .map(|view| {
            let names: Vec<String> = view
                .parties
                .iter()
                .map(|party| {
                    state.coordination.parties.get(party).map_or_else(|| party.to_string(), |p| p.name.to_string())
                })
                .collect();
            let ids: Vec<String> = view.parties.iter().map(ToString::to_string).collect();
            Feature {
                kind: FeatureTag::Feature,
                id: format!("{}/{}", view.incident_id, view.commitment_id),
                geometry: point(current.location.position),
                properties: ViolationProperties {
                    agreement_title: view
                        .agreement_id
                        .as_ref()
                        .and_then(|id| state.coordination.agreements.get(id))
                        .map(|agreement| agreement.title.clone()),
                    incident_id: view.incident_id,
                    lon: current.location.position.lon(),
                    lat: current.location.position.lat(),
                    incident_kind: current.kind,
                    start: current.when.start,
                    end: current.when.end,
                    commitment_id: view.commitment_id,
                    agreement_id: view.agreement_id,
                    status: view.status,
                    party_ids: ids.join(","),
                    party_names: names.join(","),
                    grade: view.grade,
                    dismissed_reason: view.dismissed_reason.map(|reason| reason.to_string()),
                },
            }
        })
        .collect()
}

pub async fn violations_geojson(filters: Filters, as_of: AsOf) -> Result<Response, ApiError> {
    let features = read_monitoring(&as_of, |state| {
        let filter = IncidentFilter::new(&filters, state, Selects::Violations, Reads::All)?;
        let incidents =
            filter.candidates(state, Bound::Unbounded).filter(|(_, incident)| filter.admits_event(incident));
        Ok::<_, ApiError>(incidents.flat_map(|(_, incident)| violation_features(state, incident, &filter)).collect())
    })??;
    Ok(geojson(FeatureCollection { kind: FeatureCollectionTag::FeatureCollection, features }))
}
