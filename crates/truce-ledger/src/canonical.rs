//! Canonical JSON as defined by RFC 8785 (the JSON Canonicalization Scheme,
//! JCS), the byte form in which commands are signed and entries are hashed.
//!
//! JCS writes every number as an IEEE 754 double, so an integer beyond
//! ±(2^53 - 1) would silently change value on the way through. Rather than
//! sign or hash something other than what the caller meant, such integers are
//! refused. This module does not decide what goes into a command or an entry;
//! it only fixes the bytes.

use serde_json::Value;

use crate::LedgerError;

#[cfg(test)]
mod tests;

/// The largest integer that every JSON implementation reads back exactly
/// (I-JSON, RFC 7493 section 2.2): 2^53 - 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The deepest nesting of arrays and objects accepted: `[[1]]` has depth 2.
/// It is the most that `serde_json`'s parser reads (a test checks this), so
/// any JSON that parses can be canonicalised, and values built in code are
/// held to the same bound.
pub const JSON_DEPTH_MAX: usize = 127;

/// Writes `value` as RFC 8785 canonical JSON.
///
/// # Errors
///
/// [`LedgerError::NumberOutOfRange`] if an integer is outside
/// ±[`MAX_SAFE_INTEGER`], and [`LedgerError::JsonTooDeep`] if arrays and objects
/// nest deeper than [`JSON_DEPTH_MAX`].
pub fn canonical_json(value: &Value) -> Result<String, LedgerError> {
    check_value(value)?;
    Ok(canonical_text(value))
}

/// A JSON value with its RFC 8785 canonical text, computed once: a command is canonicalized
/// to check its signature, and that same text is what its entry holds (`Entry::from_canonical`),
/// so the writer does not canonicalize it again.
///
/// Invariant: `text` is `canonical_json(&value)`, and `depth` the deepest nesting of arrays
/// and objects in it (0 for a scalar).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical {
    value: Value,
    text: String,
    depth: usize,
}

impl Canonical {
    /// # Errors
    ///
    /// Those of [`canonical_json`].
    pub fn new(value: Value) -> Result<Canonical, LedgerError> {
        let depth = check_value(&value)?;
        let text = canonical_text(&value);
        Ok(Canonical { value, text, depth })
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The canonical text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The deepest nesting of arrays and objects: `[[1]]` has depth 2, a scalar 0.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The value and its canonical text.
    pub fn into_parts(self) -> (Value, String) {
        (self.value, self.text)
    }
}

/// Whether `text` is exactly the canonical JSON of the value it denotes.
///
/// Text that does not parse, that holds an integer JCS cannot carry exactly,
/// or that repeats an object key is not canonical.
pub fn is_canonical(text: &str) -> bool {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(_) => return false,
    };
    match canonical_json(&value) {
        Ok(canonical) => canonical == text,
        Err(_) => false,
    }
}

/// The canonical text of a value `check_value` accepted (its integers within ±2^53 - 1, its
/// nesting bounded, so the recursion below is too).
///
/// Written here rather than with `serde_json_canonicalizer` (which the tests compare it with,
/// on the RFC's cases and on random values): that crate writes every member of an object into
/// a buffer of its own to sort them, and canonicalizing each command to check its signature
/// was a tenth of a server's time accepting batches of commands (docs/performance.md). Numbers
/// are written by `ryu-js`, the ECMAScript number-to-string that RFC 8785 names (and that
/// crate uses).
fn canonical_text(value: &Value) -> String {
    let mut text = String::with_capacity(256);
    write_value(value, &mut text);
    text
}

