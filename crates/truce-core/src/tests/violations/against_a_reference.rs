//! The R-tree projection's violations against a brute-force reference that shares none of
//! its code: random agreements, redrawn corridors and zones, suspensions and incidents.

use super::*;

fn routes() -> [crate::LineString; 3] {
    [
        line(&[(37.150, 36.178), (37.133, 36.180), (37.120, 36.190)]),
        route_b(),
        line(&[(37.150, 36.178), (37.160, 36.170), (37.175, 36.172)]),
    ]
}
const HALF_WIDTHS_M: [f64; 3] = [300.0, 120.0, 700.0];

fn boundaries() -> [Polygon; 3] {
    [east_aleppo_boundary(), east_aleppo_south(), sukkari_boundary()]
}

/// Points near which incidents happen: every vertex of the routes and boundaries, and the
/// midpoint of every route segment.
fn anchors() -> Vec<(f64, f64)> {
    let routes = routes();
    let boundaries = boundaries();
    let mut anchors = Vec::new();
    for route in &routes {
        for pair in route.positions().windows(2) {
            anchors.push((pair[0].lon(), pair[0].lat()));
            anchors.push(((pair[0].lon() + pair[1].lon()) / 2.0, (pair[0].lat() + pair[1].lat()) / 2.0));
        }
    }
    anchors.extend(boundaries.iter().flat_map(|b| b.rings()[0].iter().map(|p| (p.lon(), p.lat()))));
    anchors
}

const INCIDENT_KINDS: [IncidentKind; 4] =
    [IncidentKind::Shelling, IncidentKind::Obstruction, IncidentKind::AttackOnConvoy, IncidentKind::Displacement];

#[derive(Debug, Clone)]
enum Move {
    /// Proposes agreement 1 (`agreement_terms`); its signatories endorse it in the next moves.
    Agree { start: u8, start_h: u8, end_h: Option<u8>, zone_windows: [Option<(u8, u8)>; 2], conditional: bool },
    /// Proposes agreement 2 (`second_agreement_terms`), conditional on that commitment of
    /// agreement 1; its signatories endorse it in the next moves.
    AgreeSecond { condition: u8 },
    /// Proposes a version of agreement 1 with the latest terms, its corridors redrawn along
    /// `routes()[(route + idx) % 3]`, and perhaps its commitments redefined (`respecify`).
    Reroute { route: u8, respecify: bool },
    /// The armed opposition consents to the use of corridor 7, as commitment 10 asks.
    Consent,
    /// A step of the random logs of `properties`; the corridors of a proposal are drawn
    /// along `routes()[(route + idx) % 3]`, with half-width `HALF_WIDTHS_M[route % 3]`.
    Log { step: Step, route: u8 },
    /// Redraws East Aleppo or al-Sukkari as `boundaries()[boundary]`, effective some hours
    /// before or after now.
    Redraw { zone: u8, boundary: u8, effective_h: i8 },
    /// Reports an incident near `anchors()[anchor]`, at an instant or over an interval, in
    /// the first four days of the log.
    Report { kind: u8, anchor: u8, offset: (i16, i16), uncertainty_m: u16, start_min: u16, len_min: Option<u16> },
    /// Compares every incident's violations with the reference now.
    Check,
}

fn a_move() -> impl Strategy<Value = Move> {
    prop_oneof![
        12 => (step(), any::<u8>()).prop_map(|(step, route)| Move::Log { step, route }),
        1 => (1u8..=2, 0u8..3, -24i8..=24).prop_map(|(zone, boundary, effective_h)| Move::Redraw { zone, boundary, effective_h }),
        4 => (
            0u8..4,
            any::<u8>(),
            (-60i16..=60, -60i16..=60),
            0u16..500,
            0u16..(4 * 24 * 60),
            proptest::option::of(1u16..(2 * 24 * 60)),
        )
            .prop_map(|(kind, anchor, offset, uncertainty_m, start_min, len_min)| Move::Report {
                kind,
                anchor,
                offset,
                uncertainty_m,
                start_min,
                len_min,
            }),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(route, respecify)| Move::Reroute { route, respecify }),
        1 => Just(Move::Consent),
        1 => Just(Move::Check),
    ]
}

