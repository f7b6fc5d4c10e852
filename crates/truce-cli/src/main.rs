//! `truce`: initialise a data directory, serve it, run the demo, make keys, sign and
//! submit commands, import files of them, verify a log offline, and match incidents offline.

mod batch_match;
mod client;
mod datadir;
mod demo;
mod ids;
mod import;
mod lines;
mod load;
mod serve;

use std::{
    fs,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
};

use anyhow::{anyhow, bail, Context as _};
use clap::{Parser, Subcommand};
use serde_json::Value;
use truce_core::{Command, CommandBody, Genesis, Name, Nonce, PublicKeyText};
use truce_ledger::{sign_command, AgeIdentity, SecretKey, Verifier};
use truce_store::{verify_log, Clock, LogRefusal, StoreError, Submission, SystemClock};

use crate::{
    client::{Client, ServerClock, Signer},
    datadir::DataDir,
    ids::Filled,
    lines::Progress,
};

#[derive(Parser)]
#[command(name = "truce", version, about = "Signed, verifiable coordination of ceasefires and safe-passage corridors")]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Create a data directory: the log, its signing key and an operator key.
    Init {
        /// The directory to create.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The checkpoint origin (a name unique to this log, e.g. `truce.example.org/aleppo`).
        #[arg(long, default_value = "truce.local/log")]
        origin: String,
    },
    /// Serve the API on a data directory.
    Serve {
        #[arg(long, default_value = "data")]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Connections open at once at the most; at the cap, the connection idle longest is
        /// closed to let a new one in. Keep it below the open-file limit (`ulimit -n`).
        #[arg(long, default_value_t = truce_server::listen::CONNECTIONS_MAX)]
        connections_max: usize,
    },
    /// Start a server on a fresh data directory with the Aleppo 2016 scenario loaded.
    Demo {
        /// A new directory for the demo (default: a fresh one under the system temp dir).
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Load the scenario, print the summary and exit instead of serving.
        #[arg(long)]
        load_only: bool,
    },
    /// Manage Ed25519 keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Sign a command with a key and send it to a server.
    ///
    /// Where the body leaves out the id of a record it creates (the `party_id` of a
    /// `register_party`, the `corridor_id` of a corridor in proposed terms, ...), a fresh
    /// UUIDv7 is filled in and printed to stderr as `filled <path> = <id>`.
    Submit {
        /// A JSON file holding a command body (with its `type`), or a whole command; or, if
        /// its name ends in `.jsonl` or with `--lines`, one of either per line, sent in order
        /// until one is refused (blank lines and lines starting with `#` are skipped).
        file: PathBuf,
        /// Read FILE as JSON lines, whatever its name.
        #[arg(long)]
        lines: bool,
        /// The secret key file to sign with.
        #[arg(long)]
        key: PathBuf,
        /// The account the key is registered to.
        #[arg(long)]
        author: String,
        /// The party the account speaks for (omit for operator-only accounts).
        #[arg(long)]
        party: Option<String>,
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
    },
    /// Load a scenario file or a JSON-lines file of commands into a server, through its API.
    Import {
        /// A scenario (a JSON object with `steps`, like `scenarios/aleppo-2016-12-12.json`), or
        /// commands as JSON lines, as `truce submit` takes them.
        file: PathBuf,
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        /// The secret key file to sign with; for a scenario, the operator's, which signs its
        /// steps `as` "operator".
        #[arg(long)]
        key: PathBuf,
        /// The account the key is registered to.
        #[arg(long)]
        author: String,
        /// The party the account speaks for (JSON lines only; omit for operator-only accounts).
        #[arg(long)]
        party: Option<String>,
        /// For a scenario: a directory to write the new key of each of its accounts to, as
        /// `<handle>.key` (otherwise they are not kept).
        #[arg(long)]
        keys_out: Option<PathBuf>,
    },
    /// Verify a log offline: every signature, hash, event and checkpoint.
    Verify {
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// An older checkpoint (a signed note file) the log must be consistent with.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The log's verifier key (`name+hash+base64`); default: the data directory's log.pub.
        #[arg(long)]
        log_key: Option<String>,
        /// An age identity file (the data directory's sealing.key, or an account's) to open
        /// the sealed entries it is a recipient of; without it, sealed entries are checked
        /// by their envelope only.
        #[arg(long)]
        identity: Option<PathBuf>,
    },
    /// Match a CSV file of incidents against a GeoJSON file of scopes, offline.
    Match {
        /// A GeoJSON FeatureCollection: LineString corridors (`id`, `half_width_m`, `windows`)
        /// and Polygon zones (`id`, `windows`).
        #[arg(long)]
        scopes: PathBuf,
        /// A CSV file with the header `id,lon,lat,uncertainty_m,start,end`.
        #[arg(long)]
        incidents: PathBuf,
        /// Where to write the sorted `incident_id,scope_id` pairs.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Generate a key pair, write the secret key file and print the public key.
    New {
        /// Where to write the secret key (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate an age X25519 identity for an account, write it (mode 0600) and print its
    /// encryption key (`age1...`), to set with a `set_encryption_key` command.
    NewEncryption {
        /// Where to write the identity (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("TRUCE_LOG").unwrap_or_else(|_| "truce=info,warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", sentence(&err));
            exit_code_of(&err)
        }
    }
}

