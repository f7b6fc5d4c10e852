//! Each kind of record as an export writes it: its rows, its columns with their HXL
//! hashtags, and how it walks the state in key order from where the previous chunk stopped.
//!
//! Incidents, violations and corridor windows are the map layers' features
//! (`layers::IncidentProperties`, `layers::ViolationProperties`,
//! `read::CorridorWindowProperties`); passages, counts and commitments have rows of their own
//! here. The hashtags are chosen from the HXL dictionary (hxlstandard.org); docs/exports.md
//! lists them and says why.

use std::{
    collections::{BTreeMap, BTreeSet},
    ops::Bound,
};

use schemars::JsonSchema;
use serde::Serialize;
use truce_core::{
    AccountId, AgreementId, Basis, CommitmentId, CommitmentKind, ConvoyId, CorridorId, Direction, EstimateId,
    EstimateRecord, IncidentId, IncidentRecord, LineString, Name, PartyId, PassageId, Polygon, Quantity, Reason, Scope,
    SourceKind, State, Timestamp, TotalId, TotalRecord, ZoneId,
};

use super::{Item, Table};
use crate::{
    filters::{Filter, Filters},
    layers::{incident_feature, violation_features, IncidentProperties, Point, ViolationProperties},
    problem::ApiError,
    read::{
        commitment_at, corridor_at, corridor_window_features, CommitmentStanding, CorridorGeometry, CorridorShape,
        CorridorWindowProperties, ScopeKind,
    },
    select::{
        corridor_positions, party_of_account, scope_positions, CountFilter, CountKind, IncidentFilter, PassageFilter,
        Reads, Selects,
    },
};

/// A row's geometry: an incident's point, a corridor's route, a zone's boundary.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ExportGeometry {
    Point(Point),
    Line(LineString),
    Area(Polygon),
}

/// Walks `map` in key order after `cursor`, handing each record to `rows_of`, until
/// `records_max` records were looked at or `rows_max` rows made; moves `cursor` to the last
/// record looked at. True when the map is done.
fn scan<'s, K: Ord + Clone, V, R>(
    map: &'s BTreeMap<K, V>,
    cursor: &mut Option<K>,
    records_max: usize,
    rows_max: usize,
    out: &mut Vec<Item<R>>,
    rows_of: impl FnMut(&'s K, &'s V, &mut Vec<Item<R>>),
) -> bool {
    let lower = match cursor.as_ref() {
        None => Bound::Unbounded,
        Some(key) => Bound::Excluded(key),
    };
    let records = map.range::<K, _>((lower, Bound::Unbounded));
    scan_from(records, cursor, records_max, rows_max, out, rows_of)
}

/// The same over the incidents a filter's plan gives after `cursor` (`IncidentFilter::candidates`).
fn scan_incidents<'s, R>(
    state: &'s State,
    filter: &'s IncidentFilter,
    cursor: &mut Option<IncidentId>,
    records_max: usize,
    rows_max: usize,
    out: &mut Vec<Item<R>>,
    rows_of: impl FnMut(&'s IncidentId, &'s IncidentRecord, &mut Vec<Item<R>>),
) -> bool {
    let text = cursor.as_ref().map(IncidentId::text);
    let lower = match &text {
        None => Bound::Unbounded,
        Some(text) => Bound::Excluded(text.as_str()),
    };
    let records = filter.candidates(state, lower);
    scan_from(records, cursor, records_max, rows_max, out, rows_of)
}

/// `scan` over records already in key order after the cursor.
fn scan_from<'s, K: Clone + 's, V: 's, R>(
    mut records: impl Iterator<Item = (&'s K, &'s V)>,
    cursor: &mut Option<K>,
    records_max: usize,
    rows_max: usize,
    out: &mut Vec<Item<R>>,
    mut rows_of: impl FnMut(&'s K, &'s V, &mut Vec<Item<R>>),
) -> bool {
    let rows_before = out.len();
    let mut last: Option<&K> = None;
    let mut scanned = 0;
    let done = loop {
        if scanned == records_max || out.len() - rows_before >= rows_max {
            break false;
        }
        let Some((key, value)) = records.next() else {
            break true;
        };
        rows_of(key, value, out);
        scanned += 1;
        last = Some(key);
    };
    if let Some(key) = last {
        *cursor = Some(key.clone());
    }
    done
}

