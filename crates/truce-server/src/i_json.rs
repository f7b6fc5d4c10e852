//! The signed command as text, checked as it is read: each key once in every object, at any
//! depth, and no integer beyond what a JSON number holds exactly.
//!
//! Why a pass of our own: `serde_json::Value` keeps the last of two equal keys and turns an
//! integer past ±2^53 into a rounded float (or, within 64 bits, keeps it exact where other
//! parsers round it), silently. The signature is over the canonical form (RFC 8785) of what
//! serde read, so a command whose text reads one way here (the last `code` wins) and another
//! in an auditor's tool (the first wins, or 2^53 + 1 becomes 2^53) would verify here and
//! mean something else there. RFC 8785 itself takes only I-JSON (RFC 7493): unique names,
//! numbers a double holds exactly. So the command is read into a `Value` by a visitor of our
//! own on serde_json's tokenizer, in the same pass as the rest of the body: it builds the
//! value serde_json's own visitor builds and notes the first place the text breaks I-JSON,
//! with its path; only the two checks and the path are ours.

use std::{cell::RefCell, fmt, fmt::Write as _};

use serde::{
    de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor},
    Deserialize, Deserializer,
};
use serde_json::{Map, Number, Value};

/// The largest magnitude of a JSON integer that every reader holds exactly: 2^53 - 1, the
/// bound I-JSON gives (RFC 7493 section 2.2); past it, two integers can read as one.
pub const JSON_INTEGER_ABS_MAX: u64 = (1 << 53) - 1;

/// Where the text breaks I-JSON, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The path of the value at fault from the body's root: `command.body.terms.corridors[0].code`.
    pub path: String,
    pub message: String,
}

/// A JSON value read from text and checked as it was read: the `Value` serde_json would have
/// read (the last of two equal keys, numbers as serde_json keeps them), and the first place
/// where the text breaks I-JSON, if any. A fault does not stop the reading, so that text
/// that is not JSON, or a body of the wrong shape, is refused as such whatever the member
/// holds, as when the text was checked after the body was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub value: Value,
    /// The first fault, its path from the value itself (`nonce`, `body.counts[1]`; empty for
    /// the value itself).
    pub fault: Option<Malformed>,
}

impl Checked {
    /// The fault, if any, with its path from the body's root, where the value is the
    /// member `key` of the body object.
    pub fn fault_under(&self, key: &str) -> Option<Malformed> {
        let fault = self.fault.as_ref()?;
        let path = match fault.path.as_str() {
            "" => key.to_owned(),
            path if path.starts_with('[') => format!("{key}{path}"),
            path => format!("{key}.{path}"),
        };
        Some(Malformed { path, message: fault.message.clone() })
    }
}

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Checked, D::Error> {
        let fault = RefCell::new(None);
        let value = Read { fault: &fault, at: None }.deserialize(deserializer)?;
        Ok(Checked { value, fault: fault.into_inner() })
    }
}

/// One step of the path to the value being read; each step borrows the key or index of
/// the step it is in, on the stack of the visitor reading it, so a path costs nothing
/// until a fault needs it written.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

struct At<'a> {
    step: Step<'a>,
    outer: Option<&'a At<'a>>,
}

/// Writes the path of `at`, with `last` after it if given.
fn path_of(at: Option<&At<'_>>, last: Option<Step<'_>>) -> String {
    let mut steps = Vec::new();
    let mut next = at;
    while let Some(at) = next {
        steps.push(&at.step);
        next = at.outer;
    }
    steps.reverse();
    let mut text = String::new();
    for step in steps.into_iter().chain(last.as_ref()) {
        match step {
            Step::Key(key) if text.is_empty() => text.push_str(key),
            Step::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Step::Index(idx) => {
                let _ = write!(text, "[{idx}]");
            }
        }
    }
    text
}

/// Reads one value at `at`, noting the first fault in `fault`.
#[derive(Clone, Copy)]
struct Read<'a> {
    fault: &'a RefCell<Option<Malformed>>,
    at: Option<&'a At<'a>>,
}

impl Read<'_> {
    /// Notes a fault at the current path (with `last` after it), unless one came before.
    fn note(&self, last: Option<Step<'_>>, message: impl FnOnce() -> String) {
        let mut fault = self.fault.borrow_mut();
        if fault.is_none() {
            *fault = Some(Malformed { path: path_of(self.at, last), message: message() });
        }
    }

    fn integer(&self, magnitude: u128, text: &dyn fmt::Display) {
        if magnitude > u128::from(JSON_INTEGER_ABS_MAX) {
            self.note(None, || {
                format!(
                    "the integer {text} is beyond ±{JSON_INTEGER_ABS_MAX}, what a JSON number holds exactly (RFC 7493)"
                )
            });
        }
    }
}

