//! What each filter of `Filters` selects, per kind of record: one place for the list
//! routes, the map layers and the exports, so that a record a list shows is the record the
//! export of the same query writes.
//!
//! | record | `bbox` | `from`/`to` (the time of the event) | `kind` | `grade` | `party` |
//! |---|---|---|---|---|---|
//! | incident | its position | its start (`when.start`) | its kind | its grade | answers for a force accused of it |
//! | violation | its incident's position | its incident's start | its incident's kind | the violation's grade | one of its parties (the bound party, those answering for the perpetrator) |
//! | passage | its corridor's route | the instant its count describes (`count.as_of`) | refused | refused | its observer's party |
//! | count (total or estimate) | its corridor's route or its zone's boundary | the instant it describes | `total`, or the estimate's kind | refused | its reporter's party |
//! | commitment | its corridor's route or its zone's boundary | its window meets `[from, to)` (none: always) | its kind | refused | the bound party |
//! | corridor window | its route | the window meets `[from, to)` (no window: always) | refused | refused | a signatory of its agreement's latest version |
//!
//! docs/exports.md says the same for users.
//!
//! Incidents and violations are also found here, by a small planner over the core's incident
//! index (`IncidentIndex`: by start, by square of a grid, by kind) and its verdicts kept per
//! incident (`Verdicts`: by grade, by accused force; docs/reads.md), and for violations the
//! squares where an incident can have one of a commitment, the only ones lists show
//! (`State::commitment_violations_reach`): each
//! index the filters can use says how many incidents it could select, and when the smallest
//! is small, the one cheapest to read to the end of a page gives the candidates; otherwise
//! every incident is walked in id order, and a
//! filter that selects many finds a page soon. Either way the filter decides, so both give
//! exactly the records a walk over all would.

use std::{collections::BTreeSet, ops::Bound};

use truce_core::{
    AccountId, CorridorId, EstimateRecord, ForceId, GridCell, IncidentId, IncidentKey, IncidentKind, IncidentRecord,
    LonLatBox, PartyId, PassageRecord, Placed, Position, Scope, Square, State, TotalRecord, Violation, ZoneId,
};

use crate::{
    filters::{BBox, Filter, Filters},
    problem::ApiError,
};

/// What a filter of incidents selects: the incidents, or their violations. The filters mean
/// the same but `party` (an incident's accused, a violation's parties), so an index of the
/// accused narrows the incidents only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Selects {
    Incidents,
    Violations,
}

/// The filters of incidents and violations, resolved against one state, with the plan that
/// finds their candidates in it.
pub(crate) struct IncidentFilter {
    filters: Filters,
    kind: Option<IncidentKind>,
    party: Option<PartyId>,
    /// The party one of whose forces an incident must be accused of: `party`, for
    /// incidents (a violation's parties are not its incident's accused).
    accused: Option<PartyId>,
    plan: Plan,
}

/// How the incidents a filter may select are found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plan {
    /// Every incident, in id order: no index narrows the query to few.
    Scan,
    /// These incidents, in id order: those in the cells of the index cheapest to read (sets
    /// of keys: hours, a kind, a grade, the accused).
    Candidates(Vec<IncidentKey>),
    /// The incidents of these squares of the grid, when they are the cheapest to read: read in
    /// id order a span of keys at a time, each checked against what its square holds of it,
    /// so that the reading stops with the page rather than gather and sort every one.
    Squares(Vec<GridCell>),
}

impl Plan {
    /// Whether an index narrows the incidents looked at.
    #[cfg(test)]
    pub(crate) fn narrowed(&self) -> bool {
        match self {
            Plan::Scan => false,
            Plan::Candidates(_) | Plan::Squares(_) => true,
        }
    }
}

/// The candidates an index may give at the most: 2 % of the incidents, and at least 1,024.
/// Beyond that a filter selects so many that a walk in id order fills a page sooner than the
/// candidates are sorted (docs/reads.md has the reckoning), unless its filters together
/// select far fewer than any one of them (`narrow_anyway`).
pub(crate) fn candidates_max(incidents_count: usize) -> usize {
    (incidents_count / 50).max(1024)
}

