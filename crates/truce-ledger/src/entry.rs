//! Ledger entries: one accepted, signed command with the events it produced,
//! and its one byte encoding, the canonical JSON (RFC 8785) of an object with
//! exactly the keys `seq`, `accepted_at`, `command`, `signer`, `signature`
//! and `events`. That text is what the Merkle tree hashes as a leaf.
//!
//! Parsing accepts only that exact encoding, so an entry read back hashes to
//! the leaf that was appended. This module does not check the command's
//! signature on parsing (replay would pay for one Ed25519 verification per
//! entry); [`Entry::verify_signature`] does that when asked. It also does not
//! interpret commands or events, which belong to `truce-core`.

use serde_json::{Map, Value};

use crate::{
    canonical_json, leaf_hash, verify_command, Canonical, Hash, LedgerError, PublicKey, Signature, JSON_DEPTH_MAX,
    MAX_SAFE_INTEGER,
};

#[cfg(test)]
mod tests;

/// The largest canonical entry, in bytes. A server must refuse commands that
/// would make a larger entry, since readers refuse to parse one.
pub const ENTRY_BYTES_MAX: usize = 1 << 20;

/// The keys of an entry object, in canonical order.
pub const ENTRY_FIELDS: [&str; 6] = ["accepted_at", "command", "events", "seq", "signature", "signer"];

/// One ledger entry.
///
/// Invariant: `canonical` is the canonical JSON of the other fields, at most
/// [`ENTRY_BYTES_MAX`] bytes, and `accepted_at` is RFC 3339 UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    seq: u64,
    accepted_at: String,
    command: Value,
    signer: PublicKey,
    signature: Signature,
    events: Value,
    canonical: String,
}

/// The Merkle leaf hash of an entry's canonical text.
pub fn leaf_hash_of(canonical_text: &str) -> Hash {
    leaf_hash(canonical_text.as_bytes())
}

