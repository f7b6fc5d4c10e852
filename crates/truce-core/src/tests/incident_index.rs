//! The incident index (`monitoring/index.rs`) kept as incidents are reported, corrected and
//! retracted equals the index built from scratch, in the record and in `as_of` views; and it
//! finds what a query selects. The statements kept by incident are those a scan finds.

use proptest::{
    collection::vec,
    prelude::*,
    test_runner::{RngAlgorithm, TestRng, TestRunner},
};

use super::{
    fixture::*,
    monitoring::{incident_id, report, source, world_in_force},
    properties::config,
};
use crate::{
    event::Event,
    monitoring::index::{IncidentKey, Placed},
    CommandBody, IncidentIndex, IncidentKind, Location, Monitoring, SourceKind, Timestamp, When,
};

const SEED: u64 = 0x1d3c_5e7a;

/// One change to the record: a report, a correction of any of place, time and kind, or a
/// retraction, of one of a few incidents.
#[derive(Debug, Clone)]
enum Change {
    Report { n: u8, place: u8, hour: u8, kind: u8 },
    Correct { n: u8, place: Option<u8>, hour: Option<u8>, kind: Option<u8> },
    Retract { n: u8 },
}

fn change() -> impl Strategy<Value = Change> {
    let n = || 1u8..=12;
    prop_oneof![
        4 => (n(), any::<u8>(), any::<u8>(), 0u8..4).prop_map(|(n, place, hour, kind)| Change::Report { n, place, hour, kind }),
        4 => (n(), proptest::option::of(any::<u8>()), proptest::option::of(any::<u8>()), proptest::option::of(0u8..4))
            .prop_map(|(n, place, hour, kind)| Change::Correct { n, place, hour, kind }),
        1 => n().prop_map(|n| Change::Retract { n }),
    ]
}

/// Places on both sides of grid lines, of the equator and of the prime meridian, and at the
/// antimeridian; known to within nothing (either zero), metres or tens of kilometres.
fn place(pick: u8) -> Location {
    let lon = [-180.0, -0.001, 0.0, 0.015_625, 37.15, 37.156_25, 179.99, 180.0][usize::from(pick % 8)];
    let lat = [-90.0, -0.000_1, 0.0, 36.178, 36.187_5, 89.9][usize::from(pick / 8 % 6)];
    let uncertainty_m = [10.0, 0.0, -0.0, 25_000.0, 10.0][usize::from(pick / 48 % 5)];
    Location { position: position(lon, lat), uncertainty_m, precision: None, zone_id: None }
}

/// The largest uncertainty of the incidents' current revisions, 0 without any.
fn uncertainty_m_max(monitoring: &Monitoring) -> f64 {
    let uncertainties = monitoring.incidents.values().map(|incident| incident.current().location.uncertainty_m);
    uncertainties.fold(0.0, f64::max)
}

fn hour(pick: u8) -> When {
    let at = ts("2016-12-13T00:00:00Z").as_datetime() + chrono::Duration::minutes(i64::from(pick) * 37);
    When { start: Timestamp::from_datetime(at), end: None, precision: None }
}

fn kind(pick: u8) -> IncidentKind {
    [IncidentKind::Shelling, IncidentKind::Airstrike, IncidentKind::Gunfire, IncidentKind::Obstruction]
        [usize::from(pick % 4)]
}

/// Applies `change` to `monitoring` as its events would, if it applies.
fn apply(monitoring: &mut Monitoring, change: &Change, at: Timestamp) {
    match change {
        Change::Report { n, place: p, hour: h, kind: k } => {
            let id = incident_id(u64::from(*n));
            if monitoring.incidents.contains_key(&id) {
                return;
            }
            let event = Event::IncidentReported {
                incident_id: id,
                kind: kind(*k),
                location: place(*p),
                when: hour(*h),
                description: reason("Shelling"),
                source: source(u64::from(*n), "EFE", SourceKind::Media, None),
                reported_by: account_id(10),
                convoy_id: None,
            };
            assert!(monitoring.evolve(at, &event));
        }
        Change::Correct { n, place: p, hour: h, kind: k } => {
            let id = incident_id(u64::from(*n));
            if !monitoring.incidents.contains_key(&id) {
                return;
            }
            let event = Event::IncidentCorrected {
                incident_id: id,
                kind: k.map(kind),
                location: p.map(place),
                when: h.map(hour),
                reason: reason("Geolocated"),
                convoy_id: None,
            };
            assert!(monitoring.evolve(at, &event));
        }
        Change::Retract { n } => {
            monitoring.remove_incident(&incident_id(u64::from(*n)));
        }
    }
}

