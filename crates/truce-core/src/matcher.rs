//! The violation matcher: which active scopes (corridor buffers and zone polygons, each with
//! its opening windows) an incident falls in, in space and in time.
//!
//! An incident matches a corridor when the geodesic distance from its point to the route is
//! at most `half_width_m + uncertainty_m`, and a zone when its point is inside the polygon
//! or within `uncertainty_m` of its boundary; in both cases its time (an interval
//! `[start, end)`, or the instant `t` when `start == end`) must overlap one of the scope's
//! half-open windows. Distances are geodesic on the WGS84 ellipsoid (DESIGN.md section 5).
//!
//! How, in three tiers, each conservative so that none drops a true match:
//!
//! 1. An R-tree of axis-aligned boxes in 3-D, over unit vectors on a sphere, one per scope
//!    (`PackedTree`: packed once, in flat arrays). Boxes in 3-D have no seam at the
//!    antimeridian and no singularity at the poles, which lon/lat boxes have; each box holds
//!    the cap (the disc on the sphere) about every point of the scope, which is flatter than
//!    a cube. One entry per scope rather than per segment or per run of segments: the boxes
//!    are looser, but the tree is four times smaller, and both finer splits measured slower.
//!    Then the scope's windows, merged and in whole seconds (`ProbeTime` says why that is
//!    exact).
//! 2. A fast distance on the *conformal* sphere, in a gnomonic projection about the centre of
//!    a cap holding the scope. Latitudes are mapped to conformal latitudes, so the ellipsoid
//!    maps to the sphere with a scale that is the same in every direction and varies slowly
//!    with latitude (`d ln k / d lat` is below 0.0034): ellipsoidal distance near the
//!    incident is the spherical angle over the local scale, to a relative error we bound,
//!    and ellipsoidal geodesics stay within a bounded angle of great circles. The gnomonic
//!    projection maps great circles to straight lines and stretches by a factor between 1
//!    and `1 / cos² ρ` within ρ of its centre, so a planar point-to-segment distance brackets
//!    the spherical one. Whenever the bracket, widened by the error bounds, is certainly
//!    inside or certainly outside the threshold, it decides. The planar data (two `f64` per
//!    vertex, and the inverse of each edge's squared length) keep the hot path small.
//! 3. Otherwise (within centimetres of the threshold, rare), the exact geodesic distance from
//!    the point to each undecided geodesic segment, found by iterating on the closest point
//!    with geographiclib's Direct and Inverse solutions.
//!
//! A zone's inside test is done in the same projection, where its edges are straight: it
//! treats the edges as great-circle arcs on the conformal sphere. Ellipsoidal geodesics
//! depart from those by under 1e-3 θ² radians (θ the edge's angle: 5 m for a 200 km edge,
//! 1 cm for a 10 km one), so a point that close to an edge may be put on the other side of
//! it; that is within DESIGN.md's tolerance of 5 m. A zone whose vertices do not fit in a
//! cap of radius about 84 degrees (a continent, or a ring around the equator) has no
//! well-defined inside on the sphere; it matches by its boundary only.
//!
//! Speed: the time goes into the R-tree walk and the checks of each candidate (about 9 for
//! 6.5 matches in the benchmark), and, one incident at a time, into cache misses. So the
//! hot paths avoid branches that are hard to predict (a node's boxes are tested together,
//! a shape's edges two at a time, both in vector instructions), candidates are gathered
//! before their data are read (the reads then overlap), each scope's hot data (windows,
//! frame, vertices) sit together in one record in the tree's leaf order, and
//! `Matcher::matches_batch` visits incidents in a spatial order, walking the tree once for
//! each group of nearby incidents, so that consecutive queries find what they need in
//! cache. `benches/matcher.rs` measures both ways.
//!
//! Deliberately not here: which commitments are active, which party an incident implicates,
//! grading. The caller decides which scopes are active and passes them in.

#[cfg(test)]
mod tests;

use std::{f64::consts::PI, fmt, sync::OnceLock};

use geographiclib_rs::{DirectGeodesic, Geodesic, InverseGeodesic};
use rstar::{Envelope, AABB};
use thiserror::Error;

use crate::{
    geometry::{LineString, Polygon, Position},
    limits::{HALF_WIDTH_M_MAX, WINDOWS_PER_CORRIDOR_MAX},
    time::{Timestamp, Window},
};

/// Opening windows of one scope.
pub const WINDOWS_PER_SCOPE_MAX: usize = WINDOWS_PER_CORRIDOR_MAX;

/// Why a scope or an incident probe was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MatcherError {
    #[error("half_width_m is {value}, expected a finite number from 0 to {max}")]
    HalfWidth { value: f64, max: f64 },
    #[error("uncertainty_m is {value}, expected a finite number of at least 0")]
    Uncertainty { value: f64 },
    #[error("the incident ends at {end}, before it starts at {start}")]
    EndBeforeStart { start: Timestamp, end: Timestamp },
    #[error("{count} windows, at most {count_max} allowed")]
    TooManyWindows { count: usize, count_max: usize },
}

/// Where a scope is.
#[derive(Debug, Clone, PartialEq)]
pub enum ScopeGeometry {
    /// A corridor's route and its half-width: the buffer around the route.
    Corridor { route: LineString, half_width_m: f64 },
    /// A zone's polygon.
    Zone { boundary: Polygon },
}

/// A place and the windows in which it is protected: the scope of an active commitment.
///
/// Invariant: a corridor's `half_width_m` is finite and within `0..=HALF_WIDTH_M_MAX`; at
/// most `WINDOWS_PER_SCOPE_MAX` windows (none means the scope never matches).
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    id: String,
    geometry: ScopeGeometry,
    windows: Vec<Window>,
}

/// What the matcher needs to know of an incident.
///
/// Invariant: `uncertainty_m` is finite and at least 0; `start <= end`, and `start == end`
/// stands for the instant `start`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncidentProbe {
    position: Position,
    uncertainty_m: f64,
    start: Timestamp,
    end: Timestamp,
}

/// An index over scopes that answers which of them an incident matches.
///
/// Built once for a set of active scopes; read-only afterwards, so one `Matcher` can serve
/// many threads.
pub struct Matcher {
    scopes: Vec<Scope>,
    tree: PackedTree,
    /// The indexed scopes' shapes, in the R-tree's leaf order, so that the data one query
    /// reads lie close together in memory.
    shapes: Shapes,
    /// The windows of scopes with more than fit in a shape's header.
    windows: Vec<Window>,
}

impl Scope {
    /// # Errors
    /// `HalfWidth` unless `half_width_m` is finite and within `0..=HALF_WIDTH_M_MAX`;
    /// `TooManyWindows` past `WINDOWS_PER_SCOPE_MAX`.
    pub fn corridor(
        id: String,
        route: LineString,
        half_width_m: f64,
        windows: Vec<Window>,
    ) -> Result<Scope, MatcherError> {
        // `contains` is false for NaN.
        if !(0.0..=HALF_WIDTH_M_MAX).contains(&half_width_m) {
            return Err(MatcherError::HalfWidth { value: half_width_m, max: HALF_WIDTH_M_MAX });
        }
        check_windows(&windows)?;
        Ok(Scope { id, geometry: ScopeGeometry::Corridor { route, half_width_m }, windows })
    }

    /// # Errors
    /// `TooManyWindows` past `WINDOWS_PER_SCOPE_MAX`.
    pub fn zone(id: String, boundary: Polygon, windows: Vec<Window>) -> Result<Scope, MatcherError> {
        check_windows(&windows)?;
        Ok(Scope { id, geometry: ScopeGeometry::Zone { boundary }, windows })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn geometry(&self) -> &ScopeGeometry {
        &self.geometry
    }

    pub fn windows(&self) -> &[Window] {
        &self.windows
    }
}

impl IncidentProbe {
    /// # Errors
    /// `Uncertainty` unless `uncertainty_m` is finite and at least 0; `EndBeforeStart` when
    /// `end < start`.
    pub fn new(
        position: Position,
        uncertainty_m: f64,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<IncidentProbe, MatcherError> {
        if !(uncertainty_m.is_finite() && uncertainty_m >= 0.0) {
            return Err(MatcherError::Uncertainty { value: uncertainty_m });
        }
        if end < start {
            return Err(MatcherError::EndBeforeStart { start, end });
        }
        Ok(IncidentProbe { position, uncertainty_m, start, end })
    }

    pub fn position(&self) -> Position {
        self.position
    }

    pub fn uncertainty_m(&self) -> f64 {
        self.uncertainty_m
    }

    pub fn start(&self) -> Timestamp {
        self.start
    }

    pub fn end(&self) -> Timestamp {
        self.end
    }

    /// Whether the incident's time overlaps the half-open `window`: an instant `t` when
    /// `window.start() <= t < window.end()`, an interval when they share an instant.
    pub fn overlaps(&self, window: &Window) -> bool {
        if self.start == self.end {
            return window.contains(self.start);
        }
        self.start < window.end() && window.start() < self.end
    }
}

impl Matcher {
    pub fn new(scopes: Vec<Scope>) -> Matcher {
        let mut scope_idxs = Vec::with_capacity(scopes.len());
        let mut boxes = Vec::with_capacity(scopes.len());
        let mut scratch = Shapes::default();
        for (scope_idx, scope) in scopes.iter().enumerate() {
            // A scope without windows never matches: leave it out of the index.
            if scope.windows.is_empty() {
                continue;
            }
            let (_, envelope) = scratch.push(&scope.geometry, ScopeWindows::Spilled { start: 0, end: 0 });
            scope_idxs.push(index_u32(scope_idx));
            boxes.push(QueryBox::from_envelope(&envelope));
        }
        let (tree, order) = PackedTree::new(&boxes);
        // Lay the shapes out again, in the tree's leaf order.
        let mut shapes = Shapes::default();
        let mut windows = Vec::new();
        for entry_idx in order {
            let scope_idx = scope_idxs[entry_idx];
            let scope = &scopes[scope_idx as usize];
            let merged = merged_windows(&scope.windows);
            let whole_seconds =
                merged.iter().all(|window| is_whole_second(window.start()) && is_whole_second(window.end()));
            let scope_windows = match merged.len() {
                len @ 1..=WINDOWS_INLINE_MAX if whole_seconds => {
                    let mut windows_s = [[0; 2]; WINDOWS_INLINE_MAX];
                    for (window_s, window) in windows_s.iter_mut().zip(&merged) {
                        *window_s = [unix_s_floor(window.start()), unix_s_floor(window.end())];
                    }
                    let len = u8::try_from(len).expect("WINDOWS_INLINE_MAX fits in u8");
                    ScopeWindows::Seconds { len, windows_s }
                }
                _ => {
                    let start = windows.len();
                    windows.extend_from_slice(&merged);
                    ScopeWindows::Spilled { start, end: windows.len() }
                }
            };
            let (shape_idx, _) = shapes.push(&scope.geometry, scope_windows);
            shapes.headers[shape_idx].scope_idx = scope_idx;
        }
        Matcher { scopes, tree, shapes, windows }
    }

