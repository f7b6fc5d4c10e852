//! `State`: everything the ledger's events have established so far, with the time each fact
//! became true, so that status can be asked "as of" any instant; and the places where what
//! is derived from it is kept (the index of active scopes, the alerts raised).
//!
//! The facts are folded here (`State::fold`, one event); running the derivations after an
//! entry is `apply`'s, one layer up, so that this file depends on nothing that reads it.

use std::{
    cell::Cell,
    collections::{BTreeMap, BTreeSet, HashMap},
    ops::Bound,
};

use serde::{Deserialize, Serialize};

use crate::{
    access::{Account, Enrolment, RevokedKey, Role},
    command::Genesis,
    coordination::{acts::AgreementAct, model::Group, record::Coordination},
    event::Event,
    monitoring::{model::ViolationStatus, record::Monitoring},
    projection::{
        active_scopes::ActiveScopes,
        alert::{Alert, ViolationKey},
        conditions::ConditionOutcomes,
        kept::Verdicts,
        nonces::UsedNonces,
        retraction::{Retractable, RetractionRecord},
    },
    vocab::{
        ids::{AccountId, AlertId, CodeHash, CommitmentId, CorridorId, Nonce, PartyId, PublicKeyText, UsedNonce},
        limits::MARK_TIME_GRID_S,
        time::Timestamp,
    },
};

thread_local! {
    /// Set while `serializing_without_monitoring` runs on this thread.
    static MONITORING_APART: Cell<bool> = const { Cell::new(false) };
}

/// Runs `encode` with `State`'s serialization leaving out the monitoring record (the
/// incidents, sources, statements: about half of a large projection), which a projection
/// snapshot writes apart so that the two halves can be encoded and decoded on two threads. A
/// state decoded without it has an empty monitoring record until it is put back.
pub fn serializing_without_monitoring<T>(encode: impl FnOnce() -> T) -> T {
    crate::vocab::scoped_flag::with_flag_set(&MONITORING_APART, encode)
}

fn monitoring_apart(_: &Monitoring) -> bool {
    MONITORING_APART.with(Cell::get)
}

/// Everything known, folded from the ledger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub genesis: Option<Genesis>,
    pub entries_count: u64,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub accounts: BTreeMap<AccountId, Account>,
    pub coordination: Coordination,
    /// Left out of the serialization inside `serializing_without_monitoring`: a snapshot
    /// writes it apart, to be read on a thread of its own.
    #[serde(default, skip_serializing_if = "monitoring_apart")]
    pub monitoring: Monitoring,
    /// Every alert raised so far, in ledger order.
    pub alerts: Vec<Alert>,
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub(crate) alerted_violations: BTreeMap<ViolationKey, ViolationStatus>,
    /// The commitments last alerted as released by a failed condition.
    pub(crate) alerted_releases: BTreeSet<CommitmentId>,
    /// The groups each corridor was last alerted as open for (absent: closed).
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub(crate) alerted_corridors: BTreeMap<CorridorId, Vec<Group>>,
    /// Instants at which the passing of time alone may change what is alerted, known from
    /// public entries: corridor windows, truce starts and ends. Only grows; an instant that
    /// turns out to change nothing costs one status evaluation.
    pub(crate) schedule: BTreeSet<Timestamp>,
    /// The same, known only from sealed entries: notification deadlines. Alerted like the
    /// others, but never a reason for `mark_time` by itself, so that the public log's timing
    /// does not depend on them (`next_due`).
    pub(crate) sealed_schedule: BTreeSet<Timestamp>,
    /// The entries written sealed, by seq, with the parties entitled to each
    /// (`visibility::sealing`, decided on the state before the entry).
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub sealed: BTreeMap<u64, BTreeSet<PartyId>>,
    /// The acceptance time of the latest entry: what fell due up to it has been alerted.
    pub time_checked_until: Option<Timestamp>,
    /// Every key ever registered, revoked ones too, so that no key serves two accounts.
    pub(crate) keys: HashMap<PublicKeyText, AccountId>,
    /// Enrolments by the SHA-256 of their code.
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub(crate) enrolments: BTreeMap<CodeHash, Enrolment>,
    /// Each party's first account, which the operator registered from the key the party
    /// handed over: with the party's coordinators, it manages the party's accounts.
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub first_accounts: BTreeMap<PartyId, AccountId>,
    /// Every key's used nonces, as digests (`UsedNonce`).
    pub(crate) nonces: UsedNonces,
    /// The R-tree of active commitments' scopes that `violations_of` queries; derived from
    /// the coordination record and rebuilt when an event can change it.
    /// Not in a snapshot: rebuilt from the coordination record (`State::restored`).
    #[serde(skip)]
    pub(crate) active_scopes: ActiveScopes,
    /// The breaches and releases that `not_breached` conditions cause, derived after every
    /// entry (`conditions`).
    pub(crate) condition_outcomes: ConditionOutcomes,
    /// What each retractable entry recorded, by its sequence number (`retraction`).
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub(crate) retractable: BTreeMap<u64, Retractable>,
    /// Every retraction, by the sequence number of the entry retracted.
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub retractions: BTreeMap<u64, RetractionRecord>,
    /// Every act on an agreement, by the sequence number of the entry that recorded it
    /// (what statements refer to); a retracted act is taken out.
    #[serde(deserialize_with = "crate::vocab::packed::btree_map")]
    pub agreement_acts: BTreeMap<u64, AgreementAct>,
    /// Each incident's grade and accused forces, kept as entries apply (`kept`).
    /// Not in a snapshot: derived again by `State::restored`.
    #[serde(skip)]
    pub(crate) verdicts: Verdicts,
}

