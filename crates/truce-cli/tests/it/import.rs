//! Loading files through the API: `truce demo` (the bundled scenario) and `truce import`.

use serde_json::json;

use crate::support::{failed, filled, names, party_line, path_str, run_truce, succeeded, Log};

/// The demo loads its scenario with the loader `truce import` uses; its log verifies.
#[test]
fn the_demo_loads_its_scenario_and_the_log_verifies() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let data = root.path().join("demo");
    run_truce(&["demo", "--data", path_str(&data), "--listen", "127.0.0.1:0", "--load-only"]);
    let report = run_truce(&["verify", "--data", path_str(&data)]);
    assert!(report.starts_with("ok: "), "{report}");
}

/// The demo writes its sign-ins, each with a one-time enrolment code, for people and the
/// browser tests; the file holds secrets and is its owner's only.
#[test]
fn the_demo_writes_a_sign_in_and_an_enrolment_code_per_role() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let data = root.path().join("demo");
    run_truce(&["demo", "--data", path_str(&data), "--listen", "127.0.0.1:0", "--load-only"]);
    let path = data.join("demo-signins.json");
    let text = std::fs::read_to_string(&path).expect("the demo wrote its sign-ins");
    let sign_ins: Vec<serde_json::Value> = serde_json::from_str(&text).expect("a JSON list");
    let mut roles: Vec<&str> = sign_ins.iter().filter_map(|s| s["roles"].as_str()).collect();
    roles.sort_unstable();
    roles.dedup();
    assert_eq!(roles, ["analyst", "coordinator", "monitor", "operator"]);
    for sign_in in &sign_ins {
        let code = sign_in["enrolment_code"].as_str().expect("a code");
        assert!(code.len() == 32 && code.chars().all(|c| c.is_ascii_hexdigit()), "{sign_in}");
        assert!(sign_in["password"].as_str().is_some_and(|p| p.len() >= 12), "{sign_in}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).expect("the file is there").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn import_sends_a_json_lines_file_and_names_the_line_refused() {
    let log = Log::start();
    let text = format!("# three parties\n{}\n{}\n\n{}\n", party_line("A"), party_line("B"), party_line("C"));
    let file = log.write("parties.jsonl", &text);
    let (stdout, stderr) = succeeded(&log.as_operator("import", &file, &[]));
    assert!(stdout.ends_with("parties.jsonl: accepted 3 commands, last seq 3\n"), "{stdout}");
    assert_eq!(filled(&stderr).len(), 3, "{stderr}");
    let parties = log.get("/api/v1/parties");
    let mut codes = names(&parties["items"], "code");
    codes.sort_unstable();
    assert_eq!(codes, ["A", "B", "C"]);

    let file = log.write("again.jsonl", &format!("{}\n{}\n", party_line("D"), party_line("A")));
    let stderr = failed(&log.as_operator("import", &file, &[]));
    assert!(stderr.contains("again.jsonl: line 2: the server refused the command: Duplicate: "), "{stderr}");
    assert!(stderr.contains("1 command before it was accepted, as seq 4"), "{stderr}");
    assert_eq!(log.size(), 5);
}

/// A scenario's steps are dated 2016; they are accepted by a server on today's clock because
/// each is issued when it is signed. The account keys kept with `--keys-out` sign later.
#[test]
fn import_loads_a_scenario_keeps_its_account_keys_and_names_the_step_refused() {
    let log = Log::start();
    let new_id = || uuid::Uuid::now_v7().to_string();
    let (party_id, account_id) = (new_id(), new_id());
    let scenario = json!({
        "name": "A statement",
        "description": "One party, its liaison, and a statement.",
        "accounts": [{"handle": "ru", "account_id": account_id, "party_id": party_id, "name": "Russian liaison",
                      "roles": ["coordinator"]}],
        "steps": [
            {"at": "2016-12-12T07:00:00Z", "as": "operator",
             "body": {"type": "register_party", "party_id": party_id, "code": "RU", "name": "Russia", "kind": "state"}},
            {"at": "2016-12-12T07:10:00Z", "as": "operator", "body": {"type": "register_account", "handle": "ru"}},
            {"at": "2016-12-12T09:00:00Z", "as": "ru",
             "body": {"type": "make_statement", "statement_id": new_id(), "text": "The corridors will open."}},
        ],
    });
    let file = log.write("scenario.json", &serde_json::to_string_pretty(&scenario).expect("JSON"));
    let keys = log.path("keys");
    let (stdout, _) = succeeded(&log.as_operator("import", &file, &["--keys-out", path_str(&keys)]));
    assert!(stdout.contains("scenario.json: accepted 3 commands, last seq 3\n"), "{stdout}");
    let statements = log.get("/api/v1/statements");
    assert_eq!(statements["items"].as_array().expect("a list").len(), 1, "{statements}");

    let statement = log.write("statement.json", r#"{"type": "make_statement", "text": "They are open."}"#);
    succeeded(&log.run("submit", &statement, &keys.join("ru.key"), &account_id, Some(&party_id), &[]));
    let statements = log.get("/api/v1/statements");
    assert_eq!(statements["items"].as_array().expect("a list").len(), 2, "{statements}");

    let stderr = failed(&log.as_operator("import", &file, &[]));
    assert!(stderr.contains("scenario.json: steps[0] (register_party): the server refused the command: Duplicate: "));
    assert!(stderr.contains("nothing before it was accepted"), "{stderr}");
    let stderr = failed(&log.as_operator("import", &file, &["--party", &party_id]));
    assert!(stderr.contains("--party"), "{stderr}");
    assert_eq!(log.size(), 5);
}