    pub fn len(&self) -> usize {
        self.scopes.len()
    }

    /// The scopes, as given to `new`.
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    /// The scope at `scope_idx`, as given to `new`.
    ///
    /// # Panics
    /// When `scope_idx >= self.len()`.
    pub fn scope(&self, scope_idx: usize) -> &Scope {
        &self.scopes[scope_idx]
    }

    /// Replaces the contents of `out` with the indices of the scopes `probe` matches, in
    /// increasing order.
    ///
    /// Allocation-free once `out` has room for the matches: pass the same `Vec` again.
    pub fn matches(&self, probe: &IncidentProbe, out: &mut Vec<usize>) {
        self.matches_query(&ProbeQuery::new(probe), out);
    }

    fn matches_query(&self, query: &ProbeQuery, out: &mut Vec<usize>) {
        out.clear();
        let mut candidates = Candidates::default();
        self.tree.walk(&query.query_box, |_, hits, first| {
            candidates.extend(hits, |lane| first + lane as u32, |full| self.check_candidates(full, query, out));
        });
        self.check_candidates(candidates.rest(), query, out);
        // One entry per scope, so no duplicates.
        out.sort_unstable();
    }

    /// Matches many incidents, calling `visit(probe_idx, scope_idxs)` once per probe with
    /// what `matches` would give it, in an unspecified order of probes.
    ///
    /// Faster than `matches` in a loop over probes in random order: it visits them in a
    /// spatial order (a Z-order curve over cells of about 10 km), so that consecutive
    /// queries find the shapes they need in cache, and it walks the R-tree once for each
    /// group of consecutive probes that lie close together (`GROUP_PROBES_MAX`,
    /// `GROUP_SIDE_MAX`), then tests each probe's box against only what that walk found.
    /// Random order costs a cache miss at almost every step; the order costs a radix sort,
    /// about 10 ns a probe. Allocates buffers of about 64 bytes per probe (up to
    /// `BATCH_PROBES_MAX` at a time), and some 20 KiB for a group, once per call.
    pub fn matches_batch(&self, probes: &[IncidentProbe], visit: &mut dyn FnMut(usize, &[usize])) {
        let mut order = Vec::new();
        let mut scratch = Vec::new();
        let mut sorted = Vec::new();
        let mut out = Vec::new();
        let mut group = Vec::with_capacity(GROUP_PROBES_MAX);
        let mut gathered = Gathered::default();
        for (chunk_idx, chunk) in probes.chunks(BATCH_PROBES_MAX).enumerate() {
            spatial_order(chunk, &mut order, &mut scratch);
            // Gathering the probes in a loop of their own lets their cache misses overlap;
            // reading them in the matching loop would stall on each.
            sorted.clear();
            sorted.extend(order.iter().map(|key| chunk[(key & 0xffff_ffff) as usize]));
            // The low 32 bits of a key are the probe's index in the chunk.
            let mut queries = order.iter().zip(&sorted).map(|(key, probe)| {
                (chunk_idx * BATCH_PROBES_MAX + (key & 0xffff_ffff) as usize, ProbeQuery::new(probe))
            });
            let mut next = queries.next();
            while let Some(first) = next.take() {
                // The group: consecutive probes whose boxes stay together.
                let mut union = first.1.query_box;
                group.clear();
                group.push(first);
                for (probe_idx, query) in queries.by_ref() {
                    let joined = union.union(&query.query_box);
                    if joined.side_max() > GROUP_SIDE_MAX || group.len() == GROUP_PROBES_MAX {
                        next = Some((probe_idx, query));
                        break;
                    }
                    union = joined;
                    group.push((probe_idx, query));
                }
                let gathered_all = group.len() > 1 && self.tree.gather(&union, &mut gathered);
                for (probe_idx, query) in &group {
                    match gathered_all {
                        true => self.matches_among(query, &gathered, &mut out),
                        false => self.matches_query(query, &mut out),
                    }
                    visit(*probe_idx, &out);
                }
            }
        }
    }

    /// `matches`, with the R-tree's walk replaced by a scan of the entries that
    /// `PackedTree::gather` found for a box holding the probe's.
    fn matches_among(&self, query: &ProbeQuery, gathered: &Gathered, out: &mut Vec<usize>) {
        out.clear();
        let mut candidates = Candidates::default();
        for (node, shape_idxs) in gathered.nodes.iter().zip(gathered.shape_idxs.chunks_exact(TREE_LANES)) {
            let hits = node.hits(&query.query_box);
            candidates.extend(hits, |lane| shape_idxs[lane], |full| self.check_candidates(full, query, out));
        }
        self.check_candidates(candidates.rest(), query, out);
        // One entry per scope, so no duplicates.
        out.sort_unstable();
    }

    /// Checks candidates gathered from the tree. Their windows first, in a loop of its own:
    /// those reads do not depend on each other, so their cache misses overlap.
    fn check_candidates(&self, candidates: &[u32], query: &ProbeQuery, out: &mut Vec<usize>) {
        let probe = &query.probe;
        let mut open = [false; CANDIDATES_BATCH];
        for (open, shape_idx) in open.iter_mut().zip(candidates) {
            *open = self.in_windows(&self.shapes.headers[*shape_idx as usize], probe, &query.time);
        }
        for (open, shape_idx) in open.iter().zip(candidates) {
            let header = &self.shapes.headers[*shape_idx as usize];
            let threshold_m = header.half_width_m + probe.uncertainty_m;
            if *open && self.shapes.within(header, probe.position, &query.point, threshold_m) {
                out.push(header.scope_idx as usize);
            }
        }
    }

    fn in_windows(&self, header: &ShapeHeader, probe: &IncidentProbe, time: &ProbeTime) -> bool {
        match &header.windows {
            ScopeWindows::Seconds { len, windows_s } => windows_s[..usize::from(*len)]
                .iter()
                .any(|&[start_s, end_s]| start_s < time.end_s && time.start_s < end_s),
            ScopeWindows::Spilled { start, end } => {
                // Sorted and apart, so only the first window to end after the probe starts
                // can overlap it.
                let windows = &self.windows[*start..*end];
                let first = windows.partition_point(|window| window.end() <= probe.start);
                windows.get(first).is_some_and(|window| probe.overlaps(window))
            }
        }
    }
}

/// An index over no scopes: it matches nothing.
impl Default for Matcher {
    fn default() -> Matcher {
        Matcher::new(Vec::new())
    }
}

/// Two matchers are equal when built from equal scopes in the same order: the index is a
/// function of them.
impl PartialEq for Matcher {
    fn eq(&self, other: &Matcher) -> bool {
        self.scopes == other.scopes
    }
}

/// The scopes only; the index is derived from them.
impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matcher").field("scopes", &self.scopes).finish_non_exhaustive()
    }
}

/// Fills `order` with `key << 32 | probe_idx` for every probe, sorted by key: the probe's
/// cell on a 4096 × 4096 grid of longitude and latitude, along a Z-order curve.
///
/// The grid has seams at the antimeridian and crowds at the poles; that only costs some
/// locality there, never a match. LSD radix sort, 3 passes of 8 bits.
fn spatial_order(probes: &[IncidentProbe], order: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    assert!(probes.len() <= BATCH_PROBES_MAX);
    order.clear();
    order.extend(probes.iter().enumerate().map(|(probe_idx, probe)| {
        let cell = |degrees: f64, range: f64| ((degrees / range + 0.5) * 4096.0).clamp(0.0, 4095.0) as u64;
        let position = probe.position;
        (z_order(cell(position.lon(), 360.0), cell(position.lat(), 180.0)) << 32) | probe_idx as u64
    }));
    scratch.clear();
    scratch.resize(order.len(), 0);
    for pass in 0..3 {
        let shift = 32 + 8 * pass;
        let mut offsets = [0usize; 256];
        for key in order.iter() {
            offsets[((key >> shift) & 0xff) as usize] += 1;
        }
        let mut sum = 0;
        for offset in offsets.iter_mut() {
            (*offset, sum) = (sum, sum + *offset);
        }
        for key in order.iter() {
            let bucket = ((key >> shift) & 0xff) as usize;
            scratch[offsets[bucket]] = *key;
            offsets[bucket] += 1;
        }
        std::mem::swap(order, scratch);
    }
}

