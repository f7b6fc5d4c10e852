//! Crash safety under write load (docs/design.md section 9): the `truce` server is killed with
//! SIGKILL at a random moment while clients write, then restarted, again and again.
//!
//! After every restart, every entry acknowledged (201) before the kill must be in the log at
//! its seq with its leaf hash and nonce, and the new tree must be consistent with every
//! checkpoint seen so far (polled, from receipts, and from each restart), checked here with
//! the server's consistency proofs. Entries acknowledged in earlier cycles stay covered: the
//! checkpoint taken at the restart after them includes them. At the end the server is
//! killed once more and `truce verify` checks the log offline against an early and the
//! latest checkpoint.
//!
//! This is a correctness test; it asserts nothing about speed.
//! `TRUCE_CRASH_CYCLES` is the number of kills: 3 by default (CI), 50 or more for the full
//! run, e.g. `TRUCE_CRASH_CYCLES=60 cargo test -p truce-cli --test it crash -- --nocapture`.
//! The kill delays come from a seeded RNG; the seed is printed, and
//! `TRUCE_CRASH_SEED=<seed>` replays the same delays (the interleaving of requests still
//! varies). `TRUCE_CRASH_KEEP=1` keeps the data directory and the server logs.

use std::{
    collections::{BTreeMap, HashMap},
    fs,
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Mutex,
    },
    thread,
    time::Duration,
};

use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::{json, Value};
use truce_core::Timestamp;
use truce_ledger::{open_checkpoint, sign_command, verify_consistency, Checkpoint, Entry, Hash, SecretKey, Verifier};

use crate::support::{get_text, http_client, path_str, run_truce, Server};

const CRASH_CYCLES_DEFAULT: u32 = 3;
const CLIENT_THREADS_COUNT: usize = 4;
const KILL_DELAY_MS_MIN: u64 = 50;
const KILL_DELAY_MS_MAX: u64 = 400;
const CHECKPOINT_POLL_INTERVAL: Duration = Duration::from_millis(10);
const ENTRIES_PAGE_SIZE: u32 = 1000;

