//! ACLED's standard CSV export, read row by row into events, which `truce match` probes
//! (docs/acled.md says how the precision codes become a time and a radius).
//!
//! Every bad row is named by its line and column (`line 12, column geo_precision: ...`); the
//! columns read are found by name in the header, in any order, and the others are ignored.

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
    let bad = |name: &str, why: String| anyhow!("line {line}, column {name}: {why}");
    let required = |name: &str| match get(name) {
        "" => Err(bad(name, "empty".to_owned())),
        value => Ok(value),
    };
    let code = |name: &str| -> anyhow::Result<u8> {
        match required(name)? {
            "1" => Ok(1),
            "2" => Ok(2),
            "3" => Ok(3),
            other => Err(bad(name, format!("{other:?} is not a precision code 1, 2 or 3"))),
        }
    };
    let degrees = |name: &str| -> anyhow::Result<f64> {
        let raw = required(name)?;
        raw.parse().map_err(|_| bad(name, format!("{raw:?} is not a number")))
    };
    let raw_date = required("event_date")?;
    let date = NaiveDate::parse_from_str(raw_date, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw_date, "%d %B %Y"))
        .map_err(|_| bad("event_date", format!("{raw_date:?} is not a date (2016-12-13 or 13 December 2016)")))?;
    let (lon, lat) = (degrees("longitude")?, degrees("latitude")?);
    let position = Position::new(lon, lat).map_err(|err| {
        let column = if (-180.0..=180.0).contains(&lon) { "latitude" } else { "longitude" };
        bad(column, err.to_string())
    })?;
    Ok(AcledEvent {
        line,
        event_id_cnty: required("event_id_cnty")?.to_owned(),
        date,
        time_precision: code("time_precision")?,
        position,
        geo_precision: code("geo_precision")?,
    })
}
