//! What the ledger has established about coordination: parties, forces, zones (with every
//! boundary and control record), agreements with their versions, stances and suspensions,
//! corridors, consents and fulfilments, each with the time it became true.
//!
//! `Coordination` is changed only by `Coordination::evolve`, one event at a time; nothing is
//! overwritten. What the facts mean at an instant is `status`'s.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::{
    coordination::model::{CommitmentSpec, CorridorSpec, Ending, PartyKind, Stance, Terms, ZoneKind},
    event::Event,
    vocab::{
        error::DomainError,
        geometry::Polygon,
        ids::{AgreementId, CommitmentId, ConsentId, CorridorId, ForceId, PartyId, ZoneId},
        require::require_known,
        source::{flattened_provenance, Provenance},
        text::{Code, Name, Names, Reason},
        time::{Timestamp, Window},
    },
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Party {
    pub party_id: PartyId,
    pub code: Code,
    pub name: Name,
    /// The name in other languages; `name` is the default.
    pub names: Names,
    pub kind: PartyKind,
    pub registered_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Force {
    pub force_id: ForceId,
    pub code: Code,
    pub name: Name,
    /// Parties that answer for the force.
    pub party_ids: Vec<PartyId>,
    pub registered_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ZoneBoundary {
    pub effective_at: Timestamp,
    pub boundary: Polygon,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ZoneControl {
    pub force_id: ForceId,
    pub since: Timestamp,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Zone {
    pub zone_id: ZoneId,
    pub code: Code,
    pub name: Name,
    /// The name in other languages; `name` is the default.
    pub names: Names,
    pub kind: ZoneKind,
    pub illustrative: bool,
    /// Every boundary ever recorded, in ledger order; none is ever removed.
    pub boundaries: Vec<ZoneBoundary>,
    /// Every control record, in ledger order.
    pub control: Vec<ZoneControl>,
}

impl Zone {
    /// The boundary in effect at `at`: the one with the latest `effective_at <= at` among
    /// those recorded by `at` (ties go to the later record). Before the first, the first.
    pub fn boundary_at(&self, at: Timestamp) -> &Polygon {
        &self.boundaries[self.boundary_idx_at(at)].boundary
    }

    /// The index in `boundaries` of the boundary in effect at `at` (see `boundary_at`).
    pub fn boundary_idx_at(&self, at: Timestamp) -> usize {
        let mut best: Option<(usize, &ZoneBoundary)> = None;
        for (idx, record) in self.boundaries.iter().enumerate() {
            if record.effective_at > at {
                continue;
            }
            if best.is_none_or(|(_, b)| record.effective_at >= b.effective_at) {
                best = Some((idx, record));
            }
        }
        best.map_or(0, |(idx, _)| idx)
    }

    /// `window` cut where the boundary in effect changes: each piece with the index of its
    /// boundary in `boundaries`, in order, adjacent pieces with different boundaries.
    ///
    /// The boundary in effect changes only when a record becomes eligible, at the later of
    /// its recording and its `effective_at`.
    pub fn boundary_periods(&self, window: Window) -> Vec<(usize, Window)> {
        let mut cuts: Vec<Timestamp> = self
            .boundaries
            .iter()
            .map(|record| record.effective_at)
            .filter(|at| window.start() < *at && *at < window.end())
            .collect();
        cuts.sort();
        cuts.dedup();
        let mut periods: Vec<(usize, Window)> = Vec::new();
        let mut start = window.start();
        let mut boundary_idx = self.boundary_idx_at(start);
        // The cuts are distinct and inside the window, so each piece starts before it ends.
        for cut in cuts {
            let next_idx = self.boundary_idx_at(cut);
            if next_idx == boundary_idx {
                continue;
            }
            periods.push((boundary_idx, Window::new(start, cut).expect("the cuts increase")));
            (start, boundary_idx) = (cut, next_idx);
        }
        periods.push((boundary_idx, Window::new(start, window.end()).expect("the cuts are inside the window")));
        periods
    }

    /// The force in control at `at`, if any was recorded by then.
    pub fn controlled_by_at(&self, at: Timestamp) -> Option<&ForceId> {
        let mut best: Option<&ZoneControl> = None;
        for record in self.control.iter().filter(|c| c.since <= at) {
            if best.is_none_or(|c| record.since >= c.since) {
                best = Some(record);
            }
        }
        best.map(|c| &c.force_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StanceRecord {
    pub party_id: PartyId,
    /// When the party took the stance in the world (valid time).
    pub at: Timestamp,
    /// When the ledger accepted the record of it (record time).
    pub recorded_at: Timestamp,
    #[serde(flatten, deserialize_with = "flattened_provenance")]
    pub provenance: Provenance,
    #[serde(flatten)]
    pub stance: Stance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VersionRecord {
    pub version: u32,
    pub proposed_by: PartyId,
    /// When it was proposed in the world (valid time).
    pub proposed_at: Timestamp,
    pub recorded_at: Timestamp,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub terms: Terms,
    pub note: Option<Reason>,
    /// Every stance taken on this version, in ledger order.
    pub stances: Vec<StanceRecord>,
}

/// What a party's own attested act says of a report of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Corroboration {
    /// The party attested the same stance on the same version.
    Confirmed,
    /// The party attested a different stance on the same version.
    Contradicted,
}

impl VersionRecord {
    /// For a reported stance, what the party's own attested stances on this version say of
    /// it; `None` for an attested stance, or when the party attested nothing here.
    pub fn corroboration_of(&self, reported: &StanceRecord) -> Option<Corroboration> {
        if reported.provenance.is_attested() {
            return None;
        }
        let attested = self.stances.iter().filter(|s| s.party_id == reported.party_id && s.provenance.is_attested());
        let mut found = None;
        for stance in attested {
            if std::mem::discriminant(&stance.stance) == std::mem::discriminant(&reported.stance) {
                return Some(Corroboration::Confirmed);
            }
            found = Some(Corroboration::Contradicted);
        }
        found
    }

    /// Each party's latest stance taken by `at`.
    ///
    /// The latest by valid time; of two at the same instant, the later recorded.
    pub fn stance_at(&self, party_id: &PartyId, at: Timestamp) -> Option<&StanceRecord> {
        latest_by_valid_time(self.stances.iter().filter(|s| &s.party_id == party_id), |s| s.at, at)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SuspensionRecord {
    pub at: Timestamp,
    pub recorded_at: Timestamp,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub suspended: bool,
    pub party_id: PartyId,
    pub reason: Option<Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgreementRecord {
    pub agreement_id: AgreementId,
    pub title: Name,
    pub proposed_by: PartyId,
    pub proposed_at: Timestamp,
    pub recorded_at: Timestamp,
    /// Version `n` is at index `n - 1`.
    pub versions: Vec<VersionRecord>,
    pub suspensions: Vec<SuspensionRecord>,
    /// Every declaration that it was broken or completed, in ledger order.
    pub endings: Vec<EndingRecord>,
}

/// A declaration that an agreement was broken or completed: who, when, why, and how it
/// reached the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EndingRecord {
    pub party_id: PartyId,
    /// When it was declared in the world (valid time).
    pub at: Timestamp,
    pub recorded_at: Timestamp,
    #[serde(flatten)]
    pub ending: Ending,
    #[serde(flatten, deserialize_with = "flattened_provenance")]
    pub provenance: Provenance,
}

impl AgreementRecord {
    pub fn latest(&self) -> &VersionRecord {
        self.versions.last().expect("an agreement is created with its first version")
    }

    pub fn version(&self, version: u32) -> Option<&VersionRecord> {
        let idx = usize::try_from(version).ok()?.checked_sub(1)?;
        self.versions.get(idx)
    }

    /// The first declaration, by valid time, that it was broken or completed by `at`.
    pub fn ended_at(&self, at: Timestamp) -> Option<&EndingRecord> {
        self.endings.iter().filter(|e| e.at <= at).min_by_key(|e| e.at)
    }

    /// Whether the latest suspension or resumption by valid time `at` suspended it.
    pub fn suspended_at(&self, at: Timestamp) -> bool {
        latest_by_valid_time(self.suspensions.iter(), |s| s.at, at).is_some_and(|s| s.suspended)
    }
}

/// A corridor's place in the agreements: which agreement owns it and its latest definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorridorRecord {
    pub agreement_id: AgreementId,
    pub spec: CorridorSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConsentRecord {
    pub consent_id: ConsentId,
    pub force_id: ForceId,
    pub corridor_id: CorridorId,
    pub recorded_by: PartyId,
    /// When the force consented in the world (valid time).
    pub effective_at: Timestamp,
    pub recorded_at: Timestamp,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub note: Option<Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FulfilmentRecord {
    pub commitment_id: CommitmentId,
    pub party_id: PartyId,
    /// When it was fulfilled in the world (valid time).
    pub at: Timestamp,
    pub recorded_at: Timestamp,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub note: Option<Reason>,
}

/// Of records in ledger order, the one with the latest valid time at or before `at`; of
/// several at that instant, the one recorded last. Records arrive out of valid-time order
/// (an act reported days later), so ledger order alone does not say which is in effect.
pub(crate) fn latest_by_valid_time<'r, R>(
    records: impl Iterator<Item = &'r R>,
    valid_time: impl Fn(&R) -> Timestamp,
    at: Timestamp,
) -> Option<&'r R>
where
    R: 'r,
{
    let mut best: Option<&R> = None;
    for record in records.filter(|r| valid_time(r) <= at) {
        if best.is_none_or(|b| valid_time(record) >= valid_time(b)) {
            best = Some(record);
        }
    }
    best
}

/// The coordination half of the projection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coordination {
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub parties: BTreeMap<PartyId, Party>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub forces: BTreeMap<ForceId, Force>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub zones: BTreeMap<ZoneId, Zone>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub agreements: BTreeMap<AgreementId, AgreementRecord>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub corridors: BTreeMap<CorridorId, CorridorRecord>,
    /// Which agreement each commitment belongs to.
    pub commitment_agreements: HashMap<CommitmentId, AgreementId>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub consents: BTreeMap<ConsentId, ConsentRecord>,
    /// Every report of each commitment's fulfilment, in ledger order.
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub fulfilments: BTreeMap<CommitmentId, Vec<FulfilmentRecord>>,
    #[serde(with = "code_kinds")]
    pub(crate) codes: HashMap<(&'static str, Code), String>,
}

/// The code index as data (a projection snapshot): its kinds are the fixed words of
/// `Coordination::evolve`, read back as those words.
mod code_kinds {
    use std::collections::HashMap;

    use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};

    use crate::vocab::text::Code;

    const KINDS: [&str; 4] = ["party", "force", "zone", "corridor"];

    pub(super) fn serialize<S: Serializer>(
        codes: &HashMap<(&'static str, Code), String>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let entries: Vec<(&str, &Code, &String)> = codes.iter().map(|((kind, code), id)| (*kind, code, id)).collect();
        entries.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<HashMap<(&'static str, Code), String>, D::Error> {
        let entries: Vec<(String, Code, String)> = Vec::deserialize(deserializer)?;
        entries
            .into_iter()
            .map(|(kind, code, id)| match KINDS.iter().find(|known| **known == kind) {
                Some(known) => Ok(((*known, code), id)),
                None => Err(D::Error::custom(format!("unknown code kind {kind:?}"))),
            })
            .collect()
    }
}

impl Coordination {
    /// A party as refusals name it: its code and its id.
    pub fn party_label(&self, party_id: &PartyId) -> String {
        match self.parties.get(party_id) {
            Some(party) => format!("{} ({party_id})", party.code),
            None => party_id.to_string(),
        }
    }

    /// `party_label`, for a party that must exist.
    ///
    /// # Errors
    /// `Unknown` when it does not.
    pub(crate) fn party_label_known(&self, party_id: &PartyId) -> Result<String, DomainError> {
        require_known(self.parties.contains_key(party_id), "party", party_id)?;
        Ok(self.party_label(party_id))
    }

    /// Who holds a code of a kind (`"party"`, `"force"`, `"zone"`, `"corridor"`).
    pub fn code_holder(&self, kind: &'static str, code: &Code) -> Option<&str> {
        self.codes.get(&(kind, code.clone())).map(String::as_str)
    }

    /// The version of `agreement_id` that holds the commitment, latest first.
    pub fn commitment_spec(&self, commitment_id: &CommitmentId) -> Option<(&AgreementRecord, &CommitmentSpec)> {
        let agreement = self.agreements.get(self.commitment_agreements.get(commitment_id)?)?;
        agreement.versions.iter().rev().find_map(|version| {
            version.terms.commitments.iter().find(|c| &c.commitment_id == commitment_id).map(|c| (agreement, c))
        })
    }

    /// Folds a coordination event; returns false, changing nothing, for any other event.
    ///
    /// # Panics
    /// When the event names a record that does not exist: `decide` checked it, so the log
    /// and the projection disagree, and going on would hide it.
    pub(crate) fn evolve(&mut self, at: Timestamp, event: &Event) -> bool {
        match event {
            Event::PartyRegistered { party_id, code, name, names, kind } => {
                self.codes.insert(("party", code.clone()), party_id.to_string());
                let party = Party {
                    party_id: party_id.clone(),
                    code: code.clone(),
                    name: name.clone(),
                    names: names.clone(),
                    kind: *kind,
                    registered_at: at,
                };
                self.parties.insert(party_id.clone(), party);
            }
            Event::ForceRegistered { force_id, code, name, party_ids } => {
                self.codes.insert(("force", code.clone()), force_id.to_string());
                let force = Force {
                    force_id: force_id.clone(),
                    code: code.clone(),
                    name: name.clone(),
                    party_ids: party_ids.clone(),
                    registered_at: at,
                };
                self.forces.insert(force_id.clone(), force);
            }
            Event::ZoneDefined { zone_id, code, name, names, kind, boundary, illustrative, effective_at } => {
                self.codes.insert(("zone", code.clone()), zone_id.to_string());
                let zone = Zone {
                    zone_id: zone_id.clone(),
                    code: code.clone(),
                    name: name.clone(),
                    names: names.clone(),
                    kind: *kind,
                    illustrative: *illustrative,
                    boundaries: vec![ZoneBoundary {
                        effective_at: *effective_at,
                        boundary: boundary.clone(),
                        recorded_at: at,
                    }],
                    control: Vec::new(),
                };
                self.zones.insert(zone_id.clone(), zone);
            }
            Event::ZoneRedrawn { zone_id, boundary, effective_at } => {
                let zone = self.zones.get_mut(zone_id).expect("decide checked that the zone exists");
                let record = ZoneBoundary { effective_at: *effective_at, boundary: boundary.clone(), recorded_at: at };
                zone.boundaries.push(record);
            }
            Event::ZoneControlRecorded { zone_id, force_id, since } => {
                let zone = self.zones.get_mut(zone_id).expect("decide checked that the zone exists");
                zone.control.push(ZoneControl { force_id: force_id.clone(), since: *since, recorded_at: at });
            }
            Event::AgreementProposed { agreement_id, title, proposed_by, effective_at, provenance: _ } => {
                // The provenance is the first version's, which carries it too.
                let agreement = AgreementRecord {
                    agreement_id: agreement_id.clone(),
                    title: title.clone(),
                    proposed_by: proposed_by.clone(),
                    proposed_at: *effective_at,
                    recorded_at: at,
                    versions: Vec::new(),
                    suspensions: Vec::new(),
                    endings: Vec::new(),
                };
                self.agreements.insert(agreement_id.clone(), agreement);
            }
            Event::VersionProposed { agreement_id, version, proposed_by, terms, note, effective_at, provenance } => {
                self.index_terms(agreement_id, terms);
                let agreement =
                    self.agreements.get_mut(agreement_id).expect("decide checked that the agreement exists");
                assert!(agreement.versions.len() + 1 == *version as usize, "versions are numbered in order");
                agreement.versions.push(VersionRecord {
                    version: *version,
                    proposed_by: proposed_by.clone(),
                    proposed_at: *effective_at,
                    recorded_at: at,
                    provenance: provenance.clone(),
                    terms: terms.clone(),
                    note: note.clone(),
                    stances: Vec::new(),
                });
            }
            Event::StanceTaken { agreement_id, version, party_id, stance, effective_at, provenance } => {
                let record = StanceRecord {
                    party_id: party_id.clone(),
                    at: *effective_at,
                    recorded_at: at,
                    provenance: provenance.clone(),
                    stance: stance.clone(),
                };
                let agreement =
                    self.agreements.get_mut(agreement_id).expect("decide checked that the agreement exists");
                let idx = usize::try_from(*version).ok().and_then(|v| v.checked_sub(1));
                let target = idx.and_then(|idx| agreement.versions.get_mut(idx));
                target.expect("decide checked that the version exists").stances.push(record);
            }
            Event::AgreementSuspended { agreement_id, party_id, reason, effective_at, provenance } => {
                let record = SuspensionRecord {
                    at: *effective_at,
                    recorded_at: at,
                    provenance: provenance.clone(),
                    suspended: true,
                    party_id: party_id.clone(),
                    reason: Some(reason.clone()),
                };
                self.push_suspension(agreement_id, record);
            }
            Event::AgreementResumed { agreement_id, party_id, reason, effective_at, provenance } => {
                let record = SuspensionRecord {
                    at: *effective_at,
                    recorded_at: at,
                    provenance: provenance.clone(),
                    suspended: false,
                    party_id: party_id.clone(),
                    reason: reason.clone(),
                };
                self.push_suspension(agreement_id, record);
            }
            Event::AgreementEnded { agreement_id, party_id, ending, effective_at, provenance } => {
                let agreement =
                    self.agreements.get_mut(agreement_id).expect("decide checked that the agreement exists");
                agreement.endings.push(EndingRecord {
                    party_id: party_id.clone(),
                    at: *effective_at,
                    recorded_at: at,
                    ending: ending.clone(),
                    provenance: provenance.clone(),
                });
            }
            Event::ConsentRecorded {
                consent_id,
                force_id,
                corridor_id,
                recorded_by,
                note,
                effective_at,
                provenance,
            } => {
                let consent = ConsentRecord {
                    consent_id: consent_id.clone(),
                    force_id: force_id.clone(),
                    corridor_id: corridor_id.clone(),
                    recorded_by: recorded_by.clone(),
                    effective_at: *effective_at,
                    recorded_at: at,
                    provenance: provenance.clone(),
                    note: note.clone(),
                };
                self.consents.insert(consent_id.clone(), consent);
            }
            Event::FulfilmentReported { commitment_id, party_id, note, effective_at, provenance } => {
                let record = FulfilmentRecord {
                    commitment_id: commitment_id.clone(),
                    party_id: party_id.clone(),
                    at: *effective_at,
                    recorded_at: at,
                    provenance: provenance.clone(),
                    note: note.clone(),
                };
                self.fulfilments.entry(commitment_id.clone()).or_default().push(record);
            }
            // Not coordination: the log's own, the accounts' and monitoring's events.
            Event::LogStarted(_)
            | Event::AccountRegistered { .. }
            | Event::AccountKeyAdded { .. }
            | Event::EnrolmentCreated { .. }
            | Event::AccountKeyEnrolled { .. }
            | Event::AccountKeyRevoked { .. }
            | Event::EncryptionKeySet { .. }
            | Event::TimeMarked {}
            | Event::Retracted { .. }
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
            | Event::AlertAcknowledged { .. } => return false,
        }
        true
    }

    fn index_terms(&mut self, agreement_id: &AgreementId, terms: &Terms) {
        for corridor in &terms.corridors {
            self.codes.insert(("corridor", corridor.code.clone()), corridor.corridor_id.to_string());
            let record = CorridorRecord { agreement_id: agreement_id.clone(), spec: corridor.clone() };
            self.corridors.insert(corridor.corridor_id.clone(), record);
        }
        for commitment in &terms.commitments {
            self.commitment_agreements.insert(commitment.commitment_id.clone(), agreement_id.clone());
        }
    }

    fn push_suspension(&mut self, agreement_id: &AgreementId, record: SuspensionRecord) {
        let agreement = self.agreements.get_mut(agreement_id).expect("decide checked that the agreement exists");
        agreement.suspensions.push(record);
    }
}
