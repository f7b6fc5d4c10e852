//! Typed identifiers. Ids are UUIDv7 strings chosen by the client that creates the thing,
//! so that a command is complete before it is signed.
//!
//! An id is held as its UUID's 16 bytes and written as its lowercase hyphenated text
//! wherever it leaves the process (JSON, snapshots, SQL, paths). Texts of that form sort as
//! their UUIDs do, so maps by id are in the order of the ids' texts, which pages and cursors
//! rely on (`first_with_text`).

use std::{fmt, ops::Bound};

use arrayvec::ArrayString;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::{
    vocab::error::DomainError,
    vocab::limits::{ENROLMENT_CODE_LEN, NONCE_LEN_MAX, NONCE_LEN_MIN},
};

/// The text of a UUID in lowercase hyphenated form: 36 ASCII characters.
const UUID_TEXT_LEN: usize = 36;

macro_rules! uuid_id {
    ($name:ident, $field:literal) => {
        /// Invariant: a UUIDv7; its text is the lowercase hyphenated form.
        ///
        /// Held as 16 bytes, not as its text in a `String`: a million records hold about ten
        /// million ids, and a `String` of 36 bytes with an allocation of its own is 72 bytes.
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "schema", schemars(with = "String"))]
        #[cfg_attr(feature = "schema", schemars(extend("format" = "uuid", "pattern" = "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")))]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// # Errors
            /// `NotUuidV7` for anything but a version 7 UUID.
            pub fn parse(raw: &str) -> Result<$name, DomainError> {
                match uuid::Uuid::try_parse(raw) {
                    Ok(id) => $name::from_uuid(id).map_err(|_| DomainError::NotUuidV7 { field: $field, value: raw.to_owned() }),
                    Err(_) => Err(DomainError::NotUuidV7 { field: $field, value: raw.chars().take(64).collect() }),
                }
            }
            /// Its text, lowercase hyphenated, made on the spot (inline, no allocation).
            pub fn text(&self) -> IdText {
                uuid_text(self.0)
            }
            /// What it compares, orders and hashes as.
            pub fn uuid(&self) -> uuid::Uuid {
                self.0
            }
            /// # Errors
            /// `NotUuidV7` for anything but a version 7 UUID.
            pub fn from_uuid(id: uuid::Uuid) -> Result<$name, DomainError> {
                if id.get_version_num() == 7 {
                    Ok($name(id))
                } else {
                    Err(DomainError::NotUuidV7 { field: $field, value: uuid_text(id).to_string() })
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(raw: String) -> Result<$name, DomainError> {
                $name::parse(&raw).map_err(crate::vocab::refusal::note)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                uuid_text(value.0).to_string()
            }
        }

        /// As the `String` it was: `PartyId("0190…")`.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&uuid_text(self.0).as_str()).finish()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&uuid_text(self.0))
            }
        }

        /// Compares, orders and hashes as its UUID (and so as its text: `uuid_text`), so that
        /// maps by id answer a UUID, and a bound given as text (a cursor) once
        /// `first_with_text` made it one.
        impl std::borrow::Borrow<uuid::Uuid> for $name {
            fn borrow(&self) -> &uuid::Uuid {
                &self.0
            }
        }

        /// As its text, like the `String` it replaced.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&uuid_text(self.0))
            }
        }

        /// From its text, borrowed when the format lends it (no allocation), refused as
        /// `TryFrom<String>` refuses it.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                deserializer.deserialize_str(IdVisitor(|raw: &str| {
                    $name::parse(raw).map_err(crate::vocab::refusal::note)
                }))
            }
        }
    };
}

/// An id's text, inline: `&*text` or `text.as_str()` for the `&str`.
pub type IdText = ArrayString<UUID_TEXT_LEN>;

/// The lowercase hyphenated text of `id`, inline. Texts of this form sort as their UUIDs do
/// (hex digits and hyphens in fixed places), so maps by id are in the order of their texts.
pub fn uuid_text(id: uuid::Uuid) -> IdText {
    let mut buffer = [0_u8; UUID_TEXT_LEN];
    let text: &str = id.hyphenated().encode_lower(&mut buffer);
    ArrayString::from(text).expect("a hyphenated UUID is 36 characters")
}