/// How far an index is counted for the estimate of what the filters select together, as a
/// multiple of `candidates_max`: an index broader than that is taken to select everything
/// (which leans to the walk, as before), so that a box over a continent is not counted cell
/// by cell to the end.
const COUNTED_MAX_FACTOR: usize = 16;
/// How much of what a filter selects its reader reads: a page of a list, or all of it (a map
/// layer, an export). A walk in id order suits a page of a broad filter; read to the end, it
/// would look at every incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reads {
    Page(usize),
    All,
}

impl Reads {
    /// The records read, as the planner reckons with them.
    fn reckoned(self) -> f64 {
        match self {
            Reads::Page(limit) => limit.max(1) as f64,
            Reads::All => f64::INFINITY,
        }
    }
}
/// Nanoseconds to gather, sort and check a candidate, and to look at an incident on a walk, at
/// a million incidents (docs/reads.md): a walk goes from record to record of the map and into
/// each one's current revision, a few cache misses each (all five filters of a query in one
/// city walked about 60,000 incidents in 22 ms). With these, one filter's break-even is near
/// 2 % of a million, `candidates_max`'s threshold.
const GATHER_NS: f64 = 60.0;
const WALK_NS: f64 = 300.0;
/// Nanoseconds to look up a gathered candidate's place, time and kind beside the index (a
/// miss in a map of a million) and check them; and to read one in its square of the grid,
/// in order, with them (docs/reads.md).
const LOOKUP_NS: f64 = 300.0;
const SQUARE_READ_NS: f64 = 100.0;

/// How the planner chooses: the threshold, and whether a filter whose every index is broad may
/// still be narrowed by its smallest when the indexes together select few. Tests of the
/// planner set the threshold alone, to force either way.
#[derive(Debug, Clone, Copy)]
struct Limits {
    candidates_max: usize,
    by_combined_share: bool,
    reads: Reads,
}

/// Whether gathering the `fewest` candidates of the smallest index costs less than a walk, when
/// the filters' indexes each select the given `shares` of `incidents_count` incidents and (taken
/// as independent) together select their product, and `reads` of them are read: a walk looks
/// at every incident when the filters select less than that, and at `page / share` of them
/// otherwise. All five filters of a query in one city select a few dozen of a million, each
/// of them tens of thousands: the walk then goes through the million (tens of milliseconds)
/// where the smallest index's candidates take one or two. A layer or an export reads to the
/// end, so a walk always sees the million.
pub(crate) fn narrow_anyway(incidents_count: usize, fewest: usize, shares: &[f64], reads: Reads) -> bool {
    let incidents = incidents_count as f64;
    let selected = incidents * shares.iter().product::<f64>();
    let page = reads.reckoned();
    let walked = if selected < page { incidents } else { page * incidents / selected };
    GATHER_NS * (fewest as f64) < WALK_NS * walked
}

impl IncidentFilter {
    /// # Errors
    /// A 400 naming `kind` or `party` when they name no incident kind or no party.
    pub(crate) fn new(
        filters: &Filters,
        state: &State,
        selects: Selects,
        reads: Reads,
    ) -> Result<IncidentFilter, ApiError> {
        let candidates_max = candidates_max(state.monitoring.incidents.len());
        let limits = Limits { candidates_max, by_combined_share: true, reads };
        IncidentFilter::with_limits(filters, state, limits, selects)
    }

    /// The same, with the candidates an index may give at the most and nothing else (for
    /// tests of the planner: 0 walks, `usize::MAX` narrows whenever an index can), or also
    /// narrowed when the indexes together select few (`by_combined_share`, as `new`).
    ///
    /// # Errors
    /// As `new`.
    #[cfg(test)]
    pub(crate) fn planned(
        filters: &Filters,
        state: &State,
        candidates_max: usize,
        by_combined_share: bool,
        selects: Selects,
    ) -> Result<IncidentFilter, ApiError> {
        let limits = Limits { candidates_max, by_combined_share, reads: Reads::Page(100) };
        IncidentFilter::with_limits(filters, state, limits, selects)
    }

    fn with_limits(
        filters: &Filters,
        state: &State,
        limits: Limits,
        selects: Selects,
    ) -> Result<IncidentFilter, ApiError> {
        let kind = filters.kind()?;
        let party = filters.party(state)?;
        let (accused, reach) = match selects {
            Selects::Incidents => (party.as_ref(), None),
            Selects::Violations => (None, state.commitment_violations_reach()),
        };
        let plan = plan(filters, kind, accused, reach.as_deref(), state, limits);
        let accused = accused.cloned();
        Ok(IncidentFilter { kind, party, accused, filters: filters.clone(), plan })
    }

