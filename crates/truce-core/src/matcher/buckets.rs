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
//! - Inside, before the slabs: a grid of `GRID_SIDE` × `GRID_SIDE` cells over the box of
//!   the shape's vertices, each marked inside, outside, or near an edge. A point's cell is
//!   found by functions that never decrease with `x` and with `y`, as the slabs' are, so the
//!   points of a cell form a rectangle. A cell is near an edge when the edge's box, grown by
//!   a margin far above the rounding of `crosses` (`GRID_MARGIN`), meets it by those
//!   functions; any other cell is separated from every edge by that margin along `x` or
//!   `y`. So no edge meets the segment between two of its points, which therefore have the
//!   same parity, and every crossing test from them is decided far from rounding: the slab
//!   test's answer at the cell's centre, stored, is its answer at every point of the cell.
//!   Only a point in a cell near an edge reads its slab.
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
/// Cells per side of a shape's grid for the inside test: a row of cells, two bits each, is
/// one `u64`.
const GRID_SIDE: usize = 32;
/// A cell whose points may be near an edge (the slab decides), inside, or outside.
const CELL_NEAR_EDGE: u64 = 0;
const CELL_INSIDE: u64 = 1;
const CELL_OUTSIDE: u64 = 2;
/// The margin by which edges' boxes are grown when cells are marked, relative to the
/// grid's larger side: coordinates are within a few times that side of the projection's
/// centre, so rounding in `crosses` is some 1e-16 of it.
const GRID_MARGIN: f64 = 1e-9;

/// The acceleration of every shape that has one, stored flat.
#[derive(Debug, Default)]
pub(super) struct Buckets {
    /// Per edge from vertex `a` to `a + 1` of `Shapes::plane`, at index `a`: `1 / |b - a|²`
    /// (unused at a part's last vertex).
    pub(super) inverse_length_sq: Vec<f64>,
    pub(super) runs: Vec<Run>,
    pub(super) groups: Vec<Group>,
    /// The inside tests of zones.
    pub(super) insides: Vec<InsideIndex>,
    /// Per row of a shape's grid (`Grid`), `GRID_SIDE` cells of two bits.
    pub(super) grid_rows: Vec<u64>,
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

/// The grid of one shape: cell `(col, row)` holds the points whose `(x - x0) *
/// inverse_width` has the floor `col` and `(y - y0) * inverse_height` the floor `row`, both
/// clamped to the grid (so the cells at its sides reach out to infinity).
#[derive(Debug, Clone, Copy)]
pub(super) struct Grid {
    x0: f64,
    y0: f64,
    inverse_width: f64,
    inverse_height: f64,
    /// Where this shape's rows start in `Buckets::grid_rows`.
    rows_start: u32,
}

/// A zone's inside test: its grid, then its slabs.
#[derive(Debug, Clone, Copy)]
pub(super) struct InsideIndex {
    pub(super) grid: Grid,
    pub(super) slabs: SlabSet,
}

/// Where a shape's acceleration is: its range of `Buckets::groups`, and its inside test (a
/// zone's only) in `Buckets::insides`. Out of the header, which it would grow to eight
/// cache lines: a power of two puts the first lines of all headers, which every candidate
/// reads, in an eighth of the cache's sets (measured 10 % slower on the easy set).
#[derive(Debug, Clone, Copy)]
pub(super) struct ShapeBuckets {
    pub(super) groups: (u32, u32),
    pub(super) inside: Option<u32>,
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
        let inside = has_inside.then(|| {
            let slabs = self.push_slabs(plane, parts);
            let inside = InsideIndex { grid: self.push_grid(plane, parts, &slabs), slabs };
            self.insides.push(inside);
            index_u32(self.insides.len() - 1)
        });
        ShapeBuckets { groups: (index_u32(groups_start), index_u32(self.groups.len())), inside }
    }

    fn push_group(&mut self, runs_start: usize) {
        let runs = &self.runs[runs_start..];
        let plane_box = runs.iter().fold(EMPTY_BOX, |union, run| union_box(union, run.plane_box));
        self.groups.push(Group { plane_box, runs: (index_u32(runs_start), index_u32(self.runs.len())) });
    }

    fn push_slabs(&mut self, plane: &[[f64; 2]], parts: &[(usize, usize)]) -> SlabSet {
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
        set
    }

