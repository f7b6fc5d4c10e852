//! Reading the projection: every noun as JSON, zones and corridors also as GeoJSON, and
//! every status "as of" `?at=` (default: now, by the server's clock).
//!
//! Lists are pages in id order with an opaque `cursor` (the last id of the previous page).
//! Handlers only read `State`; they never touch the ledger.

use std::collections::BTreeMap;

use axum::{
    extract::{Path, State as AxumState},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};
use truce_core::{AgreementRecord, Scope, State, Timestamp, Zone};

use crate::{extract::ApiQuery, problem::ApiError, AppState, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    at: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtQuery {
    at: Option<String>,
}

fn parse_at(app: &AppState, raw: Option<&str>) -> Result<Timestamp, ApiError> {
    match raw {
        None => Ok(app.clock.now()),
        Some(raw) => Timestamp::parse(raw).map_err(|err| ApiError::bad_request("at", err.to_string())),
    }
}

/// One page of `map` after `cursor`, each item rendered by `render`.
fn page<K: AsRef<str> + Ord, V>(
    map: &BTreeMap<K, V>,
    query: &ListQuery,
    mut render: impl FnMut(&V) -> Value,
) -> Result<Value, ApiError> {
    let limit = query.limit.unwrap_or(PAGE_SIZE_DEFAULT);
    if limit == 0 || limit > PAGE_SIZE_MAX {
        return Err(ApiError::bad_request("limit", format!("limit must be between 1 and {PAGE_SIZE_MAX}")));
    }
    let after = query.cursor.as_deref().unwrap_or("");
    let mut items = Vec::new();
    let mut next_cursor = None;
    for (key, value) in map.iter().filter(|(key, _)| key.as_ref() > after) {
        if items.len() == limit as usize {
            break;
        }
        items.push(render(value));
        next_cursor = Some(key.as_ref().to_owned());
    }
    if items.len() < limit as usize {
        next_cursor = None;
    }
    Ok(json!({ "items": items, "next_cursor": next_cursor }))
}

fn to_value(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("projection types serialise to JSON")
}

pub async fn parties(
    AxumState(app): AxumState<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    app.node.read_state(|state| page(&state.parties, &query, to_value)).map(Json)
}

pub async fn party(AxumState(app): AxumState<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    app.node.read_state(|state| {
        let party = state.parties.values().find(|p| p.party_id.as_str() == id || p.code.as_str() == id);
        let party = party.ok_or(ApiError::NotFound { kind: "party", id: id.clone() })?;
        let forces: Vec<Value> = state
            .forces
            .values()
            .filter(|f| f.party_ids.contains(&party.party_id))
            .map(|f| json!({"force_id": f.force_id, "code": f.code, "name": f.name}))
            .collect();
        let mut value = to_value(party);
        value["answers_for"] = Value::Array(forces);
        Ok(Json(value))
    })
}

pub async fn accounts(
    AxumState(app): AxumState<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    app.node.read_state(|state| page(&state.accounts, &query, to_value)).map(Json)
}

pub async fn forces(
    AxumState(app): AxumState<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    app.node.read_state(|state| page(&state.forces, &query, to_value)).map(Json)
}

fn zone_at(zone: &Zone, at: Timestamp) -> Value {
    json!({
        "zone_id": zone.zone_id,
        "code": zone.code,
        "name": zone.name,
        "kind": zone.kind,
        "illustrative": zone.illustrative,
        "at": at,
        "boundary": zone.boundary_at(at),
        "controlled_by": zone.controlled_by_at(at),
        "boundaries_count": zone.boundaries.len(),
    })
}

pub async fn zones(
    AxumState(app): AxumState<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let at = parse_at(&app, query.at.as_deref())?;
    app.node.read_state(|state| page(&state.zones, &query, |zone| zone_at(zone, at))).map(Json)
}

pub async fn zone(
    AxumState(app): AxumState<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AtQuery>,
) -> Result<Json<Value>, ApiError> {
    let at = parse_at(&app, query.at.as_deref())?;
    app.node.read_state(|state| {
        let zone = state.zones.values().find(|z| z.zone_id.as_str() == id || z.code.as_str() == id);
        let zone = zone.ok_or(ApiError::NotFound { kind: "zone", id: id.clone() })?;
        let mut value = zone_at(zone, at);
        value["boundary_history"] = to_value(&zone.boundaries);
        value["control_history"] = to_value(&zone.control);
        Ok(Json(value))
    })
}

pub async fn zones_geojson(
    AxumState(app): AxumState<AppState>,
    ApiQuery(query): ApiQuery<AtQuery>,
) -> Result<Json<Value>, ApiError> {
    let at = parse_at(&app, query.at.as_deref())?;
    let features: Vec<Value> = app.node.read_state(|state| {
        state
            .zones
            .values()
            .map(|zone| {
                let mut properties = zone_at(zone, at);
                let geometry = properties["boundary"].take();
                if let Some(object) = properties.as_object_mut() {
                    object.remove("boundary");
                }
                json!({"type": "Feature", "id": zone.zone_id, "geometry": geometry, "properties": properties})
            })
            .collect()
    });
    Ok(Json(json!({"type": "FeatureCollection", "features": features})))
}

/// A corridor with the definition of the version that applies at `at`, and its status.
fn corridor_at(state: &State, record: &truce_core::CorridorRecord, at: Timestamp) -> Option<Value> {
    let status = state.corridor_status(&record.spec.corridor_id, at)?;
    let agreement = state.agreements.get(&record.agreement_id)?;
    let spec = agreement
        .version(status.version)
        .and_then(|v| v.terms.corridors.iter().find(|c| c.corridor_id == record.spec.corridor_id))
        .unwrap_or(&record.spec);
    let mut value = to_value(spec);
    value["agreement_id"] = to_value(&record.agreement_id);
    value["status"] = to_value(&status.status);
    value["open_for"] = to_value(&status.open_for);
    value["version"] = json!(status.version);
    value["at"] = to_value(&at);
    Some(value)
}

pub async fn corridors(
    AxumState(app): AxumState<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let at = parse_at(&app, query.at.as_deref())?;
    app.node
        .read_state(|state| {
            page(&state.corridors, &query, |record| corridor_at(state, record, at).unwrap_or(Value::Null))
        })
        .map(|mut value| {
            if let Some(items) = value["items"].as_array_mut() {
                items.retain(|item| !item.is_null());
            }
            Json(value)
        })
}

pub async fn corridor(
    AxumState(app): AxumState<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AtQuery>,
) -> Result<Json<Value>, ApiError> {
    let at = parse_at(&app, query.at.as_deref())?;
    app.node.read_state(|state| {
        let record = state.corridors.values().find(|c| c.spec.corridor_id.as_str() == id || c.spec.code.as_str() == id);
        let record = record.ok_or(ApiError::NotFound { kind: "corridor", id: id.clone() })?;
        corridor_at(state, record, at).map(Json).ok_or(ApiError::NotFound { kind: "corridor (as of that time)", id })
    })
}

pub async fn corridors_geojson(
    AxumState(app): AxumState<AppState>,
    ApiQuery(query): ApiQuery<AtQuery>,
) -> Result<Json<Value>, ApiError> {
    let at = parse_at(&app, query.at.as_deref())?;
    let features: Vec<Value> = app.node.read_state(|state| {
        state
            .corridors
            .values()
            .filter_map(|record| corridor_at(state, record, at))
            .map(|mut properties| {
                let geometry = properties["route"].take();
                let id = properties["corridor_id"].clone();
                if let Some(object) = properties.as_object_mut() {
                    object.remove("route");
                }
                json!({"type": "Feature", "id": id, "geometry": geometry, "properties": properties})
            })
            .collect()
    });
    Ok(Json(json!({"type": "FeatureCollection", "features": features})))
}

/// An agreement thread: every version with its terms, status and stances, as of `at`.
fn agreement_at(state: &State, agreement: &AgreementRecord, at: Timestamp) -> Value {
    let versions: Vec<Value> = agreement
        .versions
        .iter()
        .map(|version| {
            let stances: Vec<Value> = version.stances.iter().filter(|s| s.at <= at).map(to_value).collect();
            json!({
                "version": version.version,
                "proposed_by": version.proposed_by,
                "proposed_at": version.proposed_at,
                "note": version.note,
                "status": if version.proposed_at <= at { to_value(&state.version_status(agreement, version, at)) } else { json!("not_yet_proposed") },
                "agreed_since": state.agreed_since(version, at),
                "terms": version.terms,
                "stances": stances,
            })
        })
        .collect();
    json!({
        "agreement_id": agreement.agreement_id,
        "title": agreement.title,
        "proposed_by": agreement.proposed_by,
        "proposed_at": agreement.proposed_at,
        "at": at,
        "status": state.agreement_status(&agreement.agreement_id, at),
        "versions": versions,
        "suspensions": agreement.suspensions,
    })
}

pub async fn agreements(
    AxumState(app): AxumState<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let at = parse_at(&app, query.at.as_deref())?;
    app.node
        .read_state(|state| page(&state.agreements, &query, |agreement| agreement_at(state, agreement, at)))
        .map(Json)
}

pub async fn agreement(
    AxumState(app): AxumState<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AtQuery>,
) -> Result<Json<Value>, ApiError> {
    let at = parse_at(&app, query.at.as_deref())?;
    app.node.read_state(|state| {
        let agreement = state.agreements.values().find(|a| a.agreement_id.as_str() == id);
        let agreement = agreement.ok_or(ApiError::NotFound { kind: "agreement", id: id.clone() })?;
        Ok(Json(agreement_at(state, agreement, at)))
    })
}

pub async fn commitments(
    AxumState(app): AxumState<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let at = parse_at(&app, query.at.as_deref())?;
    app.node
        .read_state(|state| {
            let ids: BTreeMap<String, &truce_core::CommitmentId> =
                state.commitment_agreements.keys().map(|id| (id.to_string(), id)).collect();
            page(&ids, &query, |id| {
                let Some((agreement, spec)) = state.commitment_spec(id) else {
                    return Value::Null;
                };
                let mut value = to_value(spec);
                value["agreement_id"] = to_value(&agreement.agreement_id);
                value["status"] = to_value(&state.commitment_status(id, at).map(|s| s.status));
                value["scope_kind"] = json!(match spec.scope {
                    Scope::Corridor(_) => "corridor",
                    Scope::Zone(_) => "zone",
                });
                value["at"] = to_value(&at);
                value
            })
        })
        .map(Json)
}

pub async fn consents(
    AxumState(app): AxumState<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    app.node.read_state(|state| page(&state.consents, &query, to_value)).map(Json)
}

pub async fn status(AxumState(app): AxumState<AppState>) -> Json<Value> {
    let (entries_count, parties_count, agreements_count) =
        app.node.read_state(|state| (state.entries_count, state.parties.len(), state.agreements.len()));
    let tree_size = app.node.read_tree(|tree| tree.len());
    Json(json!({
        "now": app.clock.now(),
        "entries_count": entries_count,
        "tree_size": tree_size,
        "parties_count": parties_count,
        "agreements_count": agreements_count,
        "origin": app.node.origin(),
    }))
}
