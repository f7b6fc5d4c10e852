//! Scenarios: a story told as commands to submit, in order, each as one named account.
//!
//! A scenario is data in the repository (`scenarios/*.json`), loaded by `truce demo`
//! through the same API a user would use. This module parses the file and turns it into
//! unsigned `Command`s; it does not sign, submit or decide them, and it reads no clock: each
//! step carries its own time.
//!
//! # Format
//!
//! ```json
//! {
//!   "name": "Aleppo, Monday 12 December 2016",
//!   "description": "… geometry approximate and illustrative …",
//!   "accounts": [
//!     {"handle": "ru", "account_id": "<uuidv7>", "party_id": "<uuidv7>",
//!      "name": "Russian liaison", "roles": ["coordinator"]}
//!   ],
//!   "steps": [
//!     {"at": "2016-12-12T07:00:00Z", "as": "operator",
//!      "body": {"type": "register_party", "party_id": "<uuidv7>", "code": "RU", …}},
//!     {"at": "2016-12-12T07:10:00Z", "as": "operator",
//!      "body": {"type": "register_account", "handle": "ru"}},
//!     {"at": "2016-12-12T09:05:00Z", "as": "ru", "comment": "optional, for readers",
//!      "body": {"type": "endorse", "agreement_id": "<uuidv7>", "version": 1}}
//!   ]
//! }
//! ```
//!
//! - `accounts` lists every account the story needs besides the operator. `party_id` may
//!   be omitted (or null) for an operator-only account. Keys are not part of the file: they
//!   are made or chosen by whoever loads it and passed to `Scenario::commands` by handle.
//! - `as` names the account that signs the step: a handle from `accounts`, or `"operator"`,
//!   the operator account created by `truce init` (its id is passed in, and it speaks for no
//!   party).
//! - `body` is a command body exactly as in a signed command (`CommandBody`), except:
//!   `register_account` takes only the `handle` of an account from `accounts`, whose id,
//!   party, name, roles and supplied key fill the command; and `genesis` is not allowed,
//!   since the log's genesis comes from `truce init`.
//! - Steps are in ledger order and their `at` never goes back. `at` is the step's time in
//!   the story; `Scenario::commands` gives it as `issued_at`, and a loader on a real clock
//!   signs each command when it sends it instead. The story's times that matter reach the
//!   record as valid times inside the bodies: a reported act's `effective_at`, an
//!   incident's `when`, a source's `published_at`, a zone's `effective_at`.
//! - Errors name a step by its index in `steps`, from 0, as in `steps[3]`.

#[cfg(test)]
mod tests;

use std::{collections::BTreeMap, fmt::Write as _};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{
    access::Role,
    command::{Command, CommandBody},
    coordination::model::{Stance, TruceStart},
    coordination::status::VersionStatus,
    projection::state::State,
    vocab::ids::{AccountId, AgreementId, Nonce, PartyId, PublicKeyText},
    vocab::text::{Name, Reason},
    vocab::time::Timestamp,
};

/// The story of the demo: Aleppo, Monday 12 December 2016.
pub const ALEPPO_2016_12_12_JSON: &str = include_str!("../../../../scenarios/aleppo-2016-12-12.json");

/// The handle of the operator account created by `truce init`.
pub const OPERATOR_HANDLE: &str = "operator";
/// Characters in an account handle.
pub const HANDLE_LEN_MAX: usize = 32;
/// Accounts in one scenario.
pub const SCENARIO_ACCOUNTS_MAX: usize = 1_000;
/// Steps in one scenario.
pub const SCENARIO_STEPS_MAX: usize = 100_000;

/// A parsed scenario. `Scenario::parse` checks that handles are well-formed and unique,
/// that every step acts as an account already registered by an earlier step, and that
/// time never goes back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawScenario")]
pub struct Scenario {
    pub name: Name,
    pub description: Reason,
    pub accounts: Vec<ScenarioAccount>,
    pub steps: Vec<Step>,
}

/// An account of the story, registered by a `register_account` step that names its handle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioAccount {
    pub handle: String,
    pub account_id: AccountId,
    #[serde(default)]
    pub party_id: Option<PartyId>,
    pub name: Name,
    pub roles: Vec<Role>,
}

