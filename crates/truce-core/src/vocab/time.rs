//! Instants and half-open intervals, always UTC, always RFC 3339 on the wire.
//!
//! Core never reads the clock: every `Timestamp` here came in with a command or its context.

use std::fmt;

use arrayvec::ArrayString;
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::vocab::error::DomainError;

/// An instant in UTC. Serialised as RFC 3339 with a `Z` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Parses RFC 3339; an offset other than `Z` is converted to UTC.
    ///
    /// # Errors
    /// `Timestamp` for anything but RFC 3339, and for an instant whose UTC year is outside
    /// 0000..=9999: RFC 3339 years have four digits, so such an instant would be written as
    /// text that does not parse back (`0000-01-01T00:00:00+01:00` is in year -1 in UTC).
    pub fn parse(raw: &str) -> Result<Timestamp, DomainError> {
        Timestamp::parse_written(raw.as_bytes()).map_or_else(|| Timestamp::parse_any(raw), Ok)
    }

    /// What `parse` reads, by chrono's parser of all of RFC 3339.
    pub(crate) fn parse_any(raw: &str) -> Result<Timestamp, DomainError> {
        match DateTime::parse_from_rfc3339(raw) {
            Ok(at) if (0..=9999).contains(&at.with_timezone(&Utc).year()) => Ok(Timestamp(at.with_timezone(&Utc))),
            _ => Err(DomainError::Timestamp { value: raw.chars().take(64).collect() }),
        }
    }

    /// The form this build writes (`Display`), `YYYY-MM-DDTHH:MM:SS`, a fraction of 1 to 9
    /// digits or none, then `Z`, read by hand: most timestamps read come back from what was
    /// written (a snapshot holds millions), and chrono's general parser was a twentieth of a
    /// start from one (docs/performance.md). Anything else, a leap second included, is
    /// `None`, for `parse_any`; what this reads, `parse_any` reads the same (tested on
    /// random text of the form and near it).
    pub(crate) fn parse_written(raw: &[u8]) -> Option<Timestamp> {
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            raw.get(range)?
                .iter()
                .try_fold(0_u32, |value, &byte| byte.is_ascii_digit().then(|| value * 10 + u32::from(byte - b'0')))
        };
        let (b'-', b'-', b'T', b':', b':') = (*raw.get(4)?, *raw.get(7)?, *raw.get(10)?, *raw.get(13)?, *raw.get(16)?)
        else {
            return None;
        };
        let (&b'Z', rest) = raw.get(19..)?.split_last()? else {
            return None;
        };
        let nanos = match rest {
            [] => 0,
            [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
                let value = digits(20..20 + fraction.len())?;
                value * 10_u32.pow(9 - fraction.len() as u32)
            }
            _ => return None,
        };
        let year = i32::try_from(digits(0..4)?).ok()?;
        let date = chrono::NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)?;
        let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        // A leap second (`:60`) is left to chrono, which folds it into the second before.
        if second > 59 {
            return None;
        }
        let time = chrono::NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
        Some(Timestamp(date.and_time(time).and_utc()))
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

/// A timestamp's text, inline: `&*text` for the `&str`.
pub type TimestampText = ArrayString<TIMESTAMP_TEXT_MAX>;

/// The longest text `Timestamp::text` writes: chrono's for its last year (`+262143-…`) with a
/// fraction of nine digits is 33 characters.
const TIMESTAMP_TEXT_MAX: usize = 40;

impl Timestamp {
    /// RFC 3339 in UTC, as chrono writes it with `SecondsFormat::AutoSi` and `Z`:
    /// `YYYY-MM-DDTHH:MM:SS`, a fraction of 3, 6 or 9 digits when the instant has one, `Z`.
    ///
    /// Written here by hand for years 0000 to 9999 outside a leap second (every instant
    /// `parse` reads but those), and by chrono otherwise. A page of a hundred incidents
    /// writes some five hundred timestamps: chrono's writer makes a `String` for each and
    /// goes through `fmt`: 8 % of the server's CPU for a page (docs/performance.md). A test
    /// checks that both write the same text for random instants of every form.
    pub fn text(&self) -> TimestampText {
        let naive = self.0.naive_utc();
        let (date, time) = (naive.date(), naive.time());
        let nanos = time.nanosecond();
        if !(0..=9999).contains(&date.year()) || nanos >= 1_000_000_000 {
            return self.text_by_chrono();
        }
        let (fraction, fraction_digits) = match nanos {
            0 => (0, 0),
            nanos if nanos % 1_000_000 == 0 => (nanos / 1_000_000, 3),
            nanos if nanos % 1_000 == 0 => (nanos / 1_000, 6),
            nanos => (nanos, 9),
        };
        let year = u32::try_from(date.year()).expect("a year within 0..=9999");
        let mut bytes = *b"0000-00-00T00:00:00.000000000Z";
        put_digits(&mut bytes[0..4], year);
        put_digits(&mut bytes[5..7], date.month());
        put_digits(&mut bytes[8..10], date.day());
        put_digits(&mut bytes[11..13], time.hour());
        put_digits(&mut bytes[14..16], time.minute());
        put_digits(&mut bytes[17..19], time.second());
        let end = match fraction_digits {
            0 => 19,
            digits => {
                put_digits(&mut bytes[20..20 + digits], fraction);
                20 + digits
            }
        };
        bytes[end] = b'Z';
        let written = std::str::from_utf8(&bytes[..=end]).expect("ASCII digits and separators");
        TimestampText::from(written).expect("at most 30 characters")
    }

    /// chrono's text, for what `text` leaves to it (and the test that compares them).
    pub(crate) fn text_by_chrono(&self) -> TimestampText {
        let written = self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        TimestampText::from(&written).expect("chrono writes at most 33 characters")
    }
}

/// `value`'s last decimal digits into `field`, leading zeros included.
fn put_digits(field: &mut [u8], mut value: u32) {
    for place in field.iter_mut().rev() {
        *place = b'0' + u8::try_from(value % 10).expect("a decimal digit");
        value /= 10;
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

/// Read from a string, borrowed where the input allows: no `String` is made for each of
/// the millions a snapshot holds.
impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, raw: &str) -> Result<Timestamp, E> {
                Timestamp::parse(raw).map_err(crate::vocab::refusal::note).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Text)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An instant in UTC. Serialised as RFC 3339 with a `Z` suffix.",
            "type": "string",
            "format": "date-time",
        })
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
