//! Windows in time: starts, ends, whole seconds and leap seconds; bad values refused.

use super::*;

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
