//! `decide` for the coordination commands: parties, forces, zones, agreements and their
//! versions, stances, suspensions, consents and fulfilments. One function per command, each
//! called from the one dispatch in `crate::decide`.
//!
//! Every refusal is a `DomainError` and changes nothing.

use std::collections::HashSet;

use crate::{
    access::Act,
    coordination::model::{CommitmentKind, Ending, PartyKind, Requirement, Scope, Stance, Terms, TruceStart, ZoneKind},
    coordination::record::{Coordination, VersionRecord},
    event::Event,
    vocab::{
        error::DomainError,
        geometry::Polygon,
        ids::{AgreementId, CommitmentId, ConsentId, CorridorId, ForceId, PartyId, ZoneId},
        limits::*,
        require::{require_known, require_len, require_list, require_new, require_unique, unknown},
        text::{Code, Name, Names, Reason},
        time::Timestamp,
    },
};

pub(crate) fn register_party(
    coordination: &Coordination,
    party_id: &PartyId,
    code: &Code,
    (name, names): (&Name, &Names),
    kind: &PartyKind,
) -> Result<Vec<Event>, DomainError> {
    require_new(coordination.parties.contains_key(party_id), "party", party_id)?;
    require_code_free(coordination, "party", code, &party_id.text())?;
    Ok(vec![Event::PartyRegistered {
        party_id: party_id.clone(),
        code: code.clone(),
        name: name.clone(),
        names: names.clone(),
        kind: *kind,
    }])
}

pub(crate) fn register_force(
    coordination: &Coordination,
    force_id: &ForceId,
    code: &Code,
    name: &Name,
    party_ids: &[PartyId],
) -> Result<Vec<Event>, DomainError> {
    require_new(coordination.forces.contains_key(force_id), "force", force_id)?;
    require_code_free(coordination, "force", code, &force_id.text())?;
    require_list("party_ids", party_ids, 0, LIST_LEN_MAX)?;
    for party_id in party_ids {
        require_known(coordination.parties.contains_key(party_id), "party", party_id)?;
    }
    Ok(vec![Event::ForceRegistered {
        force_id: force_id.clone(),
        code: code.clone(),
        name: name.clone(),
        party_ids: party_ids.to_vec(),
    }])
}

pub(crate) fn define_zone(
    coordination: &Coordination,
    zone_id: &ZoneId,
    code: &Code,
    (name, names): (&Name, &Names),
    kind: &ZoneKind,
    boundary: &Polygon,
    illustrative: &bool,
    effective_at: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    require_new(coordination.zones.contains_key(zone_id), "zone", zone_id)?;
    require_code_free(coordination, "zone", code, &zone_id.text())?;
    Ok(vec![Event::ZoneDefined {
        zone_id: zone_id.clone(),
        code: code.clone(),
        name: name.clone(),
        names: names.clone(),
        kind: *kind,
        boundary: boundary.clone(),
        illustrative: *illustrative,
        effective_at,
    }])
}

pub(crate) fn redraw_zone(
    coordination: &Coordination,
    zone_id: &ZoneId,
    boundary: &Polygon,
    effective_at: &Timestamp,
) -> Result<Vec<Event>, DomainError> {
    require_known(coordination.zones.contains_key(zone_id), "zone", zone_id)?;
    Ok(vec![Event::ZoneRedrawn { zone_id: zone_id.clone(), boundary: boundary.clone(), effective_at: *effective_at }])
}

pub(crate) fn record_zone_control(
    coordination: &Coordination,
    zone_id: &ZoneId,
    force_id: &ForceId,
    since: &Timestamp,
) -> Result<Vec<Event>, DomainError> {
    require_known(coordination.zones.contains_key(zone_id), "zone", zone_id)?;
    require_known(coordination.forces.contains_key(force_id), "force", force_id)?;
    Ok(vec![Event::ZoneControlRecorded { zone_id: zone_id.clone(), force_id: force_id.clone(), since: *since }])
}

