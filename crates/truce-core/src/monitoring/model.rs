//! The monitoring vocabulary: incidents and their sources' claims, verification grades,
//! statements and their stances, counts of people (population estimates, passages,
//! reported totals), convoys and humanitarian notifications.
//!
//! Values only. What is recorded lives in `record`; what it means (grades,
//! violations) is derived in `verification`.

use std::fmt;

use serde::{
    de::{self, MapAccess, Visitor},
    Deserialize, Deserializer, Serialize, Serializer,
};

pub use crate::coordination::model::Destination;
use crate::{
    vocab::error::DomainError,
    vocab::geometry::{LineString, Position},
    vocab::ids::{AgreementId, CommitmentId, ConvoyId, CorridorId, ForceId, IncidentId, PartyId, ZoneId},
    vocab::text::{Name, Reason},
    vocab::time::{Timestamp, Window},
};

pub use crate::monitoring::{
    observation::{DistanceRange, Observation, ObservedKind, Perception, Weapon},
    statement::{Reading, ReadingTopic, RecordRef, StanceOn, StatementKind, Votes},
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
    /// A remote explosive, landmine or IED (ACLED: remote explosive/landmine/IED).
    RemoteExplosive,
    /// A suicide or car bomb (ACLED: suicide bomb).
    SuicideBomb,
    /// A chemical weapon (ACLED: chemical weapon).
    ChemicalWeapon,
    /// An abduction or forced disappearance.
    Abduction,
    /// Looting (ACLED: looting/property destruction, when looting).
    Looting,
    /// Sexual violence.
    SexualViolence,
    /// Arrests.
    Arrests,
    /// The destruction of property (ACLED: looting/property destruction, when destruction).
    PropertyDestruction,
}

impl IncidentKind {
    /// Whether an incident of this kind is an attack (what `no_attack` and `cease_fire` forbid).
    pub fn is_attack(self) -> bool {
        // Exhaustive, so that a new kind is classified on purpose.
        match self {
            IncidentKind::Shelling
            | IncidentKind::Airstrike
            | IncidentKind::Gunfire
            | IncidentKind::AttackOnCorridor
            | IncidentKind::AttackOnConvoy
            | IncidentKind::Atrocity
            | IncidentKind::RemoteExplosive
            | IncidentKind::SuicideBomb
            | IncidentKind::ChemicalWeapon
            | IncidentKind::Abduction
            | IncidentKind::SexualViolence
            | IncidentKind::PropertyDestruction => true,
            IncidentKind::Obstruction
            | IncidentKind::Casualties
            | IncidentKind::Displacement
            | IncidentKind::FrontLineChange
            | IncidentKind::Looting
            | IncidentKind::Arrests => false,
        }
    }
}

/// Where: a point, how far off it may be, how precisely its source placed it, and the
/// zone it is said to be in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub position: Position,
    pub uncertainty_m: f64,
    /// How precisely the source placed it (ACLED's geo precision); absent, not said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<GeoPrecision>,
    /// The zone the source says it is in. A point far outside that zone, or one whose
    /// longitude and latitude look swapped, is accepted with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<ZoneId>,
}

/// ACLED's geo precision codes, by name: how precisely a source places an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GeoPrecision {
    /// ACLED 1: the place itself is named (a town, a village, a named site).
    Exact,
    /// ACLED 2: near a named place, or in a part of a region; placed at the nearest town.
    Near,
    /// ACLED 3: only a larger region is named; placed at its centre or capital.
    Region,
}

/// ACLED's time precision codes, by name: how precisely a source dates an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimePrecision {
    /// ACLED 1: the day is known.
    Day,
    /// ACLED 2: only the week (or a span of a few days) is known.
    Week,
    /// ACLED 3: only the month is known.
    Month,
}

/// When: `[start, end)`, or the instant `start` when `end` is absent, and how precisely
/// the source dates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct When {
    pub start: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
    /// How precisely the source dates it (ACLED's time precision); absent, not said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<TimePrecision>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EstimateKind {
    /// People trapped in the zone.
    Trapped,
    /// People living in the zone.
    Residents,
    /// People who have left the zone; `destination` says where they went.
    Displaced,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    School,
    /// An organisation's office or compound.
    Office,
    /// A food or aid distribution point.
    DistributionPoint,
    /// A camp or collective centre for displaced people.
    DisplacementSite,
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

/// What a reported total is about: a corridor, a zone (people evacuated from it), or both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TotalScope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corridor_id: Option<CorridorId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<ZoneId>,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// A number of people as a source gives it: exactly, within bounds, or with a qualifier
/// ("about 5,000", "at least 300", "up to 40", "more than 100"). Never below zero: a figure
/// is a whole number from 0 to 4,294,967,295.
///
/// On the wire an exact figure is a bare number (`120`); any other is an object with one
/// key: `{"range": {"min": 100, "max": 150}}`, `{"about": 5000}`, `{"at_least": 300}`,
/// `{"up_to": 40}`, `{"more_than": 100}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantity {
    Exact(u32),
    Range(Bounds),
    About(u32),
    AtLeast(u32),
    UpTo(u32),
    MoreThan(u32),
}

