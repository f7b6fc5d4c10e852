//! A value of this thread set for the length of one call, and put back as it was however the
//! call ends (a panic included): how a caller asks the serde derives below it for another
//! behaviour without a parameter through every type (`decoding_trusted`,
//! `serializing_without_monitoring`, `interning_names`).

use std::{
    cell::{Cell, RefCell},
    thread::LocalKey,
};

/// Runs `run` with `flag` set on this thread, then puts it back.
pub(crate) fn with_flag_set<T>(flag: &'static LocalKey<Cell<bool>>, run: impl FnOnce() -> T) -> T {
    struct Restore(&'static LocalKey<Cell<bool>>, bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            self.0.with(|flag| flag.set(self.1));
        }
    }
    let _restore = Restore(flag, flag.with(|flag| flag.replace(true)));
    run()
}

/// Runs `run` with `slot` holding `value` on this thread, then puts back what it held.
pub(crate) fn with_slot_set<V: 'static, T>(
    slot: &'static LocalKey<RefCell<V>>,
    value: V,
    run: impl FnOnce() -> T,
) -> T {
    struct Restore<V: 'static>(&'static LocalKey<RefCell<V>>, Option<V>);
    impl<V: 'static> Drop for Restore<V> {
        fn drop(&mut self) {
            if let Some(before) = self.1.take() {
                self.0.with(|slot| *slot.borrow_mut() = before);
            }
        }
    }
    let _restore = Restore(slot, Some(slot.with(|slot| slot.replace(value))));
    run()
}
