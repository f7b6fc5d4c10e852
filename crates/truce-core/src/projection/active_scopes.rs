//! The scopes of active commitments, indexed for matching incidents: for every commitment
//! whose kind forbids something (`no_attack` and `cease_fire` forbid attacks, `allow_access`
//! forbids obstruction), the periods in which it is active, each with the geometry that
//! applies then (the corridor as the version in force defines it, the zone's boundary in
//! effect), in a `matcher::Matcher`.
//!
//! The periods come from `Coordination::commitment_status` itself, evaluated at every instant at
//! which it can change: statuses are piecewise constant between the instants recorded in the
//! state, and every comparison they make is `recorded <= at` or `start <= at < end`, so a
//! status evaluated at an instant holds until the next one.
//!
//! `State` keeps one `ActiveScopes` and rebuilds it after an entry (or an event given to
//! `State::evolve`) that can change a commitment's status or a scope's geometry, so that
//! `State::violations_of` is an R-tree query however often alerts ask it. Like every status,
//! it is derived from the record and never stored.
//!
//! Deliberately not here: the violation itself (parties, grade, dismissals), humanitarian
//! notifications, and the geometry of the match (the matcher's).

use std::{collections::BTreeMap, sync::Arc};

use chrono::{DateTime, Utc};

use crate::{
    coordination::model::{CommitmentKind, Scope, TruceStart},
    coordination::record::{AgreementRecord, Coordination},
    coordination::status::CommitmentStatusKind,
    event::Event,
    matcher::{self, IncidentProbe, Matcher, ScopeGeometry, WINDOWS_PER_SCOPE_MAX},
    monitoring::model::IncidentKind,
    projection::conditions::{not_breached_dependents, Dependents},
    vocab::ids::{CommitmentId, CorridorId, ZoneId},
    vocab::time::{Timestamp, Window},
};

/// A maximal period during which a commitment is active under one version of its agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ActivePeriod {
    pub window: Window,
    pub version: u32,
}

/// What a commitment forbids, by its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Forbidden {
    /// `no_attack`, `cease_fire`: any attack.
    Attacks,
    /// `allow_access`: obstruction, and attacks on convoys.
    Obstruction,
}

/// The R-tree of the active scopes and, for each scope, the commitment it belongs to.
///
/// Several scopes can share a commitment: one per geometry that applied while it was active
/// (a corridor redrawn by a later version, a zone's boundary redrawn) and per
/// `WINDOWS_PER_SCOPE_MAX` periods. Equal when built from equal scopes.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ActiveScopes {
    /// Shared, so that cloning a `State` does not copy the index.
    matcher: Arc<Matcher>,
    /// Parallel to the matcher's scopes.
    owners: Vec<ScopeOwner>,
    /// The commitments that `not_breached` conditions make depend on others (`conditions`):
    /// derived from the same agreements' versions, so rebuilt with the scopes.
    dependents: Arc<Dependents>,
}

#[derive(Debug, Clone, PartialEq)]
struct ScopeOwner {
    commitment_id: CommitmentId,
    forbidden: Forbidden,
}

