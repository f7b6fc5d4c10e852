//! Sealed entries: a confidential entry's content in a public log.
//!
//! An entry is either open (`Entry`: `{seq, accepted_at, command, signer, signature,
//! events}`) or sealed (`SealedEntry`: `{seq, accepted_at, sealed: {parties, commitment,
//! ciphertext, signature}}`). The sealed form keeps the seq and the acceptance time in
//! clear, names the parties entitled to the content, and holds:
//!
//! - `commitment`: `SHA-256(SEAL_COMMITMENT_CONTEXT || salt || JCS(content))`, where
//!   `content` is the object `{command, events, signature, signer}` and `salt` 32 random
//!   bytes;
//! - `ciphertext`: the age format (X25519 recipients) of the canonical JSON of
//!   `{content, salt}`, to the server's sealing key and the encryption keys of the
//!   entitled parties' accounts;
//! - `signature`: the log key's Ed25519 signature over `SEAL_SIGNATURE_CONTEXT` and the
//!   canonical JSON of the entry without that signature.
//!
//! Why the commitment: age is not a committing encryption across recipients. Whoever seals
//! can wrap the file key differently for each recipient and so make two recipients read two
//! different plaintexts from one ciphertext. The commitment is public and signed with the
//! envelope, and every decryptor checks the content it reads against it, so every entitled
//! party that opens the entry agrees on one content, the one the log committed to. The salt
//! keeps the commitment from being a way to test guesses of the content (a notification's
//! position can be guessed from a short list of hospitals).
//!
//! The Merkle leaf is the hash of the public canonical text, as for an open entry, so the
//! tree, its proofs and checkpoints are checked by anyone without keys.
//!
//! No cryptography of our own: age (X25519, ChaCha20-Poly1305), SHA-256 and Ed25519. The
//! salt comes from the caller's random source; age draws its file key and ephemeral keys
//! from the operating system inside `age::Encryptor`, which is why sealing is the one place
//! in this crate that is not a pure function of its arguments.

use std::{
    fmt,
    io::{Read as _, Write as _},
    iter,
    str::FromStr,
};

use age::secrecy::ExposeSecret as _;
use base64::{engine::general_purpose::STANDARD, Engine as _};
use rand::{CryptoRng, RngCore};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::{
    canonical_json,
    entry::{check_size, field_error, parse_canonical_object, string_field},
    Entry, Hash, LedgerError, LogKey, PublicKey, Signature, ENTRY_BYTES_MAX,
};

#[cfg(test)]
mod tests;

/// Prefix of the bytes a commitment hashes, before the salt and the canonical content.
pub const SEAL_COMMITMENT_CONTEXT: &[u8] = b"truce/seal/v1\n";

/// Prefix of the bytes the log key signs for a sealed entry: no other message the log key
/// signs (checkpoint notes, whose first line is an origin and second a decimal size) can
/// begin with it followed by a canonical JSON object.
pub const SEAL_SIGNATURE_CONTEXT: &[u8] = b"truce/sealed-entry/v1\n";

/// Bytes of random salt in a commitment.
pub const SALT_BYTES: usize = 32;

/// The keys of a sealed entry object, in canonical order.
pub const SEALED_ENTRY_FIELDS: [&str; 3] = ["accepted_at", "sealed", "seq"];

/// The keys of the `sealed` envelope, in canonical order.
pub const ENVELOPE_FIELDS: [&str; 4] = ["ciphertext", "commitment", "parties", "signature"];

/// The keys of the sealed content, in canonical order.
pub const CONTENT_FIELDS: [&str; 4] = ["command", "events", "signature", "signer"];

/// Entitled parties named in one envelope at the most.
pub const SEALED_PARTIES_MAX: usize = 256;

/// An age X25519 recipient (`age1...`): what an entry is encrypted to.
#[derive(Clone)]
pub struct EncryptionKey(age::x25519::Recipient);

/// An age X25519 identity (`AGE-SECRET-KEY-1...`): the server's sealing identity, or an
/// account's. `Debug` shows only its encryption key.
#[derive(Clone)]
pub struct AgeIdentity(age::x25519::Identity);

/// A sealed entry.
///
/// Invariant: `canonical` is the canonical JSON of the other fields, at most
/// [`ENTRY_BYTES_MAX`] bytes; `parties` are distinct, non-empty and ascending; the
/// ciphertext starts with a well-formed age header. The signature and the commitment are
/// checked only when asked ([`SealedEntry::verify_signature`], [`SealedEntry::open`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedEntry {
    seq: u64,
    accepted_at: String,
    parties: Vec<String>,
    commitment: Hash,
    ciphertext: Vec<u8>,
    signature: Signature,
    canonical: String,
}