impl<'de> DeserializeSeed<'de> for Read<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// What serde_json's own `Value` visitor builds, value by value, with the two checks.
impl<'de> Visitor<'de> for Read<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        self.integer(u128::from(n.unsigned_abs()), &n);
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        self.integer(u128::from(n), &n);
        Ok(Value::Number(n.into()))
    }

    /// A fraction or an exponent, or an integer past 64 bits, arrives as a double. One
    /// that is a whole number past the bound stands for many integers (`1e20` is exact, but
    /// `100000000000000000001` reads as the same double), so it is refused like them.
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        if n.fract() == 0.0 && n.abs() > 9_007_199_254_740_991.0 {
            self.note(None, || {
                format!(
                    "the number {n} is a whole number beyond ±{JSON_INTEGER_ABS_MAX}, what a JSON number holds \
                     exactly (RFC 7493)"
                )
            });
        }
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            let at = At { step: Step::Index(items.len()), outer: self.at };
            match seq.next_element_seed(Read { fault: self.fault, at: Some(&at) })? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // Keys compared as read, escapes resolved: `"a\u0062"` and `"ab"` are one key.
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                self.note(Some(Step::Key(&key)), || {
                    format!("the key `{key}` appears twice in one object; a signed command has each key once")
                });
            }
            let at = At { step: Step::Key(&key), outer: self.at };
            let value = map.next_value_seed(Read { fault: self.fault, at: Some(&at) })?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        command: Checked,
    }

    /// Reads a body holding `command` as the submission route does, checks that the value
    /// read is the one serde_json reads, and returns the fault with its path from the body.
    fn check(command: &str) -> Result<(), Malformed> {
        let body = format!(r#"{{"signer": "x", "command": {command}, "signature": "y"}}"#);
        let read: Body = serde_json::from_str(&body).expect("JSON");
        let expected: serde_json::Value = serde_json::from_str(command).expect("JSON");
        assert_eq!(read.command.value, expected, "{command}");
        check_member(&body)
    }

    fn check_member(body: &str) -> Result<(), Malformed> {
        let body: Body = serde_json::from_str(body).expect("JSON");
        body.command.fault_under("command").map_or(Ok(()), Err)
    }

    fn fault(command: &str) -> (String, String) {
        let malformed = check(command).expect_err("refused");
        (malformed.path, malformed.message)
    }

    #[test]
    fn a_command_with_unique_keys_and_exact_integers_passes() {
        let text = r#"{"a": [1, -9007199254740991, 9007199254740991, 2.5, 1e3, null, true, "s"], "b": {"a": {}}}"#;
        assert_eq!(check(text), Ok(()));
    }

    #[test]
    fn a_duplicate_key_is_named_by_its_path_at_any_depth() {
        assert_eq!(fault(r#"{"nonce": "a", "nonce": "b"}"#).0, "command.nonce");
        let (path, message) = fault(r#"{"body": {"terms": {"corridors": [{}, {"code": "A", "x": 1, "code": "B"}]}}}"#);
        assert_eq!(path, "command.body.terms.corridors[1].code");
        assert_eq!(message, "the key `code` appears twice in one object; a signed command has each key once");
        // Equal once their escapes are read.
        assert_eq!(fault(r#"{"ab": 1, "a\u0062": 2}"#).0, "command.ab");
        // The first fault is named, and the rest of the text is still read.
        assert_eq!(fault(r#"{"a": [{"k": 1, "k": 2}], "b": 9007199254740992, "a": 3}"#).0, "command.a[0].k");
        assert_eq!(fault(r#"[{"k": 1, "k": 2}]"#).0, "command[0].k");
        assert_eq!(fault("9007199254740992").0, "command");
    }

    #[test]
    fn an_integer_beyond_what_a_json_number_holds_exactly_is_named() {
        for text in ["9007199254740992", "-9007199254740992", "18446744073709551615", "18446744073709551616", "1e20"] {
            let (path, _) = fault(&format!(r#"{{"body": {{"counts": [0, {text}]}}}}"#));
            assert_eq!(path, "command.body.counts[1]", "{text}");
        }
    }

    #[test]
    fn only_the_member_asked_for_is_walked() {
        let body = r#"{"signer": {"k": 1, "k": 2}, "command": {"k": 9007199254740991}}"#;
        assert_eq!(check_member(body), Ok(()));
    }
}