/// Interleaves the bits of two 12-bit numbers.
fn z_order(x: u64, y: u64) -> u64 {
    let spread = |mut v: u64| {
        v &= 0xfff;
        v = (v | (v << 8)) & 0x00ff_00ff;
        v = (v | (v << 4)) & 0x0f0f_0f0f;
        v = (v | (v << 2)) & 0x3333_3333;
        v = (v | (v << 1)) & 0x5555_5555;
        v
    };
    spread(x) | (spread(y) << 1)
}

/// An index as stored in the R-tree.
///
/// # Panics
/// From 2³² scopes on; memory runs out long before.
fn index_u32(idx: usize) -> u32 {
    u32::try_from(idx).expect("fewer than 2^32 scopes fit in memory")
}

/// What every query of a probe starts from: its point on the sphere, its time in whole
/// seconds and its box in the R-tree.
struct ProbeQuery {
    probe: IncidentProbe,
    point: SpherePoint,
    time: ProbeTime,
    query_box: QueryBox,
}

impl ProbeQuery {
    fn new(probe: &IncidentProbe) -> ProbeQuery {
        let point = SpherePoint::new(probe.position);
        let reach = K_MAX * probe.uncertainty_m * (1.0 + 1e-9) + BOX_EPS;
        let reach = CapAngle::new(reach);
        let growth = point.v.map(|coordinate| cap_growth_with(coordinate.abs(), reach));
        // Rounded outwards as `QueryBox::from_envelope` rounds a scope's box; the growth is
        // positive, so `v - growth` is the lower corner.
        let query_box = QueryBox {
            lower: [0, 1, 2].map(|axis| (point.v[axis] - growth[axis] - F32_MARGIN) as f32),
            upper: [0, 1, 2].map(|axis| (point.v[axis] + growth[axis] + F32_MARGIN) as f32),
        };
        ProbeQuery { probe: *probe, point, time: ProbeTime::new(probe), query_box }
    }
}

/// Candidates gathered from the R-tree, handed on `CANDIDATES_BATCH` at a time.
struct Candidates {
    shape_idxs: [u32; CANDIDATES_BATCH],
    count: usize,
}

impl Default for Candidates {
    fn default() -> Candidates {
        Candidates { shape_idxs: [0; CANDIDATES_BATCH], count: 0 }
    }
}

impl Candidates {
    /// Adds the lanes set in `hits`, `shape_idxs[lane]` each, first handing the buffer to
    /// `check` when they might not fit. Without branches on `hits`, which are hard to
    /// predict: every lane is written, and the count grows by the lanes set.
    fn extend(&mut self, hits: u32, shape_idxs: impl Fn(usize) -> u32, check: impl FnOnce(&[u32])) {
        if self.count + TREE_LANES > CANDIDATES_BATCH {
            check(&self.shape_idxs[..self.count]);
            self.count = 0;
        }
        for lane in 0..TREE_LANES {
            self.shape_idxs[self.count] = shape_idxs(lane);
            self.count += ((hits >> lane) & 1) as usize;
        }
    }

    /// What `extend` has not handed on yet.
    fn rest(&self) -> &[u32] {
        &self.shape_idxs[..self.count]
    }
}

/// An incident's time as whole seconds `[start_s, end_s)` that overlap a window with whole
/// seconds at both ends exactly when the incident does.
///
/// For an instant t, `[floor t, floor t + 1)`: `s <= t` iff `s <= floor t` and `t < e` iff
/// `floor t < e`, for whole `s` and `e`. For an interval `[a, b)`, `[floor a, ceil b)`:
/// `a < e` iff `floor a < e` and `s < b` iff `s < ceil b`. (A leap second's fraction, at or
/// above one, orders the same way after its whole second.)
struct ProbeTime {
    start_s: i64,
    end_s: i64,
}

impl ProbeTime {
    fn new(probe: &IncidentProbe) -> ProbeTime {
        let start_s = unix_s_floor(probe.start);
        let end_s = match probe.start == probe.end {
            true => start_s + 1,
            false => unix_s_ceil(probe.end),
        };
        ProbeTime { start_s, end_s }
    }
}

/// `windows` sorted, with those that overlap or touch merged: the same instants, so the
/// same incidents overlap them.
fn merged_windows(windows: &[Window]) -> Vec<Window> {
    let mut sorted = windows.to_vec();
    sorted.sort_by_key(|window| window.start());
    let mut merged: Vec<Window> = Vec::with_capacity(sorted.len());
    for window in sorted {
        match merged.last_mut() {
            Some(last) if window.start() <= last.end() => {
                if window.end() > last.end() {
                    // `last` starts no later than `window`, which ends after it starts.
                    *last = Window::new(last.start(), window.end()).expect("a merged window is not empty");
                }
            }
            _ => merged.push(window),
        }
    }
    merged
}

fn is_whole_second(at: Timestamp) -> bool {
    at.as_datetime().timestamp_subsec_nanos() == 0
}

fn unix_s_floor(at: Timestamp) -> i64 {
    at.as_datetime().timestamp()
}

fn unix_s_ceil(at: Timestamp) -> i64 {
    let at = at.as_datetime();
    at.timestamp() + i64::from(at.timestamp_subsec_nanos() > 0)
}

/// Geodesic distance in metres from `position` to `route` (a polyline of geodesic
/// segments): the minimum over its segments, each found by iterating on the closest point
/// with geographiclib's Direct and Inverse solutions. Accurate to a millimetre or so.
pub fn distance_to_route_m(position: Position, route: &LineString) -> f64 {
    let mut distance_m = f64::INFINITY;
    for pair in route.positions().windows(2) {
        distance_m = distance_m.min(segment_distance_exact_m(position, pair[0], pair[1]));
    }
    distance_m
}

/// Geodesic distance in metres from `position` to the zone `boundary`: 0 inside the
/// polygon (the module documentation says how inside is decided), otherwise the distance
/// to the nearest edge of any ring.
pub fn distance_to_zone_m(position: Position, boundary: &Polygon) -> f64 {
    let mut shapes = Shapes::default();
    let (shape_idx, _) =
        shapes.push(&ScopeGeometry::Zone { boundary: boundary.clone() }, ScopeWindows::Spilled { start: 0, end: 0 });
    let header = &shapes.headers[shape_idx];
    if shapes.contains(header, SpherePoint::new(position).v) {
        return 0.0;
    }
    let mut distance_m = f64::INFINITY;
    for &(part_start, part_end) in shapes.part_ranges(header) {
        for pair in shapes.positions[part_start..part_end].windows(2) {
            distance_m = distance_m.min(segment_distance_exact_m(position, pair[0], pair[1]));
        }
    }
    distance_m
}

fn check_windows(windows: &[Window]) -> Result<(), MatcherError> {
    if windows.len() > WINDOWS_PER_SCOPE_MAX {
        return Err(MatcherError::TooManyWindows { count: windows.len(), count_max: WINDOWS_PER_SCOPE_MAX });
    }
    Ok(())
}

// Geometry on the conformal sphere.
//
// Constants are WGS84's. Angles on the unit sphere are radians; `k` is the scale of the
// conformal map, radians on the sphere per metre on the ellipsoid.

