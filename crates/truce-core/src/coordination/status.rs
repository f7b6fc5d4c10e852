//! What the facts in `State` mean at an instant: whether a version is agreed or in force,
//! whether a corridor is open, whether a commitment is active or fulfilled.
//!
//! Nothing here is stored: every status is derived on demand from the recorded history, so
//! "as of" questions are answered by the same code as "now" questions. Only facts recorded
//! by the instant asked about are taken into account.

use serde::Serialize;

use crate::{
    coordination::model::{CommitmentKind, CommitmentSpec, Ending, Group, Requirement, Scope, Stance, TruceStart},
    coordination::record::{AgreementRecord, Coordination, EndingRecord, VersionRecord},
    vocab::ids::{AgreementId, CommitmentId, CorridorId},
    vocab::time::Timestamp,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum VersionStatus {
    /// Awaiting endorsements.
    Proposed,
    /// A required signatory rejected it and has not endorsed it since.
    Rejected,
    /// A later version was proposed and this one is not the agreement in effect.
    Superseded,
    /// Every required signatory endorses it; its truce has not started.
    Agreed,
    /// Agreed, started and not suspended.
    InForce,
    /// Agreed, but suspended.
    Suspended,
    /// Agreed, and its truce end has passed.
    Expired,
    /// A party declared it broken.
    Broken,
    /// A party declared it completed.
    Completed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgreementStatus {
    pub agreement_id: AgreementId,
    pub at: Timestamp,
    pub latest_version: u32,
    /// The highest-numbered version agreed at `at`.
    pub effective_version: Option<u32>,
    pub status: VersionStatus,
    pub in_force: bool,
    pub suspended: bool,
    /// Who declared it broken or completed, when and why, once that holds at `at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<EndingRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum CorridorStatusKind {
    Proposed,
    Agreed,
    Open,
    Closed,
    Suspended,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorridorStatus {
    pub corridor_id: CorridorId,
    pub at: Timestamp,
    pub status: CorridorStatusKind,
    /// Groups that may pass now (only when open).
    pub open_for: Vec<Group>,
    /// The version whose definition applies.
    pub version: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum CommitmentStatusKind {
    Pending,
    Active,
    Fulfilled,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitmentStatus {
    pub commitment_id: CommitmentId,
    pub at: Timestamp,
    pub status: CommitmentStatusKind,
    pub version: u32,
}

impl Coordination {
    /// When `version` became agreed, if it is agreed at `at`: every required signatory's
    /// latest stance by `at` is an endorsement. The answer is the latest of those.
    pub fn agreed_since(&self, version: &VersionRecord, at: Timestamp) -> Option<Timestamp> {
        let mut since: Option<Timestamp> = None;
        for party_id in &version.terms.signatories {
            let record = version.stance_at(party_id, at)?;
            if record.stance != Stance::Endorsed {
                return None;
            }
            since = Some(since.map_or(record.at, |s| s.max(record.at)));
        }
        since
    }

    /// The highest-numbered version proposed and agreed by `at`.
    pub fn effective_version<'a>(&self, agreement: &'a AgreementRecord, at: Timestamp) -> Option<&'a VersionRecord> {
        agreement.versions.iter().rev().filter(|v| v.proposed_at <= at).find(|v| self.agreed_since(v, at).is_some())
    }

    /// When a commitment was fulfilled, if it was by `at`.
    pub fn fulfilled_at(&self, commitment: &CommitmentSpec, at: Timestamp) -> Option<Timestamp> {
        let reported = self.fulfilments.get(&commitment.commitment_id).into_iter().flatten();
        if let Some(first) = reported.map(|record| record.at).filter(|fulfilled| *fulfilled <= at).min() {
            return Some(first);
        }
        if commitment.kind != CommitmentKind::SecureConsent || commitment.force_ids.is_empty() {
            return None;
        }
        let Scope::Corridor(corridor_id) = &commitment.scope else {
            return None;
        };
        let mut latest: Option<Timestamp> = None;
        for force_id in &commitment.force_ids {
            let consent = self
                .consents
                .values()
                .filter(|c| &c.force_id == force_id && &c.corridor_id == corridor_id && c.effective_at <= at)
                .map(|c| c.effective_at)
                .min()?;
            latest = Some(latest.map_or(consent, |l| l.max(consent)));
        }
        latest
    }

    fn truce_started(&self, version: &VersionRecord, at: Timestamp) -> bool {
        let Some(truce) = &version.terms.truce else {
            return true;
        };
        match &truce.start {
            TruceStart::Immediately => true,
            TruceStart::At { at: start } => *start <= at,
            TruceStart::WhenFulfilled { commitment_ids } => commitment_ids
                .iter()
                .all(|id| self.commitment_spec(id).is_some_and(|(_, spec)| self.fulfilled_at(spec, at).is_some())),
        }
    }

    fn truce_ended(version: &VersionRecord, at: Timestamp) -> bool {
        version.terms.truce.as_ref().and_then(|t| t.end).is_some_and(|end| end <= at)
    }

    /// Whether the agreement is in force at `at`, and under which version.
    pub fn in_force_version<'a>(&self, agreement: &'a AgreementRecord, at: Timestamp) -> Option<&'a VersionRecord> {
        let version = self.effective_version(agreement, at)?;
        let in_force = agreement.ended_at(at).is_none()
            && !agreement.suspended_at(at)
            && self.truce_started(version, at)
            && !Coordination::truce_ended(version, at);
        in_force.then_some(version)
    }

    pub fn version_status(&self, agreement: &AgreementRecord, version: &VersionRecord, at: Timestamp) -> VersionStatus {
        let effective = self.effective_version(agreement, at).map(|v| v.version);
        if effective == Some(version.version) {
            match agreement.ended_at(at).map(|ending| &ending.ending) {
                Some(Ending::Broken { .. }) => return VersionStatus::Broken,
                Some(Ending::Completed { .. }) => return VersionStatus::Completed,
                None => {}
            }
            if agreement.suspended_at(at) {
                return VersionStatus::Suspended;
            }
            if Coordination::truce_ended(version, at) {
                return VersionStatus::Expired;
            }
            if self.truce_started(version, at) {
                return VersionStatus::InForce;
            }
            return VersionStatus::Agreed;
        }
        let later_proposed = agreement.versions.iter().any(|v| v.version > version.version && v.proposed_at <= at);
        if later_proposed || effective.is_some_and(|e| e > version.version) {
            return VersionStatus::Superseded;
        }
        let rejected = version.terms.signatories.iter().any(|party_id| {
            version.stance_at(party_id, at).is_some_and(|s| matches!(s.stance, Stance::Rejected { .. }))
        });
        if rejected {
            return VersionStatus::Rejected;
        }
        VersionStatus::Proposed
    }

    /// The agreement's status at `at`; `None` when it did not exist yet.
    pub fn agreement_status(&self, agreement_id: &AgreementId, at: Timestamp) -> Option<AgreementStatus> {
        let agreement = self.agreements.get(agreement_id)?;
        let latest = agreement.versions.iter().rev().find(|v| v.proposed_at <= at)?;
        let effective = self.effective_version(agreement, at);
        let status = match effective {
            Some(version) => self.version_status(agreement, version, at),
            None => self.version_status(agreement, latest, at),
        };
        Some(AgreementStatus {
            agreement_id: agreement_id.clone(),
            at,
            latest_version: latest.version,
            effective_version: effective.map(|v| v.version),
            status,
            in_force: status == VersionStatus::InForce,
            suspended: status == VersionStatus::Suspended,
            ended: agreement.ended_at(at).cloned(),
        })
    }

    /// The corridor's status at `at`; `None` when no version defining it was proposed yet.
    pub fn corridor_status(&self, corridor_id: &CorridorId, at: Timestamp) -> Option<CorridorStatus> {
        let record = self.corridors.get(corridor_id)?;
        let agreement = self.agreements.get(&record.agreement_id)?;
        let defines = |v: &&VersionRecord| v.terms.corridors.iter().any(|c| &c.corridor_id == corridor_id);
        let result = |status, open_for, version| CorridorStatus {
            corridor_id: corridor_id.clone(),
            at,
            status,
            open_for,
            version,
        };

        if let Some(version) = self.effective_version(agreement, at).filter(defines) {
            let spec = version.terms.corridors.iter().find(|c| &c.corridor_id == corridor_id).expect("filtered on it");
            let status = self.version_status(agreement, version, at);
            return Some(match status {
                VersionStatus::Suspended => result(CorridorStatusKind::Suspended, Vec::new(), version.version),
                VersionStatus::InForce => {
                    let mut open_for: Vec<Group> = Vec::new();
                    for window in spec.windows.iter().filter(|w| w.window.contains(at)) {
                        let groups = if window.groups.is_empty() { &spec.groups } else { &window.groups };
                        open_for.extend(groups.iter().copied().filter(|g| spec.groups.contains(g)));
                    }
                    open_for.sort();
                    open_for.dedup();
                    let kind = if open_for.is_empty() { CorridorStatusKind::Closed } else { CorridorStatusKind::Open };
                    result(kind, open_for, version.version)
                }
                VersionStatus::Agreed => result(CorridorStatusKind::Agreed, Vec::new(), version.version),
                _ => result(CorridorStatusKind::Closed, Vec::new(), version.version),
            });
        }
        let latest = agreement.versions.iter().rev().find(|v| v.proposed_at <= at)?;
        if defines(&latest) {
            return Some(result(CorridorStatusKind::Proposed, Vec::new(), latest.version));
        }
        let earlier = agreement.versions.iter().rev().filter(|v| v.proposed_at <= at).find(defines)?;
        Some(result(CorridorStatusKind::Closed, Vec::new(), earlier.version))
    }

    /// Whether a commitment applies at `at` without looking at its own conditions: its
    /// agreement is in force under a version that holds it, and `at` is in its window.
    fn commitment_applies(&self, commitment_id: &CommitmentId, at: Timestamp) -> Option<(u32, &CommitmentSpec)> {
        let agreement = self.agreements.get(self.commitment_agreements.get(commitment_id)?)?;
        let version = self.in_force_version(agreement, at)?;
        let spec = version.terms.commitments.iter().find(|c| &c.commitment_id == commitment_id)?;
        let in_window = spec.window.is_none_or(|w| w.contains(at));
        in_window.then_some((version.version, spec))
    }

    /// The commitment's status at `at`; `None` when no version holding it was proposed yet.
    ///
    /// A condition holds when the commitment it names is fulfilled or applies at `at`.
    /// Conditions of conditions are not followed: reciprocity is one level deep, and this
    /// keeps the evaluation free of recursion and of cycles.
    pub fn commitment_status(&self, commitment_id: &CommitmentId, at: Timestamp) -> Option<CommitmentStatus> {
        let agreement = self.agreements.get(self.commitment_agreements.get(commitment_id)?)?;
        let holding = agreement.versions.iter().rev().filter(|v| v.proposed_at <= at).find_map(|v| {
            v.terms.commitments.iter().find(|c| &c.commitment_id == commitment_id).map(|c| (v.version, c))
        })?;
        let result = |status, version| CommitmentStatus { commitment_id: commitment_id.clone(), at, status, version };
        if self.fulfilled_at(holding.1, at).is_some() {
            return Some(result(CommitmentStatusKind::Fulfilled, holding.0));
        }
        let Some((version, spec)) = self.commitment_applies(commitment_id, at) else {
            return Some(result(CommitmentStatusKind::Pending, holding.0));
        };
        // `not_breached` conditions need the monitoring record: they are the projection's
        // (`State::commitment_standing`); here they hold.
        let conditions_hold = spec.conditions.iter().all(|condition| {
            let condition_id = &condition.commitment_id;
            let fulfilled = self.commitment_spec(condition_id).is_some_and(|(_, c)| self.fulfilled_at(c, at).is_some());
            match condition.requires {
                Requirement::Holds => fulfilled || self.commitment_applies(condition_id, at).is_some(),
                Requirement::Fulfilled => fulfilled,
                Requirement::NotBreached => true,
            }
        });
        let kind = if conditions_hold { CommitmentStatusKind::Active } else { CommitmentStatusKind::Pending };
        Some(result(kind, version))
    }
}
