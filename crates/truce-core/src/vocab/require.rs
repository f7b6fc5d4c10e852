//! The generic checks every `decide` makes on input: a referenced record exists, a new one
//! does not, a list is within its bounds and has no duplicates. Each refusal names the field.

use std::{collections::HashSet, fmt, hash::Hash};

use serde::Serialize;

use crate::vocab::error::DomainError;

pub(crate) fn unknown(kind: &'static str, id: &impl fmt::Display) -> DomainError {
    DomainError::Unknown { kind, id: id.to_string() }
}

pub(crate) fn require_known(known: bool, kind: &'static str, id: &impl fmt::Display) -> Result<(), DomainError> {
    if !known {
        return Err(unknown(kind, id));
    }
    Ok(())
}

pub(crate) fn require_new(exists: bool, kind: &'static str, id: &impl fmt::Display) -> Result<(), DomainError> {
    if exists {
        return Err(DomainError::AlreadyExists { kind, id: id.to_string() });
    }
    Ok(())
}

pub(crate) fn require_len(field: &'static str, len: usize, len_min: usize, len_max: usize) -> Result<(), DomainError> {
    if len < len_min {
        return Err(DomainError::Empty { field });
    }
    if len > len_max {
        return Err(DomainError::TooMany { field, len, len_max });
    }
    Ok(())
}

pub(crate) fn require_list<T: Eq + Hash + Serialize>(
    field: &'static str,
    items: &[T],
    len_min: usize,
    len_max: usize,
) -> Result<(), DomainError> {
    require_len(field, items.len(), len_min, len_max)?;
    require_unique(field, &items.iter().collect::<Vec<_>>())
}

pub(crate) fn require_unique<T: Eq + Hash + Serialize>(field: &'static str, items: &[&T]) -> Result<(), DomainError> {
    let mut seen: HashSet<&T> = HashSet::with_capacity(items.len());
    for item in items {
        if !seen.insert(*item) {
            return Err(DomainError::Duplicate { field, value: shown(*item) });
        }
    }
    Ok(())
}

/// An item as its command gives it: an id or a code as its text, anything else as its
/// compact JSON (the wire form the author wrote), never Rust's `Debug` form.
fn shown<T: Serialize>(item: &T) -> String {
    match serde_json::to_value(item) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(value) => value.to_string(),
        // Our values always serialize; if one did not, its place in the list still says which.
        Err(_) => "an item".to_owned(),
    }
}
