//! Reading the projection: every noun as JSON, zones and corridors also as GeoJSON, and
//! everything "as of" `?at=` (default: now, by the server's clock), from what the log had
//! recorded by `?known_at=` (default: everything recorded so far); both come in through
//! `AsOf`.
//!
//! `?at=` is valid time: a version proposed later in the world is not shown, a stance taken
//! later is left out, a zone exists from the valid time of its first boundary, and every
//! status is the one derived at that instant. Parties, forces and accounts have no valid
//! time: they are listed once recorded (`?known_at=` decides), so a party registered today
//! for a story of 2016 answers for 2016.
//!
//! Lists are pages in id order with an opaque `cursor` (the last id of the previous page).
//! Handlers only read `State`; they never touch the ledger. The response types here are the
//! API's DTOs: core types appear inside them, but the shapes of the views are the server's.

use std::collections::BTreeMap;

use axum::{
    extract::State as AxumState,
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use truce_core::{
    corridor_area, Account, AgreementAct, AgreementId, AgreementRecord, AgreementStatus, Breach, Code, CommitmentId,
    CommitmentKind, CommitmentSpec, Condition, ConsentRecord, CorridorId, CorridorRecord, CorridorSpec,
    CorridorStatusKind, CorridorWindow, Corroboration, Destination, Force, ForceId, FulfilmentRecord, Group,
    LineString, Name, Names, Party, PartyId, Polygon, Provenance, ReadingRecord, ReadingTopic, Reason, RecordRef,
    Release, Scope, SourceRecord, StanceRecord, State, SuspensionRecord, Terms, Timestamp, VersionRecord,
    VersionStatus, WeighedSource, Window, Zone, ZoneBoundary, ZoneControl, ZoneId, ZoneKind,
};

use crate::{
    as_of::AsOf,
    extract::ApiPath,
    filters::Paging,
    monitoring::{statements_about, StatementView},
    problem::ApiError,
    AppState, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX,
};

/// The media type of GeoJSON (RFC 7946 section 12).
pub const GEOJSON_CONTENT_TYPE: &str = "application/geo+json";

/// One page of a list, in id order.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "{T}Page")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A party with the forces it answers for.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PartyDetail {
    #[serde(flatten)]
    pub party: Party,
    pub answers_for: Vec<ForceSummary>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ForceSummary {
    pub force_id: ForceId,
    pub code: Code,
    pub name: Name,
}

/// A zone as of `at`, without its geometry (the properties of its GeoJSON feature).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ZoneProperties {
    pub zone_id: ZoneId,
    pub code: Code,
    pub name: Name,
    pub kind: ZoneKind,
    pub illustrative: bool,
    pub at: Timestamp,
    /// The force in control as of `at`, if any was recorded by then.
    pub controlled_by: Option<ForceId>,
    /// Boundaries in effect by `at` (valid time).
    pub boundaries_count: u64,
}

/// A zone's properties as a map layer's feature: its names in other languages also flat.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ZoneLayerProperties {
    #[serde(flatten)]
    pub zone: ZoneProperties,
    /// The names flat, `name_<tag>` (`name_ar`, `name_ru`): a GIS reads a nested object as text.
    #[serde(flatten)]
    pub names_flat: FlatNames,
}

/// A record's names in other languages as flat properties, `name_<tag>`, for a GIS (QGIS
/// shows a nested object as text and cannot label by one of its members).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct FlatNames(BTreeMap<String, Name>);

pub fn flat_names(names: &Names) -> FlatNames {
    FlatNames(names.iter().map(|(tag, name)| (format!("name_{tag}"), name.clone())).collect())
}

/// A zone as of `at`, with the boundary in effect then.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ZoneView {
    #[serde(flatten)]
    pub properties: ZoneProperties,
    /// The name in other languages, by language tag; `name` is the default. (Not among the
    /// properties: a map layer's are flat, `name_<tag>`.)
    pub names: Names,
    pub boundary: Polygon,
}

