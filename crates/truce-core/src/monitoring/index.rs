//! Secondary indexes of incidents by what lists and maps select them on: the start of the
//! current revision (valid time), its position and its kind. Readers ask each index how many
//! incidents a query could select and take the candidates of the smallest (the server's
//! planner, `select.rs`); the records themselves stay in `Monitoring::incidents`, by id.
//!
//! Derived only: `Monitoring` keeps the index as incidents are reported, corrected and
//! retracted, and `IncidentIndex::of` builds the same from scratch (a test checks that they
//! agree after any sequence). It is not an answer by itself: a cell holds every incident of
//! an hour or of a square of the grid, so a query's candidates are a superset that the reader
//! filters exactly. Grades and accused forces are indexed beside it, in `State`'s verdicts
//! (`projection/kept.rs`): they are derived from sources, statements, accounts and forces,
//! which the monitoring record alone does not hold.
//!
//! Statements are indexed by the incidents they refer to (`stances_by_incident`), so that
//! grading, attribution and an incident's view read an incident's own statements, not all
//! of them.
//!
//! Notified places are indexed for the test of what they protect (`NotifiedPlaces`): each
//! movement by the start of its window, and its route in a matcher of its own
//! (`matcher::IndexedRoute`), so that an incident is measured only against the movements under
//! way about its time, and a road of thousands of vertices is a few of its pieces per incident,
//! not every segment measured exactly; the sites by row of latitude, each with its position in
//! 3-D, so that an incident is measured only against the sites the straight line to it does
//! not rule out.
//!
//! Every structure is ordered or hashed by content (no insertion order), so two indexes of
//! the same incidents are equal and `State`'s `PartialEq` stays a comparison of records.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Arc,
};

mod square;

pub use square::Square;

use crate::{
    matcher::{IndexedRoute, LonLatBox},
    monitoring::{
        model::{IncidentKind, Notified},
        record::{IncidentRecord, NotificationRecord, StatementRecord},
    },
    vocab::{
        geometry::{ecef_m, Position},
        ids::{IncidentId, NotificationId, StatementId},
        time::Timestamp,
    },
};

/// Grid cells per degree of longitude and of latitude: 1/64 degree, about 1.7 km of
/// latitude. A power of two, so that a cell's edges are exact in binary.
pub const INCIDENT_GRID_CELLS_PER_DEG: f64 = 64.0;

/// Columns of the grid a box is looked up in one by one, at most; a wider box walks its
/// columns' cells instead.
const GRID_COLUMNS_LOOKED_UP_MAX: i64 = 256;

/// The length of a time cell: one hour.
pub const INCIDENT_TIME_CELL_MS: i64 = 3_600_000;

/// An incident id as the 128 bits of its UUID. The ids are lowercase hyphenated UUIDs, whose
/// text sorts as their bits do, so the order of keys is the order of ids (of `incidents`).
/// Sixteen bytes instead of a string of 36: the index holds one per incident and cell. Two
/// halves rather than a `u128`, aligned to 8 bytes rather than 16, so that a key beside a
/// 40-byte value (a verdict, a place) takes 56 bytes of a hash table's slot, not 64; the
/// halves are compared high first, which is the order of the 128 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IncidentKey {
    high: u64,
    low: u64,
}

impl IncidentKey {
    pub fn of(incident_id: &IncidentId) -> IncidentKey {
        let (high, low) = incident_id.uuid().as_u64_pair();
        IncidentKey { high, low }
    }

    /// The id again.
    pub fn incident_id(self) -> IncidentId {
        IncidentId::from_uuid(uuid::Uuid::from_u64_pair(self.high, self.low))
            .expect("a key is made from an incident id, a UUIDv7")
    }

    /// The key's 128 bits, in the order of keys.
    pub fn bits(self) -> u128 {
        (u128::from(self.high) << 64) | u128::from(self.low)
    }

