//! Ed25519 keys and signatures, their base64 text forms, the secret key file,
//! and the signing and checking of commands.
//!
//! A command is signed over `COMMAND_CONTEXT || JCS(command)`; the context
//! prefix keeps a command signature from ever being valid for any other kind
//! of message signed by the same key. Verification uses `verify_strict`,
//! which refuses small-order keys and non-canonical signature encodings, so
//! nobody without the secret key can turn one valid signature into another.
//! This module does not decide who may sign what, and does not track nonces.

use std::{cmp, fmt, hash};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{canonical_json, Canonical, LedgerError};

#[cfg(test)]
mod tests;

/// Prefix of every signed command message; the trailing newline ends it
/// unambiguously because canonical JSON never starts with a newline.
pub const COMMAND_CONTEXT: &[u8] = b"truce/command/v1\n";

/// Prefix of every signed request to a server that is not a command (setting a password):
/// such a signature is never valid as a command's, nor a command's as one of these.
pub const REQUEST_CONTEXT: &[u8] = b"truce/request/v1\n";

/// The `kind` of a secret key file.
pub const KEY_FILE_KIND: &str = "truce-ed25519-secret-key";

/// An Ed25519 public key.
///
/// Invariant: a valid curve point of full order. Its text form is the
/// padded standard base64 of its 32 bytes, also in serde.
#[derive(Clone, Copy)]
pub struct PublicKey {
    bytes: [u8; 32],
    // Decompressed once here rather than on every verification.
    key: VerifyingKey,
}

/// Public keys as parsed, by their bytes, for a server that parses the same few signers'
/// keys in every request: parsing one decompresses a curve point and checks its order, some
/// microseconds, a tenth of checking a signature with it. A key is the same value however
/// often it is parsed, so a kept one answers exactly as a fresh parse would; a text that does
/// not parse is never kept. Bounded: when `PUBLIC_KEYS_KEPT_MAX` are kept, all are let go.
#[derive(Default)]
pub struct PublicKeys {
    parsed: std::sync::Mutex<std::collections::HashMap<[u8; 32], PublicKey>>,
}

/// Keys a `PublicKeys` keeps at the most.
pub const PUBLIC_KEYS_KEPT_MAX: usize = 4096;

impl PublicKeys {
    /// `PublicKey::parse_base64(text)`, from the keys kept where it is one of them.
    ///
    /// # Errors
    /// As `PublicKey::parse_base64`.
    pub fn parse_base64(&self, text: &str) -> Result<PublicKey, LedgerError> {
        let bytes = decode_base64_array("public key", text)?;
        // A poisoned lock only means another thread panicked while it held it; what it keeps
        // is still a map of keys each parsed whole before it went in.
        if let Some(key) = self.parsed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&bytes) {
            return Ok(*key);
        }
        let key = PublicKey::from_bytes(&bytes)?;
        let mut parsed = self.parsed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if parsed.len() >= PUBLIC_KEYS_KEPT_MAX {
            parsed.clear();
        }
        parsed.insert(bytes, key);
        Ok(key)
    }

    /// How many keys are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.parsed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }
}

/// An Ed25519 signature: 64 bytes, as padded standard base64 in text and serde.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 64]);

/// An Ed25519 secret key. `Debug` shows only the public key.
#[derive(Clone)]
pub struct SecretKey(SigningKey);

/// The JSON form of a secret key file; fields in canonical order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    kind: String,
    public_key: String,
    secret_key: String,
}

/// The SHA-256 of a one-time enrolment code's text, as lowercase hexadecimal: all the
/// ledger records of a code before it is used, and what an `enrol_key` command's code is
/// checked against. One plain hash suffices: the code is 128 random bits, not a password.
pub fn enrolment_code_sha256(code: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(code.as_bytes()))
}

