//! `truce match`: the built binary on small files in a temporary directory, checked for its
//! exact output, and for its refusal of bad rows and features with the line or feature
//! named, a non-zero exit and no output file.

use std::{fs, path::Path, process::Command};

const SCOPES: &str = r#"{
  "type": "FeatureCollection",
  "features": [
    {
      "type": "Feature",
      "geometry": { "type": "LineString", "coordinates": [[37.0, 36.0], [37.1, 36.0]] },
      "properties": {
        "id": "c-1",
        "half_width_m": 500,
        "windows": [["2016-12-12T08:00:00Z", "2016-12-12T12:00:00Z"]]
      }
    },
    {
      "type": "Feature",
      "geometry": { "type": "LineString", "coordinates": [[37.05, 35.99], [37.05, 36.01]] },
      "properties": { "id": "c-2", "half_width_m": 100, "windows": [["2016-12-12T00:00:00Z", "2016-12-13T00:00:00Z"]] }
    },
    {
      "type": "Feature",
      "geometry": {
        "type": "Polygon",
        "coordinates": [[[37.49, 36.49], [37.51, 36.49], [37.51, 36.51], [37.49, 36.51], [37.49, 36.49]]]
      },
      "properties": { "id": "z-1", "windows": [["2016-12-12T00:00:00Z", "2016-12-13T00:00:00Z"]] }
    }
  ]
}"#;

const HEADER: &str = "id,lon,lat,uncertainty_m,start,end\n";
const GOOD_ROW: &str = "i-1,37.05,36.0,0,2016-12-12T10:00:00Z,2016-12-12T10:00:00Z\n";

/// What a run did: its exit status, its stderr with the directory replaced by `DIR`, and
/// the output file (or that there was none).
#[track_caller]
fn check(scopes: &str, incidents: &str, expected: &str) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    fs::write(dir.path().join("scopes.geojson"), scopes).expect("writing the scopes");
    fs::write(dir.path().join("incidents.csv"), incidents).expect("writing the incidents");
    let output = Command::new(env!("CARGO_BIN_EXE_truce"))
        .arg("match")
        .arg("--scopes")
        .arg(dir.path().join("scopes.geojson"))
        .arg("--incidents")
        .arg(dir.path().join("incidents.csv"))
        .arg("--out")
        .arg(dir.path().join("matches.csv"))
        .output()
        .expect("running truce");
    let stderr = String::from_utf8_lossy(&output.stderr).replace(&dir.path().display().to_string(), "DIR");
    let actual = format!(
        "success: {}\nstderr: {}\nout: {}",
        output.status.success(),
        stderr.trim_end(),
        read_out(&dir.path().join("matches.csv")),
    );
    assert_eq!(actual, expected);
}

fn read_out(path: &Path) -> String {
    match fs::read_to_string(path) {
        Ok(text) => format!("\n{text}"),
        Err(_) => "none".to_owned(),
    }
}

#[test]
fn matches_are_written_sorted_with_half_open_windows() {
    let incidents = [
        HEADER,
        // On both corridors at 10:00.
        "i-1,37.05,36.0,0,2016-12-12T10:00:00Z,2016-12-12T10:00:00Z\n",
        // 333 m from c-1 but at its window's end (excluded); on c-2.
        "i-2,37.05,36.003,0,2016-12-12T12:00:00Z,2016-12-12T12:00:00Z\n",
        // Inside the zone, for half an hour.
        "i-3,37.5,36.5,0,2016-12-12T23:00:00Z,2016-12-12T23:30:00Z\n",
        // 895 m east of the zone, with 1 km of uncertainty.
        "i-4,37.52,36.5,1000,2016-12-12T09:00:00Z,2016-12-12T10:00:00Z\n",
        // Far from everything.
        "i-5,40.0,35.0,5000,2016-12-12T09:00:00Z,2016-12-12T10:00:00Z\n",
        // At c-1's window's start (included); listed last, sorted first.
        "a-0,37.05,36.0,0,2016-12-12T08:00:00Z,2016-12-12T08:00:00Z\n",
    ]
    .concat();
    check(
        SCOPES,
        &incidents,
        "success: true\nstderr: \nout: \nincident_id,scope_id\na-0,c-1\na-0,c-2\ni-1,c-1\ni-1,c-2\ni-2,c-2\ni-3,z-1\ni-4,z-1\n",
    );
}

