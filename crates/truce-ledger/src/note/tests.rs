use base64::{engine::general_purpose::STANDARD, Engine as _};
use expect_test::{expect, Expect};
use proptest::prelude::*;

use crate::{
    key_id, open_checkpoint, open_note, verifier_key, Checkpoint, LogKey, NoteError, SecretKey, Verifier, EMPTY_ROOT,
    NOTE_BYTES_MAX,
};

const LOG_NAME: &str = "truce.example/log";

/// The root of the 8-leaf RFC 6962 test tree.
const ROOT_8_HEX: &str = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";

// The example of golang.org/x/mod/sumdb/note, which C2SP signed-note
// describes: the same seed must give the same note, byte for byte.
const GO_SIGNER_KEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VERIFIER_KEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn log_key() -> LogKey {
    LogKey::new(LOG_NAME, SecretKey::from_seed(&[7; 32])).expect("valid name")
}

fn checkpoint_8() -> Checkpoint {
    let root = hex::decode(ROOT_8_HEX).expect("hex").try_into().expect("32 bytes");
    Checkpoint::new(LOG_NAME, 8, root).expect("valid origin")
}

fn signed_checkpoint_8() -> String {
    log_key().sign_checkpoint(&checkpoint_8())
}

#[track_caller]
fn check(note: &str, expect: Expect) {
    let actual = match open_checkpoint(note, &log_key().verifier()) {
        Ok(checkpoint) => {
            format!("ok {} {} {}", checkpoint.origin(), checkpoint.size(), hex::encode(checkpoint.root()))
        }
        Err(err) => format!("err {err}"),
    };
    expect.assert_eq(&actual);
}

/// A signature line by another key with the given name and key id.
fn foreign_signature_line(name: &str, key_id: [u8; 4]) -> String {
    let mut blob = key_id.to_vec();
    blob.extend_from_slice(&[0x55; 64]);
    format!("— {name} {}\n", STANDARD.encode(blob))
}

