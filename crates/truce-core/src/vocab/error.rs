//! The one error type of the domain: why a command was refused.
//!
//! Every variant carries data, not prose, so the HTTP edge can map it to a stable problem
//! type (`DomainError::kind`) and name the field at fault.

use std::fmt;

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum DomainError {
    // Parsing of values.
    #[error("{field} is empty")]
    Empty { field: &'static str },
    #[error("{field} has {len} characters, at most {len_max} allowed")]
    TooLong { field: &'static str, len: usize, len_max: usize },
    #[error("{field} has {len} characters, at least {len_min} required")]
    TooShort { field: &'static str, len: usize, len_min: usize },
    #[error("{field} has {len} items, at most {len_max} allowed")]
    TooMany { field: &'static str, len: usize, len_max: usize },
    #[error("language tag {tag:?} is not a BCP 47 primary language subtag (2 or 3 lower-case letters)")]
    LanguageTag { tag: String },
    #[error("code {code:?} may hold only letters, digits, '-', '_' and '.'")]
    CodeCharacters { code: String },
    #[error("{field} {value:?} is not a UUIDv7")]
    NotUuidV7 { field: &'static str, value: String },
    #[error("alert_id {value:?} is not an alert id: `<seq>.<n>` in decimal, without leading zeros")]
    AlertId { value: String },
    #[error("{value:?} is not an RFC 3339 UTC timestamp")]
    Timestamp { value: String },
    #[error("window ends at {end} which is not after its start {start}")]
    WindowNotAfterStart { start: String, end: String },
    #[error("coordinate is not a finite longitude/latitude pair in range: [{lon}, {lat}]")]
    Coordinate { lon: f64, lat: f64 },
    #[error("a LineString needs at least 2 positions, got {count}")]
    LineStringTooShort { count: usize },
    #[error("the route has zero length")]
    ZeroLength,
    #[error("ring {ring} needs at least 4 positions, got {count}")]
    RingTooShort { ring: String, count: usize },
    #[error("ring {ring} must end where it starts")]
    RingNotClosed { ring: String },
    #[error("a polygon needs an outer ring")]
    PolygonEmpty,
    #[error("geometry has {count} vertices, at most {count_max} allowed")]
    TooManyVertices { count: usize, count_max: usize },
    #[error("geometry type {found:?} where {expected} was expected")]
    GeometryType { expected: &'static str, found: String },
    #[error("half_width_m is {value}, expected a finite number above 0 and at most {max}")]
    HalfWidth { value: f64, max: f64 },
    #[error("public key is not 32 bytes of standard base64")]
    PublicKey,
    #[error("encryption key is not an age x25519 recipient (age1 and 58 bech32 characters)")]
    EncryptionKey,
    #[error("{field} lists {value} twice")]
    Duplicate { field: &'static str, value: String },
    #[error("{field} is not {len} lowercase hexadecimal digits")]
    Hex { field: &'static str, len: usize },

    // Who may do what.
    #[error("the log already has its genesis entry")]
    GenesisAgain,
    #[error("the log must start with a genesis command")]
    GenesisMissing,
    #[error("the genesis command must be signed by the operator key it registers")]
    GenesisSigner,
    #[error("account {account} does not exist")]
    UnknownAccount { account: String },
    #[error("only account {account} itself may set its encryption key")]
    NotOwnAccount { account: String },
    #[error("the signing key is not registered to account {account}")]
    KeyNotRegistered { account: String },
    #[error("the signing key was revoked from account {account} at {revoked_at}: it signs nothing after that")]
    KeyRevoked { account: String, revoked_at: String },
    #[error("no open enrolment of account {account} has this code (unknown, already used or expired)")]
    EnrolmentRefused { account: String },
    #[error("{action}: account {account} is managed by {by}")]
    AccountNotManaged { action: &'static str, account: String, by: &'static str },
    #[error("the public key is not an active key of account {account}")]
    KeyNotOfAccount { account: String },
    #[error("expires_at {expires_at} must be after {accepted_at} and at most {duration_s_max} s after it")]
    EnrolmentExpiry { expires_at: String, accepted_at: String, duration_s_max: i64 },
    #[error("account {account} speaks for {actual}, not for {claimed}")]
    PartyMismatch { account: String, claimed: String, actual: String },
    #[error("nonce {nonce:?} was already used by this key")]
    NonceReplayed { nonce: String },
    #[error("issued_at {issued_at} is more than {skew_s_max} s from the server time {accepted_at}")]
    IssuedAtSkew { issued_at: String, accepted_at: String, skew_s_max: i64 },
    #[error("{action} needs the {role} role")]
    Forbidden { action: &'static str, role: &'static str },
    #[error("{action} must be done by a party, not an operator-only account")]
    NeedsParty { action: &'static str },

    // Valid time and provenance.
    #[error("{field} {value} is after the time the server accepts it, {accepted_at}, by more than {skew_s_max} s")]
    ValidTimeInFuture { field: &'static str, value: String, accepted_at: String, skew_s_max: i64 },
    #[error(
        "effective_at {effective_at} differs from issued_at {issued_at}: an attested act happens when it is \
         signed; to record an earlier act, report it (reported.party_id and reported.sources)"
    )]
    AttestedEffectiveAt { effective_at: String, issued_at: String },
    #[error("a reported act needs effective_at, the time its sources give for it")]
    ReportedNeedsEffectiveAt,
    #[error("{party} is the reporting account's own party: its acts are attested by its coordinators, not reported")]
    ReportedOwnParty { party: String },
    #[error("reporting an act needs the monitor or analyst role")]
    ReportForbidden,

    // References and uniqueness.
    #[error("{kind} {id} does not exist")]
    Unknown { kind: &'static str, id: String },
    #[error("{kind} {id} already exists")]
    AlreadyExists { kind: &'static str, id: String },
    #[error("{kind} code {code:?} is already used by {id}")]
    DuplicateCode { kind: &'static str, code: String, id: String },
    #[error("public key is already registered to account {account}")]
    KeyInUse { account: String },

    // Agreements.
    #[error("version {version} of agreement {agreement} does not exist")]
    UnknownVersion { agreement: String, version: u32 },
    #[error("version {version} is superseded by version {latest}")]
    Superseded { version: u32, latest: u32 },
    #[error("a new version must supersede the latest version {latest}, not {supersedes}")]
    NotLatest { supersedes: u32, latest: u32 },
    #[error("party {party} is not a required signatory of version {version}")]
    NotSignatory { party: String, version: u32 },
    #[error("party {party} has already endorsed version {version}")]
    AlreadyEndorsed { party: String, version: u32 },
    #[error("party {party} has no endorsement of version {version} to withdraw at {at}")]
    NoEndorsement { party: String, version: u32, at: String },
    #[error("agreement {agreement} is not in force at {at}")]
    NotInForce { agreement: String, at: String },
    #[error("effective_at {effective_at} is before version {version} was proposed, at {proposed_at}")]
    ActBeforeVersion { effective_at: String, version: u32, proposed_at: String },
    #[error("commitment {commitment}'s fulfilled conditions lead back to it: none of them could be fulfilled first")]
    ConditionCycle { commitment: String },
    #[error("entry {seq} recorded nothing that can be retracted ({what})")]
    NotRetractable { seq: u64, what: &'static str },
    #[error("entry {seq} was already retracted")]
    AlreadyRetracted { seq: u64 },
    #[error(
        "entry {seq} was recorded by another party's account; an analyst, or an account of that party, may retract it"
    )]
    RetractForbidden { seq: u64 },
    #[error("agreement {agreement} was not agreed at {at}")]
    NotAgreed { agreement: String, at: String },
    #[error("agreement {agreement} already ended at {at}, declared by {party}")]
    AlreadyEnded { agreement: String, at: String, party: String },
    #[error("agreement {agreement} is already suspended")]
    AlreadySuspended { agreement: String },
    #[error("agreement {agreement} is not suspended")]
    NotSuspended { agreement: String },
    #[error("corridor {corridor} belongs to agreement {agreement}")]
    CorridorOfOtherAgreement { corridor: String, agreement: String },
    #[error("commitment {commitment} belongs to agreement {agreement}")]
    CommitmentOfOtherAgreement { commitment: String, agreement: String },
    #[error("commitment {commitment} cannot be conditional on itself")]
    SelfCondition { commitment: String },
    #[error("commitment {commitment} of kind {kind} needs at least one force in force_ids")]
    CommitmentNeedsForce { commitment: String, kind: &'static str },
    #[error("a secure_consent commitment must have a corridor as its scope")]
    ConsentScope,
    #[error("party {party} neither answers for force {force} nor has a secure_consent commitment naming it on corridor {corridor}")]
    ConsentNotAnswerable { party: String, force: String, corridor: String },
    #[error("consent of force {force} to corridor {corridor} is already recorded")]
    ConsentAgain { force: String, corridor: String },
    #[error("commitment {commitment} is assigned to {owner}, not to {party}")]
    NotCommitmentOwner { commitment: String, owner: String, party: String },
    #[error("commitment {commitment} is already fulfilled")]
    AlreadyFulfilled { commitment: String },

    // Monitoring.
    #[error("{field} has min {min} above max {max}")]
    RangeInverted { field: &'static str, min: u64, max: u64 },
    #[error("{field} is {value}, expected a finite number from 0 to {max}")]
    OutOfRange { field: &'static str, value: f64, max: f64 },
    #[error("{field} {end} is not after the start {start}")]
    WhenInverted { field: &'static str, start: String, end: String },
    #[error("source {source_id} is already recorded")]
    SourceAgain { source_id: String },
    #[error("incident {incident} cannot be a duplicate of itself or of a duplicate")]
    DuplicateChain { incident: String },
    #[error("incident {incident} has no violation of {target}")]
    NoSuchViolation { incident: String, target: String },
    #[error("a dismissal names exactly one of commitment_id and notification_id")]
    DismissalTarget,
    #[error("party {party} is not one the notification is addressed to")]
    NotNotified { party: String },
    #[error("party {party} has already acknowledged this")]
    AlreadyAcknowledged { party: String },
    #[error("party {party} did not make notification {notification}: only the party that notified may withdraw it")]
    NotNotifier { party: String, notification: String },
    #[error("notification {notification} was already withdrawn")]
    AlreadyWithdrawn { notification: String },

    // Time.
    #[error("nothing falls due between {after} and {until}")]
    NothingDue { after: String, until: String },

    // Counts and their links.
    #[error("{field} ({part}) is larger than the whole count ({whole})")]
    BreakdownAboveTotal { field: &'static str, part: String, whole: String },
    #[error("{kind} {id} does not exist (named by {field})")]
    UnknownAt { field: &'static str, kind: &'static str, id: String },
    #[error("convoy {convoy} moves through corridor {convoy_corridor}, not {corridor}")]
    ConvoyOnOtherCorridor { convoy: String, convoy_corridor: String, corridor: String },
    /// A zone's ring that is not a simple ring in range, named by its path inside the
    /// geometry given (`coordinates[1][0]`, `features[0].geometry.coordinates[0]`).
    #[error("ring {ring} {problem}")]
    RingInvalid { ring: String, problem: RingProblem },
}

/// What is wrong with a ring of a zone (`DomainError::RingInvalid`).
#[derive(Debug, Clone, PartialEq)]
pub enum RingProblem {
    /// A position that is not a finite longitude/latitude pair in range.
    OutOfRange { lon: f64, lat: f64 },
    /// Fewer than 3 distinct positions: no area.
    Degenerate,
    /// Two of its own edges cross or touch.
    SelfIntersection,
    /// A hole that is not inside its polygon's exterior ring.
    HoleOutside,
    /// It crosses another ring of the same polygon, named by its path.
    Crosses { other: String },
    /// Its polygon overlaps or touches another part of the MultiPolygon, named by its path.
    Overlaps { other: String },
}

impl fmt::Display for RingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RingProblem::OutOfRange { lon, lat } => {
                write!(f, "has a position that is not a finite longitude/latitude pair in range: [{lon}, {lat}]")
            }
            RingProblem::Degenerate => f.write_str("has fewer than 3 distinct positions"),
            RingProblem::SelfIntersection => f.write_str("intersects itself"),
            RingProblem::HoleOutside => f.write_str("is a hole outside its polygon's exterior ring"),
            RingProblem::Crosses { other } => write!(f, "crosses ring {other}"),
            RingProblem::Overlaps { other } => write!(f, "overlaps or touches the polygon of ring {other}"),
        }
    }
}

impl DomainError {
    /// The kind of refusal; no wildcard, so a new variant does not compile until it has one.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DomainError::Empty { .. }
            | DomainError::TooLong { .. }
            | DomainError::TooShort { .. }
            | DomainError::TooMany { .. }
            | DomainError::CodeCharacters { .. }
            | DomainError::LanguageTag { .. }
            | DomainError::NotUuidV7 { .. }
            | DomainError::AlertId { .. }
            | DomainError::Timestamp { .. }
            | DomainError::Coordinate { .. }
            | DomainError::LineStringTooShort { .. }
            | DomainError::RingTooShort { .. }
            | DomainError::RingNotClosed { .. }
            | DomainError::RingInvalid { .. }
            | DomainError::PolygonEmpty
            | DomainError::TooManyVertices { .. }
            | DomainError::GeometryType { .. }
            | DomainError::HalfWidth { .. }
            | DomainError::PublicKey
            | DomainError::Duplicate { .. }
            | DomainError::EncryptionKey
            | DomainError::Hex { .. }
            | DomainError::EnrolmentExpiry { .. } => ErrorKind::InvalidInput,
            DomainError::KeyRevoked { .. } => ErrorKind::KeyRevoked,
            DomainError::EnrolmentRefused { .. } => ErrorKind::EnrolmentRefused,
            DomainError::AccountNotManaged { .. } => ErrorKind::Forbidden,
            DomainError::KeyNotOfAccount { .. } => ErrorKind::UnknownReference,
            DomainError::WindowNotAfterStart { .. } => ErrorKind::WindowNotAfterStart,
            DomainError::ZeroLength => ErrorKind::ZeroLengthRoute,
            DomainError::GenesisAgain | DomainError::GenesisMissing | DomainError::GenesisSigner => ErrorKind::Genesis,
            DomainError::UnknownAccount { .. } | DomainError::KeyNotRegistered { .. } => ErrorKind::KeyNotRegistered,
            DomainError::PartyMismatch { .. } => ErrorKind::PartyMismatch,
            DomainError::NonceReplayed { .. } => ErrorKind::NonceReplayed,
            DomainError::IssuedAtSkew { .. } => ErrorKind::IssuedAtSkew,
            DomainError::Forbidden { .. } | DomainError::NeedsParty { .. } | DomainError::NotOwnAccount { .. } => {
                ErrorKind::Forbidden
            }
            DomainError::Unknown { .. } | DomainError::UnknownVersion { .. } => ErrorKind::UnknownReference,
            DomainError::AlreadyExists { .. } | DomainError::DuplicateCode { .. } | DomainError::KeyInUse { .. } => {
                ErrorKind::Duplicate
            }
            DomainError::Superseded { .. } => ErrorKind::VersionSuperseded,
            DomainError::NotLatest { .. } => ErrorKind::VersionNotLatest,
            DomainError::NotSignatory { .. } => ErrorKind::NotASignatory,
            DomainError::AlreadyEndorsed { .. } => ErrorKind::AlreadyEndorsed,
            DomainError::NoEndorsement { .. } => ErrorKind::NoEndorsement,
            DomainError::ActBeforeVersion { .. } => ErrorKind::ActBeforeVersion,
            DomainError::ValidTimeInFuture { .. } => ErrorKind::ValidTimeInFuture,
            DomainError::AttestedEffectiveAt { .. } | DomainError::ReportedNeedsEffectiveAt => ErrorKind::EffectiveAt,
            DomainError::ReportedOwnParty { .. } => ErrorKind::ReportedOwnParty,
            DomainError::ReportForbidden => ErrorKind::Forbidden,
            DomainError::NotRetractable { .. } => ErrorKind::InvalidReference,
            DomainError::AlreadyRetracted { .. } => ErrorKind::Duplicate,
            DomainError::RetractForbidden { .. } => ErrorKind::Forbidden,
            DomainError::NotInForce { .. }
            | DomainError::NotAgreed { .. }
            | DomainError::AlreadyEnded { .. }
            | DomainError::AlreadySuspended { .. }
            | DomainError::NotSuspended { .. } => ErrorKind::AgreementState,
            DomainError::CorridorOfOtherAgreement { .. }
            | DomainError::CommitmentOfOtherAgreement { .. }
            | DomainError::SelfCondition { .. }
            | DomainError::ConditionCycle { .. }
            | DomainError::CommitmentNeedsForce { .. }
            | DomainError::ConsentScope => ErrorKind::InvalidTerms,
            DomainError::ConsentNotAnswerable { .. }
            | DomainError::ConsentAgain { .. }
            | DomainError::NotCommitmentOwner { .. }
            | DomainError::AlreadyFulfilled { .. } => ErrorKind::ConsentOrFulfilment,
            DomainError::RangeInverted { .. }
            | DomainError::OutOfRange { .. }
            | DomainError::WhenInverted { .. }
            | DomainError::DismissalTarget => ErrorKind::InvalidInput,
            DomainError::SourceAgain { .. } | DomainError::AlreadyAcknowledged { .. } => ErrorKind::Duplicate,
            DomainError::DuplicateChain { .. } | DomainError::NoSuchViolation { .. } => ErrorKind::InvalidReference,
            DomainError::NotNotified { .. } | DomainError::NotNotifier { .. } => ErrorKind::Forbidden,
            DomainError::AlreadyWithdrawn { .. } => ErrorKind::Duplicate,
            DomainError::NothingDue { .. } => ErrorKind::NothingDue,
            DomainError::BreakdownAboveTotal { .. } => ErrorKind::InvalidInput,
            DomainError::UnknownAt { .. } => ErrorKind::UnknownReference,
            DomainError::ConvoyOnOtherCorridor { .. } => ErrorKind::InvalidReference,
        }
    }

    /// True when the command was well-formed but the signer may not issue it.
    pub fn is_authorization(&self) -> bool {
        matches!(
            self,
            DomainError::UnknownAccount { .. }
                | DomainError::KeyNotRegistered { .. }
                | DomainError::KeyRevoked { .. }
                | DomainError::EnrolmentRefused { .. }
                | DomainError::AccountNotManaged { .. }
                | DomainError::PartyMismatch { .. }
                | DomainError::Forbidden { .. }
                | DomainError::NeedsParty { .. }
                | DomainError::NotOwnAccount { .. }
                | DomainError::ReportForbidden
                | DomainError::RetractForbidden { .. }
                | DomainError::GenesisSigner
        )
    }
}

/// The kinds of refusal: what a client can branch on. Each is a stable problem type at the
/// HTTP edge (`/problems/<name>`, listed in `docs/problems.md`), where each has its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// A value does not parse or breaks a bound.
    InvalidInput,
    WindowNotAfterStart,
    ZeroLengthRoute,
    Genesis,
    KeyNotRegistered,
    KeyRevoked,
    EnrolmentRefused,
    PartyMismatch,
    NonceReplayed,
    IssuedAtSkew,
    Forbidden,
    UnknownReference,
    Duplicate,
    VersionSuperseded,
    VersionNotLatest,
    NotASignatory,
    AlreadyEndorsed,
    NoEndorsement,
    ActBeforeVersion,
    ValidTimeInFuture,
    EffectiveAt,
    ReportedOwnParty,
    AgreementState,
    InvalidTerms,
    ConsentOrFulfilment,
    InvalidReference,
    NothingDue,
}

impl ErrorKind {
    /// The stable, kebab-case name of the kind, used as the problem type.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid-input",
            ErrorKind::WindowNotAfterStart => "window-not-after-start",
            ErrorKind::ZeroLengthRoute => "zero-length-route",
            ErrorKind::Genesis => "genesis",
            ErrorKind::KeyNotRegistered => "key-not-registered",
            ErrorKind::KeyRevoked => "key-revoked",
            ErrorKind::EnrolmentRefused => "enrolment-refused",
            ErrorKind::PartyMismatch => "party-mismatch",
            ErrorKind::NonceReplayed => "nonce-replayed",
            ErrorKind::IssuedAtSkew => "issued-at-skew",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::UnknownReference => "unknown-reference",
            ErrorKind::Duplicate => "duplicate",
            ErrorKind::VersionSuperseded => "version-superseded",
            ErrorKind::VersionNotLatest => "version-not-latest",
            ErrorKind::NotASignatory => "not-a-signatory",
            ErrorKind::AlreadyEndorsed => "already-endorsed",
            ErrorKind::NoEndorsement => "no-endorsement",
            ErrorKind::ActBeforeVersion => "act-before-version",
            ErrorKind::ValidTimeInFuture => "valid-time-in-future",
            ErrorKind::EffectiveAt => "effective-at",
            ErrorKind::ReportedOwnParty => "reported-own-party",
            ErrorKind::AgreementState => "agreement-state",
            ErrorKind::InvalidTerms => "invalid-terms",
            ErrorKind::ConsentOrFulfilment => "consent-or-fulfilment",
            ErrorKind::InvalidReference => "invalid-reference",
            ErrorKind::NothingDue => "nothing-due",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