    /// The plan, for tests that check both ways are taken.
    #[cfg(test)]
    pub(crate) fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The incidents after `lower` (an id's text, or any text a cursor holds) that the filter
    /// may select, in id order: every one it selects, and perhaps others (the caller filters).
    pub(crate) fn candidates<'s>(
        &'s self,
        state: &'s State,
        lower: Bound<&str>,
    ) -> Box<dyn Iterator<Item = (&'s IncidentId, &'s IncidentRecord)> + 's> {
        let incidents = &state.monitoring.incidents;
        let index = state.monitoring.incident_index();
        // The grade and the accused kept for a candidate decide many without a lookup by id.
        let by_key = move |key: IncidentKey| match self.admits_verdict(state, key) {
            true => incidents.get_key_value(&key.incident_id()),
            false => None,
        };
        match &self.plan {
            Plan::Scan => match truce_core::first_with_text(lower) {
                Some(first) => Box::new(incidents.range::<uuid::Uuid, _>((Bound::Included(first), Bound::Unbounded))),
                None => Box::new(std::iter::empty()),
            },
            Plan::Candidates(keys) => Box::new(
                keys[first_after(keys, lower)..]
                    .iter()
                    // The verdict kept decides many without a lookup by id; the record's place,
                    // time and kind the rest.
                    .filter_map(move |key| by_key(*key))
                    .filter(move |(_, incident)| self.admits_placed(&Placed::of(incident))),
            ),
            Plan::Squares(cells) => {
                let squares = cells.iter().filter_map(|cell| index.square(*cell));
                let admits = move |placed: &Placed| self.admits_placed(placed);
                let spans = Spans::after(squares, lower, admits, SPAN_INCIDENTS);
                Box::new(spans.filter_map(move |(key, _)| by_key(key)))
            }
        }
    }

    /// Whether the grade and the accused forces kept for the incident of `key` are selected
    /// (a violation's grade is its incident's); true when none are kept, which decides nothing.
    fn admits_verdict(&self, state: &State, key: IncidentKey) -> bool {
        let Some(verdict) = state.verdicts().of_key(key) else {
            return true;
        };
        self.filters.grade.is_none_or(|grade| verdict.grade == grade)
            && self.accused.as_ref().is_none_or(|party| one_answers_to(state, &verdict.accused_forces, party))
    }

    /// Whether the incident's place, time and kind are selected: all a violation's filters
    /// but its grade and parties.
    pub(crate) fn admits_event(&self, incident: &IncidentRecord) -> bool {
        self.admits_placed(&Placed::of(incident))
    }

    fn admits_placed(&self, placed: &Placed) -> bool {
        self.filters.holds(placed.position)
            && self.filters.at_in(placed.start)
            && self.kind.is_none_or(|kind| placed.kind == kind)
    }

    /// Whether the incident is selected.
    pub(crate) fn admits(&self, state: &State, incident: &IncidentRecord) -> bool {
        self.admits_event(incident)
            && self.filters.grade.is_none_or(|grade| state.grade(incident) == grade)
            && self.party.as_ref().is_none_or(|party| {
                // The kept verdict without a copy; derived when none is kept.
                match state.verdicts().of(&incident.incident_id) {
                    Some(verdict) => one_answers_to(state, &verdict.accused_forces, party),
                    None => one_answers_to(state, &state.accused_forces(incident), party),
                }
            })
    }

    /// Whether a violation of an incident `admits_event` selected is selected.
    pub(crate) fn admits_violation(&self, violation: &Violation) -> bool {
        self.filters.grade.is_none_or(|grade| violation.grade == grade)
            && self.party.as_ref().is_none_or(|party| violation.parties.contains(party))
    }
}

/// Whether one of `forces` answers to `party`.
fn one_answers_to<'f>(state: &State, forces: impl IntoIterator<Item = &'f ForceId>, party: &PartyId) -> bool {
    forces
        .into_iter()
        .any(|force_id| state.coordination.forces.get(force_id).is_some_and(|force| force.party_ids.contains(party)))
}

