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
/// ±[`MAX_SAFE_INTEGER`], [`LedgerError::JsonTooDeep`] if arrays and objects
/// nest deeper than [`JSON_DEPTH_MAX`], and [`LedgerError::Canonicalize`] if
/// the canonicaliser refuses the value.
pub fn canonical_json(value: &Value) -> Result<String, LedgerError> {
    check_value(value)?;
    serde_json_canonicalizer::to_string(value).map_err(LedgerError::Canonicalize)
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
        let text = serde_json_canonicalizer::to_string(&value).map_err(LedgerError::Canonicalize)?;
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
