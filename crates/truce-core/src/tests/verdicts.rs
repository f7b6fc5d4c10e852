//! The verdicts kept per incident (`projection/kept.rs`: grade and accused forces, with the
//! incidents by grade and by force) equal those derived from scratch after every entry of
//! random logs of reports, sources (recorded by monitors, analysts and parties' accounts),
//! grades, duplicates, statements (in both forms), force registrations and retractions; in
//! the state, in states as known at an earlier record time, and in `as_of` views, which keep
//! none and derive.

use std::cell::Cell;

use proptest::{
    collection::vec,
    prelude::*,
    test_runner::{RngAlgorithm, TestRng, TestRunner},
};

use super::{
    fixture::*,
    monitoring::{analyst, incident_id, report, source, world_in_force},
    properties::config,
};
use crate::{
    monitoring::statement::{RecordRef, StanceOn},
    CommandBody, Grade, IncidentStance, SourceKind, State, Timestamp,
};

const SEED: u64 = 0x7e2d_1c75;

/// One command; ids are small numbers, so that steps meet the same incidents.
#[derive(Debug, Clone)]
enum Step {
    Report {
        n: u8,
        by: u8,
        kind: u8,
        force: u8,
    },
    AddSource {
        n: u8,
        by: u8,
        kind: u8,
        force: u8,
        organisation: u8,
    },
    Grade {
        n: u8,
        grade: u8,
    },
    Duplicate {
        n: u8,
        of: u8,
    },
    /// A party's statement confirming, denying or accusing, on the incident or (`about`) on
    /// it or its violation.
    Statement {
        by: u8,
        n: u8,
        stance: u8,
        force: u8,
        form: u8,
    },
    RegisterForce {
        parties: u8,
    },
    /// Retracts the entry `back` entries before the latest.
    Retract {
        back: u8,
        by: u8,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let n = || 1u8..=6;
    prop_oneof![
        4 => (n(), 0u8..4, 0u8..4, 0u8..3).prop_map(|(n, by, kind, force)| Step::Report { n, by, kind, force }),
        4 => (n(), 0u8..4, 0u8..4, 0u8..3, 0u8..3)
            .prop_map(|(n, by, kind, force, organisation)| Step::AddSource { n, by, kind, force, organisation }),
        1 => (n(), 0u8..5).prop_map(|(n, grade)| Step::Grade { n, grade }),
        1 => (n(), n()).prop_map(|(n, of)| Step::Duplicate { n, of }),
        3 => (0u8..4, n(), 0u8..3, 0u8..3, 0u8..3)
            .prop_map(|(by, n, stance, force, form)| Step::Statement { by, n, stance, force, form }),
        1 => (0u8..4).prop_map(|parties| Step::RegisterForce { parties }),
        2 => (0u8..6, 0u8..3).prop_map(|(back, by)| Step::Retract { back, by }),
    ]
}

/// The monitor, the analyst, or the coordinator of Syria or of the opposition (whose
/// records count as their party's claims).
fn signer(by: u8) -> Signer {
    match by % 4 {
        0 => Signer::monitor(),
        1 => analyst(),
        2 => Signer::coordinator(SY),
        _ => Signer::coordinator(OPP),
    }
}

fn source_kind(kind: u8) -> SourceKind {
    [SourceKind::Media, SourceKind::MonitorOnSite, SourceKind::Party, SourceKind::Relayed][usize::from(kind % 4)]
}

/// No force, the Syrian armed forces, or the opposition's.
fn force(pick: u8) -> Option<u64> {
    [None, Some(SAF), Some(AOG)][usize::from(pick % 3)]
}

fn body(world: &World, step: &Step, idx: u64) -> Option<(Signer, CommandBody)> {
    let organisation = |pick: u8| ["EFE", "UN", "SY", "Reuters"][usize::from(pick % 4)];
    Some(match step {
        Step::Report { n, by, kind, force: f } => {
            let source = source(1000 + idx, organisation(*by), source_kind(*kind), force(*f));
            (signer(*by), report(u64::from(*n), "2016-12-13T09:30:00Z", source))
        }
        Step::AddSource { n, by, kind, force: f, organisation: o } => {
            let source = source(1000 + idx, organisation(*o), source_kind(*kind), force(*f));
            (signer(*by), CommandBody::AddSource { incident_id: incident_id(u64::from(*n)), source })
        }
        Step::Grade { n, grade } => {
            let grade =
                [Grade::SingleSource, Grade::Corroborated, Grade::Verified, Grade::Contested, Grade::Discounted]
                    [usize::from(*grade)];
            let body =
                CommandBody::GradeIncident { incident_id: incident_id(u64::from(*n)), grade, reason: reason("seen") };
            (analyst(), body)
        }
        Step::Duplicate { n, of } => {
            let body = CommandBody::MarkDuplicate {
                incident_id: incident_id(u64::from(*n)),
                duplicate_of: incident_id(u64::from(*of)),
                reason: reason("Same strike"),
            };
            (analyst(), body)
        }
        Step::Statement { by, n, stance, force: f, form } => {
            let incident = incident_id(u64::from(*n));
            let accused = force_id(force(*f).unwrap_or(AOG));
            let stance_on_incident = match stance {
                0 => IncidentStance::Confirms { incident_id: incident.clone() },
                1 => IncidentStance::Denies { incident_id: incident.clone() },
                _ => IncidentStance::Accuses { incident_id: incident.clone(), force_id: accused.clone() },
            };
            let (stances, about) = match form {
                0 => (vec![stance_on_incident], Vec::new()),
                // On the incident, or on its violation of the plan's first commitment.
                _ => {
                    let record = match form {
                        1 => RecordRef::Incident { incident_id: incident.clone() },
                        _ => RecordRef::Violation { incident_id: incident.clone(), commitment_id: commitment_id(1) },
                    };
                    let on = match stance {
                        0 => StanceOn::Confirms { record },
                        1 => StanceOn::Denies { record },
                        _ => StanceOn::Accuses { record, force_id: accused },
                    };
                    (Vec::new(), vec![on])
                }
            };
            let signer = match by % 4 {
                0 => Signer::coordinator(SY),
                1 => Signer::coordinator(OPP),
                2 => Signer::coordinator(RU),
                _ => Signer::monitor(),
            };
            let body = CommandBody::MakeStatement {
                effective_at: None,
                reported: None,
                statement_id: statement_id(idx),
                text: reason("On the incident"),
                incident_ids: Vec::new(),
                stances,
                agreements: Vec::new(),
                kind: crate::monitoring::model::StatementKind::Statement,
                about,
                document: None,
                votes: None,
            };
            (signer, body)
        }
        Step::RegisterForce { parties } => {
            let party_ids = match parties {
                0 => vec![],
                1 => vec![party_id(SY)],
                2 => vec![party_id(OPP)],
                _ => vec![party_id(SY), party_id(OPP)],
            };
            let body = CommandBody::RegisterForce {
                force_id: force_id(10 + idx),
                code: code(&format!("F{idx}")),
                name: name("A force"),
                party_ids,
            };
            (Signer::operator(), body)
        }
        Step::Retract { back, by } => {
            let seq = world.state.entries_count.checked_sub(1 + u64::from(*back))?;
            (signer(*by), CommandBody::Retract { seq, reason: reason("mistaken") })
        }
    })
}

/// The kept verdicts equal the derived ones, index by index.
fn check(state: &State) -> Result<(), TestCaseError> {
    prop_assert_eq!(state.verdicts(), &state.verdicts_derived());
    prop_assert_eq!(state.verdicts().len(), state.monitoring.incidents.len());
    for incident in state.monitoring.incidents.values() {
        let derived = state.verdict_derived(&incident.incident_id).expect("recorded");
        prop_assert_eq!(state.grade(incident), derived.grade);
        // Graded with its reasons in words, the same grade as graded without them.
        prop_assert_eq!(state.grade_explained(incident).grade, derived.grade);
        prop_assert_eq!(
            state.accused_forces(incident).into_iter().collect::<Vec<_>>(),
            derived.accused_forces.to_vec()
        );
    }
    Ok(())
}

#[test]
fn verdicts_kept_through_random_logs_equal_those_derived_from_scratch() {
    let mut runner =
        TestRunner::new_with_rng(config(128), TestRng::from_seed(RngAlgorithm::ChaCha, &SEED.to_le_bytes().repeat(4)));
    let (accepted_count, steps_count) = (Cell::new(0), Cell::new(0));
    let result = runner.run(&(vec(step(), 1..60), any::<u16>()), |(steps, pick)| {
        let mut world = world_in_force();
        let mut accepted = 0;
        for (idx, step) in steps.iter().enumerate() {
            let Some((signer, body)) = body(&world, step, idx as u64) else {
                continue;
            };
            accepted += usize::from(world.submit(&signer, body).is_ok());
            check(&world.state)?;
        }
        accepted_count.set(accepted_count.get() + accepted);
        steps_count.set(steps_count.get() + steps.len());
        // Known at an earlier record time: the fold of a prefix.
        let first = world.log.first().map_or(world.now, |entry| entry.context.accepted_at);
        let minutes = i64::from(pick) % (1 + (world.now.as_datetime() - first.as_datetime()).num_minutes());
        let known_at = Timestamp::from_datetime(first.as_datetime() + chrono::Duration::minutes(minutes));
        check(&world.known_at(known_at))?;
        // A snapshot's state derives them again.
        let restored = world.state.clone();
        let mut cleared = restored.clone();
        cleared.verdicts = Default::default();
        let scopes = cleared.scopes_rebuilt();
        prop_assert_eq!(&cleared.restored(scopes), &restored);
        // An `as_of` view keeps none and derives every one from its own record.
        let view = world.state.as_of(ts("2016-12-13T10:00:00Z"));
        prop_assert!(view.verdicts().is_empty());
        for incident in view.monitoring.incidents.values() {
            prop_assert_eq!(view.grade(incident), view.grade_explained(incident).grade);
            prop_assert_eq!(view.accused_forces(incident), view.accused_forces_derived(incident));
        }
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
    // Many steps are accepted (the rest name incidents not reported, or retract what cannot
    // be), or the test checks little.
    let (accepted, steps) = (accepted_count.get(), steps_count.get());
    assert!(accepted * 5 >= steps * 2, "{accepted} of {steps} steps accepted");
}

/// The kept verdict follows what changes the grade and the accused, one entry at a time.
#[test]
fn a_kept_verdict_follows_sources_statements_overrides_duplicates_and_retractions() {
    let mut world = world_in_force();
    let grade = |world: &World, n: u64| world.state.verdicts().of(&incident_id(n)).map(|v| v.grade);
    world.accept(&Signer::monitor(), report(1, "2016-12-13T09:30:00Z", source(1, "EFE", SourceKind::Media, Some(SAF))));
    world.accept(&Signer::monitor(), report(2, "2016-12-13T09:30:00Z", source(2, "AFP", SourceKind::Media, None)));
    assert_eq!(grade(&world, 1), Some(Grade::SingleSource));
    let keys = |world: &World, grade: Grade| world.state.verdicts().of_grade(grade).map_or(0, |keys| keys.len());
    assert_eq!(keys(&world, Grade::SingleSource), 2);
    // A second, independent source corroborates.
    let body =
        CommandBody::AddSource { incident_id: incident_id(1), source: source(3, "Reuters", SourceKind::Media, None) };
    world.accept(&Signer::monitor(), body);
    assert_eq!(grade(&world, 1), Some(Grade::Corroborated));
    assert_eq!(keys(&world, Grade::SingleSource), 1);
    // Marked a duplicate of 1, incident 2 adds its source to 1's.
    let body = CommandBody::MarkDuplicate {
        incident_id: incident_id(2),
        duplicate_of: incident_id(1),
        reason: reason("same"),
    };
    world.accept(&analyst(), body);
    assert_eq!(world.state.verdicts(), &world.state.verdicts_derived());
    // An accusation of the other force contests it; its retraction undoes that.
    let accuses = CommandBody::MakeStatement {
        effective_at: None,
        reported: None,
        statement_id: statement_id(1),
        text: reason("The militants did it"),
        incident_ids: Vec::new(),
        stances: vec![IncidentStance::Accuses { incident_id: incident_id(1), force_id: force_id(AOG) }],
        agreements: Vec::new(),
        kind: crate::monitoring::model::StatementKind::Statement,
        about: Vec::new(),
        document: None,
        votes: None,
    };
    world.accept(&Signer::coordinator(SY), accuses);
    assert_eq!(grade(&world, 1), Some(Grade::Contested));
    let accusing = |world: &World| world.state.verdicts().accusing(&force_id(AOG)).map_or(0, |keys| keys.len());
    assert_eq!(accusing(&world), 1);
    let seq = world.state.entries_count - 1;
    world.accept(&Signer::coordinator(SY), CommandBody::Retract { seq, reason: reason("misread") });
    assert_eq!(grade(&world, 1), Some(Grade::Corroborated));
    assert_eq!(accusing(&world), 0);
    // An analyst's override wins.
    let body =
        CommandBody::GradeIncident { incident_id: incident_id(1), grade: Grade::Discounted, reason: reason("no") };
    world.accept(&analyst(), body);
    assert_eq!(grade(&world, 1), Some(Grade::Discounted));
    assert_eq!(world.state.verdicts(), &world.state.verdicts_derived());
}
