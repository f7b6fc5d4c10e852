//! Store tests: group commit through the real writer, replay after a restart giving
//! exactly the same projection, for random sequences of valid and invalid commands, and the
//! projection as known at any record time being the state right after the last entry
//! accepted by then.

use std::{
    fs,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, AtomicI64, Ordering},
        Arc,
    },
};

use proptest::prelude::*;
use serde_json::{json, Value};
use truce_core::{State, Timestamp};
use truce_ledger::{open_checkpoint, sign_command, verify_consistency, verify_inclusion, LogKey, SecretKey, Verifier};

use crate::{
    sqlite::SqliteLog, verify_log, Clock, LogRefusal, Node, NodeConfig, Receipt, StoreError, Submission, SubmitError,
    KNOWN_AT_STATES_CACHED_MAX,
};

/// A clock that advances `step_ns` nanoseconds per reading, from 12 December 2016.
pub(crate) struct StepClock {
    readings: AtomicI64,
    step_ns: i64,
}

impl StepClock {
    fn new(step_ns: i64) -> StepClock {
        StepClock { readings: AtomicI64::new(0), step_ns }
    }
}

impl Clock for StepClock {
    fn now(&self) -> Timestamp {
        let elapsed = self.readings.fetch_add(1, Ordering::SeqCst) * self.step_ns;
        let at = chrono::DateTime::from_timestamp(1_481_500_000, 0).expect("in range")
            + chrono::Duration::nanoseconds(elapsed);
        Timestamp::from_datetime(at)
    }
}

const SECOND_NS: i64 = 1_000_000_000;

pub(crate) struct Fixture {
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) path: std::path::PathBuf,
    pub(crate) log_secret: SecretKey,
    pub(crate) operator: SecretKey,
    pub(crate) operator_id: String,
    pub(crate) clock: Arc<StepClock>,
    pub(crate) node: Node,
    pub(crate) nonce: u64,
}

pub(crate) fn uuid7(n: u64) -> String {
    // A valid UUIDv7 whose timestamp part is fixed and whose random part is `n`.
    format!("01590000-0000-7000-8000-{n:012x}")
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        Fixture::with_clock_step(SECOND_NS)
    }

    /// A fixture whose clock moves on by `step_ns` at every reading.
    pub(crate) fn with_clock_step(step_ns: i64) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("truce.db");
        let log_secret = SecretKey::from_seed(&[7; 32]);
        let operator = SecretKey::from_seed(&[9; 32]);
        let clock = Arc::new(StepClock::new(step_ns));
        let log_key = LogKey::new("test.local/log", log_secret.clone()).expect("valid name");
        let node = Node::create(config(&path, log_key, &clock)).expect("creates");
        let mut fixture =
            Fixture { _dir: dir, path, log_secret, operator, operator_id: uuid7(1), clock, node, nonce: 0 };
        let genesis = json!({"type": "genesis", "operator_account_id": uuid7(1), "operator_name": "Operator",
            "operator_public_key": fixture.operator.public_key().to_base64(), "log_origin": "test.local/log"});
        fixture.submit(genesis).expect("genesis is accepted");
        fixture
    }

    fn command(&mut self, body: Value) -> Value {
        self.nonce += 1;
        let at = self.clock.now();
        json!({"party": null, "author": self.operator_id, "issued_at": at, "nonce": format!("nonce-{:016}", self.nonce), "body": body})
    }

    pub(crate) fn submit(&mut self, body: Value) -> Result<u64, SubmitError> {
        self.submit_for_receipt(body).map(|receipt| receipt.seq)
    }

    fn submit_for_receipt(&mut self, body: Value) -> Result<Receipt, SubmitError> {
        let command = self.command(body);
        self.submit_command_for_receipt(command)
    }

    fn submit_command(&self, command: Value) -> Result<u64, SubmitError> {
        self.submit_command_for_receipt(command).map(|receipt| receipt.seq)
    }

    /// The command signed by the operator, checked as the server checks it.
    fn signed(&self, command: Value) -> Submission {
        let signature = sign_command(&self.operator, &command).expect("signable");
        Submission::verify(command, self.operator.public_key(), signature).expect("verifies")
    }

    pub(crate) fn submit_command_for_receipt(&self, command: Value) -> Result<Receipt, SubmitError> {
        let submission = self.signed(command);
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        runtime.block_on(self.node.submit(submission)).expect("writer replies")
    }
}

