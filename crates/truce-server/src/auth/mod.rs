//! Who is reading: `Viewer`, the one extractor every read route uses to learn whether the
//! request comes from a signed-in account (by session cookie or API bearer token) or from
//! anyone. And the server's side of signing in: `Auth` holds the credentials file, the
//! limits on failed sign-ins, and the cookie settings.
//!
//! None of this is in the log: the log is public, and secrets do not go into a public log.
//! Accounts, their parties and roles are read from the projection at each request, so a
//! session follows what the log says of its account now.
//!
//! What each kind of viewer may see is the core's read policy (`truce_core::Audience`,
//! docs/visibility.md); this module only says who the viewer is (`Viewer::reader`).

pub(crate) mod routes;

use std::{collections::HashMap, net::IpAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use parking_lot::Mutex;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use truce_core::{AccountId, PartyId, Reader, Role, Timestamp};
use truce_store::Credentials;

use crate::{problem::ApiError, AppState};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "truce_session";
/// How long a session lasts after signing in, seconds.
pub const SESSION_DURATION_S: i64 = 12 * 3600;
/// Failed sign-ins allowed per account in one `SIGN_IN_WINDOW_S`.
pub const SIGN_IN_FAILURES_PER_ACCOUNT_MAX: u32 = 5;
/// Failed sign-ins allowed per client address in one `SIGN_IN_WINDOW_S`.
pub const SIGN_IN_FAILURES_PER_ADDRESS_MAX: u32 = 20;
/// The window in which failed sign-ins are counted, seconds.
pub const SIGN_IN_WINDOW_S: i64 = 15 * 60;
/// Account names and client addresses whose failures are remembered before the expired
/// ones are swept.
const FAILURE_ENTRIES_MAX: usize = 100_000;
/// Characters in a password.
pub const PASSWORD_LEN_MIN: usize = 12;
/// Characters in a password.
pub const PASSWORD_LEN_MAX: usize = 256;
/// API tokens per account, revoked ones included.
pub const TOKENS_PER_ACCOUNT_MAX: usize = 100;

/// The signing-in half of the server's state.
pub struct Auth {
    pub credentials: Credentials,
    /// Whether cookies carry `Secure`: true when clients reach the server over TLS (at the
    /// server or at a proxy in front of it).
    pub cookie_secure: bool,
    failures: Mutex<Failures>,
}

/// Failed sign-ins by account and by client address, each counted in a fixed window.
#[derive(Default)]
struct Failures {
    by_account: HashMap<String, (i64, u32)>,
    by_address: HashMap<IpAddr, (i64, u32)>,
}

/// Who is reading.
#[derive(Debug, Clone, PartialEq)]
pub enum Viewer {
    /// No session and no token.
    Anonymous,
    SignedIn(SignedIn),
}

/// A signed-in account as the log has it now.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub account_id: AccountId,
    pub party_id: Option<PartyId>,
    pub roles: Vec<Role>,
    /// The session's secret hash, when signed in by cookie (what signing out deletes).
    pub session_sha256: Option<String>,
}

/// The client's address, when the listener recorded it (`listen::serve` does).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl Auth {
    pub fn new(credentials: Credentials, cookie_secure: bool) -> Auth {
        Auth { credentials, cookie_secure, failures: Mutex::default() }
    }

    /// Whether sign-ins for `account` or from `address` are paused by earlier failures;
    /// the seconds until they may be tried again.
    pub(crate) fn sign_in_paused(&self, account: &str, address: Option<IpAddr>, now: Timestamp) -> Option<i64> {
        let failures = self.failures.lock();
        let now_s = now.unix_ms() / 1000;
        let paused = |entry: Option<&(i64, u32)>, max: u32| {
            entry
                .filter(|(start, count)| now_s < start + SIGN_IN_WINDOW_S && *count >= max)
                .map(|(start, _)| start + SIGN_IN_WINDOW_S - now_s)
        };
        let by_account = paused(failures.by_account.get(account), SIGN_IN_FAILURES_PER_ACCOUNT_MAX);
        let by_address = address.and_then(|a| paused(failures.by_address.get(&a), SIGN_IN_FAILURES_PER_ADDRESS_MAX));
        by_account.max(by_address)
    }

    pub(crate) fn note_failure(&self, account: &str, address: Option<IpAddr>, now: Timestamp) {
        let mut failures = self.failures.lock();
        let now_s = now.unix_ms() / 1000;
        let count = |entry: &mut (i64, u32)| {
            if now_s >= entry.0 + SIGN_IN_WINDOW_S {
                *entry = (now_s, 0);
            }
            entry.1 += 1;
        };
        // Bounded: past `FAILURE_ENTRIES_MAX` names and addresses, those whose window has
        // passed are forgotten. Names are counted whether or not such an account exists, so
        // that a pause never tells which accounts do.
        if failures.by_account.len() + failures.by_address.len() >= FAILURE_ENTRIES_MAX {
            failures.by_account.retain(|_, (start, _)| now_s < *start + SIGN_IN_WINDOW_S);
            failures.by_address.retain(|_, (start, _)| now_s < *start + SIGN_IN_WINDOW_S);
        }
        count(failures.by_account.entry(account.to_owned()).or_insert((now_s, 0)));
        if let Some(address) = address {
            count(failures.by_address.entry(address).or_insert((now_s, 0)));
        }
    }

    pub(crate) fn note_success(&self, account: &str) {
        self.failures.lock().by_account.remove(account);
    }
}

