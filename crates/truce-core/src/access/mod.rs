//! Who acts: accounts, their roles and keys, and the `Actor` a command is decided for.
//!
//! Authentication (is the key registered to the author, does the author speak for the
//! party, is the nonce fresh) is `decide`'s, because key registrations are facts in the
//! ledger like any other; what each role may submit is checked through `Actor`.

pub(crate) mod table;

use serde::{Deserialize, Serialize};

use crate::vocab::{
    error::DomainError,
    ids::{AccountId, EncryptionKeyText, PartyId, PublicKeyText},
    limits::{ISSUED_AT_SKEW_S_MAX, LIST_LEN_MAX},
    require::require_list,
    source::{Provenance, ReportedAct},
    text::Name,
    time::Timestamp,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Role {
    Operator,
    Coordinator,
    Monitor,
    Analyst,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Coordinator => "coordinator",
            Role::Monitor => "monitor",
            Role::Analyst => "analyst",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Account {
    pub account_id: AccountId,
    pub party_id: Option<PartyId>,
    pub name: Name,
    pub roles: Vec<Role>,
    /// The keys that sign for the account now.
    pub public_keys: Vec<PublicKeyText>,
    /// Keys revoked from the account: what they signed before `revoked_at` stands, what
    /// they sign after is refused.
    pub revoked_keys: Vec<RevokedKey>,
    /// The key sealed entries this account is entitled to are encrypted to, once set.
    pub encryption_key: Option<EncryptionKeyText>,
    pub registered_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevokedKey {
    pub public_key: PublicKeyText,
    pub revoked_at: Timestamp,
    pub revoked_by: AccountId,
}

/// A one-time enrolment: who may use it, until when, and whether it was used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrolment {
    pub account_id: AccountId,
    pub expires_at: Timestamp,
    pub created_by: AccountId,
    pub used: bool,
}

impl Account {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// When `key` was revoked from this account, if it was.
    pub fn revoked(&self, key: &PublicKeyText) -> Option<&RevokedKey> {
        self.revoked_keys.iter().find(|revoked| &revoked.public_key == key)
    }
}

/// The authenticated author of a command and the party it speaks for.
pub(crate) struct Actor<'a> {
    pub(crate) account: &'a Account,
    pub(crate) party: Option<&'a PartyId>,
}

impl<'a> Actor<'a> {
    pub(crate) fn require_any(&self, roles: &[Role], action: &'static str) -> Result<(), DomainError> {
        if roles.iter().any(|role| self.account.has_role(*role)) {
            return Ok(());
        }
        Err(DomainError::Forbidden { action, role: roles[0].as_str() })
    }
}

/// An act of a party as the record will hold it: which party acted, when in the world, and
/// how it reached the record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Act {
    pub(crate) party_id: PartyId,
    pub(crate) effective_at: Timestamp,
    pub(crate) provenance: Provenance,
}

/// The times an act is checked against: the command's `issued_at` and the entry's
/// `accepted_at` (record time).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActTimes {
    pub(crate) issued_at: Timestamp,
    pub(crate) accepted_at: Timestamp,
}

impl<'a> Actor<'a> {
    /// Resolves an act's party, valid time and provenance.
    ///
    /// Attested (no `reported`): an account with one of `attest_roles` speaks for its own
    /// party, and the act happens when it is signed, so `effective_at` is absent or equal
    /// to `issued_at`. Reported: a monitor or analyst records an act of another party,
    /// after the fact, with the time and the sources it rests on; `party_label` names
    /// parties in refusals.
    ///
    /// # Errors
    /// The first rule broken, naming the field.
    pub(crate) fn act(
        &self,
        times: ActTimes,
        effective_at: Option<Timestamp>,
        reported: Option<&ReportedAct>,
        attest_roles: &[Role],
        action: &'static str,
        party_known: impl Fn(&PartyId) -> Result<String, DomainError>,
    ) -> Result<Act, DomainError> {
        let author = self.account.account_id.clone();
        let Some(reported) = reported else {
            self.require_any(attest_roles, action)?;
            let party_id = self.party.ok_or(DomainError::NeedsParty { action })?;
            if let Some(effective_at) = effective_at.filter(|at| *at != times.issued_at) {
                return Err(DomainError::AttestedEffectiveAt {
                    effective_at: effective_at.to_string(),
                    issued_at: times.issued_at.to_string(),
                });
            }
            return Ok(Act {
                party_id: party_id.clone(),
                effective_at: times.issued_at,
                provenance: Provenance::Attested { author },
            });
        };
        if !(self.account.has_role(Role::Monitor) || self.account.has_role(Role::Analyst)) {
            return Err(DomainError::ReportForbidden);
        }
        // The party named by the report, by its full path when it does not exist.
        let label = party_known(&reported.party_id).map_err(|err| match err {
            DomainError::Unknown { kind, id } => DomainError::UnknownAt { field: "reported.party_id", kind, id },
            other => other,
        })?;
        if self.party == Some(&reported.party_id) {
            return Err(DomainError::ReportedOwnParty { party: label });
        }
        let effective_at = effective_at.ok_or(DomainError::ReportedNeedsEffectiveAt)?;
        check_not_after_record("effective_at", effective_at, times.accepted_at)?;
        require_list(
            "reported.sources",
            &reported.sources.iter().map(|s| &s.source_id).collect::<Vec<_>>(),
            1,
            LIST_LEN_MAX,
        )?;
        for source in &reported.sources {
            source.casualties.check(&crate::vocab::source::REPORTED_CASUALTIES)?;
            if let Some(published_at) = source.published_at {
                check_not_after_record("reported.sources[].published_at", published_at, times.accepted_at)?;
            }
        }
        Ok(Act {
            party_id: reported.party_id.clone(),
            effective_at,
            provenance: Provenance::Reported {
                author,
                reporting_party: self.party.cloned(),
                sources: reported.sources.clone(),
            },
        })
    }
}

/// A valid time may not be later than the entry's record time (plus the allowed clock
/// skew): nothing is recorded before it happens.
///
/// # Errors
/// `ValidTimeInFuture` naming the field.
pub(crate) fn check_not_after_record(
    field: &'static str,
    value: Timestamp,
    accepted_at: Timestamp,
) -> Result<(), DomainError> {
    if accepted_at.seconds_until(value) > ISSUED_AT_SKEW_S_MAX {
        return Err(DomainError::ValidTimeInFuture {
            field,
            value: value.to_string(),
            accepted_at: accepted_at.to_string(),
            skew_s_max: ISSUED_AT_SKEW_S_MAX,
        });
    }
    Ok(())
}
