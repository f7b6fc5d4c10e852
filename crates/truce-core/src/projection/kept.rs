//! What reads select incidents by and is costly to derive, kept per incident as entries
//! apply: its grade and the forces accused of it (`Verdict`), with the incidents by grade and
//! by accused force, so that a list filtered by grade or party finds its candidates in an
//! index (the server's planner) and checks each without deriving it (docs/reads.md).
//!
//! Derived only, like the incident index: `State::grade_explained` and
//! `State::accused_forces_derived` say what they are, from the incident's sources and those
//! of the incidents marked its duplicates, the statements taking a stance on it, the
//! analyst's overrides, the accounts that recorded the sources (and their parties) and the
//! forces' parties. `State::apply` derives again the verdict of every incident an event may
//! change (`State::incidents_touched_by`) after folding it; `State::restored` derives every
//! one. Accounts, parties and forces are only ever added, with new ids, and a source or a
//! statement may name only those recorded before it, so registering one changes no incident
//! already recorded (forces are still followed: an incident accusing a force is derived again
//! when a force of that id is registered).
//!
//! A state put together without `apply` (a test's, a measurement's, an `as_of` view) keeps no
//! verdicts: `State::grade` and `State::accused_forces` then derive them, and the planner,
//! seeing that the verdicts do not cover every incident, does not use their indexes.
//!
//! Every structure is ordered or hashed by content, so two states of the same records keep
//! equal verdicts and `State`'s `PartialEq` stays a comparison of records.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::{
    event::Event,
    monitoring::{index::IncidentKey, model::Grade},
    projection::{retraction::Target, state::State},
    vocab::ids::{ForceId, IncidentId},
};

/// An incident's grade and the forces accused of it, as derived from the record.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub grade: Grade,
    /// In id order, once each.
    pub accused_forces: Accused,
}

// The kept verdicts' hash map holds one beside its 16-byte key for every incident.
const _: () = assert!(std::mem::size_of::<Verdict>() == 16);

/// The forces accused of an incident, in id order, once each, read as a slice: none (most
/// incidents) without an allocation, the others behind one pointer. A boxed slice inline
/// was 16 bytes, and a verdict 24 (a set's first node holds room for eleven, a vector is 24).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accused(Option<Box<Box<[ForceId]>>>);

impl std::ops::Deref for Accused {
    type Target = [ForceId];

    fn deref(&self) -> &[ForceId] {
        self.0.as_deref().map_or(&[], |forces| forces)
    }
}

impl FromIterator<ForceId> for Accused {
    fn from_iter<I: IntoIterator<Item = ForceId>>(forces: I) -> Accused {
        let forces: Box<[ForceId]> = forces.into_iter().collect();
        Accused((!forces.is_empty()).then(|| Box::new(forces)))
    }
}

impl<'a> IntoIterator for &'a Accused {
    type Item = &'a ForceId;
    type IntoIter = std::slice::Iter<'a, ForceId>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The verdict of every incident recorded through `State::apply`, and the incidents by grade
/// and by accused force.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdicts {
    of: HashMap<IncidentKey, Verdict>,
    by_grade: BTreeMap<Grade, BTreeSet<IncidentKey>>,
    by_force: BTreeMap<ForceId, BTreeSet<IncidentKey>>,
}

impl Verdicts {
    /// Incidents with a verdict kept.
    pub fn len(&self) -> usize {
        self.of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.of.is_empty()
    }

    /// The verdict kept for the incident, if any.
    pub fn of(&self, incident_id: &IncidentId) -> Option<&Verdict> {
        self.of_key(IncidentKey::of(incident_id))
    }

    /// The same, by the incident's key.
    pub fn of_key(&self, key: IncidentKey) -> Option<&Verdict> {
        self.of.get(&key)
    }

    /// The incidents of `grade`, none when there are none.
    pub fn of_grade(&self, grade: Grade) -> Option<&BTreeSet<IncidentKey>> {
        self.by_grade.get(&grade)
    }

    /// The incidents accusing `force_id`, none when there are none.
    pub fn accusing(&self, force_id: &ForceId) -> Option<&BTreeSet<IncidentKey>> {
        self.by_force.get(force_id)
    }

