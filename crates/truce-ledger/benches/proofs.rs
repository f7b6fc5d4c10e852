//! Proof latency in a large log (docs/design.md section 9; issue #11 item 5): inclusion and
//! consistency proofs from the in-memory tree the server answers proofs from
//! (`MerkleTree`, every level of complete subtrees kept), at 10,000,000 leaves by default.
//!
//! Each proof is timed alone, so that the figures are a distribution, not a mean: p50, p99
//! and the largest, over many proofs of random leaves against random tree sizes (the
//! current size, the worst case for a right edge, and older sizes, whose right edges are not
//! stored and are folded on demand). Every proof timed is also checked against the root it
//! leads to, untimed, so a fast wrong answer cannot pass.
//!
//! Run with `cargo bench -p truce-ledger --bench proofs`; `TRUCE_PROOFS_BENCH_LEAVES=1000000`
//! for another size, `TRUCE_PROOFS_BENCH_PROOFS=100000` for more or fewer proofs of each kind.
//! This is the proof itself; the server adds its HTTP round trip (`truce-load --proofs`).
// A benchmark measures time: the clock the workspace's clippy.toml keeps out of the library.
#![allow(clippy::disallowed_methods)]

use std::{hint::black_box, time::Duration, time::Instant};

use rand::{rngs::StdRng, Rng as _, SeedableRng as _};
use truce_ledger::{leaf_hash, verify_consistency, verify_inclusion, Hash, MerkleTree, NoLeafHashes};

fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map_or(default, |value| value.replace('_', "").parse().expect("a count"))
}

/// p50, p99 and the largest of `took`, which it sorts.
fn summary(took: &mut [Duration]) -> String {
    took.sort_unstable();
    let at = |q: f64| took[((took.len() - 1) as f64 * q).round() as usize];
    format!(
        "p50 {:>6.2} µs, p99 {:>6.2} µs, max {:>7.2} µs",
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        took[took.len() - 1].as_secs_f64() * 1e6
    )
}

fn main() {
    let leaves = env_count("TRUCE_PROOFS_BENCH_LEAVES", 10_000_000);
    let proofs = env_count("TRUCE_PROOFS_BENCH_PROOFS", 100_000);
    assert!(leaves >= 2, "a tree of at least two leaves");

    let started = Instant::now();
    // Leaves of distinct data; their content does not change the cost of a proof.
    let tree = MerkleTree::from_leaf_hashes((0..leaves).map(|i| leaf_hash(&i.to_be_bytes())));
    println!(
        "tree of {leaves} leaves built in {:.1} s ({} MiB of hashes at 32 bytes each, every level kept)",
        started.elapsed().as_secs_f64(),
        leaves * 2 * 32 / (1024 * 1024)
    );

    let mut rng = StdRng::seed_from_u64(11);
    let mut roots: std::collections::HashMap<u64, Hash> = std::collections::HashMap::new();
    let mut root_at = |size: u64| {
        *roots.entry(size).or_insert_with(|| tree.root_at(size, &NoLeafHashes).expect("a size within the tree"))
    };

    for (label, older) in [("at the current size", false), ("at an older size", true)] {
        let mut took = Vec::with_capacity(proofs as usize);
        for _ in 0..proofs {
            let size = if older { rng.gen_range(2..=leaves) } else { leaves };
            let index = rng.gen_range(0..size);
            let started = Instant::now();
            let proof = black_box(
                tree.inclusion_proof(black_box(index), black_box(size), &NoLeafHashes).expect("a leaf in the tree"),
            );
            took.push(started.elapsed());
            let leaf = tree
                .leaf_hash(index, &NoLeafHashes)
                .expect("a kept tree reads nothing back")
                .expect("a leaf in the tree");
            verify_inclusion(&leaf, index, size, &proof, &root_at(size)).expect("the proof leads to the root");
        }
        println!("inclusion {label:<19} {} ({proofs} proofs)", summary(&mut took));
    }

    let mut took = Vec::with_capacity(proofs as usize);
    for _ in 0..proofs {
        let new_size = if rng.gen_bool(0.5) { leaves } else { rng.gen_range(2..=leaves) };
        let old_size = rng.gen_range(1..=new_size);
        let started = Instant::now();
        let proof = black_box(
            tree.consistency_proof(black_box(old_size), black_box(new_size), &NoLeafHashes).expect("sizes in order"),
        );
        took.push(started.elapsed());
        verify_consistency(old_size, new_size, &root_at(old_size), &root_at(new_size), &proof)
            .expect("the proof links the two roots");
    }
    println!("consistency                   {} ({proofs} proofs)", summary(&mut took));
}
