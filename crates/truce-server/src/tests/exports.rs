//! Exports as their readers read them: GDAL (QGIS's reader) opens every GeoJSON and every
//! CSV export, the reference HXL library (libhxl, Python) reads every HXL export and sees its
//! hashtags, and a large export comes in many chunks, never as one buffer. Also the filters of
//! the list routes, the layers and the exports, and their refusals.
//!
//! ogrinfo and libhxl are programs, not crates: `.ci/run` installs them (Debian's gdal-bin;
//! libhxl from PyPI in a venv under `target/`, named by `TRUCE_PYTHON`), and these tests
//! fail without them rather than pass unchecked.

use std::path::Path;

use axum::{body::Body, http::Request};
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use tower::ServiceExt as _;

use super::{
    id,
    layers::{line, ogrinfo_file as ogrinfo},
    monitoring::{read, report_shelling, source, world_in_force, EA_1, INCIDENT},
    Fixture, Signer, EAST_ALEPPO, RU,
};
use crate::{
    exports::{FIRST_CHUNK_ROWS, ROWS_PER_CHUNK},
    router,
};

const KINDS: [&str; 6] = ["incidents", "violations", "passages", "counts", "commitments", "corridors"];

/// A world with a record of every kind an export writes: an agreement in force with its
/// corridor and commitment, a shelling that violates it, a passage, a total and an estimate.
async fn world() -> (super::World, Signer) {
    let (world, monitor) = world_in_force().await;
    report_shelling(&world, &monitor).await;
    let count = |n: u32| {
        json!({"people": {"range": {"min": 300, "max": 350}}, "basis": "increment",
               "period": {"start": "2016-12-12T09:00:00Z", "end": "2016-12-12T09:30:00Z"},
               "source": source(n, "ICRC"), "note": "Counted, \"at the checkpoint\""})
    };
    let fixture = &world.fixture;
    fixture
        .accept(
            &monitor,
            json!({"type": "record_passage", "passage_id": id(700), "corridor_id": id(EA_1), "direction": "outbound",
                   "vehicles": 12, "count": count(701)}),
        )
        .await;
    fixture
        .accept(
            &monitor,
            json!({"type": "report_total", "total_id": id(710), "scope": {"corridor_id": id(EA_1)}, "count": count(711)}),
        )
        .await;
    fixture
        .accept(
            &monitor,
            json!({"type": "estimate_population", "estimate_id": id(720), "zone_id": id(EAST_ALEPPO),
                   "kind": "trapped", "people": {"about": 100000}, "as_of": "2016-12-12T09:00:00Z",
                   "source": source(721, "UN OCHA")}),
        )
        .await;
    (world, monitor)
}

/// What libhxl reads of the HXL file at `path`: its hashtags, and its rows as lists.
///
/// # Panics
/// When Python with libhxl is not to be had, or libhxl refuses the file.
fn hxl(path: &Path) -> Value {
    let script = "import hxl, json, sys\n\
                  source = hxl.data(sys.argv[1], hxl.InputOptions(allow_local=True))\n\
                  rows = [row.values for row in source]\n\
                  print(json.dumps({'tags': source.display_tags, 'rows': rows}))";
    let stdout = super::python::run("hxl", script, Some(path), b"");
    serde_json::from_slice(&stdout).expect("the script prints JSON")
}

async fn export(fixture: &Fixture, kind: &str, format: &str) -> super::Reply {
    let reply = fixture.get(&format!("/api/v1/exports/{kind}?format={format}")).await;
    assert_eq!(reply.status, 200, "{kind} {format}: {}", reply.text);
    reply
}

