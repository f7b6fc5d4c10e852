//! The fast tier over shapes of many edges, against the exact tier.

use super::{brute_force::random_zone, *};

/// A route (2 to 14 vertices: inline in the shape's header up to `PLANE_INLINE_MAX`, in the
/// shared list past it) or a zone (with a hole, sometimes: two parts, so in the shared list)
/// in one of the regions, and a point up to 60 km across one of its edges.
#[derive(Debug, Clone)]
struct ShapeCase {
    geometry: ScopeGeometry,
    p: Position,
}

fn shape_case() -> impl Strategy<Value = ShapeCase> {
    (0..REGIONS.len(), any::<u64>(), any::<bool>(), 2usize..=14, -0.2..1.2f64, -60.0..60.0f64, 0.0..1.0f64).prop_map(
        |(region_idx, seed, is_zone, vertices_count, fraction, turn, offset)| {
            let mut rng = StdRng::seed_from_u64(seed);
            let [lon, lat] = REGIONS[region_idx];
            let start = travel(pos(lon, lat), rng.gen_range(0.0..360.0), rng.gen_range(0.0..20_000.0));
            let (geometry, edges): (ScopeGeometry, Vec<Position>) = match is_zone {
                true => {
                    let boundary = random_zone(&mut rng, start);
                    let ring = boundary.rings()[rng.gen_range(0..boundary.rings().len())].clone();
                    (ScopeGeometry::Zone { boundary }, ring)
                }
                false => {
                    let route = route_of(&mut rng, start, vertices_count);
                    let positions = route.positions().to_vec();
                    (ScopeGeometry::Corridor { route, half_width_m: 0.0 }, positions)
                }
            };
            let edge_idx = rng.gen_range(0..edges.len() - 1);
            let (a, b) = (edges[edge_idx], edges[edge_idx + 1]);
            let (length_m, azimuth_deg, _, _): (f64, f64, f64, f64) =
                wgs84().inverse(a.lat(), a.lon(), b.lat(), b.lon());
            let (along_lat, along_lon, along_azi): (f64, f64, f64) =
                wgs84().direct(a.lat(), a.lon(), azimuth_deg, fraction * length_m);
            // Offsets spread over 0.1 m .. 60 km.
            let p = travel(pos(along_lon, along_lat), along_azi + 90.0 + turn, 0.1 * 600_000.0f64.powf(offset));
            ShapeCase { geometry, p }
        },
    )
}

/// The exact distance to the shape's edges (for a zone, its boundary), by the exact tier.
pub(super) fn edges_distance_exact_m(geometry: &ScopeGeometry, p: Position) -> f64 {
    let parts: Vec<&[Position]> = match geometry {
        ScopeGeometry::Corridor { route, .. } => vec![route.positions()],
        ScopeGeometry::Zone { boundary } => boundary.rings().iter().map(Vec::as_slice).collect(),
    };
    parts
        .iter()
        .flat_map(|part| part.windows(2))
        .map(|pair| segment_distance_exact_m(p, pair[0], pair[1]))
        .fold(f64::INFINITY, f64::min)
}

proptest! {
    #![proptest_config(config(300))]

    /// The fast tier's decision over all of a shape's edges at once (two at a time, by the
    /// least distance, from the header or the shared list): never `Inside` when the exact
    /// distance is beyond the threshold, never `Outside` when it is within, so that the
    /// pre-filter drops no match; and `within` agrees with the exact distance (or, for a
    /// zone, with `distance_to_zone_m`). Thresholds are taken close about the distance.
    #[test]
    fn fast_tier_over_many_edges_decides_only_when_the_exact_distance_agrees(case in shape_case()) {
        let mut shapes = Shapes::default();
        shapes.push(&case.geometry, ScopeWindows::Spilled { start: 0, end: 0 });
        let header = &shapes.headers[0];
        let point = SpherePoint::new(case.p);
        let exact_m = edges_distance_exact_m(&case.geometry, case.p);
        let within_m = match &case.geometry {
            ScopeGeometry::Corridor { .. } => exact_m,
            ScopeGeometry::Zone { boundary } => distance_to_zone_m(case.p, boundary),
        };
        for factor in [0.9, 0.999, 0.999_99, 1.0, 1.000_01, 1.001, 1.1] {
            for shift_m in [-1.0, -0.001, 0.0, 0.001, 1.0] {
                let threshold_m = (exact_m * factor + shift_m).max(0.0);
                let bounds = Bounds::new(header, &point, threshold_m).expect("the fast tier applies");
                let decisions: Vec<Decision> = match header.plane_inline_len {
                    0 => shapes.part_ranges(header).iter().map(|&(start, end)| bounds.classify_part(&shapes.plane[start..end])).collect(),
                    len => vec![bounds.classify_inline(header, usize::from(len))],
                };
                if decisions.contains(&Decision::Inside) {
                    prop_assert!(exact_m <= threshold_m, "inside with exact {} and threshold {}", exact_m, threshold_m);
                }
                if decisions.iter().all(|decision| *decision == Decision::Outside) {
                    prop_assert!(exact_m > threshold_m, "outside with exact {} and threshold {}", exact_m, threshold_m);
                }
                prop_assert_eq!(shapes.within(header, case.p, &point, threshold_m), within_m <= threshold_m);
            }
        }
    }

    /// The clamped distance of the fast tier's hot path against the three cases of
    /// `plane_segment_distance_sq`: equal to rounding, also for segments of no length.
    #[test]
    fn clamped_plane_distance_agrees_with_the_three_cases(
        p in prop::array::uniform2(-0.01..0.01f64),
        a in prop::array::uniform2(-0.01..0.01f64),
        b in prop::array::uniform2(-0.01..0.01f64),
        same in prop::bool::weighted(0.1),
    ) {
        let b = if same { a } else { b };
        let (numerator, denominator) = plane_segment_distance_sq(p, a, b);
        let expected = (numerator / denominator).sqrt();
        let clamped = plane_segment_distance_sq_clamped(p, a, b, inverse_length_sq(a, b)).sqrt();
        prop_assert!((clamped - expected).abs() <= 1e-17, "clamped {} expected {}", clamped, expected);
    }
}
