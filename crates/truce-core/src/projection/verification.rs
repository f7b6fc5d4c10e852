//! What the monitoring record means: an incident's grade, its figures and attribution
//! derived from its sources' claims and the parties' statements, and its violations of
//! active commitments and of humanitarian notifications.
//!
//! Derived on demand from the record, like every status, but for the grade and the accused
//! forces, which reads filter on: `kept` keeps them per incident as entries apply, and
//! `grade` and `accused_forces` read what it keeps (the `_derived`/`_explained` forms
//! derive). An
//! incident violates a commitment when its time (an interval, or an instant) overlaps a
//! period in which the commitment is active and its point is within the scope that applied
//! then: the R-tree of `State`'s `ActiveScopes` answers both. Notifications are checked one
//! by one: a site by its geodesic distance, a movement by its route indexed in a matcher of
//! its own (`monitoring::index::NotifiedPlaces`), as a road can have thousands of vertices;
//! an incident is asked only about the sites near it (`NotifiedPlaces::near`).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::{
    access::Role,
    coordination::{model::PartyKind, record::Party},
    matcher::{distance_to_route_m, IncidentProbe, LonLatBox, Reach},
    monitoring::index::{IncidentKey, METRES_PER_DEGREE_OF_LATITUDE_MIN},
    monitoring::model::{CountRange, Grade, IncidentStance, Notified, SourceKind, Violation, ViolationStatus},
    monitoring::record::{IncidentRecord, NotificationRecord, SourceRecord, StatementRecord},
    projection::{kept::Verdicts, state::State},
    vocab::geometry::{geodesic_distance_m, LineString, Position},
    vocab::ids::{ForceId, IncidentId, NotificationId, PartyId},
};

/// Boxes of `State::commitment_violations_reach` at the most: each is converted (some 300 ns) and the
/// squares of the grid it meets looked up (a few dozen for a piece of corridor grown by
/// kilometres) on every read of violations, which this bounds (not measured at the bound).
pub const VIOLATIONS_REACH_BOXES_MAX: usize = 1024;

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

/// What a source counts as, once the recording account's standing is weighed, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WeighedSource {
    pub source_id: crate::vocab::ids::SourceId,
    pub organisation: String,
    /// The kind the source was recorded with.
    pub claimed: SourceKind,
    /// The kind it counts as.
    pub counts_as: SourceKind,
    /// Why it counts as less than claimed; absent when it counts as claimed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
}

/// Why a source counts as less than it claims (`State::weigh_source` puts it in words).
enum Demoted<'a> {
    /// Recorded by an account of a party to the conflict, or of a coordinator (`party`: the
    /// account's party, if it has one).
    PartyClaim { party: Option<&'a Party> },
    /// A monitor on site, recorded by an account that is not a monitor of its organisation.
    NotItsMonitor,
}

