//! The parameters lists and exports share, each taken from the query string in one place:
//! `Paging` (`cursor`, `limit`) and `Filters` (`bbox`, `from`, `to`, `kind`, `grade`,
//! `party`).
//!
//! Each extractor takes its own parameters out of the request's query string and leaves the
//! rest to the extractors after it, so a handler lists them before `AsOf`, whose route query
//! struct still refuses any parameter nobody took. The route table reads off a handler's type
//! which of them it takes and documents their parameters on exactly those routes, as it does
//! for `AsOf` (`openapi::HandlerArgs`); it also refuses a handler that lists one after `AsOf`.
//!
//! What a filter means depends on the record (which instant is "the time of the event",
//! which party is concerned): each route applies them to its own records and says so in
//! its description and in docs/exports.md. A filter a record kind has nothing for is refused
//! with a 400 naming it, never silently ignored (`Filters::refuse`).

use axum::{extract::FromRequestParts, http::request::Parts};
use schemars::JsonSchema;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use truce_core::{Grade, LonLatBox, PartyId, Position, State, Timestamp};

use crate::{extract::take_query, problem::ApiError, read::page_limit, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX};

/// The page of a list: `cursor` and `limit`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    /// The `next_cursor` of the previous page; the first page when absent.
    #[serde(default)]
    #[schemars(with = "String")]
    pub cursor: Option<String>,
    /// Items in the page at the most.
    #[serde(default)]
    #[schemars(with = "u32", range(min = 1, max = PAGE_SIZE_MAX), extend("default" = PAGE_SIZE_DEFAULT))]
    pub limit: Option<u32>,
}

impl Paging {
    /// The parameters `Paging` takes.
    pub const NAMES: [&'static str; 2] = ["cursor", "limit"];

    /// The page size asked for, or the default.
    ///
    /// # Errors
    /// A 400 naming `limit` outside 1..=PAGE_SIZE_MAX.
    pub fn limit(&self) -> Result<usize, ApiError> {
        page_limit(self.limit)
    }

    /// The cursor, or the empty string before the first key.
    pub fn after(&self) -> &str {
        self.cursor.as_deref().unwrap_or("")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let paging: Paging = take_query(parts, &Paging::NAMES)?;
        paging.limit()?;
        Ok(paging)
    }
}

/// The filters as they arrive, and as the document describes them.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterParams {
    /// Only records inside this box, `minLon,minLat,maxLon,maxLat` in degrees (WGS84, the
    /// order of RFC 7946 section 5): a point inside it, edges included, or a line or area
    /// whose bounding box meets it. `minLon` above `maxLon` is a box across the antimeridian.
    #[serde(default)]
    #[schemars(with = "String", example = &"36.9,36.1,37.3,36.3")]
    bbox: Option<String>,
    /// Only records whose time of the event (valid time; each route says which instant that
    /// is) is at or after this instant, RFC 3339.
    #[serde(default)]
    #[schemars(with = "Timestamp")]
    from: Option<String>,
    /// Only records whose time of the event is before this instant, RFC 3339: the interval
    /// is half-open, `[from, to)`.
    #[serde(default)]
    #[schemars(with = "Timestamp")]
    to: Option<String>,
    /// Only records of this kind, by its wire name (an incident's kind, a commitment's kind,
    /// an estimate's kind or `total`; each route says which).
    #[serde(default)]
    kind: Option<String>,
    /// Only records of this grade (an incident's, or its violation's).
    #[serde(default)]
    grade: Option<Grade>,
    /// Only records concerning this party, by id or code (each route says which party a
    /// record concerns: the accused, the bound, the reporting).
    #[serde(default)]
    party: Option<String>,
}

/// A filter some kinds of record have nothing for (every record has a place, a time and a
/// party concerned, if only through its scope or its reporter).
#[derive(Debug, Clone, Copy)]
pub enum Filter {
    Kind,
    Grade,
}

