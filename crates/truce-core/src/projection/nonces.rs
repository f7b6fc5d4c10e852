//! The nonces every key has used, as digests (`UsedNonce`): one for every entry of the log.
//!
//! A hash set of a million digests takes twice their size: its table doubles as it grows,
//! so it holds between one and two slots for each (2^21 slots of 32 bytes for a million, 69
//! MB measured). The digests read from a snapshot are kept instead in one sorted slice,
//! exactly their size, and searched by halving; only those used since the start go in a
//! hash set, which is folded into the slice whenever it grows past a quarter of it, so the
//! set stays small however long the server runs. A fold is a pause of the writer of the
//! order of a hash table's own growth (a sort of the recent ones and a pass over the slice),
//! and comes as rarely: each one at least a quarter more nonces after the last. Written out,
//! both are one sorted sequence of byte strings; any order reads back.

use std::{collections::HashSet, fmt};

use serde::{
    de::{SeqAccess, Visitor},
    ser::SerializeSeq,
    Deserialize, Deserializer, Serialize, Serializer,
};

use crate::vocab::ids::UsedNonce;

/// Nonces used since the last fold that are kept in the hash set at least, however small
/// the slice: a fold costs a pass over the slice.
const RECENT_MIN: usize = 4096;

#[derive(Debug, Clone, Default)]
pub(crate) struct UsedNonces {
    /// Sorted, without repeats.
    settled: Box<[UsedNonce]>,
    /// None of them in `settled`.
    recent: HashSet<UsedNonce>,
}

impl UsedNonces {
    pub(crate) fn len(&self) -> usize {
        self.settled.len() + self.recent.len()
    }

    pub(crate) fn contains(&self, nonce: &UsedNonce) -> bool {
        self.recent.contains(nonce) || self.settled.binary_search(nonce).is_ok()
    }

    /// Records a nonce; false if it was already recorded.
    pub(crate) fn insert(&mut self, nonce: UsedNonce) -> bool {
        if self.settled.binary_search(&nonce).is_ok() || !self.recent.insert(nonce) {
            return false;
        }
        if self.recent.len() > RECENT_MIN.max(self.settled.len() / 4) {
            self.fold();
        }
        true
    }

    /// Every nonce in the slice, sorted.
    fn fold(&mut self) {
        self.settled = self.sorted().collect::<Vec<_>>().into_boxed_slice();
        self.recent = HashSet::new();
    }

    /// Every nonce, sorted: the slice merged with the recent ones sorted, without a copy of
    /// the slice (a snapshot writes them beside everything else the projection holds).
    fn sorted(&self) -> impl Iterator<Item = UsedNonce> + '_ {
        let mut recent: Vec<UsedNonce> = self.recent.iter().copied().collect();
        recent.sort_unstable();
        let mut settled = self.settled.iter().copied().peekable();
        let mut recent = recent.into_iter().peekable();
        std::iter::from_fn(move || match (settled.peek(), recent.peek()) {
            // None is in both (`insert`).
            (Some(s), Some(r)) if s < r => settled.next(),
            (Some(_) | None, Some(_)) => recent.next(),
            (Some(_), None) => settled.next(),
            (None, None) => None,
        })
    }
}

/// Equal when they hold the same nonces, however divided between slice and set (a state
/// restored from a snapshot against the same state replayed).
impl PartialEq for UsedNonces {
    fn eq(&self, other: &UsedNonces) -> bool {
        self.len() == other.len()
            && self.settled.iter().all(|nonce| other.contains(nonce))
            && self.recent.iter().all(|nonce| other.contains(nonce))
    }
}

impl Serialize for UsedNonces {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for nonce in self.sorted() {
            seq.serialize_element(&nonce)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for UsedNonces {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<UsedNonces, D::Error> {
        struct Digests;
        impl<'de> Visitor<'de> for Digests {
            type Value = UsedNonces;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence of nonce digests")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UsedNonces, A::Error> {
                // A length read from the bytes is not trusted with more: the vector grows.
                let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(nonce) = seq.next_element()? {
                    all.push(nonce);
                }
                all.sort_unstable();
                let read = all.len();
                all.dedup();
                if all.len() != read {
                    return Err(serde::de::Error::custom("a nonce digest comes twice"));
                }
                Ok(UsedNonces { settled: all.into_boxed_slice(), recent: HashSet::new() })
            }
        }
        deserializer.deserialize_seq(Digests)
    }
}
