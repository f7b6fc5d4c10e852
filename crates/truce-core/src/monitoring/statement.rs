//! What a statement can say, and about what: its kind (a party's statement, or an outside
//! body's mandate or resolution), the records it takes a stance on (an incident, a
//! violation, a convoy, an agreement version or act, a count, an observation), and the
//! competing readings of an agreement version that sources give.
//!
//! Values only. Whether a record referred to exists is checked against the whole state in
//! `projection::decide`; what stances mean for a grade is `projection::verification`'s.

use serde::{Deserialize, Serialize};

use crate::{
    coordination::model::Group,
    monitoring::model::{IncidentStance, Quantity},
    vocab::ids::{
        AgreementId, CommitmentId, ConvoyId, EstimateId, ForceId, IncidentId, ObservationId, PassageId, TotalId,
    },
    vocab::text::Reason,
};

/// What kind of utterance a statement is. A party speaks (`statement`); an outside body
/// (a council, an assembly, a regional organisation, registered as a party of kind
/// `international_organisation`) decides: a `mandate` gives someone a task (to send
/// monitors, to supervise an evacuation), a `resolution` states its position or demands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    #[default]
    Statement,
    Mandate,
    Resolution,
}

impl StatementKind {
    /// For `skip_serializing_if`: a plain statement leaves the field out, so that entries
    /// written before kinds existed keep their exact text.
    pub fn is_statement(&self) -> bool {
        *self == StatementKind::Statement
    }
}

/// How an outside body voted on a mandate or resolution. A count not given is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Votes {
    pub in_favour: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abstaining: Option<u32>,
}

/// A record a statement refers to, typed by what it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "record", rename_all = "snake_case", deny_unknown_fields)]
pub enum RecordRef {
    Incident {
        incident_id: IncidentId,
    },
    /// The violation of a commitment by an incident.
    Violation {
        incident_id: IncidentId,
        commitment_id: CommitmentId,
    },
    Convoy {
        convoy_id: ConvoyId,
    },
    /// A version of an agreement: what the deal says.
    Version {
        agreement_id: AgreementId,
        version: u32,
    },
    /// An act on an agreement (a proposal, an endorsement, a rejection, a withdrawal, a
    /// suspension or resumption, a declaration that it is broken or completed), by the
    /// sequence number of the ledger entry that recorded it.
    Act {
        agreement_id: AgreementId,
        seq: u64,
    },
    /// A count of people who passed through a corridor.
    Passage {
        passage_id: PassageId,
    },
    /// A reported evacuation total.
    Total {
        total_id: TotalId,
    },
    /// A population estimate.
    Estimate {
        estimate_id: EstimateId,
    },
    /// A counted observation.
    Observation {
        observation_id: ObservationId,
    },
}

impl RecordRef {
    /// The incident the record is, or is a violation by.
    pub fn incident_id(&self) -> Option<&IncidentId> {
        match self {
            RecordRef::Incident { incident_id } | RecordRef::Violation { incident_id, .. } => Some(incident_id),
            RecordRef::Convoy { .. }
            | RecordRef::Version { .. }
            | RecordRef::Act { .. }
            | RecordRef::Passage { .. }
            | RecordRef::Total { .. }
            | RecordRef::Estimate { .. }
            | RecordRef::Observation { .. } => None,
        }
    }
}

/// A statement's position on one record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "stance", rename_all = "snake_case", deny_unknown_fields)]
pub enum StanceOn {
    /// Says it is so.
    Confirms { record: RecordRef },
    /// Says it is not so (it did not happen, the figure is wrong, the act was not made).
    Denies { record: RecordRef },
    /// Says another force is responsible.
    Accuses { record: RecordRef, force_id: ForceId },
    /// Refers to it without taking a position.
    Mentions { record: RecordRef },
}

impl StanceOn {
    pub fn record(&self) -> &RecordRef {
        match self {
            StanceOn::Confirms { record }
            | StanceOn::Denies { record }
            | StanceOn::Accuses { record, .. }
            | StanceOn::Mentions { record } => record,
        }
    }

    /// The stance as one on the incident the record is (or is a violation by): a stance
    /// on a violation is one on its incident too. `None` for a mention, and for records
    /// that are not incidents.
    pub fn on_incident(&self) -> Option<IncidentStance> {
        let incident_id = self.record().incident_id()?.clone();
        match self {
            StanceOn::Confirms { .. } => Some(IncidentStance::Confirms { incident_id }),
            StanceOn::Denies { .. } => Some(IncidentStance::Denies { incident_id }),
            StanceOn::Accuses { force_id, .. } => {
                Some(IncidentStance::Accuses { incident_id, force_id: force_id.clone() })
            }
            StanceOn::Mentions { .. } => None,
        }
    }
}

/// What part of a deal a reading is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReadingTopic {
    /// Who may leave, or pass.
    WhoMayLeave,
    /// How many may leave, or must be released.
    HowMany,
    /// Where they go.
    Destination,
    /// When it happens, or for how long.
    Timing,
    /// Who guarantees or supervises it.
    Guarantees,
    Other,
}

/// What one source says a version of a deal says on one topic: a claim about the deal,
/// not a term of it. Two sources' readings of one version stand side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Reading {
    pub topic: ReadingTopic,
    /// What the source says the deal says, in its words.
    pub says: Reason,
    /// The groups the source says it covers; empty when it names none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    /// How many people the source says it covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<Quantity>,
}

impl Reading {
    /// Whether two readings on one topic contradict each other: both give a figure and the
    /// figures cannot both hold, or both name groups and name different ones.
    pub fn contradicts(&self, other: &Reading) -> bool {
        let figures_apart = match (&self.people, &other.people) {
            (Some(a), Some(b)) => a.exceeds(b) || b.exceeds(a),
            _ => false,
        };
        let mut mine = self.groups.clone();
        let mut theirs = other.groups.clone();
        mine.sort();
        theirs.sort();
        let groups_apart = !mine.is_empty() && !theirs.is_empty() && mine != theirs;
        figures_apart || groups_apart
    }
}
