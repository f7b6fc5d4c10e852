//! The per-shape acceleration (`buckets.rs`) on the realistic synthetic shapes (roads of 20
//! to 300 vertices, district outlines of 50 to 1,000 with holes, in several parts): its
//! decisions are those of the linear scans it replaces, which the tests beside this one
//! check against exact distances; `within` agrees with the exact distance; and the whole
//! matcher agrees with a scan of every scope by the linear path.

use std::sync::OnceLock;

use super::{fast_tier::edges_distance_exact_m, *};
use crate::synthetic::Set;

/// The first realistic scopes, every one with its vertices out of line (so in buckets).
fn realistic_scopes() -> &'static [Scope] {
    static SCOPES: OnceLock<Vec<Scope>> = OnceLock::new();
    SCOPES.get_or_init(|| Set::Realistic.generate(120, 0).scopes)
}

fn parts_of(geometry: &ScopeGeometry) -> Vec<&[Position]> {
    match geometry {
        ScopeGeometry::Corridor { route, .. } => vec![route.positions()],
        ScopeGeometry::Zone { boundary } => boundary.rings().iter().map(Vec::as_slice).collect(),
    }
}

/// The linear fast tier: every part's edges, one by one (`Bounds::classify_part`).
fn classify_linear(shapes: &Shapes, header: &ShapeHeader, bounds: &Bounds) -> Decision {
    let decisions: Vec<Decision> = shapes
        .part_ranges(header)
        .iter()
        .map(|&(start, end)| bounds.classify_part(&shapes.plane[start..end]))
        .collect();
    if decisions.contains(&Decision::Inside) {
        return Decision::Inside;
    }
    match decisions.contains(&Decision::Unsure) {
        true => Decision::Unsure,
        false => Decision::Outside,
    }
}

/// The linear inside test: the even-odd rule over every ring's edges.
fn contains_linear(shapes: &Shapes, header: &ShapeHeader, x: f64, y: f64) -> bool {
    shapes
        .part_ranges(header)
        .iter()
        .fold(false, |odd, &(start, end)| odd ^ crossings_odd(&shapes.plane[start..end], x, y))
}

/// `Shapes::within` by the linear scans and the exact tier, as it was before the buckets.
fn within_linear(shapes: &Shapes, header: &ShapeHeader, position: Position, threshold_m: f64) -> bool {
    let point = SpherePoint::new(position);
    let height = dot(point.v, header.center);
    if height < CAP_COS_MIN || !header.fast {
        return shapes.within_exact(header, position, None, threshold_m);
    }
    let (x, y) = (dot(point.v, header.east) / height, dot(point.v, header.north) / height);
    if header.has_inside && height >= header.cos_radius && contains_linear(shapes, header, x, y) {
        return true;
    }
    let bounds = Bounds::new(header, &point, threshold_m).expect("the fast tier applies");
    match classify_linear(shapes, header, &bounds) {
        Decision::Inside => true,
        Decision::Outside => false,
        Decision::Unsure => shapes.within_exact(header, position, Some(&bounds), threshold_m),
    }
}

/// A realistic scope and a point near one of its vertices (up to about 6 km off).
fn near_shape() -> impl Strategy<Value = (usize, Position)> {
    (0..120usize, any::<u64>(), 0.0..1.0f64).prop_map(|(scope_idx, seed, offset)| {
        let mut rng = StdRng::seed_from_u64(seed);
        let parts = parts_of(realistic_scopes()[scope_idx].geometry());
        let part = parts[rng.gen_range(0..parts.len())];
        let vertex = part[rng.gen_range(0..part.len())];
        // Offsets spread over 0.1 m .. 6 km.
        (scope_idx, travel(vertex, rng.gen_range(0.0..360.0), 0.1 * 60_000.0f64.powf(offset)))
    })
}

