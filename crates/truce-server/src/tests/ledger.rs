//! The ledger endpoints, read as an RFC 9162 verifier reads them: entries whose hashes are
//! their leaf hashes, proofs that verify, and a checkpoint signed by the log key.

use expect_test::{expect, Expect};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use truce_ledger::{open_checkpoint, verify_consistency, verify_inclusion, Hash, Verifier};

use super::{id, terms, Fixture, World};

/// Gets a ledger URL: the JSON body when it succeeds, the problem (for a snapshot) when not.
async fn check(fixture: &Fixture, uri: &str) -> Result<Value, String> {
    let reply = fixture.get(uri).await;
    if reply.status.is_success() {
        return Ok(reply.json());
    }
    Err(reply.problem())
}

async fn check_refused(fixture: &Fixture, uri: &str, expect: Expect) {
    match check(fixture, uri).await {
        Ok(body) => panic!("{uri} succeeded: {body}"),
        Err(problem) => expect.assert_eq(&problem),
    }
}

fn hash(value: &Value) -> Hash {
    hex::decode(value.as_str().expect("a hex string")).expect("hex").try_into().expect("32 bytes")
}

fn hashes(value: &Value) -> Vec<Hash> {
    value.as_array().expect("a list of hashes").iter().map(hash).collect()
}

/// A world with an agreement thread on top: fourteen entries.
async fn busy_world() -> World {
    let world = World::new().await;
    let fixture = &world.fixture;
    fixture
        .accept(
            &world.ru,
            json!({"type": "propose_agreement", "agreement_id": id(400), "title": "Evacuation", "terms": terms(500, "EA-1", 600)}),
        )
        .await;
    fixture.accept(&world.ru, json!({"type": "endorse", "agreement_id": id(400), "version": 1})).await;
    fixture.accept(&world.opp, json!({"type": "endorse", "agreement_id": id(400), "version": 1})).await;
    world
}

#[tokio::test]
async fn entries_are_the_exact_text_whose_hash_is_the_leaf_hash() {
    let world = busy_world().await;
    let page = check(&world.fixture, "/api/v1/ledger/entries").await.expect("entries");
    let entries = page["entries"].as_array().expect("entries");
    assert_eq!(entries.len() as u64, page["tree_size"].as_u64().expect("a size"));
    assert!(page.get("next_from").is_none(), "one page holds the whole log");
    for (seq, entry) in entries.iter().enumerate() {
        assert_eq!(entry["seq"], json!(seq));
        let text = entry["entry"].as_str().expect("the text");
        let digest: [u8; 32] = Sha256::new().chain_update([0u8]).chain_update(text.as_bytes()).finalize().into();
        assert_eq!(hash(&entry["leaf_hash"]), digest, "entry {seq}");
        let parsed: Value = serde_json::from_str(text).expect("an entry is JSON");
        assert_eq!(parsed["seq"], json!(seq));
    }
    let first: Value = serde_json::from_str(entries[0]["entry"].as_str().expect("text")).expect("JSON");
    assert_eq!(first["command"]["body"]["type"], json!("genesis"));
}

#[tokio::test]
async fn entries_come_in_pages_that_join_up() {
    let world = busy_world().await;
    let whole = check(&world.fixture, "/api/v1/ledger/entries").await.expect("entries");
    let mut walked = Vec::new();
    let mut from = 0;
    loop {
        let page = check(&world.fixture, &format!("/api/v1/ledger/entries?from={from}&limit=4")).await.expect("a page");
        walked.extend(page["entries"].as_array().expect("entries").iter().cloned());
        match page["next_from"].as_u64() {
            Some(next) => from = next,
            None => break,
        }
    }
    assert_eq!(Value::Array(walked), whole["entries"]);
}

#[tokio::test]
async fn inclusion_proofs_verify_for_every_entry_in_trees_of_several_sizes() {
    let world = busy_world().await;
    let fixture = &world.fixture;
    let page = check(fixture, "/api/v1/ledger/entries").await.expect("entries");
    let size = page["tree_size"].as_u64().expect("a size");
    assert!(size >= 12, "the world has {size} entries");
    for seq in 0..size {
        for tree_size in [seq + 1, (seq + 1).max(size / 2), size - 1, size] {
            if tree_size <= seq {
                continue;
            }
            let proof = check(fixture, &format!("/api/v1/ledger/proof/inclusion?seq={seq}&size={tree_size}"))
                .await
                .expect("a proof");
            assert_eq!(proof["seq"], json!(seq));
            assert_eq!(proof["tree_size"], json!(tree_size));
            assert_eq!(proof["leaf_hash"], page["entries"][seq as usize]["leaf_hash"]);
            verify_inclusion(
                &hash(&proof["leaf_hash"]),
                seq,
                tree_size,
                &hashes(&proof["proof"]),
                &hash(&proof["root_hash"]),
            )
            .unwrap_or_else(|err| panic!("seq {seq} in {tree_size}: {err}"));
        }
    }
    let latest = check(fixture, "/api/v1/ledger/proof/inclusion?seq=3").await.expect("a proof");
    assert_eq!(latest["tree_size"], json!(size), "the size defaults to the current tree");
}

#[tokio::test]
async fn consistency_proofs_verify_between_every_pair_of_sizes() {
    let world = busy_world().await;
    let fixture = &world.fixture;
    let size = check(fixture, "/api/v1/ledger/entries").await.expect("entries")["tree_size"].as_u64().expect("size");
    for from in 1..=size {
        for to in from..=size {
            let proof = check(fixture, &format!("/api/v1/ledger/proof/consistency?from={from}&to={to}"))
                .await
                .expect("a proof");
            verify_consistency(
                from,
                to,
                &hash(&proof["from_root_hash"]),
                &hash(&proof["to_root_hash"]),
                &hashes(&proof["proof"]),
            )
            .unwrap_or_else(|err| panic!("{from} to {to}: {err}"));
        }
    }
}