/// A figure as three columns: the fewest and the most people it allows, and how the source
/// put it.
fn people(quantity: &Quantity) -> (u64, Option<u64>, &'static str) {
    let qualifier = match quantity {
        Quantity::Exact(_) => "exact",
        Quantity::Range(_) => "range",
        Quantity::About(_) => "about",
        Quantity::AtLeast(_) => "at_least",
        Quantity::UpTo(_) => "up_to",
        Quantity::MoreThan(_) => "more_than",
    };
    (quantity.least(), quantity.most(), qualifier)
}

fn corridor_name(state: &State, corridor_id: &CorridorId) -> Option<Name> {
    state.coordination.corridors.get(corridor_id).map(|c| c.spec.name.clone())
}

fn zone_name(state: &State, zone_id: &ZoneId) -> Option<Name> {
    state.coordination.zones.get(zone_id).map(|z| z.name.clone())
}

fn party_name(state: &State, party_id: &PartyId) -> Option<Name> {
    state.coordination.parties.get(party_id).map(|p| p.name.clone())
}

// ---------------------------------------------------------------------------------------

/// Incidents: the incidents layer's features.
pub struct IncidentsTable {
    filter: IncidentFilter,
}

impl IncidentsTable {
    /// # Errors
    /// A 400 naming a filter that selects nothing an incident has.
    pub fn new(filters: Filters, state: &State) -> Result<IncidentsTable, ApiError> {
        Ok(IncidentsTable { filter: IncidentFilter::new(&filters, state, Selects::Incidents, Reads::All)? })
    }
}

impl Table for IncidentsTable {
    type Row = IncidentProperties;
    type Cursor = Option<IncidentId>;
    const NAME: &'static str = "incidents";
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("incident_id", "#event+id"),
        ("lon", "#geo+lon"),
        ("lat", "#geo+lat"),
        ("kind", "#event+type"),
        ("description", "#description"),
        ("start", "#date+occurred+start"),
        ("end", "#date+occurred+end"),
        ("time_precision", "#date+precision"),
        ("uncertainty_m", "#geo+uncertainty_m"),
        ("geo_precision", "#geo+precision"),
        ("zone_id", "#loc+code"),
        ("zone_name", "#loc+name"),
        ("grade", "#status+grade"),
        ("killed_min", "#affected+killed+min"),
        ("killed_max", "#affected+killed+max"),
        ("injured_min", "#affected+injured+min"),
        ("injured_max", "#affected+injured+max"),
        ("attributed_force_id", "#org+perpetrator+code"),
        ("attributed_force_name", "#org+perpetrator+name"),
        ("sources_count", "#meta+sources+num"),
        ("violations_count", "#meta+violations+num"),
        ("duplicate_of", "#event+id+duplicate_of"),
        ("reported_at", "#date+reported"),
    ];

    fn next_rows(
        &self,
        state: &State,
        cursor: &mut Self::Cursor,
        records_max: usize,
        rows_max: usize,
        out: &mut Vec<Item<Self::Row>>,
    ) -> bool {
        let filter = &self.filter;
        scan_incidents(state, filter, cursor, records_max, rows_max, out, |_, incident, out| {
            if filter.admits(state, incident) {
                let feature = incident_feature(state, incident);
                let geometry = Some(ExportGeometry::Point(feature.geometry));
                out.push(Item { id: feature.id, geometry, row: feature.properties });
            }
        })
    }
}

/// Violations of commitments: the violations layer's features.
pub struct ViolationsTable {
    filter: IncidentFilter,
}

impl ViolationsTable {
    /// # Errors
    /// A 400 naming a filter that selects nothing a violation has.
    pub fn new(filters: Filters, state: &State) -> Result<ViolationsTable, ApiError> {
        Ok(ViolationsTable { filter: IncidentFilter::new(&filters, state, Selects::Violations, Reads::All)? })
    }
}

