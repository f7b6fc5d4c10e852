//! A whole ACLED export read for `truce import`: every row checked, every bad one kept with
//! its line and column, so that a file is either imported whole or not at all.

use std::{
    collections::{HashMap, HashSet},
    fmt,
    io::Read,
};

use truce_core::{Name, Position, Reason};

use crate::acled::{
    mapping::{self, Becomes},
    parse_code, parse_date, parse_latitude, parse_longitude, parse_required, AcledEvent,
};

/// The columns an import reads and cannot do without.
pub const REQUIRED: [&str; 10] = [
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "fatalities",
];

/// One good row.
#[derive(Debug, Clone)]
pub struct Row {
    pub event: AcledEvent,
    pub event_type: String,
    pub sub_event_type: String,
    pub becomes: Becomes,
    /// `source` split at its semicolons, each name once, in the order given; empty when the
    /// row names none.
    pub sources: Vec<Name>,
    /// `notes`, or else what and where (`Shelling/artillery/missile attack in Bustan al-Qasr, Aleppo, Syria`).
    pub description: Reason,
    pub notes: String,
    pub fatalities: u32,
}

/// A bad row (or header): its line as an editor shows it, the column, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub column: Option<&'static str>,
    pub why: String,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(f, "{}: column `{column}`: {}", self.line, self.why),
            None => write!(f, "{}: {}", self.line, self.why),
        }
    }
}

/// What a file holds: its good rows, and its bad ones in line order.
#[derive(Debug, Default)]
pub struct Rows {
    pub good: Vec<Row>,
    pub bad: Vec<BadRow>,
}

/// Reads and checks every row.
///
/// # Errors
/// A header that lacks a required column (the one bad row then), or a read that failed.
pub fn read_all<R: Read>(reader: R) -> anyhow::Result<Rows> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(reader);
    let mut rows = Rows::default();
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(err) => {
            rows.bad.push(BadRow { line: 1, column: None, why: format!("the header cannot be read: {err}") });
            return Ok(rows);
        }
    };
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (position, name) in headers.iter().enumerate() {
        index.entry(name).or_insert(position);
    }
    let missing: Vec<String> =
        REQUIRED.iter().filter(|name| !index.contains_key(**name)).map(|name| format!("`{name}`")).collect();
    if !missing.is_empty() {
        let why = format!(
            "the header lacks the column{} {} that an ACLED import needs (docs/acled.md)",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        );
        rows.bad.push(BadRow { line: 1, column: None, why });
        return Ok(rows);
    }
    let mut first_line_by_id: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(rows),
            Err(err) => match (err.position(), err.kind()) {
                (Some(position), csv::ErrorKind::Utf8 { .. }) => {
                    rows.bad.push(BadRow { line: position.line(), column: None, why: "not UTF-8 text".to_owned() });
                    continue;
                }
                _ => return Err(anyhow::anyhow!("{err}")),
            },
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() != headers.len() {
            let why = format!("{} fields, where the header has {}", record.len(), headers.len());
            rows.bad.push(BadRow { line, column: None, why });
            continue;
        }
        match parse_row(&record, &index, line) {
            Ok(row) => match first_line_by_id.get(&row.event.event_id_cnty) {
                Some(first_line) => rows.bad.push(BadRow {
                    line,
                    column: Some("event_id_cnty"),
                    why: format!("{:?} is already on line {first_line}", row.event.event_id_cnty),
                }),
                None => {
                    first_line_by_id.insert(row.event.event_id_cnty.clone(), line);
                    rows.good.push(row);
                }
            },
            Err(bad) => rows.bad.extend(bad),
        }
    }
}

/// One row, or every fault it has (one per column).
fn parse_row(record: &csv::StringRecord, index: &HashMap<&str, usize>, line: u64) -> Result<Row, Vec<BadRow>> {
    let get = |name: &str| index.get(name).and_then(|i| record.get(*i)).unwrap_or("");
    let mut bad = Vec::new();
    let event_id_cnty = keep(&mut bad, line, "event_id_cnty", parse_required(get("event_id_cnty")).map(str::to_owned));
    let date = keep(&mut bad, line, "event_date", parse_date(get("event_date")));
    let time_precision = keep(&mut bad, line, "time_precision", parse_code(get("time_precision")));
    let (event_type, sub_event_type) = (get("event_type"), get("sub_event_type"));
    let becomes = match mapping::find(event_type, sub_event_type) {
        Ok(mapping) => Some(mapping.becomes),
        Err(unmapped) => keep(&mut bad, line, unmapped.column, Err(unmapped.why)),
    };
    let latitude = keep(&mut bad, line, "latitude", parse_latitude(get("latitude")));
    let longitude = keep(&mut bad, line, "longitude", parse_longitude(get("longitude")));
    let geo_precision = keep(&mut bad, line, "geo_precision", parse_code(get("geo_precision")));
    let sources = keep(&mut bad, line, "source", parse_sources(get("source")));
    let fatalities = keep(&mut bad, line, "fatalities", parse_fatalities(get("fatalities")));
    let notes = get("notes");
    let description = keep(
        &mut bad,
        line,
        "notes",
        describe(notes, sub_event_type, &[get("location"), get("admin1"), get("country")]),
    );
    let position = match (longitude, latitude) {
        (Some(longitude), Some(latitude)) => {
            keep(&mut bad, line, "latitude", Position::new(longitude, latitude).map_err(|err| err.to_string()))
        }
        _ => None,
    };
    match (event_id_cnty, date, time_precision, becomes, position, geo_precision, sources, fatalities, description) {
        (
            Some(event_id_cnty),
            Some(date),
            Some(time_precision),
            Some(becomes),
            Some(position),
            Some(geo_precision),
            Some(sources),
            Some(fatalities),
            Some(description),
        ) if bad.is_empty() => Ok(Row {
            event: AcledEvent { line, event_id_cnty, date, time_precision, position, geo_precision },
            event_type: event_type.to_owned(),
            sub_event_type: sub_event_type.to_owned(),
            becomes,
            sources,
            description,
            notes: notes.to_owned(),
            fatalities,
        }),
        _ => Err(bad),
    }
}

