//! `truce import --format acled` against a real `truce serve`: a synthesised export of the
//! Aleppo area in December 2016 (tests/data, shaped like ACLED's: mixed types, precision
//! codes, fatalities, sources with semicolons, quoted notes with commas and newlines).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{failed, path_str, run_truce, succeeded, Log};

/// The rows of the file that are incidents, and those that are not (protests, agreements,
/// disrupted weapons use).
const INCIDENTS_COUNT: usize = 297;
const SKIPPED_COUNT: usize = 23;

fn export() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/acled-aleppo-2016-12.csv")
}

/// A monitor of no party, with a key, that the imports are signed by.
struct Monitor {
    key: PathBuf,
    account_id: String,
}

fn monitor(log: &Log) -> Monitor {
    let key = log.path("monitor.key");
    let public_key = run_truce(&["keys", "new", "--out", path_str(&key)]).trim().to_owned();
    let account_id = uuid::Uuid::now_v7().to_string();
    let account = json!({"type": "register_account", "account_id": account_id, "party_id": null,
                         "name": "ACLED importer", "roles": ["monitor"], "public_key": public_key});
    succeeded(&log.as_operator("submit", &log.write("monitor.json", &account.to_string()), &[]));
    Monitor { key, account_id }
}

fn import(log: &Log, monitor: &Monitor, file: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--format", "acled"];
    args.extend(extra);
    log.run("import", file, &monitor.key, &monitor.account_id, None, &args)
}

/// The id docs/acled.md promises: a UUIDv7 of the event's first instant, its random part
/// SHA-256 of `acled/<event_id_cnty>`.
fn expected_id(first_instant_ms: u64, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let random: [u8; 10] = digest[..10].try_into().expect("10 bytes");
    uuid::Builder::from_unix_timestamp_millis(first_instant_ms, &random).into_uuid().to_string()
}

#[test]
fn an_acled_export_is_imported_once_with_its_ids_precision_fatalities_and_sources() {
    let log = Log::start();
    let monitor = monitor(&log);
    let size_before = log.size();

    let (stdout, _) = succeeded(&import(&log, &monitor, &export(), &["--dry-run"]));
    assert!(stdout.contains(&format!("would report {INCIDENTS_COUNT} incidents")), "{stdout}");
    assert!(stdout.contains(&format!("would skip {SKIPPED_COUNT} rows")), "{stdout}");
    assert!(stdout.contains("line 2: SYR31400 -> incident "), "{stdout}");
    assert_eq!(log.size(), size_before, "a dry run sends nothing");

    let (stdout, _) = succeeded(&import(&log, &monitor, &export(), &[]));
    assert!(
        stdout.contains(&format!("{INCIDENTS_COUNT} created, 0 already present, 0 refused, {SKIPPED_COUNT} skipped")),
        "{stdout}"
    );
    let size_after = log.size();

    // Line 2: SYR31400, 24 December 2016, an air strike placed exactly (geo precision 1),
    // dated to the day, 45 killed, two sources.
    let incident_id = expected_id(1_482_537_600_000, "acled/SYR31400");
    let incident = log.get(&format!("/api/v1/incidents/{incident_id}"));
    let current = &incident;
    assert_eq!(current["kind"], "airstrike", "{incident}");
    assert_eq!(current["location"]["uncertainty_m"], 2000.0);
    assert_eq!(current["location"]["precision"], "exact");
    assert_eq!(current["location"]["position"], json!([37.1513, 36.189]));
    assert_eq!(
        current["when"],
        json!({"start": "2016-12-24T00:00:00Z", "end": "2016-12-25T00:00:00Z", "precision": "day"})
    );
    let sources = incident["sources"].as_array().expect("sources");
    let summary: Vec<(&str, &str, &Value)> = sources
        .iter()
        .map(|s| (s["organisation"].as_str().unwrap_or(""), s["reference"].as_str().unwrap_or(""), &s["casualties"]))
        .collect();
    assert_eq!(
        summary,
        [
            ("Aleppo Media Center", "ACLED SYR31400", &json!({"killed": {"min": 45, "max": 45}})),
            ("SANA", "ACLED SYR31400", &Value::Null),
        ],
        "{incident}"
    );
    assert_eq!(sources[1]["source_id"], expected_id(1_482_537_600_000, "acled/SYR31400/sana"));

    // Again: nothing created, nothing sent.
    let (stdout, _) = succeeded(&import(&log, &monitor, &export(), &[]));
    assert!(stdout.contains(&format!("0 created, {INCIDENTS_COUNT} already present, 0 refused")), "{stdout}");
    assert!(stdout.contains("; sources added: 0"), "{stdout}");
    assert_eq!(log.size(), size_after);

    // ACLED revised the row: more fatalities and a third source. The source is added; the
    // record is not changed, and the summary says how it differs.
    let text = std::fs::read_to_string(export()).expect("the export");
    let edited = text.replacen(
        "Aleppo Media Center; SANA,International,\"On 24 December 2016, Russian warplanes carried out air strikes on al-Fardous, east Aleppo; 45 fatalities were reported, and a field hospital was hit.\",45,",
        "Aleppo Media Center; SANA; SOHR,International,\"On 24 December 2016, Russian warplanes carried out air strikes on al-Fardous, east Aleppo; 45 fatalities were reported, and a field hospital was hit.\",47,",
        1,
    );
    assert_ne!(edited, text, "the row to edit is in the file");
    let edited_path = log.write("edited.csv", &edited);
    let (stdout, _) = succeeded(&import(&log, &monitor, &edited_path, &[]));
    assert!(stdout.contains("0 created,") && stdout.contains("; sources added: 1"), "{stdout}");
    assert!(stdout.contains(&format!("line 2 (SYR31400): incident {incident_id} differs in fatalities")), "{stdout}");
    assert_eq!(log.size(), size_after + 1);
}

