//! RFC 9457 problem details: the one place where errors become HTTP responses.
//!
//! Each kind of problem has a stable `type` URI (`/problems/<kind>`, listed in
//! `docs/problems.md`), a status, a title, a `detail` sentence, the request path as
//! `instance` (filled in by `fill_instance` for every problem, whoever made it) and, where it
//! is known, the `field` at fault.

use std::any::Any;

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode, Uri},
    middleware::Next,
    response::{IntoResponse, Response},
};
use schemars::JsonSchema;
use serde::Serialize;
use truce_core::{DomainError, ErrorKind};
use truce_store::SubmitError;

/// The media type of every error response.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem details object.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct Problem {
    /// A stable URI reference naming the kind of problem, `/problems/<kind>`; every kind is
    /// listed in `docs/problems.md`.
    #[serde(rename = "type")]
    #[schemars(extend("pattern" = "^/problems/[a-z][a-z-]*$"))]
    pub kind: String,
    /// A short summary of the kind of problem, the same for every occurrence.
    pub title: String,
    /// The HTTP status code, repeated.
    #[schemars(range(min = 400, max = 599))]
    pub status: u16,
    /// What went wrong this time, in one sentence.
    pub detail: String,
    /// The path of the request that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request field at fault, where there is one: a query parameter (`limit`), a body
    /// field (`signature`), or a path into the signed command (`command.body.terms`), or the
    /// name of the command field a refusal is about (`version`, `code`, `end`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("/problems/{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            instance: None,
            field: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Problem {
        self.field = Some(field.into());
        self
    }

    pub fn instance(mut self, instance: impl Into<String>) -> Problem {
        self.instance = Some(instance.into());
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE));
        // Kept beside the body so that `fill_instance` can add the request path.
        response.extensions_mut().insert(self);
        response
    }
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest { detail: String, field: Option<String> },
    #[error("the request body is larger than {bytes_max} bytes")]
    BodyTooLarge { bytes_max: usize },
    /// The body did not arrive whole within the connection's body read timeout.
    #[error("the request body did not arrive whole within {timeout_s} seconds")]
    BodyTimedOut { timeout_s: u64 },
    #[error("the request target is {bytes} bytes long, at most {bytes_max} are read")]
    UriTooLong { bytes: usize, bytes_max: usize },
    #[error("the request's header fields are {bytes} bytes in all, at most {bytes_max} are read")]
    HeadersTooLarge { bytes: usize, bytes_max: usize },
    #[error("the signature does not verify")]
    BadSignature,
    /// A field of the signed command does not parse; `kind` is the problem type.
    #[error("{detail}")]
    Invalid { kind: ErrorKind, field: String, detail: String },
    /// A genesis command over HTTP: only `truce init` writes the genesis, offline.
    #[error("the genesis entry is written by `truce init`, never over HTTP")]
    GenesisOverHttp,
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{kind} {id} does not exist")]
    NotFound { kind: &'static str, id: String },
    /// An entry too large for a tlog-tiles entry bundle's 16-bit length.
    #[error("entry {seq} is {bytes} bytes, more than an entry bundle's 16-bit length holds; read it at /api/v1/ledger/entries?from={seq}&limit=1")]
    EntryTooLargeForBundle { seq: u64, bytes: usize },
    #[error("the writer is busy")]
    Busy,
    /// Storage refuses writes for now: a full disk, a read-only database.
    #[error("the log cannot be written now: {cause}")]
    StorageUnavailable { cause: &'static str },
    #[error("too many requests from this address or account; retry after {retry_after_s} s")]
    TooManyRequests { retry_after_s: u64 },
    #[error("{streams_max} event streams are open, the most allowed")]
    TooManyStreams { streams_max: usize },
    /// No signed-in viewer where one is needed, or credentials that are unknown, expired,
    /// signed out or revoked.
    #[error("{detail}")]
    Unauthenticated { detail: &'static str },
    /// The account or the password is wrong; never which.
    #[error("the account or the password is wrong")]
    SignInFailed,
    #[error("too many failed sign-ins; retry in {retry_after_s} s")]
    TooManySignIns { retry_after_s: i64 },
    /// In a batch, a command after a refused one: not decided.
    #[error("not tried: a command before it in the same batch was refused")]
    NotTried,
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(field: impl Into<String>, detail: impl Into<String>) -> ApiError {
        ApiError::BadRequest { detail: detail.into(), field: Some(field.into()) }
    }

    pub fn to_problem(&self) -> Problem {
        match self {
            ApiError::BadRequest { detail, field } => {
                let problem = Problem::new(StatusCode::BAD_REQUEST, "invalid-request", "Invalid request", detail);
                match field {
                    Some(field) => problem.field(field),
                    None => problem,
                }
            }
            ApiError::BodyTooLarge { bytes_max } => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                "Body too large",
                format!("the request body is larger than {bytes_max} bytes"),
            ),
            ApiError::BodyTimedOut { .. } => {
                Problem::new(StatusCode::REQUEST_TIMEOUT, "body-timed-out", "Body timed out", self.to_string())
            }
            ApiError::UriTooLong { .. } => {
                Problem::new(StatusCode::URI_TOO_LONG, "uri-too-long", "URI too long", self.to_string())
            }
            ApiError::HeadersTooLarge { .. } => Problem::new(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers-too-large",
                "Headers too large",
                self.to_string(),
            ),
            ApiError::BadSignature => Problem::new(
                StatusCode::UNAUTHORIZED,
                "bad-signature",
                "Bad signature",
                "the signature does not verify for this command and signer key",
            )
            .field("signature"),
            ApiError::Invalid { kind, field, detail } => domain_kind_problem(*kind, detail).field(field.clone()),
            ApiError::GenesisOverHttp => {
                domain_kind_problem(ErrorKind::Genesis, self.to_string()).field("command.body.type")
            }
            ApiError::Domain(err) => domain_problem(err),
            ApiError::NotFound { kind, id } => {
                Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", format!("{kind} {id} does not exist"))
            }
            ApiError::StorageUnavailable { cause } => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage-unavailable",
                "Storage unavailable",
                format!("the log cannot be written now: {cause}; nothing was written, reads go on; retry the same signed command later"),
            ),
            ApiError::EntryTooLargeForBundle { .. } => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "entry-too-large-for-bundle",
                "Entry too large for bundle",
                self.to_string(),
            ),
            ApiError::TooManyRequests { .. } => {
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many requests", self.to_string())
            }
            ApiError::Busy => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Busy",
                "the writer queue is full; retry with the same nonce shortly",
            ),
            ApiError::TooManyStreams { streams_max } => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too-many-streams",
                "Too many streams",
                format!("{streams_max} event streams are open, the most allowed; retry later"),
            ),
            ApiError::Unauthenticated { detail } => {
                Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Unauthenticated", *detail)
            }
            ApiError::SignInFailed => Problem::new(
                StatusCode::UNAUTHORIZED,
                "sign-in-failed",
                "Sign in failed",
                "the account or the password is wrong",
            ),
            ApiError::TooManySignIns { retry_after_s } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-sign-ins",
                "Too many sign ins",
                format!("too many failed sign-ins for this account or from this address; retry in {retry_after_s} s"),
            ),
            ApiError::NotTried => Problem::new(
                StatusCode::FAILED_DEPENDENCY,
                "not-tried",
                "Not tried",
                "not tried: a command before it in the same batch was refused; its nonce was not used, so it can be sent again as it is",
            ),
            // Logged where it happens; never shown in detail to clients.
            ApiError::Internal(_) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "an internal error occurred",
            ),
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(err: SubmitError) -> ApiError {
        match err {
            SubmitError::Domain(err) => ApiError::Domain(err),
            SubmitError::Encoding(detail) => ApiError::BadRequest { detail, field: Some("command".to_owned()) },
            SubmitError::Busy => ApiError::Busy,
            SubmitError::Unavailable { cause } => ApiError::StorageUnavailable { cause },
            SubmitError::Stopped => ApiError::Internal("the writer has stopped".to_owned()),
            SubmitError::NotTried => ApiError::NotTried,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(message) = &self {
            tracing::error!(%message, "internal error");
        }
        let mut response = self.to_problem().into_response();
        match self {
            ApiError::TooManyRequests { retry_after_s } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            }
            // The rest of a body that stopped arriving is not waited for: the connection ends.
            ApiError::BodyTimedOut { .. } => {
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        response
    }
}

/// The HTTP status of each kind of domain refusal: who may not (403), what clashes with the
/// log as it stands (409), and what is wrong with the command itself (422).
///
/// No wildcard: a new kind does not compile until it has a status here (and `DomainError::kind`
/// gives every variant a kind, also without a wildcard).
pub(crate) fn domain_status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::KeyNotRegistered
        | ErrorKind::KeyRevoked
        | ErrorKind::EnrolmentRefused
        | ErrorKind::PartyMismatch
        | ErrorKind::Forbidden
        | ErrorKind::Genesis => StatusCode::FORBIDDEN,
        ErrorKind::NonceReplayed
        | ErrorKind::Duplicate
        | ErrorKind::VersionSuperseded
        | ErrorKind::VersionNotLatest
        | ErrorKind::AlreadyEndorsed
        | ErrorKind::AgreementState
        | ErrorKind::NothingDue => StatusCode::CONFLICT,
        ErrorKind::InvalidInput
        | ErrorKind::WindowNotAfterStart
        | ErrorKind::ZeroLengthRoute
        | ErrorKind::IssuedAtSkew
        | ErrorKind::UnknownReference
        | ErrorKind::InvalidReference
        | ErrorKind::NotASignatory
        | ErrorKind::NoEndorsement
        | ErrorKind::ActBeforeVersion
        | ErrorKind::ValidTimeInFuture
        | ErrorKind::EffectiveAt
        | ErrorKind::ReportedOwnParty
        | ErrorKind::InvalidTerms
        | ErrorKind::ConsentOrFulfilment => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The problem of a kind of domain refusal, without its field.
fn domain_kind_problem(kind: ErrorKind, detail: impl Into<String>) -> Problem {
    Problem::new(domain_status(kind), kind.name(), &title_of(kind.name()), detail)
}

fn domain_problem(err: &DomainError) -> Problem {
    let problem = domain_kind_problem(err.kind(), err.to_string());
    match domain_field(err) {
        Some(field) => problem.field(field),
        None => problem,
    }
}

/// The title of a problem type: its name in words (`version-not-latest`, "Version not latest").
pub(crate) fn title_of(kind: &str) -> String {
    let mut title = kind.replace('-', " ");
    if let Some(first) = title.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    title
}

/// The command field a domain error is about, where it names one.
fn domain_field(err: &DomainError) -> Option<String> {
    let field = match err {
        DomainError::Empty { field }
        | DomainError::TooLong { field, .. }
        | DomainError::TooShort { field, .. }
        | DomainError::TooMany { field, .. }
        | DomainError::NotUuidV7 { field, .. }
        | DomainError::Duplicate { field, .. }
        | DomainError::Hex { field, .. }
        | DomainError::RangeInverted { field, .. }
        | DomainError::OutOfRange { field, .. }
        | DomainError::ValidTimeInFuture { field, .. }
        | DomainError::WhenInverted { field, .. }
        | DomainError::BreakdownAboveTotal { field, .. }
        | DomainError::UnknownAt { field, .. } => field,
        DomainError::ConvoyOnOtherCorridor { .. } => "convoy_id",
        DomainError::AlertId { .. } => "alert_id",
        DomainError::AttestedEffectiveAt { .. }
        | DomainError::ReportedNeedsEffectiveAt
        | DomainError::ActBeforeVersion { .. } => "effective_at",
        DomainError::ReportedOwnParty { .. } => "reported.party_id",
        DomainError::ReportForbidden => "reported",
        DomainError::NotRetractable { .. }
        | DomainError::AlreadyRetracted { .. }
        | DomainError::RetractForbidden { .. } => "seq",
        DomainError::NonceReplayed { .. } => "nonce",
        DomainError::NotNotifier { .. } | DomainError::AlreadyWithdrawn { .. } => "notification_id",
        DomainError::IssuedAtSkew { .. } => "issued_at",
        DomainError::UnknownAccount { .. } => "author",
        DomainError::KeyNotRegistered { .. } | DomainError::KeyRevoked { .. } => "signer",
        DomainError::EnrolmentRefused { .. } => "code",
        DomainError::AccountNotManaged { .. } => "account_id",
        DomainError::KeyNotOfAccount { .. } => "public_key",
        DomainError::EnrolmentExpiry { .. } => "expires_at",
        DomainError::PartyMismatch { .. } | DomainError::NeedsParty { .. } => "party",
        DomainError::Unknown { kind, .. } => return Some(format!("{kind}_id")),
        DomainError::DuplicateCode { .. } => "code",
        DomainError::UnknownVersion { .. }
        | DomainError::Superseded { .. }
        | DomainError::NotSignatory { .. }
        | DomainError::AlreadyEndorsed { .. }
        | DomainError::NoEndorsement { .. } => "version",
        DomainError::NotLatest { .. } => "supersedes",
        DomainError::WindowNotAfterStart { .. } => "end",
        DomainError::HalfWidth { .. } => "half_width_m",
        DomainError::KeyInUse { .. } | DomainError::PublicKey => "public_key",
        DomainError::EncryptionKey => "encryption_key",
        DomainError::NotOwnAccount { .. } => "account_id",
        DomainError::Coordinate { .. } => "coordinates",
        DomainError::CodeCharacters { .. } => "code",
        DomainError::LanguageTag { .. } => "names",
        DomainError::Timestamp { .. }
        | DomainError::LineStringTooShort { .. }
        | DomainError::ZeroLength
        | DomainError::RingTooShort { .. }
        | DomainError::RingNotClosed { .. }
        | DomainError::RingInvalid { .. }
        | DomainError::PolygonEmpty
        | DomainError::TooManyVertices { .. }
        | DomainError::GeometryType { .. }
        | DomainError::GenesisAgain
        | DomainError::GenesisMissing
        | DomainError::GenesisSigner
        | DomainError::Forbidden { .. }
        | DomainError::AlreadyExists { .. }
        | DomainError::NotInForce { .. }
        | DomainError::NotAgreed { .. }
        | DomainError::AlreadyEnded { .. }
        | DomainError::AlreadySuspended { .. }
        | DomainError::NotSuspended { .. }
        | DomainError::CorridorOfOtherAgreement { .. }
        | DomainError::CommitmentOfOtherAgreement { .. }
        | DomainError::SelfCondition { .. }
        | DomainError::ConditionCycle { .. }
        | DomainError::CommitmentNeedsForce { .. }
        | DomainError::ConsentScope
        | DomainError::ConsentNotAnswerable { .. }
        | DomainError::ConsentAgain { .. }
        | DomainError::NotCommitmentOwner { .. }
        | DomainError::AlreadyFulfilled { .. }
        | DomainError::SourceAgain { .. }
        | DomainError::DuplicateChain { .. }
        | DomainError::NoSuchViolation { .. }
        | DomainError::DismissalTarget
        | DomainError::NotNotified { .. }
        | DomainError::AlreadyAcknowledged { .. }
        | DomainError::NothingDue { .. } => return None,
    };
    Some(field.to_owned())
}

pub async fn not_found_route(uri: Uri) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no-such-route", "No such route", format!("there is no route {}", uri.path()))
}

pub async fn method_not_allowed(request: Request) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        format!("{} is not allowed on {}", request.method(), request.uri().path()),
    )
}

pub fn panic_to_problem(_panic: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::Internal("panic".to_owned()).into_response()
}

/// Middleware: sets `instance` to the request path on every problem response that has none.
pub async fn fill_instance(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let Some(problem) = response.extensions_mut().remove::<Problem>() else {
        return response;
    };
    if problem.instance.is_some() {
        return response;
    }
    let problem = problem.instance(path);
    let (mut parts, _) = response.into_parts();
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
