//! Matcher tests: distances against references computed independently (a densified search
//! along the geodesic, using geographiclib's Direct and Inverse as black boxes), the bounds
//! the fast tier relies on, zones, window boundaries, and the R-tree matcher against a
//! brute-force scan, near the antimeridian and the poles as well as in mid-latitudes.

use chrono::{TimeZone, Utc};
use geographiclib_rs::{DirectGeodesic, InverseGeodesic};
use proptest::{
    prelude::*,
    test_runner::{Config, RngAlgorithm, RngSeed},
};
use rand::{rngs::StdRng, Rng, SeedableRng};

use super::*;
use crate::vocab::geometry::geodesic_distance_m;

mod buckets;

const SEED: u64 = 0x6d61_7463_6865_7221;

/// Centres of the regions the random cases are drawn around, `[lon, lat]`: mid-latitudes
/// (Aleppo), the equator, the antimeridian, high latitudes and both poles.
const REGIONS: [[f64; 2]; 7] =
    [[37.16, 36.2], [0.0, 0.0], [180.0, 10.0], [-179.99, -45.0], [25.0, 70.0], [0.0, 89.95], [120.0, -89.9]];

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(SEED),
        ..Config::default()
    }
}

fn pos(lon: f64, lat: f64) -> Position {
    Position::new(lon, lat).expect("a test position is in range")
}

/// The point `distance_m` from `from` at `azimuth_deg`.
fn travel(from: Position, azimuth_deg: f64, distance_m: f64) -> Position {
    let (lat, lon): (f64, f64) = wgs84().direct(from.lat(), from.lon(), azimuth_deg, distance_m);
    pos(lon, lat)
}

/// The reference point-to-segment distance: the least Inverse distance over points 1/2000
/// of the segment apart, then over points 1/500 of that apart around the best. It uses no
/// azimuths, no derivatives and no iteration; it overestimates by at most the sagitta of
/// half a fine step (under 0.1 m for a 200 km segment).
fn reference_segment_distance_m(p: Position, a: Position, b: Position) -> f64 {
    let geod = wgs84();
    let (length_m, azimuth_deg, _, _): (f64, f64, f64, f64) = geod.inverse(a.lat(), a.lon(), b.lat(), b.lon());
    let at = |along_m: f64| {
        let (lat, lon): (f64, f64) = geod.direct(a.lat(), a.lon(), azimuth_deg, along_m.clamp(0.0, length_m));
        let distance_m: f64 = geod.inverse(lat, lon, p.lat(), p.lon());
        distance_m
    };
    let coarse_step_m = length_m / 2000.0;
    let mut best_along_m = 0.0;
    let mut best_m = f64::INFINITY;
    for step_idx in 0..=2000 {
        let along_m = coarse_step_m * f64::from(step_idx);
        let distance_m = at(along_m);
        if distance_m < best_m {
            best_m = distance_m;
            best_along_m = along_m;
        }
    }
    let fine_step_m = coarse_step_m / 500.0;
    for step_idx in -500..=500 {
        best_m = best_m.min(at(best_along_m + fine_step_m * f64::from(step_idx)));
    }
    best_m
}

fn reference_route_distance_m(p: Position, route: &LineString) -> f64 {
    route
        .positions()
        .windows(2)
        .map(|pair| reference_segment_distance_m(p, pair[0], pair[1]))
        .fold(f64::INFINITY, f64::min)
}

/// docs/design.md section 5: 0.5 % or 5 m, whichever is larger.
fn tolerance_m(distance_m: f64) -> f64 {
    (0.005 * distance_m).max(5.0)
}

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

fn at(hour: u32) -> Timestamp {
    Timestamp::from_datetime(Utc.with_ymd_and_hms(2016, 12, 12, hour, 0, 0).single().expect("a valid time"))
}

fn window(start_h: u32, end_h: u32) -> Window {
    Window::new(at(start_h), at(end_h)).expect("a valid window")
}