/// One step as written in the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub at: Timestamp,
    /// The handle of the account that signs the step.
    #[serde(rename = "as")]
    pub as_handle: String,
    /// A note for readers of the file (what is illustrative, where a quote comes from).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<Reason>,
    pub body: StepBody,
}

/// What a step asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum StepBody {
    /// `{"type": "register_account", "handle": "ru"}`: registers that account of
    /// `accounts`, with the key supplied for its handle.
    RegisterAccount { handle: String },
    /// Any other command body, as signed.
    Command(Box<CommandBody>),
}

/// One command of the scenario, ready to be signed by the account `handle` and submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioStep {
    pub handle: String,
    pub at: Timestamp,
    pub command: Command,
}

/// Why a scenario cannot be loaded.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScenarioError {
    #[error("the scenario is not valid JSON of the scenario format: {message}")]
    Json { message: String },
    #[error("steps[{step_idx}].body: {message}")]
    Body { step_idx: usize, message: String },
    #[error("handle {handle:?} must be 1 to {len_max} ASCII letters, digits, '-' or '_'")]
    Handle { handle: String, len_max: usize },
    #[error("the handle \"operator\" is reserved for the operator account created by `truce init`")]
    ReservedHandle,
    #[error("account handle {handle:?} is listed twice")]
    DuplicateHandle { handle: String },
    #[error("account {account_id} is listed twice")]
    DuplicateAccount { account_id: String },
    #[error("{field} has {len} items, at most {len_max} allowed")]
    TooMany { field: &'static str, len: usize, len_max: usize },
    #[error("steps[{step_idx}] is a genesis; a log's genesis comes from `truce init`, not from a scenario")]
    Genesis { step_idx: usize },
    #[error(
        "steps[{step_idx}] names account {handle:?}, which is neither \"operator\" nor in the scenario's accounts"
    )]
    UnknownHandle { step_idx: usize, handle: String },
    #[error("steps[{step_idx}] registers account {handle:?} a second time")]
    RegisteredTwice { step_idx: usize, handle: String },
    #[error("steps[{step_idx}] acts as {handle:?} before a step registers that account")]
    NotYetRegistered { step_idx: usize, handle: String },
    #[error("steps[{step_idx}] is at {at}, earlier than the step before it")]
    TimeGoesBack { step_idx: usize, at: String },
    #[error("no public key was supplied for account {handle:?}")]
    MissingKey { handle: String },
}