pub(crate) fn propose_agreement(
    coordination: &Coordination,
    act: Act,
    agreement_id: &AgreementId,
    title: &Name,
    terms: &Terms,
    note: &Option<Reason>,
) -> Result<Vec<Event>, DomainError> {
    require_new(coordination.agreements.contains_key(agreement_id), "agreement", agreement_id)?;
    check_terms(coordination, agreement_id, terms)?;
    Ok(vec![
        Event::AgreementProposed {
            agreement_id: agreement_id.clone(),
            title: title.clone(),
            proposed_by: act.party_id.clone(),
            effective_at: act.effective_at,
            provenance: act.provenance.clone(),
        },
        Event::VersionProposed {
            agreement_id: agreement_id.clone(),
            version: 1,
            proposed_by: act.party_id,
            terms: terms.clone(),
            note: note.clone(),
            effective_at: act.effective_at,
            provenance: act.provenance,
        },
    ])
}

pub(crate) fn propose_version(
    coordination: &Coordination,
    act: Act,
    agreement_id: &AgreementId,
    supersedes: &u32,
    terms: &Terms,
    note: &Option<Reason>,
) -> Result<Vec<Event>, DomainError> {
    let agreement = coordination.agreements.get(agreement_id).ok_or_else(|| unknown("agreement", agreement_id))?;
    let latest = agreement.latest();
    if *supersedes != latest.version {
        return Err(DomainError::NotLatest { supersedes: *supersedes, latest: latest.version });
    }
    // Versions are numbered in the order they were proposed in the world.
    if act.effective_at < latest.proposed_at {
        return Err(DomainError::ActBeforeVersion {
            effective_at: act.effective_at.to_string(),
            version: latest.version,
            proposed_at: latest.proposed_at.to_string(),
        });
    }
    if latest.version >= VERSIONS_PER_AGREEMENT_MAX {
        return Err(DomainError::TooMany {
            field: "versions",
            len: latest.version as usize + 1,
            len_max: VERSIONS_PER_AGREEMENT_MAX as usize,
        });
    }
    check_terms(coordination, agreement_id, terms)?;
    Ok(vec![Event::VersionProposed {
        agreement_id: agreement_id.clone(),
        version: latest.version + 1,
        proposed_by: act.party_id,
        terms: terms.clone(),
        note: note.clone(),
        effective_at: act.effective_at,
        provenance: act.provenance,
    }])
}

pub(crate) fn endorse(
    coordination: &Coordination,
    act: Act,
    agreement_id: &AgreementId,
    version: &u32,
) -> Result<Vec<Event>, DomainError> {
    let record = version_for_stance(coordination, agreement_id, *version, act.effective_at)?;
    require_signatory(coordination, &record.terms.signatories, &act.party_id, *version)?;
    let current = record.stance_at(&act.party_id, act.effective_at);
    let same_provenance = current.is_some_and(|s| s.provenance.is_attested() == act.provenance.is_attested());
    if current.is_some_and(|s| s.stance == Stance::Endorsed) && same_provenance {
        return Err(DomainError::AlreadyEndorsed { party: coordination.party_label(&act.party_id), version: *version });
    }
    Ok(vec![stance(agreement_id, *version, act, Stance::Endorsed)])
}

pub(crate) fn reject(
    coordination: &Coordination,
    act: Act,
    agreement_id: &AgreementId,
    version: &u32,
    reason: &Reason,
) -> Result<Vec<Event>, DomainError> {
    let record = version_for_stance(coordination, agreement_id, *version, act.effective_at)?;
    require_signatory(coordination, &record.terms.signatories, &act.party_id, *version)?;
    Ok(vec![stance(agreement_id, *version, act, Stance::Rejected { reason: reason.clone() })])
}

