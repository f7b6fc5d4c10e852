//! `truce import`: a scenario file or a JSON-lines file of commands, loaded into a server
//! through its HTTP API like any client (no store is opened), with a progress bar and a
//! summary.
//!
//! A scenario (a JSON object with `steps`, see `truce_core::scenario`) is loaded as the demo
//! loads its own (`load`): its `operator` steps are signed with `--key` as `--author`, and
//! every account it registers gets a fresh key, kept only with `--keys-out`. Any other file
//! is read as JSON lines of commands, as `truce submit` reads them (`lines`), all signed with
//! `--key` as `--author` for `--party`.

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::{anyhow, bail, Context as _};
use serde_json::Value;
use truce_core::scenario::{Scenario, OPERATOR_HANDLE};
use truce_store::SystemClock;

use crate::{
    batch_match::progress_bar,
    client::{Client, ServerClock, Signer},
    datadir, lines, load,
};

pub struct Import {
    pub file: PathBuf,
    pub server: String,
    pub key: PathBuf,
    pub author: String,
    pub party: Option<String>,
    pub keys_out: Option<PathBuf>,
}

pub fn run(import: &Import) -> anyhow::Result<()> {
    let file = &import.file;
    let text = fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let signer = Signer::read(&import.key, &import.author, import.party.as_deref())?;
    let client = Client::new(&import.server)?;
    if is_scenario(&text) {
        if import.party.is_some() {
            bail!("--party: a scenario's steps name their own accounts; --key and --author are the operator's");
        }
        scenario(file, &text, &client, signer, import.keys_out.as_deref())
    } else {
        if import.keys_out.is_some() {
            bail!("--keys-out: {} is not a scenario, so no account keys are made", file.display());
        }
        commands(file, &text, &client, &signer)
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
    });
    progress.finish_and_clear();
    let tally = sent.with_context(|| file.display().to_string())?;
    println!("imported {}: {tally}", file.display());
    Ok(())
}