fn write_value(value: &Value, text: &mut String) {
    match value {
        Value::Null => text.push_str("null"),
        Value::Bool(true) => text.push_str("true"),
        Value::Bool(false) => text.push_str("false"),
        Value::Number(number) => write_number(number, text),
        Value::String(string) => write_string(string, text),
        Value::Array(items) => {
            text.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    text.push(',');
                }
                write_value(item, text);
            }
            text.push(']');
        }
        Value::Object(map) => {
            // Members in the order of their names' UTF-16 code units (RFC 8785 section
            // 3.2.3), whatever order the map keeps them in.
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            if !members.is_sorted_by(|a, b| utf16_order(a.0, b.0).is_le()) {
                members.sort_unstable_by(|a, b| utf16_order(a.0, b.0));
            }
            text.push('{');
            for (index, (name, member)) in members.into_iter().enumerate() {
                if index > 0 {
                    text.push(',');
                }
                write_string(name, text);
                text.push(':');
                write_value(member, text);
            }
            text.push('}');
        }
    }
}

/// How two member names sort in canonical JSON: by UTF-16 code units, which is their bytes'
/// order unless one holds a character past U+FFFF where the other holds one from U+E000.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    match a.is_ascii() && b.is_ascii() {
        true => a.as_bytes().cmp(b.as_bytes()),
        false => a.encode_utf16().cmp(b.encode_utf16()),
    }
}

/// An ECMAScript number's text (RFC 8785 section 3.2.2.3). Integers within ±2^53 - 1 are
/// doubles exactly, and below 10^21 ECMAScript writes them as their digits.
fn write_number(number: &serde_json::Number, text: &mut String) {
    if let Some(integer) = number.as_i64() {
        text.push_str(itoa::Buffer::new().format(integer));
    } else if let Some(integer) = number.as_u64() {
        text.push_str(itoa::Buffer::new().format(integer));
    } else if let Some(double) = number.as_f64() {
        // serde_json's numbers are finite: it reads no NaN or infinity.
        text.push_str(ryu_js::Buffer::new().format_finite(double));
    }
}

/// A string in canonical form (RFC 8785 section 3.2.2.2): `"` and `\` escaped, the control
/// characters below U+0020 as `\b \t \n \f \r` or `\u00xx` in lower-case hex, and every
/// other character as it is.
fn write_string(string: &str, text: &mut String) {
    text.push('"');
    let bytes = string.as_bytes();
    let mut plain_from = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Bytes below 0x80 are whole characters: the slices end on character boundaries.
        text.push_str(&string[plain_from..at]);
        match escape.is_empty() {
            true => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                text.push_str("\\u00");
                text.push(char::from(HEX[usize::from(byte >> 4)]));
                text.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
            false => text.push_str(escape),
        }
        plain_from = at + 1;
    }
    text.push_str(&string[plain_from..]);
    text.push('"');
}

/// Refuses integers that would lose precision as doubles, and nesting
/// deeper than [`JSON_DEPTH_MAX`]; returns the deepest nesting found.
///
/// Walks the value with an explicit stack, so this check cannot overflow the
/// call stack, and afterwards the canonicaliser's own recursion is bounded.
fn check_value(value: &Value) -> Result<usize, LedgerError> {
    let mut pending: Vec<(&Value, usize)> = vec![(value, 1)];
    let mut deepest = 0;
    while let Some((value, depth)) = pending.pop() {
        let is_container = matches!(value, Value::Array(_) | Value::Object(_));
        if is_container && depth > JSON_DEPTH_MAX {
            return Err(LedgerError::JsonTooDeep { depth_max: JSON_DEPTH_MAX });
        }
        if is_container {
            deepest = deepest.max(depth);
        }
        match value {
            Value::Null | Value::Bool(_) | Value::String(_) => {}
            Value::Number(number) => {
                let in_range = match (number.as_u64(), number.as_i64()) {
                    (Some(unsigned), _) => unsigned <= MAX_SAFE_INTEGER,
                    (None, Some(signed)) => signed.unsigned_abs() <= MAX_SAFE_INTEGER,
                    // A float is already a double, so JCS keeps its value.
                    (None, None) => true,
                };
                if !in_range {
                    return Err(LedgerError::NumberOutOfRange { number: number.to_string() });
                }
            }
            Value::Array(items) => pending.extend(items.iter().map(|item| (item, depth + 1))),
            Value::Object(map) => pending.extend(map.values().map(|item| (item, depth + 1))),
        }
    }
    Ok(deepest)
}