    /// Marks the cells of a grid over the box of the vertices (the module comment says why
    /// a cell's mark holds for each of its points).
    fn push_grid(&mut self, plane: &[[f64; 2]], parts: &[(usize, usize)], slabs: &SlabSet) -> Grid {
        let edges: Vec<usize> =
            parts.iter().flat_map(|&(part_start, part_end)| part_start..part_end.saturating_sub(1)).collect();
        let vertices_box = edges.iter().fold(EMPTY_BOX, |union, &a| union_box(union, box_of(&plane[a..=a + 1])));
        let [width, height] = [vertices_box[2] - vertices_box[0], vertices_box[3] - vertices_box[1]];
        let inverse = |span: f64| if span > 0.0 { GRID_SIDE as f64 / span } else { 0.0 };
        let grid = Grid {
            x0: vertices_box[0],
            y0: vertices_box[1],
            inverse_width: inverse(width),
            inverse_height: inverse(height),
            rows_start: index_u32(self.grid_rows.len()),
        };
        // A flat shape (or a box that is not finite) has no cell that decides.
        if !(grid.inverse_width > 0.0 && grid.inverse_height > 0.0 && width.is_finite() && height.is_finite()) {
            self.grid_rows.extend([CELL_NEAR_EDGE; GRID_SIDE]);
            return grid;
        }
        let margin = GRID_MARGIN * width.max(height);
        let mut near_edge = [[false; GRID_SIDE]; GRID_SIDE];
        for &a in &edges {
            let [x_min, y_min, x_max, y_max] = box_of(&plane[a..=a + 1]);
            for row in near_edge.iter_mut().take(grid.row(y_max + margin) + 1).skip(grid.row(y_min - margin)) {
                for near in row.iter_mut().take(grid.col(x_max + margin) + 1).skip(grid.col(x_min - margin)) {
                    *near = true;
                }
            }
        }
        for (row, near_edge_row) in near_edge.iter().enumerate() {
            let mut cells = 0u64;
            for (col, near) in near_edge_row.iter().enumerate() {
                let x = grid.x0 + (col as f64 + 0.5) / grid.inverse_width;
                let y = grid.y0 + (row as f64 + 0.5) / grid.inverse_height;
                // The centre must be a point of the cell; rounding could, in principle, put
                // it in the next one.
                let cell = match *near || grid.col(x) != col || grid.row(y) != row {
                    true => CELL_NEAR_EDGE,
                    false if self.slab_contains(slabs, x, y) => CELL_INSIDE,
                    false => CELL_OUTSIDE,
                };
                cells |= cell << (2 * col);
            }
            self.grid_rows.push(cells);
        }
        grid
    }

    /// The even-odd rule over the shape's rings, at `(x, y)` in its projection: what
    /// `crossings_odd` over every ring gives. The grid decides, unless the point's cell is
    /// near an edge; then the slab.
    pub(super) fn contains(&self, inside: u32, x: f64, y: f64) -> bool {
        let inside = &self.insides[inside as usize];
        match self.cell(&inside.grid, x, y) {
            CELL_INSIDE => true,
            CELL_OUTSIDE => false,
            _ => self.slab_contains(&inside.slabs, x, y),
        }
    }

    /// The mark of the cell of `(x, y)`.
    pub(super) fn cell(&self, grid: &Grid, x: f64, y: f64) -> u64 {
        let cells = self.grid_rows[grid.rows_start as usize + grid.row(y)];
        (cells >> (2 * grid.col(x))) & 3
    }

    /// `contains` by the slab of `y` alone.
    pub(super) fn slab_contains(&self, set: &SlabSet, x: f64, y: f64) -> bool {
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

impl Grid {
    /// The column of `x`: never decreasing with `x`, clamped to the grid.
    fn col(&self, x: f64) -> usize {
        grid_index((x - self.x0) * self.inverse_width)
    }

    /// The row of `y`, likewise.
    fn row(&self, y: f64) -> usize {
        grid_index((y - self.y0) * self.inverse_height)
    }
}

/// `floor(scaled)` clamped to `0..GRID_SIDE`; `as` saturates, and maps NaN to 0.
fn grid_index(scaled: f64) -> usize {
    (scaled.floor().max(0.0) as usize).min(GRID_SIDE - 1)
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
