//! The terms parties agree on: corridors, truces and commitments, and the small enums
//! that classify parties, accounts and groups of people.
//!
//! These are values carried by commands and events. The state that accumulates them
//! (who endorsed what, when) lives in `state`; what they mean at an instant lives in
//! `status`.

use serde::{Deserialize, Serialize};

use crate::{
    vocab::geometry::LineString,
    vocab::ids::{CommitmentId, CorridorId, ForceId, PartyId, ZoneId},
    vocab::text::{Code, Name, Names, Reason},
    vocab::time::{Timestamp, Window},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum PartyKind {
    State,
    ArmedGroup,
    Alliance,
    InternationalOrganisation,
    HumanitarianOrganisation,
    Monitor,
    MediaOrganisation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ZoneKind {
    BesiegedArea,
    Neighbourhood,
    City,
    Other,
}

/// Who may use a corridor, or a window of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Group {
    Civilians,
    Fighters,
    Wounded,
    HumanitarianConvoys,
}

impl Group {
    /// The group in words, for headlines.
    pub fn label(self) -> &'static str {
        match self {
            Group::Civilians => "civilians",
            Group::Fighters => "fighters",
            Group::Wounded => "the wounded",
            Group::HumanitarianConvoys => "humanitarian convoys",
        }
    }
}

/// One opening of a corridor: `[start, end)`, optionally only for some of its groups
/// (so that the wounded can go first and fighters last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawCorridorWindow", into = "RawCorridorWindow")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorridorWindow {
    pub window: Window,
    /// Empty means every group the corridor admits.
    pub groups: Vec<Group>,
}

// A corridor window on the wire is flat (`{start, end, groups}`); serde's `flatten`
// cannot be combined with `deny_unknown_fields`, hence this intermediate form.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct RawCorridorWindow {
    start: Timestamp,
    end: Timestamp,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    groups: Vec<Group>,
}

impl TryFrom<RawCorridorWindow> for CorridorWindow {
    type Error = crate::vocab::error::DomainError;
    fn try_from(raw: RawCorridorWindow) -> Result<CorridorWindow, Self::Error> {
        let window = Window::new(raw.start, raw.end).map_err(crate::vocab::refusal::note)?;
        Ok(CorridorWindow { window, groups: raw.groups })
    }
}

impl From<CorridorWindow> for RawCorridorWindow {
    fn from(value: CorridorWindow) -> RawCorridorWindow {
        RawCorridorWindow { start: value.window.start(), end: value.window.end(), groups: value.groups }
    }
}

/// Where a corridor leads: a known zone, or a named place outside any zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Destination {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<ZoneId>,
    pub name: Name,
}

/// A corridor as a version of an agreement defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorridorSpec {
    pub corridor_id: CorridorId,
    pub code: Code,
    pub name: Name,
    /// The name in other languages; `name` is the default.
    #[serde(default, skip_serializing_if = "Names::is_empty")]
    pub names: Names,
    pub route: LineString,
    #[cfg_attr(feature = "schema", schemars(extend("exclusiveMinimum" = 0.0, "maximum" = crate::vocab::limits::HALF_WIDTH_M_MAX)))]
    pub half_width_m: f64,
    pub origin_zone_id: ZoneId,
    pub destination: Destination,
    pub groups: Vec<Group>,
    pub windows: Vec<CorridorWindow>,
    /// True when the geometry is approximate and only illustrates the plan.
    #[serde(default)]
    pub illustrative: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum CommitmentKind {
    /// Forces the party answers for will not attack the scope.
    NoAttack,
    /// The party obtains the named forces' consent to use the corridor.
    SecureConsent,
    /// No fire in the zone.
    CeaseFire,
    /// Humanitarian access to the scope.
    AllowAccess,
    /// Buses, ambulances and the like.
    ProvideTransport,
    /// Withdraw the named forces, or the fighters, from the scope (to the corridor's
    /// destination, or as the text says).
    WithdrawForces,
    /// Evacuate named groups from the scope (the text and the corridor's groups say whom).
    Evacuate,
    /// Hand over positions or weapons, or surrender, in the scope.
    HandOver,
    /// Let another party's convoys pass through the scope; obstructing them breaches it.
    AllowPassage,
    /// Release detainees (the text says whom and where).
    ReleaseDetainees,
}

