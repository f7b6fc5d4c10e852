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
//! every replay classify alike.
//!
//! The same file holds the read policy (`RecordKind`, `Audience`, `Reader`): who may read each
//! kind of record of the projection. It agrees with the sealing by construction, since a
//! confidential record's readers are the parties its entries are sealed to
//! (`notification_parties`, `confidential_alert`). The server applies it on every read
//! route; docs/visibility.md has it as a table.

use std::collections::BTreeSet;

use crate::{
    command::{Command, CommandBody},
    monitoring::model::Violation,
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

/// Every kind of record a read route serves, for the read policy. Exhaustive, so that a new
/// kind does not compile until it has its audience in `RecordKind::audience`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// The ledger: entries (confidential ones sealed), proofs, checkpoints, tiles.
    Ledger,
    Party,
    Force,
    Zone,
    Corridor,
    Agreement,
    Commitment,
    Consent,
    Incident,
    /// A violation of a commitment; one of a notification is `Confidential`.
    Violation,
    Retraction,
    Statement,
    Population,
    Movement,
    Passage,
    Convoy,
    Observation,
    /// An alert; one about a notification is `Confidential`.
    Alert,
    /// Accounts: names, roles and keys of liaison officers.
    Account,
    /// The webhook delivery log: it names subscribers' hosts.
    WebhookDelivery,
    /// A humanitarian notification, its acknowledgements and withdrawal, violations of it
    /// and alerts about it.
    Notification,
}

/// Who may read a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account of the mechanism, operators included.
    Members,
    /// Only signed-in accounts of these parties. Operators, being of no party, are not among
    /// them: the operator runs the server but is told no notification (docs/visibility.md).
    Parties(BTreeSet<PartyId>),
}

/// Who asks to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader<'a> {
    /// Not signed in.
    Anyone,
    /// A signed-in account, of `party` or (operators) of none.
    Member { party: Option<&'a PartyId> },
}

/// The class of a kind of record, before the state says which parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadClass {
    Public,
    Members,
    Confidential,
}

impl RecordKind {
    /// The class of this kind of record. A violation or an alert is public unless it is
    /// about a notification (`violation_audience`, `alert_audience`).
    pub fn class(self) -> ReadClass {
        match self {
            RecordKind::Ledger
            | RecordKind::Party
            | RecordKind::Force
            | RecordKind::Zone
            | RecordKind::Corridor
            | RecordKind::Agreement
            | RecordKind::Commitment
            | RecordKind::Consent
            | RecordKind::Incident
            | RecordKind::Violation
            | RecordKind::Retraction
            | RecordKind::Statement
            | RecordKind::Population
            | RecordKind::Movement
            | RecordKind::Passage
            | RecordKind::Convoy
            | RecordKind::Observation
            | RecordKind::Alert => ReadClass::Public,
            RecordKind::Account | RecordKind::WebhookDelivery => ReadClass::Members,
            RecordKind::Notification => ReadClass::Confidential,
        }
    }
}

impl Audience {
    /// Whether `reader` may read a record for this audience.
    pub fn admits(&self, reader: Reader<'_>) -> bool {
        match (self, reader) {
            (Audience::Public, _) => true,
            (Audience::Members, Reader::Member { .. }) => true,
            (Audience::Members, Reader::Anyone) => false,
            (Audience::Parties(parties), Reader::Member { party: Some(party) }) => parties.contains(party),
            (Audience::Parties(_), Reader::Member { party: None } | Reader::Anyone) => false,
        }
    }
}

/// Who may read a notification (and its acknowledgements and withdrawal): the accounts of
/// the notifying party and of the parties notified. Nobody, for an unknown one.
pub fn notification_audience(state: &State, notification_id: &NotificationId) -> Audience {
    Audience::Parties(notification_parties(state, notification_id).unwrap_or_default())
}

/// Who may read an alert: anyone, unless it is about a notification.
pub fn alert_audience(state: &State, alert: &Alert) -> Audience {
    match confidential_alert(state, alert) {
        Some(parties) => Audience::Parties(parties),
        None => Audience::Public,
    }
}

/// Whether an alert is public, which needs no state: one about a notification never is.
pub fn alert_is_public(alert: &Alert) -> bool {
    alert.notification_id.is_none()
}

/// Who may read a violation: anyone for one of a commitment, the notification's parties
/// for one of a notification.
pub fn violation_audience(state: &State, violation: &Violation) -> Audience {
    match &violation.notification_id {
        Some(notification_id) => notification_audience(state, notification_id),
        None => Audience::Public,
    }
}

/// Whether `reader` may read `alert`.
pub fn may_read_alert(state: &State, reader: Reader<'_>, alert: &Alert) -> bool {
    alert_audience(state, alert).admits(reader)
}