impl Table for ViolationsTable {
    type Row = ViolationProperties;
    type Cursor = Option<IncidentId>;
    const NAME: &'static str = "violations";
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("incident_id", "#event+id"),
        ("lon", "#geo+lon"),
        ("lat", "#geo+lat"),
        ("incident_kind", "#event+type"),
        ("start", "#date+occurred+start"),
        ("end", "#date+occurred+end"),
        ("commitment_id", "#indicator+commitment+code"),
        ("agreement_id", "#meta+agreement+code"),
        ("agreement_title", "#meta+agreement+name"),
        ("status", "#status"),
        ("party_ids", "#org+code+list"),
        ("party_names", "#org+name+list"),
        ("grade", "#status+grade"),
        ("dismissed_reason", "#description+dismissed"),
    ];

    fn next_rows(
        &self,
        state: &State,
        cursor: &mut Self::Cursor,
        records_max: usize,
        rows_max: usize,
        out: &mut Vec<Item<Self::Row>>,
    ) -> bool {
        let filter = &self.filter;
        scan_incidents(state, filter, cursor, records_max, rows_max, out, |_, incident, out| {
            if !filter.admits_event(incident) {
                return;
            }
            for feature in violation_features(state, incident, filter) {
                let geometry = Some(ExportGeometry::Point(feature.geometry));
                out.push(Item { id: feature.id, geometry, row: feature.properties });
            }
        })
    }
}

/// A passage through a corridor, as one row at the corridor's route.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PassageRow {
    pub passage_id: PassageId,
    pub corridor_id: CorridorId,
    pub corridor_name: Option<Name>,
    pub direction: Direction,
    pub convoy_id: Option<ConvoyId>,
    pub vehicles: Option<u32>,
    /// The fewest and the most people the figure allows (null: no upper bound), and how its
    /// source put it: `exact`, `range`, `about`, `at_least`, `up_to` or `more_than`.
    pub people_min: u64,
    pub people_max: Option<u64>,
    pub people_qualifier: String,
    pub basis: Basis,
    /// The period counted (`end` null for an instant); `as_of` is the instant the figure
    /// describes, its time of the event.
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    pub as_of: Timestamp,
    pub source_organisation: Name,
    pub source_kind: SourceKind,
    pub published_at: Option<Timestamp>,
    pub observer: AccountId,
    /// The observer's party, the party reporting; null for an account of no party.
    pub observer_party_id: Option<PartyId>,
    pub recorded_at: Timestamp,
    pub note: Option<Reason>,
}

/// Passages given by `at`.
pub struct PassagesTable {
    filter: PassageFilter,
    at: Timestamp,
}

impl PassagesTable {
    /// # Errors
    /// A 400 naming `kind` or `grade` (passages have neither), or a `party` that is none.
    pub fn new(filters: Filters, state: &State, at: Timestamp) -> Result<PassagesTable, ApiError> {
        Ok(PassagesTable { filter: PassageFilter::new(&filters, state)?, at })
    }
}

