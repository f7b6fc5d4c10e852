use expect_test::{expect, Expect};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::{is_rfc3339_utc, leaf_hash, leaf_hash_of, sign_command, Entry, LedgerError, SecretKey, ENTRY_BYTES_MAX};

fn author() -> SecretKey {
    SecretKey::from_seed(&[7; 32])
}

fn command() -> Value {
    json!({
        "kind": "propose_corridor",
        "party": "un",
        "author": "coordinator-1",
        "issued_at": "2016-12-12T09:58:00Z",
        "nonce": "6f1d6b4e",
        "corridor": {"code": "EA-1", "half_width_m": 250}
    })
}

fn sample_entry() -> Entry {
    let secret = author();
    let command = command();
    let signature = sign_command(&secret, &command).expect("canonicalisable");
    let events = json!([{"type": "corridor_proposed", "code": "EA-1"}]);
    Entry::new(41, "2016-12-12T10:00:00.123Z", command, secret.public_key(), signature, events).expect("valid entry")
}

#[track_caller]
fn check(text: &str, expect: Expect) {
    let actual = match Entry::parse_canonical(text) {
        Ok(entry) => format!("ok seq {}", entry.seq()),
        Err(err) => {
            // Name the innermost cause too, as `truce verify` would.
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

/// The sample entry's JSON with `edit` applied, written canonically.
fn edited(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut value: Value = serde_json::from_str(sample_entry().canonical_text()).expect("entry is json");
    edit(value.as_object_mut().expect("entry is an object"));
    crate::canonical_json(&value).expect("canonicalisable")
}

#[test]
fn canonical_text_of_a_fixed_entry_is_stable() {
    expect![[r#"{"accepted_at":"2016-12-12T10:00:00.123Z","command":{"author":"coordinator-1","corridor":{"code":"EA-1","half_width_m":250},"issued_at":"2016-12-12T09:58:00Z","kind":"propose_corridor","nonce":"6f1d6b4e","party":"un"},"events":[{"code":"EA-1","type":"corridor_proposed"}],"seq":41,"signature":"IY0GTTrR61/BI67NG6wXkBmu9+ZjnccOXZfumT+mpG7YwdFsQzln+FtDvI7Q5GHIBsMSsBT4B8+fRSI+vfIJCA==","signer":"6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw="}"#]].assert_eq(sample_entry().canonical_text());
}

#[test]
fn canonical_text_round_trips_to_an_equal_entry() {
    let entry = sample_entry();
    let parsed = Entry::parse_canonical(&entry.to_canonical()).expect("own output parses");
    assert_eq!(parsed, entry);
    assert_eq!(parsed.seq(), 41);
    assert_eq!(parsed.accepted_at(), "2016-12-12T10:00:00.123Z");
    assert_eq!(parsed.command(), &command());
    assert_eq!(parsed.signer(), &author().public_key());
    assert_eq!(parsed.events()[0]["code"], "EA-1");
    assert!(parsed.verify_signature().is_ok());
}

#[test]
fn leaf_hash_is_the_leaf_hash_of_the_canonical_text() {
    let entry = sample_entry();
    assert_eq!(entry.leaf_hash(), leaf_hash(entry.canonical_text().as_bytes()));
    assert_eq!(entry.leaf_hash(), leaf_hash_of(entry.canonical_text()));
}

#[test]
fn entry_with_a_changed_command_fails_signature_verification() {
    let text = edited(|object| {
        object["command"]["party"] = json!("someone-else");
    });
    let entry = Entry::parse_canonical(&text).expect("well-formed entry");
    assert!(matches!(entry.verify_signature(), Err(LedgerError::BadSignature)));
}

#[test]
fn non_canonical_text_of_a_valid_entry_is_rejected() {
    let canonical = sample_entry().to_canonical();
    let value: Value = serde_json::from_str(&canonical).expect("json");
    check(
        &serde_json::to_string_pretty(&value).expect("serialises"),
        expect!["err text is not canonical json (rfc 8785)"],
    );
    check(&format!("{canonical}\n"), expect!["err text is not canonical json (rfc 8785)"]);
    check(&canonical.replacen("\"seq\":41", "\"seq\":41.0", 1), expect!["err text is not canonical json (rfc 8785)"]);
    check(&canonical.replacen("EA-1", "\\u0045A-1", 1), expect!["err text is not canonical json (rfc 8785)"]);
}

#[test]
fn entries_with_missing_or_extra_fields_are_rejected() {
    check(
        &edited(|object| {
            object.remove("events");
        }),
        expect![[r#"err entry has no field "events""#]],
    );
    check(
        &edited(|object| {
            object.insert("prev".to_owned(), json!("x"));
        }),
        expect![[r#"err entry has the unexpected field "prev""#]],
    );
    check("[]", expect!["err entry is not a json object"]);
    check("{}", expect![[r#"err entry has no field "seq""#]]);
}

#[test]
fn entries_with_fields_of_the_wrong_type_or_form_are_rejected() {
    let cases = [
        edited(|object| object["seq"] = json!(-1)),
        edited(|object| object["seq"] = json!(1.5)),
        edited(|object| object["seq"] = json!("1")),
        edited(|object| object["accepted_at"] = json!(0)),
        edited(|object| object["accepted_at"] = json!("2016-12-12 10:00:00Z")),
        edited(|object| object["signer"] = json!("AAAA")),
        edited(|object| object["signer"] = json!("not base64")),
        edited(|object| object["signature"] = json!("AAAA")),
        edited(|object| object["signature"] = json!(null)),
    ];
    let mut outcomes = String::new();
    for text in &cases {
        let actual = match Entry::parse_canonical(text) {
            Ok(_) => "ok".to_owned(),
            Err(LedgerError::EntryField { field, source }) => {
                format!("err field {field}: {source}")
            }
            Err(err) => format!("err {err}"),
        };
        outcomes.push_str(&actual);
        outcomes.push('\n');
    }
    expect![[r#"
        err entry field "seq" is not a non-negative integer
        err entry field "seq" is not a non-negative integer
        err entry field "seq" is not a non-negative integer
        err entry field "accepted_at" is not a string
        err field accepted_at: timestamp "2016-12-12 10:00:00Z" is not rfc 3339 utc like 2016-12-12T10:00:00Z
        err field signer: public key has 3 bytes, expected 32
        err field signer: public key is not valid padded standard base64
        err field signature: signature has 3 bytes, expected 64
        err entry field "signature" is not a string
    "#]]
    .assert_eq(&outcomes);
}

/// The entry's text is written around the command's and the events' own canonical texts;
/// it must be exactly what canonicalizing the whole entry object writes.
#[test]
fn an_entry_built_from_canonical_parts_is_the_canonical_text_of_the_whole() {
    let entry = sample_entry();
    let commands = [
        command(),
        json!({"a\u{7f}\"\\": "\u{1}\n\u{2028}é😀", "n": [1e21, -0.0, 2.5, 9_007_199_254_740_991_u64, -1e-7], "z": null}),
        json!({"\u{10000}": 1, "\u{ffff}": 2, "b": {"a": [[]]}}),
        json!([]),
    ];
    for (idx, command) in commands.into_iter().enumerate() {
        let events = json!([{"type": "x", "idx": idx, "text": "ü\t"}]);
        let built = Entry::new(
            9_007_199_254_740_991 - idx as u64,
            "2016-12-12T10:00:00.000000001Z",
            command.clone(),
            *entry.signer(),
            *entry.signature(),
            events.clone(),
        )
        .expect("valid entry");
        let whole = json!({
            "seq": 9_007_199_254_740_991 - idx as u64,
            "accepted_at": "2016-12-12T10:00:00.000000001Z",
            "command": command,
            "signer": entry.signer().to_base64(),
            "signature": entry.signature().to_base64(),
            "events": events,
        });
        assert_eq!(built.canonical_text(), crate::canonical_json(&whole).expect("canonicalisable"), "{idx}");
    }
}

/// A command or events nested so deep that the entry around them would pass
/// `JSON_DEPTH_MAX` is refused, as canonicalizing the whole entry refuses it.
#[test]
fn an_entry_deeper_than_the_depth_bound_cannot_be_built() {
    let entry = sample_entry();
    let mut deep = json!(1);
    for _ in 0..crate::JSON_DEPTH_MAX {
        deep = json!([deep]);
    }
    let built = |command: Value, events: Value| {
        Entry::new(1, entry.accepted_at(), command, *entry.signer(), *entry.signature(), events)
    };
    assert!(matches!(built(deep.clone(), json!([])), Err(LedgerError::JsonTooDeep { .. })));
    assert!(matches!(built(json!({}), deep.clone()), Err(LedgerError::JsonTooDeep { .. })));
    // One level less fits.
    let fits = deep.as_array().expect("an array")[0].clone();
    assert!(built(fits.clone(), json!([])).is_ok());
    assert!(built(json!({}), fits).is_ok());
}

#[test]
fn seq_above_two_to_the_53_is_rejected_both_ways() {
    let entry = sample_entry();
    let result = Entry::new(
        1 << 53,
        entry.accepted_at(),
        entry.command().clone(),
        *entry.signer(),
        *entry.signature(),
        entry.events().clone(),
    );
    assert!(matches!(result, Err(LedgerError::NumberOutOfRange { .. })));
    check(
        &entry.to_canonical().replacen("\"seq\":41", "\"seq\":9007199254740992", 1),
        expect!["err integer 9007199254740992 is outside ±(2^53 - 1), so canonical json would change its value"],
    );
}

#[test]
fn oversized_entries_are_refused_when_built_and_when_parsed() {
    let entry = sample_entry();
    let result = Entry::new(
        1,
        entry.accepted_at(),
        entry.command().clone(),
        *entry.signer(),
        *entry.signature(),
        json!(["x".repeat(ENTRY_BYTES_MAX)]),
    );
    assert!(matches!(result, Err(LedgerError::EntryTooLarge { .. })));
    check(&" ".repeat(ENTRY_BYTES_MAX + 1), expect!["err entry is 1048577 bytes, at most 1048576 allowed"]);
}

#[test]
fn entry_with_a_bad_timestamp_cannot_be_built() {
    let entry = sample_entry();
    let result = Entry::new(
        1,
        "2016-12-12T10:00:00+00:00",
        entry.command().clone(),
        *entry.signer(),
        *entry.signature(),
        entry.events().clone(),
    );
    expect![[r#"Err(InvalidTimestamp { text: "2016-12-12T10:00:00+00:00" })"#]]
        .assert_eq(&format!("{:?}", result.map(|_| ())));
}

#[test]
fn rfc3339_utc_timestamps_are_recognised() {
    let accepted = [
        "2016-12-12T10:00:00Z",
        "2016-12-12T10:00:00.1Z",
        "2016-12-12T10:00:00.123456789Z",
        "2016-02-29T23:59:59Z",
        "2000-02-29T00:00:00Z",
        "2016-12-31T23:59:60Z",
        "0000-01-01T00:00:00Z",
    ];
    for text in accepted {
        assert!(is_rfc3339_utc(text), "{text:?} should be accepted");
    }
    let rejected = [
        "",
        "Z",
        "2016-12-12T10:00:00",
        "2016-12-12T10:00:00z",
        "2016-12-12t10:00:00Z",
        "2016-12-12 10:00:00Z",
        "2016-12-12T10:00:00+00:00",
        "2016-12-12T10:00:00.Z",
        "2016-12-12T10:00:00.1234567890Z",
        "2016-12-12T10:00Z",
        "2016-13-12T10:00:00Z",
        "2016-00-12T10:00:00Z",
        "2016-12-00T10:00:00Z",
        "2015-02-29T10:00:00Z",
        "1900-02-29T10:00:00Z",
        "2016-04-31T10:00:00Z",
        "2016-12-12T24:00:00Z",
        "2016-12-12T10:60:00Z",
        "2016-12-12T10:00:61Z",
        "+016-12-12T10:00:00Z",
        "2016-12-12T10:00:00ZZ",
        "２016-12-12T10:00:00Z",
    ];
    for text in rejected {
        assert!(!is_rfc3339_utc(text), "{text:?} should be rejected");
    }
}

proptest! {
    #[test]
    fn parse_canonical_never_panics(text in any::<String>()) {
        let _ = Entry::parse_canonical(&text);
    }

    #[test]
    fn is_rfc3339_utc_never_panics(text in "[0-9TZ:.+-]{0,32}") {
        let _ = is_rfc3339_utc(&text);
    }

    #[test]
    fn entries_round_trip(seq in 0u64..(1 << 53), note in any::<String>()) {
        let entry = sample_entry();
        let built = Entry::new(
            seq,
            entry.accepted_at(),
            json!({"note": note}),
            *entry.signer(),
            *entry.signature(),
            json!([]),
        )
        .expect("valid entry");
        prop_assert_eq!(Entry::parse_canonical(built.canonical_text()).ok(), Some(built));
    }
}
