//! `packed::btree_map` reads the map serde's own reading gives, in much less memory: a map
//! read entry by entry in ascending order keeps its nodes a little over half full.
//!
//! Its own test binary: the allocator below counts every byte the process holds, which only
//! this one test allocates while it measures.

use std::collections::BTreeMap;

use serde::Deserialize;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static COUNTING: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// A record of about the size of an incident's.
type Record = [u64; 24];

#[derive(Deserialize)]
struct Packed(#[serde(deserialize_with = "truce_core::packed::btree_map")] BTreeMap<u64, Record>);

/// The map `read` gives and the bytes it holds once read.
fn held_after<T>(read: impl FnOnce() -> T) -> (T, isize) {
    let region = Region::new(COUNTING);
    let value = read();
    let change = region.change();
    // A reallocation is counted in these two as well, by what it grew or shrank.
    (value, change.bytes_allocated as isize - change.bytes_deallocated as isize)
}

#[test]
fn a_map_read_packed_is_the_map_serde_reads_in_less_memory() {
    let written: BTreeMap<u64, Record> = (0..20_000_u64).map(|n| (n * 7, [n; 24])).collect();
    let json = serde_json::to_vec(&written).expect("written");
    let (plain, plain_bytes) = held_after(|| serde_json::from_slice::<BTreeMap<u64, Record>>(&json).expect("read"));
    let (packed, packed_bytes) = held_after(|| serde_json::from_slice::<Packed>(&json).expect("read").0);
    assert_eq!(packed, written);
    assert_eq!(plain, written);
    // 20,000 records of 200 bytes: about 4 MB in full nodes, near 7 MB in half-full ones.
    let records_bytes = 20_000 * (8 + std::mem::size_of::<Record>()) as isize;
    assert!(packed_bytes < records_bytes * 11 / 10, "{packed_bytes} bytes held for {records_bytes} of records");
    assert!(plain_bytes > records_bytes * 3 / 2, "serde's own reading held {plain_bytes}");

    // Entries out of order, and a key twice: sorted, and the last kept, as serde keeps it.
    let json = br#"{"9": [9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9],
                    "2": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],
                    "2": [2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2]}"#;
    let plain: BTreeMap<u64, Record> = serde_json::from_slice(json).expect("read");
    let packed = serde_json::from_slice::<Packed>(json).expect("read").0;
    assert_eq!(packed, plain);
    assert_eq!(packed.keys().copied().collect::<Vec<_>>(), [2, 9]);
    assert_eq!(packed[&2], [2; 24]);
}
