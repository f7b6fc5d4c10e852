//! The violation matcher: which active scopes (corridor buffers and zone polygons, each with
//! its opening windows) an incident falls in, in space and in time.
//!
//! An incident matches a corridor when the geodesic distance from its point to the route is
//! at most `half_width_m + uncertainty_m`, and a zone when its point is inside the polygon
//! or within `uncertainty_m` of its boundary; in both cases its time (an interval
//! `[start, end)`, or the instant `t` when `start == end`) must overlap one of the scope's
//! half-open windows. Distances are geodesic on the WGS84 ellipsoid (docs/design.md section 5).
//!
//! How, in three tiers, each conservative so that none drops a true match:
//!
//! 1. An R-tree of axis-aligned boxes in 3-D, over unit vectors on a sphere, one per scope
//!    (`PackedTree`: packed once, in flat arrays). Boxes in 3-D have no seam at the
//!    antimeridian and no singularity at the poles, which lon/lat boxes have; each box holds
//!    the cap (the disc on the sphere) about every point of the scope, which is flatter than
//!    a cube. One entry per scope rather than per segment or per run of segments, for short
//!    shapes: the boxes are looser, but the tree is four times smaller, and both finer splits
//!    measured slower on short shapes. A corridor of more than `PIECE_EDGES` edges is the
//!    exception (`pieces`): a long, winding road in one box is a candidate for most
//!    incidents around it, so it is indexed in pieces, each a shape of its own.
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
//! Shapes too long to keep their vertices inline (zones of more than 9 edges, rings with
//! holes) carry an acceleration of their own (`buckets.rs`): runs of edges with boxes for
//! the distance test, slabs of edges for the inside test, so that a district outline of a
//! thousand vertices costs a few edges per check, not a thousand.
//!
//! A zone's inside test is done in the same projection, where its edges are straight: it
//! treats the edges as great-circle arcs on the conformal sphere. Ellipsoidal geodesics
//! depart from those by under 1e-3 θ² radians (θ the edge's angle: 5 m for a 200 km edge,
//! 1 cm for a 10 km one), so a point that close to an edge may be put on the other side of
//! it; that is within the design's tolerance of 5 m. A zone whose vertices do not fit in a
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

mod buckets;
mod reach;
mod route;
mod shapes;
mod sphere;
#[cfg(test)]
mod tests;
mod tree;

use std::{f64::consts::PI, fmt, sync::OnceLock};

use geographiclib_rs::{DirectGeodesic, Geodesic, InverseGeodesic};
use thiserror::Error;