#[test]
fn an_empty_incident_file_gives_just_the_header() {
    check(SCOPES, HEADER, "success: true\nstderr: \nout: \nincident_id,scope_id\n");
}

#[track_caller]
fn check_bad_row(row: &str, message: &str) {
    let incidents = [HEADER, GOOD_ROW, row].concat();
    check(
        SCOPES,
        &incidents,
        &format!("success: false\nstderr: error: DIR/incidents.csv: line 3: {message}\nout: none"),
    );
}

#[test]
fn bad_incident_rows_are_refused_with_their_line() {
    check_bad_row("i-2,east,36.0,0,2016-12-12T10:00:00Z,2016-12-12T10:00:00Z\n", r#"lon "east" is not a number"#);
    check_bad_row(
        "i-2,37.0,91.0,0,2016-12-12T10:00:00Z,2016-12-12T10:00:00Z\n",
        "coordinate is not a finite longitude/latitude pair in range: [37, 91]",
    );
    check_bad_row(
        "i-2,NaN,36.0,0,2016-12-12T10:00:00Z,2016-12-12T10:00:00Z\n",
        "coordinate is not a finite longitude/latitude pair in range: [NaN, 36]",
    );
    check_bad_row(
        "i-2,37.0,36.0,-5,2016-12-12T10:00:00Z,2016-12-12T10:00:00Z\n",
        "uncertainty_m is -5, expected a finite number of at least 0",
    );
    check_bad_row(
        "i-2,37.0,36.0,inf,2016-12-12T10:00:00Z,2016-12-12T10:00:00Z\n",
        "uncertainty_m is inf, expected a finite number of at least 0",
    );
    check_bad_row(
        "i-2,37.0,36.0,0,2016-12-12T10:00:00Z,2016-12-12T09:00:00Z\n",
        "the incident ends at 2016-12-12T09:00:00Z, before it starts at 2016-12-12T10:00:00Z",
    );
    check_bad_row(
        "i-2,37.0,36.0,0,2016-12-12T10:00:00Z,yesterday\n",
        r#"end: "yesterday" is not an RFC 3339 UTC timestamp"#,
    );
    // An empty `end` is an instant (see the export test below); an empty `start` is not.
    check_bad_row("i-2,37.0,36.0,0,,2016-12-12T10:00:00Z\n", "missing start");
    check_bad_row(",37.0,36.0,0,2016-12-12T10:00:00Z,2016-12-12T10:00:00Z\n", "missing id");
    check_bad_row(
        "i-1,37.0,36.0,0,2016-12-12T10:00:00Z,2016-12-12T10:00:00Z\n",
        r#"incident id "i-1" is already on line 2"#,
    );
    check_bad_row("i-2,37.0,36.0,0,2016-12-12T10:00:00Z\n", "5 fields where the header has 6");
}

#[test]
fn a_header_without_a_needed_column_is_refused() {
    check(
        SCOPES,
        "id,lon,lat,start,end\n",
        "success: false\nstderr: error: DIR/incidents.csv: line 1: the header has no column \"uncertainty_m\" \
         (expected id,lon,lat,uncertainty_m,start,end)\nout: none",
    );
}

#[track_caller]
fn check_bad_feature(feature: &str, message: &str) {
    let good = r#"{ "type": "Feature", "geometry": { "type": "LineString", "coordinates": [[37.0, 36.0], [37.1, 36.0]] },
        "properties": { "id": "c-1", "half_width_m": 500, "windows": [] } }"#;
    let scopes = format!(r#"{{ "type": "FeatureCollection", "features": [{good}, {feature}] }}"#);
    check(
        &scopes,
        &[HEADER, GOOD_ROW].concat(),
        &format!("success: false\nstderr: error: DIR/scopes.geojson: features[1]: {message}\nout: none"),
    );
}

#[test]
fn bad_features_are_refused_with_their_index() {
    let line = r#""geometry": { "type": "LineString", "coordinates": [[37.0, 36.0], [37.1, 36.0]] }"#;
    check_bad_feature(
        &format!(
            r#"{{ "type": "Feature", {line}, "properties": {{ "id": "c-2", "half_width_m": 10,
            "windows": [["2016-12-12T10:00:00Z", "2016-12-12T10:00:00Z"]] }} }}"#
        ),
        "windows: [0]: window ends at 2016-12-12T10:00:00Z which is not after its start 2016-12-12T10:00:00Z",
    );
    check_bad_feature(
        &format!(r#"{{ "type": "Feature", {line}, "properties": {{ "id": "c-2", "windows": [] }} }}"#),
        "no half_width_m (a corridor needs one)",
    );
    check_bad_feature(
        &format!(
            r#"{{ "type": "Feature", {line}, "properties": {{ "id": "c-2", "half_width_m": -1, "windows": [] }} }}"#
        ),
        "half_width_m is -1, expected a finite number from 0 to 50000",
    );
    check_bad_feature(
        &format!(
            r#"{{ "type": "Feature", {line}, "properties": {{ "id": "c-1", "half_width_m": 1, "windows": [] }} }}"#
        ),
        r#"id "c-1" is already used by features[0]"#,
    );
    check_bad_feature(
        r#"{ "type": "Feature", "geometry": { "type": "LineString", "coordinates": [[37.0, 36.0], [181.0, 36.0]] },
            "properties": { "id": "c-2", "half_width_m": 1, "windows": [] } }"#,
        "geometry: coordinate is not a finite longitude/latitude pair in range: [181, 36]",
    );
    check_bad_feature(
        r#"{ "type": "Feature", "geometry": { "type": "Point", "coordinates": [37.0, 36.0] },
            "properties": { "id": "p-1", "windows": [] } }"#,
        r#"geometry type "Point": expected LineString (a corridor) or Polygon or MultiPolygon (a zone)"#,
    );
}

