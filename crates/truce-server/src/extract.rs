//! Extractors whose rejections are problem+json, naming the field at fault.
//!
//! They replace axum's `Json`, `Query` and `Path`, whose rejections are plain text.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{request::Parts, uri::PathAndQuery, StatusCode, Uri},
};
use serde::de::DeserializeOwned;

use crate::{listen::BodyReadTimedOut, problem::ApiError, REQUEST_BODY_BYTES_MAX};

/// JSON body, parsed with the path of the first bad field kept for the error, and the body
/// as sent kept beside the value, for checks of the text itself.
pub struct ApiJsonText<T>(pub T, pub Bytes);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJsonText<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (value, bytes) = json_body(request, state).await?;
        Ok(ApiJsonText(value, bytes))
    }
}

/// The body, read whole and parsed into `T`, with its bytes.
async fn json_body<S: Send + Sync, T: DeserializeOwned>(request: Request, state: &S) -> Result<(T, Bytes), ApiError> {
    let content_type = request.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if !content_type.is_some_and(is_json_media_type) {
        return Err(ApiError::BadRequest {
            detail: "the body must be JSON, with Content-Type: application/json".to_owned(),
            field: None,
        });
    }
    let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::BodyTooLarge { bytes_max: REQUEST_BODY_BYTES_MAX };
        }
        if let Some(timed_out) = cause::<BodyReadTimedOut>(&rejection) {
            return ApiError::BodyTimedOut { timeout_s: timed_out.timeout.as_secs() };
        }
        ApiError::BadRequest { detail: format!("the body cannot be read: {rejection}"), field: None }
    })?;
    let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let (path, message) = (err.path().to_string(), err.into_inner().to_string());
        invalid("the body", field_of(&path, &message), &message)
    })?;
    deserializer
        .end()
        .map_err(|err| ApiError::BadRequest { detail: format!("the body is not valid: {err}"), field: None })?;
    Ok((value, bytes))
}

/// The first error of type `E` in `error`'s chain of causes.
fn cause<'a, E: std::error::Error + 'static>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a E> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(found) = error.downcast_ref::<E>() {
            return Some(found);
        }
        next = error.source();
    }
    None
}

/// `application/json`, with or without parameters such as `; charset=utf-8`.
fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// Query string, parsed into `T`, with a problem naming the bad parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        match serde_path_to_error::deserialize(deserializer) {
            Ok(value) => Ok(ApiQuery(value)),
            Err(err) => {
                let (path, message) = (err.path().to_string(), err.into_inner().to_string());
                Err(invalid("the query string", field_of(&path, &message), &message))
            }
        }
    }
}

/// Takes the parameters named in `names` out of the request's query string, leaving the
/// others for the extractors after it, and parses them into `T` as `ApiQuery` would.
///
/// # Errors
/// A 400 naming the bad parameter.
pub(crate) fn take_query<T: DeserializeOwned>(
    parts: &mut Parts,
    names: &'static [&'static str],
) -> Result<T, ApiError> {
    // Noted, so that `AsOf` can name them when it refuses a parameter nobody took.
    match parts.extensions.get_mut::<TakenParams>() {
        Some(taken) => taken.0.extend(names),
        None => {
            parts.extensions.insert(TakenParams(names.to_vec()));
        }
    }
    let raw = parts.uri.query().unwrap_or_default().to_owned();
    let (taken, rest): (Vec<_>, Vec<_>) =
        form_urlencoded::parse(raw.as_bytes()).partition(|(name, _)| names.contains(&name.as_ref()));
    let taken = form_urlencoded::Serializer::new(String::new()).extend_pairs(taken).finish();
    if !rest.is_empty() || !taken.is_empty() {
        let rest = form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish();
        let path_and_query = match rest.is_empty() {
            true => parts.uri.path().to_owned(),
            false => format!("{}?{rest}", parts.uri.path()),
        };
        let mut uri = parts.uri.clone().into_parts();
        uri.path_and_query = Some(
            PathAndQuery::try_from(path_and_query)
                .map_err(|err| ApiError::Internal(format!("rebuilding the query string: {err}")))?,
        );
        parts.uri = Uri::from_parts(uri).map_err(|err| ApiError::Internal(format!("rebuilding the URI: {err}")))?;
    }
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(taken.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let (path, message) = (err.path().to_string(), err.into_inner().to_string());
        invalid("the query string", field_of(&path, &message), &message)
    })
}

/// The query parameters the extractors before `AsOf` took (`take_query`), in their order.
#[derive(Debug, Clone, Default)]
pub(crate) struct TakenParams(pub Vec<&'static str>);

/// One path parameter, with a problem (not axum's plain text) when it cannot be decoded.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ApiError::BadRequest { detail: rejection.body_text(), field: None }),
        }
    }
}

/// A 400 naming the field at fault in its `field` and its detail.
fn invalid(what: &str, field: Option<String>, message: &str) -> ApiError {
    ApiError::BadRequest { detail: invalid_detail(what, field.as_deref(), message), field }
}

/// "`what` is not valid at `field`: message", the detail of every problem with bad input.
pub(crate) fn invalid_detail(what: &str, field: Option<&str>, message: &str) -> String {
    match field {
        Some(field) => format!("{what} is not valid at `{field}`: {message}"),
        None => format!("{what} is not valid: {message}"),
    }
}

/// The field at a `serde_path_to_error` path; `None` for the whole input (`.`).
pub(crate) fn path_field(path: &str) -> Option<String> {
    (path != ".").then(|| path.to_owned())
}

/// The field a deserialisation error is about; `None` when it is about the whole input.
///
/// serde reports an unknown, a missing or a repeated field at the object that holds it, and
/// gives the field's name only to the error's message (``unknown field `x`, expected ...``,
/// ``missing field `x` ``, ``duplicate field `x` ``, a wording serde keeps stable), so the
/// name is taken from there. This names a field; it never decides a problem's type.
pub(crate) fn field_of(path: &str, message: &str) -> Option<String> {
    let named = ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    match (path_field(path), named) {
        (None, named) => named.map(str::to_owned),
        (Some(path), Some(name)) if path != name && !path.ends_with(&format!(".{name}")) => {
            Some(format!("{path}.{name}"))
        }
        (Some(path), _) => Some(path),
    }
}