impl State {
    /// Where the alert of `alert_id` is among `alerts`, which are in the order of their ids'
    /// keys (`raise` asserts it): a search, not a walk through every alert raised.
    pub fn alert_position(&self, alert_id: &AlertId) -> Option<usize> {
        let key = alert_id.key();
        let position = self.alerts.partition_point(|alert| alert.alert_id.key() < key);
        self.alerts.get(position).filter(|alert| &alert.alert_id == alert_id).map(|_| position)
    }

    /// The alert of `alert_id`, if one was raised.
    pub fn alert(&self, alert_id: &AlertId) -> Option<&Alert> {
        self.alert_position(alert_id).map(|position| &self.alerts[position])
    }

    /// A view for answering monitoring questions as of `at`: the monitoring record as it
    /// stood then (`Monitoring::as_of`) beside the agreements, zones and forces as they
    /// are. Statuses at an instant already count only facts recorded by that instant, so
    /// the violations of incidents before `at` are what they were at `at`; for an incident
    /// reported as lasting past `at`, agreement facts recorded after `at` still shape the
    /// part after it. Not a state to apply entries to: it has no nonces, keys or alerts.
    pub fn as_of(&self, at: Timestamp) -> State {
        let mut view = State {
            genesis: self.genesis.clone(),
            entries_count: self.entries_count,
            accounts: self.accounts.clone(),
            first_accounts: self.first_accounts.clone(),
            coordination: self.coordination.clone(),
            monitoring: self.monitoring.as_of(at),
            time_checked_until: self.time_checked_until,
            active_scopes: self.active_scopes.clone(),
            agreement_acts: self
                .agreement_acts
                .iter()
                .filter(|(_, a)| a.at <= at)
                .map(|(k, v)| (*k, v.clone()))
                .collect(),
            ..State::default()
        };
        view.condition_outcomes = view.sweep_condition_outcomes();
        view
    }

    /// When a `mark_time` will next be accepted, after the log's time: the first public
    /// scheduled instant or the next point of the public grid (every `MARK_TIME_GRID_S`),
    /// whichever is first. Never a sealed instant: a confidential deadline is alerted by the
    /// first entry after it, at the latest the grid's mark, so that when marks are written
    /// says nothing about confidential facts.
    pub fn next_due(&self) -> Option<Timestamp> {
        let after = self.time_checked_until?;
        let scheduled = self.schedule.range((Bound::Excluded(after), Bound::Unbounded)).next().copied();
        let grid = after.next_multiple_of(MARK_TIME_GRID_S);
        scheduled.into_iter().chain(grid).min()
    }

    /// Whether a `mark_time` accepted at `until` has something to do: a public scheduled
    /// instant or a point of the grid in `(after, until]`. Reads nothing sealed.
    pub(crate) fn mark_due(&self, after: Timestamp, until: Timestamp) -> bool {
        if after >= until {
            return false;
        }
        let scheduled = self.schedule.range((Bound::Excluded(after), Bound::Included(until))).next().is_some();
        scheduled || after.next_multiple_of(MARK_TIME_GRID_S).is_some_and(|grid| grid <= until)
    }