const WGS84_A_M: f64 = 6_378_137.0;
const WGS84_F: f64 = 1.0 / 298.257_223_563;
const WGS84_E2: f64 = WGS84_F * (2.0 - WGS84_F);
/// `sqrt(WGS84_E2)`; a test checks it.
const WGS84_E: f64 = 0.081_819_190_842_621_5;
/// Above the largest `k` (1.003357 / a, at the poles); a test checks it.
const K_MAX: f64 = 1.0034 / WGS84_A_M;
/// Bound on the relative change of `k` per radian of latitude, with headroom: the largest
/// `|d ln k / d lat|` is 0.00335, in conformal latitude 0.00336; a test checks it.
const K_LOG_SLOPE_MAX: f64 = 0.004;
/// An ellipsoidal geodesic of angle θ departs from the great circle through its ends, on
/// the conformal sphere, by at most `DEVIATION_FACTOR * θ²` radians. Its curvature there is
/// at most `|d ln k|` per radian (0.0034), so the sagitta is at most 0.0034 θ² / 8; the
/// factor has more than twice that as headroom, and a test measures it.
const DEVIATION_FACTOR: f64 = 1e-3;
/// Rounding in unit vectors, projections and the exact solution, radians (6 mm).
const ANGLE_EPS: f64 = 1e-9;
/// Rounding margin of boxes in the R-tree.
const BOX_EPS: f64 = 1e-9;
/// Vertices kept inline in a shape's header (a route of up to 9 edges, a ring of up to 9).
const PLANE_INLINE_MAX: usize = 10;
/// Probes sorted together by `Matcher::matches_batch`: 8 MiB of buffers, and indices that
/// fit in 32 bits.
const BATCH_PROBES_MAX: usize = 1 << 20;
/// Children per node of the R-tree.
const TREE_LANES: usize = 8;
/// Marks a node of the packed tree whose children are entries (shapes), not nodes.
const TREE_LEAF_BIT: u32 = 1 << 31;
/// Levels of the R-tree, at most: 8^11 entries exceed 2^32.
const TREE_DEPTH_MAX: usize = 11;
/// Nodes that a walk of the R-tree tests together.
const WALK_NODES: usize = 4;
/// Probes that `Matcher::matches_batch` may group for one walk of the R-tree.
const GROUP_PROBES_MAX: usize = 32;
/// The longest side of a group's box, on the unit sphere (about 20 km): wider, and the
/// walk finds too much that most of the group's probes then test in vain.
const GROUP_SIDE_MAX: f32 = 0.003;
/// Entries a group's walk may gather; when it finds that many, the group's probes walk the
/// tree one by one.
const GROUP_ENTRIES_MAX: usize = 512;
/// Candidates gathered from the R-tree before they are checked.
const CANDIDATES_BATCH: usize = 32;
/// Windows kept inline in a shape's header, after merging.
const WINDOWS_INLINE_MAX: usize = 2;
/// Margin for boxes stored as `f32`, which round by at most 1.2e-7 below 2 in magnitude.
const F32_MARGIN: f64 = 2e-7;
/// Shapes with an edge longer than this (about 640 km) skip the fast tier and get a box as
/// large as the sphere: DESIGN.md's bars are for features up to 200 km, and this keeps the
/// error bounds of the fast tier in the range that the tests measure.
const FAST_ANGLE_MAX: f64 = 0.1;
/// A shape is projected only if its vertices are within about 84 degrees of its centre; a
/// point is projected only if it is within that of the centre too. Beyond, the gnomonic
/// projection degrades; such shapes (and so far-off points) take the exact tier, and zones
/// have no inside.
const CAP_COS_MIN: f64 = 0.1;
/// Radius for the spherical step estimates of the exact iteration; any radius near the
/// Earth's serves, it only sets how fast the iteration converges.
const MEAN_RADIUS_M: f64 = 6_371_008.8;
/// Bound on the iterations of the exact point-to-segment solution; it converges in 2 to 4.
const EXACT_ITERATIONS_MAX: u32 = 16;
/// The exact iteration stops when the closest point moves less than this along the segment.
/// The distance is stationary there, so the error in it is far smaller.
const EXACT_STEP_M_MIN: f64 = 1e-4;

type V3 = [f64; 3];

/// A position on the conformal sphere, with the map's local scale there.
#[derive(Debug, Clone, Copy)]
struct SpherePoint {
    v: V3,
    /// Radians per metre at this latitude.
    k: f64,
}

impl SpherePoint {
    /// Maps geodetic latitude to conformal latitude χ (Karney 2011, eq. 7-9, stable at the
    /// poles) and returns the unit vector and the scale `cos χ / (N cos φ)`.
    fn new(position: Position) -> SpherePoint {
        let phi = position.lat().to_radians();
        let lambda = position.lon().to_radians();
        // At φ = ±90°, `tan` of the nearest f64 is about 1.6e16: large but finite.
        let tan_phi = phi.tan();
        let sec_phi = (1.0 + tan_phi * tan_phi).sqrt();
        let sin_phi = tan_phi / sec_phi;
        let sigma = sinh_e_atanh(WGS84_E * sin_phi);
        let tan_chi = tan_phi * (1.0 + sigma * sigma).sqrt() - sigma * sec_phi;
        let sec_chi = (1.0 + tan_chi * tan_chi).sqrt();
        let cos_chi = 1.0 / sec_chi;
        let sin_chi = tan_chi / sec_chi;
        let (sin_lambda, cos_lambda) = lambda.sin_cos();
        let n_radius_m = WGS84_A_M / (1.0 - WGS84_E2 * sin_phi * sin_phi).sqrt();
        SpherePoint { v: [cos_chi * cos_lambda, cos_chi * sin_lambda, sin_chi], k: sec_phi / sec_chi / n_radius_m }
    }
}

/// `sinh(e atanh(z))` for `|z| <= e`, by the Taylor series of both (their next terms are
/// below 1e-19): three times faster than the library functions, and every incident needs it.
/// The polynomials are evaluated by Estrin's scheme, in pairs of terms, rather than Horner's:
/// the same terms, with half the chain of dependent operations, which was the latency of
/// every query.
fn sinh_e_atanh(z: f64) -> f64 {
    let z2 = z * z;
    let z4 = z2 * z2;
    let z8 = z4 * z4;
    let atanh = z
        * ((1.0 + z2 * (1.0 / 3.0))
            + z4 * (1.0 / 5.0 + z2 * (1.0 / 7.0))
            + z8 * ((1.0 / 9.0 + z2 * (1.0 / 11.0)) + z4 * (1.0 / 13.0 + z2 * (1.0 / 15.0))));
    let y = WGS84_E * atanh;
    let y2 = y * y;
    let y4 = y2 * y2;
    y * ((1.0 + y2 * (1.0 / 6.0)) + y4 * (1.0 / 120.0 + y2 * (1.0 / 5040.0)))
}

/// A great-circle arc between two vertices on the conformal sphere: what the R-tree's boxes
/// are built from.
#[derive(Debug, Clone, Copy)]
struct Arc {
    a: V3,
    b: V3,
    angle: f64,
}

impl Arc {
    fn new(a: V3, b: V3) -> Arc {
        Arc { a, b, angle: chord_angle(norm(sub(a, b))) }
    }

    fn fast(&self) -> bool {
        self.angle <= FAST_ANGLE_MAX
    }

    /// How far the ellipsoidal segment may be from the arc, radians.
    fn deviation(&self) -> f64 {
        DEVIATION_FACTOR * self.angle * self.angle
    }

    /// A box holding every point within `buffer_m` of the ellipsoidal segment.
    ///
    /// A great-circle arc of angle θ between `a` and `b` lies within the box of `a` and `b`
    /// grown by `1 / cos(θ / 2) - 1`: its points are chord points pushed out to the sphere.
    /// The buffer then grows each axis by `cap_growth`.
    fn envelope(&self, buffer_m: f64) -> AABB<V3> {
        if !self.fast() {
            return whole_sphere();
        }
        let bulge = 1.0 / (self.angle / 2.0).cos() - 1.0 + self.deviation() + BOX_EPS;
        let mut lower = [0.0; 3];
        let mut upper = [0.0; 3];
        for axis in 0..3 {
            lower[axis] = self.a[axis].min(self.b[axis]) - bulge;
            upper[axis] = self.a[axis].max(self.b[axis]) + bulge;
            // The smallest |v_i| on the arc bounds the growth along axis i.
            let smallest = match lower[axis] <= 0.0 && 0.0 <= upper[axis] {
                true => 0.0,
                false => lower[axis].abs().min(upper[axis].abs()),
            };
            let growth = cap_growth(smallest, K_MAX * buffer_m * (1.0 + 1e-9) + BOX_EPS);
            lower[axis] -= growth;
            upper[axis] += growth;
        }
        AABB::from_corners(lower, upper)
    }
}

/// How far along an axis a point within `angle` of a unit vector `v` may be from `v`, given
/// `|v_i| >= smallest`: with `w = cos β v + sin β u`, `u ⟂ v`, we have
/// `|w_i - v_i| <= (1 - cos β) |v_i| + sin β sqrt(1 - v_i²)`.
///
/// Much tighter than growing every axis by the angle: the region around a point is a disc
/// tilted against the axes, and the R-tree's work grows with the boxes' overlap.
fn cap_growth(smallest: f64, angle: f64) -> f64 {
    cap_growth_with(smallest, CapAngle::new(angle))
}

fn cap_growth_with(smallest: f64, angle: CapAngle) -> f64 {
    angle.one_minus_cos + angle.sin * (1.0 - smallest * smallest).max(0.0).sqrt()
}

/// `1 - cos β` and `sin β` for `cap_growth`, with β capped where each stops growing.
#[derive(Debug, Clone, Copy)]
struct CapAngle {
    one_minus_cos: f64,
    sin: f64,
}

impl CapAngle {
    fn new(angle: f64) -> CapAngle {
        if angle <= 0.01 {
            // Taylor series, cut after a positive term so that both err upwards (by under
            // 1e-17, plus rounding; boxes have BOX_EPS to spare): every query needs these,
            // and the library calls cost more than the rest of its box.
            let angle_sq = angle * angle;
            return CapAngle {
                one_minus_cos: angle_sq * (0.5 - angle_sq * (1.0 / 24.0 - angle_sq / 720.0)),
                sin: angle * (1.0 - angle_sq * (1.0 / 6.0 - angle_sq / 120.0)),
            };
        }
        CapAngle { one_minus_cos: 1.0 - angle.min(PI).cos(), sin: angle.min(PI / 2.0).sin() }
    }
}

/// What the fast tier concludes about a distance against its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Inside,
    Outside,
    Unsure,
}