pub(crate) fn withdraw(
    coordination: &Coordination,
    act: Act,
    agreement_id: &AgreementId,
    version: &u32,
    reason: &Option<Reason>,
) -> Result<Vec<Event>, DomainError> {
    // Like every stance, on the version that was the latest at the act's valid time.
    let record = version_for_stance(coordination, agreement_id, *version, act.effective_at)?;
    let current = record.stance_at(&act.party_id, act.effective_at);
    if !current.is_some_and(|s| s.stance == Stance::Endorsed) {
        return Err(DomainError::NoEndorsement {
            party: coordination.party_label(&act.party_id),
            version: *version,
            at: act.effective_at.to_string(),
        });
    }
    Ok(vec![stance(agreement_id, *version, act, Stance::Withdrawn { reason: reason.clone() })])
}

pub(crate) fn suspend(
    coordination: &Coordination,
    act: Act,
    agreement_id: &AgreementId,
    reason: &Reason,
) -> Result<Vec<Event>, DomainError> {
    let agreement = coordination.agreements.get(agreement_id).ok_or_else(|| unknown("agreement", agreement_id))?;
    let at = act.effective_at;
    let Some(version) = coordination.effective_version(agreement, at) else {
        return Err(DomainError::NotInForce { agreement: agreement_id.to_string(), at: at.to_string() });
    };
    require_signatory(coordination, &version.terms.signatories, &act.party_id, version.version)?;
    if agreement.suspended_at(at) {
        return Err(DomainError::AlreadySuspended { agreement: agreement_id.to_string() });
    }
    Ok(vec![Event::AgreementSuspended {
        agreement_id: agreement_id.clone(),
        party_id: act.party_id,
        reason: reason.clone(),
        effective_at: act.effective_at,
        provenance: act.provenance,
    }])
}

pub(crate) fn resume(
    coordination: &Coordination,
    act: Act,
    agreement_id: &AgreementId,
    reason: &Option<Reason>,
) -> Result<Vec<Event>, DomainError> {
    let agreement = coordination.agreements.get(agreement_id).ok_or_else(|| unknown("agreement", agreement_id))?;
    let at = act.effective_at;
    if !agreement.suspended_at(at) {
        return Err(DomainError::NotSuspended { agreement: agreement_id.to_string() });
    }
    let Some(version) = coordination.effective_version(agreement, at) else {
        return Err(DomainError::NotInForce { agreement: agreement_id.to_string(), at: at.to_string() });
    };
    require_signatory(coordination, &version.terms.signatories, &act.party_id, version.version)?;
    Ok(vec![Event::AgreementResumed {
        agreement_id: agreement_id.clone(),
        party_id: act.party_id,
        reason: reason.clone(),
        effective_at: act.effective_at,
        provenance: act.provenance,
    }])
}

/// Declares an agreement broken or completed. Only a signatory of the version agreed at the
/// act's valid time may, once, and only while it has not ended.
pub(crate) fn declare_ending(
    coordination: &Coordination,
    act: Act,
    agreement_id: &AgreementId,
    ending: Ending,
) -> Result<Vec<Event>, DomainError> {
    let agreement = coordination.agreements.get(agreement_id).ok_or_else(|| unknown("agreement", agreement_id))?;
    let at = act.effective_at;
    let Some(version) = coordination.effective_version(agreement, at) else {
        return Err(DomainError::NotAgreed { agreement: agreement_id.to_string(), at: at.to_string() });
    };
    // A guarantor answers for the agreement's being kept: it may declare it broken too.
    if !version.terms.guarantors.contains(&act.party_id) {
        require_signatory(coordination, &version.terms.signatories, &act.party_id, version.version)?;
    }
    if let Some(ended) = agreement.ended_at(at) {
        return Err(DomainError::AlreadyEnded {
            agreement: agreement_id.to_string(),
            at: ended.at.to_string(),
            party: coordination.party_label(&ended.party_id),
        });
    }
    Ok(vec![Event::AgreementEnded {
        agreement_id: agreement_id.clone(),
        party_id: act.party_id,
        ending,
        effective_at: act.effective_at,
        provenance: act.provenance,
    }])
}

