//! Exports: every incident, violation, passage, count, commitment and corridor window the
//! viewer may read, as one file, in GeoJSON (RFC 7946), CSV (RFC 4180) or HXL-tagged CSV
//! (docs/exports.md).
//!
//! An export is streamed in constant memory. The handler takes the state once (an `Arc` of
//! the projection as known at `known_at`, `AsOf::snapshot`), checks the filters against it,
//! and answers with a body that renders `ROWS_PER_CHUNK` rows at a time as the client reads
//! (fewer in the first chunks, `FIRST_CHUNK_ROWS`, so that a download starts soon):
//! the writer goes on with a copy of its own while the snapshot is held, so a long download
//! sees one state from its first row to its last and never holds the writer up. Nothing
//! builds the whole file, nor a list of the records to write: each chunk takes up, in key
//! order, after the last key the previous chunk reached.
//!
//! Rows are those of the list routes and map layers (the same views, the same read policy:
//! a violation of a humanitarian notification is in no export, `docs/visibility.md`), and the
//! same `Filters` select them (`select.rs`). Columns are flat, one feature or line per row,
//! names beside ids, lists comma-separated; the GeoJSON properties and the CSV columns are the
//! same, in the same order.

mod tables;

use std::sync::Arc;

use axum::{
    body::{Body, Bytes},
    http::header,
    response::Response,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use truce_core::State;

use crate::{
    as_of::AsOf,
    filters::Filters,
    problem::ApiError,
    read::{FeatureTag, GEOJSON_CONTENT_TYPE},
};

pub(crate) use self::tables::{estimate_row, total_row};
pub use self::tables::{
    CommitmentRow, CommitmentsTable, CorridorsTable, CountRow, CountsTable, ExportGeometry, IncidentsTable, PassageRow,
    PassagesTable, ViolationsTable,
};

/// The media type of the CSV exports (RFC 4180 section 3, RFC 7111), HXL-tagged or not.
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8; header=present";
/// The media type alone, as the document lists it.
pub const CSV_MEDIA_TYPE: &str = "text/csv";

/// Rows rendered into one chunk of the body, at the most.
pub const ROWS_PER_CHUNK: usize = 256;

/// Rows rendered into the first chunk, at the most; each chunk after it may hold twice as
/// many as the one before, up to `ROWS_PER_CHUNK`. The first bytes of a download come after
/// a few dozen rows are rendered rather than a few hundred (some 1.3 ms for 256 incidents
/// at a million), and a client that leaves early (a browser's cancelled download, a program
/// that reads the header) leaves less rendered for nothing. A whole export costs the same.
pub const FIRST_CHUNK_ROWS: usize = 32;

/// Records looked at for one chunk, at the most: a filter that selects few records still
/// yields a chunk (perhaps empty) after this many, so that no chunk's work is unbounded.
pub const RECORDS_SCANNED_PER_CHUNK_MAX: usize = 4096;

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// A GeoJSON FeatureCollection (RFC 7946), `application/geo+json`: one feature per
    /// row, `null` geometry where the record has none.
    Geojson,
    /// CSV (RFC 4180) with a header row.
    Csv,
    /// HXL-tagged CSV: the header row, then a row of HXL hashtags (docs/exports.md).
    Hxl,
}

/// The query of an export, besides the filters, `at` and `known_at`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `geojson`, `csv` or `hxl` (HXL-tagged CSV).
    pub format: ExportFormat,
}

/// One row of an export: its feature's id, its geometry, and its flat columns.
pub struct Item<R> {
    pub id: String,
    pub geometry: Option<ExportGeometry>,
    pub row: R,
}

/// A kind of record, as an export writes it.
pub trait Table: Send + 'static {
    type Row: Serialize;
    /// Where the previous chunk stopped.
    type Cursor: Default + Send;
    /// The file name's stem.
    const NAME: &'static str;
    /// The columns, each with its HXL hashtag, in the order of `Row`'s fields.
    const COLUMNS: &'static [(&'static str, &'static str)];

    /// Pushes the rows of the next records after `cursor` (at most `records_max` of them,
    /// about `rows_max` rows), moving `cursor` on; true when no record is left.
    fn next_rows(
        &self,
        state: &State,
        cursor: &mut Self::Cursor,
        records_max: usize,
        rows_max: usize,
        out: &mut Vec<Item<Self::Row>>,
    ) -> bool;
}