fn hours_after(at: Timestamp, hours: u8) -> Timestamp {
    Timestamp::from_datetime(at.as_datetime() + chrono::Duration::hours(i64::from(hours)))
}

/// A corridor (7) with Russia's `no_attack` (9) and the United States' `secure_consent` (10)
/// on it, Syria's `cease_fire` in East Aleppo (11) and the opposition's `allow_access` in
/// al-Sukkari (12), perhaps conditional on 11; the truce starts immediately, at a time or
/// when 10 is fulfilled, and perhaps ends.
fn agreement_terms(a_move: &Move, now: Timestamp) -> crate::Terms {
    let Move::Agree { start, start_h, end_h, zone_windows, conditional } = a_move else {
        unreachable!("only for Agree");
    };
    let start = match start {
        0 => TruceStart::Immediately,
        1 => TruceStart::At { at: hours_after(now, *start_h) },
        _ => TruceStart::WhenFulfilled { commitment_ids: vec![commitment_id(10)] },
    };
    let mut plan_corridor = corridor(7, "PLAN-1");
    plan_corridor.windows = vec![corridor_window("2016-12-12T00:00:00Z", "2016-12-20T00:00:00Z", &[])];
    let mut cease_fire = commitment(11, SY, CommitmentKind::CeaseFire, Scope::Zone(zone_id(EAST_ALEPPO)), &[SAF]);
    let mut access = commitment(12, OPP, CommitmentKind::AllowAccess, Scope::Zone(zone_id(SUKKARI)), &[AOG]);
    for (spec, zone_window) in [&mut cease_fire, &mut access].into_iter().zip(zone_windows) {
        spec.window = zone_window.map(|(start_h, len_h)| {
            let start = hours_after(now, start_h);
            crate::Window::new(start, hours_after(start, len_h.max(1))).expect("at least an hour")
        });
    }
    if *conditional {
        access.conditions = vec![holds(commitment_id(11))];
    }
    let commitments = vec![
        commitment(9, RU, CommitmentKind::NoAttack, Scope::Corridor(corridor_id(7)), &[SAF]),
        commitment(10, US, CommitmentKind::SecureConsent, Scope::Corridor(corridor_id(7)), &[AOG]),
        cease_fire,
        access,
    ];
    let mut truce = truce(start);
    if let Some(truce) = &mut truce {
        truce.end = end_h.map(|end_h| hours_after(now, end_h));
    }
    terms(vec![plan_corridor], commitments, truce, &[RU, US])
}

/// A corridor (8) with Russia's `no_attack` (13) on it and Syria's `cease_fire` in al-Sukkari
/// (14), both conditional on a commitment of agreement 1.
fn second_agreement_terms(condition: u8) -> crate::Terms {
    let mut second_corridor = corridor(8, "PLAN-2");
    second_corridor.route = routes()[2].clone();
    let mut commitments = vec![
        commitment(13, RU, CommitmentKind::NoAttack, Scope::Corridor(corridor_id(8)), &[SAF]),
        commitment(14, SY, CommitmentKind::CeaseFire, Scope::Zone(zone_id(SUKKARI)), &[SAF]),
    ];
    for spec in &mut commitments {
        spec.conditions = vec![holds(commitment_id(u64::from(condition)))];
    }
    terms(vec![second_corridor], commitments, truce(TruceStart::Immediately), &[RU, US])
}

/// Routes the corridors of `terms` along `routes()`, from the `route`-th on.
fn reroute(terms: &mut crate::Terms, route: u8) {
    for (idx, corridor) in terms.corridors.iter_mut().enumerate() {
        corridor.route = routes()[(usize::from(route) + idx) % 3].clone();
        corridor.half_width_m = HALF_WIDTHS_M[usize::from(route) % 3];
    }
}