/// `bbox`, `from`/`to`, `kind`, `grade` and `party`, parsed and checked.
#[derive(Debug, Default, Clone)]
pub struct Filters {
    pub bbox: Option<BBox>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    kind: Option<String>,
    pub grade: Option<Grade>,
    party: Option<String>,
}

impl Filters {
    /// The parameters `Filters` takes.
    pub const NAMES: [&'static str; 6] = ["bbox", "from", "to", "kind", "grade", "party"];

    /// Refuses each of `filters` that was given: `what` has nothing it could select by.
    ///
    /// # Errors
    /// A 400 naming the first such parameter.
    pub fn refuse(&self, filters: &[Filter], what: &str) -> Result<(), ApiError> {
        for filter in filters {
            let (name, given) = match filter {
                Filter::Kind => ("kind", self.kind.is_some()),
                Filter::Grade => ("grade", self.grade.is_some()),
            };
            if given {
                return Err(ApiError::bad_request(name, format!("`{name}` does not apply to {what}")));
            }
        }
        Ok(())
    }

    /// `kind` as the route's own kind `K`, parsed from its wire name.
    ///
    /// # Errors
    /// A 400 naming `kind` when it is no `K`, with the values `K` has.
    pub fn kind<K: DeserializeOwned>(&self) -> Result<Option<K>, ApiError> {
        let Some(kind) = &self.kind else {
            return Ok(None);
        };
        serde_json::from_value(serde_json::Value::String(kind.clone()))
            .map(Some)
            .map_err(|err| ApiError::bad_request("kind", format!("`kind` is not valid: {err}")))
    }

    /// Whether the time of the event `at` falls in `[from, to)`.
    pub fn at_in(&self, at: Timestamp) -> bool {
        self.from.is_none_or(|from| from <= at) && self.to.is_none_or(|to| at < to)
    }

    /// Whether `[start, end)` (without end: from `start` on) meets `[from, to)`.
    pub fn overlaps(&self, start: Option<Timestamp>, end: Option<Timestamp>) -> bool {
        let starts_before_to = match (start, self.to) {
            (Some(start), Some(to)) => start < to,
            _ => true,
        };
        let ends_after_from = match (end, self.from) {
            (Some(end), Some(from)) => from < end,
            _ => true,
        };
        starts_before_to && ends_after_from
    }

    /// Whether `position` is inside `bbox` (any position is, without one).
    pub fn holds(&self, position: Position) -> bool {
        self.bbox.is_none_or(|bbox| bbox.contains(position))
    }

    /// Whether the bounding box of `positions` meets `bbox` (anything does, without one).
    pub fn meets<'a>(&self, positions: impl IntoIterator<Item = &'a Position>) -> bool {
        let Some(bbox) = self.bbox else {
            return true;
        };
        BBox::around(positions).is_some_and(|around| bbox.meets(&around))
    }

