//! Reading what monitoring has recorded: incidents with every revision, source and derived
//! grade, violations, statements, population estimates, movement through corridors,
//! passages and convoys.
//!
//! Humanitarian notifications are confidential (the core's read policy, docs/visibility.md):
//! nothing here shows a notification, and a violation of one is left out of every list and
//! detail.
//! Every read is from what the log had recorded by `?known_at=` (`AsOf`). Incidents and
//! violations are derived from that whole record, or, with `?at=`, from the monitoring record
//! as it stood at `at` (`State::as_of`); the plain records (estimates, movement, passages,
//! convoys, statements) answer by valid time `?at=`: counts once the instant or period they
//! describe has passed and their source has spoken.

use std::ops::Bound;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use truce_core::{
    violation_audience, AccountId, AgreementId, Basis, Breakdown, CommitmentId, ConvoyId, ConvoyStatus, CorridorId,
    Count, Destination, Direction, EstimateId, EstimateKind, EstimateRecord, ForceId, Grade, GradeExplained,
    IncidentId, IncidentKind, IncidentRecord, Location, Movement, MovementSeries, Name, PartyId, PassageId,
    PassageRecord, PopulationSeries, Quantity, Reader, Reason, RecordRef, RetractionRecord, Side, SourceRecord,
    SourceReport, State, StatementRecord, Timestamp, TotalId, TotalRecord, TotalScope, Violation, ViolationStatus,
    WeighedSource, When, ZoneId,
};