proptest! {
    #![proptest_config(config(200))]

    /// The buckets decide as the linear scans do, for thresholds all about the distance,
    /// and `within` agrees with the exact distance to the edges (0 inside a zone, by the
    /// linear inside test).
    #[test]
    fn buckets_decide_as_the_linear_scans_and_within_as_the_exact_distance((scope_idx, p) in near_shape()) {
        let scope = &realistic_scopes()[scope_idx];
        let mut shapes = Shapes::default();
        shapes.push(scope.geometry(), ScopeWindows::Spilled { start: 0, end: 0 });
        let header = &shapes.headers[0];
        prop_assert_eq!(header.plane_inline_len, 0, "realistic shapes are out of line");
        let point = SpherePoint::new(p);
        let height = dot(point.v, header.center);
        let (x, y) = (dot(point.v, header.east) / height, dot(point.v, header.north) / height);
        let inside = header.has_inside && height >= header.cos_radius && contains_linear(&shapes, header, x, y);
        if let Some(inside) = header.buckets.inside {
            prop_assert_eq!(shapes.buckets.contains(inside, x, y), contains_linear(&shapes, header, x, y));
            let slabs = &shapes.buckets.insides[inside as usize].slabs;
            prop_assert_eq!(shapes.buckets.slab_contains(slabs, x, y), contains_linear(&shapes, header, x, y));
        }
        let edges_m = edges_distance_exact_m(scope.geometry(), p);
        let within_m = if inside { 0.0 } else { edges_m };
        for factor in [0.5, 0.999, 0.999_99, 1.0, 1.000_01, 1.001, 2.0] {
            for shift_m in [-0.001, 0.0, 0.001] {
                let threshold_m = (edges_m * factor + shift_m).max(0.0);
                let bounds = Bounds::new(header, &point, threshold_m).expect("the fast tier applies");
                prop_assert_eq!(
                    shapes.buckets.classify(&shapes.plane, &header.buckets, &bounds),
                    classify_linear(&shapes, header, &bounds)
                );
                prop_assert_eq!(shapes.within(header, p, &point, threshold_m), within_m <= threshold_m);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// The grid of cells decides the inside test as the linear even-odd rule does, at points
    /// all over a zone's box and beyond it, near its edges and right on its vertices; and it
    /// decides most of them without the slabs.
    #[test]
    fn grid_decides_inside_as_the_linear_rule(scope_idx in 0..120usize, seed in any::<u64>()) {
        let scope = &realistic_scopes()[scope_idx];
        let mut shapes = Shapes::default();
        shapes.push(scope.geometry(), ScopeWindows::Spilled { start: 0, end: 0 });
        let header = &shapes.headers[0];
        let Some(inside) = header.buckets.inside else {
            return Ok(());
        };
        let grid = &shapes.buckets.insides[inside as usize].grid;
        let mut rng = StdRng::seed_from_u64(seed);
        let [x_min, y_min, x_max, y_max] = header.plane_box;
        let (width, height) = (x_max - x_min, y_max - y_min);
        let mut decided_count = 0;
        let points_count = 2_000;
        for point_idx in 0..points_count {
            let (x, y) = match point_idx % 4 {
                // Anywhere in the box grown by a tenth.
                0 | 1 => (
                    rng.gen_range(x_min - 0.1 * width..x_max + 0.1 * width),
                    rng.gen_range(y_min - 0.1 * height..y_max + 0.1 * height),
                ),
                // Near a vertex, down to rounding distance, or on it.
                _ => {
                    let vertex = shapes.plane[rng.gen_range(shapes.part_ranges(header)[0].0..shapes.plane.len())];
                    let offset = width.max(height) * 10f64.powf(rng.gen_range(-16.0..-1.0));
                    let offset = if point_idx % 8 == 2 { 0.0 } else { offset };
                    (vertex[0] + rng.gen_range(-offset..=offset), vertex[1] + rng.gen_range(-offset..=offset))
                }
            };
            let expected = contains_linear(&shapes, header, x, y);
            prop_assert_eq!(shapes.buckets.contains(inside, x, y), expected, "at ({}, {})", x, y);
            if point_idx % 4 < 2 {
                decided_count += usize::from(shapes.buckets.cell(grid, x, y) != 0);
            }
        }
        // Not vacuous: the grid decides most points spread over the box.
        prop_assert!(decided_count * 2 > points_count / 2, "{} of {} decided", decided_count, points_count / 2);
    }
}

/// A shape's header is an odd number of cache lines (`ShapeBuckets` says why).
#[test]
fn shape_header_is_an_odd_number_of_cache_lines() {
    let size = std::mem::size_of::<ShapeHeader>();
    assert_eq!((size % 64, size / 64 % 2), (0, 1), "{size} bytes");
}

/// The matcher on realistic scopes and incidents, one by one and in batch, against a scan of
/// every scope by the linear path.
#[test]
fn matcher_on_realistic_data_agrees_with_a_linear_scan_of_every_scope() {
    let data = Set::Realistic.generate(120, 2_000);
    let mut reference = Shapes::default();
    for scope in &data.scopes {
        reference.push(scope.geometry(), ScopeWindows::Spilled { start: 0, end: 0 });
    }
    let matcher = Matcher::new(data.scopes.clone());
    let mut batch = vec![None; data.incidents.len()];
    matcher.matches_batch(&data.incidents, &mut |probe_idx, scope_idxs| batch[probe_idx] = Some(scope_idxs.to_vec()));
    let mut out = Vec::new();
    let mut matches_count = 0;
    for (probe, batch_out) in data.incidents.iter().zip(batch) {
        let expected: Vec<usize> = data
            .scopes
            .iter()
            .zip(&reference.headers)
            .enumerate()
            .filter(|(_, (scope, header))| {
                let threshold_m = header.half_width_m + probe.uncertainty_m();
                scope.windows().iter().any(|window| probe.overlaps(window))
                    && within_linear(&reference, header, probe.position(), threshold_m)
            })
            .map(|(scope_idx, _)| scope_idx)
            .collect();
        matcher.matches(probe, &mut out);
        assert_eq!(out, expected, "probe {probe:?}");
        assert_eq!(batch_out, Some(expected), "matches_batch, probe {probe:?}");
        matches_count += out.len();
    }
    // Not vacuous: the realistic incidents pile up where the scopes are.
    assert!(matches_count > 500, "{matches_count} matches only");
}