/// Where a commitment applied during a piece of an active period: the key under which its
/// windows are gathered into one matcher scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum GeometryKey<'a> {
    /// The corridor as defined by that version of the commitment's agreement, or by its
    /// latest definition (`None`) when that version does not define it.
    Corridor { corridor_id: &'a CorridorId, version: Option<u32> },
    /// The zone's boundary at that index of `Zone::boundaries`.
    Zone { zone_id: &'a ZoneId, boundary_idx: usize },
}

impl Forbidden {
    pub(crate) fn of(kind: CommitmentKind) -> Option<Forbidden> {
        match kind {
            CommitmentKind::NoAttack | CommitmentKind::CeaseFire => Some(Forbidden::Attacks),
            // Obstructing access or a convoy's passage, or attacking the convoy, breaches them.
            CommitmentKind::AllowAccess | CommitmentKind::AllowPassage => Some(Forbidden::Obstruction),
            // Done or not done: fulfilled by a report, not breached by an incident.
            CommitmentKind::SecureConsent
            | CommitmentKind::ProvideTransport
            | CommitmentKind::WithdrawForces
            | CommitmentKind::Evacuate
            | CommitmentKind::HandOver
            | CommitmentKind::ReleaseDetainees => None,
        }
    }

    /// Whether an incident of this kind is what the commitment forbids.
    pub(crate) fn covers(self, incident: IncidentKind) -> bool {
        match self {
            Forbidden::Attacks => incident.is_attack(),
            Forbidden::Obstruction => matches!(incident, IncidentKind::Obstruction | IncidentKind::AttackOnConvoy),
        }
    }
}

impl ActiveScopes {
    /// Indexes the active scopes of every commitment of `state`, in commitment id order so
    /// that equal states give equal indexes.
    pub(crate) fn build(coordination: &Coordination) -> ActiveScopes {
        let mut commitment_ids: Vec<&CommitmentId> = coordination.commitment_agreements.keys().collect();
        commitment_ids.sort();
        let mut scopes = Vec::new();
        let mut owners = Vec::new();
        for commitment_id in commitment_ids {
            let Some((agreement, _)) = coordination.commitment_spec(commitment_id) else {
                continue;
            };
            let mut grouped: BTreeMap<(Forbidden, GeometryKey<'_>), Vec<Window>> = BTreeMap::new();
            for (forbidden, key, window) in coordination.scope_pieces(commitment_id) {
                grouped.entry((forbidden, key)).or_default().push(window);
            }
            for ((forbidden, key), windows) in grouped {
                let Some(geometry) = coordination.scope_geometry(agreement, key) else {
                    continue;
                };
                for chunk in windows.chunks(WINDOWS_PER_SCOPE_MAX) {
                    let scope = match &geometry {
                        ScopeGeometry::Corridor { route, half_width_m } => matcher::Scope::corridor(
                            commitment_id.to_string(),
                            route.clone(),
                            *half_width_m,
                            chunk.to_vec(),
                        ),
                        ScopeGeometry::Zone { boundary } => {
                            matcher::Scope::zone(commitment_id.to_string(), boundary.clone(), chunk.to_vec())
                        }
                    };
                    // `decide` refuses half-widths the matcher refuses, and the chunks are
                    // within its window limit: nothing is left out here.
                    let Ok(scope) = scope else {
                        continue;
                    };
                    scopes.push(scope);
                    owners.push(ScopeOwner { commitment_id: commitment_id.clone(), forbidden });
                }
            }
        }
        let dependents = Arc::new(not_breached_dependents(coordination));
        ActiveScopes { matcher: Arc::new(Matcher::new(scopes)), owners, dependents }
    }

    /// The commitments whose active scopes the probe falls in and that forbid an incident of
    /// this kind, in id order, each once.
    pub(crate) fn commitments_violated(&self, probe: &IncidentProbe, kind: IncidentKind) -> Vec<&CommitmentId> {
        let mut scope_idxs = Vec::new();
        self.matcher.matches(probe, &mut scope_idxs);
        let mut commitment_ids: Vec<&CommitmentId> = scope_idxs
            .iter()
            .map(|scope_idx| &self.owners[*scope_idx])
            .filter(|owner| owner.forbidden.covers(kind))
            .map(|owner| &owner.commitment_id)
            .collect();
        commitment_ids.sort();
        commitment_ids.dedup();
        commitment_ids
    }

    /// For each commitment that `not_breached` conditions name, the commitments that depend
    /// on its not being breached, each since when.
    pub(crate) fn not_breached_dependents(&self) -> &Dependents {
        &self.dependents
    }

    /// Where every active scope can match, windows aside: read from the R-tree, not made
    /// again (a read of violations asks it).
    pub(crate) fn reach(&self) -> matcher::Reach {
        self.matcher.reach()
    }

    /// Where the commitments whose scopes differ from `before`'s can match, under either:
    /// every scope, old and new, of each commitment whose scopes (geometry, windows, what it
    /// forbids) are not exactly those it had. An incident whose probe meets none of it has
    /// the commitment violations it had (`matcher::Reach`).
    pub(crate) fn changed_since(&self, before: &ActiveScopes) -> matcher::Reach {
        let (now, then) = (self.by_commitment(), before.by_commitment());
        let mut changed: Vec<&matcher::Scope> = Vec::new();
        for (commitment_id, scopes) in &now {
            if then.get(commitment_id) != Some(scopes) {
                changed.extend(scopes.iter().map(|(_, scope)| *scope));
            }
        }
        for (commitment_id, scopes) in &then {
            if now.get(commitment_id) != Some(scopes) {
                changed.extend(scopes.iter().map(|(_, scope)| *scope));
            }
        }
        matcher::Reach::of(changed)
    }

    /// The scopes of each commitment, with what each forbids.
    fn by_commitment(&self) -> BTreeMap<&CommitmentId, Vec<(Forbidden, &matcher::Scope)>> {
        let mut grouped: BTreeMap<&CommitmentId, Vec<(Forbidden, &matcher::Scope)>> = BTreeMap::new();
        for (owner, scope) in self.owners.iter().zip(self.matcher.scopes()) {
            grouped.entry(&owner.commitment_id).or_default().push((owner.forbidden, scope));
        }
        grouped
    }
}

/// Whether applying the event can change a commitment's status, or the geometry of its scope,
/// at some instant: then `State` rebuilds its `ActiveScopes`.
pub(crate) fn changes_active_scopes(event: &Event) -> bool {
    // Not `AgreementProposed` (an agreement without a version holds no commitment) nor
    // `ZoneDefined` (no commitment can name a zone before it is defined).
    matches!(
        event,
        Event::VersionProposed { .. }
            | Event::StanceTaken { .. }
            | Event::AgreementSuspended { .. }
            | Event::AgreementResumed { .. }
            | Event::AgreementEnded { .. }
            | Event::Retracted { .. }
            | Event::ConsentRecorded { .. }
            | Event::FulfilmentReported { .. }
            | Event::ZoneRedrawn { .. }
    )
}

/// Stands for "no end yet": later than any instant a command can carry.
fn end_of_time() -> Timestamp {
    Timestamp::from_datetime(DateTime::<Utc>::MAX_UTC)
}

impl Coordination {
    /// The maximal periods during which the commitment is active, each under one version of
    /// its agreement, in order; the last is open-ended (it ends at the end of time) when the
    /// commitment is active after every recorded instant.
    pub(crate) fn active_periods(&self, commitment_id: &CommitmentId) -> Vec<ActivePeriod> {
        let mut periods = Vec::new();
        // The start and version of the period open at the instant looked at.
        let mut open: Option<(Timestamp, u32)> = None;
        for at in self.status_instants(commitment_id) {
            let active_version = self
                .commitment_status(commitment_id, at)
                .filter(|status| status.status == CommitmentStatusKind::Active)
                .map(|status| status.version);
            if let Some((start, version)) = open {
                if active_version == Some(version) {
                    continue;
                }
                // `status_instants` are sorted and distinct, so `start < at`.
                let window = Window::new(start, at).expect("the instants increase");
                periods.push(ActivePeriod { window, version });
            }
            open = active_version.map(|version| (at, version));
        }
        if let Some((start, version)) = open {
            // Nothing recorded can end it at the end of time itself.
            if let Ok(window) = Window::new(start, end_of_time()) {
                periods.push(ActivePeriod { window, version });
            }
        }
        periods
    }

    /// Every instant at which the commitment's status can change, sorted and each once: a
    /// superset of the instants that `commitment_status` compares `at` with, for this
    /// commitment and the commitments it is conditional on.
    fn status_instants(&self, commitment_id: &CommitmentId) -> Vec<Timestamp> {
        let mut instants = Vec::new();
        let Some((agreement, _)) = self.commitment_spec(commitment_id) else {
            return instants;
        };
        let mut agreements: Vec<&AgreementRecord> = vec![agreement];
        let conditions = agreement
            .versions
            .iter()
            .flat_map(|version| &version.terms.commitments)
            .filter(|spec| &spec.commitment_id == commitment_id)
            .flat_map(|spec| &spec.conditions)
            .map(|condition| &condition.commitment_id);
        for condition_id in conditions {
            if let Some((condition_agreement, _)) = self.commitment_spec(condition_id) {
                agreements.push(condition_agreement);
            }
        }
        agreements.sort_by(|a, b| a.agreement_id.cmp(&b.agreement_id));
        agreements.dedup_by(|a, b| a.agreement_id == b.agreement_id);
        for agreement in agreements {
            instants.extend(agreement.suspensions.iter().map(|suspension| suspension.at));
            instants.extend(agreement.endings.iter().map(|ending| ending.at));
            for version in &agreement.versions {
                instants.push(version.proposed_at);
                instants.extend(version.stances.iter().map(|stance| stance.at));
                if let Some(truce) = &version.terms.truce {
                    if let TruceStart::At { at } = truce.start {
                        instants.push(at);
                    }
                    instants.extend(truce.end);
                }
                for window in version.terms.commitments.iter().filter_map(|spec| spec.window) {
                    instants.extend([window.start(), window.end()]);
                }
            }
        }
        // Fulfilments and consents decide conditions and truces that start when commitments
        // are fulfilled; there are few of them.
        instants.extend(self.fulfilments.values().flatten().map(|fulfilment| fulfilment.at));
        instants.extend(self.consents.values().map(|consent| consent.effective_at));
        instants.sort();
        instants.dedup();
        instants
    }

    /// The commitment's active periods as pieces of scope: what it forbids, where and when,
    /// under the version in force; a period in a zone is split where its boundary changes.
    /// Periods under a version in which the commitment forbids nothing are left out.
    fn scope_pieces(&self, commitment_id: &CommitmentId) -> Vec<(Forbidden, GeometryKey<'_>, Window)> {
        let mut pieces = Vec::new();
        let Some((agreement, _)) = self.commitment_spec(commitment_id) else {
            return pieces;
        };
        for period in self.active_periods(commitment_id) {
            // The version in force holds the commitment: that is what made it active.
            let Some(spec) = agreement
                .version(period.version)
                .and_then(|version| version.terms.commitments.iter().find(|c| &c.commitment_id == commitment_id))
            else {
                continue;
            };
            let Some(forbidden) = Forbidden::of(spec.kind) else {
                continue;
            };
            match &spec.scope {
                Scope::Corridor(corridor_id) => {
                    let defined = agreement
                        .version(period.version)
                        .is_some_and(|version| version.terms.corridors.iter().any(|c| &c.corridor_id == corridor_id));
                    let version = defined.then_some(period.version);
                    pieces.push((forbidden, GeometryKey::Corridor { corridor_id, version }, period.window));
                }
                Scope::Zone(zone_id) => {
                    let Some(zone) = self.zones.get(zone_id) else {
                        continue;
                    };
                    for (boundary_idx, window) in zone.boundary_periods(period.window) {
                        pieces.push((forbidden, GeometryKey::Zone { zone_id, boundary_idx }, window));
                    }
                }
            }
        }
        pieces
    }

    fn scope_geometry(&self, agreement: &AgreementRecord, key: GeometryKey<'_>) -> Option<ScopeGeometry> {
        match key {
            GeometryKey::Corridor { corridor_id, version } => {
                let corridor = match version {
                    Some(version) => agreement
                        .version(version)
                        .and_then(|v| v.terms.corridors.iter().find(|c| &c.corridor_id == corridor_id)),
                    None => self.corridors.get(corridor_id).map(|record| &record.spec),
                }?;
                Some(ScopeGeometry::Corridor { route: corridor.route.clone(), half_width_m: corridor.half_width_m })
            }
            GeometryKey::Zone { zone_id, boundary_idx } => {
                let record = self.zones.get(zone_id)?.boundaries.get(boundary_idx)?;
                Some(ScopeGeometry::Zone { boundary: record.boundary.clone() })
            }
        }
    }
}
