//! Instants and half-open intervals, always UTC, always RFC 3339 on the wire.
//!
//! Core never reads the clock: every `Timestamp` here came in with a command or its context.

use std::fmt;

use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::vocab::error::DomainError;

/// An instant in UTC. Serialised as RFC 3339 with a `Z` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Parses RFC 3339; an offset other than `Z` is converted to UTC.
    ///
    /// # Errors
    /// `Timestamp` for anything but RFC 3339, and for an instant whose UTC year is outside
    /// 0000..=9999: RFC 3339 years have four digits, so such an instant would be written as
    /// text that does not parse back (`0000-01-01T00:00:00+01:00` is in year -1 in UTC).
    pub fn parse(raw: &str) -> Result<Timestamp, DomainError> {
        match DateTime::parse_from_rfc3339(raw) {
            Ok(at) if (0..=9999).contains(&at.with_timezone(&Utc).year()) => Ok(Timestamp(at.with_timezone(&Utc))),
            _ => Err(DomainError::Timestamp { value: raw.chars().take(64).collect() }),
        }
    }

    pub fn from_datetime(at: DateTime<Utc>) -> Timestamp {
        Timestamp(at)
    }

    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    pub fn unix_ms(&self) -> i64 {
        self.0.timestamp_millis()
    }

    /// The first whole multiple of `step_s` seconds since the Unix epoch strictly after
    /// `self`, or `None` past the range of times.
    pub fn next_multiple_of(&self, step_s: i64) -> Option<Timestamp> {
        assert!(step_s > 0, "a grid step is positive");
        let step_ms = step_s.checked_mul(1000)?;
        let next_ms = self.unix_ms().div_euclid(step_ms).checked_add(1)?.checked_mul(step_ms)?;
        DateTime::from_timestamp_millis(next_ms).map(Timestamp)
    }

    /// Whole seconds from `self` to `later` (negative when `later` is earlier).
    pub fn seconds_until(&self, later: Timestamp) -> i64 {
        (later.0 - self.0).num_seconds()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl TryFrom<String> for Timestamp {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Timestamp, DomainError> {
        Timestamp::parse(&raw).map_err(crate::vocab::refusal::note)
    }
}

impl From<Timestamp> for String {
    fn from(at: Timestamp) -> String {
        at.to_string()
    }
}

/// A half-open interval `[start, end)`.
///
/// Invariant: `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawWindow")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Window {
    start: Timestamp,
    end: Timestamp,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct RawWindow {
    start: Timestamp,
    end: Timestamp,
}

impl TryFrom<RawWindow> for Window {
    type Error = DomainError;
    fn try_from(raw: RawWindow) -> Result<Window, DomainError> {
        Window::new(raw.start, raw.end).map_err(crate::vocab::refusal::note)
    }
}

impl Window {
    /// # Errors
    /// `WindowNotAfterStart` unless `start < end` (an empty window opens nothing).
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Window, DomainError> {
        if start >= end {
            return Err(DomainError::WindowNotAfterStart { start: start.to_string(), end: end.to_string() });
        }
        Ok(Window { start, end })
    }

    pub fn start(&self) -> Timestamp {
        self.start
    }

    pub fn end(&self) -> Timestamp {
        self.end
    }

    /// `start <= at < end`.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.start <= at && at < self.end
    }

    /// Whether two half-open intervals share at least one instant.
    pub fn overlaps(&self, other: &Window) -> bool {
        self.start < other.end && other.start < self.end
    }
}
