//! Reads of the projection as known at a record time: the live state, or a folded prefix.

use std::{collections::VecDeque, sync::Arc};

use truce_core::{State, Timestamp};

use super::{Node, KNOWN_AT_STATES_CACHED_MAX};
use crate::error::StoreError;

/// The projection as known at a record time, made by `Node::state_known_at` or
/// `Node::latest_state`; cheap to clone and to keep.
#[derive(Clone)]
pub struct KnownState {
    pub(super) node: Node,
    pub(super) view: KnownView,
}

#[derive(Clone)]
pub(super) enum KnownView {
    /// Everything recorded, as it stands when read.
    Latest,
    /// The live projection, which held nothing recorded after this instant when made.
    LiveBy(Timestamp),
    /// A past prefix of the log, folded.
    Past(Arc<State>),
}

impl KnownState {
    /// Runs `read` on the state. A live one is read under its lock; should the writer have
    /// added, since this was made, an entry accepted after the instant asked about, the
    /// past state is folded now instead (rare, and then this call can take long).
    ///
    /// # Errors
    /// Only from that fold: see `Node::read_state_known_at`.
    pub fn read<T>(&self, read: impl FnOnce(&State) -> T) -> Result<T, StoreError> {
        match &self.view {
            KnownView::Latest => Ok(self.node.read_state(read)),
            KnownView::LiveBy(known_at) => self.node.read_state_known_at(*known_at, read),
            KnownView::Past(state) => Ok(read(state)),
        }
    }

    /// The state itself, to keep and read at leisure (an export streamed as the client
    /// reads): the live projection shared, not copied, when it holds nothing recorded after
    /// the instant asked about; otherwise the folded past state.
    ///
    /// # Errors
    /// Only from that fold: see `Node::read_state_known_at`.
    pub fn snapshot(&self) -> Result<Arc<State>, StoreError> {
        match &self.view {
            KnownView::Latest => Ok(self.node.snapshot()),
            KnownView::LiveBy(known_at) => {
                {
                    let live = self.node.shared.live.read();
                    if live.known_by(*known_at) {
                        return Ok(Arc::clone(&live.state));
                    }
                }
                self.node.past_state(*known_at)
            }
            KnownView::Past(state) => Ok(Arc::clone(state)),
        }
    }
}

/// Folded prefixes of the log by entries count, least recently used first; at most
/// `KNOWN_AT_STATES_CACHED_MAX`.
#[derive(Default)]
pub(super) struct PastStates {
    states: VecDeque<(u64, Arc<State>)>,
}

impl PastStates {
    pub(super) fn get(&mut self, entries_count: u64) -> Option<Arc<State>> {
        let idx = self.states.iter().position(|(count, _)| *count == entries_count)?;
        let found = self.states.remove(idx)?;
        let state = Arc::clone(&found.1);
        self.states.push_back(found);
        Some(state)
    }

    /// The longest kept prefix shorter than `entries_count`, to fold on from.
    pub(super) fn longest_before(&self, entries_count: u64) -> Option<Arc<State>> {
        let shorter = self.states.iter().filter(|(count, _)| *count < entries_count);
        shorter.max_by_key(|(count, _)| *count).map(|(_, state)| Arc::clone(state))
    }

    pub(super) fn insert(&mut self, entries_count: u64, state: Arc<State>) {
        if self.states.iter().any(|(count, _)| *count == entries_count) {
            return;
        }
        if self.states.len() == KNOWN_AT_STATES_CACHED_MAX {
            self.states.pop_front();
        }
        self.states.push_back((entries_count, state));
    }
}
