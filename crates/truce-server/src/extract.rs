//! Extractors whose rejections are problem+json, naming the field at fault.
//!
//! They replace axum's `Json`, `Query` and `Path`, whose rejections are plain text.

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{request::Parts, StatusCode},
};
use serde::de::DeserializeOwned;

use crate::{problem::ApiError, REQUEST_BODY_BYTES_MAX};

/// JSON body, parsed with the path of the first bad field kept for the error.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        if !content_type.is_some_and(is_json_media_type) {
            return Err(ApiError::BadRequest {
                detail: "the body must be JSON, with Content-Type: application/json".to_owned(),
                field: None,
            });
        }
        let bytes = axum::body::Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                return ApiError::BodyTooLarge { bytes_max: REQUEST_BODY_BYTES_MAX };
            }
            ApiError::BadRequest { detail: format!("the body cannot be read: {rejection}"), field: None }
        })?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
            let (field, inner) = (err.path().to_string(), err.into_inner());
            ApiError::BadRequest {
                field: field_of(&field, &inner.to_string()),
                detail: format!("the body is not valid: {inner}"),
            }
        })?;
        deserializer
            .end()
            .map_err(|err| ApiError::BadRequest { detail: format!("the body is not valid: {err}"), field: None })?;
        Ok(ApiJson(value))
    }
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
                let (field, inner) = (err.path().to_string(), err.into_inner());
                let field = field_of(&field, &inner.to_string());
                Err(ApiError::BadRequest { field, detail: format!("the query string is not valid: {inner}") })
            }
        }
    }
}

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

/// The field a deserialisation error is about; `None` when it is about the whole input.
///
/// serde reports an unknown or a missing field at the object that holds it, so its name is
/// taken from the message (``unknown field `x`, expected ...``, ``missing field `x` ``, a
/// wording serde keeps stable).
pub(crate) fn field_of(path: &str, message: &str) -> Option<String> {
    let unknown = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    match (path, unknown) {
        (".", None) => None,
        (".", Some(name)) => Some(name.to_owned()),
        (path, Some(name)) if path != name && !path.ends_with(&format!(".{name}")) => Some(format!("{path}.{name}")),
        (path, _) => Some(path.to_owned()),
    }
}
