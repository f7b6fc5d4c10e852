//! RFC 9457 problem details: the one place where errors become HTTP responses.
//!
//! Each kind of problem has a stable `type` URI (`/problems/<kind>`, listed in
//! `docs/problems.md`), a status, a title, a `detail` sentence and, where it is known, the
//! `field` at fault.

use std::any::Any;

use axum::{
    http::{header, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use truce_core::DomainError;
use truce_store::SubmitError;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
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
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest { detail: String, field: Option<String> },
    #[error("the signature does not verify")]
    BadSignature,
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{kind} {id} does not exist")]
    NotFound { kind: &'static str, id: String },
    #[error("the writer is busy")]
    Busy,
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
            ApiError::BadSignature => Problem::new(
                StatusCode::UNAUTHORIZED,
                "bad-signature",
                "Bad signature",
                "the signature does not verify for this command and signer key",
            )
            .field("signature"),
            ApiError::Invalid { field, detail } => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-input",
                "Invalid input",
                format!("{field}: {detail}"),
            )
            .field(field.clone()),
            ApiError::Domain(err) => domain_problem(err),
            ApiError::NotFound { kind, id } => {
                Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", format!("{kind} {id} does not exist"))
            }
            ApiError::Busy => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Busy",
                "the writer queue is full; retry with the same nonce shortly",
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
            SubmitError::Stopped => ApiError::Internal("the writer has stopped".to_owned()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(message) = &self {
            tracing::error!(%message, "internal error");
        }
        self.to_problem().into_response()
    }
}

fn domain_problem(err: &DomainError) -> Problem {
    let kind = err.kind();
    let status = match kind {
        "key-not-registered" | "party-mismatch" | "forbidden" | "genesis" => StatusCode::FORBIDDEN,
        "nonce-replayed" | "duplicate" | "version-superseded" | "version-not-latest" | "already-endorsed"
        | "agreement-state" => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let title = title_of(kind);
    let problem = Problem::new(status, kind, &title, err.to_string());
    match domain_field(err) {
        Some(field) => problem.field(field),
        None => problem,
    }
}

fn title_of(kind: &str) -> String {
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
        | DomainError::Duplicate { field, .. } => field,
        DomainError::NonceReplayed { .. } => "nonce",
        DomainError::IssuedAtSkew { .. } => "issued_at",
        DomainError::UnknownAccount { .. } | DomainError::KeyNotRegistered { .. } => "signer",
        DomainError::PartyMismatch { .. } => "party",
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
        _ => return None,
    };
    Some(field.to_owned())
}

pub async fn not_found_route(uri: Uri) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no-such-route", "No such route", format!("there is no route {}", uri.path()))
        .instance(uri.path().to_owned())
}

pub fn panic_to_problem(_panic: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::Internal("panic".to_owned()).into_response()
}
