//! `decide`: whether a command may happen in the current state, and which events it makes.
//!
//! Every refusal is a `DomainError` and changes nothing; `decide` never mutates `State`.
//! Authentication (is the key registered to the author, does the author speak for the
//! party, is the nonce fresh) is checked here too, because key registrations are facts in
//! the ledger like any other. The signature itself is checked before, at the edge.

use std::{collections::HashSet, fmt, hash::Hash};

use crate::{
    command::{Command, CommandBody, Context, Genesis},
    error::DomainError,
    event::Event,
    ids::{AgreementId, CommitmentId, CorridorId, PartyId},
    limits::*,
    model::{CommitmentKind, Role, Scope, Stance, Terms, TruceStart},
    state::{Account, State},
    text::Code,
};

/// Decides a command against the state.
///
/// # Errors
/// A `DomainError` naming the first rule the command breaks.
pub fn decide(state: &State, context: &Context, command: &Command) -> Result<Vec<Event>, DomainError> {
    check_issued_at(context, command)?;
    if let CommandBody::Genesis(genesis) = &command.body {
        return decide_genesis(state, context, command, genesis);
    }
    if state.genesis.is_none() {
        return Err(DomainError::GenesisMissing);
    }
    let account = authenticate(state, context, command)?;
    let actor = Actor { account, party: command.party.as_ref() };
    match &command.body {
        CommandBody::Genesis(_) => Err(DomainError::GenesisAgain),
        CommandBody::RegisterParty { party_id, code, name, kind } => {
            actor.require(Role::Operator, "registering a party")?;
            require_new(state.parties.contains_key(party_id), "party", party_id)?;
            require_code_free(state, "party", code, party_id.as_str())?;
            Ok(vec![Event::PartyRegistered {
                party_id: party_id.clone(),
                code: code.clone(),
                name: name.clone(),
                kind: *kind,
            }])
        }
        CommandBody::RegisterAccount { account_id, party_id, name, roles, public_key } => {
            actor.require(Role::Operator, "registering an account")?;
            require_new(state.accounts.contains_key(account_id), "account", account_id)?;
            if let Some(party_id) = party_id {
                require_known(state.parties.contains_key(party_id), "party", party_id)?;
            }
            require_list("roles", roles, 1, LIST_LEN_MAX)?;
            if let Some(holder) = state.account_of_key(public_key) {
                return Err(DomainError::KeyInUse { account: holder.account_id.to_string() });
            }
            Ok(vec![Event::AccountRegistered {
                account_id: account_id.clone(),
                party_id: party_id.clone(),
                name: name.clone(),
                roles: roles.clone(),
                public_key: public_key.clone(),
            }])
        }
        CommandBody::AddAccountKey { account_id, public_key } => {
            actor.require(Role::Operator, "adding a key")?;
            require_known(state.accounts.contains_key(account_id), "account", account_id)?;
            if let Some(holder) = state.account_of_key(public_key) {
                return Err(DomainError::KeyInUse { account: holder.account_id.to_string() });
            }
            Ok(vec![Event::AccountKeyAdded { account_id: account_id.clone(), public_key: public_key.clone() }])
        }
        CommandBody::RegisterForce { force_id, code, name, party_ids } => {
            actor.require(Role::Operator, "registering a force")?;
            require_new(state.forces.contains_key(force_id), "force", force_id)?;
            require_code_free(state, "force", code, force_id.as_str())?;
            require_list("party_ids", party_ids, 0, LIST_LEN_MAX)?;
            for party_id in party_ids {
                require_known(state.parties.contains_key(party_id), "party", party_id)?;
            }
            Ok(vec![Event::ForceRegistered {
                force_id: force_id.clone(),
                code: code.clone(),
                name: name.clone(),
                party_ids: party_ids.clone(),
            }])
        }
        CommandBody::DefineZone { zone_id, code, name, kind, boundary, illustrative } => {
            actor.require_any(&[Role::Operator, Role::Coordinator, Role::Monitor], "defining a zone")?;
            require_new(state.zones.contains_key(zone_id), "zone", zone_id)?;
            require_code_free(state, "zone", code, zone_id.as_str())?;
            Ok(vec![Event::ZoneDefined {
                zone_id: zone_id.clone(),
                code: code.clone(),
                name: name.clone(),
                kind: *kind,
                boundary: boundary.clone(),
                illustrative: *illustrative,
            }])
        }
        CommandBody::RedrawZone { zone_id, boundary, effective_at } => {
            actor.require_any(&[Role::Operator, Role::Coordinator, Role::Monitor], "redrawing a zone")?;
            require_known(state.zones.contains_key(zone_id), "zone", zone_id)?;
            Ok(vec![Event::ZoneRedrawn {
                zone_id: zone_id.clone(),
                boundary: boundary.clone(),
                effective_at: *effective_at,
            }])
        }
        CommandBody::RecordZoneControl { zone_id, force_id, since } => {
            actor.require_any(&[Role::Operator, Role::Coordinator, Role::Monitor], "recording zone control")?;
            require_known(state.zones.contains_key(zone_id), "zone", zone_id)?;
            require_known(state.forces.contains_key(force_id), "force", force_id)?;
            Ok(vec![Event::ZoneControlRecorded { zone_id: zone_id.clone(), force_id: force_id.clone(), since: *since }])
        }
        CommandBody::ProposeAgreement { agreement_id, title, terms, note } => {
            let party_id = actor.coordinator_party("proposing an agreement")?;
            require_new(state.agreements.contains_key(agreement_id), "agreement", agreement_id)?;
            check_terms(state, agreement_id, terms)?;
            Ok(vec![
                Event::AgreementProposed {
                    agreement_id: agreement_id.clone(),
                    title: title.clone(),
                    proposed_by: party_id.clone(),
                },
                Event::VersionProposed {
                    agreement_id: agreement_id.clone(),
                    version: 1,
                    proposed_by: party_id.clone(),
                    terms: terms.clone(),
                    note: note.clone(),
                },
            ])
        }
        CommandBody::ProposeVersion { agreement_id, supersedes, terms, note } => {
            let party_id = actor.coordinator_party("proposing a version")?;
            let agreement = state.agreements.get(agreement_id).ok_or_else(|| unknown("agreement", agreement_id))?;
            let latest = agreement.latest().version;
            if *supersedes != latest {
                return Err(DomainError::NotLatest { supersedes: *supersedes, latest });
            }
            if latest >= VERSIONS_PER_AGREEMENT_MAX {
                return Err(DomainError::TooMany {
                    field: "versions",
                    len: latest as usize + 1,
                    len_max: VERSIONS_PER_AGREEMENT_MAX as usize,
                });
            }
            check_terms(state, agreement_id, terms)?;
            Ok(vec![Event::VersionProposed {
                agreement_id: agreement_id.clone(),
                version: latest + 1,
                proposed_by: party_id.clone(),
                terms: terms.clone(),
                note: note.clone(),
            }])
        }
        CommandBody::Endorse { agreement_id, version } => {
            let party_id = actor.coordinator_party("endorsing")?;
            let record = latest_version_for_stance(state, agreement_id, *version)?;
            require_signatory(&record.terms.signatories, party_id, *version)?;
            let current = record.stances.iter().rev().find(|s| &s.party_id == party_id);
            if current.is_some_and(|s| s.stance == Stance::Endorsed) {
                return Err(DomainError::AlreadyEndorsed { party: party_id.to_string(), version: *version });
            }
            Ok(vec![stance(agreement_id, *version, party_id, &actor, Stance::Endorsed)])
        }
        CommandBody::Reject { agreement_id, version, reason } => {
            let party_id = actor.coordinator_party("rejecting")?;
            let record = latest_version_for_stance(state, agreement_id, *version)?;
            require_signatory(&record.terms.signatories, party_id, *version)?;
            Ok(vec![stance(agreement_id, *version, party_id, &actor, Stance::Rejected { reason: reason.clone() })])
        }
        CommandBody::Withdraw { agreement_id, version, reason } => {
            let party_id = actor.coordinator_party("withdrawing an endorsement")?;
            let agreement = state.agreements.get(agreement_id).ok_or_else(|| unknown("agreement", agreement_id))?;
            let record = agreement.version(*version).ok_or_else(|| DomainError::UnknownVersion {
                agreement: agreement_id.to_string(),
                version: *version,
            })?;
            let current = record.stances.iter().rev().find(|s| &s.party_id == party_id);
            if !current.is_some_and(|s| s.stance == Stance::Endorsed) {
                return Err(DomainError::NoEndorsement { party: party_id.to_string(), version: *version });
            }
            Ok(vec![stance(agreement_id, *version, party_id, &actor, Stance::Withdrawn { reason: reason.clone() })])
        }
        CommandBody::Suspend { agreement_id, reason } => {
            let party_id = actor.coordinator_party("suspending an agreement")?;
            let agreement = state.agreements.get(agreement_id).ok_or_else(|| unknown("agreement", agreement_id))?;
            let at = context.accepted_at;
            let Some(version) = state.effective_version(agreement, at) else {
                return Err(DomainError::NotInForce { agreement: agreement_id.to_string() });
            };
            require_signatory(&version.terms.signatories, party_id, version.version)?;
            if agreement.suspended_at(at) {
                return Err(DomainError::AlreadySuspended { agreement: agreement_id.to_string() });
            }
            Ok(vec![Event::AgreementSuspended {
                agreement_id: agreement_id.clone(),
                party_id: party_id.clone(),
                reason: reason.clone(),
            }])
        }
        CommandBody::Resume { agreement_id, reason } => {
            let party_id = actor.coordinator_party("resuming an agreement")?;
            let agreement = state.agreements.get(agreement_id).ok_or_else(|| unknown("agreement", agreement_id))?;
            let at = context.accepted_at;
            if !agreement.suspended_at(at) {
                return Err(DomainError::NotSuspended { agreement: agreement_id.to_string() });
            }
            let Some(version) = state.effective_version(agreement, at) else {
                return Err(DomainError::NotInForce { agreement: agreement_id.to_string() });
            };
            require_signatory(&version.terms.signatories, party_id, version.version)?;
            Ok(vec![Event::AgreementResumed {
                agreement_id: agreement_id.clone(),
                party_id: party_id.clone(),
                reason: reason.clone(),
            }])
        }
        CommandBody::RecordConsent { consent_id, force_id, corridor_id, note } => {
            let party_id = actor.coordinator_party("recording consent")?;
            require_new(state.consents.contains_key(consent_id), "consent", consent_id)?;
            let force = state.forces.get(force_id).ok_or_else(|| unknown("force", force_id))?;
            require_known(state.corridors.contains_key(corridor_id), "corridor", corridor_id)?;
            let answers = force.party_ids.contains(party_id);
            if !answers && !secures_consent(state, party_id, force_id, corridor_id, context.accepted_at) {
                return Err(DomainError::ConsentNotAnswerable {
                    party: party_id.to_string(),
                    force: force_id.to_string(),
                    corridor: corridor_id.to_string(),
                });
            }
            if state.consents.values().any(|c| &c.force_id == force_id && &c.corridor_id == corridor_id) {
                return Err(DomainError::ConsentAgain {
                    force: force_id.to_string(),
                    corridor: corridor_id.to_string(),
                });
            }
            Ok(vec![Event::ConsentRecorded {
                consent_id: consent_id.clone(),
                force_id: force_id.clone(),
                corridor_id: corridor_id.clone(),
                recorded_by: party_id.clone(),
                note: note.clone(),
            }])
        }
        CommandBody::ReportFulfilled { commitment_id, note } => {
            let party_id = actor.coordinator_party("reporting a fulfilled commitment")?;
            let (_, spec) = state.commitment_spec(commitment_id).ok_or_else(|| unknown("commitment", commitment_id))?;
            if &spec.party_id != party_id {
                return Err(DomainError::NotCommitmentOwner {
                    commitment: commitment_id.to_string(),
                    owner: spec.party_id.to_string(),
                    party: party_id.to_string(),
                });
            }
            if state.fulfilled_at(spec, context.accepted_at).is_some() {
                return Err(DomainError::AlreadyFulfilled { commitment: commitment_id.to_string() });
            }
            Ok(vec![Event::FulfilmentReported {
                commitment_id: commitment_id.clone(),
                party_id: party_id.clone(),
                note: note.clone(),
            }])
        }
        CommandBody::MarkTime {} => {
            actor.require(Role::Operator, "marking time")?;
            let after = state.time_checked_until.unwrap_or(context.accepted_at);
            if state.due_between(after, context.accepted_at).next().is_none() {
                return Err(DomainError::NothingDue {
                    after: after.to_string(),
                    until: context.accepted_at.to_string(),
                });
            }
            Ok(vec![Event::TimeMarked {}])
        }
        body => crate::decide_monitor::decide_monitoring(state, context, &actor, body),
    }
}

