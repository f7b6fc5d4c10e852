//! Per-shape acceleration for shapes with more vertices than fit inline in a header (roads
//! of hundreds of vertices, district outlines of up to thousands): the distance test and
//! the inside test look at a few edges near the point instead of all of them.
//!
//! - Distance: a shape's edges in runs (`RUN_EDGES` consecutive edges of one part) with the
//!   box of their vertices in the plane, and the runs in groups (`GROUP_RUNS`) with their
//!   box too. A group or run whose box is certainly beyond the threshold is skipped: every
//!   edge in it is at least that far, so it would have been `Outside`; the rest are measured
//!   edge by edge exactly as before (the stored inverse squared lengths spare a division).
//!   The decision is the same as over all edges: `Inside` if one edge is, else from the
//!   least distance, which is either among the measured edges or beyond the threshold.
//!   A box also decides `Inside` by itself when the farther end of its nearest side is
//!   certainly within: each side of the box of some vertices holds one of them
//!   (`Bounds::inside_box`), and a vertex is on an edge.
//! - Inside: the even-odd rule counts the edges that a ray from the point towards +x
//!   crosses; an edge can only be crossed by a ray at a height `y` within its own `y` range.
//!   The shape's `y` range is cut into slabs, each listing the edges whose `y` range meets
//!   it, and the slab of a point is `floor((y - y0) / height)`, clamped. That function never
//!   decreases with `y`, so an edge with `y_min <= y <= y_max` is listed in the slab of `y`
//!   (it is listed in every slab from that of `y_min` to that of `y_max`): counting the
//!   crossings of the slab's edges gives the parity of all crossings, exactly.
//!
//! Measured on the realistic set (docs/performance.md): the linear scans of long shapes
//! were 95 % of the matcher's time.

use super::*;

/// Edges per run.
const RUN_EDGES: usize = 8;
/// Runs per group.
const GROUP_RUNS: usize = 8;
/// Edges per slab of the inside test, on average over a shape's `y` range, at most.
const SLAB_EDGES: usize = 2;
/// Slabs per shape, at most.
const SLABS_MAX: usize = 4_096;

/// The acceleration of every shape that has one, stored flat.
#[derive(Debug, Default)]
pub(super) struct Buckets {
    /// Per edge from vertex `a` to `a + 1` of `Shapes::plane`, at index `a`: `1 / |b - a|²`
    /// (unused at a part's last vertex).
    pub(super) inverse_length_sq: Vec<f64>,
    pub(super) runs: Vec<Run>,
    pub(super) groups: Vec<Group>,
    pub(super) slab_sets: Vec<SlabSet>,
    /// Per slab, where its edges start in `slab_edges`; one more than the slabs.
    pub(super) slab_offsets: Vec<u32>,
    /// Edges as `[xa, ya, xb, yb]` in the plane, copied here so that a slab's edges are
    /// read in a row (a few cache lines) rather than from all over `Shapes::plane`.
    pub(super) slab_edges: Vec<[f64; 4]>,
}

/// `RUN_EDGES` edges or fewer, from vertex `start` to `end` (the last edge's end vertex).
#[derive(Debug, Clone, Copy)]
pub(super) struct Run {
    pub(super) plane_box: [f64; 4],
    pub(super) start: u32,
    pub(super) end: u32,
}

/// Consecutive runs `runs.0..runs.1`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Group {
    pub(super) plane_box: [f64; 4],
    pub(super) runs: (u32, u32),
}

/// The slabs of one shape: slab `i` holds heights from `y0 + i / inverse_height` on.
#[derive(Debug, Clone, Copy)]
pub(super) struct SlabSet {
    y0: f64,
    inverse_height: f64,
    /// The last slab's index.
    last: u32,
    /// Where this shape's slabs start in `slab_offsets`.
    offsets_start: u32,
}

/// Where a shape's acceleration is: its range of `Buckets::groups`, and its slabs (a zone's
/// only) in `Buckets::slab_sets`.
#[derive(Debug, Clone, Copy)]
pub(super) struct ShapeBuckets {
    pub(super) groups: (u32, u32),
    pub(super) slab_set: Option<u32>,
}

impl Buckets {
    /// Adds the acceleration of a shape whose parts are these ranges of `plane`; slabs only
    /// when it has an inside.
    pub(super) fn push(&mut self, plane: &[[f64; 2]], parts: &[(usize, usize)], has_inside: bool) -> ShapeBuckets {
        self.inverse_length_sq.resize(plane.len(), 0.0);
        let groups_start = self.groups.len();
        let mut group_runs_start = self.runs.len();
        for &(part_start, part_end) in parts {
            for a in part_start..part_end.saturating_sub(1) {
                self.inverse_length_sq[a] = inverse_length_sq(plane[a], plane[a + 1]);
            }
            let mut start = part_start;
            while start + 1 < part_end {
                let end = (start + RUN_EDGES).min(part_end - 1);
                self.runs.push(Run {
                    plane_box: box_of(&plane[start..=end]),
                    start: index_u32(start),
                    end: index_u32(end),
                });
                start = end;
                if self.runs.len() - group_runs_start == GROUP_RUNS {
                    self.push_group(group_runs_start);
                    group_runs_start = self.runs.len();
                }
            }
        }
        if self.runs.len() > group_runs_start {
            self.push_group(group_runs_start);
        }
        let slab_set = has_inside.then(|| self.push_slabs(plane, parts));
        ShapeBuckets { groups: (index_u32(groups_start), index_u32(self.groups.len())), slab_set }
    }