/// SHA-256 of a secret, in hexadecimal: how sessions and tokens are stored.
pub(crate) fn secret_sha256(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A fresh secret: 32 bytes from the OS, base64url without padding.
pub(crate) fn fresh_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<ClientAddr, ApiError> {
        let address = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip());
        Ok(ClientAddr(address))
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    /// Anonymous without credentials; the signed-in account with a live session cookie or
    /// API token; 401 with credentials that are unknown, expired, signed out or revoked, so
    /// that a stale cookie is never silently read as no cookie.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, ApiError> {
        let now = state.clock.now();
        if let Some(token) = bearer_token(parts)? {
            let account_id = token_account(state, &token)?;
            return signed_in(state, &account_id, None);
        }
        let Some(secret) = session_cookie(parts) else {
            return Ok(Viewer::Anonymous);
        };
        let hash = secret_sha256(&secret);
        let session = state.auth.credentials.session(&hash).map_err(|err| ApiError::Internal(err.to_string()))?;
        match session {
            Some((account_id, expires_at_s)) if now.unix_ms() / 1000 < expires_at_s => {
                signed_in(state, &account_id, Some(hash))
            }
            Some(_) | None => {
                Err(ApiError::Unauthenticated { detail: "the session is unknown, expired or signed out" })
            }
        }
    }
}

impl Viewer {
    /// The viewer as the core's read policy sees it (`truce_core::Audience::admits`).
    pub fn reader(&self) -> Reader<'_> {
        match self {
            Viewer::Anonymous => Reader::Anyone,
            Viewer::SignedIn(signed_in) => Reader::Member { party: signed_in.party_id.as_ref() },
        }
    }

    /// The signed-in account, or 401.
    ///
    /// # Errors
    /// `Unauthenticated` for an anonymous viewer.
    pub fn require_signed_in(&self) -> Result<&SignedIn, ApiError> {
        match self {
            Viewer::SignedIn(signed_in) => Ok(signed_in),
            Viewer::Anonymous => Err(ApiError::Unauthenticated { detail: "sign in first: this is not public" }),
        }
    }
}

fn signed_in(state: &AppState, account_id: &str, session_sha256: Option<String>) -> Result<Viewer, ApiError> {
    let gone = || ApiError::Unauthenticated { detail: "the account of this session or token is not in the log" };
    let account_id = AccountId::parse(account_id).map_err(|_| gone())?;
    let account =
        state.node.read_state(|live| live.accounts.get(&account_id).map(|a| (a.party_id.clone(), a.roles.clone())));
    let (party_id, roles) = account.ok_or_else(gone)?;
    state.edge.count_account(&account_id.text())?;
    Ok(Viewer::SignedIn(SignedIn { account_id, party_id, roles, session_sha256 }))
}

/// An API token is `<token_id>.<secret>`; `None` without an `Authorization` header.
fn bearer_token(parts: &Parts) -> Result<Option<String>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    match text.strip_prefix("Bearer ") {
        Some(token) => Ok(Some(token.trim().to_owned())),
        None => Err(ApiError::Unauthenticated { detail: "the Authorization header is not `Bearer <token>`" }),
    }
}

/// The account of a live token, comparing the secret's hash in constant time.
fn token_account(state: &AppState, token: &str) -> Result<String, ApiError> {
    let refused = || ApiError::Unauthenticated { detail: "the token is unknown or revoked" };
    let (token_id, secret) = token.split_once('.').ok_or_else(refused)?;
    let stored = state.auth.credentials.token(token_id).map_err(|err| ApiError::Internal(err.to_string()))?;
    let (row, stored_sha256) = stored.ok_or_else(refused)?;
    let matches: bool = secret_sha256(secret).as_bytes().ct_eq(stored_sha256.as_bytes()).into();
    if !matches || row.revoked_at.is_some() {
        return Err(refused());
    }
    Ok(row.account_id)
}

/// The value of the session cookie, if the request carries one.
fn session_cookie(parts: &Parts) -> Option<String> {
    parts.headers.get_all(header::COOKIE).iter().filter_map(|value| value.to_str().ok()).find_map(|cookies| {
        cookies.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE).then(|| value.to_owned())
        })
    })
}
