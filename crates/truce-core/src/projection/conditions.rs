//! Conditions that bite: a commitment that depends on another's not being breached stops
//! binding from the moment that other is breached (its first substantiated violation), and
//! incidents after that are no longer violations of it.
//!
//! Breaches and releases feed each other (reciprocity: each side's evacuation conditional on
//! the other's going on), so they are found by one sweep in valid-time order: the earliest
//! substantiated violation of a commitment that still binds breaches it and releases every
//! commitment that depended on its not being breached at that instant (a condition counts
//! from the valid time of the version that made it), after that instant. A violation of a
//! commitment released before its incident's start does not count, so nothing a release
//! removes can cause another; an incident at the very instant of a release still counts,
//! so one incident that breaches both sides of a reciprocal deal breaches both. `holds` and `fulfilled` conditions are the coordination
//! record's (`Coordination::commitment_status`).
//!
//! Derived from the record and never stored in the ledger: `State` keeps the outcome of the
//! last sweep, refreshed after every entry (and for every valid-time view); only commitments
//! named by a `not_breached` condition are swept, so logs without such conditions pay one
//! scan of the commitments.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{
    coordination::model::Requirement,
    coordination::record::Coordination,
    monitoring::model::ViolationStatus,
    projection::{state::State, verification::Against},
    vocab::{
        ids::{CommitmentId, IncidentId},
        time::Timestamp,
    },
};

/// For each commitment that others' `not_breached` conditions name, those others, each with
/// the valid time from which its condition stands.
pub(crate) type Dependents = BTreeMap<CommitmentId, Vec<(CommitmentId, Timestamp)>>;

/// A commitment breached: its first substantiated violation that counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Breach {
    pub commitment_id: CommitmentId,
    pub at: Timestamp,
    pub incident_id: IncidentId,
}

/// A commitment released: a `not_breached` condition of it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Release {
    pub commitment_id: CommitmentId,
    pub at: Timestamp,
    /// The condition that failed: the commitment breached, and by which incident.
    pub because: Breach,
}

/// Breaches and releases of the commitments that `not_breached` conditions involve.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConditionOutcomes {
    pub breaches: BTreeMap<CommitmentId, Breach>,
    pub releases: BTreeMap<CommitmentId, Release>,
}

impl State {
    /// Every breach and release that `not_breached` conditions cause, by valid time, as
    /// kept since the last entry (`State::apply` refreshes it).
    pub fn condition_outcomes(&self) -> &ConditionOutcomes {
        &self.condition_outcomes
    }

    /// Sweeps the record for the breaches and releases. Scans every incident when any
    /// `not_breached` condition exists, so `apply` runs it once per entry, not per read.
    pub(crate) fn sweep_condition_outcomes(&self) -> ConditionOutcomes {
        // Kept with the active scopes, which are rebuilt whenever an agreement's versions
        // change: most logs have no such condition, and then the sweep costs nothing.
        let dependents = self.active_scopes.not_breached_dependents();
        let mut outcomes = ConditionOutcomes::default();
        if dependents.is_empty() {
            return outcomes;
        }
        let involved: BTreeSet<&CommitmentId> =
            dependents.keys().chain(dependents.values().flatten().map(|(dependent, _)| dependent)).collect();
        // Substantiated violations of the involved commitments, in valid-time order.
        let mut candidates: Vec<(Timestamp, CommitmentId, IncidentId)> = Vec::new();
        for (incident_id, incident) in &self.monitoring.incidents {
            for violation in self.violations_binding(incident_id, Against::Commitments) {
                let Some(commitment_id) = violation.commitment_id else {
                    continue;
                };
                if violation.status == ViolationStatus::Substantiated && involved.contains(&commitment_id) {
                    candidates.push((incident.current().when.start, commitment_id, incident_id.clone()));
                }
            }
        }
        candidates.sort();
        for (at, commitment_id, incident_id) in candidates {
            // Released strictly before: violations at the instant of the release still count,
            // so one incident that breaches both sides of a reciprocal deal breaches both.
            let released_before = outcomes.releases.get(&commitment_id).is_some_and(|r| r.at < at);
            if released_before {
                continue;
            }
            let breach = Breach { commitment_id: commitment_id.clone(), at, incident_id };
            // Every later violation can still release a dependent whose condition began after
            // the first breach; the first breach is the one shown.
            for (dependent, since) in dependents.get(&commitment_id).into_iter().flatten() {
                if *since <= at && !outcomes.releases.contains_key(dependent) {
                    let release = Release { commitment_id: dependent.clone(), at, because: breach.clone() };
                    outcomes.releases.insert(dependent.clone(), release);
                }
            }
            outcomes.breaches.entry(commitment_id).or_insert(breach);
        }
        outcomes
    }
}

/// Which commitments depend on which one's not being breached, and since when: the valid
/// time of the first version that made the condition. A breach before a renegotiated
/// linkage existed does not release what the linkage made dependent.
pub(crate) fn not_breached_dependents(coordination: &Coordination) -> Dependents {
    let mut dependents: BTreeMap<CommitmentId, Vec<(CommitmentId, Timestamp)>> = BTreeMap::new();
    for (commitment_id, agreement_id) in &coordination.commitment_agreements {
        let Some(agreement) = coordination.agreements.get(agreement_id) else {
            continue;
        };
        let mut since: BTreeMap<&CommitmentId, Timestamp> = BTreeMap::new();
        for version in &agreement.versions {
            let spec = version.terms.commitments.iter().find(|c| &c.commitment_id == commitment_id);
            for condition in spec.into_iter().flat_map(|s| &s.conditions) {
                if condition.requires == Requirement::NotBreached {
                    since.entry(&condition.commitment_id).or_insert(version.proposed_at);
                }
            }
        }
        for (condition_id, from) in since {
            dependents.entry(condition_id.clone()).or_default().push((commitment_id.clone(), from));
        }
    }
    dependents
}
