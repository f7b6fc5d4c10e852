//! The live alert stream: server-sent events, one per alert the viewer may read: every
//! public alert, and to a signed-in account of an entitled party (by session cookie or bearer
//! token) the confidential alerts about its notifications too (`Audience`, the one policy).
//!
//! A client that reconnects with `Last-Event-ID` gets the alerts it missed from
//! `State::alerts`, then the live ones, with no gap and no repeat: the stream subscribes to
//! the hub's broadcast *before* it reads the backlog, and skips whatever it already sent.
//! The backlog is read in pages of `BACKLOG_PAGE_MAX` alerts, the next one only once the
//! client has taken the last (the body is polled as the socket drains), until a page comes
//! back short: then every alert raised so far has been read, and the live feed takes over.
//! So a stream resumed from `0.0` holds one page at a time however long the log, and a
//! client that never reads holds at most one page and what the socket buffers.
//! It never slows the writer: a consumer so slow that the broadcast laps it reads what it
//! missed from the state, page by page, as a resumed stream does. Streams are bounded by
//! `STREAMS_MAX`.

use std::{
    collections::VecDeque,
    convert::Infallible,
    pin::Pin,
    sync::{Arc, OnceLock},
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    extract::State as AxumState,
    http::{header, HeaderMap},
    response::Response,
};
use futures_util::StreamExt as _;
use tokio::sync::{broadcast, OwnedSemaphorePermit, Semaphore};
use truce_core::{alert_audience, Alert, Audience, State};
use truce_store::{AcceptedEntry, Node};

use crate::{
    alerts::{alert_key, alert_view, alerts_after, AlertView},
    auth::Viewer,
    problem::ApiError,
    AppState,
};

/// Concurrent event streams at the most; one more is refused with a 503 problem. Each
/// stream holds a socket, so the process's open-file limit must be above this.
pub const STREAMS_MAX: usize = 16_384;
/// How often an idle stream sends a comment, so that proxies keep it open.
pub const KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(15);
/// How long a client waits before it reconnects after the stream drops, in milliseconds,
/// sent first on every stream as the event stream's `retry` field. Long enough that
/// thousands of clients reconnecting after a restart do not all arrive at once.
pub const RECONNECT_DELAY_MS: u32 = 3_000;
/// The header a reconnecting client names the last alert it got with.
pub const LAST_EVENT_ID: &str = "last-event-id";
/// Batches of alerts the hub keeps for streams that are behind; a stream further behind
/// reads what it missed from the state instead.
pub const HUB_DEPTH_MAX: usize = 1024;
/// Alerts of the backlog a resumed stream reads from the state at a time.
pub const BACKLOG_PAGE_MAX: usize = 256;

/// One alert as the bytes of its server-sent event, rendered once for every stream, with
/// who may read it.
#[derive(Debug)]
pub struct Published {
    key: (u64, u32),
    audience: Audience,
    frame: Bytes,
}

impl Published {
    fn of(state: &State, alert: &Alert) -> Published {
        let view = alert_view(alert);
        Published { key: alert.alert_id.key(), audience: alert_audience(state, alert), frame: frame(&view) }
    }
}

/// The event of one alert: its kind as the event type, its id, and its JSON on one `data`
/// line (JSON as serde_json writes it holds no line break).
fn frame(alert: &AlertView) -> Bytes {
    // An `AlertView` is plain data and always serialises.
    let data = serde_json::to_string(alert).unwrap_or_default();
    Bytes::from(format!("event: {}\nid: {}\ndata: {data}\n\n", alert.alert.kind.as_str(), alert.alert.alert_id))
}

/// What an idle stream sends every `KEEP_ALIVE_INTERVAL`: a comment.
const KEEP_ALIVE_FRAME: &[u8] = b":\n\n";

type Batch = Arc<[Published]>;

/// The slots for streams and the hub they listen to, shared by every clone of the state.
///
/// The hub is one task: woken by each new entry, it reads the public alerts raised since
/// the last it published, renders each once and broadcasts them, so that a new entry costs
/// a stream nothing unless it raised an alert, and an alert is serialised once however
/// many streams there are. It starts with the first stream.
#[derive(Clone)]
pub struct StreamSlots {
    slots: Arc<Semaphore>,
    streams_max: usize,
    hub: Arc<OnceLock<broadcast::Sender<Batch>>>,
}

