//! What the monitoring record means: an incident's grade, its figures and attribution
//! derived from its sources' claims and the parties' statements, and its violations of
//! active commitments and of humanitarian notifications.
//!
//! Derived on demand from the record, like every status; nothing here is stored. An
//! incident violates a commitment when its time (an interval, or an instant) overlaps a
//! period in which the commitment is active and its point is within the scope that applied
//! then: the R-tree of `State`'s `ActiveScopes` answers both. Notifications are few and are
//! checked one by one with the matcher's geodesic distances.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::{
    matcher::{distance_to_route_m, IncidentProbe},
    monitoring::model::{CountRange, Grade, IncidentStance, Notified, SourceKind, Violation, ViolationStatus},
    monitoring::record::{IncidentRecord, SourceRecord},
    projection::state::State,
    vocab::geometry::geodesic_distance_m,
    vocab::ids::{ForceId, IncidentId, PartyId},
};

/// One casualty figure across the sources that give it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub field: &'static str,
    /// The lowest minimum and highest maximum claimed.
    pub range: CountRange,
    pub sources_count: usize,
    /// False when two sources' ranges do not overlap: both stand.
    pub sources_agree: bool,
}

impl State {
    /// The incident's sources together with those of the incidents marked its duplicates.
    pub fn incident_sources<'a>(&'a self, incident: &'a IncidentRecord) -> Vec<&'a SourceRecord> {
        let mut sources: Vec<&SourceRecord> = incident.sources.iter().collect();
        if let Some(duplicates) = self.monitoring.duplicates.get(&incident.incident_id) {
            for id in duplicates {
                if let Some(duplicate) = self.monitoring.incidents.get(id) {
                    sources.extend(duplicate.sources.iter());
                }
            }
        }
        sources
    }

    /// Forces said to be responsible, by sources' claims and by statements' accusations.
    pub fn accused_forces(&self, incident: &IncidentRecord) -> BTreeSet<ForceId> {
        let mut forces: BTreeSet<ForceId> =
            self.incident_sources(incident).iter().filter_map(|s| s.source.responsible_force_id.clone()).collect();
        for statement in self.monitoring.statements.values() {
            for stance in &statement.stances {
                if let IncidentStance::Accuses { incident_id, force_id } = stance {
                    if incident_id == &incident.incident_id {
                        forces.insert(force_id.clone());
                    }
                }
            }
        }
        forces
    }

    /// The one force held responsible, when every claim and accusation names the same.
    pub fn attributed_force(&self, incident: &IncidentRecord) -> Option<ForceId> {
        let forces = self.accused_forces(incident);
        if forces.len() != 1 {
            return None;
        }
        forces.into_iter().next()
    }

    /// The grade derived from sources and statements, unless an analyst overrode it.
    pub fn grade(&self, incident: &IncidentRecord) -> Grade {
        if let Some(grade_override) = incident.grade_overrides.last() {
            return grade_override.grade;
        }
        let sources = self.incident_sources(incident);
        let accused = self.accused_forces(incident);
        let on_site = sources.iter().any(|s| s.source.kind == SourceKind::MonitorOnSite);
        let accused_confirms = self.monitoring.statements.values().any(|statement| {
            let Some(party_id) = &statement.party_id else {
                return false;
            };
            let confirms = statement
                .stances
                .iter()
                .any(|s| matches!(s, IncidentStance::Confirms { incident_id } if incident_id == &incident.incident_id));
            confirms && accused.iter().any(|force| self.answers_for(party_id, force))
        });
        if on_site || accused_confirms {
            return Grade::Verified;
        }
        if accused.len() > 1 {
            return Grade::Contested;
        }
        let independent: BTreeSet<&str> = sources.iter().map(|s| s.source.independence_key()).collect();
        if independent.len() >= 2 {
            return Grade::Corroborated;
        }
        Grade::SingleSource
    }

    pub fn answers_for(&self, party_id: &PartyId, force_id: &ForceId) -> bool {
        self.coordination.forces.get(force_id).is_some_and(|force| force.party_ids.contains(party_id))
    }

    /// Casualty figures across sources; unknown figures are absent, never zero.
    pub fn figures(&self, incident: &IncidentRecord) -> Vec<Figure> {
        let sources = self.incident_sources(incident);
        let mut figures = Vec::new();
        for idx in 0..4 {
            let ranges: Vec<CountRange> = sources.iter().filter_map(|s| s.source.casualties.ranges()[idx].1).collect();
            let Some(first) = ranges.first() else {
                continue;
            };
            let field = first_field(idx);
            let min = ranges.iter().map(|r| r.min).min().unwrap_or(first.min);
            let max = ranges.iter().map(|r| r.max).max().unwrap_or(first.max);
            let highest_min = ranges.iter().map(|r| r.min).max().unwrap_or(first.min);
            let lowest_max = ranges.iter().map(|r| r.max).min().unwrap_or(first.max);
            figures.push(Figure {
                field,
                range: CountRange { min, max },
                sources_count: ranges.len(),
                sources_agree: highest_min <= lowest_max,
            });
        }
        figures
    }

