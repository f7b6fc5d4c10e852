//! Projection snapshots: one checked against the log is used and gives the state a full
//! replay gives; a tampered, foreign or newer-format one is refused, and the node then
//! replays the whole log to the same state.

use std::{collections::BTreeMap, fs, path::Path};

use serde_json::json;
use truce_core::{
    scenario::{Scenario, ALEPPO_2016_12_12_JSON, OPERATOR_HANDLE},
    AccountId, Nonce, PublicKeyText,
};
use truce_ledger::{sign_command, SecretKey};

use super::{monitoring_part_path, restore, snapshot_path, MAGIC};
use crate::{
    node::{Clock as _, Submission},
    sealing::read_sealing_identity,
    sqlite::SqliteLog,
    tests::{open, uuid7, Fixture},
};

fn party(n: u64) -> serde_json::Value {
    json!({"type": "register_party", "party_id": uuid7(100 + n), "code": format!("P{n}"),
        "name": format!("Party {n}"), "kind": "state"})
}

/// A log of `before` parties, a snapshot, then `after` parties more.
fn fixture_with_snapshot(before: u64, after: u64) -> Fixture {
    let mut fixture = Fixture::new();
    for n in 0..before {
        fixture.submit(party(n)).expect("accepted");
    }
    fixture.node.save_snapshot().expect("the snapshot is saved");
    for n in before..before + after {
        fixture.submit(party(n)).expect("accepted");
    }
    fixture
}

/// What `restore` says of the snapshot beside the log at `path`: its size, or why not.
fn check(path: &Path) -> Result<Option<u64>, String> {
    let identity = read_sealing_identity(&path.with_file_name("sealing.key")).expect("the sealing key");
    let log = SqliteLog::open(path).expect("the log opens");
    restore(&snapshot_path(path), &identity, &log).map(|restored| restored.map(|restored| restored.tree.len()))
}

/// Reopens the log and checks that its state and tree are the ones the node had.
fn assert_reopens_to_the_same_state(fixture: &Fixture) {
    let live = fixture.node.read_state(Clone::clone);
    let root = fixture.node.read_tree(|tree| tree.root());
    let reopened = open(&fixture.path, &fixture.log_secret, &fixture.clock);
    assert_eq!(reopened.read_state(Clone::clone), live);
    assert_eq!(reopened.read_tree(|tree| tree.root()), root);
}

#[test]
fn a_snapshot_is_used_and_the_entries_after_it_are_folded_to_the_state_a_full_replay_gives() {
    let fixture = fixture_with_snapshot(4, 3);
    // The genesis and four parties.
    assert_eq!(check(&fixture.path), Ok(Some(5)));
    assert_reopens_to_the_same_state(&fixture);
}

#[test]
fn a_snapshot_is_readable_by_its_owner_only() {
    let fixture = fixture_with_snapshot(1, 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let main = snapshot_path(&fixture.path);
        for path in [monitoring_part_path(&main), main] {
            let mode = fs::metadata(&path).expect("the snapshot exists").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", path.display());
        }
    }
}

#[test]
fn a_snapshot_with_any_byte_changed_in_either_part_is_refused_and_the_log_replayed_whole() {
    let fixture = fixture_with_snapshot(3, 2);
    let main = snapshot_path(&fixture.path);
    for path in [main.clone(), monitoring_part_path(&main)] {
        let original = fs::read(&path).expect("the snapshot");
        // Every byte of the header, and a sample of the content (every byte would be slow).
        let step = (original.len() / 200).max(1);
        for idx in (0..MAGIC.len() + 36).chain((MAGIC.len() + 36..original.len()).step_by(step)) {
            let mut tampered = original.clone();
            tampered[idx] ^= 0x01;
            fs::write(&path, &tampered).expect("written");
            assert!(check(&fixture.path).is_err(), "byte {idx} of {} changed was not noticed", path.display());
        }
        fs::write(&path, &original[..original.len() - 1]).expect("written");
        assert!(check(&fixture.path).is_err(), "{} cut short was not noticed", path.display());
        fs::write(&path, &original).expect("written");
        assert_eq!(check(&fixture.path), Ok(Some(4)), "the snapshot put back is used");
    }
    assert_reopens_to_the_same_state(&fixture);
}

