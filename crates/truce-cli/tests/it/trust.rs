//! A log that defends itself, as a user meets it through `truce init` and `truce serve`:
//! one process at a time on a data directory; a log deleted, emptied, cut short or replaced
//! is refused at start with an exit status of its own, never served or signed again; and no
//! server takes a genesis over HTTP.

use std::{
    path::Path,
    process::{Command, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use truce_ledger::{sign_command, SecretKey};

use crate::support::{get_text, http_client, party_line, path_str, succeeded, Log, Server};

/// A refusal comes at once; this only bounds a test whose server wrongly starts serving.
pub const REFUSAL_TIMEOUT: Duration = Duration::from_secs(30);
/// Exit statuses of `truce serve` documented in the README.
pub const EXIT_IN_USE: i32 = 3;
pub const EXIT_LOG_MISSING: i32 = 4;
pub const EXIT_LOG_NOT_EXTENDING: i32 = 5;

/// Runs `truce` with `args`, which must exit by itself within `REFUSAL_TIMEOUT`.
pub fn run_bounded(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_truce"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running truce");
    let deadline = Instant::now() + REFUSAL_TIMEOUT;
    while child.try_wait().expect("waiting for truce").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("reaping truce");
            panic!("truce {args:?} did not exit: {}", String::from_utf8_lossy(&output.stdout));
        }
        thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("reading truce's output")
}

/// Runs `truce serve` on `data`, which must be refused with `status`; returns its stderr.
pub fn serve_refused(data: &Path, status: i32) -> String {
    let output = run_bounded(&["serve", "--data", path_str(data), "--listen", "127.0.0.1:0"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(status), "truce serve: {stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(" on http://"), "it served: {stderr}");
    stderr
}

/// A served log with `count` parties registered after the genesis; the server is stopped
/// (SIGKILL) before it returns.
fn stopped_log_with_parties(count: usize) -> Log {
    let mut log = Log::start();
    let lines: Vec<String> = (0..count).map(|n| party_line(&format!("P{n}"))).collect();
    let file = log.write("parties.jsonl", &lines.join("\n"));
    succeeded(&log.as_operator("submit", &file, &[]));
    assert_eq!(log.size(), u64::try_from(count).expect("a small count") + 1);
    log.server.kill();
    log
}

#[test]
fn a_deleted_log_is_refused_with_its_own_exit_status_and_not_recreated() {
    let log = stopped_log_with_parties(1);
    let data = log.path("data");
    std::fs::remove_file(data.join("truce.db")).expect("the log is deleted");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data.join(format!("truce.db{suffix}")));
    }
    let stderr = serve_refused(&data, EXIT_LOG_MISSING);
    assert!(stderr.contains(&format!("the log {} does not exist", data.join("truce.db").display())), "{stderr}");
    assert!(!data.join("truce.db").exists(), "the deleted log was created again, empty");
}

#[test]
fn an_emptied_log_is_refused_with_the_exit_status_of_a_missing_one() {
    let log = stopped_log_with_parties(1);
    let data = log.path("data");
    let connection = rusqlite::Connection::open(data.join("truce.db")).expect("the log opens");
    connection.execute("DELETE FROM entries", []).expect("the log is emptied");
    drop(connection);
    let stderr = serve_refused(&data, EXIT_LOG_MISSING);
    assert!(stderr.contains("holds no entries"), "{stderr}");
}