/// A zone as of `at`, with every boundary and control record made by then.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ZoneDetail {
    #[serde(flatten)]
    pub zone: ZoneView,
    pub boundary_history: Vec<ZoneBoundary>,
    pub control_history: Vec<ZoneControl>,
}

/// A corridor as the version that applies at `at` defines it, and its status then, without
/// its route (the properties of its GeoJSON feature).
#[derive(Debug, Serialize, JsonSchema)]
pub struct CorridorProperties {
    pub corridor_id: CorridorId,
    pub code: Code,
    pub name: Name,
    /// The name in other languages, by language tag; `name` is the default.
    pub names: Names,
    pub half_width_m: f64,
    pub origin_zone_id: ZoneId,
    pub destination: Destination,
    pub groups: Vec<Group>,
    pub windows: Vec<CorridorWindow>,
    pub illustrative: bool,
    pub agreement_id: AgreementId,
    pub status: CorridorStatusKind,
    /// Groups that may pass at `at` (only when open).
    pub open_for: Vec<Group>,
    /// The agreement version whose definition applies.
    pub version: u32,
    pub at: Timestamp,
}

/// A corridor as of `at`, with its route.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CorridorView {
    #[serde(flatten)]
    pub properties: CorridorProperties,
    pub route: LineString,
}

/// An agreement thread as of `at`: the versions proposed by then, with their stances.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AgreementView {
    pub agreement_id: AgreementId,
    pub title: Name,
    pub proposed_by: PartyId,
    pub proposed_at: Timestamp,
    pub at: Timestamp,
    pub status: AgreementStatus,
    pub versions: Vec<VersionView>,
    pub suspensions: Vec<SuspensionRecord>,
    /// Every act on it by `at` (proposals, stances, suspensions, declarations), each by the
    /// sequence number of the entry that recorded it (what statements refer to), with the
    /// statements about it.
    pub acts: Vec<ActView>,
}

/// An act on an agreement and what parties said about it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ActView {
    #[serde(flatten)]
    pub act: AgreementAct,
    /// Statements confirming or denying the act, oldest first.
    pub statements: Vec<StatementView>,
}

/// The sources' readings of a version on one topic, side by side.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReadingsView {
    pub topic: ReadingTopic,
    /// False when two readings contradict each other (figures that cannot both hold, or
    /// different groups named): both stand, none is picked.
    pub sources_agree: bool,
    /// Every reading given by `at`, in the order recorded.
    pub readings: Vec<ReadingView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ReadingView {
    #[serde(flatten)]
    pub record: ReadingRecord,
    /// What the source counts as, given who recorded it.
    pub weighed: WeighedSource,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct VersionView {
    pub version: u32,
    pub proposed_by: PartyId,
    /// When it was proposed in the world (valid time).
    pub proposed_at: Timestamp,
    /// When the ledger accepted the record of it.
    pub recorded_at: Timestamp,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub note: Option<Reason>,
    pub status: VersionStatus,
    /// When every required signatory had endorsed it, if that holds at `at`.
    pub agreed_since: Option<Timestamp>,
    pub terms: Terms,
    /// Every stance taken on this version by `at`, in ledger order, each attested or
    /// reported.
    pub stances: Vec<StanceView>,
    /// What sources say the version says, by topic: claims beside the terms, never terms.
    pub readings: Vec<ReadingsView>,
    /// Statements about the version made by `at`, oldest first.
    pub statements: Vec<StatementView>,
}

/// A stance as recorded, and for a reported one, whether the party's own attested stance
/// on the same version confirms or contradicts it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StanceView {
    #[serde(flatten)]
    pub record: StanceRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attested: Option<Corroboration>,
}