/// The bytes a command signature covers: `COMMAND_CONTEXT || JCS(command)`.
///
/// # Errors
///
/// Any error of [`canonical_json`].
pub fn command_signing_bytes(command: &serde_json::Value) -> Result<Vec<u8>, LedgerError> {
    let canonical = canonical_json(command)?;
    let mut message = Vec::with_capacity(COMMAND_CONTEXT.len() + canonical.len());
    message.extend_from_slice(COMMAND_CONTEXT);
    message.extend_from_slice(canonical.as_bytes());
    Ok(message)
}

/// Signs `command` with `secret`.
///
/// # Errors
///
/// Any error of [`canonical_json`].
pub fn sign_command(secret: &SecretKey, command: &serde_json::Value) -> Result<Signature, LedgerError> {
    Ok(secret.sign(&command_signing_bytes(command)?))
}

/// Signs a request to the server (not a command): `REQUEST_CONTEXT || JCS(request)`.
///
/// # Errors
///
/// Any error of [`canonical_json`].
pub fn sign_request(secret: &SecretKey, request: &serde_json::Value) -> Result<Signature, LedgerError> {
    Ok(secret.sign(&request_signing_bytes(request)?))
}

/// Checks that `signature` is `public`'s signature of the request `request`.
///
/// # Errors
///
/// [`LedgerError::BadSignature`] if it is not, and any error of [`canonical_json`].
pub fn verify_request(
    public: &PublicKey,
    request: &serde_json::Value,
    signature: &Signature,
) -> Result<(), LedgerError> {
    public.verify(&request_signing_bytes(request)?, signature)
}

fn request_signing_bytes(request: &serde_json::Value) -> Result<Vec<u8>, LedgerError> {
    let canonical = canonical_json(request)?;
    let mut message = Vec::with_capacity(REQUEST_CONTEXT.len() + canonical.len());
    message.extend_from_slice(REQUEST_CONTEXT);
    message.extend_from_slice(canonical.as_bytes());
    Ok(message)
}

/// Checks that `signature` is `public`'s signature of `command`.
///
/// # Errors
///
/// [`LedgerError::BadSignature`] if it is not, and any error of
/// [`canonical_json`].
pub fn verify_command(
    public: &PublicKey,
    command: &serde_json::Value,
    signature: &Signature,
) -> Result<(), LedgerError> {
    public.verify(&command_signing_bytes(command)?, signature)
}

/// Checks that `signature` is `public`'s signature of the command whose canonical form is
/// `command`: what [`verify_command`] checks, over text already canonicalized (and kept, to
/// be stored in the command's entry).
///
/// # Errors
///
/// [`LedgerError::BadSignature`] if it is not.
pub fn verify_canonical_command(
    public: &PublicKey,
    command: &Canonical,
    signature: &Signature,
) -> Result<(), LedgerError> {
    let mut message = Vec::with_capacity(COMMAND_CONTEXT.len() + command.text().len());
    message.extend_from_slice(COMMAND_CONTEXT);
    message.extend_from_slice(command.text().as_bytes());
    public.verify(&message, signature)
}

impl PublicKey {
    /// # Errors
    ///
    /// [`LedgerError::InvalidPublicKey`] if the bytes are not a curve point
    /// and [`LedgerError::WeakPublicKey`] if the point has small order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, LedgerError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| LedgerError::InvalidPublicKey)?;
        if key.is_weak() {
            return Err(LedgerError::WeakPublicKey);
        }
        Ok(PublicKey { bytes: *bytes, key })
    }

    /// # Errors
    ///
    /// [`LedgerError::InvalidBase64`], [`LedgerError::WrongLength`] and the
    /// errors of [`PublicKey::from_bytes`].
    pub fn parse_base64(text: &str) -> Result<PublicKey, LedgerError> {
        PublicKey::from_bytes(&decode_base64_array("public key", text)?)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.bytes)
    }

    /// A short fingerprint to read out over the phone when a key is handed over: the first
    /// 8 bytes of SHA-256 of the key, as four groups of four hexadecimal digits. Enough to
    /// catch a mistaken or swapped key, not to stand for the key.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(self.bytes);
        let hex = hex::encode(&digest[..8]);
        let groups: Vec<&str> = (0..4).map(|i| &hex[i * 4..i * 4 + 4]).collect();
        groups.join("-")
    }

    /// Checks a raw Ed25519 signature of `message` with `verify_strict`.
    pub(crate) fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), LedgerError> {
        let signature = ed25519_dalek::Signature::from_bytes(&signature.0);
        self.key.verify_strict(message, &signature).map_err(|_| LedgerError::BadSignature)
    }

    fn from_verifying_key(key: VerifyingKey) -> PublicKey {
        // A key derived from a secret scalar is never of small order, so the
        // checks of `from_bytes` would always pass.
        PublicKey { bytes: key.to_bytes(), key }
    }
}

