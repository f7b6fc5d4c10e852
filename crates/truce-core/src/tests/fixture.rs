//! The world the tests run in: a log that has its genesis, an operator, a few parties with
//! coordinator accounts, forces and zones, and a clock that moves one minute per entry.
//!
//! It builds commands and contexts the way the server would (fresh nonces, `issued_at`
//! equal to the acceptance time, the signer's registered key) and keeps every accepted
//! entry so that tests can replay the log. It does not check rules itself: that is `decide`.

use crate::{
    decide, AccountId, AgreementId, Code, Command, CommandBody, CommitmentId, CommitmentKind, CommitmentSpec,
    ConsentId, Context, CorridorId, CorridorSpec, CorridorWindow, Destination, DomainError, Event, ForceId, Genesis,
    Group, LineString, Name, Nonce, PartyId, PartyKind, Polygon, Position, PublicKeyText, Reason, Role, Scope, State,
    Terms, Timestamp, Truce, TruceStart, Window, ZoneId, ZoneKind,
};

/// The instant the fixture's log starts.
pub(crate) const START: &str = "2016-12-12T07:00:00Z";

pub(crate) fn ts(raw: &str) -> Timestamp {
    Timestamp::parse(raw).expect("test timestamps are RFC 3339")
}

/// A stand-in for the SHA-256 of an enrolment code, which the shell computes: core only
/// compares hashes, so any one-to-one map of the 32 digits to 64 will do.
pub(crate) fn code_hash(code: &str) -> crate::vocab::ids::CodeHash {
    crate::vocab::ids::CodeHash::parse(&format!("{code}{code}")).expect("a 32-digit test code")
}

/// A well-formed public key text: the label's letters and digits padded with `A` to 43
/// characters, then `=`. The 43rd character is always `A`, whose padding bits are zero.
pub(crate) fn key(label: &str) -> PublicKeyText {
    let mut text: String = label.chars().filter(char::is_ascii_alphanumeric).take(42).collect();
    while text.len() < 43 {
        text.push('A');
    }
    text.push('=');
    PublicKeyText::parse(&text).expect("the fixture builds canonical key texts")
}

/// A UUIDv7 whose first group names the kind of thing and whose last group counts, so that
/// ids in snapshots can be read: `00000001-…-000000000002` is party 2.
fn uuid(kind: u32, n: u64) -> String {
    format!("{kind:08x}-0000-7000-8000-{n:012x}")
}

pub(crate) fn party_id(n: u64) -> PartyId {
    PartyId::parse(&uuid(1, n)).expect("fixture ids are UUIDv7")
}
pub(crate) fn account_id(n: u64) -> AccountId {
    AccountId::parse(&uuid(2, n)).expect("fixture ids are UUIDv7")
}
pub(crate) fn force_id(n: u64) -> ForceId {
    ForceId::parse(&uuid(3, n)).expect("fixture ids are UUIDv7")
}
pub(crate) fn zone_id(n: u64) -> ZoneId {
    ZoneId::parse(&uuid(4, n)).expect("fixture ids are UUIDv7")
}
pub(crate) fn corridor_id(n: u64) -> CorridorId {
    CorridorId::parse(&uuid(5, n)).expect("fixture ids are UUIDv7")
}
pub(crate) fn agreement_id(n: u64) -> AgreementId {
    AgreementId::parse(&uuid(6, n)).expect("fixture ids are UUIDv7")
}
pub(crate) fn commitment_id(n: u64) -> CommitmentId {
    CommitmentId::parse(&uuid(7, n)).expect("fixture ids are UUIDv7")
}
pub(crate) fn statement_id(n: u64) -> crate::StatementId {
    crate::StatementId::parse(&uuid(0x0b, n)).expect("fixture ids are UUIDv7")
}
pub(crate) fn consent_id(n: u64) -> ConsentId {
    ConsentId::parse(&uuid(8, n)).expect("fixture ids are UUIDv7")
}

