//! `docs/problems.md` lists every problem type the server can emit, with its status.

use std::collections::BTreeMap;

use axum::{
    http::{header, StatusCode},
    response::IntoResponse,
};
use serde_json::{json, Value};
use truce_core::{DomainError, ErrorKind};

use crate::problem::{method_not_allowed, not_found_route, ApiError, Problem, PROBLEM_CONTENT_TYPE};

/// Every problem the server can make, one per kind of error, by type and status.
async fn every_problem() -> BTreeMap<String, u16> {
    let mut problems: Vec<Problem> = vec![
        ApiError::bad_request("limit", "x").to_problem(),
        ApiError::BodyTooLarge { bytes_max: 1 }.to_problem(),
        ApiError::BodyTimedOut { timeout_s: 30 }.to_problem(),
        ApiError::UriTooLong { bytes: 2, bytes_max: 1 }.to_problem(),
        ApiError::HeadersTooLarge { bytes: 2, bytes_max: 1 }.to_problem(),
        ApiError::BadSignature.to_problem(),
        ApiError::GenesisOverHttp.to_problem(),
        ApiError::NotFound { kind: "zone", id: "x".to_owned() }.to_problem(),
        ApiError::Busy.to_problem(),
        ApiError::EntryTooLargeForBundle { seq: 1, bytes: 70_000 }.to_problem(),
        ApiError::StorageUnavailable { cause: "the disk is full" }.to_problem(),
        ApiError::TooManyRequests { retry_after_s: 1 }.to_problem(),
        ApiError::TooManyStreams { streams_max: 1 }.to_problem(),
        ApiError::Internal("x".to_owned()).to_problem(),
        ApiError::NotTried.to_problem(),
        ApiError::Unauthenticated { detail: "x" }.to_problem(),
        ApiError::SignInFailed.to_problem(),
        ApiError::TooManySignIns { retry_after_s: 1 }.to_problem(),
        not_found_route("/x".parse().expect("a URI")).await,
        method_not_allowed(axum::extract::Request::new(axum::body::Body::empty())).await,
    ];
    for err in every_domain_error() {
        problems.push(ApiError::Domain(err.clone()).to_problem());
        // The same error met while the command is parsed.
        problems
            .push(ApiError::Invalid { kind: err.kind(), field: "x".to_owned(), detail: err.to_string() }.to_problem());
    }
    let mut by_type = BTreeMap::new();
    for problem in problems {
        let previous = by_type.insert(problem.kind.clone(), problem.status);
        assert!(previous.is_none_or(|s| s == problem.status), "{} has two statuses", problem.kind);
    }
    by_type
}

/// The `| `/problems/x` | status | meaning |` rows of docs/problems.md.
fn documented() -> BTreeMap<String, u16> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/problems.md");
    let text = std::fs::read_to_string(path).expect("docs/problems.md exists");
    let mut rows = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("| `/problems/")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let kind = cells[1].trim_matches('`').to_owned();
        let status: u16 = cells[2].parse().unwrap_or_else(|_| panic!("a status in {line}"));
        assert!(StatusCode::from_u16(status).is_ok(), "{line}");
        assert!(!cells[3].is_empty(), "{kind} has no meaning");
        assert!(rows.insert(kind, status).is_none(), "{line} is listed twice");
    }
    rows
}

#[tokio::test]
async fn docs_problems_md_lists_every_problem_type_the_server_can_emit_with_its_status() {
    assert_eq!(documented(), every_problem().await);
}

#[test]
fn every_variant_of_domain_error_is_sampled() {
    let mut seen = vec![false; VARIANTS_COUNT];
    for err in every_domain_error() {
        seen[variant_idx(&err)] = true;
    }
    assert!(seen.iter().all(|s| *s), "{seen:?}");
}

