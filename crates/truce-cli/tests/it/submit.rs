//! `truce submit` against a real `truce serve`: ids filled in where a body leaves them out,
//! and files of commands as JSON lines.

use serde_json::{json, Value};
use truce_core::{AgreementId, CommitmentId, CorridorId, PartyId, ZoneId};

use crate::support::{failed, filled, names, party_line, path_str, run_truce, succeeded, Log};

#[test]
fn submit_fills_in_the_ids_of_new_records_and_the_server_accepts_them() {
    let log = Log::start();
    let party =
        log.write("party.json", r#"{"type": "register_party", "code": "RU", "name": "Russia", "kind": "state"}"#);
    let (stdout, stderr) = succeeded(&log.as_operator("submit", &party, &[]));
    let ids = filled(&stderr);
    assert_eq!(ids.len(), 1, "{stderr}");
    assert_eq!(ids[0].0, "party_id");
    let party_id = PartyId::parse(&ids[0].1).expect("a UUIDv7").to_string();
    let receipt: Value = serde_json::from_str(&stdout).expect("the receipt is JSON");
    assert_eq!(receipt["seq"], 1);
    let parties = log.get("/api/v1/parties");
    assert_eq!(names(&parties["items"], "party_id"), [party_id.as_str()], "{parties}");

    let zone = log.write(
        "zone.json",
        r#"{"type": "define_zone", "code": "EA", "name": "East Aleppo", "kind": "besieged_area",
            "boundary": {"type": "Polygon", "coordinates":
                [[[37.14, 36.17], [37.20, 36.17], [37.20, 36.22], [37.14, 36.22], [37.14, 36.17]]]}}"#,
    );
    let (_, stderr) = succeeded(&log.as_operator("submit", &zone, &[]));
    let ids = filled(&stderr);
    assert_eq!(ids.iter().map(|(path, _)| path.as_str()).collect::<Vec<_>>(), ["zone_id"]);
    let zone_id = ZoneId::parse(&ids[0].1).expect("a UUIDv7").to_string();

    // A coordinator for the party proposes terms with a corridor and a commitment, all new.
    let ru_key = log.path("ru.key");
    let public_key = run_truce(&["keys", "new", "--out", path_str(&ru_key)]).trim().to_owned();
    let account = json!({"type": "register_account", "party_id": party_id, "name": "Russian liaison",
                         "roles": ["coordinator"], "public_key": public_key});
    let account = log.write("account.json", &account.to_string());
    let (_, stderr) = succeeded(&log.as_operator("submit", &account, &[]));
    let ids = filled(&stderr);
    assert_eq!(ids.iter().map(|(path, _)| path.as_str()).collect::<Vec<_>>(), ["account_id"], "not the party_id");
    let account_id = ids[0].1.clone();

    let proposal = json!({
        "type": "propose_agreement",
        "title": "Corridors for leaving East Aleppo",
        "terms": {
            "corridors": [{
                "code": "EA-1", "name": "al-Sukkari to Ramouseh",
                "route": {"type": "LineString", "coordinates": [[37.15, 36.178], [37.11, 36.165]]},
                "half_width_m": 400.0, "origin_zone_id": zone_id,
                "destination": {"name": "Western countryside"}, "groups": ["civilians"], "windows": []
            }],
            "commitments": [{
                "party_id": party_id, "kind": "no_attack", "scope": {"zone": zone_id},
                "text": "No attack on East Aleppo."
            }],
            "signatories": [party_id],
        },
    });
    let proposal = log.write("proposal.json", &proposal.to_string());
    let (stdout, stderr) = succeeded(&log.run("submit", &proposal, &ru_key, &account_id, Some(&party_id), &[]));
    let ids = filled(&stderr);
    let paths: Vec<&str> = ids.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths, ["agreement_id", "terms.corridors[0].corridor_id", "terms.commitments[0].commitment_id"]);
    let agreement_id = AgreementId::parse(&ids[0].1).expect("a UUIDv7").to_string();
    let corridor_id = CorridorId::parse(&ids[1].1).expect("a UUIDv7").to_string();
    let commitment_id = CommitmentId::parse(&ids[2].1).expect("a UUIDv7").to_string();
    let receipt: Value = serde_json::from_str(&stdout).expect("the receipt is JSON");
    assert_eq!(receipt["seq"], 4);

    let agreements = log.get("/api/v1/agreements");
    assert_eq!(names(&agreements["items"], "agreement_id"), [agreement_id.as_str()], "{agreements}");
    let corridors = log.get("/api/v1/corridors");
    assert_eq!(names(&corridors["items"], "corridor_id"), [corridor_id.as_str()], "{corridors}");
    let commitments = log.get("/api/v1/commitments");
    assert_eq!(names(&commitments["items"], "commitment_id"), [commitment_id.as_str()], "{commitments}");
    assert_eq!(log.size(), 5);
}

