//! Parsing a signed command from JSON: where the first bad field is, and why, typed.
//!
//! serde keeps two things from the domain: the text of an error (its `custom` errors carry
//! only a message) and, through `serde_path_to_error`, where it happened. The path is kept
//! whole by `internally_tagged!` and `TagFirst`. The refusal is kept typed by `note`: every
//! value that serde parses through `TryFrom` passes its `DomainError` to `note`, which, while
//! `Command::from_json` runs on this thread, keeps the latest one beside serde's text.
//! serde stops at the first error and nothing in a command recovers from one (no untagged
//! enums), so when the parse fails, the refusal kept is the one that failed it, if any.

use serde_json::Value;

use crate::{
    command::Command,
    tagged::TagFirst,
    vocab::{error::DomainError, refusal::Watch},
};

/// Why a command does not parse, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// The path of the bad field in the command, as `serde_path_to_error` writes it
    /// (`body.terms.corridors[0].windows[1].end`); `.` for the command itself.
    pub path: String,
    pub fault: ParseFault,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParseFault {
    /// A value breaks a rule of the domain: a bound, a format, a window that ends before it
    /// starts, a route of zero length.
    Refused(DomainError),
    /// The JSON does not have the command's shape: a wrong type, a missing or unknown
    /// field, an unknown command `type`. serde's message.
    Malformed(String),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.fault {
            ParseFault::Refused(err) => write!(f, "{}: {err}", self.path),
            ParseFault::Malformed(message) => write!(f, "{}: {message}", self.path),
        }
    }
}

impl std::error::Error for ParseError {}

impl Command {
    /// Parses a command from its JSON, naming the path of the first bad field and keeping
    /// a domain refusal typed.
    ///
    /// # Errors
    /// The first field that does not parse, with its path.
    pub fn from_json(value: &Value) -> Result<Command, ParseError> {
        let watch = Watch::start();
        let parsed = serde_path_to_error::deserialize(TagFirst::new(value, "type"));
        let refusal = watch.stop();
        parsed.map_err(|err| ParseError {
            path: err.path().to_string(),
            fault: match refusal {
                Some(refusal) => ParseFault::Refused(refusal),
                None => ParseFault::Malformed(err.into_inner().to_string()),
            },
        })
    }
}
