//! The signed command as text, checked before anything reads it as a value: each key once
//! in every object, at any depth, and no integer beyond what a JSON number holds exactly.
//!
//! Why a pass of our own: `serde_json::Value` keeps the last of two equal keys and turns an
//! integer past ±2^53 into a rounded float (or, within 64 bits, keeps it exact where other
//! parsers round it), silently. The signature is over the canonical form (RFC 8785) of what
//! serde read, so a command whose text reads one way here (the last `code` wins) and another
//! in an auditor's tool (the first wins, or 2^53 + 1 becomes 2^53) would verify here and
//! mean something else there. RFC 8785 itself takes only I-JSON (RFC 7493): unique names,
//! numbers a double holds exactly. So the text is walked once on serde_json's own tokenizer,
//! and only the two checks and the path are ours.

use std::{cell::RefCell, collections::HashSet, fmt, fmt::Write as _};

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

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

/// Checks the value of the top-level key `key` of the JSON object `body`, which has already
/// been parsed whole (so it is one valid object, each of its own keys once).
///
/// # Errors
/// The first duplicate key or out-of-range integer inside that value, by its path.
pub fn check_member(body: &[u8], key: &str) -> Result<(), Malformed> {
    let walk = Walk { path: RefCell::new(Vec::new()), fault: RefCell::new(None) };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let outcome = de::Deserializer::deserialize_map(&mut deserializer, Root { key, walk: &walk });
    if let Some(fault) = walk.fault.into_inner() {
        return Err(fault);
    }
    outcome.map_err(|err| Malformed { path: String::new(), message: err.to_string() })
}

enum Segment {
    Key(String),
    Index(usize),
}

struct Walk {
    path: RefCell<Vec<Segment>>,
    fault: RefCell<Option<Malformed>>,
}

impl Walk {
    fn path(&self) -> String {
        let mut text = String::new();
        for segment in self.path.borrow().iter() {
            match segment {
                Segment::Key(key) if text.is_empty() => text.push_str(key),
                Segment::Key(key) => {
                    text.push('.');
                    text.push_str(key);
                }
                Segment::Index(idx) => {
                    let _ = write!(text, "[{idx}]");
                }
            }
        }
        text
    }

    /// Records the fault at the current path and stops the walk.
    fn fail<E: de::Error>(&self, message: String) -> E {
        *self.fault.borrow_mut() = Some(Malformed { path: self.path(), message });
        E::custom("the command is not I-JSON")
    }

    fn integer<E: de::Error>(&self, magnitude: u128, text: &dyn fmt::Display) -> Result<(), E> {
        if magnitude <= u128::from(JSON_INTEGER_ABS_MAX) {
            return Ok(());
        }
        Err(self.fail(format!(
            "the integer {text} is beyond ±{JSON_INTEGER_ABS_MAX}, what a JSON number holds exactly (RFC 7493)"
        )))
    }
}

/// The body object: walks the value of `key`, skips the others.
struct Root<'a> {
    key: &'a str,
    walk: &'a Walk,
}

impl<'de> Visitor<'de> for Root<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == self.key {
                self.walk.path.borrow_mut().push(Segment::Key(key));
                map.next_value_seed(Value(self.walk))?;
                self.walk.path.borrow_mut().pop();
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Any value inside the walked member.
#[derive(Clone, Copy)]
struct Value<'a>(&'a Walk);

impl<'de> DeserializeSeed<'de> for Value<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Value<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        self.0.integer(u128::from(n.unsigned_abs()), &n)
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        self.0.integer(u128::from(n), &n)
    }

    /// A fraction or an exponent, or an integer past 64 bits, arrives as a double. One
    /// that is a whole number past the bound stands for many integers (`1e20` is exact, but
    /// `100000000000000000001` reads as the same double), so it is refused like them.
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<(), E> {
        if n.fract() == 0.0 && n.abs() > 9_007_199_254_740_991.0 {
            return Err(self.0.fail(format!(
                "the number {n} is a whole number beyond ±{JSON_INTEGER_ABS_MAX}, what a JSON number holds exactly \
                 (RFC 7493)"
            )));
        }
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for idx in 0.. {
            self.0.path.borrow_mut().push(Segment::Index(idx));
            let more = seq.next_element_seed(self)?.is_some();
            self.0.path.borrow_mut().pop();
            if !more {
                break;
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Keys compared as read, escapes resolved: `"a\u0062"` and `"ab"` are one key.
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                self.0.path.borrow_mut().push(Segment::Key(key.clone()));
                let message =
                    format!("the key `{key}` appears twice in one object; a signed command has each key once");
                return Err(self.0.fail(message));
            }
            self.0.path.borrow_mut().push(Segment::Key(key));
            map.next_value_seed(self)?;
            self.0.path.borrow_mut().pop();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(command: &str) -> Result<(), Malformed> {
        check_member(format!(r#"{{"signer": "x", "command": {command}, "signature": "y"}}"#).as_bytes(), "command")
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
        assert_eq!(check_member(body.as_bytes(), "command"), Ok(()));
    }
}