#[test]
fn windows_include_their_start_and_exclude_their_end() {
    let route = LineString::new(vec![pos(37.0, 36.0), pos(37.1, 36.0)]).expect("a route");
    let scope = Scope::corridor("c".to_owned(), route, 500.0, vec![window(8, 12), window(14, 16)]).expect("a scope");
    let matcher = Matcher::new(vec![scope]);
    let check = |start_h: u32, end_h: u32| {
        let probe = IncidentProbe::new(pos(37.05, 36.0), 0.0, at(start_h), at(end_h)).expect("a probe");
        let mut out = Vec::new();
        matcher.matches(&probe, &mut out);
        !out.is_empty()
    };
    // Instants.
    assert!(!check(7, 7));
    assert!(check(8, 8), "an instant at the start is inside");
    assert!(check(11, 11));
    assert!(!check(12, 12), "an instant at the end is outside");
    assert!(!check(13, 13));
    assert!(check(14, 14));
    assert!(!check(16, 16));
    // Intervals.
    assert!(!check(6, 8), "an interval ending at the start shares no instant");
    assert!(check(6, 9));
    assert!(!check(12, 14), "an interval from one end to the next start shares no instant");
    assert!(check(12, 15));
    assert!(check(9, 10));
    assert!(check(0, 23));
    assert!(!check(16, 20));
}

#[test]
fn probes_and_scopes_refuse_bad_values() {
    let here = pos(37.0, 36.0);
    let check = |result: Result<IncidentProbe, MatcherError>, expected: &str| {
        assert_eq!(result.map(|_| "ok".to_owned()).unwrap_or_else(|err| err.to_string()), expected);
    };
    check(IncidentProbe::new(here, -1.0, at(1), at(2)), "uncertainty_m is -1, expected a finite number of at least 0");
    check(
        IncidentProbe::new(here, f64::NAN, at(1), at(2)),
        "uncertainty_m is NaN, expected a finite number of at least 0",
    );
    check(
        IncidentProbe::new(here, 0.0, at(2), at(1)),
        "the incident ends at 2016-12-12T01:00:00Z, before it starts at 2016-12-12T02:00:00Z",
    );
    check(IncidentProbe::new(here, 0.0, at(2), at(2)), "ok");
    let route = LineString::new(vec![pos(37.0, 36.0), pos(37.1, 36.0)]).expect("a route");
    let scope = Scope::corridor("c".to_owned(), route.clone(), f64::INFINITY, vec![]);
    assert_eq!(
        scope.map(|_| ()).unwrap_err().to_string(),
        "half_width_m is inf, expected a finite number from 0 to 50000"
    );
    let windows = vec![window(1, 2); WINDOWS_PER_SCOPE_MAX + 1];
    let scope = Scope::corridor("c".to_owned(), route, 10.0, windows);
    assert_eq!(scope.map(|_| ()).unwrap_err().to_string(), "101 windows, at most 100 allowed");
}

/// A random set of scopes around `center` and probes among them, some of them placed just
/// inside or outside a scope's threshold so that the exact tier is exercised.
struct MatcherCase {
    scopes: Vec<Scope>,
    probes: Vec<IncidentProbe>,
}

fn random_route(rng: &mut StdRng, start: Position) -> LineString {
    let vertices_count = rng.gen_range(2..=10);
    let mut positions = vec![start];
    let mut azimuth_deg: f64 = rng.gen_range(0.0..360.0);
    for _ in 1..vertices_count {
        azimuth_deg += rng.gen_range(-60.0..60.0);
        let last = *positions.last().expect("a route has a start");
        positions.push(travel(last, azimuth_deg, rng.gen_range(200.0..5_000.0)));
    }
    LineString::new(positions).expect("a random route")
}

