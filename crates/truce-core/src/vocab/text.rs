//! Bounded text: names, reasons and short human codes.
//!
//! Each type is parsed once, when a command is deserialised; holding one proves its bounds.

use std::{
    cell::RefCell,
    collections::{BTreeMap, HashSet},
    fmt,
    sync::Arc,
};

use serde::{
    de::{DeserializeSeed, Error as _, MapAccess, Visitor},
    Deserialize, Deserializer, Serialize,
};

use crate::{
    vocab::error::DomainError,
    vocab::limits::{CODE_LEN_MAX, NAMES_PER_RECORD_MAX, NAME_LEN_MAX, REASON_LEN_MAX},
};

fn bounded(field: &'static str, raw: &str, len_max: usize) -> Result<String, DomainError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(DomainError::Empty { field });
    }
    let len = text.chars().count();
    if len > len_max {
        return Err(DomainError::TooLong { field, len, len_max });
    }
    Ok(text.to_owned())
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $holder:ty, $hold:path, $field:literal, $len_max:expr) => {
        $(#[$doc])*
        ///
        /// Held as a `Box<str>` or an `Arc<str>`, sixteen bytes inline against a `String`'s
        /// twenty-four: a projection holds several for each of a million records
        /// (docs/performance.md).
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(try_from = "String")]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "schema", schemars(extend("minLength" = 1, "maxLength" = $len_max, "pattern" = "\\S")))]
        pub struct $name($holder);

        /// Written as the text it holds, without a copy of it first (as `into = "String"` would).
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl $name {
            /// # Errors
            /// Empty after trimming, or longer than the limit.
            pub fn parse(raw: &str) -> Result<$name, DomainError> {
                bounded($field, raw, $len_max).map(|text| $name($hold(text)))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(raw: String) -> Result<$name, DomainError> {
                $name::parse(&raw).map_err(crate::vocab::refusal::note)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0.to_string()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

bounded_text!(
    /// Invariant: trimmed, 1..=NAME_LEN_MAX characters.
    ///
    /// An `Arc<str>`: the same few names (the outlets and organisations that report, the
    /// parties, the forces) come back in hundreds of thousands of records, and a snapshot
    /// read back holds each once (`interning_names`).
    Name,
    Arc<str>,
    interned,
    "name",
    NAME_LEN_MAX
);
bounded_text!(
    /// Invariant: trimmed, 1..=REASON_LEN_MAX characters.
    Reason,
    Box<str>,
    String::into_boxed_str,
    "reason",
    REASON_LEN_MAX
);

thread_local! {
    /// The names read so far by the `interning_names` running on this thread, if one is.
    static INTERNED: RefCell<Option<HashSet<Arc<str>>>> = const { RefCell::new(None) };
}

/// Runs `read` with every `Name` it reads on this thread held once: a name read again is a
/// clone of the first one read. For reading back what this build wrote (a snapshot), whose
/// names are those of the log; a command's names are not kept (a refused one's would stay).
pub fn interning_names<T>(read: impl FnOnce() -> T) -> T {
    crate::vocab::scoped_flag::with_slot_set(&INTERNED, Some(HashSet::new()), read)
}

/// The text as a name: the one read before if `interning_names` runs and read it.
fn interned(text: String) -> Arc<str> {
    INTERNED.with(|interned| match interned.borrow_mut().as_mut() {
        Some(names) => match names.get(text.as_str()) {
            Some(name) => Arc::clone(name),
            None => {
                let name: Arc<str> = Arc::from(text);
                names.insert(Arc::clone(&name));
                name
            }
        },
        None => Arc::from(text),
    })
}

/// A short human code such as `EA-1`, unique per kind of thing.
///
/// Invariant: 1..=CODE_LEN_MAX characters of `[A-Za-z0-9._-]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("pattern" = format!("^[A-Za-z0-9._-]{{1,{CODE_LEN_MAX}}}$"))))]
pub struct Code(String);

impl Code {
    /// # Errors
    /// Empty, too long, or holding a character outside `[A-Za-z0-9._-]`.
    pub fn parse(raw: &str) -> Result<Code, DomainError> {
        let code = bounded("code", raw, CODE_LEN_MAX)?;
        if !code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(DomainError::CodeCharacters { code });
        }
        Ok(Code(code))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Code {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Code, DomainError> {
        Code::parse(&raw).map_err(crate::vocab::refusal::note)
    }
}

impl From<Code> for String {
    fn from(value: Code) -> String {
        value.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A language, as a BCP 47 primary language subtag: 2 or 3 lower-case ASCII letters (`ar`,
/// `ru`, `ckb`). Regions, scripts and variants are not taken: a name in `ar` serves every
/// Arabic reader.
///
/// Invariant: 2..=3 characters of `[a-z]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct LanguageTag(String);

impl LanguageTag {
    /// # Errors
    /// Not 2 or 3 lower-case ASCII letters.
    pub fn parse(raw: &str) -> Result<LanguageTag, DomainError> {
        match (2..=3).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_lowercase()) {
            true => Ok(LanguageTag(raw.to_owned())),
            false => Err(DomainError::LanguageTag { tag: raw.to_owned() }),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<LanguageTag> for String {
    fn from(value: LanguageTag) -> String {
        value.0
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A record's names in other languages than its default `name`, by language:
/// `{"ar": "حلب الشرقية", "ru": "Восточный Алеппо"}`.
///
/// Invariant: at most `NAMES_PER_RECORD_MAX` entries, each tag a `LanguageTag`, each name a
/// `Name`. Parsed by hand rather than through `TryFrom<BTreeMap<..>>` so that a refusal names
/// the entry at fault (`zones[0].names.xx`): the tag is checked inside the parse of its
/// value, where `serde_path_to_error` has already pushed the key onto the path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend(
    "propertyNames" = { "pattern": "^[a-z]{2,3}$" },
    "maxProperties" = NAMES_PER_RECORD_MAX
)))]
pub struct Names(
    #[cfg_attr(feature = "schema", schemars(with = "BTreeMap<String, Name>"))] BTreeMap<LanguageTag, Name>,
);

impl Names {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The name in `language` (a primary language subtag), if there is one.
    pub fn get(&self, language: &str) -> Option<&Name> {
        self.0.iter().find(|(tag, _)| tag.as_str() == language).map(|(_, name)| name)
    }
    /// Every name, by tag in alphabetical order.
    pub fn iter(&self) -> impl Iterator<Item = (&LanguageTag, &Name)> {
        self.0.iter()
    }
}

impl FromIterator<(LanguageTag, Name)> for Names {
    fn from_iter<I: IntoIterator<Item = (LanguageTag, Name)>>(iter: I) -> Names {
        Names(iter.into_iter().collect())
    }
}

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Names, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Names;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object from language tags to names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Names, A::Error> {
                let mut names = BTreeMap::new();
                while let Some(raw) = map.next_key::<String>()? {
                    let (tag, name) = map.next_value_seed(Entry { raw: &raw })?;
                    if names.contains_key(&tag) {
                        let err = DomainError::Duplicate { field: "names", value: raw };
                        return Err(A::Error::custom(crate::vocab::refusal::note(err)));
                    }
                    names.insert(tag, name);
                }
                if names.len() > NAMES_PER_RECORD_MAX {
                    let err = DomainError::TooMany { field: "names", len: names.len(), len_max: NAMES_PER_RECORD_MAX };
                    return Err(A::Error::custom(crate::vocab::refusal::note(err)));
                }
                Ok(Names(names))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// One entry of `Names`: its tag, checked while its value is parsed so that the path of a
/// refusal ends in the tag.
struct Entry<'a> {
    raw: &'a str,
}

impl<'de> DeserializeSeed<'de> for Entry<'_> {
    type Value = (LanguageTag, Name);
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(LanguageTag, Name), D::Error> {
        let tag = LanguageTag::parse(self.raw).map_err(|err| D::Error::custom(crate::vocab::refusal::note(err)))?;
        let name = Name::deserialize(deserializer)?;
        Ok((tag, name))
    }
}

#[cfg(test)]
mod interning_tests {
    use std::sync::Arc;

    use super::{interning_names, Name};

    /// Read back while interning, a name that comes twice is held once; read otherwise, each
    /// is its own; either way the values are equal.
    #[test]
    fn a_snapshots_names_are_held_once_each() {
        let json = r#"["REUTERS", "SANA", "REUTERS", " REUTERS "]"#;
        let interned: Vec<Name> = interning_names(|| serde_json::from_str(json)).expect("names");
        assert!(Arc::ptr_eq(&interned[0].0, &interned[2].0));
        assert!(Arc::ptr_eq(&interned[0].0, &interned[3].0), "trimmed first");
        assert!(!Arc::ptr_eq(&interned[0].0, &interned[1].0));
        let apart: Vec<Name> = serde_json::from_str(json).expect("names");
        assert!(!Arc::ptr_eq(&apart[0].0, &apart[2].0), "a command's names are not kept");
        assert_eq!(interned, apart);
        // The interning ends with its scope.
        let after: Vec<Name> = serde_json::from_str(json).expect("names");
        assert!(!Arc::ptr_eq(&after[0].0, &interned[0].0));
    }

    /// A read that panics ends the interning too: the thread's next names are not kept.
    #[test]
    fn an_interning_that_panics_ends_with_its_scope() {
        let json = r#"["REUTERS", "REUTERS"]"#;
        let panicked = std::panic::catch_unwind(|| {
            interning_names(|| {
                let _: Vec<Name> = serde_json::from_str(json).expect("names");
                panic!("a read that fails half-way");
            })
        });
        assert!(panicked.is_err());
        let after: Vec<Name> = serde_json::from_str(json).expect("names");
        assert!(!Arc::ptr_eq(&after[0].0, &after[1].0), "no interning outside its scope");
        // And one inside another puts back the outer one's names.
        let (inner, outer): (Vec<Name>, Vec<Name>) = interning_names(|| {
            let outer: Vec<Name> = serde_json::from_str(json).expect("names");
            let inner = interning_names(|| serde_json::from_str(json)).expect("names");
            let again: Vec<Name> = serde_json::from_str(json).expect("names");
            assert!(Arc::ptr_eq(&again[0].0, &outer[0].0), "the outer scope's names again");
            (inner, outer)
        });
        assert!(!Arc::ptr_eq(&inner[0].0, &outer[0].0), "the inner scope's own names");
    }
}