    /// A key of any 128 bits: a bound between keys (between ids), not an id.
    pub fn between(bits: u128) -> IncidentKey {
        let half = |bits: u128| u64::try_from(bits & u128::from(u64::MAX)).expect("masked to 64 bits");
        IncidentKey { high: half(bits >> 64), low: half(bits) }
    }
}

// A hash table's slot of a key and a verdict or a place (docs/performance.md).
const _: () = assert!(std::mem::align_of::<IncidentKey>() == 8 && std::mem::size_of::<IncidentKey>() == 16);

/// What the index knows of an incident: its current revision's start, position, uncertainty
/// and kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub start: Timestamp,
    pub position: Position,
    pub uncertainty_m: f64,
    pub kind: IncidentKind,
}

impl Placed {
    pub fn of(incident: &IncidentRecord) -> Placed {
        let current = incident.current();
        Placed {
            start: current.when.start,
            position: current.location.position,
            uncertainty_m: current.location.uncertainty_m,
            kind: current.kind,
        }
    }
}

/// A square of the grid: `(floor(lon * 64), floor(lat * 64))`.
pub type GridCell = (i32, i32);

/// The incidents by start, by place and by kind.
///
/// It keeps no map from an incident to its place: the record has it (`Placed::of`), found by
/// id in the record's map as the reader finds the record anyway, and a correction or a
/// retraction gives the place it had. A hash map of a million places was 60 MB.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentIndex {
    /// How many incidents are indexed.
    count: usize,
    /// By the hour their start falls in (`INCIDENT_TIME_CELL_MS` since the Unix epoch).
    by_hour: Cells<i64>,
    by_cell: BTreeMap<GridCell, Square>,
    by_kind: Cells<u8>,
    /// How many incidents have each uncertainty (`uncertainty_key`): the largest bounds how
    /// far from a scope an incident can violate it.
    uncertainties: BTreeMap<u64, usize>,
}