pub(crate) struct Actor<'a> {
    pub(crate) account: &'a Account,
    pub(crate) party: Option<&'a PartyId>,
}

impl<'a> Actor<'a> {
    fn require(&self, role: Role, action: &'static str) -> Result<(), DomainError> {
        self.require_any(&[role], action)
    }

    pub(crate) fn require_any(&self, roles: &[Role], action: &'static str) -> Result<(), DomainError> {
        if roles.iter().any(|role| self.account.has_role(*role)) {
            return Ok(());
        }
        Err(DomainError::Forbidden { action, role: roles[0].as_str() })
    }

    /// The party a coordinator speaks for.
    fn coordinator_party(&self, action: &'static str) -> Result<&'a PartyId, DomainError> {
        self.require(Role::Coordinator, action)?;
        self.party.ok_or(DomainError::NeedsParty { action })
    }
}

fn check_issued_at(context: &Context, command: &Command) -> Result<(), DomainError> {
    let skew_s = command.issued_at.seconds_until(context.accepted_at).abs();
    if skew_s > ISSUED_AT_SKEW_S_MAX {
        return Err(DomainError::IssuedAtSkew {
            issued_at: command.issued_at.to_string(),
            accepted_at: context.accepted_at.to_string(),
            skew_s_max: ISSUED_AT_SKEW_S_MAX,
        });
    }
    Ok(())
}

fn decide_genesis(
    state: &State,
    context: &Context,
    command: &Command,
    genesis: &Genesis,
) -> Result<Vec<Event>, DomainError> {
    if state.genesis.is_some() || state.entries_count > 0 {
        return Err(DomainError::GenesisAgain);
    }
    if context.signer != genesis.operator_public_key
        || command.author != genesis.operator_account_id
        || command.party.is_some()
    {
        return Err(DomainError::GenesisSigner);
    }
    Ok(vec![Event::LogStarted(genesis.clone())])
}

/// The author's account, once the key, the party and the nonce check out.
fn authenticate<'a>(state: &'a State, context: &Context, command: &Command) -> Result<&'a Account, DomainError> {
    let Some(account) = state.accounts.get(&command.author) else {
        return Err(DomainError::UnknownAccount { account: command.author.to_string() });
    };
    if !account.public_keys.contains(&context.signer) {
        return Err(DomainError::KeyNotRegistered { account: account.account_id.to_string() });
    }
    if account.party_id != command.party {
        let show = |party: &Option<PartyId>| party.as_ref().map_or_else(|| "no party".to_owned(), |p| p.to_string());
        return Err(DomainError::PartyMismatch {
            account: account.account_id.to_string(),
            claimed: show(&command.party),
            actual: show(&account.party_id),
        });
    }
    if state.nonce_used(&context.signer, &command.nonce) {
        return Err(DomainError::NonceReplayed { nonce: command.nonce.as_str().to_owned() });
    }
    Ok(account)
}