/// A public entry as the log holds it: open or sealed.
// Entries are read one at a time and moved out at once, so the size difference of the
// variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEntry {
    Open(Entry),
    Sealed(SealedEntry),
}

impl EncryptionKey {
    /// # Errors
    ///
    /// [`LedgerError::InvalidEncryptionKey`] unless `text` is an age X25519 recipient.
    pub fn parse(text: &str) -> Result<EncryptionKey, LedgerError> {
        age::x25519::Recipient::from_str(text)
            .map(EncryptionKey)
            .map_err(|_| LedgerError::InvalidEncryptionKey { text: text.to_owned() })
    }
}

impl fmt::Display for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionKey({})", self.0)
    }
}

impl AgeIdentity {
    /// A fresh identity, drawn from the operating system's random source (inside age).
    pub fn generate() -> AgeIdentity {
        AgeIdentity(age::x25519::Identity::generate())
    }

    /// The recipient this identity decrypts for.
    pub fn encryption_key(&self) -> EncryptionKey {
        EncryptionKey(self.0.to_public())
    }

    /// The identity file text, as `age-keygen` writes it: a comment naming the public
    /// key, then the secret key on a line of its own.
    pub fn to_file_text(&self) -> String {
        format!("# public key: {}\n{}\n", self.encryption_key(), self.0.to_string().expose_secret())
    }

    /// Reads an identity file: lines that are blank or start with `#` are comments; exactly
    /// one other line, an age X25519 secret key. (Parsed here rather than with
    /// `age::IdentityFile`, which also accepts plugin and other identity kinds this log
    /// never uses.)
    ///
    /// # Errors
    ///
    /// [`LedgerError::AgeIdentityFile`].
    pub fn parse_file_text(text: &str) -> Result<AgeIdentity, LedgerError> {
        let mut keys = text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#'));
        let (Some(key), None) = (keys.next(), keys.next()) else {
            return Err(LedgerError::AgeIdentityFile { problem: "it must hold exactly one secret key line" });
        };
        age::x25519::Identity::from_str(key)
            .map(AgeIdentity)
            .map_err(|_| LedgerError::AgeIdentityFile { problem: "its key is not an age x25519 secret key" })
    }
}

impl fmt::Debug for AgeIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgeIdentity").field("encryption_key", &self.encryption_key()).finish_non_exhaustive()
    }
}

