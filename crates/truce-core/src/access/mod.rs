//! Who acts: accounts, their roles and keys, and the `Actor` a command is decided for.
//!
//! Authentication (is the key registered to the author, does the author speak for the
//! party, is the nonce fresh) is `decide`'s, because key registrations are facts in the
//! ledger like any other; what each role may submit is checked through `Actor`.

use serde::{Deserialize, Serialize};

use crate::vocab::{
    error::DomainError,
    ids::{AccountId, PartyId, PublicKeyText},
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

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Account {
    pub account_id: AccountId,
    pub party_id: Option<PartyId>,
    pub name: Name,
    pub roles: Vec<Role>,
    pub public_keys: Vec<PublicKeyText>,
    pub registered_at: Timestamp,
}

impl Account {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// The authenticated author of a command and the party it speaks for.
pub(crate) struct Actor<'a> {
    pub(crate) account: &'a Account,
    pub(crate) party: Option<&'a PartyId>,
}

impl<'a> Actor<'a> {
    pub(crate) fn require(&self, role: Role, action: &'static str) -> Result<(), DomainError> {
        self.require_any(&[role], action)
    }

    pub(crate) fn require_any(&self, roles: &[Role], action: &'static str) -> Result<(), DomainError> {
        if roles.iter().any(|role| self.account.has_role(*role)) {
            return Ok(());
        }
        Err(DomainError::Forbidden { action, role: roles[0].as_str() })
    }

    /// The party a coordinator speaks for.
    pub(crate) fn coordinator_party(&self, action: &'static str) -> Result<&'a PartyId, DomainError> {
        self.require(Role::Coordinator, action)?;
        self.party.ok_or(DomainError::NeedsParty { action })
    }
}
