//! GeoJSON in as geojson.io and QGIS write it, refusals naming the bad ring, and corridor areas.

use serde_json::{json, Value};

use super::{corridor_area, geodesic_distance_m, LineString, Polygon, Position};
use crate::vocab::error::{DomainError, RingProblem};

fn square(lon: f64, lat: f64, size: f64) -> Value {
    json!([[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]])
}

fn clockwise(lon: f64, lat: f64, size: f64) -> Value {
    json!([[lon, lat], [lon, lat + size], [lon + size, lat + size], [lon + size, lat], [lon, lat]])
}

fn polygon(value: Value) -> Result<Polygon, String> {
    serde_json::from_value(value).map_err(|err| err.to_string())
}

fn refusal(value: Value) -> DomainError {
    match serde_json::from_value::<geojson::GeoJson>(value).map_err(|err| err.to_string()).map(Polygon::try_from) {
        Ok(Err(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Twice the signed area of a ring in the plane: positive when counter-clockwise.
fn signed_area(ring: &[Position]) -> f64 {
    ring.windows(2).map(|pair| pair[0].lon() * pair[1].lat() - pair[1].lon() * pair[0].lat()).sum()
}

#[test]
fn a_clockwise_ring_is_wound_counter_clockwise_and_holes_clockwise() {
    let zone =
        polygon(json!({"type": "Polygon", "coordinates": [clockwise(37.0, 36.0, 1.0), square(37.2, 36.2, 0.2)]}))
            .expect("a polygon with a hole");
    assert!(signed_area(&zone.rings()[0]) > 0.0, "exterior counter-clockwise");
    assert!(signed_area(&zone.rings()[1]) < 0.0, "hole clockwise");
    // Served as given but for the winding: the same positions, the first one first.
    let served = serde_json::to_value(&zone).expect("serialises");
    assert_eq!(served["coordinates"][0], json!(square(37.0, 36.0, 1.0)));
    assert_eq!(served["type"], json!("Polygon"));
    // Reading what was served gives the same value.
    assert_eq!(polygon(served).expect("reads back"), zone);
}

#[test]
fn feature_feature_collection_multipolygon_and_altitudes_are_read() {
    let feature = json!({"type": "Feature", "properties": {"name": "x"},
        "geometry": {"type": "Polygon", "coordinates": [[[37.0, 36.0, 410.0], [38.0, 36.0, 420.0], [38.0, 37.0], [37.0, 37.0], [37.0, 36.0, 410.0]]]}});
    let zone = polygon(feature.clone()).expect("a Feature");
    assert_eq!(zone.altitudes_dropped(), 3);
    assert_eq!(zone.rings()[0][0], Position::new(37.0, 36.0).expect("in range"));
    let collection = json!({"type": "FeatureCollection", "features": [feature,
        {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [[square(40.0, 36.0, 1.0)], [square(42.0, 36.0, 1.0)]]}}]});
    let zone = polygon(collection).expect("a FeatureCollection");
    assert_eq!(zone.parts().count(), 3);
    let served = serde_json::to_value(&zone).expect("serialises");
    assert_eq!(served["type"], json!("MultiPolygon"));
    assert_eq!(served["coordinates"][2][0], square(42.0, 36.0, 1.0));
    assert_eq!(polygon(served).expect("reads back"), zone);
    assert_eq!(zone.altitudes_dropped(), 3);
}

#[test]
fn bad_rings_are_refused_with_their_path() {
    let unclosed = json!([[37.0, 36.0], [38.0, 36.0], [38.0, 37.0], [37.0, 37.0]]);
    expect_test::expect![[r#"RingNotClosed { ring: "coordinates[1]" }"#]].assert_eq(&format!(
        "{:?}",
        refusal(json!({"type": "Polygon", "coordinates": [square(37.0, 36.0, 1.0), unclosed]}))
    ));
    let bowtie = json!([[37.0, 36.0], [38.0, 37.0], [38.0, 36.0], [37.0, 37.0], [37.0, 36.0]]);
    let err = refusal(json!({"type": "Feature", "properties": null,
        "geometry": {"type": "MultiPolygon", "coordinates": [[square(30.0, 30.0, 1.0)], [bowtie]]}}));
    assert_eq!(
        err,
        DomainError::RingInvalid {
            ring: "geometry.coordinates[1][0]".to_owned(),
            problem: RingProblem::SelfIntersection,
        }
    );
    assert_eq!(err.to_string(), "ring geometry.coordinates[1][0] intersects itself");
    let far = json!([[37.0, 36.0], [38.0, 36.0], [38.0, 97.0], [37.0, 36.0]]);
    let err = refusal(json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [square(30.0, 30.0, 1.0)]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [far]}}]}));
    assert_eq!(
        err,
        DomainError::RingInvalid {
            ring: "features[1].geometry.coordinates[0]".to_owned(),
            problem: RingProblem::OutOfRange { lon: 38.0, lat: 97.0 },
        }
    );
    let err = refusal(json!({"type": "Polygon", "coordinates": [square(37.0, 36.0, 1.0), square(40.0, 36.0, 0.1)]}));
    assert_eq!(err, DomainError::RingInvalid { ring: "coordinates[1]".to_owned(), problem: RingProblem::HoleOutside });
    let err =
        refusal(json!({"type": "MultiPolygon", "coordinates": [[square(37.0, 36.0, 1.0)], [square(37.5, 36.5, 1.0)]]}));
    assert_eq!(
        err,
        DomainError::RingInvalid {
            ring: "coordinates[1][0]".to_owned(),
            problem: RingProblem::Overlaps { other: "coordinates[0][0]".to_owned() },
        }
    );
    let err = refusal(json!({"type": "LineString", "coordinates": [[37.0, 36.0], [38.0, 36.0]]}));
    assert_eq!(err, DomainError::GeometryType { expected: "Polygon or MultiPolygon", found: "LineString".to_owned() });
}