/// Changes what the commitments that forbid something forbid, and where: `no_attack` becomes
/// `allow_access`, which becomes `cease_fire`, which becomes `no_attack`; corridors become
/// East Aleppo and zones corridor 7.
fn respecify(terms: &mut crate::Terms) {
    for spec in &mut terms.commitments {
        spec.kind = match spec.kind {
            CommitmentKind::NoAttack => CommitmentKind::AllowAccess,
            CommitmentKind::AllowAccess => CommitmentKind::CeaseFire,
            CommitmentKind::CeaseFire => CommitmentKind::NoAttack,
            CommitmentKind::AllowPassage => CommitmentKind::AllowAccess,
            CommitmentKind::SecureConsent
            | CommitmentKind::ProvideTransport
            | CommitmentKind::WithdrawForces
            | CommitmentKind::Evacuate
            | CommitmentKind::HandOver
            | CommitmentKind::ReleaseDetainees => continue,
        };
        spec.scope = match spec.scope {
            Scope::Corridor(_) => Scope::Zone(zone_id(EAST_ALEPPO)),
            Scope::Zone(_) => Scope::Corridor(corridor_id(7)),
        };
    }
}

fn minutes_after(at: Timestamp, minutes: u16) -> Timestamp {
    Timestamp::from_datetime(at.as_datetime() + chrono::Duration::minutes(i64::from(minutes)))
}

/// Every instant the log mentions: acceptance times and every timestamp in its events
/// (windows, truce starts and ends, boundaries' `effective_at`). Statuses and boundaries can
/// change only at these.
fn instants_of(world: &World) -> BTreeSet<Timestamp> {
    let mut instants = BTreeSet::new();
    for entry in &world.log {
        instants.insert(entry.context.accepted_at);
        let mut stack = vec![serde_json::to_value(&entry.events).expect("events serialise")];
        while let Some(value) = stack.pop() {
            match value {
                serde_json::Value::String(text) => instants.extend(Timestamp::parse(&text).ok()),
                serde_json::Value::Array(items) => stack.extend(items),
                serde_json::Value::Object(fields) => stack.extend(fields.into_iter().map(|(_, v)| v)),
                _ => {}
            }
        }
    }
    instants
}

/// The reference: every commitment, at the incident's start and at every instant of the log
/// inside its interval, by `commitment_status`, the version in force's terms, and the
/// geodesic distances. No R-tree, no active periods.
fn reference_violations(state: &State, instants: &BTreeSet<Timestamp>, revision: &IncidentRevision) -> Vec<String> {
    let start = revision.when.start;
    let mut at_instants = vec![start];
    if let Some(end) = revision.when.end {
        at_instants.extend(instants.range((Excluded(start), Unbounded)).take_while(|at| **at < end));
    }
    let mut violated: Vec<String> = state
        .coordination
        .commitment_agreements
        .keys()
        .filter(|commitment_id| at_instants.iter().any(|at| violated_at(state, commitment_id, revision, *at)))
        .map(|commitment_id| commitment_id.to_string())
        .collect();
    violated.sort();
    violated
}

fn violated_at(state: &State, commitment_id: &CommitmentId, revision: &IncidentRevision, at: Timestamp) -> bool {
    let Some(status) = state.coordination.commitment_status(commitment_id, at) else {
        return false;
    };
    if status.status != CommitmentStatusKind::Active {
        return false;
    }
    let agreement = &state.coordination.agreements[&state.coordination.commitment_agreements[commitment_id]];
    let version = agreement.version(status.version).expect("the version in force exists");
    let spec = version.terms.commitments.iter().find(|c| &c.commitment_id == commitment_id).expect("it holds it");
    let forbidden = match spec.kind {
        CommitmentKind::NoAttack | CommitmentKind::CeaseFire => revision.kind.is_attack(),
        CommitmentKind::AllowAccess | CommitmentKind::AllowPassage => {
            matches!(revision.kind, IncidentKind::Obstruction | IncidentKind::AttackOnConvoy)
        }
        CommitmentKind::SecureConsent
        | CommitmentKind::ProvideTransport
        | CommitmentKind::WithdrawForces
        | CommitmentKind::Evacuate
        | CommitmentKind::HandOver
        | CommitmentKind::ReleaseDetainees => false,
    };
    if !forbidden {
        return false;
    }
    let position = revision.location.position;
    let uncertainty_m = revision.location.uncertainty_m;
    match &spec.scope {
        Scope::Corridor(corridor_id) => {
            let corridor = version
                .terms
                .corridors
                .iter()
                .find(|c| &c.corridor_id == corridor_id)
                .or_else(|| state.coordination.corridors.get(corridor_id).map(|record| &record.spec));
            corridor.is_some_and(|c| distance_to_route_m(position, &c.route) <= c.half_width_m + uncertainty_m)
        }
        Scope::Zone(zone_id) => state
            .coordination
            .zones
            .get(zone_id)
            .is_some_and(|zone| distance_to_zone_m(position, zone.boundary_at(at)) <= uncertainty_m),
    }
}

