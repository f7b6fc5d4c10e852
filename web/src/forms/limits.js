// The domain's bounds the forms check before sending, mirrored from
// `crates/truce-core/src/vocab/limits.rs` (same names; `test/unit/limits.test.mjs` fails when
// the two differ).

export const NAME_LEN_MAX = 200;
export const REASON_LEN_MAX = 4000;
export const CODE_LEN_MAX = 24;
export const VERTICES_MAX = 10000;
export const RINGS_MAX = 64;
export const CORRIDORS_PER_VERSION_MAX = 100;
export const COMMITMENTS_PER_VERSION_MAX = 200;
export const SIGNATORIES_MAX = 50;
export const WINDOWS_PER_CORRIDOR_MAX = 100;
export const LIST_LEN_MAX = 50;
export const HALF_WIDTH_M_MAX = 50000.0;
export const ENROLMENT_CODE_LEN = 32;
export const ISSUED_AT_SKEW_S_MAX = 600;
export const OBSERVED_DISTANCE_M_MAX = 100000.0;
export const UNCERTAINTY_M_MAX = 100000.0;
