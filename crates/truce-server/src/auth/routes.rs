//! The sign-in routes: setting a password (a request signed by one of the account's keys),
//! signing in and out (a session cookie), and API tokens (create, list, revoke).
//!
//! Passwords are hashed with Argon2id at OWASP's parameters or above (19 MiB, 2 passes, 1
//! lane), off the async threads. A failed sign-in never says whether the account or the
//! password was wrong, and costs the same either way (an unknown account is checked against
//! a hash of nothing).

use std::sync::OnceLock;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString},
    Algorithm, Argon2, Params, Version,
};
use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use truce_core::{AccountId, DomainError, Timestamp, ISSUED_AT_SKEW_S_MAX};
use truce_ledger::{verify_request, PublicKey, Signature};
use truce_store::TokenRow;

use crate::{
    auth::{
        fresh_secret, secret_sha256, ClientAddr, Viewer, PASSWORD_LEN_MAX, PASSWORD_LEN_MIN, SESSION_COOKIE,
        SESSION_DURATION_S, TOKENS_PER_ACCOUNT_MAX,
    },
    extract::{ApiJsonText, ApiPath},
    json::Json,
    problem::ApiError,
    AppState,
};

/// Argon2id memory, KiB (OWASP's minimum for these passes and lanes).
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
/// Argon2id passes.
pub const ARGON2_PASSES: u32 = 2;
/// Argon2id lanes.
pub const ARGON2_LANES: u32 = 1;

/// `POST /api/v1/password`: a password for an account, signed by one of its keys. The
/// handler reads it as `RawPasswordRequest`, to verify the signature over the request as sent.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SignedPasswordRequest {
    /// What is signed: Ed25519 over `"truce/request/v1\n" || JCS(request)`.
    pub request: PasswordRequest,
    /// The signing key, standard base64 of 32 bytes; a key registered (not revoked) to the account.
    pub signer: String,
    /// Standard base64 of the 64-byte signature.
    pub signature: String,
}

/// `SignedPasswordRequest` as read: the signature covers the request's JSON as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPasswordRequest {
    request: serde_json::Value,
    signer: String,
    signature: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    #[serde(rename = "type")]
    pub kind: PasswordRequestType,
    pub account_id: AccountId,
    /// 12 to 256 characters.
    pub password: String,
    /// Within the allowed skew of the server's clock: an old signed request is refused.
    pub issued_at: Timestamp,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PasswordRequestType {
    SetPassword,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PasswordSet {
    pub account_id: AccountId,
    pub set_at: Timestamp,
}

/// `POST /api/v1/session`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub account_id: String,
    pub password: String,
}

/// The signed-in account, as the log has it now.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionView {
    pub account_id: AccountId,
    pub party_id: Option<truce_core::PartyId>,
    pub roles: Vec<truce_core::Role>,
    /// When the session ends; absent when signed in by an API token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SignedOut {
    pub account_id: AccountId,
    pub signed_out_at: Timestamp,
}

/// `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, 1 to 200 characters.
    pub name: String,
}

/// An API token as listed: never its secret.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TokenView {
    pub token_id: String,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A token just made: the only time its secret is shown.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub view: TokenView,
    /// Send as `Authorization: Bearer <token>`. Shown once; only its hash is kept.
    pub token: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TokensView {
    pub items: Vec<TokenView>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, None)
        .expect("OWASP's Argon2id parameters are within Argon2's bounds");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn internal(err: impl ToString) -> ApiError {
    ApiError::Internal(err.to_string())
}