impl Table for PassagesTable {
    type Row = PassageRow;
    type Cursor = Option<PassageId>;
    const NAME: &'static str = "passages";
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("passage_id", "#meta+passage+code"),
        ("corridor_id", "#loc+corridor+code"),
        ("corridor_name", "#loc+corridor+name"),
        ("direction", "#meta+direction"),
        ("convoy_id", "#meta+convoy+code"),
        ("vehicles", "#output+vehicles+num"),
        ("people_min", "#population+moved+min"),
        ("people_max", "#population+moved+max"),
        ("people_qualifier", "#population+moved+qualifier"),
        ("basis", "#meta+basis"),
        ("start", "#date+start"),
        ("end", "#date+end"),
        ("as_of", "#date+occurred"),
        ("source_organisation", "#org+source+name"),
        ("source_kind", "#org+source+type"),
        ("published_at", "#date+reported"),
        ("observer", "#contact+observer+code"),
        ("observer_party_id", "#org+reporting+code"),
        ("recorded_at", "#date+recorded"),
        ("note", "#description"),
    ];

    fn next_rows(
        &self,
        state: &State,
        cursor: &mut Self::Cursor,
        records_max: usize,
        rows_max: usize,
        out: &mut Vec<Item<Self::Row>>,
    ) -> bool {
        let filter = &self.filter;
        scan(&state.monitoring.passages, cursor, records_max, rows_max, out, |id, passage, out| {
            if !passage.count.given_by(self.at) || !filter.admits(state, passage) {
                return;
            }
            let (people_min, people_max, qualifier) = people(&passage.count.people);
            let route = corridor_positions(state, &passage.corridor_id);
            let geometry = LineString::new(route.to_vec()).ok().map(ExportGeometry::Line);
            let count = &passage.count;
            out.push(Item {
                id: id.to_string(),
                geometry,
                row: PassageRow {
                    passage_id: passage.passage_id.clone(),
                    corridor_id: passage.corridor_id.clone(),
                    corridor_name: corridor_name(state, &passage.corridor_id),
                    direction: passage.direction,
                    convoy_id: passage.convoy_id.clone(),
                    vehicles: passage.vehicles,
                    people_min,
                    people_max,
                    people_qualifier: qualifier.to_owned(),
                    basis: count.basis,
                    start: count.period.start,
                    end: count.period.end,
                    as_of: count.as_of(),
                    source_organisation: count.source.organisation.clone(),
                    source_kind: count.source.kind,
                    published_at: count.source.published_at,
                    observer: passage.observer.clone(),
                    observer_party_id: party_of_account(state, &passage.observer).cloned(),
                    recorded_at: passage.recorded_at,
                    note: count.note.clone(),
                },
            });
        })
    }
}

/// A count of people: a total of people evacuated (through a corridor, from a zone) or a
/// population estimate of a zone.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CountRow {
    /// The total's or the estimate's id.
    pub count_id: String,
    /// `total`, or the estimate's kind: `trapped`, `residents`, `displaced`.
    #[schemars(with = "String")]
    pub kind: CountKind,
    pub corridor_id: Option<CorridorId>,
    pub corridor_name: Option<Name>,
    pub zone_id: Option<ZoneId>,
    pub zone_name: Option<Name>,
    pub people_min: u64,
    pub people_max: Option<u64>,
    pub people_qualifier: String,
    /// A total's basis (`increment` or `cumulative`); null for an estimate.
    pub basis: Option<Basis>,
    /// A total's period (an estimate's instant as `start`, `end` null); `as_of` is the
    /// instant described, its time of the event.
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    pub as_of: Timestamp,
    /// Where the people counted went (estimates of the displaced).
    pub destination_name: Option<Name>,
    pub source_organisation: Name,
    pub source_kind: SourceKind,
    pub published_at: Option<Timestamp>,
    pub reported_by: AccountId,
    /// The reporter's party, the party reporting; null for an account of no party.
    pub reporter_party_id: Option<PartyId>,
    pub recorded_at: Timestamp,
    pub note: Option<Reason>,
}

/// Where a counts export stopped: in the totals, then in the estimates.
#[derive(Default)]
pub struct CountsCursor {
    totals_done: bool,
    total: Option<TotalId>,
    estimate: Option<EstimateId>,
}

/// Totals and estimates given by `at`: every total first, then every estimate.
pub struct CountsTable {
    filter: CountFilter,
    at: Timestamp,
}

impl CountsTable {
    /// # Errors
    /// A 400 naming `grade` (counts have none), or a `kind` or `party` that is none.
    pub fn new(filters: Filters, state: &State, at: Timestamp) -> Result<CountsTable, ApiError> {
        Ok(CountsTable { filter: CountFilter::new(&filters, state)?, at })
    }
}

