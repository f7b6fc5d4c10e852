//! `truce backup` of a data directory while it is served: the copy opens with `truce serve`
//! and holds every acknowledged entry up to its checkpoint; without its sealing key it is
//! refused, naming the file.

use std::fs;

use crate::{
    support::{party_line, path_str, run_truce, succeeded, Log, Server},
    trust::serve_refused,
};

#[test]
fn a_backup_taken_while_serving_opens_and_is_refused_without_its_sealing_key() {
    let log = Log::start();
    let lines: Vec<String> = (0..20).map(|n| party_line(&format!("B{n}"))).collect();
    let file = log.write("parties.jsonl", &lines.join("\n"));
    succeeded(&log.as_operator("submit", &file, &[]));
    let size = log.size();

    let copy = log.path("copy");
    let out = run_truce(&["backup", "--data", path_str(&log.path("data")), "--out", path_str(&copy)]);
    assert!(out.contains("sealing.key") && out.contains("truce.db"), "{out}");
    let again =
        crate::support::truce_output(&["backup", "--data", path_str(&log.path("data")), "--out", path_str(&copy)]);
    assert!(!again.status.success(), "a backup over an existing directory");

    // The copy is served, with every entry the original had when copied.
    let served = Server::start(&copy, &log.path("copy-server.log"));
    let note = crate::support::get_text(
        &crate::support::http_client(),
        &format!("{}/api/v1/ledger/checkpoint", served.base_url),
    );
    assert_eq!(note.lines().nth(1), Some(size.to_string().as_str()), "{note}");
    drop(served);
    succeeded(&crate::support::truce_output(&["verify", "--data", path_str(&copy)]));

    // Without its sealing key the copy is refused at start, naming the file.
    fs::remove_file(copy.join("sealing.key")).expect("removed");
    let stderr = serve_refused(&copy, 1);
    assert!(stderr.contains("sealing.key"), "{stderr}");
}

/// `truce verify` and `truce restore` tell a tampered log (7) from a missing one (4).
const EXIT_LOG_MISSING: i32 = 4;
const EXIT_LOG_TAMPERED: i32 = 7;

#[test]
fn a_backup_is_restored_only_once_it_verifies_whole_and_never_without_its_sealing_key() {
    let log = Log::start();
    let lines: Vec<String> = (0..5).map(|n| party_line(&format!("R{n}"))).collect();
    let file = log.write("parties.jsonl", &lines.join("\n"));
    succeeded(&log.as_operator("submit", &file, &[]));
    let size = log.size();
    let copy = log.path("copy");
    run_truce(&["backup", "--data", path_str(&log.path("data")), "--out", path_str(&copy)]);

    // Restored and verified: every entry, into a new directory that then serves.
    let restored = log.path("restored");
    let out = run_truce(&["restore", "--from", path_str(&copy), "--data", path_str(&restored)]);
    assert!(out.contains(&format!("{size} entries verified")), "{out}");
    let served = Server::start(&restored, &log.path("restored-server.log"));
    let note = crate::support::get_text(
        &crate::support::http_client(),
        &format!("{}/api/v1/ledger/checkpoint", served.base_url),
    );
    assert_eq!(note.lines().nth(1), Some(size.to_string().as_str()), "{note}");
    drop(served);
    // Never over an existing directory.
    let again = crate::support::truce_output(&["restore", "--from", path_str(&copy), "--data", path_str(&restored)]);
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // A tampered copy: refused with its own exit status, and nothing restored.
    let tampered = log.path("tampered");
    fs::create_dir(&tampered).expect("a directory");
    for entry in fs::read_dir(&copy).expect("the backup lists") {
        let entry = entry.expect("an entry");
        fs::copy(entry.path(), tampered.join(entry.file_name())).expect("copied");
    }
    let connection = rusqlite::Connection::open(tampered.join("truce.db")).expect("the copy opens");
    let altered = connection
        .execute("UPDATE entries SET text = replace(text, '\"R3\"', '\"X3\"') WHERE seq = 4", [])
        .expect("an entry is altered");
    assert_eq!(altered, 1);
    drop(connection);
    let target = log.path("from-tampered");
    let output = crate::support::truce_output(&["restore", "--from", path_str(&tampered), "--data", path_str(&target)]);
    assert_eq!(output.status.code(), Some(EXIT_LOG_TAMPERED), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("the log does not verify"));
    assert!(!target.exists(), "a failed restore left a data directory");
    let verified = crate::support::truce_output(&["verify", "--data", path_str(&tampered)]);
    assert_eq!(verified.status.code(), Some(EXIT_LOG_TAMPERED));
    let missing = crate::support::truce_output(&["verify", "--data", path_str(&log.path("nowhere"))]);
    assert_eq!(missing.status.code(), Some(EXIT_LOG_MISSING), "{}", String::from_utf8_lossy(&missing.stderr));

    // Without the sealing key: refused, naming it.
    fs::remove_file(copy.join("sealing.key")).expect("removed");
    let keyless = log.path("keyless");
    let output = crate::support::truce_output(&["restore", "--from", path_str(&copy), "--data", path_str(&keyless)]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds no sealing.key"));
    assert!(!keyless.exists());
}
