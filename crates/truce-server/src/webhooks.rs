//! Webhooks: every public alert POSTed as JSON to each subscribed URL, signed with
//! HMAC-SHA256 under the subscription's secret, retried with exponential backoff, and logged.
//!
//! Subscriptions come from `webhooks.json` in the data directory, read once when serving
//! starts. Alerts about confidential humanitarian notifications go only to subscriptions
//! whose `party_ids` include a party the alert is addressed to, and their deliveries are
//! kept out of the public delivery log. Redirects are not followed. The log is in memory
//! and bounded; it holds no secrets and no URL query strings or credentials. Delivery never
//! blocks the writer: the dispatcher reads the node's broadcast, and a dispatcher that falls
//! behind it logs the alerts it skipped rather than waiting.

use std::{collections::VecDeque, path::Path, sync::Arc, time::Duration};

use axum::{extract::State as AxumState, Json};
use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tokio::sync::broadcast;
use truce_core::{Alert, AlertId, PartyId, Timestamp};
use truce_store::{Clock, Node};

use crate::{alerts::is_public, AppState};

/// The subscriptions file, in the data directory.
pub const WEBHOOKS_FILE: &str = "webhooks.json";
/// Subscriptions at the most.
pub const SUBSCRIPTIONS_MAX: usize = 100;
/// Records the delivery log keeps, public and confidential each; the oldest go first.
pub const DELIVERIES_LOG_MAX: usize = 1000;
/// The header carrying `sha256=<hex HMAC of the body>`.
pub const SIGNATURE_HEADER: &str = "X-Truce-Signature";
/// The header carrying the alert id.
pub const ALERT_ID_HEADER: &str = "X-Truce-Alert-Id";

/// One subscription, as written in `webhooks.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    pub url: String,
    pub secret: String,
    /// The parties this subscriber speaks for; it also gets their confidential alerts.
    #[serde(default)]
    pub party_ids: Option<Vec<PartyId>>,
}

/// How deliveries are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts_max: u32,
    /// The wait before the second attempt; each later wait doubles.
    pub first_delay: Duration,
    /// How long one attempt may take.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy { attempts_max: 5, first_delay: Duration::from_secs(1), timeout: Duration::from_secs(10) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not a valid list of subscriptions: {source}")]
    Parse { path: String, source: serde_json::Error },
    #[error("{path} has {count} subscriptions, at most {count_max} allowed")]
    TooMany { path: String, count: usize, count_max: usize },
    #[error("subscription {idx} has a URL that is not http(s): {url}")]
    BadUrl { idx: usize, url: String },
}

/// The outcome of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    Delivered,
    /// This attempt failed; another will follow.
    Retrying,
    /// The last attempt failed; the alert was not delivered.
    Failed,
    /// The dispatcher fell behind the log and skipped alerts.
    Skipped,
}

/// One attempt in the delivery log.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeliveryRecord {
    pub at: Timestamp,
    pub alert_id: Option<AlertId>,
    /// The subscription's URL without its query string, fragment or credentials.
    pub url: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    pub outcome: DeliveryOutcome,
    /// The HTTP status the subscriber answered with, if it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    #[serde(skip)]
    confidential: bool,
}

/// The delivery log, oldest first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DeliveriesView {
    /// Whether webhooks are configured on this node.
    pub enabled: bool,
    pub items: Vec<DeliveryRecord>,
}

/// Delivers alerts to subscribers and keeps the log of it.
pub struct Dispatcher {
    subscriptions: Vec<Subscription>,
    policy: RetryPolicy,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    log: Mutex<DeliveryLog>,
}

/// Public and confidential records are bounded apart, so that confidential deliveries never
/// push public records out early: how fast the public log turns over would tell how many
/// confidential alerts there were.
#[derive(Default)]
struct DeliveryLog {
    public: VecDeque<DeliveryRecord>,
    confidential: VecDeque<DeliveryRecord>,
}

/// Reads `webhooks.json` from `data_dir`; `Ok(None)` when there is none.
///
/// # Errors
/// When the file exists but cannot be read or is not a valid list of subscriptions.
pub fn load_subscriptions(data_dir: &Path) -> Result<Option<Vec<Subscription>>, WebhookError> {
    let path = data_dir.join(WEBHOOKS_FILE);
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(WebhookError::Read { path: shown, source }),
    };
    let subscriptions: Vec<Subscription> =
        serde_json::from_str(&text).map_err(|source| WebhookError::Parse { path: shown.clone(), source })?;
    if subscriptions.len() > SUBSCRIPTIONS_MAX {
        return Err(WebhookError::TooMany { path: shown, count: subscriptions.len(), count_max: SUBSCRIPTIONS_MAX });
    }
    for (idx, subscription) in subscriptions.iter().enumerate() {
        let url = reqwest::Url::parse(&subscription.url).ok();
        if !url.is_some_and(|url| matches!(url.scheme(), "http" | "https")) {
            return Err(WebhookError::BadUrl { idx, url: redact_url(&subscription.url) });
        }
    }
    Ok(Some(subscriptions))
}

/// `sha256=<hex>` of the HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A URL fit for a log: scheme, host, port and path only.
fn redact_url(raw: &str) -> String {
    match reqwest::Url::parse(raw) {
        Ok(url) => {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{}://{}{port}{}", url.scheme(), url.host_str().unwrap_or(""), url.path())
        }
        Err(_) => "(not a URL)".to_owned(),
    }
}

