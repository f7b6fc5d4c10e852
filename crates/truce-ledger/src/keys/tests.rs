use expect_test::{expect, Expect};
use rand::{rngs::StdRng, SeedableRng};
use serde_json::json;

use crate::{command_signing_bytes, sign_command, verify_command, LedgerError, PublicKey, SecretKey, Signature};

fn fixed_key() -> SecretKey {
    SecretKey::from_seed(&[7; 32])
}

#[track_caller]
fn check<T: std::fmt::Debug>(result: Result<T, LedgerError>, expect: Expect) {
    let actual = match result {
        Ok(value) => format!("ok {value:?}"),
        Err(err) => format!("err {err}"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn signatures_match_rfc8032_test_vector_1() {
    let seed = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").expect("hex");
    let secret = SecretKey::from_seed(&seed.try_into().expect("32 bytes"));
    assert_eq!(
        hex::encode(secret.public_key().as_bytes()),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    assert_eq!(
        hex::encode(secret.sign(b"").as_bytes()),
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    );
}

#[test]
fn key_file_of_a_fixed_seed_is_stable() {
    expect![[r#"
        {"kind":"truce-ed25519-secret-key","public_key":"6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=","secret_key":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="}
    "#]]
    .assert_eq(&fixed_key().to_file_text());
}

#[test]
fn key_file_round_trips() {
    let secret = SecretKey::generate(&mut StdRng::seed_from_u64(1));
    let parsed = SecretKey::parse_file_text(&secret.to_file_text()).expect("own output parses");
    assert_eq!(parsed.public_key(), secret.public_key());
}

#[test]
fn key_file_with_whitespace_is_accepted() {
    let public = fixed_key().public_key().to_base64();
    let text = format!(
        "{{\n  \"kind\": \"truce-ed25519-secret-key\",\n  \"public_key\": \"{public}\",\n  \"secret_key\": \"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\"\n}}\n"
    );
    let parsed = SecretKey::parse_file_text(&text).expect("valid key file");
    assert_eq!(parsed.public_key(), fixed_key().public_key());
}

#[test]
fn key_file_with_a_mismatching_public_key_is_rejected() {
    let other = SecretKey::from_seed(&[8; 32]).public_key().to_base64();
    let text = fixed_key().to_file_text().replace(&fixed_key().public_key().to_base64(), &other);
    check(SecretKey::parse_file_text(&text), expect!["err key file public key does not belong to its secret key"]);
}

#[test]
fn key_file_of_another_kind_or_shape_is_rejected() {
    let text = fixed_key().to_file_text();
    check(
        SecretKey::parse_file_text(&text.replace("truce-ed25519-secret-key", "other")),
        expect![[r#"err key file kind is "other", expected "truce-ed25519-secret-key""#]],
    );
    check(
        SecretKey::parse_file_text(&text.replace("{\"kind\"", "{\"extra\":1,\"kind\"")),
        expect!["err key file is not a json object with exactly kind, public_key and secret_key"],
    );
    check(
        SecretKey::parse_file_text("{}"),
        expect!["err key file is not a json object with exactly kind, public_key and secret_key"],
    );
    check(
        SecretKey::parse_file_text(&text.replace("BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=", "BwcH")),
        expect!["err secret key has 3 bytes, expected 32"],
    );
    check(
        SecretKey::parse_file_text(&text.replace("BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=", "!!")),
        expect!["err secret key is not valid padded standard base64"],
    );
}

#[test]
fn secret_key_debug_shows_only_the_public_key() {
    expect!["SecretKey { public_key: PublicKey(6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=), .. }"]
        .assert_eq(&format!("{:?}", fixed_key()));
}

#[test]
fn public_keys_and_signatures_round_trip_through_base64_and_serde() {
    let public = fixed_key().public_key();
    assert_eq!(PublicKey::parse_base64(&public.to_base64()).ok(), Some(public));
    let signature = fixed_key().sign(b"message");
    assert_eq!(Signature::parse_base64(&signature.to_base64()).ok(), Some(signature));

    let json_text = serde_json::to_string(&(public, signature)).expect("serialises");
    let (public_back, signature_back): (PublicKey, Signature) = serde_json::from_str(&json_text).expect("deserialises");
    assert_eq!((public_back, signature_back), (public, signature));
}

#[test]
fn public_key_text_that_is_not_a_usable_key_is_rejected() {
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    let mut identity = [0u8; 32];
    identity[0] = 1;
    check(PublicKey::from_bytes(&not_a_point), expect!["err public key is not a valid ed25519 point"]);
    check(PublicKey::from_bytes(&identity), expect!["err public key has small order and cannot check signatures"]);
    check(PublicKey::parse_base64("AAAA"), expect!["err public key has 3 bytes, expected 32"]);
    // The last character before the padding carries two bits past the 32
    // bytes; they must be zero, so each key has one text form.
    let canonical = fixed_key().public_key().to_base64();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let last = alphabet.find(&canonical[42..43]).expect("base64 character");
    let stray_bits = format!("{}{}=", &canonical[..42], &alphabet[last ^ 1..(last ^ 1) + 1]);
    check(PublicKey::parse_base64(&stray_bits), expect!["err public key is not valid padded standard base64"]);
    check(
        PublicKey::parse_base64(canonical.trim_end_matches('=')),
        expect!["err public key is not valid padded standard base64"],
    );
    check(
        PublicKey::parse_base64(&canonical.replace('+', "-").replace('/', "_")),
        expect!["err public key is not valid padded standard base64"],
    );
    assert!(serde_json::from_str::<PublicKey>("\"AAAA\"").is_err());
    assert!(serde_json::from_str::<Signature>("\"AAAA\"").is_err());
}

#[test]
fn command_signature_covers_the_context_and_the_canonical_command() {
    let command = json!({"nonce": "n-1", "kind": "propose", "party": "p"});
    let bytes = command_signing_bytes(&command).expect("canonicalisable");
    expect![[r#"
        truce/command/v1
        {"kind":"propose","nonce":"n-1","party":"p"}"#]]
    .assert_eq(&String::from_utf8(bytes).expect("utf-8"));
}

#[test]
fn signed_command_verifies_under_any_key_order() {
    let secret = fixed_key();
    let command = json!({"b": 1, "a": [true, null]});
    let signature = sign_command(&secret, &command).expect("canonicalisable");
    let reordered: serde_json::Value = serde_json::from_str(r#"{"a": [true, null], "b": 1.0}"#).expect("json");
    assert!(verify_command(&secret.public_key(), &reordered, &signature).is_ok());
}

#[test]
fn signature_of_a_fixed_command_and_key_is_stable() {
    let signature = sign_command(&fixed_key(), &json!({"kind": "noop"})).expect("ok");
    expect!["ImRUAN/uDzwfdYBXPiBc1RhJKivq21SE3o9xN0XqcfQPnJO9KJN4pYrxChLmy7BSpDs8Ky99iJAMKqjYOpuoDA=="]
        .assert_eq(&signature.to_base64());
}

#[test]
fn changed_command_other_key_or_raw_signature_does_not_verify() {
    let secret = fixed_key();
    let command = json!({"kind": "propose", "nonce": "1"});
    let signature = sign_command(&secret, &command).expect("ok");
    let public = secret.public_key();
    check(
        verify_command(&public, &json!({"kind": "propose", "nonce": "2"}), &signature),
        expect!["err signature does not verify"],
    );
    let other = SecretKey::from_seed(&[8; 32]).public_key();
    check(verify_command(&other, &command, &signature), expect!["err signature does not verify"]);
    // A signature over the bare canonical command, without the context, is
    // not a command signature.
    let raw = secret.sign(br#"{"kind":"propose","nonce":"1"}"#);
    check(verify_command(&public, &command, &raw), expect!["err signature does not verify"]);
}

#[test]
fn command_with_an_imprecise_integer_cannot_be_signed() {
    check(
        sign_command(&fixed_key(), &json!({"n": u64::MAX})),
        expect!["err integer 18446744073709551615 is outside ±(2^53 - 1), so canonical json would change its value"],
    );
}

/// RFC 8410, section 10.3: an Ed25519 private key in PKCS#8 PEM, whose public key is the
/// one of section 10.1.
const RFC_8410_PRIVATE_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
-----END PRIVATE KEY-----
";

#[test]
fn a_pkcs8_pem_key_file_of_rfc_8410_is_read_and_written_back_the_same() {
    let key = SecretKey::read_key_file(RFC_8410_PRIVATE_KEY, None).expect("the RFC's key reads");
    expect!["19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"]
        .assert_eq(&hex::encode(key.public_key().as_bytes()));
    assert_eq!(key.to_pkcs8_pem(), RFC_8410_PRIVATE_KEY);
    expect!["e744-c079-1320-c328"].assert_eq(&key.public_key().fingerprint());
}

#[test]
fn an_encrypted_key_file_needs_its_passphrase_and_the_old_json_file_still_reads() {
    let key = fixed_key();
    let mut rng = StdRng::seed_from_u64(1);
    let pem = key.to_encrypted_pkcs8_pem("a long passphrase", &mut rng).expect("it encrypts");
    assert!(SecretKey::key_file_is_encrypted(&pem), "{pem}");
    let read = SecretKey::read_key_file(&pem, Some("a long passphrase")).expect("it decrypts");
    assert_eq!(read.public_key(), key.public_key());
    check(
        SecretKey::read_key_file(&pem, None).map(|_| ()),
        expect!["err key file is encrypted: a passphrase is needed"],
    );
    check(
        SecretKey::read_key_file(&pem, Some("another")).map(|_| ()),
        expect!["err key file does not decrypt with this passphrase, or is damaged"],
    );
    let json = key.to_file_text();
    assert_eq!(SecretKey::read_key_file(&json, None).expect("the JSON file reads").public_key(), key.public_key());
}

#[test]
fn kept_public_keys_answer_as_a_fresh_parse_and_stay_bounded() {
    use base64::{engine::general_purpose::STANDARD, Engine as _};

    use crate::{PublicKeys, PUBLIC_KEYS_KEPT_MAX};

    let keys = PublicKeys::default();
    let text = fixed_key().public_key().to_base64();
    for _ in 0..2 {
        let kept = keys.parse_base64(&text).expect("a key");
        assert_eq!(kept, PublicKey::parse_base64(&text).expect("a key"));
    }
    assert_eq!(keys.len(), 1, "parsed once, kept once");
    // What does not parse is refused as a fresh parse refuses it, every time, and never kept.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    for text in [STANDARD.encode(identity), STANDARD.encode(not_a_point), "AAAA".to_owned()] {
        for _ in 0..2 {
            let kept = keys.parse_base64(&text).map(|key| key.to_base64()).map_err(|err| err.to_string());
            let fresh = PublicKey::parse_base64(&text).map(|key| key.to_base64()).map_err(|err| err.to_string());
            assert!(kept.is_err());
            assert_eq!(kept, fresh);
        }
    }
    assert_eq!(keys.len(), 1);
    // Past the bound, all are let go, and a key parses again from its text.
    for seed in 0..=PUBLIC_KEYS_KEPT_MAX {
        let seed = u32::try_from(seed).expect("small").to_le_bytes();
        let mut bytes = [9u8; 32];
        bytes[..4].copy_from_slice(&seed);
        let text = SecretKey::from_seed(&bytes).public_key().to_base64();
        assert_eq!(keys.parse_base64(&text).expect("a key").to_base64(), text);
        assert!(keys.len() <= PUBLIC_KEYS_KEPT_MAX);
    }
    assert_eq!(keys.parse_base64(&text).expect("a key"), PublicKey::parse_base64(&text).expect("a key"));
}
