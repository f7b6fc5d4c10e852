//! Figures from different sources, side by side: every organisation's counts of the same
//! thing, each with its valid time, never merged, averaged or picked between.
//!
//! Figures are grouped by the organisation that decides their source's independence (its
//! `independence`, or its own `organisation`), compared by `organisation_key`: "UN OCHA",
//! "un ocha" and " UN  OCHA" are one organisation. Within an organisation, each series (one
//! question: people moving out through a corridor, counted cumulatively; people trapped in a
//! zone) has its history, ordered by valid time, and its latest figure.

use std::collections::BTreeMap;

use crate::{
    monitoring::model::{organisation_key, Basis, Count, Destination, Direction, EstimateKind, SourceReport},
    monitoring::record::{EstimateRecord, IncidentRecord, Monitoring, PassageRecord, TotalRecord},
    vocab::ids::{ConvoyId, CorridorId, ZoneId},
    vocab::text::Name,
    vocab::time::Timestamp,
};

/// One organisation's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Side<K, T> {
    /// The organisation as the first of its figures recorded names it.
    pub organisation: Name,
    /// What its names share (`organisation_key`).
    pub key: String,
    /// One per question it gave figures on, in the order of `K`.
    pub series: Vec<Series<K, T>>,
}

/// An organisation's figures on one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<K, T> {
    pub about: K,
    /// The latest figure by valid time: the last of `history`.
    pub latest: T,
    /// Every figure, oldest valid time first (of two at one valid time, the earlier
    /// published, then the earlier recorded).
    pub history: Vec<T>,
}

/// Groups `figures` by organisation (sorted by key), then by `about` (sorted), each series
/// in the order of `order`. `recorded_at` picks the name an organisation is shown by.
pub(crate) fn side_by_side<T: Clone, K: Ord, O: Ord>(
    figures: impl IntoIterator<Item = T>,
    source: impl Fn(&T) -> &SourceReport,
    recorded_at: impl Fn(&T) -> Timestamp,
    about: impl Fn(&T) -> K,
    order: impl Fn(&T) -> O,
) -> Vec<Side<K, T>> {
    let mut figures: Vec<T> = figures.into_iter().collect();
    figures.sort_by_key(|figure| order(figure));
    // By organisation key: its name as first recorded (stable as figures arrive; of two
    // recorded at one instant, the earlier by valid time), and its series.
    let mut sides: BTreeMap<String, Gathered<K, T>> = BTreeMap::new();
    for figure in figures {
        let source = source(&figure);
        let organisation = source.independence.as_ref().unwrap_or(&source.organisation);
        let at = recorded_at(&figure);
        let side = sides.entry(organisation_key(organisation.as_str())).or_insert_with(|| Gathered {
            name: organisation.clone(),
            first_recorded_at: at,
            series: BTreeMap::new(),
        });
        if at < side.first_recorded_at {
            (side.name, side.first_recorded_at) = (organisation.clone(), at);
        }
        side.series.entry(about(&figure)).or_default().push(figure);
    }
    sides
        .into_iter()
        .map(|(key, Gathered { name: organisation, series, .. })| Side {
            organisation,
            key,
            series: series
                .into_iter()
                .filter_map(|(about, history)| Some(Series { about, latest: history.last()?.clone(), history }))
                .collect(),
        })
        .collect()
}

/// An organisation's figures as they are gathered.
struct Gathered<K, T> {
    name: Name,
    first_recorded_at: Timestamp,
    series: BTreeMap<K, Vec<T>>,
}

/// A figure of movement through a corridor: a passage, or a reported total.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Movement<'a> {
    Passage(&'a PassageRecord),
    Total(&'a TotalRecord),
}

impl<'a> Movement<'a> {
    pub fn count(&self) -> &'a Count {
        match self {
            Movement::Passage(passage) => &passage.count,
            Movement::Total(total) => &total.count,
        }
    }

    /// A total counts people evacuated: leaving, outbound.
    pub fn direction(&self) -> Direction {
        match self {
            Movement::Passage(passage) => passage.direction,
            Movement::Total(_) => Direction::Outbound,
        }
    }

    pub fn recorded_at(&self) -> Timestamp {
        match self {
            Movement::Passage(passage) => passage.recorded_at,
            Movement::Total(total) => total.recorded_at,
        }
    }
}

/// The question a movement figure answers: people moving which way, counted how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MovementSeries {
    pub direction: Direction,
    pub basis: Basis,
}

/// The question a population estimate answers: how many of which kind, going where (the
/// destination's `destination_key`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PopulationSeries {
    pub kind: EstimateKind,
    pub destination: Option<String>,
}

impl Monitoring {
    /// Movement through a corridor as given by valid time `at`, side by side by
    /// organisation: its passages, and the totals reported for it, or for its origin zone
    /// without naming a corridor.
    pub fn movement(
        &self,
        corridor_id: &CorridorId,
        origin_zone_id: &ZoneId,
        at: Timestamp,
    ) -> Vec<Side<MovementSeries, Movement<'_>>> {
        let passages = self
            .passages
            .values()
            .filter(|p| &p.corridor_id == corridor_id && p.count.given_by(at))
            .map(Movement::Passage);
        let totals = self
            .totals
            .values()
            .filter(|t| match &t.scope.corridor_id {
                Some(id) => id == corridor_id,
                None => t.scope.zone_id.as_ref() == Some(origin_zone_id),
            })
            .filter(|t| t.count.given_by(at))
            .map(Movement::Total);
        side_by_side(
            passages.chain(totals),
            |figure| &figure.count().source,
            Movement::recorded_at,
            |figure| MovementSeries { direction: figure.direction(), basis: figure.count().basis },
            |figure| (figure.count().as_of(), figure.count().source.published_at, figure.recorded_at()),
        )
    }

    /// A zone's population estimates as given by valid time `at`, side by side by
    /// organisation, a series for each kind and destination.
    pub fn population(&self, zone_id: &ZoneId, at: Timestamp) -> Vec<Side<PopulationSeries, &EstimateRecord>> {
        side_by_side(
            self.estimates.values().filter(|e| &e.zone_id == zone_id && e.given_by(at)),
            |estimate| &estimate.source,
            |estimate| estimate.recorded_at,
            |estimate| PopulationSeries {
                kind: estimate.kind,
                destination: estimate.destination.as_ref().map(destination_key),
            },
            |estimate| (estimate.as_of, estimate.source.published_at, estimate.recorded_at),
        )
    }

    /// The passages that name the convoy, given by valid time `at`, in the order of their
    /// ids.
    pub fn convoy_passages(&self, convoy_id: &ConvoyId, at: Timestamp) -> Vec<&PassageRecord> {
        self.passages.values().filter(|p| p.convoy_id.as_ref() == Some(convoy_id) && p.count.given_by(at)).collect()
    }

    /// The incidents whose current revision says they struck the convoy and that had begun
    /// by valid time `at`, in the order of their ids.
    pub fn convoy_incidents(&self, convoy_id: &ConvoyId, at: Timestamp) -> Vec<&IncidentRecord> {
        self.incidents
            .values()
            .filter(|i| i.current().convoy_id.as_ref() == Some(convoy_id) && i.current().when.start <= at)
            .collect()
    }
}

/// What two destinations that are one place share: the zone, when one is named; otherwise
/// the place's name, compared as organisations' names are (`organisation_key`).
pub fn destination_key(destination: &Destination) -> String {
    match &destination.zone_id {
        Some(zone_id) => format!("zone {zone_id}"),
        None => format!("place {}", organisation_key(destination.name.as_str())),
    }
}