impl IncidentIndex {
    /// The index of `incidents`, built from scratch: the same index as inserting them one by
    /// one gives, but each square's and cell's incidents gathered first and built whole, so
    /// that their trees' nodes are full (inserted in ascending order, as incidents come in id
    /// order, each split node keeps a little over half its room for good).
    ///
    /// # Panics
    /// If `incidents` are not in id order, each once (as the record's map gives them).
    pub fn of<'a>(incidents: impl IntoIterator<Item = &'a IncidentRecord>) -> IncidentIndex {
        let mut count = 0;
        let mut last: Option<IncidentKey> = None;
        let mut by_hour: BTreeMap<i64, Vec<IncidentKey>> = BTreeMap::new();
        let mut by_cell: BTreeMap<GridCell, Vec<(IncidentKey, Placed)>> = BTreeMap::new();
        let mut by_kind: BTreeMap<u8, Vec<IncidentKey>> = BTreeMap::new();
        let mut uncertainties: BTreeMap<u64, usize> = BTreeMap::new();
        for incident in incidents {
            let key = IncidentKey::of(&incident.incident_id);
            assert!(last.is_none_or(|last| last < key), "incidents come in id order, each once");
            last = Some(key);
            count += 1;
            let placed = Placed::of(incident);
            by_hour.entry(hour_cell(placed.start)).or_default().push(key);
            by_cell.entry(grid_cell(placed.position.lon(), placed.position.lat())).or_default().push((key, placed));
            by_kind.entry(kind_cell(placed.kind)).or_default().push(key);
            *uncertainties.entry(uncertainty_key(placed.uncertainty_m)).or_default() += 1;
        }
        IncidentIndex {
            by_hour: Cells::built(by_hour),
            by_cell: by_cell.into_iter().map(|(cell, square)| (cell, square.into_iter().collect())).collect(),
            by_kind: Cells::built(by_kind),
            uncertainties,
            count,
        }
    }

    /// Incidents indexed.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The largest uncertainty of an incident indexed, metres; 0 without incidents.
    pub fn uncertainty_m_max(&self) -> f64 {
        self.uncertainties.last_key_value().map_or(0.0, |(bits, _)| f64::from_bits(*bits))
    }

    /// The incidents of `kind`, none when there are none.
    pub fn of_kind(&self, kind: IncidentKind) -> Option<&BTreeSet<IncidentKey>> {
        self.by_kind.0.get(&kind_cell(kind))
    }

    /// The hours that meet `[from, to)` (unbounded where not given), each with its incidents:
    /// every incident whose start is in the interval is in one of them.
    pub fn hours(
        &self,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> impl Iterator<Item = &BTreeSet<IncidentKey>> + '_ {
        let first = from.map_or(i64::MIN, hour_cell);
        // `to` is excluded, but the hour it falls in holds instants before it.
        let last = to.map_or(i64::MAX, hour_cell).max(first);
        self.by_hour.0.range(first..=last).map(|(_, keys)| keys)
    }

    /// The squares of the grid that meet the box `[min_lon, max_lon] x [min_lat, max_lat]`
    /// (not across the antimeridian: the caller splits such a box), each with its incidents.
    pub fn squares(
        &self,
        min_lon: f64,
        min_lat: f64,
        max_lon: f64,
        max_lat: f64,
    ) -> impl Iterator<Item = (GridCell, &Square)> + '_ {
        self.squares_keyed(min_lon, min_lat, max_lon, max_lat).map(|(cell, square)| (*cell, square))
    }

    /// The squares of the grid that meet any of `boxes`, each once, with its incidents.
    pub fn squares_of(&self, boxes: impl IntoIterator<Item = LonLatBox>) -> Vec<(GridCell, &Square)> {
        let mut met: BTreeMap<GridCell, &Square> = BTreeMap::new();
        for b in boxes {
            met.extend(self.squares(b.min_lon, b.min_lat, b.max_lon, b.max_lat));
        }
        met.into_iter().collect()
    }

    /// The incidents of one square, none when it holds none.
    pub fn square(&self, cell: GridCell) -> Option<&Square> {
        self.by_cell.get(&cell)
    }

    fn squares_keyed(
        &self,
        min_lon: f64,
        min_lat: f64,
        max_lon: f64,
        max_lat: f64,
    ) -> Box<dyn Iterator<Item = (&GridCell, &Square)> + '_> {
        let (x_min, y_min) = grid_cell(min_lon, min_lat);
        let (x_max, y_max) = grid_cell(max_lon, max_lat);
        if x_min > x_max || y_min > y_max {
            return Box::new(std::iter::empty());
        }
        let columns = i64::from(x_max) - i64::from(x_min) + 1;
        if columns > GRID_COLUMNS_LOOKED_UP_MAX {
            // A wide box: one walk over the cells of its columns, skipping those north or
            // south of it, costs less than a lookup per column of the world.
            let cells = self.by_cell.range((x_min, i32::MIN)..=(x_max, i32::MAX));
            return Box::new(cells.filter(move |((_, y), _)| (y_min..=y_max).contains(y)));
        }
        // Column by column: the cells of a column are contiguous in the map's order.
        Box::new((x_min..=x_max).flat_map(move |x| self.by_cell.range((x, y_min)..=(x, y_max))))
    }

    /// Adds a new incident (its first report).
    pub(crate) fn insert(&mut self, incident: &IncidentRecord) {
        let key = IncidentKey::of(&incident.incident_id);
        let placed = Placed::of(incident);
        let cell = grid_cell(placed.position.lon(), placed.position.lat());
        let indexed = self.by_cell.get(&cell).is_some_and(|square| square.contains_key(&key));
        assert!(!indexed, "an incident is reported once");
        self.count += 1;
        self.put(key, &placed);
    }

    /// Moves an incident from where it was (`before`) to where its current revision is,
    /// after a correction.
    pub(crate) fn update(&mut self, before: &Placed, incident: &IncidentRecord) {
        let key = IncidentKey::of(&incident.incident_id);
        self.take(key, before);
        self.put(key, &Placed::of(incident));
    }

    /// Takes a retracted incident out.
    pub(crate) fn remove(&mut self, incident: &IncidentRecord) {
        self.take(IncidentKey::of(&incident.incident_id), &Placed::of(incident));
        self.count -= 1;
    }

    fn put(&mut self, key: IncidentKey, placed: &Placed) {
        self.by_hour.put(hour_cell(placed.start), key);
        self.by_cell.entry(grid_cell(placed.position.lon(), placed.position.lat())).or_default().insert(key, *placed);
        self.by_kind.put(kind_cell(placed.kind), key);
        *self.uncertainties.entry(uncertainty_key(placed.uncertainty_m)).or_default() += 1;
    }

    fn take(&mut self, key: IncidentKey, placed: &Placed) {
        self.by_hour.take(hour_cell(placed.start), key);
        let cell = grid_cell(placed.position.lon(), placed.position.lat());
        let square = self.by_cell.get_mut(&cell).expect("an indexed incident is in its square");
        assert!(square.remove(&key).is_some(), "an indexed incident is in its square");
        if square.is_empty() {
            self.by_cell.remove(&cell);
        }
        self.by_kind.take(kind_cell(placed.kind), key);
        let bits = uncertainty_key(placed.uncertainty_m);
        let count = self.uncertainties.get_mut(&bits).expect("an indexed incident's uncertainty is counted");
        *count -= 1;
        if *count == 0 {
            self.uncertainties.remove(&bits);
        }
    }
}

