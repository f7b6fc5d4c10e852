use base64::{engine::general_purpose::STANDARD, Engine as _};
use expect_test::{expect, Expect};
use rand::{rngs::StdRng, SeedableRng as _};
use serde_json::{json, Value};

use crate::{
    canonical_json, sign_command, AgeIdentity, EncryptionKey, Entry, LedgerError, LogEntry, LogKey, SealedEntry,
    SecretKey,
};

fn log_key() -> LogKey {
    LogKey::new("truce.example/log", SecretKey::from_seed(&[3; 32])).expect("a valid name")
}

fn content() -> Entry {
    let author = SecretKey::from_seed(&[7; 32]);
    let command = json!({"type": "notify_humanitarian", "name": "Al-Quds Hospital", "lat": 36.2021});
    let signature = sign_command(&author, &command).expect("canonicalisable");
    let events = json!([{"type": "humanitarian_notified"}]);
    Entry::new(5, "2016-12-12T10:00:00Z", command, author.public_key(), signature, events).expect("valid")
}

fn sealed_to(identities: &[&AgeIdentity]) -> SealedEntry {
    let recipients: Vec<EncryptionKey> = identities.iter().map(|identity| identity.encryption_key()).collect();
    let parties = vec!["party-a".to_owned(), "party-b".to_owned()];
    SealedEntry::seal(&content(), parties, &recipients, &log_key(), &mut StdRng::seed_from_u64(1)).expect("seals")
}

/// The sealed entry's JSON with `edit` applied, written canonically.
fn edited(sealed: &SealedEntry, edit: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = serde_json::from_str(sealed.canonical_text()).expect("json");
    edit(&mut value);
    canonical_json(&value).expect("canonicalisable")
}

#[track_caller]
fn check(outcome: Result<impl std::fmt::Debug, LedgerError>, expect: Expect) {
    let actual = match outcome {
        Ok(_) => "ok".to_owned(),
        Err(err) => {
            let mut message = format!("err {err}");
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            message
        }
    };
    expect.assert_eq(&actual);
}

#[test]
fn a_sealed_entry_holds_nothing_of_its_content_in_clear() {
    let server = AgeIdentity::generate();
    let sealed = sealed_to(&[&server]);
    let text = sealed.canonical_text();
    for secret in ["Al-Quds", "36.2021", "notify_humanitarian", "humanitarian_notified"] {
        assert!(!text.contains(secret), "{secret} is in {text}");
    }
    let value: Value = serde_json::from_str(text).expect("json");
    let keys: Vec<&String> = value.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["accepted_at", "sealed", "seq"]);
    let envelope: Vec<&String> = value["sealed"].as_object().expect("object").keys().collect();
    assert_eq!(envelope, ["ciphertext", "commitment", "parties", "signature"]);
    assert_eq!(value["sealed"]["parties"], json!(["party-a", "party-b"]));
}

#[test]
fn every_recipient_opens_the_same_content_and_the_envelope_verifies() {
    let server = AgeIdentity::generate();
    let party = AgeIdentity::generate();
    let sealed = sealed_to(&[&server, &party]);
    let parsed = SealedEntry::parse_canonical(sealed.canonical_text()).expect("own output parses");
    assert_eq!(parsed, sealed);
    assert!(parsed.verify_signature(&log_key().public_key()).is_ok());
    let by_server = parsed.open(&server).expect("the server opens it");
    let by_party = parsed.open(&party).expect("the party opens it");
    assert_eq!(by_server, content());
    assert_eq!(by_party, content());
    assert!(by_server.verify_signature().is_ok());
}

