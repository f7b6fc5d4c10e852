//! `decide` for the commands that are about what the projection derives rather than about
//! a record: bringing the log's time forward (`mark_time`), acknowledging an alert, and
//! dismissing a violation; and registering accounts and their keys, which reads the keys of
//! every account. They read `State` whole, so they live above it.

use crate::{
    access::{Actor, Role},
    command::Context,
    event::Event,
    projection::{
        state::State,
        visibility::{confidential_alert, entitled_to_notification},
    },
    vocab::{
        error::DomainError,
        ids::{
            AccountId, AlertId, CommitmentId, EncryptionKeyText, IncidentId, NotificationId, PartyId, PublicKeyText,
        },
        limits::LIST_LEN_MAX,
        require::{require_known, require_list, require_new, unknown},
        text::{Name, Reason},
    },
};

pub(crate) fn mark_time(state: &State, context: &Context) -> Result<Vec<Event>, DomainError> {
    let after = state.time_checked_until.unwrap_or(context.accepted_at);
    // Only what is public: a sealed deadline never makes a mark acceptable (`next_due`).
    if !state.mark_due(after, context.accepted_at) {
        return Err(DomainError::NothingDue { after: after.to_string(), until: context.accepted_at.to_string() });
    }
    Ok(vec![Event::TimeMarked {}])
}

pub(crate) fn acknowledge_alert(
    state: &State,
    actor: &Actor<'_>,
    alert_id: &AlertId,
) -> Result<Vec<Event>, DomainError> {
    let author = actor.account.account_id.clone();
    let alert = state.alerts.iter().find(|a| &a.alert_id == alert_id).ok_or_else(|| unknown("alert", alert_id))?;
    // A confidential alert does not exist for whoever is not entitled to it, analysts of
    // other parties included: the refusal is the one an unknown id gets.
    if let Some(parties) = confidential_alert(state, alert) {
        if !actor.party.is_some_and(|party| parties.contains(party)) {
            return Err(unknown("alert", alert_id));
        }
    }
    let addressed = actor.party.is_some_and(|p| alert.parties.contains(p));
    if !addressed && !actor.account.has_role(Role::Analyst) {
        let party = actor.party.map_or_else(|| "no party".to_owned(), |p| p.to_string());
        return Err(DomainError::NotNotified { party });
    }
    let again =
        state.monitoring.alert_acks.iter().any(|a| &a.alert_id == alert_id && a.party_id.as_ref() == actor.party);
    if again {
        let party = actor.party.map_or_else(|| "no party".to_owned(), |p| p.to_string());
        return Err(DomainError::AlreadyAcknowledged { party });
    }
    Ok(vec![Event::AlertAcknowledged { alert_id: alert_id.clone(), party_id: actor.party.cloned(), author }])
}