/// Incidents by cell; a cell left empty is dropped, so that equal contents are equal maps.
#[derive(Debug, Clone, PartialEq)]
struct Cells<C: Ord>(BTreeMap<C, BTreeSet<IncidentKey>>);

impl<C: Ord> Default for Cells<C> {
    fn default() -> Self {
        Cells(BTreeMap::new())
    }
}

impl<C: Ord + Copy> Cells<C> {
    /// The cells with these keys each, their sets built whole (full nodes).
    fn built(cells: BTreeMap<C, Vec<IncidentKey>>) -> Cells<C> {
        Cells(cells.into_iter().map(|(cell, keys)| (cell, keys.into_iter().collect())).collect())
    }

    fn put(&mut self, cell: C, key: IncidentKey) {
        self.0.entry(cell).or_default().insert(key);
    }

    fn take(&mut self, cell: C, key: IncidentKey) {
        let keys = self.0.get_mut(&cell).expect("an indexed incident is in its cell");
        assert!(keys.remove(&key), "an indexed incident is in its cell");
        if keys.is_empty() {
            self.0.remove(&cell);
        }
    }
}

/// The hour `at` falls in.
pub fn hour_cell(at: Timestamp) -> i64 {
    at.unix_ms().div_euclid(INCIDENT_TIME_CELL_MS)
}

/// The square of the grid a point is in. Positions are within [-180, 180] x [-90, 90], so
/// the products fit an `i32` (at most 11,520).
pub fn grid_cell(lon: f64, lat: f64) -> GridCell {
    ((lon * INCIDENT_GRID_CELLS_PER_DEG).floor() as i32, (lat * INCIDENT_GRID_CELLS_PER_DEG).floor() as i32)
}

/// An uncertainty's key: the bits of the metres, which `decide` keeps finite and not
/// negative, so that keys sort as the figures do (-0 taken as 0, whose bits would sort last).
fn uncertainty_key(metres: f64) -> u64 {
    match metres > 0.0 {
        true => metres.to_bits(),
        false => 0,
    }
}

/// A kind's cell: its place in the enum. A cast, not a match, because the cell is only a
/// name for the set: any distinct numbers do, and a new kind needs no new line here.
fn kind_cell(kind: IncidentKind) -> u8 {
    kind as u8
}

/// The statements referring to each incident (`StatementRecord::incidents_referred`), by id.
pub(crate) fn stances_by_incident<'a>(
    statements: impl IntoIterator<Item = &'a StatementRecord>,
) -> HashMap<IncidentId, BTreeSet<StatementId>> {
    let mut on: HashMap<IncidentId, BTreeSet<StatementId>> = HashMap::new();
    for statement in statements {
        for incident_id in statement.incidents_referred() {
            on.entry(incident_id).or_default().insert(statement.statement_id.clone());
        }
    }
    on
}

