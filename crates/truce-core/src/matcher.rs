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
//! 1. An R-tree (rstar) of axis-aligned boxes in 3-D, over unit vectors on a sphere, one per
//!    scope, with the span of its windows. Boxes in 3-D have no seam at the antimeridian and
//!    no singularity at the poles, which lon/lat boxes have; each box holds the cap (the
//!    disc on the sphere) about every point of the scope, which is flatter than a cube.
//!    One entry per scope rather than per segment or per run of segments: the boxes are
//!    looser, but the tree is four times smaller, and both finer splits measured slower.
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
//!    vertex) keep the hot path small: the matcher's time goes mostly into cache misses.
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
//! Speed: the R-tree walk and the first read of each candidate's data are cache misses, and
//! they dominate. So candidates are gathered before their data are read (the reads then
//! overlap), each scope's hot data (windows, frame, vertices) sit together in one record in
//! the tree's leaf order, and `Matcher::matches_batch` visits incidents in a spatial order
//! so that consecutive queries find what they need in cache. `benches/matcher.rs` measures
//! both ways.
//!
//! Deliberately not here: which commitments are active, which party an incident implicates,
//! grading. The caller decides which scopes are active and passes them in.

#[cfg(test)]
mod tests;

use std::{f64::consts::PI, fmt, ops::ControlFlow, sync::OnceLock};

