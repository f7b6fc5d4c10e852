//! The GeoJSON layers as a GIS reads them: GDAL's `ogrinfo` (the reader QGIS uses) opens each
//! export, finds its features and its fields as flat columns. ogrinfo is a program, not a
//! crate: `.ci/run` installs it (Debian's gdal-bin) when missing, and these tests fail
//! without it rather than pass unchecked.

use std::{path::Path, process::Command};

use serde_json::{json, Value};

use super::{
    id,
    monitoring::{
        read, report_shelling, strike_notified_site, world_in_force, EA_1, INCIDENT, NOTIFICATION, NO_ATTACK,
        SITE_INCIDENT,
    },
};
use crate::tests::Fixture;

/// `ogrinfo -ro -al -so` on `text` saved as a `.geojson` file: its summary (layer, geometry
/// type, feature count, fields), or the report of a file GDAL refuses.
fn ogrinfo(dir: &Path, name: &str, text: &str) -> String {
    ogrinfo_file(dir, &format!("{name}.geojson"), text)
}

/// `ogrinfo -ro -al -so` on `text` saved as `file_name` (GDAL picks its driver by the
/// extension): its summary. The exports' tests read theirs with it too.
///
/// # Panics
/// When ogrinfo is not installed, or GDAL cannot open the file.
pub(super) fn ogrinfo_file(dir: &Path, file_name: &str, text: &str) -> String {
    let path = dir.join(file_name);
    std::fs::write(&path, text).expect("writing the file");
    let output = match Command::new("ogrinfo").args(["-ro", "-al", "-so"]).arg(&path).output() {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "ogrinfo is not installed; these tests open every GeoJSON layer and export with GDAL, as \
             QGIS does (Debian: apt-get install gdal-bin; .ci/run installs it)"
        ),
        Err(err) => panic!("running ogrinfo: {err}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success() && !stderr.contains("ERROR"), "GDAL refuses {file_name}: {stderr}{stdout}");
    stdout
}

/// The line of an ogrinfo summary that starts with `starts`.
pub(super) fn line<'a>(summary: &'a str, starts: &str) -> &'a str {
    summary.lines().find(|line| line.starts_with(starts)).unwrap_or_else(|| panic!("no {starts:?} in {summary}"))
}

async fn layer(fixture: &Fixture, uri: &str) -> String {
    let reply = fixture.get(uri).await;
    assert_eq!(reply.content_type, "application/geo+json", "{uri}");
    reply.text
}

#[tokio::test]
async fn gdal_opens_every_layer_with_its_features_and_flat_fields() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    report_shelling(&world, &monitor).await;
    let dir = tempfile::tempdir().expect("a temporary directory");

    let incidents = layer(fixture, "/api/v1/incidents.geojson").await;
    let summary = ogrinfo(dir.path(), "incidents", &incidents);
    assert_eq!(line(&summary, "Geometry:"), "Geometry: Point");
    assert_eq!(line(&summary, "Feature Count:"), "Feature Count: 1");
    assert!(summary.contains("start: DateTime"), "{summary}");
    assert!(summary.contains("grade: String"), "{summary}");
    assert!(summary.contains("killed_min: "), "{summary}");
    assert!(summary.contains("sources_count: Integer"), "{summary}");
    let collection: Value = serde_json::from_str(&incidents).expect("JSON");
    assert_eq!(collection["features"][0]["properties"]["incident_id"], json!(id(INCIDENT)));
    assert_eq!(collection["features"][0]["properties"]["attributed_force_name"], json!("Force SAA"));

    let violations = layer(fixture, "/api/v1/violations.geojson").await;
    let summary = ogrinfo(dir.path(), "violations", &violations);
    assert_eq!(line(&summary, "Feature Count:"), "Feature Count: 1");
    assert!(summary.contains("party_names: String"), "{summary}");
    let collection: Value = serde_json::from_str(&violations).expect("JSON");
    assert_eq!(collection["features"][0]["properties"]["commitment_id"], json!(id(NO_ATTACK)));
    assert_eq!(collection["features"][0]["properties"]["status"], json!("alleged"));

    for (name, uri) in [
        ("corridors", "/api/v1/corridors.geojson"),
        ("corridor_areas", "/api/v1/corridors.geojson?as=area"),
        ("zones", "/api/v1/zones.geojson"),
    ] {
        let summary = ogrinfo(dir.path(), name, &layer(fixture, uri).await);
        assert!(!line(&summary, "Feature Count:").ends_with(" 0"), "{name}: {summary}");
        // Flat: no field GDAL reads as a list or as JSON.
        assert!(!summary.contains("List") && !summary.contains("(JSON)"), "{name}: {summary}");
    }
    let areas: Value = serde_json::from_str(&layer(fixture, "/api/v1/corridors.geojson?as=area").await).expect("JSON");
    assert_eq!(areas["features"][0]["properties"]["corridor_id"], json!(id(EA_1)));
    assert_eq!(areas["features"][0]["geometry"]["type"], json!("Polygon"));
}

#[tokio::test]
async fn a_violation_of_a_notification_is_in_no_layer() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    strike_notified_site(&world, &monitor).await;
    let incidents: Value = serde_json::from_str(&layer(fixture, "/api/v1/incidents.geojson").await).expect("JSON");
    let listed = incidents["features"].as_array().expect("features");
    assert!(
        listed.iter().any(|f| f["properties"]["incident_id"] == json!(id(SITE_INCIDENT))),
        "the incident is public"
    );
    assert!(listed.iter().all(|f| f["properties"]["violations_count"] == json!(0)));
    let violations = layer(fixture, "/api/v1/violations.geojson").await;
    assert!(!violations.contains(&id(NOTIFICATION)) && !violations.contains(&id(SITE_INCIDENT)), "{violations}");
    let _ = read(fixture, "/api/v1/violations").await;
}