#[test]
fn a_snapshot_whose_monitoring_part_is_missing_or_of_another_snapshot_is_refused() {
    let mut fixture = fixture_with_snapshot(2, 0);
    let main = snapshot_path(&fixture.path);
    let monitoring = monitoring_part_path(&main);
    let older = (fs::read(&main).expect("the main part"), fs::read(&monitoring).expect("the monitoring part"));
    fixture.submit(party(2)).expect("accepted");
    fixture.node.save_snapshot().expect("saved");
    assert_eq!(check(&fixture.path), Ok(Some(4)));
    // A crash between the two parts' renames leaves one of each snapshot.
    let newer_monitoring = fs::read(&monitoring).expect("the monitoring part");
    fs::write(&monitoring, &older.1).expect("written");
    let refused = check(&fixture.path).expect_err("parts of two snapshots are refused");
    assert!(refused.contains("of another snapshot"), "{refused}");
    fs::write(&main, &older.0).expect("written");
    fs::write(&monitoring, &newer_monitoring).expect("written");
    let refused = check(&fixture.path).expect_err("parts of two snapshots are refused");
    assert!(refused.contains("of another snapshot"), "{refused}");
    // The main part in the monitoring part's place: its tag is not a monitoring part's.
    fs::write(&monitoring, &older.0).expect("written");
    let refused = check(&fixture.path).expect_err("a main part read as the monitoring part is refused");
    assert!(refused.contains("tag"), "{refused}");
    fs::remove_file(&monitoring).expect("removed");
    let refused = check(&fixture.path).expect_err("a snapshot without its monitoring part is refused");
    assert!(refused.contains("missing"), "{refused}");
    assert_reopens_to_the_same_state(&fixture);
}

/// Puts the snapshot of the log at `from`, both parts, beside the log at `to`.
fn copy_snapshot(from: &Path, to: &Path) {
    let (from, to) = (snapshot_path(from), snapshot_path(to));
    fs::copy(&from, &to).expect("copied");
    fs::copy(monitoring_part_path(&from), monitoring_part_path(&to)).expect("copied");
}

#[test]
fn a_snapshot_of_another_log_or_longer_than_the_log_is_refused() {
    // Two logs of the same length and keys, one party apart.
    let mut ours = Fixture::new();
    ours.submit(party(1)).expect("accepted");
    let mut theirs = Fixture::new();
    theirs.submit(party(2)).expect("accepted");
    theirs.node.save_snapshot().expect("saved");
    copy_snapshot(&theirs.path, &ours.path);
    // Not even authentic for this log: it is authenticated with the other log's sealing key.
    let refused = check(&ours.path).expect_err("a snapshot of another log is refused");
    assert!(refused.contains("tag"), "{refused}");
    // With the same sealing key, its tree is not this log's.
    let sealing_key = |path: &Path| path.with_file_name("sealing.key");
    fs::copy(sealing_key(&theirs.path), sealing_key(&ours.path)).expect("copied");
    let refused = check(&ours.path).expect_err("a snapshot of another log is refused");
    assert!(refused.contains("another root"), "{refused}");
    assert_reopens_to_the_same_state(&ours);

    // Longer than the log: the log it was taken of is cut short (as a restore of an older
    // copy would leave it beside a newer snapshot).
    theirs.submit(party(3)).expect("accepted");
    theirs.node.save_snapshot().expect("saved");
    copy_snapshot(&theirs.path, &ours.path);
    let refused = check(&ours.path).expect_err("a snapshot longer than the log is refused");
    assert!(refused.contains("it is of 3 entries, the log holds 2"), "{refused}");
}

#[test]
fn a_snapshot_of_another_format_version_is_ignored() {
    let fixture = fixture_with_snapshot(2, 1);
    let path = snapshot_path(&fixture.path);
    let mut bytes = fs::read(&path).expect("the snapshot");
    bytes[MAGIC.len()] = bytes[MAGIC.len()].wrapping_add(1);
    fs::write(&path, &bytes).expect("written");
    let refused = check(&fixture.path).expect_err("another format is ignored");
    assert!(refused.contains("format"), "{refused}");
    assert_reopens_to_the_same_state(&fixture);
}

