//! The log as C2SP `tlog-tiles`, under `/api/v1/tlog/`, so that existing tile clients (and
//! any verifier written to that specification) read and check it without knowing truce:
//!
//! - `checkpoint`: the signed checkpoint, the same note as `/api/v1/ledger/checkpoint`.
//! - `tile/<L>/<N>[.p/<W>]`: the hashes of the complete subtrees of height `8 * L` numbered
//!   `256 * N` to `256 * N + W - 1`, 32 bytes each, concatenated; `W` is 256 for a full tile.
//!   `N` is written in groups of three digits, each but the last prefixed `x`
//!   (`x001/x234/067`).
//! - `tile/entries/<N>[.p/<W>]`: entries `256 * N` to `256 * N + W - 1` as an entry bundle:
//!   each entry's canonical text (the bytes its leaf hash is over) after its length as a
//!   big-endian 16-bit integer.
//!
//! Full tiles never change and are served as immutable; a partial tile only while the tree
//! has that many at its right edge, or more. An entry of more than 65,535 bytes cannot be
//! written in a bundle (the format's length prefix is 16 bits); its bundle is answered 422
//! naming it, and the entry is read at `/api/v1/ledger/entries` instead. Hash tiles have no
//! such limit, so every entry's inclusion can still be checked from tiles.

use crate::{extract::ApiPath, problem::ApiError, AppState};
use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};

/// Hashes (or entries) per full tile: the specification's tile height of 8.
pub const TILE_WIDTH: u64 = 256;
const TILE_HEIGHT: usize = 8;

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TilePath {
    /// `None` for an entry bundle.
    level: Option<u8>,
    index: u64,
    width: u64,
    partial: bool,
}

/// Parses `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`, exactly as written by the
/// specification (no leading zeros but in the groups, `W` from 1 to 255).
pub(crate) fn parse_tile_path(path: &str) -> Option<TilePath> {
    let (level, rest) = path.split_once('/')?;
    let level = match level {
        "entries" => None,
        digits if is_number(digits) && digits.len() <= 2 => Some(digits.parse().ok()?),
        _ => return None,
    };
    let (index_text, width) = match rest.split_once(".p/") {
        Some((index_text, width)) => {
            if !is_number(width) {
                return None;
            }
            let width: u64 = width.parse().ok()?;
            if !(1..TILE_WIDTH).contains(&width) {
                return None;
            }
            (index_text, Some(width))
        }
        None => (rest, None),
    };
    let groups: Vec<&str> = index_text.split('/').collect();
    let (last, prefixed) = groups.split_last()?;
    let mut index: u64 = 0;
    for group in prefixed {
        let digits = group.strip_prefix('x')?;
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        index = index.checked_mul(1000)?.checked_add(digits.parse().ok()?)?;
    }
    if last.len() != 3 || !last.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    index = index.checked_mul(1000)?.checked_add(last.parse().ok()?)?;
    // The shortest spelling only: no all-zero leading group.
    if prefixed.first().is_some_and(|group| *group == "x000") {
        return None;
    }
    Some(TilePath { level, index, width: width.unwrap_or(TILE_WIDTH), partial: width.is_some() })
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'))
}

fn not_found(path: &str, why: &str) -> ApiError {
    ApiError::NotFound { kind: "tile", id: format!("{path} ({why})") }
}

fn binary(bytes: Vec<u8>, immutable: bool) -> Response {
    let cache = match immutable {
        true => "public, max-age=31536000, immutable",
        false => "no-cache",
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream")),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /api/v1/tlog/checkpoint`.
pub async fn checkpoint(State(app): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], app.node.checkpoint()).into_response()
}

/// `GET /api/v1/tlog/tile/{path}`.
pub async fn tile(State(app): State<AppState>, ApiPath(path): ApiPath<String>) -> Result<Response, ApiError> {
    let Some(tile) = parse_tile_path(&path) else {
        return Err(not_found(&path, "not a tile path: <L>/<N>[.p/<W>] or entries/<N>[.p/<W>]"));
    };
    let start = tile.index.checked_mul(TILE_WIDTH).ok_or_else(|| not_found(&path, "past any tree"))?;
    match tile.level {
        Some(level) => {
            let height = usize::from(level) * TILE_HEIGHT;
            let leaves = app.node.leaves();
            let bytes = app.node.read_tree(|tree| {
                let hashes = tree.subtree_hashes(height, start, tile.width, &leaves);
                hashes.map(|hashes| hashes.map(|hashes| hashes.iter().flatten().copied().collect::<Vec<u8>>()))
            });
            let bytes = bytes
                .map_err(|err| ApiError::Internal(err.to_string()))?
                .ok_or_else(|| not_found(&path, "the tree does not have these hashes yet"))?;
            Ok(binary(bytes, !tile.partial))
        }
        None => {
            // Only entries under the tree served: the checkpoint's, or a later one.
            let tree_size = app.node.read_tree(|tree| tree.len());
            if start.saturating_add(tile.width) > tree_size {
                return Err(not_found(&path, "the log does not have these entries yet"));
            }
            let limit = u32::try_from(tile.width).expect("a tile is at most 256 wide");
            let entries = app.node.entries(start, limit).map_err(|err| ApiError::Internal(err.to_string()))?;
            if u64::try_from(entries.len()).ok() != Some(tile.width) {
                return Err(ApiError::Internal(format!("entries {start}.. are not all stored")));
            }
            let mut bundle = Vec::new();
            for entry in &entries {
                let length = u16::try_from(entry.text.len())
                    .map_err(|_| ApiError::EntryTooLargeForBundle { seq: entry.seq, bytes: entry.text.len() })?;
                bundle.extend_from_slice(&length.to_be_bytes());
                bundle.extend_from_slice(entry.text.as_bytes());
            }
            Ok(binary(bundle, !tile.partial))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_are_parsed_exactly_as_the_specification_writes_them() {
        let parsed = |path: &str| parse_tile_path(path);
        assert_eq!(parsed("0/000"), Some(TilePath { level: Some(0), index: 0, width: 256, partial: false }));
        assert_eq!(
            parsed("1/x001/x234/067.p/8"),
            Some(TilePath { level: Some(1), index: 1_234_067, width: 8, partial: true })
        );
        assert_eq!(parsed("entries/012"), Some(TilePath { level: None, index: 12, width: 256, partial: false }));
        assert_eq!(
            parsed("entries/x001/000.p/255"),
            Some(TilePath { level: None, index: 1000, width: 255, partial: true })
        );
        for bad in [
            "0/12",
            "0/0012",
            "00/000",
            "0/x000/001",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/08",
            "x/000",
            "0/001/002",
            "0/",
            "entries",
        ] {
            assert_eq!(parsed(bad), None, "{bad}");
        }
    }
}
