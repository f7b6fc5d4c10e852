//! Events: what happened, as `decide` established it. `State::evolve` folds them.
//!
//! Events are written into the ledger next to the command that caused them, so their
//! shape is part of the stable entry format. They carry everything `evolve` needs; the
//! acceptance time comes from the entry.

use serde::{Deserialize, Serialize};

use crate::{
    access::Role,
    command::Genesis,
    coordination::model::{Ending, PartyKind, Stance, Terms, ZoneKind},
    monitoring::model::{
        AgreementRef, Breakdown, ConvoyStatus, Count, Destination, Direction, EstimateKind, Grade, IncidentKind,
        IncidentStance, Location, Notified, Observation, Quantity, Reading, SourceReport, StanceOn, StatementKind,
        TotalScope, Votes, When,
    },
    vocab::geometry::Polygon,
    vocab::ids::{
        AccountId, AgreementId, AlertId, CodeHash, CommitmentId, ConsentId, ConvoyId, CorridorId, EncryptionKeyText,
        EstimateId, ForceId, IncidentId, NotificationId, ObservationId, PartyId, PassageId, PublicKeyText, ReadingId,
        StatementId, TotalId, ZoneId,
    },
    vocab::source::Provenance,
    vocab::text::{Code, Name, Names, Reason},
    vocab::time::Timestamp,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Event {
    LogStarted(Genesis),
    PartyRegistered {
        party_id: PartyId,
        code: Code,
        name: Name,
        #[serde(default, skip_serializing_if = "Names::is_empty")]
        names: Names,
        kind: PartyKind,
    },
    AccountRegistered {
        account_id: AccountId,
        party_id: Option<PartyId>,
        name: Name,
        roles: Vec<Role>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        public_key: Option<PublicKeyText>,
    },
    AccountKeyAdded {
        account_id: AccountId,
        public_key: PublicKeyText,
    },
    EnrolmentCreated {
        account_id: AccountId,
        code_sha256: CodeHash,
        expires_at: Timestamp,
        author: AccountId,
    },
    AccountKeyEnrolled {
        account_id: AccountId,
        public_key: PublicKeyText,
        code_sha256: CodeHash,
    },
    AccountKeyRevoked {
        account_id: AccountId,
        public_key: PublicKeyText,
        #[serde(default)]
        reason: Option<Reason>,
        author: AccountId,
    },
    EncryptionKeySet {
        account_id: AccountId,
        encryption_key: EncryptionKeyText,
    },
    ForceRegistered {
        force_id: ForceId,
        code: Code,
        name: Name,
        party_ids: Vec<PartyId>,
    },
    ZoneDefined {
        zone_id: ZoneId,
        code: Code,
        name: Name,
        #[serde(default, skip_serializing_if = "Names::is_empty")]
        names: Names,
        kind: ZoneKind,
        boundary: Polygon,
        illustrative: bool,
        effective_at: Timestamp,
    },
    ZoneRedrawn {
        zone_id: ZoneId,
        boundary: Polygon,
        effective_at: Timestamp,
    },
    ZoneControlRecorded {
        zone_id: ZoneId,
        force_id: ForceId,
        since: Timestamp,
    },
    AgreementProposed {
        agreement_id: AgreementId,
        title: Name,
        proposed_by: PartyId,
        /// When it happened in the world (valid time).
        effective_at: Timestamp,
        provenance: Provenance,
    },
    VersionProposed {
        agreement_id: AgreementId,
        version: u32,
        proposed_by: PartyId,
        terms: Terms,
        note: Option<Reason>,
        /// When it happened in the world (valid time).
        effective_at: Timestamp,
        provenance: Provenance,
    },
    StanceTaken {
        agreement_id: AgreementId,
        version: u32,
        party_id: PartyId,
        stance: Stance,
        /// When it happened in the world (valid time).
        effective_at: Timestamp,
        provenance: Provenance,
    },
    AgreementSuspended {
        agreement_id: AgreementId,
        party_id: PartyId,
        reason: Reason,
        /// When it happened in the world (valid time).
        effective_at: Timestamp,
        provenance: Provenance,
    },
    AgreementResumed {
        agreement_id: AgreementId,
        party_id: PartyId,
        reason: Option<Reason>,
        /// When it happened in the world (valid time).
        effective_at: Timestamp,
        provenance: Provenance,
    },
    /// The agreement was declared broken or completed: not in force from `effective_at`.
    AgreementEnded {
        agreement_id: AgreementId,
        party_id: PartyId,
        ending: Ending,
        /// When it happened in the world (valid time).
        effective_at: Timestamp,
        provenance: Provenance,
    },
    ConsentRecorded {
        consent_id: ConsentId,
        force_id: ForceId,
        corridor_id: CorridorId,
        recorded_by: PartyId,
        note: Option<Reason>,
        /// When it happened in the world (valid time).
        effective_at: Timestamp,
        provenance: Provenance,
    },
    FulfilmentReported {
        commitment_id: CommitmentId,
        party_id: PartyId,
        note: Option<Reason>,
        /// When it happened in the world (valid time).
        effective_at: Timestamp,
        provenance: Provenance,
    },
    IncidentReported {
        incident_id: IncidentId,
        kind: IncidentKind,
        location: Location,
        when: When,
        description: Reason,
        source: SourceReport,
        reported_by: AccountId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        convoy_id: Option<ConvoyId>,
    },
    SourceAdded {
        incident_id: IncidentId,
        source: SourceReport,
        added_by: AccountId,
    },
    IncidentCorrected {
        incident_id: IncidentId,
        kind: Option<IncidentKind>,
        location: Option<Location>,
        when: Option<When>,
        reason: Reason,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        convoy_id: Option<ConvoyId>,
    },
    IncidentGraded {
        incident_id: IncidentId,
        grade: Grade,
        reason: Reason,
        analyst: AccountId,
    },
    DuplicateMarked {
        incident_id: IncidentId,
        duplicate_of: IncidentId,
        reason: Reason,
    },
    ViolationDismissed {
        incident_id: IncidentId,
        commitment_id: Option<CommitmentId>,
        notification_id: Option<NotificationId>,
        reason: Reason,
        analyst: AccountId,
    },
    StatementMade {
        statement_id: StatementId,
        party_id: Option<PartyId>,
        text: Reason,
        incident_ids: Vec<IncidentId>,
        stances: Vec<IncidentStance>,
        agreements: Vec<AgreementRef>,
        #[serde(default, skip_serializing_if = "StatementKind::is_statement")]
        kind: StatementKind,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        about: Vec<StanceOn>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<Reason>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        votes: Option<Votes>,
        /// When it happened in the world (valid time).
        effective_at: Timestamp,
        provenance: Provenance,
    },
    ReadingRecorded {
        reading_id: ReadingId,
        agreement_id: AgreementId,
        version: u32,
        reading: Reading,
        source: SourceReport,
        recorded_by: AccountId,
    },
    ObservationRecorded {
        observation_id: ObservationId,
        observation: Observation,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Reason>,
        recorded_by: AccountId,
    },
    PopulationEstimated {
        estimate_id: EstimateId,
        zone_id: ZoneId,
        kind: EstimateKind,
        people: Quantity,
        #[serde(default, skip_serializing_if = "Breakdown::is_empty")]
        breakdown: Breakdown,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        destination: Option<Destination>,
        as_of: Timestamp,
        source: SourceReport,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Reason>,
        reported_by: AccountId,
    },
    PassageRecorded {
        passage_id: PassageId,
        corridor_id: CorridorId,
        direction: Direction,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        convoy_id: Option<ConvoyId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vehicles: Option<u32>,
        count: Count,
        observer: AccountId,
    },
    TotalReported {
        total_id: TotalId,
        scope: TotalScope,
        count: Count,
        reported_by: AccountId,
    },
    ConvoyScheduled {
        convoy_id: ConvoyId,
        corridor_id: CorridorId,
        buses: u32,
        ambulances: u32,
        departs_at: Timestamp,
    },
    ConvoyUpdated {
        convoy_id: ConvoyId,
        status: ConvoyStatus,
        note: Option<Reason>,
        effective_at: Timestamp,
    },
    HumanitarianNotified {
        notification_id: NotificationId,
        notified: Notified,
        party_ids: Vec<PartyId>,
        deadline: Timestamp,
        notified_by: Option<PartyId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        valid_until: Option<Timestamp>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        personnel: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<Name>,
    },
    NotificationWithdrawn {
        notification_id: NotificationId,
        party_id: PartyId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<Reason>,
    },
    NotificationAcknowledged {
        notification_id: NotificationId,
        party_id: PartyId,
    },
    AlertAcknowledged {
        alert_id: AlertId,
        party_id: Option<PartyId>,
        author: AccountId,
    },
    /// The log was brought up to the entry's acceptance time (`mark_time`).
    TimeMarked {},
    /// What entry `seq` recorded was retracted as mistaken.
    Retracted {
        seq: u64,
        reason: Reason,
        author: AccountId,
    },
}