impl Signature {
    pub fn from_bytes(bytes: [u8; 64]) -> Signature {
        Signature(bytes)
    }

    /// # Errors
    ///
    /// [`LedgerError::InvalidBase64`] and [`LedgerError::WrongLength`].
    pub fn parse_base64(text: &str) -> Result<Signature, LedgerError> {
        decode_base64_array("signature", text).map(Signature)
    }

    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

impl SecretKey {
    /// A fresh key from `rng`.
    pub fn generate(rng: &mut (impl CryptoRng + RngCore)) -> SecretKey {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        SecretKey::from_seed(&seed)
    }

    /// The key for a 32-byte RFC 8032 seed (what RFC 8032 calls the private key).
    pub fn from_seed(seed: &[u8; 32]) -> SecretKey {
        SecretKey(SigningKey::from_bytes(seed))
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_verifying_key(self.0.verifying_key())
    }

    /// The key as a PKCS#8 PEM file (`PRIVATE KEY`, RFC 8410), which OpenSSL and other
    /// tools read.
    ///
    /// # Panics
    /// Never: an Ed25519 key always encodes.
    pub fn to_pkcs8_pem(&self) -> String {
        use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePrivateKey as _};
        self.pkcs8_v1().to_pkcs8_pem(LineEnding::LF).expect("an Ed25519 key encodes as PKCS#8").to_string()
    }