#[tokio::test]
async fn gdal_opens_every_geojson_and_csv_export_with_one_row_per_record_and_the_same_columns() {
    let (world, _) = world().await;
    let fixture = &world.fixture;
    let dir = tempfile::tempdir().expect("a temporary directory");
    for kind in KINDS {
        let geojson = export(fixture, kind, "geojson").await;
        assert_eq!(geojson.content_type, "application/geo+json", "{kind}");
        let collection: Value = serde_json::from_str(&geojson.text).expect("the GeoJSON export is JSON");
        let features = collection["features"].as_array().expect("features");
        let expected = match kind {
            // Two rows: the total and the estimate.
            "counts" => 2,
            _ => 1,
        };
        assert_eq!(features.len(), expected, "{kind}: {}", geojson.text);
        let summary = ogrinfo(dir.path(), &format!("{kind}.geojson"), &geojson.text);
        assert_eq!(line(&summary, "Feature Count:"), format!("Feature Count: {expected}"), "{kind}");
        assert!(!summary.contains("List") && !summary.contains("(JSON)"), "{kind} is not flat: {summary}");

        let csv = export(fixture, kind, "csv").await;
        assert!(csv.content_type.starts_with("text/csv"), "{kind}: {}", csv.content_type);
        let mut reader = csv::Reader::from_reader(csv.text.as_bytes());
        let header: Vec<String> = reader.headers().expect("a header row").iter().map(str::to_owned).collect();
        let properties: Vec<String> =
            features[0]["properties"].as_object().expect("properties").keys().cloned().collect();
        let mut sorted_header = header.clone();
        sorted_header.sort();
        // serde_json's map is sorted; the CSV header is in the rows' order.
        assert_eq!(sorted_header, properties, "{kind}: the CSV columns are the GeoJSON properties");
        let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("an RFC 4180 record")).collect();
        assert_eq!(records.len(), expected, "{kind}");
        assert!(records.iter().all(|r| r.len() == header.len()), "{kind}: every row has every column");
        let summary = ogrinfo(dir.path(), &format!("{kind}.csv"), &csv.text);
        assert_eq!(line(&summary, "Feature Count:"), format!("Feature Count: {expected}"), "{kind}");
    }
    // Flat values, as a spreadsheet reads them.
    let csv = export(fixture, "passages", "csv").await.text;
    assert!(csv.contains("\"Counted, \"\"at the checkpoint\"\"\""), "{csv}");
    assert!(csv.contains(",300,350,range,increment,"), "{csv}");
    let incidents: Value = serde_json::from_str(&export(fixture, "incidents", "geojson").await.text).expect("JSON");
    assert_eq!(incidents["features"][0]["geometry"], json!({"type": "Point", "coordinates": [37.17, 36.20]}));
    assert_eq!(incidents["features"][0]["properties"]["incident_id"], json!(id(INCIDENT)));
    let counts: Value = serde_json::from_str(&export(fixture, "counts", "geojson").await.text).expect("JSON");
    assert_eq!(counts["features"][0]["geometry"], Value::Null);
}

#[tokio::test]
async fn every_export_is_an_attachment_named_after_its_records_and_format() {
    let (world, _) = world().await;
    for (format, extension) in [("geojson", "geojson"), ("csv", "csv"), ("hxl", "hxl.csv")] {
        let request = Request::get(format!("/api/v1/exports/incidents?format={format}")).body(Body::empty());
        let response = router(world.fixture.state.clone()).oneshot(request.expect("a request")).await.expect("a reply");
        let disposition = response.headers()["content-disposition"].to_str().expect("ASCII").to_owned();
        assert_eq!(disposition, format!("attachment; filename=\"truce-incidents.{extension}\""));
    }
}

