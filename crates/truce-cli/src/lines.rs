//! Files of commands as JSON lines, for `truce submit` and `truce import`: one command body
//! (with its `type`) or whole command (with its `body`) per line, submitted in order; blank
//! lines and lines starting with `#` are skipped. Line numbers count every line, from 1.
//!
//! The whole file is read and checked before anything is sent, so a line that is not JSON
//! sends nothing. Sending stops at the first refusal, whose error names its line and says
//! what was accepted before it.

use anyhow::anyhow;
use serde_json::Value;
use truce_store::Clock;

use crate::{
    client::{self, BatchEvent, Client, NotSent, Signer, Tally, BATCH_BYTES_MAX, BATCH_COMMANDS_MAX},
    ids::Filled,
};

/// A line holding a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// From 1.
    pub number: usize,
    pub value: Value,
}

/// The command lines of `text`.
///
/// # Errors
/// `line N: not JSON: ...` for the first line that does not parse, and `line N: neither a
/// command body ...` for one that is JSON but not a command.
pub fn parse(text: &str) -> anyhow::Result<Vec<Line>> {
    let mut lines = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let number = idx + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let value: Value =
            serde_json::from_str(trimmed).map_err(|err| anyhow!("line {number}: not JSON: {}", json_error(&err)))?;
        if !client::holds_command(&value) {
            return Err(anyhow!("line {number}: {}", client::NOT_A_COMMAND));
        }
        lines.push(Line { number, value });
    }
    Ok(lines)
}

/// serde's message with the column, but not its line number: every line is parsed alone.
fn json_error(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let position = format!(" at line {} column {}", err.line(), err.column());
    match text.strip_suffix(&position) {
        Some(message) => format!("{message} (column {})", err.column()),
        None => text,
    }
}

