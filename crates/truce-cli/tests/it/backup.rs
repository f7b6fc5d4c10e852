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