/// The plan for incidents filtered by `filters` (and `kind`, parsed from them, `accused`, a
/// party one of whose forces they must be accused of, and `reach`, boxes they must be in) in
/// `state`. A violation's grade is its incident's, so the index of grades narrows violations
/// too.
fn plan(
    filters: &Filters,
    kind: Option<IncidentKind>,
    accused: Option<&PartyId>,
    reach: Option<&[LonLatBox]>,
    state: &State,
    limits: Limits,
) -> Plan {
    let index = state.monitoring.incident_index();
    let incidents_count = state.monitoring.incidents.len();
    // A state put together by hand (a test's, or a measurement's) has records the index never
    // saw: walk them all rather than miss one.
    if index.len() != incidents_count {
        return Plan::Scan;
    }
    let counted_max = match limits.by_combined_share {
        true => limits.candidates_max.saturating_mul(COUNTED_MAX_FACTOR).min(incidents_count),
        false => limits.candidates_max,
    };
    // Each usable index's cells with their count, or `None` when it holds more than
    // `counted_max` (its share then taken as 1).
    let mut counted: Vec<Option<Counted<'_>>> = Vec::new();
    if let Some(kind) = kind {
        counted.push(count(index.of_kind(kind).into_iter(), counted_max));
    }
    if filters.from.is_some() || filters.to.is_some() {
        counted.push(count(index.hours(filters.from, filters.to), counted_max));
    }
    if let Some(bbox) = filters.bbox {
        counted.push(count_squares(index.squares_of(bbox.lon_lat_boxes()).into_iter(), counted_max));
    }
    if let Some(reach) = reach {
        // The squares where an incident can have a violation, within the box asked for.
        let boxes = reach.iter().flat_map(|reach_box| within(reach_box, filters.bbox.as_ref()));
        counted.push(count_squares(index.squares_of(boxes).into_iter(), counted_max));
    }
    // Grades and accused forces are kept for every incident applied (not in an `as_of` view
    // or a state put together by hand: then they are derived per candidate).
    let verdicts = state.verdicts();
    if verdicts.len() == incidents_count {
        if let Some(grade) = filters.grade {
            counted.push(count(verdicts.of_grade(grade).into_iter(), counted_max));
        }
        if let Some(party) = accused {
            // The incidents accusing a force the party answers for (each force's set; a set
            // met twice only counts twice).
            let forces = state.coordination.forces.values().filter(|force| force.party_ids.contains(party));
            counted.push(count(forces.filter_map(|force| verdicts.accusing(&force.force_id)), counted_max));
        }
    }
    let shares: Vec<f64> = counted
        .iter()
        .map(|counted| counted.as_ref().map_or(1.0, |counted| counted.count as f64 / incidents_count.max(1) as f64))
        .collect();
    let Some(fewest) = counted.iter().flatten().map(|counted| counted.count).min() else {
        return Plan::Scan;
    };
    let narrow = fewest <= limits.candidates_max
        || (limits.by_combined_share && narrow_anyway(incidents_count, fewest, &shares, limits.reads));
    if !narrow {
        return Plan::Scan;
    }
    // Of the indexes, the one whose candidates cost least to read to the end of a page, not
    // merely the fewest: squares are read in order with what they hold of each incident, so
    // that a page reads only its share of them, where sets of keys are gathered and sorted
    // whole and each candidate read is looked up.
    let selected = incidents_count as f64 * shares.iter().product::<f64>();
    let read_share = (limits.reads.reckoned() / selected).min(1.0);
    let cost = |counted: &Counted<'_>| {
        let count = counted.count as f64;
        match counted.cells {
            Met::Keys(_) => count * (GATHER_NS + read_share * LOOKUP_NS),
            Met::Squares(_) => count * read_share * SQUARE_READ_NS,
        }
    };
    let Some(cheapest) = counted.into_iter().flatten().min_by(|a, b| cost(a).total_cmp(&cost(b))) else {
        return Plan::Scan;
    };
    match cheapest.cells {
        Met::Keys(sets) => {
            let mut keys: Vec<IncidentKey> = sets.into_iter().flatten().copied().collect();
            keys.sort_unstable();
            keys.dedup();
            Plan::Candidates(keys)
        }
        Met::Squares(squares) => Plan::Squares(squares.into_iter().map(|(cell, _)| cell).collect()),
    }
}

