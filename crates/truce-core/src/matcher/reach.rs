//! Where some scopes can match: the boxes the R-tree holds for them, for asking which
//! incidents a change to those scopes can concern without matching every incident.
//!
//! The projection re-derives the violations of the incidents a change concerns
//! (`projection/raise.rs`). When an agreement act changes some commitments' active scopes,
//! the incidents whose violations can change are those that matched an old scope or match a
//! new one; matching needs the probe's box to meet the scope's box in the R-tree (the first
//! tier, `Matcher::matches`), so an incident whose box meets none of the changed scopes'
//! boxes has the violations it had. The boxes are made by the very code that makes the
//! tree's (`Shapes::push`, `QueryBox::from_envelope`) and the probe's (`ProbeQuery`), so the
//! test here can only say "may match" where the tree would.

use super::{pieces, tree::QueryBox, IncidentProbe, ProbeQuery, Scope, ScopeWindows, Shapes};

/// The boxes of some scopes (every piece of a long corridor, as the tree has them).
#[derive(Debug, Clone, Default)]
pub struct Reach {
    boxes: Vec<QueryBox>,
}

impl Reach {
    /// Where `scopes` can match, windows aside (a scope without windows too).
    pub fn of<'a>(scopes: impl IntoIterator<Item = &'a Scope>) -> Reach {
        let mut scratch = Shapes::default();
        let mut boxes = Vec::new();
        for scope in scopes {
            for piece in pieces(&scope.geometry) {
                let (_, envelope) = scratch.push(&piece, ScopeWindows::Spilled { start: 0, end: 0 });
                boxes.push(QueryBox::from_envelope(&envelope));
            }
        }
        Reach { boxes }
    }

    pub fn is_empty(&self) -> bool {
        self.boxes.is_empty()
    }

    /// Whether the probe's box meets one of the scopes' boxes: when it does not, the probe
    /// matches none of the scopes, whatever their windows.
    pub fn may_match(&self, probe: &IncidentProbe) -> bool {
        if self.boxes.is_empty() {
            return false;
        }
        let query = ProbeQuery::new(probe).query_box;
        self.boxes.iter().any(|scope_box| scope_box.meets(&query))
    }
}
