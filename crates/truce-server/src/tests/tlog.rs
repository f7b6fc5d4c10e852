//! The log as C2SP tlog-tiles, read and checked by an independent implementation of the
//! specification (`tlog_tiles`, a port of Go's sumdb/tlog): every hash tile it needs hashes to
//! the signed root, and every entry from the bundles is proven in the tree.

use std::collections::HashMap;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use http_body_util::BodyExt as _;
use serde_json::json;
use tlog_tiles::{check_record, prove_record, record_hash, tree_hash, Hash, Tile, TileHashReader, TileReader};
use tower::ServiceExt as _;
use truce_ledger::{open_checkpoint, Verifier};

use super::{id, Fixture};
use crate::router;

/// A tree of more than two full level-0 tiles, so that there are full and partial tiles on
/// level 0 and a partial one on level 1.
const ENTRIES_COUNT: u64 = 600;

async fn fetch(fixture: &Fixture, path: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let response = router(fixture.state.clone())
        .oneshot(Request::get(format!("/api/v1/tlog/{path}")).body(Body::empty()).expect("a request"))
        .await
        .expect("infallible");
    let status = response.status();
    let cache = response.headers().get(header::CACHE_CONTROL).map(|v| v.to_str().expect("text").to_owned());
    let bytes = response.into_body().collect().await.expect("a body").to_bytes().to_vec();
    (status, cache, bytes)
}

/// The C2SP path of a tile (the library's own `Tile::path` is Go's, with the height in it).
fn c2sp_path(level: Option<u8>, index: u64, width: u64) -> String {
    let mut n = index;
    let mut digits = format!("{:03}", n % 1000);
    while n >= 1000 {
        n /= 1000;
        digits = format!("x{:03}/{digits}", n % 1000);
    }
    let level = level.map_or("entries".to_owned(), |level| level.to_string());
    let partial = if width == 256 { String::new() } else { format!(".p/{width}") };
    format!("tile/{level}/{digits}{partial}")
}

/// Tiles fetched from the server beforehand, served to the library as it asks.
struct Fetched(HashMap<String, Vec<u8>>);

impl TileReader for Fetched {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|tile| {
                let path = c2sp_path(Some(tile.level()), tile.level_index(), u64::from(tile.width()));
                self.0.get(&path).cloned().ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }

    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}

#[tokio::test]
async fn an_independent_tlog_tiles_client_checks_every_tile_and_entry_against_the_signed_root() {
    let fixture = Fixture::new().await;
    for n in 0..ENTRIES_COUNT - 1 {
        fixture
            .accept(
                &fixture.operator,
                json!({"type": "register_party", "party_id": id(5000 + u32::try_from(n).expect("small")),
                       "code": format!("T{n}"), "name": format!("Party {n}"), "kind": "state"}),
            )
            .await;
    }
    let (status, _, note) = fetch(&fixture, "checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    let note = String::from_utf8(note).expect("text");
    let verifier = Verifier::parse(&fixture.state.node.verifier_key()).expect("a verifier key");
    let checkpoint = open_checkpoint(&note, &verifier).expect("the checkpoint verifies");
    let size = checkpoint.size();
    assert_eq!(size, ENTRIES_COUNT);
    let root = Hash(*checkpoint.root());

    // Every tile of the tree, as a client mirroring the log would fetch them.
    let mut tiles = HashMap::new();
    let mut level_width = size;
    for level in 0u8..3 {
        if level_width == 0 {
            break;
        }
        for index in 0..level_width.div_ceil(256) {
            let width = (level_width - index * 256).min(256);
            let path = c2sp_path(Some(level), index, width);
            let (status, cache, bytes) = fetch(&fixture, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(bytes.len(), usize::try_from(width * 32).expect("small"), "{path}");
            let immutable = cache.as_deref() == Some("public, max-age=31536000, immutable");
            assert_eq!(immutable, width == 256, "{path}: {cache:?}");
            tiles.insert(path, bytes);
        }
        level_width /= 256;
    }
    let reader = Fetched(tiles);
    let hashes = TileHashReader::new(size, root, &reader);
    assert_eq!(tree_hash(size, &hashes).expect("the tiles hash to the root"), root);

    // Every entry in the bundles is proven in the tree by the library.
    let mut seq = 0;
    for index in 0..size.div_ceil(256) {
        let width = (size - index * 256).min(256);
        let (status, _, bundle) = fetch(&fixture, &c2sp_path(None, index, width)).await;
        assert_eq!(status, StatusCode::OK);
        let mut rest = bundle.as_slice();
        while let [high, low, tail @ ..] = rest {
            let length = usize::from(u16::from_be_bytes([*high, *low]));
            let (entry, after) = tail.split_at(length);
            let proof = prove_record(size, seq, &hashes).expect("a proof from the tiles");
            check_record(&proof, size, root, seq, record_hash(entry))
                .unwrap_or_else(|err| panic!("entry {seq}: {err}"));
            seq += 1;
            rest = after;
        }
    }
    assert_eq!(seq, size, "the bundles hold every entry once");

    // A tile the tree does not have yet, and a path that is not one, are 404s.
    let past = c2sp_path(Some(0), 2, 256);
    assert_eq!(fetch(&fixture, &past).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&fixture, "tile/0/2").await.0, StatusCode::NOT_FOUND);
}
