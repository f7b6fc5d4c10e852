//! The live alert stream: server-sent events, one per public alert.
//!
//! A client that reconnects with `Last-Event-ID` gets the alerts it missed from
//! `State::alerts`, then the live ones, with no gap and no repeat: the stream subscribes to
//! the node's broadcast *before* it reads the backlog, and skips whatever it already sent.
//! It never slows the writer: a consumer so slow that the broadcast laps it is cut off (it
//! can reconnect with the last id it got). Streams are bounded by `STREAMS_MAX`.

use std::{collections::VecDeque, convert::Infallible, sync::Arc, time::Duration};

use axum::{
    extract::State as AxumState,
    http::HeaderMap,
    response::{
        sse::{Event as SseEvent, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use tokio::sync::{broadcast, OwnedSemaphorePermit, Semaphore};
use truce_store::{AcceptedEntry, Node};

use crate::{
    alerts::{alert_key, alert_view, public_alerts_after, AlertView},
    problem::ApiError,
    AppState,
};

/// Concurrent event streams at the most; one more is refused with a 503 problem.
pub const STREAMS_MAX: usize = 1024;
/// How often an idle stream sends a comment, so that proxies keep it open.
pub const KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(15);
/// The header a reconnecting client names the last alert it got with.
pub const LAST_EVENT_ID: &str = "last-event-id";

/// The slots for streams, shared by every clone of the state.
#[derive(Clone)]
pub struct StreamSlots(Arc<Semaphore>);

impl StreamSlots {
    pub fn new(streams_max: usize) -> StreamSlots {
        StreamSlots(Arc::new(Semaphore::new(streams_max)))
    }
}

impl Default for StreamSlots {
    fn default() -> StreamSlots {
        StreamSlots::new(STREAMS_MAX)
    }
}

/// One open stream: what is still to send from the backlog, and the live feed.
struct Live {
    node: Node,
    receiver: broadcast::Receiver<Arc<AcceptedEntry>>,
    pending: VecDeque<AlertView>,
    /// The key of the last alert sent (or the client's `Last-Event-ID`).
    sent: Option<(u64, u32)>,
    /// Held for as long as the stream lives.
    _permit: OwnedSemaphorePermit,
}

impl Live {
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(alert) = self.pending.pop_front() {
                self.sent = alert_key(alert.alert_id.as_str());
                return Some(sse_event(&alert));
            }
            let entry = match self.receiver.recv().await {
                Ok(entry) => entry,
                // Lagged: this consumer is too slow; it ends, and may resume by its last id.
                Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return None,
            };
            let seq = entry.seq;
            let before_entry = seq.checked_sub(1).map(|previous| (previous, u32::MAX));
            let after = match (self.sent, before_entry) {
                (Some(sent), Some(before)) => Some(sent.max(before)),
                (sent, before) => sent.or(before),
            };
            self.pending = self.node.read_state(|state| {
                public_alerts_after(state, after).take_while(|a| a.seq == seq).map(alert_view).collect()
            });
        }
    }
}

fn sse_event(alert: &AlertView) -> SseEvent {
    // An `AlertView` is plain data and always serialises.
    let data = serde_json::to_string(alert).unwrap_or_default();
    SseEvent::default().event(alert.kind.as_str()).id(alert.alert_id.as_str()).data(data)
}

pub async fn stream(AxumState(app): AxumState<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let last =
        match headers.get(LAST_EVENT_ID) {
            None => None,
            Some(value) => Some(value.to_str().ok().and_then(alert_key).ok_or_else(|| {
                ApiError::bad_request("Last-Event-ID", "Last-Event-ID must be an alert id, `<seq>.<n>`")
            })?),
        };
    let permit =
        app.streams.0.clone().try_acquire_owned().map_err(|_| ApiError::TooManyStreams { streams_max: STREAMS_MAX })?;
    // Subscribed before the backlog is read, so that nothing raised in between is missed.
    let receiver = app.node.subscribe();
    let pending: VecDeque<AlertView> = match last {
        None => VecDeque::new(),
        Some(key) => app.node.read_state(|state| public_alerts_after(state, Some(key)).map(alert_view).collect()),
    };
    let live = Live { node: app.node.clone(), receiver, pending, sent: last, _permit: permit };
    let events = futures_util::stream::unfold(live, |mut live| async move {
        let event = live.next().await?;
        Some((Ok::<_, Infallible>(event), live))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE_INTERVAL)).into_response())
}