#[tokio::test]
async fn the_checkpoint_opens_with_the_log_key_and_matches_the_roots_of_the_proofs() {
    let world = busy_world().await;
    let fixture = &world.fixture;
    let note = fixture.get("/api/v1/ledger/checkpoint").await;
    assert_eq!(note.content_type, "text/plain; charset=utf-8");
    let key = fixture.get("/api/v1/ledger/key").await.text;
    let verifier = Verifier::parse(key.trim()).expect("a C2SP verifier key");
    let checkpoint = open_checkpoint(&note.text, &verifier).expect("the checkpoint opens");
    assert_eq!(checkpoint.origin(), super::ORIGIN);
    let proof = check(fixture, &format!("/api/v1/ledger/proof/consistency?from=1&to={}", checkpoint.size()))
        .await
        .expect("a proof");
    assert_eq!(&hash(&proof["to_root_hash"]), checkpoint.root());

    let other = Verifier::parse(&fixture_other_key()).expect("a verifier key");
    assert!(open_checkpoint(&note.text, &other).is_err(), "another key does not open the checkpoint");
}

fn fixture_other_key() -> String {
    let key = truce_ledger::LogKey::new(super::ORIGIN, truce_ledger::SecretKey::from_seed(&[9; 32])).expect("a key");
    key.verifier_key()
}

#[tokio::test]
async fn bad_proof_and_page_parameters_are_400_naming_the_parameter() {
    let world = busy_world().await;
    let fixture = &world.fixture;
    check_refused(
        fixture,
        "/api/v1/ledger/proof/inclusion?seq=14&size=14",
        expect![[r#"
            400
            {
              "detail": "seq 14 is not below the tree size 14",
              "field": "seq",
              "instance": "/api/v1/ledger/proof/inclusion",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    check_refused(
        fixture,
        "/api/v1/ledger/proof/inclusion?seq=0&size=99",
        expect![[r#"
            400
            {
              "detail": "size 99 is past the tree size 14",
              "field": "size",
              "instance": "/api/v1/ledger/proof/inclusion",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    check_refused(
        fixture,
        "/api/v1/ledger/proof/inclusion?seq=minus-one",
        expect![[r#"
            400
            {
              "detail": "the query string is not valid at `seq`: invalid digit found in string",
              "field": "seq",
              "instance": "/api/v1/ledger/proof/inclusion",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    check_refused(
        fixture,
        "/api/v1/ledger/proof/inclusion",
        expect![[r#"
            400
            {
              "detail": "the query string is not valid at `seq`: missing field `seq`",
              "field": "seq",
              "instance": "/api/v1/ledger/proof/inclusion",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    check_refused(
        fixture,
        "/api/v1/ledger/proof/consistency?from=0&to=5",
        expect![[r#"
            400
            {
              "detail": "from must be between 1 and to (5)",
              "field": "from",
              "instance": "/api/v1/ledger/proof/consistency",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    check_refused(
        fixture,
        "/api/v1/ledger/proof/consistency?from=6&to=5",
        expect![[r#"
            400
            {
              "detail": "from must be between 1 and to (5)",
              "field": "from",
              "instance": "/api/v1/ledger/proof/consistency",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    check_refused(
        fixture,
        "/api/v1/ledger/proof/consistency?from=1&to=99",
        expect![[r#"
            400
            {
              "detail": "to 99 is past the tree size 14",
              "field": "to",
              "instance": "/api/v1/ledger/proof/consistency",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    check_refused(
        fixture,
        "/api/v1/ledger/entries?limit=0",
        expect![[r#"
            400
            {
              "detail": "limit must be between 1 and 1000",
              "field": "limit",
              "instance": "/api/v1/ledger/entries",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    check_refused(
        fixture,
        "/api/v1/ledger/entries?limit=100000",
        expect![[r#"
            400
            {
              "detail": "limit must be between 1 and 1000",
              "field": "limit",
              "instance": "/api/v1/ledger/entries",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    check_refused(
        fixture,
        "/api/v1/ledger/entries?offset=3",
        expect![[r#"
            400
            {
              "detail": "the query string is not valid at `offset`: unknown field `offset`, expected `from` or `limit`",
              "field": "offset",
              "instance": "/api/v1/ledger/entries",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
}

#[tokio::test]
async fn an_empty_page_past_the_end_of_the_log_is_not_an_error() {
    let fixture = Fixture::new().await;
    let page = check(&fixture, "/api/v1/ledger/entries?from=50").await.expect("a page");
    assert_eq!(page, json!({"entries": [], "tree_size": 1}));
}

#[tokio::test]
async fn a_from_past_the_largest_seq_is_refused_not_wrapped() {
    let fixture = Fixture::new().await;
    // Once read as `from_seq as i64`: -1, and the page started at the genesis.
    check_refused(
        &fixture,
        "/api/v1/ledger/entries?from=18446744073709551615",
        expect![[r#"
            400
            {
              "detail": "from 18446744073709551615 is past 9223372036854775807, the largest seq a log can hold",
              "field": "from",
              "instance": "/api/v1/ledger/entries",
              "status": 400,
              "title": "Invalid request",
              "type": "/problems/invalid-request"
            }"#]],
    )
    .await;
    let refused = check(&fixture, "/api/v1/ledger/entries?from=9223372036854775808").await;
    assert!(refused.is_err_and(|problem| problem.contains(r#""field": "from""#)));
    let page = check(&fixture, "/api/v1/ledger/entries?from=9223372036854775807").await.expect("a page");
    assert_eq!(page, json!({"entries": [], "tree_size": 1}));
}