fn random_zone(rng: &mut StdRng, center: Position) -> Polygon {
    let vertices_count = rng.gen_range(3..=8);
    let radius_m: f64 = rng.gen_range(300.0..3_000.0);
    // A star-shaped ring around the centre: increasing azimuths keep it simple.
    let ring_at = |rng: &mut StdRng, factor: f64| {
        let mut ring: Vec<Position> = (0..vertices_count)
            .map(|vertex_idx| {
                let azimuth_deg = 360.0 * f64::from(vertex_idx) / f64::from(vertices_count) + rng.gen_range(0.0..20.0);
                travel(center, azimuth_deg, factor * radius_m * rng.gen_range(0.7..1.0))
            })
            .collect();
        ring.push(ring[0]);
        ring
    };
    let mut rings = vec![ring_at(rng, 1.0)];
    if rng.gen_bool(0.3) {
        // Small enough to stay inside the outer ring however jagged: a zone is refused
        // whose hole leaves it.
        let mut hole = ring_at(rng, 0.1);
        hole.reverse();
        rings.push(hole);
    }
    Polygon::new(rings).expect("a random zone")
}

fn random_windows(rng: &mut StdRng) -> Vec<Window> {
    (0..rng.gen_range(0..=3))
        .map(|_| {
            let start_h = rng.gen_range(0..20);
            window(start_h, rng.gen_range(start_h + 1..=23))
        })
        .collect()
}

fn matcher_case(rng: &mut StdRng, center: Position) -> MatcherCase {
    let mut scopes = Vec::new();
    for scope_idx in 0..60 {
        let start = travel(center, rng.gen_range(0.0..360.0), rng.gen_range(0.0..25_000.0));
        let id = format!("s{scope_idx}");
        let scope = if rng.gen_bool(0.6) {
            let half_width_m = rng.gen_range(100.0..2_000.0);
            Scope::corridor(id, random_route(rng, start), half_width_m, random_windows(rng))
        } else {
            Scope::zone(id, random_zone(rng, start), random_windows(rng))
        };
        scopes.push(scope.expect("a random scope"));
    }
    let mut probes = Vec::new();
    for _ in 0..150 {
        let start_h = rng.gen_range(0..23);
        let end_h = if rng.gen_bool(0.5) { start_h } else { rng.gen_range(start_h..=23) };
        let uncertainty_m = if rng.gen_bool(0.2) { 0.0 } else { rng.gen_range(0.0..5_000.0) };
        let position = if rng.gen_bool(0.5) {
            travel(center, rng.gen_range(0.0..360.0), rng.gen_range(0.0..30_000.0))
        } else {
            let scope_idx = rng.gen_range(0..scopes.len());
            near_threshold(rng, &scopes[scope_idx], uncertainty_m)
        };
        probes.push(IncidentProbe::new(position, uncertainty_m, at(start_h), at(end_h)).expect("a random probe"));
    }
    MatcherCase { scopes, probes }
}

/// A point about the threshold away from a vertex of the scope, give or take a little, at a
/// right angle to the edge there.
fn near_threshold(rng: &mut StdRng, scope: &Scope, uncertainty_m: f64) -> Position {
    let (positions, threshold_m) = match scope.geometry() {
        ScopeGeometry::Corridor { route, half_width_m } => (route.positions(), half_width_m + uncertainty_m),
        ScopeGeometry::Zone { boundary } => (boundary.exterior(), uncertainty_m),
    };
    let vertex_idx = rng.gen_range(0..positions.len() - 1);
    let (_, azimuth_deg, _, _): (f64, f64, f64, f64) = wgs84().inverse(
        positions[vertex_idx].lat(),
        positions[vertex_idx].lon(),
        positions[vertex_idx + 1].lat(),
        positions[vertex_idx + 1].lon(),
    );
    let side = if rng.gen_bool(0.5) { 90.0 } else { -90.0 };
    let jitter_m = rng.gen_range(-0.05..0.05) + threshold_m * rng.gen_range(-1e-4..1e-4);
    travel(positions[vertex_idx], azimuth_deg + side, (threshold_m + jitter_m).max(0.0))
}

