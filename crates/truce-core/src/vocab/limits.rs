//! Every bound on what a command may carry, as named constants.
//!
//! The HTTP edge has its own byte limits; these are the domain's.

/// Characters in a name (party, force, zone, corridor, agreement title).
pub const NAME_LEN_MAX: usize = 200;
/// Names in other languages one party, zone or corridor may carry (`names`), besides its
/// default `name`.
pub const NAMES_PER_RECORD_MAX: usize = 16;
/// Characters in a reason or free text (rejections, withdrawals, notes).
pub const REASON_LEN_MAX: usize = 4_000;
/// Characters in a short human code such as `EA-1`.
pub const CODE_LEN_MAX: usize = 24;
/// Characters in a nonce.
pub const NONCE_LEN_MIN: usize = 16;
/// Characters in a nonce.
pub const NONCE_LEN_MAX: usize = 128;
/// Vertices in one geometry (all rings of a polygon together).
pub const VERTICES_MAX: usize = 10_000;
/// Rings in one polygon (the outer ring and its holes).
pub const RINGS_MAX: usize = 64;
/// Corridors in one agreement version.
pub const CORRIDORS_PER_VERSION_MAX: usize = 100;
/// Commitments in one agreement version.
pub const COMMITMENTS_PER_VERSION_MAX: usize = 200;
/// Required signatories of one agreement version.
pub const SIGNATORIES_MAX: usize = 50;
/// Opening windows of one corridor.
pub const WINDOWS_PER_CORRIDOR_MAX: usize = 100;
/// Items in any other list (forces answered for, groups, conditions, roles).
pub const LIST_LEN_MAX: usize = 50;
/// Versions in one agreement thread.
pub const VERSIONS_PER_AGREEMENT_MAX: u32 = 1_000;
/// Largest corridor half-width, metres.
pub const HALF_WIDTH_M_MAX: f64 = 50_000.0;
/// Hexadecimal digits of an enrolment code (128 bits).
pub const ENROLMENT_CODE_LEN: usize = 32;
/// How long an enrolment code may stay open, seconds (seven days).
pub const ENROLMENT_DURATION_S_MAX: i64 = 7 * 24 * 3600;
/// How far `issued_at` may be from the server's acceptance time, seconds.
pub const ISSUED_AT_SKEW_S_MAX: i64 = 600;
/// Largest distance from an observer to what it observed, metres.
pub const OBSERVED_DISTANCE_M_MAX: f64 = 100_000.0;
/// How far outside the zone it names a point may be before the reply warns, metres (beyond
/// the point's own uncertainty).
pub const OUTSIDE_ZONE_WARNING_M: f64 = 5_000.0;
/// The public grid of `mark_time`: every whole this many seconds of UTC, a `mark_time` is
/// accepted whatever is due, so that marks written for confidential deadlines cannot be
/// told from the others (docs/sealing.md).
pub const MARK_TIME_GRID_S: i64 = 300;
/// Largest uncertainty radius of an incident's location, metres.
pub const UNCERTAINTY_M_MAX: f64 = 100_000.0;