#[test]
fn the_index_kept_through_reports_corrections_and_retractions_equals_one_built_from_scratch() {
    let mut runner =
        TestRunner::new_with_rng(config(256), TestRng::from_seed(RngAlgorithm::ChaCha, &SEED.to_le_bytes().repeat(4)));
    let result = runner.run(&(vec(change(), 1..80), any::<u8>()), |(changes, as_of_pick)| {
        let mut monitoring = Monitoring::default();
        let at = ts("2016-12-14T00:00:00Z");
        for change in &changes {
            apply(&mut monitoring, change, at);
            let rebuilt = IncidentIndex::of(monitoring.incidents.values());
            prop_assert_eq!(monitoring.incident_index(), &rebuilt);
            prop_assert_eq!(monitoring.incident_index().uncertainty_m_max(), uncertainty_m_max(&monitoring));
        }
        prop_assert_eq!(monitoring.incident_index().len(), monitoring.incidents.len());
        let view = monitoring.as_of(hour(as_of_pick).start);
        prop_assert_eq!(view.incident_index(), &IncidentIndex::of(view.incidents.values()));
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

/// Every incident is found by its kind, by the hour of its start and by the box around its
/// position; its key gives its id back.
#[test]
fn each_index_finds_every_incident_it_holds() {
    let mut monitoring = Monitoring::default();
    let at = ts("2016-12-14T00:00:00Z");
    for n in 0u8..=255 {
        apply(&mut monitoring, &Change::Report { n, place: n, hour: n.wrapping_mul(7), kind: n }, at);
    }
    let index = monitoring.incident_index();
    assert_eq!(index.len(), 256);
    for incident in monitoring.incidents.values() {
        let key = IncidentKey::of(&incident.incident_id);
        assert_eq!(key.incident_id(), incident.incident_id);
        let current = incident.current();
        let (lon, lat) = (current.location.position.lon(), current.location.position.lat());
        assert!(index.of_kind(current.kind).is_some_and(|keys| keys.contains(&key)));
        let start = current.when.start;
        let later = Timestamp::from_datetime(start.as_datetime() + chrono::Duration::milliseconds(1));
        assert!(index.hours(Some(start), Some(later)).any(|keys| keys.contains(&key)));
        let placed = Placed::of(incident);
        assert!(index.squares(lon, lat, lon, lat).any(|(_, square)| square.get(&key) == Some(&placed)));
        assert!(index.squares(-180.0, -90.0, 180.0, 90.0).any(|(_, square)| square.contains_key(&key)), "a wide box");
        let (cell, _) = index.squares(lon, lat, lon, lat).next().expect("its square");
        assert!(index.square(cell).is_some_and(|square| square.contains_key(&key)));
        assert_eq!(key.incident_id(), incident.incident_id, "a key is its id again");
    }
    // Keys sort as ids do.
    let keys: Vec<IncidentKey> = monitoring.incidents.keys().map(IncidentKey::of).collect();
    assert!(keys.windows(2).all(|pair| pair[0] < pair[1]));
}

/// Through the whole projection: reports, a correction that moves one, a retraction.
#[test]
fn the_states_index_follows_corrections_and_retractions() {
    let mut world = world_in_force();
    for n in 1..=3 {
        world.accept(&Signer::monitor(), report(n, "2016-12-13T09:30:00Z", source(n, "EFE", SourceKind::Media, None)));
    }
    let retracted_seq = world.log.last().expect("an entry").context.seq;
    let correct = CommandBody::CorrectIncident {
        incident_id: incident_id(1),
        kind: Some(IncidentKind::Airstrike),
        location: Some(place(13)),
        when: Some(hour(200)),
        convoy_id: None,
        reason: reason("Geolocated from video"),
    };
    world.accept(&Signer::monitor(), correct);
    world.accept(&Signer::monitor(), CommandBody::Retract { seq: retracted_seq, reason: reason("sent twice") });
    let monitoring = &world.state.monitoring;
    assert_eq!(monitoring.incidents.len(), 2);
    assert_eq!(monitoring.incident_index(), &IncidentIndex::of(monitoring.incidents.values()));
    let airstrikes = monitoring.incident_index().of_kind(IncidentKind::Airstrike).expect("the corrected kind");
    assert_eq!(airstrikes.iter().map(|key| key.incident_id()).collect::<Vec<_>>(), vec![incident_id(1)]);
    let view = world.state.as_of(ts("2016-12-13T10:00:00Z"));
    assert_eq!(view.monitoring.incident_index(), &IncidentIndex::of(view.monitoring.incidents.values()));
}

/// One change to the statements: a statement taking stances (in either form, on incidents or
/// on their violations, some only mentioning) on a few incidents, or a retraction.
#[derive(Debug, Clone)]
enum StatementChange {
    Make { n: u8, stances: Vec<(u8, u8)> },
    Retract { n: u8 },
}

fn statement_change() -> impl Strategy<Value = StatementChange> {
    prop_oneof![
        4 => (1u8..=10, vec((1u8..=6, 0u8..6), 0..5)).prop_map(|(n, stances)| StatementChange::Make { n, stances }),
        1 => (1u8..=10).prop_map(|n| StatementChange::Retract { n }),
    ]
}

/// The stance of form `form` on incident `n`: three legacy `stances`, three in `about`
/// (one on a violation, one a mention that takes no stance).
fn stance(n: u8, form: u8) -> (Option<crate::IncidentStance>, Option<crate::StanceOn>) {
    use crate::{IncidentStance, RecordRef, StanceOn};
    let incident_id = incident_id(u64::from(n));
    let record = RecordRef::Incident { incident_id: incident_id.clone() };
    match form {
        0 => (Some(IncidentStance::Confirms { incident_id }), None),
        1 => (Some(IncidentStance::Denies { incident_id }), None),
        2 => (Some(IncidentStance::Accuses { incident_id, force_id: force_id(1) }), None),
        3 => (None, Some(StanceOn::Accuses { record, force_id: force_id(2) })),
        4 => (
            None,
            Some(StanceOn::Confirms { record: RecordRef::Violation { incident_id, commitment_id: commitment_id(1) } }),
        ),
        _ => (None, Some(StanceOn::Mentions { record })),
    }
}

/// The statements on each incident kept as statements are made and retracted are those a
/// scan of every statement finds referring to it (with a stance, on its violation, or only
/// naming it), in id order, in the record and in `as_of` views.
#[test]
fn the_statements_kept_by_incident_are_those_a_scan_finds() {
    let mut runner =
        TestRunner::new_with_rng(config(256), TestRng::from_seed(RngAlgorithm::ChaCha, &SEED.to_le_bytes().repeat(4)));
    let scanned = |monitoring: &Monitoring, n: u64| -> Vec<crate::StatementId> {
        let id = incident_id(n);
        let record = crate::RecordRef::Incident { incident_id: id };
        let referring = monitoring.statements.values().filter(|s| s.refers_to(&record));
        referring.map(|s| s.statement_id.clone()).collect()
    };
    let indexed = |monitoring: &Monitoring, n: u64| -> Vec<crate::StatementId> {
        monitoring.statements_on(&incident_id(n)).map(|s| s.statement_id.clone()).collect()
    };
    let result = runner.run(&(vec(statement_change(), 1..40), any::<u8>()), |(changes, as_of_pick)| {
        let mut monitoring = Monitoring::default();
        for (step, change) in changes.iter().enumerate() {
            match change {
                StatementChange::Make { n, stances } => {
                    if monitoring.statements.contains_key(&statement_id(u64::from(*n))) {
                        continue;
                    }
                    let (legacy, about): (Vec<_>, Vec<_>) = stances.iter().map(|(i, form)| stance(*i, *form)).unzip();
                    let event = Event::StatementMade {
                        statement_id: statement_id(u64::from(*n)),
                        party_id: None,
                        text: reason("Statement"),
                        incident_ids: vec![incident_id(6)],
                        stances: legacy.into_iter().flatten().collect(),
                        agreements: Vec::new(),
                        kind: crate::StatementKind::Statement,
                        about: about.into_iter().flatten().collect(),
                        document: None,
                        votes: None,
                        effective_at: hour(u8::try_from(step).expect("fewer than 256 steps")).start,
                        provenance: crate::Provenance::Attested { author: account_id(10) },
                    };
                    assert!(monitoring.evolve(ts("2016-12-14T00:00:00Z"), &event));
                }
                StatementChange::Retract { n } => {
                    monitoring.remove_statement(&statement_id(u64::from(*n)));
                }
            }
            for n in 1..=6 {
                prop_assert_eq!(indexed(&monitoring, n), scanned(&monitoring, n));
            }
        }
        let view = monitoring.as_of(hour(as_of_pick).start);
        for n in 1..=6 {
            prop_assert_eq!(indexed(&view, n), scanned(&view, n));
        }
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

proptest! {
    /// Keys in two halves are ordered as their 128 bits, and give back the bits and the id.
    #[test]
    fn keys_are_ordered_as_their_bits(a in any::<u128>(), b in any::<u128>()) {
        let (key_a, key_b) = (IncidentKey::between(a), IncidentKey::between(b));
        prop_assert_eq!(key_a.cmp(&key_b), a.cmp(&b));
        prop_assert_eq!((key_a.bits(), key_b.bits()), (a, b));
    }
}

#[test]
fn a_key_gives_back_its_incident_id_and_sorts_as_ids_do() {
    let ids = [
        "0190a3d2-0000-7000-8000-000000000001",
        "0190a3d2-0000-7000-8000-000000000002",
        "0190a3d3-0000-7000-8000-000000000000",
    ]
    .map(|text| crate::IncidentId::parse(text).expect("a UUIDv7"));
    for pair in ids.windows(2) {
        assert!(IncidentKey::of(&pair[0]) < IncidentKey::of(&pair[1]), "{} before {}", pair[0], pair[1]);
    }
    for id in &ids {
        assert_eq!(&IncidentKey::of(id).incident_id(), id);
    }
}