/// The node's config: the log at `path`, its checkpoint saved beside it.
fn config(path: &Path, log_key: LogKey, clock: &Arc<StepClock>) -> NodeConfig {
    let clock: Arc<dyn Clock> = clock.clone();
    let checkpoint_path = checkpoint_path_of(path);
    let sealing_key_path = path.with_file_name("sealing.key");
    NodeConfig {
        path: path.to_owned(),
        checkpoint_path,
        log_key,
        sealing_key_path,
        origin: "test.local/log".to_owned(),
        clock,
    }
}

fn checkpoint_path_of(path: &Path) -> PathBuf {
    path.with_file_name("checkpoint")
}

pub(crate) fn try_open(path: &Path, log_secret: &SecretKey, clock: &Arc<StepClock>) -> Result<Node, StoreError> {
    let log_key = LogKey::new("test.local/log", log_secret.clone()).expect("valid name");
    Node::open(config(path, log_key, clock))
}

pub(crate) fn open(path: &Path, log_secret: &SecretKey, clock: &Arc<StepClock>) -> Node {
    try_open(path, log_secret, clock).expect("opens")
}

fn square(lon: f64, lat: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]]})
}

/// A small menu of operator commands, some valid and some not (duplicates, unknown zones).
#[derive(Debug, Clone)]
enum Step {
    Party { n: u64 },
    Force { n: u64, party: u64 },
    Zone { n: u64, code: u64 },
    Redraw { zone: u64, shift: u8 },
    Control { zone: u64, force: u64 },
}

fn body_of(step: &Step) -> Value {
    match step {
        Step::Party { n } => {
            json!({"type": "register_party", "party_id": uuid7(100 + n), "code": format!("P{n}"), "name": format!("Party {n}"), "kind": "state"})
        }
        Step::Force { n, party } => {
            json!({"type": "register_force", "force_id": uuid7(200 + n), "code": format!("F{n}"), "name": format!("Force {n}"), "party_ids": [uuid7(100 + party)]})
        }
        Step::Zone { n, code } => {
            json!({"type": "define_zone", "zone_id": uuid7(300 + n), "code": format!("Z{code}"), "name": format!("Zone {n}"), "kind": "neighbourhood", "boundary": square(37.1, 36.2)})
        }
        Step::Redraw { zone, shift } => {
            json!({"type": "redraw_zone", "zone_id": uuid7(300 + zone), "boundary": square(37.1 + f64::from(*shift) * 0.001, 36.2), "effective_at": "2016-12-12T10:00:00Z"})
        }
        Step::Control { zone, force } => {
            json!({"type": "record_zone_control", "zone_id": uuid7(300 + zone), "force_id": uuid7(200 + force), "since": "2016-12-12T09:00:00Z"})
        }
    }
}

