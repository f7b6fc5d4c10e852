//! ACLED's standard CSV export, read row by row into events, which `truce match` probes
//! (docs/acled.md says how the precision codes become a time and a radius).
//!
//! Every bad row is named by its line and column (`line 12, column geo_precision: ...`); the
//! columns read are found by name in the header, in any order, and the others are ignored.

pub mod import;
pub mod mapping;
mod rows;

use std::{collections::HashMap, io::Read};

use anyhow::{anyhow, bail};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use truce_core::{Position, Timestamp};

/// The columns of ACLED's export that are read; the others are ignored.
pub const COLUMNS: [&str; 6] =
    ["event_id_cnty", "event_date", "time_precision", "latitude", "longitude", "geo_precision"];

/// Whether a CSV header is ACLED's: it names `event_id_cnty`.
pub fn is_acled_header(headers: &csv::StringRecord) -> bool {
    headers.iter().any(|header| header == "event_id_cnty")
}

/// One ACLED event, as its row says.
#[derive(Debug, Clone)]
pub struct AcledEvent {
    /// The line of the file it is on.
    pub line: u64,
    pub event_id_cnty: String,
    pub date: NaiveDate,
    /// 1 (day), 2 (week) or 3 (month).
    pub time_precision: u8,
    pub position: Position,
    /// 1 (exact), 2 (near) or 3 (region).
    pub geo_precision: u8,
}

impl AcledEvent {
    /// When it happened, as wide as its time precision says: the day, the week around the
    /// date given (three days either side), or the month.
    pub fn when(&self) -> (Timestamp, Timestamp) {
        let (first, last) = match self.time_precision {
            1 => (self.date, self.date),
            2 => (self.date - Duration::days(3), self.date + Duration::days(3)),
            _ => {
                let first = self.date.with_day(1).unwrap_or(self.date);
                let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
                (first, next - Duration::days(1))
            }
        };
        let instant =
            |date: NaiveDate, time: NaiveTime| Timestamp::from_datetime(Utc.from_utc_datetime(&date.and_time(time)));
        (instant(first, NaiveTime::MIN), instant(last, NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)))
    }

    /// When it happened as a half-open interval `[start, end)`: the same days as `when`,
    /// ending at midnight after the last.
    pub fn valid_time(&self) -> (Timestamp, Timestamp) {
        let (start, last) = self.when();
        (start, Timestamp::from_datetime(last.as_datetime() + Duration::seconds(1)))
    }

    /// The radius within which it happened, from its geo precision (docs/acled.md).
    pub fn uncertainty_m(&self) -> f64 {
        match self.geo_precision {
            1 => 2_000.0,
            2 => 10_000.0,
            _ => 50_000.0,
        }
    }
}

/// Reads every row; the first bad one stops the read with its line and column.
///
/// # Errors
/// A header without a column ACLED's export has, or a row with a bad value.
pub fn read<R: Read>(reader: R, mut each: impl FnMut(AcledEvent) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(reader);
    let headers = reader.headers().map_err(|err| anyhow!("line 1: {err}"))?.clone();
    let index: HashMap<&str, usize> = headers.iter().enumerate().map(|(index, name)| (name, index)).collect();
    for name in COLUMNS {
        if !index.contains_key(name) {
            bail!("line 1: the header has no column {name:?} (ACLED's export has {})", COLUMNS.join(","));
        }
    }
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(err) => match err.position() {
                Some(position) => bail!("line {}: {err}", position.line()),
                None => bail!("{err}"),
            },
        }
        let line = record.position().map_or(0, csv::Position::line);
        let event = parse_row(&record, &index, line)?;
        each(event)?;
    }
}

fn parse_row(record: &csv::StringRecord, index: &HashMap<&str, usize>, line: u64) -> anyhow::Result<AcledEvent> {
    let get = |name: &str| index.get(name).and_then(|i| record.get(*i)).unwrap_or("");
    let bad = |name: &'static str| move |why: String| anyhow!("line {line}, column {name}: {why}");
    let date = parse_date(get("event_date")).map_err(bad("event_date"))?;
    let longitude = parse_longitude(get("longitude")).map_err(bad("longitude"))?;
    let latitude = parse_latitude(get("latitude")).map_err(bad("latitude"))?;
    let position = Position::new(longitude, latitude).map_err(|err| anyhow!("line {line}: {err}"))?;
    Ok(AcledEvent {
        line,
        event_id_cnty: parse_required(get("event_id_cnty")).map_err(bad("event_id_cnty"))?.to_owned(),
        date,
        time_precision: parse_code(get("time_precision")).map_err(bad("time_precision"))?,
        position,
        geo_precision: parse_code(get("geo_precision")).map_err(bad("geo_precision"))?,
    })
}

/// A value that must not be empty.
pub(crate) fn parse_required(raw: &str) -> Result<&str, String> {
    match raw {
        "" => Err("empty".to_owned()),
        value => Ok(value),
    }
}

/// A precision code: 1, 2 or 3.
pub(crate) fn parse_code(raw: &str) -> Result<u8, String> {
    match parse_required(raw)? {
        "1" => Ok(1),
        "2" => Ok(2),
        "3" => Ok(3),
        other => Err(format!("{other:?} is not a precision code 1, 2 or 3")),
    }
}

/// A date as ACLED writes it: `2016-12-13`, or `13 December 2016` in older exports.
pub(crate) fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    let raw = parse_required(raw)?;
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%d %B %Y"))
        .map_err(|_| format!("{raw:?} is not a date (2016-12-13 or 13 December 2016)"))
}

fn parse_degrees(raw: &str, max: f64) -> Result<f64, String> {
    let raw = parse_required(raw)?;
    match raw.parse::<f64>() {
        Ok(degrees) if degrees.is_finite() && (-max..=max).contains(&degrees) => Ok(degrees),
        _ => Err(format!("{raw:?} is not a number between -{max} and {max}")),
    }
}

pub(crate) fn parse_latitude(raw: &str) -> Result<f64, String> {
    parse_degrees(raw, 90.0)
}

pub(crate) fn parse_longitude(raw: &str) -> Result<f64, String> {
    parse_degrees(raw, 180.0)
}
