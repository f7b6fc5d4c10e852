//! `decide` for an account's keys: who manages an account, one-time enrolments of new keys,
//! and revocation. Registering an account and adding an operator's key stay beside the other
//! commands that read the whole state (`projection::decide`), and ask `manager_of` here.
//!
//! The operator manages only accounts of no party. A party's accounts are managed by the
//! party: by its coordinators and by its first account (the one the operator registered
//! from the key the party handed over, which is how a party with no coordinator, such as a
//! monitoring organisation, still registers its own analysts). So no one outside a party
//! can put a key it holds on that party's account, and the operator cannot act for it.
//!
//! Codes are never seen here: the shell hashes an `enrol_key` command's code (SHA-256) into
//! `Context::code_sha256`, as it verifies signatures, so that core computes no hashes.

use crate::{
    access::{Account, Actor, Role},
    command::Context,
    event::Event,
    projection::state::State,
    vocab::{
        error::DomainError,
        ids::{AccountId, CodeHash, PartyId, PublicKeyText},
        limits::ENROLMENT_DURATION_S_MAX,
        require::unknown,
        text::Reason,
        time::Timestamp,
    },
};

/// Who manages the accounts of a party (or of no party), in a refusal's words.
pub(crate) fn managers_in_words(party_id: Option<&PartyId>) -> &'static str {
    match party_id {
        Some(_) => "the coordinators and the first account of its party",
        None => "an operator",
    }
}

/// Whether `actor` manages the accounts of `party_id` (`None`: accounts of no party).
pub(crate) fn manages(state: &State, actor: &Actor<'_>, party_id: Option<&PartyId>) -> bool {
    match party_id {
        None => actor.party.is_none() && actor.account.has_role(Role::Operator),
        Some(party_id) => {
            actor.party == Some(party_id)
                && (actor.account.has_role(Role::Coordinator)
                    || state.first_accounts.get(party_id) == Some(&actor.account.account_id))
        }
    }
}

/// Refuses unless `actor` manages `account`'s party; `action` names the act in the refusal.
///
/// # Errors
/// `AccountNotManaged` naming the account and who manages it.
pub(crate) fn require_manager(
    state: &State,
    actor: &Actor<'_>,
    account: &Account,
    action: &'static str,
) -> Result<(), DomainError> {
    if manages(state, actor, account.party_id.as_ref()) {
        return Ok(());
    }
    Err(DomainError::AccountNotManaged {
        action,
        account: account.account_id.to_string(),
        by: managers_in_words(account.party_id.as_ref()),
    })
}

/// Opens an enrolment for a new key of `account_id`, for at most
/// `ENROLMENT_DURATION_S_MAX` seconds.
pub(crate) fn create_enrolment(
    state: &State,
    context: &Context,
    actor: &Actor<'_>,
    account_id: &AccountId,
    code_sha256: &CodeHash,
    expires_at: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    let account = state.accounts.get(account_id).ok_or_else(|| unknown("account", account_id))?;
    require_manager(state, actor, account, "opening an enrolment")?;
    let duration_s = context.accepted_at.seconds_until(expires_at);
    if !(duration_s > 0 && duration_s <= ENROLMENT_DURATION_S_MAX) {
        return Err(DomainError::EnrolmentExpiry {
            expires_at: expires_at.to_string(),
            accepted_at: context.accepted_at.to_string(),
            duration_s_max: ENROLMENT_DURATION_S_MAX,
        });
    }
    // A 128-bit random code does not repeat; a hash seen before is a replayed command.
    if state.enrolments.contains_key(code_sha256) {
        return Err(DomainError::AlreadyExists { kind: "enrolment", id: code_sha256.to_string() });
    }
    Ok(vec![Event::EnrolmentCreated {
        account_id: account_id.clone(),
        code_sha256: code_sha256.clone(),
        expires_at,
        author: actor.account.account_id.clone(),
    }])
}

/// Registers the signing key to the author's account, authenticated by the enrolment code
/// rather than by a registered key (`decide`'s `authenticate` let it through for that).
pub(crate) fn enrol_key(state: &State, context: &Context, actor: &Actor<'_>) -> Result<Vec<Event>, DomainError> {
    let account_id = &actor.account.account_id;
    let refused = || DomainError::EnrolmentRefused { account: account_id.to_string() };
    let code_sha256 = context.code_sha256.as_ref().ok_or_else(refused)?;
    if !state.open_enrolment(code_sha256, account_id, context.accepted_at) {
        return Err(refused());
    }
    if let Some(holder) = state.account_of_key(&context.signer) {
        return Err(DomainError::KeyInUse { account: holder.account_id.to_string() });
    }
    Ok(vec![Event::AccountKeyEnrolled {
        account_id: account_id.clone(),
        public_key: context.signer.clone(),
        code_sha256: code_sha256.clone(),
    }])
}

/// Revokes an active key of `account_id`: by the account itself, by whoever manages the
/// account, and by no one else.
pub(crate) fn revoke_key(
    state: &State,
    actor: &Actor<'_>,
    account_id: &AccountId,
    public_key: &PublicKeyText,
    reason: &Option<Reason>,
) -> Result<Vec<Event>, DomainError> {
    let account = state.accounts.get(account_id).ok_or_else(|| unknown("account", account_id))?;
    if &actor.account.account_id != account_id {
        require_manager(state, actor, account, "revoking a key")?;
    }
    if !account.public_keys.contains(public_key) {
        return Err(DomainError::KeyNotOfAccount { account: account_id.to_string() });
    }
    Ok(vec![Event::AccountKeyRevoked {
        account_id: account_id.clone(),
        public_key: public_key.clone(),
        reason: reason.clone(),
        author: actor.account.account_id.clone(),
    }])
}
