//! Signed notes (<https://c2sp.org/signed-note>) with Ed25519 keys, and
//! checkpoints (<https://c2sp.org/tlog-checkpoint>): the signed statement
//! "log `origin` has `size` entries and root hash `root`".
//!
//! A note is its text, a blank line, and lines of the form
//! `— <key name> <base64(key id || signature)>`. Opening a note needs a
//! [`Verifier`]; signatures by other keys are skipped, as the spec requires,
//! so witnesses can add cosignatures. Parsing is strict and never panics on
//! malformed text. Only Ed25519 (signature type 0x01) is implemented, and
//! checkpoint extension lines are refused because truce never writes them and
//! a [`Checkpoint`] has nowhere to keep them.

use std::fmt;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use sha2::{Digest, Sha256};

use crate::{Hash, NoteError, PublicKey, SecretKey, Signature};

#[cfg(test)]
mod tests;

/// The largest note `open_note` reads: far above a checkpoint with the
/// [`SIGNATURES_PER_NOTE_MAX`] largest (post-quantum) signatures.
pub const NOTE_BYTES_MAX: usize = 1 << 20;

/// The most signature lines a note may carry; the spec asks for at least 16.
pub const SIGNATURES_PER_NOTE_MAX: usize = 100;

/// The first four bytes of `SHA-256(name || "\n" || 0x01 || public key)`.
pub type KeyId = [u8; 4];

/// The signed-note signature type of Ed25519.
const SIGNATURE_TYPE_ED25519: u8 = 0x01;

/// The prefix of a signature line: an em dash (U+2014) and a space.
const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

/// A tree head: the log named `origin` had `size` entries with root `root`.
///
/// Invariant: `origin` is non-empty and has no control characters, so the
/// body text is always a valid checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
}

/// A note-signing key: a key name and an Ed25519 secret key.
///
/// Invariant: the name is a valid key name (non-empty, no whitespace, no `+`).
#[derive(Debug, Clone)]
pub struct LogKey {
    name: String,
    secret: SecretKey,
    key_id: KeyId,
}

/// A key that notes are checked against: name, key id and public key, as in
/// the verifier key text `<name>+<hex key id>+<base64(0x01 || public key)>`.
///
/// Invariant: the name is a valid key name and `key_id` is derived from it
/// and the public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: KeyId,
    public: PublicKey,
}

/// The key id of an Ed25519 key under `name`, as signed-note recommends.
pub fn key_id(name: &str, public: &PublicKey) -> KeyId {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([SIGNATURE_TYPE_ED25519]);
    hasher.update(public.as_bytes());
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The verifier key text for `public` under `name`:
/// `<name>+<8 hex digits of key id>+<base64(0x01 || public key)>`.
///
/// # Errors
///
/// [`NoteError::InvalidKeyName`].
pub fn verifier_key(name: &str, public: &PublicKey) -> Result<String, NoteError> {
    Ok(Verifier::new(name, *public)?.to_string())
}

/// Opens a signed note: checks its format and that it carries a valid
/// signature by `verifier`, and returns its text (with the final newline).
///
/// # Errors
///
/// [`NoteError::TooLarge`], [`NoteError::ControlCharacter`],
/// [`NoteError::MissingFinalNewline`], [`NoteError::MissingSignatures`],
/// [`NoteError::MalformedSignatureLine`], [`NoteError::TooManySignatures`],
/// [`NoteError::BadSignature`] if a signature by the verifier's key fails,
/// and [`NoteError::NotSignedByKey`] if there is none.
pub fn open_note<'a>(note: &'a str, verifier: &Verifier) -> Result<&'a str, NoteError> {
    check_note_characters(note)?;
    // The text ends at the last blank line; it may itself hold blank lines.
    let blank_at = note.rfind("\n\n").ok_or(NoteError::MissingSignatures)?;
    let (text, signature_block) = (&note[..=blank_at], &note[blank_at + 2..]);
    let signature_lines = signature_block.strip_suffix('\n').ok_or(NoteError::MissingSignatures)?;
    // Line numbers in errors count from 1 over the whole note.
    let first_line_no = text.matches('\n').count() + 2;
    let mut verified = false;
    for (offset, line) in signature_lines.split('\n').enumerate() {
        if offset >= SIGNATURES_PER_NOTE_MAX {
            return Err(NoteError::TooManySignatures {
                count: signature_lines.split('\n').count(),
                count_max: SIGNATURES_PER_NOTE_MAX,
            });
        }
        let (name, blob) =
            parse_signature_line(line).ok_or(NoteError::MalformedSignatureLine { line_no: first_line_no + offset })?;
        if name != verifier.name || blob[..4] != verifier.key_id {
            continue;
        }
        // Name and key id match a known key: the spec says the signature
        // must then verify, and a failure rejects the whole note.
        let bad_signature = || NoteError::BadSignature { name: name.to_owned() };
        let signature = <[u8; 64]>::try_from(&blob[4..]).map_err(|_| bad_signature())?;
        verifier.public.verify(text.as_bytes(), &Signature::from_bytes(signature)).map_err(|_| bad_signature())?;
        verified = true;
    }
    if !verified {
        return Err(NoteError::NotSignedByKey { name: verifier.name.clone(), key_id: hex::encode(verifier.key_id) });
    }
    Ok(text)
}