impl StreamSlots {
    pub fn new(streams_max: usize) -> StreamSlots {
        StreamSlots { slots: Arc::new(Semaphore::new(streams_max)), streams_max, hub: Arc::new(OnceLock::new()) }
    }

    /// Streams open now.
    pub fn open(&self) -> usize {
        self.streams_max.saturating_sub(self.slots.available_permits())
    }

    /// Subscribes to the hub, starting it on first use. Call from within the runtime.
    fn subscribe(&self, node: &Node) -> broadcast::Receiver<Batch> {
        self.hub
            .get_or_init(|| {
                // Both taken here, before any stream reads its backlog, so that no alert
                // falls between what a stream reads and what the hub publishes.
                let entries = node.subscribe();
                let published = node.read_state(latest_key);
                let (sender, _) = broadcast::channel(HUB_DEPTH_MAX);
                tokio::spawn(run_hub(node.clone(), entries, published, sender.clone()));
                sender
            })
            .subscribe()
    }
}

impl Default for StreamSlots {
    fn default() -> StreamSlots {
        StreamSlots::new(STREAMS_MAX)
    }
}

/// The key of the latest alert in the state, public or not.
fn latest_key(state: &State) -> Option<(u64, u32)> {
    state.alerts.last().map(|a| a.alert_id.key())
}

async fn run_hub(
    node: Node,
    mut entries: broadcast::Receiver<Arc<AcceptedEntry>>,
    mut published: Option<(u64, u32)>,
    sender: broadcast::Sender<Batch>,
) {
    loop {
        match entries.recv().await {
            // Behind on entries loses nothing: the alerts are read from the state.
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
        let batch: Vec<Published> = node.read_state(|state| {
            let start = published.map_or(0, |key| state.alerts.partition_point(|a| a.alert_id.key() <= key));
            let fresh: Vec<Published> = state.alerts[start..].iter().map(|a| Published::of(state, a)).collect();
            published = latest_key(state).max(published);
            fresh
        });
        if !batch.is_empty() {
            // No stream listening is not an error.
            let _ = sender.send(Batch::from(batch));
        }
    }
}

/// One open stream: the page of the backlog still to send, and the live feed.
struct Live {
    node: Node,
    receiver: broadcast::Receiver<Batch>,
    /// The page of the backlog being sent: each alert's key and event.
    page: VecDeque<((u64, u32), Bytes)>,
    /// Whether the backlog may hold alerts after the page: true until a page comes back short.
    paging: bool,
    /// Once the last page is read: the latest alert in the state then, readable or not, which
    /// `sent` moves to once the page is sent, so that the live feed skips every alert read.
    paged_to: Option<(u64, u32)>,
    live: VecDeque<Bytes>,
    /// The key of the last alert sent or passed over (or the client's `Last-Event-ID`, or
    /// the latest alert when the stream opened without one).
    sent: Option<(u64, u32)>,
    /// Who reads: the alerts of the backlog and of the live feed are filtered by it.
    viewer: Viewer,
    /// Held for as long as the stream lives.
    _permit: OwnedSemaphorePermit,
}

impl Live {
    /// Reads the next page of the backlog: up to `BACKLOG_PAGE_MAX` alerts the viewer may
    /// read after `sent`, rendered.
    fn read_page(&mut self) {
        let (after, reader) = (self.sent, self.viewer.reader());
        let (page, paged_to) = self.node.read_state(|state| {
            let page: VecDeque<((u64, u32), Bytes)> = alerts_after(state, reader, after)
                .map(|alert| (alert.alert_id.key(), frame(&alert_view(alert))))
                .take(BACKLOG_PAGE_MAX)
                .collect();
            let short = page.len() < BACKLOG_PAGE_MAX;
            (page, short.then(|| latest_key(state)).flatten())
        });
        self.paging = page.len() == BACKLOG_PAGE_MAX;
        self.paged_to = paged_to;
        self.page = page;
    }

    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some((key, frame)) = self.page.pop_front() {
                self.sent = Some(key);
                return Some(frame);
            }
            if self.paging {
                self.read_page();
                continue;
            }
            if let Some(paged_to) = self.paged_to.take() {
                self.sent = self.sent.max(Some(paged_to));
            }
            if let Some(event) = self.live.pop_front() {
                return Some(event);
            }
            let batch = match self.receiver.recv().await {
                Ok(batch) => batch,
                // Lapped by the hub: what it missed is in the state; read it page by page
                // again from the last alert sent, as a resumed stream does.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.paging = true;
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            let after = self.sent;
            for published in batch.iter().filter(|p| Some(p.key) > after) {
                self.sent = Some(published.key);
                if published.audience.admits(self.viewer.reader()) {
                    self.live.push_back(published.frame.clone());
                }
            }
        }
    }
}

