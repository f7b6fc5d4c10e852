//! The conformance suite of `Log`: what every backend must do, checked on a fresh, empty log
//! made by `make`. `SqliteLog` runs it in `tests.rs`; the next backend runs it too.

use crate::{error::StoreError, log::Log, sqlite::StoredEntry, SEQ_MAX};

fn entry(seq: u64, nonce: &str) -> StoredEntry {
    StoredEntry {
        seq,
        leaf_hash: [u8::try_from(seq % 251).expect("under 251"); 32],
        signer: "signer-key".to_owned(),
        nonce: nonce.to_owned(),
        text: format!("{{\"seq\":{seq},\"text\":\"entry {seq} \u{00e9}\u{1f54a}\"}}"),
    }
}

fn all(log: &dyn Log) -> Vec<StoredEntry> {
    let mut seen = Vec::new();
    log.for_each_entry_before(0, u64::MAX, &mut |stored| {
        seen.push(stored);
        Ok(())
    })
    .expect("the log reads");
    seen
}

/// Runs every check, each on a log of its own.
pub(crate) fn check(make: &mut dyn FnMut() -> Box<dyn Log>) {
    an_empty_log_has_nothing(make().as_mut());
    batches_read_back_whole_in_order(make().as_mut());
    a_failed_batch_leaves_nothing_behind(make().as_mut());
    ranges_and_pages_are_bounded(make().as_mut());
    the_latest_checkpoint_is_the_largest_tree(make().as_mut());
    a_full_log_refuses_as_a_full_disk_and_takes_writes_again(make().as_mut());
    leaf_hashes_read_back_by_range(make().as_mut());
}

fn leaf_hashes_read_back_by_range(log: &mut dyn Log) {
    assert_eq!(log.leaf_hashes(0, 4).expect("reads"), Vec::<[u8; 32]>::new());
    let batch: Vec<StoredEntry> = (0..10).map(|seq| entry(seq, &format!("nonce-{seq:016}"))).collect();
    log.append(&batch, Some((10, "note 10"))).expect("appends");
    let hashes = |range: std::ops::Range<usize>| batch[range].iter().map(|e| e.leaf_hash).collect::<Vec<_>>();
    assert_eq!(log.leaf_hashes(0, 10).expect("reads"), hashes(0..10));
    assert_eq!(log.leaf_hashes(4, 3).expect("reads"), hashes(4..7));
    // What is stored of a range that runs past the end; nothing past it, never wrapped.
    assert_eq!(log.leaf_hashes(8, 5).expect("reads"), hashes(8..10));
    assert_eq!(log.leaf_hashes(10, 5).expect("reads"), Vec::<[u8; 32]>::new());
    match log.leaf_hashes(SEQ_MAX + 1, 5) {
        Ok(hashes) => assert!(hashes.is_empty(), "a seq past SEQ_MAX wrapped"),
        Err(err) => assert!(matches!(err, StoreError::OutOfRange { .. }), "{err}"),
    }
}

fn an_empty_log_has_nothing(log: &mut dyn Log) {
    assert_eq!(all(log).len(), 0);
    assert!(all(log).is_empty());
    assert_eq!(log.entries(0, 10).expect("reads"), []);
    assert_eq!(log.latest_checkpoint().expect("reads"), None);
}

fn batches_read_back_whole_in_order(log: &mut dyn Log) {
    let first: Vec<StoredEntry> = (0..3).map(|seq| entry(seq, &format!("nonce-{seq:016}"))).collect();
    log.append(&first, Some((3, "note 3"))).expect("appends");
    let second: Vec<StoredEntry> = (3..5).map(|seq| entry(seq, &format!("nonce-{seq:016}"))).collect();
    log.append(&second, Some((5, "note 5"))).expect("appends");
    assert_eq!(all(log).len(), 5);
    let expected: Vec<StoredEntry> = first.into_iter().chain(second).collect();
    assert_eq!(all(log), expected, "entries read back byte for byte, in seq order");
    assert_eq!(log.entries(0, 100).expect("reads"), expected);
}

