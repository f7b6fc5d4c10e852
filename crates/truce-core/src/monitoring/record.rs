//! What monitors, analysts and parties have recorded about the ground: incidents with
//! every source and correction, statements, readings of agreement versions, counted
//! observations, estimates, passages, totals, convoys,
//! humanitarian notifications and acknowledgements. Nothing is overwritten: corrections,
//! grades and dismissals are appended, and the latest one read.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::{
    event::Event,
    monitoring::index::{self, IncidentIndex, NotifiedPlaces},
    monitoring::model::{
        AgreementRef, Breakdown, ConvoyStatus, Count, Destination, Direction, EstimateKind, Grade, IncidentKind,
        IncidentStance, Location, Notified, Observation, Quantity, Reading, RecordRef, SourceReport, StanceOn,
        StatementKind, TotalScope, Votes, When,
    },
    vocab::ids::{
        AccountId, AgreementId, AlertId, CommitmentId, ConvoyId, CorridorId, EstimateId, ForceId, IncidentId,
        NotificationId, ObservationId, PartyId, PassageId, ReadingId, SourceId, StatementId, TotalId, ZoneId,
    },
    vocab::source::{Casualties, Provenance, SourceKind},
    vocab::text::{Name, Reason},
    vocab::time::Timestamp,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentRevision {
    pub at: Timestamp,
    pub kind: IncidentKind,
    pub location: Location,
    pub when: When,
    /// The convoy it struck, if it struck one.
    pub convoy_id: Option<ConvoyId>,
    /// Why it was corrected; absent for the original report.
    pub reason: Option<Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "SourceRecordFields")]
pub struct SourceRecord {
    pub at: Timestamp,
    pub added_by: AccountId,
    #[serde(flatten)]
    pub source: SourceReport,
}

/// A `SourceRecord` as written (its report's fields beside its own), read field by field.
/// `#[serde(flatten)]` would read the same map through serde's generic buffer, a value
/// made for every field of every source first: that was a tenth of a start from a
/// snapshot of half a million incidents (docs/performance.md).
#[derive(Deserialize)]
struct SourceRecordFields {
    at: Timestamp,
    added_by: AccountId,
    source_id: SourceId,
    organisation: Name,
    kind: SourceKind,
    #[serde(default)]
    independence: Option<Name>,
    #[serde(default)]
    reference: Option<Reason>,
    #[serde(default)]
    casualties: Casualties,
    #[serde(default)]
    responsible_force_id: Option<ForceId>,
    #[serde(default)]
    text: Option<Reason>,
    #[serde(default)]
    published_at: Option<Timestamp>,
}