pub(crate) fn code(raw: &str) -> Code {
    Code::parse(raw).expect("fixture codes are valid")
}
pub(crate) fn name(raw: &str) -> Name {
    Name::parse(raw).expect("fixture names are valid")
}
pub(crate) fn reason(raw: &str) -> Reason {
    Reason::parse(raw).expect("fixture reasons are valid")
}

pub(crate) fn position(lon: f64, lat: f64) -> Position {
    Position::new(lon, lat).expect("fixture positions are in range")
}

pub(crate) fn line(points: &[(f64, f64)]) -> LineString {
    LineString::new(points.iter().map(|(lon, lat)| position(*lon, *lat)).collect()).expect("fixture routes are valid")
}

/// A closed ring through the given corners.
pub(crate) fn polygon(corners: &[(f64, f64)]) -> Polygon {
    let mut ring: Vec<Position> = corners.iter().map(|(lon, lat)| position(*lon, *lat)).collect();
    ring.push(ring[0]);
    Polygon::new(vec![ring]).expect("fixture polygons are valid")
}

pub(crate) fn window(start: &str, end: &str) -> Window {
    Window::new(ts(start), ts(end)).expect("fixture windows end after they start")
}

/// Parties of the fixture, by number.
pub(crate) const RU: u64 = 1;
pub(crate) const US: u64 = 2;
pub(crate) const SY: u64 = 3;
pub(crate) const OPP: u64 = 4;
pub(crate) const UN: u64 = 5;

/// Forces of the fixture, by number.
pub(crate) const SAF: u64 = 1;
pub(crate) const AOG: u64 = 2;

/// Zones of the fixture, by number.
pub(crate) const EAST_ALEPPO: u64 = 1;
pub(crate) const SUKKARI: u64 = 2;
pub(crate) const WEST_ALEPPO: u64 = 3;

/// Who signs a command: an account, the party it speaks for, and the key it signs with.
#[derive(Debug, Clone)]
pub(crate) struct Signer {
    pub account: AccountId,
    pub party: Option<PartyId>,
    pub key: PublicKeyText,
}

impl Signer {
    pub fn operator() -> Signer {
        Signer { account: account_id(1), party: None, key: key("operator") }
    }
    /// The coordinator account of a fixture party (account `party + 1`).
    pub fn coordinator(party: u64) -> Signer {
        Signer { account: account_id(party + 1), party: Some(party_id(party)), key: key(&format!("party{party}")) }
    }
    /// The monitor account of the United Nations.
    pub fn monitor() -> Signer {
        Signer { account: account_id(10), party: Some(party_id(UN)), key: key("monitor") }
    }
}

/// One accepted ledger entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub context: Context,
    pub command: Command,
    pub events: Vec<Event>,
}

pub(crate) struct World {
    pub state: State,
    pub now: Timestamp,
    pub log: Vec<Entry>,
    nonces_count: u64,
}

impl World {
    /// A log with nothing in it, not even a genesis.
    pub fn empty() -> World {
        World { state: State::default(), now: ts(START), log: Vec::new(), nonces_count: 0 }
    }

    /// Genesis only.
    pub fn with_genesis() -> World {
        let mut world = World::empty();
        let operator = Signer::operator();
        world.accept(&operator, CommandBody::Genesis(genesis()));
        world
    }

