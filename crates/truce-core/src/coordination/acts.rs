//! The acts on agreements, each by the ledger entry that recorded it: what a statement
//! refers to when it confirms or denies that a party endorsed, rejected, withdrew,
//! suspended, resumed or declared an agreement broken or completed.
//!
//! Acts have no ids of their own (a stance is a party's position on a version, recorded
//! again when it changes), so the entry's sequence number names each one. The index is
//! built as entries apply (`State::apply`), beside the record it describes.

use serde::{Deserialize, Serialize};

use crate::{
    coordination::model::{Ending, Stance},
    event::Event,
    vocab::{
        ids::{AgreementId, PartyId},
        time::Timestamp,
    },
};

/// What kind of act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActKind {
    Proposed,
    ProposedVersion,
    Endorsed,
    Rejected,
    Withdrew,
    Suspended,
    Resumed,
    DeclaredBroken,
    DeclaredCompleted,
}

/// One act on an agreement, as the entry `seq` recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgreementAct {
    pub seq: u64,
    pub agreement_id: AgreementId,
    pub act: ActKind,
    pub party_id: PartyId,
    /// The version acted on, for acts on a version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// When it happened in the world (valid time).
    pub at: Timestamp,
    /// True when a monitor or analyst reported it; false when its party attested it.
    pub reported: bool,
}

/// The act an event of entry `seq` records, if it is one.
pub(crate) fn act_of(seq: u64, event: &Event) -> Option<AgreementAct> {
    let (agreement_id, act, party_id, version, at, provenance) = match event {
        Event::AgreementProposed { agreement_id, proposed_by, effective_at, provenance, .. } => {
            (agreement_id, ActKind::Proposed, proposed_by, None, effective_at, provenance)
        }
        Event::VersionProposed { agreement_id, version, proposed_by, effective_at, provenance, .. } => {
            (agreement_id, ActKind::ProposedVersion, proposed_by, Some(*version), effective_at, provenance)
        }
        Event::StanceTaken { agreement_id, version, party_id, stance, effective_at, provenance } => {
            let act = match stance {
                Stance::Endorsed => ActKind::Endorsed,
                Stance::Rejected { .. } => ActKind::Rejected,
                Stance::Withdrawn { .. } => ActKind::Withdrew,
            };
            (agreement_id, act, party_id, Some(*version), effective_at, provenance)
        }
        Event::AgreementSuspended { agreement_id, party_id, effective_at, provenance, .. } => {
            (agreement_id, ActKind::Suspended, party_id, None, effective_at, provenance)
        }
        Event::AgreementResumed { agreement_id, party_id, effective_at, provenance, .. } => {
            (agreement_id, ActKind::Resumed, party_id, None, effective_at, provenance)
        }
        Event::AgreementEnded { agreement_id, party_id, ending, effective_at, provenance } => {
            let act = match ending {
                Ending::Broken { .. } => ActKind::DeclaredBroken,
                Ending::Completed { .. } => ActKind::DeclaredCompleted,
            };
            (agreement_id, act, party_id, None, effective_at, provenance)
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
        | Event::ZoneRedrawn { .. }
        | Event::ZoneControlRecorded { .. }
        | Event::ConsentRecorded { .. }
        | Event::FulfilmentReported { .. }
        | Event::IncidentReported { .. }
        | Event::SourceAdded { .. }
        | Event::IncidentCorrected { .. }
        | Event::IncidentGraded { .. }
        | Event::DuplicateMarked { .. }
        | Event::ViolationDismissed { .. }
        | Event::StatementMade { .. }
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
        | Event::Retracted { .. } => return None,
    };
    Some(AgreementAct {
        seq,
        agreement_id: agreement_id.clone(),
        act,
        party_id: party_id.clone(),
        version,
        at: *at,
        reported: !provenance.is_attested(),
    })
}