/// The server's own layers, as `corridors.geojson` and `zones.geojson` serve them: one
/// feature per corridor window (`corridor_id`, `start`, `end`), zones by `zone_id` without
/// windows, a MultiPolygon zone; and ACLED's CSV export as the incidents.
#[test]
fn the_servers_own_layers_and_acled_csv_are_read() {
    let scopes = r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "id": "c/0", "geometry": {"type": "LineString", "coordinates": [[37.0, 36.0], [37.1, 36.0]]},
       "properties": {"corridor_id": "c", "name": "C", "half_width_m": 500, "start": "2016-12-12T08:00:00Z", "end": "2016-12-12T12:00:00Z", "window": 0}},
      {"type": "Feature", "id": "c/1", "geometry": {"type": "LineString", "coordinates": [[37.0, 36.0], [37.1, 36.0]]},
       "properties": {"corridor_id": "c", "name": "C", "half_width_m": 500, "start": "2016-12-14T08:00:00Z", "end": "2016-12-14T12:00:00Z", "window": 1}},
      {"type": "Feature", "id": "z", "geometry": {"type": "MultiPolygon", "coordinates": [
         [[[37.49, 36.49], [37.51, 36.49], [37.51, 36.51], [37.49, 36.51], [37.49, 36.49]]],
         [[[38.49, 36.49], [38.51, 36.49], [38.51, 36.51], [38.49, 36.51], [38.49, 36.49]]]]},
       "properties": {"zone_id": "z", "name": "Z", "at": "2016-12-12T00:00:00Z"}}
    ]}"#;
    // ACLED's columns (some), in its order; geo_precision 1 is a 2 km radius, time_precision 1 the day.
    let header = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,country,location,latitude,longitude,geo_precision,source,notes,fatalities\n";
    let incidents = [
        header,
        // On the corridor, on the day of its first window.
        "SYR1,2016-12-12,2016,1,Political violence,Battles,Armed clash,A,Syria,X,36.0,37.05,1,S,n,0\n",
        // On the corridor, on a day without a window.
        "SYR2,2016-12-13,2016,1,Political violence,Battles,Armed clash,A,Syria,X,36.0,37.05,1,S,n,0\n",
        // On the second window's day, written as older exports write dates.
        "SYR3,14 December 2016,2016,1,Political violence,Battles,Armed clash,A,Syria,X,36.0,37.05,1,S,n,0\n",
        // In the zone's second part, any time.
        "SYR4,2020-01-01,2020,3,Political violence,Battles,Armed clash,A,Syria,X,36.5,38.5,2,S,n,3\n",
    ]
    .concat();
    check(scopes, &incidents, "success: true\nstderr: \nout: \nincident_id,scope_id\nSYR1,c\nSYR3,c\nSYR4,z\n");
    // A bad row is named by its line and column.
    let bad = [header, "SYR9,2016-12-12,2016,4,Political violence,Battles,Armed clash,A,Syria,X,36.0,37.05,1,S,n,0\n"]
        .concat();
    check(
        scopes,
        &bad,
        "success: false\nstderr: error: DIR/incidents.csv: line 2, column time_precision: \"4\" is not a precision code 1, 2 or 3\nout: none",
    );
}