/// What the property saw, so that it can be checked not to be vacuous.
#[derive(Debug, Default)]
struct Seen {
    violations: usize,
    /// Found only inside the interval, not at its start.
    after_start: usize,
    /// Of commitments whose latest definition is in a zone.
    in_zones: usize,
    incidents_without: usize,
}

fn compare_all(world: &World, seen: &mut Seen) -> Result<(), TestCaseError> {
    let instants = instants_of(world);
    for (incident_id, incident) in &world.state.monitoring.incidents {
        let revision = incident.current();
        let actual: Vec<String> = world
            .state
            .violations_of(incident_id)
            .iter()
            .filter_map(|v| v.commitment_id.as_ref().map(|c| c.to_string()))
            .collect();
        let expected = reference_violations(&world.state, &instants, revision);
        prop_assert_eq!(&actual, &expected, "incident {:?}", revision);
        seen.violations += expected.len();
        seen.incidents_without += usize::from(expected.is_empty());
        let at_start = reference_violations(&world.state, &BTreeSet::new(), revision);
        seen.after_start += expected.len() - at_start.len();
        seen.in_zones += expected
            .iter()
            .filter(|c| {
                let id = CommitmentId::parse(c).expect("an id");
                state_scope_is_zone(&world.state, &id)
            })
            .count();
    }
    Ok(())
}

fn state_scope_is_zone(state: &State, commitment_id: &CommitmentId) -> bool {
    state.coordination.commitment_spec(commitment_id).is_some_and(|(_, spec)| matches!(spec.scope, Scope::Zone(_)))
}