impl Scenario {
    /// Parses and checks a scenario file.
    ///
    /// # Errors
    /// `Json` or `Body` when the text is not the format, and the other variants of
    /// `ScenarioError` when steps and accounts do not fit together.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let raw: RawScenario =
            serde_json::from_str(text).map_err(|err| ScenarioError::Json { message: err.to_string() })?;
        Scenario::try_from(raw)
    }

    /// The handles that need a key: the accounts that some step registers.
    pub fn handles_to_register(&self) -> Vec<&str> {
        let mut handles = Vec::new();
        for step in &self.steps {
            if let StepBody::RegisterAccount { handle } = &step.body {
                handles.push(handle.as_str());
            }
        }
        handles
    }

    /// The commands of the scenario, in order: each step's body signed (later) by the
    /// account it names, speaking for that account's party, issued at the step's time,
    /// with a nonce from `nonce`.
    ///
    /// # Errors
    /// `MissingKey` when a registered account has no key in `keys`, and anything
    /// `Scenario::parse` would refuse (the fields are public, so the scenario may have been
    /// built or changed by hand).
    pub fn commands(
        &self,
        operator_account: &AccountId,
        keys: &BTreeMap<String, PublicKeyText>,
        mut nonce: impl FnMut() -> Nonce,
    ) -> Result<Vec<ScenarioStep>, ScenarioError> {
        self.check()?;
        for handle in self.handles_to_register() {
            if !keys.contains_key(handle) {
                return Err(ScenarioError::MissingKey { handle: handle.to_owned() });
            }
        }
        let accounts: BTreeMap<&str, &ScenarioAccount> = self.accounts.iter().map(|a| (a.handle.as_str(), a)).collect();
        let mut steps = Vec::with_capacity(self.steps.len());
        for (step_idx, step) in self.steps.iter().enumerate() {
            let (party, author) = match accounts.get(step.as_handle.as_str()) {
                Some(account) => (account.party_id.clone(), account.account_id.clone()),
                None if step.as_handle == OPERATOR_HANDLE => (None, operator_account.clone()),
                None => return Err(ScenarioError::UnknownHandle { step_idx, handle: step.as_handle.clone() }),
            };
            let body = match &step.body {
                StepBody::Command(body) => (**body).clone(),
                StepBody::RegisterAccount { handle } => {
                    let unknown = || ScenarioError::UnknownHandle { step_idx, handle: handle.clone() };
                    let account = accounts.get(handle.as_str()).ok_or_else(unknown)?;
                    let missing = || ScenarioError::MissingKey { handle: handle.clone() };
                    CommandBody::RegisterAccount {
                        account_id: account.account_id.clone(),
                        party_id: account.party_id.clone(),
                        name: account.name.clone(),
                        roles: account.roles.clone(),
                        public_key: Some(keys.get(handle).ok_or_else(missing)?.clone()),
                    }
                }
            };
            let command = Command { party, author, issued_at: step.at, nonce: nonce(), body };
            steps.push(ScenarioStep { handle: step.as_handle.clone(), at: step.at, command });
        }
        Ok(steps)
    }

    /// Checks that accounts and steps fit together.
    fn check(&self) -> Result<(), ScenarioError> {
        if self.accounts.len() > SCENARIO_ACCOUNTS_MAX {
            let len = self.accounts.len();
            return Err(ScenarioError::TooMany { field: "accounts", len, len_max: SCENARIO_ACCOUNTS_MAX });
        }
        if self.steps.len() > SCENARIO_STEPS_MAX {
            let len = self.steps.len();
            return Err(ScenarioError::TooMany { field: "steps", len, len_max: SCENARIO_STEPS_MAX });
        }
        let mut account_ids: Vec<&AccountId> = Vec::with_capacity(self.accounts.len());
        let mut registered: BTreeMap<&str, bool> = BTreeMap::new();
        for account in &self.accounts {
            check_handle(&account.handle)?;
            if account.handle == OPERATOR_HANDLE {
                return Err(ScenarioError::ReservedHandle);
            }
            if registered.insert(account.handle.as_str(), false).is_some() {
                return Err(ScenarioError::DuplicateHandle { handle: account.handle.clone() });
            }
            if account_ids.contains(&&account.account_id) {
                return Err(ScenarioError::DuplicateAccount { account_id: account.account_id.to_string() });
            }
            account_ids.push(&account.account_id);
        }
        let mut previous_at: Option<Timestamp> = None;
        for (step_idx, step) in self.steps.iter().enumerate() {
            if previous_at.is_some_and(|previous| step.at < previous) {
                return Err(ScenarioError::TimeGoesBack { step_idx, at: step.at.to_string() });
            }
            previous_at = Some(step.at);
            if step.as_handle != OPERATOR_HANDLE {
                match registered.get(step.as_handle.as_str()) {
                    None => return Err(ScenarioError::UnknownHandle { step_idx, handle: step.as_handle.clone() }),
                    Some(false) => {
                        return Err(ScenarioError::NotYetRegistered { step_idx, handle: step.as_handle.clone() })
                    }
                    Some(true) => {}
                }
            }
            match &step.body {
                StepBody::Command(body) if matches!(**body, CommandBody::Genesis(_)) => {
                    return Err(ScenarioError::Genesis { step_idx })
                }
                StepBody::Command(_) => {}
                StepBody::RegisterAccount { handle } => match registered.get_mut(handle.as_str()) {
                    None => return Err(ScenarioError::UnknownHandle { step_idx, handle: handle.clone() }),
                    Some(true) => return Err(ScenarioError::RegisteredTwice { step_idx, handle: handle.clone() }),
                    Some(done) => *done = true,
                },
            }
        }
        Ok(())
    }
}

