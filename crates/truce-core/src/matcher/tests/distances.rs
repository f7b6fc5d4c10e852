//! Distances against the densified geodesic reference, the fast tier's bounds, and zones.

use super::*;

/// A random segment of up to `length_m_max` in a region, and a point up to 60 km from a
/// point at a random fraction in -0.2..1.2 along it, roughly across it.
#[derive(Debug, Clone)]
struct SegmentCase {
    p: Position,
    a: Position,
    b: Position,
}

fn segment_case(length_m_max: f64) -> impl Strategy<Value = SegmentCase> {
    (
        0..REGIONS.len(),
        0.0..360.0f64,
        0.0..30_000.0f64,
        0.0..360.0f64,
        0.0..1.0f64,
        -0.2..1.2f64,
        -120.0..120.0f64,
        0.0..1.0f64,
    )
        .prop_map(move |(region_idx, azi_c, off_c, azi_ab, length, fraction, turn, offset)| {
            let [lon, lat] = REGIONS[region_idx];
            let a = travel(pos(lon, lat), azi_c, off_c);
            // Lengths spread over 1 m .. length_m_max on a log scale.
            let length_m = length_m_max.powf(length);
            let b = travel(a, azi_ab, length_m);
            let (along_lat, along_lon, along_azi): (f64, f64, f64) =
                wgs84().direct(a.lat(), a.lon(), azi_ab, fraction * length_m);
            // Offsets spread over 0.1 m .. 60 km.
            let p = travel(pos(along_lon, along_lat), along_azi + 90.0 + turn, 0.1 * 600_000.0f64.powf(offset));
            SegmentCase { p, a, b }
        })
}

#[test]
fn wgs84_eccentricity_is_the_square_root_of_e2() {
    assert!((WGS84_E - WGS84_E2.sqrt()).abs() < 1e-16);
}

#[test]
fn conformal_scale_and_its_slope_stay_within_the_bounds_used() {
    let step_deg = 0.01;
    let mut previous: Option<SpherePoint> = None;
    for step_idx in 0..=18_000 {
        let lat = -90.0 + step_deg * f64::from(step_idx);
        let point = SpherePoint::new(pos(33.0, lat));
        assert!(point.k * WGS84_A_M >= 1.0 - 1e-12, "k too small at {lat}");
        assert!(point.k < K_MAX, "k too large at {lat}");
        assert!((norm(point.v) - 1.0).abs() < 1e-15);
        if let Some(before) = previous {
            // The slope of ln k per radian of conformal latitude (the angle on the sphere).
            let conformal_step = chord_angle(norm(sub(point.v, before.v)));
            let slope = (point.k / before.k).ln().abs() / conformal_step;
            assert!(slope < 0.0034, "slope {slope} at {lat}");
        }
        previous = Some(point);
    }
}

#[test]
fn series_agree_with_the_library_functions() {
    for step_idx in 0..=1000 {
        let z = WGS84_E * (f64::from(step_idx) / 500.0 - 1.0);
        let library = (WGS84_E * z.atanh()).sinh();
        assert!((sinh_e_atanh(z) - library).abs() <= 1e-17, "at {z}");
        let angle = 0.01 * f64::from(step_idx) / 1000.0;
        let cap = CapAngle::new(angle);
        // Within rounding, far below the boxes' margin of BOX_EPS.
        assert!((cap.sin - angle.sin()).abs() <= 1e-17, "at {angle}");
        assert!((cap.one_minus_cos - (1.0 - angle.cos())).abs() <= 1e-16, "at {angle}");
    }
}

