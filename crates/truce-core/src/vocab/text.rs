//! Bounded text: names, reasons and short human codes.
//!
//! Each type is parsed once, when a command is deserialised; holding one proves its bounds.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{
    vocab::error::DomainError,
    vocab::limits::{CODE_LEN_MAX, NAME_LEN_MAX, REASON_LEN_MAX},
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
    ($(#[$doc:meta])* $name:ident, $field:literal, $len_max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "schema", schemars(extend("minLength" = 1, "maxLength" = $len_max, "pattern" = "\\S")))]
        pub struct $name(String);

        impl $name {
            /// # Errors
            /// Empty after trimming, or longer than the limit.
            pub fn parse(raw: &str) -> Result<$name, DomainError> {
                bounded($field, raw, $len_max).map($name)
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
                value.0
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
    Name,
    "name",
    NAME_LEN_MAX
);
bounded_text!(
    /// Invariant: trimmed, 1..=REASON_LEN_MAX characters.
    Reason,
    "reason",
    REASON_LEN_MAX
);

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
