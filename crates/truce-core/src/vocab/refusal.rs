//! The refusal a value's own parser gave, kept for the command parse that is running.
//!
//! serde passes on only the text of an error raised in a `TryFrom` it calls, so each such
//! conversion hands its typed `DomainError` to `note` as well, and `Command::from_json`
//! watches for it: a refusal then keeps its type (and its HTTP status) rather than being
//! recovered from its wording.

use std::cell::RefCell;

use crate::vocab::error::DomainError;

thread_local! {
    /// `None` when nobody is watching; `Some(latest refusal)` while `from_json` runs.
    static REFUSAL: RefCell<Option<Option<DomainError>>> = const { RefCell::new(None) };
}

/// Keeps `err` for the `Command::from_json` running on this thread, if any, and returns it;
/// for `TryFrom` conversions that serde calls, which see only the text of their error.
pub(crate) fn note(err: DomainError) -> DomainError {
    REFUSAL.with(|slot| {
        if let Some(latest) = slot.borrow_mut().as_mut() {
            *latest = Some(err.clone());
        }
    });
    err
}

/// Watching for refusals on this thread from `start` to `stop` (or the end of a panic).
pub(crate) struct Watch {
    /// What an enclosing watch had seen, restored at the end.
    outer: Option<Option<DomainError>>,
}

impl Watch {
    pub(crate) fn start() -> Watch {
        Watch { outer: REFUSAL.with(|slot| slot.borrow_mut().replace(None)) }
    }

    /// The latest refusal seen; dropping the watch restores the enclosing one.
    pub(crate) fn stop(self) -> Option<DomainError> {
        REFUSAL.with(|slot| slot.borrow_mut().as_mut().and_then(Option::take))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let outer = self.outer.take();
        REFUSAL.with(|slot| *slot.borrow_mut() = outer);
    }
}
