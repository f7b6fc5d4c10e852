//! Alerts: messages to the parties concerned. The types only; `raise` derives them as
//! entries apply, and delivery (stream, webhooks, CAP) is the shell's job.
//!
//! An alert's id is `<seq>.<n>`: derived from the log alone, so every node that replays the
//! same entries raises the same alerts.

use serde::{Deserialize, Serialize};

use crate::{
    coordination::model::Group,
    monitoring::model::ViolationStatus,
    vocab::{
        ids::{AgreementId, AlertId, CommitmentId, CorridorId, IncidentId, NotificationId, PartyId},
        time::Timestamp,
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum AlertKind {
    ViolationNew,
    ViolationChanged,
    /// A violation alerted before no longer stands: a later record (a suspension dated
    /// before the incident, a correction, a released commitment) took it away.
    ViolationWithdrawn,
    /// A commitment no longer binds: a `not_breached` condition of it failed.
    ConditionFailed,
    /// A commitment binds again: the breach that released it no longer stands.
    ConditionRestored,
    AgreementChanged,
    /// A corridor opened (it was closed): `open_for` says for whom.
    CorridorOpened,
    /// A corridor closed (it was open).
    CorridorClosed,
    /// An open corridor's groups changed.
    CorridorChanged,
    /// A notification's deadline passed without every party's acknowledgement.
    NotificationOverdue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Alert {
    pub alert_id: AlertId,
    pub seq: u64,
    pub raised_at: Timestamp,
    pub kind: AlertKind,
    /// The parties it is addressed to. The slice and the headline are boxed, eight bytes
    /// less each than a vector and a string: a projection holds hundreds of thousands.
    pub parties: Box<[PartyId]>,
    pub headline: Box<str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commitment_id: Option<CommitmentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_id: Option<NotificationId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<AgreementId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation_status: Option<ViolationStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corridor_id: Option<CorridorId>,
    /// The groups a corridor is open for after the change (corridor alerts only).
    #[serde(default, skip_serializing_if = "<[Group]>::is_empty")]
    pub open_for: Box<[Group]>,
    /// When what is alerted happened, where that is earlier than `raised_at` (a window
    /// that opened, a deadline that passed, before the entry that raised the alert).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_at: Option<Timestamp>,
}

impl AlertKind {
    /// The kind as it is serialised, for event names and CAP parameters.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::ViolationNew => "violation_new",
            AlertKind::ViolationChanged => "violation_changed",
            AlertKind::ViolationWithdrawn => "violation_withdrawn",
            AlertKind::ConditionFailed => "condition_failed",
            AlertKind::ConditionRestored => "condition_restored",
            AlertKind::AgreementChanged => "agreement_changed",
            AlertKind::CorridorOpened => "corridor_opened",
            AlertKind::CorridorClosed => "corridor_closed",
            AlertKind::CorridorChanged => "corridor_changed",
            AlertKind::NotificationOverdue => "notification_overdue",
        }
    }
}

/// The key of a violation in the index of those already alerted.
/// A violation is of one commitment or of one humanitarian notification.
pub(crate) type ViolationKey = (IncidentId, Option<CommitmentId>, Option<NotificationId>);
