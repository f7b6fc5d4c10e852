//! Webhooks: every public alert POSTed as JSON to each subscribed URL, signed as the
//! Standard Webhooks convention says (`webhook-id`, `webhook-timestamp`, `webhook-signature`:
//! `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the subscription's
//! `whsec_` secret), so a receiver can check it with any Standard Webhooks library and refuse
//! a captured delivery replayed later; retried with exponential backoff; logged.
//!
//! Deliveries are owed durably: each entry's alerts are queued in the `Outbox` (a file of its
//! own in the data directory) before any is sent, and a delivery leaves it only once it is
//! delivered or given up, so a restart loses none. The outbox's cursor remembers the last
//! entry queued: alerts of entries accepted while no dispatcher ran are queued when one starts.
//! The cursor alone (past entries that owe nothing) is written at most once a second, so a
//! crash can have a restart queue the last second's alerts again: delivered twice, never lost
//! (`Outbox`); queuing runs on blocking threads, never on the workers that answer HTTP.
//! The body is read from the projection when it is sent; the outbox holds no body or secret.
//!
//! Subscriptions come from `webhooks.json` in the data directory, read once when serving
//! starts. Alerts about confidential humanitarian notifications go only to subscriptions
//! whose `party_ids` include a party the alert is addressed to, and their deliveries are
//! kept out of the public delivery log. Redirects are not followed. The log is in memory
//! and bounded; it holds no secrets and no URL query strings or credentials. Delivery never
//! blocks the writer: the dispatcher reads the node's broadcast, and when it falls behind it,
//! reads the alerts it missed from the projection.
//!
//! The HMAC is computed here with the `hmac` crate rather than through the `standardwebhooks`
//! crate, which the tests use instead to check every delivery: one implementation signs, an
//! independent one verifies.

use std::{
    collections::{HashSet, VecDeque},
    path::Path,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::extract::State as AxumState;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use parking_lot::{Mutex, RwLock};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tokio::sync::{broadcast, Notify};
use truce_core::{Alert, AlertId, PartyId, Timestamp};
use truce_store::{Clock, Node, Outbox, Pending, StoreError, SubscriptionRow};

use truce_core::alert_is_public;

use crate::{json::Json, AppState};

/// The subscriptions file, in the data directory.
pub const WEBHOOKS_FILE: &str = "webhooks.json";
/// The outbox of deliveries owed, in the data directory.
pub const OUTBOX_FILE: &str = "webhooks.db";
/// Subscriptions at the most.
pub const SUBSCRIPTIONS_MAX: usize = 100;
/// Records the delivery log keeps, public and confidential each; the oldest go first.
pub const DELIVERIES_LOG_MAX: usize = 1000;
/// Attempts in flight at once, at the most.
pub const ATTEMPTS_IN_FLIGHT_MAX: usize = 32;
/// The prefix of a Standard Webhooks secret; base64 of the key follows.
pub const SECRET_PREFIX: &str = "whsec_";
/// Bytes of a secret's key, at the least and the most (the convention's bounds).
pub const SECRET_BYTES_MIN: usize = 24;
pub const SECRET_BYTES_MAX: usize = 64;
/// The Standard Webhooks headers.
pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// How long the dispatcher sleeps when nothing is owed and nothing arrives.
const IDLE_WAKE: Duration = Duration::from_secs(1);

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
    #[error("subscriptions[{idx}].secret is not a Standard Webhooks secret: `whsec_` then base64 of {SECRET_BYTES_MIN} to {SECRET_BYTES_MAX} random bytes (e.g. `echo whsec_$(openssl rand -base64 32)`)")]
    BadSecret { idx: usize },
    #[error("cannot open the webhook outbox {path}: {source}")]
    Outbox { path: String, source: Box<StoreError> },
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
    /// Those of `webhooks.json`, then those parties made through the API.
    subscriptions: RwLock<Vec<Live>>,
    policy: RetryPolicy,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    log: Mutex<DeliveryLog>,
    outbox: Mutex<Outbox>,
    /// Deliveries with an attempt in flight.
    busy: Mutex<HashSet<i64>>,
    /// Woken when an attempt ends.
    wake: Notify,
    /// Attempts made since the start, by outcome (`attempts`), for the metrics.
    attempts: [AtomicU64; 3],
}