#[test]
fn a_route_is_read_from_a_feature_with_altitudes() {
    let route: LineString = serde_json::from_value(json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "c"}, "geometry": {"type": "LineString", "coordinates": [[37.0, 36.0, 5.0], [37.1, 36.0]]}}]}))
    .expect("a route");
    assert_eq!(route.altitudes_dropped(), 1);
    assert_eq!(
        serde_json::to_value(&route).expect("serialises"),
        json!({"type": "LineString", "coordinates": [[37.0, 36.0], [37.1, 36.0]]})
    );
    let two = serde_json::from_value::<LineString>(json!({"type": "FeatureCollection", "features": []}));
    assert!(two.is_err());
}

#[test]
fn a_corridor_area_lies_at_its_half_width_from_the_route() {
    let route = LineString::new(vec![
        Position::new(37.0, 36.0).expect("in range"),
        Position::new(37.2, 36.1).expect("in range"),
        Position::new(37.3, 36.3).expect("in range"),
    ])
    .expect("a route");
    let area = corridor_area(&route, 2000.0).expect("an area");
    assert_eq!(area.parts().count(), 1);
    assert!(signed_area(area.exterior()) > 0.0);
    // Every vertex of the outline is about 2 km from the route (the buffer's arcs are
    // chords, so a little inside), measured geodesically against its nearest vertex or a
    // densified route.
    let dense: Vec<Position> = route
        .positions()
        .windows(2)
        .flat_map(|pair| {
            (0..=200).map(move |step| {
                let t = f64::from(step) / 200.0;
                Position::new(
                    pair[0].lon() + t * (pair[1].lon() - pair[0].lon()),
                    pair[0].lat() + t * (pair[1].lat() - pair[0].lat()),
                )
                .expect("in range")
            })
        })
        .collect();
    for vertex in area.exterior() {
        let nearest = dense.iter().map(|p| geodesic_distance_m(*p, *vertex)).fold(f64::INFINITY, f64::min);
        assert!((1900.0..=2030.0).contains(&nearest), "{vertex:?} is {nearest} m from the route");
    }
}

/// Reading back what this build wrote (`decoding_trusted`) leaves out only the validity
/// test of rings and parts: a ring that crosses itself is read, one not closed is still
/// refused, and the test applies again afterwards.
#[test]
fn a_trusted_decoding_leaves_out_the_validity_test_only_while_it_runs() {
    let bowtie = json!({"type": "Polygon",
        "coordinates": [[[37.0, 36.0], [38.0, 37.0], [38.0, 36.0], [37.0, 37.0], [37.0, 36.0]]]});
    let unclosed =
        json!({"type": "Polygon", "coordinates": [[[37.0, 36.0], [38.0, 36.0], [38.0, 37.0], [37.0, 37.0]]]});
    assert!(polygon(bowtie.clone()).is_err(), "refused when not trusted");
    let read = super::decoding_trusted(|| polygon(bowtie.clone()));
    assert_eq!(read.expect("read back when trusted").rings().len(), 1);
    assert!(super::decoding_trusted(|| polygon(unclosed.clone())).is_err(), "an unclosed ring is refused all the same");
    assert!(polygon(bowtie).is_err(), "refused again after the trusted decoding");
}