pub async fn set_password(
    State(app): State<AppState>,
    ApiJsonText(signed, _): ApiJsonText<RawPasswordRequest>,
) -> Result<Json<PasswordSet>, ApiError> {
    let signer = PublicKey::parse_base64(&signed.signer)
        .map_err(|err| ApiError::bad_request("signer", format!("signer is not an Ed25519 public key: {err}")))?;
    let signature = Signature::parse_base64(&signed.signature)
        .map_err(|err| ApiError::bad_request("signature", format!("signature is not an Ed25519 signature: {err}")))?;
    verify_request(&signer, &signed.request, &signature).map_err(|_| ApiError::BadSignature)?;
    let request: PasswordRequest = serde_json::from_value(signed.request)
        .map_err(|err| ApiError::bad_request("request", format!("the request is not a set_password request: {err}")))?;
    let now = app.clock.now();
    if request.issued_at.seconds_until(now).abs() > ISSUED_AT_SKEW_S_MAX {
        return Err(ApiError::Domain(DomainError::IssuedAtSkew {
            issued_at: request.issued_at.to_string(),
            accepted_at: now.to_string(),
            skew_s_max: ISSUED_AT_SKEW_S_MAX,
        }));
    }
    let signer_text = signer.to_base64();
    let refusal = app.node.read_state(|state| {
        let account = state.accounts.get(&request.account_id)?;
        let key = truce_core::PublicKeyText::parse(&signer_text).ok()?;
        if let Some(revoked) = account.revoked(&key) {
            return Some(DomainError::KeyRevoked {
                account: account.account_id.to_string(),
                revoked_at: revoked.revoked_at.to_string(),
            });
        }
        (!account.public_keys.contains(&key))
            .then(|| DomainError::KeyNotRegistered { account: account.account_id.to_string() })
    });
    let known = app.node.read_state(|state| state.accounts.contains_key(&request.account_id));
    if !known {
        return Err(ApiError::Domain(DomainError::UnknownAccount { account: request.account_id.to_string() }));
    }
    if let Some(refusal) = refusal {
        return Err(ApiError::Domain(refusal));
    }
    let len = request.password.chars().count();
    if !(PASSWORD_LEN_MIN..=PASSWORD_LEN_MAX).contains(&len) {
        return Err(ApiError::bad_request(
            "request.password",
            format!("the password has {len} characters; {PASSWORD_LEN_MIN} to {PASSWORD_LEN_MAX} are allowed"),
        ));
    }
    let password = request.password;
    let phc = tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string())
    })
    .await
    .map_err(internal)?
    .map_err(internal)?;
    app.auth.credentials.set_password(&request.account_id.text(), &phc, &now.to_string()).map_err(internal)?;
    Ok(Json(PasswordSet { account_id: request.account_id, set_at: now }))
}

/// A PHC string of a password no one has, to check unknown accounts against at the same cost.
fn hash_of_nothing() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::encode_b64(b"truce-no-account").expect("16 bytes of salt encode");
        argon2().hash_password(b"", &salt).expect("Argon2id hashes the empty password").to_string()
    })
}

pub async fn sign_in(
    State(app): State<AppState>,
    ClientAddr(address): ClientAddr,
    ApiJsonText(sign_in, _): ApiJsonText<SignIn>,
) -> Result<(StatusCode, HeaderMap, Json<SessionView>), ApiError> {
    let now = app.clock.now();
    let account = sign_in.account_id.chars().take(64).collect::<String>();
    if let Some(retry_after_s) = app.auth.sign_in_paused(&account, address, now) {
        return Err(ApiError::TooManySignIns { retry_after_s });
    }
    let stored = app.auth.credentials.password(&account).map_err(internal)?;
    let phc = stored.clone().unwrap_or_else(|| hash_of_nothing().to_owned());
    let password = sign_in.password;
    let verified = tokio::task::spawn_blocking(move || {
        let hash = PasswordHash::new(&phc).map_err(|err| err.to_string())?;
        Ok::<bool, String>(argon2().verify_password(password.as_bytes(), &hash).is_ok())
    })
    .await
    .map_err(internal)?
    .map_err(ApiError::Internal)?;
    let viewer = match (verified && stored.is_some(), AccountId::parse(&account)) {
        (true, Ok(account_id)) => {
            app.node.read_state(|state| state.accounts.get(&account_id).map(|a| (a.party_id.clone(), a.roles.clone())))
        }
        _ => None,
    };
    let Some((party_id, roles)) = viewer else {
        app.auth.note_failure(&account, address, now);
        return Err(ApiError::SignInFailed);
    };
    app.auth.note_success(&account);
    let secret = fresh_secret();
    let expires_at = Timestamp::from_datetime(now.as_datetime() + chrono::Duration::seconds(SESSION_DURATION_S));
    app.auth
        .credentials
        .insert_session(&secret_sha256(&secret), &account, expires_at.unix_ms() / 1000)
        .map_err(internal)?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, cookie(&app, &secret, SESSION_DURATION_S)?);
    let account_id = AccountId::parse(&account).map_err(internal)?;
    let view = SessionView { account_id, party_id, roles, expires_at: Some(expires_at) };
    Ok((StatusCode::CREATED, headers, Json(view)))
}

