//! Events: what happened, as `decide` established it. `State::evolve` folds them.
//!
//! Events are written into the ledger next to the command that caused them, so their
//! shape is part of the stable entry format. They carry everything `evolve` needs; the
//! acceptance time comes from the entry.

use serde::{Deserialize, Serialize};

use crate::{
    command::Genesis,
    geometry::Polygon,
    ids::{AccountId, AgreementId, CommitmentId, ConsentId, CorridorId, ForceId, PartyId, PublicKeyText, ZoneId},
    model::{PartyKind, Role, Stance, Terms, ZoneKind},
    text::{Code, Name, Reason},
    time::Timestamp,
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
        kind: PartyKind,
    },
    AccountRegistered {
        account_id: AccountId,
        party_id: Option<PartyId>,
        name: Name,
        roles: Vec<Role>,
        public_key: PublicKeyText,
    },
    AccountKeyAdded {
        account_id: AccountId,
        public_key: PublicKeyText,
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
        kind: ZoneKind,
        boundary: Polygon,
        illustrative: bool,
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
    },
    VersionProposed {
        agreement_id: AgreementId,
        version: u32,
        proposed_by: PartyId,
        terms: Terms,
        note: Option<Reason>,
    },
    StanceTaken {
        agreement_id: AgreementId,
        version: u32,
        party_id: PartyId,
        author: AccountId,
        stance: Stance,
    },
    AgreementSuspended {
        agreement_id: AgreementId,
        party_id: PartyId,
        reason: Reason,
    },
    AgreementResumed {
        agreement_id: AgreementId,
        party_id: PartyId,
        reason: Option<Reason>,
    },
    ConsentRecorded {
        consent_id: ConsentId,
        force_id: ForceId,
        corridor_id: CorridorId,
        recorded_by: PartyId,
        note: Option<Reason>,
    },
    FulfilmentReported {
        commitment_id: CommitmentId,
        party_id: PartyId,
        note: Option<Reason>,
    },
}
