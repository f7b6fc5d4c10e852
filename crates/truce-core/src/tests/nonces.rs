//! The used nonces: found in the sorted slice or in the set of recent ones, across folds,
//! and read back from what is written in any order.

use crate::{
    projection::nonces::UsedNonces,
    vocab::ids::{Nonce, PublicKeyText, UsedNonce},
};

const KEY: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

fn used(n: usize) -> UsedNonce {
    let key = PublicKeyText::parse(KEY).expect("a key's base64");
    UsedNonce::of(&key, &Nonce::parse(&format!("nonce-{n:011}")).expect("17 printable characters"))
}

#[test]
fn a_nonce_is_found_once_used_whether_folded_into_the_slice_or_recent() {
    let mut nonces = UsedNonces::default();
    // Past one fold (4,096 recent at the least) and into the next set of recent ones.
    let count = 10_000;
    for n in 0..count {
        assert!(nonces.insert(used(n)), "nonce {n} is new");
    }
    assert_eq!(nonces.len(), count);
    for n in 0..count {
        assert!(nonces.contains(&used(n)), "nonce {n} was used");
        assert!(!nonces.insert(used(n)), "nonce {n} is used a second time");
    }
    assert_eq!(nonces.len(), count);
    assert!(!nonces.contains(&used(count)));
}

#[test]
fn nonces_are_written_sorted_and_read_back_in_any_order() {
    let mut nonces = UsedNonces::default();
    for n in 0..5_000 {
        nonces.insert(used(n));
    }
    let written: Vec<Vec<u8>> = serde_json::from_value(serde_json::to_value(&nonces).expect("written")).expect("bytes");
    assert_eq!(written.len(), 5_000);
    assert!(written.windows(2).all(|pair| pair[0] < pair[1]), "written sorted, once each");

    let mut shuffled = written.clone();
    shuffled.reverse();
    let read: UsedNonces = serde_json::from_value(serde_json::json!(shuffled)).expect("read back");
    // Equal though divided differently: read, every nonce is in the slice.
    assert_eq!(read, nonces);
    assert!((0..5_000).all(|n| read.contains(&used(n))));
    assert!(!read.contains(&used(5_000)));

    let mut twice = written;
    twice.push(twice[0].clone());
    let error = serde_json::from_value::<UsedNonces>(serde_json::json!(twice)).expect_err("a digest twice");
    assert!(error.to_string().contains("comes twice"), "{error}");
}

#[test]
fn nonces_differing_in_one_are_not_equal() {
    let (mut one, mut other) = (UsedNonces::default(), UsedNonces::default());
    for n in 0..100 {
        one.insert(used(n));
        other.insert(used(n + 1));
    }
    assert_ne!(one, other);
}