/// The value of a column, or `None` with its fault kept.
fn keep<T>(bad: &mut Vec<BadRow>, line: u64, column: &'static str, outcome: Result<T, String>) -> Option<T> {
    match outcome {
        Ok(value) => Some(value),
        Err(why) => {
            bad.push(BadRow { line, column: Some(column), why });
            None
        }
    }
}

/// ACLED's `source`: names separated by semicolons (`SOHR; Step News Agency`).
fn parse_sources(raw: &str) -> Result<Vec<Name>, String> {
    let mut seen = HashSet::new();
    let mut names = Vec::new();
    for part in raw.split(';').map(str::trim).filter(|part| !part.is_empty()) {
        let name = Name::parse(part).map_err(|err| format!("source {part:?}: {err}"))?;
        if seen.insert(part.to_lowercase()) {
            names.push(name);
        }
    }
    Ok(names)
}

fn parse_fatalities(raw: &str) -> Result<u32, String> {
    let raw = parse_required(raw)?;
    raw.parse().map_err(|_| format!("{raw:?} is not a whole number of 0 or more"))
}

/// The incident's description: ACLED's notes, or, when it has none, the sub-event type and
/// the place.
fn describe(notes: &str, sub_event_type: &str, place: &[&str]) -> Result<Reason, String> {
    if !notes.is_empty() {
        return Reason::parse(notes).map_err(|err| err.to_string());
    }
    let place: Vec<&str> = place.iter().copied().filter(|part| !part.is_empty()).collect();
    let text = match place.is_empty() {
        true => sub_event_type.to_owned(),
        false => format!("{sub_event_type} in {}", place.join(", ")),
    };
    Reason::parse(&text).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "event_id_cnty,event_date,time_precision,event_type,sub_event_type,latitude,longitude,\
                          geo_precision,source,fatalities,notes";

    fn read(body: &str) -> Rows {
        read_all(format!("{HEADER}\n{body}").as_bytes()).expect("a readable file")
    }

    #[test]
    fn a_good_row_is_read_with_its_sources_once_each() {
        let rows = read(
            "SYR1,2016-12-13,1,Explosions/Remote violence,Air/drone strike,36.2,37.15,1,SOHR; Step News; sohr,3,\
             \"Strikes hit Bustan al-Qasr, killing 3.\"\n",
        );
        assert!(rows.bad.is_empty(), "{:?}", rows.bad);
        let row = &rows.good[0];
        let sources: Vec<&str> = row.sources.iter().map(Name::as_str).collect();
        assert_eq!(sources, ["SOHR", "Step News"]);
        assert_eq!(row.fatalities, 3);
        assert_eq!(row.description.as_str(), "Strikes hit Bustan al-Qasr, killing 3.");
    }

    /// Every fault of every row, with the line an editor shows: a quoted note over two
    /// lines moves the lines after it.
    #[test]
    fn every_bad_row_and_column_is_named_by_its_line() {
        let rows = read(
            "SYR1,2016-12-13,1,Battles,Armed clash,36.2,37.15,1,SOHR,0,\"two\nlines\"\n\
             SYR2,2016-12-13,4,Battles,Armed clash,95,37.15,1,SOHR,-1,\n\
             SYR1,2016-12-13,1,Battles,Ambush,36.2,37.15,1,SOHR,0,\n\
             SYR3,2016-12-13,1\n",
        );
        let lines: Vec<String> = rows.bad.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "4: column `time_precision`: \"4\" is not a precision code 1, 2 or 3",
                "4: column `latitude`: \"95\" is not a number between -90 and 90",
                "4: column `fatalities`: \"-1\" is not a whole number of 0 or more",
                "5: column `sub_event_type`: \"Ambush\" is not a sub-event type of \"Battles\" in the mapping table (docs/acled.md)",
                "6: 3 fields, where the header has 11",
            ]
        );
        assert_eq!(rows.good.len(), 1);
    }

    #[test]
    fn the_same_event_twice_is_refused_on_its_second_line() {
        let rows = read(
            "SYR1,2016-12-13,1,Battles,Armed clash,36.2,37.15,1,SOHR,0,\n\
             SYR1,2016-12-14,1,Battles,Armed clash,36.2,37.15,1,SOHR,0,\n",
        );
        assert_eq!(rows.bad[0].to_string(), "3: column `event_id_cnty`: \"SYR1\" is already on line 2");
    }

    /// Spreadsheets save CSV with a byte order mark; the first column is still found.
    #[test]
    fn a_byte_order_mark_before_the_header_is_ignored() {
        let rows = read_all(
            format!("\u{feff}{HEADER}\nSYR1,2016-12-13,1,Battles,Armed clash,36.2,37.15,1,SOHR,0,\n").as_bytes(),
        )
        .expect("readable");
        assert!(rows.bad.is_empty(), "{:?}", rows.bad);
        assert_eq!(rows.good.len(), 1);
    }

    #[test]
    fn a_header_without_the_columns_needed_names_them() {
        let rows = read_all("event_id_cnty,event_date,latitude,longitude\n".as_bytes()).expect("readable");
        assert_eq!(
            rows.bad[0].to_string(),
            "1: the header lacks the columns `time_precision`, `event_type`, `sub_event_type`, `geo_precision`, \
             `source`, `fatalities` that an ACLED import needs (docs/acled.md)"
        );
    }
}
