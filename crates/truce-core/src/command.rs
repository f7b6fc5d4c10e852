//! Commands: what a signed request asks to happen.
//!
//! A `Command` is exactly the JSON object the author signs (see the ledger crate for the
//! bytes). The signature itself, and the server's acceptance time, travel beside it in a
//! `Context`.

use serde::{Deserialize, Serialize};

use crate::{
    access::Role,
    coordination::model::{PartyKind, Terms, ZoneKind},
    monitoring::model::{
        AgreementRef, Breakdown, ConvoyStatus, Count, Destination, Direction, EstimateKind, Grade, IncidentKind,
        IncidentStance, Location, Notified, Observation, Quantity, Reading, SourceReport, StanceOn, StatementKind,
        TotalScope, Votes, When,
    },
    vocab::geometry::Polygon,
    vocab::ids::{
        AccountId, AgreementId, AlertId, CodeHash, CommitmentId, ConsentId, ConvoyId, CorridorId, EncryptionKeyText,
        EnrolmentCode, EstimateId, ForceId, IncidentId, Nonce, NotificationId, ObservationId, PartyId, PassageId,
        PublicKeyText, ReadingId, StatementId, TotalId, ZoneId,
    },
    vocab::source::ReportedAct,
    vocab::text::{Code, Name, Names, Reason},
    vocab::time::Timestamp,
};

/// The signed object: who speaks, for which party, when, and what they ask.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Command {
    /// The party the author speaks for; `None` for operator-only accounts.
    pub party: Option<PartyId>,
    pub author: AccountId,
    pub issued_at: Timestamp,
    pub nonce: Nonce,
    pub body: CommandBody,
}

/// What the server knows about a command besides its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The sequence number the entry will have (its leaf index).
    pub seq: u64,
    pub accepted_at: Timestamp,
    /// The key that signed the command; its signature was verified before `decide`.
    pub signer: PublicKeyText,
    /// The SHA-256 of an `enrol_key` command's code, computed where the signature is
    /// checked (core computes no hashes); `None` for every other command.
    pub code_sha256: Option<CodeHash>,
}

/// The first entry of every log: it registers the operator account and its key.
///
/// Not `deny_unknown_fields`: serde cannot combine that with the internally tagged
/// newtype variant `CommandBody::Genesis` (the `type` tag would count as unknown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Genesis {
    pub operator_account_id: AccountId,
    pub operator_name: Name,
    pub operator_public_key: PublicKeyText,
    /// The checkpoint origin of this log.
    pub log_origin: Name,
}