#[test]
fn a_json_lines_file_with_a_line_that_is_not_json_is_named_and_nothing_is_sent() {
    let log = Log::start();
    let text =
        format!("# parties\n{}\n{{\"type\": \"register_party\", \"code\": \n{}\n", party_line("A"), party_line("B"));
    let file = log.write("parties.jsonl", &text);
    let stderr = failed(&log.as_operator("submit", &file, &[]));
    assert!(stderr.contains("parties.jsonl: line 3: not JSON: "), "{stderr}");
    assert_eq!(log.size(), 1, "nothing is sent from a file with a bad line");
}

#[test]
fn a_json_lines_file_is_sent_in_order_until_a_refusal_named_by_its_line() {
    let log = Log::start();
    let text = [
        "# two parties, then one whose code is taken".to_owned(),
        party_line("A"),
        String::new(),
        party_line("B"),
        "  # comments and blank lines count as lines".to_owned(),
        "   ".to_owned(),
        party_line("A"),
        party_line("C"),
    ]
    .join("\n");
    let file = log.write("parties.jsonl", &text);
    let output = log.as_operator("submit", &file, &[]);
    let stderr = failed(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stderr.contains("parties.jsonl: line 7: the server refused the command: Duplicate: "), "{stderr}");
    assert!(stderr.contains("2 commands before it were accepted, the last as seq 2"), "{stderr}");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), ["line 2: seq 1", "line 4: seq 2"], "{stdout}");
    let ids = filled(&stderr);
    assert!(stderr.contains("line 2: filled party_id = "), "{stderr}");
    assert_eq!(ids.len(), 3, "lines 2, 4 and 7 had ids filled in, line 8 was never reached: {stderr}");
    let parties = log.get("/api/v1/parties");
    let mut codes = names(&parties["items"], "code");
    codes.sort_unstable();
    assert_eq!(codes, ["A", "B"], "nothing after the refusal is sent");

    // `--lines` reads any file as JSON lines; a whole command on a line is signed as it is,
    // with the ids of its body filled in.
    let whole = json!({
        "party": null,
        "author": log.operator_id,
        "issued_at": truce_core::Timestamp::from_datetime(chrono::Utc::now()).to_string(),
        "nonce": "0123456789abcdef0123456789abcdef",
        "body": {"type": "register_party", "code": "D", "name": "Party D", "kind": "state"},
    });
    let file = log.write("more.txt", &format!("{}\n{whole}\n", party_line("C")));
    let (stdout, stderr) = succeeded(&log.as_operator("submit", &file, &["--lines"]));
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["line 1: seq 3", "line 2: seq 4", "accepted 2 commands, last seq 4"]
    );
    let ids = filled(&stderr);
    assert_eq!(ids.len(), 2, "{stderr}");
    let parties = log.get("/api/v1/parties");
    let party_d = parties["items"].as_array().expect("a list").iter().find(|p| p["code"] == "D").expect("party D");
    assert_eq!(party_d["party_id"], ids[1].1.as_str());
}

#[test]
fn a_long_file_goes_in_batches_and_stops_at_a_refusal_in_a_later_batch() {
    let log = Log::start();
    // 600 parties: batches of 256, and line 451, in the second, takes a code already taken.
    let lines: Vec<String> = (0..600).map(|n| party_line(&format!("P{}", if n == 450 { 10 } else { n }))).collect();
    let file = log.write("parties.jsonl", &lines.join("\n"));
    let output = log.as_operator("submit", &file, &[]);
    let stderr = failed(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stderr.contains("parties.jsonl: line 451: the server refused the command: Duplicate: "), "{stderr}");
    assert!(stderr.contains("(409, /problems/duplicate, field code)"), "the field as for one command: {stderr}");
    assert!(stderr.contains("450 commands before it were accepted, the last as seq 450"), "{stderr}");
    assert_eq!(stdout.lines().count(), 450, "{stdout}");
    assert_eq!(stdout.lines().last(), Some("line 450: seq 450"));
    assert_eq!(filled(&stderr).len(), 451, "ids are shown for the lines decided, not for those after");
    assert_eq!(log.size(), 451, "nothing after the refusal is written");
}

