//! Alerts: messages to the parties concerned. The types only; `raise` derives them as
//! entries apply, and delivery (stream, webhooks, CAP) is the shell's job.
//!
//! An alert's id is `<seq>.<n>`: derived from the log alone, so every node that replays the
//! same entries raises the same alerts.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize};

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
    /// The parties it is addressed to: a boxed slice, eight bytes less than a vector (a
    /// projection holds hundreds of thousands).
    pub parties: Box<[PartyId]>,
    /// A fixed text for a violation's alert, a text of its own for the others: the fixed ones
    /// are read back as the same static texts (`FIXED_HEADLINES`), not as a copy in each of
    /// the hundreds of thousands of violations' alerts.
    #[serde(deserialize_with = "fixed_or_owned")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub headline: Cow<'static, str>,
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

/// The headlines of violations' alerts, one per status and kind of violation, and of a
/// violation withdrawn (`raise.rs` says them).
pub(crate) static FIXED_HEADLINES: [&str; 7] = [
    "alleged violation of a commitment",
    "substantiated violation of a commitment",
    "dismissed violation of a commitment",
    "alleged violation of a humanitarian notification",
    "substantiated violation of a humanitarian notification",
    "dismissed violation of a humanitarian notification",
    "a violation alerted before no longer stands on the record",
];

/// The headline of a violation's alert, by its status and whether it is a commitment's
/// (else a humanitarian notification's): one of `FIXED_HEADLINES`, picked without a text made.
pub(crate) fn violation_headline(status: ViolationStatus, of_commitment: bool) -> &'static str {
    let by_status = match status {
        ViolationStatus::Alleged => 0,
        ViolationStatus::Substantiated => 1,
        ViolationStatus::Dismissed => 2,
    };
    FIXED_HEADLINES[by_status + if of_commitment { 0 } else { 3 }]
}

/// The headline of the alert of a violation that no longer stands.
pub(crate) fn withdrawn_headline() -> &'static str {
    FIXED_HEADLINES[6]
}

/// The fixed headline `text` is, if it is one.
pub(crate) fn fixed_headline(text: &str) -> Option<&'static str> {
    FIXED_HEADLINES.iter().copied().find(|fixed| *fixed == text)
}

/// A headline read back: a fixed one as its static text, any other as its own.
fn fixed_or_owned<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cow<'static, str>, D::Error> {
    struct Headline;
    impl serde::de::Visitor<'_> for Headline {
        type Value = Cow<'static, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a headline")
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Cow<'static, str>, E> {
            Ok(fixed_headline(text).map_or_else(|| Cow::Owned(text.to_owned()), Cow::Borrowed))
        }
    }
    deserializer.deserialize_str(Headline)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::{fixed_headline, violation_headline, withdrawn_headline, Alert, AlertKind, FIXED_HEADLINES};
    use crate::monitoring::model::ViolationStatus;
    use crate::vocab::{ids::AlertId, time::Timestamp};

    fn alert(headline: Cow<'static, str>) -> Alert {
        Alert {
            alert_id: AlertId::new(7, 0),
            seq: 7,
            raised_at: Timestamp::parse("2016-12-12T00:00:00Z").expect("valid"),
            kind: AlertKind::ViolationNew,
            parties: Box::default(),
            headline,
            incident_id: None,
            commitment_id: None,
            notification_id: None,
            agreement_id: None,
            violation_status: None,
            corridor_id: None,
            open_for: Box::default(),
            effective_at: None,
        }
    }

    /// A violation's headline is read back as the static text, not a copy of its own; any
    /// other headline as its own text; both written as the text.
    #[test]
    fn fixed_headlines_are_read_back_as_the_static_texts() {
        for fixed in FIXED_HEADLINES.iter().copied() {
            let json = serde_json::to_value(alert(Cow::Borrowed(fixed))).expect("serialises");
            assert_eq!(json["headline"], fixed);
            let read: Alert = serde_json::from_value(json).expect("reads back");
            assert!(matches!(read.headline, Cow::Borrowed(text) if text == fixed), "{fixed}");
        }
        let own = "RU (…) declared the agreement broken".to_owned();
        let json = serde_json::to_value(alert(Cow::Owned(own.clone()))).expect("serialises");
        let read: Alert = serde_json::from_value(json).expect("reads back");
        assert_eq!(read.headline, Cow::<str>::Owned(own));
        assert_eq!(fixed_headline("alleged violation of a commitment!"), None);
        // Each status and kind of violation picks its own text, the one that says it.
        for (status, word) in [
            (ViolationStatus::Alleged, "alleged"),
            (ViolationStatus::Substantiated, "substantiated"),
            (ViolationStatus::Dismissed, "dismissed"),
        ] {
            assert_eq!(violation_headline(status, true), format!("{word} violation of a commitment"));
            assert_eq!(violation_headline(status, false), format!("{word} violation of a humanitarian notification"));
        }
        assert_eq!(withdrawn_headline(), "a violation alerted before no longer stands on the record");
    }
}
