//! Retraction: a record withdrawn as mistaken (a wrong position, a duplicate report, a
//! misattributed source, a reported act that did not happen). The retraction is appended,
//! never the record deleted from the ledger; the projection folds it by taking the record
//! out, so every derivation follows from the retraction's record time on, and `?known_at=`
//! before it still answers with the record.
//!
//! `State` indexes, by entry, what each retractable entry recorded, so that `retract` can
//! name an entry by its sequence number. What is not retractable, and why: registrations,
//! keys and zone definitions (the log's vocabulary, which later entries refer to);
//! proposals of agreements and versions (versions are numbered; propose a new one);
//! analysts' grades, duplicates, dismissals and corrections (each is itself a revision);
//! acknowledgements and notifications; attested acts (a party withdraws or declares, it does
//! not un-sign).

use serde::{Deserialize, Serialize};

use crate::{
    coordination::{
        model::{Ending, Stance},
        record::{EndingRecord, FulfilmentRecord, StanceRecord, SuspensionRecord, ZoneBoundary, ZoneControl},
    },
    event::Event,
    projection::state::State,
    vocab::{
        ids::{
            AccountId, AgreementId, CommitmentId, ConsentId, EstimateId, IncidentId, ObservationId, PassageId,
            ReadingId, SourceId, StatementId, TotalId, ZoneId,
        },
        text::Reason,
        time::Timestamp,
    },
};

/// What one retractable entry recorded, and who recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Retractable {
    pub(crate) recorded_by: AccountId,
    pub(crate) target: Target,
}

// The index holds one for most entries of the log: kept to an id or two and a pointer.
const _: () = assert!(std::mem::size_of::<Retractable>() <= 64);

/// The record an entry made, found again by id or, for records without one, by value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum Target {
    Incident(IncidentId),
    Source { incident_id: IncidentId, source_id: SourceId },
    Statement(StatementId),
    Reading(ReadingId),
    Observation(ObservationId),
    Estimate(EstimateId),
    Passage(PassageId),
    Total(TotalId),
    Consent(ConsentId),
    // The records by value are boxed: the index holds an entry for most entries of the log,
    // nearly all of them an id, and the largest variant sets the size of every one.
    Stance { agreement_id: AgreementId, version: u32, record: Box<StanceRecord> },
    Suspension { agreement_id: AgreementId, record: Box<SuspensionRecord> },
    Ending { agreement_id: AgreementId, record: Box<EndingRecord> },
    Fulfilment { commitment_id: CommitmentId, record: Box<FulfilmentRecord> },
    Boundary { zone_id: ZoneId, record: Box<ZoneBoundary> },
    Control { zone_id: ZoneId, record: Box<ZoneControl> },
}

/// A retraction, as the projection keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RetractionRecord {
    /// The entry whose record was retracted.
    pub seq: u64,
    pub reason: Reason,
    pub author: AccountId,
    pub recorded_at: Timestamp,
}