/// A commitment as the latest version holding it by `at` defines it, and its status then.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CommitmentView {
    pub commitment_id: CommitmentId,
    pub party_id: PartyId,
    pub kind: CommitmentKind,
    pub scope: Scope,
    pub scope_kind: ScopeKind,
    pub window: Option<Window>,
    pub force_ids: Vec<ForceId>,
    pub conditions: Vec<Condition>,
    pub text: Reason,
    pub agreement_id: AgreementId,
    pub status: CommitmentStanding,
    /// Its first substantiated violation, once that happened by `at` (counted where a
    /// `not_breached` condition depends on it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breached: Option<Breach>,
    /// When a `not_breached` condition of it failed, by `at`: from then it no longer binds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released: Option<Release>,
    /// Every report of its fulfilment, attested or reported, with its sources.
    pub fulfilments: Vec<FulfilmentRecord>,
    /// True when it binds a party that is not a required signatory of the version: that
    /// party never agreed to it there.
    pub binds_non_signatory: bool,
    /// The agreement version the status is derived from.
    pub version: u32,
    pub at: Timestamp,
}

/// A commitment's status at `at`, with what the monitoring record adds to the agreement's:
/// `breached` once it has a substantiated violation (it still binds), `released` once a
/// `not_breached` condition of it failed (it binds no longer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentStanding {
    Pending,
    Active,
    Fulfilled,
    Breached,
    Released,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    Corridor,
    Zone,
}

/// The node at a glance.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StatusView {
    /// The server's clock.
    pub now: Timestamp,
    pub entries_count: u64,
    pub tree_size: u64,
    pub parties_count: u64,
    pub agreements_count: u64,
    /// The checkpoint origin of the log.
    pub origin: String,
}