#[test]
fn zones_of_a_thousand_vertices_go_in_batches_cut_by_size() {
    let log = Log::start();
    // About 40 KB a line: a batch's 768 KiB holds about 19, so 45 lines take three.
    let lines: Vec<String> = (0..45)
        .map(|n| {
            let centre = (36.0 + f64::from(n) * 0.1, 36.2);
            let ring: Vec<[f64; 2]> = (0..=1000)
                .map(|k| {
                    let angle = f64::from(k % 1000) * std::f64::consts::TAU / 1000.0;
                    [centre.0 + 0.03 * angle.cos(), centre.1 + 0.02 * angle.sin()]
                })
                .collect();
            json!({"type": "define_zone", "code": format!("Z{n}"), "name": format!("District {n}"),
                   "kind": "city", "boundary": {"type": "Polygon", "coordinates": [ring]}})
            .to_string()
        })
        .collect();
    let text = lines.join("\n");
    // More than twice a batch's bytes (`BATCH_BYTES_MAX`, 768 KiB, in the CLI's client.rs).
    assert!(text.len() > 2 * 768 * 1024, "{} bytes", text.len());
    let file = log.write("zones.jsonl", &text);
    let (stdout, _) = succeeded(&log.as_operator("submit", &file, &[]));
    assert_eq!(stdout.lines().filter(|line| line.starts_with("line ")).count(), 45, "{stdout}");
    assert_eq!(log.size(), 46);
    let zones = log.get("/api/v1/zones?limit=100");
    assert_eq!(zones["items"].as_array().map(Vec::len), Some(45), "{zones}");
}

#[test]
fn a_batch_past_its_accounts_rate_waits_and_goes_on() {
    // 40 commands a second, in bursts of 400: the second batch meets the limit part way.
    let log = Log::start_with(&["--requests-per-account", "40"]);
    let lines: Vec<String> = (0..460).map(|n| party_line(&format!("P{n}"))).collect();
    let file = log.write("parties.jsonl", &lines.join("\n"));
    let (stdout, stderr) = succeeded(&log.as_operator("submit", &file, &[]));
    assert_eq!(stdout.lines().filter(|line| line.starts_with("line ")).count(), 460, "{stdout}");
    assert!(stderr.contains("the server asks to slow down (its rate for this account); waiting 1 s"), "{stderr}");
    assert_eq!(log.size(), 461);
}

#[test]
fn a_file_stopped_by_a_refusal_goes_on_from_the_mended_line() {
    let log = Log::start();
    let mut lines = [party_line("A"), party_line("B"), party_line("A"), party_line("C")];
    let file = log.write("parties.jsonl", &lines.join("\n"));
    let stderr = failed(&log.as_operator("submit", &file, &[]));
    assert!(stderr.contains("nothing from line 3 on was recorded; mend it and go on with --from-line 3"), "{stderr}");
    assert_eq!(log.size(), 3);

    lines[2] = party_line("D");
    let file = log.write("parties.jsonl", &lines.join("\n"));
    let (stdout, _) = succeeded(&log.as_operator("submit", &file, &["--from-line", "3"]));
    assert_eq!(
        stdout.lines().filter(|line| line.starts_with("line ")).collect::<Vec<_>>(),
        ["line 3: seq 3", "line 4: seq 4"]
    );
    let parties = log.get("/api/v1/parties");
    let mut codes = names(&parties["items"], "code");
    codes.sort_unstable();
    assert_eq!(codes, ["A", "B", "C", "D"], "each once");
    let stderr = failed(&log.as_operator("submit", &file, &["--from-line", "9"]));
    assert!(stderr.contains("holds no commands from line 9 on"), "{stderr}");
}
