//! `decide` for the monitoring commands: incidents, sources, grades, duplicates,
//! dismissals, statements, estimates, passages, totals, convoys, notifications and
//! acknowledgements.

use crate::{
    access::{check_not_after_record, Act, Actor},
    coordination::record::Coordination,
    event::Event,
    monitoring::model::{
        AgreementRef, Breakdown, ConvoyStatus, Count, Destination, Direction, EstimateKind, Grade, IncidentKind,
        IncidentStance, Location, Notified, Observation, Quantity, Reading, SourceReport, StanceOn, StatementKind,
        TotalScope, Votes, When, COUNT_BREAKDOWN, ESTIMATE_BREAKDOWN,
    },
    monitoring::record::Monitoring,
    vocab::{
        error::DomainError,
        ids::{
            AgreementId, ConvoyId, CorridorId, EstimateId, IncidentId, NotificationId, ObservationId, PartyId,
            PassageId, ReadingId, StatementId, TotalId, ZoneId,
        },
        limits::{HALF_WIDTH_M_MAX, LIST_LEN_MAX, OBSERVED_DISTANCE_M_MAX, UNCERTAINTY_M_MAX},
        require::{require_known, require_list, require_new, unknown},
        source::{CasualtyPaths, COUNT_SOURCE_CASUALTIES, OBSERVATION_CASUALTIES, SOURCE_CASUALTIES},
        text::{Name, Reason},
        time::Timestamp,
    },
};