impl State {
    /// What the event, just folded, recorded that could be retracted later; `None` for what
    /// cannot be (see the module's comment).
    pub(crate) fn retractable_of(&self, event: &Event) -> Option<Target> {
        let coordination = &self.coordination;
        let last = |agreement_id: &AgreementId| coordination.agreements.get(agreement_id);
        match event {
            Event::IncidentReported { incident_id, .. } => Some(Target::Incident(incident_id.clone())),
            Event::SourceAdded { incident_id, source, .. } => {
                Some(Target::Source { incident_id: incident_id.clone(), source_id: source.source_id.clone() })
            }
            Event::StatementMade { statement_id, .. } => Some(Target::Statement(statement_id.clone())),
            Event::ReadingRecorded { reading_id, .. } => Some(Target::Reading(reading_id.clone())),
            Event::ObservationRecorded { observation_id, .. } => Some(Target::Observation(observation_id.clone())),
            Event::PopulationEstimated { estimate_id, .. } => Some(Target::Estimate(estimate_id.clone())),
            Event::PassageRecorded { passage_id, .. } => Some(Target::Passage(passage_id.clone())),
            Event::TotalReported { total_id, .. } => Some(Target::Total(total_id.clone())),
            Event::ConsentRecorded { consent_id, provenance, .. } => {
                (!provenance.is_attested()).then(|| Target::Consent(consent_id.clone()))
            }
            Event::StanceTaken { agreement_id, version, provenance, .. } => {
                let record = Box::new(last(agreement_id)?.version(*version)?.stances.last()?.clone());
                (!provenance.is_attested()).then(|| Target::Stance {
                    agreement_id: agreement_id.clone(),
                    version: *version,
                    record,
                })
            }
            Event::AgreementSuspended { agreement_id, provenance, .. }
            | Event::AgreementResumed { agreement_id, provenance, .. } => {
                let record = Box::new(last(agreement_id)?.suspensions.last()?.clone());
                (!provenance.is_attested()).then(|| Target::Suspension { agreement_id: agreement_id.clone(), record })
            }
            Event::AgreementEnded { agreement_id, provenance, .. } => {
                let record = Box::new(last(agreement_id)?.endings.last()?.clone());
                (!provenance.is_attested()).then(|| Target::Ending { agreement_id: agreement_id.clone(), record })
            }
            Event::FulfilmentReported { commitment_id, provenance, .. } => {
                let record = Box::new(coordination.fulfilments.get(commitment_id)?.last()?.clone());
                (!provenance.is_attested()).then(|| Target::Fulfilment { commitment_id: commitment_id.clone(), record })
            }
            Event::ZoneRedrawn { zone_id, .. } => {
                let record = Box::new(coordination.zones.get(zone_id)?.boundaries.last()?.clone());
                Some(Target::Boundary { zone_id: zone_id.clone(), record })
            }
            Event::ZoneControlRecorded { zone_id, .. } => {
                let record = Box::new(coordination.zones.get(zone_id)?.control.last()?.clone());
                Some(Target::Control { zone_id: zone_id.clone(), record })
            }
            Event::LogStarted(_)
            | Event::PartyRegistered { .. }
            | Event::AccountRegistered { .. }
            | Event::AccountKeyAdded { .. }
            | Event::EnrolmentCreated { .. }
            | Event::AccountKeyEnrolled { .. }
            | Event::AccountKeyRevoked { .. }
            | Event::EncryptionKeySet { .. }
            | Event::ForceRegistered { .. }
            | Event::ZoneDefined { .. }
            | Event::AgreementProposed { .. }
            | Event::VersionProposed { .. }
            | Event::IncidentCorrected { .. }
            | Event::IncidentGraded { .. }
            | Event::DuplicateMarked { .. }
            | Event::ViolationDismissed { .. }
            | Event::ConvoyScheduled { .. }
            | Event::ConvoyUpdated { .. }
            | Event::HumanitarianNotified { .. }
            | Event::NotificationWithdrawn { .. }
            | Event::NotificationAcknowledged { .. }
            | Event::AlertAcknowledged { .. }
            | Event::TimeMarked {}
            | Event::Retracted { .. } => None,
        }
    }

    /// For a retracted agreement act: its agreement, the act in words, and when it was said
    /// to happen.
    pub(crate) fn retracted_act(&self, seq: u64) -> Option<(AgreementId, String, Timestamp)> {
        let target = &self.retractable.get(&seq)?.target;
        let party = |party_id| self.coordination.party_label(party_id);
        match target {
            Target::Stance { agreement_id, version, record } => {
                let verb = match record.stance {
                    Stance::Endorsed => "endorsed",
                    Stance::Rejected { .. } => "rejected",
                    Stance::Withdrawn { .. } => "withdrew its endorsement of",
                };
                Some((agreement_id.clone(), format!("{} {verb} version {version}", party(&record.party_id)), record.at))
            }
            Target::Suspension { agreement_id, record } => {
                let verb = if record.suspended { "suspended" } else { "resumed" };
                Some((agreement_id.clone(), format!("{} {verb} the agreement", party(&record.party_id)), record.at))
            }
            Target::Ending { agreement_id, record } => {
                let verb = match record.ending {
                    Ending::Broken { .. } => "declared the agreement broken",
                    Ending::Completed { .. } => "declared the agreement completed",
                };
                Some((agreement_id.clone(), format!("{} {verb}", party(&record.party_id)), record.at))
            }
            Target::Fulfilment { commitment_id, record } => {
                let agreement_id = self.coordination.commitment_agreements.get(commitment_id)?.clone();
                Some((agreement_id, format!("{} fulfilled a commitment", party(&record.party_id)), record.at))
            }
            Target::Consent(_)
            | Target::Incident(_)
            | Target::Source { .. }
            | Target::Statement(_)
            | Target::Reading(_)
            | Target::Observation(_)
            | Target::Estimate(_)
            | Target::Passage(_)
            | Target::Total(_)
            | Target::Boundary { .. }
            | Target::Control { .. } => None,
        }
    }