#[test]
fn a_snapshot_of_the_demo_story_restores_every_kind_of_record_it_holds() {
    // Five minutes a clock reading (within the skew allowed between signing and acceptance).
    let fixture = Fixture::with_clock_step(300 * 1_000_000_000);
    let scenario = Scenario::parse(ALEPPO_2016_12_12_JSON).expect("the demo's story parses");
    let mut keys = BTreeMap::new();
    keys.insert(OPERATOR_HANDLE.to_owned(), fixture.operator.clone());
    for (idx, account) in scenario.accounts.iter().enumerate() {
        let seed = u8::try_from(idx + 20).expect("a few accounts");
        keys.insert(account.handle.clone(), SecretKey::from_seed(&[seed; 32]));
    }
    let public_keys = keys
        .iter()
        .map(|(handle, key)| {
            (handle.clone(), PublicKeyText::parse(&key.public_key().to_base64()).expect("a public key"))
        })
        .collect();
    let operator = AccountId::parse(&fixture.operator_id).expect("an account id");
    let mut nonce = 0_u64;
    let steps = scenario
        .commands(&operator, &public_keys, || {
            nonce += 1;
            Nonce::parse(&format!("story-nonce-{nonce:08}")).expect("a nonce")
        })
        .expect("the story's commands");
    for step in steps {
        let mut command = step.command;
        // The story's time moves on to the step's, so that its valid times are past.
        command.issued_at = fixture.clock.now();
        while command.issued_at < step.at {
            command.issued_at = fixture.clock.now();
        }
        let value = serde_json::to_value(&command).expect("a command serializes");
        let key = &keys[&step.handle];
        let signature = sign_command(key, &value).expect("signable");
        let submission = Submission::verify(value, key.public_key(), signature).expect("verifies");
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let receipt = runtime.block_on(fixture.node.submit(submission)).expect("writer replies");
        receipt.unwrap_or_else(|err| panic!("{} is refused: {err}", command.body.kind()));
    }
    fixture.node.save_snapshot().expect("saved");
    assert_eq!(check(&fixture.path), Ok(Some(fixture.node.read_tree(|tree| tree.len()))));
    assert_reopens_to_the_same_state(&fixture);
}

#[test]
fn snapshots_are_due_every_100_000_entries_then_a_tenth_of_the_log_apart() {
    use super::{snapshot_due, SNAPSHOT_EVERY_ENTRIES};
    let every = SNAPSHOT_EVERY_ENTRIES;
    assert!(!snapshot_due(99_999, 0, Some(every)));
    assert!(snapshot_due(100_000, 0, Some(every)));
    assert!(!snapshot_due(999_999, 900_000, Some(every)));
    assert!(snapshot_due(1_000_000, 900_000, Some(every)));
    // Past a million entries, a tenth of the log.
    assert!(!snapshot_due(5_499_999, 5_000_000, Some(every)));
    assert!(snapshot_due(5_500_000, 5_000_000, Some(every)));
    // Spacing asked for by the node's owner, larger than a tenth.
    assert!(!snapshot_due(5_999_999, 5_000_000, Some(1_000_000)));
    assert!(snapshot_due(6_000_000, 5_000_000, Some(1_000_000)));
    // None while writing.
    assert!(!snapshot_due(u64::MAX, 0, None));
    assert!(!snapshot_due(u64::MAX, 1, Some(u64::MAX)));
}

#[test]
fn the_writer_takes_snapshots_at_the_spacing_set_and_none_when_told_not_to() {
    let mut fixture = Fixture::new();
    fixture.node.set_snapshot_every(Some(3));
    // The genesis and a party: not yet due.
    fixture.submit(party(0)).expect("accepted");
    assert_eq!(check(&fixture.path), Ok(None));
    fixture.submit(party(1)).expect("accepted");
    // Written on a thread of its own, soon after the batch that made it due.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while check(&fixture.path) != Ok(Some(3)) {
        assert!(std::time::Instant::now() < deadline, "no snapshot at 3 entries: {:?}", check(&fixture.path));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    fixture.node.set_snapshot_every(None);
    for n in 2..10 {
        fixture.submit(party(n)).expect("accepted");
    }
    // Nothing taken while writing: the last one still covers 3 entries until one is asked for.
    assert_eq!(check(&fixture.path), Ok(Some(3)));
    fixture.node.save_snapshot().expect("saved when asked");
    assert_eq!(check(&fixture.path), Ok(Some(11)));
}
