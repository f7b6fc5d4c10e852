//! A flag of this thread set for the length of one call, and put back as it was however the
//! call ends (a panic included): how a caller asks the serde derives below it for another
//! behaviour without a parameter through every type (`decoding_trusted`,
//! `serializing_without_monitoring`).

use std::{cell::Cell, thread::LocalKey};

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
