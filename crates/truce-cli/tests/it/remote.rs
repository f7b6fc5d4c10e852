//! `truce verify --server URL --state FILE` as a monitor run from cron: it follows a live log
//! run after run, and names a fork (another root at a size it saw, or entries that do not
//! extend what it saw) with an exit status of its own.

use std::fs;

use crate::support::{failed, party_line, path_str, succeeded, truce_output, Log, Server};

/// `truce verify` against a log shown as forked or rolled back.
const EXIT_LOG_INCONSISTENT: i32 = 6;

fn add_parties(log: &Log, file: &str, codes: &[&str]) {
    let lines: Vec<String> = codes.iter().map(|code| party_line(code)).collect();
    let path = log.write(file, &lines.join("\n"));
    succeeded(&log.as_operator("submit", &path, &[]));
}

fn monitor(base_url: &str, state: &std::path::Path, log_key: Option<&str>) -> std::process::Output {
    let mut args = vec!["verify", "--server", base_url, "--state", path_str(state)];
    if let Some(key) = log_key {
        args.extend(["--log-key", key]);
    }
    truce_output(&args)
}

#[test]
fn a_monitor_follows_a_live_log_run_after_run() {
    let log = Log::start();
    let log_key = fs::read_to_string(log.path("data/log.pub")).expect("log.pub");
    let state = log.path("monitor.json");
    add_parties(&log, "first.jsonl", &["AAA", "BBB"]);

    let (stdout, stderr) = succeeded(&monitor(&log.server.base_url, &state, Some(log_key.trim())));
    assert!(stdout.starts_with("ok: 3 entries") && stdout.contains("3 new since the last run"), "{stdout}");
    assert!(!stderr.contains("warning"), "the key was given: {stderr}");
    let kept: serde_json::Value = serde_json::from_str(&fs::read_to_string(&state).expect("the state")).expect("JSON");
    assert_eq!(kept["tree_size"], 3);
    assert_eq!(kept["log_key"], log_key.trim());

    add_parties(&log, "second.jsonl", &["CCC", "DDD", "EEE"]);
    let (stdout, _) = succeeded(&monitor(&log.server.base_url, &state, None));
    assert!(stdout.starts_with("ok: 6 entries") && stdout.contains("3 new since the last run"), "{stdout}");
    let (stdout, _) = succeeded(&monitor(&log.server.base_url, &state, None));
    assert!(stdout.contains("0 new since the last run"), "{stdout}");

    // Another key than the one pinned is refused.
    let other = Log::start();
    let other_key = fs::read_to_string(other.path("data/log.pub")).expect("log.pub");
    let stderr = failed(&monitor(&log.server.base_url, &state, Some(other_key.trim())));
    assert!(stderr.contains("not the key pinned"), "{stderr}");

    // Without a key or a state, the server's key is trusted, and said so.
    let fresh = log.path("fresh.json");
    let (_, stderr) = succeeded(&monitor(&log.server.base_url, &fresh, None));
    assert!(stderr.contains("warning: trusting the log key the server gave"), "{stderr}");
}

/// Copies a stopped log's data directory to a new one, served by a second server: the same
/// key and history, from which the two can fork.
fn fork(log: &mut Log) -> (tempfile::TempDir, Server) {
    log.server.kill();
    let copy = tempfile::tempdir().expect("a temp dir");
    let data = copy.path().join("data");
    fs::create_dir(&data).expect("a data dir");
    for entry in fs::read_dir(log.path("data")).expect("the data dir") {
        let entry = entry.expect("an entry");
        if entry.file_name() != "truce.lock" {
            fs::copy(entry.path(), data.join(entry.file_name())).expect("copied");
        }
    }
    log.server = Server::start(&log.path("data"), &log.path("server-again.log"));
    let forked = Server::start(&data, &copy.path().join("server.log"));
    (copy, forked)
}

#[test]
fn a_fork_or_a_rollback_is_named_and_exits_6() {
    let mut log = Log::start();
    let state = log.path("monitor.json");
    add_parties(&log, "first.jsonl", &["AAA"]);
    let (copy, forked) = fork(&mut log);
    let mut forked_log_key = fs::read_to_string(copy.path().join("data/log.pub")).expect("log.pub");
    forked_log_key = forked_log_key.trim().to_owned();

    // The monitor sees the real log grow to 4 entries.
    add_parties(&log, "second.jsonl", &["BBB", "CCC"]);
    succeeded(&monitor(&log.server.base_url, &state, Some(&forked_log_key)));

    // The forked copy, signed with the same key, shows other entries at the same size.
    let path = log.write("other.jsonl", &[party_line("XXX"), party_line("YYY")].join("\n"));
    let operator_key = log.path("data/operator.key");
    let output = truce_output(&[
        "submit",
        path_str(&path),
        "--key",
        path_str(&operator_key),
        "--author",
        &log.operator_id,
        "--server",
        &forked.base_url,
    ]);
    succeeded(&output);
    let output = monitor(&forked.base_url, &state, None);
    let stderr = failed(&output);
    assert_eq!(output.status.code(), Some(EXIT_LOG_INCONSISTENT), "{stderr}");
    assert!(stderr.contains("another root for size 4") && stderr.contains("a fork"), "{stderr}");

    // Grown past the size seen, the fork's entries do not extend what the monitor saw.
    let path = log.write("more.jsonl", &party_line("ZZZ"));
    succeeded(&truce_output(&[
        "submit",
        path_str(&path),
        "--key",
        path_str(&operator_key),
        "--author",
        &log.operator_id,
        "--server",
        &forked.base_url,
    ]));
    let output = monitor(&forked.base_url, &state, None);
    let stderr = failed(&output);
    assert_eq!(output.status.code(), Some(EXIT_LOG_INCONSISTENT), "{stderr}");
    assert!(stderr.contains("do not hash to the root the checkpoint signs at size 5"), "{stderr}");

    // A state that saw more than the log now has: a rollback.
    let mut kept: serde_json::Value = serde_json::from_str(&fs::read_to_string(&state).expect("state")).expect("JSON");
    kept["tree_size"] = 7.into();
    kept["compact_range"] =
        serde_json::json!([kept["compact_range"][0], kept["compact_range"][0], kept["compact_range"][0]]);
    fs::write(&state, kept.to_string()).expect("written");
    let output = monitor(&log.server.base_url, &state, None);
    let stderr = failed(&output);
    assert_eq!(output.status.code(), Some(EXIT_LOG_INCONSISTENT), "{stderr}");
    assert!(stderr.contains("the log shrank: it had 7 entries"), "{stderr}");

    // The real log still verifies for a monitor that did not see the fork.
    succeeded(&monitor(&log.server.base_url, &log.path("another.json"), None));
}