#[tokio::test]
async fn the_hxl_library_reads_every_hxl_export_and_sees_its_hashtags() {
    let (world, _) = world().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    for kind in KINDS {
        let text = export(&world.fixture, kind, "hxl").await.text;
        let path = dir.path().join(format!("{kind}.hxl.csv"));
        std::fs::write(&path, &text).expect("writing the export");
        let read = hxl(&path);
        let tags: Vec<&str> = read["tags"].as_array().expect("tags").iter().filter_map(Value::as_str).collect();
        let columns = text.lines().next().expect("a header row").split(',').count();
        assert_eq!(tags.len(), columns, "{kind}: a hashtag for every column: {tags:?}");
        let rows = read["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), if kind == "counts" { 2 } else { 1 }, "{kind}: {read}");
        let expected: &[&str] = match kind {
            "incidents" => &["#event+id", "#geo+lat", "#geo+lon", "#affected+killed+min", "#status+grade"],
            "violations" => &["#event+id", "#status", "#org+name+list"],
            "passages" => &["#population+moved+min", "#org+source+name", "#date+occurred"],
            "counts" => &["#population+type", "#loc+name"],
            "commitments" => &["#org+code", "#org+name", "#status"],
            "corridors" => &["#loc+corridor+name", "#date+start", "#date+end"],
            other => unreachable!("{other}"),
        };
        for tag in expected {
            assert!(tags.contains(tag), "{kind}: libhxl does not see {tag} in {tags:?}");
        }
    }
}

#[tokio::test]
async fn filters_select_the_same_records_in_lists_layers_and_exports() {
    let (world, monitor) = world().await;
    let fixture = &world.fixture;
    // A second incident, far from the first, later, of another kind.
    fixture
        .accept(
            &monitor,
            json!({"type": "report_incident", "incident_id": id(902), "kind": "airstrike",
                   "location": {"position": [36.50, 35.90], "uncertainty_m": 50.0},
                   "when": {"start": "2016-12-12T09:50:00Z"}, "description": "Airstrike",
                   "source": source(2, "SANA")}),
        )
        .await;
    let ids = |value: &Value, key: &str| -> Vec<String> {
        let items = value[key].as_array().expect("a list");
        items
            .iter()
            .map(|item| {
                let item = item.get("properties").unwrap_or(item);
                item["incident_id"].as_str().expect("an incident id").to_owned()
            })
            .collect()
    };
    for (query, expected) in [
        ("", vec![id(INCIDENT), id(902)]),
        ("bbox=37.0,36.1,37.3,36.3", vec![id(INCIDENT)]),
        ("from=2016-12-12T09:40:00Z", vec![id(902)]),
        ("to=2016-12-12T09:30:00Z", vec![]),
        ("from=2016-12-12T09:30:00Z&to=2016-12-12T09:31:00Z", vec![id(INCIDENT)]),
        ("kind=airstrike", vec![id(902)]),
        ("grade=single_source", vec![id(INCIDENT), id(902)]),
        ("grade=verified", vec![]),
        // Across the antimeridian: nothing here.
        ("bbox=170,-10,-170,10", vec![]),
    ] {
        let list = read(fixture, &format!("/api/v1/incidents?{query}")).await;
        assert_eq!(ids(&list, "items"), expected, "list {query}");
        let layer = read(fixture, &format!("/api/v1/incidents.geojson?{query}")).await;
        assert_eq!(ids(&layer, "features"), expected, "layer {query}");
        let export: Value =
            serde_json::from_str(&fixture.get(&format!("/api/v1/exports/incidents?format=geojson&{query}")).await.text)
                .expect("JSON");
        assert_eq!(ids(&export, "features"), expected, "export {query}");
    }
    // The violation is of RU's commitment: RU's party is concerned, and only the first
    // incident violates it.
    let violations = read(fixture, &format!("/api/v1/violations?party={}", id(RU))).await;
    assert_eq!(violations["items"].as_array().expect("items").len(), 1, "{violations}");
    let by_code = read(fixture, "/api/v1/violations?party=RU&kind=shelling").await;
    assert_eq!(by_code["items"], violations["items"]);
    let layer = read(fixture, "/api/v1/violations.geojson?kind=airstrike").await;
    assert_eq!(layer["features"], json!([]));
    let counts = read(fixture, "/api/v1/counts").await;
    let kinds: Vec<&Value> = counts["items"].as_array().expect("items").iter().map(|c| &c["kind"]).collect();
    assert_eq!(kinds, [&json!("trapped"), &json!("total")], "estimates first, then totals: {counts}");
    let trapped = read(fixture, "/api/v1/counts?kind=trapped&bbox=37.0,36.1,37.3,36.3").await;
    assert_eq!(trapped["items"].as_array().expect("items").len(), 1, "{trapped}");
    let elsewhere = read(fixture, "/api/v1/counts?bbox=0,0,1,1").await;
    assert_eq!(elsewhere["items"], json!([]));
    let paged = read(fixture, "/api/v1/counts?limit=1").await;
    let next = paged["next_cursor"].as_str().expect("a second page").to_owned();
    let second = read(fixture, &format!("/api/v1/counts?limit=1&cursor={next}")).await;
    assert_eq!(second["items"][0]["kind"], json!("total"));
    let passages = read(fixture, &format!("/api/v1/passages?party={}&limit=1", id(super::UN))).await;
    assert_eq!(passages["items"].as_array().expect("items").len(), 1, "{passages}");
}

#[tokio::test]
async fn a_bad_filter_is_refused_naming_it() {
    let (world, _) = world().await;
    let fixture = &world.fixture;
    let mut refusals = Vec::new();
    for uri in [
        "/api/v1/incidents?bbox=1,2,3",
        "/api/v1/incidents?bbox=37,36.3,37.3,36.1",
        "/api/v1/incidents.geojson?bbox=200,0,201,1",
        "/api/v1/incidents?from=yesterday",
        "/api/v1/violations?from=2016-12-12T10:00:00Z&to=2016-12-12T09:00:00Z",
        "/api/v1/incidents?kind=picnic",
        "/api/v1/incidents?grade=likely",
        "/api/v1/incidents?party=nobody",
        "/api/v1/passages?grade=verified",
        "/api/v1/exports/corridors?format=csv&kind=shelling",
        "/api/v1/exports/counts?format=csv&kind=shelling",
        "/api/v1/exports/incidents?format=pdf",
        "/api/v1/exports/incidents",
        "/api/v1/incidents?limit=0",
        "/api/v1/parties?bbox=0,0,1,1",
    ] {
        let reply = fixture.get(uri).await;
        let problem = reply.json();
        refusals.push(format!("{} {uri}: {} {}", reply.status.as_u16(), problem["field"], problem["detail"]));
    }
    expect_test::expect![[r#"
        400 /api/v1/incidents?bbox=1,2,3: "bbox" "`bbox` must be minLon,minLat,maxLon,maxLat: 3 values given, not 4"
        400 /api/v1/incidents?bbox=37,36.3,37.3,36.1: "bbox" "`bbox` must be minLon,minLat,maxLon,maxLat: minLat 36.3 is north of maxLat 36.1"
        400 /api/v1/incidents.geojson?bbox=200,0,201,1: "bbox" "`bbox` must be minLon,minLat,maxLon,maxLat: minLon 200 is outside [-180, 180]"
        400 /api/v1/incidents?from=yesterday: "from" "\"yesterday\" is not an RFC 3339 UTC timestamp"
        400 /api/v1/violations?from=2016-12-12T10:00:00Z&to=2016-12-12T09:00:00Z: "to" "`to` (2016-12-12T09:00:00Z) must be after `from` (2016-12-12T10:00:00Z)"
        400 /api/v1/incidents?kind=picnic: "kind" "`kind` is not valid: unknown variant `picnic`, expected one of `shelling`, `airstrike`, `gunfire`, `attack_on_corridor`, `attack_on_convoy`, `obstruction`, `casualties`, `atrocity`, `displacement`, `front_line_change`, `remote_explosive`, `suicide_bomb`, `chemical_weapon`, `abduction`, `looting`, `sexual_violence`, `arrests`, `property_destruction`"
        400 /api/v1/incidents?grade=likely: "grade" "the query string is not valid at `grade`: unknown variant `likely`, expected one of `single_source`, `corroborated`, `verified`, `contested`, `discounted`"
        400 /api/v1/incidents?party=nobody: "party" "no party has the id or code `nobody`"
        400 /api/v1/passages?grade=verified: "grade" "`grade` does not apply to passages"
        400 /api/v1/exports/corridors?format=csv&kind=shelling: "kind" "`kind` does not apply to corridors"
        400 /api/v1/exports/counts?format=csv&kind=shelling: "kind" "`kind` is not valid: unknown variant `shelling`, expected one of `total`, `trapped`, `residents`, `displaced`"
        400 /api/v1/exports/incidents?format=pdf: "format" "the query string is not valid at `format`: unknown variant `pdf`, expected one of `geojson`, `csv`, `hxl`"
        400 /api/v1/exports/incidents: "format" "the query string is not valid at `format`: missing field `format`"
        400 /api/v1/incidents?limit=0: "limit" "limit must be between 1 and 1000"
        400 /api/v1/parties?bbox=0,0,1,1: "bbox" "the query string is not valid at `bbox`: unknown field `bbox`, there are no fields; this route also takes `cursor`, `limit`, and every read `at` and `known_at`""#]]
    .assert_eq(&refusals.join("\n"));
}

#[tokio::test]
async fn a_large_export_comes_in_chunks_of_a_few_dozen_rows_then_a_few_hundred_never_as_one_buffer() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    let incidents_count = ROWS_PER_CHUNK * 3 + 10;
    for n in 0..incidents_count {
        let n = u32::try_from(n).expect("a few hundred");
        fixture
            .accept(
                &monitor,
                json!({"type": "report_incident", "incident_id": id(10_000 + n), "kind": "shelling",
                       "location": {"position": [37.5, 36.5], "uncertainty_m": 50.0},
                       "when": {"start": "2016-12-12T09:30:00Z"}, "description": "Shelling",
                       "source": source(10_000 + n, "EFE")}),
            )
            .await;
    }
    for format in ["geojson", "csv", "hxl"] {
        let request = Request::get(format!("/api/v1/exports/incidents?format={format}")).body(Body::empty());
        let response = router(fixture.state.clone()).oneshot(request.expect("a request")).await.expect("a reply");
        let mut body = response.into_body();
        let mut chunks: Vec<usize> = Vec::new();
        let mut text = String::new();
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame.expect("a frame reads").into_data() else {
                continue;
            };
            // Rows of one chunk: feature or CSV lines (the header rows and the collection's
            // opening come with the first).
            chunks.push(data.iter().filter(|b| **b == b'\n').count());
            text.push_str(std::str::from_utf8(&data).expect("UTF-8"));
        }
        let rows = match format {
            "geojson" => text.matches("\"type\":\"Feature\"").count(),
            "csv" => text.lines().count() - 1,
            _ => text.lines().count() - 2,
        };
        assert_eq!(rows, incidents_count, "{format}");
        assert!(chunks.len() > incidents_count / ROWS_PER_CHUNK, "{format}: {chunks:?}");
        // The first chunks are smaller, so that the download starts soon: each holds at most
        // twice the rows of the one before, from `FIRST_CHUNK_ROWS` up to `ROWS_PER_CHUNK`
        // (and the first, the header rows or the collection's opening).
        for (n, lines) in chunks.iter().enumerate() {
            let rows_max = (FIRST_CHUNK_ROWS << n.min(16)).min(ROWS_PER_CHUNK);
            assert!(*lines <= rows_max + 2, "{format}: chunk {n} of {chunks:?}");
        }
        assert!(chunks[0] >= FIRST_CHUNK_ROWS, "{format}: {chunks:?}");
        assert!(chunks.iter().any(|lines| *lines >= ROWS_PER_CHUNK), "{format}: {chunks:?}");
    }
}

/// The export of a million incidents, timed, with the process's peak memory: not a check,
/// a measurement for docs/performance.md, run only when `TRUCE_EXPORT_BENCH_INCIDENTS` says
/// how many incidents (`truce_core::synthetic`, the realistic set, put straight into a state):
///
/// ```text
/// TRUCE_EXPORT_BENCH_INCIDENTS=1000000 cargo test --release -p truce-server \
///     export_of_synthetic_incidents -- --nocapture
/// ```
#[test]
fn export_of_synthetic_incidents_is_timed_with_its_peak_memory() {
    let Ok(count) = std::env::var("TRUCE_EXPORT_BENCH_INCIDENTS") else {
        return;
    };
    let count: usize = count.parse().expect("TRUCE_EXPORT_BENCH_INCIDENTS is a number");
    let started = std::time::Instant::now();
    let state = synthetic_state(count);
    let built_s = started.elapsed().as_secs_f64();
    let rss_state_kib = peak_rss_kib();
    let state = std::sync::Arc::new(state);
    for format in [crate::exports::ExportFormat::Csv, crate::exports::ExportFormat::Geojson] {
        let started = std::time::Instant::now();
        let table = crate::exports::IncidentsTable::new(crate::filters::Filters::default(), &state).expect("no filter");
        let (mut bytes, mut chunks, mut chunk_bytes_max) = (0usize, 0usize, 0usize);
        for chunk in crate::exports::chunks(std::sync::Arc::clone(&state), table, format) {
            let chunk = chunk.expect("every row is written");
            bytes += chunk.len();
            chunks += 1;
            chunk_bytes_max = chunk_bytes_max.max(chunk.len());
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{format:?}: {count} incidents, {bytes} bytes in {chunks} chunks (largest {chunk_bytes_max} bytes) in \
             {seconds:.1} s ({:.0} rows/s); peak RSS {} MiB, of which the state {} MiB (built in {built_s:.1} s)",
            count as f64 / seconds,
            peak_rss_kib() / 1024,
            rss_state_kib / 1024,
        );
    }
}

/// `count` incidents of the realistic synthetic set, each reported once by one media source.
fn synthetic_state(count: usize) -> truce_core::State {
    use truce_core::{
        AccountId, IncidentId, IncidentKind, IncidentRecord, IncidentRevision, Location, Name, Reason, SourceId,
        SourceKind, SourceRecord, SourceReport, When,
    };
    let synthetic = truce_core::synthetic::Set::Realistic.generate(1, count);
    let reporter = AccountId::parse(&id(1)).expect("a UUIDv7");
    let description = Reason::parse("Shelling reported near the road").expect("a reason");
    let organisation = Name::parse("EFE").expect("a name");
    let mut state = truce_core::State::default();
    for (n, probe) in synthetic.incidents.iter().enumerate() {
        let incident_id = IncidentId::parse(&id(u32::try_from(n).expect("fewer than 2^32"))).expect("a UUIDv7");
        let revision = IncidentRevision {
            at: probe.start(),
            kind: IncidentKind::Shelling,
            location: Location {
                position: probe.position(),
                uncertainty_m: probe.uncertainty_m(),
                precision: None,
                zone_id: None,
            },
            when: When { start: probe.start(), end: None, precision: None },
            convoy_id: None,
            reason: None,
        };
        let source_id = SourceId::parse(&id(u32::try_from(n).expect("fewer than 2^32"))).expect("a UUIDv7");
        let source = SourceReport::of(source_id, organisation.clone(), SourceKind::Media);
        let record = IncidentRecord {
            incident_id: incident_id.clone(),
            description: description.clone(),
            reported_by: reporter.clone(),
            reported_at: probe.start(),
            revisions: Box::new([revision]),
            sources: Box::new([SourceRecord { at: probe.start(), added_by: reporter.clone(), source }]),
            grade_overrides: Box::default(),
            duplicate_of: None,
        };
        state.monitoring.incidents.insert(incident_id, record);
    }
    state
}

/// The process's peak resident set (`VmHWM`), in KiB; 0 where /proc does not say.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|line| line.starts_with("VmHWM:")).unwrap_or("");
    line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).unwrap_or(0)
}