    /// Every violation the incident constitutes, against commitments and notifications.
    pub fn violations_of(&self, incident_id: &IncidentId) -> Vec<Violation> {
        let Some(incident) = self.monitoring.incidents.get(incident_id) else {
            return Vec::new();
        };
        if incident.duplicate_of.is_some() {
            return Vec::new();
        }
        let grade = self.grade(incident);
        let revision = incident.current();
        let perpetrators: Vec<PartyId> = self
            .attributed_force(incident)
            .and_then(|force| self.coordination.forces.get(&force))
            .map(|force| force.party_ids.clone())
            .unwrap_or_default();
        let position = revision.location.position;
        let uncertainty_m = revision.location.uncertainty_m;
        // An instant is a probe that starts and ends at it.
        let end = revision.when.end.unwrap_or(revision.when.start);
        // `decide` checked the uncertainty and that the end is after the start, so the probe
        // is always built.
        let commitment_ids = match IncidentProbe::new(position, uncertainty_m, revision.when.start, end) {
            Ok(probe) => self.active_scopes.commitments_violated(&probe, revision.kind),
            Err(_) => Vec::new(),
        };
        let mut violations = Vec::new();
        for commitment_id in commitment_ids {
            let Some((agreement, spec)) = self.coordination.commitment_spec(commitment_id) else {
                continue;
            };
            let mut parties = vec![spec.party_id.clone()];
            parties.extend(perpetrators.iter().filter(|p| **p != spec.party_id).cloned());
            let dismissal = self
                .monitoring
                .dismissals
                .iter()
                .rev()
                .find(|d| &d.incident_id == incident_id && d.commitment_id.as_ref() == Some(commitment_id));
            violations.push(Violation {
                incident_id: incident_id.clone(),
                commitment_id: Some(commitment_id.clone()),
                notification_id: None,
                agreement_id: Some(agreement.agreement_id.clone()),
                status: violation_status(grade, dismissal.is_some()),
                parties,
                grade,
                dismissed_reason: dismissal.map(|d| d.reason.clone()),
            });
        }
        for notification in self.monitoring.notifications.values() {
            let hit = revision.kind.is_attack()
                && match &notification.notified {
                    // A site is protected from when it was notified: the incident must
                    // reach `[notified_at, ...)`.
                    Notified::Site { position: site, radius_m, .. } => {
                        let after_notice = match revision.when.end {
                            Some(end) => end > notification.notified_at,
                            None => revision.when.start >= notification.notified_at,
                        };
                        after_notice && geodesic_distance_m(position, *site) <= radius_m + uncertainty_m
                    }
                    Notified::Movement { route, half_width_m, window, .. } => {
                        revision.when.overlaps(window)
                            && distance_to_route_m(position, route) <= half_width_m + uncertainty_m
                    }
                };
            if !hit {
                continue;
            }
            let mut parties = notification.party_ids.clone();
            parties.extend(notification.notified_by.iter().cloned());
            parties.sort();
            parties.dedup();
            let dismissal = self.monitoring.dismissals.iter().rev().find(|d| {
                &d.incident_id == incident_id && d.notification_id.as_ref() == Some(&notification.notification_id)
            });
            violations.push(Violation {
                incident_id: incident_id.clone(),
                commitment_id: None,
                notification_id: Some(notification.notification_id.clone()),
                agreement_id: None,
                status: violation_status(grade, dismissal.is_some()),
                parties,
                grade,
                dismissed_reason: dismissal.map(|d| d.reason.clone()),
            });
        }
        violations
    }

    /// Every violation of every incident.
    pub fn violations(&self) -> Vec<Violation> {
        self.monitoring.incidents.keys().flat_map(|id| self.violations_of(id)).collect()
    }
}

fn first_field(idx: usize) -> &'static str {
    ["killed", "injured", "civilians_killed", "children_killed"][idx]
}

fn violation_status(grade: Grade, dismissed: bool) -> ViolationStatus {
    if dismissed || grade == Grade::Discounted {
        return ViolationStatus::Dismissed;
    }
    match grade {
        Grade::Corroborated | Grade::Verified => ViolationStatus::Substantiated,
        _ => ViolationStatus::Alleged,
    }
}