// Internally tagged by `type` on the wire (`{"type": "endorse", ...}`) through
// `internally_tagged!` below, so that an error inside a body is reported at its full path.
// (A plain comment: a doc comment would become the schema's description.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(!remote, tag = "type"))]
pub enum CommandBody {
    Genesis(Genesis),
    RegisterParty {
        party_id: PartyId,
        code: Code,
        name: Name,
        /// The name in other languages; `name` is the default.
        #[serde(default, skip_serializing_if = "Names::is_empty")]
        names: Names,
        kind: PartyKind,
    },
    RegisterAccount {
        account_id: AccountId,
        /// `None` for an operator-only account.
        party_id: Option<PartyId>,
        name: Name,
        roles: Vec<Role>,
        /// The account's first key; absent, the account gets its keys by enrolment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        public_key: Option<PublicKeyText>,
    },
    /// Adds a key to an account of no party (an operator's); a party's accounts get their
    /// keys by enrolment.
    AddAccountKey {
        account_id: AccountId,
        public_key: PublicKeyText,
    },
    /// Opens a one-time enrolment for a new key of the account: the ledger holds only the
    /// code's SHA-256 and when it expires; the code itself goes to the new device.
    CreateEnrolment {
        account_id: AccountId,
        code_sha256: CodeHash,
        expires_at: Timestamp,
    },
    /// A new device registers its key, the command's signer, to the author's account with
    /// the enrolment code (which, once used, opens nothing).
    EnrolKey {
        code: EnrolmentCode,
    },
    /// Revokes a key of an account: what it signed before stays valid; what it signs
    /// after is refused.
    RevokeKey {
        account_id: AccountId,
        public_key: PublicKeyText,
        #[serde(default)]
        reason: Option<Reason>,
    },
    /// Sets or replaces the key the account's sealed entries are encrypted to; only the
    /// account itself may.
    SetEncryptionKey {
        account_id: AccountId,
        encryption_key: EncryptionKeyText,
    },
    RegisterForce {
        force_id: ForceId,
        code: Code,
        name: Name,
        /// Parties that answer for this force.
        party_ids: Vec<PartyId>,
    },
    DefineZone {
        zone_id: ZoneId,
        code: Code,
        name: Name,
        /// The name in other languages; `name` is the default.
        #[serde(default, skip_serializing_if = "Names::is_empty")]
        names: Names,
        kind: ZoneKind,
        boundary: Polygon,
        #[serde(default)]
        illustrative: bool,
        /// When the boundary was first in effect in the world; absent, the command's `issued_at`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
    },
    RedrawZone {
        zone_id: ZoneId,
        boundary: Polygon,
        effective_at: Timestamp,
    },
    RecordZoneControl {
        zone_id: ZoneId,
        force_id: ForceId,
        since: Timestamp,
    },
    ProposeAgreement {
        agreement_id: AgreementId,
        title: Name,
        terms: Terms,
        #[serde(default)]
        note: Option<Reason>,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    ProposeVersion {
        agreement_id: AgreementId,
        /// The number of the latest version, which the new one supersedes.
        supersedes: u32,
        terms: Terms,
        #[serde(default)]
        note: Option<Reason>,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    Endorse {
        agreement_id: AgreementId,
        version: u32,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    Reject {
        agreement_id: AgreementId,
        version: u32,
        reason: Reason,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    Withdraw {
        agreement_id: AgreementId,
        version: u32,
        #[serde(default)]
        reason: Option<Reason>,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    Suspend {
        agreement_id: AgreementId,
        reason: Reason,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    Resume {
        agreement_id: AgreementId,
        #[serde(default)]
        reason: Option<Reason>,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    /// A party declares the agreement broken: it is no longer in force from `effective_at`.
    DeclareBroken {
        agreement_id: AgreementId,
        reason: Reason,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    /// A party declares the agreement completed: what it set out to do is done.
    DeclareCompleted {
        agreement_id: AgreementId,
        #[serde(default)]
        note: Option<Reason>,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    RecordConsent {
        consent_id: ConsentId,
        force_id: ForceId,
        corridor_id: CorridorId,
        #[serde(default)]
        note: Option<Reason>,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    ReportFulfilled {
        commitment_id: CommitmentId,
        #[serde(default)]
        note: Option<Reason>,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    ReportIncident {
        incident_id: IncidentId,
        kind: IncidentKind,
        location: Location,
        when: When,
        description: Reason,
        source: SourceReport,
        /// The convoy the incident struck, if it struck one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        convoy_id: Option<ConvoyId>,
    },
    AddSource {
        incident_id: IncidentId,
        source: SourceReport,
    },
    /// Corrects location, time or kind; the earlier values stay in history.
    CorrectIncident {
        incident_id: IncidentId,
        #[serde(default)]
        kind: Option<IncidentKind>,
        #[serde(default)]
        location: Option<Location>,
        #[serde(default)]
        when: Option<When>,
        /// The convoy the incident struck; absent, unchanged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        convoy_id: Option<ConvoyId>,
        reason: Reason,
    },
    /// An analyst's grade, overriding the derived one.
    GradeIncident {
        incident_id: IncidentId,
        grade: Grade,
        reason: Reason,
    },
    MarkDuplicate {
        incident_id: IncidentId,
        duplicate_of: IncidentId,
        reason: Reason,
    },
    DismissViolation {
        incident_id: IncidentId,
        #[serde(default)]
        commitment_id: Option<CommitmentId>,
        #[serde(default)]
        notification_id: Option<NotificationId>,
        reason: Reason,
    },
    MakeStatement {
        statement_id: StatementId,
        text: Reason,
        /// Incidents the statement is about without taking a stance on them.
        #[serde(default)]
        incident_ids: Vec<IncidentId>,
        #[serde(default)]
        stances: Vec<IncidentStance>,
        #[serde(default)]
        agreements: Vec<AgreementRef>,
        /// A party's statement, or an outside body's mandate or resolution.
        #[serde(default, skip_serializing_if = "StatementKind::is_statement")]
        kind: StatementKind,
        /// The records it takes a stance on, or mentions, of any kind.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        about: Vec<StanceOn>,
        /// The document it is published as (a resolution's symbol, a communiqué's link).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<Reason>,
        /// How an outside body voted on it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        votes: Option<Votes>,
        /// When the act happened in the world. Attested acts leave it out (it is their
        /// `issued_at`); reported acts give the time their sources give.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
        /// Present when the act is reported by a monitor or analyst, not attested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported: Option<ReportedAct>,
    },
    /// What one source says a version of an agreement says, on one topic: a claim about the
    /// deal beside other sources' claims, never a term of it.
    RecordReading {
        reading_id: ReadingId,
        agreement_id: AgreementId,
        version: u32,
        reading: Reading,
        source: SourceReport,
    },
    /// A counted observation (explosions heard or seen, with the weapon, the observer's
    /// position, the bearing and the distance), as a monitoring mission reports it.
    RecordObservation {
        observation_id: ObservationId,
        observation: Observation,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Reason>,
    },
    /// How many people a zone holds, or held, or saw leave, by one source.
    EstimatePopulation {
        estimate_id: EstimateId,
        zone_id: ZoneId,
        kind: EstimateKind,
        people: Quantity,
        /// By group; a group not given is unknown.
        #[serde(default, skip_serializing_if = "Breakdown::is_empty")]
        breakdown: Breakdown,
        /// Where the people counted went, or are going.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        destination: Option<Destination>,
        /// The instant the estimate describes (valid time).
        as_of: Timestamp,
        source: SourceReport,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Reason>,
    },
    /// People who moved through a corridor, as a source counts them.
    RecordPassage {
        passage_id: PassageId,
        corridor_id: CorridorId,
        direction: Direction,
        /// The convoy they moved in, if they moved in one on this corridor.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        convoy_id: Option<ConvoyId>,
        /// Vehicles counted; absent when not counted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vehicles: Option<u32>,
        count: Count,
    },
    /// People evacuated through a corridor or from a zone, as a source counts them.
    ReportTotal {
        total_id: TotalId,
        scope: TotalScope,
        count: Count,
    },
    ScheduleConvoy {
        convoy_id: ConvoyId,
        corridor_id: CorridorId,
        buses: u32,
        ambulances: u32,
        departs_at: Timestamp,
    },
    UpdateConvoy {
        convoy_id: ConvoyId,
        status: ConvoyStatus,
        #[serde(default)]
        note: Option<Reason>,
        /// When the convoy's status changed; absent, the command's `issued_at`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_at: Option<Timestamp>,
    },
    NotifyHumanitarian {
        notification_id: NotificationId,
        notified: Notified,
        party_ids: Vec<PartyId>,
        deadline: Timestamp,
        /// When the notification ends (the site closes, the movement is over); absent,
        /// until withdrawn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        valid_until: Option<Timestamp>,
        /// How many humanitarian staff are at the site or in the movement.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        personnel: Option<u32>,
        /// The organisation notified for, when the notifying party is an intermediary (a
        /// coordinating office notifying for an organisation that is not a party).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<Name>,
    },
    /// The notifying party (or the intermediary that notified) withdraws a notification: the
    /// site or movement is protected by it no longer, from the entry's record time.
    WithdrawNotification {
        notification_id: NotificationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<Reason>,
    },
    AcknowledgeNotification {
        notification_id: NotificationId,
    },
    AcknowledgeAlert {
        alert_id: AlertId,
    },
    /// Brings the log up to the acceptance time, so that what the passing of time alone
    /// makes happen (a corridor opening or closing, a notification becoming overdue) is
    /// alerted even when nothing else is written. Submitted by the server's timekeeper,
    /// signed by the operator; refused when nothing is due.
    MarkTime {},
    /// Withdraws, as mistaken, what the entry `seq` recorded (a report, a source, a reported
    /// act, a count, a redraw): appended, never deleted; what is derived follows from this
    /// entry's record time on.
    Retract {
        seq: u64,
        reason: Reason,
    },
}

crate::tagged::internally_tagged!(CommandBody, "type");

impl CommandBody {
    /// The `type` tag, for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            CommandBody::Genesis(_) => "genesis",
            CommandBody::RegisterParty { .. } => "register_party",
            CommandBody::RegisterAccount { .. } => "register_account",
            CommandBody::AddAccountKey { .. } => "add_account_key",
            CommandBody::CreateEnrolment { .. } => "create_enrolment",
            CommandBody::EnrolKey { .. } => "enrol_key",
            CommandBody::RevokeKey { .. } => "revoke_key",
            CommandBody::SetEncryptionKey { .. } => "set_encryption_key",
            CommandBody::RegisterForce { .. } => "register_force",
            CommandBody::DefineZone { .. } => "define_zone",
            CommandBody::RedrawZone { .. } => "redraw_zone",
            CommandBody::RecordZoneControl { .. } => "record_zone_control",
            CommandBody::ProposeAgreement { .. } => "propose_agreement",
            CommandBody::ProposeVersion { .. } => "propose_version",
            CommandBody::Endorse { .. } => "endorse",
            CommandBody::Reject { .. } => "reject",
            CommandBody::Withdraw { .. } => "withdraw",
            CommandBody::Suspend { .. } => "suspend",
            CommandBody::Resume { .. } => "resume",
            CommandBody::DeclareBroken { .. } => "declare_broken",
            CommandBody::DeclareCompleted { .. } => "declare_completed",
            CommandBody::RecordConsent { .. } => "record_consent",
            CommandBody::ReportFulfilled { .. } => "report_fulfilled",
            CommandBody::ReportIncident { .. } => "report_incident",
            CommandBody::AddSource { .. } => "add_source",
            CommandBody::CorrectIncident { .. } => "correct_incident",
            CommandBody::GradeIncident { .. } => "grade_incident",
            CommandBody::MarkDuplicate { .. } => "mark_duplicate",
            CommandBody::DismissViolation { .. } => "dismiss_violation",
            CommandBody::MakeStatement { .. } => "make_statement",
            CommandBody::RecordReading { .. } => "record_reading",
            CommandBody::RecordObservation { .. } => "record_observation",
            CommandBody::EstimatePopulation { .. } => "estimate_population",
            CommandBody::RecordPassage { .. } => "record_passage",
            CommandBody::ReportTotal { .. } => "report_total",
            CommandBody::ScheduleConvoy { .. } => "schedule_convoy",
            CommandBody::UpdateConvoy { .. } => "update_convoy",
            CommandBody::NotifyHumanitarian { .. } => "notify_humanitarian",
            CommandBody::WithdrawNotification { .. } => "withdraw_notification",
            CommandBody::AcknowledgeNotification { .. } => "acknowledge_notification",
            CommandBody::AcknowledgeAlert { .. } => "acknowledge_alert",
            CommandBody::MarkTime {} => "mark_time",
            CommandBody::Retract { .. } => "retract",
        }
    }
}
