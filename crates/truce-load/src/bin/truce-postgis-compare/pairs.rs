//! Matches as (incident, scope) pairs, and where two sets of them differ.
//!
//! Pure: the pairs come in sorted and without duplicates, from the matcher and from
//! PostGIS; deciding whether a difference is acceptable is the caller's business.

#[cfg(test)]
mod tests;

/// One match: an incident's index and a scope's index, as in `truce_core::synthetic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pair {
    pub incident_idx: u32,
    pub scope_idx: u32,
}

/// How two sets of pairs compare.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PairsDiff {
    pub both_count: usize,
    pub left_only: Vec<Pair>,
    pub right_only: Vec<Pair>,
}

impl PairsDiff {
    pub fn disagreements_count(&self) -> usize {
        self.left_only.len() + self.right_only.len()
    }
}

/// Sorts `pairs` and removes duplicates; returns how many duplicates there were (a result
/// set with any is suspect: the matcher gives each scope once per incident, and so does a
/// join over one row per scope).
pub fn normalize(pairs: &mut Vec<Pair>) -> usize {
    pairs.sort_unstable();
    let len_before = pairs.len();
    pairs.dedup();
    len_before - pairs.len()
}

/// Merges two sorted, deduplicated lists.
///
/// # Panics
/// In debug builds, when either list is not strictly increasing.
pub fn diff(left: &[Pair], right: &[Pair]) -> PairsDiff {
    debug_assert!(left.windows(2).all(|w| w[0] < w[1]), "left pairs are sorted and distinct");
    debug_assert!(right.windows(2).all(|w| w[0] < w[1]), "right pairs are sorted and distinct");
    let mut result = PairsDiff::default();
    let (mut left_idx, mut right_idx) = (0, 0);
    while left_idx < left.len() && right_idx < right.len() {
        match left[left_idx].cmp(&right[right_idx]) {
            std::cmp::Ordering::Less => {
                result.left_only.push(left[left_idx]);
                left_idx += 1;
            }
            std::cmp::Ordering::Greater => {
                result.right_only.push(right[right_idx]);
                right_idx += 1;
            }
            std::cmp::Ordering::Equal => {
                result.both_count += 1;
                left_idx += 1;
                right_idx += 1;
            }
        }
    }
    result.left_only.extend_from_slice(&left[left_idx..]);
    result.right_only.extend_from_slice(&right[right_idx..]);
    result
}

/// Parses PostgreSQL's text COPY output of two integer columns, `incident\tscope\n` per
/// row, appending to `out`; returns the unparsed tail (a row cut off by the buffer).
///
/// # Errors
/// A complete line that is not two unsigned 32-bit integers separated by a tab; the
/// message quotes it.
pub fn parse_copy_rows<'a>(bytes: &'a [u8], out: &mut Vec<Pair>) -> Result<&'a [u8], String> {
    let mut rest = bytes;
    while let Some(newline_idx) = rest.iter().position(|&byte| byte == b'\n') {
        let line = &rest[..newline_idx];
        let pair = parse_row(line).ok_or_else(|| format!("unexpected COPY row {:?}", String::from_utf8_lossy(line)))?;
        out.push(pair);
        rest = &rest[newline_idx + 1..];
    }
    Ok(rest)
}

fn parse_row(line: &[u8]) -> Option<Pair> {
    let tab_idx = line.iter().position(|&byte| byte == b'\t')?;
    Some(Pair { incident_idx: parse_u32(&line[..tab_idx])?, scope_idx: parse_u32(&line[tab_idx + 1..])? })
}

fn parse_u32(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    let mut value: u64 = 0;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(byte - b'0');
    }
    u32::try_from(value).ok()
}
