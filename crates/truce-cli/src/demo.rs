//! `truce demo`: a fresh data directory, the Aleppo 2016 scenario submitted through the
//! HTTP API (each party signing with its own key), and the server left running.
//!
//! The demo runs on the system clock, like `truce serve`: every entry's record time is
//! today. The story's times are valid times carried inside the commands: the parties' acts
//! are reported acts with the `effective_at` the article gives, incidents carry their
//! `when`, estimates their `as_of`. Ask `?at=2016-12-12T...` for the story as it stood, and
//! `?known_at=` for what the log knew at a record time.

use std::{
    collections::{BTreeMap, BTreeSet},
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::{anyhow, Context as _};
use truce_core::scenario::{Scenario, OPERATOR_HANDLE};
use truce_store::{Clock, SystemClock};

use crate::{
    client::{Client, Signer},
    datadir::DataDir,
    load, serve,
};

/// The scenario built from the seed article, shipped inside the binary.
pub const SCENARIO_TEXT: &str = include_str!("../../../scenarios/aleppo-2016-12-12.json");
/// The checkpoint origin of demo logs.
pub const DEMO_ORIGIN: &str = "truce.local/demo-aleppo-2016";

pub fn run(data: Option<PathBuf>, listen: SocketAddr, load_only: bool, tile_url: Option<String>) -> anyhow::Result<()> {
    let scenario = Scenario::parse(SCENARIO_TEXT).map_err(|err| anyhow!("the bundled scenario is invalid: {err}"))?;
    let data = data.unwrap_or_else(|| {
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
        std::env::temp_dir().join(format!("truce-demo-{stamp}"))
    });
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let data_dir = crate::init(&data, DEMO_ORIGIN, clock.clone())?;
    // The same handle, not the directory opened again: this process holds its lock.
    let data_dir_for_wal = data_dir.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let node = serve::open_node(&data_dir, clock.clone())?;
        let (address, serving) = serve::bind(
            node.clone(),
            clock.clone(),
            listen,
            &data_dir.path,
            serve::Edge { tile_url, ..Default::default() },
        )
        .await?;
        let server = tokio::spawn(serving);
        let base_url = format!("http://{address}");
        let loader_url = base_url.clone();
        let loader_clock = Arc::clone(&clock);
        let loaded = tokio::task::spawn_blocking({
            let data_dir = data_dir.clone();
            move || load(&scenario, &data_dir, &loader_url, &loader_clock)
        })
        .await
        .context("the scenario loader stopped")??;
        // Started only now, so that the scenario's own entries keep their places in the log.
        serve::start_timekeeper(node, clock.clone(), &data_dir)?;
        println!(
            "truce demo: {} commands of the Aleppo, 12 December 2016 scenario loaded into {}",
            loaded.commands,
            data.display()
        );
        println!("(the steps dated 13 December are an illustrative second phase, not in the article)");
        println!("the story's times are valid times: ask ?at=2016-12-12T11:00:00Z for the world then, and");
        println!("?known_at=<an instant before this load> to see that none of it was known yet");
        println!("serving on {base_url}");
        println!("  web page:    {base_url}/");
        println!("  agreements:  {base_url}/api/v1/agreements");
        println!("  corridors:   {base_url}/api/v1/corridors.geojson");
        println!("  incidents:   {base_url}/api/v1/incidents");
        println!("  violations:  {base_url}/api/v1/violations");
        println!("  alerts:      {base_url}/api/v1/alerts  (CAP: /api/v1/alerts/<id>.cap, Atom: /api/v1/alerts.atom)");
        println!("  live:        {base_url}/api/v1/stream");
        println!("  checkpoint:  {base_url}/api/v1/ledger/checkpoint");
        println!("  verify:      truce verify --data {}", data.display());
        println!(
            "sign in (POST {base_url}/api/v1/session with account_id and password), one account per role and party;"
        );
        println!("these passwords and one-time key enrolment codes (for the page, valid {ENROLMENT_HOURS} hours) were");
        println!("drawn for this demo directory and exist nowhere else:");
        for sign_in in &loaded.sign_ins {
            let party_id = sign_in.party_id.as_deref().map_or_else(String::new, |id| format!("  party_id {id}"));
            println!(
                "  {:<14} {:<32} account_id {}  password {}  enrolment code {}{party_id}",
                sign_in.roles, sign_in.party, sign_in.account_id, sign_in.password, sign_in.enrolment_code
            );
        }
        println!(
            "a code enrols a key for the page at sign-in, or for the CLI once (`truce keys new --out k.key`, then"
        );
        println!(
            "`truce keys enrol --code CODE --account ACCOUNT_ID --party PARTY_ID --key k.key --server {base_url}`)"
        );
        let sign_ins_path = data.join(SIGN_INS_FILE);
        write_sign_ins(&sign_ins_path, &loaded.sign_ins)?;
        println!("  (also in {})", sign_ins_path.display());
        if load_only {
            server.abort();
            return Ok::<(), anyhow::Error>(());
        }
        server.await.context("the server task failed")?.context("serving")
    })?;
    serve::fold_wal(&data_dir_for_wal);
    Ok(())
}