use self::{buckets::*, shapes::*, sphere::*, tree::*};
pub use self::{
    reach::{LonLatBox, Reach},
    route::IndexedRoute,
};
use crate::{
    vocab::geometry::{LineString, Polygon, Position},
    vocab::limits::{HALF_WIDTH_M_MAX, WINDOWS_PER_CORRIDOR_MAX},
    vocab::time::{Timestamp, Window},
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
    /// Where the indexed scopes can match, windows aside: the boxes of the R-tree's entries,
    /// read from the tree. The same as `Reach::of` the scopes that have windows (a scope
    /// without any is not indexed, and matches nothing), without making their shapes again.
    pub fn reach(&self) -> Reach {
        let everywhere = QueryBox { lower: [-2.0; 3], upper: [2.0; 3] };
        let mut boxes = Vec::new();
        self.tree.walk(&everywhere, |node, mut hits, _| {
            while hits != 0 {
                let lane = hits.trailing_zeros() as usize;
                hits &= hits - 1;
                boxes.push(QueryBox {
                    lower: [0, 1, 2].map(|axis| node.lower[axis][lane]),
                    upper: [0, 1, 2].map(|axis| node.upper[axis][lane]),
                });
            }
            true
        });
        Reach::from_boxes(boxes)
    }

    pub fn new(scopes: Vec<Scope>) -> Matcher {
        // The R-tree's entries: a scope's index, one of its pieces, and whether it has others.
        let mut entries: Vec<(u32, ScopeGeometry, bool)> = Vec::with_capacity(scopes.len());
        let mut boxes = Vec::with_capacity(scopes.len());
        let mut scratch = Shapes::default();
        for (scope_idx, scope) in scopes.iter().enumerate() {
            // A scope without windows never matches: leave it out of the index.
            if scope.windows.is_empty() {
                continue;
            }
            let scope_pieces = pieces(&scope.geometry);
            let in_pieces = scope_pieces.len() > 1;
            for piece in scope_pieces {
                let (_, envelope) = scratch.push(&piece, ScopeWindows::Spilled { start: 0, end: 0 });
                boxes.push(QueryBox::from_envelope(&envelope));
                entries.push((index_u32(scope_idx), piece, in_pieces));
            }
        }
        let (tree, order) = PackedTree::new(&boxes);
        // Lay the shapes out again, in the tree's leaf order.
        let mut shapes = Shapes::default();
        let mut windows = Vec::new();
        for entry_idx in order {
            let (scope_idx, piece, in_pieces) = &entries[entry_idx];
            let scope_idx = *scope_idx;
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
            let (shape_idx, _) = shapes.push(piece, scope_windows);
            shapes.headers[shape_idx].scope_idx = scope_idx;
            shapes.headers[shape_idx].piece = *in_pieces;
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

    /// How many entries the first tier hands on for `probe`: those whose box in the R-tree
    /// meets the probe's, before their windows and shapes are checked (a scope, or a piece of
    /// a long corridor, `pieces`). For reports of how
    /// much work a set of incidents makes (the benchmark's candidates per incident).
    pub fn candidates_count(&self, probe: &IncidentProbe) -> usize {
        let mut count = 0;
        self.tree.walk(&ProbeQuery::new(probe).query_box, |_, hits, _| {
            count += hits.count_ones() as usize;
            true
        });
        count
    }

    fn matches_query(&self, query: &ProbeQuery, out: &mut Vec<usize>) {
        let mut found = Found::new(out);
        let mut candidates = Candidates::default();
        self.tree.walk(&query.query_box, |_, hits, first| {
            candidates.extend(hits, |lane| first + lane as u32, |full| self.check_candidates(full, query, &mut found));
            true
        });
        self.check_candidates(candidates.rest(), query, &mut found);
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
        let mut found = Found::new(out);
        let mut candidates = Candidates::default();
        for (node, shape_idxs) in gathered.nodes.iter().zip(gathered.shape_idxs.chunks_exact(TREE_LANES)) {
            let hits = node.hits(&query.query_box);
            candidates.extend(hits, |lane| shape_idxs[lane], |full| self.check_candidates(full, query, &mut found));
        }
        self.check_candidates(candidates.rest(), query, &mut found);
        out.sort_unstable();
    }

    /// Checks candidates gathered from the tree. Their windows first, in a loop of its own:
    /// those reads do not depend on each other, so their cache misses overlap. A piece of a
    /// scope that has already matched (`pieces`) is skipped: on the realistic set more than
    /// half of the pieces that match belong to a corridor matched by another piece.
    fn check_candidates(&self, candidates: &[u32], query: &ProbeQuery, found: &mut Found<'_>) {
        let probe = &query.probe;
        let mut open = [false; CANDIDATES_BATCH];
        for (open, shape_idx) in open.iter_mut().zip(candidates) {
            *open = self.in_windows(&self.shapes.headers[*shape_idx as usize], probe, &query.time);
        }
        for (open, shape_idx) in open.iter().zip(candidates) {
            let header = &self.shapes.headers[*shape_idx as usize];
            if !*open || (header.piece && found.contains(header.scope_idx)) {
                continue;
            }
            let threshold_m = header.half_width_m + probe.uncertainty_m;
            if self.shapes.within(header, probe.position, &query.point, threshold_m) {
                found.push(header.scope_idx);
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

/// The pieces a scope is indexed as, each an entry of the R-tree with a shape of its own: a
/// corridor whose route has more than `PIECE_EDGES` edges in runs of that many consecutive
/// edges (sharing their end vertices), so that a long, winding road has a tight box per
/// piece instead of one loose box that most incidents around it fall in, and each piece's
/// vertices fit inline in its header; anything else whole (a zone's inside is its whole
/// outline's). A point is within the route exactly when it is within one of the pieces, as
/// the route's edges are the pieces' edges.
fn pieces(geometry: &ScopeGeometry) -> Vec<ScopeGeometry> {
    let ScopeGeometry::Corridor { route, half_width_m } = geometry else {
        return vec![geometry.clone()];
    };
    let positions = route.positions();
    if positions.len() <= PIECE_EDGES + 1 {
        return vec![geometry.clone()];
    }
    let pieces: Option<Vec<ScopeGeometry>> = (0..positions.len() - 1)
        .step_by(PIECE_EDGES)
        .map(|start| {
            let end = (start + PIECE_EDGES).min(positions.len() - 1);
            // A piece of no length (repeated vertices) is refused; then the route stays whole.
            let piece = LineString::new(positions[start..=end].to_vec()).ok()?;
            Some(ScopeGeometry::Corridor { route: piece, half_width_m: *half_width_m })
        })
        .collect();
    pieces.unwrap_or_else(|| vec![geometry.clone()])
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

/// The scopes a probe has matched so far, in `out`, with a Bloom filter of one bit per
/// scope (a hash of its index into `FOUND_BITS` bits) so that most scopes not in `out` are
/// known not to be without scanning it.
struct Found<'a> {
    out: &'a mut Vec<usize>,
    bits: [u64; FOUND_BITS / 64],
}

impl<'a> Found<'a> {
    /// Empties `out`.
    fn new(out: &'a mut Vec<usize>) -> Found<'a> {
        out.clear();
        Found { out, bits: [0; FOUND_BITS / 64] }
    }

    /// The word and the bit of the filter for `scope_idx` (Fibonacci hashing).
    fn bit(scope_idx: u32) -> (usize, u64) {
        let hash = (scope_idx.wrapping_mul(0x9e37_79b9) >> (32 - FOUND_BITS.trailing_zeros())) as usize;
        (hash / 64, 1 << (hash % 64))
    }

    fn contains(&self, scope_idx: u32) -> bool {
        let (word, bit) = Found::bit(scope_idx);
        self.bits[word] & bit != 0 && self.out.contains(&(scope_idx as usize))
    }

    fn push(&mut self, scope_idx: u32) {
        let (word, bit) = Found::bit(scope_idx);
        self.bits[word] |= bit;
        self.out.push(scope_idx as usize);
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
/// Edges per piece of a long corridor (`pieces`): its vertices then fit inline.
const PIECE_EDGES: usize = PLANE_INLINE_MAX - 1;
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
/// Bits of the filter of scopes found (`Found`): a power of two, a multiple of 64.
const FOUND_BITS: usize = 1_024;
/// Windows kept inline in a shape's header, after merging.
const WINDOWS_INLINE_MAX: usize = 2;
/// Margin for boxes stored as `f32`, which round by at most 1.2e-7 below 2 in magnitude.
const F32_MARGIN: f64 = 2e-7;
/// Shapes with an edge longer than this (about 640 km) skip the fast tier and get a box as
/// large as the sphere: the design's bars are for features up to 200 km, and this keeps the
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