fn check_handle(handle: &str) -> Result<(), ScenarioError> {
    let len = handle.chars().count();
    let characters_ok = handle.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if len == 0 || len > HANDLE_LEN_MAX || !characters_ok {
        return Err(ScenarioError::Handle { handle: handle.chars().take(64).collect(), len_max: HANDLE_LEN_MAX });
    }
    Ok(())
}

/// The file as written, before steps are typed: bodies stay JSON until each can be read
/// with its index at hand for the error message.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Name,
    description: Reason,
    accounts: Vec<ScenarioAccount>,
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    at: Timestamp,
    #[serde(rename = "as")]
    as_handle: String,
    #[serde(default)]
    comment: Option<Reason>,
    body: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegisterAccount {
    #[serde(rename = "type")]
    _kind: String,
    handle: String,
}

impl TryFrom<RawScenario> for Scenario {
    type Error = ScenarioError;
    fn try_from(raw: RawScenario) -> Result<Scenario, ScenarioError> {
        if raw.steps.len() > SCENARIO_STEPS_MAX {
            let len = raw.steps.len();
            return Err(ScenarioError::TooMany { field: "steps", len, len_max: SCENARIO_STEPS_MAX });
        }
        let mut steps = Vec::with_capacity(raw.steps.len());
        for (step_idx, step) in raw.steps.into_iter().enumerate() {
            let body = step_body(step.body).map_err(|message| ScenarioError::Body { step_idx, message })?;
            steps.push(Step { at: step.at, as_handle: step.as_handle, comment: step.comment, body });
        }
        let scenario = Scenario { name: raw.name, description: raw.description, accounts: raw.accounts, steps };
        scenario.check()?;
        Ok(scenario)
    }
}

fn step_body(value: serde_json::Value) -> Result<StepBody, String> {
    if value.get("type").and_then(serde_json::Value::as_str) == Some("register_account") {
        let raw: RawRegisterAccount = serde_json::from_value(value).map_err(|err| {
            format!("{err} (a scenario's register_account names only the \"handle\" of one of its accounts)")
        })?;
        return Ok(StepBody::RegisterAccount { handle: raw.handle });
    }
    serde_json::from_value::<CommandBody>(value)
        .map(|body| StepBody::Command(Box::new(body)))
        .map_err(|err| err.to_string())
}

impl Serialize for StepBody {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct RegisterAccountOut<'a> {
            #[serde(rename = "type")]
            kind: &'static str,
            handle: &'a str,
        }
        match self {
            StepBody::RegisterAccount { handle } => {
                RegisterAccountOut { kind: "register_account", handle }.serialize(serializer)
            }
            StepBody::Command(body) => body.serialize(serializer),
        }
    }
}

/// A compact human summary of every agreement thread as of `at`: each version with its
/// terms in brief, every stance taken on it, its status, and the status of the corridors.
/// Parties, zones and corridors are named by their codes.
pub fn summary(state: &State, at: Timestamp) -> String {
    let mut out = String::new();
    for agreement_id in state.coordination.agreements.keys() {
        summarise_agreement(state, agreement_id, at, &mut out);
    }
    out
}