/// The length of the shortest degree of latitude on the WGS84 ellipsoid (at the equator,
/// where the meridian's radius of curvature is least: 110,574 m), rounded down by more than
/// the geodesic's own error: a path between two latitudes is at least the meridian arc between
/// them, so a point more than `d / METRES_PER_DEGREE_OF_LATITUDE_MIN` degrees of latitude from
/// a site is more than `d` metres from it.
pub const METRES_PER_DEGREE_OF_LATITUDE_MIN: f64 = 110_500.0;

/// Rows of sites per degree of latitude (`NotifiedPlaces`): as the grid's, about 1.7 km.
const SITE_ROWS_PER_DEG: f64 = INCIDENT_GRID_CELLS_PER_DEG;

/// A millimetre: more than the rounding of `ecef_m` and of the distance between two of its
/// points, which are some 6,400 km from the Earth's centre.
const CHORD_ROUNDING_M: f64 = 1e-3;

/// The notified places, indexed: the movements by the start of their window, each with its
/// route for its distance test (`IndexedRoute`), and the sites by row of latitude with their
/// position in 3-D, so that an incident is measured (by the geodesic) only against the
/// movements whose window may overlap its time and the sites the straight line does not rule
/// out, not against every notification.
///
/// Derived from the notifications. A route never changes once notified, so a record and its
/// views as of a time share each (an `Arc`). Two are equal when they index the same
/// notifications, as the places are those notifications' own.
#[derive(Debug, Clone, Default)]
pub struct NotifiedPlaces {
    routes: HashMap<NotificationId, Arc<IndexedRoute>>,
    /// The movements by the start of their window, each start's in id order.
    movement_starts: BTreeMap<Timestamp, Vec<NotificationId>>,
    /// The longest window of a movement indexed: how long before an incident a window that
    /// overlaps it may start.
    movement_window_max: chrono::TimeDelta,
    /// Sites by `floor(lat * SITE_ROWS_PER_DEG)`, each row in id order.
    site_rows: BTreeMap<i32, Vec<NotifiedSite>>,
    /// The largest radius of a site indexed, 0 without any: how far beyond its row a site may
    /// reach, with the incident's uncertainty.
    site_radius_m_max: f64,
}

/// A site as `NotifiedPlaces::near` reads it.
#[derive(Debug, Clone, PartialEq)]
struct NotifiedSite {
    ecef_m: [f64; 3],
    radius_m: f64,
    notification_id: NotificationId,
}