#[test]
fn spatial_order_sorts_every_probe_once_along_a_z_curve() {
    assert_eq!(z_order(0b101, 0b011), 0b01_10_11);
    assert_eq!(z_order(0xfff, 0), 0x55_5555);
    let mut rng = StdRng::seed_from_u64(SEED);
    let probes: Vec<IncidentProbe> = (0..2_000)
        .map(|_| {
            let position = pos(rng.gen_range(-180.0..=180.0), rng.gen_range(-90.0..=90.0));
            IncidentProbe::new(position, 0.0, at(1), at(1)).expect("a probe")
        })
        .collect();
    let (mut order, mut scratch) = (Vec::new(), Vec::new());
    spatial_order(&probes, &mut order, &mut scratch);
    assert!(order.windows(2).all(|pair| pair[0] >> 32 <= pair[1] >> 32));
    let mut probe_idxs: Vec<u64> = order.iter().map(|key| key & 0xffff_ffff).collect();
    probe_idxs.sort_unstable();
    assert!(probe_idxs.iter().copied().eq(0..2_000));
}

#[test]
fn both_ends_of_the_antimeridian_are_the_same_point() {
    let east = SpherePoint::new(pos(180.0, 12.5)).v;
    let west = SpherePoint::new(pos(-180.0, 12.5)).v;
    assert!(norm(sub(east, west)) < 1e-15);
}

/// Angle from the unit vector `v` to the great-circle arc from `a` to `b`, radians,
/// computed in 3-D (the matcher itself works in a projection).
fn angle_to_arc(v: V3, a: V3, b: V3) -> f64 {
    let normal = cross(a, b);
    let normal_norm = norm(normal);
    let ends = chord_angle(norm(sub(v, a)).min(norm(sub(v, b))));
    if normal_norm == 0.0 {
        return ends;
    }
    let n = scale(normal, 1.0 / normal_norm);
    if dot(v, cross(n, a)) > 0.0 && dot(v, cross(b, n)) > 0.0 {
        return dot(v, n).abs().min(1.0).asin();
    }
    ends
}

/// A shape store holding one route of one segment, for the fast tier's own tests.
fn one_segment(a: Position, b: Position) -> Shapes {
    let route = LineString::new(vec![a, b]).expect("a route");
    let mut shapes = Shapes::default();
    shapes.push(&ScopeGeometry::Corridor { route, half_width_m: 0.0 }, ScopeWindows::Spilled { start: 0, end: 0 });
    shapes
}

proptest! {
    #![proptest_config(config(400))]

    /// The measured departure must stay below half the bound used, for every segment the
    /// fast tier handles (up to FAST_ANGLE_MAX, about 640 km). For the shortest segments the
    /// unit vectors' rounding dominates, which `ANGLE_EPS` covers.
    #[test]
    fn ellipsoidal_geodesics_stay_within_half_the_deviation_bound(case in segment_case(640_000.0)) {
        let arc = Arc::new(SpherePoint::new(case.a).v, SpherePoint::new(case.b).v);
        prop_assume!(arc.fast());
        let geod = wgs84();
        let (length_m, azimuth_deg, _, _): (f64, f64, f64, f64) =
            geod.inverse(case.a.lat(), case.a.lon(), case.b.lat(), case.b.lon());
        let mut departure_max: f64 = 0.0;
        for step_idx in 1..100 {
            let along_m = length_m * f64::from(step_idx) / 100.0;
            let (lat, lon): (f64, f64) = geod.direct(case.a.lat(), case.a.lon(), azimuth_deg, along_m);
            departure_max = departure_max.max(angle_to_arc(SpherePoint::new(pos(lon, lat)).v, arc.a, arc.b));
        }
        // For segments of a metre or so, the cross product of two nearly parallel unit
        // vectors in `angle_to_arc` loses about 1e-16 / angle of relative precision (seen:
        // 1.2e-10 rad for a 1 m segment), so the rounding allowance is half of ANGLE_EPS:
        // still a factor of two inside the margin the fast tier adds (deviation + ANGLE_EPS).
        prop_assert!(departure_max <= arc.deviation() / 2.0 + ANGLE_EPS / 2.0,
            "departure {departure_max} for an angle of {}", arc.angle);
    }

    #[test]
    fn exact_segment_distance_agrees_with_the_densified_reference(case in segment_case(200_000.0)) {
        let exact_m = segment_distance_exact_m(case.p, case.a, case.b);
        let reference_m = reference_segment_distance_m(case.p, case.a, case.b);
        // The reference is a distance to a real point of the segment, so it is never below
        // the true distance; the exact one may not undercut it by more than rounding.
        prop_assert!(exact_m <= reference_m + 1e-6, "exact {exact_m} reference {reference_m}");
        prop_assert!(reference_m - exact_m <= 0.1, "exact {exact_m} reference {reference_m}");
        prop_assert!((reference_m - exact_m).abs() <= tolerance_m(reference_m));
    }

    /// Whatever the fast tier decides, the exact distance agrees; and it decides unless the
    /// threshold is within a small band about the distance.
    #[test]
    fn fast_tier_decides_only_when_the_exact_distance_agrees(case in segment_case(200_000.0)) {
        let shapes = one_segment(case.a, case.b);
        let header = &shapes.headers[0];
        let point = SpherePoint::new(case.p);
        let exact_m = segment_distance_exact_m(case.p, case.a, case.b);
        let slack_m = 2.0 * header.deviation / point.k + 0.01;
        for factor in [0.9, 0.995, 0.999_9, 1.0, 1.000_1, 1.005, 1.1] {
            for shift_m in [-10.0, -0.01, 0.0, 0.01, 10.0] {
                let threshold_m = (exact_m * factor + shift_m).max(0.0);
                let bounds = Bounds::new(header, &point, threshold_m).expect("the fast tier applies");
                match bounds.classify(shapes.plane[0], shapes.plane[1]) {
                    Decision::Inside => prop_assert!(exact_m <= threshold_m),
                    Decision::Outside => prop_assert!(exact_m > threshold_m),
                    Decision::Unsure => prop_assert!(
                        (exact_m - threshold_m).abs() <= 1e-3 * threshold_m.max(exact_m) + slack_m,
                        "unsure with exact {exact_m} and threshold {threshold_m}"
                    ),
                }
                prop_assert_eq!(
                    shapes.within(header, case.p, &point, threshold_m),
                    exact_m <= threshold_m
                );
            }
        }
    }
}