/// A table whose one row has no CSV form (a map flattened into it, as a row with names in
/// every language once had): the export ends in an error after the header, rather than
/// ending well without the row; as GeoJSON, which can write it, the row is there.
#[test]
fn a_row_that_cannot_be_written_ends_the_export_in_an_error() {
    use crate::exports::{chunks, ExportFormat, Item, Table};

    #[derive(serde::Serialize)]
    struct Row {
        id: &'static str,
        #[serde(flatten)]
        names: std::collections::BTreeMap<&'static str, &'static str>,
    }
    struct OneRow;
    impl Table for OneRow {
        type Row = Row;
        type Cursor = ();
        const NAME: &'static str = "one";
        const COLUMNS: &'static [(&'static str, &'static str)] = &[("id", "#meta+id")];
        fn next_rows(&self, _: &truce_core::State, _: &mut (), _: usize, _: usize, out: &mut Vec<Item<Row>>) -> bool {
            let names = [("name_ar", "حلب")].into_iter().collect();
            out.push(Item { id: "r".to_owned(), geometry: None, row: Row { id: "r", names } });
            true
        }
    }
    let state = std::sync::Arc::new(truce_core::State::default());
    let csv: Vec<_> = chunks(std::sync::Arc::clone(&state), OneRow, ExportFormat::Csv).collect();
    let error = csv.iter().find_map(|chunk| chunk.as_ref().err()).expect("the CSV export fails");
    assert!(error.to_string().starts_with("row r cannot be written as Csv"), "{error}");
    let geojson: Vec<u8> = chunks(state, OneRow, ExportFormat::Geojson)
        .flat_map(|chunk| chunk.expect("GeoJSON writes the row").to_vec())
        .collect();
    let collection: Value = serde_json::from_slice(&geojson).expect("the GeoJSON export is JSON");
    assert_eq!(collection["features"][0]["properties"]["name_ar"], json!("حلب"));
}

/// The body of an export gives the task back after each chunk (`exports::yielding`): the
/// second chunk is not ready the moment the first is taken, so the connection writes the
/// first before the next is rendered, and only then is the second given.
#[test]
fn an_exports_body_gives_the_connection_each_chunk_before_rendering_the_next() {
    use std::{pin::pin, task::Poll};

    use futures_util::Stream;

    let chunks = ["first", "second"].into_iter();
    let mut stream = pin!(crate::exports::yielding(chunks));
    let waker = futures_util::task::noop_waker();
    let mut context = std::task::Context::from_waker(&waker);
    assert_eq!(stream.as_mut().poll_next(&mut context), Poll::Ready(Some("first")));
    assert_eq!(stream.as_mut().poll_next(&mut context), Poll::Pending, "the task is given back");
    assert_eq!(stream.as_mut().poll_next(&mut context), Poll::Ready(Some("second")));
    assert_eq!(stream.as_mut().poll_next(&mut context), Poll::Pending);
    assert_eq!(stream.as_mut().poll_next(&mut context), Poll::Ready(None));
}