impl NotifiedPlaces {
    pub fn of<'a>(notifications: impl IntoIterator<Item = &'a NotificationRecord>) -> NotifiedPlaces {
        let mut places = NotifiedPlaces::default();
        for notification in notifications {
            places.insert(notification);
        }
        places
    }

    /// Indexes the place `notification` protects.
    pub(crate) fn insert(&mut self, notification: &NotificationRecord) {
        self.insert_sharing(notification, None);
    }

    /// Indexes the place `notification` protects, with `indexed` as its route when it is a
    /// movement whose route is already indexed (by the record a view is taken from).
    fn insert_sharing(&mut self, notification: &NotificationRecord, indexed: Option<&Arc<IndexedRoute>>) {
        let notification_id = notification.notification_id.clone();
        match &notification.notified {
            Notified::Movement { route, half_width_m, window, .. } => {
                let starting = self.movement_starts.entry(window.start()).or_default();
                let at = starting.partition_point(|id| *id < notification_id);
                starting.insert(at, notification_id.clone());
                let length = window.end().as_datetime() - window.start().as_datetime();
                self.movement_window_max = self.movement_window_max.max(length);
                let indexed = match indexed {
                    Some(indexed) => Arc::clone(indexed),
                    None => Arc::new(IndexedRoute::new(route, *half_width_m)),
                };
                self.routes.insert(notification_id, indexed);
            }
            Notified::Site { position, radius_m, .. } => {
                // Each row in id order, so that the index is the same whatever order the
                // sites were notified in.
                let row = self.site_rows.entry(site_row(position.lat())).or_default();
                let at = row.partition_point(|site| site.notification_id < notification_id);
                row.insert(at, NotifiedSite { ecef_m: ecef_m(*position), radius_m: *radius_m, notification_id });
                // `decide` refuses a radius that is not a finite number of metres; a NaN would
                // leave the maximum as it is, and its site reaches nothing.
                self.site_radius_m_max = self.site_radius_m_max.max(*radius_m);
            }
        }
    }

    /// The places of `notifications` (a view's, a subset of the record's), sharing the routes
    /// these hold.
    pub(crate) fn kept<'a>(&self, notifications: impl IntoIterator<Item = &'a NotificationRecord>) -> NotifiedPlaces {
        let mut places = NotifiedPlaces::default();
        for notification in notifications {
            places.insert_sharing(notification, self.routes.get(&notification.notification_id));
        }
        places
    }

    /// The notifications whose place an incident at `position`, known to within
    /// `uncertainty_m`, during `first..=last` (an instant when they are equal), may reach, in id
    /// order: the movements whose window may overlap that time, and the sites in the rows of
    /// latitude within reach of it that are within reach of it by the straight line (shorter
    /// than the geodesic). A superset: the caller measures each.
    pub fn near(
        &self,
        position: Position,
        uncertainty_m: f64,
        first: Timestamp,
        last: Timestamp,
    ) -> Vec<&NotificationId> {
        // A window that overlaps the time (holds the instant) ends after `first`, so starts
        // after `first` less the longest window; and starts no later than `last`.
        // (`decide` refuses an end before the start; were there one, no window could start in
        // both bounds, and the range would be empty.)
        let earliest = first.as_datetime().checked_sub_signed(self.movement_window_max).map(Timestamp::from_datetime);
        let mut near: Vec<&NotificationId> = match earliest {
            Some(earliest) if earliest > last => Vec::new(),
            Some(earliest) => self.movement_starts.range(earliest..=last).flat_map(|(_, ids)| ids).collect(),
            None => self.movement_starts.range(..=last).flat_map(|(_, ids)| ids).collect(),
        };
        let reach_deg = (self.site_radius_m_max + uncertainty_m) / METRES_PER_DEGREE_OF_LATITUDE_MIN;
        // An uncertainty that is not a number reaches no site (as the distance compares).
        if !self.site_rows.is_empty() && !reach_deg.is_nan() {
            let here = ecef_m(position);
            let rows = site_row(position.lat() - reach_deg)..=site_row(position.lat() + reach_deg);
            for site in self.site_rows.range(rows).flat_map(|(_, sites)| sites) {
                let chord_m = site.ecef_m.iter().zip(&here).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
                if chord_m <= site.radius_m + uncertainty_m + CHORD_ROUNDING_M {
                    near.push(&site.notification_id);
                }
            }
        }
        near.sort_unstable();
        near
    }

    /// The indexed route of the movement notified as `notification_id`; `None` for a site or
    /// a notification not recorded.
    pub fn route(&self, notification_id: &NotificationId) -> Option<&IndexedRoute> {
        self.routes.get(notification_id).map(Arc::as_ref)
    }

    /// How many movements and sites are indexed.
    pub fn len(&self) -> usize {
        self.routes.len() + self.site_rows.values().map(Vec::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The row of sites at latitude `lat`, saturating beyond the poles (a reach past them).
fn site_row(lat: f64) -> i32 {
    // `as` saturates, and the rows of latitudes within [-90, 90] fit with room to spare.
    (lat * SITE_ROWS_PER_DEG).floor() as i32
}

impl PartialEq for NotifiedPlaces {
    fn eq(&self, other: &NotifiedPlaces) -> bool {
        self.site_rows == other.site_rows
            && self.movement_starts == other.movement_starts
            && self.routes.len() == other.routes.len()
            && self.routes.keys().all(|id| other.routes.contains_key(id))
    }
}