/// Why an incident has the grade derived for it (`State::grade_why_text` puts it in words).
enum GradeWhy<'a> {
    /// A source counting as a monitor of this organisation on site.
    OnSite { monitor: &'a str },
    /// A party answering for an accused force confirms it in this statement.
    AccusedConfirms { statement: &'a StatementRecord },
    /// More than one force is accused.
    Contested { accused: BTreeSet<ForceId> },
    /// Two or more independent organisations (by `independence_key`) report it.
    Corroborated { independent: BTreeSet<&'a str> },
    /// One independent organisation reports it.
    SingleSource { independent: BTreeSet<&'a str> },
}

/// A grade and the reasons for it, in words an analyst can check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GradeExplained {
    pub grade: Grade,
    pub reasons: Vec<String>,
    pub sources: Vec<WeighedSource>,
}

impl State {
    /// What a recorded source counts as. A source's kind counts only as far as the account
    /// that recorded it may vouch for it:
    ///
    /// - recorded by an account of a party to the conflict (a state, an armed group, an
    ///   alliance) or by a coordinator, it is that party's claim (`party`), whatever it says;
    /// - `monitor_on_site` counts as such only when recorded by a monitor account of the
    ///   organisation named (the party's name or code); otherwise it is a relayed report;
    /// - anything else counts as recorded.
    pub fn weigh_source(&self, record: &SourceRecord) -> WeighedSource {
        let source = &record.source;
        let (counts_as, demoted) = self.standing_of(record);
        let because = demoted.map(|demoted| match demoted {
            Demoted::PartyClaim { party } => {
                let who = party.map_or_else(|| "a party".to_owned(), |p| p.code.to_string());
                format!("recorded by an account of {who}, a party's claim")
            }
            Demoted::NotItsMonitor => format!(
                "recorded as a monitor on site of {} by an account that is not a monitor of it",
                source.organisation
            ),
        });
        WeighedSource {
            source_id: source.source_id.clone(),
            organisation: source.organisation.to_string(),
            claimed: source.kind,
            counts_as,
            because,
        }
    }

    /// What a recorded source counts as (`weigh_source`), and why it counts as less than
    /// it claims, if it does; nothing put in words, for the grade kept per incident.
    fn standing_of(&self, record: &SourceRecord) -> (SourceKind, Option<Demoted<'_>>) {
        let source = &record.source;
        let account = self.accounts.get(&record.added_by);
        let party = account.and_then(|a| a.party_id.as_ref()).and_then(|id| self.coordination.parties.get(id));
        let belligerent =
            party.is_some_and(|p| matches!(p.kind, PartyKind::State | PartyKind::ArmedGroup | PartyKind::Alliance));
        let coordinator = account.is_some_and(|a| a.has_role(Role::Coordinator));
        if (belligerent || coordinator) && source.kind != SourceKind::Party {
            (SourceKind::Party, Some(Demoted::PartyClaim { party }))
        } else if source.kind == SourceKind::MonitorOnSite {
            let monitor = account.is_some_and(|a| a.has_role(Role::Monitor));
            let same_organisation = party.is_some_and(|p| {
                p.name.as_str().eq_ignore_ascii_case(source.organisation.as_str())
                    || p.code.as_str().eq_ignore_ascii_case(source.organisation.as_str())
            });
            if monitor && same_organisation {
                (SourceKind::MonitorOnSite, None)
            } else {
                (SourceKind::Relayed, Some(Demoted::NotItsMonitor))
            }
        } else {
            (source.kind, None)
        }
    }

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

    /// Forces said to be responsible, by sources' claims and by statements' accusations: kept
    /// for an incident recorded through `apply` (`kept`), derived for one that is not.
    pub fn accused_forces(&self, incident: &IncidentRecord) -> BTreeSet<ForceId> {
        match self.verdicts.of(&incident.incident_id) {
            Some(verdict) => verdict.accused_forces.iter().cloned().collect(),
            None => self.accused_forces_derived(incident),
        }
    }

    /// The same, derived from the record.
    pub fn accused_forces_derived(&self, incident: &IncidentRecord) -> BTreeSet<ForceId> {
        let mut forces: BTreeSet<ForceId> =
            self.incident_sources(incident).iter().filter_map(|s| s.source.responsible_force_id.clone()).collect();
        // Stances on the incident in either form: `stances`, or `about` the incident or one
        // of its violations.
        for statement in self.monitoring.statements_on(&incident.incident_id) {
            for stance in statement.stances_on_incident(&incident.incident_id) {
                if let IncidentStance::Accuses { force_id, .. } = stance {
                    forces.insert(force_id);
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

    /// The grade derived from sources and statements, unless an analyst overrode it: kept
    /// for an incident recorded through `apply` (`kept`), derived for one that is not. Of
    /// the incident as this state records it (`grade_explained` grades any record).
    pub fn grade(&self, incident: &IncidentRecord) -> Grade {
        match self.verdicts.of(&incident.incident_id) {
            Some(verdict) => verdict.grade,
            None => self.grade_derived(incident, &self.accused_forces_derived(incident)),
        }
    }

    /// The verdicts kept per incident, with the incidents by grade and by accused force.
    pub fn verdicts(&self) -> &Verdicts {
        &self.verdicts
    }

    /// The grade with its reasons: which sources counted as what, which independence,
    /// which statement moved it, or the analyst's override.
    pub fn grade_explained(&self, incident: &IncidentRecord) -> GradeExplained {
        let records = self.incident_sources(incident);
        let sources: Vec<WeighedSource> = records.iter().map(|r| self.weigh_source(r)).collect();
        let mut reasons: Vec<String> =
            sources.iter().filter_map(|s| s.because.as_ref().map(|b| format!("{}: {b}", s.organisation))).collect();
        if let Some(grade_override) = incident.grade_overrides.last() {
            reasons.push(format!("set by an analyst: {}", grade_override.reason));
            return GradeExplained { grade: grade_override.grade, reasons, sources };
        }
        let counted: Vec<(&SourceRecord, SourceKind)> =
            records.iter().zip(&sources).map(|(r, s)| (*r, s.counts_as)).collect();
        let (grade, why) = self.derive_grade(incident, &counted, &self.accused_forces_derived(incident));
        reasons.push(self.grade_why_text(why));
        GradeExplained { grade, reasons, sources }
    }

    /// The grade of `grade_explained`, with nothing put in words; `accused`: the incident's
    /// `accused_forces_derived`.
    pub(crate) fn grade_derived(&self, incident: &IncidentRecord, accused: &BTreeSet<ForceId>) -> Grade {
        match incident.grade_overrides.last() {
            Some(grade_override) => grade_override.grade,
            None => self.grade_of_sources(incident, accused),
        }
    }

    /// The grade the sources and statements alone give, an analyst's override left aside,
    /// with nothing put in words; `accused`: the incident's accused forces (`accused_forces`).
    pub fn grade_of_sources(&self, incident: &IncidentRecord, accused: &BTreeSet<ForceId>) -> Grade {
        let counted: Vec<(&SourceRecord, SourceKind)> =
            self.incident_sources(incident).into_iter().map(|r| (r, self.standing_of(r).0)).collect();
        self.derive_grade(incident, &counted, accused).0
    }

    /// The grade from the incident's sources, each with what it counts as, and the forces
    /// accused of it; with why, to be put in words only when asked (`grade_why_text`).
    fn derive_grade<'a>(
        &'a self,
        incident: &IncidentRecord,
        counted: &[(&'a SourceRecord, SourceKind)],
        accused: &BTreeSet<ForceId>,
    ) -> (Grade, GradeWhy<'a>) {
        let on_site = counted.iter().find(|(_, counts_as)| *counts_as == SourceKind::MonitorOnSite);
        if let Some((monitor, _)) = on_site {
            return (Grade::Verified, GradeWhy::OnSite { monitor: monitor.source.organisation.as_str() });
        }
        // The first statement (in id order) in which a party answering for an accused force
        // confirms the incident or one of its violations.
        let accused_confirms = self.monitoring.statements_on(&incident.incident_id).find(|statement| {
            let Some(party_id) = &statement.party_id else {
                return false;
            };
            let confirms = statement
                .stances_on_incident(&incident.incident_id)
                .iter()
                .any(|s| matches!(s, IncidentStance::Confirms { .. }));
            confirms && accused.iter().any(|force| self.answers_for(party_id, force))
        });
        if let Some(statement) = accused_confirms {
            return (Grade::Verified, GradeWhy::AccusedConfirms { statement });
        }
        if accused.len() > 1 {
            return (Grade::Contested, GradeWhy::Contested { accused: accused.clone() });
        }
        let independent: BTreeSet<&str> = counted.iter().map(|(s, _)| s.source.independence_key()).collect();
        if independent.len() >= 2 {
            return (Grade::Corroborated, GradeWhy::Corroborated { independent });
        }
        (Grade::SingleSource, GradeWhy::SingleSource { independent })
    }

    /// Why a grade was derived, in words.
    fn grade_why_text(&self, why: GradeWhy<'_>) -> String {
        match why {
            GradeWhy::OnSite { monitor } => format!("verified: a monitor of {monitor} on site"),
            GradeWhy::AccusedConfirms { statement } => {
                let party = statement.party_id.as_ref().map_or_else(String::new, |p| self.coordination.party_label(p));
                format!("verified: the accused party {party} confirms it (statement {})", statement.statement_id)
            }
            GradeWhy::Contested { accused } => {
                let codes: Vec<String> = accused
                    .iter()
                    .map(|force| self.coordination.forces.get(force).map_or(force.to_string(), |f| f.code.to_string()))
                    .collect();
                format!("contested: {} forces are named as responsible ({})", accused.len(), codes.join(", "))
            }
            GradeWhy::Corroborated { independent } => {
                let names = independent.iter().copied().collect::<Vec<_>>().join(", ");
                format!("corroborated: {} independent organisations ({names})", independent.len())
            }
            GradeWhy::SingleSource { independent } => {
                let names = independent.iter().copied().collect::<Vec<_>>().join(", ");
                format!("single source: {names}")
            }
        }
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
            // A range open at the top ("more than 10") leaves the figure's top open.
            let max = ranges.iter().map(|r| r.max).try_fold(0, |top, max| max.map(|max| top.max(max)));
            let highest_min = ranges.iter().map(|r| r.min).max().unwrap_or(first.min);
            let lowest_max = ranges.iter().filter_map(|r| r.max).min();
            figures.push(Figure {
                field,
                range: CountRange { min, max },
                sources_count: ranges.len(),
                sources_agree: lowest_max.is_none_or(|lowest_max| highest_min <= lowest_max),
            });
        }
        figures
    }

    /// Every violation the incident constitutes, against commitments and notifications.
    pub fn violations_of(&self, incident_id: &IncidentId) -> Vec<Violation> {
        self.violations_against(incident_id, Against::CommitmentsAndNotifications)
    }

    /// The violations of commitments the incident constitutes, as `violations_of` gives them,
    /// without measuring it against the notifications: what lists, layers and exports show
    /// anyone, as violations of humanitarian notifications are confidential to their parties
    /// (docs/visibility.md).
    pub fn violations_of_commitments(&self, incident_id: &IncidentId) -> Vec<Violation> {
        self.violations_against(incident_id, Against::Commitments)
    }

    fn violations_against(&self, incident_id: &IncidentId, against: Against) -> Vec<Violation> {
        let mut violations = self.violations_binding(incident_id, against);
        if violations.iter().all(|v| v.commitment_id.is_none()) {
            return violations;
        }
        // A commitment released by a failed condition before the incident binds no longer.
        let outcomes = &self.condition_outcomes;
        if outcomes.releases.is_empty() {
            return violations;
        }
        let start = self.monitoring.incidents.get(incident_id).map(|incident| incident.current().when.start);
        violations.retain(|violation| {
            let released = violation.commitment_id.as_ref().and_then(|id| outcomes.releases.get(id));
            released.is_none_or(|release| start.is_none_or(|start| release.at >= start))
        });
        violations
    }

    /// The incident's violations of every commitment whose scope it falls in while the
    /// commitment applies, before `not_breached` conditions release any (`conditions`), and,
    /// `against` them too, of every notification whose place it reached.
    pub(crate) fn violations_binding(&self, incident_id: &IncidentId, against: Against) -> Vec<Violation> {
        let Some(incident) = self.monitoring.incidents.get(incident_id) else {
            return Vec::new();
        };
        if incident.duplicate_of.is_some() {
            return Vec::new();
        }
        let revision = incident.current();
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
        // The notifications it may reach (the movements whose window may overlap it, the sites
        // the straight line does not rule out), in id order as they are recorded.
        let near = match against {
            Against::CommitmentsAndNotifications => {
                self.monitoring.notified_places().near(position, uncertainty_m, revision.when.start, end)
            }
            Against::Commitments => Vec::new(),
        };
        let notifications: Vec<&NotificationRecord> = near
            .into_iter()
            .map(|id| &self.monitoring.notifications[id])
            .filter(|n| self.notification_reached(incident, n))
            .collect();
        // The grade and the attribution are derived only for an incident that violates
        // something: re-deriving every incident's violations (after an agreement changed)
        // then costs a lookup in the index for most of them.
        if commitment_ids.is_empty() && notifications.is_empty() {
            return Vec::new();
        }
        let grade = self.grade(incident);
        let perpetrators: Vec<PartyId> = self
            .attributed_force(incident)
            .and_then(|force| self.coordination.forces.get(&force))
            .map(|force| force.party_ids.clone())
            .unwrap_or_default();
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
        violations.extend(
            notifications.into_iter().map(|notification| self.notified_violation(incident, grade, notification)),
        );
        violations
    }

    /// The incident's violation of one humanitarian notification, if it is an attack that
    /// reached the notified site or movement while it was protected.
    fn notification_violation(
        &self,
        incident: &IncidentRecord,
        grade: Grade,
        notification: &NotificationRecord,
    ) -> Option<Violation> {
        self.notification_reached(incident, notification)
            .then(|| self.notified_violation(incident, grade, notification))
    }

    /// Whether the incident is an attack that reached the notified site or movement while
    /// it was protected.
    pub(crate) fn notification_reached(&self, incident: &IncidentRecord, notification: &NotificationRecord) -> bool {
        let revision = incident.current();
        let (position, uncertainty_m) = (revision.location.position, revision.location.uncertainty_m);
        // A site's parallel first, then the geodesic. A path between two latitudes is at
        // least the meridian arc between them, and no degree of latitude is shorter than
        // `METRES_PER_DEGREE_OF_LATITUDE_MIN`.
        let beyond_latitude =
            |lat: f64, reach_m: f64| (lat - position.lat()).abs() * METRES_PER_DEGREE_OF_LATITUDE_MIN > reach_m;
        let hit = revision.kind.is_attack()
            && match &notification.notified {
                // A site is protected from when it was notified: the incident must
                // reach `[notified_at, ...)`.
                Notified::Site { position: site, radius_m, .. } => {
                    let after_notice = match revision.when.end {
                        Some(end) => end > notification.notified_at,
                        None => revision.when.start >= notification.notified_at,
                    };
                    let reach_m = radius_m + uncertainty_m;
                    after_notice
                        && !beyond_latitude(site.lat(), reach_m)
                        && geodesic_distance_m(position, *site) <= reach_m
                }
                // The indexed route rules out a far incident at the root of its R-tree.
                Notified::Movement { route, half_width_m, window, .. } => {
                    revision.when.overlaps(window)
                        && self.route_within(notification, route, *half_width_m, position, uncertainty_m)
                }
            };
        // Protected until it ended or was withdrawn: the incident must start before then.
        let ended = notification.protected_until().is_some_and(|until| revision.when.start >= until);
        hit && !ended
    }

    /// Whether `position`, known to within `uncertainty_m`, is within `half_width_m` of the
    /// notified movement's `route`: by its indexed route (`NotifiedPlaces`), which the record
    /// keeps for every movement notified.
    fn route_within(
        &self,
        notification: &NotificationRecord,
        route: &LineString,
        half_width_m: f64,
        position: Position,
        uncertainty_m: f64,
    ) -> bool {
        match self.monitoring.notified_places().route(&notification.notification_id) {
            Some(indexed) => indexed.within(position, uncertainty_m),
            None => {
                debug_assert!(false, "notification {} has no indexed route", notification.notification_id);
                distance_to_route_m(position, route) <= half_width_m + uncertainty_m
            }
        }
    }

    /// The violation of a notification the incident reached (`notification_reached`).
    fn notified_violation(
        &self,
        incident: &IncidentRecord,
        grade: Grade,
        notification: &NotificationRecord,
    ) -> Violation {
        let mut parties = notification.party_ids.clone();
        parties.extend(notification.notified_by.iter().cloned());
        parties.sort();
        parties.dedup();
        let dismissal = self.monitoring.dismissals.iter().rev().find(|d| {
            d.incident_id == incident.incident_id && d.notification_id.as_ref() == Some(&notification.notification_id)
        });
        Violation {
            incident_id: incident.incident_id.clone(),
            commitment_id: None,
            notification_id: Some(notification.notification_id.clone()),
            agreement_id: None,
            status: violation_status(grade, dismissal.is_some()),
            parties,
            grade,
            dismissed_reason: dismissal.map(|d| d.reason.clone()),
        }
    }

    /// Every violation of one humanitarian notification, by incident in id order: without
    /// matching the incidents against the commitments, which `violations_of` does too, and
    /// only among the incidents near the notified place (`incidents_near`).
    pub fn violations_of_notification(&self, notification_id: &NotificationId) -> Vec<Violation> {
        let Some(notification) = self.monitoring.notifications.get(notification_id) else {
            return Vec::new();
        };
        let mut reach = Reach::default();
        add_notified_place(&mut reach, notification);
        self.incidents_near(&reach)
            .into_iter()
            .filter(|incident| incident.duplicate_of.is_none())
            .filter_map(|incident| self.notification_violation(incident, self.grade(incident), notification))
            .collect()
    }

    /// The incidents in the squares of the grid where a probe's box can meet `reach`, in id
    /// order: the boxes of longitude and latitude that hold every such probe's position, grown
    /// by the largest uncertainty of an incident (`matcher/reach.rs` gives the argument), so
    /// every incident whose probe may meet `reach`, and others nearby; not every incident on
    /// record.
    pub(crate) fn incidents_near(&self, reach: &Reach) -> Vec<&IncidentRecord> {
        if reach.is_empty() {
            return Vec::new();
        }
        let index = self.monitoring.incident_index();
        let boxes = reach.lon_lat_boxes(index.uncertainty_m_max());
        // Each square once, and each incident in one square.
        let squares = index.squares_of(boxes);
        let mut keys: Vec<IncidentKey> = squares.iter().flat_map(|(_, square)| square.keys().copied()).collect();
        keys.sort_unstable();
        keys.into_iter().filter_map(|key| self.monitoring.incidents.get(&key.incident_id())).collect()
    }

    /// Where every incident with a violation of a commitment is: boxes that hold its position
    /// whatever its time and kind, so that a list of violations (which shows those of
    /// commitments only, `violations_of_commitments`) looks only at the incidents there (the
    /// server's planner) rather than derive the violations of every incident in its way.
    ///
    /// A commitment's violation needs the incident's probe to meet one of the scopes' boxes
    /// in the R-tree (`matcher::Reach`, read from the tree): grown by the largest uncertainty
    /// of an incident indexed, so one incident known only to within 100 km widens every box:
    /// the planner then judges them by how many incidents they hold, as any other index.
    ///
    /// `None` past `VIOLATIONS_REACH_BOXES_MAX` boxes (one per piece of a scope): each read
    /// would convert and look them all up, so with thousands of long corridors the planner
    /// goes without, as it did before.
    pub fn commitment_violations_reach(&self) -> Option<Vec<LonLatBox>> {
        let reach = self.active_scopes.reach();
        if reach.len() > VIOLATIONS_REACH_BOXES_MAX {
            return None;
        }
        Some(reach.lon_lat_boxes(self.monitoring.incident_index().uncertainty_m_max()))
    }

    /// Every violation of every incident.
    pub fn violations(&self) -> Vec<Violation> {
        self.monitoring.incidents.keys().flat_map(|id| self.violations_of(id)).collect()
    }
}

/// What a derivation of an incident's violations measures it against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Against {
    CommitmentsAndNotifications,
    /// Lists show the violations of commitments only; conditions count only those.
    Commitments,
}

/// Adds to `reach` where the place `notification` protects can be reached: the box of a site
/// buffered by its radius, or those of a movement's route buffered by its half-width, made as a
/// corridor's are.
pub(crate) fn add_notified_place(reach: &mut Reach, notification: &NotificationRecord) {
    match &notification.notified {
        Notified::Site { position, radius_m, .. } => reach.add_site(*position, *radius_m),
        Notified::Movement { route, half_width_m, .. } => reach.add_route(route, *half_width_m),
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