/// Corridor routes and zone polygons on the conformal sphere, each in a gnomonic projection
/// about the centre of a cap holding it, stored flat: a header per shape and shared lists of
/// vertices, so that a shape's data are a few cache lines in a row.
#[derive(Debug, Default)]
struct Shapes {
    headers: Vec<ShapeHeader>,
    /// Gnomonic coordinates of every vertex, shape after shape.
    plane: Vec<[f64; 2]>,
    /// The same vertices' positions, for the exact tier.
    positions: Vec<Position>,
    /// Polylines, as ranges of `plane` and `positions`: one for a route, one per ring for a
    /// polygon (closed, so its consecutive pairs are all its edges).
    parts: Vec<(usize, usize)>,
}

/// A shape's hot data in the order a candidate reads them, starting at a cache line, so
/// that checking a candidate costs one cache miss and the prefetches after it. The tree
/// walk and these reads are where the matcher's time goes.
///
/// The first cache line holds what every candidate reads first (its windows and the fast
/// tier's scalars), the next two the projection and the box, then come the vertices, by
/// coordinate, and the edges' inverse squared lengths.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
struct ShapeHeader {
    windows: ScopeWindows,
    /// The scope's index in `Matcher::scopes`.
    scope_idx: u32,
    /// Whether the fast tier may decide: every edge short and the cap small enough.
    fast: bool,
    /// A zone with a well-defined inside; false for routes.
    has_inside: bool,
    /// How many vertices `plane_xs` and `plane_ys` hold: all of a single-part shape's when
    /// they fit, else 0 and they are only in `Shapes::plane`.
    plane_inline_len: u8,
    /// 0 for zones.
    half_width_m: f64,
    /// Every vertex `v` has `v · center >= cos_radius`.
    cos_radius: f64,
    /// The cap's centre (the normalised mean of the route's or the outer ring's vertices)
    /// and an orthonormal frame about it, `east` and `north`.
    center: V3,
    east: V3,
    north: V3,
    /// The largest deviation bound of an edge, radians.
    deviation: f64,
    /// Range of `Shapes::parts`.
    parts: (u32, u32),
    /// The box of all vertices in the plane: `[min_x, min_y, max_x, max_y]`.
    plane_box: [f64; 4],
    /// The vertices in the plane, coordinate by coordinate so that edges are tested two at
    /// a time in vector instructions.
    plane_xs: [f64; PLANE_INLINE_MAX],
    plane_ys: [f64; PLANE_INLINE_MAX],
    /// Per edge from vertex i to i + 1, `inverse_length_sq`.
    plane_inverse_length_sq: [f64; PLANE_INLINE_MAX],
}

/// A scope's windows, sorted and merged (`merged_windows`): inline in whole seconds when
/// they fit (most scopes), else a range of `Matcher::windows`.
#[derive(Debug, Clone, Copy)]
enum ScopeWindows {
    Seconds { len: u8, windows_s: [[i64; 2]; WINDOWS_INLINE_MAX] },
    Spilled { start: usize, end: usize },
}

/// The fast tier's view of one point against one shape: the point in the shape's projection
/// and the bounds on a planar distance `D` to an edge, which brackets the spherical angle θ
/// to it as `D cos² ρ <= θ <= D` (ρ the largest angle from the centre involved).
///
/// With δ the deviation bound and k the conformal scale at the point, the ellipsoidal
/// distance d to the edge satisfies (θ - δ) / (k (1 + r)) <= d <= (θ + δ) (1 + r) / k, where
/// r bounds the relative change of k within reach of the point. Hence the two bounds.
struct Bounds {
    x: f64,
    y: f64,
    /// `D²` at most this: certainly within (negative when nothing is).
    inside_max_sq: f64,
    /// `D² cos⁴ ρ` above this: certainly beyond.
    outside_min_sq: f64,
    cos_sq_sq: f64,
}

impl Shapes {
    /// Adds a shape; returns its index and a box holding every point within its half-width
    /// of it (for a zone, every point of it).
    fn push(&mut self, geometry: &ScopeGeometry, windows: ScopeWindows) -> (usize, AABB<V3>) {
        let (parts, half_width_m, is_zone): (Vec<&[Position]>, f64, bool) = match geometry {
            ScopeGeometry::Corridor { route, half_width_m } => (vec![route.positions()], *half_width_m, false),
            ScopeGeometry::Zone { boundary } => (boundary.rings().iter().map(Vec::as_slice).collect(), 0.0, true),
        };
        let vectors: Vec<Vec<V3>> =
            parts.iter().map(|part| part.iter().map(|position| SpherePoint::new(*position).v).collect()).collect();
        // A ring is closed: leave out its last vertex, which repeats the first.
        let counted = match is_zone {
            true => &vectors[0][..vectors[0].len() - 1],
            false => &vectors[0][..],
        };
        let sum = counted.iter().fold([0.0; 3], |sum, v| add(sum, *v));
        let sum_norm = norm(sum);
        let (center, mut cos_radius) = match sum_norm > 1e-9 {
            true => (scale(sum, 1.0 / sum_norm), 1.0_f64),
            false => ([0.0, 0.0, 1.0], -1.0),
        };
        for v in vectors.iter().flatten() {
            cos_radius = cos_radius.min(dot(*v, center));
        }
        let (east, north) = frame(center);
        let mut deviation: f64 = 0.0;
        let mut edges_short = true;
        let mut edges_envelope: Option<AABB<V3>> = None;
        for pair in vectors.iter().flat_map(|part| part.windows(2)) {
            let arc = Arc::new(pair[0], pair[1]);
            edges_short &= arc.fast();
            deviation = deviation.max(arc.deviation());
            let envelope = arc.envelope(half_width_m);
            edges_envelope = Some(edges_envelope.map_or(envelope, |union| union.merged(&envelope)));
        }
        let has_inside = is_zone && cos_radius > CAP_COS_MIN;
        let parts_start = self.parts.len();
        for (part, part_vectors) in parts.iter().zip(&vectors) {
            let part_start = self.plane.len();
            for (position, v) in part.iter().zip(part_vectors) {
                // Beyond the cap limit the plane goes unused; the floor only avoids dividing
                // by zero there.
                let height = dot(*v, center).max(CAP_COS_MIN);
                self.plane.push([dot(*v, east) / height, dot(*v, north) / height]);
                self.positions.push(*position);
            }
            self.parts.push((part_start, self.plane.len()));
        }
        let envelope = match (edges_short, has_inside, edges_envelope) {
            (false, _, _) | (true, false, None) => whole_sphere(),
            (true, true, _) => cap_envelope(center, cos_radius.acos() + deviation + ANGLE_EPS),
            (true, false, Some(envelope)) => envelope,
        };
        let mut plane_box = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for [x, y] in &self.plane[self.parts[parts_start].0..] {
            plane_box = [plane_box[0].min(*x), plane_box[1].min(*y), plane_box[2].max(*x), plane_box[3].max(*y)];
        }
        let mut plane_xs = [0.0; PLANE_INLINE_MAX];
        let mut plane_ys = [0.0; PLANE_INLINE_MAX];
        let mut plane_inverse_length_sq = [0.0; PLANE_INLINE_MAX];
        let mut plane_inline_len = 0;
        if let [(part_start, part_end)] = self.parts[parts_start..] {
            if part_end - part_start <= PLANE_INLINE_MAX {
                for (vertex_idx, [x, y]) in self.plane[part_start..part_end].iter().enumerate() {
                    plane_xs[vertex_idx] = *x;
                    plane_ys[vertex_idx] = *y;
                }
                for (vertex_idx, pair) in self.plane[part_start..part_end].windows(2).enumerate() {
                    plane_inverse_length_sq[vertex_idx] = inverse_length_sq(pair[0], pair[1]);
                }
                plane_inline_len = u8::try_from(part_end - part_start).expect("PLANE_INLINE_MAX fits in u8");
            }
        }
        self.headers.push(ShapeHeader {
            windows,
            scope_idx: u32::MAX,
            fast: edges_short && cos_radius > CAP_COS_MIN,
            has_inside,
            plane_inline_len,
            half_width_m,
            cos_radius,
            center,
            east,
            north,
            deviation,
            parts: (index_u32(parts_start), index_u32(self.parts.len())),
            plane_box,
            plane_xs,
            plane_ys,
            plane_inverse_length_sq,
        });
        (self.headers.len() - 1, envelope)
    }

    /// Whether the point is within `threshold_m` of the shape: of a route, or of a zone's
    /// boundary or inside it.
    fn within(&self, header: &ShapeHeader, position: Position, point: &SpherePoint, threshold_m: f64) -> bool {
        let height = dot(point.v, header.center);
        // Too far from the centre to project: no inside (every vertex is nearer the centre
        // than CAP_COS_MIN for a zone that has one), and only the exact tier applies.
        if height < CAP_COS_MIN {
            return self.within_exact(header, position, None, threshold_m);
        }
        // One projection serves both the inside test and the fast tier.
        let x = dot(point.v, header.east) / height;
        let y = dot(point.v, header.north) / height;
        if header.has_inside && height >= header.cos_radius && self.contains_projected(header, x, y) {
            return true;
        }
        if !header.fast {
            return self.within_exact(header, position, None, threshold_m);
        }
        let bounds = Bounds::projected(header, point, threshold_m, height, [x, y]);
        if bounds.outside_box(header.plane_box) {
            return false;
        }
        let unsure = match header.plane_inline_len {
            0 => {
                let mut unsure = false;
                for &(part_start, part_end) in self.part_ranges(header) {
                    match bounds.classify_part(&self.plane[part_start..part_end]) {
                        Decision::Inside => return true,
                        Decision::Outside => {}
                        Decision::Unsure => unsure = true,
                    }
                }
                unsure
            }
            len => match bounds.classify_inline(header, usize::from(len)) {
                Decision::Inside => return true,
                Decision::Outside => false,
                Decision::Unsure => true,
            },
        };
        unsure && self.within_exact(header, position, Some(&bounds), threshold_m)
    }