/// The scopes `probe` matches, by checking every one; and how many of them had a distance
/// within 0.1 m of their threshold, where the fast tier cannot decide.
fn brute_force(scopes: &[Scope], probe: &IncidentProbe) -> (Vec<usize>, usize) {
    let mut matched = Vec::new();
    let mut close_calls_count = 0;
    for (scope_idx, scope) in scopes.iter().enumerate() {
        if !scope.windows().iter().any(|window| probe.overlaps(window)) {
            continue;
        }
        let (distance_m, threshold_m) = match scope.geometry() {
            ScopeGeometry::Corridor { route, half_width_m } => {
                (distance_to_route_m(probe.position(), route), half_width_m + probe.uncertainty_m())
            }
            ScopeGeometry::Zone { boundary } => (distance_to_zone_m(probe.position(), boundary), probe.uncertainty_m()),
        };
        if (distance_m - threshold_m).abs() < 0.1 {
            close_calls_count += 1;
        }
        if distance_m <= threshold_m {
            matched.push(scope_idx);
        }
    }
    (matched, close_calls_count)
}

#[test]
fn matcher_returns_the_same_scopes_as_a_brute_force_scan_everywhere() {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut matches_count = 0;
    let mut close_calls_count = 0;
    for [lon, lat] in REGIONS {
        let case = matcher_case(&mut rng, pos(lon, lat));
        let matcher = Matcher::new(case.scopes.clone());
        let mut batch = vec![None; case.probes.len()];
        matcher.matches_batch(&case.probes, &mut |probe_idx, scope_idxs| {
            assert!(batch[probe_idx].is_none(), "probe {probe_idx} visited twice");
            batch[probe_idx] = Some(scope_idxs.to_vec());
        });
        let mut out = Vec::new();
        for (probe, batch_out) in case.probes.iter().zip(batch) {
            matcher.matches(probe, &mut out);
            let (expected, close_calls) = brute_force(&case.scopes, probe);
            assert_eq!(out, expected, "region [{lon}, {lat}], probe {probe:?}");
            assert_eq!(batch_out, Some(expected), "matches_batch, region [{lon}, {lat}], probe {probe:?}");
            matches_count += out.len();
            close_calls_count += close_calls;
        }
    }
    // The cases must not be vacuous, and must reach the exact tier.
    assert!(matches_count > 300, "{matches_count} matches only");
    assert!(close_calls_count > 50, "{close_calls_count} close calls only");
}

#[test]
fn matcher_finds_nothing_without_scopes_and_reports_scopes_by_index() {
    let probe = IncidentProbe::new(pos(0.0, 0.0), 100.0, at(1), at(1)).expect("a probe");
    let mut out = vec![7];
    Matcher::new(Vec::new()).matches(&probe, &mut out);
    assert!(out.is_empty());
    let route = LineString::new(vec![pos(-0.01, 0.0), pos(0.01, 0.0)]).expect("a route");
    let scope = Scope::corridor("c-1".to_owned(), route, 10.0, vec![window(0, 2)]).expect("a scope");
    let matcher = Matcher::new(vec![scope.clone(), scope]);
    matcher.matches(&probe, &mut out);
    assert_eq!(out, vec![0, 1]);
    assert_eq!(matcher.scope(1).id(), "c-1");
    assert_eq!(matcher.len(), 2);
}

// The packed R-tree, the windows in whole seconds, the fast tier's edges tested together,
// and the groups of `matches_batch`: each against a plain computation of the same thing.

/// A box centred in -1..1 on every axis, with sides up to `side_max`.
fn random_box(rng: &mut StdRng, side_max: f32) -> QueryBox {
    let center: [f32; 3] = [0, 1, 2].map(|_| rng.gen_range(-1.0..1.0));
    let half: [f32; 3] = [0, 1, 2].map(|_| rng.gen_range(0.0..side_max) / 2.0);
    QueryBox {
        lower: [0, 1, 2].map(|axis| center[axis] - half[axis]),
        upper: [0, 1, 2].map(|axis| center[axis] + half[axis]),
    }
}

fn boxes_meet(a: &QueryBox, b: &QueryBox) -> bool {
    (0..3).all(|axis| a.lower[axis] <= b.upper[axis] && b.lower[axis] <= a.upper[axis])
}