fn stance(agreement_id: &AgreementId, version: u32, party_id: &PartyId, actor: &Actor<'_>, stance: Stance) -> Event {
    Event::StanceTaken {
        agreement_id: agreement_id.clone(),
        version,
        party_id: party_id.clone(),
        author: actor.account.account_id.clone(),
        stance,
    }
}

/// The version to endorse or reject: it must exist and be the latest.
fn latest_version_for_stance<'a>(
    state: &'a State,
    agreement_id: &AgreementId,
    version: u32,
) -> Result<&'a crate::state::VersionRecord, DomainError> {
    let agreement = state.agreements.get(agreement_id).ok_or_else(|| unknown("agreement", agreement_id))?;
    let record = agreement
        .version(version)
        .ok_or_else(|| DomainError::UnknownVersion { agreement: agreement_id.to_string(), version })?;
    let latest = agreement.latest().version;
    if version != latest {
        return Err(DomainError::Superseded { version, latest });
    }
    Ok(record)
}

fn require_signatory(signatories: &[PartyId], party_id: &PartyId, version: u32) -> Result<(), DomainError> {
    if !signatories.contains(party_id) {
        return Err(DomainError::NotSignatory { party: party_id.to_string(), version });
    }
    Ok(())
}

/// Whether `party_id` undertook, in the version of the corridor's own agreement that is
/// agreed at `at`, to secure `force_id`'s consent to the corridor. A commitment in a mere
/// proposal, or in another agreement, does not let a party speak for a force.
fn secures_consent(
    state: &State,
    party_id: &PartyId,
    force_id: &crate::ids::ForceId,
    corridor_id: &CorridorId,
    at: crate::time::Timestamp,
) -> bool {
    let Some(agreement) = state.corridors.get(corridor_id).and_then(|c| state.agreements.get(&c.agreement_id)) else {
        return false;
    };
    let Some(version) = state.effective_version(agreement, at) else {
        return false;
    };
    version.terms.commitments.iter().any(|c| {
        c.kind == CommitmentKind::SecureConsent
            && &c.party_id == party_id
            && c.force_ids.contains(force_id)
            && c.scope == Scope::Corridor(corridor_id.clone())
    })
}