/// Whether `text` is an RFC 3339 timestamp in UTC written with an uppercase
/// `T` and `Z`: `YYYY-MM-DDTHH:MM:SS`, then optionally `.` and 1 to 9
/// digits, then `Z`. Dates and times are range-checked, including leap
/// years; a leap second (`:60`) is allowed, as RFC 3339 allows it.
pub fn is_rfc3339_utc(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some((&b'Z', body)) = bytes.split_last() else {
        return false;
    };
    if body.len() < 19 {
        return false;
    }
    let (date_time, fraction) = body.split_at(19);
    let fraction_ok = match fraction.split_first() {
        None => true,
        Some((&b'.', digits)) => (1..=9).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    };
    if !fraction_ok {
        return false;
    }
    // Positions of the separators in "YYYY-MM-DDTHH:MM:SS".
    let separators_ok = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')]
        .iter()
        .all(|&(position, separator)| date_time[position] == separator);
    if !separators_ok {
        return false;
    }
    let number = |start: usize, len: usize| -> Option<u32> {
        let digits = &date_time[start..start + len];
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(digits.iter().fold(0, |value, digit| value * 10 + u32::from(digit - b'0')))
    };
    let fields = (number(0, 4), number(5, 2), number(8, 2), number(11, 2), number(14, 2), number(17, 2));
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = fields else {
        return false;
    };
    (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 60
}

impl Entry {
    /// Builds an entry and its canonical text.
    ///
    /// # Errors
    ///
    /// [`LedgerError::InvalidTimestamp`] unless `accepted_at` passes
    /// [`is_rfc3339_utc`], the errors of [`canonical_json`] (for example a
    /// `seq` or a number in the command above 2^53 - 1), and
    /// [`LedgerError::EntryTooLarge`].
    pub fn new(
        seq: u64,
        accepted_at: &str,
        command: Value,
        signer: PublicKey,
        signature: Signature,
        events: Value,
    ) -> Result<Entry, LedgerError> {
        check_timestamp(accepted_at)?;
        Entry::from_canonical(seq, accepted_at, Canonical::new(command)?, signer, signature, Canonical::new(events)?)
    }

    /// Builds an entry from a command and events already canonicalized: the command's text
    /// is the one its signature was checked over (`verify_canonical_command`), so it is not
    /// canonicalized a second time. The entry's text is written around the two: RFC 8785
    /// writes an object as its members sorted by name, each value in its own canonical form,
    /// so the canonical text of `{accepted_at, command, events, seq, signature, signer}` is
    /// those six members in that order (`ENTRY_FIELDS`) with the two texts as they are.
    ///
    /// # Errors
    ///
    /// As [`Entry::new`].
    pub fn from_canonical(
        seq: u64,
        accepted_at: &str,
        command: Canonical,
        signer: PublicKey,
        signature: Signature,
        events: Canonical,
    ) -> Result<Entry, LedgerError> {
        check_timestamp(accepted_at)?;
        if seq > MAX_SAFE_INTEGER {
            return Err(LedgerError::NumberOutOfRange { number: seq.to_string() });
        }
        // Inside the entry object, each is one level deeper than on its own.
        if command.depth().max(events.depth()) + 1 > JSON_DEPTH_MAX {
            return Err(LedgerError::JsonTooDeep { depth_max: JSON_DEPTH_MAX });
        }
        let accepted_at_text = canonical_json(&Value::from(accepted_at))?;
        let signature_text = canonical_json(&Value::from(signature.to_base64()))?;
        let signer_text = canonical_json(&Value::from(signer.to_base64()))?;
        let (command, command_text) = command.into_parts();
        let (events, events_text) = events.into_parts();
        let seq_text = seq.to_string();
        let parts: [(&str, &str); 6] = [
            ("accepted_at", accepted_at_text.as_str()),
            ("command", command_text.as_str()),
            ("events", events_text.as_str()),
            ("seq", seq_text.as_str()),
            ("signature", signature_text.as_str()),
            ("signer", signer_text.as_str()),
        ];
        debug_assert!(parts.iter().map(|(name, _)| *name).eq(ENTRY_FIELDS), "members in canonical order");
        let len = parts.iter().map(|(name, value)| name.len() + value.len() + 4).sum::<usize>() + 1;
        check_size(len)?;
        let mut canonical = String::with_capacity(len);
        for (idx, (name, value)) in parts.iter().enumerate() {
            canonical.push(if idx == 0 { '{' } else { ',' });
            canonical.push('"');
            canonical.push_str(name);
            canonical.push_str("\":");
            canonical.push_str(value);
        }
        canonical.push('}');
        debug_assert_eq!(canonical.len(), len);
        Ok(Entry { seq, accepted_at: accepted_at.to_owned(), command, signer, signature, events, canonical })
    }

    /// Parses an entry's canonical text. Text that is not exactly the
    /// canonical encoding is refused, even if it means the same JSON.
    ///
    /// # Errors
    ///
    /// [`LedgerError::EntryTooLarge`], [`LedgerError::InvalidJson`], the
    /// errors of [`canonical_json`], [`LedgerError::NotCanonical`],
    /// [`LedgerError::EntryNotObject`], [`LedgerError::EntryUnknownField`],
    /// [`LedgerError::EntryMissingField`], [`LedgerError::EntryFieldType`]
    /// and [`LedgerError::EntryField`] wrapping a timestamp, key or
    /// signature error.
    pub fn parse_canonical(text: &str) -> Result<Entry, LedgerError> {
        Entry::from_object(text, parse_canonical_object(text)?)
    }

    /// The entry whose canonical text is `text` and whose JSON object is `object`.
    pub(crate) fn from_object(text: &str, mut object: Map<String, Value>) -> Result<Entry, LedgerError> {
        if let Some(field) = object.keys().find(|key| !ENTRY_FIELDS.contains(&key.as_str())) {
            return Err(LedgerError::EntryUnknownField { field: field.clone() });
        }
        let mut take = |field: &'static str| object.remove(field).ok_or(LedgerError::EntryMissingField { field });
        let seq = take("seq")?;
        let accepted_at = take("accepted_at")?;
        let command = take("command")?;
        let signer = take("signer")?;
        let signature = take("signature")?;
        let events = take("events")?;

        let seq =
            seq.as_u64().ok_or(LedgerError::EntryFieldType { field: "seq", expected: "a non-negative integer" })?;
        let accepted_at = string_field("accepted_at", accepted_at)?;
        if !is_rfc3339_utc(&accepted_at) {
            return Err(field_error("accepted_at", LedgerError::InvalidTimestamp { text: accepted_at }));
        }
        let signer =
            PublicKey::parse_base64(&string_field("signer", signer)?).map_err(|err| field_error("signer", err))?;
        let signature = Signature::parse_base64(&string_field("signature", signature)?)
            .map_err(|err| field_error("signature", err))?;
        Ok(Entry { seq, accepted_at, command, signer, signature, events, canonical: text.to_owned() })
    }

    /// The sequence number: the entry's 0-based index in the log.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    pub fn accepted_at(&self) -> &str {
        &self.accepted_at
    }

    pub fn command(&self) -> &Value {
        &self.command
    }

    pub fn signer(&self) -> &PublicKey {
        &self.signer
    }

    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    pub fn events(&self) -> &Value {
        &self.events
    }

    /// The canonical text, borrowed.
    pub fn canonical_text(&self) -> &str {
        &self.canonical
    }

    /// The canonical text, owned.
    pub fn to_canonical(&self) -> String {
        self.canonical.clone()
    }

    /// The Merkle leaf hash of the canonical text.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash_of(&self.canonical)
    }

    /// Checks that `signature` is `signer`'s signature of `command`.
    ///
    /// # Errors
    ///
    /// [`LedgerError::BadSignature`].
    pub fn verify_signature(&self) -> Result<(), LedgerError> {
        verify_command(&self.signer, &self.command, &self.signature)
    }
}

/// The JSON object whose canonical text is exactly `text`, at most [`ENTRY_BYTES_MAX`] bytes.
pub(crate) fn parse_canonical_object(text: &str) -> Result<Map<String, Value>, LedgerError> {
    check_size(text.len())?;
    let value: Value = serde_json::from_str(text).map_err(LedgerError::InvalidJson)?;
    if canonical_json(&value)? != text {
        return Err(LedgerError::NotCanonical);
    }
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(LedgerError::EntryNotObject),
    }
}

fn check_timestamp(accepted_at: &str) -> Result<(), LedgerError> {
    if !is_rfc3339_utc(accepted_at) {
        return Err(LedgerError::InvalidTimestamp { text: accepted_at.to_owned() });
    }
    Ok(())
}

pub(crate) fn check_size(len: usize) -> Result<(), LedgerError> {
    if len > ENTRY_BYTES_MAX {
        return Err(LedgerError::EntryTooLarge { len, len_max: ENTRY_BYTES_MAX });
    }
    Ok(())
}

pub(crate) fn string_field(field: &'static str, value: Value) -> Result<String, LedgerError> {
    match value {
        Value::String(text) => Ok(text),
        _ => Err(LedgerError::EntryFieldType { field, expected: "a string" }),
    }
}

pub(crate) fn field_error(field: &'static str, source: LedgerError) -> LedgerError {
    LedgerError::EntryField { field, source: Box::new(source) }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        _ => 0,
    }
}
