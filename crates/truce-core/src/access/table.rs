//! The one table of who may submit what: for every command, the roles that may, and what
//! the action is called in a refusal. `decide` consults it once, before any rule of the
//! command itself; the command's own function then checks only what depends on the record
//! (is this party a signatory, was this alert addressed to it, is this its own report).
//!
//! An exhaustive `match`, so a new command does not compile until its row is written.
//! `docs/roles.md` is this table in words: change both together.

use crate::{access::Role, command::CommandBody};

/// Who may submit a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permission {
    /// An account with one of these roles.
    Roles(&'static [Role]),
    /// An act of a party: attested by an account of that party with one of `attest`, or
    /// reported by a monitor or analyst of another party (`Actor::act`).
    Act { attest: &'static [Role] },
    /// Any account; the command's own rule decides (the genesis has no account yet).
    Anyone,
}

use Role::{Analyst, Coordinator, Monitor, Operator};

const OPERATOR: &[Role] = &[Operator];
const REGISTRARS: &[Role] = &[Operator, Analyst];
const MAPPERS: &[Role] = &[Operator, Coordinator, Monitor, Analyst];
const REPORTERS: &[Role] = &[Coordinator, Monitor, Analyst];
const OBSERVERS: &[Role] = &[Monitor, Analyst];
const ANALYSTS: &[Role] = &[Analyst];
const NOTIFIERS: &[Role] = &[Coordinator, Monitor];
const PARTIES: &[Role] = &[Coordinator];
const SPEAKERS: &[Role] = &[Coordinator, Monitor];
const ANY_ROLE: &[Role] = &[Operator, Coordinator, Monitor, Analyst];

/// The row of the table for a command: its action in words and who may submit it.
pub(crate) fn permission(body: &CommandBody) -> (&'static str, Permission) {
    use Permission::{Act, Anyone, Roles};
    match body {
        CommandBody::Genesis(_) => ("starting the log", Anyone),
        CommandBody::RegisterParty { .. } => ("registering a party", Roles(REGISTRARS)),
        // An operator for accounts of no party and a party's first account; the party's
        // coordinators and first account for its later ones: the command's own rule.
        CommandBody::RegisterAccount { .. } => ("registering an account", Roles(ANY_ROLE)),
        // Only to accounts of no party: the command's own rule.
        CommandBody::AddAccountKey { .. } => ("adding a key", Roles(OPERATOR)),
        // Whoever manages the account (as for registering it): the command's own rule.
        CommandBody::CreateEnrolment { .. } => ("opening an enrolment", Roles(ANY_ROLE)),
        // Signed by the new key, which no account holds yet: the enrolment code
        // authenticates it (`decide`'s `authenticate`, then the command's own rule).
        CommandBody::EnrolKey { .. } => ("enrolling a key", Anyone),
        // The account itself, or whoever manages it: the command's own rule.
        CommandBody::RevokeKey { .. } => ("revoking a key", Roles(ANY_ROLE)),
        // Only the account itself: the command's own rule checks that.
        CommandBody::SetEncryptionKey { .. } => ("setting an encryption key", Roles(ANY_ROLE)),
        CommandBody::RegisterForce { .. } => ("registering a force", Roles(REGISTRARS)),
        CommandBody::DefineZone { .. } => ("defining a zone", Roles(MAPPERS)),
        CommandBody::RedrawZone { .. } => ("redrawing a zone", Roles(MAPPERS)),
        CommandBody::RecordZoneControl { .. } => ("recording zone control", Roles(MAPPERS)),
        CommandBody::ProposeAgreement { .. } => ("proposing an agreement", Act { attest: PARTIES }),
        CommandBody::ProposeVersion { .. } => ("proposing a version", Act { attest: PARTIES }),
        CommandBody::Endorse { .. } => ("endorsing", Act { attest: PARTIES }),
        CommandBody::Reject { .. } => ("rejecting", Act { attest: PARTIES }),
        CommandBody::Withdraw { .. } => ("withdrawing an endorsement", Act { attest: PARTIES }),
        CommandBody::Suspend { .. } => ("suspending an agreement", Act { attest: PARTIES }),
        CommandBody::Resume { .. } => ("resuming an agreement", Act { attest: PARTIES }),
        CommandBody::DeclareBroken { .. } => ("declaring an agreement broken", Act { attest: PARTIES }),
        CommandBody::DeclareCompleted { .. } => ("declaring an agreement completed", Act { attest: PARTIES }),
        CommandBody::RecordConsent { .. } => ("recording consent", Act { attest: PARTIES }),
        CommandBody::ReportFulfilled { .. } => ("reporting a fulfilled commitment", Act { attest: PARTIES }),
        CommandBody::MakeStatement { .. } => ("making a statement", Act { attest: SPEAKERS }),
        CommandBody::RecordReading { .. } => ("recording a reading of an agreement", Roles(OBSERVERS)),
        CommandBody::RecordObservation { .. } => ("recording an observation", Roles(OBSERVERS)),
        CommandBody::ReportIncident { .. } => ("reporting an incident", Roles(REPORTERS)),
        CommandBody::AddSource { .. } => ("adding a source", Roles(REPORTERS)),
        CommandBody::CorrectIncident { .. } => ("correcting an incident", Roles(REPORTERS)),
        CommandBody::GradeIncident { .. } => ("grading an incident", Roles(ANALYSTS)),
        CommandBody::MarkDuplicate { .. } => ("marking a duplicate", Roles(ANALYSTS)),
        CommandBody::DismissViolation { .. } => ("dismissing a violation", Roles(ANALYSTS)),
        CommandBody::EstimatePopulation { .. } => ("estimating a population", Roles(OBSERVERS)),
        CommandBody::RecordPassage { .. } => ("recording a passage", Roles(OBSERVERS)),
        CommandBody::ReportTotal { .. } => ("reporting a total", Roles(REPORTERS)),
        CommandBody::ScheduleConvoy { .. } => ("scheduling a convoy", Roles(REPORTERS)),
        CommandBody::UpdateConvoy { .. } => ("updating a convoy", Roles(REPORTERS)),
        CommandBody::NotifyHumanitarian { .. } => ("notifying a humanitarian site or movement", Roles(NOTIFIERS)),
        // Only the party that notified: the command's own rule checks that.
        CommandBody::WithdrawNotification { .. } => ("withdrawing a notification", Roles(NOTIFIERS)),
        // Only the parties notified may acknowledge: the command's own rule checks that.
        CommandBody::AcknowledgeNotification { .. } => ("acknowledging a notification", Roles(ANY_ROLE)),
        // The parties addressed, or an analyst: the command's own rule checks that.
        CommandBody::AcknowledgeAlert { .. } => ("acknowledging an alert", Roles(ANY_ROLE)),
        CommandBody::MarkTime {} => ("marking time", Roles(OPERATOR)),
        // An analyst, or an account of the party that recorded it: the command's own rule.
        CommandBody::Retract { .. } => ("retracting a record", Roles(ANY_ROLE)),
    }
}