#[test]
fn a_stranger_cannot_open_it() {
    let sealed = sealed_to(&[&AgeIdentity::generate()]);
    check(
        sealed.open(&AgeIdentity::generate()),
        expect![[r#"err the sealed entry does not decrypt with this identity: No matching keys found"#]],
    );
}

#[test]
fn log_entry_tells_sealed_from_open() {
    let sealed = sealed_to(&[&AgeIdentity::generate()]);
    let open = content();
    match LogEntry::parse_canonical(sealed.canonical_text()).expect("parses") {
        LogEntry::Sealed(parsed) => assert_eq!(parsed, sealed),
        LogEntry::Open(_) => panic!("a sealed entry read as open"),
    }
    match LogEntry::parse_canonical(open.canonical_text()).expect("parses") {
        LogEntry::Open(parsed) => assert_eq!(parsed, open),
        LogEntry::Sealed(_) => panic!("an open entry read as sealed"),
    }
    // An entry cannot be both.
    let mixed = edited(&sealed, |value| value["command"] = json!({}));
    check(LogEntry::parse_canonical(&mixed), expect![[r#"err entry has the unexpected field "command""#]]);
}

#[test]
fn a_tampered_envelope_is_named() {
    let server = AgeIdentity::generate();
    let sealed = sealed_to(&[&server]);
    let key = log_key().public_key();
    let signature_check = |text: &str| SealedEntry::parse_canonical(text).and_then(|s| s.verify_signature(&key));

    let other_parties = edited(&sealed, |value| value["sealed"]["parties"] = json!(["party-a"]));
    check(signature_check(&other_parties), expect![[r#"err signature does not verify"#]]);
    let other_seq = edited(&sealed, |value| value["seq"] = json!(6));
    check(signature_check(&other_seq), expect![[r#"err signature does not verify"#]]);

    // Another commitment: the signature catches it without keys; a forged signature aside,
    // opening catches it too.
    let other_commitment = edited(&sealed, |value| value["sealed"]["commitment"] = json!(STANDARD.encode([9u8; 32])));
    check(signature_check(&other_commitment), expect![[r#"err signature does not verify"#]]);
    let parsed = SealedEntry::parse_canonical(&other_commitment).expect("well formed");
    check(parsed.open(&server), expect![[r#"err the decrypted content does not match the envelope's commitment"#]]);

    // A flipped byte in the ciphertext's payload.
    let mut ciphertext = STANDARD
        .decode(
            serde_json::from_str::<Value>(sealed.canonical_text()).expect("json")["sealed"]["ciphertext"]
                .as_str()
                .expect("text"),
        )
        .expect("base64");
    let last = ciphertext.len() - 1;
    ciphertext[last] ^= 1;
    let flipped = edited(&sealed, |value| value["sealed"]["ciphertext"] = json!(STANDARD.encode(&ciphertext)));
    check(signature_check(&flipped), expect![[r#"err signature does not verify"#]]);
    let parsed = SealedEntry::parse_canonical(&flipped).expect("the header is intact");
    check(
        parsed.open(&server),
        expect!["err the sealed entry does not decrypt with this identity: decryption error: decryption error"],
    );
}

#[test]
fn only_the_canonical_envelope_form_parses() {
    let sealed = sealed_to(&[&AgeIdentity::generate()]);
    let cases = [
        edited(&sealed, |value| value["sealed"]["extra"] = json!(1)),
        edited(&sealed, |value| {
            value["sealed"].as_object_mut().expect("object").remove("commitment");
        }),
        edited(&sealed, |value| value["sealed"]["parties"] = json!(["party-b", "party-a"])),
        edited(&sealed, |value| value["sealed"]["parties"] = json!([])),
        edited(&sealed, |value| value["sealed"]["commitment"] = json!(STANDARD.encode([1u8; 31]))),
        edited(&sealed, |value| value["sealed"]["ciphertext"] = json!(STANDARD.encode(b"not an age file"))),
        edited(&sealed, |value| value["sealed"] = json!("sealed")),
        sealed.canonical_text().replacen('{', "{ ", 1),
    ];
    let outcomes: Vec<String> = cases
        .iter()
        .map(|text| match SealedEntry::parse_canonical(text) {
            Ok(_) => "ok".to_owned(),
            Err(err) => err.to_string(),
        })
        .collect();
    expect![[r#"
        entry has the unexpected field "sealed.extra"
        entry has no field "commitment"
        sealed entry parties are malformed: party ids must be distinct and ascending
        sealed entry parties are malformed: there must be 1 to 256 entitled parties
        entry field "sealed.commitment" is invalid
        sealed entry ciphertext is not an age file
        entry field "sealed" is not an object
        text is not canonical json (rfc 8785)"#]]
    .assert_eq(&outcomes.join("\n"));
}

#[test]
fn an_identity_file_round_trips_and_is_read_as_age_keygen_writes_it() {
    let identity = AgeIdentity::generate();
    let text = identity.to_file_text();
    assert!(text.starts_with("# public key: age1"));
    let read = AgeIdentity::parse_file_text(&text).expect("own output reads");
    assert_eq!(read.encryption_key().to_string(), identity.encryption_key().to_string());
    let keygen = format!("# created: 2026-01-01T00:00:00Z\n{text}");
    assert!(AgeIdentity::parse_file_text(&keygen).is_ok());
    check(
        AgeIdentity::parse_file_text("# nothing\n"),
        expect![[r#"err age identity file is malformed: it must hold exactly one secret key line"#]],
    );
    check(
        EncryptionKey::parse("age1notakey"),
        expect![[r#"err encryption key "age1notakey" is not an age x25519 recipient (age1...)"#]],
    );
    assert!(EncryptionKey::parse(&identity.encryption_key().to_string()).is_ok());
}
