use expect_test::{expect, Expect};

use super::{judge, Facts, Side};

#[track_caller]
fn check(found_by: Side, threshold_m: f64, signed_distance_m: Option<f64>, time_overlaps: bool, expect: Expect) {
    let facts = Facts { found_by, threshold_m, signed_distance_m, time_overlaps };
    expect.assert_eq(&format!("{:?}", judge(&facts)));
}

#[test]
fn a_pair_within_five_centimetres_of_the_threshold_is_at_the_threshold_whoever_found_it() {
    check(Side::Matcher, 1000.0, Some(1000.04), true, expect!["AtThreshold"]);
    check(Side::Postgis, 1000.0, Some(999.96), true, expect!["AtThreshold"]);
}

#[test]
fn postgis_missing_a_pair_inside_by_less_than_the_accuracy_is_postgis_off() {
    // 13 m inside at 5.4 km: under 0.5 %.
    check(Side::Matcher, 5372.07, Some(5358.99), true, expect!["PostgisOff"]);
    // Under 5 m, at a short distance.
    check(Side::Matcher, 100.0, Some(96.0), true, expect!["PostgisOff"]);
}

#[test]
fn postgis_finding_a_pair_outside_by_less_than_the_accuracy_is_postgis_off() {
    check(Side::Postgis, 5000.0, Some(5010.0), true, expect!["PostgisOff"]);
}

#[test]
fn postgis_off_by_more_than_the_accuracy_is_unexplained() {
    check(Side::Matcher, 5000.0, Some(4970.0), true, expect!["Unexplained"]);
    check(Side::Postgis, 100.0, Some(106.0), true, expect!["Unexplained"]);
}

#[test]
fn the_matcher_wrong_beyond_the_band_is_unexplained() {
    check(Side::Matcher, 1000.0, Some(1000.06), true, expect!["Unexplained"]);
    check(Side::Postgis, 1000.0, Some(999.0), true, expect!["Unexplained"]);
}

#[test]
fn a_point_inside_a_zone_should_match_whatever_its_uncertainty() {
    check(Side::Matcher, 0.0, Some(-3.0), true, expect!["PostgisOff"]);
    check(Side::Postgis, 0.0, Some(-3.0), true, expect!["Unexplained"]);
}

#[test]
fn a_pair_outside_every_window_or_not_measured_is_unexplained() {
    check(Side::Matcher, 1000.0, Some(1000.0), false, expect!["Unexplained"]);
    check(Side::Postgis, 1000.0, None, true, expect!["Unexplained"]);
}