    /// Genesis, five parties with a coordinator each, a UN monitor, two forces and three zones.
    pub fn new() -> World {
        let mut world = World::with_genesis();
        let operator = Signer::operator();
        let parties = [
            (RU, "RU", "Russian Federation", PartyKind::State),
            (US, "US", "United States", PartyKind::State),
            (SY, "SY", "Syrian Arab Republic", PartyKind::State),
            (OPP, "EA-OPP", "Armed opposition in East Aleppo", PartyKind::ArmedGroup),
            (UN, "UN", "United Nations", PartyKind::InternationalOrganisation),
        ];
        for (n, party_code, party_name, kind) in parties {
            let body = CommandBody::RegisterParty {
                party_id: party_id(n),
                code: code(party_code),
                name: name(party_name),
                names: Default::default(),
                kind,
            };
            world.accept(&operator, body);
            let coordinator = Signer::coordinator(n);
            world
                .accept(&operator, register_account(&coordinator, &format!("{party_code} liaison"), Role::Coordinator));
        }
        // The UN's own liaison registers its later accounts: the operator may not.
        world.accept(&Signer::coordinator(UN), register_account(&Signer::monitor(), "UN monitor", Role::Monitor));
        let forces = [
            (SAF, "SAF", "Syrian armed forces", vec![party_id(SY), party_id(RU)]),
            (AOG, "AOG", "Armed opposition groups in East Aleppo", vec![party_id(OPP)]),
        ];
        for (n, force_code, force_name, party_ids) in forces {
            let body = CommandBody::RegisterForce {
                force_id: force_id(n),
                code: code(force_code),
                name: name(force_name),
                party_ids,
            };
            world.accept(&operator, body);
        }
        let zones = [
            (EAST_ALEPPO, "EA", "East Aleppo", ZoneKind::BesiegedArea, east_aleppo_boundary()),
            (SUKKARI, "SUK", "al-Sukkari", ZoneKind::Neighbourhood, sukkari_boundary()),
            (WEST_ALEPPO, "WA", "West Aleppo", ZoneKind::City, west_aleppo_boundary()),
        ];
        for (n, zone_code, zone_name, kind, boundary) in zones {
            let body = CommandBody::DefineZone {
                effective_at: None,
                zone_id: zone_id(n),
                code: code(zone_code),
                name: name(zone_name),
                names: Default::default(),
                kind,
                boundary,
                illustrative: true,
            };
            world.accept(&operator, body);
        }
        world
    }

    pub fn next_nonce(&mut self) -> Nonce {
        self.nonces_count += 1;
        Nonce::parse(&format!("nonce-{:011}", self.nonces_count)).expect("fixture nonces are 17 characters")
    }

    /// The command the signer would send now, with a fresh nonce.
    pub fn command(&mut self, signer: &Signer, body: CommandBody) -> Command {
        Command {
            party: signer.party.clone(),
            author: signer.account.clone(),
            issued_at: self.now,
            nonce: self.next_nonce(),
            body,
        }
    }

    /// The context the server would give the signer's command now.
    pub fn context(&self, signer: &Signer) -> Context {
        Context { seq: self.state.entries_count, accepted_at: self.now, signer: signer.key.clone(), code_sha256: None }
    }

    /// Decides a prepared command; applies and records it when accepted and moves the clock
    /// on a minute. A refusal must leave the state exactly as it was.
    pub fn submit_prepared(&mut self, context: Context, command: Command) -> Result<Vec<Event>, DomainError> {
        let before = self.state.clone();
        match decide(&self.state, &context, &command) {
            Ok(events) => {
                self.state.apply(&context, &command, &events);
                self.log.push(Entry { context, command, events: events.clone() });
                self.now = Timestamp::from_datetime(self.now.as_datetime() + chrono::Duration::minutes(1));
                Ok(events)
            }
            Err(err) => {
                assert_eq!(self.state, before, "a refused command leaves the state as it was");
                Err(err)
            }
        }
    }

    /// Sends `signer`'s `enrol_key` with `code`, as the shell would: signed by the new key,
    /// with the code's hash in the context (`code_hash` stands in for SHA-256).
    pub fn enrol(&mut self, signer: &Signer, code: &str) -> Result<Vec<Event>, DomainError> {
        let body = CommandBody::EnrolKey { code: crate::vocab::ids::EnrolmentCode::parse(code).expect("a test code") };
        let command = self.command(signer, body);
        let context = Context { code_sha256: Some(code_hash(code)), ..self.context(signer) };
        self.submit_prepared(context, command)
    }

    pub fn submit(&mut self, signer: &Signer, body: CommandBody) -> Result<Vec<Event>, DomainError> {
        let command = self.command(signer, body);
        let context = self.context(signer);
        self.submit_prepared(context, command)
    }

