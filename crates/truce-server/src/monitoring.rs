//! Reading what monitoring has recorded: incidents with every revision, source and derived
//! grade, violations, statements, population estimates, movement through corridors,
//! passages and convoys.
//!
//! Humanitarian notifications are confidential: there is no authentication yet, so nothing
//! here shows a notification, and a violation of one is left out of every list and detail.
//! Every read is from what the log had recorded by `?known_at=` (`AsOf`). Incidents and
//! violations are derived from that whole record, or, with `?at=`, from the monitoring record
//! as it stood at `at` (`State::as_of`); the plain records (estimates, movement, passages,
//! convoys, statements) answer as of `?at=`.

use std::collections::BTreeMap;

use axum::Json;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use truce_core::{
    AccountId, AgreementId, AgreementRef, CommitmentId, ConvoyId, ConvoyStatus, CorridorId, Direction, EstimateId,
    EstimateKind, ForceId, Grade, Group, IncidentId, IncidentKind, IncidentRecord, IncidentStance, Location, Name,
    PartyId, PassageId, Provenance, Reason, SourceReport, State, StatementId, StatementRecord, Timestamp, TotalId,
    TotalScope, Violation, ViolationStatus, WeighedSource, When, ZoneId,
};

use crate::{
    as_of::AsOf,
    extract::ApiPath,
    problem::ApiError,
    read::{page_limit, ListQuery, Page},
    PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX,
};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ViolationsQuery {
    /// Only violations with this status.
    #[serde(default)]
    status: Option<ViolationStatus>,
    /// The `next_cursor` of the previous page; the first page when absent.
    #[serde(default)]
    #[schemars(with = "String")]
    cursor: Option<String>,
    /// Items in the page at the most.
    #[serde(default)]
    #[schemars(with = "u32", range(min = 1, max = PAGE_SIZE_MAX), extend("default" = PAGE_SIZE_DEFAULT))]
    limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PassagesQuery {
    /// Only passages through this corridor (its id).
    #[serde(default)]
    #[schemars(with = "CorridorId")]
    corridor_id: Option<String>,
    /// The `next_cursor` of the previous page; the first page when absent.
    #[serde(default)]
    #[schemars(with = "String")]
    cursor: Option<String>,
    /// Items in the page at the most.
    #[serde(default)]
    #[schemars(with = "u32", range(min = 1, max = PAGE_SIZE_MAX), extend("default" = PAGE_SIZE_DEFAULT))]
    limit: Option<u32>,
}

/// An incident: what it is now, every revision and source, and what they mean.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IncidentView {
    pub incident_id: IncidentId,
    pub description: Reason,
    pub reported_by: AccountId,
    pub reported_at: Timestamp,
    /// The current kind, location and time: those of the latest revision.
    pub kind: IncidentKind,
    pub location: Location,
    pub when: When,
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
    /// The highest maximum claimed.
    pub max: u32,
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
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StatementView {
    pub statement_id: StatementId,
    pub party_id: Option<PartyId>,
    /// When it was made (valid time).
    pub at: Timestamp,
    /// When the ledger accepted the record of it.
    pub recorded_at: Timestamp,
    // Attested by the party's own account, or reported by a monitor or analyst with sources.
    // (A plain comment: a doc comment on a flattened field would become the view's schema
    // description.)
    #[serde(flatten)]
    pub provenance: Provenance,
    pub text: Reason,
    pub incident_ids: Vec<IncidentId>,
    pub stances: Vec<IncidentStance>,
    pub agreements: Vec<AgreementRef>,
}

/// Every population estimate of a zone, side by side; never averaged.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PopulationView {
    pub zone_id: ZoneId,
    pub at: Timestamp,
    /// The latest estimate (by `as_of`) of each source and kind.
    pub latest_by_source: Vec<EstimateView>,
    /// Every estimate recorded by `at`, oldest `as_of` first.
    pub estimates: Vec<EstimateView>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EstimateView {
    pub estimate_id: EstimateId,
    pub kind: EstimateKind,
    pub min: u32,
    pub max: u32,
    pub as_of: Timestamp,
    pub source: Name,
    pub recorded_at: Timestamp,
}

/// Movement through a corridor: what monitors observed, beside what sources report; none
/// of the figures is picked as the truth.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MovementView {
    pub corridor_id: CorridorId,
    pub at: Timestamp,
    /// The sum of observed passages by group and direction.
    pub observed: Vec<ObservedMovement>,
    /// Each source's latest reported total (by `as_of`) for this corridor or its origin zone.
    pub reported_totals: Vec<TotalView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ObservedMovement {
    pub group: Group,
    pub direction: Direction,
    pub people: u64,
    pub vehicles: u64,
    pub passages_count: u64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TotalView {
    pub total_id: TotalId,
    pub scope: TotalScope,
    pub evacuated: u32,
    pub as_of: Timestamp,
    pub source: Name,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PassageView {
    pub passage_id: PassageId,
    pub corridor_id: CorridorId,
    pub group: Group,
    pub direction: Direction,
    pub people: u32,
    pub vehicles: u32,
    pub observed: When,
    pub observer: AccountId,
    pub recorded_at: Timestamp,
}

/// A convoy with its status as of `at`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConvoyView {
    pub convoy_id: ConvoyId,
    pub corridor_id: CorridorId,
    pub buses: u32,
    pub ambulances: u32,
    pub departs_at: Timestamp,
    pub status: ConvoyStatus,
    pub at: Timestamp,
    /// Every update recorded by `at`.
    pub updates: Vec<ConvoyUpdateView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ConvoyUpdateView {
    pub at: Timestamp,
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

/// Whether a violation may be shown to anyone: not one of a confidential notification.
pub(crate) fn is_public(violation: &Violation) -> bool {
    violation.notification_id.is_none() && violation.commitment_id.is_some()
}

fn violation_view(violation: Violation) -> Option<ViolationView> {
    if !is_public(&violation) {
        return None;
    }
    Some(ViolationView {
        incident_id: violation.incident_id,
        commitment_id: violation.commitment_id?,
        agreement_id: violation.agreement_id,
        status: violation.status,
        parties: violation.parties,
        grade: violation.grade,
        dismissed_reason: violation.dismissed_reason,
    })
}

fn statement_view(statement: &StatementRecord) -> StatementView {
    StatementView {
        statement_id: statement.statement_id.clone(),
        party_id: statement.party_id.clone(),
        at: statement.at,
        recorded_at: statement.recorded_at,
        provenance: statement.provenance.clone(),
        text: statement.text.clone(),
        incident_ids: statement.incident_ids.clone(),
        stances: statement.stances.clone(),
        agreements: statement.agreements.clone(),
    }
}

/// The grade the sources and statements alone give, without the analyst's overrides.
fn derived_grade(state: &State, incident: &IncidentRecord) -> Grade {
    if incident.grade_overrides.is_empty() {
        return state.grade(incident);
    }
    let mut plain = incident.clone();
    plain.grade_overrides.clear();
    state.grade(&plain)
}

fn incident_view(state: &State, incident: &IncidentRecord) -> IncidentView {
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
    let refers_to = |statement: &&StatementRecord| {
        statement.incident_ids.contains(&incident.incident_id)
            || statement.stances.iter().any(|s| s.incident_id() == &incident.incident_id)
    };
    let mut statements: Vec<&StatementRecord> = state.monitoring.statements.values().filter(refers_to).collect();
    statements.sort_by_key(|s| s.at);
    let explained = state.grade_explained(incident);
    IncidentView {
        incident_id: incident.incident_id.clone(),
        description: incident.description.clone(),
        reported_by: incident.reported_by.clone(),
        reported_at: incident.reported_at,
        kind: current.kind,
        location: current.location,
        when: current.when,
        revisions: incident
            .revisions
            .iter()
            .map(|r| RevisionView {
                at: r.at,
                kind: r.kind,
                location: r.location,
                when: r.when,
                reason: r.reason.clone(),
            })
            .collect(),
        sources,
        grade: GradeView {
            grade: explained.grade,
            reasons: explained.reasons,
            sources: explained.sources,
            overridden: !incident.grade_overrides.is_empty(),
            derived: derived_grade(state, incident),
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
        statements: statements.into_iter().map(statement_view).collect(),
        violations: state.violations_of(&incident.incident_id).into_iter().filter_map(violation_view).collect(),
    }
}

/// Runs `read` on the state as known at `known_at`: as it stands then, or, with `?at=`,
/// with the monitoring record as it stood at `at` (`State::as_of`).
fn read_monitoring<Q, T>(as_of: &AsOf<Q>, read: impl FnOnce(&State) -> T) -> Result<T, ApiError> {
    as_of.read(|state| match as_of.asked_at() {
        None => read(state),
        Some(at) => read(&state.as_of(at)),
    })
}

pub async fn incidents(as_of: AsOf<ListQuery>) -> Result<Json<Page<IncidentView>>, ApiError> {
    let query = &as_of.query;
    let page = read_monitoring(&as_of, |state| {
        // Only the page is rendered: the cursor filter runs on the keys first.
        let after = query.cursor.clone().unwrap_or_default();
        let keys = state.monitoring.incidents.iter().filter(|(id, _)| id.as_str() > after.as_str());
        let limit = page_limit(query.limit)?;
        let items = keys.take(limit.saturating_add(1)).map(|(id, incident)| (id.to_string(), incident));
        let page = page_of(items, query.cursor.as_deref(), query.limit)?;
        Ok::<_, ApiError>(Page {
            items: page.items.into_iter().map(|incident| incident_view(state, incident)).collect(),
            next_cursor: page.next_cursor,
        })
    })??;
    Ok(Json(page))
}

pub async fn incident(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<IncidentView>, ApiError> {
    read_monitoring(&as_of, |state| {
        let incident = state.monitoring.incidents.values().find(|i| i.incident_id.as_str() == id);
        incident.map(|incident| Json(incident_view(state, incident))).ok_or(ApiError::NotFound { kind: "incident", id })
    })?
}

pub async fn violations(as_of: AsOf<ViolationsQuery>) -> Result<Json<Page<ViolationView>>, ApiError> {
    let query = &as_of.query;
    let page = read_monitoring(&as_of, |state| {
        let after = query.cursor.clone().unwrap_or_default();
        // Keyed `<incident>/<commitment>`: the incident id sorts first, so whole incidents
        // before the cursor's are skipped without deriving their violations.
        let after_incident = after.split('/').next().unwrap_or("").to_owned();
        let items = state
            .monitoring
            .incidents
            .keys()
            .filter(|id| id.as_str() >= after_incident.as_str())
            .flat_map(|id| state.violations_of(id))
            .filter_map(violation_view)
            .filter(|v| query.status.is_none_or(|status| v.status == status))
            .map(|v| (format!("{}/{}", v.incident_id, v.commitment_id), v));
        page_of(items, query.cursor.as_deref(), query.limit)
    })??;
    Ok(Json(page))
}

pub async fn statements(as_of: AsOf<ListQuery>) -> Result<Json<Page<StatementView>>, ApiError> {
    let query = &as_of.query;
    let at = as_of.at;
    let page = as_of.read(|state| {
        let items = state
            .monitoring
            .statements
            .iter()
            .filter(|(_, s)| s.at <= at)
            .map(|(id, statement)| (id.to_string(), statement_view(statement)));
        page_of(items, query.cursor.as_deref(), query.limit)
    })??;
    Ok(Json(page))
}

pub async fn population(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<PopulationView>, ApiError> {
    let at = as_of.at;
    as_of.read(|state| {
        let zone = state.coordination.zones.values().find(|z| z.zone_id.as_str() == id || z.code.as_str() == id);
        let zone = zone
            .filter(|z| z.boundaries.first().is_some_and(|b| b.recorded_at <= at))
            .ok_or(ApiError::NotFound { kind: "zone", id: id.clone() })?;
        let mut estimates: Vec<EstimateView> = state
            .monitoring
            .estimates
            .values()
            .filter(|e| e.zone_id == zone.zone_id && e.recorded_at <= at)
            .map(|e| EstimateView {
                estimate_id: e.estimate_id.clone(),
                kind: e.kind,
                min: e.min,
                max: e.max,
                as_of: e.as_of,
                source: e.source.clone(),
                recorded_at: e.recorded_at,
            })
            .collect();
        estimates.sort_by_key(|a| (a.as_of, a.recorded_at));
        let mut latest: BTreeMap<(String, String), EstimateView> = BTreeMap::new();
        for estimate in &estimates {
            let kind = serde_json::to_string(&estimate.kind).unwrap_or_default();
            latest.insert((estimate.source.to_string(), kind), estimate.clone());
        }
        Ok(Json(PopulationView {
            zone_id: zone.zone_id.clone(),
            at,
            latest_by_source: latest.into_values().collect(),
            estimates,
        }))
    })?
}

pub async fn movement(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<MovementView>, ApiError> {
    let at = as_of.at;
    as_of.read(|state| {
        let record = state
            .coordination
            .corridors
            .values()
            .find(|c| c.spec.corridor_id.as_str() == id || c.spec.code.as_str() == id);
        let record = record
            .filter(|record| state.coordination.corridor_status(&record.spec.corridor_id, at).is_some())
            .ok_or(ApiError::NotFound { kind: "corridor", id: id.clone() })?;
        let corridor_id = &record.spec.corridor_id;
        let mut observed: BTreeMap<(String, String), ObservedMovement> = BTreeMap::new();
        for passage in state.monitoring.passages.values() {
            if &passage.corridor_id != corridor_id || passage.recorded_at > at {
                continue;
            }
            let key = (
                serde_json::to_string(&passage.group).unwrap_or_default(),
                serde_json::to_string(&passage.direction).unwrap_or_default(),
            );
            let sum = observed.entry(key).or_insert(ObservedMovement {
                group: passage.group,
                direction: passage.direction,
                people: 0,
                vehicles: 0,
                passages_count: 0,
            });
            sum.people += u64::from(passage.people);
            sum.vehicles += u64::from(passage.vehicles);
            sum.passages_count += 1;
        }
        let origin_zone = &record.spec.origin_zone_id;
        let mut latest: BTreeMap<String, TotalView> = BTreeMap::new();
        let mut totals: Vec<_> = state
            .monitoring
            .totals
            .values()
            .filter(|t| t.recorded_at <= at)
            .filter(|t| {
                t.scope.corridor_id.as_ref() == Some(corridor_id)
                    || (t.scope.corridor_id.is_none() && t.scope.zone_id.as_ref() == Some(origin_zone))
            })
            .collect();
        totals.sort_by_key(|t| (t.as_of, t.recorded_at));
        for total in totals {
            latest.insert(
                total.source.to_string(),
                TotalView {
                    total_id: total.total_id.clone(),
                    scope: total.scope.clone(),
                    evacuated: total.evacuated,
                    as_of: total.as_of,
                    source: total.source.clone(),
                    recorded_at: total.recorded_at,
                },
            );
        }
        Ok(Json(MovementView {
            corridor_id: corridor_id.clone(),
            at,
            observed: observed.into_values().collect(),
            reported_totals: latest.into_values().collect(),
        }))
    })?
}

pub async fn passages(as_of: AsOf<PassagesQuery>) -> Result<Json<Page<PassageView>>, ApiError> {
    let query = &as_of.query;
    let at = as_of.at;
    let page = as_of.read(|state| {
        let items = state
            .monitoring
            .passages
            .iter()
            .filter(|(_, p)| p.recorded_at <= at)
            .filter(|(_, p)| query.corridor_id.as_deref().is_none_or(|id| p.corridor_id.as_str() == id))
            .map(|(id, p)| {
                let view = PassageView {
                    passage_id: p.passage_id.clone(),
                    corridor_id: p.corridor_id.clone(),
                    group: p.group,
                    direction: p.direction,
                    people: p.people,
                    vehicles: p.vehicles,
                    observed: p.observed,
                    observer: p.observer.clone(),
                    recorded_at: p.recorded_at,
                };
                (id.to_string(), view)
            });
        page_of(items, query.cursor.as_deref(), query.limit)
    })??;
    Ok(Json(page))
}

pub async fn convoys(as_of: AsOf<ListQuery>) -> Result<Json<Page<ConvoyView>>, ApiError> {
    let query = &as_of.query;
    let at = as_of.at;
    let page = as_of.read(|state| {
        // Convoys planned by `at` (valid time: the earlier of their departure and their first
        // status change), with the updates made by then.
        let planned_by = |convoy: &&truce_core::ConvoyRecord| {
            convoy.updates.iter().map(|u| u.at).chain([convoy.departs_at]).min().is_some_and(|first| first <= at)
        };
        let convoys = state.monitoring.convoys.iter().filter(|(_, convoy)| planned_by(convoy));
        let items = convoys.map(|(id, convoy)| {
            let updates: Vec<ConvoyUpdateView> = convoy
                .updates
                .iter()
                .filter(|u| u.at <= at)
                .map(|u| ConvoyUpdateView { at: u.at, status: u.status, note: u.note.clone() })
                .collect();
            let status = updates.last().map_or(ConvoyStatus::Scheduled, |u| u.status);
            let view = ConvoyView {
                convoy_id: convoy.convoy_id.clone(),
                corridor_id: convoy.corridor_id.clone(),
                buses: convoy.buses,
                ambulances: convoy.ambulances,
                departs_at: convoy.departs_at,
                status,
                at,
                updates,
            };
            (id.to_string(), view)
        });
        page_of(items, query.cursor.as_deref(), query.limit)
    })??;
    Ok(Json(page))
}