#[test]
fn packed_tree_finds_each_entry_whose_box_meets_the_query_once() {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut gathered = Gathered::default();
    let mut overflows_count = 0;
    for entries_count in [0, 1, 7, 8, 9, 63, 64, 65, 511, 512, 513, 4_000] {
        let boxes: Vec<QueryBox> = (0..entries_count).map(|_| random_box(&mut rng, 0.2)).collect();
        let (tree, order) = PackedTree::new(&boxes);
        let mut entry_idxs = order.clone();
        entry_idxs.sort_unstable();
        assert!(entry_idxs.into_iter().eq(0..entries_count), "the leaf order is a permutation");
        for query_idx in 0..40 {
            // Some large enough to find more than a group may hold.
            let query = random_box(&mut rng, if query_idx % 4 == 0 { 2.0 } else { 0.6 });
            // Shape `shape_idx` is entry `order[shape_idx]`.
            let expected: Vec<u32> = (0..entries_count)
                .filter(|&shape_idx| boxes_meet(&boxes[order[shape_idx]], &query))
                .map(|i| i as u32)
                .collect();
            let mut found = Vec::new();
            tree.walk(&query, |_, mut hits, first| {
                while hits != 0 {
                    found.push(first + hits.trailing_zeros());
                    hits &= hits - 1;
                }
            });
            found.sort_unstable();
            assert_eq!(found, expected, "{entries_count} entries");
            match tree.gather(&query, &mut gathered) {
                true => {
                    let mut gathered_found = Vec::new();
                    for (node, shape_idxs) in gathered.nodes.iter().zip(gathered.shape_idxs.chunks_exact(TREE_LANES)) {
                        let hits = node.hits(&query);
                        gathered_found
                            .extend((0..TREE_LANES).filter(|lane| hits >> lane & 1 == 1).map(|lane| shape_idxs[lane]));
                    }
                    gathered_found.sort_unstable();
                    assert_eq!(gathered_found, expected, "{entries_count} entries, gathered");
                }
                false => {
                    assert!(expected.len() >= GROUP_ENTRIES_MAX);
                    overflows_count += 1;
                }
            }
        }
    }
    assert!(overflows_count > 0, "the cases must reach the limit of a group");
}

/// Instants within 12 seconds, on whole seconds half the time: windows and probes that
/// start, end and touch at the same instants, or within the same second, often.
fn instant() -> impl Strategy<Value = Timestamp> {
    (0..12i64, prop_oneof![Just(0u32), 0..1_000_000_000u32]).prop_map(|(seconds, nanos)| {
        let base = at(10).as_datetime();
        Timestamp::from_datetime(
            base + chrono::Duration::seconds(seconds) + chrono::Duration::nanoseconds(i64::from(nanos)),
        )
    })
}

fn windows_strategy() -> impl Strategy<Value = Vec<Window>> {
    prop::collection::vec((instant(), instant()), 1..6)
        .prop_map(|pairs| pairs.into_iter().filter_map(|(a, b)| Window::new(a.min(b), a.max(b)).ok()).collect())
}

/// Whether a probe with these times, on a corridor's route, matches the corridor open in
/// `windows`: the geometry always matches, so this is the matcher's test in time.
fn matches_in_time(windows: &[Window], start: Timestamp, end: Timestamp) -> bool {
    let route = LineString::new(vec![pos(-0.01, 0.0), pos(0.01, 0.0)]).expect("a route");
    let scope = Scope::corridor("c".to_owned(), route, 100.0, windows.to_vec()).expect("a scope");
    let matcher = Matcher::new(vec![scope]);
    let probe = IncidentProbe::new(pos(0.0, 0.0), 0.0, start, end).expect("a probe");
    let mut out = Vec::new();
    matcher.matches(&probe, &mut out);
    let mut batch = None;
    matcher.matches_batch(&[probe], &mut |_, scope_idxs| batch = Some(scope_idxs.to_vec()));
    assert_eq!(batch.as_ref(), Some(&out), "matches_batch agrees");
    !out.is_empty()
}