/// The status and problem type of each kind of domain refusal, as `docs/problems.md` lists
/// them. No wildcard: a new kind does not compile until it is added here.
fn expected(kind: ErrorKind) -> (u16, &'static str) {
    match kind {
        ErrorKind::InvalidInput => (422, "/problems/invalid-input"),
        ErrorKind::WindowNotAfterStart => (422, "/problems/window-not-after-start"),
        ErrorKind::ZeroLengthRoute => (422, "/problems/zero-length-route"),
        ErrorKind::Genesis => (403, "/problems/genesis"),
        ErrorKind::KeyNotRegistered => (403, "/problems/key-not-registered"),
        ErrorKind::KeyRevoked => (403, "/problems/key-revoked"),
        ErrorKind::EnrolmentRefused => (403, "/problems/enrolment-refused"),
        ErrorKind::PartyMismatch => (403, "/problems/party-mismatch"),
        ErrorKind::NonceReplayed => (409, "/problems/nonce-replayed"),
        ErrorKind::IssuedAtSkew => (422, "/problems/issued-at-skew"),
        ErrorKind::Forbidden => (403, "/problems/forbidden"),
        ErrorKind::UnknownReference => (422, "/problems/unknown-reference"),
        ErrorKind::Duplicate => (409, "/problems/duplicate"),
        ErrorKind::VersionSuperseded => (409, "/problems/version-superseded"),
        ErrorKind::VersionNotLatest => (409, "/problems/version-not-latest"),
        ErrorKind::NotASignatory => (422, "/problems/not-a-signatory"),
        ErrorKind::AlreadyEndorsed => (409, "/problems/already-endorsed"),
        ErrorKind::NoEndorsement => (422, "/problems/no-endorsement"),
        ErrorKind::ActBeforeVersion => (422, "/problems/act-before-version"),
        ErrorKind::ValidTimeInFuture => (422, "/problems/valid-time-in-future"),
        ErrorKind::EffectiveAt => (422, "/problems/effective-at"),
        ErrorKind::ReportedOwnParty => (422, "/problems/reported-own-party"),
        ErrorKind::AgreementState => (409, "/problems/agreement-state"),
        ErrorKind::InvalidTerms => (422, "/problems/invalid-terms"),
        ErrorKind::ConsentOrFulfilment => (422, "/problems/consent-or-fulfilment"),
        ErrorKind::InvalidReference => (422, "/problems/invalid-reference"),
        ErrorKind::NothingDue => (409, "/problems/nothing-due"),
    }
}

#[tokio::test]
async fn each_kind_of_domain_error_is_answered_with_its_status_and_problem_type() {
    let mut kinds = Vec::new();
    for err in every_domain_error() {
        let (status, kind) = expected(err.kind());
        for response in [
            ApiError::Domain(err.clone()).into_response(),
            ApiError::Invalid { kind: err.kind(), field: "command.body".to_owned(), detail: err.to_string() }
                .into_response(),
        ] {
            assert_eq!(response.status().as_u16(), status, "{err:?}");
            assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_CONTENT_TYPE);
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("a body");
            let problem: Value = serde_json::from_slice(&body).expect("problem+json");
            assert_eq!(problem["type"], json!(kind), "{err:?}");
            assert_eq!(problem["status"], json!(status), "{err:?}");
            assert_eq!(problem["detail"], json!(err.to_string()));
        }
        if !kinds.contains(&err.kind()) {
            kinds.push(err.kind());
        }
    }
    // Every kind is some variant's: none is left without a way to be sampled.
    kinds.sort();
    expect_test::expect!["[InvalidInput, WindowNotAfterStart, ZeroLengthRoute, Genesis, KeyNotRegistered, KeyRevoked, EnrolmentRefused, PartyMismatch, NonceReplayed, IssuedAtSkew, Forbidden, UnknownReference, Duplicate, VersionSuperseded, VersionNotLatest, NotASignatory, AlreadyEndorsed, NoEndorsement, ActBeforeVersion, ValidTimeInFuture, EffectiveAt, ReportedOwnParty, AgreementState, InvalidTerms, ConsentOrFulfilment, InvalidReference, NothingDue]"]
    .assert_eq(&format!("{kinds:?}"));
}