fn step_strategy() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u64..6).prop_map(|n| Step::Party { n }),
        (0u64..6, 0u64..6).prop_map(|(n, party)| Step::Force { n, party }),
        (0u64..6, 0u64..6).prop_map(|(n, code)| Step::Zone { n, code }),
        (0u64..6, 0u8..20).prop_map(|(zone, shift)| Step::Redraw { zone, shift }),
        (0u64..6, 0u64..6).prop_map(|(zone, force)| Step::Control { zone, force }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn restarting_replays_to_exactly_the_same_state(steps in proptest::collection::vec(step_strategy(), 1..40)) {
        let mut fixture = Fixture::new();
        let mut accepted = 1u64;
        for step in &steps {
            let before = fixture.node.read_state(Clone::clone);
            match fixture.submit(body_of(step)) {
                Ok(seq) => {
                    prop_assert_eq!(seq, accepted);
                    accepted += 1;
                }
                Err(SubmitError::Domain(_)) => {
                    // A refused command changes nothing.
                    prop_assert_eq!(fixture.node.read_state(Clone::clone), before);
                }
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }
        let live = fixture.node.read_state(Clone::clone);
        let live_root = fixture.node.read_tree(|tree| tree.root());
        let reopened = open(&fixture.path, &fixture.log_secret, &fixture.clock);
        prop_assert_eq!(reopened.read_state(Clone::clone), live);
        prop_assert_eq!(reopened.read_tree(|tree| tree.root()), live_root);
        prop_assert_eq!(reopened.read_tree(|tree| tree.len()), accepted);
    }
}

#[test]
fn a_replayed_nonce_is_refused_and_the_log_is_unchanged() {
    let mut fixture = Fixture::new();
    let command = fixture.command(body_of(&Step::Party { n: 1 }));
    assert_eq!(fixture.submit_command(command.clone()).expect("first time"), 1);
    let err = fixture.submit_command(command).expect_err("second time");
    assert!(matches!(err, SubmitError::Domain(truce_core::DomainError::NonceReplayed { .. })), "{err}");
    assert_eq!(fixture.node.read_tree(|tree| tree.len()), 2);
}

#[test]
fn a_log_written_by_the_node_verifies_offline() {
    let mut fixture = Fixture::new();
    for n in 0..5 {
        fixture.submit(body_of(&Step::Party { n })).expect("accepted");
    }
    let verifier = Verifier::parse(&fixture.node.verifier_key()).expect("vkey");
    let older = fixture.node.checkpoint();
    fixture.submit(body_of(&Step::Zone { n: 1, code: 1 })).expect("accepted");
    let report = verify_log(&fixture.path, &verifier, Some(&older), None).expect("verifies");
    assert_eq!(report.entries_count, 7);
    assert_eq!(report.older_checkpoint_size, Some(6));
    assert_eq!(report.stored_checkpoint_size, Some(7));
}

#[test]
fn a_flipped_byte_in_any_entry_is_named_by_verify() {
    let mut fixture = Fixture::new();
    for n in 0..3 {
        fixture.submit(body_of(&Step::Party { n })).expect("accepted");
    }
    let verifier = Verifier::parse(&fixture.node.verifier_key()).expect("vkey");
    let entries = fixture.node.entries(0, 100).expect("entries");
    for entry in &entries {
        for offset in [0, entry.text.len() / 2, entry.text.len() - 1] {
            let copy = tempfile::tempdir().expect("temp dir");
            let path = copy.path().join("truce.db");
            {
                let log = crate::sqlite::SqliteLog::open(&fixture.path).expect("open");
                log.checkpoint_wal().expect("wal checkpoint");
            }
            std::fs::copy(&fixture.path, &path).expect("copy");
            let mut bytes = std::fs::read(&path).expect("read");
            let at = find(&bytes, entry.text.as_bytes()).expect("entry text is stored verbatim") + offset;
            bytes[at] ^= 0x01;
            std::fs::write(&path, bytes).expect("write");
            let failure = verify_log(&path, &verifier, None, None).expect_err("a flipped byte fails verification");
            assert_eq!(failure.seq, Some(entry.seq), "{failure}");
        }
    }
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// The acceptance time of the stored entry `seq`, as its text says.
fn accepted_at_of(node: &Node, seq: u64) -> Timestamp {
    let stored = node.entries(seq, 1).expect("entries").pop().expect("the entry is stored");
    let entry = truce_ledger::Entry::parse_canonical(&stored.text).expect("canonical");
    Timestamp::parse(entry.accepted_at()).expect("an RFC 3339 acceptance time")
}

fn shifted(at: Timestamp, ns: i64) -> Timestamp {
    Timestamp::from_datetime(at.as_datetime() + chrono::Duration::nanoseconds(ns))
}

/// The state known at `known_at`, copied out.
fn known_at(node: &Node, known_at: Timestamp) -> State {
    node.read_state_known_at(known_at, Clone::clone).expect("the log reads back")
}

/// Where the state a read is given lives: equal addresses are the same state, not a copy.
fn address(state: &State) -> usize {
    std::ptr::from_ref(state) as usize
}

/// Submits each step; for every entry accepted, its acceptance time and the live state
/// right after it (the genesis first).
fn history(fixture: &mut Fixture, steps: &[Step]) -> Vec<(Timestamp, State)> {
    let mut history = vec![(accepted_at_of(&fixture.node, 0), fixture.node.read_state(Clone::clone))];
    for step in steps {
        match fixture.submit_for_receipt(body_of(step)) {
            Ok(receipt) => history.push((receipt.accepted_at, fixture.node.read_state(Clone::clone))),
            Err(SubmitError::Domain(_)) => {}
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    history
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_state_known_at_each_acceptance_time_is_the_state_right_after_that_entry(
        steps in proptest::collection::vec(step_strategy(), 1..24),
        order in Just(()).prop_perturb(|(), mut rng| rng.next_u64()),
    ) {
        let mut fixture = Fixture::new();
        let history = history(&mut fixture, &steps);
        // Asked in a shuffled order, so that folds start from cached prefixes, shorter and
        // longer, and the cache overflows.
        let mut asked: Vec<usize> = (0..history.len()).collect();
        let mut seed = order;
        for idx in (1..asked.len()).rev() {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            asked.swap(idx, (seed >> 33) as usize % (idx + 1));
        }
        for &idx in asked.iter().chain(&asked) {
            let (accepted_at, after) = &history[idx];
            prop_assert_eq!(&known_at(&fixture.node, *accepted_at), after, "known at entry {}", idx);
            // The clock moved on a second at least between entries: half a second later,
            // nothing more was recorded.
            prop_assert_eq!(&known_at(&fixture.node, shifted(*accepted_at, SECOND_NS / 2)), after);
        }
        // A restarted node knows the same past.
        let reopened = open(&fixture.path, &fixture.log_secret, &fixture.clock);
        for (accepted_at, after) in history.iter().rev() {
            prop_assert_eq!(&known_at(&reopened, *accepted_at), after);
        }
    }
}

#[test]
fn before_the_first_entry_nothing_is_known_and_after_the_last_the_live_state_is_read() {
    let mut fixture = Fixture::new();
    let history = history(&mut fixture, &[Step::Party { n: 1 }, Step::Zone { n: 1, code: 1 }]);
    assert_eq!(history.len(), 3);
    let genesis_at = history[0].0;
    assert_eq!(known_at(&fixture.node, shifted(genesis_at, -1)), State::default());
    assert_eq!(known_at(&fixture.node, genesis_at), history[0].1);

    let last_at = history[2].0;
    let live = fixture.node.read_state(address);
    for at in [last_at, shifted(last_at, 1), Timestamp::parse("9999-12-31T23:59:59Z").expect("a time")] {
        assert_eq!(fixture.node.read_state_known_at(at, address).expect("reads"), live, "the live state, not a copy");
    }
    assert_eq!(known_at(&fixture.node, last_at), fixture.node.read_state(Clone::clone));
}

#[test]
fn a_past_instant_asked_again_is_answered_from_the_cache_until_it_is_crowded_out() {
    let mut fixture = Fixture::new();
    let steps: Vec<Step> = (0..8).map(|n| Step::Party { n }).collect();
    let history = history(&mut fixture, &steps);
    assert!(history.len() > 2 + KNOWN_AT_STATES_CACHED_MAX, "enough entries to crowd the cache");
    // Held, so that its state stays where it is and a fold made later lives elsewhere.
    let first = fixture.node.state_known_at(history[1].0).expect("reads");
    let first_address = first.read(address).expect("reads");
    assert_ne!(first_address, fixture.node.read_state(address), "a past state is not the live one");
    let again = |at: Timestamp| fixture.node.read_state_known_at(at, address).expect("reads");
    assert_eq!(again(history[1].0), first_address, "the same state, from the cache");
    assert_eq!(again(shifted(history[1].0, 1)), first_address, "between two entries, the same prefix");
    for (at, _) in &history[2..2 + KNOWN_AT_STATES_CACHED_MAX] {
        again(*at);
    }
    assert_ne!(again(history[1].0), first_address, "crowded out of the cache, so folded again");
    assert_eq!(known_at(&fixture.node, history[1].0), history[1].1, "to the same state");
}

#[test]
fn entries_accepted_within_one_millisecond_are_told_apart() {
    // 100 microseconds per clock reading: several entries in the same millisecond.
    let mut fixture = Fixture::with_clock_step(100_000);
    let steps: Vec<Step> = (0..4).map(|n| Step::Party { n }).collect();
    let history = history(&mut fixture, &steps);
    assert_eq!(history.len(), 5);
    assert_eq!(history[1].0.unix_ms(), history[2].0.unix_ms(), "two entries in the same millisecond");
    for pair in history.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        assert_eq!(known_at(&fixture.node, shifted(after.0, -1)), before.1, "a nanosecond before {}", after.0);
        assert_eq!(known_at(&fixture.node, after.0), after.1, "at {}", after.0);
    }
}

#[test]
fn entries_accepted_at_the_same_instant_are_known_together() {
    // A clock that never moves: every entry is accepted at the same instant.
    let mut fixture = Fixture::with_clock_step(0);
    let history = history(&mut fixture, &[Step::Party { n: 1 }, Step::Party { n: 2 }]);
    assert_eq!(history.len(), 3);
    let at = history[0].0;
    assert!(history.iter().all(|(accepted_at, _)| *accepted_at == at));
    assert_eq!(known_at(&fixture.node, at), history[2].1);
    assert_eq!(known_at(&fixture.node, shifted(at, -1)), State::default());
}

#[test]
fn a_known_state_taken_before_the_writer_moves_on_still_reads_as_known_then() {
    let mut fixture = Fixture::new();
    let history = history(&mut fixture, &[Step::Party { n: 1 }]);
    let (last_at, last) = history.last().cloned().expect("entries");
    let known = fixture.node.state_known_at(last_at).expect("reads");
    let latest = fixture.node.latest_state();
    fixture.submit(body_of(&Step::Party { n: 2 })).expect("accepted");
    assert_eq!(known.read(Clone::clone).expect("reads"), last, "the entry accepted since is left out");
    let now = fixture.node.read_state(Clone::clone);
    assert_ne!(now, last);
    assert_eq!(latest.read(Clone::clone).expect("reads"), now);
}

/// A copy of the fixture's log, WAL included, in a directory of its own, with the
/// fixture's saved checkpoint beside it when `with_checkpoint`.
fn copy_log(fixture: &Fixture, with_checkpoint: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("truce.db");
    let connection = rusqlite::Connection::open(&fixture.path).expect("the log opens");
    connection.execute("VACUUM INTO ?1", [path.to_str().expect("a UTF-8 path")]).expect("the log copies");
    if with_checkpoint {
        fs::copy(checkpoint_path_of(&fixture.path), checkpoint_path_of(&path)).expect("the checkpoint copies");
    }
    let sealing_key = fixture.path.with_file_name("sealing.key");
    fs::copy(&sealing_key, path.with_file_name("sealing.key")).expect("the sealing key copies");
    (dir, path)
}

fn with_parties(count: u64) -> Fixture {
    let mut fixture = Fixture::new();
    for n in 0..count {
        fixture.submit(body_of(&Step::Party { n })).expect("accepted");
    }
    fixture
}

#[test]
fn the_checkpoint_saved_beside_the_log_is_the_one_served() {
    let mut fixture = with_parties(2);
    let saved = || fs::read_to_string(checkpoint_path_of(&fixture.path)).expect("the checkpoint is saved");
    assert_eq!(saved(), fixture.node.checkpoint());
    let receipt = fixture.submit_for_receipt(body_of(&Step::Party { n: 7 })).expect("accepted");
    assert_eq!(receipt.tree_size, 4);
    assert_eq!(fs::read_to_string(checkpoint_path_of(&fixture.path)).expect("saved"), receipt.checkpoint);
    assert!(!fixture.path.with_file_name("checkpoint.tmp").exists(), "the temporary file was renamed");
}

#[test]
fn every_receipt_goes_out_once_a_checkpoint_that_extends_its_own_is_saved() {
    let mut fixture = Fixture::new();
    let submissions: Vec<Submission> = (0..300)
        .map(|n| {
            let command = fixture.command(body_of(&Step::Party { n }));
            let signature = sign_command(&fixture.operator, &command).expect("signable");
            Submission::verify(command, fixture.operator.public_key(), signature).expect("verifies")
        })
        .collect();
    let verifier = LogKey::new("test.local/log", fixture.log_secret.clone()).expect("valid name").verifier();
    let checkpoint_path = checkpoint_path_of(&fixture.path);
    let node = fixture.node.clone();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    // All queued at once, so that batches commit while earlier ones are still being answered.
    let waiting: Vec<_> = submissions.into_iter().map(|submission| node.submit(submission)).collect();
    let mut sizes = Vec::new();
    for receiver in waiting {
        let receipt = runtime.block_on(receiver).expect("the writer replies").expect("accepted");
        // Read as soon as the receipt is in hand: what was saved by then.
        let saved_text = fs::read_to_string(&checkpoint_path).expect("a checkpoint is saved");
        let saved = open_checkpoint(&saved_text, &verifier).expect("the saved checkpoint is signed");
        let own = open_checkpoint(&receipt.checkpoint, &verifier).expect("the receipt's checkpoint is signed");
        assert_eq!((own.size(), own.root()), (receipt.tree_size, &receipt.root));
        verify_inclusion(&receipt.leaf_hash, receipt.seq, receipt.tree_size, &receipt.inclusion_proof, &receipt.root)
            .expect("the receipt's proof holds");
        assert!(saved.size() >= receipt.tree_size, "receipt at {} sent with {} saved", receipt.tree_size, saved.size());
        let leaves = node.leaves();
        let proof =
            node.read_tree(|tree| tree.consistency_proof(receipt.tree_size, saved.size(), &leaves)).expect("a proof");
        verify_consistency(receipt.tree_size, saved.size(), &receipt.root, saved.root(), &proof)
            .expect("the saved checkpoint extends the receipt's");
        sizes.push(receipt.tree_size);
    }
    assert_eq!(sizes.last(), Some(&301), "the genesis and 300 parties");
    assert_eq!(fs::read_to_string(&checkpoint_path).expect("saved"), node.checkpoint(), "the latest is served");
}

#[test]
fn a_log_cut_short_at_its_tail_is_refused_naming_both_sizes() {
    let fixture = with_parties(4);
    let (_dir, path) = copy_log(&fixture, true);
    let connection = rusqlite::Connection::open(&path).expect("the copy opens");
    connection.execute("DELETE FROM entries WHERE seq >= 3", []).expect("the tail is cut");
    drop(connection);
    let Err(err) = try_open(&path, &fixture.log_secret, &fixture.clock) else { panic!("a cut log opened") };
    assert_eq!(err.log_refusal(), Some(LogRefusal::NotExtending));
    let expected = format!(
        "the log has 3 entries but checkpoint {} was signed at size 5: it was cut short or replaced",
        checkpoint_path_of(&path).display()
    );
    assert_eq!(err.to_string(), expected);
    // Refused, not signed again at the smaller size.
    let saved = fs::read_to_string(checkpoint_path_of(&path)).expect("the checkpoint is still there");
    assert_eq!(saved, fixture.node.checkpoint());
}

#[test]
fn a_log_replaced_by_another_of_the_same_size_is_refused() {
    let fixture = with_parties(2);
    // The same keys and commands on a clock that runs at another pace: other acceptance
    // times, so other entries and another root, of the same size.
    let mut other = Fixture::with_clock_step(3 * SECOND_NS);
    for n in 0..2 {
        other.submit(body_of(&Step::Party { n })).expect("accepted");
    }
    let (_dir, path) = copy_log(&other, false);
    fs::copy(checkpoint_path_of(&fixture.path), checkpoint_path_of(&path)).expect("the checkpoint copies");
    let Err(err) = try_open(&path, &fixture.log_secret, &fixture.clock) else { panic!("a replaced log opened") };
    assert_eq!(err.log_refusal(), Some(LogRefusal::NotExtending));
    assert!(matches!(err, StoreError::Replaced { entries: 3, size: 3, .. }), "{err}");
}

#[test]
fn a_log_that_extends_its_saved_checkpoint_opens() {
    let mut fixture = with_parties(2);
    let (_dir, path) = copy_log(&fixture, true);
    // An older checkpoint beside a longer log: what a crash between a commit and the save
    // of its checkpoint leaves.
    fixture.submit(body_of(&Step::Party { n: 9 })).expect("accepted");
    let (_newer_dir, newer_path) = copy_log(&fixture, false);
    fs::copy(checkpoint_path_of(&path), checkpoint_path_of(&newer_path)).expect("the checkpoint copies");
    let reopened = open(&newer_path, &fixture.log_secret, &fixture.clock);
    assert_eq!(reopened.checkpoint(), fixture.node.checkpoint());
    assert_eq!(fs::read_to_string(checkpoint_path_of(&newer_path)).expect("saved"), fixture.node.checkpoint());
}

#[test]
fn a_log_whose_checkpoint_is_missing_or_not_the_log_keys_is_refused() {
    let fixture = with_parties(1);
    let (_dir, path) = copy_log(&fixture, false);
    let Err(err) = try_open(&path, &fixture.log_secret, &fixture.clock) else { panic!("opened") };
    assert!(matches!(err, StoreError::CheckpointMissing { entries: 2, .. }), "{err}");
    assert_eq!(err.log_refusal(), Some(LogRefusal::NotExtending));

    let stranger = LogKey::new("test.local/log", SecretKey::from_seed(&[8; 32])).expect("valid name");
    let note = stranger.sign_checkpoint(&truce_ledger::Checkpoint::new("test.local/log", 0, [0; 32]).expect("valid"));
    fs::write(checkpoint_path_of(&path), note).expect("written");
    let Err(err) = try_open(&path, &fixture.log_secret, &fixture.clock) else { panic!("opened") };
    assert!(matches!(err, StoreError::CheckpointInvalid { .. }), "{err}");
}

#[test]
fn a_missing_or_empty_log_is_refused_and_never_created() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("truce.db");
    let clock = Arc::new(StepClock::new(SECOND_NS));
    let secret = SecretKey::from_seed(&[7; 32]);
    let Err(err) = try_open(&path, &secret, &clock) else { panic!("a missing log opened") };
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    assert_eq!(err.log_refusal(), Some(LogRefusal::Missing));
    assert!(!path.exists(), "opening a missing log created it");
    assert!(SqliteLog::open(&path).is_err(), "the store never creates a log it is asked to open");
    assert!(!path.exists());

    drop(SqliteLog::create(&path).expect("an empty log"));
    let Err(err) = try_open(&path, &secret, &clock) else { panic!("an empty log opened") };
    assert!(matches!(err, StoreError::Empty { .. }), "{err}");
    assert_eq!(err.log_refusal(), Some(LogRefusal::Missing));
}

#[test]
fn a_full_log_refuses_the_batch_keeps_serving_reads_and_takes_writes_again_once_there_is_room() {
    let mut fixture = with_parties(2);
    let size_on_disk = fs::metadata(&fixture.path).expect("the log").len()
        + fs::metadata(fixture.path.with_extension("db-wal")).map_or(0, |wal| wal.len());
    // No room to grow: as on a full disk.
    fixture.node.set_size_max(Some(1));
    let mut refused = None;
    let mut command = fixture.command(body_of(&Step::Zone { n: 1, code: 1 }));
    // A zone's outline needs pages the log does not have yet; parties may fit in free ones.
    for n in 10..200 {
        let before = (fixture.node.read_state(Clone::clone), fixture.node.read_tree(|t| t.root()));
        match fixture.submit_command(command.clone()) {
            Err(SubmitError::Unavailable { cause }) => {
                assert!(cause.contains("full"), "{cause}");
                refused = Some(before);
                break;
            }
            Ok(_) => command = fixture.command(body_of(&Step::Zone { n, code: n })),
            Err(err) => panic!("{err}"),
        }
    }
    let (state_before, root_before) =
        refused.unwrap_or_else(|| panic!("the log never filled ({size_on_disk} bytes on disk)"));
    // What was refused is nowhere: not in the projection, the tree or the checkpoint.
    assert_eq!(fixture.node.read_state(Clone::clone), state_before);
    assert_eq!(fixture.node.read_tree(|t| t.root()), root_before);
    let entries = fixture.node.read_state(|state| state.entries_count);
    assert_eq!(fixture.node.read_tree(|t| t.len()), entries);
    let checkpoint = fixture.node.checkpoint();
    assert!(checkpoint.lines().nth(1) == Some(entries.to_string().as_str()), "{checkpoint}");
    // Reads go on meanwhile, and a second attempt is refused the same way.
    assert!(fixture.node.read_state(|state| state.coordination.parties.len()) >= 2);
    assert!(matches!(fixture.submit_command(command.clone()), Err(SubmitError::Unavailable { .. })));

    // Room again: the same signed command is accepted (its nonce was never used).
    fixture.node.set_size_max(None);
    let seq = fixture.submit_command(command).expect("accepted once there is room");
    assert_eq!(seq, entries);
    let live = fixture.node.read_state(Clone::clone);
    let live_root = fixture.node.read_tree(|t| t.root());
    drop(fixture.node);
    let reopened = open(&fixture.path, &fixture.log_secret, &fixture.clock);
    assert_eq!(reopened.read_state(Clone::clone), live, "nothing acknowledged was lost");
    assert_eq!(reopened.read_tree(|t| t.root()), live_root);
}

#[test]
fn no_reader_sees_a_batch_that_is_not_yet_durable_even_one_that_fails_to_commit() {
    let mut fixture = with_parties(2);
    // No room to grow, as on a full disk; zones go in until one needs a page the log lacks.
    fixture.node.set_size_max(Some(1));
    let mut command = None;
    for n in 1..200 {
        let zone = fixture.command(body_of(&Step::Zone { n, code: n }));
        match fixture.submit_command(zone.clone()) {
            Err(SubmitError::Unavailable { .. }) => {
                command = Some(zone);
                break;
            }
            Ok(_) => {}
            Err(err) => panic!("{err}"),
        }
    }
    let command = command.expect("the log filled");
    let durable = fixture.node.read_state(|state| state.entries_count);
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (node, stop) = (fixture.node.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let (mut reads, mut most_seen) = (0_u64, 0);
            while !stop.load(Ordering::Acquire) {
                most_seen = most_seen.max(node.read_state(|state| state.entries_count));
                reads += 1;
            }
            (reads, most_seen)
        })
    };
    // Each attempt is decided and applied to the projection, then fails to commit and is
    // taken back out by replaying the durable log.
    for _ in 0..40 {
        assert!(matches!(fixture.submit_command(command.clone()), Err(SubmitError::Unavailable { .. })));
    }
    stop.store(true, Ordering::Release);
    let (reads, most_seen) = reader.join().expect("the reader does not panic");
    assert!(reads > 40, "the reader read while the batches were tried ({reads} reads)");
    assert_eq!(most_seen, durable, "a reader saw an entry that was never written");
}