    /// The party `party` names, by id or code, in `state`.
    ///
    /// # Errors
    /// A 400 naming `party` when no party recorded has that id or code.
    pub fn party(&self, state: &State) -> Result<Option<PartyId>, ApiError> {
        let Some(party) = &self.party else {
            return Ok(None);
        };
        let found =
            state.coordination.parties.values().find(|p| *p.party_id.text() == *party || p.code.as_str() == party);
        match found {
            Some(found) => Ok(Some(found.party_id.clone())),
            None => Err(ApiError::bad_request("party", format!("no party has the id or code `{party}`"))),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Filters {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let params: FilterParams = take_query(parts, &Filters::NAMES)?;
        let time = |name: &str, raw: Option<&str>| {
            raw.map(|raw| Timestamp::parse(raw).map_err(|err| ApiError::bad_request(name, err.to_string()))).transpose()
        };
        let from = time("from", params.from.as_deref())?;
        let to = time("to", params.to.as_deref())?;
        if let (Some(from), Some(to)) = (from, to) {
            if to <= from {
                return Err(ApiError::bad_request("to", format!("`to` ({to}) must be after `from` ({from})")));
            }
        }
        let bbox = params.bbox.as_deref().map(BBox::parse).transpose()?;
        Ok(Filters { bbox, from, to, kind: params.kind, grade: params.grade, party: params.party })
    }
}

/// A box in degrees, `min_lon,min_lat,max_lon,max_lat`; across the antimeridian when
/// `min_lon > max_lon` (RFC 7946 section 5.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    /// # Errors
    /// A 400 naming `bbox` unless it is four numbers, longitudes in [-180, 180], latitudes in
    /// [-90, 90], the southern at most the northern.
    pub fn parse(raw: &str) -> Result<BBox, ApiError> {
        let refuse =
            |why: String| ApiError::bad_request("bbox", format!("`bbox` must be minLon,minLat,maxLon,maxLat: {why}"));
        let numbers: Vec<&str> = raw.split(',').map(str::trim).collect();
        let [min_lon, min_lat, max_lon, max_lat] = numbers.as_slice() else {
            return Err(refuse(format!("{} values given, not 4", numbers.len())));
        };
        let number = |name: &str, text: &str, bound: f64| {
            let value: f64 = text.parse().map_err(|_| refuse(format!("{name} `{text}` is not a number")))?;
            // `contains` is false for NaN, so this also refuses non-finite values.
            match (-bound..=bound).contains(&value) {
                true => Ok(value),
                false => Err(refuse(format!("{name} {value} is outside [-{bound}, {bound}]"))),
            }
        };
        let bbox = BBox {
            min_lon: number("minLon", min_lon, 180.0)?,
            min_lat: number("minLat", min_lat, 90.0)?,
            max_lon: number("maxLon", max_lon, 180.0)?,
            max_lat: number("maxLat", max_lat, 90.0)?,
        };
        if bbox.min_lat > bbox.max_lat {
            return Err(refuse(format!("minLat {} is north of maxLat {}", bbox.min_lat, bbox.max_lat)));
        }
        Ok(bbox)
    }

    /// The bounding box of `positions`, never across the antimeridian; `None` for none.
    pub fn around<'a>(positions: impl IntoIterator<Item = &'a Position>) -> Option<BBox> {
        let mut positions = positions.into_iter();
        let first = positions.next()?;
        let start = BBox { min_lon: first.lon(), min_lat: first.lat(), max_lon: first.lon(), max_lat: first.lat() };
        Some(positions.fold(start, |b, p| BBox {
            min_lon: b.min_lon.min(p.lon()),
            min_lat: b.min_lat.min(p.lat()),
            max_lon: b.max_lon.max(p.lon()),
            max_lat: b.max_lat.max(p.lat()),
        }))
    }

    pub fn contains(&self, position: Position) -> bool {
        let lat = (self.min_lat..=self.max_lat).contains(&position.lat());
        lat && self.lon_ranges().any(|(min, max)| (min..=max).contains(&position.lon()))
    }

    /// Whether this box and `other` share a point.
    pub fn meets(&self, other: &BBox) -> bool {
        let lat = self.min_lat <= other.max_lat && other.min_lat <= self.max_lat;
        lat && self
            .lon_ranges()
            .any(|(min, max)| other.lon_ranges().any(|(other_min, other_max)| min <= other_max && other_min <= max))
    }

    /// The box as boxes that do not cross the antimeridian: one, or two.
    pub(crate) fn lon_lat_boxes(&self) -> Vec<LonLatBox> {
        let (min_lat, max_lat) = (self.min_lat, self.max_lat);
        self.lon_ranges().map(|(min_lon, max_lon)| LonLatBox { min_lon, min_lat, max_lon, max_lat }).collect()
    }

    /// The longitudes covered, as one range, or two across the antimeridian.
    /// Without a vector: `contains` is asked of every incident a plan reads (16,000 for a page
    /// of all five filters in a city's box), and each was an allocation.
    pub(crate) fn lon_ranges(&self) -> impl Iterator<Item = (f64, f64)> {
        let (first, across) = match self.min_lon <= self.max_lon {
            true => ((self.min_lon, self.max_lon), None),
            false => ((self.min_lon, 180.0), Some((-180.0, self.max_lon))),
        };
        std::iter::once(first).chain(across)
    }
}