/// Plays the moves; after every entry the kept index equals one built afresh, and at every
/// `Check` and at the end the violations equal the reference's.
fn play(moves: &[Move], seen: &mut Seen) -> Result<(), TestCaseError> {
    let mut world = World::new();
    let anchors = anchors();
    for a_move in moves {
        let prepared = match a_move {
            Move::Agree { .. } => {
                let body = propose(1, agreement_terms(a_move, world.now));
                let command = world.command(&Signer::coordinator(RU), body);
                Some((world.context(&Signer::coordinator(RU)), command))
            }
            Move::AgreeSecond { condition } => {
                let body = propose(2, second_agreement_terms(*condition));
                let command = world.command(&Signer::coordinator(RU), body);
                Some((world.context(&Signer::coordinator(RU)), command))
            }
            Move::Reroute { route, respecify } => {
                let latest = world
                    .state
                    .coordination
                    .agreements
                    .get(&agreement_id(1))
                    .map(|agreement| agreement.latest().clone());
                latest.map(|latest| {
                    let mut terms = latest.terms;
                    reroute(&mut terms, *route);
                    if *respecify {
                        self::respecify(&mut terms);
                    }
                    let command = world.command(&Signer::coordinator(RU), propose_version(1, latest.version, terms));
                    (world.context(&Signer::coordinator(RU)), command)
                })
            }
            Move::Consent => {
                let command = world.command(&Signer::coordinator(OPP), record_consent(20, AOG, 7));
                Some((world.context(&Signer::coordinator(OPP)), command))
            }
            Move::Log { step, route } => prepare(&mut world, step).map(|(context, mut command)| {
                if let CommandBody::ProposeAgreement { terms, .. } | CommandBody::ProposeVersion { terms, .. } =
                    &mut command.body
                {
                    reroute(terms, *route);
                }
                (context, command)
            }),
            Move::Redraw { zone, boundary, effective_h } => {
                let effective_at = Timestamp::from_datetime(
                    world.now.as_datetime() + chrono::Duration::hours(i64::from(*effective_h)),
                );
                let body = CommandBody::RedrawZone {
                    zone_id: zone_id(u64::from(*zone)),
                    boundary: boundaries()[usize::from(*boundary)].clone(),
                    effective_at,
                };
                let command = world.command(&Signer::operator(), body);
                Some((world.context(&Signer::operator()), command))
            }
            Move::Report { kind, anchor, offset, uncertainty_m, start_min, len_min } => {
                let n = world.state.monitoring.incidents.len() as u64 + 1;
                let (lon, lat) = anchors[usize::from(*anchor) % anchors.len()];
                let start = minutes_after(ts(START), *start_min);
                // Nothing is reported before it happens: the clock moves on to the start.
                world.now = world.now.max(start);
                let body = CommandBody::ReportIncident {
                    incident_id: incident_id(n),
                    kind: INCIDENT_KINDS[usize::from(*kind)],
                    location: Location {
                        // Up to 0.006 degrees either way: about 540 m east-west, 670 m north-south.
                        position: position(lon + f64::from(offset.0) * 1e-4, lat + f64::from(offset.1) * 1e-4),
                        uncertainty_m: f64::from(*uncertainty_m),
                        precision: None,
                        zone_id: None,
                    },
                    when: When { start, end: len_min.map(|len| minutes_after(start, len)), precision: None },
                    description: reason("Reported"),
                    source: source(n, "EFE", SourceKind::Media, None),
                    convoy_id: None,
                };
                let command = world.command(&Signer::monitor(), body);
                Some((world.context(&Signer::monitor()), command))
            }
            Move::Check => {
                compare_all(&world, seen)?;
                None
            }
        };
        let Some((context, command)) = prepared else {
            continue;
        };
        let must_accept = matches!(a_move, Move::Agree { .. } | Move::Redraw { .. } | Move::Report { .. });
        let accepted = world.submit_prepared(context, command).is_ok();
        prop_assert!(accepted || !must_accept, "reports and redrawings are accepted");
        prop_assert_eq!(&world.state.active_scopes, &ActiveScopes::build(&world.state.coordination));
    }
    compare_all(&world, seen)
}

#[test]
fn the_projections_violations_equal_a_brute_force_check_of_every_commitment_at_every_instant() {
    let mut runner =
        TestRunner::new_with_rng(config(128), TestRng::from_seed(RngAlgorithm::ChaCha, &SEED.to_le_bytes().repeat(4)));
    // Every log starts with an agreement that its two signatories endorse, so that most logs
    // have commitments of every kind that forbids something in force.
    let window = || proptest::option::of((0u8..48, 1u8..48));
    let agree = (0u8..3, 0u8..48, proptest::option::weighted(0.3, 1u8..96), [window(), window()], any::<bool>())
        .prop_map(|(start, start_h, end_h, zone_windows, conditional)| Move::Agree {
            start,
            start_h,
            end_h,
            zone_windows,
            conditional,
        });
    let second = proptest::option::weighted(0.6, 9u8..=12);
    let moves = (agree, second, vec(a_move(), 1..80)).prop_map(|(agree, second, rest)| {
        let endorse =
            |agreement| [1, 2].map(|who| Move::Log { step: Step::Endorse { who, agreement, behind: 0 }, route: 0 });
        let second =
            second.into_iter().flat_map(|condition| [Move::AgreeSecond { condition }].into_iter().chain(endorse(2)));
        [agree].into_iter().chain(endorse(1)).chain(second).chain(rest).collect::<Vec<Move>>()
    });
    let seen = std::cell::RefCell::new(Seen::default());
    let result = runner.run(&moves, |moves| play(&moves, &mut seen.borrow_mut()));
    if let Err(err) = result {
        panic!("{err}");
    }
    // Not vacuous: the logs reach violations at the start, inside intervals and in zones,
    // and incidents that violate nothing.
    let seen = seen.into_inner();
    assert!(seen.violations - seen.in_zones >= 100, "{seen:?}");
    assert!(seen.in_zones >= 100, "{seen:?}");
    assert!(seen.after_start >= 30, "{seen:?}");
    assert!(seen.incidents_without >= 500, "{seen:?}");
}
