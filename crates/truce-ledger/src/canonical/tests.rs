use expect_test::{expect, Expect};

use crate::{canonical_json, is_canonical, JSON_DEPTH_MAX};

#[track_caller]
fn check(json_text: &str, expect: Expect) {
    let value: serde_json::Value = serde_json::from_str(json_text).expect("test input is json");
    let actual = match canonical_json(&value) {
        Ok(canonical) => format!("ok {canonical}"),
        Err(err) => format!("err {err}"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn object_keys_are_sorted_and_whitespace_is_dropped() {
    check(r#"{ "b": [1, 2], "a": {"z": null, "y": true} }"#, expect![[r#"ok {"a":{"y":true,"z":null},"b":[1,2]}"#]]);
}

#[test]
fn object_keys_are_sorted_by_utf16_code_units() {
    // U+1F600 is the surrogate pair D83D DE00 in UTF-16 and so sorts before
    // U+FF71, although its UTF-8 bytes (F0 ..) sort after those of U+FF71 (EF ..).
    check(r#"{"\uff71": 1, "\ud83d\ude00": 2, "a": 3}"#, expect![[r#"ok {"a":3,"😀":2,"ｱ":1}"#]]);
}

#[test]
fn numbers_are_written_as_ecmascript_doubles() {
    check(
        r#"[1.0, 1e3, -0.0, 0.1, 1e21, 1.5e-7, 9007199254740991]"#,
        expect![[r#"ok [1,1000,0,0.1,1e+21,1.5e-7,9007199254740991]"#]],
    );
}

#[test]
fn strings_escape_only_what_jcs_requires() {
    check(r#""\u0041\u00e9\u001f\"\\\/\n""#, expect![[r#"ok "Aé\u001f\"\\/\n""#]]);
}

#[test]
fn integer_above_two_to_the_53_minus_one_is_refused() {
    check(
        "9007199254740992",
        expect![[r#"err integer 9007199254740992 is outside ±(2^53 - 1), so canonical json would change its value"#]],
    );
}

#[test]
fn integer_below_minus_two_to_the_53_plus_one_is_refused_even_when_nested() {
    check(
        r#"{"a": [{"b": -9007199254740992}]}"#,
        expect![[r#"err integer -9007199254740992 is outside ±(2^53 - 1), so canonical json would change its value"#]],
    );
}

#[test]
fn canonical_text_is_recognised() {
    assert!(is_canonical(r#"{"a":[1,"x",null],"b":{}}"#));
    assert!(is_canonical("0"));
}

#[test]
fn text_with_whitespace_unsorted_keys_or_long_numbers_is_not_canonical() {
    for text in [
        r#"{"a": 1}"#,
        r#"{"b":1,"a":2}"#,
        "1.0",
        "1e3",
        r#""\u0041""#,
        "[1] ",
        " [1]",
        "",
        "not json",
        r#"{"a":1,"a":1}"#,
        "9007199254740993",
        r#""\ud800""#,
    ] {
        assert!(!is_canonical(text), "{text:?} should not be canonical");
    }
}

#[test]
fn nesting_up_to_the_parser_limit_is_accepted_and_deeper_is_refused() {
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let deepest = nested(JSON_DEPTH_MAX);
    assert!(is_canonical(&deepest));
    assert!(serde_json::from_str::<serde_json::Value>(&nested(JSON_DEPTH_MAX + 1)).is_err());

    let mut too_deep = serde_json::Value::Null;
    for _ in 0..=JSON_DEPTH_MAX {
        too_deep = serde_json::Value::Array(vec![too_deep]);
    }
    let actual = match canonical_json(&too_deep) {
        Ok(_) => "ok".to_owned(),
        Err(err) => format!("err {err}"),
    };
    expect!["err json nests deeper than 127 arrays and objects"].assert_eq(&actual);
}

/// JSON values of every shape, with the strings, names and numbers where canonical forms
/// are easy to get wrong: control characters, quotes and backslashes, characters past the
/// BMP beside those from U+E000 (whose orders in UTF-8 and UTF-16 differ), doubles of every
/// magnitude, integers to ±(2^53 - 1).
fn any_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    use serde_json::{Number, Value};

    let tricky_char = prop_oneof![
        any::<char>(),
        (0u32..0x20).prop_map(|c| char::from_u32(c).expect("a control character")),
        Just('"'),
        Just('\\'),
        Just('/'),
        Just('\u{7f}'),
        Just('\u{2028}'),
        Just('\u{e000}'),
        Just('\u{ff71}'),
        Just('\u{fffd}'),
        Just('\u{1f600}'),
        Just('\u{10ffff}'),
        proptest::char::range('a', 'e'),
    ];
    let text = proptest::collection::vec(tricky_char, 0..6).prop_map(String::from_iter);
    let double = prop_oneof![
        any::<f64>().prop_filter("finite", |d| d.is_finite()),
        (-30i32..30, -1000i64..1000).prop_map(|(exponent, mantissa)| mantissa as f64 * 10f64.powi(exponent)),
        Just(-0.0),
        Just(5e-324),
        Just(1e21),
        Just(1e-7),
    ];
    let safe = (1i64 << 53) - 1;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-safe..=safe).prop_map(|n| Value::Number(n.into())),
        double.prop_map(|d| Value::Number(Number::from_f64(d).expect("finite"))),
        text.clone().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((text.clone(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

    /// The canonical text is the one `serde_json_canonicalizer` writes.
    #[test]
    fn canonical_text_is_the_reference_canonicalizers(value in any_value()) {
        let ours = canonical_json(&value).expect("values within the bounds");
        let reference = serde_json_canonicalizer::to_string(&value).expect("the reference writes it");
        proptest::prop_assert_eq!(&ours, &reference);
    }
}