impl Table for CountsTable {
    type Row = CountRow;
    type Cursor = CountsCursor;
    const NAME: &'static str = "counts";
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("count_id", "#meta+count+code"),
        ("kind", "#population+type"),
        ("corridor_id", "#loc+corridor+code"),
        ("corridor_name", "#loc+corridor+name"),
        ("zone_id", "#loc+code"),
        ("zone_name", "#loc+name"),
        ("people_min", "#population+min"),
        ("people_max", "#population+max"),
        ("people_qualifier", "#population+qualifier"),
        ("basis", "#meta+basis"),
        ("start", "#date+start"),
        ("end", "#date+end"),
        ("as_of", "#date+occurred"),
        ("destination_name", "#loc+destination+name"),
        ("source_organisation", "#org+source+name"),
        ("source_kind", "#org+source+type"),
        ("published_at", "#date+reported"),
        ("reported_by", "#contact+reporter+code"),
        ("reporter_party_id", "#org+reporting+code"),
        ("recorded_at", "#date+recorded"),
        ("note", "#description"),
    ];

    fn next_rows(
        &self,
        state: &State,
        cursor: &mut Self::Cursor,
        records_max: usize,
        rows_max: usize,
        out: &mut Vec<Item<Self::Row>>,
    ) -> bool {
        let filter = &self.filter;
        let at = self.at;
        if !cursor.totals_done {
            cursor.totals_done =
                scan(&state.monitoring.totals, &mut cursor.total, records_max, rows_max, out, |id, total, out| {
                    if total.count.given_by(at) && filter.admits_total(state, total) {
                        out.push(Item { id: id.to_string(), geometry: None, row: total_row(state, total) });
                    }
                });
            return false;
        }
        scan(&state.monitoring.estimates, &mut cursor.estimate, records_max, rows_max, out, |id, estimate, out| {
            if estimate.given_by(at) && filter.admits_estimate(state, estimate) {
                out.push(Item { id: id.to_string(), geometry: None, row: estimate_row(state, estimate) });
            }
        })
    }
}

/// A total as a row of counts.
pub(crate) fn total_row(state: &State, total: &TotalRecord) -> CountRow {
    let count = &total.count;
    let (people_min, people_max, qualifier) = people(&count.people);
    CountRow {
        count_id: total.total_id.to_string(),
        kind: CountKind::Total,
        corridor_name: total.scope.corridor_id.as_ref().and_then(|c| corridor_name(state, c)),
        corridor_id: total.scope.corridor_id.clone(),
        zone_name: total.scope.zone_id.as_ref().and_then(|z| zone_name(state, z)),
        zone_id: total.scope.zone_id.clone(),
        people_min,
        people_max,
        people_qualifier: qualifier.to_owned(),
        basis: Some(count.basis),
        start: count.period.start,
        end: count.period.end,
        as_of: count.as_of(),
        destination_name: None,
        source_organisation: count.source.organisation.clone(),
        source_kind: count.source.kind,
        published_at: count.source.published_at,
        reported_by: total.reported_by.clone(),
        reporter_party_id: party_of_account(state, &total.reported_by).cloned(),
        recorded_at: total.recorded_at,
        note: count.note.clone(),
    }
}

/// A population estimate as a row of counts.
pub(crate) fn estimate_row(state: &State, estimate: &EstimateRecord) -> CountRow {
    let (people_min, people_max, qualifier) = people(&estimate.people);
    CountRow {
        count_id: estimate.estimate_id.to_string(),
        kind: CountKind::of_estimate(estimate),
        corridor_id: None,
        corridor_name: None,
        zone_id: Some(estimate.zone_id.clone()),
        zone_name: zone_name(state, &estimate.zone_id),
        people_min,
        people_max,
        people_qualifier: qualifier.to_owned(),
        basis: None,
        start: estimate.as_of,
        end: None,
        as_of: estimate.as_of,
        destination_name: estimate.destination.as_ref().map(|d| d.name.clone()),
        source_organisation: estimate.source.organisation.clone(),
        source_kind: estimate.source.kind,
        published_at: estimate.source.published_at,
        reported_by: estimate.reported_by.clone(),
        reporter_party_id: party_of_account(state, &estimate.reported_by).cloned(),
        recorded_at: estimate.recorded_at,
        note: estimate.note.clone(),
    }
}