impl CommitmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CommitmentKind::NoAttack => "no_attack",
            CommitmentKind::SecureConsent => "secure_consent",
            CommitmentKind::CeaseFire => "cease_fire",
            CommitmentKind::AllowAccess => "allow_access",
            CommitmentKind::ProvideTransport => "provide_transport",
            CommitmentKind::WithdrawForces => "withdraw_forces",
            CommitmentKind::Evacuate => "evacuate",
            CommitmentKind::HandOver => "hand_over",
            CommitmentKind::AllowPassage => "allow_passage",
            CommitmentKind::ReleaseDetainees => "release_detainees",
        }
    }
}

/// What a commitment is about: one corridor or one zone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Scope {
    Corridor(CorridorId),
    Zone(ZoneId),
}

/// What one party undertakes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitmentSpec {
    pub commitment_id: CommitmentId,
    pub party_id: PartyId,
    pub kind: CommitmentKind,
    pub scope: Scope,
    /// `None`: for as long as the agreement is in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// For `no_attack` and `cease_fire`, the forces bound; for `secure_consent`, the forces
    /// whose consent is to be obtained.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub force_ids: Vec<ForceId>,
    /// Commitments, in this agreement or another, on which this one depends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    pub text: Reason,
}

/// One commitment's dependence on another: "evacuation from A proceeds only while the
/// wounded leave B".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Condition {
    pub commitment_id: CommitmentId,
    #[serde(default)]
    pub requires: Requirement,
}

/// What a condition asks of the commitment it names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Requirement {
    /// It is fulfilled, or it applies (its agreement in force, in its window).
    #[default]
    Holds,
    /// It is fulfilled.
    Fulfilled,
    /// It has not been breached: no substantiated violation of it. From the moment it is,
    /// the dependent commitment no longer binds (reciprocity: each side's commitment can
    /// depend on the other's not being breached).
    NotBreached,
}

/// When a truce starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TruceStart {
    /// As soon as the version is agreed, without prior coordination.
    Immediately,
    /// At a set time, once agreed.
    At { at: Timestamp },
    /// Once every named commitment is fulfilled.
    WhenFulfilled { commitment_ids: Vec<CommitmentId> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Truce {
    pub zone_id: ZoneId,
    pub start: TruceStart,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
}

/// The content of one version of an agreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Terms {
    #[serde(default)]
    pub corridors: Vec<CorridorSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truce: Option<Truce>,
    #[serde(default)]
    pub commitments: Vec<CommitmentSpec>,
    /// Parties whose endorsement makes the version agreed.
    pub signatories: Vec<PartyId>,
    /// Parties that back the agreement without being bound by it (a ceasefire "sponsored
    /// by" two states); their endorsement is not needed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sponsors: Vec<PartyId>,
    /// Parties that guarantee it: they answer for its being kept, and may declare it broken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guarantors: Vec<PartyId>,
}

impl Terms {
    /// Commitments that bind a party that is not a required signatory: the party never
    /// agreed to them in this version, which a reader should see.
    pub fn commitments_of_non_signatories(&self) -> impl Iterator<Item = &CommitmentSpec> {
        self.commitments.iter().filter(|c| !self.signatories.contains(&c.party_id))
    }
}

/// How an agreement ended, as a party declared it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "ending", rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Ending {
    /// Broken: a party says it no longer holds, and why.
    Broken { reason: Reason },
    /// Completed: what it set out to do is done.
    Completed { note: Option<Reason> },
}

/// A party's position on one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "stance", rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Stance {
    Endorsed,
    Rejected { reason: Reason },
    Withdrawn { reason: Option<Reason> },
}