fn check_terms(state: &State, agreement_id: &AgreementId, terms: &Terms) -> Result<(), DomainError> {
    require_list("signatories", &terms.signatories, 1, SIGNATORIES_MAX)?;
    for party_id in &terms.signatories {
        require_known(state.parties.contains_key(party_id), "party", party_id)?;
    }

    require_len("corridors", terms.corridors.len(), 0, CORRIDORS_PER_VERSION_MAX)?;
    let corridor_ids: Vec<&CorridorId> = terms.corridors.iter().map(|c| &c.corridor_id).collect();
    require_unique("corridors", &corridor_ids)?;
    require_unique("corridor codes", &terms.corridors.iter().map(|c| &c.code).collect::<Vec<_>>())?;
    for corridor in &terms.corridors {
        if let Some(record) = state.corridors.get(&corridor.corridor_id) {
            if &record.agreement_id != agreement_id {
                return Err(DomainError::CorridorOfOtherAgreement {
                    corridor: corridor.corridor_id.to_string(),
                    agreement: record.agreement_id.to_string(),
                });
            }
        }
        require_code_free(state, "corridor", &corridor.code, corridor.corridor_id.as_str())?;
        if !(corridor.half_width_m.is_finite()
            && corridor.half_width_m > 0.0
            && corridor.half_width_m <= HALF_WIDTH_M_MAX)
        {
            return Err(DomainError::HalfWidth { value: corridor.half_width_m, max: HALF_WIDTH_M_MAX });
        }
        require_known(state.zones.contains_key(&corridor.origin_zone_id), "zone", &corridor.origin_zone_id)?;
        if let Some(zone_id) = &corridor.destination.zone_id {
            require_known(state.zones.contains_key(zone_id), "zone", zone_id)?;
        }
        require_list("groups", &corridor.groups, 1, LIST_LEN_MAX)?;
        require_len("windows", corridor.windows.len(), 0, WINDOWS_PER_CORRIDOR_MAX)?;
        for window in &corridor.windows {
            require_list("window groups", &window.groups, 0, LIST_LEN_MAX)?;
        }
    }

    require_len("commitments", terms.commitments.len(), 0, COMMITMENTS_PER_VERSION_MAX)?;
    let commitment_ids: Vec<&CommitmentId> = terms.commitments.iter().map(|c| &c.commitment_id).collect();
    require_unique("commitments", &commitment_ids)?;
    let commitment_known =
        |id: &CommitmentId| commitment_ids.contains(&id) || state.commitment_agreements.contains_key(id);
    for commitment in &terms.commitments {
        let id = &commitment.commitment_id;
        if let Some(owner) = state.commitment_agreements.get(id) {
            if owner != agreement_id {
                return Err(DomainError::CommitmentOfOtherAgreement {
                    commitment: id.to_string(),
                    agreement: owner.to_string(),
                });
            }
        }
        require_known(state.parties.contains_key(&commitment.party_id), "party", &commitment.party_id)?;
        match &commitment.scope {
            Scope::Corridor(corridor_id) => {
                let known = corridor_ids.contains(&corridor_id) || state.corridors.contains_key(corridor_id);
                require_known(known, "corridor", corridor_id)?;
            }
            Scope::Zone(zone_id) => require_known(state.zones.contains_key(zone_id), "zone", zone_id)?,
        }
        require_list("force_ids", &commitment.force_ids, 0, LIST_LEN_MAX)?;
        for force_id in &commitment.force_ids {
            require_known(state.forces.contains_key(force_id), "force", force_id)?;
        }
        if commitment.kind == CommitmentKind::SecureConsent {
            if commitment.force_ids.is_empty() {
                return Err(DomainError::CommitmentNeedsForce {
                    commitment: id.to_string(),
                    kind: commitment.kind.as_str(),
                });
            }
            if !matches!(commitment.scope, Scope::Corridor(_)) {
                return Err(DomainError::ConsentScope);
            }
        }
        require_list("conditions", &commitment.conditions, 0, LIST_LEN_MAX)?;
        for condition in &commitment.conditions {
            if condition == id {
                return Err(DomainError::SelfCondition { commitment: id.to_string() });
            }
            require_known(commitment_known(condition), "commitment", condition)?;
        }
    }

    if let Some(truce) = &terms.truce {
        require_known(state.zones.contains_key(&truce.zone_id), "zone", &truce.zone_id)?;
        if let TruceStart::WhenFulfilled { commitment_ids } = &truce.start {
            require_list("commitment_ids", commitment_ids, 1, LIST_LEN_MAX)?;
            for id in commitment_ids {
                require_known(commitment_known(id), "commitment", id)?;
            }
        }
    }
    Ok(())
}

