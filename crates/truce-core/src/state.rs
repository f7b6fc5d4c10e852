//! The projection: everything the ledger's events have established so far, with the time
//! each fact became true, so that status can be asked "as of" any instant.
//!
//! `State` is changed only by `State::apply` (one entry) and `State::evolve` (one event),
//! and both are total: an event that `decide` produced always applies.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    ops::Bound,
};

use serde::Serialize;

use crate::{
    active_scopes::{changes_active_scopes, ActiveScopes},
    alerts::Alert,
    command::{Command, Context, Genesis},
    event::Event,
    geometry::Polygon,
    ids::{
        AccountId, AgreementId, CommitmentId, ConsentId, CorridorId, ForceId, Nonce, PartyId, PublicKeyText, ZoneId,
    },
    model::{CommitmentSpec, CorridorSpec, Group, PartyKind, Role, Stance, Terms, TruceStart, ZoneKind},
    monitor_state::Monitoring,
    text::{Code, Name, Reason},
    time::{Timestamp, Window},
};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Party {
    pub party_id: PartyId,
    pub code: Code,
    pub name: Name,
    pub kind: PartyKind,
    pub registered_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Account {
    pub account_id: AccountId,
    pub party_id: Option<PartyId>,
    pub name: Name,
    pub roles: Vec<Role>,
    pub public_keys: Vec<PublicKeyText>,
    pub registered_at: Timestamp,
}

impl Account {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Force {
    pub force_id: ForceId,
    pub code: Code,
    pub name: Name,
    /// Parties that answer for the force.
    pub party_ids: Vec<PartyId>,
    pub registered_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ZoneBoundary {
    pub effective_at: Timestamp,
    pub boundary: Polygon,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ZoneControl {
    pub force_id: ForceId,
    pub since: Timestamp,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Zone {
    pub zone_id: ZoneId,
    pub code: Code,
    pub name: Name,
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
            if !(record.recorded_at <= at && record.effective_at <= at) {
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
            .map(|record| record.recorded_at.max(record.effective_at))
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
        for record in self.control.iter().filter(|c| c.recorded_at <= at && c.since <= at) {
            if best.is_none_or(|c| record.since >= c.since) {
                best = Some(record);
            }
        }
        best.map(|c| &c.force_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StanceRecord {
    pub party_id: PartyId,
    pub author: AccountId,
    pub at: Timestamp,
    #[serde(flatten)]
    pub stance: Stance,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VersionRecord {
    pub version: u32,
    pub proposed_by: PartyId,
    pub proposed_at: Timestamp,
    pub terms: Terms,
    pub note: Option<Reason>,
    /// Every stance taken on this version, in ledger order.
    pub stances: Vec<StanceRecord>,
}

impl VersionRecord {
    /// Each party's latest stance taken by `at`.
    pub fn stance_at(&self, party_id: &PartyId, at: Timestamp) -> Option<&StanceRecord> {
        self.stances.iter().rev().find(|s| &s.party_id == party_id && s.at <= at)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SuspensionRecord {
    pub at: Timestamp,
    pub suspended: bool,
    pub party_id: PartyId,
    pub reason: Option<Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgreementRecord {
    pub agreement_id: AgreementId,
    pub title: Name,
    pub proposed_by: PartyId,
    pub proposed_at: Timestamp,
    /// Version `n` is at index `n - 1`.
    pub versions: Vec<VersionRecord>,
    pub suspensions: Vec<SuspensionRecord>,
}

impl AgreementRecord {
    pub fn latest(&self) -> &VersionRecord {
        self.versions.last().expect("an agreement is created with its first version")
    }

    pub fn version(&self, version: u32) -> Option<&VersionRecord> {
        let idx = usize::try_from(version).ok()?.checked_sub(1)?;
        self.versions.get(idx)
    }

    pub fn suspended_at(&self, at: Timestamp) -> bool {
        self.suspensions.iter().rev().find(|s| s.at <= at).is_some_and(|s| s.suspended)
    }
}

/// A corridor's place in the agreements: which agreement owns it and its latest definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorridorRecord {
    pub agreement_id: AgreementId,
    pub spec: CorridorSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConsentRecord {
    pub consent_id: ConsentId,
    pub force_id: ForceId,
    pub corridor_id: CorridorId,
    pub recorded_by: PartyId,
    pub recorded_at: Timestamp,
    pub note: Option<Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FulfilmentRecord {
    pub commitment_id: CommitmentId,
    pub party_id: PartyId,
    pub at: Timestamp,
    pub note: Option<Reason>,
}

/// Everything known, folded from the ledger.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub genesis: Option<Genesis>,
    pub entries_count: u64,
    pub parties: BTreeMap<PartyId, Party>,
    pub accounts: BTreeMap<AccountId, Account>,
    pub forces: BTreeMap<ForceId, Force>,
    pub zones: BTreeMap<ZoneId, Zone>,
    pub agreements: BTreeMap<AgreementId, AgreementRecord>,
    pub corridors: BTreeMap<CorridorId, CorridorRecord>,
    /// Which agreement each commitment belongs to.
    pub commitment_agreements: HashMap<CommitmentId, AgreementId>,
    pub consents: BTreeMap<ConsentId, ConsentRecord>,
    pub fulfilments: BTreeMap<CommitmentId, FulfilmentRecord>,
    pub monitoring: Monitoring,
    /// Every alert raised so far, in ledger order.
    pub alerts: Vec<Alert>,
    pub(crate) alerted_violations: BTreeMap<crate::alerts::ViolationKey, crate::monitor::ViolationStatus>,
    /// The groups each corridor was last alerted as open for (absent: closed).
    pub(crate) alerted_corridors: BTreeMap<CorridorId, Vec<Group>>,
    /// Instants at which the passing of time alone may change what is alerted: corridor
    /// windows, truce starts and ends, notification deadlines. Only grows; an instant that
    /// turns out to change nothing costs one status evaluation.
    pub(crate) schedule: BTreeSet<Timestamp>,
    /// The acceptance time of the latest entry: what fell due up to it has been alerted.
    pub time_checked_until: Option<Timestamp>,
    pub(crate) keys: HashMap<PublicKeyText, AccountId>,
    pub(crate) codes: HashMap<(&'static str, Code), String>,
    pub(crate) nonces: HashSet<(PublicKeyText, Nonce)>,
    /// The R-tree of active commitments' scopes that `violations_of` queries; derived from
    /// the fields above and rebuilt when an event can change it.
    pub(crate) active_scopes: ActiveScopes,
}

impl State {
    /// A view for answering monitoring questions as of `at`: the monitoring record as it
    /// stood then (`Monitoring::as_of`) beside the agreements, zones and forces as they
    /// are. Statuses at an instant already count only facts recorded by that instant, so
    /// the violations of incidents before `at` are what they were at `at`; for an incident
    /// reported as lasting past `at`, agreement facts recorded after `at` still shape the
    /// part after it. Not a state to apply entries to: it has no nonces, keys or alerts.
    pub fn as_of(&self, at: Timestamp) -> State {
        State {
            genesis: self.genesis.clone(),
            entries_count: self.entries_count,
            parties: self.parties.clone(),
            accounts: self.accounts.clone(),
            forces: self.forces.clone(),
            zones: self.zones.clone(),
            agreements: self.agreements.clone(),
            corridors: self.corridors.clone(),
            commitment_agreements: self.commitment_agreements.clone(),
            consents: self.consents.clone(),
            fulfilments: self.fulfilments.clone(),
            monitoring: self.monitoring.as_of(at),
            time_checked_until: self.time_checked_until,
            codes: self.codes.clone(),
            active_scopes: self.active_scopes.clone(),
            ..State::default()
        }
    }

    /// Folds one ledger entry: records the nonce and applies its events in order.
    pub fn apply(&mut self, context: &Context, command: &Command, events: &[Event]) {
        assert!(context.seq == self.entries_count, "entries are applied in sequence");
        self.nonces.insert((context.signer.clone(), command.nonce.clone()));
        for event in events {
            self.schedule_instants_of(event);
            self.fold(context.accepted_at, event);
        }
        // Once per entry, before its alerts ask for violations.
        if events.iter().any(changes_active_scopes) {
            self.active_scopes = ActiveScopes::build(self);
        }
        self.raise_alerts(context, events);
        self.entries_count += 1;
    }

    /// Adds the instants at which the event's facts may change something by time alone.
    fn schedule_instants_of(&mut self, event: &Event) {
        match event {
            Event::VersionProposed { terms, .. } => {
                for corridor in &terms.corridors {
                    for opening in &corridor.windows {
                        self.schedule.extend([opening.window.start(), opening.window.end()]);
                    }
                }
                if let Some(truce) = &terms.truce {
                    if let TruceStart::At { at } = truce.start {
                        self.schedule.insert(at);
                    }
                    self.schedule.extend(truce.end);
                }
            }
            Event::HumanitarianNotified { deadline, .. } => {
                self.schedule.insert(*deadline);
            }
            _ => {}
        }
    }

    /// The first scheduled instant after the log's time, if any: when a `mark_time` will
    /// next have something to do.
    pub fn next_due(&self) -> Option<Timestamp> {
        let after = self.time_checked_until?;
        self.schedule.range((Bound::Excluded(after), Bound::Unbounded)).next().copied()
    }

    /// The scheduled instants in `(after, until]`, in order.
    pub(crate) fn due_between(&self, after: Timestamp, until: Timestamp) -> impl Iterator<Item = Timestamp> + '_ {
        let range = (after < until).then(|| self.schedule.range((Bound::Excluded(after), Bound::Included(until))));
        range.into_iter().flatten().copied()
    }

    /// The account a public key is registered to.
    pub fn account_of_key(&self, key: &PublicKeyText) -> Option<&Account> {
        self.keys.get(key).and_then(|id| self.accounts.get(id))
    }

    pub fn nonce_used(&self, key: &PublicKeyText, nonce: &Nonce) -> bool {
        self.nonces.contains(&(key.clone(), nonce.clone()))
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

    /// Folds one event. Total: events come from `decide`, which checked everything.
    pub fn evolve(&mut self, at: Timestamp, event: &Event) {
        self.schedule_instants_of(event);
        self.fold(at, event);
        if changes_active_scopes(event) {
            self.active_scopes = ActiveScopes::build(self);
        }
    }

    /// Folds one event into the record, leaving the derived `active_scopes` to the caller.
    fn fold(&mut self, at: Timestamp, event: &Event) {
        if self.monitoring.evolve(at, event) {
            return;
        }
        match event {
            Event::LogStarted(genesis) => {
                self.genesis = Some(genesis.clone());
                self.insert_account(Account {
                    account_id: genesis.operator_account_id.clone(),
                    party_id: None,
                    name: genesis.operator_name.clone(),
                    roles: vec![Role::Operator],
                    public_keys: vec![genesis.operator_public_key.clone()],
                    registered_at: at,
                });
            }
            Event::PartyRegistered { party_id, code, name, kind } => {
                self.codes.insert(("party", code.clone()), party_id.to_string());
                let party = Party {
                    party_id: party_id.clone(),
                    code: code.clone(),
                    name: name.clone(),
                    kind: *kind,
                    registered_at: at,
                };
                self.parties.insert(party_id.clone(), party);
            }
            Event::AccountRegistered { account_id, party_id, name, roles, public_key } => {
                self.insert_account(Account {
                    account_id: account_id.clone(),
                    party_id: party_id.clone(),
                    name: name.clone(),
                    roles: roles.clone(),
                    public_keys: vec![public_key.clone()],
                    registered_at: at,
                });
            }
            Event::AccountKeyAdded { account_id, public_key } => {
                self.keys.insert(public_key.clone(), account_id.clone());
                if let Some(account) = self.accounts.get_mut(account_id) {
                    account.public_keys.push(public_key.clone());
                }
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
            Event::ZoneDefined { zone_id, code, name, kind, boundary, illustrative } => {
                self.codes.insert(("zone", code.clone()), zone_id.to_string());
                let zone = Zone {
                    zone_id: zone_id.clone(),
                    code: code.clone(),
                    name: name.clone(),
                    kind: *kind,
                    illustrative: *illustrative,
                    boundaries: vec![ZoneBoundary { effective_at: at, boundary: boundary.clone(), recorded_at: at }],
                    control: Vec::new(),
                };
                self.zones.insert(zone_id.clone(), zone);
            }
            Event::ZoneRedrawn { zone_id, boundary, effective_at } => {
                if let Some(zone) = self.zones.get_mut(zone_id) {
                    let record =
                        ZoneBoundary { effective_at: *effective_at, boundary: boundary.clone(), recorded_at: at };
                    zone.boundaries.push(record);
                }
            }
            Event::ZoneControlRecorded { zone_id, force_id, since } => {
                if let Some(zone) = self.zones.get_mut(zone_id) {
                    zone.control.push(ZoneControl { force_id: force_id.clone(), since: *since, recorded_at: at });
                }
            }
            Event::AgreementProposed { agreement_id, title, proposed_by } => {
                let agreement = AgreementRecord {
                    agreement_id: agreement_id.clone(),
                    title: title.clone(),
                    proposed_by: proposed_by.clone(),
                    proposed_at: at,
                    versions: Vec::new(),
                    suspensions: Vec::new(),
                };
                self.agreements.insert(agreement_id.clone(), agreement);
            }
            Event::VersionProposed { agreement_id, version, proposed_by, terms, note } => {
                self.index_terms(agreement_id, terms);
                if let Some(agreement) = self.agreements.get_mut(agreement_id) {
                    assert!(agreement.versions.len() + 1 == *version as usize, "versions are numbered in order");
                    agreement.versions.push(VersionRecord {
                        version: *version,
                        proposed_by: proposed_by.clone(),
                        proposed_at: at,
                        terms: terms.clone(),
                        note: note.clone(),
                        stances: Vec::new(),
                    });
                }
            }
            Event::StanceTaken { agreement_id, version, party_id, author, stance } => {
                let record =
                    StanceRecord { party_id: party_id.clone(), author: author.clone(), at, stance: stance.clone() };
                let target = self.agreements.get_mut(agreement_id).and_then(|agreement| {
                    let idx = usize::try_from(*version).ok()?.checked_sub(1)?;
                    agreement.versions.get_mut(idx)
                });
                if let Some(version) = target {
                    version.stances.push(record);
                }
            }
            Event::AgreementSuspended { agreement_id, party_id, reason } => {
                self.push_suspension(agreement_id, at, true, party_id, Some(reason.clone()));
            }
            Event::AgreementResumed { agreement_id, party_id, reason } => {
                self.push_suspension(agreement_id, at, false, party_id, reason.clone());
            }
            Event::ConsentRecorded { consent_id, force_id, corridor_id, recorded_by, note } => {
                let consent = ConsentRecord {
                    consent_id: consent_id.clone(),
                    force_id: force_id.clone(),
                    corridor_id: corridor_id.clone(),
                    recorded_by: recorded_by.clone(),
                    recorded_at: at,
                    note: note.clone(),
                };
                self.consents.insert(consent_id.clone(), consent);
            }
            Event::IncidentReported { .. }
            | Event::SourceAdded { .. }
            | Event::IncidentCorrected { .. }
            | Event::IncidentGraded { .. }
            | Event::DuplicateMarked { .. }
            | Event::ViolationDismissed { .. }
            | Event::StatementMade { .. }
            | Event::PopulationEstimated { .. }
            | Event::PassageRecorded { .. }
            | Event::TotalReported { .. }
            | Event::ConvoyScheduled { .. }
            | Event::ConvoyUpdated { .. }
            | Event::HumanitarianNotified { .. }
            | Event::NotificationAcknowledged { .. }
            | Event::AlertAcknowledged { .. } => unreachable!("folded by Monitoring::evolve"),
            // Its effect, the log's time moving on, is `raise_alerts`'s, as for every entry.
            Event::TimeMarked {} => {}
            Event::FulfilmentReported { commitment_id, party_id, note } => {
                let record = FulfilmentRecord {
                    commitment_id: commitment_id.clone(),
                    party_id: party_id.clone(),
                    at,
                    note: note.clone(),
                };
                self.fulfilments.insert(commitment_id.clone(), record);
            }
        }
    }

    fn insert_account(&mut self, account: Account) {
        for key in &account.public_keys {
            self.keys.insert(key.clone(), account.account_id.clone());
        }
        self.accounts.insert(account.account_id.clone(), account);
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

    fn push_suspension(
        &mut self,
        agreement_id: &AgreementId,
        at: Timestamp,
        suspended: bool,
        party_id: &PartyId,
        reason: Option<Reason>,
    ) {
        if let Some(agreement) = self.agreements.get_mut(agreement_id) {
            agreement.suspensions.push(SuspensionRecord { at, suspended, party_id: party_id.clone(), reason });
        }
    }
}