pub(crate) fn dismiss_violation(
    state: &State,
    actor: &Actor<'_>,
    incident_id: &IncidentId,
    commitment_id: &Option<CommitmentId>,
    notification_id: &Option<NotificationId>,
    reason: &Reason,
) -> Result<Vec<Event>, DomainError> {
    let author = actor.account.account_id.clone();
    require_known(state.monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
    if commitment_id.is_some() == notification_id.is_some() {
        return Err(DomainError::DismissalTarget);
    }
    // A violation of a notification the actor is not entitled to is refused as one that
    // does not exist, so that the refusal says nothing about the notification.
    let hidden = notification_id.as_ref().is_some_and(|id| !entitled_to_notification(state, id, actor.party));
    let exists = !hidden
        && state
            .violations_of(incident_id)
            .iter()
            .any(|v| &v.commitment_id == commitment_id && &v.notification_id == notification_id);
    if !exists {
        let target = commitment_id
            .as_ref()
            .map(|c| format!("commitment {c}"))
            .or_else(|| notification_id.as_ref().map(|n| format!("notification {n}")))
            .unwrap_or_default();
        return Err(DomainError::NoSuchViolation { incident: incident_id.to_string(), target });
    }
    Ok(vec![Event::ViolationDismissed {
        incident_id: incident_id.clone(),
        commitment_id: commitment_id.clone(),
        notification_id: notification_id.clone(),
        reason: reason.clone(),
        analyst: author,
    }])
}

pub(crate) fn register_account(
    state: &State,
    account_id: &AccountId,
    party_id: &Option<PartyId>,
    name: &Name,
    roles: &[Role],
    public_key: &PublicKeyText,
) -> Result<Vec<Event>, DomainError> {
    require_new(state.accounts.contains_key(account_id), "account", account_id)?;
    if let Some(party_id) = party_id {
        require_known(state.coordination.parties.contains_key(party_id), "party", party_id)?;
    }
    require_list("roles", roles, 1, LIST_LEN_MAX)?;
    if let Some(holder) = state.account_of_key(public_key) {
        return Err(DomainError::KeyInUse { account: holder.account_id.to_string() });
    }
    Ok(vec![Event::AccountRegistered {
        account_id: account_id.clone(),
        party_id: party_id.clone(),
        name: name.clone(),
        roles: roles.to_vec(),
        public_key: public_key.clone(),
    }])
}

pub(crate) fn add_account_key(
    state: &State,
    account_id: &AccountId,
    public_key: &PublicKeyText,
) -> Result<Vec<Event>, DomainError> {
    require_known(state.accounts.contains_key(account_id), "account", account_id)?;
    if let Some(holder) = state.account_of_key(public_key) {
        return Err(DomainError::KeyInUse { account: holder.account_id.to_string() });
    }
    Ok(vec![Event::AccountKeyAdded { account_id: account_id.clone(), public_key: public_key.clone() }])
}

/// Sets the account's encryption key: only the account itself may, so that nobody else can
/// have a party's sealed entries encrypted to a key of their choosing.
pub(crate) fn set_encryption_key(
    actor: &Actor<'_>,
    account_id: &AccountId,
    encryption_key: &EncryptionKeyText,
) -> Result<Vec<Event>, DomainError> {
    if &actor.account.account_id != account_id {
        return Err(DomainError::NotOwnAccount { account: account_id.to_string() });
    }
    Ok(vec![Event::EncryptionKeySet { account_id: account_id.clone(), encryption_key: encryption_key.clone() }])
}

/// Retracts what entry `seq` recorded. An analyst may retract any retractable entry; any
/// other account, what an account of its own party recorded.
pub(crate) fn retract(state: &State, actor: &Actor<'_>, seq: u64, reason: &Reason) -> Result<Vec<Event>, DomainError> {
    // A sealed entry is retracted only by an account of a party entitled to it; to anyone
    // else the refusal is the same whatever the entry recorded.
    if let Some(parties) = state.sealed.get(&seq) {
        if !actor.party.is_some_and(|party| parties.contains(party)) {
            return Err(DomainError::RetractForbidden { seq });
        }
    }
    let Some(retractable) = state.retractable.get(&seq) else {
        if seq >= state.entries_count {
            return Err(unknown("entry", &seq));
        }
        return Err(DomainError::NotRetractable { seq, what: "not a retractable record" });
    };
    if state.retractions.contains_key(&seq) {
        return Err(DomainError::AlreadyRetracted { seq });
    }
    if !state.holds(&retractable.target) {
        return Err(DomainError::NotRetractable { seq, what: "its record went with another retraction" });
    }
    let recorder_party = state.accounts.get(&retractable.recorded_by).and_then(|a| a.party_id.as_ref());
    let own =
        retractable.recorded_by == actor.account.account_id || (actor.party.is_some() && actor.party == recorder_party);
    if !(own || actor.account.has_role(Role::Analyst)) {
        return Err(DomainError::RetractForbidden { seq });
    }
    Ok(vec![Event::Retracted { seq, reason: reason.clone(), author: actor.account.account_id.clone() }])
}