    /// Submits a command that must be accepted; returns its acceptance time.
    #[track_caller]
    pub fn accept(&mut self, signer: &Signer, body: CommandBody) -> Timestamp {
        let at = self.now;
        let kind = body.kind();
        if let Err(err) = self.submit(signer, body) {
            panic!("{kind} was refused: {err}");
        }
        at
    }

    /// Moves the clock to `raw`, which must not be in the past.
    /// The state as known at record time `known_at`: the fold of the log's entries accepted
    /// by then, as the store answers `?known_at=`.
    pub fn known_at(&self, known_at: Timestamp) -> State {
        let mut state = State::default();
        for entry in self.log.iter().take_while(|e| e.context.accepted_at <= known_at) {
            state.apply(&entry.context, &entry.command, &entry.events);
        }
        state
    }

    pub fn set_now(&mut self, raw: &str) {
        let at = ts(raw);
        assert!(at >= self.now, "the fixture's clock only moves forward");
        self.now = at;
    }
}

pub(crate) fn genesis() -> Genesis {
    Genesis {
        operator_account_id: account_id(1),
        operator_name: name("Operator"),
        operator_public_key: key("operator"),
        log_origin: name("truce.test/log"),
    }
}

pub(crate) fn register_account(signer: &Signer, account_name: &str, role: Role) -> CommandBody {
    CommandBody::RegisterAccount {
        account_id: signer.account.clone(),
        party_id: signer.party.clone(),
        name: name(account_name),
        roles: vec![role],
        public_key: Some(signer.key.clone()),
    }
}

pub(crate) fn east_aleppo_boundary() -> Polygon {
    polygon(&[
        (37.140, 36.172),
        (37.152, 36.162),
        (37.192, 36.168),
        (37.202, 36.186),
        (37.185, 36.226),
        (37.150, 36.196),
    ])
}

pub(crate) fn sukkari_boundary() -> Polygon {
    polygon(&[(37.143, 36.176), (37.152, 36.171), (37.158, 36.176), (37.147, 36.185)])
}

pub(crate) fn west_aleppo_boundary() -> Polygon {
    polygon(&[(37.100, 36.180), (37.135, 36.175), (37.140, 36.215), (37.105, 36.220)])
}

/// A corridor out of East Aleppo to West Aleppo, for every group, with no window yet.
pub(crate) fn corridor(n: u64, corridor_code: &str) -> CorridorSpec {
    CorridorSpec {
        corridor_id: corridor_id(n),
        code: code(corridor_code),
        name: name(&format!("Corridor {corridor_code}")),
        names: Default::default(),
        route: line(&[(37.150, 36.178), (37.133, 36.180), (37.120, 36.190)]),
        half_width_m: 300.0,
        origin_zone_id: zone_id(EAST_ALEPPO),
        destination: Destination { zone_id: Some(zone_id(WEST_ALEPPO)), name: name("West Aleppo") },
        groups: vec![Group::Civilians, Group::Wounded, Group::Fighters],
        windows: Vec::new(),
        illustrative: true,
    }
}

pub(crate) fn corridor_window(start: &str, end: &str, groups: &[Group]) -> CorridorWindow {
    CorridorWindow { window: window(start, end), groups: groups.to_vec() }
}

pub(crate) fn commitment(n: u64, party: u64, kind: CommitmentKind, scope: Scope, forces: &[u64]) -> CommitmentSpec {
    CommitmentSpec {
        commitment_id: commitment_id(n),
        party_id: party_id(party),
        kind,
        scope,
        window: None,
        force_ids: forces.iter().map(|f| force_id(*f)).collect(),
        conditions: Vec::new(),
        text: reason(&format!("commitment {n}: {}", kind.as_str())),
    }
}

pub(crate) fn terms(
    corridors: Vec<CorridorSpec>,
    commitments: Vec<CommitmentSpec>,
    truce: Option<Truce>,
    signatories: &[u64],
) -> Terms {
    Terms {
        corridors,
        truce,
        commitments,
        signatories: signatories.iter().map(|p| party_id(*p)).collect(),
        sponsors: Vec::new(),
        guarantors: Vec::new(),
    }
}