/// The least UUID whose text (lowercase hyphenated) is within `bound` as a lower bound on
/// texts, `None` when there is none: a cursor or any other text made a bound on ids without
/// requiring it to be an id's text. Exact for any text, since texts of that form sort as
/// their UUIDs do.
pub fn first_with_text(bound: Bound<&str>) -> Option<uuid::Uuid> {
    let (text, inclusive) = match bound {
        Bound::Unbounded => return Some(uuid::Uuid::nil()),
        Bound::Included(text) => (text, true),
        Bound::Excluded(text) => (text, false),
    };
    let text = text.as_bytes();
    // The hex digits of `text` followed so far: every text with them as prefix.
    let mut bits: u128 = 0;
    let mut digits: u32 = 0;
    // The least UUID whose first `digits` digits are `bits`.
    let fill = |bits: u128, digits: u32| uuid::Uuid::from_u128(bits.checked_shl(4 * (32 - digits)).unwrap_or(0));
    // The least UUID whose digits begin with `bits` (of `digits` digits) followed by `digit`.
    let with_next = |bits: u128, digits: u32, digit: u128| {
        Some(uuid::Uuid::from_u128(((bits << 4) | digit) << (4 * (31 - digits))))
    };
    // The least UUID whose first `digits` digits exceed `bits`.
    let past = |bits: u128, digits: u32| match digits {
        0 => None,
        _ => {
            bits.checked_add(1).filter(|next| digits == 32 || *next >> (4 * digits) == 0).map(|next| fill(next, digits))
        }
    };
    for position in 0..UUID_TEXT_LEN {
        let Some(&byte) = text.get(position) else {
            // `text` is a proper prefix: every id with its digits is after it.
            return Some(fill(bits, digits));
        };
        if matches!(position, 8 | 13 | 18 | 23) {
            match byte.cmp(&b'-') {
                std::cmp::Ordering::Less => return Some(fill(bits, digits)),
                std::cmp::Ordering::Equal => continue,
                std::cmp::Ordering::Greater => return past(bits, digits),
            }
        }
        match HEX_DIGITS.iter().position(|&digit| digit == byte) {
            Some(digit) => {
                bits = (bits << 4) | digit as u128;
                digits += 1;
            }
            None => {
                return match HEX_DIGITS.iter().position(|&digit| digit > byte) {
                    Some(digit) => with_next(bits, digits, digit as u128),
                    None => past(bits, digits),
                }
            }
        }
    }
    match (text.len() > UUID_TEXT_LEN, inclusive) {
        // The whole text of an id, and then more: that id is before it.
        (true, _) | (false, false) => past(bits, digits),
        (false, true) => Some(uuid::Uuid::from_u128(bits)),
    }
}

/// The digits of a lowercase hyphenated UUID, in the order of their bytes.
const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Reads an id's text with `parse`, whichever way the format hands strings over.
struct IdVisitor<F>(F);

impl<'de, T, F: FnOnce(&str) -> Result<T, DomainError>> serde::de::Visitor<'de> for IdVisitor<F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, raw: &str) -> Result<T, E> {
        (self.0)(raw).map_err(E::custom)
    }
}

uuid_id!(PartyId, "party_id");
uuid_id!(AccountId, "account_id");
uuid_id!(ForceId, "force_id");
uuid_id!(ZoneId, "zone_id");
uuid_id!(CorridorId, "corridor_id");
uuid_id!(AgreementId, "agreement_id");
uuid_id!(CommitmentId, "commitment_id");
uuid_id!(ConsentId, "consent_id");
uuid_id!(IncidentId, "incident_id");
uuid_id!(SourceId, "source_id");
uuid_id!(StatementId, "statement_id");
uuid_id!(EstimateId, "estimate_id");
uuid_id!(PassageId, "passage_id");
uuid_id!(TotalId, "total_id");
uuid_id!(ConvoyId, "convoy_id");
uuid_id!(NotificationId, "notification_id");
uuid_id!(ReadingId, "reading_id");
uuid_id!(ObservationId, "observation_id");

// Sixteen bytes and no allocation, as the projection's memory counts on (a record holds several).
const _: () = assert!(std::mem::size_of::<IncidentId>() == 16);

/// A command's nonce: the same nonce from the same key is accepted once.
///
/// Invariant: NONCE_LEN_MIN..=NONCE_LEN_MAX printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("minLength" = NONCE_LEN_MIN, "maxLength" = NONCE_LEN_MAX, "pattern" = "^[!-~]+$")))]
pub struct Nonce(String);