#[test]
fn acknowledged_entries_survive_sigkill_and_later_trees_stay_consistent() {
    let cycles_count: u32 = match std::env::var("TRUCE_CRASH_CYCLES") {
        Ok(text) => text.parse().expect("TRUCE_CRASH_CYCLES is a whole number"),
        Err(_) => CRASH_CYCLES_DEFAULT,
    };
    let seed: u64 = match std::env::var("TRUCE_CRASH_SEED") {
        Ok(text) => text.parse().expect("TRUCE_CRASH_SEED is a whole number"),
        Err(_) => rand::random(),
    };
    println!("crash test: {cycles_count} cycles, TRUCE_CRASH_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);

    let temp_dir = tempfile::tempdir().expect("a temporary directory");
    let root = match std::env::var_os("TRUCE_CRASH_KEEP") {
        Some(_) => temp_dir.keep(),
        None => temp_dir.path().to_owned(),
    };
    let data = root.join("data");
    run_truce(&["init", "--data", path_str(&data), "--origin", "crash.test/log"]);
    let operator = Operator::read(&data);
    let verifier = Verifier::parse(fs::read_to_string(data.join("log.pub")).expect("log.pub").trim())
        .expect("log.pub holds a verifier key");

    let mut history = History::default();
    let mut server = Server::start(&data, &root.join("server-0.log"));
    let mut latest = history.check_after_start(&server, &verifier, &[]);
    for cycle in 0..cycles_count {
        let kill_delay = Duration::from_millis(rng.gen_range(KILL_DELAY_MS_MIN..=KILL_DELAY_MS_MAX));
        let outcome = write_until_killed(&mut server, &operator, cycle, kill_delay);
        assert!(
            outcome.unexpected.is_empty(),
            "cycle {cycle} (seed {seed}): failures before the kill: {:?}",
            outcome.unexpected
        );
        history.record_notes(&verifier, &outcome.notes);
        println!(
            "cycle {cycle}: killed after {} ms, {} acknowledged, {} checkpoints seen",
            kill_delay.as_millis(),
            outcome.acks.len(),
            outcome.notes.len()
        );
        server = Server::start(&data, &root.join(format!("server-{}.log", cycle + 1)));
        latest = history.check_after_start(&server, &verifier, &outcome.acks);
    }
    server.kill();
    assert!(cycles_count == 0 || !history.acked_seqs.is_empty(), "no command was acknowledged in any cycle");

    let earliest = history.notes.iter().find(|(size, _)| **size > 1).map(|(_, note)| note.clone());
    for (name, note) in [("earliest", earliest), ("latest", Some(latest))] {
        let Some(note) = note else { continue };
        let note_path = root.join(format!("checkpoint-{name}.txt"));
        fs::write(&note_path, note).expect("writing a checkpoint note");
        let output = run_truce(&["verify", "--data", path_str(&data), "--checkpoint", path_str(&note_path)]);
        println!("truce verify against the {name} checkpoint:\n{output}");
    }
    println!("crash test passed: {} entries acknowledged over {cycles_count} kills", history.acked_seqs.len());
}

/// The operator account of the data directory: it may register parties at any time.
struct Operator {
    account_id: String,
    key: SecretKey,
}

impl Operator {
    fn read(data: &Path) -> Operator {
        let config: Value =
            serde_json::from_str(&fs::read_to_string(data.join("truce.json")).expect("truce.json")).expect("JSON");
        let account_id = config["operator_account_id"].as_str().expect("operator_account_id").to_owned();
        let key_text = fs::read_to_string(data.join("operator.key")).expect("operator.key");
        Operator { account_id, key: SecretKey::read_key_file(&key_text, None).expect("a key file") }
    }

    /// A signed `register_party` with a fresh party id, code and nonce: always accepted.
    fn register_party(&self, cycle: u32, thread_idx: usize, command_idx: u64) -> (String, Value) {
        let nonce = format!("crash-c{cycle}-t{thread_idx}-n{command_idx:010}");
        let code = format!("C{cycle}T{thread_idx}N{command_idx}");
        let command = json!({
            "party": null,
            "author": self.account_id,
            "issued_at": Timestamp::from_datetime(chrono::Utc::now()).to_string(),
            "nonce": nonce,
            "body": {
                "type": "register_party",
                "party_id": uuid::Uuid::now_v7().to_string(),
                "code": code,
                "name": format!("Crash test party {code}"),
                "kind": "state",
            },
        });
        let signature = sign_command(&self.key, &command).expect("a command of plain JSON signs");
        let body = json!({
            "command": command,
            "signer": self.key.public_key().to_base64(),
            "signature": signature.to_base64(),
        });
        (nonce, body)
    }
}

/// An entry the server acknowledged with 201: it must survive any crash after that.
#[derive(Debug, Clone)]
struct Ack {
    seq: u64,
    leaf_hash: String,
    nonce: String,
}

#[derive(Default)]
struct CycleOutcome {
    acks: Vec<Ack>,
    /// Checkpoint notes served before the kill: polled, and the last receipt of each client.
    notes: Vec<String>,
    /// Anything that went wrong before the kill was ordered.
    unexpected: Vec<String>,
}

/// What every cycle so far has established.
#[derive(Default)]
struct History {
    /// Every acknowledged seq, across all cycles: a seq acknowledged twice is a bug.
    acked_seqs: HashMap<u64, String>,
    /// Every checkpoint seen, by tree size: its root and one note of it.
    roots: BTreeMap<u64, Hash>,
    notes: BTreeMap<u64, String>,
}

impl History {
    fn record_notes(&mut self, verifier: &Verifier, notes: &[String]) {
        for note in notes {
            let checkpoint = open_checkpoint(note, verifier).expect("every served checkpoint is signed by the log key");
            self.record_checkpoint(&checkpoint, note);
        }
    }

    fn record_checkpoint(&mut self, checkpoint: &Checkpoint, note: &str) {
        let size = checkpoint.size();
        match self.roots.get(&size) {
            Some(root) => assert_eq!(root, checkpoint.root(), "two checkpoints of tree size {size} differ: a fork"),
            None => {
                self.roots.insert(size, *checkpoint.root());
                self.notes.insert(size, note.to_owned());
            }
        }
    }

    /// Checks the restarted server against everything seen so far; returns its checkpoint.
    fn check_after_start(&mut self, server: &Server, verifier: &Verifier, acks: &[Ack]) -> String {
        let http = http_client();
        let note = get_text(&http, &format!("{}/api/v1/ledger/checkpoint", server.base_url));
        let current = open_checkpoint(&note, verifier).expect("the restarted server's checkpoint is signed");
        for ack in acks {
            if let Some(nonce) = self.acked_seqs.insert(ack.seq, ack.nonce.clone()) {
                panic!("seq {} was acknowledged twice: for nonces {nonce} and {}", ack.seq, ack.nonce);
            }
        }
        check_acks_present(&http, server, current.size(), acks);
        self.check_consistency(&http, server, &current);
        self.record_checkpoint(&current, &note);
        note
    }

    /// The current tree must extend every earlier checkpoint.
    fn check_consistency(&self, http: &reqwest::blocking::Client, server: &Server, current: &Checkpoint) {
        let to = current.size();
        for (&from, old_root) in &self.roots {
            assert!(from <= to, "a checkpoint of tree size {from} was served before, but the tree now has {to}");
            if from == 0 {
                continue;
            }
            if from == to {
                assert_eq!(old_root, current.root(), "same tree size {to}, different root: a fork");
                continue;
            }
            let url = format!("{}/api/v1/ledger/proof/consistency?from={from}&to={to}", server.base_url);
            let body: Value = serde_json::from_str(&get_text(http, &url)).expect("a JSON consistency proof");
            let proof: Vec<Hash> = body["proof"]
                .as_array()
                .expect("a proof array")
                .iter()
                .map(|node| parse_hash(node.as_str().expect("a hex hash")))
                .collect();
            if let Err(err) = verify_consistency(from, to, old_root, current.root(), &proof) {
                panic!("the tree of size {to} is not consistent with the earlier checkpoint of size {from}: {err}");
            }
        }
    }
}

/// Every acknowledged entry is in the log at its seq, with its leaf hash and its nonce.
fn check_acks_present(http: &reqwest::blocking::Client, server: &Server, tree_size: u64, acks: &[Ack]) {
    let Some(from) = acks.iter().map(|ack| ack.seq).min() else { return };
    let to = acks.iter().map(|ack| ack.seq).max().expect("not empty") + 1;
    assert!(to <= tree_size, "seq {} was acknowledged, but the restarted log has {tree_size} entries", to - 1);
    let mut found: HashMap<u64, (String, String)> = HashMap::new();
    let mut next = from;
    while next < to {
        let url = format!("{}/api/v1/ledger/entries?from={next}&limit={ENTRIES_PAGE_SIZE}", server.base_url);
        let page: Value = serde_json::from_str(&get_text(http, &url)).expect("a JSON page of entries");
        let entries = page["entries"].as_array().expect("an entries array");
        assert!(!entries.is_empty(), "no entries from seq {next}, though the log has {tree_size}");
        for entry in entries {
            let seq = entry["seq"].as_u64().expect("a seq");
            let leaf_hash = entry["leaf_hash"].as_str().expect("a leaf hash").to_owned();
            let text = entry["entry"].as_str().expect("the entry text").to_owned();
            next = seq + 1;
            found.insert(seq, (leaf_hash, text));
        }
    }
    for ack in acks {
        let Some((leaf_hash, text)) = found.get(&ack.seq) else {
            panic!("acknowledged seq {} (nonce {}) is missing after the restart", ack.seq, ack.nonce);
        };
        assert_eq!(leaf_hash, &ack.leaf_hash, "the leaf hash at acknowledged seq {} changed", ack.seq);
        assert_eq!(&hex::encode(truce_ledger::leaf_hash_of(text)), leaf_hash, "seq {}: leaf hash vs text", ack.seq);
        let entry = Entry::parse_canonical(text).expect("a stored entry is canonical");
        assert_eq!(entry.command()["nonce"], ack.nonce.as_str(), "seq {} holds another command", ack.seq);
    }
}

/// Writes from `CLIENT_THREADS_COUNT` threads and polls checkpoints until `server` is killed
/// after `kill_delay`.
fn write_until_killed(server: &mut Server, operator: &Operator, cycle: u32, kill_delay: Duration) -> CycleOutcome {
    let killing = AtomicBool::new(false);
    let outcome = Mutex::new(CycleOutcome::default());
    let base_url = server.base_url.clone();
    thread::scope(|scope| {
        for thread_idx in 0..CLIENT_THREADS_COUNT {
            let (killing, outcome, base_url) = (&killing, &outcome, &base_url);
            scope.spawn(move || {
                let (acks, note, unexpected) = write_commands(base_url, operator, cycle, thread_idx, killing);
                let mut outcome = outcome.lock().expect("no client panics holding the lock");
                outcome.acks.extend(acks);
                outcome.notes.extend(note);
                outcome.unexpected.extend(unexpected);
            });
        }
        let (killing, outcome, base_url) = (&killing, &outcome, &base_url);
        scope.spawn(move || {
            let (notes, unexpected) = poll_checkpoints(base_url, killing);
            let mut outcome = outcome.lock().expect("no client panics holding the lock");
            outcome.notes.extend(notes);
            outcome.unexpected.extend(unexpected);
        });
        // Nothing here may panic: the threads only stop once the kill is ordered.
        thread::sleep(kill_delay);
        killing.store(true, Ordering::SeqCst);
        server.kill();
    });
    outcome.into_inner().expect("every client thread has finished")
}

/// One client: signs and posts commands back to back until a request fails after the kill.
fn write_commands(
    base_url: &str,
    operator: &Operator,
    cycle: u32,
    thread_idx: usize,
    killing: &AtomicBool,
) -> (Vec<Ack>, Option<String>, Vec<String>) {
    let http = http_client();
    let url = format!("{base_url}/api/v1/commands");
    let (mut acks, mut last_note, mut unexpected) = (Vec::new(), None, Vec::new());
    for command_idx in 0.. {
        let (nonce, body) = operator.register_party(cycle, thread_idx, command_idx);
        let response = match http.post(&url).json(&body).send() {
            Ok(response) => response,
            Err(err) => {
                if !killing.load(Ordering::SeqCst) {
                    unexpected.push(format!("thread {thread_idx}: POST failed before the kill: {err}"));
                }
                break;
            }
        };
        let status = response.status();
        // A reply cut short by the kill is no acknowledgement.
        let Ok(text) = response.text() else { break };
        if status != reqwest::StatusCode::CREATED {
            if !killing.load(Ordering::SeqCst) {
                unexpected.push(format!("thread {thread_idx}: POST answered {status}: {text}"));
            }
            break;
        }
        let receipt: Value = serde_json::from_str(&text).expect("a 201 carries a JSON receipt");
        let seq = receipt["seq"].as_u64().expect("a receipt has a seq");
        let leaf_hash = receipt["leaf_hash"].as_str().expect("a receipt has a leaf hash").to_owned();
        last_note = Some(receipt["checkpoint"].as_str().expect("a receipt has a checkpoint").to_owned());
        acks.push(Ack { seq, leaf_hash, nonce });
    }
    (acks, last_note, unexpected)
}

/// Fetches the checkpoint over and over, keeping every distinct note, until the kill.
fn poll_checkpoints(base_url: &str, killing: &AtomicBool) -> (Vec<String>, Vec<String>) {
    let http = http_client();
    let url = format!("{base_url}/api/v1/ledger/checkpoint");
    let (mut notes, mut unexpected): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    while !killing.load(Ordering::SeqCst) {
        let text = match http.get(&url).send().and_then(|response| response.error_for_status()?.text()) {
            Ok(text) => text,
            Err(err) => {
                if !killing.load(Ordering::SeqCst) {
                    unexpected.push(format!("GET checkpoint failed before the kill: {err}"));
                }
                break;
            }
        };
        if notes.last() != Some(&text) {
            notes.push(text);
        }
        thread::sleep(CHECKPOINT_POLL_INTERVAL);
    }
    (notes, unexpected)
}

fn parse_hash(text: &str) -> Hash {
    let bytes = hex::decode(text).expect("a hex hash");
    bytes.try_into().expect("a hash is 32 bytes")
}