fn a_failed_batch_leaves_nothing_behind(log: &mut dyn Log) {
    log.append(&[entry(0, "nonce-a-0000000000")], Some((1, "note 1"))).expect("appends");
    // The second entry of the batch reuses a signer's nonce: the whole batch fails.
    let batch = [entry(1, "nonce-b-0000000000"), entry(2, "nonce-a-0000000000")];
    assert!(log.append(&batch, Some((3, "note 3"))).is_err(), "a replayed nonce is stored");
    // A seq already stored fails too.
    assert!(log.append(&[entry(0, "nonce-c-0000000000")], None).is_err(), "a seq is stored twice");
    assert_eq!(all(log).len(), 1);
    assert_eq!(all(log), [entry(0, "nonce-a-0000000000")]);
    assert_eq!(log.latest_checkpoint().expect("reads"), Some((1, "note 1".to_owned())));
    // And the log goes on from where it was.
    log.append(&[entry(1, "nonce-b-0000000000")], Some((2, "note 2"))).expect("appends");
    assert_eq!(all(log).len(), 2);
}

fn ranges_and_pages_are_bounded(log: &mut dyn Log) {
    let batch: Vec<StoredEntry> = (0..10).map(|seq| entry(seq, &format!("nonce-{seq:016}"))).collect();
    log.append(&batch, Some((10, "note 10"))).expect("appends");
    let mut seen = Vec::new();
    log.for_each_entry_before(3, 7, &mut |stored| {
        seen.push(stored.seq);
        Ok(())
    })
    .expect("reads");
    assert_eq!(seen, [3, 4, 5, 6]);
    let seqs = |entries: Vec<StoredEntry>| entries.into_iter().map(|e| e.seq).collect::<Vec<u64>>();
    assert_eq!(seqs(log.entries(8, 5).expect("reads")), [8, 9]);
    assert_eq!(seqs(log.entries(2, 3).expect("reads")), [2, 3, 4]);
    assert_eq!(seqs(log.entries(10, 5).expect("reads")), Vec::<u64>::new());
    // Past what a log can hold: empty or refused, never wrapped to the start.
    let mut past = 0;
    log.for_each_entry_before(u64::MAX, u64::MAX, &mut |_| {
        past += 1;
        Ok(())
    })
    .expect("reads");
    assert_eq!(past, 0);
    match log.entries(SEQ_MAX + 1, 5) {
        Ok(entries) => assert!(entries.is_empty(), "a seq past SEQ_MAX wrapped"),
        Err(err) => assert!(matches!(err, StoreError::OutOfRange { .. }), "{err}"),
    }
    // A visitor's error stops the walk and is returned.
    let mut visited = 0;
    let stopped = log.for_each_entry_before(0, u64::MAX, &mut |_| {
        visited += 1;
        Err(StoreError::Config("stop".to_owned()))
    });
    assert!(stopped.is_err());
    assert_eq!(visited, 1);
}

fn the_latest_checkpoint_is_the_largest_tree(log: &mut dyn Log) {
    log.append(&[entry(0, "nonce-0000000000000")], Some((1, "note 1"))).expect("appends");
    log.append(&[entry(1, "nonce-0000000000001")], Some((2, "note 2"))).expect("appends");
    log.append(&[entry(2, "nonce-0000000000002")], None).expect("appends without a checkpoint");
    assert_eq!(log.latest_checkpoint().expect("reads"), Some((2, "note 2".to_owned())));
}

fn a_full_log_refuses_as_a_full_disk_and_takes_writes_again(log: &mut dyn Log) {
    log.append(&[entry(0, "nonce-0000000000000")], Some((1, "note 1"))).expect("appends");
    log.set_size_max(Some(1)).expect("a limit");
    let big: Vec<StoredEntry> = (1..200)
        .map(|seq| StoredEntry { text: "x".repeat(4_000), ..entry(seq, &format!("nonce-{seq:016}")) })
        .collect();
    let refused = log.append(&big, Some((200, "note 200"))).expect_err("a full log takes no batch");
    assert!(refused.storage_unavailable().is_some(), "refused as storage unavailable: {refused}");
    assert_eq!(all(log).len(), 1, "nothing of the refused batch is stored");
    log.set_size_max(None).expect("no limit");
    log.append(&big, Some((200, "note 200"))).expect("appends once there is room");
    assert_eq!(all(log).len(), 200);
}