/// The part of `reach_box` within `bbox` (in two across the antimeridian), all of it
/// without one.
fn within(reach_box: &LonLatBox, bbox: Option<&BBox>) -> Vec<LonLatBox> {
    match bbox {
        None => vec![*reach_box],
        Some(bbox) => bbox.lon_lat_boxes().iter().filter_map(|asked| reach_box.intersection(asked)).collect(),
    }
}

/// An index's cells that a query meets, and how many incidents they hold together.
struct Counted<'i> {
    cells: Met<'i>,
    count: usize,
}

/// The cells met: sets of incidents, or squares of the grid, which also hold what the index
/// knows of each incident.
enum Met<'i> {
    Keys(Vec<&'i BTreeSet<IncidentKey>>),
    Squares(Vec<(GridCell, &'i Square)>),
}

/// The cells, when they hold `counted_max` incidents at the most: an index is counted only
/// that far, so a broad one costs little to rule out.
fn count<'i>(cells: impl Iterator<Item = &'i BTreeSet<IncidentKey>>, counted_max: usize) -> Option<Counted<'i>> {
    let (cells, count) = counted(cells, counted_max, |cell| cell.len())?;
    Some(Counted { cells: Met::Keys(cells), count })
}

/// The same for squares of the grid.
fn count_squares<'i>(squares: impl Iterator<Item = (GridCell, &'i Square)>, counted_max: usize) -> Option<Counted<'i>> {
    let (squares, count) = counted(squares, counted_max, |(_, square)| square.len())?;
    Some(Counted { cells: Met::Squares(squares), count })
}

fn counted<C>(
    cells: impl Iterator<Item = C>,
    counted_max: usize,
    len: impl Fn(&C) -> usize,
) -> Option<(Vec<C>, usize)> {
    let mut count = 0;
    let mut chosen = Vec::new();
    for cell in cells {
        count += len(&cell);
        if count > counted_max {
            return None;
        }
        chosen.push(cell);
    }
    Some((chosen, count))
}

/// Incidents read from squares of the grid a span of keys at a time, about this many a span.
pub(crate) const SPAN_INCIDENTS: usize = 4096;