#[test]
fn every_bad_row_is_named_by_line_and_column_and_nothing_is_sent() {
    let log = Log::start();
    let monitor = monitor(&log);
    let size_before = log.size();
    let text = std::fs::read_to_string(export()).expect("the export");
    let mut lines: Vec<String> = text.lines().take(3).map(str::to_owned).collect();
    // Line 4: a note over two lines; line 6: a bad latitude and an unknown sub-event type;
    // line 7: a date that is not one, and a precision code out of range.
    lines.push("SYR1,13 December 2016,2016,1,Political violence,Battles,Armed clash,A,,1,B,,2,12,,760,Middle East,Syria,Aleppo,Jebel Saman,Aleppo,Aleppo,36.2,37.1,1,SOHR,National,\"Clashes, then\nshelling\",2,,1".to_owned());
    lines.push("SYR2,13 December 2016,2016,1,Political violence,Battles,Ambush,A,,1,B,,2,12,,760,Middle East,Syria,Aleppo,Jebel Saman,Aleppo,Aleppo,95.2,37.1,1,SOHR,National,,0,,1".to_owned());
    lines.push("SYR3,2016-13-45,2016,1,Political violence,Battles,Armed clash,A,,1,B,,2,12,,760,Middle East,Syria,Aleppo,Jebel Saman,Aleppo,Aleppo,36.2,37.1,4,SOHR,National,,0,,1".to_owned());
    let file = log.write("bad.csv", &(lines.join("\n") + "\n"));
    for extra in [&[][..], &["--dry-run"][..]] {
        let stderr = failed(&import(&log, &monitor, &file, extra));
        let name = path_str(&file);
        for expected in [
            format!("{name}:6: column `sub_event_type`: \"Ambush\" is not a sub-event type of \"Battles\""),
            format!("{name}:6: column `latitude`: \"95.2\" is not a number between -90 and 90"),
            format!("{name}:7: column `event_date`: \"2016-13-45\" is not a date"),
            format!("{name}:7: column `geo_precision`: \"4\" is not a precision code 1, 2 or 3"),
            format!("{name}: 2 bad rows; nothing was sent"),
        ] {
            assert!(stderr.contains(&expected), "{expected}\nnot in:\n{stderr}");
        }
    }
    assert_eq!(log.size(), size_before);

    let header_only = log.write("header.csv", "event_id_cnty,event_date,latitude,longitude\n");
    let stderr = failed(&import(&log, &monitor, &header_only, &[]));
    assert!(stderr.contains(":1: the header lacks the columns `time_precision`"), "{stderr}");
}

/// A signer the server refuses (here: the operator, who may not report incidents) stops the
/// import at the first row, with the server's reason, rather than being refused row by row.
#[test]
fn a_signer_the_server_refuses_stops_the_import_at_the_first_row() {
    let log = Log::start();
    let size_before = log.size();
    let text = std::fs::read_to_string(export()).expect("the export");
    let head: Vec<&str> = text.lines().take(3).collect();
    let file = log.write("head.csv", &(head.join("\n") + "\n"));
    let stderr = failed(&log.as_operator("import", &file, &["--format", "acled"]));
    assert!(stderr.contains("line 2 (SYR31400); so far: 0 created, 0 already present, 0 refused"), "{stderr}");
    assert!(stderr.contains("(403, /problems/forbidden"), "{stderr}");
    assert!(!stderr.contains("SYR31401"), "{stderr}");
    assert_eq!(log.size(), size_before);
}

/// An incident that already has a row's id but none of its sources carries the row's ACLED
/// id is not taken for the row: the row is refused, saying so.
#[test]
fn an_id_taken_by_another_incident_is_refused_not_counted_as_imported() {
    let log = Log::start();
    let monitor = monitor(&log);
    let incident_id = expected_id(1_482_537_600_000, "acled/SYR31400");
    let other = json!({"type": "report_incident", "incident_id": incident_id, "kind": "shelling",
        "location": {"position": [37.15, 36.19], "uncertainty_m": 500.0},
        "when": {"start": "2016-12-24T10:00:00Z"}, "description": "Reported otherwise.",
        "source": {"source_id": uuid::Uuid::now_v7().to_string(), "organisation": "EFE", "kind": "media"}});
    let body = log.write("other.json", &other.to_string());
    succeeded(&log.run("submit", &body, &monitor.key, &monitor.account_id, None, &[]));
    let text = std::fs::read_to_string(export()).expect("the export");
    let head: Vec<&str> = text.lines().take(3).collect();
    let file = log.write("head.csv", &(head.join("\n") + "\n"));
    let output = import(&log, &monitor, &file, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("1 created, 0 already present, 1 refused"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "refused: line 2 (SYR31400): incident {incident_id} exists, but no source of it is ACLED SYR31400"
        )),
        "{stdout}"
    );
}
