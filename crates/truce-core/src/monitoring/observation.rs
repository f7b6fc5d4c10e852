//! Counted observations, as ceasefire monitoring missions report them: "from its position
//! in X the mission heard 12 undetermined explosions 3 to 5 km south-east": how many of
//! what, heard or seen, with what weapon where it can tell, from where, in which
//! direction and how far.
//!
//! Values only. An observation is not an incident: it has no grade of its own and matches
//! no commitment (where the explosions fell is known only as a bearing and a distance from
//! the observer); it is counted, shown with its source, and may be referred to by
//! statements. A monitor who can place an explosion reports it as an incident too.

use serde::{Deserialize, Serialize};

use crate::{
    monitoring::model::{Location, Quantity, SourceReport, When},
    vocab::error::DomainError,
};

/// What was observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ObservedKind {
    Explosion,
    /// Bursts or shots of small-arms or heavy machine-gun fire.
    Fire,
    /// An illumination flare.
    Flare,
    /// A drone, in flight.
    Drone,
    /// Military movement (vehicles, weapons seen where they should not be).
    Movement,
}

/// How the observer knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Perception {
    Heard,
    Seen,
    HeardAndSeen,
}

/// The weapon, as far as the observer can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Weapon {
    Artillery,
    Mortar,
    Tank,
    /// A multiple launch rocket system.
    RocketLauncher,
    AntiAircraftGun,
    HeavyMachineGun,
    SmallArms,
    GrenadeLauncher,
    /// An armed drone, or a munition dropped from one.
    Drone,
    /// The observer could not tell.
    Undetermined,
}

/// How far from the observer, in metres, as a range (`min` = `max` for one figure).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DistanceRange {
    pub min_m: f64,
    pub max_m: f64,
}

/// One counted observation, as one source reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Observation {
    pub observed: ObservedKind,
    pub perception: Perception,
    /// How many (explosions, bursts, flares).
    pub count: Quantity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weapon: Option<Weapon>,
    /// The instant, or the period over which they were counted (valid time).
    pub when: When,
    /// Where the observer stood (its zone, if named).
    pub observer: Location,
    /// The direction from the observer, degrees clockwise from true north, `[0, 360)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearing_deg: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<DistanceRange>,
    pub source: SourceReport,
}

impl Observation {
    /// The bearing and distance are within bounds.
    ///
    /// # Errors
    /// `OutOfRange` naming the bearing or a distance; `RangeInverted` for a distance whose
    /// minimum is above its maximum.
    pub(crate) fn check(&self, distance_m_max: f64) -> Result<(), DomainError> {
        if let Some(bearing_deg) = self.bearing_deg {
            if !(bearing_deg.is_finite() && (0.0..360.0).contains(&bearing_deg)) {
                return Err(DomainError::OutOfRange {
                    field: "observation.bearing_deg",
                    value: bearing_deg,
                    max: 360.0,
                });
            }
        }
        if let Some(distance) = self.distance {
            for (field, value) in
                [("observation.distance.min_m", distance.min_m), ("observation.distance.max_m", distance.max_m)]
            {
                if !(value.is_finite() && (0.0..=distance_m_max).contains(&value)) {
                    return Err(DomainError::OutOfRange { field, value, max: distance_m_max });
                }
            }
            if distance.min_m > distance.max_m {
                // Whole metres in the refusal: the figures are checked finite above.
                return Err(DomainError::RangeInverted {
                    field: "observation.distance",
                    min: distance.min_m as u64,
                    max: distance.max_m as u64,
                });
            }
        }
        Ok(())
    }
}