/// The streamed answer: `table` rendered from `state` in `format`, as an attachment.
pub fn respond<T: Table>(state: Arc<State>, table: T, format: ExportFormat) -> Response {
    let (content_type, extension) = match format {
        ExportFormat::Geojson => (GEOJSON_CONTENT_TYPE, "geojson"),
        ExportFormat::Csv => (CSV_CONTENT_TYPE, "csv"),
        ExportFormat::Hxl => (CSV_CONTENT_TYPE, "hxl.csv"),
    };
    let disposition = format!("attachment; filename=\"truce-{}.{extension}\"", T::NAME);
    let body = Body::from_stream(yielding(chunks(state, table, format)));
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    if let Ok(value) = header::HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The chunks as a stream that gives the task back after each one, so that the connection
/// writes it before the next is rendered. A stream always ready (`stream::iter`) is read on
/// by hyper until its write buffer is full, about 400 KB, before anything is sent: the first
/// bytes of a large export came 10 to 15 ms after the request, the time to render that much.
pub(crate) fn yielding<I: Iterator + Send>(chunks: I) -> impl futures_util::Stream<Item = I::Item> + Send {
    futures_util::stream::unfold((chunks, false), |(mut chunks, rendered_one)| async move {
        if rendered_one {
            tokio::task::yield_now().await;
        }
        chunks.next().map(|chunk| (chunk, (chunks, true)))
    })
}

/// The chunks of an export, rendered one at a time as they are asked for.
pub fn chunks<T: Table>(
    state: Arc<State>,
    table: T,
    format: ExportFormat,
) -> impl Iterator<Item = Result<Bytes, RowNotWritten>> + Send {
    Chunks {
        state,
        table,
        format,
        cursor: T::Cursor::default(),
        started: false,
        rows_written: 0,
        rows_max: FIRST_CHUNK_ROWS,
        done: false,
    }
}

/// The state an export is rendered from, as known at `known_at` and, for incidents and
/// violations asked `at` an instant, the monitoring record as it stood then (as the list
/// routes read it, `monitoring::read_monitoring`).
///
/// # Errors
/// `Internal` when the log cannot be read back.
pub fn snapshot<Q>(as_of: &AsOf<Q>, monitoring_as_of: bool) -> Result<Arc<State>, ApiError> {
    let state = as_of.snapshot()?;
    match (monitoring_as_of, as_of.asked_at()) {
        (true, Some(at)) => Ok(Arc::new(state.as_of(at))),
        (true, None) | (false, _) => Ok(state),
    }
}

struct Chunks<T: Table> {
    state: Arc<State>,
    table: T,
    format: ExportFormat,
    cursor: T::Cursor,
    started: bool,
    rows_written: u64,
    /// Rows the next chunk may hold: `FIRST_CHUNK_ROWS`, doubled after each chunk up to
    /// `ROWS_PER_CHUNK`.
    rows_max: usize,
    done: bool,
}

impl<T: Table> Iterator for Chunks<T> {
    type Item = Result<Bytes, RowNotWritten>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut buffer = Vec::new();
        if !self.started {
            self.started = true;
            start(&mut buffer, self.format, T::COLUMNS);
        }
        let mut items = Vec::new();
        let done = self.table.next_rows(
            &self.state,
            &mut self.cursor,
            RECORDS_SCANNED_PER_CHUNK_MAX,
            self.rows_max,
            &mut items,
        );
        self.rows_max = (self.rows_max * 2).min(ROWS_PER_CHUNK);
        for item in &items {
            if let Err(err) = write_item(&mut buffer, self.format, item, self.rows_written == 0) {
                // The body ends in an error, so the client sees a failed download rather
                // than a file that quietly lacks a row.
                tracing::error!(%err, "an export stops at a row it cannot write");
                self.done = true;
                return Some(Err(err));
            }
            self.rows_written += 1;
        }
        if done {
            self.done = true;
            if self.format == ExportFormat::Geojson {
                buffer.extend_from_slice(b"]}\n");
            }
        }
        Some(Ok(Bytes::from(buffer)))
    }
}