    /// The exact tier, for the edges the fast one could not call (all of them without
    /// `bounds`).
    fn within_exact(
        &self,
        header: &ShapeHeader,
        position: Position,
        bounds: Option<&Bounds>,
        threshold_m: f64,
    ) -> bool {
        for (a, b) in self.edges(header) {
            let undecided =
                bounds.is_none_or(|bounds| bounds.classify(self.plane[a], self.plane[b]) == Decision::Unsure);
            if undecided && segment_distance_exact_m(position, self.positions[a], self.positions[b]) <= threshold_m {
                return true;
            }
        }
        false
    }

    /// The shape's parts, as ranges of `plane` and `positions`.
    fn part_ranges(&self, header: &ShapeHeader) -> &[(usize, usize)] {
        &self.parts[header.parts.0 as usize..header.parts.1 as usize]
    }

    /// The shape's edges, as pairs of indices into `plane` and `positions`.
    fn edges(&self, header: &ShapeHeader) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.part_ranges(header)
            .iter()
            .flat_map(|&(part_start, part_end)| (part_start + 1..part_end).map(|b| (b - 1, b)))
    }

    /// Even-odd rule over all rings in the projection, where the edges (great-circle arcs)
    /// are straight. A point outside the cap is outside: the cap's projection is a disc
    /// holding the projected polygon.
    fn contains(&self, header: &ShapeHeader, v: V3) -> bool {
        if !header.has_inside {
            return false;
        }
        let height = dot(v, header.center);
        if height < header.cos_radius {
            return false;
        }
        self.contains_projected(header, dot(v, header.east) / height, dot(v, header.north) / height)
    }

    /// `contains` for a point inside the cap, at `(x, y)` in the projection.
    fn contains_projected(&self, header: &ShapeHeader, x: f64, y: f64) -> bool {
        match header.plane_inline_len {
            0 => self.part_ranges(header).iter().fold(false, |inside, &(part_start, part_end)| {
                inside ^ crossings_odd(&self.plane[part_start..part_end], x, y)
            }),
            len => {
                let len = usize::from(len).min(PLANE_INLINE_MAX);
                (1..len).fold(false, |odd, b| {
                    odd ^ crosses(
                        [header.plane_xs[b - 1], header.plane_ys[b - 1]],
                        [header.plane_xs[b], header.plane_ys[b]],
                        x,
                        y,
                    )
                })
            }
        }
    }
}

/// Whether a ray from `(x, y)` towards +x crosses the closed ring `part` an odd number of
/// times.
fn crossings_odd(part: &[[f64; 2]], x: f64, y: f64) -> bool {
    part.windows(2).fold(false, |odd, pair| odd ^ crosses(pair[0], pair[1], x, y))
}

/// Whether a ray from `(x, y)` towards +x crosses the edge from `a` to `b`.
fn crosses([xa, ya]: [f64; 2], [xb, yb]: [f64; 2], x: f64, y: f64) -> bool {
    // Half-open in y, so a vertex on the ray counts once.
    (ya > y) != (yb > y) && x < xa + (xb - xa) * (y - ya) / (yb - ya)
}

impl Bounds {
    /// `None` when the fast tier does not apply: a shape that is not `fast`, or a point too
    /// far from its centre to project. (`Shapes::within` computes the projection once for
    /// the inside test and this; the tests start here.)
    #[cfg(test)]
    fn new(header: &ShapeHeader, point: &SpherePoint, threshold_m: f64) -> Option<Bounds> {
        let height = dot(point.v, header.center);
        if !header.fast || height < CAP_COS_MIN {
            return None;
        }
        let xy = [dot(point.v, header.east) / height, dot(point.v, header.north) / height];
        Some(Bounds::projected(header, point, threshold_m, height, xy))
    }

    /// `new` for a `fast` shape and a point at `height` over its centre (at least
    /// `CAP_COS_MIN`), at `xy` in its projection.
    fn projected(header: &ShapeHeader, point: &SpherePoint, threshold_m: f64, height: f64, xy: [f64; 2]) -> Bounds {
        let cos_max = height.min(header.cos_radius);
        let reach = (K_MAX * threshold_m + header.deviation).min(PI);
        let relative = K_LOG_SLOPE_MAX * reach;
        // `1 - r` is below `1 / (1 + r)`, so this errs on the safe side, without a division.
        let inside_max = point.k * threshold_m * (1.0 - relative) - header.deviation - ANGLE_EPS;
        let outside_min = point.k * threshold_m * (1.0 + relative) + header.deviation + ANGLE_EPS;
        Bounds {
            x: xy[0],
            y: xy[1],
            inside_max_sq: if inside_max > 0.0 { inside_max * inside_max } else { -1.0 },
            outside_min_sq: outside_min * outside_min,
            cos_sq_sq: cos_max * cos_max * cos_max * cos_max,
        }
    }

    /// Decides for the edge from `a` to `b`.
    fn classify(&self, a: [f64; 2], b: [f64; 2]) -> Decision {
        let (numerator, denominator) = plane_segment_distance_sq([self.x, self.y], a, b);
        if numerator <= self.inside_max_sq * denominator {
            return Decision::Inside;
        }
        if numerator * self.cos_sq_sq > self.outside_min_sq * denominator {
            return Decision::Outside;
        }
        Decision::Unsure
    }

    /// `classify` over the edges of a polyline: `Inside` if one is, else `Unsure` if one is.
    fn classify_part(&self, part: &[[f64; 2]]) -> Decision {
        let mut distance_sq_min = f64::INFINITY;
        for pair in part.windows(2) {
            let inverse = inverse_length_sq(pair[0], pair[1]);
            let distance_sq = plane_segment_distance_sq_clamped([self.x, self.y], pair[0], pair[1], inverse);
            if distance_sq <= self.inside_max_sq {
                return Decision::Inside;
            }
            distance_sq_min = if distance_sq < distance_sq_min { distance_sq } else { distance_sq_min };
        }
        self.classify_least(distance_sq_min)
    }

    /// `classify_part` over the first `len` vertices inline in `header`. Every edge is
    /// measured, two at a time, and the least distance decides: that compiles to vector
    /// instructions without a branch per edge (which edge is near, and so an early exit, is
    /// hard to predict) and without a division (the inverse lengths are stored). Measured
    /// against the early exit of `classify_part`: 6 to 10 % faster overall.
    fn classify_inline(&self, header: &ShapeHeader, len: usize) -> Decision {
        let (xs, ys, inverses) = (&header.plane_xs, &header.plane_ys, &header.plane_inverse_length_sq);
        let len = len.min(PLANE_INLINE_MAX);
        let p = [self.x, self.y];
        let least = |distance_sq: f64, least_sq: f64| if distance_sq < least_sq { distance_sq } else { least_sq };
        // The least distance over the even edges and over the odd ones, as two lanes.
        let mut least_sq = [f64::INFINITY; 2];
        let mut a = 0;
        while a + 2 < len {
            for (lane, least_sq) in least_sq.iter_mut().enumerate() {
                let [a, b] = [a + lane, a + lane + 1];
                let distance_sq = plane_segment_distance_sq_clamped(p, [xs[a], ys[a]], [xs[b], ys[b]], inverses[a]);
                *least_sq = least(distance_sq, *least_sq);
            }
            a += 2;
        }
        if a + 1 < len {
            let distance_sq = plane_segment_distance_sq_clamped(p, [xs[a], ys[a]], [xs[a + 1], ys[a + 1]], inverses[a]);
            least_sq[0] = least(distance_sq, least_sq[0]);
        }
        self.classify_least(least(least_sq[0], least_sq[1]))
    }

    /// Decides from the least squared distance in the plane to a set of edges.
    fn classify_least(&self, distance_sq_min: f64) -> Decision {
        if distance_sq_min <= self.inside_max_sq {
            return Decision::Inside;
        }
        if distance_sq_min * self.cos_sq_sq > self.outside_min_sq {
            return Decision::Outside;
        }
        Decision::Unsure
    }

    /// Whether every edge inside the box `[min_x, min_y, max_x, max_y]` is certainly beyond.
    fn outside_box(&self, plane_box: [f64; 4]) -> bool {
        let dx = (plane_box[0] - self.x).max(self.x - plane_box[2]).max(0.0);
        let dy = (plane_box[1] - self.y).max(self.y - plane_box[3]).max(0.0);
        (dx * dx + dy * dy) * self.cos_sq_sq > self.outside_min_sq
    }
}

/// Squared distance from `p` to the segment from `a` to `b`, in the plane, given
/// `inverse_length_sq`, `1 / |b - a|²`: to the point at the clamped fraction along the
/// segment, without branches, and without a division when the inverse is stored.
///
/// The fraction is clamped to `[0, 1]`, so the point measured to is on the segment (to
/// within rounding, about 1e-16 of the coordinates), and rounding in the fraction only moves
/// it along the segment, which changes the distance by a few 1e-16 of the segment's length:
/// both far inside the fast tier's margin of `ANGLE_EPS`. A segment of no length gives an
/// infinite inverse and a NaN or infinite fraction, which the clamp turns into an end.
fn plane_segment_distance_sq_clamped(p: [f64; 2], a: [f64; 2], b: [f64; 2], inverse_length_sq: f64) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (px, py) = (p[0] - a[0], p[1] - a[1]);
    let fraction = (px * dx + py * dy) * inverse_length_sq;
    // Written as comparisons, which compile to `maxsd` and `minsd`; NaN fails the first.
    let fraction = if fraction > 0.0 { fraction } else { 0.0 };
    let fraction = if fraction < 1.0 { fraction } else { 1.0 };
    let (ex, ey) = (px - fraction * dx, py - fraction * dy);
    ex * ex + ey * ey
}