/// Opens a signed checkpoint: [`open_note`], then parses the text as
/// exactly the three checkpoint lines.
///
/// # Errors
///
/// The errors of [`open_note`], then [`NoteError::EmptyLine`],
/// [`NoteError::WrongLineCount`], [`NoteError::InvalidTreeSize`] and
/// [`NoteError::InvalidRootHash`].
pub fn open_checkpoint(note: &str, verifier: &Verifier) -> Result<Checkpoint, NoteError> {
    let text = open_note(note, verifier)?;
    Checkpoint::parse_body(text)
}

impl Checkpoint {
    /// # Errors
    ///
    /// [`NoteError::InvalidOrigin`] if `origin` is empty or has a control
    /// character (a newline would make it several lines).
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Checkpoint, NoteError> {
        if origin.is_empty() || origin.chars().any(char::is_control) {
            return Err(NoteError::InvalidOrigin { origin: origin.to_owned() });
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// The note text: `<origin>\n<size>\n<base64 root>\n`.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, STANDARD.encode(self.root))
    }

    /// Parses checkpoint text, which has already passed the note character
    /// checks, so it has no control characters other than newlines.
    fn parse_body(text: &str) -> Result<Checkpoint, NoteError> {
        let lines_text = text.strip_suffix('\n').ok_or(NoteError::MissingFinalNewline)?;
        let lines: Vec<&str> = lines_text.split('\n').collect();
        if lines.iter().any(|line| line.is_empty()) {
            return Err(NoteError::EmptyLine);
        }
        let [origin, size_text, root_text] = lines[..] else {
            return Err(NoteError::WrongLineCount { count: lines.len() });
        };
        let size =
            parse_tree_size(size_text).ok_or_else(|| NoteError::InvalidTreeSize { text: size_text.to_owned() })?;
        let root = STANDARD
            .decode(root_text)
            .ok()
            .and_then(|bytes| Hash::try_from(bytes).ok())
            .ok_or_else(|| NoteError::InvalidRootHash { text: root_text.to_owned() })?;
        Checkpoint::new(origin, size, root)
    }
}

impl LogKey {
    /// # Errors
    ///
    /// [`NoteError::InvalidKeyName`].
    pub fn new(name: &str, secret: SecretKey) -> Result<LogKey, NoteError> {
        check_key_name(name)?;
        let key_id = key_id(name, &secret.public_key());
        Ok(LogKey { name: name.to_owned(), secret, key_id })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    pub fn public_key(&self) -> PublicKey {
        self.secret.public_key()
    }

    pub fn verifier(&self) -> Verifier {
        Verifier { name: self.name.clone(), key_id: self.key_id, public: self.public_key() }
    }

    /// The verifier key text for this key; see [`verifier_key`].
    pub fn verifier_key(&self) -> String {
        self.verifier().to_string()
    }

    /// Signs `text`: returns `text`, a blank line and this key's signature line.
    ///
    /// # Errors
    ///
    /// [`NoteError::MissingFinalNewline`] unless `text` ends with a newline,
    /// [`NoteError::ControlCharacter`], and [`NoteError::TooLarge`] if the
    /// signed note would be too large for [`open_note`].
    pub fn sign_note(&self, text: &str) -> Result<String, NoteError> {
        check_note_characters(text)?;
        let mut blob = Vec::with_capacity(68);
        blob.extend_from_slice(&self.key_id);
        blob.extend_from_slice(self.secret.sign(text.as_bytes()).as_bytes());
        let note = format!("{text}\n{SIGNATURE_LINE_PREFIX}{} {}\n", self.name, STANDARD.encode(&blob));
        if note.len() > NOTE_BYTES_MAX {
            return Err(NoteError::TooLarge { len: note.len(), len_max: NOTE_BYTES_MAX });
        }
        Ok(note)
    }

    /// A raw signature of `message` by the log key; callers add domain separation (sealed
    /// entries sign under `SEAL_SIGNATURE_CONTEXT`).
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> Signature {
        self.secret.sign(message)
    }

    /// Signs the checkpoint's body; the result opens with [`open_checkpoint`].
    pub fn sign_checkpoint(&self, checkpoint: &Checkpoint) -> String {
        self.sign_note(&checkpoint.body())
            .expect("a checkpoint body is short, ends with a newline and has no control characters")
    }
}

impl Verifier {
    /// # Errors
    ///
    /// [`NoteError::InvalidKeyName`].
    pub fn new(name: &str, public: PublicKey) -> Result<Verifier, NoteError> {
        check_key_name(name)?;
        Ok(Verifier { name: name.to_owned(), key_id: key_id(name, &public), public })
    }