pub(crate) fn unknown(kind: &'static str, id: &impl fmt::Display) -> DomainError {
    DomainError::Unknown { kind, id: id.to_string() }
}

pub(crate) fn require_known(known: bool, kind: &'static str, id: &impl fmt::Display) -> Result<(), DomainError> {
    if !known {
        return Err(unknown(kind, id));
    }
    Ok(())
}

pub(crate) fn require_new(exists: bool, kind: &'static str, id: &impl fmt::Display) -> Result<(), DomainError> {
    if exists {
        return Err(DomainError::AlreadyExists { kind, id: id.to_string() });
    }
    Ok(())
}

fn require_code_free(state: &State, kind: &'static str, code: &Code, owner: &str) -> Result<(), DomainError> {
    match state.code_holder(kind, code) {
        Some(holder) if holder != owner => {
            Err(DomainError::DuplicateCode { kind, code: code.to_string(), id: holder.to_owned() })
        }
        _ => Ok(()),
    }
}

fn require_len(field: &'static str, len: usize, len_min: usize, len_max: usize) -> Result<(), DomainError> {
    if len < len_min {
        return Err(DomainError::Empty { field });
    }
    if len > len_max {
        return Err(DomainError::TooMany { field, len, len_max });
    }
    Ok(())
}

pub(crate) fn require_list<T: Eq + Hash + fmt::Debug>(
    field: &'static str,
    items: &[T],
    len_min: usize,
    len_max: usize,
) -> Result<(), DomainError> {
    require_len(field, items.len(), len_min, len_max)?;
    require_unique(field, &items.iter().collect::<Vec<_>>())
}

fn require_unique<T: Eq + Hash + fmt::Debug>(field: &'static str, items: &[&T]) -> Result<(), DomainError> {
    let mut seen: HashSet<&T> = HashSet::with_capacity(items.len());
    for item in items {
        if !seen.insert(*item) {
            return Err(DomainError::Duplicate { field, value: format!("{item:?}") });
        }
    }
    Ok(())
}