impl SealedEntry {
    /// Seals `content` (the entry as it would be written open) for `parties`, encrypted to
    /// `recipients`, and signs the envelope with `log_key`.
    ///
    /// # Errors
    ///
    /// [`LedgerError::SealedParties`] unless `parties` are distinct, non-empty, ascending
    /// and at most [`SEALED_PARTIES_MAX`]; [`LedgerError::Encrypt`] (no recipients, for
    /// one); [`LedgerError::EntryTooLarge`] if the sealed entry would be too large.
    pub fn seal(
        content: &Entry,
        parties: Vec<String>,
        recipients: &[EncryptionKey],
        log_key: &LogKey,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> Result<SealedEntry, LedgerError> {
        check_parties(&parties)?;
        let mut salt = [0u8; SALT_BYTES];
        rng.fill_bytes(&mut salt);
        let content_value = content_object(content);
        let commitment = commitment(&salt, &canonical_json(&content_value)?);
        let mut plaintext_object = Map::new();
        plaintext_object.insert("content".to_owned(), content_value);
        plaintext_object.insert("salt".to_owned(), Value::from(STANDARD.encode(salt)));
        let plaintext = canonical_json(&Value::Object(plaintext_object))?;
        let ciphertext = encrypt(recipients, plaintext.as_bytes())?;

        let unsigned = unsigned_object(content.seq(), content.accepted_at(), &parties, &commitment, &ciphertext);
        let signature = log_key.sign_bytes(&signing_bytes(&unsigned)?);
        let mut value = unsigned;
        value["sealed"]["signature"] = Value::from(signature.to_base64());
        let canonical = canonical_json(&value)?;
        check_size(canonical.len())?;
        Ok(SealedEntry {
            seq: content.seq(),
            accepted_at: content.accepted_at().to_owned(),
            parties,
            commitment,
            ciphertext,
            signature,
            canonical,
        })
    }

    /// Parses a sealed entry's canonical text; anything but exactly that form is refused.
    ///
    /// # Errors
    ///
    /// As [`Entry::parse_canonical`], and [`LedgerError::SealedParties`] and
    /// [`LedgerError::SealedCiphertext`] for an envelope of the wrong form.
    pub fn parse_canonical(text: &str) -> Result<SealedEntry, LedgerError> {
        SealedEntry::from_object(text, parse_canonical_object(text)?)
    }

    fn from_object(text: &str, mut object: Map<String, Value>) -> Result<SealedEntry, LedgerError> {
        if let Some(field) = object.keys().find(|key| !SEALED_ENTRY_FIELDS.contains(&key.as_str())) {
            return Err(LedgerError::EntryUnknownField { field: field.clone() });
        }
        let mut take = |field: &'static str| object.remove(field).ok_or(LedgerError::EntryMissingField { field });
        let seq = take("seq")?;
        let accepted_at = take("accepted_at")?;
        let sealed = take("sealed")?;
        let seq =
            seq.as_u64().ok_or(LedgerError::EntryFieldType { field: "seq", expected: "a non-negative integer" })?;
        let accepted_at = string_field("accepted_at", accepted_at)?;
        if !crate::is_rfc3339_utc(&accepted_at) {
            return Err(field_error("accepted_at", LedgerError::InvalidTimestamp { text: accepted_at }));
        }
        let Value::Object(mut envelope) = sealed else {
            return Err(LedgerError::EntryFieldType { field: "sealed", expected: "an object" });
        };
        if let Some(field) = envelope.keys().find(|key| !ENVELOPE_FIELDS.contains(&key.as_str())) {
            return Err(LedgerError::EntryUnknownField { field: format!("sealed.{field}") });
        }
        let mut take = |field: &'static str| envelope.remove(field).ok_or(LedgerError::EntryMissingField { field });
        let parties = take("parties")?;
        let commitment = take("commitment")?;
        let ciphertext = take("ciphertext")?;
        let signature = take("signature")?;

        let Value::Array(parties) = parties else {
            return Err(LedgerError::EntryFieldType { field: "sealed.parties", expected: "an array of strings" });
        };
        let parties = parties
            .into_iter()
            .map(|party| string_field("sealed.parties", party))
            .collect::<Result<Vec<String>, LedgerError>>()?;
        check_parties(&parties)?;
        let commitment = decode_base64("sealed.commitment", &string_field("sealed.commitment", commitment)?)?;
        let commitment = Hash::try_from(commitment.as_slice()).map_err(|_| {
            field_error(
                "sealed.commitment",
                LedgerError::WrongLength { what: "commitment", len: commitment.len(), expected: 32 },
            )
        })?;
        let ciphertext = decode_base64("sealed.ciphertext", &string_field("sealed.ciphertext", ciphertext)?)?;
        // The header's form, without any key: an envelope whose ciphertext is not an age file
        // is refused on reading, not only when someone tries to open it.
        age::Decryptor::new_buffered(ciphertext.as_slice()).map_err(LedgerError::SealedCiphertext)?;
        let signature = Signature::parse_base64(&string_field("sealed.signature", signature)?)
            .map_err(|err| field_error("sealed.signature", err))?;
        Ok(SealedEntry { seq, accepted_at, parties, commitment, ciphertext, signature, canonical: text.to_owned() })
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    pub fn accepted_at(&self) -> &str {
        &self.accepted_at
    }

    /// The parties entitled to the content, ascending.
    pub fn parties(&self) -> &[String] {
        &self.parties
    }

    pub fn commitment(&self) -> &Hash {
        &self.commitment
    }

    pub fn canonical_text(&self) -> &str {
        &self.canonical
    }

    /// Checks the envelope's signature by the log key `log_public`.
    ///
    /// # Errors
    ///
    /// [`LedgerError::BadSignature`].
    pub fn verify_signature(&self, log_public: &PublicKey) -> Result<(), LedgerError> {
        let unsigned = unsigned_object(self.seq, &self.accepted_at, &self.parties, &self.commitment, &self.ciphertext);
        log_public.verify(&signing_bytes(&unsigned)?, &self.signature)
    }

    /// Decrypts the content with `identity` and checks it against the commitment; returns
    /// it as the open entry it would have been (the same seq and acceptance time). That
    /// entry's own canonical text and leaf hash are not the log's: the log's leaf is this
    /// sealed entry's. The command's signature is not checked here
    /// ([`Entry::verify_signature`] does).
    ///
    /// # Errors
    ///
    /// [`LedgerError::Decrypt`] when `identity` is not a recipient (or the ciphertext is
    /// damaged), [`LedgerError::SealedContent`] when the plaintext is not a canonical
    /// `{content, salt}` object, [`LedgerError::CommitmentMismatch`].
    pub fn open(&self, identity: &AgeIdentity) -> Result<Entry, LedgerError> {
        let decryptor = age::Decryptor::new_buffered(self.ciphertext.as_slice()).map_err(LedgerError::Decrypt)?;
        let reader = decryptor.decrypt(iter::once(&identity.0 as &dyn age::Identity)).map_err(LedgerError::Decrypt)?;
        let mut plaintext = Vec::new();
        // One byte past the bound tells a plaintext that is too large from one that fits.
        let bound = u64::try_from(ENTRY_BYTES_MAX + 1).expect("the bound fits in u64");
        reader.take(bound).read_to_end(&mut plaintext).map_err(|err| LedgerError::Decrypt(err.into()))?;
        let content = |source: LedgerError| LedgerError::SealedContent { source: Box::new(source) };
        let text = String::from_utf8(plaintext)
            .map_err(|_| content(LedgerError::EntryFieldType { field: "plaintext", expected: "UTF-8 text" }))?;
        let (salt, content_value) = split_plaintext(&text).map_err(content)?;
        let content_text = canonical_json(&content_value)?;
        if commitment(&salt, &content_text) != self.commitment {
            return Err(LedgerError::CommitmentMismatch);
        }
        let Value::Object(mut fields) = content_value else {
            return Err(content(LedgerError::EntryFieldType { field: "content", expected: "an object" }));
        };
        if let Some(field) = fields.keys().find(|key| !CONTENT_FIELDS.contains(&key.as_str())) {
            return Err(content(LedgerError::EntryUnknownField { field: format!("content.{field}") }));
        }
        let mut take = |field: &'static str| fields.remove(field).ok_or(LedgerError::EntryMissingField { field });
        let command = take("command").map_err(content)?;
        let events = take("events").map_err(content)?;
        let signer = string_field("signer", take("signer").map_err(content)?).map_err(content)?;
        let signature = string_field("signature", take("signature").map_err(content)?).map_err(content)?;
        let signer = PublicKey::parse_base64(&signer).map_err(|err| content(field_error("signer", err)))?;
        let signature = Signature::parse_base64(&signature).map_err(|err| content(field_error("signature", err)))?;
        Entry::new(self.seq, &self.accepted_at, command, signer, signature, events).map_err(content)
    }
}

impl LogEntry {
    /// Parses a public entry's canonical text: sealed when it has the key `sealed`, open
    /// otherwise.
    ///
    /// # Errors
    ///
    /// Those of [`Entry::parse_canonical`] and [`SealedEntry::parse_canonical`].
    pub fn parse_canonical(text: &str) -> Result<LogEntry, LedgerError> {
        let object = parse_canonical_object(text)?;
        if object.contains_key("sealed") {
            return SealedEntry::from_object(text, object).map(LogEntry::Sealed);
        }
        Entry::from_object(text, object).map(LogEntry::Open)
    }

    pub fn seq(&self) -> u64 {
        match self {
            LogEntry::Open(entry) => entry.seq(),
            LogEntry::Sealed(sealed) => sealed.seq(),
        }
    }

    pub fn accepted_at(&self) -> &str {
        match self {
            LogEntry::Open(entry) => entry.accepted_at(),
            LogEntry::Sealed(sealed) => sealed.accepted_at(),
        }
    }

    /// The public canonical text: what the Merkle tree hashes.
    pub fn canonical_text(&self) -> &str {
        match self {
            LogEntry::Open(entry) => entry.canonical_text(),
            LogEntry::Sealed(sealed) => sealed.canonical_text(),
        }
    }

    pub fn leaf_hash(&self) -> Hash {
        crate::leaf_hash_of(self.canonical_text())
    }
}

/// `SHA-256(SEAL_COMMITMENT_CONTEXT || salt || content_text)`.
fn commitment(salt: &[u8], content_text: &str) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(SEAL_COMMITMENT_CONTEXT);
    hasher.update(salt);
    hasher.update(content_text.as_bytes());
    hasher.finalize().into()
}

fn content_object(content: &Entry) -> Value {
    let mut object = Map::new();
    object.insert("command".to_owned(), content.command().clone());
    object.insert("events".to_owned(), content.events().clone());
    object.insert("signature".to_owned(), Value::from(content.signature().to_base64()));
    object.insert("signer".to_owned(), Value::from(content.signer().to_base64()));
    Value::Object(object)
}

/// The salt and the content of a decrypted plaintext, which must be exactly the canonical
/// JSON of `{content, salt}`.
fn split_plaintext(text: &str) -> Result<([u8; SALT_BYTES], Value), LedgerError> {
    let mut object = parse_canonical_object(text)?;
    if let Some(field) = object.keys().find(|key| !["content", "salt"].contains(&key.as_str())) {
        return Err(LedgerError::EntryUnknownField { field: field.clone() });
    }
    let content = object.remove("content").ok_or(LedgerError::EntryMissingField { field: "content" })?;
    let salt = object.remove("salt").ok_or(LedgerError::EntryMissingField { field: "salt" })?;
    let salt = decode_base64("salt", &string_field("salt", salt)?)?;
    let len = salt.len();
    let salt = <[u8; SALT_BYTES]>::try_from(salt).map_err(|_| LedgerError::WrongLength {
        what: "salt",
        len,
        expected: SALT_BYTES,
    })?;
    Ok((salt, content))
}

fn unsigned_object(seq: u64, accepted_at: &str, parties: &[String], commitment: &Hash, ciphertext: &[u8]) -> Value {
    let mut envelope = Map::new();
    envelope.insert("parties".to_owned(), Value::from(parties.to_vec()));
    envelope.insert("commitment".to_owned(), Value::from(STANDARD.encode(commitment)));
    envelope.insert("ciphertext".to_owned(), Value::from(STANDARD.encode(ciphertext)));
    let mut object = Map::new();
    object.insert("seq".to_owned(), Value::from(seq));
    object.insert("accepted_at".to_owned(), Value::from(accepted_at));
    object.insert("sealed".to_owned(), Value::Object(envelope));
    Value::Object(object)
}

/// `SEAL_SIGNATURE_CONTEXT || JCS(entry without its signature)`.
fn signing_bytes(unsigned: &Value) -> Result<Vec<u8>, LedgerError> {
    let canonical = canonical_json(unsigned)?;
    let mut message = Vec::with_capacity(SEAL_SIGNATURE_CONTEXT.len() + canonical.len());
    message.extend_from_slice(SEAL_SIGNATURE_CONTEXT);
    message.extend_from_slice(canonical.as_bytes());
    Ok(message)
}

fn check_parties(parties: &[String]) -> Result<(), LedgerError> {
    let count = parties.len();
    if count == 0 || count > SEALED_PARTIES_MAX {
        return Err(LedgerError::SealedParties { problem: "there must be 1 to 256 entitled parties" });
    }
    if parties.iter().any(String::is_empty) {
        return Err(LedgerError::SealedParties { problem: "a party id is empty" });
    }
    if !parties.windows(2).all(|pair| pair[0] < pair[1]) {
        return Err(LedgerError::SealedParties { problem: "party ids must be distinct and ascending" });
    }
    Ok(())
}

fn encrypt(recipients: &[EncryptionKey], plaintext: &[u8]) -> Result<Vec<u8>, LedgerError> {
    let encryptor = age::Encryptor::with_recipients(recipients.iter().map(|key| &key.0 as &dyn age::Recipient))
        .map_err(LedgerError::Encrypt)?;
    let mut ciphertext = Vec::with_capacity(plaintext.len() + 256 + 64 * recipients.len());
    // Writing to a Vec cannot fail; the errors are mapped rather than unwrapped anyway.
    let io_error = |err: std::io::Error| LedgerError::Encrypt(age::EncryptError::Io(err));
    let mut writer = encryptor.wrap_output(&mut ciphertext).map_err(io_error)?;
    writer.write_all(plaintext).map_err(io_error)?;
    writer.finish().map_err(io_error)?;
    Ok(ciphertext)
}

fn decode_base64(field: &'static str, text: &str) -> Result<Vec<u8>, LedgerError> {
    STANDARD.decode(text).map_err(|source| field_error(field, LedgerError::InvalidBase64 { what: field, source }))
}