    /// Keeps `verdict` for the incident of `key`, in place of what was kept; `None` takes
    /// the incident out.
    fn put(&mut self, key: IncidentKey, verdict: Option<Verdict>) {
        let before = match verdict {
            Some(verdict) => {
                if self.of.get(&key) == Some(&verdict) {
                    return;
                }
                self.by_grade.entry(verdict.grade).or_default().insert(key);
                for force_id in &verdict.accused_forces {
                    self.by_force.entry(force_id.clone()).or_default().insert(key);
                }
                self.of.insert(key, verdict.clone()).map(|before| (before, Some(verdict)))
            }
            None => self.of.remove(&key).map(|before| (before, None)),
        };
        let Some((before, after)) = before else {
            return;
        };
        if after.as_ref().is_none_or(|after| after.grade != before.grade) {
            take(&mut self.by_grade, &before.grade, key);
        }
        for force_id in &before.accused_forces {
            if after.as_ref().is_none_or(|after| !after.accused_forces.contains(force_id)) {
                take(&mut self.by_force, force_id, key);
            }
        }
    }
}

/// Takes `key` out of its cell, dropping the cell when it is left empty (so that equal
/// contents are equal maps).
fn take<C: Ord + Clone>(cells: &mut BTreeMap<C, BTreeSet<IncidentKey>>, cell: &C, key: IncidentKey) {
    let keys = cells.get_mut(cell).expect("a kept verdict is in its cell");
    assert!(keys.remove(&key), "a kept verdict is in its cell");
    if keys.is_empty() {
        cells.remove(cell);
    }
}

impl State {
    /// The verdict of the incident, derived from the record (what is kept must equal it).
    pub fn verdict_derived(&self, incident_id: &IncidentId) -> Option<Verdict> {
        let incident = self.monitoring.incidents.get(incident_id)?;
        let accused = self.accused_forces_derived(incident);
        Some(Verdict { grade: self.grade_derived(incident, &accused), accused_forces: accused.into_iter().collect() })
    }

    /// The verdicts of every incident, derived from scratch (a state read from a snapshot,
    /// which does not hold them): the same as putting them one by one, but the hash map
    /// made at its size once (not grown, two tables at a time, as it fills) and the incidents
    /// of each grade and each accused force gathered first and built whole, in full nodes.
    pub(crate) fn verdicts_derived(&self) -> Verdicts {
        let mut of = HashMap::with_capacity(self.monitoring.incidents.len());
        let mut by_grade: BTreeMap<Grade, Vec<IncidentKey>> = BTreeMap::new();
        let mut by_force: BTreeMap<ForceId, Vec<IncidentKey>> = BTreeMap::new();
        for incident_id in self.monitoring.incidents.keys() {
            let key = IncidentKey::of(incident_id);
            let verdict = self.verdict_derived(incident_id).expect("a recorded incident has a verdict");
            by_grade.entry(verdict.grade).or_default().push(key);
            for force_id in &verdict.accused_forces {
                by_force.entry(force_id.clone()).or_default().push(key);
            }
            of.insert(key, verdict);
        }
        let built = |keys: Vec<IncidentKey>| keys.into_iter().collect::<BTreeSet<IncidentKey>>();
        Verdicts {
            of,
            by_grade: by_grade.into_iter().map(|(grade, keys)| (grade, built(keys))).collect(),
            by_force: by_force.into_iter().map(|(force_id, keys)| (force_id, built(keys))).collect(),
        }
    }

    /// Derives again the verdicts of `incident_ids` (an incident no longer recorded loses
    /// its verdict).
    pub(crate) fn keep_verdicts(&mut self, incident_ids: impl IntoIterator<Item = IncidentId>) {
        for incident_id in incident_ids {
            let verdict = self.verdict_derived(&incident_id);
            self.verdicts.put(IncidentKey::of(&incident_id), verdict);
        }
    }