    /// Whether the record is still in the projection (a source of an incident since
    /// retracted is not).
    pub(crate) fn holds(&self, target: &Target) -> bool {
        let coordination = &self.coordination;
        let monitoring = &self.monitoring;
        match target {
            Target::Incident(id) => monitoring.incidents.contains_key(id),
            Target::Source { incident_id, source_id } => monitoring
                .incidents
                .get(incident_id)
                .is_some_and(|i| i.sources.iter().any(|s| &s.source.source_id == source_id)),
            Target::Statement(id) => monitoring.statements.contains_key(id),
            Target::Reading(id) => monitoring.readings.contains_key(id),
            Target::Observation(id) => monitoring.observations.contains_key(id),
            Target::Estimate(id) => monitoring.estimates.contains_key(id),
            Target::Passage(id) => monitoring.passages.contains_key(id),
            Target::Total(id) => monitoring.totals.contains_key(id),
            Target::Consent(id) => coordination.consents.contains_key(id),
            Target::Stance { agreement_id, version, record } => coordination
                .agreements
                .get(agreement_id)
                .and_then(|a| a.version(*version))
                .is_some_and(|v| v.stances.contains(&**record)),
            Target::Suspension { agreement_id, record } => {
                coordination.agreements.get(agreement_id).is_some_and(|a| a.suspensions.contains(&**record))
            }
            Target::Ending { agreement_id, record } => {
                coordination.agreements.get(agreement_id).is_some_and(|a| a.endings.contains(&**record))
            }
            Target::Fulfilment { commitment_id, record } => {
                coordination.fulfilments.get(commitment_id).is_some_and(|records| records.contains(&**record))
            }
            Target::Boundary { zone_id, record } => {
                coordination.zones.get(zone_id).is_some_and(|z| z.boundaries.contains(&**record))
            }
            Target::Control { zone_id, record } => {
                coordination.zones.get(zone_id).is_some_and(|z| z.control.contains(&**record))
            }
        }
    }

    /// Takes out the record that entry `seq` made.
    ///
    /// # Panics
    /// When the record is not where the index says: `decide` checked the index, so the
    /// projection and the log disagree.
    pub(crate) fn take_out(&mut self, target: &Target) {
        let coordination = &mut self.coordination;
        let monitoring = &mut self.monitoring;
        let found = match target {
            Target::Incident(id) => {
                for duplicates in monitoring.duplicates.values_mut() {
                    duplicates.retain(|d| d != id);
                }
                monitoring.remove_incident(id).is_some()
            }
            Target::Source { incident_id, source_id } => monitoring.incidents.get_mut(incident_id).is_some_and(|i| {
                crate::monitoring::record::removed_first(&mut i.sources, |s| &s.source.source_id == source_id)
            }),
            Target::Statement(id) => monitoring.remove_statement(id).is_some(),
            Target::Reading(id) => monitoring.readings.remove(id).is_some(),
            Target::Observation(id) => monitoring.observations.remove(id).is_some(),
            Target::Estimate(id) => monitoring.estimates.remove(id).is_some(),
            Target::Passage(id) => monitoring.passages.remove(id).is_some(),
            Target::Total(id) => monitoring.totals.remove(id).is_some(),
            Target::Consent(id) => coordination.consents.remove(id).is_some(),
            Target::Stance { agreement_id, version, record } => coordination
                .agreements
                .get_mut(agreement_id)
                .and_then(|a| a.versions.iter_mut().find(|v| v.version == *version))
                .is_some_and(|v| remove_first(&mut v.stances, |s| s == &**record)),
            Target::Suspension { agreement_id, record } => coordination
                .agreements
                .get_mut(agreement_id)
                .is_some_and(|a| remove_first(&mut a.suspensions, |s| s == &**record)),
            Target::Ending { agreement_id, record } => coordination
                .agreements
                .get_mut(agreement_id)
                .is_some_and(|a| remove_first(&mut a.endings, |e| e == &**record)),
            Target::Fulfilment { commitment_id, record } => coordination
                .fulfilments
                .get_mut(commitment_id)
                .is_some_and(|records| remove_first(records, |f| f == &**record)),
            Target::Boundary { zone_id, record } => {
                coordination.zones.get_mut(zone_id).is_some_and(|z| remove_first(&mut z.boundaries, |b| b == &**record))
            }
            Target::Control { zone_id, record } => {
                coordination.zones.get_mut(zone_id).is_some_and(|z| remove_first(&mut z.control, |c| c == &**record))
            }
        };
        assert!(found, "a retracted record is where the index of retractable entries says");
    }
}

fn remove_first<T>(items: &mut Vec<T>, matches: impl Fn(&T) -> bool) -> bool {
    match items.iter().position(matches) {
        Some(idx) => {
            items.remove(idx);
            true
        }
        None => false,
    }
}