/// The straight line between two points of the ellipsoid (`ecef_m`) is never longer than the
/// geodesic between them, anywhere on Earth, and within a part in a million of it a few
/// kilometres apart: what lets it rule out far sites before they are measured.
#[test]
fn the_straight_line_between_two_points_is_at_most_the_geodesic_and_close_to_it_nearby() {
    use geographiclib_rs::DirectGeodesic;
    use rand::{rngs::StdRng, Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(0xecef);
    let chord_m = |a: Position, b: Position| {
        let (a, b) = (super::ecef_m(a), super::ecef_m(b));
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    };
    let mut pairs = vec![
        (Position::new(0.0, 0.0).unwrap(), Position::new(180.0, 0.0).unwrap()),
        (Position::new(0.0, 90.0).unwrap(), Position::new(0.0, -90.0).unwrap()),
        (Position::new(179.999, 10.0).unwrap(), Position::new(-179.999, 10.0).unwrap()),
        (Position::new(37.16, 36.2).unwrap(), Position::new(37.16, 36.2).unwrap()),
    ];
    for _ in 0..2_000 {
        pairs.push((
            Position::new(rng.gen_range(-180.0..=180.0), rng.gen_range(-90.0..=90.0)).unwrap(),
            Position::new(rng.gen_range(-180.0..=180.0), rng.gen_range(-90.0..=90.0)).unwrap(),
        ));
    }
    for (a, b) in &pairs {
        let (chord, geodesic) = (chord_m(*a, *b), geodesic_distance_m(*a, *b));
        assert!(chord <= geodesic + 1e-6, "{a:?} {b:?}: chord {chord} m, geodesic {geodesic} m");
    }
    for _ in 0..2_000 {
        let a = Position::new(rng.gen_range(-180.0..=180.0), rng.gen_range(-90.0..=90.0)).unwrap();
        let (lat, lon): (f64, f64) = geographiclib_rs::Geodesic::wgs84().direct(
            a.lat(),
            a.lon(),
            rng.gen_range(0.0..360.0),
            rng.gen_range(1.0..10_000.0),
        );
        let b = Position::new(lon, lat).unwrap();
        let (chord, geodesic) = (chord_m(a, b), geodesic_distance_m(a, b));
        assert!(chord <= geodesic + 1e-6 && chord >= geodesic * (1.0 - 1e-6), "{a:?} {b:?}: {chord} m, {geodesic} m");
    }
}

/// A zone's box tells a point far from it without reading its edges, and never calls one near
/// it far: the zones' warnings (`projection/warnings.rs`) skip by it every zone it rules out.
#[test]
fn a_zones_box_rules_out_far_points_only() {
    let zone = polygon(json!({"type": "Polygon", "coordinates": [square(37.10, 36.18, 0.05)]})).expect("a square");
    let near = Position::new(37.16, 36.20).expect("valid");
    let far = Position::new(38.2, 36.20).expect("valid");
    let distance_m = crate::matcher::distance_to_zone_m(near, &zone);
    assert!((500.0..2_000.0).contains(&distance_m), "{distance_m}");
    assert!(zone.may_be_within_m(near, 2_000.0));
    assert!(!zone.may_be_within_m(far, 2_000.0), "a degree east is far");
    assert!(zone.may_be_within_m(far, 120_000.0), "but not 120 km from it");
    assert!(!zone.may_be_within_m(Position::new(37.12, 37.5).expect("valid"), 5_000.0), "a degree north is far");
    // The short way round the antimeridian.
    let east = polygon(json!({"type": "Polygon", "coordinates": [square(179.9, 10.0, 0.05)]})).expect("a square");
    assert!(east.may_be_within_m(Position::new(-179.99, 10.02).expect("valid"), 10_000.0));
    assert!(!east.may_be_within_m(Position::new(-170.0, 10.02).expect("valid"), 10_000.0));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Wherever the zone and the point, at any latitude, with edges short or long: the box
    /// never rules out a point within the distance asked, however tight the distance.
    #[test]
    fn a_point_the_box_rules_out_is_farther_than_asked(
        lon in -179.0_f64..170.0,
        lat in -85.0_f64..80.0,
        size in 0.001_f64..8.0,
        skew in -0.5_f64..0.5,
        point_dlon in -12.0_f64..12.0,
        point_dlat in -12.0_f64..12.0,
        slack in 1.0_f64..1.05,
    ) {
        let top = (lat + size).min(89.0);
        let ring = json!([[lon, lat], [lon + size, lat + skew * size], [lon + size, top], [lon, top], [lon, lat]]);
        let Ok(zone) = polygon(json!({"type": "Polygon", "coordinates": [ring]})) else {
            return Ok(());
        };
        let point_lon = lon + point_dlon;
        let point_lon = if point_lon > 180.0 { point_lon - 360.0 } else if point_lon < -180.0 { point_lon + 360.0 } else { point_lon };
        let point = Position::new(point_lon, (lat + point_dlat).clamp(-90.0, 90.0)).expect("valid");
        let exact_m = crate::matcher::distance_to_zone_m(point, &zone);
        proptest::prop_assert!(zone.may_be_within_m(point, exact_m * slack), "{exact_m} m ruled out");
    }
}