/// A GeoJSON Feature (RFC 7946 section 3.2).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "{P}Feature")]
pub struct Feature<G, P> {
    #[serde(rename = "type")]
    pub kind: FeatureTag,
    /// The id of the zone or corridor.
    pub id: String,
    pub geometry: G,
    pub properties: P,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub enum FeatureTag {
    Feature,
}

/// A GeoJSON FeatureCollection (RFC 7946 section 3.3).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "{P}Collection")]
pub struct FeatureCollection<G, P> {
    #[serde(rename = "type")]
    pub kind: FeatureCollectionTag,
    pub features: Vec<Feature<G, P>>,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub enum FeatureCollectionTag {
    FeatureCollection,
}

/// The page size asked for, or the default; 400 naming `limit` outside 1..=PAGE_SIZE_MAX.
pub(crate) fn page_limit(limit: Option<u32>) -> Result<usize, ApiError> {
    let limit = limit.unwrap_or(PAGE_SIZE_DEFAULT);
    if limit == 0 || limit > PAGE_SIZE_MAX {
        return Err(ApiError::bad_request("limit", format!("limit must be between 1 and {PAGE_SIZE_MAX}")));
    }
    usize::try_from(limit).map_err(|_| ApiError::bad_request("limit", "limit does not fit this machine's memory"))
}

/// One page of `map` after `cursor`: the items `render` keeps, in key order.
fn page<K: AsRef<str> + Ord, V, T>(
    map: &BTreeMap<K, V>,
    query: &Paging,
    mut render: impl FnMut(&V) -> Option<T>,
) -> Result<Page<T>, ApiError> {
    let limit = page_limit(query.limit)?;
    let after = query.cursor.as_deref().unwrap_or("");
    let mut items = Vec::new();
    let mut last_key: Option<&str> = None;
    let mut next_cursor = None;
    for (key, value) in map.iter().filter(|(key, _)| key.as_ref() > after) {
        let Some(item) = render(value) else {
            continue;
        };
        // An item past a full page proves there is a next page; it is not rendered twice.
        if items.len() == limit {
            next_cursor = last_key.map(str::to_owned);
            break;
        }
        items.push(item);
        last_key = Some(key.as_ref());
    }
    Ok(Page { items, next_cursor })
}

pub(crate) fn geojson(value: impl Serialize) -> Response {
    ([(header::CONTENT_TYPE, GEOJSON_CONTENT_TYPE)], Json(value)).into_response()
}

pub async fn parties(paging: Paging, as_of: AsOf) -> Result<Json<Page<Party>>, ApiError> {
    let page = as_of.read(|state| page(&state.coordination.parties, &paging, |party| Some(party.clone())))??;
    Ok(Json(page))
}

pub async fn party(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<PartyDetail>, ApiError> {
    as_of.read(|state| {
        let party = state.coordination.parties.values().find(|p| p.party_id.as_str() == id || p.code.as_str() == id);
        let party = party.ok_or(ApiError::NotFound { kind: "party", id: id.clone() })?;
        let answers_for = state
            .coordination
            .forces
            .values()
            .filter(|f| f.party_ids.contains(&party.party_id))
            .map(|f| ForceSummary { force_id: f.force_id.clone(), code: f.code.clone(), name: f.name.clone() })
            .collect();
        Ok(Json(PartyDetail { party: party.clone(), answers_for }))
    })?
}

/// Accounts' names and keys are not public: a signed-in account of a party sees its
/// party's accounts, one of no party (an operator) sees every one.
pub async fn accounts(paging: Paging, as_of: AsOf) -> Result<Json<Page<Account>>, ApiError> {
    let signed_in = as_of.viewer.require_signed_in()?;
    let visible = |account: &Account| match &signed_in.party_id {
        None => true,
        Some(party_id) => account.party_id.as_ref() == Some(party_id),
    };
    let page =
        as_of.read(|state| page(&state.accounts, &paging, |account| visible(account).then(|| account.clone())))??;
    Ok(Json(page))
}

pub async fn forces(paging: Paging, as_of: AsOf) -> Result<Json<Page<Force>>, ApiError> {
    let page = as_of.read(|state| page(&state.coordination.forces, &paging, |force| Some(force.clone())))??;
    Ok(Json(page))
}

/// From when a zone exists in the world: the earliest valid time of its boundaries.
fn zone_defined_at(zone: &Zone) -> Option<Timestamp> {
    zone.boundaries.iter().map(|b| b.effective_at).min()
}

fn zone_at(zone: &Zone, at: Timestamp) -> Option<ZoneView> {
    if zone_defined_at(zone)? > at {
        return None;
    }
    let boundaries_count = zone.boundaries.iter().filter(|b| b.effective_at <= at).count();
    Some(ZoneView {
        properties: ZoneProperties {
            zone_id: zone.zone_id.clone(),
            code: zone.code.clone(),
            name: zone.name.clone(),
            kind: zone.kind,
            illustrative: zone.illustrative,
            at,
            controlled_by: zone.controlled_by_at(at).cloned(),
            boundaries_count: boundaries_count as u64,
        },
        names: zone.names.clone(),
        boundary: zone.boundary_at(at).clone(),
    })
}

pub async fn zones(paging: Paging, as_of: AsOf) -> Result<Json<Page<ZoneView>>, ApiError> {
    let at = as_of.at;
    let page = as_of.read(|state| page(&state.coordination.zones, &paging, |zone| zone_at(zone, at)))??;
    Ok(Json(page))
}

pub async fn zone(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<ZoneDetail>, ApiError> {
    let at = as_of.at;
    as_of.read(|state| {
        let zone = state.coordination.zones.values().find(|z| z.zone_id.as_str() == id || z.code.as_str() == id);
        let (zone, view) = zone
            .and_then(|zone| Some((zone, zone_at(zone, at)?)))
            .ok_or(ApiError::NotFound { kind: "zone", id: id.clone() })?;
        Ok(Json(ZoneDetail {
            zone: view,
            boundary_history: zone.boundaries.iter().filter(|b| b.effective_at <= at).cloned().collect(),
            control_history: zone.control.iter().filter(|c| c.since <= at).cloned().collect(),
        }))
    })?
}

pub async fn zones_geojson(as_of: AsOf) -> Result<Response, ApiError> {
    let at = as_of.at;
    let features = as_of.read(|state| {
        state
            .coordination
            .zones
            .values()
            .filter_map(|zone| zone_at(zone, at))
            .map(|view| Feature {
                kind: FeatureTag::Feature,
                id: view.properties.zone_id.to_string(),
                geometry: view.boundary,
                properties: ZoneLayerProperties { names_flat: flat_names(&view.names), zone: view.properties },
            })
            .collect()
    })?;
    Ok(geojson(FeatureCollection { kind: FeatureCollectionTag::FeatureCollection, features }))
}

/// A corridor with the definition of the version that applies at `at`, and its status.
pub(crate) fn corridor_at(state: &State, record: &CorridorRecord, at: Timestamp) -> Option<CorridorView> {
    let status = state.coordination.corridor_status(&record.spec.corridor_id, at)?;
    let agreement = state.coordination.agreements.get(&record.agreement_id)?;
    let spec = agreement
        .version(status.version)
        .and_then(|v| v.terms.corridors.iter().find(|c| c.corridor_id == record.spec.corridor_id))
        .unwrap_or(&record.spec);
    // Destructured in full so that a new field of `CorridorSpec` cannot be left out unseen.
    let CorridorSpec {
        corridor_id,
        code,
        name,
        names,
        route,
        half_width_m,
        origin_zone_id,
        destination,
        groups,
        windows,
        illustrative,
    } = spec.clone();
    Some(CorridorView {
        properties: CorridorProperties {
            corridor_id,
            code,
            name,
            names,
            half_width_m,
            origin_zone_id,
            destination,
            groups,
            windows,
            illustrative,
            agreement_id: record.agreement_id.clone(),
            status: status.status,
            open_for: status.open_for,
            version: status.version,
            at,
        },
        route,
    })
}

pub async fn corridors(paging: Paging, as_of: AsOf) -> Result<Json<Page<CorridorView>>, ApiError> {
    let at = as_of.at;
    let page =
        as_of.read(|state| page(&state.coordination.corridors, &paging, |record| corridor_at(state, record, at)))??;
    Ok(Json(page))
}

pub async fn corridor(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<CorridorView>, ApiError> {
    let at = as_of.at;
    as_of.read(|state| {
        let record = state
            .coordination
            .corridors
            .values()
            .find(|c| c.spec.corridor_id.as_str() == id || c.spec.code.as_str() == id);
        record
            .and_then(|record| corridor_at(state, record, at))
            .map(Json)
            .ok_or(ApiError::NotFound { kind: "corridor", id })
    })?
}

/// What a corridor feature's geometry is: its route (the default) or the area within its
/// half-width of the route (`as=area`, docs/geojson.md).
#[derive(Debug, Default, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CorridorShape {
    #[default]
    Line,
    Area,
}

/// The query of `corridors.geojson`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorridorLayerQuery {
    /// `line` (the default) for the route as a LineString, `area` for the area within the
    /// half-width of the route as a Polygon: the route buffered geodesically.
    #[serde(default, rename = "as")]
    pub shape: CorridorShape,
}

/// A corridor's route or area (`CorridorShape`).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum CorridorGeometry {
    Line(LineString),
    Area(Polygon),
}

/// One window of a corridor as a map layer's feature: flat fields only, for a GIS (QGIS
/// reads nested objects as text), each window its own feature with `start` and `end`, and
/// names next to ids.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CorridorWindowProperties {
    pub corridor_id: CorridorId,
    pub code: Code,
    pub name: Name,
    /// The name in Arabic and in Russian, the page's other languages, when it has one: fixed
    /// columns, so that every row of a CSV export has the same (`names` on `/corridors` has
    /// every language).
    pub name_ar: Option<Name>,
    pub name_ru: Option<Name>,
    pub half_width_m: f64,
    pub origin_zone_id: ZoneId,
    /// The origin zone's name, when the zone is known.
    pub origin_zone_name: Option<Name>,
    pub destination_zone_id: Option<ZoneId>,
    pub destination_name: Name,
    /// The groups the corridor admits, comma-separated.
    pub groups: String,
    /// The window's place among the corridor's windows, from 0; `null` for a corridor with
    /// no window.
    pub window: Option<usize>,
    /// The window's start and end (valid time); `null` for a corridor with no window.
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// The groups the window is for, comma-separated; empty for every group the corridor admits.
    pub window_groups: String,
    pub illustrative: bool,
    pub agreement_id: AgreementId,
    pub agreement_title: Option<Name>,
    pub status: CorridorStatusKind,
    /// Groups that may pass at `at`, comma-separated (only when open).
    pub open_for: String,
    pub version: u32,
    pub at: Timestamp,
}

/// Groups as a GIS reads them: their wire names, comma-separated.
pub(crate) fn groups_text(groups: &[Group]) -> String {
    let names: Vec<String> = groups
        .iter()
        .filter_map(|group| serde_json::to_value(group).ok().and_then(|value| value.as_str().map(str::to_owned)))
        .collect();
    names.join(",")
}

pub async fn corridors_geojson(as_of: AsOf<CorridorLayerQuery>) -> Result<Response, ApiError> {
    let at = as_of.at;
    let shape = as_of.query.shape;
    let features = as_of.read(|state| {
        let mut features = Vec::new();
        for view in state.coordination.corridors.values().filter_map(|record| corridor_at(state, record, at)) {
            features.extend(corridor_window_features(state, &view, shape, at)?);
        }
        Ok::<_, ApiError>(features)
    })??;
    Ok(geojson(FeatureCollection { kind: FeatureCollectionTag::FeatureCollection, features }))
}

/// One feature per window of a corridor as of `at` (one for a corridor with no window).
///
/// # Errors
/// `Internal` when its area cannot be drawn (`as=area`).
pub(crate) fn corridor_window_features(
    state: &State,
    view: &CorridorView,
    shape: CorridorShape,
    at: Timestamp,
) -> Result<Vec<Feature<CorridorGeometry, CorridorWindowProperties>>, ApiError> {
    let geometry = match shape {
        CorridorShape::Line => CorridorGeometry::Line(view.route.clone()),
        CorridorShape::Area => corridor_area(&view.route, view.properties.half_width_m)
            .map(CorridorGeometry::Area)
            .map_err(|err| ApiError::Internal(format!("corridor area: {err}")))?,
    };
    let p = &view.properties;
    let windows: Vec<Option<(usize, &CorridorWindow)>> = match p.windows.is_empty() {
        true => vec![None],
        false => p.windows.iter().enumerate().map(Some).collect(),
    };
    let features = windows
        .into_iter()
        .map(|window| Feature {
            kind: FeatureTag::Feature,
            id: match window {
                Some((index, _)) => format!("{}/{index}", p.corridor_id),
                None => p.corridor_id.to_string(),
            },
            geometry: match &geometry {
                CorridorGeometry::Line(line) => CorridorGeometry::Line(line.clone()),
                CorridorGeometry::Area(area) => CorridorGeometry::Area(area.clone()),
            },
            properties: CorridorWindowProperties {
                corridor_id: p.corridor_id.clone(),
                code: p.code.clone(),
                name: p.name.clone(),
                name_ar: p.names.get("ar").cloned(),
                name_ru: p.names.get("ru").cloned(),
                half_width_m: p.half_width_m,
                origin_zone_id: p.origin_zone_id.clone(),
                origin_zone_name: state.coordination.zones.get(&p.origin_zone_id).map(|zone| zone.name.clone()),
                destination_zone_id: p.destination.zone_id.clone(),
                destination_name: p.destination.name.clone(),
                groups: groups_text(&p.groups),
                window: window.map(|(index, _)| index),
                start: window.map(|(_, w)| w.window.start()),
                end: window.map(|(_, w)| w.window.end()),
                window_groups: window.map(|(_, w)| groups_text(&w.groups)).unwrap_or_default(),
                illustrative: p.illustrative,
                agreement_id: p.agreement_id.clone(),
                agreement_title: state.coordination.agreements.get(&p.agreement_id).map(|a| a.title.clone()),
                status: p.status,
                open_for: groups_text(&p.open_for),
                version: p.version,
                at,
            },
        })
        .collect();
    Ok(features)
}

/// An agreement thread as of `at`; `None` when it was not yet proposed then.
fn agreement_at(state: &State, agreement: &AgreementRecord, at: Timestamp) -> Option<AgreementView> {
    let status = state.coordination.agreement_status(&agreement.agreement_id, at)?;
    let versions = agreement
        .versions
        .iter()
        .filter(|version| version.proposed_at <= at)
        .map(|version| VersionView {
            version: version.version,
            proposed_by: version.proposed_by.clone(),
            proposed_at: version.proposed_at,
            recorded_at: version.recorded_at,
            provenance: version.provenance.clone(),
            note: version.note.clone(),
            status: state.coordination.version_status(agreement, version, at),
            agreed_since: state.coordination.agreed_since(version, at),
            terms: version.terms.clone(),
            stances: version
                .stances
                .iter()
                .filter(|s| s.at <= at)
                .map(|s| StanceView { record: s.clone(), attested: version.corroboration_of(s) })
                .collect(),
            readings: readings_of(state, agreement, version, at),
            statements: statements_about(
                state,
                &RecordRef::Version { agreement_id: agreement.agreement_id.clone(), version: version.version },
                Some(at),
            ),
        })
        .collect();
    let acts = state
        .agreement_acts
        .values()
        .filter(|act| act.agreement_id == agreement.agreement_id && act.at <= at)
        .map(|act| ActView {
            act: act.clone(),
            statements: statements_about(
                state,
                &RecordRef::Act { agreement_id: act.agreement_id.clone(), seq: act.seq },
                Some(at),
            ),
        })
        .collect();
    Some(AgreementView {
        agreement_id: agreement.agreement_id.clone(),
        title: agreement.title.clone(),
        proposed_by: agreement.proposed_by.clone(),
        proposed_at: agreement.proposed_at,
        at,
        status,
        versions,
        suspensions: agreement.suspensions.iter().filter(|s| s.at <= at).cloned().collect(),
        acts,
    })
}

/// The readings of a version given by `at`, grouped by topic in topic order.
fn readings_of(
    state: &State,
    agreement: &AgreementRecord,
    version: &VersionRecord,
    at: Timestamp,
) -> Vec<ReadingsView> {
    let mut by_topic: BTreeMap<ReadingTopic, Vec<&ReadingRecord>> = BTreeMap::new();
    let readings = state
        .monitoring
        .readings
        .values()
        .filter(|r| r.agreement_id == agreement.agreement_id && r.version == version.version && r.given_by(at));
    for reading in readings {
        by_topic.entry(reading.reading.topic).or_default().push(reading);
    }
    by_topic
        .into_iter()
        .map(|(topic, mut records)| {
            records.sort_by_key(|r| r.recorded_at);
            let sources_agree = records.iter().all(|a| records.iter().all(|b| !a.reading.contradicts(&b.reading)));
            let readings = records
                .into_iter()
                .map(|record| {
                    let source = SourceRecord {
                        at: record.recorded_at,
                        added_by: record.recorded_by.clone(),
                        source: record.source.clone(),
                    };
                    ReadingView { record: record.clone(), weighed: state.weigh_source(&source) }
                })
                .collect();
            ReadingsView { topic, sources_agree, readings }
        })
        .collect()
}

pub async fn agreements(paging: Paging, as_of: AsOf) -> Result<Json<Page<AgreementView>>, ApiError> {
    let at = as_of.at;
    let page = as_of.read(|state| {
        page(&state.coordination.agreements, &paging, |agreement| agreement_at(state, agreement, at))
    })??;
    Ok(Json(page))
}

pub async fn agreement(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<AgreementView>, ApiError> {
    let at = as_of.at;
    as_of.read(|state| {
        let agreement = state.coordination.agreements.values().find(|a| a.agreement_id.as_str() == id);
        agreement
            .and_then(|agreement| agreement_at(state, agreement, at))
            .map(Json)
            .ok_or(ApiError::NotFound { kind: "agreement", id })
    })?
}

pub(crate) fn commitment_at(state: &State, commitment_id: &CommitmentId, at: Timestamp) -> Option<CommitmentView> {
    let status = state.coordination.commitment_status(commitment_id, at)?;
    let agreement = state.coordination.agreements.get(state.coordination.commitment_agreements.get(commitment_id)?)?;
    let version = agreement.version(status.version)?;
    let spec = version.terms.commitments.iter().find(|c| &c.commitment_id == commitment_id)?;
    let binds_non_signatory = !version.terms.signatories.contains(&spec.party_id);
    // Destructured in full so that a new field of `CommitmentSpec` cannot be left out unseen.
    let CommitmentSpec { commitment_id, party_id, kind, scope, window, force_ids, conditions, text } = spec.clone();
    let scope_kind = match scope {
        Scope::Corridor(_) => ScopeKind::Corridor,
        Scope::Zone(_) => ScopeKind::Zone,
    };
    let outcomes = state.condition_outcomes();
    let breached = outcomes.breaches.get(&commitment_id).filter(|b| b.at <= at).cloned();
    let released = outcomes.releases.get(&commitment_id).filter(|r| r.at <= at).cloned();
    let fulfilments: Vec<FulfilmentRecord> = state
        .coordination
        .fulfilments
        .get(&commitment_id)
        .into_iter()
        .flatten()
        .filter(|f| f.at <= at)
        .cloned()
        .collect();
    let standing = match (status.status, &released, &breached) {
        (_, Some(_), _) => CommitmentStanding::Released,
        (truce_core::CommitmentStatusKind::Fulfilled, _, _) => CommitmentStanding::Fulfilled,
        (_, None, Some(_)) => CommitmentStanding::Breached,
        (truce_core::CommitmentStatusKind::Active, None, None) => CommitmentStanding::Active,
        (truce_core::CommitmentStatusKind::Pending, None, None) => CommitmentStanding::Pending,
    };
    Some(CommitmentView {
        commitment_id,
        party_id,
        kind,
        scope,
        scope_kind,
        window,
        force_ids,
        conditions,
        text,
        agreement_id: agreement.agreement_id.clone(),
        status: standing,
        breached,
        released,
        fulfilments,
        binds_non_signatory,
        version: status.version,
        at,
    })
}

pub async fn commitments(paging: Paging, as_of: AsOf) -> Result<Json<Page<CommitmentView>>, ApiError> {
    let at = as_of.at;
    let page = as_of.read(|state| {
        // Commitments are indexed in a hash map; pages need a stable order.
        let ids: BTreeMap<String, &CommitmentId> =
            state.coordination.commitment_agreements.keys().map(|id| (id.to_string(), id)).collect();
        page(&ids, &paging, |id| commitment_at(state, id, at))
    })??;
    Ok(Json(page))
}

pub async fn consents(paging: Paging, as_of: AsOf) -> Result<Json<Page<ConsentRecord>>, ApiError> {
    let at = as_of.at;
    let page = as_of.read(|state| {
        page(&state.coordination.consents, &paging, |consent| (consent.effective_at <= at).then(|| consent.clone()))
    })??;
    Ok(Json(page))
}

/// Liveness: the process answers. (A server whose writer fails stops, fail-stop, rather than
/// serving on without it.)
pub async fn healthz() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ok\n")
}

/// Whether the node takes writes: `ready` while it does; a 503 problem naming the cause
/// while storage refuses them (full disk, size limit, read-only database), reads going on.
pub async fn readyz(AxumState(app): AxumState<AppState>) -> Result<impl axum::response::IntoResponse, ApiError> {
    match app.node.writes_refused() {
        None => Ok(([(axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ready\n")),
        Some(cause) => Err(ApiError::StorageUnavailable { cause }),
    }
}

pub async fn status(AxumState(app): AxumState<AppState>) -> Json<StatusView> {
    let (entries_count, parties_count, agreements_count) = app.node.read_state(|state| {
        (state.entries_count, state.coordination.parties.len(), state.coordination.agreements.len())
    });
    let tree_size = app.node.read_tree(|tree| tree.len());
    Json(StatusView {
        now: app.clock.now(),
        entries_count,
        tree_size,
        parties_count: parties_count as u64,
        agreements_count: agreements_count as u64,
        origin: app.node.origin().to_owned(),
    })
}