/// What comes before the first row: the collection's opening, or the header row (and the
/// hashtag row).
fn start(buffer: &mut Vec<u8>, format: ExportFormat, columns: &[(&str, &str)]) {
    match format {
        ExportFormat::Geojson => buffer.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[\n"),
        ExportFormat::Csv => csv_record(buffer, columns.iter().map(|(name, _)| *name)),
        ExportFormat::Hxl => {
            csv_record(buffer, columns.iter().map(|(name, _)| *name));
            csv_record(buffer, columns.iter().map(|(_, tag)| *tag));
        }
    }
}

fn csv_record<'a>(buffer: &mut Vec<u8>, fields: impl Iterator<Item = &'a str>) {
    let mut writer = csv_writer(buffer);
    // Writing to memory cannot fail.
    let _ = writer.write_record(fields);
    let _ = writer.flush();
}

fn csv_writer(buffer: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    // RFC 4180: CRLF line ends; quoted only where a field needs it.
    csv::WriterBuilder::new().has_headers(false).terminator(csv::Terminator::CRLF).from_writer(buffer)
}

/// A feature as written: `Feature` of `read/`, by reference.
#[derive(Serialize)]
struct FeatureOut<'a, R> {
    #[serde(rename = "type")]
    kind: FeatureTag,
    id: &'a str,
    geometry: &'a Option<ExportGeometry>,
    properties: &'a R,
}

/// A row that cannot be written in the export's format: a bug in the row's type (our rows
/// are plain data), which ends the export.
#[derive(Debug, thiserror::Error)]
#[error("row {id} cannot be written as {format:?}: {reason}")]
pub struct RowNotWritten {
    id: String,
    format: ExportFormat,
    reason: String,
}

fn write_item<R: Serialize>(
    buffer: &mut Vec<u8>,
    format: ExportFormat,
    item: &Item<R>,
    first: bool,
) -> Result<(), RowNotWritten> {
    let failed = |reason: String| RowNotWritten { id: item.id.clone(), format, reason };
    match format {
        ExportFormat::Geojson => {
            if !first {
                buffer.extend_from_slice(b",\n");
            }
            let feature =
                FeatureOut { kind: FeatureTag::Feature, id: &item.id, geometry: &item.geometry, properties: &item.row };
            serde_json::to_writer(&mut *buffer, &feature).map_err(|err| failed(err.to_string()))
        }
        ExportFormat::Csv | ExportFormat::Hxl => {
            let mut writer = csv_writer(buffer);
            writer.serialize(&item.row).map_err(|err| failed(err.to_string()))?;
            writer.flush().map_err(|err| failed(err.to_string()))
        }
    }
}

/// The handlers: one route per kind of record (`openapi/routes.rs`).
pub async fn incidents(filters: Filters, as_of: AsOf<ExportQuery>) -> Result<Response, ApiError> {
    let state = snapshot(&as_of, true)?;
    let table = IncidentsTable::new(filters, &state)?;
    Ok(respond(state, table, as_of.query.format))
}

pub async fn violations(filters: Filters, as_of: AsOf<ExportQuery>) -> Result<Response, ApiError> {
    let state = snapshot(&as_of, true)?;
    let table = ViolationsTable::new(filters, &state)?;
    Ok(respond(state, table, as_of.query.format))
}

pub async fn passages(filters: Filters, as_of: AsOf<ExportQuery>) -> Result<Response, ApiError> {
    let state = snapshot(&as_of, false)?;
    let table = PassagesTable::new(filters, &state, as_of.at)?;
    Ok(respond(state, table, as_of.query.format))
}

pub async fn counts(filters: Filters, as_of: AsOf<ExportQuery>) -> Result<Response, ApiError> {
    let state = snapshot(&as_of, false)?;
    let table = CountsTable::new(filters, &state, as_of.at)?;
    Ok(respond(state, table, as_of.query.format))
}

pub async fn commitments(filters: Filters, as_of: AsOf<ExportQuery>) -> Result<Response, ApiError> {
    let state = snapshot(&as_of, false)?;
    let table = CommitmentsTable::new(filters, &state, as_of.at)?;
    Ok(respond(state, table, as_of.query.format))
}

pub async fn corridors(filters: Filters, as_of: AsOf<ExportQuery>) -> Result<Response, ApiError> {
    let state = snapshot(&as_of, false)?;
    let table = CorridorsTable::new(filters, &state, as_of.at)?;
    Ok(respond(state, table, as_of.query.format))
}