#[test]
fn distance_to_a_point_north_of_an_equatorial_segment_is_the_meridian_arc() {
    // The equator is a geodesic and, by symmetry, the closest point is straight south.
    let route = LineString::new(vec![pos(-1.0, 0.0), pos(1.0, 0.0)]).expect("a route");
    for lat in [0.000_01, 0.01, 0.1, 0.5] {
        let expected_m = geodesic_distance_m(pos(0.3, 0.0), pos(0.3, lat));
        let actual_m = distance_to_route_m(pos(0.3, lat), &route);
        assert!((actual_m - expected_m).abs() < 1e-6, "{actual_m} vs {expected_m}");
    }
}

#[test]
fn distance_past_the_end_of_a_route_is_the_distance_to_its_end() {
    let route = LineString::new(vec![pos(37.0, 36.0), pos(37.1, 36.0), pos(37.1, 36.1)]).expect("a route");
    let beyond = pos(37.1, 36.2);
    let expected_m = geodesic_distance_m(beyond, pos(37.1, 36.1));
    assert!((distance_to_route_m(beyond, &route) - expected_m).abs() < 1e-6);
    let before = pos(36.9, 36.0);
    let expected_m = geodesic_distance_m(before, pos(37.0, 36.0));
    assert!((distance_to_route_m(before, &route) - expected_m).abs() < 1e-6);
}

#[test]
fn a_route_across_the_antimeridian_is_near_points_on_both_sides() {
    let route = LineString::new(vec![pos(179.9, 10.0), pos(-179.9, 10.0)]).expect("a route");
    for probe in [pos(180.0, 10.001), pos(-179.95, 9.999), pos(179.95, 10.0005)] {
        let actual_m = distance_to_route_m(probe, &route);
        let reference_m = reference_route_distance_m(probe, &route);
        assert!(actual_m < 150.0, "{actual_m}");
        assert!((actual_m - reference_m).abs() < 0.01, "{actual_m} vs {reference_m}");
    }
}