fn every_domain_error() -> Vec<DomainError> {
    vec![
        DomainError::Empty { field: "x" },
        DomainError::TooLong { field: "x", len: 1, len_max: 1 },
        DomainError::TooShort { field: "x", len: 1, len_min: 1 },
        DomainError::TooMany { field: "x", len: 1, len_max: 1 },
        DomainError::CodeCharacters { code: "x".to_owned() },
        DomainError::NotUuidV7 { field: "x", value: "x".to_owned() },
        DomainError::Timestamp { value: "x".to_owned() },
        DomainError::WindowNotAfterStart { start: "x".to_owned(), end: "x".to_owned() },
        DomainError::Coordinate { lon: 1.0, lat: 1.0 },
        DomainError::LineStringTooShort { count: 1 },
        DomainError::ZeroLength,
        DomainError::RingTooShort { ring: "x".to_owned(), count: 1 },
        DomainError::RingNotClosed { ring: "x".to_owned() },
        DomainError::PolygonEmpty,
        DomainError::TooManyVertices { count: 1, count_max: 1 },
        DomainError::GeometryType { expected: "x", found: "x".to_owned() },
        DomainError::HalfWidth { value: 1.0, max: 1.0 },
        DomainError::PublicKey,
        DomainError::Duplicate { field: "x", value: "x".to_owned() },
        DomainError::Hex { field: "x", len: 1 },
        DomainError::KeyRevoked { account: "x".to_owned(), revoked_at: "x".to_owned() },
        DomainError::EnrolmentRefused { account: "x".to_owned() },
        DomainError::AccountNotManaged { action: "x", account: "x".to_owned(), by: "x" },
        DomainError::KeyNotOfAccount { account: "x".to_owned() },
        DomainError::EnrolmentExpiry { expires_at: "x".to_owned(), accepted_at: "x".to_owned(), duration_s_max: 1 },
        DomainError::GenesisAgain,
        DomainError::GenesisMissing,
        DomainError::GenesisSigner,
        DomainError::UnknownAccount { account: "x".to_owned() },
        DomainError::KeyNotRegistered { account: "x".to_owned() },
        DomainError::PartyMismatch { account: "x".to_owned(), claimed: "x".to_owned(), actual: "x".to_owned() },
        DomainError::NonceReplayed { nonce: "x".to_owned() },
        DomainError::IssuedAtSkew { issued_at: "x".to_owned(), accepted_at: "x".to_owned(), skew_s_max: 1 },
        DomainError::Forbidden { action: "x", role: "x" },
        DomainError::NeedsParty { action: "x" },
        DomainError::Unknown { kind: "x", id: "x".to_owned() },
        DomainError::AlreadyExists { kind: "x", id: "x".to_owned() },
        DomainError::DuplicateCode { kind: "x", code: "x".to_owned(), id: "x".to_owned() },
        DomainError::KeyInUse { account: "x".to_owned() },
        DomainError::UnknownVersion { agreement: "x".to_owned(), version: 1 },
        DomainError::Superseded { version: 1, latest: 1 },
        DomainError::NotLatest { supersedes: 1, latest: 1 },
        DomainError::NotSignatory { party: "x".to_owned(), version: 1 },
        DomainError::AlreadyEndorsed { party: "x".to_owned(), version: 1 },
        DomainError::NoEndorsement { party: "x".to_owned(), version: 1, at: "x".to_owned() },
        DomainError::NotInForce { agreement: "x".to_owned(), at: "x".to_owned() },
        DomainError::ActBeforeVersion { effective_at: "x".to_owned(), version: 1, proposed_at: "x".to_owned() },
        DomainError::ValidTimeInFuture {
            field: "x",
            value: "x".to_owned(),
            accepted_at: "x".to_owned(),
            skew_s_max: 1,
        },
        DomainError::AttestedEffectiveAt { effective_at: "x".to_owned(), issued_at: "x".to_owned() },
        DomainError::ReportedNeedsEffectiveAt,
        DomainError::ReportedOwnParty { party: "x".to_owned() },
        DomainError::ReportForbidden,
        DomainError::ConditionCycle { commitment: "x".to_owned() },
        DomainError::NotRetractable { seq: 1, what: "x" },
        DomainError::AlreadyRetracted { seq: 1 },
        DomainError::RetractForbidden { seq: 1 },
        DomainError::NotAgreed { agreement: "x".to_owned(), at: "x".to_owned() },
        DomainError::AlreadyEnded { agreement: "x".to_owned(), at: "x".to_owned(), party: "x".to_owned() },
        DomainError::AlreadySuspended { agreement: "x".to_owned() },
        DomainError::NotSuspended { agreement: "x".to_owned() },
        DomainError::CorridorOfOtherAgreement { corridor: "x".to_owned(), agreement: "x".to_owned() },
        DomainError::CommitmentOfOtherAgreement { commitment: "x".to_owned(), agreement: "x".to_owned() },
        DomainError::SelfCondition { commitment: "x".to_owned() },
        DomainError::CommitmentNeedsForce { commitment: "x".to_owned(), kind: "x" },
        DomainError::ConsentScope,
        DomainError::ConsentNotAnswerable { party: "x".to_owned(), force: "x".to_owned(), corridor: "x".to_owned() },
        DomainError::ConsentAgain { force: "x".to_owned(), corridor: "x".to_owned() },
        DomainError::NotCommitmentOwner { commitment: "x".to_owned(), owner: "x".to_owned(), party: "x".to_owned() },
        DomainError::AlreadyFulfilled { commitment: "x".to_owned() },
        DomainError::RangeInverted { field: "x", min: 1, max: 1 },
        DomainError::OutOfRange { field: "x", value: 1.0, max: 1.0 },
        DomainError::WhenInverted { field: "x", start: "x".to_owned(), end: "x".to_owned() },
        DomainError::SourceAgain { source_id: "x".to_owned() },
        DomainError::DuplicateChain { incident: "x".to_owned() },
        DomainError::NoSuchViolation { incident: "x".to_owned(), target: "x".to_owned() },
        DomainError::DismissalTarget,
        DomainError::NotNotified { party: "x".to_owned() },
        DomainError::AlreadyAcknowledged { party: "x".to_owned() },
        DomainError::NotNotifier { party: "x".to_owned(), notification: "x".to_owned() },
        DomainError::AlreadyWithdrawn { notification: "x".to_owned() },
        DomainError::NothingDue { after: "x".to_owned(), until: "x".to_owned() },
        DomainError::BreakdownAboveTotal { field: "x", part: "x".to_owned(), whole: "x".to_owned() },
        DomainError::UnknownAt { field: "x", kind: "x", id: "x".to_owned() },
        DomainError::ConvoyOnOtherCorridor {
            convoy: "x".to_owned(),
            convoy_corridor: "x".to_owned(),
            corridor: "x".to_owned(),
        },
        DomainError::EncryptionKey,
        DomainError::NotOwnAccount { account: "x".to_owned() },
        DomainError::RingInvalid { ring: "x".to_owned(), problem: truce_core::RingProblem::SelfIntersection },
        DomainError::LanguageTag { tag: "x".to_owned() },
        DomainError::AlertId { value: "x".to_owned() },
    ]
}