/// `1 / |b - a|²`, for `plane_segment_distance_sq_clamped`.
fn inverse_length_sq(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    1.0 / (dx * dx + dy * dy)
}

/// Squared distance from `p` to the segment from `a` to `b`, in the plane, as a numerator
/// and a positive denominator, for `Bounds::classify`.
fn plane_segment_distance_sq(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, f64) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (px, py) = (p[0] - a[0], p[1] - a[1]);
    let along = px * dx + py * dy;
    let length_sq = dx * dx + dy * dy;
    if along <= 0.0 {
        return (px * px + py * py, 1.0);
    }
    if along >= length_sq {
        let (qx, qy) = (px - dx, py - dy);
        return (qx * qx + qy * qy, 1.0);
    }
    let cross = px * dy - py * dx;
    (cross * cross, length_sq)
}

/// The box of the cap of angular radius `radius` about the unit vector `center`: along an
/// axis at angle β from the centre, the cap spans cos(β + radius) to cos(β - radius),
/// capped at -1 and 1.
fn cap_envelope(center: V3, radius: f64) -> AABB<V3> {
    let mut lower = [0.0; 3];
    let mut upper = [0.0; 3];
    for axis in 0..3 {
        let beta = center[axis].clamp(-1.0, 1.0).acos();
        upper[axis] = if beta <= radius { 1.0 } else { (beta - radius).cos() } + BOX_EPS;
        lower[axis] = if beta + radius >= PI { -1.0 } else { (beta + radius).cos() } - BOX_EPS;
    }
    AABB::from_corners(lower, upper)
}

/// The R-tree, bulk-loaded once and never changed, in flat arrays: nodes of `TREE_LANES`
/// children, each node's boxes axis by axis so that testing them is a few vector
/// comparisons without branches, and each node's children in a row (entries or nodes), so
/// that a child is found by adding its lane to an index.
///
/// Boxes are `f32`, rounded outwards: half the bytes of `f64` for 0.6 m of slack, and the
/// tree is what every query walks. A node is three cache lines.
///
/// Built by sort-tile-recursive packing (Leutenegger, Lopez and Edgington, 1997), level by
/// level from the leaves up, so that every node but the last of a level is full. rstar's
/// tree, which this replaces, measured 30 to 45 % of the matcher's time: its nodes were
/// vectors of 56-byte children, an enum to branch on, box tests with early exits that are
/// hard to predict, and, from its bulk loading, leaves of two or three entries.
#[derive(Debug, Default)]
struct PackedTree {
    /// Root first; none when nothing is indexed.
    nodes: Vec<TreeNode>,
    /// Per node, where its children start: an index into `nodes`, or `TREE_LEAF_BIT` and
    /// the index of its first entry, which is a shape index.
    firsts: Vec<u32>,
}

/// One node's boxes, a lane per child, `lower` then `upper` and axis by axis. Unused lanes
/// hold an empty box.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
struct TreeNode {
    lower: [[f32; TREE_LANES]; 3],
    upper: [[f32; TREE_LANES]; 3],
}

/// Entries that `PackedTree::gather` found, packed `TREE_LANES` to a node, with their shape
/// indices.
#[derive(Debug, Default)]
struct Gathered {
    nodes: Vec<TreeNode>,
    shape_idxs: Vec<u32>,
}

/// A box in the tree's `f32`: a query's, an entry's or a node's.
#[derive(Debug, Clone, Copy)]
struct QueryBox {
    lower: [f32; 3],
    upper: [f32; 3],
}

impl QueryBox {
    /// The smallest `f32` box holding `envelope`, and some.
    fn from_envelope(envelope: &AABB<V3>) -> QueryBox {
        let [lower, upper] = [envelope.lower(), envelope.upper()];
        // Below 2 in magnitude, rounding to f32 moves a value by at most 1.2e-7.
        QueryBox {
            lower: [0, 1, 2].map(|axis| (lower[axis] - F32_MARGIN) as f32),
            upper: [0, 1, 2].map(|axis| (upper[axis] + F32_MARGIN) as f32),
        }
    }

    fn union(&self, other: &QueryBox) -> QueryBox {
        QueryBox {
            lower: [0, 1, 2].map(|axis| self.lower[axis].min(other.lower[axis])),
            upper: [0, 1, 2].map(|axis| self.upper[axis].max(other.upper[axis])),
        }
    }

    /// The longest side.
    fn side_max(&self) -> f32 {
        (0..3).map(|axis| self.upper[axis] - self.lower[axis]).fold(0.0, f32::max)
    }

    /// Twice the centre along `axis`, by which boxes are sorted when the tree is packed.
    fn center_2(&self, axis: usize) -> f32 {
        self.lower[axis] + self.upper[axis]
    }
}

impl PackedTree {
    /// Packs the entries with these boxes; returns the tree and the entries in its leaf
    /// order, in which shape `shape_idx` is entry `order[shape_idx]`.
    fn new(boxes: &[QueryBox]) -> (PackedTree, Vec<usize>) {
        let mut order: Vec<usize> = (0..boxes.len()).collect();
        tile_order(&mut order, |entry_idx| &boxes[entry_idx]);
        // Levels from the leaves up; each node with its box and where its children start
        // (in the level below, or `order`).
        let mut levels: Vec<Vec<(TreeNode, QueryBox, u32)>> = Vec::new();
        let mut level: Vec<(TreeNode, QueryBox, u32)> = order
            .chunks(TREE_LANES)
            .enumerate()
            .map(|(node_idx, entries)| {
                let first = TREE_LEAF_BIT | index_u31(node_idx * TREE_LANES);
                packed_node(entries.iter().map(|&entry_idx| &boxes[entry_idx]), first)
            })
            .collect();
        while level.len() > 1 {
            let mut node_order: Vec<usize> = (0..level.len()).collect();
            tile_order(&mut node_order, |node_idx| &level[node_idx].1);
            let mut children: Vec<Option<(TreeNode, QueryBox, u32)>> = level.into_iter().map(Some).collect();
            let tiled: Vec<(TreeNode, QueryBox, u32)> = node_order
                .iter()
                .map(|&node_idx| children[node_idx].take().expect("tile_order is a permutation"))
                .collect();
            level = tiled
                .chunks(TREE_LANES)
                .enumerate()
                .map(|(node_idx, nodes)| {
                    packed_node(nodes.iter().map(|node| &node.1), index_u31(node_idx * TREE_LANES))
                })
                .collect();
            levels.push(tiled);
        }
        levels.push(level);
        // Every level but the root's is full but for its last node, so there are at most
        // 11 levels below 2^31 entries (which `index_u31` checks).
        assert!(levels.len() <= TREE_DEPTH_MAX, "{} levels in the R-tree", levels.len());
        // Root first: a level's children are the next level down, at an offset.
        let mut tree = PackedTree::default();
        for level in levels.into_iter().rev() {
            let children_offset = tree.nodes.len() + level.len();
            for (node, _, first) in level {
                let first = match first & TREE_LEAF_BIT {
                    0 => index_u31(first as usize + children_offset),
                    _ => first,
                };
                tree.nodes.push(node);
                tree.firsts.push(first);
            }
        }
        (tree, order)
    }

    /// Calls `leaves(node, hits, first)` for every node of entries with a box that meets
    /// `query`: `hits` has a bit for each such lane, whose entry is shape `first + lane`.
    ///
    /// Each step takes up to `WALK_NODES` nodes off the stack and tests them together:
    /// their reads do not depend on each other, so their cache misses overlap (one node at a
    /// time measured 10 to 15 % slower on `matches`, where these reads miss the cache).
    fn walk(&self, query: &QueryBox, mut leaves: impl FnMut(&TreeNode, u32, u32)) {
        // Levels never decrease from the bottom of the stack to its top: a step takes the
        // top nodes and pushes their children, lowest level first. So when a step pushes
        // nodes of a level, none of that level is left below, and it pushes at most
        // `WALK_NODES * TREE_LANES` of them: that many per level but the root's, and room
        // for the writes of `TREE_LANES` lanes past the top.
        let mut stack = [0u32; WALK_NODES * TREE_LANES * (TREE_DEPTH_MAX - 1) + 1 + TREE_LANES];
        let mut stack_len = usize::from(!self.nodes.is_empty());
        while stack_len > 0 {
            let taken = stack_len.min(WALK_NODES);
            stack_len -= taken;
            // All `WALK_NODES` copied (the stack has room past its top), so that the copy is
            // a few moves rather than a call; those past `taken` go unused.
            let node_idxs: [u32; WALK_NODES] = std::array::from_fn(|i| stack[stack_len + i]);
            let mut hits = [0u32; WALK_NODES];
            for (hits, node_idx) in hits.iter_mut().zip(&node_idxs[..taken]) {
                *hits = self.nodes[*node_idx as usize].hits(query);
            }
            for (hits, node_idx) in hits.iter().zip(&node_idxs[..taken]) {
                let first = self.firsts[*node_idx as usize];
                if first & TREE_LEAF_BIT != 0 {
                    if *hits != 0 {
                        leaves(&self.nodes[*node_idx as usize], *hits, first & !TREE_LEAF_BIT);
                    }
                    continue;
                }
                // Every lane written, the length grown by those that meet: no branch on
                // `hits`, which is hard to predict.
                for lane in 0..TREE_LANES {
                    stack[stack_len] = first + lane as u32;
                    stack_len += ((hits >> lane) & 1) as usize;
                }
            }
        }
    }

