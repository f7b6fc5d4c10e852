//! Which commands are confidential, and who is entitled to them: the one classification
//! the writer seals entries by (docs/sealing.md).
//!
//! A humanitarian notification names a protected site or movement and where it is; the
//! parties are told so that they deconflict, and nobody else may learn it. So everything
//! that would betray a notification enters the public log sealed: the notification, its
//! acknowledgements, an acknowledgement of an alert about it, a dismissal of a violation of
//! it, and a retraction of a sealed entry. The match is exhaustive: a new command does not
//! compile until it has its row here.
//!
//! This decides from the state before the entry, as `decide` does, so that the writer and
//! every replay classify alike. It says nothing about reading the projection, which the
//! server's read routes guard on their own.

use std::collections::BTreeSet;

use crate::{
    command::{Command, CommandBody},
    projection::{alert::Alert, state::State},
    vocab::ids::{EncryptionKeyText, NotificationId, PartyId},
};

/// Whether an entry is written open or sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sealing {
    Public,
    /// Sealed; the content is encrypted to the server and to the encryption keys of the
    /// accounts of `parties`.
    Confidential {
        parties: BTreeSet<PartyId>,
    },
}

/// How the entry of `command` is to be written, on the state before it.
pub fn sealing(state: &State, command: &Command) -> Sealing {
    let own = || command.party.iter().cloned().collect::<BTreeSet<PartyId>>();
    match &command.body {
        CommandBody::NotifyHumanitarian { party_ids, .. } => {
            let mut parties = own();
            parties.extend(party_ids.iter().cloned());
            Sealing::Confidential { parties }
        }
        // Refused by `decide` when the notification is unknown; sealed all the same, so that
        // whether it exists is never decided in public.
        CommandBody::AcknowledgeNotification { notification_id }
        | CommandBody::WithdrawNotification { notification_id, .. } => {
            let mut parties = notification_parties(state, notification_id).unwrap_or_default();
            parties.extend(own());
            Sealing::Confidential { parties }
        }
        CommandBody::AcknowledgeAlert { alert_id } => {
            match state
                .alerts
                .iter()
                .find(|alert| &alert.alert_id == alert_id)
                .and_then(|a| confidential_alert(state, a))
            {
                Some(mut parties) => {
                    parties.extend(own());
                    Sealing::Confidential { parties }
                }
                None => Sealing::Public,
            }
        }
        CommandBody::DismissViolation { notification_id: Some(notification_id), .. } => {
            let mut parties = notification_parties(state, notification_id).unwrap_or_default();
            parties.extend(own());
            Sealing::Confidential { parties }
        }
        CommandBody::DismissViolation { notification_id: None, .. } => Sealing::Public,
        CommandBody::Retract { seq, .. } => match state.sealed.get(seq) {
            Some(parties) => {
                let mut parties = parties.clone();
                parties.extend(own());
                Sealing::Confidential { parties }
            }
            None => Sealing::Public,
        },
        CommandBody::Genesis(_)
        | CommandBody::RegisterParty { .. }
        | CommandBody::RegisterAccount { .. }
        | CommandBody::AddAccountKey { .. }
        | CommandBody::CreateEnrolment { .. }
        | CommandBody::EnrolKey { .. }
        | CommandBody::RevokeKey { .. }
        | CommandBody::SetEncryptionKey { .. }
        | CommandBody::RegisterForce { .. }
        | CommandBody::DefineZone { .. }
        | CommandBody::RedrawZone { .. }
        | CommandBody::RecordZoneControl { .. }
        | CommandBody::ProposeAgreement { .. }
        | CommandBody::ProposeVersion { .. }
        | CommandBody::Endorse { .. }
        | CommandBody::Reject { .. }
        | CommandBody::Withdraw { .. }
        | CommandBody::Suspend { .. }
        | CommandBody::Resume { .. }
        | CommandBody::DeclareBroken { .. }
        | CommandBody::DeclareCompleted { .. }
        | CommandBody::RecordConsent { .. }
        | CommandBody::ReportFulfilled { .. }
        | CommandBody::ReportIncident { .. }
        | CommandBody::AddSource { .. }
        | CommandBody::CorrectIncident { .. }
        | CommandBody::GradeIncident { .. }
        | CommandBody::MarkDuplicate { .. }
        | CommandBody::MakeStatement { .. }
        | CommandBody::RecordReading { .. }
        | CommandBody::RecordObservation { .. }
        | CommandBody::EstimatePopulation { .. }
        | CommandBody::RecordPassage { .. }
        | CommandBody::ReportTotal { .. }
        | CommandBody::ScheduleConvoy { .. }
        | CommandBody::UpdateConvoy { .. }
        | CommandBody::MarkTime {} => Sealing::Public,
    }
}

/// The parties entitled to a notification: the notifying party and the parties notified.
pub fn notification_parties(state: &State, notification_id: &NotificationId) -> Option<BTreeSet<PartyId>> {
    let notification = state.monitoring.notifications.get(notification_id)?;
    let mut parties: BTreeSet<PartyId> = notification.party_ids.iter().cloned().collect();
    parties.extend(notification.notified_by.iter().cloned());
    Some(parties)
}

/// The parties entitled to an alert that is confidential (one about a notification), or
/// `None` for a public alert.
pub fn confidential_alert(state: &State, alert: &Alert) -> Option<BTreeSet<PartyId>> {
    let notification_id = alert.notification_id.as_ref()?;
    let mut parties = notification_parties(state, notification_id).unwrap_or_default();
    parties.extend(alert.parties.iter().cloned());
    Some(parties)
}

/// Whether `party` is entitled to the notification; `false` for an unknown one.
pub fn entitled_to_notification(state: &State, notification_id: &NotificationId, party: Option<&PartyId>) -> bool {
    match (notification_parties(state, notification_id), party) {
        (Some(parties), Some(party)) => parties.contains(party),
        _ => false,
    }
}

/// The encryption keys of the accounts of `parties`, each once: what a sealed entry for
/// them is encrypted to, besides the server's own key.
pub fn encryption_keys_of(state: &State, parties: &BTreeSet<PartyId>) -> Vec<EncryptionKeyText> {
    let keys: BTreeSet<&EncryptionKeyText> = state
        .accounts
        .values()
        .filter(|account| account.party_id.as_ref().is_some_and(|party| parties.contains(party)))
        .filter_map(|account| account.encryption_key.as_ref())
        .collect();
    keys.into_iter().cloned().collect()
}
