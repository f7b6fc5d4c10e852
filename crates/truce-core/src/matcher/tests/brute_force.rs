//! The matcher (R-tree, groups, batch) against a scan of every scope.

use super::*;

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

pub(super) fn random_zone(rng: &mut StdRng, center: Position) -> Polygon {
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

/// A scope's reach says "may match" for every probe that matches it (windows aside: a scope
/// without windows has a reach too), and rules out most probes elsewhere.
#[test]
fn a_scopes_reach_covers_every_probe_that_matches_it() {
    let mut rng = StdRng::seed_from_u64(SEED ^ 0x0072_6561_6368);
    let (mut covered, mut ruled_out) = (0, 0);
    for [lon, lat] in REGIONS {
        let case = matcher_case(&mut rng, pos(lon, lat));
        let reaches: Vec<Reach> = case.scopes.iter().map(|scope| Reach::of([scope])).collect();
        for probe in &case.probes {
            let (matched, _) = brute_force(&case.scopes, probe);
            for (scope_idx, reach) in reaches.iter().enumerate() {
                if matched.contains(&scope_idx) {
                    assert!(reach.may_match(probe), "region [{lon}, {lat}], scope {scope_idx}, probe {probe:?}");
                    covered += 1;
                } else if !reach.may_match(probe) {
                    ruled_out += 1;
                }
            }
        }
        assert!(!Reach::of([]).may_match(&case.probes[0]), "no scopes reach nothing");
    }
    assert!(covered > 300, "{covered} matches only");
    assert!(ruled_out > 10_000, "{ruled_out} ruled out only");
}

/// Whether a probe may match what a reach was made of, by the reference of each kind.
type MayMatch = Box<dyn Fn(&IncidentProbe) -> bool>;

/// A reach read back as longitudes and latitudes, at the largest uncertainty of the probes,
/// holds the point of every probe that may match it: for scopes (as `may_match` says), for
/// notified sites (within the radius and the uncertainty, by the geodesic) and for notified
/// movements (within the half-width and the uncertainty of the route), across the
/// antimeridian and at the poles too; and it rules out most probes elsewhere.
#[test]
fn a_reach_in_longitudes_and_latitudes_holds_every_probe_that_may_match_it() {
    let mut rng = StdRng::seed_from_u64(SEED ^ 0x0000_6c6f_6e6c_6174);
    let (mut held, mut ruled_out, mut probes_count) = (0, 0, 0);
    for [lon, lat] in REGIONS {
        let center = pos(lon, lat);
        let case = matcher_case(&mut rng, center);
        let uncertainty_m_max = case.probes.iter().map(IncidentProbe::uncertainty_m).fold(0.0, f64::max);
        let mut reaches: Vec<(Reach, MayMatch)> = Vec::new();
        for scope in case.scopes.iter().take(20) {
            let reach = Reach::of([scope]);
            let may_match = reach.clone();
            reaches.push((reach, Box::new(move |probe| may_match.may_match(probe))));
        }
        for _ in 0..10 {
            let site = travel(center, rng.gen_range(0.0..360.0), rng.gen_range(0.0..25_000.0));
            let radius_m = rng.gen_range(0.0..3_000.0);
            let mut reach = Reach::default();
            reach.add_site(site, radius_m);
            let reached = move |probe: &IncidentProbe| {
                geodesic_distance_m(probe.position(), site) <= radius_m + probe.uncertainty_m()
            };
            reaches.push((reach, Box::new(reached)));
            let route = random_route(&mut rng, site);
            let half_width_m = rng.gen_range(0.0..2_000.0);
            let mut reach = Reach::default();
            reach.add_route(&route, half_width_m);
            let reached = move |probe: &IncidentProbe| {
                distance_to_route_m(probe.position(), &route) <= half_width_m + probe.uncertainty_m()
            };
            reaches.push((reach, Box::new(reached)));
        }
        for (reach, may_match) in &reaches {
            let boxes = reach.lon_lat_boxes(uncertainty_m_max);
            for probe in &case.probes {
                probes_count += 1;
                match boxes.iter().any(|b| b.contains(probe.position())) {
                    true => held += usize::from(may_match(probe)),
                    false => {
                        assert!(!may_match(probe), "region [{lon}, {lat}], probe {probe:?} outside {boxes:?}");
                        ruled_out += 1;
                    }
                }
            }
        }
    }
    assert!(held > 300, "{held} probes that may match only");
    assert!(ruled_out > probes_count / 2, "{ruled_out} of {probes_count} ruled out only");
}

/// The series that takes a height on the sphere back to a geodetic latitude agrees with a
/// bisection of the mapping itself, from pole to pole.
#[test]
fn a_height_on_the_sphere_gives_its_latitude_back() {
    let mut worst: f64 = 0.0;
    for step in 0..=20_000 {
        let lat = -90.0 + 180.0 * f64::from(step) / 20_000.0;
        let z = SpherePoint::new(pos(0.0, lat)).v[2];
        let by_series = super::super::reach::latitude_of_height(z);
        let bisected = super::super::reach::latitude_of_height_bisected(z);
        worst = worst.max((by_series - bisected).abs());
        // Within 1e-4 degrees of the pole the height no longer tells latitudes apart.
        if lat.abs() < 89.9999 {
            assert!((by_series - lat).abs() < 1e-9, "{lat}: {by_series}");
        }
    }
    assert!(worst < 1e-6, "{worst} degrees apart at worst");
}

/// The matcher's reach, read from its tree, is the reach of its scopes that have windows.
#[test]
fn a_matchers_reach_is_its_scopes_reach() {
    let mut rng = StdRng::seed_from_u64(SEED ^ 0x0000_7472_6565);
    let sorted = |mut boxes: Vec<LonLatBox>| {
        boxes.sort_by(|a, b| {
            let key = |b: &LonLatBox| [b.min_lon, b.min_lat, b.max_lon, b.max_lat];
            key(a).partial_cmp(&key(b)).expect("no NaN")
        });
        boxes
    };
    let mut boxes_count = 0;
    for [lon, lat] in REGIONS {
        let case = matcher_case(&mut rng, pos(lon, lat));
        let matcher = Matcher::new(case.scopes.clone());
        let of_scopes = Reach::of(case.scopes.iter().filter(|scope| !scope.windows().is_empty()));
        for uncertainty_m in [0.0, 2_500.0] {
            let from_tree = sorted(matcher.reach().lon_lat_boxes(uncertainty_m));
            assert_eq!(from_tree, sorted(of_scopes.lon_lat_boxes(uncertainty_m)), "region [{lon}, {lat}]");
            boxes_count += from_tree.len();
        }
    }
    assert!(boxes_count > 300, "{boxes_count} boxes only");
    assert!(Matcher::new(Vec::new()).reach().is_empty());
}

/// A reach in mid-latitudes reads back as one box about the scope, not the world; at a pole
/// as every longitude; across the antimeridian as two boxes, either side.
#[test]
fn a_reach_in_longitudes_and_latitudes_is_tight_and_wraps() {
    let site = |lon: f64, lat: f64, radius_m: f64| {
        let mut reach = Reach::default();
        reach.add_site(pos(lon, lat), radius_m);
        reach.lon_lat_boxes(0.0)
    };
    let boxes = site(37.16, 36.2, 1_000.0);
    assert_eq!(boxes.len(), 1, "{boxes:?}");
    let b = boxes[0];
    // 1 km is 0.009 degrees of latitude and 0.011 of longitude there; the box is a little
    // more, for the box of the cap and the margins.
    assert!((36.19..36.191).contains(&b.min_lat) && (36.209..36.21).contains(&b.max_lat), "{b:?}");
    assert!((37.147..37.149).contains(&b.min_lon) && (37.171..37.173).contains(&b.max_lon), "{b:?}");
    let boxes = site(0.0, 89.999, 1_000.0);
    assert_eq!(boxes.len(), 1, "{boxes:?}");
    assert_eq!((boxes[0].min_lon, boxes[0].max_lon, boxes[0].max_lat), (-180.0, 180.0, 90.0), "{boxes:?}");
    let boxes = site(179.999, -10.0, 1_000.0);
    assert_eq!(boxes.len(), 2, "{boxes:?}");
    assert!(boxes[0].max_lon == 180.0 && (179.98..179.99).contains(&boxes[0].min_lon), "{boxes:?}");
    assert!(boxes[1].min_lon == -180.0 && (-179.995..-179.99).contains(&boxes[1].max_lon), "{boxes:?}");
    // A growth by an uncertainty of 100 km widens the box by about 0.91 degrees of latitude
    // each way (101 km), and a little more for the box of the growth.
    let mut reach = Reach::default();
    reach.add_site(pos(37.16, 36.2), 1_000.0);
    let wide = reach.lon_lat_boxes(100_000.0)[0];
    assert!((35.25..35.29).contains(&wide.min_lat) && (37.11..37.15).contains(&wide.max_lat), "{wide:?}");
    assert!(Reach::default().lon_lat_boxes(5_000.0).is_empty());
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
                true
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

/// A road: a random walk of `vertices_count` vertices 20 to 400 m apart, turning as roads
/// do, now and then sharply.
fn random_road(rng: &mut StdRng, start: Position, vertices_count: usize) -> LineString {
    let mut positions = vec![start];
    let mut azimuth_deg: f64 = rng.gen_range(0.0..360.0);
    for _ in 1..vertices_count {
        azimuth_deg += if rng.gen_bool(0.05) { rng.gen_range(-120.0..120.0) } else { rng.gen_range(-15.0..15.0) };
        let last = *positions.last().expect("a road has a start");
        positions.push(travel(last, azimuth_deg, rng.gen_range(20.0..400.0)));
    }
    LineString::new(positions).expect("a random road")
}

/// An indexed route (a humanitarian movement's) says "within" exactly where the distance to
/// the route, measured segment by segment, is within the half-width and the uncertainty:
/// roads of hundreds of vertices, points anywhere near them and points a few centimetres
/// either side of the edge of reach, in every region.
#[test]
fn an_indexed_route_is_within_reach_exactly_where_its_distance_is() {
    let mut rng = StdRng::seed_from_u64(SEED);
    let (mut within_count, mut beyond_count, mut close_calls_count) = (0, 0, 0);
    for [lon, lat] in REGIONS {
        for _ in 0..2 {
            let vertices_count = rng.gen_range(100..=300);
            let road = random_road(&mut rng, pos(lon, lat), vertices_count);
            let half_width_m = if rng.gen_bool(0.2) { 0.0 } else { rng.gen_range(10.0..2_000.0) };
            let indexed = IndexedRoute::new(&road, half_width_m);
            let window = window(0, 1);
            let scope = Scope::corridor("road".to_owned(), road.clone(), half_width_m, vec![window])
                .expect("a half-width within the bound");
            for probe_idx in 0..20 {
                let uncertainty_m = if rng.gen_bool(0.3) { 0.0 } else { rng.gen_range(0.0..5_000.0) };
                let position = if probe_idx % 2 == 0 {
                    let vertex = road.positions()[rng.gen_range(0..road.positions().len())];
                    travel(vertex, rng.gen_range(0.0..360.0), rng.gen_range(0.0..10_000.0))
                } else {
                    near_threshold(&mut rng, &scope, uncertainty_m)
                };
                let distance_m = distance_to_route_m(position, &road);
                let threshold_m = half_width_m + uncertainty_m;
                assert_eq!(
                    indexed.within(position, uncertainty_m),
                    distance_m <= threshold_m,
                    "region [{lon}, {lat}], {position:?}: {distance_m} m from the road, reach {threshold_m} m"
                );
                if distance_m <= threshold_m {
                    within_count += 1;
                } else {
                    beyond_count += 1;
                }
                if (distance_m - threshold_m).abs() < 0.1 {
                    close_calls_count += 1;
                }
            }
        }
    }
    // Neither answer may be vacuous, and the exact tier must be reached.
    assert!(within_count > 40 && beyond_count > 40, "{within_count} within, {beyond_count} beyond");
    assert!(close_calls_count > 20, "{close_calls_count} close calls only");
}

/// A route whose half-width the matcher refuses (a log from before `decide` refused it) is
/// measured exactly, and an uncertainty no probe takes compares as the distance does.
#[test]
fn an_indexed_route_measures_what_the_matcher_refuses() {
    let road = LineString::new(vec![pos(37.0, 36.0), pos(37.1, 36.0)]).expect("a road");
    let wide = IndexedRoute::new(&road, HALF_WIDTH_M_MAX * 2.0);
    let off = travel(pos(37.05, 36.0), 0.0, HALF_WIDTH_M_MAX * 1.5);
    assert!(wide.within(off, 0.0));
    assert!(!wide.within(travel(pos(37.05, 36.0), 0.0, HALF_WIDTH_M_MAX * 2.5), 0.0));
    let narrow = IndexedRoute::new(&road, 100.0);
    assert!(!narrow.within(off, f64::NAN));
    assert!(narrow.within(off, f64::INFINITY));
}