/// No wildcard: a new variant of `DomainError` does not compile until it is sampled above.
fn variant_idx(err: &DomainError) -> usize {
    match err {
        DomainError::Empty { .. } => 0,
        DomainError::TooLong { .. } => 1,
        DomainError::TooShort { .. } => 2,
        DomainError::TooMany { .. } => 3,
        DomainError::CodeCharacters { .. } => 4,
        DomainError::NotUuidV7 { .. } => 5,
        DomainError::Timestamp { .. } => 6,
        DomainError::WindowNotAfterStart { .. } => 7,
        DomainError::Coordinate { .. } => 8,
        DomainError::LineStringTooShort { .. } => 9,
        DomainError::ZeroLength => 10,
        DomainError::RingTooShort { .. } => 11,
        DomainError::RingNotClosed { .. } => 12,
        DomainError::PolygonEmpty => 13,
        DomainError::TooManyVertices { .. } => 14,
        DomainError::GeometryType { .. } => 15,
        DomainError::HalfWidth { .. } => 16,
        DomainError::PublicKey => 17,
        DomainError::Duplicate { .. } => 18,
        DomainError::GenesisAgain => 19,
        DomainError::GenesisMissing => 20,
        DomainError::GenesisSigner => 21,
        DomainError::UnknownAccount { .. } => 22,
        DomainError::KeyNotRegistered { .. } => 23,
        DomainError::PartyMismatch { .. } => 24,
        DomainError::NonceReplayed { .. } => 25,
        DomainError::IssuedAtSkew { .. } => 26,
        DomainError::Forbidden { .. } => 27,
        DomainError::NeedsParty { .. } => 28,
        DomainError::Unknown { .. } => 29,
        DomainError::AlreadyExists { .. } => 30,
        DomainError::DuplicateCode { .. } => 31,
        DomainError::KeyInUse { .. } => 32,
        DomainError::UnknownVersion { .. } => 33,
        DomainError::Superseded { .. } => 34,
        DomainError::NotLatest { .. } => 35,
        DomainError::NotSignatory { .. } => 36,
        DomainError::AlreadyEndorsed { .. } => 37,
        DomainError::NoEndorsement { .. } => 38,
        DomainError::NotInForce { .. } => 39,
        DomainError::AlreadySuspended { .. } => 40,
        DomainError::NotSuspended { .. } => 41,
        DomainError::CorridorOfOtherAgreement { .. } => 42,
        DomainError::CommitmentOfOtherAgreement { .. } => 43,
        DomainError::SelfCondition { .. } => 44,
        DomainError::CommitmentNeedsForce { .. } => 45,
        DomainError::ConsentScope => 46,
        DomainError::ConsentNotAnswerable { .. } => 47,
        DomainError::ConsentAgain { .. } => 48,
        DomainError::NotCommitmentOwner { .. } => 49,
        DomainError::AlreadyFulfilled { .. } => 50,
        DomainError::RangeInverted { .. } => 51,
        DomainError::OutOfRange { .. } => 52,
        DomainError::WhenInverted { .. } => 53,
        DomainError::SourceAgain { .. } => 54,
        DomainError::DuplicateChain { .. } => 55,
        DomainError::NoSuchViolation { .. } => 56,
        DomainError::DismissalTarget => 57,
        DomainError::NotNotified { .. } => 58,
        DomainError::AlreadyAcknowledged { .. } => 59,
        DomainError::NothingDue { .. } => 60,
        DomainError::ActBeforeVersion { .. } => 61,
        DomainError::ValidTimeInFuture { .. } => 62,
        DomainError::AttestedEffectiveAt { .. } => 63,
        DomainError::ReportedNeedsEffectiveAt => 64,
        DomainError::ReportedOwnParty { .. } => 65,
        DomainError::ReportForbidden => 66,
        DomainError::NotAgreed { .. } => 67,
        DomainError::AlreadyEnded { .. } => 68,
        DomainError::ConditionCycle { .. } => 69,
        DomainError::NotRetractable { .. } => 70,
        DomainError::AlreadyRetracted { .. } => 71,
        DomainError::RetractForbidden { .. } => 72,
        DomainError::BreakdownAboveTotal { .. } => 73,
        DomainError::UnknownAt { .. } => 74,
        DomainError::ConvoyOnOtherCorridor { .. } => 75,
        DomainError::NotNotifier { .. } => 76,
        DomainError::AlreadyWithdrawn { .. } => 77,
        DomainError::Hex { .. } => 78,
        DomainError::KeyRevoked { .. } => 79,
        DomainError::EnrolmentRefused { .. } => 80,
        DomainError::AccountNotManaged { .. } => 81,
        DomainError::KeyNotOfAccount { .. } => 82,
        DomainError::EnrolmentExpiry { .. } => 83,
        DomainError::EncryptionKey => 84,
        DomainError::NotOwnAccount { .. } => 85,
        DomainError::RingInvalid { .. } => 86,
        DomainError::LanguageTag { .. } => 87,
        DomainError::AlertId { .. } => 88,
    }
}

const VARIANTS_COUNT: usize = 89;