pub(crate) fn report_incident(
    coordination: &Coordination,
    monitoring: &Monitoring,
    actor: &Actor<'_>,
    incident_id: &IncidentId,
    kind: &IncidentKind,
    location: &Location,
    when: &When,
    description: &Reason,
    source: &SourceReport,
    convoy_id: &Option<ConvoyId>,
) -> Result<Vec<Event>, DomainError> {
    let author = actor.account.account_id.clone();
    require_new(monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
    check_location(coordination, location, &INCIDENT_LOCATION)?;
    check_when("when.end", when)?;
    check_source(coordination, monitoring, source, &SOURCE_CASUALTIES)?;
    check_convoy(monitoring, convoy_id)?;
    Ok(vec![Event::IncidentReported {
        incident_id: incident_id.clone(),
        kind: *kind,
        location: location.clone(),
        when: *when,
        description: description.clone(),
        source: source.clone(),
        reported_by: author,
        convoy_id: convoy_id.clone(),
    }])
}

pub(crate) fn add_source(
    coordination: &Coordination,
    monitoring: &Monitoring,
    actor: &Actor<'_>,
    incident_id: &IncidentId,
    source: &SourceReport,
) -> Result<Vec<Event>, DomainError> {
    let author = actor.account.account_id.clone();
    require_known(monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
    check_source(coordination, monitoring, source, &SOURCE_CASUALTIES)?;
    Ok(vec![Event::SourceAdded { incident_id: incident_id.clone(), source: source.clone(), added_by: author }])
}

pub(crate) fn correct_incident(
    coordination: &Coordination,
    monitoring: &Monitoring,
    incident_id: &IncidentId,
    kind: &Option<IncidentKind>,
    location: &Option<Location>,
    when: &Option<When>,
    convoy_id: &Option<ConvoyId>,
    reason: &Reason,
) -> Result<Vec<Event>, DomainError> {
    require_known(monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
    if let Some(location) = location {
        check_location(coordination, location, &INCIDENT_LOCATION)?;
    }
    if let Some(when) = when {
        check_when("when.end", when)?;
    }
    check_convoy(monitoring, convoy_id)?;
    Ok(vec![Event::IncidentCorrected {
        incident_id: incident_id.clone(),
        kind: *kind,
        location: location.clone(),
        when: *when,
        reason: reason.clone(),
        convoy_id: convoy_id.clone(),
    }])
}

pub(crate) fn grade_incident(
    monitoring: &Monitoring,
    actor: &Actor<'_>,
    incident_id: &IncidentId,
    grade: &Grade,
    reason: &Reason,
) -> Result<Vec<Event>, DomainError> {
    let author = actor.account.account_id.clone();
    require_known(monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
    Ok(vec![Event::IncidentGraded {
        incident_id: incident_id.clone(),
        grade: *grade,
        reason: reason.clone(),
        analyst: author,
    }])
}

pub(crate) fn mark_duplicate(
    monitoring: &Monitoring,
    incident_id: &IncidentId,
    duplicate_of: &IncidentId,
    reason: &Reason,
) -> Result<Vec<Event>, DomainError> {
    let incident = monitoring.incidents.get(incident_id).ok_or_else(|| unknown("incident", incident_id))?;
    let target = monitoring.incidents.get(duplicate_of).ok_or_else(|| unknown("incident", duplicate_of))?;
    let chained = incident.duplicate_of.is_some()
        || target.duplicate_of.is_some()
        || incident_id == duplicate_of
        || monitoring.duplicates.contains_key(incident_id);
    if chained {
        return Err(DomainError::DuplicateChain { incident: incident_id.to_string() });
    }
    Ok(vec![Event::DuplicateMarked {
        incident_id: incident_id.clone(),
        duplicate_of: duplicate_of.clone(),
        reason: reason.clone(),
    }])
}

pub(crate) fn make_statement(
    coordination: &Coordination,
    monitoring: &Monitoring,
    act: Act,
    statement_id: &StatementId,
    text: &Reason,
    incident_ids: &[IncidentId],
    stances: &[IncidentStance],
    agreements: &[AgreementRef],
    kind: &StatementKind,
    about: &[StanceOn],
    document: &Option<Reason>,
    votes: &Option<Votes>,
) -> Result<Vec<Event>, DomainError> {
    require_new(monitoring.statements.contains_key(statement_id), "statement", statement_id)?;
    require_list("incident_ids", incident_ids, 0, LIST_LEN_MAX)?;
    for incident_id in incident_ids {
        require_known(monitoring.incidents.contains_key(incident_id), "incident", incident_id)?;
    }
    require_list("stances", stances, 0, LIST_LEN_MAX)?;
    require_list("agreements", agreements, 0, LIST_LEN_MAX)?;
    for stance in stances {
        require_known(monitoring.incidents.contains_key(stance.incident_id()), "incident", stance.incident_id())?;
        if let IncidentStance::Accuses { force_id, .. } = stance {
            require_known(coordination.forces.contains_key(force_id), "force", force_id)?;
        }
    }
    for reference in agreements {
        let agreement = coordination
            .agreements
            .get(&reference.agreement_id)
            .ok_or_else(|| unknown("agreement", &reference.agreement_id))?;
        if agreement.version(reference.version).is_none() {
            return Err(DomainError::UnknownVersion {
                agreement: reference.agreement_id.to_string(),
                version: reference.version,
            });
        }
    }
    Ok(vec![Event::StatementMade {
        statement_id: statement_id.clone(),
        party_id: Some(act.party_id),
        text: text.clone(),
        incident_ids: incident_ids.to_vec(),
        stances: stances.to_vec(),
        agreements: agreements.to_vec(),
        kind: *kind,
        about: about.to_vec(),
        document: document.clone(),
        votes: *votes,
        effective_at: act.effective_at,
        provenance: act.provenance,
    }])
}

pub(crate) fn estimate_population(
    coordination: &Coordination,
    monitoring: &Monitoring,
    actor: &Actor<'_>,
    estimate_id: &EstimateId,
    zone_id: &ZoneId,
    kind: &EstimateKind,
    people: &Quantity,
    breakdown: &Breakdown,
    destination: &Option<Destination>,
    as_of: &Timestamp,
    source: &SourceReport,
    note: &Option<Reason>,
) -> Result<Vec<Event>, DomainError> {
    let author = actor.account.account_id.clone();
    require_new(monitoring.estimates.contains_key(estimate_id), "estimate", estimate_id)?;
    require_known(coordination.zones.contains_key(zone_id), "zone", zone_id)?;
    breakdown.check(people, &ESTIMATE_BREAKDOWN)?;
    if let Some(zone_id) = destination.as_ref().and_then(|d| d.zone_id.as_ref()) {
        if !coordination.zones.contains_key(zone_id) {
            return Err(DomainError::UnknownAt { field: "destination.zone_id", kind: "zone", id: zone_id.to_string() });
        }
    }
    check_source(coordination, monitoring, source, &SOURCE_CASUALTIES)?;
    Ok(vec![Event::PopulationEstimated {
        estimate_id: estimate_id.clone(),
        zone_id: zone_id.clone(),
        kind: *kind,
        people: *people,
        breakdown: *breakdown,
        destination: destination.clone(),
        as_of: *as_of,
        source: source.clone(),
        note: note.clone(),
        reported_by: author,
    }])
}

pub(crate) fn record_passage(
    coordination: &Coordination,
    monitoring: &Monitoring,
    actor: &Actor<'_>,
    passage_id: &PassageId,
    corridor_id: &CorridorId,
    direction: &Direction,
    convoy_id: &Option<ConvoyId>,
    vehicles: &Option<u32>,
    count: &Count,
) -> Result<Vec<Event>, DomainError> {
    let author = actor.account.account_id.clone();
    require_new(monitoring.passages.contains_key(passage_id), "passage", passage_id)?;
    require_known(coordination.corridors.contains_key(corridor_id), "corridor", corridor_id)?;
    if let Some(convoy_id) = convoy_id {
        let convoy = monitoring.convoys.get(convoy_id).ok_or_else(|| unknown("convoy", convoy_id))?;
        if &convoy.corridor_id != corridor_id {
            return Err(DomainError::ConvoyOnOtherCorridor {
                convoy: convoy_id.to_string(),
                convoy_corridor: convoy.corridor_id.to_string(),
                corridor: corridor_id.to_string(),
            });
        }
    }
    check_count(coordination, monitoring, count)?;
    Ok(vec![Event::PassageRecorded {
        passage_id: passage_id.clone(),
        corridor_id: corridor_id.clone(),
        direction: *direction,
        convoy_id: convoy_id.clone(),
        vehicles: *vehicles,
        count: count.clone(),
        observer: author,
    }])
}

pub(crate) fn report_total(
    coordination: &Coordination,
    monitoring: &Monitoring,
    actor: &Actor<'_>,
    total_id: &TotalId,
    scope: &TotalScope,
    count: &Count,
) -> Result<Vec<Event>, DomainError> {
    let author = actor.account.account_id.clone();
    require_new(monitoring.totals.contains_key(total_id), "total", total_id)?;
    if scope.corridor_id.is_none() && scope.zone_id.is_none() {
        return Err(DomainError::Empty { field: "scope" });
    }
    if let Some(corridor_id) = &scope.corridor_id {
        require_known(coordination.corridors.contains_key(corridor_id), "corridor", corridor_id)?;
    }
    if let Some(zone_id) = &scope.zone_id {
        require_known(coordination.zones.contains_key(zone_id), "zone", zone_id)?;
    }
    check_count(coordination, monitoring, count)?;
    Ok(vec![Event::TotalReported {
        total_id: total_id.clone(),
        scope: scope.clone(),
        count: count.clone(),
        reported_by: author,
    }])
}

/// The valid times a count gives: none may be after the entry's record time (plus the
/// skew allowed).
pub(crate) fn check_count_times(count: &Count, accepted_at: Timestamp) -> Result<(), DomainError> {
    check_not_after_record("count.period.start", count.period.start, accepted_at)?;
    if let Some(end) = count.period.end {
        check_not_after_record("count.period.end", end, accepted_at)?;
    }
    if let Some(published_at) = count.source.published_at {
        check_not_after_record("count.source.published_at", published_at, accepted_at)?;
    }
    Ok(())
}

/// A count's own invariants (its period, its breakdown within its whole) and its source.
fn check_count(coordination: &Coordination, monitoring: &Monitoring, count: &Count) -> Result<(), DomainError> {
    check_when("count.period.end", &count.period)?;
    count.breakdown.check(&count.people, &COUNT_BREAKDOWN)?;
    check_source(coordination, monitoring, &count.source, &COUNT_SOURCE_CASUALTIES)
}

/// A convoy named by an incident exists.
fn check_convoy(monitoring: &Monitoring, convoy_id: &Option<ConvoyId>) -> Result<(), DomainError> {
    match convoy_id {
        Some(convoy_id) => require_known(monitoring.convoys.contains_key(convoy_id), "convoy", convoy_id),
        None => Ok(()),
    }
}

pub(crate) fn record_reading(
    coordination: &Coordination,
    monitoring: &Monitoring,
    actor: &Actor<'_>,
    reading_id: &ReadingId,
    agreement_id: &AgreementId,
    version: u32,
    reading: &Reading,
    source: &SourceReport,
) -> Result<Vec<Event>, DomainError> {
    let author = actor.account.account_id.clone();
    require_new(monitoring.readings.contains_key(reading_id), "reading", reading_id)?;
    let agreement = coordination.agreements.get(agreement_id).ok_or_else(|| unknown("agreement", agreement_id))?;
    if agreement.version(version).is_none() {
        return Err(DomainError::UnknownVersion { agreement: agreement_id.to_string(), version });
    }
    require_list("reading.groups", &reading.groups, 0, LIST_LEN_MAX)?;
    check_source(coordination, monitoring, source, &SOURCE_CASUALTIES)?;
    Ok(vec![Event::ReadingRecorded {
        reading_id: reading_id.clone(),
        agreement_id: agreement_id.clone(),
        version,
        reading: reading.clone(),
        source: source.clone(),
        recorded_by: author,
    }])
}

/// The valid times an observation gives: none may be after the entry's record time.
pub(crate) fn check_observation_times(observation: &Observation, accepted_at: Timestamp) -> Result<(), DomainError> {
    check_not_after_record("observation.when.start", observation.when.start, accepted_at)?;
    if let Some(end) = observation.when.end {
        check_not_after_record("observation.when.end", end, accepted_at)?;
    }
    if let Some(published_at) = observation.source.published_at {
        check_not_after_record("observation.source.published_at", published_at, accepted_at)?;
    }
    Ok(())
}

pub(crate) fn record_observation(
    coordination: &Coordination,
    monitoring: &Monitoring,
    actor: &Actor<'_>,
    observation_id: &ObservationId,
    observation: &Observation,
    note: &Option<Reason>,
) -> Result<Vec<Event>, DomainError> {
    let author = actor.account.account_id.clone();
    require_new(monitoring.observations.contains_key(observation_id), "observation", observation_id)?;
    check_location(coordination, &observation.observer, &OBSERVER_LOCATION)?;
    check_when("observation.when.end", &observation.when)?;
    observation.check(OBSERVED_DISTANCE_M_MAX)?;
    check_source(coordination, monitoring, &observation.source, &OBSERVATION_CASUALTIES)?;
    Ok(vec![Event::ObservationRecorded {
        observation_id: observation_id.clone(),
        observation: observation.clone(),
        note: note.clone(),
        recorded_by: author,
    }])
}

pub(crate) fn schedule_convoy(
    coordination: &Coordination,
    monitoring: &Monitoring,
    convoy_id: &ConvoyId,
    corridor_id: &CorridorId,
    buses: &u32,
    ambulances: &u32,
    departs_at: &Timestamp,
) -> Result<Vec<Event>, DomainError> {
    require_new(monitoring.convoys.contains_key(convoy_id), "convoy", convoy_id)?;
    require_known(coordination.corridors.contains_key(corridor_id), "corridor", corridor_id)?;
    Ok(vec![Event::ConvoyScheduled {
        convoy_id: convoy_id.clone(),
        corridor_id: corridor_id.clone(),
        buses: *buses,
        ambulances: *ambulances,
        departs_at: *departs_at,
    }])
}

pub(crate) fn update_convoy(
    monitoring: &Monitoring,
    convoy_id: &ConvoyId,
    status: &ConvoyStatus,
    note: &Option<Reason>,
    effective_at: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    require_known(monitoring.convoys.contains_key(convoy_id), "convoy", convoy_id)?;
    Ok(vec![Event::ConvoyUpdated { convoy_id: convoy_id.clone(), status: *status, note: note.clone(), effective_at }])
}

pub(crate) fn notify_humanitarian(
    coordination: &Coordination,
    monitoring: &Monitoring,
    actor: &Actor<'_>,
    accepted_at: Timestamp,
    notification_id: &NotificationId,
    notified: &Notified,
    party_ids: &[PartyId],
    deadline: &Timestamp,
    valid_until: &Option<Timestamp>,
    personnel: &Option<u32>,
    on_behalf_of: &Option<Name>,
) -> Result<Vec<Event>, DomainError> {
    let Some(party_id) = actor.party else {
        return Err(DomainError::NeedsParty { action: "notifying a humanitarian site or movement" });
    };
    require_new(monitoring.notifications.contains_key(notification_id), "notification", notification_id)?;
    require_list("party_ids", party_ids, 1, LIST_LEN_MAX)?;
    for id in party_ids {
        require_known(coordination.parties.contains_key(id), "party", id)?;
    }
    match notified {
        Notified::Site { radius_m, .. } => check_metres("radius_m", *radius_m, HALF_WIDTH_M_MAX)?,
        Notified::Movement { half_width_m, convoy_id, .. } => {
            check_metres("half_width_m", *half_width_m, HALF_WIDTH_M_MAX)?;
            if let Some(convoy_id) = convoy_id {
                require_known(monitoring.convoys.contains_key(convoy_id), "convoy", convoy_id)?;
            }
        }
    }
    // It protects from when it is recorded: it must end after that.
    if let Some(valid_until) = valid_until {
        if *valid_until <= accepted_at {
            return Err(DomainError::WhenInverted {
                field: "valid_until",
                start: accepted_at.to_string(),
                end: valid_until.to_string(),
            });
        }
    }
    Ok(vec![Event::HumanitarianNotified {
        notification_id: notification_id.clone(),
        notified: notified.clone(),
        party_ids: party_ids.to_vec(),
        deadline: *deadline,
        notified_by: Some(party_id.clone()),
        valid_until: *valid_until,
        personnel: *personnel,
        on_behalf_of: on_behalf_of.clone(),
    }])
}

/// Only the party that notified (the organisation's own, or the intermediary that notified
/// for it) withdraws a notification, once.
pub(crate) fn withdraw_notification(
    coordination: &Coordination,
    monitoring: &Monitoring,
    actor: &Actor<'_>,
    notification_id: &NotificationId,
    reason: &Option<Reason>,
) -> Result<Vec<Event>, DomainError> {
    let Some(party_id) = actor.party else {
        return Err(DomainError::NeedsParty { action: "withdrawing a notification" });
    };
    let notification =
        monitoring.notifications.get(notification_id).ok_or_else(|| unknown("notification", notification_id))?;
    if notification.notified_by.as_ref() != Some(party_id) {
        return Err(DomainError::NotNotifier {
            party: coordination.party_label(party_id),
            notification: notification_id.to_string(),
        });
    }
    if notification.withdrawal.is_some() {
        return Err(DomainError::AlreadyWithdrawn { notification: notification_id.to_string() });
    }
    Ok(vec![Event::NotificationWithdrawn {
        notification_id: notification_id.clone(),
        party_id: party_id.clone(),
        reason: reason.clone(),
    }])
}

pub(crate) fn acknowledge_notification(
    monitoring: &Monitoring,
    actor: &Actor<'_>,
    notification_id: &NotificationId,
) -> Result<Vec<Event>, DomainError> {
    let Some(party_id) = actor.party else {
        return Err(DomainError::NeedsParty { action: "acknowledging a notification" });
    };
    let notification =
        monitoring.notifications.get(notification_id).ok_or_else(|| unknown("notification", notification_id))?;
    // To a party neither notified nor notifying, the notification does not exist.
    if !notification.party_ids.contains(party_id) && notification.notified_by.as_ref() != Some(party_id) {
        return Err(unknown("notification", notification_id));
    }
    if !notification.party_ids.contains(party_id) {
        return Err(DomainError::NotNotified { party: party_id.to_string() });
    }
    if notification.acknowledgements.iter().any(|a| &a.party_id == party_id) {
        return Err(DomainError::AlreadyAcknowledged { party: party_id.to_string() });
    }
    Ok(vec![Event::NotificationAcknowledged { notification_id: notification_id.clone(), party_id: party_id.clone() }])
}

fn check_metres(field: &'static str, value: f64, max: f64) -> Result<(), DomainError> {
    if !(value.is_finite() && (0.0..=max).contains(&value)) {
        return Err(DomainError::OutOfRange { field, value, max });
    }
    Ok(())
}

/// The paths of a location's checked fields in a command: its uncertainty and its zone.
type LocationPaths = [&'static str; 2];

const INCIDENT_LOCATION: LocationPaths = ["location.uncertainty_m", "location.zone_id"];
const OBSERVER_LOCATION: LocationPaths = ["observation.observer.uncertainty_m", "observation.observer.zone_id"];

fn check_location(coordination: &Coordination, location: &Location, paths: &LocationPaths) -> Result<(), DomainError> {
    check_metres(paths[0], location.uncertainty_m, UNCERTAINTY_M_MAX)?;
    if let Some(zone_id) = &location.zone_id {
        if !coordination.zones.contains_key(zone_id) {
            return Err(DomainError::UnknownAt { field: paths[1], kind: "zone", id: zone_id.to_string() });
        }
    }
    Ok(())
}

/// `[start, end)` ends after it starts; `field` names its end.
fn check_when(field: &'static str, when: &When) -> Result<(), DomainError> {
    if let Some(end) = when.end {
        if end <= when.start {
            return Err(DomainError::WhenInverted { field, start: when.start.to_string(), end: end.to_string() });
        }
    }
    Ok(())
}

fn check_source(
    coordination: &Coordination,
    monitoring: &Monitoring,
    source: &SourceReport,
    casualty_paths: &CasualtyPaths,
) -> Result<(), DomainError> {
    if monitoring.source_ids.contains(&source.source_id) {
        return Err(DomainError::SourceAgain { source_id: source.source_id.to_string() });
    }
    source.casualties.check(casualty_paths)?;
    if let Some(force_id) = &source.responsible_force_id {
        require_known(coordination.forces.contains_key(force_id), "force", force_id)?;
    }
    Ok(())
}