/// `min..=max`, both counted. Invariant: `min <= max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawBounds")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Bounds {
    min: u32,
    max: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct RawBounds {
    min: u32,
    max: u32,
}

impl TryFrom<RawBounds> for Bounds {
    type Error = DomainError;
    fn try_from(raw: RawBounds) -> Result<Bounds, DomainError> {
        Bounds::new(raw.min, raw.max).map_err(crate::vocab::refusal::note)
    }
}

impl Bounds {
    /// # Errors
    /// `RangeInverted` when `min` is above `max`.
    pub fn new(min: u32, max: u32) -> Result<Bounds, DomainError> {
        if min > max {
            return Err(DomainError::RangeInverted { field: "range", min: u64::from(min), max: u64::from(max) });
        }
        Ok(Bounds { min, max })
    }

    pub fn min(&self) -> u32 {
        self.min
    }

    pub fn max(&self) -> u32 {
        self.max
    }
}

impl Quantity {
    /// The fewest people the figure allows. An approximate figure ("about n") is taken at
    /// its word, `n`: it has no hard bounds, and is compared by what it says.
    pub fn least(&self) -> u64 {
        match *self {
            Quantity::Exact(n) | Quantity::About(n) | Quantity::AtLeast(n) => u64::from(n),
            Quantity::Range(bounds) => u64::from(bounds.min),
            Quantity::UpTo(_) => 0,
            Quantity::MoreThan(n) => u64::from(n) + 1,
        }
    }

    /// The most people the figure allows; `None` when it sets no upper bound.
    pub fn most(&self) -> Option<u64> {
        match *self {
            Quantity::Exact(n) | Quantity::About(n) | Quantity::UpTo(n) => Some(u64::from(n)),
            Quantity::Range(bounds) => Some(u64::from(bounds.max)),
            Quantity::AtLeast(_) | Quantity::MoreThan(_) => None,
        }
    }

    /// Whether this figure, as a part, could not fit inside `whole`: the fewest it allows is
    /// more than the most `whole` allows.
    pub fn exceeds(&self, whole: &Quantity) -> bool {
        whole.most().is_some_and(|most| self.least() > most)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quantity::Exact(n) => write!(f, "{n}"),
            Quantity::Range(bounds) => write!(f, "{} to {}", bounds.min, bounds.max),
            Quantity::About(n) => write!(f, "about {n}"),
            Quantity::AtLeast(n) => write!(f, "at least {n}"),
            Quantity::UpTo(n) => write!(f, "up to {n}"),
            Quantity::MoreThan(n) => write!(f, "more than {n}"),
        }
    }
}

/// The keys of a qualified figure on the wire.
const QUALIFIERS: &[&str] = &["range", "about", "at_least", "up_to", "more_than"];

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (key, n) = match self {
            Quantity::Exact(n) => return serializer.serialize_u32(*n),
            Quantity::Range(bounds) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("range", bounds)?;
                return map.end();
            }
            Quantity::About(n) => ("about", n),
            Quantity::AtLeast(n) => ("at_least", n),
            Quantity::UpTo(n) => ("up_to", n),
            Quantity::MoreThan(n) => ("more_than", n),
        };
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(key, n)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Quantity, D::Error> {
        struct QuantityVisitor;

        impl<'de> Visitor<'de> for QuantityVisitor {
            type Value = Quantity;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a whole number of people from 0 to 4294967295, or an object with one of the keys `range`, \
                     `about`, `at_least`, `up_to`, `more_than`",
                )
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Quantity, E> {
                u32::try_from(n).map(Quantity::Exact).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(n), &self))
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Quantity, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::invalid_value(de::Unexpected::Signed(n), &self)),
                }
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Quantity, A::Error> {
                // The key as a string, so that the path of an error names it.
                let Some(qualifier) = map.next_key::<String>()? else {
                    return Err(de::Error::invalid_length(0, &self));
                };
                let quantity = match qualifier.as_str() {
                    "range" => Quantity::Range(map.next_value()?),
                    "about" => Quantity::About(map.next_value()?),
                    "at_least" => Quantity::AtLeast(map.next_value()?),
                    "up_to" => Quantity::UpTo(map.next_value()?),
                    "more_than" => Quantity::MoreThan(map.next_value()?),
                    other => return Err(de::Error::unknown_variant(other, QUALIFIERS)),
                };
                if let Some(other) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format_args!(
                        "a figure has one qualifier; `{other}` is a second one"
                    )));
                }
                Ok(quantity)
            }
        }

        deserializer.deserialize_any(QuantityVisitor)
    }
}