#[test]
fn a_route_over_the_pole_is_near_points_around_the_pole() {
    // From 0°E to 180°E at 89.9°N: the geodesic runs over the North Pole.
    let route = LineString::new(vec![pos(0.0, 89.9), pos(180.0, 89.9)]).expect("a route");
    let cases = [(pos(90.0, 89.95), 5_580.0), (pos(-90.0, 89.99), 1_120.0), (pos(45.0, 90.0), 0.0)];
    for (probe, about_m) in cases {
        let actual_m = distance_to_route_m(probe, &route);
        let reference_m = reference_route_distance_m(probe, &route);
        assert!((actual_m - reference_m).abs() < 0.01, "{actual_m} vs {reference_m}");
        assert!((actual_m - about_m).abs() < 20.0, "{actual_m} vs about {about_m}");
    }
}

fn square(center: Position, half_side_m: f64) -> Vec<Position> {
    let corners: Vec<Position> =
        [45.0, 135.0, 225.0, 315.0].iter().map(|azi| travel(center, *azi, half_side_m * 2f64.sqrt())).collect();
    vec![corners[0], corners[1], corners[2], corners[3], corners[0]]
}

#[test]
fn zone_distance_is_zero_inside_and_to_the_boundary_outside() {
    let center = pos(37.16, 36.2);
    let zone = Polygon::new(vec![square(center, 2_000.0), square(center, 500.0)]).expect("a polygon with a hole");
    let check = |probe: Position, expected: &str| {
        let distance_m = distance_to_zone_m(probe, &zone);
        let reference_m = match distance_m {
            0.0 => 0.0,
            _ => zone
                .rings()
                .iter()
                .flat_map(|ring| ring.windows(2))
                .map(|pair| reference_segment_distance_m(probe, pair[0], pair[1]))
                .fold(f64::INFINITY, f64::min),
        };
        assert!((distance_m - reference_m).abs() < 0.01, "{distance_m} vs {reference_m}");
        assert_eq!(format!("{distance_m:.0}"), expected, "at {probe:?}");
    };
    check(travel(center, 0.0, 1_000.0), "0");
    check(travel(center, 90.0, 1_990.0), "0");
    check(travel(center, 90.0, 2_010.0), "10");
    check(travel(center, 90.0, 3_000.0), "1000");
    // In the hole, 100 m from its edge.
    check(travel(center, 270.0, 400.0), "100");
    check(center, "500");
}

#[test]
fn a_zone_around_the_north_pole_holds_the_pole() {
    let ring: Vec<Position> = [0.0, 90.0, 180.0, -90.0, 0.0].iter().map(|lon| pos(*lon, 89.9)).collect();
    let zone = Polygon::new(vec![ring]).expect("a polygon");
    assert_eq!(distance_to_zone_m(pos(0.0, 90.0), &zone), 0.0);
    assert_eq!(distance_to_zone_m(pos(137.0, 89.95), &zone), 0.0);
    let outside_m = distance_to_zone_m(pos(45.0, 89.8), &zone);
    assert!((outside_m - reference_route_distance_m(pos(45.0, 89.8), &line(&zone))).abs() < 0.01);
    assert!(outside_m > 1_000.0);
}

#[test]
fn a_zone_across_the_antimeridian_holds_points_on_both_sides() {
    let ring = vec![pos(179.9, -17.0), pos(-179.9, -17.0), pos(-179.9, -16.9), pos(179.9, -16.9), pos(179.9, -17.0)];
    let zone = Polygon::new(vec![ring]).expect("a polygon");
    assert_eq!(distance_to_zone_m(pos(180.0, -16.95), &zone), 0.0);
    assert_eq!(distance_to_zone_m(pos(-179.95, -16.95), &zone), 0.0);
    assert_eq!(distance_to_zone_m(pos(179.95, -16.95), &zone), 0.0);
    let outside_m = distance_to_zone_m(pos(179.8, -16.95), &zone);
    assert!((outside_m - geodesic_distance_m(pos(179.8, -16.95), pos(179.9, -16.95))).abs() < 1.0);
}

/// The exterior ring as a route, for reference distances to it.
fn line(zone: &Polygon) -> LineString {
    LineString::new(zone.exterior().to_vec()).expect("a ring is a route")
}
