//! The incidents of one square of the index's grid, sorted by key in one vector.
//!
//! A B-tree per square held its incidents in nodes of eleven, most squares in one node a
//! little over half full: 58 MB for the squares of a million realistic entries, where the
//! pairs themselves take 33. A sorted vector holds them exactly (shrunk once built), reads a
//! span of keys from one stretch of memory, and takes a new incident in a square of some
//! hundreds with one move of the ones after it.

use std::ops::Bound;

use super::{IncidentKey, Placed};

/// The incidents in a square of the grid, each with what the index knows of it: a reader
/// that takes a square's incidents as candidates checks their time and kind there, without
/// a lookup per incident (which, at a million incidents, misses the cache every time).
///
/// Invariant: `entries` strictly ascending by key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Square {
    entries: Vec<(IncidentKey, Placed)>,
}

impl Square {
    pub fn new() -> Square {
        Square::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &IncidentKey) -> Result<usize, usize> {
        self.entries.binary_search_by(|(at, _)| at.cmp(key))
    }

    pub fn get(&self, key: &IncidentKey) -> Option<&Placed> {
        self.position(key).ok().map(|at| &self.entries[at].1)
    }

    pub fn contains_key(&self, key: &IncidentKey) -> bool {
        self.position(key).is_ok()
    }

    /// Puts the incident in, or replaces what it had; returns what it had.
    pub fn insert(&mut self, key: IncidentKey, placed: Placed) -> Option<Placed> {
        match self.position(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[at].1, placed)),
            Err(at) => {
                self.entries.insert(at, (key, placed));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &IncidentKey) -> Option<Placed> {
        self.position(key).ok().map(|at| self.entries.remove(at).1)
    }

    pub fn first_key_value(&self) -> Option<(&IncidentKey, &Placed)> {
        self.entries.first().map(|(key, placed)| (key, placed))
    }

    pub fn last_key_value(&self) -> Option<(&IncidentKey, &Placed)> {
        self.entries.last().map(|(key, placed)| (key, placed))
    }

    pub fn keys(&self) -> impl Iterator<Item = &IncidentKey> + '_ {
        self.entries.iter().map(|(key, _)| key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&IncidentKey, &Placed)> + '_ {
        self.entries.iter().map(|(key, placed)| (key, placed))
    }

    /// Where the incidents from `bound` on start: the number of incidents before it.
    pub fn start_of(&self, bound: Bound<&IncidentKey>) -> usize {
        match bound {
            Bound::Included(key) => self.entries.partition_point(|(at, _)| at < key),
            Bound::Excluded(key) => self.entries.partition_point(|(at, _)| at <= key),
            Bound::Unbounded => 0,
        }
    }

    /// The incidents from the `at`-th on (`start_of`), in key order; none past the end.
    pub fn entries_from(&self, at: usize) -> &[(IncidentKey, Placed)] {
        self.entries.get(at..).unwrap_or_default()
    }
}

impl<'a> IntoIterator for &'a Square {
    type Item = (&'a IncidentKey, &'a Placed);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (IncidentKey, Placed)>, fn(&'a (IncidentKey, Placed)) -> Self::Item>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(key, placed)| (key, placed))
    }
}

/// From pairs in any order, each key once (a later pair of the same key replaces it).
impl FromIterator<(IncidentKey, Placed)> for Square {
    fn from_iter<I: IntoIterator<Item = (IncidentKey, Placed)>>(pairs: I) -> Square {
        let mut entries: Vec<(IncidentKey, Placed)> = pairs.into_iter().collect();
        entries.sort_by_key(|(key, _)| *key);
        entries.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                earlier.1 = later.1;
            }
            same
        });
        entries.shrink_to_fit();
        Square { entries }
    }
}

#[cfg(test)]
mod tests {
    use std::{collections::BTreeMap, ops::Bound};

    use proptest::prelude::*;

    use super::{IncidentKey, Placed, Square};
    use crate::{IncidentKind, Position, Timestamp};

    fn placed(n: u8) -> Placed {
        Placed {
            start: Timestamp::parse("2016-12-12T00:00:00Z").expect("valid"),
            position: Position::new(37.1, 36.2).expect("valid"),
            uncertainty_m: f64::from(n),
            kind: IncidentKind::Shelling,
        }
    }

    fn bound(kind: u8, bits: u128) -> Bound<IncidentKey> {
        match kind % 3 {
            0 => Bound::Included(IncidentKey::between(bits)),
            1 => Bound::Excluded(IncidentKey::between(bits)),
            _ => Bound::Unbounded,
        }
    }

    proptest! {
        /// Kept through inserts and removals, a square answers as the B-tree it replaced.
        #[test]
        fn a_square_answers_as_a_map_by_key(
            changes in proptest::collection::vec((0_u128..64, any::<bool>(), any::<u8>()), 0..80),
            starts in proptest::collection::vec((any::<u8>(), 0_u128..64), 1..10),
        ) {
            let mut square = Square::new();
            let mut map = BTreeMap::new();
            for (bits, insert, n) in changes {
                let key = IncidentKey::between(bits);
                match insert {
                    true => prop_assert_eq!(square.insert(key, placed(n)), map.insert(key, placed(n))),
                    false => prop_assert_eq!(square.remove(&key), map.remove(&key)),
                }
            }
            prop_assert_eq!(square.len(), map.len());
            prop_assert_eq!(square.first_key_value(), map.first_key_value());
            prop_assert_eq!(square.last_key_value(), map.last_key_value());
            prop_assert!(square.iter().eq(map.iter()));
            let rebuilt: Square = map.iter().rev().map(|(key, placed)| (*key, *placed)).collect();
            prop_assert_eq!(&rebuilt, &square);
            for (start_kind, start) in starts {
                let start = bound(start_kind, start);
                let from = square.entries_from(square.start_of(start.as_ref()));
                prop_assert!(from.iter().map(|(key, placed)| (key, placed)).eq(map.range((start, Bound::Unbounded))));
            }
            prop_assert!(square.entries_from(square.len() + 1).is_empty());
        }
    }
}
