//! Sources: who says so, what they claim, and whether a recorded act was attested by its
//! own party or reported by someone else citing sources (`Provenance`).
//!
//! Shared by monitoring (an incident's sources and their claims) and coordination (the
//! sources of a reported act), so it sits with the vocabulary beneath both.

use serde::{Deserialize, Serialize};

use crate::vocab::{
    error::DomainError,
    ids::{AccountId, ForceId, PartyId, SourceId},
    text::{Name, Reason},
    time::Timestamp,
};

/// A count that is known only within bounds. Absent means unknown, never zero. A range
/// without `max` is open at the top: "more than 10" is `{"min": 11}`, "at least 10" is
/// `{"min": 10}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CountRange {
    pub min: u32,
    /// Absent: no upper bound given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Casualties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub killed: Option<CountRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injured: Option<CountRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub civilians_killed: Option<CountRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children_killed: Option<CountRange>,
}

/// The paths of a source's casualty figures in a command, in the order of
/// `Casualties::ranges`.
pub type CasualtyPaths = [&'static str; 4];

/// An incident's source, at `source`.
pub const SOURCE_CASUALTIES: CasualtyPaths = [
    "source.casualties.killed",
    "source.casualties.injured",
    "source.casualties.civilians_killed",
    "source.casualties.children_killed",
];

/// A count's source, at `count.source`.
pub const COUNT_SOURCE_CASUALTIES: CasualtyPaths = [
    "count.source.casualties.killed",
    "count.source.casualties.injured",
    "count.source.casualties.civilians_killed",
    "count.source.casualties.children_killed",
];

/// A reported act's sources, at `reported.sources[]`.
pub const REPORTED_CASUALTIES: CasualtyPaths = [
    "reported.sources[].casualties.killed",
    "reported.sources[].casualties.injured",
    "reported.sources[].casualties.civilians_killed",
    "reported.sources[].casualties.children_killed",
];

/// An observation's source, at `observation.source`.
pub const OBSERVATION_CASUALTIES: CasualtyPaths = [
    "observation.source.casualties.killed",
    "observation.source.casualties.injured",
    "observation.source.casualties.civilians_killed",
    "observation.source.casualties.children_killed",
];

impl Casualties {
    pub fn ranges(&self) -> [(&'static str, Option<CountRange>); 4] {
        [
            ("killed", self.killed),
            ("injured", self.injured),
            ("civilians_killed", self.civilians_killed),
            ("children_killed", self.children_killed),
        ]
    }

    /// Whether the source gives no casualty figure at all.
    pub fn is_unknown(&self) -> bool {
        self.ranges().iter().all(|(_, range)| range.is_none())
    }

    /// # Errors
    /// `RangeInverted` naming (by `paths`, in the order of `ranges`) the first range whose
    /// min is above its max.
    pub fn check(&self, paths: &CasualtyPaths) -> Result<(), DomainError> {
        for ((_, range), field) in self.ranges().into_iter().zip(paths.iter().copied()) {
            if let Some(CountRange { min, max: Some(max) }) = range {
                if min > max {
                    return Err(DomainError::RangeInverted { field, min: u64::from(min), max: u64::from(max) });
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A monitor who saw it on site.
    MonitorOnSite,
    Media,
    /// A party to the conflict (or its liaison) speaking.
    Party,
    Witness,
    SocialMedia,
    /// An organisation passing on reports it did not witness (a UN office relaying field
    /// reports, a wire service quoting a local outlet). Never verifies by itself.
    Relayed,
}

/// What one source says about an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SourceReport {
    pub source_id: SourceId,
    pub organisation: Name,
    pub kind: SourceKind,
    /// The organisation that decides independence (two reports of one outlet are one
    /// source); the reporting organisation when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub independence: Option<Name>,
    /// A link or document reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reason>,
    #[serde(default, skip_serializing_if = "Casualties::is_unknown")]
    pub casualties: Casualties,
    /// The force this source says is responsible, if it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_force_id: Option<ForceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Reason>,
    /// When the source said it: its valid time. Absent, the source speaks from the time of
    /// what it reports (the incident's start, the act's `effective_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<Timestamp>,
}

impl SourceReport {
    /// A source that says only who it is: no independence of its own, reference, figures,
    /// force, text or time of publication. What it says more is set on it.
    pub fn of(source_id: SourceId, organisation: Name, kind: SourceKind) -> SourceReport {
        SourceReport {
            source_id,
            organisation,
            kind,
            independence: None,
            reference: None,
            casualties: Casualties::default(),
            responsible_force_id: None,
            text: None,
            published_at: None,
        }
    }

    pub fn independence_key(&self) -> &str {
        self.independence.as_ref().unwrap_or(&self.organisation).as_str()
    }
}

/// How an act of a party reached the record: signed by an account of that party
/// (`attested`), or recorded by a monitor or analyst of another party citing sources
/// (`reported`), after the fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "provenance", rename_all = "snake_case", deny_unknown_fields)]
pub enum Provenance {
    Attested {
        /// The account of the acting party that signed it.
        author: AccountId,
    },
    Reported {
        /// The monitor's or analyst's account that recorded it.
        author: AccountId,
        /// The party of that account.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reporting_party: Option<PartyId>,
        sources: Vec<SourceReport>,
    },
}

impl Provenance {
    pub fn author(&self) -> &AccountId {
        match self {
            Provenance::Attested { author } | Provenance::Reported { author, .. } => author,
        }
    }

    pub fn is_attested(&self) -> bool {
        match self {
            Provenance::Attested { .. } => true,
            Provenance::Reported { .. } => false,
        }
    }
}

/// Reads a `Provenance` flattened into a record beside another flattened part (a stance,
/// an ending), as a projection snapshot reads the records back: serde's `flatten` hands each
/// flattened part the other's fields too, which `Provenance`'s `deny_unknown_fields` (right
/// for events) refuses. The same enum without it, for that one use.
///
/// # Errors
/// The deserializer's, as for `Provenance`.
pub(crate) fn flattened_provenance<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Provenance, D::Error> {
    #[derive(Deserialize)]
    #[serde(tag = "provenance", rename_all = "snake_case")]
    enum Flattened {
        Attested {
            author: AccountId,
        },
        Reported {
            author: AccountId,
            #[serde(default)]
            reporting_party: Option<PartyId>,
            sources: Vec<SourceReport>,
        },
    }
    Ok(match Flattened::deserialize(deserializer)? {
        Flattened::Attested { author } => Provenance::Attested { author },
        Flattened::Reported { author, reporting_party, sources } => {
            Provenance::Reported { author, reporting_party, sources }
        }
    })
}

/// On an act's command: the act is reported, not attested. `party_id` is the party that
/// acted; the command's `effective_at` is when, by the sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportedAct {
    pub party_id: PartyId,
    pub sources: Vec<SourceReport>,
}
