//! Ordered maps read back whole rather than entry by entry, for the records a projection
//! snapshot holds by the million.
//!
//! A `BTreeMap` filled in ascending order, as serde fills one it reads, splits each full node
//! in two and never comes back to the left half: its nodes end a little over half full, and
//! a map of large records takes nearly twice their size. Read into a vector first and built
//! by `BTreeMap::from_iter`, which builds sorted entries into full nodes, the same map takes
//! about their size, and for a moment the vector's besides. The maps read are the maps that
//! were written, so the entries come sorted; any that do not are sorted, and of two entries
//! with one key the last is kept, as an insert would keep it.

use std::{collections::BTreeMap, fmt, marker::PhantomData};

use serde::{
    de::{MapAccess, Visitor},
    Deserialize, Deserializer,
};

/// Entries reserved before the first is read, at the most: a length read from the bytes is
/// not trusted with more (the vector grows as entries come).
const RESERVED_MAX: usize = 1 << 16;

/// Reads a map as `#[serde(deserialize_with = "...")]`: the same map as `BTreeMap`'s own
/// `Deserialize` gives, built with full nodes.
///
/// # Errors
/// What the deserializer says of the map or of an entry.
pub fn btree_map<'de, D, K, V>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
{
    let entries = deserializer.deserialize_map(Entries(PhantomData))?;
    Ok(entries.into_iter().collect())
}

struct Entries<K, V>(PhantomData<(K, V)>);

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for Entries<K, V> {
    type Value = Vec<(K, V)>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<(K, V)>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(RESERVED_MAX));
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(entries)
    }
}