#[test]
fn a_log_cut_short_at_its_tail_is_refused_naming_both_sizes() {
    let log = stopped_log_with_parties(3);
    let data = log.path("data");
    let saved = std::fs::read_to_string(data.join("checkpoint")).expect("the checkpoint is saved in the directory");
    assert_eq!(saved.lines().nth(1), Some("4"), "{saved}");
    let connection = rusqlite::Connection::open(data.join("truce.db")).expect("the log opens");
    connection.execute("DELETE FROM entries WHERE seq >= 2", []).expect("the tail is cut");
    drop(connection);
    let stderr = serve_refused(&data, EXIT_LOG_NOT_EXTENDING);
    let expected = format!(
        "the log has 2 entries but checkpoint {} was signed at size 4: it was cut short or replaced",
        data.join("checkpoint").display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    // Refused, never signed again at the smaller size.
    assert_eq!(std::fs::read_to_string(data.join("checkpoint")).expect("still there"), saved);
    let verified =
        run_bounded(&["verify", "--data", path_str(&data), "--checkpoint", path_str(&data.join("checkpoint"))]);
    assert!(!verified.status.success(), "truce verify passed a log cut short");
}

#[test]
fn a_strangers_genesis_posted_to_a_served_log_is_403() {
    let log = Log::start();
    let stranger = SecretKey::from_seed(&[66; 32]);
    let account = uuid::Uuid::now_v7().to_string();
    let command = json!({
        "party": null,
        "author": account,
        "issued_at": truce_core::Timestamp::from_datetime(chrono::Utc::now()).to_string(),
        "nonce": "stranger-genesis-0001",
        "body": {"type": "genesis", "operator_account_id": account, "operator_name": "Stranger",
                 "operator_public_key": stranger.public_key().to_base64(), "log_origin": "submit.test/log"},
    });
    let signature = sign_command(&stranger, &command).expect("a command of plain JSON signs");
    let body =
        json!({"command": command, "signer": stranger.public_key().to_base64(), "signature": signature.to_base64()});
    let response = http_client()
        .post(format!("{}/api/v1/commands", log.server.base_url))
        .json(&body)
        .send()
        .expect("the server answers");
    assert_eq!(response.status().as_u16(), 403);
    let problem: Value = response.json().expect("a problem");
    assert_eq!(problem["type"], "/problems/genesis", "{problem}");
    assert_eq!(log.size(), 1);
    // And `truce init` is the one way to write it: a second init on the directory refuses.
    let data = log.path("data");
    let output = run_bounded(&["init", "--data", path_str(&data)]);
    assert!(!output.status.success());
}

#[test]
fn a_second_process_on_a_served_directory_is_refused_at_once_until_the_first_dies() {
    let mut log = Log::start();
    let data = log.path("data");
    let stderr = serve_refused(&data, EXIT_IN_USE);
    let named = format!("the data directory {} is in use by another truce process (process ", data.display());
    assert!(stderr.contains(&named), "{stderr}");
    for args in [
        vec!["demo", "--data", path_str(&data), "--listen", "127.0.0.1:0", "--load-only"],
        vec!["init", "--data", path_str(&data)],
    ] {
        let output = run_bounded(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(EXIT_IN_USE), "truce {args:?}: {stderr}");
        assert!(stderr.contains(&named), "{stderr}");
    }
    // The lock dies with its process, however it dies: SIGKILL leaves nothing to clear.
    log.server.kill();
    let server = Server::start(&data, &log.path("server-after-kill.log"));
    let note = get_text(&http_client(), &format!("{}/api/v1/ledger/checkpoint", server.base_url));
    assert_eq!(note.lines().nth(1), Some("1"), "{note}");
}

#[test]
fn init_keeps_the_sealing_key_private_and_keys_new_encryption_makes_an_age_identity() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let data = root.path().join("data");
    crate::support::run_truce(&["init", "--data", path_str(&data)]);
    let out = root.path().join("account.age");
    let printed = crate::support::run_truce(&["keys", "new-encryption", "--out", path_str(&out)]);
    let text = std::fs::read_to_string(&out).expect("the identity file");
    let identity = truce_ledger::AgeIdentity::parse_file_text(&text).expect("an age identity");
    assert_eq!(printed.trim(), identity.encryption_key().to_string());
    assert!(printed.starts_with("age1"), "{printed}");
    let sealing = std::fs::read_to_string(data.join("sealing.key")).expect("init writes the sealing key");
    truce_ledger::AgeIdentity::parse_file_text(&sealing).expect("an age identity");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for path in [data.join("sealing.key"), out] {
            let mode = std::fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }
    // A log does not start without its sealing key, and says which file.
    std::fs::remove_file(data.join("sealing.key")).expect("remove");
    let output = run_bounded(&["serve", "--data", path_str(&data), "--listen", "127.0.0.1:0"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("sealing.key"), "{stderr}");
}