/// What the demo loaded: the number of commands, and the demo sign-ins.
struct Loaded {
    commands: usize,
    sign_ins: Vec<SignIn>,
}

/// The file of a demo directory listing its sign-ins, for the browser tests and for people.
pub const SIGN_INS_FILE: &str = "demo-signins.json";
/// How long the demo's enrolment codes stay open.
const ENROLMENT_HOURS: i64 = 72;

/// A sign-in of the demo: an account, who it is, the password drawn for it, and a one-time
/// code to enrol a new key (a browser's) to it.
#[derive(serde::Serialize)]
struct SignIn {
    roles: String,
    party: String,
    account_id: String,
    party_id: Option<String>,
    password: String,
    enrolment_code: String,
}

/// Writes the sign-ins as JSON, readable by the owner only (they are secrets of this demo).
fn write_sign_ins(path: &std::path::Path, sign_ins: &[SignIn]) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(sign_ins)?;
    crate::datadir::write_key_text(path, &text).with_context(|| format!("writing {}", path.display()))
}

/// Submits every step, as its account, on the system clock; then gives one account of each
/// role and party (and the operator) a password. Returns the number of commands and those
/// sign-ins.
fn load(scenario: &Scenario, data_dir: &DataDir, base_url: &str, clock: &Arc<dyn Clock>) -> anyhow::Result<Loaded> {
    let client = Client::new(base_url)?;
    let operator =
        Signer { key: data_dir.operator_key()?, author: data_dir.config.operator_account_id.clone(), party: None };
    let signers = load::signers(scenario, operator);
    let tally =
        load::load(scenario, &signers, &client, clock.as_ref(), |_| {}, |_, _| {}).context("the bundled scenario")?;
    let checkpoint = client.get_text("/api/v1/ledger/checkpoint")?;
    tracing::info!(checkpoint = checkpoint.lines().nth(1).unwrap_or_default(), "scenario loaded");
    let sign_ins = demo_sign_ins(scenario, &signers, &client, clock.as_ref(), base_url)?;
    Ok(Loaded { commands: tally.accepted, sign_ins })
}

/// Passwords for the operator and for the first account of each role in each party, each
/// set by a request signed with the account's key, as `truce account password` does; and an
/// enrolment for each, opened by whoever manages the account, as `truce account enrolment` does.
fn demo_sign_ins(
    scenario: &Scenario,
    signers: &BTreeMap<String, Signer>,
    client: &Client,
    clock: &dyn Clock,
    base_url: &str,
) -> anyhow::Result<Vec<SignIn>> {
    let mut seen = BTreeSet::new();
    let mut sign_ins = Vec::new();
    let operator = &signers[OPERATOR_HANDLE];
    let mut chosen = vec![(OPERATOR_HANDLE.to_owned(), "operator".to_owned(), "no party".to_owned())];
    for account in &scenario.accounts {
        let roles: Vec<&str> = account.roles.iter().map(|role| role.as_str()).collect();
        let party = account.party_id.as_ref().map_or_else(|| "no party".to_owned(), |p| p.to_string());
        if seen.insert((roles.join(","), party)) {
            chosen.push((account.handle.clone(), roles.join(","), account.name.as_str().to_owned()));
        }
    }
    for (handle, roles, who) in chosen {
        let signer = if handle == OPERATOR_HANDLE { operator } else { &signers[&handle] };
        let password = demo_password();
        crate::accounts::set_password_with(client, &signer.key, &signer.author, &password, clock.now())
            .with_context(|| format!("setting the demo password of {handle}"))?;
        let manager = manager_of(scenario, signers, &handle);
        let (enrolment_code, _) =
            crate::accounts::open_enrolment(base_url, manager, &signer.author.text(), ENROLMENT_HOURS)
                .with_context(|| format!("opening an enrolment for {handle}"))?;
        sign_ins.push(SignIn {
            roles,
            party: who,
            account_id: signer.author.to_string(),
            party_id: signer.party.as_ref().map(ToString::to_string),
            password,
            enrolment_code,
        });
    }
    Ok(sign_ins)
}

/// Who may open an enrolment for the account of `handle` (docs/roles.md): the operator for
/// accounts of no party; for a party's, one of its coordinators, else its first account (the
/// scenario registers a party's accounts in its order).
fn manager_of<'s>(scenario: &Scenario, signers: &'s BTreeMap<String, Signer>, handle: &str) -> &'s Signer {
    let operator = &signers[OPERATOR_HANDLE];
    let Some(party) = scenario.accounts.iter().find(|a| a.handle == handle).and_then(|a| a.party_id.as_ref()) else {
        return operator;
    };
    let of_party = || scenario.accounts.iter().filter(|a| a.party_id.as_ref() == Some(party));
    let coordinator = of_party().find(|a| a.roles.iter().any(|role| role.as_str() == "coordinator"));
    match coordinator.or_else(|| of_party().next()) {
        Some(account) => &signers[&account.handle],
        None => operator,
    }
}

/// 20 random letters and digits (about 119 bits).
fn demo_password() -> String {
    use rand::Rng as _;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect()
}