pub(crate) fn record_consent(
    coordination: &Coordination,
    act: Act,
    consent_id: &ConsentId,
    force_id: &ForceId,
    corridor_id: &CorridorId,
    note: &Option<Reason>,
) -> Result<Vec<Event>, DomainError> {
    require_new(coordination.consents.contains_key(consent_id), "consent", consent_id)?;
    let force = coordination.forces.get(force_id).ok_or_else(|| unknown("force", force_id))?;
    require_known(coordination.corridors.contains_key(corridor_id), "corridor", corridor_id)?;
    let party_id = &act.party_id;
    let answers = force.party_ids.contains(party_id);
    if !answers && !secures_consent(coordination, party_id, force_id, corridor_id, act.effective_at) {
        return Err(DomainError::ConsentNotAnswerable {
            party: coordination.party_label(party_id),
            force: force_id.to_string(),
            corridor: corridor_id.to_string(),
        });
    }
    // A second record of the same consent is refused, except an attested one confirming a
    // report (or the other way round): both stand, and the view shows that they agree.
    let again = coordination.consents.values().any(|c| {
        &c.force_id == force_id
            && &c.corridor_id == corridor_id
            && c.provenance.is_attested() == act.provenance.is_attested()
    });
    if again {
        return Err(DomainError::ConsentAgain { force: force_id.to_string(), corridor: corridor_id.to_string() });
    }
    Ok(vec![Event::ConsentRecorded {
        consent_id: consent_id.clone(),
        force_id: force_id.clone(),
        corridor_id: corridor_id.clone(),
        recorded_by: act.party_id,
        note: note.clone(),
        effective_at: act.effective_at,
        provenance: act.provenance,
    }])
}

pub(crate) fn report_fulfilled(
    coordination: &Coordination,
    act: Act,
    commitment_id: &CommitmentId,
    note: &Option<Reason>,
) -> Result<Vec<Event>, DomainError> {
    let (_, spec) = coordination.commitment_spec(commitment_id).ok_or_else(|| unknown("commitment", commitment_id))?;
    if spec.party_id != act.party_id {
        return Err(DomainError::NotCommitmentOwner {
            commitment: commitment_id.to_string(),
            owner: coordination.party_label(&spec.party_id),
            party: coordination.party_label(&act.party_id),
        });
    }
    let again = coordination
        .fulfilments
        .get(commitment_id)
        .is_some_and(|records| records.iter().any(|r| r.provenance.is_attested() == act.provenance.is_attested()));
    if again {
        return Err(DomainError::AlreadyFulfilled { commitment: commitment_id.to_string() });
    }
    Ok(vec![Event::FulfilmentReported {
        commitment_id: commitment_id.clone(),
        party_id: act.party_id,
        note: note.clone(),
        effective_at: act.effective_at,
        provenance: act.provenance,
    }])
}

fn stance(agreement_id: &AgreementId, version: u32, act: Act, stance: Stance) -> Event {
    Event::StanceTaken {
        agreement_id: agreement_id.clone(),
        version,
        party_id: act.party_id,
        stance,
        effective_at: act.effective_at,
        provenance: act.provenance,
    }
}