/// How many of the people counted belong to each group. The groups overlap (a wounded
/// child is counted under `wounded` and under `children`), so they need not add up to the
/// whole; each is at most the whole. A group the source does not give is absent: unknown,
/// never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Breakdown {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub civilians: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fighters: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wounded: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detainees: Option<Quantity>,
}

/// The paths of a breakdown's groups in a command, in the order of `Breakdown::groups`.
pub(crate) type BreakdownPaths = [&'static str; 5];

/// A count's breakdown, at `count.breakdown`.
pub(crate) const COUNT_BREAKDOWN: BreakdownPaths = [
    "count.breakdown.civilians",
    "count.breakdown.fighters",
    "count.breakdown.wounded",
    "count.breakdown.children",
    "count.breakdown.detainees",
];

/// A population estimate's breakdown, at `breakdown`.
pub(crate) const ESTIMATE_BREAKDOWN: BreakdownPaths =
    ["breakdown.civilians", "breakdown.fighters", "breakdown.wounded", "breakdown.children", "breakdown.detainees"];

impl Breakdown {
    /// Each group's name and figure, in a fixed order.
    pub fn groups(&self) -> [(&'static str, Option<Quantity>); 5] {
        [
            ("civilians", self.civilians),
            ("fighters", self.fighters),
            ("wounded", self.wounded),
            ("children", self.children),
            ("detainees", self.detainees),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.groups().iter().all(|(_, figure)| figure.is_none())
    }

    /// # Errors
    /// `BreakdownAboveTotal` naming (by `paths`) the first group that cannot fit inside
    /// `whole`.
    pub(crate) fn check(&self, whole: &Quantity, paths: &BreakdownPaths) -> Result<(), DomainError> {
        for ((_, part), field) in self.groups().into_iter().zip(paths) {
            if let Some(part) = part {
                if part.exceeds(whole) {
                    return Err(DomainError::BreakdownAboveTotal {
                        field,
                        part: part.to_string(),
                        whole: whole.to_string(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Whether a figure counts the people who moved in its period (an increment: "300 left
/// today"), or everyone since the movement began (cumulative: "25,000 evacuated so far").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Increment,
    Cumulative,
}

/// A count of people who moved, as one source gives it: a passage through a corridor or
/// an evacuation total. The one value both carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Count {
    /// How many people.
    pub people: Quantity,
    pub basis: Basis,
    /// The period the figure covers, `[start, end)`, or the instant `start` it stands at
    /// (a cumulative figure "as of"). Valid time.
    pub period: When,
    /// By group; a group not given is unknown.
    #[serde(default, skip_serializing_if = "Breakdown::is_empty")]
    pub breakdown: Breakdown,
    /// Who gives the figure; its `published_at` is when it was given.
    pub source: SourceReport,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Reason>,
}

impl Count {
    /// The instant the figure describes: the end of its period, or its instant.
    pub fn as_of(&self) -> Timestamp {
        self.period.end.unwrap_or(self.period.start)
    }

    /// Whether the figure had been given at valid time `at`: its period had ended (or its
    /// instant passed) and its source had spoken (`published_at`, when it says).
    pub fn given_by(&self, at: Timestamp) -> bool {
        self.as_of() <= at && self.source.published_at.is_none_or(|published_at| published_at <= at)
    }
}

/// The key under which two names of one organisation meet: lower case, with runs of
/// whitespace made one space and none at either end (`"UN  OCHA "` and `"un ocha"`).
pub fn organisation_key(name: &str) -> String {
    name.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

#[cfg(feature = "schema")]
mod quantity_schema {
    use std::borrow::Cow;

    use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

    use super::{Bounds, Quantity};

    impl JsonSchema for Quantity {
        fn schema_name() -> Cow<'static, str> {
            "Quantity".into()
        }

        fn schema_id() -> Cow<'static, str> {
            concat!(module_path!(), "::Quantity").into()
        }

        fn json_schema(generator: &mut SchemaGenerator) -> Schema {
            let bounds = generator.subschema_for::<Bounds>();
            let whole = json_schema!({"type": "integer", "minimum": 0, "maximum": u32::MAX});
            let qualified = |key: &str, description: &str, value: &Schema| {
                json_schema!({
                    "description": description,
                    "type": "object",
                    "properties": { key: value },
                    "required": [key],
                    "additionalProperties": false
                })
            };
            json_schema!({
                "description": "A number of people as a source gives it: a bare number is exact; otherwise one qualifier.",
                "oneOf": [
                    {"description": "Exactly this many.", "type": "integer", "minimum": 0, "maximum": u32::MAX},
                    qualified("range", "From `min` to `max`, both counted; `min` is at most `max`.", &bounds),
                    qualified("about", "About this many.", &whole),
                    qualified("at_least", "At least this many.", &whole),
                    qualified("up_to", "Up to this many.", &whole),
                    qualified("more_than", "More than this many.", &whole)
                ]
            })
        }
    }
}
