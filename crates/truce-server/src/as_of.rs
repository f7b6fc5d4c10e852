//! The two times of every read of the projection, taken from the query string in one place.
//!
//! - `at`, the valid time: the instant the answer is about. Each route passes it to core as
//!   it always has (statuses as of `at`, records made by `at`, ...).
//! - `known_at`, the record time: answer from what the log had recorded by this instant, the
//!   entries accepted at or before it, and nothing recorded later. Acceptance times only move
//!   forward along the log, so that is the fold of a prefix of the log
//!   (`Node::state_known_at`).
//!
//! "The world at `at`, as recorded by `known_at`". Both default to now by the server's clock;
//! without `known_at` the answer is from everything recorded so far (the same, unless the
//! clock was set back: acceptance times never go back, so the latest entries may then carry
//! a time after the clock's now).
//!
//! `AsOf<Q>` is the one extractor: it takes `at` and `known_at` out of the query string,
//! parses what is left into the route's own query struct `Q` (whose unknown fields are still
//! refused), and gives the handler the state as known at `known_at`. Whether a handler takes
//! it is read off its type by the route table, which documents both parameters on exactly
//! those routes (`openapi::HandlerArgs`).

use std::sync::Arc;

use axum::{
    extract::FromRequestParts,
    http::{request::Parts, uri::PathAndQuery, Uri},
};
use schemars::JsonSchema;
use serde::{de::DeserializeOwned, Deserialize};
use truce_core::{State, Timestamp};
use truce_store::{KnownState, StoreError};

use crate::{
    auth::Viewer,
    extract::{ApiQuery, TakenParams},
    problem::ApiError,
    AppState,
};

/// The query parameter of the valid time.
pub const AT: &str = "at";
/// The query parameter of the record time.
pub const KNOWN_AT: &str = "known_at";

/// `at` and `known_at` as they arrive, and as the document describes them on every route
/// that takes `AsOf`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AsOfParams {
    /// The instant the answer is about (valid time), RFC 3339; now, by the server's clock,
    /// when absent.
    #[serde(default)]
    #[schemars(with = "Timestamp")]
    at: Option<String>,
    /// The record time, RFC 3339: answer from what the log had recorded by this instant
    /// (the entries accepted at or before it), leaving out everything recorded later; from
    /// everything recorded so far when absent.
    #[serde(default)]
    #[schemars(with = "Timestamp")]
    known_at: Option<String>,
}

/// The query struct of a route that takes no parameters besides `at` and `known_at`: any
/// other is refused, naming it.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

/// A read of the projection: the valid time, the record time, the route's own query
/// parameters, the state as known at the record time, and who is reading.
pub struct AsOf<Q = NoQuery> {
    /// Who is reading (`auth::Viewer`): every read of the projection has it at hand, for
    /// what each may see. A request with stale credentials is refused, not read as anonymous.
    pub viewer: Viewer,
    /// The valid time: `at`, or now.
    pub at: Timestamp,
    /// The record time: `known_at`, or now.
    pub known_at: Timestamp,
    /// The route's own query parameters.
    pub query: Q,
    asked_at: Option<Timestamp>,
    known: KnownState,
}

impl<Q> AsOf<Q> {
    /// `at` when the request gives it; `None` when `at` is now by default.
    pub fn asked_at(&self) -> Option<Timestamp> {
        self.asked_at
    }

    /// Runs `read` on the state as known at `known_at`.
    ///
    /// # Errors
    /// `Internal` when the log cannot be read back.
    pub fn read<T>(&self, read: impl FnOnce(&State) -> T) -> Result<T, ApiError> {
        self.known.read(read).map_err(|err| store_error(self.known_at, &err))
    }

    /// The state as known at `known_at`, to keep: a long read (an export) renders from it
    /// while the writer goes on with a copy of its own.
    ///
    /// # Errors
    /// `Internal` when the log cannot be read back.
    pub fn snapshot(&self) -> Result<Arc<State>, ApiError> {
        self.known.snapshot().map_err(|err| store_error(self.known_at, &err))
    }
}

impl<Q: DeserializeOwned + Send> FromRequestParts<AppState> for AsOf<Q> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let viewer = Viewer::from_request_parts(parts, app).await?;
        let raw = parts.uri.query().unwrap_or_default().to_owned();
        let (times, rest): (Vec<_>, Vec<_>) =
            form_urlencoded::parse(raw.as_bytes()).partition(|(name, _)| name == AT || name == KNOWN_AT);
        // The route's own parameters first, so that an unknown one is named whatever the times.
        let taken = parts.extensions.get::<TakenParams>().cloned().unwrap_or_default();
        let query: Q = parse_query(parts, app, &rest).await.map_err(|err| match err {
            // The route's own parameters are listed by serde; those its other extractors took
            // and the two every read takes are not.
            ApiError::BadRequest { detail, field } if detail.contains("unknown field") => {
                let others: String = taken.0.iter().map(|name| format!("`{name}`, ")).collect();
                let detail = match others.is_empty() {
                    true => format!("{detail}; every read also takes `{AT}` and `{KNOWN_AT}`"),
                    false => format!("{detail}; this route also takes {others}and every read `{AT}` and `{KNOWN_AT}`"),
                };
                ApiError::BadRequest { detail, field }
            }
            other => other,
        })?;
        let params: AsOfParams = parse_query(parts, app, &times).await?;
        let asked_at = parse_time(AT, params.at.as_deref())?;
        let asked_known_at = parse_time(KNOWN_AT, params.known_at.as_deref())?;
        let now = app.clock.now();
        let known = match asked_known_at {
            None => app.node.latest_state(),
            Some(known_at) => {
                // Folding a past prefix of the log can take long: not on the async workers.
                let node = app.node.clone();
                tokio::task::spawn_blocking(move || node.state_known_at(known_at))
                    .await
                    .map_err(|err| ApiError::Internal(format!("reading the log as known at {known_at}: {err}")))?
                    .map_err(|err| store_error(known_at, &err))?
            }
        };
        Ok(AsOf {
            viewer,
            at: asked_at.unwrap_or(now),
            known_at: asked_known_at.unwrap_or(now),
            query,
            asked_at,
            known,
        })
    }
}

/// Parses `pairs` as a query string into `T` with `ApiQuery`, so that a bad parameter is the
/// same problem as on every other route; the request's URI is left as it came.
async fn parse_query<T: DeserializeOwned>(
    parts: &mut Parts,
    app: &AppState,
    pairs: &[(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)],
) -> Result<T, ApiError> {
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    let path_and_query = PathAndQuery::try_from(format!("{}?{query}", parts.uri.path()))
        .map_err(|err| ApiError::Internal(format!("rebuilding the query string: {err}")))?;
    let mut uri = parts.uri.clone().into_parts();
    uri.path_and_query = Some(path_and_query);
    let uri = Uri::from_parts(uri).map_err(|err| ApiError::Internal(format!("rebuilding the URI: {err}")))?;
    let original = std::mem::replace(&mut parts.uri, uri);
    let parsed = ApiQuery::<T>::from_request_parts(parts, app).await;
    parts.uri = original;
    parsed.map(|ApiQuery(value)| value)
}

/// An RFC 3339 instant given as `name`; a 400 naming `name` when it does not parse.
fn parse_time(name: &str, raw: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    raw.map(|raw| Timestamp::parse(raw).map_err(|err| ApiError::bad_request(name, err.to_string()))).transpose()
}

fn store_error(known_at: Timestamp, err: &StoreError) -> ApiError {
    ApiError::Internal(format!("reading the log as known at {known_at}: {err}"))
}