    /// Replaces `gathered` with the entries whose boxes meet `query`; false (and `gathered`
    /// incomplete) when there are `GROUP_ENTRIES_MAX` or more.
    fn gather(&self, query: &QueryBox, gathered: &mut Gathered) -> bool {
        gathered.nodes.clear();
        gathered.shape_idxs.clear();
        let mut entries_count = 0;
        self.walk(query, |node, mut hits, first| {
            while hits != 0 && entries_count < GROUP_ENTRIES_MAX {
                let lane = hits.trailing_zeros() as usize;
                hits &= hits - 1;
                let gathered_lane = entries_count % TREE_LANES;
                if gathered_lane == 0 {
                    gathered.nodes.push(TreeNode::EMPTY);
                    gathered.shape_idxs.extend([0; TREE_LANES]);
                }
                let gathered_node = gathered.nodes.last_mut().expect("a node was pushed for lane 0");
                for axis in 0..3 {
                    gathered_node.lower[axis][gathered_lane] = node.lower[axis][lane];
                    gathered_node.upper[axis][gathered_lane] = node.upper[axis][lane];
                }
                gathered.shape_idxs[entries_count] = first + lane as u32;
                entries_count += 1;
            }
        });
        entries_count < GROUP_ENTRIES_MAX
    }
}

/// Sorts `items` into the tiles of sort-tile-recursive packing in 3-D: slabs along x, each
/// cut into columns along y, each cut into runs of `TREE_LANES` along z, about as many
/// slabs as columns per slab and nodes per column. Consecutive runs of `TREE_LANES` are then
/// nodes of nearby boxes. Ties keep their order (the sorts are stable), so the packing is a
/// function of the boxes and their order.
fn tile_order<'a>(items: &mut [usize], box_of: impl Fn(usize) -> &'a QueryBox) {
    let nodes_count = items.len().div_ceil(TREE_LANES);
    // Rounding that makes `tiles_per_axis` one too large only makes the tiles fewer.
    let tiles_per_axis = ((nodes_count as f64).cbrt().ceil() as usize).max(1);
    let box_of = &box_of;
    let by_axis =
        |axis: usize| move |a: &usize, b: &usize| box_of(*a).center_2(axis).total_cmp(&box_of(*b).center_2(axis));
    items.sort_by(by_axis(0));
    for slab in items.chunks_mut(TREE_LANES * tiles_per_axis * tiles_per_axis) {
        slab.sort_by(by_axis(1));
        for column in slab.chunks_mut(TREE_LANES * tiles_per_axis) {
            column.sort_by(by_axis(2));
        }
    }
}

/// A node over up to `TREE_LANES` children with these boxes, its own box, and `first`.
fn packed_node<'a>(children: impl Iterator<Item = &'a QueryBox>, first: u32) -> (TreeNode, QueryBox, u32) {
    let mut node = TreeNode::EMPTY;
    let mut union: Option<QueryBox> = None;
    for (lane, child) in children.enumerate() {
        for axis in 0..3 {
            node.lower[axis][lane] = child.lower[axis];
            node.upper[axis][lane] = child.upper[axis];
        }
        union = Some(union.map_or(*child, |union| union.union(child)));
    }
    (node, union.expect("a node has children"), first)
}

impl TreeNode {
    /// No children: every lane's box is empty, and meets no box.
    const EMPTY: TreeNode =
        TreeNode { lower: [[f32::INFINITY; TREE_LANES]; 3], upper: [[f32::NEG_INFINITY; TREE_LANES]; 3] };

    /// A bit per lane whose box meets the query's. Written without early exits so that it
    /// compiles to vector comparisons.
    fn hits(&self, query: &QueryBox) -> u32 {
        let mut hits = 0;
        for lane in 0..TREE_LANES {
            // The largest gap between the boxes along an axis: they meet unless it is positive.
            // Subtracting `f32`s keeps the sign of the comparison exactly, and `max` ignores
            // nothing here (no NaN), so this is `AABB::intersects`, in vector instructions.
            let mut gap = f32::NEG_INFINITY;
            for axis in 0..3 {
                gap =
                    gap.max(self.lower[axis][lane] - query.upper[axis]).max(query.lower[axis] - self.upper[axis][lane]);
            }
            hits |= u32::from(gap <= 0.0) << lane;
        }
        hits
    }
}

/// An index stored in the packed tree, beside `TREE_LEAF_BIT`.
///
/// # Panics
/// From 2³¹ on; memory runs out long before.
fn index_u31(idx: usize) -> u32 {
    let idx = index_u32(idx);
    assert!(idx < TREE_LEAF_BIT, "fewer than 2^31 scopes fit in memory");
    idx
}

fn whole_sphere() -> AABB<V3> {
    AABB::from_corners([-2.0; 3], [2.0; 3])
}

/// The angle subtended by a chord of the unit sphere.
fn chord_angle(chord: f64) -> f64 {
    2.0 * (chord / 2.0).min(1.0).asin()
}

/// An orthonormal pair perpendicular to the unit vector `center`.
fn frame(center: V3) -> (V3, V3) {
    // Cross with the axis least aligned with the centre, so the result is never tiny.
    let axis = if center[2].abs() < 0.9 { [0.0, 0.0, 1.0] } else { [1.0, 0.0, 0.0] };
    let east = cross(axis, center);
    let east = scale(east, 1.0 / norm(east));
    (east, cross(center, east))
}

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: V3, b: V3) -> V3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn scale(a: V3, factor: f64) -> V3 {
    [a[0] * factor, a[1] * factor, a[2] * factor]
}

fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

// The exact tier.

fn wgs84() -> &'static Geodesic {
    static WGS84: OnceLock<Geodesic> = OnceLock::new();
    WGS84.get_or_init(Geodesic::wgs84)
}

/// Geodesic distance in metres from `p` to the geodesic segment from `a` to `b`.
///
/// Along a geodesic, the distance to a point is unimodal for segments far shorter than the
/// Earth's circumference, and its derivative is `-cos` of the angle between the segment's
/// direction and the direction to the point. So the minimum is at an end unless the segment
/// heads towards the point at `a` and away from it at `b`; then the closest point X is
/// found by moving along the segment by the along-track distance of the point as seen from
/// X (spherical estimate), which converges in a few steps because the error of the
/// estimate shrinks with the step. The result is the least distance met, so it never
/// undercuts the truth.
fn segment_distance_exact_m(p: Position, a: Position, b: Position) -> f64 {
    let geod = wgs84();
    let (length_m, azi_a, azi_b, _): (f64, f64, f64, f64) = geod.inverse(a.lat(), a.lon(), b.lat(), b.lon());
    let (distance_a_m, azi_a_p, _, _): (f64, f64, f64, f64) = geod.inverse(a.lat(), a.lon(), p.lat(), p.lon());
    let (distance_b_m, azi_b_p, _, _): (f64, f64, f64, f64) = geod.inverse(b.lat(), b.lon(), p.lat(), p.lon());
    let mut best_m = distance_a_m.min(distance_b_m);
    // NaN, which geographiclib does not return for valid input, counts as no length.
    if length_m.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || best_m == 0.0 {
        return best_m;
    }
    let approaching_at_a = cos_deg(azi_a_p - azi_a) > 0.0;
    let receding_at_b = cos_deg(azi_b_p - azi_b) < 0.0;
    if !(approaching_at_a && receding_at_b) {
        return best_m;
    }
    let mut along_m = along_track_m(distance_a_m, azi_a_p - azi_a).clamp(0.0, length_m);
    for _ in 0..EXACT_ITERATIONS_MAX {
        let (lat_x, lon_x, azi_x): (f64, f64, f64) = geod.direct(a.lat(), a.lon(), azi_a, along_m);
        let (distance_x_m, azi_x_p, _, _): (f64, f64, f64, f64) = geod.inverse(lat_x, lon_x, p.lat(), p.lon());
        best_m = best_m.min(distance_x_m);
        let along_next_m = (along_m + along_track_m(distance_x_m, azi_x_p - azi_x)).clamp(0.0, length_m);
        if (along_next_m - along_m).abs() <= EXACT_STEP_M_MIN {
            break;
        }
        along_m = along_next_m;
    }
    best_m
}

/// Along-track distance of a point `distance_m` away at `angle_deg` from the direction of
/// travel, on a sphere: `tan(along) = tan(distance) cos(angle)`.
fn along_track_m(distance_m: f64, angle_deg: f64) -> f64 {
    let sigma = distance_m / MEAN_RADIUS_M;
    MEAN_RADIUS_M * (sigma.sin() * cos_deg(angle_deg)).atan2(sigma.cos())
}

fn cos_deg(angle_deg: f64) -> f64 {
    angle_deg.to_radians().cos()
}