/// A commitment as of `at`, with its scope's geometry.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CommitmentRow {
    pub commitment_id: CommitmentId,
    /// The party bound.
    pub party_id: PartyId,
    pub party_name: Option<Name>,
    pub kind: CommitmentKind,
    pub scope_kind: ScopeKind,
    /// The corridor's or the zone's id and name.
    pub scope_id: String,
    pub scope_name: Option<Name>,
    /// Its window (valid time); null for as long as the agreement is in force.
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// The forces bound, comma-separated.
    pub force_ids: String,
    pub text: Reason,
    pub agreement_id: AgreementId,
    pub agreement_title: Option<Name>,
    pub status: CommitmentStanding,
    /// When it was first breached, or released, by `at`.
    pub breached_at: Option<Timestamp>,
    pub released_at: Option<Timestamp>,
    pub binds_non_signatory: bool,
    pub version: u32,
    pub at: Timestamp,
}

/// Commitments as of `at`, agreement by agreement.
pub struct CommitmentsTable {
    filters: Filters,
    kind: Option<CommitmentKind>,
    party: Option<PartyId>,
    at: Timestamp,
}

impl CommitmentsTable {
    /// # Errors
    /// A 400 naming `grade` (commitments have none), or a `kind` or `party` that is none.
    pub fn new(filters: Filters, state: &State, at: Timestamp) -> Result<CommitmentsTable, ApiError> {
        filters.refuse(&[Filter::Grade], "commitments")?;
        let (kind, party) = (filters.kind()?, filters.party(state)?);
        Ok(CommitmentsTable { filters, kind, party, at })
    }
}

impl Table for CommitmentsTable {
    type Row = CommitmentRow;
    type Cursor = Option<AgreementId>;
    const NAME: &'static str = "commitments";
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("commitment_id", "#indicator+commitment+code"),
        ("party_id", "#org+code"),
        ("party_name", "#org+name"),
        ("kind", "#indicator+type"),
        ("scope_kind", "#loc+type"),
        ("scope_id", "#loc+code"),
        ("scope_name", "#loc+name"),
        ("start", "#date+start"),
        ("end", "#date+end"),
        ("force_ids", "#org+force+code+list"),
        ("text", "#description"),
        ("agreement_id", "#meta+agreement+code"),
        ("agreement_title", "#meta+agreement+name"),
        ("status", "#status"),
        ("breached_at", "#date+breached"),
        ("released_at", "#date+released"),
        ("binds_non_signatory", "#meta+non_signatory"),
        ("version", "#meta+version+num"),
        ("at", "#date+as_of"),
    ];

    fn next_rows(
        &self,
        state: &State,
        cursor: &mut Self::Cursor,
        records_max: usize,
        rows_max: usize,
        out: &mut Vec<Item<Self::Row>>,
    ) -> bool {
        scan(&state.coordination.agreements, cursor, records_max, rows_max, out, |_, agreement, out| {
            let ids: BTreeSet<&CommitmentId> =
                agreement.versions.iter().flat_map(|v| v.terms.commitments.iter().map(|c| &c.commitment_id)).collect();
            for id in ids {
                // A commitment moved to a later agreement is that agreement's.
                if state.coordination.commitment_agreements.get(id) != Some(&agreement.agreement_id) {
                    continue;
                }
                let Some(view) = commitment_at(state, id, self.at) else {
                    continue;
                };
                let window = view.window.as_ref();
                let selected = self.kind.is_none_or(|kind| view.kind == kind)
                    && self.party.as_ref().is_none_or(|party| &view.party_id == party)
                    && self.filters.overlaps(window.map(|w| w.start()), window.map(|w| w.end()))
                    && self.filters.meets(scope_positions(state, &view.scope));
                if !selected {
                    continue;
                }
                let (scope_id, scope_name, geometry) = match &view.scope {
                    Scope::Corridor(corridor_id) => (
                        corridor_id.to_string(),
                        corridor_name(state, corridor_id),
                        state
                            .coordination
                            .corridors
                            .get(corridor_id)
                            .map(|c| ExportGeometry::Line(c.spec.route.clone())),
                    ),
                    Scope::Zone(zone_id) => (
                        zone_id.to_string(),
                        zone_name(state, zone_id),
                        state
                            .coordination
                            .zones
                            .get(zone_id)
                            .and_then(|z| z.boundaries.last())
                            .map(|b| ExportGeometry::Area(b.boundary.clone())),
                    ),
                };
                let force_ids: Vec<String> = view.force_ids.iter().map(ToString::to_string).collect();
                out.push(Item {
                    id: view.commitment_id.to_string(),
                    geometry,
                    row: CommitmentRow {
                        party_name: party_name(state, &view.party_id),
                        agreement_title: Some(agreement.title.clone()),
                        commitment_id: view.commitment_id,
                        party_id: view.party_id,
                        kind: view.kind,
                        scope_kind: view.scope_kind,
                        scope_id,
                        scope_name,
                        start: window.map(|w| w.start()),
                        end: window.map(|w| w.end()),
                        force_ids: force_ids.join(","),
                        text: view.text,
                        agreement_id: view.agreement_id,
                        status: view.status,
                        breached_at: view.breached.map(|b| b.at),
                        released_at: view.released.map(|r| r.at),
                        binds_non_signatory: view.binds_non_signatory,
                        version: view.version,
                        at: view.at,
                    },
                });
            }
        })
    }
}