impl From<SourceRecordFields> for SourceRecord {
    fn from(fields: SourceRecordFields) -> SourceRecord {
        // Every field of the report by name: one added to `SourceReport` fails to compile
        // here, and one added to `SourceRecordFields` and not read here fails the lints.
        let source = SourceReport {
            source_id: fields.source_id,
            organisation: fields.organisation,
            kind: fields.kind,
            independence: fields.independence,
            reference: fields.reference,
            casualties: fields.casualties,
            responsible_force_id: fields.responsible_force_id,
            text: fields.text,
            published_at: fields.published_at,
        };
        SourceRecord { at: fields.at, added_by: fields.added_by, source }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeOverride {
    pub at: Timestamp,
    pub grade: Grade,
    pub reason: Reason,
    pub analyst: AccountId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateRecord {
    pub at: Timestamp,
    pub duplicate_of: IncidentId,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentRecord {
    pub incident_id: IncidentId,
    pub description: Reason,
    pub reported_by: AccountId,
    pub reported_at: Timestamp,
    /// The original report first, then every correction. This and the next two are boxed
    /// slices, eight bytes less each than vectors in every one of a million records; a
    /// record grows them one at a time (`pushed`), rarely.
    pub revisions: Box<[IncidentRevision]>,
    pub sources: Box<[SourceRecord]>,
    pub grade_overrides: Box<[GradeOverride]>,
    /// Boxed: few incidents are marked duplicates, and a record held inline would take its
    /// fifty-six bytes in every incident of the map.
    pub duplicate_of: Option<Box<DuplicateRecord>>,
}

impl IncidentRecord {
    pub fn current(&self) -> &IncidentRevision {
        self.revisions.last().expect("an incident is created with its first revision")
    }
}

// A million records sit in the incidents' map: its nodes hold each one whole.
const _: () = assert!(std::mem::size_of::<IncidentRecord>() <= 120);

/// `items` with `item` after them.
pub(crate) fn pushed<T>(items: &mut Box<[T]>, item: T) {
    let mut grown = std::mem::take(items).into_vec();
    grown.push(item);
    *items = grown.into_boxed_slice();
}

/// `items` without the first that `matches`; whether there was one.
pub(crate) fn removed_first<T>(items: &mut Box<[T]>, matches: impl Fn(&T) -> bool) -> bool {
    let Some(idx) = items.iter().position(matches) else {
        return false;
    };
    let mut kept = std::mem::take(items).into_vec();
    kept.remove(idx);
    *items = kept.into_boxed_slice();
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StatementRecord {
    pub statement_id: StatementId,
    pub party_id: Option<PartyId>,
    /// When the statement was made (valid time).
    pub at: Timestamp,
    pub recorded_at: Timestamp,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub text: Reason,
    /// A party's statement, or an outside body's mandate or resolution.
    pub kind: StatementKind,
    pub incident_ids: Vec<IncidentId>,
    pub stances: Vec<IncidentStance>,
    pub agreements: Vec<AgreementRef>,
    /// Its stances on records of any kind.
    pub about: Vec<StanceOn>,
    pub document: Option<Reason>,
    pub votes: Option<Votes>,
}

impl StatementRecord {
    /// Its stances on the incident, in either form: those on the incident itself (or one
    /// of its violations) in `about`, and those of `stances`.
    pub fn stances_on_incident(&self, incident_id: &IncidentId) -> Vec<IncidentStance> {
        let legacy = self.stances.iter().filter(|s| s.incident_id() == incident_id).cloned();
        let typed = self.about.iter().filter_map(StanceOn::on_incident).filter(|s| s.incident_id() == incident_id);
        legacy.chain(typed).collect()
    }

    /// Every incident it takes a stance on, in either form.
    pub fn incidents_stood_on(&self) -> Vec<IncidentId> {
        let legacy = self.stances.iter().map(|s| s.incident_id().clone());
        let typed = self.about.iter().filter_map(StanceOn::on_incident).map(|s| s.incident_id().clone());
        legacy.chain(typed).collect()
    }

    /// Every incident it refers to, in any form (`refers_to`): named in `incident_ids`, taken
    /// a stance on, or the record of `about` (the incident or one of its violations); an
    /// incident may come more than once.
    pub fn incidents_referred(&self) -> Vec<IncidentId> {
        let named = self.incident_ids.iter().cloned();
        let legacy = self.stances.iter().map(|s| s.incident_id().clone());
        let typed = self.about.iter().filter_map(|s| s.record().incident_id().cloned());
        named.chain(legacy).chain(typed).collect()
    }

    /// Whether it refers to the record (taking a stance or not). An incident is referred
    /// to by `incident_ids` and `stances` too, a version by `agreements`, and a violation's
    /// incident by a reference to the violation.
    pub fn refers_to(&self, record: &RecordRef) -> bool {
        let legacy = match record {
            RecordRef::Incident { incident_id } => {
                self.incident_ids.contains(incident_id)
                    || self.stances.iter().any(|s| s.incident_id() == incident_id)
                    || self.about.iter().any(|s| s.record().incident_id() == Some(incident_id))
            }
            RecordRef::Version { agreement_id, version } => {
                self.agreements.iter().any(|a| &a.agreement_id == agreement_id && a.version == *version)
            }
            RecordRef::Violation { .. }
            | RecordRef::Convoy { .. }
            | RecordRef::Act { .. }
            | RecordRef::Passage { .. }
            | RecordRef::Total { .. }
            | RecordRef::Estimate { .. }
            | RecordRef::Observation { .. } => false,
        };
        legacy || self.about.iter().any(|s| s.record() == record)
    }
}

/// What one source says a version of an agreement says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReadingRecord {
    pub reading_id: ReadingId,
    pub agreement_id: AgreementId,
    pub version: u32,
    #[serde(flatten)]
    pub reading: Reading,
    pub source: SourceReport,
    pub recorded_by: AccountId,
    pub recorded_at: Timestamp,
}

impl ReadingRecord {
    /// Whether its source had spoken at valid time `at` (absent `published_at`: always).
    pub fn given_by(&self, at: Timestamp) -> bool {
        self.source.published_at.is_none_or(|published_at| published_at <= at)
    }
}

/// A counted observation as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ObservationRecord {
    pub observation_id: ObservationId,
    #[serde(flatten)]
    pub observation: Observation,
    pub note: Option<Reason>,
    /// The monitor's or analyst's account that recorded it.
    pub recorded_by: AccountId,
    pub recorded_at: Timestamp,
}

impl ObservationRecord {
    /// Whether it had been made at valid time `at`: its period had ended (or its instant
    /// passed) and its source had spoken.
    pub fn given_by(&self, at: Timestamp) -> bool {
        let when = &self.observation.when;
        let source = &self.observation.source;
        when.end.unwrap_or(when.start) <= at && source.published_at.is_none_or(|published_at| published_at <= at)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DismissalRecord {
    pub incident_id: IncidentId,
    pub commitment_id: Option<CommitmentId>,
    pub notification_id: Option<NotificationId>,
    pub reason: Reason,
    pub analyst: AccountId,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimateRecord {
    pub estimate_id: EstimateId,
    pub zone_id: ZoneId,
    pub kind: EstimateKind,
    pub people: Quantity,
    pub breakdown: Breakdown,
    pub destination: Option<Destination>,
    /// The instant the estimate describes (valid time).
    pub as_of: Timestamp,
    pub source: SourceReport,
    pub note: Option<Reason>,
    pub reported_by: AccountId,
    pub recorded_at: Timestamp,
}

impl EstimateRecord {
    /// Whether the estimate had been given at valid time `at`: the instant it describes had
    /// come and its source had spoken (`published_at`, when it says).
    pub fn given_by(&self, at: Timestamp) -> bool {
        self.as_of <= at && self.source.published_at.is_none_or(|published_at| published_at <= at)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassageRecord {
    pub passage_id: PassageId,
    pub corridor_id: CorridorId,
    pub direction: Direction,
    pub convoy_id: Option<ConvoyId>,
    pub vehicles: Option<u32>,
    pub count: Count,
    pub observer: AccountId,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalRecord {
    pub total_id: TotalId,
    pub scope: TotalScope,
    pub count: Count,
    pub reported_by: AccountId,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvoyUpdate {
    /// When the status changed (valid time).
    pub at: Timestamp,
    pub recorded_at: Timestamp,
    pub status: ConvoyStatus,
    pub note: Option<Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvoyRecord {
    pub convoy_id: ConvoyId,
    pub corridor_id: CorridorId,
    pub buses: u32,
    pub ambulances: u32,
    pub departs_at: Timestamp,
    pub updates: Vec<ConvoyUpdate>,
    pub scheduled_at: Timestamp,
}

impl ConvoyRecord {
    /// The status of the latest update by valid time (of two at one instant, the later
    /// recorded): updates can be reported out of order.
    pub fn status(&self) -> ConvoyStatus {
        let latest = self.updates.iter().reduce(|best, update| if update.at >= best.at { update } else { best });
        latest.map_or(ConvoyStatus::Scheduled, |u| u.status)
    }

    /// The updates in effect by valid time `at`, in valid-time order (of two at one
    /// instant, the earlier recorded first).
    pub fn updates_by(&self, at: Timestamp) -> Vec<&ConvoyUpdate> {
        let mut updates: Vec<&ConvoyUpdate> = self.updates.iter().filter(|u| u.at <= at).collect();
        updates.sort_by_key(|u| u.at);
        updates
    }

    /// The status at valid time `at`: that of the latest update by then.
    pub fn status_at(&self, at: Timestamp) -> ConvoyStatus {
        self.updates_by(at).last().map_or(ConvoyStatus::Scheduled, |u| u.status)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Acknowledgement {
    pub party_id: PartyId,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotificationRecord {
    pub notification_id: NotificationId,
    pub notified: Notified,
    pub party_ids: Vec<PartyId>,
    pub deadline: Timestamp,
    /// The party that notified: the organisation's own, or an intermediary's.
    pub notified_by: Option<PartyId>,
    pub notified_at: Timestamp,
    pub acknowledgements: Vec<Acknowledgement>,
    /// When it ends by its own terms.
    pub valid_until: Option<Timestamp>,
    pub personnel: Option<u32>,
    /// The organisation an intermediary notified for.
    pub on_behalf_of: Option<Name>,
    pub withdrawal: Option<NotificationWithdrawal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotificationWithdrawal {
    pub at: Timestamp,
    pub party_id: PartyId,
    pub reason: Option<Reason>,
}

impl NotificationRecord {
    /// When it stops protecting: the earlier of its end and its withdrawal; `None` while it
    /// has neither.
    pub fn protected_until(&self) -> Option<Timestamp> {
        let withdrawn = self.withdrawal.as_ref().map(|w| w.at);
        match (self.valid_until, withdrawn) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether it protected anything at `at`: notified by then, and not yet ended.
    pub fn protects_at(&self, at: Timestamp) -> bool {
        self.notified_at <= at && self.protected_until().is_none_or(|until| at < until)
    }

    /// Parties that had not acknowledged by the deadline, once it has passed at `at`. A
    /// notification withdrawn or ended by its deadline is owed no acknowledgement.
    pub fn overdue_parties(&self, at: Timestamp) -> Vec<&PartyId> {
        if at < self.deadline || self.protected_until().is_some_and(|until| until <= self.deadline) {
            return Vec::new();
        }
        self.party_ids
            .iter()
            .filter(|party| !self.acknowledgements.iter().any(|a| &a.party_id == *party && a.at <= self.deadline))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertAckRecord {
    pub alert_id: AlertId,
    pub party_id: Option<PartyId>,
    pub author: AccountId,
    pub at: Timestamp,
}

/// Everything monitoring has recorded, folded from the ledger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Monitoring {
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub incidents: BTreeMap<IncidentId, IncidentRecord>,
    pub source_ids: HashSet<SourceId>,
    /// For each incident, the incidents marked as its duplicates.
    pub duplicates: HashMap<IncidentId, Vec<IncidentId>>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub statements: BTreeMap<StatementId, StatementRecord>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub readings: BTreeMap<ReadingId, ReadingRecord>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub observations: BTreeMap<ObservationId, ObservationRecord>,
    pub dismissals: Vec<DismissalRecord>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub estimates: BTreeMap<EstimateId, EstimateRecord>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub passages: BTreeMap<PassageId, PassageRecord>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub totals: BTreeMap<TotalId, TotalRecord>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub convoys: BTreeMap<ConvoyId, ConvoyRecord>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub notifications: BTreeMap<NotificationId, NotificationRecord>,
    pub alert_acks: Vec<AlertAckRecord>,
    /// `incidents` by start, place and kind, kept as they change (derived: `index.rs`). Not
    /// in a snapshot: `State::restored` builds it again from `incidents`.
    #[serde(skip)]
    index: IncidentIndex,
    /// For each incident, the statements referring to it or one of its violations, with or
    /// without a stance (derived, like `index`: grading, attribution and the incident's view
    /// read an incident's statements without scanning all of them).
    #[serde(skip)]
    stances_on: HashMap<IncidentId, BTreeSet<StatementId>>,
    /// The notified sites and movements, indexed (derived, like `index`).
    #[serde(skip)]
    places: NotifiedPlaces,
}

impl Monitoring {
    /// The record as the world stood at valid time `at`: incidents that had begun by then and
    /// of which some source had spoken by then, each with those sources (a source without
    /// `published_at` speaks from the incident's start), statements made by then, estimates,
    /// passages and totals given by then (the instant or period they describe had passed,
    /// and their source had spoken), convoy updates by then, and the notifications and
    /// acknowledgements made by then.
    ///
    /// What analysts concluded about the record (corrections, grades, duplicates,
    /// dismissals) is knowledge, not an event in the world: it applies at every valid time.
    /// When it was known is the record time's business (`known_at`, a prefix of the log).
    pub fn as_of(&self, at: Timestamp) -> Monitoring {
        let incidents: BTreeMap<IncidentId, IncidentRecord> = self
            .incidents
            .iter()
            .filter(|(_, incident)| incident.current().when.start <= at)
            .filter_map(|(id, incident)| {
                let start = incident.current().when.start;
                let spoken = |s: &&SourceRecord| s.source.published_at.unwrap_or(start) <= at;
                let sources: Vec<SourceRecord> = incident.sources.iter().filter(spoken).cloned().collect();
                // Nobody had said so yet: at `at`, nothing is known of it to grade or match.
                if sources.is_empty() {
                    return None;
                }
                Some((id.clone(), IncidentRecord { sources: sources.into(), ..incident.clone() }))
            })
            .collect();
        let mut duplicates: HashMap<IncidentId, Vec<IncidentId>> = HashMap::new();
        for incident in incidents.values() {
            if let Some(record) = &incident.duplicate_of {
                duplicates.entry(record.duplicate_of.clone()).or_default().push(incident.incident_id.clone());
            }
        }
        let by = |valid_at: Timestamp| valid_at <= at;
        let estimates: BTreeMap<EstimateId, EstimateRecord> =
            self.estimates.iter().filter(|(_, e)| e.given_by(at)).map(clone_entry).collect();
        let passages: BTreeMap<PassageId, PassageRecord> =
            self.passages.iter().filter(|(_, p)| p.count.given_by(at)).map(clone_entry).collect();
        let totals: BTreeMap<TotalId, TotalRecord> =
            self.totals.iter().filter(|(_, t)| t.count.given_by(at)).map(clone_entry).collect();
        let source_ids = incidents
            .values()
            .flat_map(|i| i.sources.iter().map(|s| &s.source))
            .chain(estimates.values().map(|e| &e.source))
            .chain(passages.values().map(|p| &p.count.source))
            .chain(totals.values().map(|t| &t.count.source))
            .chain(self.readings.values().map(|r| &r.source))
            .chain(self.observations.values().map(|o| &o.observation.source))
            .map(|source| source.source_id.clone())
            .collect();
        let statements: BTreeMap<StatementId, StatementRecord> =
            self.statements.iter().filter(|(_, s)| by(s.at)).map(clone_entry).collect();
        let notifications: BTreeMap<NotificationId, NotificationRecord> = self
            .notifications
            .iter()
            .filter(|(_, n)| by(n.notified_at))
            .map(|(id, notification)| {
                let acknowledgements = notification.acknowledgements.iter().filter(|a| by(a.at)).cloned().collect();
                let withdrawal = notification.withdrawal.clone().filter(|w| by(w.at));
                (id.clone(), NotificationRecord { acknowledgements, withdrawal, ..notification.clone() })
            })
            .collect();
        Monitoring {
            index: IncidentIndex::of(incidents.values()),
            stances_on: index::stances_by_incident(statements.values()),
            places: self.places.kept(notifications.values()),
            incidents,
            source_ids,
            duplicates,
            statements,
            readings: self.readings.iter().filter(|(_, r)| r.given_by(at)).map(clone_entry).collect(),
            observations: self.observations.iter().filter(|(_, o)| o.given_by(at)).map(clone_entry).collect(),
            dismissals: self.dismissals.clone(),
            estimates,
            passages,
            totals,
            convoys: self
                .convoys
                .iter()
                .map(|(id, convoy)| {
                    let updates = convoy.updates.iter().filter(|u| by(u.at)).cloned().collect();
                    (id.clone(), ConvoyRecord { updates, ..convoy.clone() })
                })
                .collect(),
            notifications,
            alert_acks: self.alert_acks.iter().filter(|a| by(a.at)).cloned().collect(),
        }
    }

    /// The incidents by start, place and kind.
    pub fn incident_index(&self) -> &IncidentIndex {
        &self.index
    }

    /// The notified sites and movements, indexed.
    pub fn notified_places(&self) -> &NotifiedPlaces {
        &self.places
    }

    /// The statements referring to the incident or one of its violations (`refers_to`), in
    /// id order: those taking a stance on it among them (grading and attribution read
    /// their stances, `StatementRecord::stances_on_incident`), and those only naming it.
    pub fn statements_on(&self, incident_id: &IncidentId) -> impl Iterator<Item = &StatementRecord> {
        self.stances_on.get(incident_id).into_iter().flatten().map(|id| {
            // Kept with `statements` by `insert_statement` and `remove_statement`.
            self.statements.get(id).expect("a statement indexed by incident is recorded")
        })
    }

    /// Builds again, from the records, the derived indexes that grading and violations read
    /// (the statements by incident, the notified places): a state read from a snapshot does
    /// not hold them. The incident index, which only reads use, is built apart
    /// (`IncidentIndex::of`, put in with `with_incident_index`), beside the verdicts.
    pub(crate) fn reindex_beside_incidents(&mut self) {
        self.stances_on = index::stances_by_incident(self.statements.values());
        self.places = NotifiedPlaces::of(self.notifications.values());
    }

    /// Puts in the incident index built from these records (`IncidentIndex::of`).
    pub(crate) fn with_incident_index(&mut self, index: IncidentIndex) {
        self.index = index;
    }

    fn insert_statement(&mut self, record: StatementRecord) {
        for incident_id in record.incidents_referred() {
            self.stances_on.entry(incident_id).or_default().insert(record.statement_id.clone());
        }
        let replaced = self.statements.insert(record.statement_id.clone(), record);
        assert!(replaced.is_none(), "a statement id is recorded once (decide checks it)");
    }

    /// Takes a retracted statement out of the record and its index.
    pub(crate) fn remove_statement(&mut self, statement_id: &StatementId) -> Option<StatementRecord> {
        let statement = self.statements.remove(statement_id)?;
        for incident_id in statement.incidents_referred() {
            if let Some(ids) = self.stances_on.get_mut(&incident_id) {
                ids.remove(statement_id);
                if ids.is_empty() {
                    self.stances_on.remove(&incident_id);
                }
            }
        }
        Some(statement)
    }

    /// Takes a retracted incident out of the record and its index.
    pub(crate) fn remove_incident(&mut self, incident_id: &IncidentId) -> Option<IncidentRecord> {
        let incident = self.incidents.remove(incident_id)?;
        self.index.remove(&incident);
        Some(incident)
    }

    /// Folds a monitoring event; returns false for events that are not about monitoring.
    pub(crate) fn evolve(&mut self, at: Timestamp, event: &Event) -> bool {
        match event {
            Event::IncidentReported {
                incident_id,
                kind,
                location,
                when,
                description,
                source,
                reported_by,
                convoy_id,
            } => {
                self.source_ids.insert(source.source_id.clone());
                let record = IncidentRecord {
                    incident_id: incident_id.clone(),
                    description: description.clone(),
                    reported_by: reported_by.clone(),
                    reported_at: at,
                    revisions: Box::new([IncidentRevision {
                        at,
                        kind: *kind,
                        location: location.clone(),
                        when: *when,
                        convoy_id: convoy_id.clone(),
                        reason: None,
                    }]),
                    sources: Box::new([SourceRecord { at, added_by: reported_by.clone(), source: source.clone() }]),
                    grade_overrides: Box::default(),
                    duplicate_of: None,
                };
                self.index.insert(&record);
                self.incidents.insert(incident_id.clone(), record);
            }
            Event::SourceAdded { incident_id, source, added_by } => {
                self.source_ids.insert(source.source_id.clone());
                if let Some(incident) = self.incidents.get_mut(incident_id) {
                    pushed(
                        &mut incident.sources,
                        SourceRecord { at, added_by: added_by.clone(), source: source.clone() },
                    );
                }
            }
            Event::IncidentCorrected { incident_id, kind, location, when, reason, convoy_id } => {
                if let Some(incident) = self.incidents.get_mut(incident_id) {
                    let before = index::Placed::of(incident);
                    let current = incident.current().clone();
                    pushed(
                        &mut incident.revisions,
                        IncidentRevision {
                            at,
                            kind: kind.unwrap_or(current.kind),
                            location: location.clone().unwrap_or(current.location),
                            when: when.unwrap_or(current.when),
                            convoy_id: convoy_id.clone().or(current.convoy_id),
                            reason: Some(reason.clone()),
                        },
                    );
                    self.index.update(&before, incident);
                }
            }
            Event::IncidentGraded { incident_id, grade, reason, analyst } => {
                if let Some(incident) = self.incidents.get_mut(incident_id) {
                    let record = GradeOverride { at, grade: *grade, reason: reason.clone(), analyst: analyst.clone() };
                    pushed(&mut incident.grade_overrides, record);
                }
            }
            Event::DuplicateMarked { incident_id, duplicate_of, reason } => {
                if let Some(incident) = self.incidents.get_mut(incident_id) {
                    let record = DuplicateRecord { at, duplicate_of: duplicate_of.clone(), reason: reason.clone() };
                    incident.duplicate_of = Some(Box::new(record));
                }
                self.duplicates.entry(duplicate_of.clone()).or_default().push(incident_id.clone());
            }
            Event::ViolationDismissed { incident_id, commitment_id, notification_id, reason, analyst } => {
                self.dismissals.push(DismissalRecord {
                    incident_id: incident_id.clone(),
                    commitment_id: commitment_id.clone(),
                    notification_id: notification_id.clone(),
                    reason: reason.clone(),
                    analyst: analyst.clone(),
                    at,
                });
            }
            Event::StatementMade {
                statement_id,
                party_id,
                text,
                incident_ids,
                stances,
                agreements,
                kind,
                about,
                document,
                votes,
                effective_at,
                provenance,
            } => {
                let record = StatementRecord {
                    statement_id: statement_id.clone(),
                    party_id: party_id.clone(),
                    at: *effective_at,
                    recorded_at: at,
                    provenance: provenance.clone(),
                    text: text.clone(),
                    kind: *kind,
                    incident_ids: incident_ids.clone(),
                    stances: stances.clone(),
                    agreements: agreements.clone(),
                    about: about.clone(),
                    document: document.clone(),
                    votes: *votes,
                };
                self.insert_statement(record);
            }
            Event::ReadingRecorded { reading_id, agreement_id, version, reading, source, recorded_by } => {
                self.source_ids.insert(source.source_id.clone());
                let record = ReadingRecord {
                    reading_id: reading_id.clone(),
                    agreement_id: agreement_id.clone(),
                    version: *version,
                    reading: reading.clone(),
                    source: source.clone(),
                    recorded_by: recorded_by.clone(),
                    recorded_at: at,
                };
                self.readings.insert(reading_id.clone(), record);
            }
            Event::ObservationRecorded { observation_id, observation, note, recorded_by } => {
                self.source_ids.insert(observation.source.source_id.clone());
                let record = ObservationRecord {
                    observation_id: observation_id.clone(),
                    observation: observation.clone(),
                    note: note.clone(),
                    recorded_by: recorded_by.clone(),
                    recorded_at: at,
                };
                self.observations.insert(observation_id.clone(), record);
            }
            Event::PopulationEstimated {
                estimate_id,
                zone_id,
                kind,
                people,
                breakdown,
                destination,
                as_of,
                source,
                note,
                reported_by,
            } => {
                self.source_ids.insert(source.source_id.clone());
                let record = EstimateRecord {
                    estimate_id: estimate_id.clone(),
                    zone_id: zone_id.clone(),
                    kind: *kind,
                    people: *people,
                    breakdown: *breakdown,
                    destination: destination.clone(),
                    as_of: *as_of,
                    source: source.clone(),
                    note: note.clone(),
                    reported_by: reported_by.clone(),
                    recorded_at: at,
                };
                self.estimates.insert(estimate_id.clone(), record);
            }
            Event::PassageRecorded { passage_id, corridor_id, direction, convoy_id, vehicles, count, observer } => {
                self.source_ids.insert(count.source.source_id.clone());
                let record = PassageRecord {
                    passage_id: passage_id.clone(),
                    corridor_id: corridor_id.clone(),
                    direction: *direction,
                    convoy_id: convoy_id.clone(),
                    vehicles: *vehicles,
                    count: count.clone(),
                    observer: observer.clone(),
                    recorded_at: at,
                };
                self.passages.insert(passage_id.clone(), record);
            }
            Event::TotalReported { total_id, scope, count, reported_by } => {
                self.source_ids.insert(count.source.source_id.clone());
                let record = TotalRecord {
                    total_id: total_id.clone(),
                    scope: scope.clone(),
                    count: count.clone(),
                    reported_by: reported_by.clone(),
                    recorded_at: at,
                };
                self.totals.insert(total_id.clone(), record);
            }
            Event::ConvoyScheduled { convoy_id, corridor_id, buses, ambulances, departs_at } => {
                let record = ConvoyRecord {
                    convoy_id: convoy_id.clone(),
                    corridor_id: corridor_id.clone(),
                    buses: *buses,
                    ambulances: *ambulances,
                    departs_at: *departs_at,
                    updates: Vec::new(),
                    scheduled_at: at,
                };
                self.convoys.insert(convoy_id.clone(), record);
            }
            Event::ConvoyUpdated { convoy_id, status, note, effective_at } => {
                let convoy = self.convoys.get_mut(convoy_id).expect("decide checked that the convoy exists");
                let update = ConvoyUpdate { at: *effective_at, recorded_at: at, status: *status, note: note.clone() };
                convoy.updates.push(update);
            }
            Event::HumanitarianNotified {
                notification_id,
                notified,
                party_ids,
                deadline,
                notified_by,
                valid_until,
                personnel,
                on_behalf_of,
            } => {
                let record = NotificationRecord {
                    notification_id: notification_id.clone(),
                    notified: notified.clone(),
                    party_ids: party_ids.clone(),
                    deadline: *deadline,
                    notified_by: notified_by.clone(),
                    notified_at: at,
                    acknowledgements: Vec::new(),
                    valid_until: *valid_until,
                    personnel: *personnel,
                    on_behalf_of: on_behalf_of.clone(),
                    withdrawal: None,
                };
                self.places.insert(&record);
                self.notifications.insert(notification_id.clone(), record);
            }
            Event::NotificationWithdrawn { notification_id, party_id, reason } => {
                let notification =
                    self.notifications.get_mut(notification_id).expect("decide checked that the notification exists");
                let withdrawal = NotificationWithdrawal { at, party_id: party_id.clone(), reason: reason.clone() };
                notification.withdrawal = Some(withdrawal);
            }
            Event::NotificationAcknowledged { notification_id, party_id } => {
                if let Some(notification) = self.notifications.get_mut(notification_id) {
                    notification.acknowledgements.push(Acknowledgement { party_id: party_id.clone(), at });
                }
            }
            Event::AlertAcknowledged { alert_id, party_id, author } => {
                let record = AlertAckRecord {
                    alert_id: alert_id.clone(),
                    party_id: party_id.clone(),
                    author: author.clone(),
                    at,
                };
                self.alert_acks.push(record);
            }
            // Not monitoring: the log's own, the accounts' and coordination's events.
            Event::LogStarted(_)
            | Event::AccountRegistered { .. }
            | Event::AccountKeyAdded { .. }
            | Event::EnrolmentCreated { .. }
            | Event::AccountKeyEnrolled { .. }
            | Event::AccountKeyRevoked { .. }
            | Event::EncryptionKeySet { .. }
            | Event::TimeMarked {}
            | Event::Retracted { .. }
            | Event::PartyRegistered { .. }
            | Event::ForceRegistered { .. }
            | Event::ZoneDefined { .. }
            | Event::ZoneRedrawn { .. }
            | Event::ZoneControlRecorded { .. }
            | Event::AgreementProposed { .. }
            | Event::VersionProposed { .. }
            | Event::StanceTaken { .. }
            | Event::AgreementSuspended { .. }
            | Event::AgreementResumed { .. }
            | Event::AgreementEnded { .. }
            | Event::ConsentRecorded { .. }
            | Event::FulfilmentReported { .. } => return false,
        }
        true
    }
}

fn clone_entry<K: Clone, V: Clone>((key, value): (&K, &V)) -> (K, V) {
    (key.clone(), value.clone())
}