/// The server's export of incidents as the incidents, in both its forms: CSV (`incident_id`,
/// an empty `end` for an incident with no end, which is an instant, as the server matches it)
/// and GeoJSON (points, the id the feature's, `end` null).
#[test]
fn the_servers_export_of_incidents_is_read_as_csv_and_as_geojson() {
    let scopes = r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "id": "c/0", "geometry": {"type": "LineString", "coordinates": [[37.0, 36.0], [37.1, 36.0]]},
       "properties": {"corridor_id": "c", "half_width_m": 500, "start": "2016-12-12T08:00:00Z", "end": "2016-12-12T12:00:00Z"}}
    ]}"#;
    // The export's header (`/api/v1/exports/incidents?format=csv`), in its order.
    let csv = [
        "incident_id,lon,lat,kind,description,start,end,time_precision,uncertainty_m,geo_precision,zone_id,zone_name,grade,killed_min,killed_max,injured_min,injured_max,attributed_force_id,attributed_force_name,sources_count,violations_count,duplicate_of,reported_at\n",
        // In the window, no end: an instant in it.
        "a,37.05,36.0,shelling,\"on the road, at 10:00\",2016-12-12T10:00:00Z,,exact,50,exact,,,reported,,,,,,,1,0,,2016-12-12T10:05:00Z\n",
        // No end, an instant after the window.
        "b,37.05,36.0,shelling,late,2016-12-12T13:00:00Z,,exact,50,exact,,,reported,,,,,,,1,0,,2016-12-12T13:05:00Z\n",
        // An interval that overlaps the window's end.
        "c,37.05,36.0,shelling,long,2016-12-12T11:00:00Z,2016-12-12T14:00:00Z,exact,50,exact,,,reported,,,,,,,1,0,,2016-12-12T14:05:00Z\n",
    ]
    .concat();
    check(scopes, &csv, "success: true\nstderr: \nout: \nincident_id,scope_id\na,c\nc,c\n");
    let point = |id: &str, start: &str, end: &str| {
        format!(
            r#"{{"type": "Feature", "id": "{id}", "geometry": {{"type": "Point", "coordinates": [37.05, 36.0]}},
                "properties": {{"incident_id": "{id}", "kind": "shelling", "uncertainty_m": 50, "start": "{start}", "end": {end}}}}}"#
        )
    };
    let geojson = format!(
        r#"{{"type": "FeatureCollection", "features": [{}, {}, {}]}}"#,
        point("a", "2016-12-12T10:00:00Z", "null"),
        point("b", "2016-12-12T13:00:00Z", "null"),
        point("c", "2016-12-12T11:00:00Z", "\"2016-12-12T14:00:00Z\""),
    );
    check(scopes, &geojson, "success: true\nstderr: \nout: \nincident_id,scope_id\na,c\nc,c\n");
    // A feature that is not a point is named by its index.
    let line = geojson.replacen(
        r#""type": "Point", "coordinates": [37.05, 36.0]"#,
        r#""type": "LineString", "coordinates": [[37.05, 36.0], [37.06, 36.0]]"#,
        1,
    );
    check(
        scopes,
        &line,
        "success: false\nstderr: error: DIR/incidents.csv: features[0]: geometry: an incident is a Point\nout: none",
    );
}
