//! `decide` for the commands that are about what the projection derives rather than about
//! a record: bringing the log's time forward (`mark_time`), acknowledging an alert, and
//! dismissing a violation; registering accounts and their keys, which reads the keys of
//! every account; and the check that every record a statement refers to exists (a
//! violation, or an act named by its entry, is known only to the whole state). They read
//! `State` whole, so they live above it.

use crate::{
    access::{Actor, Role},
    command::Context,
    event::Event,
    monitoring::model::{RecordRef, StanceOn},
    projection::{
        accounts,
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
    let alert = state.alert(alert_id).ok_or_else(|| unknown("alert", alert_id))?;
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

/// Registers an account. The operator registers accounts of no party and the first
/// account of each party (from the key the party hands over); the party's later accounts
/// are the party's to register (`accounts::manages`). Only an operator gives the operator
/// role, and only to an account of no party.
pub(crate) fn register_account(
    state: &State,
    actor: &Actor<'_>,
    account_id: &AccountId,
    party_id: &Option<PartyId>,
    name: &Name,
    roles: &[Role],
    public_key: &Option<PublicKeyText>,
) -> Result<Vec<Event>, DomainError> {
    require_new(state.accounts.contains_key(account_id), "account", account_id)?;
    if let Some(party_id) = party_id {
        require_known(state.coordination.parties.contains_key(party_id), "party", party_id)?;
    }
    require_list("roles", roles, 1, LIST_LEN_MAX)?;
    let first_of_party = party_id.as_ref().is_some_and(|p| !state.first_accounts.contains_key(p));
    let registrar_manages = match first_of_party {
        true => accounts::manages(state, actor, None),
        false => accounts::manages(state, actor, party_id.as_ref()),
    };
    if !registrar_manages {
        let by = match first_of_party {
            true => "an operator until its party has its first account",
            false => accounts::managers_in_words(party_id.as_ref()),
        };
        return Err(DomainError::AccountNotManaged {
            action: "registering an account",
            account: account_id.to_string(),
            by,
        });
    }
    if roles.contains(&Role::Operator) && (party_id.is_some() || !actor.account.has_role(Role::Operator)) {
        return Err(DomainError::AccountNotManaged {
            action: "giving the operator role",
            account: account_id.to_string(),
            by: "its party, and only an operator gives the operator role, to accounts of no party",
        });
    }
    if let Some(holder) = public_key.as_ref().and_then(|key| state.account_of_key(key)) {
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

/// Adds a key to an account of no party; a party's accounts get keys only by enrolment,
/// so that the operator cannot sign as a party.
pub(crate) fn add_account_key(
    state: &State,
    actor: &Actor<'_>,
    account_id: &AccountId,
    public_key: &PublicKeyText,
) -> Result<Vec<Event>, DomainError> {
    let account = state.accounts.get(account_id).ok_or_else(|| unknown("account", account_id))?;
    if account.party_id.is_some() {
        return Err(DomainError::AccountNotManaged {
            action: "adding a key",
            account: account_id.to_string(),
            by: "its party, which enrols its keys (create_enrolment, enrol_key)",
        });
    }
    accounts::require_manager(state, actor, account, "adding a key")?;
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

/// Every record a statement's `about` refers to exists, and every force it accuses; each
/// refusal names the field by its path.
///
/// # Errors
/// `UnknownAt` naming the first reference to nothing; `TooMany` or `Duplicate` for the list.
pub(crate) fn check_about(state: &State, about: &[StanceOn]) -> Result<(), DomainError> {
    require_list("about", about, 0, LIST_LEN_MAX)?;
    for stance in about {
        if let StanceOn::Accuses { force_id, .. } = stance {
            if !state.coordination.forces.contains_key(force_id) {
                return Err(DomainError::UnknownAt {
                    field: "about[].force_id",
                    kind: "force",
                    id: force_id.to_string(),
                });
            }
        }
        check_record(state, stance.record())?;
    }
    Ok(())
}

fn check_record(state: &State, record: &RecordRef) -> Result<(), DomainError> {
    let monitoring = &state.monitoring;
    let missing = |field: &'static str, kind: &'static str, id: String| Err(DomainError::UnknownAt { field, kind, id });
    match record {
        RecordRef::Incident { incident_id } => {
            if !monitoring.incidents.contains_key(incident_id) {
                return missing("about[].record.incident_id", "incident", incident_id.to_string());
            }
        }
        RecordRef::Violation { incident_id, commitment_id } => {
            if !monitoring.incidents.contains_key(incident_id) {
                return missing("about[].record.incident_id", "incident", incident_id.to_string());
            }
            let violated =
                state.violations_of(incident_id).iter().any(|v| v.commitment_id.as_ref() == Some(commitment_id));
            if !violated {
                let id = format!("of commitment {commitment_id} by incident {incident_id}");
                return missing("about[].record.commitment_id", "violation", id);
            }
        }
        RecordRef::Convoy { convoy_id } => {
            if !monitoring.convoys.contains_key(convoy_id) {
                return missing("about[].record.convoy_id", "convoy", convoy_id.to_string());
            }
        }
        RecordRef::Version { agreement_id, version } => {
            let Some(agreement) = state.coordination.agreements.get(agreement_id) else {
                return missing("about[].record.agreement_id", "agreement", agreement_id.to_string());
            };
            if agreement.version(*version).is_none() {
                return missing("about[].record.version", "version", format!("{version} of agreement {agreement_id}"));
            }
        }
        RecordRef::Act { agreement_id, seq } => {
            if !state.coordination.agreements.contains_key(agreement_id) {
                return missing("about[].record.agreement_id", "agreement", agreement_id.to_string());
            }
            let act = state.agreement_acts.get(seq).filter(|act| &act.agreement_id == agreement_id);
            if act.is_none() {
                return missing(
                    "about[].record.seq",
                    "act",
                    format!("recorded by entry {seq} on agreement {agreement_id}"),
                );
            }
        }
        RecordRef::Passage { passage_id } => {
            if !monitoring.passages.contains_key(passage_id) {
                return missing("about[].record.passage_id", "passage", passage_id.to_string());
            }
        }
        RecordRef::Total { total_id } => {
            if !monitoring.totals.contains_key(total_id) {
                return missing("about[].record.total_id", "total", total_id.to_string());
            }
        }
        RecordRef::Estimate { estimate_id } => {
            if !monitoring.estimates.contains_key(estimate_id) {
                return missing("about[].record.estimate_id", "estimate", estimate_id.to_string());
            }
        }
        RecordRef::Observation { observation_id } => {
            if !monitoring.observations.contains_key(observation_id) {
                return missing("about[].record.observation_id", "observation", observation_id.to_string());
            }
        }
    }
    Ok(())
}
