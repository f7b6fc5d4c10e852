//! Agreements and commitments as of `at`: each version with its stances and readings, who
//! did what and when, and each commitment's standing; consents.

use super::*;

/// An agreement thread as of `at`: the versions proposed by then, with their stances.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AgreementView {
    pub agreement_id: AgreementId,
    pub title: Name,
    pub proposed_by: PartyId,
    pub proposed_at: Timestamp,
    pub at: Timestamp,
    pub status: AgreementStatus,
    pub versions: Vec<VersionView>,
    pub suspensions: Vec<SuspensionRecord>,
    /// Every act on it by `at` (proposals, stances, suspensions, declarations), each by the
    /// sequence number of the entry that recorded it (what statements refer to), with the
    /// statements about it.
    pub acts: Vec<ActView>,
}

/// An act on an agreement and what parties said about it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ActView {
    #[serde(flatten)]
    pub act: AgreementAct,
    /// Statements confirming or denying the act, oldest first.
    pub statements: Vec<StatementView>,
}

/// The sources' readings of a version on one topic, side by side.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReadingsView {
    pub topic: ReadingTopic,
    /// False when two readings contradict each other (figures that cannot both hold, or
    /// different groups named): both stand, none is picked.
    pub sources_agree: bool,
    /// Every reading given by `at`, in the order recorded.
    pub readings: Vec<ReadingView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ReadingView {
    #[serde(flatten)]
    pub record: ReadingRecord,
    /// What the source counts as, given who recorded it.
    pub weighed: WeighedSource,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct VersionView {
    pub version: u32,
    pub proposed_by: PartyId,
    /// When it was proposed in the world (valid time).
    pub proposed_at: Timestamp,
    /// When the ledger accepted the record of it.
    pub recorded_at: Timestamp,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub note: Option<Reason>,
    pub status: VersionStatus,
    /// When every required signatory had endorsed it, if that holds at `at`.
    pub agreed_since: Option<Timestamp>,
    pub terms: Terms,
    /// Every stance taken on this version by `at`, in ledger order, each attested or
    /// reported.
    pub stances: Vec<StanceView>,
    /// What sources say the version says, by topic: claims beside the terms, never terms.
    pub readings: Vec<ReadingsView>,
    /// Statements about the version made by `at`, oldest first.
    pub statements: Vec<StatementView>,
}

/// A stance as recorded, and for a reported one, whether the party's own attested stance
/// on the same version confirms or contradicts it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StanceView {
    #[serde(flatten)]
    pub record: StanceRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attested: Option<Corroboration>,
}

/// A commitment as the latest version holding it by `at` defines it, and its status then.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CommitmentView {
    pub commitment_id: CommitmentId,
    pub party_id: PartyId,
    pub kind: CommitmentKind,
    pub scope: Scope,
    pub scope_kind: ScopeKind,
    pub window: Option<Window>,
    pub force_ids: Vec<ForceId>,
    pub conditions: Vec<Condition>,
    pub text: Reason,
    pub agreement_id: AgreementId,
    pub status: CommitmentStanding,
    /// Its first substantiated violation, once that happened by `at` (counted where a
    /// `not_breached` condition depends on it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breached: Option<Breach>,
    /// When a `not_breached` condition of it failed, by `at`: from then it no longer binds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released: Option<Release>,
    /// Every report of its fulfilment, attested or reported, with its sources.
    pub fulfilments: Vec<FulfilmentRecord>,
    /// True when it binds a party that is not a required signatory of the version: that
    /// party never agreed to it there.
    pub binds_non_signatory: bool,
    /// The agreement version the status is derived from.
    pub version: u32,
    pub at: Timestamp,
}

/// A commitment's status at `at`, with what the monitoring record adds to the agreement's:
/// `breached` once it has a substantiated violation (it still binds), `released` once a
/// `not_breached` condition of it failed (it binds no longer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentStanding {
    Pending,
    Active,
    Fulfilled,
    Breached,
    Released,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    Corridor,
    Zone,
}

/// An agreement thread as of `at`; `None` when it was not yet proposed then.
fn agreement_at(state: &State, agreement: &AgreementRecord, at: Timestamp) -> Option<AgreementView> {
    let status = state.coordination.agreement_status(&agreement.agreement_id, at)?;
    let versions = agreement
        .versions
        .iter()
        .filter(|version| version.proposed_at <= at)
        .map(|version| VersionView {
            version: version.version,
            proposed_by: version.proposed_by.clone(),
            proposed_at: version.proposed_at,
            recorded_at: version.recorded_at,
            provenance: version.provenance.clone(),
            note: version.note.clone(),
            status: state.coordination.version_status(agreement, version, at),
            agreed_since: state.coordination.agreed_since(version, at),
            terms: version.terms.clone(),
            stances: version
                .stances
                .iter()
                .filter(|s| s.at <= at)
                .map(|s| StanceView { record: s.clone(), attested: version.corroboration_of(s) })
                .collect(),
            readings: readings_of(state, agreement, version, at),
            statements: statements_about(
                state,
                &RecordRef::Version { agreement_id: agreement.agreement_id.clone(), version: version.version },
                Some(at),
            ),
        })
        .collect();
    let acts = state
        .agreement_acts
        .values()
        .filter(|act| act.agreement_id == agreement.agreement_id && act.at <= at)
        .map(|act| ActView {
            act: act.clone(),
            statements: statements_about(
                state,
                &RecordRef::Act { agreement_id: act.agreement_id.clone(), seq: act.seq },
                Some(at),
            ),
        })
        .collect();
    Some(AgreementView {
        agreement_id: agreement.agreement_id.clone(),
        title: agreement.title.clone(),
        proposed_by: agreement.proposed_by.clone(),
        proposed_at: agreement.proposed_at,
        at,
        status,
        versions,
        suspensions: agreement.suspensions.iter().filter(|s| s.at <= at).cloned().collect(),
        acts,
    })
}