use crate::{
    as_of::AsOf,
    extract::ApiPath,
    filters::{Filters, Paging},
    json::Json,
    problem::ApiError,
    read::{page_limit, Page},
    select::{IncidentFilter, PassageFilter, Reads, Selects},
};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ViolationsQuery {
    /// Only violations with this status.
    #[serde(default)]
    status: Option<ViolationStatus>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PassagesQuery {
    /// Only passages through this corridor (its id).
    #[serde(default)]
    #[schemars(with = "CorridorId")]
    corridor_id: Option<String>,
}

/// An incident: what it is now, every revision and source, and what they mean.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IncidentView {
    pub incident_id: IncidentId,
    pub description: Reason,
    pub reported_by: AccountId,
    pub reported_at: Timestamp,
    /// The current kind, location, time and convoy struck: those of the latest revision.
    pub kind: IncidentKind,
    pub location: Location,
    pub when: When,
    pub convoy_id: Option<ConvoyId>,
    /// The original report first, then every correction.
    pub revisions: Vec<RevisionView>,
    /// Every source with its claims, including those of incidents marked its duplicates.
    pub sources: Vec<SourceView>,
    pub grade: GradeView,
    /// Casualty figures across the sources; a figure no source gives is absent, never zero.
    pub figures: Vec<FigureView>,
    /// Forces said to be responsible, by sources' claims and statements' accusations.
    pub accused_forces: Vec<ForceId>,
    /// The one force held responsible, when every claim and accusation names the same.
    pub attributed_force: Option<ForceId>,
    pub duplicate_of: Option<DuplicateView>,
    /// Incidents marked duplicates of this one.
    pub duplicates: Vec<IncidentId>,
    /// Statements that refer to it, in the order they were made.
    pub statements: Vec<StatementView>,
    /// Its violations of commitments.
    pub violations: Vec<ViolationView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RevisionView {
    pub at: Timestamp,
    pub kind: IncidentKind,
    pub location: Location,
    pub when: When,
    /// The convoy it struck, if it struck one.
    pub convoy_id: Option<ConvoyId>,
    /// Why it was corrected; null for the original report.
    pub reason: Option<Reason>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SourceView {
    /// When the source was added.
    pub at: Timestamp,
    pub added_by: AccountId,
    /// The incident it was reported against (a duplicate's id for its sources).
    pub incident_id: IncidentId,
    #[serde(flatten)]
    pub source: SourceReport,
}

/// The grade, and whether it is derived from the sources or an analyst's.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GradeView {
    pub grade: Grade,
    /// Why: which sources counted as what (a source counts only as far as the account that
    /// recorded it may vouch for it), which independence, which statement, which override.
    pub reasons: Vec<String>,
    /// Each source as recorded and as it counts.
    pub sources: Vec<WeighedSource>,
    /// True when the latest analyst override sets it.
    pub overridden: bool,
    /// What the sources and statements alone give.
    pub derived: Grade,
    /// Every analyst override, oldest first, with its reason.
    pub overrides: Vec<GradeOverrideView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GradeOverrideView {
    pub at: Timestamp,
    pub grade: Grade,
    pub reason: Reason,
    pub analyst: AccountId,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FigureView {
    /// `killed`, `injured`, `civilians_killed` or `children_killed`.
    pub field: String,
    /// The lowest minimum claimed.
    pub min: u32,
    /// The highest maximum claimed; null when a source gives a figure open at the top
    /// ("more than 10").
    pub max: Option<u32>,
    pub sources_count: u64,
    /// False when two sources' ranges do not overlap: both stand.
    pub sources_agree: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DuplicateView {
    pub at: Timestamp,
    pub duplicate_of: IncidentId,
    pub reason: Reason,
}

/// An incident inside the scope and window of an active commitment.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ViolationView {
    pub incident_id: IncidentId,
    pub commitment_id: CommitmentId,
    pub agreement_id: Option<AgreementId>,
    pub status: ViolationStatus,
    /// The commitment's party, then the parties answering for the perpetrator where known.
    pub parties: Vec<PartyId>,
    pub grade: Grade,
    pub dismissed_reason: Option<Reason>,
    /// Statements about this violation (confirming, denying, accusing), oldest first.
    pub statements: Vec<StatementView>,
}

/// A statement is served as recorded: its valid and record times and its provenance.
pub type StatementView = StatementRecord;

/// A zone's population estimates: every organisation's beside the others', never averaged
/// or picked between.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PopulationView {
    pub zone_id: ZoneId,
    pub at: Timestamp,
    /// By organisation: the one that decides each source's independence (its `independence`,
    /// or its `organisation`), names compared case- and whitespace-insensitively; in the
    /// order of those names.
    pub organisations: Vec<PopulationSide>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PopulationSide {
    /// The organisation as the first of its estimates recorded names it.
    pub organisation: Name,
    /// What its names share: lower case, whitespace collapsed.
    pub organisation_key: String,
    /// One per kind and destination it estimated.
    pub series: Vec<PopulationSeriesView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PopulationSeriesView {
    pub kind: EstimateKind,
    /// Where the people counted went or are going, as the latest estimate names it; null
    /// for estimates that name none.
    pub destination: Option<Destination>,
    /// The latest estimate by `as_of`.
    pub latest: EstimateView,
    /// Every estimate given by `at`, oldest `as_of` first.
    pub history: Vec<EstimateView>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EstimateView {
    pub estimate_id: EstimateId,
    pub kind: EstimateKind,
    pub people: Quantity,
    /// By group; a group not given is absent: unknown, never zero.
    pub breakdown: Breakdown,
    pub destination: Option<Destination>,
    /// The instant it describes (valid time).
    pub as_of: Timestamp,
    pub source: SourceReport,
    /// What the source counts as, given who recorded it.
    pub weighed: WeighedSource,
    pub note: Option<Reason>,
    pub reported_by: AccountId,
    pub recorded_at: Timestamp,
    /// Statements about this estimate, oldest first.
    pub statements: Vec<StatementView>,
}

/// Movement through a corridor: every organisation's counts beside the others', none of
/// them picked as the truth, none added to another's.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MovementView {
    pub corridor_id: CorridorId,
    pub at: Timestamp,
    /// By organisation, as in the population view: its passages through the corridor, and
    /// its totals reported for the corridor or for its origin zone.
    pub organisations: Vec<MovementSide>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct MovementSide {
    /// The organisation as the first of its figures recorded names it.
    pub organisation: Name,
    /// What its names share: lower case, whitespace collapsed.
    pub organisation_key: String,
    /// One per direction and basis it counted (a total counts people leaving: outbound).
    pub series: Vec<MovementSeriesView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct MovementSeriesView {
    pub direction: Direction,
    pub basis: Basis,
    /// The latest figure by valid time (the end of its period, or its instant).
    pub latest: MovementFigure,
    /// Every figure given by `at`, oldest valid time first.
    pub history: Vec<MovementFigure>,
}

/// A passage through the corridor, or a total reported for it or its origin zone.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum MovementFigure {
    Passage(PassageView),
    Total(TotalView),
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TotalView {
    pub total_id: TotalId,
    pub scope: TotalScope,
    pub count: Count,
    /// What the source counts as, given who recorded it.
    pub weighed: WeighedSource,
    pub reported_by: AccountId,
    pub recorded_at: Timestamp,
    /// Statements about this total, oldest first.
    pub statements: Vec<StatementView>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PassageView {
    pub passage_id: PassageId,
    pub corridor_id: CorridorId,
    pub direction: Direction,
    /// The convoy they moved in, if the passage names one.
    pub convoy_id: Option<ConvoyId>,
    /// Vehicles counted; null when not counted.
    pub vehicles: Option<u32>,
    pub count: Count,
    /// What the source counts as, given who recorded it.
    pub weighed: WeighedSource,
    pub observer: AccountId,
    pub recorded_at: Timestamp,
    /// Statements about this passage, oldest first.
    pub statements: Vec<StatementView>,
}

/// A convoy with its status as of `at`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConvoyView {
    pub convoy_id: ConvoyId,
    pub corridor_id: CorridorId,
    pub buses: u32,
    pub ambulances: u32,
    pub departs_at: Timestamp,
    /// That of the latest update by valid time, by `at`.
    pub status: ConvoyStatus,
    pub at: Timestamp,
    /// Every update in effect by `at`, in the order of their valid times.
    pub updates: Vec<ConvoyUpdateView>,
    /// Passages that name it, given by `at`.
    pub passage_ids: Vec<PassageId>,
    /// Incidents that struck it (as their current revision says), begun by `at`.
    pub incident_ids: Vec<IncidentId>,
    /// Statements about it made by `at` (confirming, denying), oldest first.
    pub statements: Vec<StatementView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ConvoyUpdateView {
    /// When the status changed (valid time).
    pub at: Timestamp,
    pub recorded_at: Timestamp,
    pub status: ConvoyStatus,
    pub note: Option<Reason>,
}

/// A page of `items` (already in key order) after `cursor`.
pub(crate) fn page_of<T>(
    items: impl IntoIterator<Item = (String, T)>,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<T>, ApiError> {
    let limit = page_limit(limit)?;
    let after = cursor.unwrap_or("");
    let mut page = Vec::new();
    let mut next_cursor = None;
    let mut last_key = None;
    for (key, item) in items.into_iter().filter(|(key, _)| key.as_str() > after) {
        if page.len() == limit {
            next_cursor = last_key;
            break;
        }
        page.push(item);
        last_key = Some(key);
    }
    Ok(Page { items: page, next_cursor })
}

/// Whether the violation is one `violation_view` shows. The read policy
/// (docs/visibility.md): a violation of a notification is for its parties only, and the
/// view, served to anyone, is of violations of commitments.
pub(crate) fn violation_shown(state: &State, violation: &Violation) -> bool {
    violation.commitment_id.is_some() && violation_audience(state, violation).admits(Reader::Anyone)
}

pub(crate) fn violation_view(state: &State, violation: Violation) -> Option<ViolationView> {
    if !violation_shown(state, &violation) {
        return None;
    }
    let commitment_id = violation.commitment_id?;
    let about =
        RecordRef::Violation { incident_id: violation.incident_id.clone(), commitment_id: commitment_id.clone() };
    Some(ViolationView {
        statements: statements_about(state, &about, None),
        incident_id: violation.incident_id,
        commitment_id,
        agreement_id: violation.agreement_id,
        status: violation.status,
        parties: violation.parties,
        grade: violation.grade,
        dismissed_reason: violation.dismissed_reason,
    })
}

/// The statements that refer to `record` (made by `at`, when given), oldest first.
pub(crate) fn statements_about(state: &State, record: &RecordRef, at: Option<Timestamp>) -> Vec<StatementView> {
    let made = |s: &&StatementRecord| at.is_none_or(|at| s.at <= at) && s.refers_to(record);
    // Those referring to an incident or its violation are kept by incident, in id order as
    // `statements` is.
    let mut statements: Vec<&StatementRecord> = match record.incident_id() {
        Some(incident_id) => state.monitoring.statements_on(incident_id).filter(made).collect(),
        None => state.monitoring.statements.values().filter(made).collect(),
    };
    statements.sort_by_key(|s| s.at);
    statements.into_iter().cloned().collect()
}

/// The grade the sources and statements alone give, without the analyst's overrides: without
/// any, the grade `explained` gives (derived as the kept one is, without a lookup of it).
fn derived_grade(state: &State, incident: &IncidentRecord, explained: &GradeExplained) -> Grade {
    if incident.grade_overrides.is_empty() {
        return explained.grade;
    }
    state.grade_of_sources(incident, &state.accused_forces(incident))
}

pub(crate) fn incident_view(state: &State, incident: &IncidentRecord) -> IncidentView {
    let current = incident.current();
    let mut sources: Vec<SourceView> = incident
        .sources
        .iter()
        .map(|s| SourceView {
            at: s.at,
            added_by: s.added_by.clone(),
            incident_id: incident.incident_id.clone(),
            source: s.source.clone(),
        })
        .collect();
    let duplicates = state.monitoring.duplicates.get(&incident.incident_id).cloned().unwrap_or_default();
    for duplicate_id in &duplicates {
        let Some(duplicate) = state.monitoring.incidents.get(duplicate_id) else {
            continue;
        };
        sources.extend(duplicate.sources.iter().map(|s| SourceView {
            at: s.at,
            added_by: s.added_by.clone(),
            incident_id: duplicate_id.clone(),
            source: s.source.clone(),
        }));
    }
    let statements = statements_about(state, &RecordRef::Incident { incident_id: incident.incident_id.clone() }, None);
    let explained = state.grade_explained(incident);
    let derived = derived_grade(state, incident, &explained);
    IncidentView {
        incident_id: incident.incident_id.clone(),
        description: incident.description.clone(),
        reported_by: incident.reported_by.clone(),
        reported_at: incident.reported_at,
        kind: current.kind,
        location: current.location.clone(),
        when: current.when,
        convoy_id: current.convoy_id.clone(),
        revisions: incident
            .revisions
            .iter()
            .map(|r| RevisionView {
                at: r.at,
                kind: r.kind,
                location: r.location.clone(),
                when: r.when,
                convoy_id: r.convoy_id.clone(),
                reason: r.reason.clone(),
            })
            .collect(),
        sources,
        grade: GradeView {
            grade: explained.grade,
            reasons: explained.reasons,
            sources: explained.sources,
            overridden: !incident.grade_overrides.is_empty(),
            derived,
            overrides: incident
                .grade_overrides
                .iter()
                .map(|o| GradeOverrideView {
                    at: o.at,
                    grade: o.grade,
                    reason: o.reason.clone(),
                    analyst: o.analyst.clone(),
                })
                .collect(),
        },
        figures: state
            .figures(incident)
            .into_iter()
            .map(|f| FigureView {
                field: f.field.to_owned(),
                min: f.range.min,
                max: f.range.max,
                sources_count: f.sources_count as u64,
                sources_agree: f.sources_agree,
            })
            .collect(),
        accused_forces: state.accused_forces(incident).into_iter().collect(),
        attributed_force: state.attributed_force(incident),
        duplicate_of: incident.duplicate_of.as_ref().map(|d| DuplicateView {
            at: d.at,
            duplicate_of: d.duplicate_of.clone(),
            reason: d.reason.clone(),
        }),
        duplicates,
        statements,
        violations: state
            .violations_of_commitments(&incident.incident_id)
            .into_iter()
            .filter_map(|violation| violation_view(state, violation))
            .collect(),
    }
}

/// Runs `read` on the state as known at `known_at`: as it stands then, or, with `?at=`,
/// with the monitoring record as it stood at `at` (`State::as_of`).
pub(crate) fn read_monitoring<Q, T>(as_of: &AsOf<Q>, read: impl FnOnce(&State) -> T) -> Result<T, ApiError> {
    as_of.read(|state| match as_of.asked_at() {
        None => read(state),
        Some(at) => read(&state.as_of(at)),
    })
}

pub async fn incidents(paging: Paging, filters: Filters, as_of: AsOf) -> Result<Json<Page<IncidentView>>, ApiError> {
    let page = read_monitoring(&as_of, |state| {
        let limit = paging.limit()?;
        let filter = IncidentFilter::new(&filters, state, Selects::Incidents, Reads::Page(limit))?;
        // Only the page is rendered: the cursor and the filters run on the records first.
        let keys = filter
            .candidates(state, Bound::Excluded(paging.after()))
            .filter(|(_, incident)| filter.admits(state, incident));
        let items = keys.take(limit.saturating_add(1)).map(|(id, incident)| (id.to_string(), incident));
        let page = page_of(items, paging.cursor.as_deref(), paging.limit)?;
        Ok::<_, ApiError>(Page {
            items: page.items.into_iter().map(|incident| incident_view(state, incident)).collect(),
            next_cursor: page.next_cursor,
        })
    })??;
    Ok(Json(page))
}

pub async fn incident(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<IncidentView>, ApiError> {
    read_monitoring(&as_of, |state| {
        let incident = IncidentId::parse(&id).ok().and_then(|key| state.monitoring.incidents.get(&key));
        incident.map(|incident| Json(incident_view(state, incident))).ok_or(ApiError::NotFound { kind: "incident", id })
    })?
}

pub async fn violations(
    paging: Paging,
    filters: Filters,
    as_of: AsOf<ViolationsQuery>,
) -> Result<Json<Page<ViolationView>>, ApiError> {
    let query = &as_of.query;
    let page = read_monitoring(&as_of, |state| {
        let filter = IncidentFilter::new(&filters, state, Selects::Violations, Reads::Page(paging.limit()?))?;
        // Keyed `<incident>/<commitment>`: the incident id sorts first, so whole incidents
        // before the cursor's are skipped without deriving their violations.
        let after_incident = paging.after().split('/').next().unwrap_or("").to_owned();
        let items = filter
            .candidates(state, Bound::Included(after_incident.as_str()))
            .filter(|(_, incident)| filter.admits_event(incident))
            .flat_map(|(id, _)| state.violations_of_commitments(id))
            .filter(|violation| filter.admits_violation(violation))
            .filter_map(|violation| violation_view(state, violation))
            .filter(|v| query.status.is_none_or(|status| v.status == status))
            .map(|v| (format!("{}/{}", v.incident_id, v.commitment_id), v));
        page_of(items, paging.cursor.as_deref(), paging.limit)
    })??;
    Ok(Json(page))
}

pub async fn statements(paging: Paging, as_of: AsOf) -> Result<Json<Page<StatementView>>, ApiError> {
    let query = &paging;
    let at = as_of.at;
    let page = as_of.read(|state| {
        let items = state
            .monitoring
            .statements
            .iter()
            .filter(|(_, s)| s.at <= at)
            .map(|(id, statement)| (id.to_string(), statement.clone()));
        page_of(items, query.cursor.as_deref(), query.limit)
    })??;
    Ok(Json(page))
}

/// Every record retracted as mistaken, as recorded by `known_at`, in the order of the entries
/// retracted. A retraction has no valid time: it says the record never held.
pub async fn retractions(paging: Paging, as_of: AsOf) -> Result<Json<Page<RetractionRecord>>, ApiError> {
    let query = &paging;
    let page = as_of.read(|state| {
        // Zero-padded, so that the cursor's string order is the entries' order.
        let items = state.retractions.values().map(|r| (format!("{:020}", r.seq), r.clone()));
        page_of(items, query.cursor.as_deref(), query.limit)
    })??;
    Ok(Json(page))
}

/// What a count's source counts as, recorded by `by` at `at`.
fn weighed(state: &State, source: &SourceReport, by: &AccountId, at: Timestamp) -> WeighedSource {
    state.weigh_source(&SourceRecord { at, added_by: by.clone(), source: source.clone() })
}

fn estimate_view(state: &State, estimate: &EstimateRecord, at: Timestamp) -> EstimateView {
    EstimateView {
        estimate_id: estimate.estimate_id.clone(),
        kind: estimate.kind,
        people: estimate.people,
        breakdown: estimate.breakdown,
        destination: estimate.destination.clone(),
        as_of: estimate.as_of,
        source: estimate.source.clone(),
        weighed: weighed(state, &estimate.source, &estimate.reported_by, estimate.recorded_at),
        note: estimate.note.clone(),
        reported_by: estimate.reported_by.clone(),
        recorded_at: estimate.recorded_at,
        statements: statements_about(
            state,
            &RecordRef::Estimate { estimate_id: estimate.estimate_id.clone() },
            Some(at),
        ),
    }
}

fn passage_view(state: &State, passage: &PassageRecord, at: Timestamp) -> PassageView {
    PassageView {
        passage_id: passage.passage_id.clone(),
        corridor_id: passage.corridor_id.clone(),
        direction: passage.direction,
        convoy_id: passage.convoy_id.clone(),
        vehicles: passage.vehicles,
        count: passage.count.clone(),
        weighed: weighed(state, &passage.count.source, &passage.observer, passage.recorded_at),
        observer: passage.observer.clone(),
        recorded_at: passage.recorded_at,
        statements: statements_about(state, &RecordRef::Passage { passage_id: passage.passage_id.clone() }, Some(at)),
    }
}

fn total_view(state: &State, total: &TotalRecord, at: Timestamp) -> TotalView {
    TotalView {
        total_id: total.total_id.clone(),
        scope: total.scope.clone(),
        count: total.count.clone(),
        weighed: weighed(state, &total.count.source, &total.reported_by, total.recorded_at),
        reported_by: total.reported_by.clone(),
        recorded_at: total.recorded_at,
        statements: statements_about(state, &RecordRef::Total { total_id: total.total_id.clone() }, Some(at)),
    }
}

fn movement_figure(state: &State, figure: &Movement<'_>, at: Timestamp) -> MovementFigure {
    match figure {
        Movement::Passage(passage) => MovementFigure::Passage(passage_view(state, passage, at)),
        Movement::Total(total) => MovementFigure::Total(total_view(state, total, at)),
    }
}

pub async fn population(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<PopulationView>, ApiError> {
    let at = as_of.at;
    as_of.read(|state| {
        // A zone exists in the world from its first boundary's valid time.
        let zone = state.coordination.zones.values().find(|z| *z.zone_id.text() == *id || z.code.as_str() == id);
        let zone = zone
            .filter(|z| z.boundaries.iter().any(|b| b.effective_at <= at))
            .ok_or(ApiError::NotFound { kind: "zone", id: id.clone() })?;
        let sides: Vec<Side<PopulationSeries, &EstimateRecord>> = state.monitoring.population(&zone.zone_id, at);
        let organisations = sides
            .into_iter()
            .map(|side| PopulationSide {
                organisation: side.organisation,
                organisation_key: side.key,
                series: side
                    .series
                    .into_iter()
                    .map(|series| PopulationSeriesView {
                        kind: series.about.kind,
                        destination: series.latest.destination.clone(),
                        latest: estimate_view(state, series.latest, at),
                        history: series.history.iter().map(|e| estimate_view(state, e, at)).collect(),
                    })
                    .collect(),
            })
            .collect();
        Ok(Json(PopulationView { zone_id: zone.zone_id.clone(), at, organisations }))
    })?
}

pub async fn movement(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<MovementView>, ApiError> {
    let at = as_of.at;
    as_of.read(|state| {
        let record = state
            .coordination
            .corridors
            .values()
            .find(|c| *c.spec.corridor_id.text() == *id || c.spec.code.as_str() == id);
        let record = record
            .filter(|record| state.coordination.corridor_status(&record.spec.corridor_id, at).is_some())
            .ok_or(ApiError::NotFound { kind: "corridor", id: id.clone() })?;
        let corridor_id = &record.spec.corridor_id;
        let sides: Vec<Side<MovementSeries, Movement<'_>>> =
            state.monitoring.movement(corridor_id, &record.spec.origin_zone_id, at);
        let organisations = sides
            .into_iter()
            .map(|side| MovementSide {
                organisation: side.organisation,
                organisation_key: side.key,
                series: side
                    .series
                    .into_iter()
                    .map(|series| MovementSeriesView {
                        direction: series.about.direction,
                        basis: series.about.basis,
                        latest: movement_figure(state, &series.latest, at),
                        history: series.history.iter().map(|f| movement_figure(state, f, at)).collect(),
                    })
                    .collect(),
            })
            .collect();
        Ok(Json(MovementView { corridor_id: corridor_id.clone(), at, organisations }))
    })?
}

pub async fn passages(
    paging: Paging,
    filters: Filters,
    as_of: AsOf<PassagesQuery>,
) -> Result<Json<Page<PassageView>>, ApiError> {
    let query = &as_of.query;
    let at = as_of.at;
    let page = as_of.read(|state| {
        let filter = PassageFilter::new(&filters, state)?;
        let items = state
            .monitoring
            .passages
            .iter()
            .filter(|(_, p)| p.count.given_by(at))
            .filter(|(_, p)| query.corridor_id.as_deref().is_none_or(|id| *p.corridor_id.text() == *id))
            .filter(|(_, p)| filter.admits(state, p))
            .map(|(id, p)| (id.to_string(), passage_view(state, p, at)));
        page_of(items, paging.cursor.as_deref(), paging.limit)
    })??;
    Ok(Json(page))
}

pub async fn convoys(paging: Paging, as_of: AsOf) -> Result<Json<Page<ConvoyView>>, ApiError> {
    let query = &paging;
    let at = as_of.at;
    let page = as_of.read(|state| {
        // Scheduling a convoy has no valid time of its own: every convoy recorded (by
        // `known_at`) is listed, with the updates, passages and incidents of valid time `at`.
        let items = state.monitoring.convoys.iter().map(|(id, convoy)| {
            let updates: Vec<ConvoyUpdateView> = convoy
                .updates_by(at)
                .into_iter()
                .map(|u| ConvoyUpdateView {
                    at: u.at,
                    recorded_at: u.recorded_at,
                    status: u.status,
                    note: u.note.clone(),
                })
                .collect();
            let view = ConvoyView {
                convoy_id: convoy.convoy_id.clone(),
                corridor_id: convoy.corridor_id.clone(),
                buses: convoy.buses,
                ambulances: convoy.ambulances,
                departs_at: convoy.departs_at,
                status: convoy.status_at(at),
                at,
                updates,
                passage_ids: state
                    .monitoring
                    .convoy_passages(id, at)
                    .into_iter()
                    .map(|p| p.passage_id.clone())
                    .collect(),
                incident_ids: state
                    .monitoring
                    .convoy_incidents(id, at)
                    .into_iter()
                    .map(|i| i.incident_id.clone())
                    .collect(),
                statements: statements_about(state, &RecordRef::Convoy { convoy_id: id.clone() }, Some(at)),
            };
            (id.to_string(), view)
        });
        page_of(items, query.cursor.as_deref(), query.limit)
    })??;
    Ok(Json(page))
}