    /// The scheduled instants, public and sealed, in `(after, until]`, in order, once each.
    pub(crate) fn due_between(&self, after: Timestamp, until: Timestamp) -> impl Iterator<Item = Timestamp> + '_ {
        let range = (after < until).then_some((Bound::Excluded(after), Bound::Included(until)));
        let public = range.into_iter().flat_map(|range| self.schedule.range(range)).copied();
        let sealed = range.into_iter().flat_map(|range| self.sealed_schedule.range(range)).copied();
        let merged: BTreeSet<Timestamp> = public.chain(sealed).collect();
        merged.into_iter()
    }

    /// The account a public key is registered to.
    pub fn account_of_key(&self, key: &PublicKeyText) -> Option<&Account> {
        self.keys.get(key).and_then(|id| self.accounts.get(id))
    }

    pub fn nonce_used(&self, key: &PublicKeyText, nonce: &Nonce) -> bool {
        self.nonces.contains(&UsedNonce::of(key, nonce))
    }

    /// Folds one event into the record, leaving what is derived from it to the caller.
    ///
    /// # Panics
    /// When no part of the projection takes the event, or the event names a record that
    /// does not exist: `decide` made the event, so either is a bug, and going on would
    /// silently diverge from the log.
    pub(crate) fn fold(&mut self, at: Timestamp, event: &Event) {
        let folded = match event {
            Event::LogStarted(genesis) => {
                self.genesis = Some(genesis.clone());
                self.insert_account(Account {
                    account_id: genesis.operator_account_id.clone(),
                    party_id: None,
                    name: genesis.operator_name.clone(),
                    roles: vec![Role::Operator],
                    public_keys: vec![genesis.operator_public_key.clone()],
                    revoked_keys: Vec::new(),
                    encryption_key: None,
                    registered_at: at,
                });
                true
            }
            Event::AccountRegistered { account_id, party_id, name, roles, public_key } => {
                self.insert_account(Account {
                    account_id: account_id.clone(),
                    party_id: party_id.clone(),
                    name: name.clone(),
                    roles: roles.clone(),
                    public_keys: public_key.iter().cloned().collect(),
                    revoked_keys: Vec::new(),
                    encryption_key: None,
                    registered_at: at,
                });
                true
            }
            Event::AccountKeyAdded { account_id, public_key } => {
                self.add_key(account_id, public_key);
                true
            }
            Event::EnrolmentCreated { account_id, code_sha256, expires_at, author } => {
                let enrolment = Enrolment {
                    account_id: account_id.clone(),
                    expires_at: *expires_at,
                    created_by: author.clone(),
                    used: false,
                };
                self.enrolments.insert(code_sha256.clone(), enrolment);
                true
            }
            Event::AccountKeyEnrolled { account_id, public_key, code_sha256 } => {
                let enrolment =
                    self.enrolments.get_mut(code_sha256).expect("decide checked that the enrolment is open");
                enrolment.used = true;
                self.add_key(account_id, public_key);
                true
            }
            Event::AccountKeyRevoked { account_id, public_key, reason: _, author } => {
                let account = self.accounts.get_mut(account_id).expect("decide checked that the account exists");
                account.public_keys.retain(|key| key != public_key);
                let revoked = RevokedKey { public_key: public_key.clone(), revoked_at: at, revoked_by: author.clone() };
                account.revoked_keys.push(revoked);
                true
            }
            Event::EncryptionKeySet { account_id, encryption_key } => {
                let account = self.accounts.get_mut(account_id).expect("decide checked that the account exists");
                account.encryption_key = Some(encryption_key.clone());
                true
            }
            // Its effect, the log's time moving on, is the alerts', as for every entry.
            Event::TimeMarked {} => true,
            Event::Retracted { seq, reason, author } => {
                let retractable =
                    self.retractable.get(seq).cloned().expect("decide checked that the entry is retractable");
                self.take_out(&retractable.target);
                self.agreement_acts.remove(seq);
                let record =
                    RetractionRecord { seq: *seq, reason: reason.clone(), author: author.clone(), recorded_at: at };
                self.retractions.insert(*seq, record);
                true
            }
            // Each part's `evolve` matches every event exhaustively and takes only its own.
            coordination_or_monitoring => {
                self.coordination.evolve(at, coordination_or_monitoring)
                    || self.monitoring.evolve(at, coordination_or_monitoring)
            }
        };
        assert!(folded, "every event belongs to one part of the projection");
    }

    /// The open enrolment of `account_id` with this code hash at `at`, if any.
    pub(crate) fn open_enrolment(&self, code_sha256: &CodeHash, account_id: &AccountId, at: Timestamp) -> bool {
        self.enrolments.get(code_sha256).is_some_and(|e| &e.account_id == account_id && !e.used && at < e.expires_at)
    }

    fn add_key(&mut self, account_id: &AccountId, public_key: &PublicKeyText) {
        self.keys.insert(public_key.clone(), account_id.clone());
        let account = self.accounts.get_mut(account_id).expect("decide checked that the account exists");
        account.public_keys.push(public_key.clone());
    }

    fn insert_account(&mut self, account: Account) {
        if let Some(party_id) = &account.party_id {
            self.first_accounts.entry(party_id.clone()).or_insert_with(|| account.account_id.clone());
        }
        for key in &account.public_keys {
            self.keys.insert(key.clone(), account.account_id.clone());
        }
        self.accounts.insert(account.account_id.clone(), account);
    }
}
