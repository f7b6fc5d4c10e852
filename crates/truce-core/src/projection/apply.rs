//! Applying the ledger to the projection: fold an entry's events into `State`, rebuild the
//! index of active scopes when they can have changed, then raise the entry's alerts. The one
//! place that runs the layers of `projection` in order.

use std::collections::BTreeSet;

use crate::{
    command::{Command, Context},
    coordination::{acts::act_of, model::TruceStart},
    event::Event,
    matcher::Reach,
    monitoring::index::IncidentIndex,
    projection::{
        active_scopes::{changes_active_scopes, ActiveScopes},
        retraction::Retractable,
        state::State,
        visibility::{sealing, Sealing},
    },
    vocab::{ids::PartyId, time::Timestamp},
};

/// The index of active scopes built for a state read back from a snapshot
/// (`State::scopes_rebuilt`, then `State::restored`).
pub struct ScopesRebuilt(ActiveScopes);

impl State {
    /// Folds one ledger entry: records the nonce, applies its events in order, and raises
    /// the alerts they cause.
    pub fn apply(&mut self, context: &Context, command: &Command, events: &[Event]) {
        assert!(context.seq == self.entries_count, "entries are applied in sequence");
        if let Sealing::Confidential { parties } = sealing(self, command) {
            self.sealed.insert(context.seq, parties);
        }
        self.nonces.insert(crate::vocab::ids::UsedNonce::of(&context.signer, &command.nonce));
        for event in events {
            self.schedule_instants_of(event);
            self.fold_keeping_verdicts(context.accepted_at, event);
            // A proposal's entry also records its first version: the entry is the proposal.
            if let Some(act) = act_of(context.seq, event) {
                self.agreement_acts.entry(context.seq).or_insert(act);
            }
            if let Some(target) = self.retractable_of(event) {
                let retractable = Retractable { recorded_by: command.author.clone(), target };
                self.retractable.insert(context.seq, retractable);
            }
        }
        // Once per entry, before its alerts ask for violations; where the scopes that changed
        // lie tells which incidents' violations can have changed with them.
        let mut scopes_changed = Reach::default();
        if events.iter().any(changes_active_scopes) {
            let rebuilt = ActiveScopes::build(&self.coordination);
            scopes_changed = rebuilt.changed_since(&self.active_scopes);
            self.active_scopes = rebuilt;
        }
        self.condition_outcomes = self.sweep_condition_outcomes();
        self.raise_alerts(context.seq, context.accepted_at, events, &scopes_changed);
        self.entries_count += 1;
    }

    /// The index of active scopes of this state's coordination record, for `restored`. It
    /// reads only the coordination record, which a start from a snapshot decodes first: it is
    /// built while the monitoring record is still being decoded.
    pub fn scopes_rebuilt(&self) -> ScopesRebuilt {
        ScopesRebuilt(ActiveScopes::build(&self.coordination))
    }

    /// A state read back from a projection snapshot, with what a snapshot leaves out built
    /// again: the index of active scopes (`scopes`, of this state's `scopes_rebuilt`), the
    /// incident index and the verdicts kept per incident.
    ///
    /// The incident index and the verdicts read only the records and neither each other, so
    /// they are built on two threads (docs/performance.md). The statements by incident and the
    /// notified places come first: verdicts read them.
    pub fn restored(mut self, scopes: ScopesRebuilt) -> State {
        debug_assert!(scopes.0 == ActiveScopes::build(&self.coordination), "the scopes are of this state's record");
        self.active_scopes = scopes.0;
        self.monitoring.reindex_beside_incidents();
        let (index, verdicts) = std::thread::scope(|scope| {
            let index = scope.spawn(|| IncidentIndex::of(self.monitoring.incidents.values()));
            let verdicts = self.verdicts_derived();
            (index.join().expect("deriving from the records does not panic"), verdicts)
        });
        self.monitoring.with_incident_index(index);
        self.verdicts = verdicts;
        self
    }

    /// Folds one event and derives again the verdicts (grade, accused forces) of the
    /// incidents it may change (`kept`).
    fn fold_keeping_verdicts(&mut self, at: Timestamp, event: &Event) {
        let mut touched = self.incidents_touched_by(event, true);
        self.fold(at, event);
        touched.extend(self.incidents_touched_by(event, false));
        self.keep_verdicts(touched);
    }

    /// Passes over a sealed entry whose content is not known (a verifier without keys): the
    /// log's time moves on to it and it raises what time alone raises, as its full
    /// application would raise among public alerts, since public alerts never depend on
    /// sealed content (docs/sealing.md). What it recorded is missing from this state, so
    /// only public commands can be decided on it.
    pub fn pass_sealed(&mut self, seq: u64, accepted_at: Timestamp, parties: BTreeSet<PartyId>) {
        assert!(seq == self.entries_count, "entries are applied in sequence");
        self.sealed.insert(seq, parties);
        self.condition_outcomes = self.sweep_condition_outcomes();
        self.raise_alerts(seq, accepted_at, &[], &Reach::default());
        self.entries_count += 1;
    }

    /// Folds one event outside any entry (tests and tools). Total: events come from
    /// `decide`, which checked everything.
    pub fn evolve(&mut self, at: Timestamp, event: &Event) {
        self.schedule_instants_of(event);
        self.fold_keeping_verdicts(at, event);
        if changes_active_scopes(event) {
            self.active_scopes = ActiveScopes::build(&self.coordination);
        }
        self.condition_outcomes = self.sweep_condition_outcomes();
    }

    /// Adds the instants at which the event's facts may change something by time alone.
    fn schedule_instants_of(&mut self, event: &Event) {
        match event {
            Event::VersionProposed { terms, .. } => {
                for corridor in &terms.corridors {
                    for opening in &corridor.windows {
                        self.schedule.extend([opening.window.start(), opening.window.end()]);
                    }
                }
                if let Some(truce) = &terms.truce {
                    if let TruceStart::At { at } = truce.start {
                        self.schedule.insert(at);
                    }
                    self.schedule.extend(truce.end);
                }
            }
            // Known only from a sealed entry: a reason to alert, never to write a mark.
            Event::HumanitarianNotified { deadline, .. } => {
                self.sealed_schedule.insert(*deadline);
            }
            _ => {}
        }
    }
}