proptest! {
    #![proptest_config(config(1_000))]

    /// Windows merged, stored in whole seconds (or, with fractions, as they are) and compared
    /// with the probe's time rounded as `ProbeTime` says: the same answer as
    /// `IncidentProbe::overlaps` on the windows given.
    #[test]
    fn windows_in_whole_seconds_overlap_a_probe_exactly_when_the_given_windows_do(
        windows in windows_strategy(),
        a in instant(),
        b in instant(),
        instant_probe in any::<bool>(),
    ) {
        let (start, end) = match instant_probe {
            true => (a, a),
            false => (a.min(b), a.max(b)),
        };
        let probe = IncidentProbe::new(pos(0.0, 0.0), 0.0, start, end).expect("a probe");
        let expected = windows.iter().any(|window| probe.overlaps(window));
        prop_assert_eq!(matches_in_time(&windows, start, end), expected);
    }
}

#[test]
fn merged_windows_keep_the_instants_of_those_given() {
    let merged = merged_windows(&[window(8, 10), window(14, 16), window(9, 12), window(12, 13), window(1, 2)]);
    assert_eq!(merged, vec![window(1, 2), window(8, 13), window(14, 16)]);
    assert_eq!(merged_windows(&[window(3, 9), window(4, 5)]), vec![window(3, 9)]);
}

#[test]
fn a_leap_second_falls_after_its_whole_second_and_before_the_next_day() {
    let leap = |nanos: u32| {
        let naive = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|date| date.and_hms_nano_opt(23, 59, 59, nanos))
            .expect("a leap second");
        Timestamp::from_datetime(Utc.from_utc_datetime(&naive))
    };
    let next_day = Timestamp::from_datetime(Utc.with_ymd_and_hms(2017, 1, 1, 0, 0, 0).single().expect("a time"));
    let before = leap(0);
    let during = leap(1_500_000_000);
    let later = Timestamp::from_datetime(next_day.as_datetime() + chrono::Duration::hours(1));
    let cases = [
        (Window::new(before, next_day), during, during, true),
        (Window::new(next_day, later), during, during, false),
        (Window::new(before, during), during, during, false),
        (Window::new(during, next_day), during, during, true),
        (Window::new(next_day, later), during, next_day, false),
        (Window::new(next_day, later), before, later, true),
        (Window::new(before, during), leap(1_200_000_000), next_day, true),
    ];
    for (window, start, end, expected) in cases {
        let window = window.expect("a window");
        let probe = IncidentProbe::new(pos(0.0, 0.0), 0.0, start, end).expect("a probe");
        assert_eq!(probe.overlaps(&window), expected, "{window:?} {start} {end}");
        assert_eq!(matches_in_time(&[window], start, end), expected, "{window:?} {start} {end}");
    }
}