#[test]
fn signed_checkpoint_of_a_fixed_key_is_stable() {
    expect![[r#"
        truce.example/log
        8
        XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=

        — truce.example/log LRh6EgrT/mGJqh2B8Fsvv1aHBSmS+YOg11NEVYQ3zaZBbT5lhMRYKIAJYnQAq6MfLrnYVITFrfAyU+JcSYkAcS7Jaws=
    "#]]
    .assert_eq(&signed_checkpoint_8());
    expect!["truce.example/log+2d187a12+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs"]
        .assert_eq(&log_key().verifier_key());
}

#[test]
fn signed_checkpoint_opens_with_its_verifier() {
    check(
        &signed_checkpoint_8(),
        expect!["ok truce.example/log 8 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    );
}

#[test]
fn checkpoint_of_the_empty_tree_round_trips() {
    let empty = Checkpoint::new(LOG_NAME, 0, EMPTY_ROOT).expect("valid origin");
    let note = log_key().sign_checkpoint(&empty);
    assert!(note.starts_with("truce.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"));
    let opened = open_checkpoint(&note, &log_key().verifier()).expect("opens");
    assert_eq!(opened, empty);
}

#[test]
fn note_signed_like_the_go_sumdb_example_is_identical() {
    let encoded = GO_SIGNER_KEY.splitn(5, '+').nth(4).expect("five parts");
    let bytes = STANDARD.decode(encoded).expect("base64");
    assert_eq!(bytes[0], 0x01);
    let seed: [u8; 32] = bytes[1..].try_into().expect("32-byte seed");
    let key = LogKey::new("PeterNeumann", SecretKey::from_seed(&seed)).expect("valid name");
    assert_eq!(key.verifier_key(), GO_VERIFIER_KEY);
    assert_eq!(key.sign_note(GO_TEXT).expect("valid text"), GO_NOTE);

    let verifier = Verifier::parse(GO_VERIFIER_KEY).expect("valid verifier key");
    assert_eq!(verifier.to_string(), GO_VERIFIER_KEY);
    assert_eq!(open_note(GO_NOTE, &verifier).expect("opens"), GO_TEXT);
    let tampered = GO_NOTE.replace("cryptography", "cryptographY");
    assert!(matches!(open_note(&tampered, &verifier), Err(NoteError::BadSignature { .. })));
}

#[test]
fn verifier_key_text_round_trips() {
    let key = log_key();
    let text = verifier_key(LOG_NAME, &key.public_key()).expect("valid name");
    assert_eq!(text, key.verifier_key());
    let verifier = Verifier::parse(&text).expect("parses");
    assert_eq!(verifier, key.verifier());
    assert_eq!(verifier.key_id(), key_id(LOG_NAME, &key.public_key()));
    assert_eq!(verifier.name(), LOG_NAME);
    assert_eq!(verifier.public_key(), &key.public_key());
}

#[test]
fn malformed_verifier_keys_are_rejected() {
    let good = log_key().verifier_key();
    let (name_and_id, key_base64) = good.rsplit_once('+').expect("three parts");
    let bytes = STANDARD.decode(key_base64).expect("base64");
    let mut type_two = bytes.clone();
    type_two[0] = 0x02;
    let cases = [
        String::new(),
        "name".to_owned(),
        "name+0011".to_owned(),
        good.replacen(LOG_NAME, "", 1),
        good.replacen(LOG_NAME, "truce example", 1),
        good.replacen('+', "+0", 1),
        good.replacen(&hex::encode(log_key().key_id()), "zzzzzzzz", 1),
        format!("{name_and_id}+{}", STANDARD.encode(&bytes[..32])),
        format!("{name_and_id}+{}", STANDARD.encode(type_two)),
        format!("{good}\n"),
        format!(" {good}"),
        good.replacen(LOG_NAME, "truce.example/other", 1),
    ];
    let mut outcomes = String::new();
    for case in cases {
        let outcome = match Verifier::parse(&case) {
            Ok(_) => "ok".to_owned(),
            Err(err) => format!("err {err}"),
        };
        outcomes.push_str(&format!("{case:?}: {outcome}\n"));
    }
    expect![[r#"
        "": err verifier key is not <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte key>
        "name": err verifier key is not <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte key>
        "name+0011": err verifier key is not <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte key>
        "+2d187a12+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs": err key name "" is empty or contains a space or a plus sign
        "truce example+2d187a12+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs": err key name "truce example" is empty or contains a space or a plus sign
        "truce.example/log+02d187a12+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs": err verifier key is not <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte key>
        "truce.example/log+zzzzzzzz+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs": err verifier key is not <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte key>
        "truce.example/log+2d187a12+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtI=": err verifier key is not <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte key>
        "truce.example/log+2d187a12+AupKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs": err verifier key has signature type 0x02, expected 0x01 (ed25519)
        "truce.example/log+2d187a12+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs\n": err verifier key is not <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte key>
        " truce.example/log+2d187a12+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs": err key name " truce.example/log" is empty or contains a space or a plus sign
        "truce.example/other+2d187a12+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs": err verifier key id 2d187a12 does not match its name and key, expected a28e58e3
    "#]].assert_eq(&outcomes);
}

#[test]
fn changing_any_character_of_a_signed_checkpoint_is_rejected() {
    let note = signed_checkpoint_8();
    let verifier = log_key().verifier();
    for (index, original) in note.char_indices() {
        for replacement in ['x', '\n', '0', ' ', 'A'] {
            if replacement == original {
                continue;
            }
            let mut tampered = note.clone();
            tampered.replace_range(index..index + original.len_utf8(), &replacement.to_string());
            assert!(
                open_checkpoint(&tampered, &verifier).is_err(),
                "replacing {original:?} at byte {index} with {replacement:?} was accepted"
            );
        }
    }
}

#[test]
fn removing_or_duplicating_any_line_is_rejected() {
    let note = signed_checkpoint_8();
    let verifier = log_key().verifier();
    let lines: Vec<&str> = note.split_inclusive('\n').collect();
    for index in 0..lines.len() {
        let removed: String = lines.iter().enumerate().filter(|&(i, _)| i != index).map(|(_, line)| *line).collect();
        assert!(open_checkpoint(&removed, &verifier).is_err(), "without line {index}");
        if lines[index].starts_with('—') {
            continue; // A repeated valid signature is still a valid signature.
        }
        let mut duplicated = lines.clone();
        duplicated.insert(index, lines[index]);
        assert!(open_checkpoint(&duplicated.concat(), &verifier).is_err(), "with line {index} twice");
    }
}

#[test]
fn signatures_by_other_keys_are_ignored() {
    let note = signed_checkpoint_8();
    let key = log_key();
    // Same name but another key id, another name with the same key id, and
    // a witness cosignature of another type: none is ours, all are skipped.
    let mut other_id = key.key_id();
    other_id[0] ^= 1;
    let extra = [
        foreign_signature_line(LOG_NAME, other_id),
        foreign_signature_line("witness.example/w1", key.key_id()),
        foreign_signature_line("witness.example/w2", [1, 2, 3, 4]),
    ]
    .concat();
    check(
        &format!("{note}{extra}"),
        expect!["ok truce.example/log 8 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    );
    let (body, own_line) = note.split_once("\n\n").expect("blank line");
    check(
        &format!("{body}\n\n{extra}{own_line}"),
        expect!["ok truce.example/log 8 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    );
}

#[test]
fn a_note_with_only_foreign_signatures_is_rejected() {
    let note = signed_checkpoint_8();
    let (body, _) = note.split_once("\n\n").expect("blank line");
    let only_foreign = format!("{body}\n\n{}", foreign_signature_line("witness.example/w1", [1, 2, 3, 4]));
    check(&only_foreign, expect!["err note has no signature by truce.example/log with key id 2d187a12"]);
}

#[test]
fn a_bad_signature_with_our_name_and_key_id_rejects_the_note() {
    let note = signed_checkpoint_8();
    let forged = foreign_signature_line(LOG_NAME, log_key().key_id());
    check(&format!("{note}{forged}"), expect!["err signature by truce.example/log does not verify"]);
}

#[test]
fn a_checkpoint_signed_by_another_key_with_our_name_is_rejected() {
    let impostor = LogKey::new(LOG_NAME, SecretKey::from_seed(&[9; 32])).expect("valid name");
    check(
        &impostor.sign_checkpoint(&checkpoint_8()),
        expect!["err note has no signature by truce.example/log with key id 2d187a12"],
    );
}

#[test]
fn malformed_checkpoint_bodies_are_rejected_even_when_signed() {
    let key = log_key();
    let root = STANDARD.encode(checkpoint_8().root());
    let short_root = STANDARD.encode([0u8; 31]);
    let bodies = [
        format!("{LOG_NAME}\n8\n{root}\nextension\n"),
        format!("{LOG_NAME}\n8\n"),
        format!("{LOG_NAME}\n08\n{root}\n"),
        format!("{LOG_NAME}\n+8\n{root}\n"),
        format!("{LOG_NAME}\n-0\n{root}\n"),
        format!("{LOG_NAME}\n 8\n{root}\n"),
        format!("{LOG_NAME}\n18446744073709551616\n{root}\n"),
        format!("{LOG_NAME}\n8\n{short_root}\n"),
        format!("{LOG_NAME}\n8\n{}\n", root.trim_end_matches('=')),
        format!("{LOG_NAME}\n8\n{}\n", hex::encode(checkpoint_8().root())),
        format!("\n8\n{root}\n"),
        format!("{LOG_NAME}\n\n8\n{root}\n"),
        format!("{LOG_NAME}\u{7f}\n8\n{root}\n"),
    ];
    let mut outcomes = String::new();
    for body in bodies {
        let note = key.sign_note(&body).expect("signable text");
        let outcome = match open_checkpoint(&note, &key.verifier()) {
            Ok(checkpoint) => format!("ok {checkpoint:?}"),
            Err(err) => format!("err {err}"),
        };
        outcomes.push_str(&format!("{body:?}: {outcome}\n"));
    }
    expect![[r#"
        "truce.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\nextension\n": err checkpoint has 4 lines, expected exactly 3: origin, tree size and root hash
        "truce.example/log\n8\n": err checkpoint has 2 lines, expected exactly 3: origin, tree size and root hash
        "truce.example/log\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n": err tree size "08" is not a decimal 64-bit number without leading zeros
        "truce.example/log\n+8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n": err tree size "+8" is not a decimal 64-bit number without leading zeros
        "truce.example/log\n-0\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n": err tree size "-0" is not a decimal 64-bit number without leading zeros
        "truce.example/log\n 8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n": err tree size " 8" is not a decimal 64-bit number without leading zeros
        "truce.example/log\n18446744073709551616\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n": err tree size "18446744073709551616" is not a decimal 64-bit number without leading zeros
        "truce.example/log\n8\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n": err root hash "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==" is not base64 of 32 bytes
        "truce.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n": err root hash "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg" is not base64 of 32 bytes
        "truce.example/log\n8\n5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n": err root hash "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328" is not base64 of 32 bytes
        "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n": err checkpoint has an empty line
        "truce.example/log\n\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n": err checkpoint has an empty line
        "truce.example/log\u{7f}\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n": err origin "truce.example/log\u{7f}" is empty or contains a control character
    "#]].assert_eq(&outcomes);
}

#[test]
fn the_largest_tree_size_is_accepted() {
    let key = log_key();
    let checkpoint = Checkpoint::new(LOG_NAME, u64::MAX, EMPTY_ROOT).expect("valid origin");
    let note = key.sign_checkpoint(&checkpoint);
    assert!(note.contains("\n18446744073709551615\n"));
    assert_eq!(open_checkpoint(&note, &key.verifier()).ok(), Some(checkpoint));
}

#[test]
fn malformed_notes_are_rejected() {
    let note = signed_checkpoint_8();
    let (body, own_line) = note.split_once("\n\n").expect("blank line");
    let notes = [
        String::new(),
        "\n".to_owned(),
        "\n\n".to_owned(),
        body.to_owned(),
        format!("{body}\n\n"),
        format!("{body}\n\n{}", own_line.trim_end()),
        note.replace('\n', "\r\n"),
        note.replace('—', "-"),
        note.replace("— ", "—"),
        format!("{note}— \n"),
        format!("{note}— name\n"),
        format!("{note}— name AAAA\n"),
        format!("{note}— name !!!!\n"),
        format!("{note}— na+me AAAAAAAA\n"),
        format!("{note}— name AAAAAAAA extra\n"),
        format!("{note}\n"),
        format!("{note}\t"),
        "x".repeat(NOTE_BYTES_MAX + 1),
    ];
    let mut outcomes = String::new();
    for (index, text) in notes.iter().enumerate() {
        let outcome = match open_checkpoint(text, &log_key().verifier()) {
            Ok(_) => "ok".to_owned(),
            Err(err) => format!("err {err}"),
        };
        outcomes.push_str(&format!("{index}: {outcome}\n"));
    }
    expect![[r#"
        0: err note does not end with a newline
        1: err note has no blank line followed by signature lines
        2: err note has no blank line followed by signature lines
        3: err note does not end with a newline
        4: err note has no blank line followed by signature lines
        5: err note does not end with a newline
        6: err note has a control character at byte 17; only newline is allowed
        7: err note line 5 is not a signature line "— <key name> <base64>"
        8: err note line 5 is not a signature line "— <key name> <base64>"
        9: err note line 6 is not a signature line "— <key name> <base64>"
        10: err note line 6 is not a signature line "— <key name> <base64>"
        11: err note line 6 is not a signature line "— <key name> <base64>"
        12: err note line 6 is not a signature line "— <key name> <base64>"
        13: err note line 6 is not a signature line "— <key name> <base64>"
        14: err note line 6 is not a signature line "— <key name> <base64>"
        15: err note has no blank line followed by signature lines
        16: err note has a control character at byte 181; only newline is allowed
        17: err note is 1048577 bytes, at most 1048576 allowed
    "#]]
    .assert_eq(&outcomes);
}

#[test]
fn too_many_signature_lines_are_rejected() {
    let note = signed_checkpoint_8();
    let extra = foreign_signature_line("witness.example/w", [1, 2, 3, 4]).repeat(100);
    check(&format!("{note}{extra}"), expect!["err note has 101 signatures, at most 100 allowed"]);
    let sixteen = foreign_signature_line("witness.example/w", [1, 2, 3, 4]).repeat(15);
    check(
        &format!("{note}{sixteen}"),
        expect!["ok truce.example/log 8 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    );
}

#[test]
fn invalid_origins_and_key_names_are_refused() {
    let results = [
        Checkpoint::new("", 1, EMPTY_ROOT).map(|_| ()),
        Checkpoint::new("a\nb", 1, EMPTY_ROOT).map(|_| ()),
        LogKey::new("", SecretKey::from_seed(&[7; 32])).map(|_| ()),
        LogKey::new("a b", SecretKey::from_seed(&[7; 32])).map(|_| ()),
        LogKey::new("a+b", SecretKey::from_seed(&[7; 32])).map(|_| ()),
        LogKey::new("a\u{3000}b", SecretKey::from_seed(&[7; 32])).map(|_| ()),
        log_key().sign_note("no final newline").map(|_| ()),
        log_key().sign_note("tab\tinside\n").map(|_| ()),
    ];
    let outcomes: Vec<String> = results
        .into_iter()
        .map(|result| match result {
            Ok(()) => "ok".to_owned(),
            Err(err) => format!("err {err}"),
        })
        .collect();
    expect![[r#"
        err origin "" is empty or contains a control character
        err origin "a\nb" is empty or contains a control character
        err key name "" is empty or contains a space or a plus sign
        err key name "a b" is empty or contains a space or a plus sign
        err key name "a+b" is empty or contains a space or a plus sign
        err key name "a\u{3000}b" is empty or contains a space or a plus sign
        err note does not end with a newline
        err note has a control character at byte 3; only newline is allowed"#]]
    .assert_eq(&outcomes.join("\n"));
}

proptest! {
    #[test]
    fn open_checkpoint_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = open_checkpoint(&text, &log_key().verifier());
    }

    #[test]
    fn open_checkpoint_never_panics_on_note_like_text(
        text in "([a-z0-9./+=—\n ]{0,12}\n){0,6}(— [a-zA-Z0-9./+=]{0,50}\n){0,3}"
    ) {
        let _ = open_checkpoint(&text, &log_key().verifier());
    }

    #[test]
    fn verifier_parse_never_panics(text in "[a-zA-Z0-9./+= ]{0,80}") {
        let _ = Verifier::parse(&text);
    }

    #[test]
    fn checkpoints_round_trip(
        origin in "[a-z0-9./-]{1,40}",
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
    ) {
        let checkpoint = Checkpoint::new(&origin, size, root).expect("valid origin");
        let note = log_key().sign_checkpoint(&checkpoint);
        prop_assert_eq!(open_checkpoint(&note, &log_key().verifier()).ok(), Some(checkpoint));
    }
}