fn cookie(app: &AppState, value: &str, max_age_s: i64) -> Result<HeaderValue, ApiError> {
    let secure = if app.auth.cookie_secure { "; Secure" } else { "" };
    let text = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}");
    HeaderValue::from_str(&text).map_err(internal)
}

pub async fn session(viewer: Viewer, State(app): State<AppState>) -> Result<Json<SessionView>, ApiError> {
    let signed_in = viewer.require_signed_in()?;
    let expires_at = match &signed_in.session_sha256 {
        Some(hash) => {
            let session = app.auth.credentials.session(hash).map_err(internal)?;
            session.map(|(_, expires_at_s)| Timestamp::from_datetime(chrono_from_unix_s(expires_at_s)))
        }
        None => None,
    };
    Ok(Json(SessionView {
        account_id: signed_in.account_id.clone(),
        party_id: signed_in.party_id.clone(),
        roles: signed_in.roles.clone(),
        expires_at,
    }))
}

fn chrono_from_unix_s(unix_s: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(unix_s, 0).unwrap_or_default()
}

pub async fn sign_out(viewer: Viewer, State(app): State<AppState>) -> Result<(HeaderMap, Json<SignedOut>), ApiError> {
    let signed_in = viewer.require_signed_in()?;
    let Some(hash) = &signed_in.session_sha256 else {
        return Err(ApiError::Unauthenticated { detail: "signing out ends a session: send its cookie, not a token" });
    };
    let now = app.clock.now();
    app.auth.credentials.delete_session(hash, now.unix_ms() / 1000).map_err(internal)?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, cookie(&app, "", 0)?);
    Ok((headers, Json(SignedOut { account_id: signed_in.account_id.clone(), signed_out_at: now })))
}

fn token_view(row: TokenRow) -> TokenView {
    TokenView { token_id: row.token_id, name: row.name, created_at: row.created_at, revoked_at: row.revoked_at }
}

pub async fn create_token(
    viewer: Viewer,
    State(app): State<AppState>,
    ApiJsonText(new, _): ApiJsonText<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let signed_in = viewer.require_signed_in()?;
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > truce_core::NAME_LEN_MAX {
        return Err(ApiError::bad_request("name", "a token's name has 1 to 200 characters"));
    }
    let account = signed_in.account_id.text();
    let account = account.as_str();
    if app.auth.credentials.tokens_of(account).map_err(internal)?.len() >= TOKENS_PER_ACCOUNT_MAX {
        return Err(ApiError::bad_request("name", format!("an account has at most {TOKENS_PER_ACCOUNT_MAX} tokens")));
    }
    let mut id_bytes = [0u8; 12];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id_bytes);
    let token_id = hex::encode(id_bytes);
    let secret = fresh_secret();
    let row = TokenRow {
        token_id: token_id.clone(),
        account_id: account.to_owned(),
        name,
        created_at: app.clock.now().to_string(),
        revoked_at: None,
    };
    app.auth.credentials.insert_token(&row, &secret_sha256(&secret)).map_err(internal)?;
    let token = format!("{token_id}.{secret}");
    Ok((StatusCode::CREATED, Json(CreatedToken { view: token_view(row), token })))
}

pub async fn tokens(viewer: Viewer, State(app): State<AppState>) -> Result<Json<TokensView>, ApiError> {
    let signed_in = viewer.require_signed_in()?;
    let rows = app.auth.credentials.tokens_of(&signed_in.account_id.text()).map_err(internal)?;
    Ok(Json(TokensView { items: rows.into_iter().map(token_view).collect() }))
}

pub async fn revoke_token(
    viewer: Viewer,
    State(app): State<AppState>,
    ApiPath(token_id): ApiPath<String>,
) -> Result<Json<TokenView>, ApiError> {
    let signed_in = viewer.require_signed_in()?;
    let account = signed_in.account_id.text();
    let account = account.as_str();
    let revoked_at = app.clock.now().to_string();
    if !app.auth.credentials.revoke_token(account, &token_id, &revoked_at).map_err(internal)? {
        return Err(ApiError::NotFound { kind: "live token of this account", id: token_id });
    }
    let (row, _) = app
        .auth
        .credentials
        .token(&token_id)
        .map_err(internal)?
        .ok_or_else(|| ApiError::Internal("a token just revoked is gone".to_owned()))?;
    Ok(Json(token_view(row)))
}