/// When an idle stream next sends a keep-alive comment.
///
/// One timer per stream, moved only when it fires: a frame sent just notes the time, so that
/// an alert costs a stream no timer of its own. Before, each frame set a timeout and cancelled
/// it, two timer-wheel operations per stream per alert (about 2 % of the server's samples in
/// the fan-out's profile, docs/performance.md). When the timer fires after a frame was sent,
/// it is set again from that frame instead of sending.
struct KeepAlive {
    /// Set on the first frame asked for, so that idleness counts from the frame before it.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    last_frame_at: tokio::time::Instant,
}

impl KeepAlive {
    fn new() -> KeepAlive {
        KeepAlive { timer: None, last_frame_at: tokio::time::Instant::now() }
    }

    /// The stream's next frame: its next event, or a keep-alive comment once it has been
    /// idle for `KEEP_ALIVE_INTERVAL`. None once the hub is gone.
    async fn next_frame(&mut self, live: &mut Live) -> Option<Bytes> {
        let timer = self.timer.get_or_insert_with(|| {
            let now = tokio::time::Instant::now();
            Box::pin(tokio::time::sleep_until(now + KEEP_ALIVE_INTERVAL))
        });
        loop {
            tokio::select! {
                biased;
                frame = live.next() => {
                    let frame = frame?;
                    self.last_frame_at = tokio::time::Instant::now();
                    return Some(frame);
                }
                () = timer.as_mut() => {
                    let due = self.last_frame_at + KEEP_ALIVE_INTERVAL;
                    if due > timer.deadline() {
                        // A frame went out since the timer was set: idle only from then.
                        timer.as_mut().reset(due);
                        continue;
                    }
                    let now = tokio::time::Instant::now();
                    self.last_frame_at = now;
                    timer.as_mut().reset(now + KEEP_ALIVE_INTERVAL);
                    return Some(Bytes::from_static(KEEP_ALIVE_FRAME));
                }
            }
        }
    }
}

pub async fn stream(
    viewer: Viewer,
    AxumState(app): AxumState<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let last =
        match headers.get(LAST_EVENT_ID) {
            None => None,
            Some(value) => Some(value.to_str().ok().and_then(alert_key).ok_or_else(|| {
                ApiError::bad_request("Last-Event-ID", "Last-Event-ID must be an alert id, `<seq>.<n>`")
            })?),
        };
    let permit = app
        .streams
        .slots
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::TooManyStreams { streams_max: STREAMS_MAX })?;
    // Subscribed before the backlog is read, so that nothing raised in between is missed.
    let receiver = app.streams.subscribe(&app.node);
    // Without `Last-Event-ID`, from now on; with it, the backlog after it first, page by page.
    let (sent, paging) = match last {
        None => (app.node.read_state(latest_key), false),
        Some(key) => (Some(key), true),
    };
    let live = Live {
        node: app.node.clone(),
        receiver,
        page: VecDeque::new(),
        paging,
        paged_to: None,
        live: VecDeque::new(),
        sent,
        viewer,
        _permit: permit,
    };
    let keep_alive = KeepAlive::new();
    let frames = futures_util::stream::unfold((live, keep_alive), |(mut live, mut keep_alive)| async move {
        let frame = keep_alive.next_frame(&mut live).await?;
        Some((Ok::<_, Infallible>(frame), (live, keep_alive)))
    });
    // First, how long a client should wait before reconnecting after a drop.
    let frames = futures_util::stream::once(async {
        Ok::<_, Infallible>(Bytes::from(format!("retry: {RECONNECT_DELAY_MS}\n\n")))
    })
    .chain(frames);
    let response = Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(frames))
        .map_err(|err| ApiError::Internal(format!("building the stream response: {err}")))?;
    Ok(response)
}