/// The readings of a version given by `at`, grouped by topic in topic order.
fn readings_of(
    state: &State,
    agreement: &AgreementRecord,
    version: &VersionRecord,
    at: Timestamp,
) -> Vec<ReadingsView> {
    let mut by_topic: BTreeMap<ReadingTopic, Vec<&ReadingRecord>> = BTreeMap::new();
    let readings = state
        .monitoring
        .readings
        .values()
        .filter(|r| r.agreement_id == agreement.agreement_id && r.version == version.version && r.given_by(at));
    for reading in readings {
        by_topic.entry(reading.reading.topic).or_default().push(reading);
    }
    by_topic
        .into_iter()
        .map(|(topic, mut records)| {
            records.sort_by_key(|r| r.recorded_at);
            let sources_agree = records.iter().all(|a| records.iter().all(|b| !a.reading.contradicts(&b.reading)));
            let readings = records
                .into_iter()
                .map(|record| {
                    let source = SourceRecord {
                        at: record.recorded_at,
                        added_by: record.recorded_by.clone(),
                        source: record.source.clone(),
                    };
                    ReadingView { record: record.clone(), weighed: state.weigh_source(&source) }
                })
                .collect();
            ReadingsView { topic, sources_agree, readings }
        })
        .collect()
}

pub async fn agreements(paging: Paging, as_of: AsOf) -> Result<Json<Page<AgreementView>>, ApiError> {
    let at = as_of.at;
    let page = as_of.read(|state| {
        page(&state.coordination.agreements, &paging, |agreement| agreement_at(state, agreement, at))
    })??;
    Ok(Json(page))
}

pub async fn agreement(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<AgreementView>, ApiError> {
    let at = as_of.at;
    as_of.read(|state| {
        let agreement = state.coordination.agreements.values().find(|a| *a.agreement_id.text() == *id);
        agreement
            .and_then(|agreement| agreement_at(state, agreement, at))
            .map(Json)
            .ok_or(ApiError::NotFound { kind: "agreement", id })
    })?
}

pub(crate) fn commitment_at(state: &State, commitment_id: &CommitmentId, at: Timestamp) -> Option<CommitmentView> {
    let status = state.coordination.commitment_status(commitment_id, at)?;
    let agreement = state.coordination.agreements.get(state.coordination.commitment_agreements.get(commitment_id)?)?;
    let version = agreement.version(status.version)?;
    let spec = version.terms.commitments.iter().find(|c| &c.commitment_id == commitment_id)?;
    let binds_non_signatory = !version.terms.signatories.contains(&spec.party_id);
    // Destructured in full so that a new field of `CommitmentSpec` cannot be left out unseen.
    let CommitmentSpec { commitment_id, party_id, kind, scope, window, force_ids, conditions, text } = spec.clone();
    let scope_kind = match scope {
        Scope::Corridor(_) => ScopeKind::Corridor,
        Scope::Zone(_) => ScopeKind::Zone,
    };
    let outcomes = state.condition_outcomes();
    let breached = outcomes.breaches.get(&commitment_id).filter(|b| b.at <= at).cloned();
    let released = outcomes.releases.get(&commitment_id).filter(|r| r.at <= at).cloned();
    let fulfilments: Vec<FulfilmentRecord> = state
        .coordination
        .fulfilments
        .get(&commitment_id)
        .into_iter()
        .flatten()
        .filter(|f| f.at <= at)
        .cloned()
        .collect();
    let standing = match (status.status, &released, &breached) {
        (_, Some(_), _) => CommitmentStanding::Released,
        (truce_core::CommitmentStatusKind::Fulfilled, _, _) => CommitmentStanding::Fulfilled,
        (_, None, Some(_)) => CommitmentStanding::Breached,
        (truce_core::CommitmentStatusKind::Active, None, None) => CommitmentStanding::Active,
        (truce_core::CommitmentStatusKind::Pending, None, None) => CommitmentStanding::Pending,
    };
    Some(CommitmentView {
        commitment_id,
        party_id,
        kind,
        scope,
        scope_kind,
        window,
        force_ids,
        conditions,
        text,
        agreement_id: agreement.agreement_id.clone(),
        status: standing,
        breached,
        released,
        fulfilments,
        binds_non_signatory,
        version: status.version,
        at,
    })
}

pub async fn commitments(paging: Paging, as_of: AsOf) -> Result<Json<Page<CommitmentView>>, ApiError> {
    let at = as_of.at;
    let page = as_of.read(|state| {
        // Commitments are indexed in a hash map; pages need a stable order.
        let ids: BTreeMap<CommitmentId, &CommitmentId> =
            state.coordination.commitment_agreements.keys().map(|id| (id.clone(), id)).collect();
        page(&ids, &paging, |id| commitment_at(state, id, at))
    })??;
    Ok(Json(page))
}

pub async fn consents(paging: Paging, as_of: AsOf) -> Result<Json<Page<ConsentRecord>>, ApiError> {
    let at = as_of.at;
    let page = as_of.read(|state| {
        page(&state.coordination.consents, &paging, |consent| (consent.effective_at <= at).then(|| consent.clone()))
    })??;
    Ok(Json(page))
}
