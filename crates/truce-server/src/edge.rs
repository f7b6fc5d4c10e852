//! What every response carries and every request is held to before any route sees it:
//! security headers, the CORS policy, and the bounds on a request's target and head.
//!
//! - Security headers on every response: a Content-Security-Policy that allows no inline
//!   script and no framing, `nosniff`, no referrer, and HSTS when the server speaks TLS.
//! - CORS is configured, never open: with no origins configured (the default) no
//!   cross-origin page may read the API (the server's own pages are same-origin); each
//!   `--cors-origin` is let in, without credentials.
//! - Requests per client address are limited (GCRA, the `governor` crate): a sustained
//!   `requests_per_address` per second with bursts of `BURST_SECONDS` of it, answered
//!   429 with `Retry-After` past it. IPv6 clients are counted by their /64, which one host
//!   commonly holds whole. Loopback is not limited: local tools, and every client of a reverse
//!   proxy on the same machine, which must limit by address itself (docs/tls.md).
//! - A request target longer than `URI_BYTES_MAX` is answered 414, a head whose fields are
//!   larger than `HEADER_BYTES_MAX` in all 431, both as problem+json. Heads past hyper's
//!   own read buffer (far larger) are cut by hyper before any of this runs, with a bare 431.

use std::{
    net::{IpAddr, Ipv6Addr, SocketAddr},
    num::NonZeroU32,
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, Request},
    http::{header, HeaderName, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{clock::Clock as _, DefaultKeyedRateLimiter, Quota};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::problem::ApiError;

/// The longest request target (path and query) accepted, in bytes.
pub const URI_BYTES_MAX: usize = 8 * 1024;
/// The most bytes of header names and values a request may carry, in all.
pub const HEADER_BYTES_MAX: usize = 16 * 1024;
/// Requests per second one client address may send, sustained, by default.
pub const REQUESTS_PER_ADDRESS_PER_S: u32 = 100;
/// Requests per second one signed-in account (a session, a token) or one command author may
/// send, sustained, by default.
pub const REQUESTS_PER_ACCOUNT_PER_S: u32 = 200;
/// A client address may send this many seconds' worth of requests at once.
pub const BURST_SECONDS: u32 = 10;
/// Keys (addresses, accounts) a limiter remembers before it forgets those back at their full burst.
const KEYS_TRACKED_MAX: usize = 100_000;
/// Origins that may be let in by CORS, at the most.
pub const CORS_ORIGINS_MAX: usize = 16;

/// Pages may load their own scripts, styles, images and data only, and be framed by none.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// What browsers are told to remember about a TLS server: a year, HTTPS only.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// The edge's configuration: the origins CORS lets in and whether the server speaks TLS.
#[derive(Debug, Clone, Default)]
pub struct EdgePolicy {
    cors_origins: Vec<HeaderValue>,
    pub tls: bool,
    /// `None`: no limit.
    requests_per_address: Option<RateLimit<IpAddr>>,
    /// By account id; `None`: no limit.
    requests_per_account: Option<RateLimit<String>>,
}

/// A rate per key (GCRA): `per_s` a second sustained, in bursts of `BURST_SECONDS` of it.
#[derive(Debug, Clone)]
pub(crate) struct RateLimit<K: std::hash::Hash + Eq + Clone>(Arc<DefaultKeyedRateLimiter<K>>);

impl<K: std::hash::Hash + Eq + Clone> RateLimit<K> {
    /// `None` for no limit (`per_s` absent or 0).
    fn new(per_s: Option<u32>) -> Option<RateLimit<K>> {
        let per_s = per_s.and_then(NonZeroU32::new)?;
        let burst = per_s.saturating_mul(NonZeroU32::new(BURST_SECONDS).expect("a constant above 0"));
        Some(RateLimit(Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_second(per_s).allow_burst(burst)))))
    }

    /// Counts one request of `key`.
    ///
    /// # Errors
    /// `TooManyRequests` past its rate, saying when to retry.
    fn count(&self, key: &K) -> Result<(), ApiError> {
        // Keys back at their full burst are forgotten once there are many.
        if self.0.len() > KEYS_TRACKED_MAX {
            self.0.retain_recent();
        }
        self.0.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            let retry_after_s = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::TooManyRequests { retry_after_s: retry_after_s.max(1) }
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    #[error(
        "--cors-origin {0:?} is not an origin: write scheme://host or scheme://host:port, http or https, nothing after"
    )]
    NotAnOrigin(String),
    #[error("--cors-origin is given {0} times; at most {CORS_ORIGINS_MAX} origins")]
    TooManyOrigins(usize),
}