/// A subscription being delivered to, with the key its deliveries are owed under.
#[derive(Debug, Clone)]
struct Live {
    key: String,
    subscription: Subscription,
    /// Its id and party, when a party made it through the API.
    made: Option<(String, PartyId)>,
}

/// Public and confidential records are bounded apart, so that confidential deliveries never
/// push public records out early: how fast the public log turns over would tell how many
/// confidential alerts there were.
#[derive(Default)]
struct DeliveryLog {
    public: VecDeque<DeliveryRecord>,
    confidential: VecDeque<DeliveryRecord>,
}

/// Opens (or creates) the outbox of `data_dir`.
///
/// # Errors
/// When the file cannot be opened or is not an outbox.
pub fn open_outbox(data_dir: &Path) -> Result<Outbox, WebhookError> {
    let path = data_dir.join(OUTBOX_FILE);
    Outbox::open(&path)
        .map_err(|source| WebhookError::Outbox { path: path.display().to_string(), source: Box::new(source) })
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
        if secret_key(&subscription.secret).is_none() {
            return Err(WebhookError::BadSecret { idx });
        }
    }
    Ok(Some(subscriptions))
}

/// The `webhook-signature` of a delivery: `v1,` and the base64 HMAC-SHA256 of
/// `<id>.<timestamp>.<body>` under the key of `secret` (`whsec_` and base64), as the
/// Standard Webhooks convention has it.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = secret_key(secret).unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC accepts keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// The key of a `whsec_` secret, if it is one: base64 of 24 to 64 bytes.
fn secret_key(secret: &str) -> Option<Vec<u8>> {
    let key = base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    (SECRET_BYTES_MIN..=SECRET_BYTES_MAX).contains(&key.len()).then_some(key)
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

/// The key of a subscription of `webhooks.json` in the outbox: a hash of its URL, so that a
/// delivery owed to a subscription that was removed from the file is recognised and dropped.
fn subscription_key(subscription: &Subscription) -> String {
    hex::encode(&Sha256::digest(subscription.url.as_bytes())[..16])
}

/// The key of a subscription made through the API: a hash of its id.
fn made_key(subscription_id: &str) -> String {
    hex::encode(&Sha256::digest(format!("api:{subscription_id}").as_bytes())[..16])
}

fn live_of(row: SubscriptionRow) -> Option<Live> {
    let party_id = PartyId::parse(&row.party_id).ok()?;
    Some(Live {
        key: made_key(&row.subscription_id),
        subscription: Subscription { url: row.url, secret: row.secret, party_ids: Some(vec![party_id.clone()]) },
        made: Some((row.subscription_id, party_id)),
    })
}

fn now_ms() -> i64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// The place of an outcome in `Dispatcher::attempts`.
fn outcome_idx(outcome: DeliveryOutcome) -> usize {
    match outcome {
        DeliveryOutcome::Delivered => 0,
        DeliveryOutcome::Retrying => 1,
        DeliveryOutcome::Failed => 2,
    }
}

fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Dispatcher {
    pub fn new(
        subscriptions: Vec<Subscription>,
        policy: RetryPolicy,
        clock: Arc<dyn Clock>,
        outbox: Outbox,
    ) -> Arc<Dispatcher> {
        let mut live: Vec<Live> = subscriptions
            .into_iter()
            .map(|subscription| Live { key: subscription_key(&subscription), subscription, made: None })
            .collect();
        match outbox.subscriptions() {
            Ok(rows) => live.extend(rows.into_iter().filter_map(live_of)),
            Err(err) => tracing::error!(%err, "the subscriptions made through the API cannot be read"),
        }
        Arc::new(Dispatcher {
            subscriptions: RwLock::new(live),
            policy,
            clock,
            // Redirects are not followed: a 3xx is a failed attempt. Following one would send
            // the body (a confidential alert, perhaps) to a URL nobody subscribed.
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a rustls client with the bundled roots builds"),
            log: Mutex::new(DeliveryLog::default()),
            outbox: Mutex::new(outbox),
            busy: Mutex::new(HashSet::new()),
            wake: Notify::new(),
            attempts: Default::default(),
        })
    }

    /// Starts queuing the alerts of every entry accepted after the outbox's cursor (from now
    /// on, for a new outbox) and sending what is owed; the task ends when the node stops.
    ///
    /// The queuing (a read of the projection, a transaction on the outbox when something is
    /// owed) runs on tokio's blocking threads, once for all the entries received since the
    /// last time, never on the workers that answer HTTP; what is owed is looked at again only
    /// when something may have changed (deliveries queued, an attempt ended, the earliest due).
    pub fn start(self: &Arc<Self>, node: Node) -> tokio::task::JoinHandle<()> {
        let dispatcher = Arc::clone(self);
        let mut receiver = node.subscribe();
        // Before this returns: an entry accepted from now on is after the cursor.
        if let Err(err) = self.start_cursor(&node) {
            tracing::error!(%err, "the webhook outbox cannot be written; no alert is queued");
        }
        tokio::spawn(async move {
            dispatcher.queue_owed(&node).await;
            let mut due_at = tokio::time::Instant::now();
            loop {
                tokio::select! {
                    received = receiver.recv() => match received {
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                            // The entries received meanwhile are read from the projection at once.
                            while let Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) = receiver.try_recv() {}
                            if dispatcher.queue_owed(&node).await == 0 {
                                continue;
                            }
                        }
                        Err(broadcast::error::RecvError::Closed) => {
                            dispatcher.save_cursor().await;
                            return;
                        }
                    },
                    () = dispatcher.wake.notified() => {}
                    () = tokio::time::sleep_until(due_at) => dispatcher.save_cursor().await,
                }
                due_at = tokio::time::Instant::now() + dispatcher.send_due(&node);
            }
        })
    }

    /// Queues what the entries after the cursor owe, on a blocking thread; how many
    /// deliveries were queued.
    async fn queue_owed(self: &Arc<Self>, node: &Node) -> usize {
        let dispatcher = Arc::clone(self);
        let node = node.clone();
        match tokio::task::spawn_blocking(move || dispatcher.catch_up(&node)).await {
            Ok(Ok(queued)) => queued,
            Ok(Err(err)) => {
                tracing::error!(%err, "the webhook outbox cannot be written; alerts wait");
                0
            }
            Err(err) => {
                tracing::error!(%err, "queuing webhook deliveries failed");
                0
            }
        }
    }

    /// Writes the outbox's cursor if it moved since it was last written, on a blocking thread.
    async fn save_cursor(self: &Arc<Self>) {
        let dispatcher = Arc::clone(self);
        let saved = tokio::task::spawn_blocking(move || dispatcher.outbox.lock().save_cursor(now_ms())).await;
        if let Ok(Err(err)) = saved {
            tracing::warn!(%err, "the webhook outbox's cursor cannot be written; a restart queues recent alerts again");
        }
    }

    /// A new outbox starts at the log's end: history is not sent.
    fn start_cursor(&self, node: &Node) -> Result<(), StoreError> {
        let mut outbox = self.outbox.lock();
        if outbox.cursor()?.is_some() {
            return Ok(());
        }
        match node.read_state(|state| state.entries_count.checked_sub(1)) {
            Some(last_seq) => outbox.queue(last_seq, &[], now_ms()),
            None => Ok(()),
        }
    }

    /// Queues the deliveries of every alert raised after the cursor, moving it to the last
    /// entry of the projection; how many deliveries were queued.
    fn catch_up(&self, node: &Node) -> Result<usize, StoreError> {
        let cursor = self.outbox.lock().cursor()?;
        // With no subscription nothing is owed: only the cursor moves, and no alert is copied.
        let anyone = !self.subscriptions.read().is_empty();
        let (last_seq, alerts): (Option<u64>, Vec<Alert>) = node.read_state(|state| {
            let last_seq = state.entries_count.checked_sub(1);
            // Every alert, when the log was empty as the dispatcher started.
            let start = cursor.map_or(0, |cursor| state.alerts.partition_point(|a| a.seq <= cursor));
            let alerts = if anyone { state.alerts[start..].to_vec() } else { Vec::new() };
            (last_seq.filter(|last| cursor.is_none_or(|cursor| *last > cursor)), alerts)
        });
        let Some(last_seq) = last_seq else { return Ok(0) };
        let mut owed = Vec::new();
        {
            let subscriptions = self.subscriptions.read();
            for alert in &alerts {
                for live in subscriptions.iter() {
                    if may_have(&live.subscription, alert) {
                        owed.push((live.key.clone(), alert.alert_id.to_string(), alert.seq));
                    }
                }
            }
        }
        self.outbox.lock().queue(last_seq, &owed, now_ms())?;
        Ok(owed.len())
    }

    /// Starts an attempt for every delivery due and not in flight, up to the cap; returns
    /// how long to wait before looking again.
    fn send_due(self: &Arc<Self>, node: &Node) -> Duration {
        let now = now_ms();
        let due = {
            let busy: Vec<i64> = self.busy.lock().iter().copied().collect();
            let room = ATTEMPTS_IN_FLIGHT_MAX.saturating_sub(busy.len());
            let outbox = self.outbox.lock();
            match outbox.due(now, room, &busy) {
                Ok(due) => due,
                Err(err) => {
                    tracing::error!(%err, "the webhook outbox cannot be read");
                    return IDLE_WAKE;
                }
            }
        };
        for pending in due {
            self.busy.lock().insert(pending.id);
            let dispatcher = Arc::clone(self);
            let node = node.clone();
            tokio::spawn(async move {
                let id = pending.id;
                dispatcher.attempt(&node, pending).await;
                dispatcher.busy.lock().remove(&id);
                dispatcher.wake.notify_one();
            });
        }
        let next = self.outbox.lock().next_due_ms().ok().flatten();
        next.map_or(IDLE_WAKE, |next| {
            Duration::from_millis(u64::try_from(next.saturating_sub(now)).unwrap_or(0)).min(IDLE_WAKE)
        })
    }

    /// One attempt of one delivery, recorded in the log and the outbox.
    async fn attempt(&self, node: &Node, pending: Pending) {
        let found = self.subscriptions.read().iter().find(|live| live.key == pending.subscription).cloned();
        let Some(Live { subscription, .. }) = found else {
            tracing::info!(alert_id = %pending.alert_id, "a delivery to a subscription no longer configured is dropped");
            self.settle(pending.id, None);
            return;
        };
        // The outbox holds the id's text; the projection finds an alert by its id's numbers.
        let alert = AlertId::parse(&pending.alert_id)
            .ok()
            .filter(|id| id.key().0 == pending.seq)
            .and_then(|id| node.read_state(|state| state.alert(&id).cloned()));
        let Some(alert) = alert else {
            tracing::error!(alert_id = %pending.alert_id, "a queued alert is not in the projection; dropped");
            self.settle(pending.id, None);
            return;
        };
        // A core alert always serialises.
        let body = serde_json::to_vec(&alert).unwrap_or_default();
        let timestamp = now_ms() / 1000;
        let attempt = pending.attempts + 1;
        let alert_id = alert.alert_id.to_string();
        let signature = signature(&subscription.secret, &alert_id, timestamp, &body);
        let result = self
            .client
            .post(&subscription.url)
            .timeout(self.policy.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(ID_HEADER, &alert_id)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        let (status, error) = match result {
            Ok(response) if response.status().is_success() => (Some(response.status().as_u16()), None),
            Ok(response) => (Some(response.status().as_u16()), Some("the subscriber did not answer 2xx".to_owned())),
            // Without the URL, which may carry a query string.
            Err(err) => (None, Some(err.without_url().to_string())),
        };
        let outcome = match (&error, attempt >= self.policy.attempts_max) {
            (None, _) => DeliveryOutcome::Delivered,
            (Some(_), false) => DeliveryOutcome::Retrying,
            (Some(_), true) => DeliveryOutcome::Failed,
        };
        self.record(DeliveryRecord {
            at: self.clock.now(),
            alert_id: Some(alert.alert_id.clone()),
            url: redact_url(&subscription.url),
            attempt,
            outcome,
            status,
            error,
            confidential: !alert_is_public(&alert),
        });
        let retry = match outcome {
            DeliveryOutcome::Retrying => {
                // Doubling: the first wait before the second attempt, twice that before the third.
                let doublings = attempt.saturating_sub(1).min(30);
                let delay = self.policy.first_delay.saturating_mul(1 << doublings);
                Some((attempt, now_ms().saturating_add(duration_ms(delay))))
            }
            DeliveryOutcome::Delivered | DeliveryOutcome::Failed => None,
        };
        self.settle(pending.id, retry);
    }

    /// Reschedules a delivery after a failed attempt, or removes it once done.
    fn settle(&self, id: i64, retry: Option<(u32, i64)>) {
        let mut outbox = self.outbox.lock();
        let saved = match retry {
            Some((attempts, due_ms)) => outbox.retry_later(id, attempts, due_ms),
            None => outbox.finish(id),
        };
        if let Err(err) = saved {
            tracing::error!(%err, "the webhook outbox cannot be written; the delivery may be attempted again");
        }
    }

    fn record(&self, record: DeliveryRecord) {
        self.attempts[outcome_idx(record.outcome)].fetch_add(1, Ordering::Relaxed);
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

    /// Attempts made since the start, by outcome.
    pub fn attempts(&self) -> [(DeliveryOutcome, u64); 3] {
        [DeliveryOutcome::Delivered, DeliveryOutcome::Retrying, DeliveryOutcome::Failed]
            .map(|outcome| (outcome, self.attempts[outcome_idx(outcome)].load(Ordering::Relaxed)))
    }

    /// Deliveries owed: queued and not yet delivered or given up.
    pub fn owed(&self) -> u64 {
        self.outbox.lock().owed().unwrap_or(0)
    }

    /// The whole delivery log, confidential records too: for tests of what the public part
    /// leaves out.
    #[cfg(test)]
    pub(crate) fn full_log(&self) -> Vec<DeliveryRecord> {
        let log = self.log.lock();
        log.public.iter().chain(&log.confidential).cloned().collect()
    }
}

/// Whether `subscription` may have `alert`: every public alert; a confidential one only
/// when it speaks for a party the alert is addressed to.
fn may_have(subscription: &Subscription, alert: &Alert) -> bool {
    alert_is_public(alert)
        || subscription
            .party_ids
            .as_ref()
            .is_some_and(|parties| parties.iter().any(|party| alert.parties.contains(party)))
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

/// Subscriptions one party may make through the API, at the most.
pub const SUBSCRIPTIONS_PER_PARTY_MAX: usize = 10;

/// A new subscription, as a party asks for it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    /// Where to POST the alerts: an `http` or `https` URL.
    pub url: String,
}

/// A subscription made through the API, without its secret.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SubscriptionView {
    pub subscription_id: String,
    pub party_id: PartyId,
    pub url: String,
    pub created_at: String,
    pub created_by: String,
}