/// The version a stance is taken on: it must exist, have been proposed by the stance's
/// valid time, and be the latest version proposed by then (a report of an endorsement of
/// version 1 dated before version 2 was proposed stands).
fn version_for_stance<'a>(
    coordination: &'a Coordination,
    agreement_id: &AgreementId,
    version: u32,
    at: Timestamp,
) -> Result<&'a VersionRecord, DomainError> {
    let agreement = coordination.agreements.get(agreement_id).ok_or_else(|| unknown("agreement", agreement_id))?;
    let record = agreement
        .version(version)
        .ok_or_else(|| DomainError::UnknownVersion { agreement: agreement_id.to_string(), version })?;
    if at < record.proposed_at {
        return Err(DomainError::ActBeforeVersion {
            effective_at: at.to_string(),
            version,
            proposed_at: record.proposed_at.to_string(),
        });
    }
    let latest = agreement.versions.iter().rev().find(|v| v.proposed_at <= at).map_or(version, |v| v.version);
    if version != latest {
        return Err(DomainError::Superseded { version, latest });
    }
    Ok(record)
}

fn require_signatory(
    coordination: &Coordination,
    signatories: &[PartyId],
    party_id: &PartyId,
    version: u32,
) -> Result<(), DomainError> {
    if !signatories.contains(party_id) {
        return Err(DomainError::NotSignatory { party: coordination.party_label(party_id), version });
    }
    Ok(())
}

/// Whether `party_id` undertook, in the version of the corridor's own agreement that is
/// agreed at `at`, to secure `force_id`'s consent to the corridor. A commitment in a mere
/// proposal, or in another agreement, does not let a party speak for a force.
fn secures_consent(
    coordination: &Coordination,
    party_id: &PartyId,
    force_id: &crate::vocab::ids::ForceId,
    corridor_id: &CorridorId,
    at: crate::vocab::time::Timestamp,
) -> bool {
    let Some(agreement) =
        coordination.corridors.get(corridor_id).and_then(|c| coordination.agreements.get(&c.agreement_id))
    else {
        return false;
    };
    let Some(version) = coordination.effective_version(agreement, at) else {
        return false;
    };
    version.terms.commitments.iter().any(|c| {
        c.kind == CommitmentKind::SecureConsent
            && &c.party_id == party_id
            && c.force_ids.contains(force_id)
            && c.scope == Scope::Corridor(corridor_id.clone())
    })
}