    /// The incidents whose verdict the event may change, as the record stands `before` the
    /// event is folded (what a retraction takes out) or after (what the rest adds).
    pub(crate) fn incidents_touched_by(&self, event: &Event, before: bool) -> Vec<IncidentId> {
        let monitoring = &self.monitoring;
        // The incident, and the one it is marked a duplicate of, whose sources it adds to.
        let with_original = |incident_id: &IncidentId| {
            let original = monitoring.incidents.get(incident_id).and_then(|i| i.duplicate_of.as_ref());
            let original = original.map(|record| record.duplicate_of.clone());
            std::iter::once(incident_id.clone()).chain(original).collect::<Vec<_>>()
        };
        match event {
            Event::Retracted { seq, .. } if before => match self.retractable.get(seq).map(|r| &r.target) {
                Some(Target::Incident(incident_id)) | Some(Target::Source { incident_id, .. }) => {
                    with_original(incident_id)
                }
                Some(Target::Statement(statement_id)) => {
                    monitoring.statements.get(statement_id).map(|s| s.incidents_stood_on()).unwrap_or_default()
                }
                Some(
                    Target::Reading(_)
                    | Target::Observation(_)
                    | Target::Estimate(_)
                    | Target::Passage(_)
                    | Target::Total(_)
                    | Target::Consent(_)
                    | Target::Stance { .. }
                    | Target::Suspension { .. }
                    | Target::Ending { .. }
                    | Target::Fulfilment { .. }
                    | Target::Boundary { .. }
                    | Target::Control { .. },
                )
                | None => Vec::new(),
            },
            _ if before => Vec::new(),
            Event::IncidentReported { incident_id, .. } | Event::IncidentGraded { incident_id, .. } => {
                vec![incident_id.clone()]
            }
            Event::SourceAdded { incident_id, .. } => with_original(incident_id),
            Event::DuplicateMarked { incident_id, duplicate_of, .. } => {
                vec![incident_id.clone(), duplicate_of.clone()]
            }
            Event::StatementMade { stances, about, .. } => {
                let on = stances.iter().map(|s| s.incident_id().clone());
                on.chain(about.iter().filter_map(|s| s.on_incident()).map(|s| s.incident_id().clone())).collect()
            }
            Event::ForceRegistered { force_id, .. } => {
                let keys = self.verdicts.accusing(force_id).into_iter().flatten();
                keys.map(|key| key.incident_id()).collect()
            }
            // The grade and the accused do not depend on where, when or what the incident
            // was, on violations, or on anything outside the incidents' own record but the
            // accounts, parties and forces (see the module's comment).
            Event::LogStarted(_)
            | Event::PartyRegistered { .. }
            | Event::AccountRegistered { .. }
            | Event::AccountKeyAdded { .. }
            | Event::EnrolmentCreated { .. }
            | Event::AccountKeyEnrolled { .. }
            | Event::AccountKeyRevoked { .. }
            | Event::EncryptionKeySet { .. }
            | Event::ZoneDefined { .. }
            | Event::ZoneRedrawn { .. }
            | Event::ZoneControlRecorded { .. }
            | Event::AgreementProposed { .. }
            | Event::VersionProposed { .. }
            | Event::StanceTaken { .. }
            | Event::AgreementSuspended { .. }
            | Event::AgreementResumed { .. }
            | Event::AgreementEnded { .. }
            | Event::ConsentRecorded { .. }
            | Event::FulfilmentReported { .. }
            | Event::IncidentCorrected { .. }
            | Event::ViolationDismissed { .. }
            | Event::ReadingRecorded { .. }
            | Event::ObservationRecorded { .. }
            | Event::PopulationEstimated { .. }
            | Event::PassageRecorded { .. }
            | Event::TotalReported { .. }
            | Event::ConvoyScheduled { .. }
            | Event::ConvoyUpdated { .. }
            | Event::HumanitarianNotified { .. }
            | Event::NotificationWithdrawn { .. }
            | Event::NotificationAcknowledged { .. }
            | Event::AlertAcknowledged { .. }
            | Event::TimeMarked {}
            // Folded: what it took out was touched before.
            | Event::Retracted { .. } => Vec::new(),
        }
    }
}