#[test]
fn the_sqlite_log_passes_the_conformance_suite_of_every_log() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut made = 0;
    crate::log_conformance::check(&mut || {
        made += 1;
        Box::new(SqliteLog::create(&dir.path().join(format!("log-{made}.db"))).expect("a new log"))
    });
    assert_eq!(made, 7, "every check ran on a log of its own");
}

#[test]
fn a_log_gets_the_latest_schema_version_an_older_one_is_migrated_and_a_newer_one_refused() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("truce.db");
    drop(SqliteLog::create(&path).expect("a new log"));
    let version = |path: &std::path::Path| -> i64 {
        let connection = rusqlite::Connection::open(path).expect("opens");
        connection.query_row("PRAGMA user_version", [], |row| row.get(0)).expect("a version")
    };
    assert_eq!(version(&path), 2);
    // A log made before versions were kept: its tables, version 0. Opened, it is at the
    // latest version, its entries untouched.
    let old = dir.path().join("old.db");
    {
        let connection = rusqlite::Connection::open(&old).expect("creates");
        connection
            .execute_batch(
                "CREATE TABLE entries (seq INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL, signer TEXT NOT NULL,
                   nonce TEXT NOT NULL, text TEXT NOT NULL, CONSTRAINT entries_signer_nonce_unique UNIQUE (signer, nonce));
                 CREATE TABLE checkpoints (tree_size INTEGER PRIMARY KEY, note TEXT NOT NULL);
                 INSERT INTO entries VALUES (0, zeroblob(32), 's', 'n', '{}');",
            )
            .expect("an old schema");
    }
    let log = SqliteLog::open(&old).expect("an old log opens");
    assert_eq!(log.entries_count().expect("counts"), 1);
    drop(log);
    assert_eq!(version(&old), 2);
    // A newer one is refused, by writers and readers alike, saying so.
    rusqlite::Connection::open(&path).expect("opens").pragma_update(None, "user_version", 9).expect("set");
    for opened in [SqliteLog::open(&path), SqliteLog::open_read_only(&path)] {
        let err = opened.err().expect("a newer schema is refused");
        assert!(err.to_string().contains("schema is version 9, newer than the 2 this truce knows"), "{err}");
    }
}

