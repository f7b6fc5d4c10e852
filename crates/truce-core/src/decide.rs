//! `decide`: whether a command may happen in the current state, and which events it makes.
//!
//! Every refusal is a `DomainError` and changes nothing; `decide` never mutates `State`.
//! Authentication (is the key registered to the author, does the author speak for the
//! party, is the nonce fresh) is checked here too, because key registrations are facts in
//! the ledger like any other. The signature itself is checked before, at the edge.
//!
//! The one dispatch on commands: an exhaustive `match` that hands each command's fields to
//! its own function in `access`, `coordination`, `monitoring` or `projection`.

use crate::{
    access::{
        check_not_after_record,
        table::{self, Permission},
        Account, ActTimes, Actor, Role,
    },
    command::{Command, CommandBody, Context, Genesis},
    coordination::{self, model::Ending},
    event::Event,
    monitoring,
    monitoring::model::SourceReport,
    projection::{self, state::State},
    vocab::{error::DomainError, ids::PartyId, limits::ISSUED_AT_SKEW_S_MAX, time::Timestamp},
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
    // The one table of who may submit what, before any rule of the command itself.
    let (action, permission) = table::permission(&command.body);
    let attest: &[Role] = match permission {
        Permission::Roles(roles) => {
            actor.require_any(roles, action)?;
            &[]
        }
        Permission::Act { attest } => attest,
        Permission::Anyone => &[],
    };
    let times = ActTimes { issued_at: command.issued_at, accepted_at: context.accepted_at };
    // An act of a party, attested by an account of the acting party with a role the table
    // names, or reported by a monitor or analyst of another.
    let act = |effective_at, reported| {
        actor.act(times, effective_at, reported, attest, action, |party_id| {
            state.coordination.party_label_known(party_id)
        })
    };
    // A valid time a command may leave out: then it is the command's `issued_at`.
    let valid_time = |field, at: Option<Timestamp>| {
        let at = at.unwrap_or(command.issued_at);
        check_not_after_record(field, at, context.accepted_at).map(|()| at)
    };
    let check_published = |source: &SourceReport| match source.published_at {
        Some(published_at) => check_not_after_record("source.published_at", published_at, context.accepted_at),
        None => Ok(()),
    };
    match &command.body {
        CommandBody::Genesis(_) => Err(DomainError::GenesisAgain),
        CommandBody::RegisterParty { party_id, code, name, names, kind } => {
            coordination::decide::register_party(&state.coordination, party_id, code, (name, names), kind)
        }
        CommandBody::RegisterAccount { account_id, party_id, name, roles, public_key } => {
            projection::decide::register_account(state, &actor, account_id, party_id, name, roles, public_key)
        }
        CommandBody::AddAccountKey { account_id, public_key } => {
            projection::decide::add_account_key(state, &actor, account_id, public_key)
        }
        CommandBody::CreateEnrolment { account_id, code_sha256, expires_at } => {
            projection::accounts::create_enrolment(state, context, &actor, account_id, code_sha256, *expires_at)
        }
        CommandBody::EnrolKey { code: _ } => projection::accounts::enrol_key(state, context, &actor),
        CommandBody::RevokeKey { account_id, public_key, reason } => {
            projection::accounts::revoke_key(state, &actor, account_id, public_key, reason)
        }
        CommandBody::SetEncryptionKey { account_id, encryption_key } => {
            projection::decide::set_encryption_key(&actor, account_id, encryption_key)
        }
        CommandBody::RegisterForce { force_id, code, name, party_ids } => {
            coordination::decide::register_force(&state.coordination, force_id, code, name, party_ids)
        }
        CommandBody::DefineZone { zone_id, code, name, names, kind, boundary, illustrative, effective_at } => {
            let effective_at = valid_time("effective_at", *effective_at)?;
            coordination::decide::define_zone(
                &state.coordination,
                zone_id,
                code,
                (name, names),
                kind,
                boundary,
                illustrative,
                effective_at,
            )
        }
        CommandBody::RedrawZone { zone_id, boundary, effective_at } => {
            coordination::decide::redraw_zone(&state.coordination, zone_id, boundary, effective_at)
        }
        CommandBody::RecordZoneControl { zone_id, force_id, since } => {
            coordination::decide::record_zone_control(&state.coordination, zone_id, force_id, since)
        }
        CommandBody::ProposeAgreement { agreement_id, title, terms, note, effective_at, reported } => {
            let act = act(*effective_at, reported.as_ref())?;
            coordination::decide::propose_agreement(&state.coordination, act, agreement_id, title, terms, note)
        }
        CommandBody::ProposeVersion { agreement_id, supersedes, terms, note, effective_at, reported } => {
            let act = act(*effective_at, reported.as_ref())?;
            coordination::decide::propose_version(&state.coordination, act, agreement_id, supersedes, terms, note)
        }
        CommandBody::Endorse { agreement_id, version, effective_at, reported } => {
            let act = act(*effective_at, reported.as_ref())?;
            coordination::decide::endorse(&state.coordination, act, agreement_id, version)
        }
        CommandBody::Reject { agreement_id, version, reason, effective_at, reported } => {
            let act = act(*effective_at, reported.as_ref())?;
            coordination::decide::reject(&state.coordination, act, agreement_id, version, reason)
        }
        CommandBody::Withdraw { agreement_id, version, reason, effective_at, reported } => {
            let act = act(*effective_at, reported.as_ref())?;
            coordination::decide::withdraw(&state.coordination, act, agreement_id, version, reason)
        }
        CommandBody::Suspend { agreement_id, reason, effective_at, reported } => {
            let act = act(*effective_at, reported.as_ref())?;
            coordination::decide::suspend(&state.coordination, act, agreement_id, reason)
        }
        CommandBody::Resume { agreement_id, reason, effective_at, reported } => {
            let act = act(*effective_at, reported.as_ref())?;
            coordination::decide::resume(&state.coordination, act, agreement_id, reason)
        }
        CommandBody::DeclareBroken { agreement_id, reason, effective_at, reported } => {
            let act = act(*effective_at, reported.as_ref())?;
            let ending = Ending::Broken { reason: reason.clone() };
            coordination::decide::declare_ending(&state.coordination, act, agreement_id, ending)
        }
        CommandBody::DeclareCompleted { agreement_id, note, effective_at, reported } => {
            let act = act(*effective_at, reported.as_ref())?;
            let ending = Ending::Completed { note: note.clone() };
            coordination::decide::declare_ending(&state.coordination, act, agreement_id, ending)
        }
        CommandBody::RecordConsent { consent_id, force_id, corridor_id, note, effective_at, reported } => {
            let act = act(*effective_at, reported.as_ref())?;
            coordination::decide::record_consent(&state.coordination, act, consent_id, force_id, corridor_id, note)
        }
        CommandBody::ReportFulfilled { commitment_id, note, effective_at, reported } => {
            let act = act(*effective_at, reported.as_ref())?;
            coordination::decide::report_fulfilled(&state.coordination, act, commitment_id, note)
        }
        CommandBody::MarkTime {} => projection::decide::mark_time(state, context),
        CommandBody::Retract { seq, reason } => projection::decide::retract(state, &actor, *seq, reason),
        CommandBody::ReportIncident { incident_id, kind, location, when, description, source, convoy_id } => {
            check_not_after_record("when.start", when.start, context.accepted_at)?;
            check_published(source)?;
            monitoring::decide::report_incident(
                &state.coordination,
                &state.monitoring,
                &actor,
                incident_id,
                kind,
                location,
                when,
                description,
                source,
                convoy_id,
            )
        }
        CommandBody::AddSource { incident_id, source } => {
            check_published(source)?;
            monitoring::decide::add_source(&state.coordination, &state.monitoring, &actor, incident_id, source)
        }
        CommandBody::CorrectIncident { incident_id, kind, location, when, convoy_id, reason } => {
            monitoring::decide::correct_incident(
                &state.coordination,
                &state.monitoring,
                incident_id,
                kind,
                location,
                when,
                convoy_id,
                reason,
            )
        }
        CommandBody::GradeIncident { incident_id, grade, reason } => {
            monitoring::decide::grade_incident(&state.monitoring, &actor, incident_id, grade, reason)
        }
        CommandBody::MarkDuplicate { incident_id, duplicate_of, reason } => {
            monitoring::decide::mark_duplicate(&state.monitoring, incident_id, duplicate_of, reason)
        }
        CommandBody::DismissViolation { incident_id, commitment_id, notification_id, reason } => {
            projection::decide::dismiss_violation(state, &actor, incident_id, commitment_id, notification_id, reason)
        }
        CommandBody::MakeStatement {
            statement_id,
            text,
            incident_ids,
            stances,
            agreements,
            kind,
            about,
            document,
            votes,
            effective_at,
            reported,
        } => {
            let act = act(*effective_at, reported.as_ref())?;
            projection::decide::check_about(state, about)?;
            monitoring::decide::make_statement(
                &state.coordination,
                &state.monitoring,
                act,
                statement_id,
                text,
                incident_ids,
                stances,
                agreements,
                kind,
                about,
                document,
                votes,
            )
        }
        CommandBody::RecordReading { reading_id, agreement_id, version, reading, source } => {
            check_published(source)?;
            monitoring::decide::record_reading(
                &state.coordination,
                &state.monitoring,
                &actor,
                reading_id,
                agreement_id,
                *version,
                reading,
                source,
            )
        }
        CommandBody::RecordObservation { observation_id, observation, note } => {
            monitoring::decide::check_observation_times(observation, context.accepted_at)?;
            monitoring::decide::record_observation(
                &state.coordination,
                &state.monitoring,
                &actor,
                observation_id,
                observation,
                note,
            )
        }
        CommandBody::EstimatePopulation {
            estimate_id,
            zone_id,
            kind,
            people,
            breakdown,
            destination,
            as_of,
            source,
            note,
        } => {
            check_not_after_record("as_of", *as_of, context.accepted_at)?;
            check_published(source)?;
            monitoring::decide::estimate_population(
                &state.coordination,
                &state.monitoring,
                &actor,
                estimate_id,
                zone_id,
                kind,
                people,
                breakdown,
                destination,
                as_of,
                source,
                note,
            )
        }
        CommandBody::RecordPassage { passage_id, corridor_id, direction, convoy_id, vehicles, count } => {
            monitoring::decide::check_count_times(count, context.accepted_at)?;
            monitoring::decide::record_passage(
                &state.coordination,
                &state.monitoring,
                &actor,
                passage_id,
                corridor_id,
                direction,
                convoy_id,
                vehicles,
                count,
            )
        }
        CommandBody::ReportTotal { total_id, scope, count } => {
            monitoring::decide::check_count_times(count, context.accepted_at)?;
            monitoring::decide::report_total(&state.coordination, &state.monitoring, &actor, total_id, scope, count)
        }
        CommandBody::ScheduleConvoy { convoy_id, corridor_id, buses, ambulances, departs_at } => {
            monitoring::decide::schedule_convoy(
                &state.coordination,
                &state.monitoring,
                convoy_id,
                corridor_id,
                buses,
                ambulances,
                departs_at,
            )
        }
        CommandBody::UpdateConvoy { convoy_id, status, note, effective_at } => {
            let effective_at = valid_time("effective_at", *effective_at)?;
            monitoring::decide::update_convoy(&state.monitoring, convoy_id, status, note, effective_at)
        }
        CommandBody::NotifyHumanitarian {
            notification_id,
            notified,
            party_ids,
            deadline,
            valid_until,
            personnel,
            on_behalf_of,
        } => monitoring::decide::notify_humanitarian(
            &state.coordination,
            &state.monitoring,
            &actor,
            context.accepted_at,
            notification_id,
            notified,
            party_ids,
            deadline,
            valid_until,
            personnel,
            on_behalf_of,
        ),
        CommandBody::WithdrawNotification { notification_id, reason } => monitoring::decide::withdraw_notification(
            &state.coordination,
            &state.monitoring,
            &actor,
            notification_id,
            reason,
        ),
        CommandBody::AcknowledgeNotification { notification_id } => {
            monitoring::decide::acknowledge_notification(&state.monitoring, &actor, notification_id)
        }
        CommandBody::AcknowledgeAlert { alert_id } => projection::decide::acknowledge_alert(state, &actor, alert_id),
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
///
/// An `enrol_key` is signed by the key it enrols, which is not registered yet: its enrolment
/// code authenticates it instead (`projection::accounts::enrol_key`). A key revoked from the
/// account signs nothing after its revocation; what it signed before was accepted before,
/// so replaying the log accepts it again.
fn authenticate<'a>(state: &'a State, context: &Context, command: &Command) -> Result<&'a Account, DomainError> {
    let Some(account) = state.accounts.get(&command.author) else {
        return Err(DomainError::UnknownAccount { account: command.author.to_string() });
    };
    if let Some(revoked) = account.revoked(&context.signer) {
        return Err(DomainError::KeyRevoked {
            account: account.account_id.to_string(),
            revoked_at: revoked.revoked_at.to_string(),
        });
    }
    let enrolling = matches!(command.body, CommandBody::EnrolKey { .. });
    if !enrolling && !account.public_keys.contains(&context.signer) {
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