fn summarise_agreement(state: &State, agreement_id: &AgreementId, at: Timestamp, out: &mut String) {
    let agreement = &state.coordination.agreements[agreement_id];
    let Some(status) = state.coordination.agreement_status(agreement_id, at) else {
        return;
    };
    let party =
        |id: &PartyId| state.coordination.parties.get(id).map_or_else(|| id.to_string(), |p| p.code.to_string());
    let zone = |id| {
        state
            .coordination
            .zones
            .get(id)
            .map_or_else(|| "?".to_owned(), |z: &crate::coordination::record::Zone| z.code.to_string())
    };
    let corridor = |id| {
        state
            .coordination
            .corridors
            .get(id)
            .map_or_else(|| "?".to_owned(), |c: &crate::coordination::record::CorridorRecord| c.spec.code.to_string())
    };
    let line = |out: &mut String, text: String| writeln!(out, "{text}").expect("writing to a String cannot fail");

    line(
        out,
        format!("{} (proposed by {} at {})", agreement.title, party(&agreement.proposed_by), agreement.proposed_at),
    );
    for version in agreement.versions.iter().filter(|v| v.proposed_at <= at) {
        let terms = &version.terms;
        let corridors: Vec<String> = terms.corridors.iter().map(|c| c.code.to_string()).collect();
        let corridors = if corridors.is_empty() { "no corridors".to_owned() } else { corridors.join(", ") };
        let truce = match &terms.truce {
            None => "no truce".to_owned(),
            Some(truce) => {
                let start = match &truce.start {
                    TruceStart::Immediately => "immediately".to_owned(),
                    TruceStart::At { at } => format!("at {at}"),
                    TruceStart::WhenFulfilled { commitment_ids } => {
                        format!("when {} commitments are fulfilled", commitment_ids.len())
                    }
                };
                format!("truce on {} {start}", zone(&truce.zone_id))
            }
        };
        let mut kinds: Vec<String> = Vec::new();
        for commitment in &terms.commitments {
            let scope = match &commitment.scope {
                crate::coordination::model::Scope::Corridor(id) => corridor(id),
                crate::coordination::model::Scope::Zone(id) => zone(id),
            };
            kinds.push(format!("{} {} on {scope}", party(&commitment.party_id), commitment.kind.as_str()));
        }
        let signatories: Vec<String> = terms.signatories.iter().map(party).collect();
        line(out, format!("  v{} by {} at {}", version.version, party(&version.proposed_by), version.proposed_at));
        if let Some(note) = &version.note {
            line(out, format!("    note: {note}"));
        }
        line(out, format!("    corridors: {corridors}; {truce}"));
        line(out, format!("    commitments: {}", if kinds.is_empty() { "none".to_owned() } else { kinds.join(", ") }));
        line(out, format!("    signatories: {}", signatories.join(", ")));
        for stance in version.stances.iter().filter(|s| s.at <= at) {
            let what = match &stance.stance {
                Stance::Endorsed => "endorsed".to_owned(),
                Stance::Rejected { reason } => format!("rejected: {reason}"),
                Stance::Withdrawn { reason: Some(reason) } => format!("withdrew its endorsement: {reason}"),
                Stance::Withdrawn { reason: None } => "withdrew its endorsement".to_owned(),
            };
            line(out, format!("    {} {} {what}", stance.at, party(&stance.party_id)));
        }
        line(
            out,
            format!("    status: {}", version_status_text(state.coordination.version_status(agreement, version, at))),
        );
    }
    let effective = status.effective_version.map_or_else(|| "no version agreed".to_owned(), |v| format!("v{v} agreed"));
    let in_force = if status.in_force { "in force" } else { "not in force" };
    line(out, format!("  as of {at}: {}, {effective}, {in_force}", version_status_text(status.status)));
    let mut corridor_lines: Vec<String> = Vec::new();
    for (corridor_id, record) in state.coordination.corridors.iter().filter(|(_, r)| &r.agreement_id == agreement_id) {
        if let Some(corridor_status) = state.coordination.corridor_status(corridor_id, at) {
            let kind = serde_json::to_value(corridor_status.status).ok();
            let kind = kind.as_ref().and_then(serde_json::Value::as_str).unwrap_or("?").to_owned();
            corridor_lines.push(format!("{} {kind}", record.spec.code));
        }
    }
    corridor_lines.sort();
    if !corridor_lines.is_empty() {
        line(out, format!("  corridors: {}", corridor_lines.join(", ")));
    }
}

fn version_status_text(status: VersionStatus) -> &'static str {
    match status {
        VersionStatus::Proposed => "proposed",
        VersionStatus::Rejected => "rejected",
        VersionStatus::Superseded => "superseded",
        VersionStatus::Agreed => "agreed",
        VersionStatus::InForce => "in force",
        VersionStatus::Suspended => "suspended",
        VersionStatus::Expired => "expired",
        VersionStatus::Broken => "broken",
        VersionStatus::Completed => "completed",
    }
}