impl Dispatcher {
    pub fn new(subscriptions: Vec<Subscription>, policy: RetryPolicy, clock: Arc<dyn Clock>) -> Arc<Dispatcher> {
        Arc::new(Dispatcher {
            subscriptions,
            policy,
            clock,
            // Redirects are not followed: a 3xx is a failed attempt. Following one would send
            // the body (a confidential alert, perhaps) to a URL nobody subscribed.
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client without TLS builds"),
            log: Mutex::new(DeliveryLog::default()),
        })
    }

    /// Starts delivering the alerts of every entry accepted from now on.
    pub fn start(self: &Arc<Self>, node: Node) -> tokio::task::JoinHandle<()> {
        let dispatcher = Arc::clone(self);
        let mut receiver = node.subscribe();
        tokio::spawn(async move {
            loop {
                let entry = match receiver.recv().await {
                    Ok(entry) => entry,
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        dispatcher.record(DeliveryRecord {
                            at: dispatcher.clock.now(),
                            alert_id: None,
                            url: String::new(),
                            attempt: 0,
                            outcome: DeliveryOutcome::Skipped,
                            status: None,
                            error: Some(format!("fell behind the log by {skipped} entries")),
                            confidential: false,
                        });
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                // Alerts are in entry order: the entry's own are found by bisection, not a scan.
                let alerts: Vec<Alert> = node.read_state(|state| {
                    let start = state.alerts.partition_point(|a| a.seq < entry.seq);
                    state.alerts[start..].iter().take_while(|a| a.seq == entry.seq).cloned().collect()
                });
                for alert in alerts {
                    dispatcher.dispatch(&alert);
                }
            }
        })
    }

    /// Sends one alert to every subscription that may have it, each on its own task.
    pub fn dispatch(self: &Arc<Self>, alert: &Alert) {
        let public = is_public(alert);
        // A core alert always serialises.
        let body = Arc::new(serde_json::to_vec(alert).unwrap_or_default());
        for (idx, subscription) in self.subscriptions.iter().enumerate() {
            let addressed = subscription
                .party_ids
                .as_ref()
                .is_some_and(|parties| parties.iter().any(|party| alert.parties.contains(party)));
            if !public && !addressed {
                continue;
            }
            let dispatcher = Arc::clone(self);
            let body = Arc::clone(&body);
            let alert_id = alert.alert_id.clone();
            tokio::spawn(async move { dispatcher.deliver(idx, alert_id, body, !public).await });
        }
    }

    async fn deliver(&self, idx: usize, alert_id: AlertId, body: Arc<Vec<u8>>, confidential: bool) {
        let subscription = &self.subscriptions[idx];
        let signature = signature(&subscription.secret, &body);
        let mut delay = self.policy.first_delay;
        for attempt in 1..=self.policy.attempts_max {
            let result = self
                .client
                .post(&subscription.url)
                .timeout(self.policy.timeout)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, &signature)
                .header(ALERT_ID_HEADER, alert_id.as_str())
                .body(body.as_ref().clone())
                .send()
                .await;
            let (status, error) = match result {
                Ok(response) if response.status().is_success() => (Some(response.status().as_u16()), None),
                Ok(response) => {
                    (Some(response.status().as_u16()), Some("the subscriber did not answer 2xx".to_owned()))
                }
                // Without the URL, which may carry a query string.
                Err(err) => (None, Some(err.without_url().to_string())),
            };
            let outcome = match (&error, attempt == self.policy.attempts_max) {
                (None, _) => DeliveryOutcome::Delivered,
                (Some(_), false) => DeliveryOutcome::Retrying,
                (Some(_), true) => DeliveryOutcome::Failed,
            };
            self.record(DeliveryRecord {
                at: self.clock.now(),
                alert_id: Some(alert_id.clone()),
                url: redact_url(&subscription.url),
                attempt,
                outcome,
                status,
                error,
                confidential,
            });
            if outcome != DeliveryOutcome::Retrying {
                return;
            }
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
        }
    }

    fn record(&self, record: DeliveryRecord) {
        let mut log = self.log.lock();
        let records = match record.confidential {
            true => &mut log.confidential,
            false => &mut log.public,
        };
        if records.len() == DELIVERIES_LOG_MAX {
            records.pop_front();
        }
        records.push_back(record);
    }

    /// The public part of the delivery log, oldest first.
    pub fn public_log(&self) -> Vec<DeliveryRecord> {
        self.log.lock().public.iter().cloned().collect()
    }

    /// The whole delivery log, confidential records too: for tests of what the public part
    /// leaves out.
    #[cfg(test)]
    pub(crate) fn full_log(&self) -> Vec<DeliveryRecord> {
        let log = self.log.lock();
        log.public.iter().chain(&log.confidential).cloned().collect()
    }
}

/// The delivery log, to signed-in accounts only: it names subscribers' hosts.
///
/// # Errors
/// `Unauthenticated` for an anonymous viewer.
pub async fn deliveries(
    viewer: crate::auth::Viewer,
    AxumState(app): AxumState<AppState>,
) -> Result<Json<DeliveriesView>, crate::ApiError> {
    viewer.require_signed_in()?;
    Ok(match &app.webhooks {
        None => Json(DeliveriesView { enabled: false, items: Vec::new() }),
        Some(dispatcher) => Json(DeliveriesView { enabled: true, items: dispatcher.public_log() }),
    })
}