/// The incidents of some squares of the grid after a bound that the filter admits by what
/// their square holds of them, in id order: read a span of keys at a time, from each square
/// the incidents in the span (in order, from where the last span stopped in it), checked
/// there, then sorted.
///
/// Rather than a heap over the squares' next incidents: a heap costs a sift per incident
/// read (some 40 ns with a hundred squares), and when the filters select fewer than a page
/// every incident of every square is read. A span costs a step into each square, and each
/// incident a step along its square. The span is sized, and resized as it is read, to hold
/// about `SPAN_INCIDENTS`, so that a full page reads at most that many more than it needs.
pub(crate) struct Spans<'s, F> {
    /// Each square with where its next span starts in it: a span ends where the next starts,
    /// so a square is searched once, for the first (a search per square and span was a
    /// binary search's cache misses over a vector of thousands, each time).
    squares: Vec<(&'s Square, usize)>,
    /// Where the next span starts; `None` once every square is read to its end.
    from: Option<Bound<IncidentKey>>,
    /// The largest key of any square.
    last: u128,
    /// The keys a span covers.
    width: u128,
    /// The incidents a span is sized to hold.
    span_incidents: usize,
    admits: F,
    read: std::vec::IntoIter<(IncidentKey, &'s Placed)>,
    #[cfg(test)]
    spans_read: usize,
}

impl<'s, F: Fn(&Placed) -> bool> Spans<'s, F> {
    /// The incidents of `squares` after `lower` that `admits` admits, read about
    /// `span_incidents` at a time.
    pub(crate) fn after(
        squares: impl Iterator<Item = &'s Square>,
        lower: Bound<&str>,
        admits: F,
        span_incidents: usize,
    ) -> Spans<'s, F> {
        // Keys sort as the ids' text does, so any cursor, an id's text or not, is a key.
        let from = match lower {
            Bound::Unbounded => Some(Bound::Unbounded),
            bounded => {
                truce_core::first_with_text(bounded).map(|first| Bound::Included(IncidentKey::between(first.as_u128())))
            }
        };
        let squares: Vec<&Square> = squares.filter(|square| !square.is_empty()).collect();
        let bits = |key: Option<(&IncidentKey, _)>| key.map(|(key, _)| key.bits());
        let first = squares.iter().filter_map(|square| bits(square.first_key_value())).min().unwrap_or(0);
        let last = squares.iter().filter_map(|square| bits(square.last_key_value())).max().unwrap_or(0);
        // As if the keys were spread evenly; reading corrects it.
        let count = squares.iter().map(|square| square.len()).sum::<usize>().max(1);
        let spans = (count / span_incidents.max(1)).max(1) as u128;
        let width = ((last - first) / spans).max(1);
        // No span starts before the first key: a cursor of `""` is a bound of 0, the keys of
        // UUIDv7 ids begin near 2^120, and spans of a width sized for the keys' range would
        // double from 0 a hundred times to reach them (a span is a step into every square). A gap between keys costs less: the width was sized with the gap in range.
        let from = from.map(|from| match from {
            Bound::Included(key) | Bound::Excluded(key) if key.bits() >= first => from,
            Bound::Unbounded | Bound::Included(_) | Bound::Excluded(_) => Bound::Included(IncidentKey::between(first)),
        });
        let from = from.filter(|_| !squares.is_empty());
        let squares = squares
            .into_iter()
            .map(|square| (square, from.map_or(square.len(), |from| square.start_of(from.as_ref()))))
            .collect();
        Spans {
            squares,
            from,
            last,
            width,
            span_incidents,
            admits,
            read: Vec::new().into_iter(),
            #[cfg(test)]
            spans_read: 0,
        }
    }

    /// How many spans have been read so far (for tests of the reading's cost).
    #[cfg(test)]
    pub(crate) fn spans_read(&self) -> usize {
        self.spans_read
    }

    /// Reads the next span, if any is left: its incidents admitted, in id order.
    fn read_span(&mut self) -> Option<()> {
        let from = self.from?;
        let start = match from {
            Bound::Unbounded => 0,
            Bound::Included(key) | Bound::Excluded(key) => key.bits(),
        };
        if start > self.last {
            self.from = None;
            return None;
        }
        let end = start.checked_add(self.width).filter(|end| *end <= self.last);
        let mut admitted = Vec::new();
        let mut read: usize = 0;
        for (square, next) in &mut self.squares {
            let square: &'s Square = square;
            let in_span =
                square.entries_from(*next).iter().take_while(|(key, _)| end.is_none_or(|end| key.bits() < end));
            for (key, placed) in in_span {
                *next += 1;
                read += 1;
                if (self.admits)(placed) {
                    admitted.push((*key, placed));
                }
            }
        }
        admitted.sort_unstable_by_key(|(key, _)| *key);
        self.read = admitted.into_iter();
        #[cfg(test)]
        {
            self.spans_read += 1;
        }
        self.from = end.map(|end| Bound::Included(IncidentKey::between(end)));
        // Keys are not spread evenly (they follow the times of the reports): the next span
        // is resized by what this one held.
        if read.saturating_mul(2) < self.span_incidents {
            self.width = self.width.saturating_mul(2);
        } else if read > self.span_incidents.saturating_mul(2) {
            self.width = (self.width / 2).max(1);
        }
        Some(())
    }
}

impl<'s, F: Fn(&Placed) -> bool> Iterator for Spans<'s, F> {
    type Item = (IncidentKey, &'s Placed);

    fn next(&mut self) -> Option<(IncidentKey, &'s Placed)> {
        loop {
            match self.read.next() {
                Some(next) => return Some(next),
                None => self.read_span()?,
            }
        }
    }
}

/// Where the keys after `lower` start: keys sort as the ids' text does, so any cursor, an
/// id's text or not, is a key to search for (`first_with_text`).
fn first_after(keys: &[IncidentKey], lower: Bound<&str>) -> usize {
    match truce_core::first_with_text(lower) {
        Some(first) => keys.partition_point(|key| key.bits() < first.as_u128()),
        None => keys.len(),
    }
}

/// The party of the account that recorded something; `None` for an account of no party.
pub(crate) fn party_of_account<'s>(state: &'s State, account_id: &AccountId) -> Option<&'s PartyId> {
    state.accounts.get(account_id).and_then(|account| account.party_id.as_ref())
}

