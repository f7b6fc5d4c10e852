//! `truce import`: a scenario file, a JSON-lines file of commands or an ACLED export, loaded
//! into a server through its HTTP API like any client (no store is opened), with a progress
//! bar and a summary.
//!
//! A scenario (a JSON object with `steps`, see `truce_core::scenario`) is loaded as the demo
//! loads its own (`load`): its `operator` steps are signed with `--key` as `--author`, and
//! every account it registers gets a fresh key, kept only with `--keys-out`. Any other file
//! is read as JSON lines of commands, as `truce submit` reads them (`lines`), all signed with
//! `--key` as `--author` for `--party`. An ACLED export (`--format acled`, see `acled::import`)
//! becomes incidents reported by `--author`; `--dry-run` checks it and sends nothing.

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::{anyhow, bail, Context as _};
use serde_json::Value;
use truce_core::scenario::{Scenario, OPERATOR_HANDLE};
use truce_store::SystemClock;

use crate::{
    acled,
    batch_match::progress_bar,
    client::{Client, ServerClock, Signer},
    datadir, lines, load,
};

/// What FILE holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A scenario: a JSON object with `steps`.
    Scenario,
    /// Commands as JSON lines, as `truce submit` takes them.
    Commands,
    /// ACLED's CSV export (docs/acled.md).
    Acled,
}

pub struct Import {
    pub file: PathBuf,
    /// Absent: what `detect` finds.
    pub format: Option<Format>,
    pub dry_run: bool,
    pub server: String,
    pub key: Option<PathBuf>,
    pub author: Option<String>,
    pub party: Option<String>,
    pub keys_out: Option<PathBuf>,
}

/// Imports the file; `Ok(false)` when rows were refused (the summary lists them).
pub fn run(import: &Import) -> anyhow::Result<bool> {
    let file = &import.file;
    let text = fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let format = import.format.unwrap_or_else(|| detect(&text));
    if format == Format::Acled {
        return acled(import, &text);
    }
    if import.dry_run {
        bail!("--dry-run: only an ACLED import (--format acled) has a dry run");
    }
    let signer = signer(import)?;
    let client = Client::new(&import.server)?;
    if format == Format::Scenario {
        if import.party.is_some() {
            bail!("--party: a scenario's steps name their own accounts; --key and --author are the operator's");
        }
        scenario(file, &text, &client, signer, import.keys_out.as_deref())?;
    } else {
        if import.keys_out.is_some() {
            bail!("--keys-out: {} is not a scenario, so no account keys are made", file.display());
        }
        commands(file, &text, &client, &signer)?;
    }
    Ok(true)
}

fn signer(import: &Import) -> anyhow::Result<Signer> {
    let (Some(key), Some(author)) = (&import.key, &import.author) else {
        bail!("--key and --author: an import is signed; give the key and the account it is registered to");
    };
    Signer::read(key, author, import.party.as_deref())
}

/// An ACLED export: checked whole, then each event sent (or, with `--dry-run`, described).
fn acled(import: &Import, text: &str) -> anyhow::Result<bool> {
    let file = &import.file;
    if import.keys_out.is_some() {
        bail!("--keys-out: an ACLED export registers no accounts");
    }
    let plan = acled::import::plan_file(file, text)?;
    if import.dry_run {
        print!("{}", acled::import::dry_run_report(file, &plan));
        return Ok(true);
    }
    let signer = signer(import)?;
    let client = Client::new(&import.server)?;
    let summary = acled::import::submit(&plan, &client, &signer).with_context(|| file.display().to_string())?;
    println!("imported {}: {summary}", file.display());
    for line in &summary.differing {
        println!("  already present, not changed: {line}");
    }
    for line in &summary.refused {
        println!("  refused: {line}");
    }
    Ok(summary.refused.is_empty())
}

/// What a file holds when `--format` does not say: a scenario if it is one, ACLED's export
/// if its first line is a CSV header naming `event_id_cnty`, commands otherwise.
fn detect(text: &str) -> Format {
    // A spreadsheet's CSV may start with a byte order mark.
    let header = text.trim_start_matches('\u{feff}').lines().next().unwrap_or("");
    if is_scenario(text) {
        Format::Scenario
    } else if header.split(',').any(|name| name.trim().trim_matches('"') == "event_id_cnty") {
        Format::Acled
    } else {
        Format::Commands
    }
}

/// A scenario file is one JSON object with `steps`.
fn is_scenario(text: &str) -> bool {
    serde_json::from_str::<Value>(text).is_ok_and(|value| value.get("steps").is_some())
}

fn scenario(file: &Path, text: &str, client: &Client, operator: Signer, keys_out: Option<&Path>) -> anyhow::Result<()> {
    let scenario = Scenario::parse(text).map_err(|err| anyhow!("{}: {err}", file.display()))?;
    let signers = load::signers(&scenario, operator);
    let accounts_count = scenario.accounts.len();
    // Written before anything is sent, so that every account registered can sign later.
    if let Some(dir) = keys_out {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (handle, signer) in signers.iter().filter(|(handle, _)| *handle != OPERATOR_HANDLE) {
            datadir::write_secret_key(&dir.join(format!("{handle}.key")), &signer.key)?;
        }
    }
    let progress = progress_bar(scenario.steps.len() as u64, "importing {wide_bar} {pos}/{len} steps ({eta})");
    let loaded = load::load(&scenario, &signers, client, &SystemClock, |_| {}, |_, _| progress.inc(1));
    progress.finish_and_clear();
    let tally = loaded.with_context(|| file.display().to_string())?;
    println!("imported {}: {tally}", file.display());
    match keys_out {
        Some(dir) => println!("the keys of its {accounts_count} accounts are in {}/<handle>.key", dir.display()),
        None => println!("the keys made for its {accounts_count} accounts were not kept (--keys-out DIR keeps them)"),
    }
    Ok(())
}

fn commands(file: &Path, text: &str, client: &Client, signer: &Signer) -> anyhow::Result<()> {
    let commands = lines::parse(text).with_context(|| file.display().to_string())?;
    if commands.is_empty() {
        bail!("{} holds no commands", file.display());
    }
    let clock = ServerClock::read(client)?;
    let progress = progress_bar(commands.len() as u64, "importing {wide_bar} {pos}/{len} commands ({eta})");
    let sent = lines::submit_all(commands, client, signer, &clock, |event| match event {
        lines::Progress::Filled { line, filled } => {
            progress.suspend(|| eprintln!("line {line}: filled {} = {}", filled.path, filled.id));
        }
        lines::Progress::Accepted { .. } => progress.inc(1),
        lines::Progress::Waiting { line, seconds } => {
            progress.suspend(|| eprintln!("line {line}: the server asks to slow down; waiting {seconds} s"));
        }
    });
    progress.finish_and_clear();
    let tally = sent.with_context(|| file.display().to_string())?;
    println!("imported {}: {tally}", file.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_recognised_by_what_it_holds() {
        assert_eq!(detect(r#"{"name": "s", "steps": []}"#), Format::Scenario);
        assert_eq!(detect("\u{feff}event_id_cnty,event_date\nSYR1,2016-12-13\n"), Format::Acled);
        assert_eq!(detect("\"event_date\",\"event_id_cnty\"\n"), Format::Acled);
        assert_eq!(detect(r#"{"type": "register_party"}"#), Format::Commands);
    }
}
