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

use truce_core::{
    AccountId, CorridorId, EstimateRecord, IncidentKind, IncidentRecord, PartyId, PassageRecord, Position, Scope,
    State, TotalRecord, Violation, ZoneId,
};

use crate::{
    filters::{Filter, Filters},
    problem::ApiError,
};

/// The filters of incidents and violations, resolved against one state.
pub(crate) struct IncidentFilter {
    filters: Filters,
    kind: Option<IncidentKind>,
    party: Option<PartyId>,
}

impl IncidentFilter {
    /// # Errors
    /// A 400 naming `kind` or `party` when they name no incident kind or no party.
    pub(crate) fn new(filters: &Filters, state: &State) -> Result<IncidentFilter, ApiError> {
        Ok(IncidentFilter { kind: filters.kind()?, party: filters.party(state)?, filters: filters.clone() })
    }

    /// Whether the incident's place, time and kind are selected: all a violation's filters
    /// but its grade and parties.
    pub(crate) fn admits_event(&self, incident: &IncidentRecord) -> bool {
        let current = incident.current();
        self.filters.holds(current.location.position)
            && self.filters.at_in(current.when.start)
            && self.kind.is_none_or(|kind| current.kind == kind)
    }

    /// Whether the incident is selected.
    pub(crate) fn admits(&self, state: &State, incident: &IncidentRecord) -> bool {
        self.admits_event(incident)
            && self.filters.grade.is_none_or(|grade| state.grade(incident) == grade)
            && self.party.as_ref().is_none_or(|party| {
                state.accused_forces(incident).iter().any(|force_id| {
                    state.coordination.forces.get(force_id).is_some_and(|force| force.party_ids.contains(party))
                })
            })
    }

    /// Whether a violation of an incident `admits_event` selected is selected.
    pub(crate) fn admits_violation(&self, violation: &Violation) -> bool {
        self.filters.grade.is_none_or(|grade| violation.grade == grade)
            && self.party.as_ref().is_none_or(|party| violation.parties.contains(party))
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