/// A route of `vertices_count` vertices from `start`, edges of 200 m to 20 km.
fn route_of(rng: &mut StdRng, start: Position, vertices_count: usize) -> LineString {
    let mut positions = vec![start];
    let mut azimuth_deg: f64 = rng.gen_range(0.0..360.0);
    for _ in 1..vertices_count {
        azimuth_deg += rng.gen_range(-90.0..90.0);
        let last = *positions.last().expect("a route has a start");
        positions.push(travel(last, azimuth_deg, rng.gen_range(200.0..20_000.0)));
    }
    LineString::new(positions).expect("a random route")
}

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
fn edges_distance_exact_m(geometry: &ScopeGeometry, p: Position) -> f64 {
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

/// Many scopes within 3 km and probes among them with uncertainties of kilometres, where a
/// group's walk finds more than `GROUP_ENTRIES_MAX` entries and its probes walk the tree one
/// by one, and probes far apart, each a group of its own.
#[test]
fn matches_batch_agrees_with_matches_where_groups_overflow_and_where_they_do_not() {
    let mut rng = StdRng::seed_from_u64(SEED);
    let center = pos(37.16, 36.2);
    let scopes: Vec<Scope> = (0..700)
        .map(|scope_idx| {
            let start = travel(center, rng.gen_range(0.0..360.0), rng.gen_range(0.0..3_000.0));
            let windows = vec![window(0, 23)];
            let scope = match rng.gen_bool(0.5) {
                true => Scope::corridor(format!("c{scope_idx}"), route_of(&mut rng, start, 3), 100.0, windows),
                false => Scope::zone(format!("z{scope_idx}"), random_zone(&mut rng, start), windows),
            };
            scope.expect("a scope")
        })
        .collect();
    let probes: Vec<IncidentProbe> = (0..240)
        .map(|probe_idx| {
            let distance_m =
                if probe_idx % 4 == 0 { rng.gen_range(20_000.0..200_000.0) } else { rng.gen_range(0.0..4_000.0) };
            let position = travel(center, rng.gen_range(0.0..360.0), distance_m);
            IncidentProbe::new(position, rng.gen_range(0.0..4_000.0), at(5), at(5)).expect("a probe")
        })
        .collect();
    let matcher = Matcher::new(scopes.clone());
    // The dense probes overflow a group.
    let union = ProbeQuery::new(&probes[1]).query_box.union(&ProbeQuery::new(&probes[2]).query_box);
    assert!(!matcher.tree.gather(&union, &mut Gathered::default()), "a group overflows");
    let mut batch = vec![None; probes.len()];
    matcher.matches_batch(&probes, &mut |probe_idx, scope_idxs| {
        assert!(batch[probe_idx].is_none(), "probe {probe_idx} visited twice");
        batch[probe_idx] = Some(scope_idxs.to_vec());
    });
    let mut out = Vec::new();
    let mut matches_count = 0;
    for (probe_idx, (probe, batch_out)) in probes.iter().zip(batch).enumerate() {
        matcher.matches(probe, &mut out);
        assert_eq!(batch_out.as_ref(), Some(&out), "probe {probe_idx}");
        if probe_idx < 40 {
            assert_eq!(out, brute_force(&scopes, probe).0, "probe {probe_idx} against a brute-force scan");
        }
        matches_count += out.len();
    }
    assert!(matches_count > 1_000, "{matches_count} matches only");
}

/// A MultiPolygon zone: its parts and its hole, through the even-odd test over every ring,
/// in the exact distance and in the matcher.
#[test]
fn a_multi_part_zone_holds_each_part_and_not_its_hole_nor_the_gap() {
    let square = |lon: f64, lat: f64, size: f64| {
        vec![pos(lon, lat), pos(lon + size, lat), pos(lon + size, lat + size), pos(lon, lat + size), pos(lon, lat)]
    };
    let zone =
        Polygon::multi(vec![vec![square(37.0, 36.0, 0.1), square(37.04, 36.04, 0.02)], vec![square(37.3, 36.0, 0.1)]])
            .expect("two parts, one with a hole");
    assert_eq!(distance_to_zone_m(pos(37.01, 36.01), &zone), 0.0, "in the first part");
    assert_eq!(distance_to_zone_m(pos(37.35, 36.05), &zone), 0.0, "in the second part");
    let in_hole = distance_to_zone_m(pos(37.05, 36.05), &zone);
    assert!((in_hole - 900.0).abs() < 100.0, "the hole's centre is about 900 m from its edge: {in_hole}");
    let in_gap = distance_to_zone_m(pos(37.2, 36.05), &zone);
    assert!(in_gap > 8_000.0, "between the parts: {in_gap}");
    let scope = Scope::zone("z".to_owned(), zone, vec![window(8, 12)]).expect("a scope");
    let matcher = Matcher::new(vec![scope]);
    let matched = |position: Position| {
        let probe = IncidentProbe::new(position, 0.0, at(9), at(9)).expect("a probe");
        let mut out = Vec::new();
        matcher.matches(&probe, &mut out);
        !out.is_empty()
    };
    assert!(matched(pos(37.01, 36.01)));
    assert!(matched(pos(37.35, 36.05)));
    assert!(!matched(pos(37.05, 36.05)), "in the hole");
    assert!(!matched(pos(37.2, 36.05)), "between the parts");
}