fn check_terms(coordination: &Coordination, agreement_id: &AgreementId, terms: &Terms) -> Result<(), DomainError> {
    require_list("signatories", &terms.signatories, 1, SIGNATORIES_MAX)?;
    for party_id in &terms.signatories {
        require_known(coordination.parties.contains_key(party_id), "party", party_id)?;
    }

    for (field, parties) in [("sponsors", &terms.sponsors), ("guarantors", &terms.guarantors)] {
        require_list(field, parties, 0, SIGNATORIES_MAX)?;
        for party_id in parties {
            require_known(coordination.parties.contains_key(party_id), "party", party_id)?;
        }
    }

    require_len("corridors", terms.corridors.len(), 0, CORRIDORS_PER_VERSION_MAX)?;
    let corridor_ids: Vec<&CorridorId> = terms.corridors.iter().map(|c| &c.corridor_id).collect();
    require_unique("corridors", &corridor_ids)?;
    require_unique("corridor codes", &terms.corridors.iter().map(|c| &c.code).collect::<Vec<_>>())?;
    for corridor in &terms.corridors {
        if let Some(record) = coordination.corridors.get(&corridor.corridor_id) {
            if &record.agreement_id != agreement_id {
                return Err(DomainError::CorridorOfOtherAgreement {
                    corridor: corridor.corridor_id.to_string(),
                    agreement: record.agreement_id.to_string(),
                });
            }
        }
        require_code_free(coordination, "corridor", &corridor.code, &corridor.corridor_id.text())?;
        if !(corridor.half_width_m.is_finite()
            && corridor.half_width_m > 0.0
            && corridor.half_width_m <= HALF_WIDTH_M_MAX)
        {
            return Err(DomainError::HalfWidth { value: corridor.half_width_m, max: HALF_WIDTH_M_MAX });
        }
        require_known(coordination.zones.contains_key(&corridor.origin_zone_id), "zone", &corridor.origin_zone_id)?;
        if let Some(zone_id) = &corridor.destination.zone_id {
            require_known(coordination.zones.contains_key(zone_id), "zone", zone_id)?;
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
        |id: &CommitmentId| commitment_ids.contains(&id) || coordination.commitment_agreements.contains_key(id);
    for commitment in &terms.commitments {
        let id = &commitment.commitment_id;
        if let Some(owner) = coordination.commitment_agreements.get(id) {
            if owner != agreement_id {
                return Err(DomainError::CommitmentOfOtherAgreement {
                    commitment: id.to_string(),
                    agreement: owner.to_string(),
                });
            }
        }
        require_known(coordination.parties.contains_key(&commitment.party_id), "party", &commitment.party_id)?;
        match &commitment.scope {
            Scope::Corridor(corridor_id) => {
                let known = corridor_ids.contains(&corridor_id) || coordination.corridors.contains_key(corridor_id);
                require_known(known, "corridor", corridor_id)?;
            }
            Scope::Zone(zone_id) => require_known(coordination.zones.contains_key(zone_id), "zone", zone_id)?,
        }
        require_list("force_ids", &commitment.force_ids, 0, LIST_LEN_MAX)?;
        for force_id in &commitment.force_ids {
            require_known(coordination.forces.contains_key(force_id), "force", force_id)?;
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
            if &condition.commitment_id == id {
                return Err(DomainError::SelfCondition { commitment: id.to_string() });
            }
            require_known(commitment_known(&condition.commitment_id), "commitment", &condition.commitment_id)?;
        }
    }
    check_fulfilment_cycles(coordination, terms)?;

    if let Some(truce) = &terms.truce {
        require_known(coordination.zones.contains_key(&truce.zone_id), "zone", &truce.zone_id)?;
        if let TruceStart::WhenFulfilled { commitment_ids } = &truce.start {
            require_list("commitment_ids", commitment_ids, 1, LIST_LEN_MAX)?;
            for id in commitment_ids {
                require_known(commitment_known(id), "commitment", id)?;
            }
        }
    }
    Ok(())
}

/// Refuses commitments whose `fulfilled` conditions, followed from one commitment to the
/// next (these terms' and every other agreement's), come back to where they started: none of
/// them could ever be fulfilled first. `holds` and `not_breached` conditions may be
/// reciprocal (each side's evacuation conditional on the other's going on).
fn check_fulfilment_cycles(coordination: &Coordination, terms: &Terms) -> Result<(), DomainError> {
    let fulfilled_conditions = |id: &CommitmentId| -> Vec<CommitmentId> {
        let spec = terms
            .commitments
            .iter()
            .find(|c| &c.commitment_id == id)
            .or_else(|| coordination.commitment_spec(id).map(|(_, spec)| spec));
        let conditions = spec.map(|spec| spec.conditions.as_slice()).unwrap_or_default();
        conditions.iter().filter(|c| c.requires == Requirement::Fulfilled).map(|c| c.commitment_id.clone()).collect()
    };
    for start in &terms.commitments {
        // Depth-first, without recursion; every commitment is visited once per start.
        let mut seen: HashSet<CommitmentId> = HashSet::new();
        let mut stack = fulfilled_conditions(&start.commitment_id);
        while let Some(next) = stack.pop() {
            if next == start.commitment_id {
                return Err(DomainError::ConditionCycle { commitment: start.commitment_id.to_string() });
            }
            if seen.insert(next.clone()) {
                stack.extend(fulfilled_conditions(&next));
            }
        }
    }
    Ok(())
}

pub(crate) fn require_code_free(
    coordination: &Coordination,
    kind: &'static str,
    code: &Code,
    owner: &str,
) -> Result<(), DomainError> {
    match coordination.code_holder(kind, code) {
        Some(holder) if holder != owner => {
            Err(DomainError::DuplicateCode { kind, code: code.to_string(), id: holder.to_owned() })
        }
        _ => Ok(()),
    }
}