/// A subscription just made, with the secret its deliveries are signed with: shown once.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CreatedSubscription {
    #[serde(flatten)]
    pub view: SubscriptionView,
    /// The Standard Webhooks secret (`whsec_...`) to verify deliveries with; the server shows
    /// it only now.
    pub secret: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SubscriptionsView {
    pub items: Vec<SubscriptionView>,
}

fn subscription_view(row: &SubscriptionRow) -> Option<SubscriptionView> {
    Some(SubscriptionView {
        subscription_id: row.subscription_id.clone(),
        party_id: PartyId::parse(&row.party_id).ok()?,
        url: row.url.clone(),
        created_at: row.created_at.clone(),
        created_by: row.created_by.clone(),
    })
}

/// The party a signed-in coordinator manages subscriptions for.
fn managing_party(viewer: &crate::auth::Viewer) -> Result<PartyId, crate::ApiError> {
    let signed_in = viewer.require_signed_in()?;
    match (&signed_in.party_id, signed_in.roles.contains(&truce_core::Role::Coordinator)) {
        (Some(party_id), true) => Ok(party_id.clone()),
        _ => Err(crate::ApiError::Domain(truce_core::DomainError::Forbidden {
            action: "managing a party's webhook subscriptions",
            role: "coordinator",
        })),
    }
}