/// What happens as lines are sent, for the caller to show.
pub enum Progress<'a> {
    /// An id filled in on this line, before it is sent.
    Filled { line: usize, filled: &'a Filled },
    /// This line was accepted, with this receipt.
    Accepted { line: usize, receipt: &'a Value },
    /// The server asked to slow down at this line (its account's rate, a full queue): it and
    /// the lines after it go again after `seconds`.
    Waiting { line: usize, seconds: u64 },
}

/// Signs and submits each line in order, as `signer`, with `issued_at` from `clock` for
/// bodies: in batches (`Client::submit_batch`, up to `BATCH_COMMANDS_MAX` commands and
/// `BATCH_BYTES_MAX` of text), each decided in order up to its first refusal, so a file is one
/// request and one group commit per batch rather than one per line. Lines are signed a
/// batch at a time, just before it is sent, so that `issued_at` stays near the server's clock.
///
/// # Errors
/// The first line that cannot be signed or is refused, as `line N: <why>; <what was
/// accepted before it>`; nothing after it is sent (or, in its batch, decided).
pub fn submit_all(
    lines: Vec<Line>,
    client: &Client,
    signer: &Signer,
    clock: &dyn Clock,
    mut progress: impl FnMut(Progress<'_>),
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    let mut lines = lines.into_iter();
    // A line signed but left for the next batch, which it would have made too large.
    let mut carried: Option<Signed> = None;
    loop {
        let mut batch: Vec<Signed> = Vec::new();
        let mut bytes = 0;
        let mut unsigned = None;
        while batch.len() < BATCH_COMMANDS_MAX {
            let signed = match carried.take() {
                Some(carried) => carried,
                None => {
                    let Some(Line { number, value }) = lines.next() else { break };
                    let signed = client::command_from(value, signer, clock)
                        .and_then(|(command, filled)| Ok((client::sign(signer, command)?, filled)));
                    match signed {
                        Ok((value, filled)) => Signed { number, size: value.to_string().len(), value, filled },
                        Err(err) => {
                            unsigned = Some((number, err));
                            break;
                        }
                    }
                }
            };
            if !batch.is_empty() && bytes + signed.size > BATCH_BYTES_MAX {
                carried = Some(signed);
                break;
            }
            bytes += signed.size;
            batch.push(signed);
        }
        if !batch.is_empty() {
            let values: Vec<Value> = batch.iter().map(|signed| signed.value.clone()).collect();
            let mut refusal = None;
            // The batch's first line not yet answered: where a lost reply leaves it unknown.
            let mut unanswered = 0;
            // Told as each reply arrives, so that what was accepted is shown even if the run is
            // stopped while a later part of the batch waits. Lines after a refused one were not
            // decided: their ids are not shown as filled.
            let sent = client.submit_batch(&values, |event| match event {
                BatchEvent::Outcome { index, outcome } => {
                    unanswered = index + 1;
                    let Signed { number, filled, .. } = &batch[index];
                    for filled in filled {
                        progress(Progress::Filled { line: *number, filled });
                    }
                    match outcome {
                        Ok(receipt) => {
                            tally.add(&receipt);
                            progress(Progress::Accepted { line: *number, receipt: &receipt });
                        }
                        Err(refused) => refusal = Some((*number, refused)),
                    }
                }
                BatchEvent::Waiting { index, seconds } => {
                    progress(Progress::Waiting { line: batch[index].number, seconds });
                }
            });
            if let Err(err) = sent {
                // No reply: unless the request never reached it, the server may have recorded
                // the lines from here on.
                let recorded_after = err.downcast_ref::<NotSent>().map(|_| false);
                let (line, before) = (batch[unanswered].number, tally.before_refusal());
                return Err(Stopped { line, why: format!("{err:#}"), before, recorded_after }.into());
            }
            if let Some((line, refused)) = refusal {
                let why = format!("the server refused the command: {refused}");
                return Err(Stopped { line, why, before: tally.before_refusal(), recorded_after: Some(false) }.into());
            }
        }
        if let Some((line, err)) = unsigned {
            let (why, before) = (format!("{err:#}"), tally.before_refusal());
            return Err(Stopped { line, why, before, recorded_after: Some(false) }.into());
        }
        if batch.is_empty() && carried.is_none() {
            return Ok(tally);
        }
    }
}

/// Why sending stopped at a line: everything before it was accepted (`before` says how much).
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {why}; {before}")]
pub struct Stopped {
    pub line: usize,
    why: String,
    before: String,
    /// Whether anything from `line` on was recorded: `Some(false)` when it was refused (or
    /// never sent), `None` when the server's reply was lost and only the log can tell.
    pub recorded_after: Option<bool>,
}

/// A line's command, signed, with the ids filled in to make it and its text's length.
struct Signed {
    number: usize,
    value: Value,
    filled: Vec<Filled>,
    size: usize,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn blank_lines_and_comments_are_skipped_and_lines_keep_their_numbers() {
        let text = "# parties\n{\"type\": \"register_party\"}\n\n   \n  # indented comment\n{\"body\": {}}\n";
        let lines = parse(text).expect("two commands");
        assert_eq!(
            lines,
            [
                Line { number: 2, value: json!({"type": "register_party"}) },
                Line { number: 6, value: json!({"body": {}}) },
            ]
        );
        assert_eq!(parse("").expect("no commands"), []);
    }

    #[test]
    fn the_first_bad_line_is_named() {
        let text = "{\"type\": \"a\"}\n\n{\"type\": \"b\"\n{oops}\n";
        let err = parse(text).expect_err("line 3 is cut short").to_string();
        assert_eq!(err, "line 3: not JSON: EOF while parsing an object (column 12)");
        let err = parse("{\"type\": \"a\"}\n[1, 2]\n").expect_err("line 2 is an array").to_string();
        assert!(err.starts_with("line 2: neither a command body"), "{err}");
        let err = parse("{\"code\": \"RU\"}\n").expect_err("line 1 has no type").to_string();
        assert!(err.starts_with("line 1: neither a command body"), "{err}");
    }
}
