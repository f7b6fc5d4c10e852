//! Extractors whose rejections are problem+json, naming the field at fault.

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::request::Parts,
};
use serde::de::DeserializeOwned;

use crate::problem::ApiError;

/// JSON body, parsed with the path of the first bad field kept for the error.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        if !content_type.is_some_and(|v| v.starts_with("application/json")) {
            return Err(ApiError::BadRequest {
                detail: "the body must be JSON, with Content-Type: application/json".to_owned(),
                field: None,
            });
        }
        let bytes = axum::body::Bytes::from_request(request, state).await.map_err(|rejection| {
            ApiError::BadRequest { detail: format!("the body cannot be read: {rejection}"), field: None }
        })?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
            let path = err.path().to_string();
            let field = if path == "." { None } else { Some(path) };
            ApiError::BadRequest { detail: format!("the body is not valid: {}", err.into_inner()), field }
        })?;
        deserializer
            .end()
            .map_err(|err| ApiError::BadRequest { detail: format!("the body is not valid: {err}"), field: None })?;
        Ok(ApiJson(value))
    }
}

/// Query string, parsed into `T`, with a problem naming the bad parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError::BadRequest { detail: rejection.body_text(), field: None }),
        }
    }
}