fn dispatcher(app: &AppState) -> Result<&Arc<Dispatcher>, crate::ApiError> {
    app.webhooks
        .as_ref()
        .ok_or_else(|| crate::ApiError::NotFound { kind: "webhook dispatcher", id: "on this node".to_owned() })
}

impl Dispatcher {
    /// Adds a subscription `party_id` made, saved before it is delivered to.
    fn add_made(&self, row: SubscriptionRow) -> Result<(), StoreError> {
        self.outbox.lock().add_subscription(&row)?;
        if let Some(live) = live_of(row) {
            self.subscriptions.write().push(live);
        }
        Ok(())
    }

    /// How many subscriptions made through the API it delivers to: for tests.
    #[cfg(test)]
    pub(crate) fn made_count(&self) -> usize {
        self.subscriptions.read().iter().filter(|live| live.made.is_some()).count()
    }

    /// The subscriptions `party_id` made.
    fn made_by(&self, party_id: &PartyId) -> Result<Vec<SubscriptionRow>, StoreError> {
        Ok(self.outbox.lock().subscriptions()?.into_iter().filter(|row| row.party_id == *party_id.text()).collect())
    }

    /// Removes `party_id`'s subscription and what was still owed to it; whether there was one.
    fn remove_made(&self, party_id: &PartyId, subscription_id: &str) -> Result<bool, StoreError> {
        let removed =
            self.outbox.lock().remove_subscription(&party_id.text(), subscription_id, &made_key(subscription_id))?;
        if removed {
            self.subscriptions.write().retain(|live| {
                live.made.as_ref().is_none_or(|(id, party)| !(id == subscription_id && party == party_id))
            });
        }
        Ok(removed)
    }
}

