//! Sealing through the real writer: a notification is stored sealed, replays after a
//! restart, does not open without its key, and verifies offline with and without keys.

use std::{fs, path::Path};

use serde_json::{json, Value};
use truce_ledger::{sign_command, AgeIdentity, LogEntry, SecretKey, Verifier};

use crate::{
    tests::{find, open, try_open, uuid7, Fixture},
    verify_log, StoreError, Submission, SubmitError, SEALED_SIGNER_COLUMN,
};

const HOSPITAL: &str = "Dar al-Shifa Field Hospital 7";
const LATITUDE: &str = "36.21357";

/// A party (the notifier's), a monitor account of it with an encryption key, and a
/// second party to notify; returns the monitor's key and its identity.
fn world(fixture: &mut Fixture) -> (SecretKey, AgeIdentity) {
    for n in [1, 2] {
        let party = json!({"type": "register_party", "party_id": uuid7(100 + n), "code": format!("P{n}"), "name": format!("Party {n}"), "kind": "state"});
        fixture.submit(party).expect("party");
    }
    let monitor = SecretKey::from_seed(&[11; 32]);
    let account = json!({"type": "register_account", "account_id": uuid7(2), "party_id": uuid7(101), "name": "Monitor", "roles": ["monitor"], "public_key": monitor.public_key().to_base64()});
    fixture.submit(account).expect("account");
    let identity = AgeIdentity::generate();
    let key = json!({"type": "set_encryption_key", "account_id": uuid7(2), "encryption_key": identity.encryption_key().to_string()});
    submit_as(fixture, &monitor, key).expect("the account sets its own key");
    (monitor, identity)
}

fn submit_as(fixture: &mut Fixture, key: &SecretKey, body: Value) -> Result<u64, SubmitError> {
    fixture.nonce += 1;
    let command = json!({"party": uuid7(101), "author": uuid7(2), "issued_at": truce_core::Timestamp::from_datetime(chrono::DateTime::from_timestamp(1_481_500_000, 0).expect("in range") + chrono::Duration::seconds(i64::try_from(fixture.nonce).expect("small") * 2)), "nonce": format!("monitor-nonce-{:016}", fixture.nonce), "body": body});
    let signature = sign_command(key, &command).expect("signable");
    let submission = Submission::verify(command, key.public_key(), signature).expect("verifies");
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(fixture.node.submit(submission)).expect("writer replies").map(|receipt| receipt.seq)
}

fn notification() -> Value {
    json!({"type": "notify_humanitarian", "notification_id": uuid7(500), "notified": {"kind": "site", "name": HOSPITAL, "site_kind": "hospital", "position": [37.16, 36.21357], "radius_m": 150.0}, "party_ids": [uuid7(102)], "deadline": "2016-12-13T12:00:00Z"})
}

/// The database with its WAL folded in, as bytes.
fn file_bytes(path: &Path) -> Vec<u8> {
    crate::sqlite::SqliteLog::open(path).expect("open").checkpoint_wal().expect("wal checkpoint");
    fs::read(path).expect("read")
}

#[test]
fn a_notification_is_stored_sealed_and_replays_after_a_restart() {
    let mut fixture = Fixture::new();
    let (monitor, identity) = world(&mut fixture);
    let seq = submit_as(&mut fixture, &monitor, notification()).expect("accepted");
    let stored = fixture.node.entries(seq, 1).expect("entries").pop().expect("stored");
    assert_eq!(stored.signer, SEALED_SIGNER_COLUMN);
    let LogEntry::Sealed(sealed) = LogEntry::parse_canonical(&stored.text).expect("parses") else {
        panic!("a notification is written open: {}", stored.text);
    };
    assert_eq!(sealed.parties(), [uuid7(101), uuid7(102)]);
    // The entitled account opens it with its own identity.
    let opened = sealed.open(&identity).expect("the monitor's account is a recipient");
    assert_eq!(opened.command()["body"]["notified"]["name"], HOSPITAL);
    // Nothing of it is anywhere in the file.
    let bytes = file_bytes(&fixture.path);
    for secret in [HOSPITAL.as_bytes(), LATITUDE.as_bytes()] {
        assert!(find(&bytes, secret).is_none(), "{} is in the database file", String::from_utf8_lossy(secret));
    }
    // The server derives from it all the same, before and after a restart.
    let live = fixture.node.read_state(Clone::clone);
    assert_eq!(live.monitoring.notifications.len(), 1);
    drop(fixture.node);
    let reopened = open(&fixture.path, &fixture.log_secret, &fixture.clock);
    assert_eq!(reopened.read_state(Clone::clone), live);
}