    fn push_group(&mut self, runs_start: usize) {
        let runs = &self.runs[runs_start..];
        let plane_box = runs.iter().fold(EMPTY_BOX, |union, run| union_box(union, run.plane_box));
        self.groups.push(Group { plane_box, runs: (index_u32(runs_start), index_u32(self.runs.len())) });
    }

    fn push_slabs(&mut self, plane: &[[f64; 2]], parts: &[(usize, usize)]) -> u32 {
        let edges: Vec<usize> =
            parts.iter().flat_map(|&(part_start, part_end)| part_start..part_end.saturating_sub(1)).collect();
        let (y_min, y_max) = edges
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &a| (low.min(plane[a][1]), high.max(plane[a][1])));
        let slabs_count = (edges.len() / SLAB_EDGES).clamp(1, SLABS_MAX);
        let span = y_max - y_min;
        let inverse_height = if span > 0.0 { slabs_count as f64 / span } else { 0.0 };
        let offsets_start = self.slab_offsets.len();
        let mut set = SlabSet {
            y0: y_min,
            inverse_height,
            last: u32::try_from(slabs_count - 1).expect("SLABS_MAX fits in u32"),
            offsets_start: index_u32(offsets_start),
        };
        // Counting sort of the edges into the slabs their `y` range meets.
        let slab_range = |a: usize| {
            let (ya, yb) = (plane[a][1], plane[a + 1][1]);
            set.slab(ya.min(yb))..=set.slab(ya.max(yb))
        };
        let mut counts = vec![0u32; slabs_count + 1];
        for &a in &edges {
            for slab in slab_range(a) {
                counts[slab + 1] += 1;
            }
        }
        for slab in 0..slabs_count {
            counts[slab + 1] += counts[slab];
        }
        let edges_start = self.slab_edges.len();
        self.slab_edges.resize(edges_start + counts[slabs_count] as usize, [0.0; 4]);
        let mut next = counts.clone();
        for &a in &edges {
            for slab in slab_range(a) {
                let ([xa, ya], [xb, yb]) = (plane[a], plane[a + 1]);
                self.slab_edges[edges_start + next[slab] as usize] = [xa, ya, xb, yb];
                next[slab] += 1;
            }
        }
        self.slab_offsets.extend(counts.iter().map(|count| index_u32(edges_start + *count as usize)));
        set.offsets_start = index_u32(offsets_start);
        let set_idx = self.slab_sets.len();
        self.slab_sets.push(set);
        index_u32(set_idx)
    }

    /// The even-odd rule over the shape's rings, at `(x, y)` in its projection: what
    /// `crossings_odd` over every ring gives.
    pub(super) fn contains(&self, slab_set: u32, x: f64, y: f64) -> bool {
        let set = &self.slab_sets[slab_set as usize];
        let slab = set.offsets_start as usize + set.slab(y);
        let edges = &self.slab_edges[self.slab_offsets[slab] as usize..self.slab_offsets[slab + 1] as usize];
        edges.iter().fold(false, |odd, &[xa, ya, xb, yb]| odd ^ crosses([xa, ya], [xb, yb], x, y))
    }

    /// `Bounds::classify_part` over every part of the shape, skipping the groups and runs
    /// whose boxes are certainly beyond.
    pub(super) fn classify(&self, plane: &[[f64; 2]], shape: &ShapeBuckets, bounds: &Bounds) -> Decision {
        let p = [bounds.x, bounds.y];
        let mut least_sq = f64::INFINITY;
        for group in &self.groups[shape.groups.0 as usize..shape.groups.1 as usize] {
            if bounds.outside_box(group.plane_box) {
                continue;
            }
            if bounds.inside_box(group.plane_box) {
                return Decision::Inside;
            }
            for run in &self.runs[group.runs.0 as usize..group.runs.1 as usize] {
                if bounds.outside_box(run.plane_box) {
                    continue;
                }
                if bounds.inside_box(run.plane_box) {
                    return Decision::Inside;
                }
                for a in run.start as usize..run.end as usize {
                    let distance_sq =
                        plane_segment_distance_sq_clamped(p, plane[a], plane[a + 1], self.inverse_length_sq[a]);
                    least_sq = if distance_sq < least_sq { distance_sq } else { least_sq };
                }
                if least_sq <= bounds.inside_max_sq {
                    return Decision::Inside;
                }
            }
        }
        bounds.classify_least(least_sq)
    }
}

impl SlabSet {
    /// The slab of height `y`: never decreasing with `y`, clamped to the slabs.
    fn slab(&self, y: f64) -> usize {
        let slab = ((y - self.y0) * self.inverse_height).floor();
        // `as` saturates, and maps NaN to 0.
        (slab.max(0.0) as usize).min(self.last as usize)
    }
}

const EMPTY_BOX: [f64; 4] = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];

fn box_of(vertices: &[[f64; 2]]) -> [f64; 4] {
    vertices.iter().fold(EMPTY_BOX, |union, [x, y]| union_box(union, [*x, *y, *x, *y]))
}

fn union_box(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]
}
