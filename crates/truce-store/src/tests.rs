//! Store tests: group commit through the real writer, and replay after a restart giving
//! exactly the same projection, for random sequences of valid and invalid commands.

use std::sync::{
    atomic::{AtomicI64, Ordering},
    Arc,
};

use proptest::prelude::*;
use serde_json::{json, Value};
use truce_core::Timestamp;
use truce_ledger::{sign_command, LogKey, SecretKey, Verifier};

use crate::{verify_log, Clock, Node, NodeConfig, Submission, SubmitError};

/// A clock that advances one second per reading, from 12 December 2016.
struct StepClock(AtomicI64);

impl Clock for StepClock {
    fn now(&self) -> Timestamp {
        let s = self.0.fetch_add(1, Ordering::SeqCst);
        Timestamp::from_datetime(chrono::DateTime::from_timestamp(1_481_500_000 + s, 0).expect("in range"))
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    log_secret: SecretKey,
    operator: SecretKey,
    operator_id: String,
    clock: Arc<StepClock>,
    node: Node,
    nonce: u64,
}

fn uuid7(n: u64) -> String {
    // A valid UUIDv7 whose timestamp part is fixed and whose random part is `n`.
    format!("01590000-0000-7000-8000-{n:012x}")
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("truce.db");
        let log_secret = SecretKey::from_seed(&[7; 32]);
        let operator = SecretKey::from_seed(&[9; 32]);
        let clock = Arc::new(StepClock(AtomicI64::new(0)));
        let node = open(&path, &log_secret, &clock);
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

    fn submit(&mut self, body: Value) -> Result<u64, SubmitError> {
        let command = self.command(body);
        self.submit_command(command)
    }

    fn submit_command(&self, command: Value) -> Result<u64, SubmitError> {
        let signature = sign_command(&self.operator, &command).expect("signable");
        let submission = Submission::verify(command, self.operator.public_key(), signature).expect("verifies");
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        runtime.block_on(self.node.submit(submission)).expect("writer replies").map(|receipt| receipt.seq)
    }
}

fn open(path: &std::path::Path, log_secret: &SecretKey, clock: &Arc<StepClock>) -> Node {
    let log_key = LogKey::new("test.local/log", log_secret.clone()).expect("valid name");
    let clock: Arc<dyn Clock> = clock.clone();
    Node::open(NodeConfig { path: path.to_owned(), log_key, origin: "test.local/log".to_owned(), clock })
        .expect("opens")
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
    let report = verify_log(&fixture.path, &verifier, Some(&older)).expect("verifies");
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
                let log = crate::SqliteLog::open(&fixture.path).expect("open");
                log.checkpoint_wal().expect("wal checkpoint");
            }
            std::fs::copy(&fixture.path, &path).expect("copy");
            let mut bytes = std::fs::read(&path).expect("read");
            let at = find(&bytes, entry.text.as_bytes()).expect("entry text is stored verbatim") + offset;
            bytes[at] ^= 0x01;
            std::fs::write(&path, bytes).expect("write");
            let failure = verify_log(&path, &verifier, None).expect_err("a flipped byte fails verification");
            assert_eq!(failure.seq, Some(entry.seq), "{failure}");
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}