#[test]
fn a_log_with_sealed_entries_does_not_open_without_its_sealing_key_and_says_which_file() {
    let mut fixture = Fixture::new();
    let (monitor, _) = world(&mut fixture);
    let seq = submit_as(&mut fixture, &monitor, notification()).expect("accepted");
    drop(fixture.node);
    let key_path = fixture.path.with_file_name("sealing.key");

    let another = AgeIdentity::generate();
    let original = fs::read_to_string(&key_path).expect("the sealing key");
    fs::write(&key_path, another.to_file_text()).expect("replace");
    let err = try_open(&fixture.path, &fixture.log_secret, &fixture.clock).err().expect("refused");
    assert!(matches!(err, StoreError::Unseal { seq: at, .. } if at == seq), "{err}");
    assert!(err.to_string().contains(&key_path.display().to_string()), "{err}");

    fs::remove_file(&key_path).expect("remove");
    let err = try_open(&fixture.path, &fixture.log_secret, &fixture.clock).err().expect("refused");
    assert!(matches!(err, StoreError::SealingKey { .. }), "{err}");
    assert!(err.to_string().contains(&key_path.display().to_string()), "{err}");

    fs::write(&key_path, original).expect("restore");
    assert!(try_open(&fixture.path, &fixture.log_secret, &fixture.clock).is_ok());
}

#[test]
fn a_log_holding_a_notification_in_clear_is_refused_and_names_it() {
    let mut fixture = Fixture::new();
    let (monitor, identity) = world(&mut fixture);
    let seq = submit_as(&mut fixture, &monitor, notification()).expect("accepted");
    drop(fixture.node);
    // Write the notification back open, as a log from before sealing held it.
    let stored = crate::sqlite::SqliteLog::open(&fixture.path).expect("open").entries(seq, 1).expect("read").remove(0);
    let LogEntry::Sealed(sealed) = LogEntry::parse_canonical(&stored.text).expect("parses") else { panic!() };
    let open_text = sealed.open(&identity).expect("opens").to_canonical();
    let connection = rusqlite::Connection::open(&fixture.path).expect("sqlite");
    connection
        .execute(
            "UPDATE entries SET text = ?1, leaf_hash = ?2 WHERE seq = ?3",
            rusqlite::params![
                open_text,
                &truce_ledger::leaf_hash_of(&open_text)[..],
                i64::try_from(seq).expect("small")
            ],
        )
        .expect("update");
    drop(connection);
    let err = try_open(&fixture.path, &fixture.log_secret, &fixture.clock).err().expect("refused");
    assert!(matches!(&err, StoreError::UnsealedConfidential { seqs } if seqs == &[seq]), "{err}");
}

#[test]
fn verify_checks_envelopes_without_keys_and_everything_with_the_sealing_key() {
    let mut fixture = Fixture::new();
    let (monitor, identity) = world(&mut fixture);
    let seq = submit_as(&mut fixture, &monitor, notification()).expect("accepted");
    let ack_party =
        json!({"type": "register_party", "party_id": uuid7(103), "code": "P3", "name": "Party 3", "kind": "state"});
    fixture.submit(ack_party).expect("a public entry after the sealed one");
    let verifier = Verifier::parse(&fixture.node.verifier_key()).expect("vkey");
    let server = crate::read_sealing_identity(&fixture.path.with_file_name("sealing.key")).expect("the key");

    let public = verify_log(&fixture.path, &verifier, None, None).expect("verifies without keys");
    assert_eq!((public.sealed_count, public.opened_count, public.decided_all), (1, 0, false));
    let full = verify_log(&fixture.path, &verifier, None, Some(&server)).expect("verifies with the server's key");
    assert_eq!((full.sealed_count, full.opened_count, full.decided_all), (1, 1, true));
    let party = verify_log(&fixture.path, &verifier, None, Some(&identity)).expect("verifies with a party's key");
    assert_eq!((party.opened_count, party.decided_all), (1, true));
    let stranger = verify_log(&fixture.path, &verifier, None, Some(&AgeIdentity::generate())).expect("verifies");
    assert_eq!((stranger.opened_count, stranger.decided_all), (0, false));

    // A tampered envelope, its hash made to match: named, with or without keys.
    let stored = fixture.node.entries(seq, 1).expect("entries").remove(0);
    let mut value: Value = serde_json::from_str(&stored.text).expect("json");
    let ciphertext = value["sealed"]["ciphertext"].as_str().expect("text").to_owned();
    let tail = ciphertext.len() - 8;
    let flipped = if &ciphertext[tail..tail + 1] == "A" { "B" } else { "A" };
    value["sealed"]["ciphertext"] = json!(format!("{}{flipped}{}", &ciphertext[..tail], &ciphertext[tail + 1..]));
    let tampered = truce_ledger::canonical_json(&value).expect("canonical");
    drop(fixture.node);
    let connection = rusqlite::Connection::open(&fixture.path).expect("sqlite");
    connection
        .execute(
            "UPDATE entries SET text = ?1, leaf_hash = ?2 WHERE seq = ?3",
            rusqlite::params![tampered, &truce_ledger::leaf_hash_of(&tampered)[..], i64::try_from(seq).expect("small")],
        )
        .expect("update");
    drop(connection);
    for identity in [None, Some(&server)] {
        let failure = verify_log(&fixture.path, &verifier, None, identity).expect_err("tampering is caught");
        assert_eq!(failure.seq, Some(seq), "{failure}");
        assert!(failure.problem.contains("not signed by the log key"), "{failure}");
    }
}
