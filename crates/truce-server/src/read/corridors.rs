//! Corridors as of `at`: their views, the list and the record, and the GeoJSON layer of one
//! feature per window (also the rows of the corridors export).

use super::*;

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
            .find(|c| *c.spec.corridor_id.text() == *id || c.spec.code.as_str() == id);
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