pub(crate) fn truce(start: TruceStart) -> Option<Truce> {
    Some(Truce { zone_id: zone_id(EAST_ALEPPO), start, end: None })
}

pub(crate) fn propose(agreement: u64, terms: Terms) -> CommandBody {
    CommandBody::ProposeAgreement {
        effective_at: None,
        reported: None,
        agreement_id: agreement_id(agreement),
        title: name(&format!("Agreement {agreement}")),
        terms,
        note: None,
    }
}

pub(crate) fn propose_version(agreement: u64, supersedes: u32, terms: Terms) -> CommandBody {
    CommandBody::ProposeVersion {
        effective_at: None,
        reported: None,
        agreement_id: agreement_id(agreement),
        supersedes,
        terms,
        note: None,
    }
}

pub(crate) fn endorse(agreement: u64, version: u32) -> CommandBody {
    CommandBody::Endorse { effective_at: None, reported: None, agreement_id: agreement_id(agreement), version }
}

pub(crate) fn withdraw(agreement: u64, version: u32, why: Option<&str>) -> CommandBody {
    CommandBody::Withdraw {
        effective_at: None,
        reported: None,
        agreement_id: agreement_id(agreement),
        version,
        reason: why.map(reason),
    }
}

pub(crate) fn reject(agreement: u64, version: u32, why: &str) -> CommandBody {
    CommandBody::Reject {
        effective_at: None,
        reported: None,
        agreement_id: agreement_id(agreement),
        version,
        reason: reason(why),
    }
}

pub(crate) fn suspend(agreement: u64, why: &str) -> CommandBody {
    CommandBody::Suspend {
        effective_at: None,
        reported: None,
        agreement_id: agreement_id(agreement),
        reason: reason(why),
    }
}

pub(crate) fn resume(agreement: u64) -> CommandBody {
    CommandBody::Resume { effective_at: None, reported: None, agreement_id: agreement_id(agreement), reason: None }
}

pub(crate) fn record_consent(consent: u64, force: u64, corridor: u64) -> CommandBody {
    CommandBody::RecordConsent {
        effective_at: None,
        reported: None,
        consent_id: consent_id(consent),
        force_id: force_id(force),
        corridor_id: corridor_id(corridor),
        note: None,
    }
}

pub(crate) fn report_fulfilled(commitment: u64) -> CommandBody {
    CommandBody::ReportFulfilled {
        effective_at: None,
        reported: None,
        commitment_id: commitment_id(commitment),
        note: None,
    }
}

/// The Russian plan in miniature: one corridor, Russia's `no_attack` for the Syrian armed
/// forces on it (commitment 1), the United States' `secure_consent` of the armed groups
/// (commitment 2), a truce on East Aleppo from the given start; Russia and the United
/// States sign.
pub(crate) fn corridor_plan(start: TruceStart) -> Terms {
    terms(
        vec![corridor(1, "EA-1")],
        vec![
            commitment(1, RU, CommitmentKind::NoAttack, Scope::Corridor(corridor_id(1)), &[SAF]),
            commitment(2, US, CommitmentKind::SecureConsent, Scope::Corridor(corridor_id(1)), &[AOG]),
        ],
        truce(start),
        &[RU, US],
    )
}

/// Russia and the United States agree the plan (agreement 1), its first corridor open from 12
/// to 20 December 2016.
pub(crate) fn agree(world: &mut World, mut plan: Terms) {
    plan.corridors[0].windows = vec![corridor_window("2016-12-12T00:00:00Z", "2016-12-20T00:00:00Z", &[])];
    world.accept(&Signer::coordinator(RU), propose(1, plan));
    world.accept(&Signer::coordinator(RU), endorse(1, 1));
    world.accept(&Signer::coordinator(US), endorse(1, 1));
}

/// A condition that the commitment `id` holds (is fulfilled or applies).
pub(crate) fn holds(id: CommitmentId) -> crate::Condition {
    crate::Condition { commitment_id: id, requires: crate::Requirement::Holds }
}
