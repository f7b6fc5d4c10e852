//! The monitoring vocabulary: incidents and their sources' claims, verification grades,
//! statements and their stances, population estimates, passages, reported totals, convoys
//! and humanitarian notifications.
//!
//! Values only. What is recorded lives in `record`; what it means (grades,
//! violations) is derived in `verification`.

use serde::{Deserialize, Serialize};

use crate::{
    coordination::model::Group,
    vocab::geometry::{LineString, Position},
    vocab::ids::{AgreementId, CommitmentId, ConvoyId, CorridorId, ForceId, IncidentId, PartyId},
    vocab::text::{Name, Reason},
    vocab::time::{Timestamp, Window},
};

pub use crate::vocab::source::{Casualties, CountRange, SourceKind, SourceReport};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    Shelling,
    Airstrike,
    Gunfire,
    AttackOnCorridor,
    AttackOnConvoy,
    Obstruction,
    Casualties,
    Atrocity,
    Displacement,
    FrontLineChange,
}

impl IncidentKind {
    /// Whether an incident of this kind is an attack (what `no_attack` and `cease_fire` forbid).
    pub fn is_attack(self) -> bool {
        matches!(
            self,
            IncidentKind::Shelling
                | IncidentKind::Airstrike
                | IncidentKind::Gunfire
                | IncidentKind::AttackOnCorridor
                | IncidentKind::AttackOnConvoy
                | IncidentKind::Atrocity
        )
    }
}

/// Where: a point and how far off it may be.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub position: Position,
    pub uncertainty_m: f64,
}

/// When: `[start, end)`, or the instant `start` when `end` is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct When {
    pub start: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
}

impl When {
    /// Whether this time overlaps the half-open window: an instant t does when
    /// `start <= t < end`, an interval when they share an instant.
    pub fn overlaps(&self, window: &Window) -> bool {
        match self.end {
            None => window.contains(self.start),
            Some(end) => self.start < window.end() && window.start() < end,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    SingleSource,
    Corroborated,
    Verified,
    Contested,
    Discounted,
}

/// A statement's position on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "stance", rename_all = "snake_case", deny_unknown_fields)]
pub enum IncidentStance {
    Confirms {
        incident_id: IncidentId,
    },
    Denies {
        incident_id: IncidentId,
    },
    /// Says another force is responsible.
    Accuses {
        incident_id: IncidentId,
        force_id: ForceId,
    },
}

impl IncidentStance {
    pub fn incident_id(&self) -> &IncidentId {
        match self {
            IncidentStance::Confirms { incident_id }
            | IncidentStance::Denies { incident_id }
            | IncidentStance::Accuses { incident_id, .. } => incident_id,
        }
    }
}

/// What a statement refers to besides incidents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AgreementRef {
    pub agreement_id: AgreementId,
    pub version: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EstimateKind {
    /// People trapped in the zone.
    Trapped,
    /// People living in the zone.
    Residents,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Leaving the corridor's origin zone.
    Outbound,
    Inbound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConvoyStatus {
    Scheduled,
    Moving,
    Arrived,
    Stopped,
    TurnedBack,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Hospital,
    Shelter,
    Warehouse,
    Other,
}

/// What a humanitarian notification protects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Notified {
    Site {
        name: Name,
        site_kind: SiteKind,
        position: Position,
        radius_m: f64,
    },
    Movement {
        route: LineString,
        half_width_m: f64,
        window: Window,
        vehicles: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        markings: Option<Reason>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        convoy_id: Option<ConvoyId>,
    },
}

/// A reported total: a source's cumulative figure ("25,000 evacuated so far").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TotalScope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corridor_id: Option<CorridorId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<crate::vocab::ids::ZoneId>,
}

/// Who a violation is attributed to, and how sure we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ViolationStatus {
    Alleged,
    Substantiated,
    Dismissed,
}

/// One incident inside the scope and window of one active commitment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub incident_id: IncidentId,
    /// The commitment violated, or
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commitment_id: Option<CommitmentId>,
    /// the humanitarian notification violated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_id: Option<crate::vocab::ids::NotificationId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<AgreementId>,
    pub status: ViolationStatus,
    /// The commitment's party, then the parties answering for the perpetrator where known.
    pub parties: Vec<PartyId>,
    pub grade: Grade,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dismissed_reason: Option<Reason>,
}

/// Groups a passage can count.
pub type PassageGroup = Group;
