//! The monitoring vocabulary: incidents and their sources' claims, verification grades,
//! statements and their stances, population estimates, passages, reported totals, convoys
//! and humanitarian notifications.
//!
//! Values only. What is recorded lives in `record`; what it means (grades,
//! violations) is derived in `verification`.

use serde::{Deserialize, Serialize};

use crate::{
    coordination::model::Group,
    vocab::error::DomainError,
    vocab::geometry::{LineString, Position},
    vocab::ids::{AgreementId, CommitmentId, ConvoyId, CorridorId, ForceId, IncidentId, PartyId, SourceId},
    vocab::text::{Name, Reason},
    vocab::time::{Timestamp, Window},
};

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

/// A count that is known only within bounds. Absent means unknown, never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CountRange {
    pub min: u32,
    pub max: u32,
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

impl Casualties {
    pub fn ranges(&self) -> [(&'static str, Option<CountRange>); 4] {
        [
            ("killed", self.killed),
            ("injured", self.injured),
            ("civilians_killed", self.civilians_killed),
            ("children_killed", self.children_killed),
        ]
    }

    /// # Errors
    /// `RangeInverted` naming the first range whose min is above its max.
    pub fn check(&self) -> Result<(), DomainError> {
        for (field, range) in self.ranges() {
            if let Some(range) = range {
                if range.min > range.max {
                    return Err(DomainError::RangeInverted {
                        field,
                        min: u64::from(range.min),
                        max: u64::from(range.max),
                    });
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
    MonitorOnSite,
    Media,
    Party,
    Witness,
    SocialMedia,
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
    #[serde(default)]
    pub casualties: Casualties,
    /// The force this source says is responsible, if it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_force_id: Option<ForceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Reason>,
}

impl SourceReport {
    pub fn independence_key(&self) -> &str {
        self.independence.as_ref().unwrap_or(&self.organisation).as_str()
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