/// A corridor's route, as the latest definition gives it.
pub(crate) fn corridor_positions<'s>(state: &'s State, corridor_id: &CorridorId) -> &'s [Position] {
    state.coordination.corridors.get(corridor_id).map_or(&[], |corridor| corridor.spec.route.positions())
}

/// A zone's latest boundary, every ring.
pub(crate) fn zone_positions<'s>(state: &'s State, zone_id: &ZoneId) -> Vec<&'s Position> {
    let zone = state.coordination.zones.get(zone_id);
    let boundary = zone.and_then(|zone| zone.boundaries.last());
    boundary.map(|b| b.boundary.rings().iter().flatten().collect()).unwrap_or_default()
}

/// The positions of a commitment's scope.
pub(crate) fn scope_positions<'s>(state: &'s State, scope: &Scope) -> Vec<&'s Position> {
    match scope {
        Scope::Corridor(corridor_id) => corridor_positions(state, corridor_id).iter().collect(),
        Scope::Zone(zone_id) => zone_positions(state, zone_id),
    }
}

/// The filters of passages, resolved against one state.
pub(crate) struct PassageFilter {
    filters: Filters,
    party: Option<PartyId>,
}

impl PassageFilter {
    /// # Errors
    /// A 400 naming `kind` or `grade` (passages have neither), or `party` naming no party.
    pub(crate) fn new(filters: &Filters, state: &State) -> Result<PassageFilter, ApiError> {
        filters.refuse(&[Filter::Kind, Filter::Grade], "passages")?;
        Ok(PassageFilter { party: filters.party(state)?, filters: filters.clone() })
    }

    pub(crate) fn admits(&self, state: &State, passage: &PassageRecord) -> bool {
        self.filters.at_in(passage.count.as_of())
            && self.party.as_ref().is_none_or(|party| party_of_account(state, &passage.observer) == Some(party))
            && self.filters.meets(corridor_positions(state, &passage.corridor_id))
    }
}

/// The kind of a count: a total, or a population estimate of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CountKind {
    Total,
    Trapped,
    Residents,
    Displaced,
}

impl CountKind {
    pub(crate) fn of_estimate(estimate: &EstimateRecord) -> CountKind {
        match estimate.kind {
            truce_core::EstimateKind::Trapped => CountKind::Trapped,
            truce_core::EstimateKind::Residents => CountKind::Residents,
            truce_core::EstimateKind::Displaced => CountKind::Displaced,
        }
    }
}

/// The filters of counts (totals and population estimates), resolved against one state.
pub(crate) struct CountFilter {
    filters: Filters,
    kind: Option<CountKind>,
    party: Option<PartyId>,
}

impl CountFilter {
    /// # Errors
    /// A 400 naming `grade` (counts have none), or `kind` or `party` naming nothing.
    pub(crate) fn new(filters: &Filters, state: &State) -> Result<CountFilter, ApiError> {
        filters.refuse(&[Filter::Grade], "counts")?;
        Ok(CountFilter { kind: filters.kind()?, party: filters.party(state)?, filters: filters.clone() })
    }

    fn by(&self, state: &State, account_id: &AccountId) -> bool {
        self.party.as_ref().is_none_or(|party| party_of_account(state, account_id) == Some(party))
    }

    pub(crate) fn admits_total(&self, state: &State, total: &TotalRecord) -> bool {
        let mut positions: Vec<&Position> = Vec::new();
        if let Some(corridor_id) = &total.scope.corridor_id {
            positions.extend(corridor_positions(state, corridor_id));
        }
        if let Some(zone_id) = &total.scope.zone_id {
            positions.extend(zone_positions(state, zone_id));
        }
        self.kind.is_none_or(|kind| kind == CountKind::Total)
            && self.filters.at_in(total.count.as_of())
            && self.by(state, &total.reported_by)
            && self.filters.meets(positions)
    }

    pub(crate) fn admits_estimate(&self, state: &State, estimate: &EstimateRecord) -> bool {
        self.kind.is_none_or(|kind| kind == CountKind::of_estimate(estimate))
            && self.filters.at_in(estimate.as_of)
            && self.by(state, &estimate.reported_by)
            && self.filters.meets(zone_positions(state, &estimate.zone_id))
    }
}