impl EdgePolicy {
    /// The policy for `cors_origins` (each `scheme://host[:port]`) and a server that speaks
    /// TLS or not.
    ///
    /// # Errors
    /// An origin that is not one (a path, a query, another scheme, `*`), or too many.
    pub fn new(cors_origins: &[String], tls: bool) -> Result<EdgePolicy, EdgeError> {
        if cors_origins.len() > CORS_ORIGINS_MAX {
            return Err(EdgeError::TooManyOrigins(cors_origins.len()));
        }
        let cors_origins = cors_origins
            .iter()
            .map(|origin| parse_origin(origin).ok_or_else(|| EdgeError::NotAnOrigin(origin.clone())))
            .collect::<Result<_, _>>()?;
        Ok(EdgePolicy { cors_origins, tls, requests_per_address: None, requests_per_account: None })
    }

    /// Limits each client address to `per_s` requests per second, sustained; `None` or 0: no limit.
    pub fn with_requests_per_address(mut self, per_s: Option<u32>) -> EdgePolicy {
        self.requests_per_address = RateLimit::new(per_s);
        self
    }

    /// Limits each account to `per_s` requests per second, sustained (reads signed in, and
    /// commands it authors); `None` or 0: no limit.
    pub fn with_requests_per_account(mut self, per_s: Option<u32>) -> EdgePolicy {
        self.requests_per_account = RateLimit::new(per_s);
        self
    }

    /// Counts one request of `account_id` against its rate.
    ///
    /// # Errors
    /// `TooManyRequests` past it, with when to retry.
    pub(crate) fn count_account(&self, account_id: &str) -> Result<(), ApiError> {
        match &self.requests_per_account {
            Some(limit) => limit.count(&account_id.to_owned()),
            None => Ok(()),
        }
    }

    pub(crate) fn rate_limiter(&self) -> Option<RateLimit<IpAddr>> {
        self.requests_per_address.clone()
    }

    /// The CORS layer: the configured origins, or none at all.
    pub(crate) fn cors(&self) -> CorsLayer {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(self.cors_origins.clone()))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, HeaderName::from_static("last-event-id")])
            .expose_headers([header::LOCATION])
    }
}

/// `scheme://host[:port]` exactly as a browser sends it in `Origin` (the URL's own
/// serialisation of its origin, so `https://a.example/` or `HTTPS://a.example` are refused
/// rather than silently never matching), or `None`.
fn parse_origin(text: &str) -> Option<HeaderValue> {
    let url = reqwest::Url::parse(text).ok()?;
    let origin = url.origin().ascii_serialization();
    (matches!(url.scheme(), "http" | "https") && origin == text).then(|| HeaderValue::from_str(text).ok())?
}

/// Middleware: refuses an over-long target or head, then adds the security headers to
/// whatever answers.
pub async fn guard(axum::extract::State(tls): axum::extract::State<bool>, request: Request, next: Next) -> Response {
    let mut response = match refusal(&request) {
        Some(refusal) => refusal.into_response(),
        None => next.run(request).await,
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    if tls {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
    response
}

/// Middleware: refuses a request over its address's rate with 429 and `Retry-After`.
pub async fn limit_rate(
    axum::extract::State(limiter): axum::extract::State<Option<RateLimit<IpAddr>>>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip());
    let (Some(limiter), Some(peer)) = (limiter, peer) else {
        return next.run(request).await;
    };
    if peer.is_loopback() || peer.to_canonical().is_loopback() {
        return next.run(request).await;
    }
    match limiter.count(&counted_as(peer)) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}

/// The address a client is counted as: its IPv4 address, or the /64 of its IPv6 one.
fn counted_as(peer: IpAddr) -> IpAddr {
    match peer.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
        }
    }
}

fn refusal(request: &Request) -> Option<ApiError> {
    let target = request.uri().path_and_query().map_or(0, |target| target.as_str().len());
    if target > URI_BYTES_MAX {
        return Some(ApiError::UriTooLong { bytes: target, bytes_max: URI_BYTES_MAX });
    }
    let head: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if head > HEADER_BYTES_MAX {
        return Some(ApiError::HeadersTooLarge { bytes: head, bytes_max: HEADER_BYTES_MAX });
    }
    None
}