    /// Parses verifier key text `<name>+<8 hex digits>+<base64(0x01 || key)>`,
    /// exactly, without surrounding whitespace.
    ///
    /// # Errors
    ///
    /// [`NoteError::MalformedVerifierKey`], [`NoteError::InvalidKeyName`],
    /// [`NoteError::UnsupportedSignatureType`],
    /// [`NoteError::InvalidVerifierPublicKey`] and
    /// [`NoteError::VerifierKeyIdMismatch`].
    pub fn parse(text: &str) -> Result<Verifier, NoteError> {
        // Names have no '+', but standard base64 may, so split at most twice.
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(key_id_hex), Some(key_base64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::MalformedVerifierKey);
        };
        check_key_name(name)?;
        let found_key_id: KeyId = match hex::decode(key_id_hex) {
            Ok(bytes) if key_id_hex.len() == 8 => bytes.try_into().map_err(|_| NoteError::MalformedVerifierKey)?,
            _ => return Err(NoteError::MalformedVerifierKey),
        };
        let key_bytes = STANDARD.decode(key_base64).map_err(|_| NoteError::MalformedVerifierKey)?;
        let (&signature_type, public_bytes) = key_bytes.split_first().ok_or(NoteError::MalformedVerifierKey)?;
        if signature_type != SIGNATURE_TYPE_ED25519 {
            return Err(NoteError::UnsupportedSignatureType { found: signature_type });
        }
        let public_bytes = <[u8; 32]>::try_from(public_bytes).map_err(|_| NoteError::MalformedVerifierKey)?;
        let public = PublicKey::from_bytes(&public_bytes).map_err(NoteError::InvalidVerifierPublicKey)?;
        let verifier = Verifier::new(name, public)?;
        if verifier.key_id != found_key_id {
            return Err(NoteError::VerifierKeyIdMismatch {
                found: hex::encode(found_key_id),
                expected: hex::encode(verifier.key_id),
            });
        }
        Ok(verifier)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut key_bytes = Vec::with_capacity(33);
        key_bytes.push(SIGNATURE_TYPE_ED25519);
        key_bytes.extend_from_slice(self.public.as_bytes());
        write!(f, "{}+{}+{}", self.name, hex::encode(self.key_id), STANDARD.encode(key_bytes))
    }
}

/// Size limit, no ASCII control characters but newline, final newline.
fn check_note_characters(note: &str) -> Result<(), NoteError> {
    if note.len() > NOTE_BYTES_MAX {
        return Err(NoteError::TooLarge { len: note.len(), len_max: NOTE_BYTES_MAX });
    }
    if let Some(offset) = note.bytes().position(|byte| byte < 0x20 && byte != b'\n') {
        return Err(NoteError::ControlCharacter { offset });
    }
    if !note.ends_with('\n') {
        return Err(NoteError::MissingFinalNewline);
    }
    Ok(())
}

fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(NoteError::InvalidKeyName { name: name.to_owned() });
    }
    Ok(())
}

/// Splits `— <name> <base64>` into the name and the decoded bytes, which
/// hold a 4-byte key id and at least one byte of signature.
fn parse_signature_line(line: &str) -> Option<(&str, Vec<u8>)> {
    let rest = line.strip_prefix(SIGNATURE_LINE_PREFIX)?;
    let (name, blob_base64) = rest.split_once(' ')?;
    check_key_name(name).ok()?;
    let blob = STANDARD.decode(blob_base64).ok()?;
    if blob.len() < 5 {
        return None;
    }
    Some((name, blob))
}

/// ASCII decimal with no sign and no leading zeros, except "0" itself.
fn parse_tree_size(text: &str) -> Option<u64> {
    if !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    if text.len() > 1 && text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}