    /// The key as an encrypted PKCS#8 PEM file (`ENCRYPTED PRIVATE KEY`): PBES2 with scrypt
    /// and AES-256-CBC, with a fresh salt and IV from `rng`.
    ///
    /// # Errors
    /// [`LedgerError::KeyFilePkcs8`] if encryption fails.
    pub fn to_encrypted_pkcs8_pem(
        &self,
        passphrase: &str,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> Result<String, LedgerError> {
        use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePrivateKey as _};
        let err = |err: &dyn fmt::Display| LedgerError::KeyFilePkcs8(err.to_string());
        let document = self.pkcs8_v1().to_pkcs8_der().map_err(|e| err(&e))?;
        let info = pkcs8::PrivateKeyInfo::try_from(document.as_bytes()).map_err(|e| err(&e))?;
        let encrypted = info.encrypt(rng, passphrase.as_bytes()).map_err(|e| err(&e))?;
        let pem = encrypted.to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF).map_err(|e| err(&e))?;
        Ok(pem.to_string())
    }

    /// The key as PKCS#8 v1 (RFC 8410's form: the seed alone). ed25519-dalek writes v2,
    /// with the public key beside it, which OpenSSL 3 does not read.
    fn pkcs8_v1(&self) -> ed25519_dalek::pkcs8::KeypairBytes {
        ed25519_dalek::pkcs8::KeypairBytes { secret_key: self.0.to_bytes(), public_key: None }
    }

    /// Whether a key file's text is an encrypted PKCS#8 file, which needs a passphrase.
    pub fn key_file_is_encrypted(text: &str) -> bool {
        text.trim_start().starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    }

    /// Reads any key file: PKCS#8 PEM, encrypted PKCS#8 PEM (with `passphrase`), or the
    /// JSON key file of earlier data directories ([`SecretKey::parse_file_text`]).
    ///
    /// # Errors
    /// [`LedgerError::KeyFilePassphraseNeeded`], [`LedgerError::KeyFileDecrypt`],
    /// [`LedgerError::KeyFilePkcs8`], or an error of [`SecretKey::parse_file_text`].
    pub fn read_key_file(text: &str, passphrase: Option<&str>) -> Result<SecretKey, LedgerError> {
        use ed25519_dalek::pkcs8::DecodePrivateKey as _;
        let trimmed = text.trim_start();
        if SecretKey::key_file_is_encrypted(text) {
            let passphrase = passphrase.ok_or(LedgerError::KeyFilePassphraseNeeded)?;
            let key = SigningKey::from_pkcs8_encrypted_pem(trimmed, passphrase.as_bytes())
                .map_err(|_| LedgerError::KeyFileDecrypt)?;
            return Ok(SecretKey(key));
        }
        if trimmed.starts_with("-----BEGIN PRIVATE KEY-----") {
            let key = SigningKey::from_pkcs8_pem(trimmed).map_err(|err| LedgerError::KeyFilePkcs8(err.to_string()))?;
            return Ok(SecretKey(key));
        }
        SecretKey::parse_file_text(text)
    }

    /// The key file text: canonical JSON of `kind`, `public_key` and
    /// `secret_key` (the base64 seed), and a final newline.
    pub fn to_file_text(&self) -> String {
        let file = KeyFile {
            kind: KEY_FILE_KIND.to_owned(),
            public_key: self.public_key().to_base64(),
            secret_key: STANDARD.encode(self.0.to_bytes()),
        };
        let mut text = serde_json::to_string(&file).expect("a struct of strings serialises");
        text.push('\n');
        text
    }

    /// Reads a key file written by [`SecretKey::to_file_text`]. Whitespace
    /// around and inside the JSON is allowed; other keys are not.
    ///
    /// # Errors
    ///
    /// [`LedgerError::KeyFileMalformed`], [`LedgerError::KeyFileKind`], the
    /// base64 and length errors of either key, and
    /// [`LedgerError::KeyFileMismatch`] if the public key is not the secret
    /// key's.
    pub fn parse_file_text(text: &str) -> Result<SecretKey, LedgerError> {
        let file: KeyFile = serde_json::from_str(text).map_err(LedgerError::KeyFileMalformed)?;
        if file.kind != KEY_FILE_KIND {
            return Err(LedgerError::KeyFileKind { kind: file.kind, expected: KEY_FILE_KIND });
        }
        let seed = decode_base64_array::<32>("secret key", &file.secret_key)?;
        let public = PublicKey::parse_base64(&file.public_key)?;
        let secret = SecretKey::from_seed(&seed);
        if secret.public_key() != public {
            return Err(LedgerError::KeyFileMismatch);
        }
        Ok(secret)
    }

    /// A raw Ed25519 signature of `message`; callers add domain separation.
    pub(crate) fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.0.sign(message).to_bytes())
    }
}

fn decode_base64_array<const N: usize>(what: &'static str, text: &str) -> Result<[u8; N], LedgerError> {
    // The STANDARD engine insists on canonical padding and zero trailing
    // bits, so every byte string has exactly one accepted text form.
    let bytes = STANDARD.decode(text).map_err(|source| LedgerError::InvalidBase64 { what, source })?;
    let len = bytes.len();
    bytes.try_into().map_err(|_| LedgerError::WrongLength { what, len, expected: N })
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &PublicKey) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for PublicKey {}

impl hash::Hash for PublicKey {
    fn hash<H: hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl PartialOrd for PublicKey {
    fn partial_cmp(&self, other: &PublicKey) -> Option<cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PublicKey {
    fn cmp(&self, other: &PublicKey) -> cmp::Ordering {
        self.bytes.cmp(&other.bytes)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_base64())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_base64())
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey").field("public_key", &self.public_key()).finish_non_exhaustive()
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PublicKey, D::Error> {
        let text = String::deserialize(deserializer)?;
        PublicKey::parse_base64(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Signature, D::Error> {
        let text = String::deserialize(deserializer)?;
        Signature::parse_base64(&text).map_err(serde::de::Error::custom)
    }
}