mod shed;

#[test]
fn a_chain_is_decided_whole_with_nothing_between_and_stops_at_its_first_refusal() {
    let mut fixture = Fixture::new();
    let signed = |fixture: &mut Fixture, n: u64| {
        let command = fixture.command(body_of(&Step::Party { n }));
        fixture.signed(command)
    };
    // Singles queued before, between and after chains, all at once: batches of the writer mix them.
    let singles_before: Vec<Submission> = (0..100).map(|n| signed(&mut fixture, n)).collect();
    let chain: Vec<Submission> = (100..356).map(|n| signed(&mut fixture, n)).collect();
    let singles_between: Vec<Submission> = (400..500).map(|n| signed(&mut fixture, n)).collect();
    // The third command of this chain registers party 0 again: refused, and the rest not tried.
    let mut refused_chain: Vec<Submission> = (600..602).map(|n| signed(&mut fixture, n)).collect();
    refused_chain.push(signed(&mut fixture, 0));
    refused_chain.extend((602..610).map(|n| signed(&mut fixture, n)));
    let node = fixture.node.clone();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let before: Vec<_> = singles_before.into_iter().map(|submission| node.submit(submission)).collect();
    let chained = node.submit_chain(chain);
    let between: Vec<_> = singles_between.into_iter().map(|submission| node.submit(submission)).collect();
    let refused = node.submit_chain(refused_chain);
    type Replies = Vec<tokio::sync::oneshot::Receiver<Result<Receipt, SubmitError>>>;
    let receipts = |receivers: Replies| -> Vec<Result<Receipt, SubmitError>> {
        receivers.into_iter().map(|receiver| runtime.block_on(receiver).expect("the writer replies")).collect()
    };
    let (before, chained, between, refused) =
        (receipts(before), receipts(chained), receipts(between), receipts(refused));
    assert!(before.iter().chain(&between).all(Result::is_ok));
    let seqs: Vec<u64> = chained.iter().map(|receipt| receipt.as_ref().expect("accepted").seq).collect();
    assert_eq!(seqs.len(), 256);
    assert!(seqs.windows(2).all(|pair| pair[1] == pair[0] + 1), "a chain's entries are consecutive: {seqs:?}");
    let trees: Vec<u64> = chained.iter().map(|receipt| receipt.as_ref().expect("accepted").tree_size).collect();
    assert!(trees.iter().all(|size| *size == trees[0]), "one batch, one tree: {trees:?}");
    let outcomes: Vec<String> = refused
        .iter()
        .map(|outcome| match outcome {
            Ok(receipt) => format!("seq {}", receipt.seq - refused[0].as_ref().expect("accepted").seq),
            Err(SubmitError::Domain(err)) => format!("refused: {}", err.kind()),
            Err(SubmitError::NotTried) => "not tried".to_owned(),
            Err(err) => format!("{err}"),
        })
        .collect();
    assert_eq!(outcomes[..4], ["seq 0", "seq 1", "refused: duplicate", "not tried"]);
    assert!(outcomes[3..].iter().all(|outcome| outcome == "not tried"), "{outcomes:?}");
    // Written: the genesis, 100 + 256 + 100 singles and chained, and the two before the refusal.
    assert_eq!(node.read_state(|state| state.entries_count), 1 + 100 + 256 + 100 + 2);
}
