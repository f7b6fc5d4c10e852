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
    json::Json,
    monitoring::{statements_about, StatementView},
    problem::ApiError,
    AppState, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX,
};

mod agreements;
mod corridors;

pub use agreements::*;
pub use corridors::*;

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
fn page<K: std::borrow::Borrow<uuid::Uuid> + Ord, V, T>(
    map: &BTreeMap<K, V>,
    query: &Paging,
    mut render: impl FnMut(&V) -> Option<T>,
) -> Result<Page<T>, ApiError> {
    let limit = page_limit(query.limit)?;
    // Ids sort as their text, so the keys after the cursor's text are a range.
    let first = truce_core::first_with_text(std::ops::Bound::Excluded(query.cursor.as_deref().unwrap_or("")));
    let after = first.map(|first| map.range::<uuid::Uuid, _>(first..)).into_iter().flatten();
    let mut items = Vec::new();
    let mut last_key: Option<&K> = None;
    let mut next_cursor = None;
    for (key, value) in after {
        let Some(item) = render(value) else {
            continue;
        };
        // An item past a full page proves there is a next page; it is not rendered twice.
        if items.len() == limit {
            next_cursor = last_key.map(|key| truce_core::uuid_text(*key.borrow()).to_string());
            break;
        }
        items.push(item);
        last_key = Some(key);
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
        let party = state.coordination.parties.values().find(|p| *p.party_id.text() == *id || p.code.as_str() == id);
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
        let zone = state.coordination.zones.values().find(|z| *z.zone_id.text() == *id || z.code.as_str() == id);
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