/// Corridors as of `at`: the corridors layer's features, one per window, with their routes.
pub struct CorridorsTable {
    filters: Filters,
    party: Option<PartyId>,
    at: Timestamp,
}

impl CorridorsTable {
    /// # Errors
    /// A 400 naming `kind` or `grade` (corridors have neither), or a `party` that is none.
    pub fn new(filters: Filters, state: &State, at: Timestamp) -> Result<CorridorsTable, ApiError> {
        filters.refuse(&[Filter::Kind, Filter::Grade], "corridors")?;
        let party = filters.party(state)?;
        Ok(CorridorsTable { filters, party, at })
    }
}

impl Table for CorridorsTable {
    type Row = CorridorWindowProperties;
    type Cursor = Option<CorridorId>;
    const NAME: &'static str = "corridors";
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("corridor_id", "#loc+corridor+id"),
        ("code", "#loc+corridor+code"),
        ("name", "#loc+corridor+name"),
        ("name_ar", "#loc+corridor+name+i_ar"),
        ("name_ru", "#loc+corridor+name+i_ru"),
        ("half_width_m", "#geo+half_width_m"),
        ("origin_zone_id", "#loc+origin+code"),
        ("origin_zone_name", "#loc+origin+name"),
        ("destination_zone_id", "#loc+destination+code"),
        ("destination_name", "#loc+destination+name"),
        ("groups", "#population+admitted+list"),
        ("window", "#meta+window+num"),
        ("start", "#date+start"),
        ("end", "#date+end"),
        ("window_groups", "#population+window+list"),
        ("illustrative", "#meta+illustrative"),
        ("agreement_id", "#meta+agreement+code"),
        ("agreement_title", "#meta+agreement+name"),
        ("status", "#status"),
        ("open_for", "#population+open+list"),
        ("version", "#meta+version+num"),
        ("at", "#date+as_of"),
    ];

    fn next_rows(
        &self,
        state: &State,
        cursor: &mut Self::Cursor,
        records_max: usize,
        rows_max: usize,
        out: &mut Vec<Item<Self::Row>>,
    ) -> bool {
        scan(&state.coordination.corridors, cursor, records_max, rows_max, out, |_, record, out| {
            let Some(view) = corridor_at(state, record, self.at) else {
                return;
            };
            let signatory = |party: &PartyId| {
                let agreement = state.coordination.agreements.get(&view.properties.agreement_id);
                let version = agreement.and_then(|a| a.version(view.properties.version));
                version.is_some_and(|v| v.terms.signatories.contains(party))
            };
            if !self.party.as_ref().is_none_or(signatory) || !self.filters.meets(view.route.positions()) {
                return;
            }
            // A route's features never fail: only areas can.
            let Ok(features) = corridor_window_features(state, &view, CorridorShape::Line, self.at) else {
                return;
            };
            for feature in features {
                let p = &feature.properties;
                if !self.filters.overlaps(p.start, p.end) {
                    continue;
                }
                let geometry = match feature.geometry {
                    CorridorGeometry::Line(line) => ExportGeometry::Line(line),
                    CorridorGeometry::Area(area) => ExportGeometry::Area(area),
                };
                out.push(Item { id: feature.id, geometry: Some(geometry), row: feature.properties });
            }
        })
    }
}