impl Nonce {
    /// # Errors
    /// Too short, too long, or not printable ASCII.
    pub fn parse(raw: &str) -> Result<Nonce, DomainError> {
        let len = raw.chars().count();
        if len < NONCE_LEN_MIN {
            return Err(DomainError::TooShort { field: "nonce", len, len_min: NONCE_LEN_MIN });
        }
        if len > NONCE_LEN_MAX {
            return Err(DomainError::TooLong { field: "nonce", len, len_max: NONCE_LEN_MAX });
        }
        if !raw.chars().all(|c| c.is_ascii_graphic()) {
            return Err(DomainError::CodeCharacters { code: raw.to_owned() });
        }
        Ok(Nonce(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Nonce {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Nonce, DomainError> {
        Nonce::parse(&raw).map_err(crate::vocab::refusal::note)
    }
}

impl From<Nonce> for String {
    fn from(value: Nonce) -> String {
        value.0
    }
}

/// A nonce used by a key, as the projection remembers it: the SHA-256 of the key's text, a
/// zero byte and the nonce's text. Neither text holds a zero byte (base64 and printable
/// ASCII), so distinct pairs are distinct inputs, and equal digests mean the same pair but
/// for a SHA-256 collision. Thirty-two bytes inline instead of two strings of their own:
/// the projection holds one for every entry of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct UsedNonce([u8; 32]);

impl UsedNonce {
    pub(crate) fn of(key: &PublicKeyText, nonce: &Nonce) -> UsedNonce {
        let mut digest = Sha256::new();
        digest.update(key.as_str().as_bytes());
        digest.update([0]);
        digest.update(nonce.as_str().as_bytes());
        UsedNonce(digest.finalize().into())
    }
}

/// As a byte string (one item of CBOR, not thirty-two numbers).
impl Serialize for UsedNonce {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for UsedNonce {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<UsedNonce, D::Error> {
        struct Digest;
        impl<'de> serde::de::Visitor<'de> for Digest {
            type Value = UsedNonce;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the 32 bytes of a SHA-256 digest")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<UsedNonce, E> {
                bytes.try_into().map(UsedNonce).map_err(|_| E::invalid_length(bytes.len(), &self))
            }
            // Formats without byte strings (JSON) write them as a sequence of numbers.
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<UsedNonce, A::Error> {
                let mut bytes = [0_u8; 32];
                for (n, byte) in bytes.iter_mut().enumerate() {
                    *byte = seq.next_element()?.ok_or_else(|| serde::de::Error::invalid_length(n, &self))?;
                }
                match seq.next_element::<u8>()? {
                    None => Ok(UsedNonce(bytes)),
                    Some(_) => Err(serde::de::Error::invalid_length(33, &self)),
                }
            }
        }
        deserializer.deserialize_bytes(Digest)
    }
}

/// An Ed25519 public key as standard base64 of its 32 bytes.
///
/// Core only checks the shape; the ledger crate does the cryptography.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("pattern" = "^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$")))]
pub struct PublicKeyText(String);

impl PublicKeyText {
    /// # Errors
    /// `PublicKey` unless the text is 44 characters of standard base64 ending in one `=`
    /// (which is exactly what 32 bytes encode to).
    pub fn parse(raw: &str) -> Result<PublicKeyText, DomainError> {
        let bytes = raw.as_bytes();
        let shape_ok = bytes.len() == 44
            && bytes[43] == b'='
            && bytes[..43].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/');
        // The last data character carries 2 padding bits that must be zero for the text to
        // be the one canonical encoding of the key.
        let last_ok = shape_ok && {
            let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let value = alphabet.iter().position(|c| *c == bytes[42]).unwrap_or(1);
            value & 0b11 == 0
        };
        if !last_ok {
            return Err(DomainError::PublicKey);
        }
        Ok(PublicKeyText(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PublicKeyText {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<PublicKeyText, DomainError> {
        PublicKeyText::parse(&raw).map_err(crate::vocab::refusal::note)
    }
}

impl From<PublicKeyText> for String {
    fn from(value: PublicKeyText) -> String {
        value.0
    }
}

impl fmt::Display for PublicKeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lowercase hexadecimal text of a fixed length: an enrolment code and the SHA-256 of one.
macro_rules! hex_text {
    ($name:ident, $field:literal, $len:expr, $pattern:literal) => {
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "schema", schemars(extend("pattern" = $pattern)))]
        pub struct $name(String);

        impl $name {
            /// # Errors
            /// `Hex` unless the text is exactly that many lowercase hexadecimal digits.
            pub fn parse(raw: &str) -> Result<$name, DomainError> {
                let valid = raw.len() == $len && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if !valid {
                    return Err(DomainError::Hex { field: $field, len: $len });
                }
                Ok($name(raw.to_owned()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(raw: String) -> Result<$name, DomainError> {
                $name::parse(&raw).map_err(crate::vocab::refusal::note)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

// A one-time enrolment code: 128 random bits as 32 hexadecimal digits, drawn by the
// account's manager outside core and shown once; the ledger records only its SHA-256
// (`CodeHash`) until the new device presents it. (A plain comment: a doc comment would
// become the schema's description.)
hex_text!(EnrolmentCode, "code", ENROLMENT_CODE_LEN, "^[0-9a-f]{32}$");
// The SHA-256 of an enrolment code, as 64 hexadecimal digits.
hex_text!(CodeHash, "code_sha256", 64, "^[0-9a-f]{64}$");
/// An age X25519 recipient (`age1` and 58 lowercase Bech32 characters): the key an
/// account's sealed entries are encrypted to.
///
/// Core only checks the shape (it knows no cryptography); the server parses it with the
/// age crate before it is submitted, and the writer again before encrypting to it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("pattern" = "^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$")))]
pub struct EncryptionKeyText(String);

/// The characters of Bech32's data part (BIP 173).
const BECH32_CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

impl EncryptionKeyText {
    /// # Errors
    /// `EncryptionKey` unless the text is `age1` and 58 Bech32 characters (the length a
    /// 32-byte X25519 key and its checksum take).
    pub fn parse(raw: &str) -> Result<EncryptionKeyText, DomainError> {
        let shape_ok = raw.len() == 62
            && raw.starts_with("age1")
            && raw.as_bytes()[4..].iter().all(|b| BECH32_CHARSET.contains(b));
        if !shape_ok {
            return Err(DomainError::EncryptionKey);
        }
        Ok(EncryptionKeyText(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EncryptionKeyText {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<EncryptionKeyText, DomainError> {
        EncryptionKeyText::parse(&raw).map_err(crate::vocab::refusal::note)
    }
}

impl From<EncryptionKeyText> for String {
    fn from(value: EncryptionKeyText) -> String {
        value.0
    }
}

impl fmt::Display for EncryptionKeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An alert's id: `<seq>.<n>`, the entry that raised it and its place among that entry's
/// alerts, so that every node derives the same ids from the same log. Held as the two
/// numbers, in the order of keys (`key`), and written as the text; a projection holds one
/// for each of hundreds of thousands of alerts. The text has no leading zeros, so that
/// each id has one text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct AlertId {
    seq: u64,
    n: u32,
}

impl AlertId {
    pub fn new(seq: u64, n: u32) -> AlertId {
        AlertId { seq, n }
    }

    /// # Errors
    /// `DomainError::AlertId` unless the text is `<seq>.<n>` in decimal, without leading zeros.
    pub fn parse(raw: &str) -> Result<AlertId, DomainError> {
        let number = |part: &str, len_max: usize| -> Option<u64> {
            let digits = (1..=len_max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
            match digits && (part == "0" || !part.starts_with('0')) {
                true => part.parse().ok(),
                false => None,
            }
        };
        let parsed = raw.split_once('.').and_then(|(seq, n)| {
            // Six digits at the most: a `u32`.
            Some(AlertId { seq: number(seq, 16)?, n: u32::try_from(number(n, 6)?).ok()? })
        });
        parsed.ok_or_else(|| DomainError::AlertId { value: raw.chars().take(64).collect() })
    }

    /// The entry's sequence number and the alert's number among the entry's: alerts are
    /// raised in this order.
    pub fn key(&self) -> (u64, u32) {
        (self.seq, self.n)
    }
}

impl Serialize for AlertId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for AlertId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AlertId".into()
    }

    fn json_schema(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An alert's id: `<seq>.<n>`, the entry that raised it and its place among that entry's alerts.",
            "type": "string",
            "pattern": "^(0|[1-9][0-9]{0,15})\\.(0|[1-9][0-9]{0,5})$"
        })
    }
}

impl TryFrom<String> for AlertId {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<AlertId, DomainError> {
        AlertId::parse(&raw).map_err(crate::vocab::refusal::note)
    }
}

impl fmt::Display for AlertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.seq, self.n)
    }
}
