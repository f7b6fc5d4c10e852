//! `truce`: initialise a data directory, serve it, run the demo, make keys, sign and
//! submit commands, import files of them, verify a log offline, and match incidents offline.

mod accounts;
mod acled;
mod backup;
mod batch_match;
mod client;
mod datadir;
mod demo;
mod ids;
mod import;
mod lines;
mod load;
mod remote;
mod serve;

use std::{
    fs,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
    time::Instant,
};

use anyhow::{anyhow, bail, Context as _};
use clap::{Parser, Subcommand};
use serde_json::Value;
use truce_core::{Command, CommandBody, Genesis, Name, Nonce, PublicKeyText};
use truce_ledger::{sign_command, AgeIdentity, Verifier};
use truce_store::{
    verify_log_with_progress, Clock, LogRefusal, Progress as VerifyProgress, StoreError, Submission, SystemClock,
};

use crate::{
    client::{Client, ServerClock, Signer},
    datadir::DataDir,
    ids::Filled,
    lines::Progress,
};

#[derive(Parser)]
#[command(name = "truce", version, about = "Signed, verifiable coordination of ceasefires and safe-passage corridors")]
struct Cli {
    /// A certificate authority (PEM) to trust, beside the web's roots, for `https://`
    /// servers with a self-signed or private certificate.
    #[arg(long, global = true, env = "TRUCE_CA_CERT")]
    ca_cert: Option<PathBuf>,
    /// How log lines are written to stderr: `text` (coloured only on a terminal) or `json`
    /// (one object per line, for a log collector). Which lines: the `TRUCE_LOG` filter
    /// (`tracing` directives, default `truce=info,tower_http=info,warn`).
    #[arg(long, global = true, env = "TRUCE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Create a data directory: the log, its signing key and an operator key.
    Init {
        /// The directory to create.
        #[arg(long, default_value = "data", env = "TRUCE_DATA")]
        data: PathBuf,
        /// The checkpoint origin (a name unique to this log, e.g. `truce.example.org/aleppo`).
        #[arg(long, default_value = "truce.local/log", env = "TRUCE_ORIGIN")]
        origin: String,
    },
    /// Serve the API on a data directory.
    Serve {
        #[arg(long, default_value = "data", env = "TRUCE_DATA")]
        data: PathBuf,
        /// The address to listen on: `host:port`, the host a name (`localhost`) or an address.
        #[arg(long, default_value = "127.0.0.1:8080", env = "TRUCE_LISTEN", value_parser = listen_address)]
        listen: SocketAddr,
        /// Connections open at once at the most; at the cap, the connection idle longest is
        /// closed to let a new one in. Keep it below the open-file limit (`ulimit -n`).
        #[arg(long, default_value_t = truce_server::listen::CONNECTIONS_MAX)]
        connections_max: usize,
        /// Serve HTTPS with this certificate chain (PEM); needs `--tls-key`.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) of `--tls-cert`.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// An origin (`https://host[:port]`) whose pages may call the API from a browser;
        /// repeat for several. None by default: only the server's own pages may.
        #[arg(long = "cors-origin")]
        cors_origins: Vec<String>,
        /// Requests per second one client address may send, sustained (bursts of ten seconds'
        /// worth); 0 for no limit. Loopback is not limited: behind a reverse proxy, limit there.
        #[arg(long, default_value_t = truce_server::REQUESTS_PER_ADDRESS_PER_S)]
        requests_per_address: u32,
        /// Requests per second one account may make, sustained (reads signed in, and commands it
        /// authors), in bursts of ten seconds' worth; 0 for no limit.
        #[arg(long, default_value_t = truce_server::REQUESTS_PER_ACCOUNT_PER_S)]
        requests_per_account: u32,
        /// Serve the operator's metrics (Prometheus text format, `GET /metrics`) on this address, apart
        /// from the API; keep it private (e.g. 127.0.0.1:9464). Off by default.
        #[arg(long, value_parser = listen_address)]
        metrics_listen: Option<SocketAddr>,
        /// Refuse writes (503, reads go on) once the log's database would pass this many bytes,
        /// to keep room on the disk; raise it and restart to write again. No limit by default.
        #[arg(long)]
        log_size_max: Option<u64>,
        /// Mark the session cookie `Secure` though this server speaks plain HTTP: set it when
        /// clients reach it over TLS at a proxy in front of it. Under `--tls-cert`, always.
        #[arg(long)]
        secure_cookies: bool,
        /// A raster tile URL template (`https://host/{z}/{x}/{y}.png`) the web page draws under
        /// its bundled basemap. None by default: the bundled basemap alone, which needs no network.
        #[arg(long)]
        tile_url: Option<String>,
    },
    /// Start a server on a fresh data directory with the Aleppo 2016 scenario loaded.
    Demo {
        /// A new directory for the demo (default: a fresh one under the system temp dir).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The address to listen on: `host:port`, the host a name (`localhost`) or an address.
        #[arg(long, default_value = "127.0.0.1:8080", env = "TRUCE_LISTEN", value_parser = listen_address)]
        listen: SocketAddr,
        /// Load the scenario, print the summary and exit instead of serving.
        #[arg(long)]
        load_only: bool,
        /// A raster tile URL template for the web page, as for `serve`.
        #[arg(long)]
        tile_url: Option<String>,
    },
    /// Manage Ed25519 keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage an account's keys and password on a server.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
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
        /// With JSON lines: send from this line of FILE on (the lines before it were sent by
        /// an earlier run), as the error of a run stopped by a refusal says.
        #[arg(long, value_name = "N")]
        from_line: Option<usize>,
        /// The secret key file to sign with.
        #[arg(long)]
        key: PathBuf,
        /// The account the key is registered to.
        #[arg(long)]
        author: String,
        /// The party the account speaks for (omit for operator-only accounts).
        #[arg(long)]
        party: Option<String>,
        #[arg(long, default_value = "http://127.0.0.1:8080", env = "TRUCE_SERVER")]
        server: String,
    },
    /// Load a scenario file, a JSON-lines file of commands or an ACLED export into a server,
    /// through its API.
    Import {
        /// A scenario (a JSON object with `steps`, like `scenarios/aleppo-2016-12-12.json`),
        /// commands as JSON lines, as `truce submit` takes them, or ACLED's CSV export.
        file: PathBuf,
        /// What FILE holds; without it, a scenario if FILE is one, ACLED's export if its header
        /// names `event_id_cnty`, else commands.
        #[arg(long, value_enum)]
        format: Option<import::Format>,
        /// Check the whole file and print what would be created, sending nothing (ACLED only).
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value = "http://127.0.0.1:8080", env = "TRUCE_SERVER")]
        server: String,
        /// The secret key file to sign with; for a scenario, the operator's, which signs its
        /// steps `as` "operator"; for ACLED, a monitor's or an analyst's.
        #[arg(long, required_unless_present = "dry_run")]
        key: Option<PathBuf>,
        /// The account the key is registered to.
        #[arg(long, required_unless_present = "dry_run")]
        author: Option<String>,
        /// The party the account speaks for (not for a scenario; omit for accounts of no party).
        #[arg(long)]
        party: Option<String>,
        /// For a scenario: a directory to write the new key of each of its accounts to, as
        /// `<handle>.key` (otherwise they are not kept).
        #[arg(long)]
        keys_out: Option<PathBuf>,
    },
    /// Verify a log: offline from a data directory (every signature, hash, event and
    /// checkpoint), or a live log over HTTP with `--server`, from cron with `--state`.
    Verify {
        /// The data directory to verify offline (default `data`).
        #[arg(long, conflicts_with_all = ["server", "state"])]
        data: Option<PathBuf>,
        /// Verify the live log of this server instead: its signed checkpoint, and that the
        /// entries it serves hash to it and extend what the last run saw.
        #[arg(long)]
        server: Option<String>,
        /// With `--server`: a file keeping the log key, the size and root last seen and their
        /// compact range; created on the first run, checked and updated on each later one.
        #[arg(long, requires = "server")]
        state: Option<PathBuf>,
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
    /// Copy a data directory, while it is served, to a new directory that `truce serve` opens
    /// as it is: the log and the other databases as consistent snapshots, the checkpoint and
    /// every key (the sealing key too: without it the copy does not open).
    Backup {
        #[arg(long, default_value = "data", env = "TRUCE_DATA")]
        data: PathBuf,
        /// The new directory to write the copy to.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a shell completion script (`truce completions bash > /etc/bash_completion.d/truce`).
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff; `truce man | man -l -`).
    Man,
    /// Restore a backup made by `truce backup` as a new data directory, once it verifies
    /// whole (sealed entries opened with its sealing key, every command decided again).
    Restore {
        /// The backup directory.
        #[arg(long)]
        from: PathBuf,
        /// The new data directory.
        #[arg(long, env = "TRUCE_DATA")]
        data: PathBuf,
    },
    /// Match a CSV file of incidents against a GeoJSON file of scopes, offline.
    Match {
        /// A GeoJSON FeatureCollection: LineString corridors (`id`, `half_width_m`, `windows`)
        /// and Polygon or MultiPolygon zones (`id`, `windows`), or the server's own
        /// `corridors.geojson` and `zones.geojson`.
        #[arg(long)]
        scopes: PathBuf,
        /// A CSV file with the header `id,lon,lat,uncertainty_m,start,end`, the server's export
        /// of incidents (`/api/v1/exports/incidents`, as CSV or GeoJSON), or ACLED's CSV export
        /// (docs/acled.md).
        #[arg(long)]
        incidents: PathBuf,
        /// Where to write the sorted `incident_id,scope_id` pairs.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Generate a key pair, write the secret key file (PKCS#8 PEM) and print the public key
    /// and its fingerprint.
    New {
        /// Where to write the secret key (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// Encrypt the file with the passphrase in TRUCE_KEY_PASSPHRASE.
        #[arg(long)]
        encrypt: bool,
    },
    /// Print a key file's public key and a short fingerprint to read out over the phone.
    Show {
        /// A key file (PKCS#8 PEM, encrypted with TRUCE_KEY_PASSPHRASE, or the older JSON form).
        file: PathBuf,
    },
    /// Register a key file's key to an account with a one-time enrolment code.
    Enrol {
        #[arg(long, default_value = "http://127.0.0.1:8080", env = "TRUCE_SERVER")]
        server: String,
        /// The code the account's manager was given by `truce account enrolment`.
        #[arg(long)]
        code: String,
        /// The new key, which signs the enrolment.
        #[arg(long)]
        key: PathBuf,
        /// The account to enrol the key to.
        #[arg(long)]
        account: String,
        /// The party the account speaks for (omit for accounts of no party).
        #[arg(long)]
        party: Option<String>,
    },
    /// Generate an age X25519 identity for an account, write it (mode 0600) and print its
    /// encryption key (`age1...`), to set with a `set_encryption_key` command.
    NewEncryption {
        /// Where to write the identity (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Open a one-time enrolment for a new key of an account, and print its code (once).
    Enrolment {
        #[arg(long, default_value = "http://127.0.0.1:8080", env = "TRUCE_SERVER")]
        server: String,
        /// The key of the account that manages the account (its party's coordinator, or the operator).
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        author: String,
        #[arg(long)]
        party: Option<String>,
        /// The account the new key is for.
        #[arg(long)]
        account: String,
        /// Hours until the code expires (at most a week).
        #[arg(long, default_value_t = 24)]
        hours: i64,
    },
    /// Revoke a key of an account (the account itself, or whoever manages it).
    RevokeKey {
        #[arg(long, default_value = "http://127.0.0.1:8080", env = "TRUCE_SERVER")]
        server: String,
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        author: String,
        #[arg(long)]
        party: Option<String>,
        #[arg(long)]
        account: String,
        /// The public key to revoke (base64).
        #[arg(long)]
        public_key: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Set the account's password (from TRUCE_PASSWORD), in a request signed with its key.
    Password {
        #[arg(long, default_value = "http://127.0.0.1:8080", env = "TRUCE_SERVER")]
        server: String,
        /// A key registered to the account.
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        account: String,
        /// The new password; kept out of the command line, where other users could see it.
        #[arg(long = "password-from-env", env = "TRUCE_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

/// The form of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// `host:port` as a socket address, the host a name or an address; a name that resolves to
/// several addresses listens on the first.
fn listen_address(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs as _;
    let mut addresses =
        text.to_socket_addrs().map_err(|err| format!("`{text}` is not host:port that resolves: {err}"))?;
    addresses.next().ok_or_else(|| format!("`{text}` resolves to no address"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("TRUCE_LOG")
        .unwrap_or_else(|_| "truce=info,tower_http=info,warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init(),
        LogFormat::Json => logs.json().with_current_span(false).init(),
    }
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

/// `truce verify --server`: the log served is not consistent with itself or with what the
/// last run saw (a fork, a rollback, altered entries).
const EXIT_LOG_INCONSISTENT: u8 = 6;

/// `truce verify` and `truce restore`: the log does not verify (an entry, a signature, a
/// sealed envelope or a checkpoint is not what it should be), as against missing (4).
const EXIT_LOG_TAMPERED: u8 = 7;

/// The exit status of a failure: its own for a log refused at start (see the README), so
/// that a supervisor tells them from others and does not restart into them; 1 otherwise.
fn exit_code_of(err: &anyhow::Error) -> ExitCode {
    if err.chain().any(|cause| cause.is::<datadir::InUse>()) {
        return ExitCode::from(datadir::EXIT_IN_USE);
    }
    if err.chain().any(|cause| cause.is::<backup::Tampered>()) {
        return ExitCode::from(EXIT_LOG_TAMPERED);
    }
    if err.chain().any(|cause| cause.is::<remote::Inconsistent>()) {
        return ExitCode::from(EXIT_LOG_INCONSISTENT);
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
    if let Some(ca_cert) = cli.ca_cert {
        client::trust_ca(ca_cert);
    }
    match cli.command {
        Commands::Init { data, origin } => {
            let data_dir = init(&data, &origin, Arc::new(SystemClock))?;
            println!("initialised {} (origin {})", data.display(), data_dir.config.origin);
            println!("operator account: {}", data_dir.config.operator_account_id);
            println!("operator key:     {}", data.join(datadir::OPERATOR_KEY_FILE).display());
            println!("log verifier key: {}", fs::read_to_string(data.join(datadir::LOG_VERIFIER_FILE))?.trim());
            Ok(ExitCode::SUCCESS)
        }
        Commands::Serve {
            data,
            listen,
            connections_max,
            tls_cert,
            tls_key,
            cors_origins,
            requests_per_address,
            requests_per_account,
            metrics_listen,
            log_size_max,
            secure_cookies,
            tile_url,
        } => {
            let edge = serve::Edge {
                limits: truce_server::listen::Limits { connections_max, ..Default::default() },
                tls: tls_cert.zip(tls_key),
                cors_origins,
                requests_per_address,
                requests_per_account,
                metrics_listen,
                secure_cookies,
                tile_url,
            };
            let data_dir = DataDir::open(&data)?;
            let clock: Arc<dyn Clock> = Arc::new(SystemClock);
            let node = runtime()?.block_on(async {
                let node = serve::open_node(&data_dir, Arc::clone(&clock))?;
                node.set_size_max(log_size_max);
                serve::start_timekeeper(node.clone(), Arc::clone(&clock), &data_dir)?;
                let scheme = if edge.tls.is_some() { "https" } else { "http" };
                let (address, serving) = serve::bind(node.clone(), clock, listen, &data_dir.path, edge).await?;
                println!("truce serving {} on {scheme}://{address}", data.display());
                serving.await.context("serving")?;
                anyhow::Ok(node)
            })?;
            serve::save_snapshot(&node);
            serve::fold_wal(&data_dir);
            Ok(ExitCode::SUCCESS)
        }
        Commands::Demo { data, listen, load_only, tile_url } => {
            demo::run(data, listen, load_only, tile_url)?;
            Ok(ExitCode::SUCCESS)
        }
        Commands::Keys { command } => keys(command),
        Commands::Account { command } => account(command),
        Commands::Submit { file, lines, from_line, key, author, party, server } => {
            if lines || file.extension().is_some_and(|ext| ext == "jsonl") {
                submit_lines(&file, from_line, &key, &author, party.as_deref(), &server)?;
            } else if from_line.is_some() {
                bail!("--from-line is for files of JSON lines (a name ending in .jsonl, or --lines)");
            } else {
                submit(&file, &key, &author, party.as_deref(), &server)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Commands::Import { file, format, dry_run, server, key, author, party, keys_out } => {
            match import::run(&import::Import { file, format, dry_run, server, key, author, party, keys_out })? {
                true => Ok(ExitCode::SUCCESS),
                false => Ok(ExitCode::FAILURE),
            }
        }
        Commands::Verify { data, server: Some(server), state, checkpoint, log_key, identity } => {
            if data.is_some() || checkpoint.is_some() || identity.is_some() {
                bail!("--server verifies a live log; --data, --checkpoint and --identity are for a data directory");
            }
            verify_remote(&server, state.as_deref(), log_key.as_deref())
        }
        Commands::Verify { data, server: None, state: _, checkpoint, log_key, identity } => verify(
            &data.unwrap_or_else(|| PathBuf::from("data")),
            checkpoint.as_deref(),
            log_key.as_deref(),
            identity.as_deref(),
        ),
        Commands::Backup { data, out } => {
            let copied = backup::run(&data, &out)?;
            println!(
                "backed up {} to {} (log at least {} entries): {}",
                data.display(),
                out.display(),
                copied.checkpoint_size,
                copied.files.join(", ")
            );
            println!("keep it private: it holds the log, sealing and operator keys and the credentials");
            Ok(ExitCode::SUCCESS)
        }
        Commands::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "truce",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Commands::Man => {
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Commands::Restore { from, data } => {
            let report = backup::restore(&from, &data)?;
            println!(
                "restored {} to {}: {} entries verified ({} sealed, every one opened), root {}",
                from.display(),
                data.display(),
                report.entries_count,
                report.sealed_count,
                hex::encode(report.root)
            );
            Ok(ExitCode::SUCCESS)
        }
        Commands::Match { scopes, incidents, out } => {
            batch_match::run(&scopes, &incidents, &out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn keys(command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::New { out, encrypt } => {
            // The public key alone on standard output, as scripts read it; the fingerprint
            // beside it for a person.
            let public_key = accounts::new_key(&out, encrypt)?;
            println!("{}", public_key.to_base64());
            eprintln!("fingerprint: {}", public_key.fingerprint());
        }
        KeysCommand::Show { file } => println!("{}", accounts::show(&file)?),
        KeysCommand::Enrol { server, code, key, account, party } => {
            let receipt = accounts::enrol(&server, &key, &account, party.as_deref(), &code)?;
            println!("enrolled {} to account {account} at seq {}", accounts::show(&key)?, receipt["seq"]);
        }
        KeysCommand::NewEncryption { out } => {
            let identity = AgeIdentity::generate();
            datadir::write_key_text(&out, &identity.to_file_text())?;
            println!("{}", identity.encryption_key());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn account(command: AccountCommand) -> anyhow::Result<ExitCode> {
    match command {
        AccountCommand::Enrolment { server, key, author, party, account, hours } => {
            let signer = Signer::read(&key, &author, party.as_deref())?;
            let (code, expires_at) = accounts::open_enrolment(&server, &signer, &account, hours)?;
            println!("enrolment code: {code}");
            println!("for account {account}, once, until {expires_at}; the log holds only its hash");
        }
        AccountCommand::RevokeKey { server, key, author, party, account, public_key, reason } => {
            let signer = Signer::read(&key, &author, party.as_deref())?;
            let receipt = accounts::revoke_key(&server, &signer, &account, &public_key, reason.as_deref())?;
            println!("revoked {public_key} from account {account} at seq {}", receipt["seq"]);
        }
        AccountCommand::Password { server, key, account, password } => {
            let reply = accounts::set_password(&server, &key, &account, &password)?;
            println!("password set for account {account} at {}", reply["set_at"].as_str().unwrap_or_default());
        }
    }
    Ok(ExitCode::SUCCESS)
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
    print_warnings("", &receipt);
    Ok(())
}

/// Prints the warnings of a receipt (`warnings: [{field, message}]`) to stderr, one a line:
/// accepted, but worth a look.
fn print_warnings(prefix: &str, receipt: &Value) {
    let warnings = receipt.get("warnings").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    for warning in warnings {
        let field = warning.get("field").and_then(Value::as_str).unwrap_or("command");
        let message = warning.get("message").and_then(Value::as_str).unwrap_or("");
        eprintln!("{prefix}warning: {field}: {message}");
    }
}

/// Submits each line of a JSON-lines file in order (from line `from_line` on), stopping at
/// the first refusal.
fn submit_lines(
    file: &Path,
    from_line: Option<usize>,
    key: &Path,
    author: &str,
    party: Option<&str>,
    server: &str,
) -> anyhow::Result<()> {
    let text = fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut commands = lines::parse(&text).with_context(|| file.display().to_string())?;
    if let Some(from_line) = from_line {
        commands.retain(|line| line.number >= from_line);
    }
    if commands.is_empty() {
        match from_line {
            Some(from_line) => bail!("{} holds no commands from line {from_line} on", file.display()),
            None => bail!("{} holds no commands", file.display()),
        }
    }
    let signer = Signer::read(key, author, party)?;
    let client = Client::new(server)?;
    let clock = ServerClock::read(&client)?;
    let sent = lines::submit_all(commands, &client, &signer, &clock, |progress| match progress {
        Progress::Filled { line, filled } => eprintln!("line {line}: filled {} = {}", filled.path, filled.id),
        Progress::Accepted { line, receipt } => {
            println!("line {line}: seq {}", receipt["seq"]);
            print_warnings(&format!("line {line}: "), receipt);
        }
        Progress::Waiting { line, seconds } => {
            eprintln!("line {line}: the server asks to slow down (its rate for this account); waiting {seconds} s");
        }
    });
    // Sending it all again would record the lines before the stop twice, with new ids.
    let tally = sent.map_err(|err| match err.downcast_ref::<lines::Stopped>() {
        Some(stopped) if stopped.recorded_after == Some(false) => anyhow!(
            "{}: {err}\nnothing from line {line} on was recorded; mend it and go on with --from-line {line}",
            file.display(),
            line = stopped.line
        ),
        Some(stopped) => anyhow!(
            "{}: {err}\nthe server may have recorded line {line} and some after it before its reply was lost: \
             read the log's latest entries before going on with --from-line",
            file.display(),
            line = stopped.line
        ),
        None => err.context(file.display().to_string()),
    })?;
    println!("{tally}");
    Ok(())
}

fn verify_remote(server: &str, state_path: Option<&Path>, log_key: Option<&str>) -> anyhow::Result<ExitCode> {
    let state = state_path.map(remote::read_state).transpose()?.flatten();
    let (report, kept) = remote::run(server, log_key, state)?;
    if report.key_pinned_from_server {
        eprintln!(
            "warning: trusting the log key the server gave ({}); pin it with --log-key, checked out of band",
            kept.log_key
        );
    }
    if let Some(path) = state_path {
        remote::write_state(path, &kept)?;
    }
    println!(
        "ok: {} entries, root {}; {} new since the last run, each signed and hashing to the signed checkpoint",
        report.tree_size,
        hex::encode(report.root),
        report.new_entries
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(
    data: &Path,
    checkpoint: Option<&Path>,
    log_key: Option<&str>,
    identity: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let db = data.join(datadir::DB_FILE);
    if !db.exists() {
        return Err(StoreError::Missing { path: db }.into());
    }
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
    // The bar only when stderr is a terminal; the rate is printed either way.
    let progress = batch_match::progress_bar(0, "verifying {wide_bar} {pos}/{len} entries ({per_sec}, {eta})");
    let started = Instant::now();
    let verified =
        verify_log_with_progress(&db, &verifier, older.as_deref(), identity.as_ref(), &mut |step| match step {
            VerifyProgress::Total(total) => progress.set_length(total),
            VerifyProgress::Done(done) => progress.set_position(done),
        });
    progress.finish_and_clear();
    let elapsed_s = started.elapsed().as_secs_f64();
    match verified {
        Ok(report) => {
            println!("ok: {} entries verified, root {}", report.entries_count, hex::encode(report.root));
            println!(
                "ok: in {elapsed_s:.1} s, {:.0} entries per second",
                report.entries_count as f64 / elapsed_s.max(f64::MIN_POSITIVE)
            );
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
            Ok(ExitCode::from(EXIT_LOG_TAMPERED))
        }
    }
}