/// `POST /api/v1/webhooks/subscriptions`: a party's coordinator subscribes a URL to the public
/// alerts and to the party's own confidential ones.
///
/// # Errors
/// Not signed in, not a coordinator of a party, a URL that is not http(s), too many.
pub async fn create_subscription(
    viewer: crate::auth::Viewer,
    AxumState(app): AxumState<AppState>,
    crate::extract::ApiJsonText(new, _): crate::extract::ApiJsonText<NewSubscription>,
) -> Result<(axum::http::StatusCode, Json<CreatedSubscription>), crate::ApiError> {
    let party_id = managing_party(&viewer)?;
    let created_by = viewer.require_signed_in()?.account_id.to_string();
    let dispatcher = dispatcher(&app)?;
    let url_ok = reqwest::Url::parse(&new.url).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
    if !url_ok || new.url.len() > 2048 {
        return Err(crate::ApiError::bad_request("url", "an http or https URL of at most 2048 bytes"));
    }
    let internal = |err: StoreError| crate::ApiError::Internal(err.to_string());
    if dispatcher.made_by(&party_id).map_err(internal)?.len() >= SUBSCRIPTIONS_PER_PARTY_MAX {
        return Err(crate::ApiError::bad_request(
            "url",
            format!("a party has at most {SUBSCRIPTIONS_PER_PARTY_MAX} subscriptions; delete one first"),
        ));
    }
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    let secret = format!("{SECRET_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(key));
    let row = SubscriptionRow {
        subscription_id: uuid::Uuid::now_v7().to_string(),
        party_id: party_id.to_string(),
        url: new.url,
        secret: secret.clone(),
        created_at: app.clock.now().to_string(),
        created_by,
    };
    dispatcher.add_made(row.clone()).map_err(internal)?;
    let view =
        subscription_view(&row).ok_or_else(|| crate::ApiError::Internal("a party id does not parse".to_owned()))?;
    Ok((axum::http::StatusCode::CREATED, Json(CreatedSubscription { view, secret })))
}

/// `GET /api/v1/webhooks/subscriptions`: the viewer's party's subscriptions, without secrets.
///
/// # Errors
/// Not signed in, not a coordinator of a party.
pub async fn subscriptions(
    viewer: crate::auth::Viewer,
    AxumState(app): AxumState<AppState>,
) -> Result<Json<SubscriptionsView>, crate::ApiError> {
    let party_id = managing_party(&viewer)?;
    let rows = dispatcher(&app)?.made_by(&party_id).map_err(|err| crate::ApiError::Internal(err.to_string()))?;
    Ok(Json(SubscriptionsView { items: rows.iter().filter_map(subscription_view).collect() }))
}

/// `DELETE /api/v1/webhooks/subscriptions/{id}`: ends one of the viewer's party's subscriptions
/// and drops what was still owed to it.
///
/// # Errors
/// Not signed in, not a coordinator of a party; no such subscription of the party.
pub async fn delete_subscription(
    viewer: crate::auth::Viewer,
    AxumState(app): AxumState<AppState>,
    crate::extract::ApiPath(subscription_id): crate::extract::ApiPath<String>,
) -> Result<Json<SubscriptionsView>, crate::ApiError> {
    let party_id = managing_party(&viewer)?;
    let dispatcher = dispatcher(&app)?;
    let internal = |err: StoreError| crate::ApiError::Internal(err.to_string());
    if !dispatcher.remove_made(&party_id, &subscription_id).map_err(internal)? {
        return Err(crate::ApiError::NotFound { kind: "subscription of this party", id: subscription_id });
    }
    let rows = dispatcher.made_by(&party_id).map_err(internal)?;
    Ok(Json(SubscriptionsView { items: rows.iter().filter_map(subscription_view).collect() }))
}