/// The log is missing (a deleted `truce.db`) or holds no entry: `truce serve` refuses it.
const EXIT_LOG_MISSING: u8 = 4;
/// The log does not extend the checkpoint saved beside it (cut short or replaced), or that
/// checkpoint is missing or not the log key's: `truce serve` refuses it.
const EXIT_LOG_NOT_EXTENDING: u8 = 5;

/// The exit status of a failure: its own for a log refused at start (see the README), so
/// that a supervisor tells them from others and does not restart into them; 1 otherwise.
fn exit_code_of(err: &anyhow::Error) -> ExitCode {
    if err.chain().any(|cause| cause.is::<datadir::InUse>()) {
        return ExitCode::from(datadir::EXIT_IN_USE);
    }
    let refusal = err.chain().find_map(|cause| cause.downcast_ref::<StoreError>()?.log_refusal());
    match refusal {
        Some(LogRefusal::Missing) => ExitCode::from(EXIT_LOG_MISSING),
        Some(LogRefusal::NotExtending) => ExitCode::from(EXIT_LOG_NOT_EXTENDING),
        None => ExitCode::FAILURE,
    }
}

/// The error and its causes as one plain sentence.
fn sentence(err: &anyhow::Error) -> String {
    let parts: Vec<String> = err.chain().map(|cause| cause.to_string()).collect();
    parts.join(": ")
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Commands::Init { data, origin } => {
            let data_dir = init(&data, &origin, Arc::new(SystemClock))?;
            println!("initialised {} (origin {})", data.display(), data_dir.config.origin);
            println!("operator account: {}", data_dir.config.operator_account_id);
            println!("operator key:     {}", data.join(datadir::OPERATOR_KEY_FILE).display());
            println!("log verifier key: {}", fs::read_to_string(data.join(datadir::LOG_VERIFIER_FILE))?.trim());
            Ok(ExitCode::SUCCESS)
        }
        Commands::Serve { data, listen, connections_max } => {
            let data_dir = DataDir::open(&data)?;
            let clock: Arc<dyn Clock> = Arc::new(SystemClock);
            runtime()?.block_on(async {
                let node = serve::open_node(&data_dir, Arc::clone(&clock))?;
                serve::start_timekeeper(node.clone(), Arc::clone(&clock), &data_dir)?;
                let limits = truce_server::listen::Limits { connections_max, ..Default::default() };
                let (address, serving) = serve::bind(node, clock, listen, &data_dir.path, limits).await?;
                println!("truce serving {} on http://{address}", data.display());
                serving.await.context("serving")
            })?;
            serve::fold_wal(&data_dir);
            Ok(ExitCode::SUCCESS)
        }
        Commands::Demo { data, listen, load_only } => {
            demo::run(data, listen, load_only)?;
            Ok(ExitCode::SUCCESS)
        }
        Commands::Keys { command: KeysCommand::New { out } } => {
            let key = SecretKey::generate(&mut rand::rngs::OsRng);
            datadir::write_secret_key(&out, &key)?;
            println!("{}", key.public_key().to_base64());
            Ok(ExitCode::SUCCESS)
        }
        Commands::Submit { file, lines, key, author, party, server } => {
            if lines || file.extension().is_some_and(|ext| ext == "jsonl") {
                submit_lines(&file, &key, &author, party.as_deref(), &server)?;
            } else {
                submit(&file, &key, &author, party.as_deref(), &server)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Commands::Import { file, server, key, author, party, keys_out } => {
            import::run(&import::Import { file, server, key, author, party, keys_out })?;
            Ok(ExitCode::SUCCESS)
        }
        Commands::Keys { command: KeysCommand::NewEncryption { out } } => {
            let identity = AgeIdentity::generate();
            datadir::write_secret_file(&out, &identity.to_file_text())?;
            println!("{}", identity.encryption_key());
            Ok(ExitCode::SUCCESS)
        }
        Commands::Verify { data, checkpoint, log_key, identity } => {
            verify(&data, checkpoint.as_deref(), log_key.as_deref(), identity.as_deref())
        }
        Commands::Match { scopes, incidents, out } => {
            batch_match::run(&scopes, &incidents, &out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}

/// Creates the data directory and writes its genesis entry, offline.
pub fn init(path: &Path, origin: &str, clock: Arc<dyn Clock>) -> anyhow::Result<DataDir> {
    let data_dir = datadir::create(path, origin)?;
    let operator_key = data_dir.operator_key()?;
    let now = clock.now();
    let public_key = PublicKeyText::parse(&operator_key.public_key().to_base64()).expect("a public key is 32 bytes");
    let genesis = Command {
        party: None,
        author: data_dir.config.operator_account_id.clone(),
        issued_at: now,
        nonce: Nonce::parse(&client::new_nonce()).expect("a hex nonce of 32 characters"),
        body: CommandBody::Genesis(Genesis {
            operator_account_id: data_dir.config.operator_account_id.clone(),
            operator_name: Name::parse("Operator").expect("a valid name"),
            operator_public_key: public_key,
            log_origin: Name::parse(origin).map_err(|err| anyhow!("origin: {err}"))?,
        }),
    };
    let value = serde_json::to_value(&genesis)?;
    let signature = sign_command(&operator_key, &value).map_err(|err| anyhow!("signing the genesis: {err}"))?;
    let submission = Submission::verify(value, operator_key.public_key(), signature)
        .map_err(|err| anyhow!("the genesis does not verify: {err}"))?;
    let node = serve::create_node(&data_dir, clock)?;
    let receipt = runtime()?
        .block_on(node.submit(submission))
        .map_err(|_| anyhow!("the writer stopped"))?
        .map_err(|err| anyhow!("the genesis was refused: {err}"))?;
    tracing::info!(seq = receipt.seq, "genesis written");
    Ok(data_dir)
}

fn submit(file: &Path, key: &Path, author: &str, party: Option<&str>, server: &str) -> anyhow::Result<()> {
    let text = fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let value: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let signer = Signer::read(key, author, party)?;
    let client = Client::new(server)?;
    let clock = ServerClock::read(&client)?;
    let (command, filled) = client::command_from(value, &signer, &clock).with_context(|| file.display().to_string())?;
    for Filled { path, id } in filled {
        eprintln!("filled {path} = {id}");
    }
    let signed = client::sign(&signer, command)?;
    let receipt = client.submit(&signed)?;
    println!("{}", serde_json::to_string_pretty(&receipt)?);
    Ok(())
}

/// Submits each line of a JSON-lines file in order, stopping at the first refusal.
fn submit_lines(file: &Path, key: &Path, author: &str, party: Option<&str>, server: &str) -> anyhow::Result<()> {
    let text = fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let commands = lines::parse(&text).with_context(|| file.display().to_string())?;
    if commands.is_empty() {
        bail!("{} holds no commands", file.display());
    }
    let signer = Signer::read(key, author, party)?;
    let client = Client::new(server)?;
    let clock = ServerClock::read(&client)?;
    let tally = lines::submit_all(commands, &client, &signer, &clock, |progress| match progress {
        Progress::Filled { line, filled } => eprintln!("line {line}: filled {} = {}", filled.path, filled.id),
        Progress::Accepted { line, receipt } => println!("line {line}: seq {}", receipt["seq"]),
    })
    .with_context(|| file.display().to_string())?;
    println!("{tally}");
    Ok(())
}

fn verify(
    data: &Path,
    checkpoint: Option<&Path>,
    log_key: Option<&str>,
    identity: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let verifier_text = match log_key {
        Some(text) => text.to_owned(),
        None => {
            let path = data.join(datadir::LOG_VERIFIER_FILE);
            fs::read_to_string(&path).with_context(|| format!("reading the log verifier key {}", path.display()))?
        }
    };
    let verifier =
        Verifier::parse(verifier_text.trim()).map_err(|err| anyhow!("the log verifier key is not valid: {err}"))?;
    let older = match checkpoint {
        Some(path) => Some(fs::read_to_string(path).with_context(|| format!("reading checkpoint {}", path.display()))?),
        None => None,
    };
    let identity = match identity {
        Some(path) => {
            let text = fs::read_to_string(path).with_context(|| format!("reading identity {}", path.display()))?;
            Some(AgeIdentity::parse_file_text(&text).map_err(|err| anyhow!("{}: {err}", path.display()))?)
        }
        None => None,
    };
    match verify_log(&data.join(datadir::DB_FILE), &verifier, older.as_deref(), identity.as_ref()) {
        Ok(report) => {
            println!("ok: {} entries verified, root {}", report.entries_count, hex::encode(report.root));
            println!(
                "ok: {} sealed entries: envelopes signed by the log key; {} opened and checked against their commitments",
                report.sealed_count, report.opened_count
            );
            match report.decided_all {
                true => println!("ok: every command decided again and its events matched"),
                false => println!(
                    "ok: every public command decided again on the public entries, and its events matched; sealed entries not opened were passed over"
                ),
            }
            if let Some(size) = report.stored_checkpoint_size {
                println!("ok: the stored checkpoint (tree size {size}) is signed by the log key and consistent");
            }
            if let Some(size) = report.older_checkpoint_size {
                println!("ok: consistent with the given checkpoint (tree size {size})");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            eprintln!("verification failed: {failure}");
            Ok(ExitCode::FAILURE)
        }
    }
}
