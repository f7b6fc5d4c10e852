//! The web page: the built files of `web/dist/`, embedded in the binary, served at `/` beside
//! the API, so that `truce demo` or `truce serve` serves the page with no Node installed.
//!
//! - Files under `assets/` carry a hash of their content in their names (esbuild writes them),
//!   so they are cached for a year; everything else (`index.html`, the service worker, the
//!   basemap, the catalogues) is `no-cache`: revalidated on every load.
//! - The page routes on the client (`/corridors/<id>`, `/agreements/<id>`...): a `GET` of a
//!   path that is no file, outside `/api/`, `/healthz` and `/metrics`, from a client that
//!   accepts HTML, gets `index.html` (the SPA fallback). Any other unknown route stays the
//!   `no-such-route` problem.
//! - `/config.json` tells the page what the server was started with (the tile URL), instead
//!   of an inline script the Content-Security-Policy forbids.
//!
//! These are public static files: they are not in the OpenAPI document (which describes the
//! API) nor in its route table, and the visibility matrix, made from that table, does not
//! see them. It does not serve anything from the disk at run time.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::{json::Json, problem, AppState};

/// The built page, embedded at compile time (also in debug builds, so tests see what ships).
#[derive(rust_embed::RustEmbed)]
#[folder = "../../web/dist/"]
struct Dist;

/// The longest tile URL template accepted.
pub const TILE_URL_BYTES_MAX: usize = 512;

/// What the page is told about this server.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// A raster tile URL template (`https://host/{z}/{x}/{y}.png`) drawn under the bundled
    /// basemap; `None`: the bundled basemap alone, which needs no network.
    pub tile_url: Option<String>,
}

/// Why a tile URL is refused.
#[derive(Debug, thiserror::Error)]
pub enum WebConfigError {
    #[error("--tile-url {0:?} is not a tile URL template: write http(s)://host/path with {{z}}, {{x}} and {{y}}, at most {TILE_URL_BYTES_MAX} bytes")]
    NotATileUrl(String),
}

impl WebConfig {
    /// The configuration with `tile_url`, if any.
    ///
    /// # Errors
    /// A tile URL that is not http(s), lacks `{z}`, `{x}` or `{y}`, or is too long.
    pub fn new(tile_url: Option<String>) -> Result<WebConfig, WebConfigError> {
        if let Some(url) = &tile_url {
            let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
            let holes_ok = ["{z}", "{x}", "{y}"].iter().all(|hole| url.contains(hole));
            if !(scheme_ok && holes_ok && url.len() <= TILE_URL_BYTES_MAX) || url.chars().any(char::is_whitespace) {
                return Err(WebConfigError::NotATileUrl(url.clone()));
            }
        }
        Ok(WebConfig { tile_url })
    }
}

/// The router's fallback: a file of the page, `index.html` for a page route, `/config.json`,
/// or the `no-such-route` problem.
pub async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let is_read = request.method() == Method::GET || request.method() == Method::HEAD;
    let is_api = ["/api/", "/healthz", "/metrics"].iter().any(|prefix| path.starts_with(prefix));
    if !is_read || is_api {
        return problem::not_found_route(request.uri().clone()).await.into_response();
    }
    if path == "/config.json" {
        let mut response = Json(json!({ "tile_url": state.web.tile_url })).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        return response;
    }
    let file_path = match path.trim_start_matches('/') {
        "" => "index.html",
        other => other,
    };
    if let Some(response) = file(file_path) {
        return response;
    }
    let accepts_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    match accepts_html {
        true => file("index.html").unwrap_or_else(|| StatusCode::NOT_FOUND.into_response()),
        false => problem::not_found_route(request.uri().clone()).await.into_response(),
    }
}

/// The embedded file at `path`, with its type and caching, if there is one.
fn file(path: &str) -> Option<Response> {
    let file = Dist::get(path)?;
    let content_type = file.metadata.mimetype();
    // Text is UTF-8 everywhere in the page; browsers must not guess otherwise.
    let content_type = match content_type.starts_with("text/") || content_type.ends_with("javascript") {
        true if !content_type.contains("charset") => format!("{content_type}; charset=utf-8"),
        _ => content_type.to_owned(),
    };
    let cache = match path.starts_with("assets/") {
        true => "public, max-age=31536000, immutable",
        false => "no-cache",
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_str(&content_type).ok()?),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
    ];
    Some((headers, file.data.into_owned()).into_response())
}