use geographiclib_rs::{DirectGeodesic, Geodesic, InverseGeodesic};
use rstar::{Envelope, RStarInsertionStrategy, RTree, RTreeObject, RTreeParams, AABB};
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
    tree: RTree<IndexEntry, IndexParams>,
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
        let mut entries = Vec::with_capacity(scopes.len());
        let mut scratch = Shapes::default();
        for (scope_idx, scope) in scopes.iter().enumerate() {
            // A scope without windows never matches: leave it out of the index.
            let Some(time_span_s) = time_span_s(&scope.windows) else {
                continue;
            };
            let (_, envelope) = scratch.push(&scope.geometry, ScopeWindows::Spilled { start: 0, end: 0 });
            entries.push(IndexEntry {
                envelope: envelope_f32(&envelope),
                time_span_s,
                scope_idx: index_u32(scope_idx),
                shape_idx: u32::MAX,
            });
        }
        let mut tree: RTree<IndexEntry, IndexParams> = RTree::bulk_load_with_params(entries);
        // Lay the shapes out again, in leaf order.
        let mut shapes = Shapes::default();
        let mut windows = Vec::new();
        let mut shape_idxs = vec![u32::MAX; scopes.len()];
        for entry in tree.iter() {
            let scope = &scopes[entry.scope_idx as usize];
            let scope_windows = match scope.windows.len() {
                len @ 1..=WINDOWS_INLINE_MAX => {
                    let mut inline = [scope.windows[0]; WINDOWS_INLINE_MAX];
                    inline[..len].copy_from_slice(&scope.windows);
                    let len = u8::try_from(len).expect("WINDOWS_INLINE_MAX fits in u8");
                    ScopeWindows::Inline { len, windows: inline }
                }
                _ => {
                    let start = windows.len();
                    windows.extend_from_slice(&scope.windows);
                    ScopeWindows::Spilled { start, end: windows.len() }
                }
            };
            let (shape_idx, _) = shapes.push(&scope.geometry, scope_windows);
            shape_idxs[entry.scope_idx as usize] = index_u32(shape_idx);
        }
        for entry in tree.iter_mut() {
            entry.shape_idx = shape_idxs[entry.scope_idx as usize];
            assert!((entry.shape_idx as usize) < shapes.headers.len());
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
        out.clear();
        let point = SpherePoint::new(probe.position);
        let reach = K_MAX * probe.uncertainty_m * (1.0 + 1e-9) + BOX_EPS;
        let reach = CapAngle::new(reach);
        let growth = point.v.map(|coordinate| cap_growth_with(coordinate.abs(), reach));
        let query = envelope_f32(&AABB::from_corners(
            [point.v[0] - growth[0], point.v[1] - growth[1], point.v[2] - growth[2]],
            [point.v[0] + growth[0], point.v[1] + growth[1], point.v[2] + growth[2]],
        ));
        let probe_span_s = [unix_s_floor(probe.start), unix_s_ceil(probe.end)];
        let mut candidates = [(0u32, 0u32); CANDIDATES_BATCH];
        let mut candidates_count = 0;
        let flow = self.tree.locate_in_envelope_intersecting_int(&query, |entry| {
            // The entry is in cache now: its time span rules candidates out before anything
            // else is read.
            let in_span = entry.time_span_s[0] <= probe_span_s[1] && probe_span_s[0] <= entry.time_span_s[1];
            if in_span {
                if candidates_count == CANDIDATES_BATCH {
                    self.check_candidates(&candidates, probe, &point, out);
                    candidates_count = 0;
                }
                candidates[candidates_count] = (entry.shape_idx, entry.scope_idx);
                candidates_count += 1;
            }
            ControlFlow::<()>::Continue(())
        });
        debug_assert!(flow.is_continue());
        self.check_candidates(&candidates[..candidates_count], probe, &point, out);
        // One entry per scope, so no duplicates.
        out.sort_unstable();
    }

    /// Matches many incidents, calling `visit(probe_idx, scope_idxs)` once per probe with
    /// what `matches` would give it, in an unspecified order of probes.
    ///
    /// Faster than `matches` in a loop over probes in random order: it visits them in a
    /// spatial order (a Z-order curve over cells of about 10 km), so that consecutive
    /// queries find the R-tree's nodes and the shapes they need in cache. Random order
    /// costs a cache miss at almost every step; the order costs a radix sort, about 10 ns a
    /// probe. Allocates buffers of about 64 bytes per probe (up to `BATCH_PROBES_MAX` at a
    /// time), once per call.
    pub fn matches_batch(&self, probes: &[IncidentProbe], visit: &mut dyn FnMut(usize, &[usize])) {
        let mut order = Vec::new();
        let mut scratch = Vec::new();
        let mut sorted = Vec::new();
        let mut out = Vec::new();
        for (chunk_idx, chunk) in probes.chunks(BATCH_PROBES_MAX).enumerate() {
            spatial_order(chunk, &mut order, &mut scratch);
            // Gathering the probes in a loop of their own lets their cache misses overlap;
            // reading them in the matching loop would stall on each.
            sorted.clear();
            sorted.extend(order.iter().map(|key| chunk[(key & 0xffff_ffff) as usize]));
            for (key, probe) in order.iter().zip(&sorted) {
                self.matches(probe, &mut out);
                // The low 32 bits are the probe's index in the chunk.
                visit(chunk_idx * BATCH_PROBES_MAX + (key & 0xffff_ffff) as usize, &out);
            }
        }
    }

    /// Checks candidates gathered from the tree. Their windows first, in a loop of its own:
    /// those reads do not depend on each other, so their cache misses overlap.
    fn check_candidates(
        &self,
        candidates: &[(u32, u32)],
        probe: &IncidentProbe,
        point: &SpherePoint,
        out: &mut Vec<usize>,
    ) {
        let mut open = [false; CANDIDATES_BATCH];
        for (open, (shape_idx, _)) in open.iter_mut().zip(candidates) {
            *open = self.in_windows(&self.shapes.headers[*shape_idx as usize], probe);
        }
        for (open, (shape_idx, scope_idx)) in open.iter().zip(candidates) {
            let header = &self.shapes.headers[*shape_idx as usize];
            if *open && self.shapes.within(header, probe.position, point, header.half_width_m + probe.uncertainty_m) {
                out.push(*scope_idx as usize);
            }
        }
    }

    fn in_windows(&self, header: &ShapeHeader, probe: &IncidentProbe) -> bool {
        let windows = match &header.windows {
            ScopeWindows::Inline { len, windows } => &windows[..usize::from(*len)],
            ScopeWindows::Spilled { start, end } => &self.windows[*start..*end],
        };
        windows.iter().any(|window| probe.overlaps(window))
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

/// The span of `windows` in whole seconds, widened outwards; `None` without windows.
fn time_span_s(windows: &[Window]) -> Option<[i64; 2]> {
    let start_s = windows.iter().map(|window| unix_s_floor(window.start())).min()?;
    let end_s = windows.iter().map(|window| unix_s_ceil(window.end())).max()?;
    Some([start_s, end_s])
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
    for &(part_start, part_end) in &shapes.parts[header.parts.0..header.parts.1] {
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
/// Candidates gathered from the R-tree before they are checked.
const CANDIDATES_BATCH: usize = 32;
/// Windows kept inline in a shape's header.
const WINDOWS_INLINE_MAX: usize = 3;
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
fn sinh_e_atanh(z: f64) -> f64 {
    let z2 = z * z;
    let atanh = z
        * (1.0
            + z2 * (1.0 / 3.0
                + z2 * (1.0 / 5.0
                    + z2 * (1.0 / 7.0
                        + z2 * (1.0 / 9.0 + z2 * (1.0 / 11.0 + z2 * (1.0 / 13.0 + z2 * (1.0 / 15.0))))))));
    let y = WGS84_E * atanh;
    let y2 = y * y;
    y * (1.0 + y2 * (1.0 / 6.0 + y2 * (1.0 / 120.0 + y2 * (1.0 / 5040.0))))
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
#[derive(Debug, Clone)]
#[repr(C, align(64))]
struct ShapeHeader {
    windows: ScopeWindows,
    /// 0 for zones.
    half_width_m: f64,
    /// The cap's centre (the normalised mean of the route's or the outer ring's vertices)
    /// and an orthonormal frame about it.
    center: V3,
    east: V3,
    north: V3,
    /// Every vertex `v` has `v · center >= cos_radius`.
    cos_radius: f64,
    /// The largest deviation bound of an edge, radians.
    deviation: f64,
    /// Range of `Shapes::parts`.
    parts: (usize, usize),
    /// Whether the fast tier may decide: every edge short and the cap small enough.
    fast: bool,
    /// A zone with a well-defined inside; false for routes.
    has_inside: bool,
    /// The box of all vertices in the plane: `[min_x, min_y, max_x, max_y]`.
    plane_box: [f64; 4],
    /// How many vertices `plane_inline` holds: all of a single-part shape's when they fit,
    /// else 0 and they are only in `Shapes::plane`.
    plane_inline_len: u8,
    plane_inline: [[f64; 2]; PLANE_INLINE_MAX],
}

/// A scope's windows: inline when few (most scopes), else a range of `Matcher::windows`.
#[derive(Debug, Clone, Copy)]
enum ScopeWindows {
    Inline { len: u8, windows: [Window; WINDOWS_INLINE_MAX] },
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
        let mut plane_inline = [[0.0; 2]; PLANE_INLINE_MAX];
        let mut plane_inline_len = 0;
        if let [(part_start, part_end)] = self.parts[parts_start..] {
            if part_end - part_start <= PLANE_INLINE_MAX {
                plane_inline[..part_end - part_start].copy_from_slice(&self.plane[part_start..part_end]);
                plane_inline_len = u8::try_from(part_end - part_start).expect("PLANE_INLINE_MAX fits in u8");
            }
        }
        self.headers.push(ShapeHeader {
            windows,
            half_width_m,
            center,
            east,
            north,
            cos_radius,
            deviation,
            parts: (parts_start, self.parts.len()),
            fast: edges_short && cos_radius > CAP_COS_MIN,
            has_inside,
            plane_box,
            plane_inline_len,
            plane_inline,
        });
        (self.headers.len() - 1, envelope)
    }

    /// Whether the point is within `threshold_m` of the shape: of a route, or of a zone's
    /// boundary or inside it.
    fn within(&self, header: &ShapeHeader, position: Position, point: &SpherePoint, threshold_m: f64) -> bool {
        if self.contains(header, point.v) {
            return true;
        }
        let bounds = Bounds::new(header, point, threshold_m);
        let mut unsure = false;
        if let Some(bounds) = &bounds {
            if bounds.outside_box(header.plane_box) {
                return false;
            }
            for part in self.part_planes(header) {
                for pair in part.windows(2) {
                    match bounds.classify(pair[0], pair[1]) {
                        Decision::Inside => return true,
                        Decision::Outside => {}
                        Decision::Unsure => unsure = true,
                    }
                }
            }
            if !unsure {
                return false;
            }
        }
        // The exact tier, for the edges the fast one could not call (all of them when it
        // does not apply).
        for (a, b) in self.edges(header) {
            let undecided =
                bounds.as_ref().is_none_or(|bounds| bounds.classify(self.plane[a], self.plane[b]) == Decision::Unsure);
            if undecided && segment_distance_exact_m(position, self.positions[a], self.positions[b]) <= threshold_m {
                return true;
            }
        }
        false
    }

    /// The shape's parts in the plane, from its header when they are there.
    fn part_planes<'a>(&'a self, header: &'a ShapeHeader) -> impl Iterator<Item = &'a [[f64; 2]]> + 'a {
        let inline = match header.plane_inline_len {
            0 => None,
            len => Some(&header.plane_inline[..usize::from(len)]),
        };
        let spilled = match inline {
            Some(_) => None,
            None => {
                Some(self.parts[header.parts.0..header.parts.1].iter().map(|&(start, end)| &self.plane[start..end]))
            }
        };
        inline.into_iter().chain(spilled.into_iter().flatten())
    }

    /// The shape's edges, as pairs of indices into `plane` and `positions`.
    fn edges(&self, header: &ShapeHeader) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.parts[header.parts.0..header.parts.1]
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
        let x = dot(v, header.east) / height;
        let y = dot(v, header.north) / height;
        let mut inside = false;
        for part in self.part_planes(header) {
            for pair in part.windows(2) {
                let [[xa, ya], [xb, yb]] = [pair[0], pair[1]];
                // Half-open in y, so a vertex on the ray counts once.
                if (ya > y) != (yb > y) && x < xa + (xb - xa) * (y - ya) / (yb - ya) {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

impl Bounds {
    /// `None` when the fast tier does not apply: a shape that is not `fast`, or a point too
    /// far from its centre to project.
    fn new(header: &ShapeHeader, point: &SpherePoint, threshold_m: f64) -> Option<Bounds> {
        let height = dot(point.v, header.center);
        if !header.fast || height < CAP_COS_MIN {
            return None;
        }
        let cos_max = height.min(header.cos_radius);
        let reach = (K_MAX * threshold_m + header.deviation).min(PI);
        let relative = K_LOG_SLOPE_MAX * reach;
        // `1 - r` is below `1 / (1 + r)`, so this errs on the safe side, without a division.
        let inside_max = point.k * threshold_m * (1.0 - relative) - header.deviation - ANGLE_EPS;
        let outside_min = point.k * threshold_m * (1.0 + relative) + header.deviation + ANGLE_EPS;
        let height_inverse = 1.0 / height;
        Some(Bounds {
            x: dot(point.v, header.east) * height_inverse,
            y: dot(point.v, header.north) * height_inverse,
            inside_max_sq: if inside_max > 0.0 { inside_max * inside_max } else { -1.0 },
            outside_min_sq: outside_min * outside_min,
            cos_sq_sq: cos_max * cos_max * cos_max * cos_max,
        })
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

    /// Whether every edge inside the box `[min_x, min_y, max_x, max_y]` is certainly beyond.
    fn outside_box(&self, plane_box: [f64; 4]) -> bool {
        let dx = (plane_box[0] - self.x).max(self.x - plane_box[2]).max(0.0);
        let dy = (plane_box[1] - self.y).max(self.y - plane_box[3]).max(0.0);
        (dx * dx + dy * dy) * self.cos_sq_sq > self.outside_min_sq
    }
}

/// Squared distance from `p` to the segment from `a` to `b`, in the plane, as a numerator
/// and a positive denominator: the hot path compares it without dividing.
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

/// One entry of the R-tree: a scope's box, the span of its windows for a first test in
/// time, and where its shape is.
///
/// Boxes are `f32`, rounded outwards: half the bytes of `f64` for 0.6 m of slack, and the
/// tree is what every query walks.
struct IndexEntry {
    envelope: AABB<[f32; 3]>,
    time_span_s: [i64; 2],
    scope_idx: u32,
    shape_idx: u32,
}

impl RTreeObject for IndexEntry {
    type Envelope = AABB<[f32; 3]>;
    fn envelope(&self) -> AABB<[f32; 3]> {
        self.envelope
    }
}

/// The smallest `f32` box holding `envelope`, and some.
fn envelope_f32(envelope: &AABB<V3>) -> AABB<[f32; 3]> {
    let [lower, upper] = [envelope.lower(), envelope.upper()];
    // Below 2 in magnitude, rounding to f32 moves a value by at most 1.2e-7.
    AABB::from_corners(
        [(lower[0] - F32_MARGIN) as f32, (lower[1] - F32_MARGIN) as f32, (lower[2] - F32_MARGIN) as f32],
        [(upper[0] + F32_MARGIN) as f32, (upper[1] + F32_MARGIN) as f32, (upper[2] + F32_MARGIN) as f32],
    )
}

/// Larger nodes than rstar's default (6): fewer levels and pointer chases per query, for
/// a tree that is bulk-loaded once and never changed.
struct IndexParams;

impl RTreeParams for IndexParams {
    const MIN_SIZE: usize = 4;
    const MAX_SIZE: usize = 10;
    const REINSERTION_COUNT: usize = 3;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
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
