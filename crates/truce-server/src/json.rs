//! JSON answers: what axum's `Json` answers (`application/json`, a 500 when the value cannot
//! be written), written into a `Vec` rather than through `bytes`' writer.
//!
//! serde_json writes a page of a hundred incidents in tens of thousands of small writes (each
//! key, quote and comma). axum's `Json` takes each through `BufMut`'s writer, with its own
//! checks and bookkeeping per write; a `Vec` takes each as a copy. The body is the same bytes,
//! handed on without a copy (`Bytes::from`).

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::problem::ApiError;

/// A value answered as JSON.
pub struct Json<T>(pub T);

/// Room made at first: a page of incidents is about 140 KB, a receipt a few hundred bytes;
/// the vector grows by doubling from here.
const FIRST_ROOM: usize = 1024;

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(FIRST_ROOM);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => {
                let content_type = HeaderValue::from_static("application/json");
                ([(header::CONTENT_TYPE, content_type)], body).into_response()
            }
            Err(err) => ApiError::Internal(format!("an answer cannot be written as JSON: {err}")).into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use axum::{body::to_bytes, http::StatusCode, response::IntoResponse};
    use serde_json::json;

    use super::Json;

    /// The bytes serde_json writes, as `application/json`; a value it cannot write, a 500 as
    /// a problem, as every other error.
    #[tokio::test]
    async fn an_answer_is_serde_jsons_bytes_and_a_value_that_cannot_be_written_is_a_500() {
        let value = json!({"items": [{"id": "0190", "text": "a \"quoted\" line\nand a tab\t"}], "next": null});
        let response = Json(&value).into_response();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[axum::http::header::CONTENT_TYPE], "application/json");
        let body = to_bytes(response.into_body(), usize::MAX).await.expect("a body");
        assert_eq!(body, serde_json::to_vec(&value).expect("JSON"));

        // JSON has no keys but strings.
        let unwritable: BTreeMap<(u8, u8), u8> = BTreeMap::from([((1, 2), 3)]);
        let response = Json(unwritable).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()[axum::http::header::CONTENT_TYPE], "application/problem+json");
    }
}
