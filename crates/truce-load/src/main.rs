//! `truce-load`: the write bar of docs/design.md section 9, measured end to end.
//!
//! It starts a `truce serve` on a fresh data directory (or uses one already running),
//! signs N `register_party` commands before any timing, sends them over HTTP, and reports
//! accepted commands per second and acknowledgement latencies. In the same run it times
//! single-thread Ed25519 `verify_strict` as the yardstick, since these machines are noisy
//! and only a ratio taken side by side means much.
//!
//! It measures; it asserts no bar. It exits non-zero only when the run itself went wrong
//! (a failed request, or a log that did not grow by the number of acknowledgements).

mod backlog;
mod commands;
mod cpu;
mod drive;
mod fanout;
mod make_log;
mod proofs;
mod reads;
mod server;
mod yardstick;

use std::{
    path::PathBuf,
    process::ExitCode,
    sync::{atomic::AtomicBool, Arc},
    time::{Duration, Instant},
};

use anyhow::{bail, Context as _};
use bytes::Bytes;
use clap::Parser;

use crate::{
    commands::{presign, Operator},
    cpu::CpuUse,
    drive::Outcome,
    server::SpawnedServer,
    yardstick::VerifyRates,
};

/// The write bar: accepted signed commands per second on 2 cores.
const WRITES_PER_S_GOAL: f64 = 10_000.0;
/// The latency bar at half that rate: p99 acknowledgement, in milliseconds.
const LATENCY_MS_P99_GOAL: f64 = 20.0;
/// Commands are signed before the run with one `issued_at`, which the server accepts for
/// 600 s (`ISSUED_AT_SKEW_S_MAX`); a run stops well before that.
const RUN_S_MAX: u64 = 480;
/// The cores the bar is set on.
const SERVER_CORES: f64 = 2.0;

#[derive(Parser)]
#[command(name = "truce-load", about = "Measure signed writes per second and acknowledgement latency of truce serve")]
struct Args {
    /// Commands to send, each signed before the timing starts.
    #[arg(long, default_value_t = 50_000)]
    requests: usize,
    /// Connections: each sends back to back (closed loop), or at most this many are open
    /// (open loop).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Send the commands this many to a request, as one batch (`POST /api/v1/commands/batch`,
    /// at most 256), rather than one each (`POST /api/v1/commands`, 1); latencies are then a
    /// whole batch's.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Stop sending after this many seconds, whatever is left.
    #[arg(long, default_value_t = 120)]
    seconds: u64,
    /// Open loop instead: send this many requests per second (commands, or batches of
    /// --batch), whatever the server does, and report latencies from when each was due.
    #[arg(long)]
    rate: Option<u32>,
    /// Use this running server instead of starting one (with --data).
    #[arg(long, requires = "data")]
    server: Option<String>,
    /// The data directory of --server: its operator key signs the commands.
    #[arg(long, requires = "server")]
    data: Option<PathBuf>,
    /// The `truce` binary to start (default: the one next to this executable).
    #[arg(long, env = "TRUCE_BIN")]
    truce: Option<PathBuf>,
    /// Signatures to verify for the single-thread yardstick.
    #[arg(long, default_value_t = 20_000)]
    verify_count: usize,
    /// Worker threads of the load client's runtime; 1 leaves the most CPU to the server.
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Write every acknowledgement as `sent_ms,latency_ms` to this CSV file, to see when
    /// the slow ones happened.
    #[arg(long)]
    latency_csv: Option<PathBuf>,
    /// Measure the live bar instead: open this many event streams and time how long each
    /// of `--rounds` alerts takes to reach all of them.
    #[arg(long)]
    streams: Option<usize>,
    /// Alerts to time with --streams, one after another.
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// With --streams: also send signed `register_party` commands at this rate (open loop,
    /// over at most --concurrency connections) from a second before the first alert until
    /// the last round ends, and report their rate and latencies beside the alerts'. At most
    /// --requests are signed, before the streams open.
    #[arg(long, requires = "streams")]
    write_rate: Option<u32>,
    /// Measure memory per resumed stream instead: raise --backlog-alerts alerts, then open
    /// this many event streams resumed from `Last-Event-ID: 0.0` that never read, and report
    /// how much the spawned server's resident memory grew.
    #[arg(long, conflicts_with_all = ["streams", "server"])]
    resumed_streams: Option<usize>,
    /// Alerts in the backlog of --resumed-streams.
    #[arg(long, default_value_t = 3_000)]
    backlog_alerts: usize,
    /// Measure proofs instead: ask this many inclusion and consistency proofs (half each)
    /// over --concurrency connections, each verified. A spawned server is first sent
    /// --requests commands, so that the log has entries to prove.
    #[arg(long)]
    proofs: Option<usize>,
    /// Make a data directory here (it must not exist) holding a log of --entries realistic
    /// entries, each a signed command accepted by the store, instead of measuring writes.
    #[arg(long, conflicts_with_all = ["streams", "server", "resumed_streams"])]
    make_log: Option<PathBuf>,
    /// Grow the data directory here (made by --make-log) to --entries entries with
    /// `register_party` commands by its operator, each signed and accepted by the store: a log
    /// of 10,000,000 entries for --proofs without telling nine million more stories.
    #[arg(long, conflicts_with_all = ["streams", "server", "resumed_streams", "make_log"])]
    extend: Option<PathBuf>,
    /// Entries in the log of --make-log or --extend, the genesis entry included.
    #[arg(long, default_value_t = 1_000_000)]
    entries: usize,
    /// Measure the read bar instead: load --incidents incidents (those an earlier run loaded
    /// into --server are kept), then drive a mix of filtered reads with --concurrency
    /// connections for --seconds, and the same against `/healthz`.
    #[arg(long, conflicts_with_all = ["streams", "resumed_streams", "rate"])]
    reads: bool,
    /// Incidents of --reads.
    #[arg(long, default_value_t = 1_000_000)]
    incidents: usize,
    /// The process id of --server, so that --reads and --proofs can report the server's CPU
    /// per request.
    #[arg(long, requires = "server")]
    server_pid: Option<u32>,
}

/// Where the commands go.
enum Target {
    Spawned { server: SpawnedServer, truce: PathBuf },
    External { base_url: String, data: PathBuf },
}

impl Target {
    fn base_url(&self) -> &str {
        match self {
            Target::Spawned { server, .. } => &server.base_url,
            Target::External { base_url, .. } => base_url,
        }
    }
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(err) => {
            let causes: Vec<String> = err.chain().map(ToString::to_string).collect();
            eprintln!("error: {}", causes.join(": "));
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.seconds > RUN_S_MAX {
        bail!("--seconds must be at most {RUN_S_MAX}: the commands are signed up front and expire after 600 s");
    }
    if args.requests == 0
        || args.concurrency == 0
        || args.client_threads == 0
        || args.rate == Some(0)
        || args.write_rate == Some(0)
    {
        bail!("--requests, --concurrency, --client-threads, --rate and --write-rate must be positive");
    }
    if args.batch == 0 || args.batch > truce_store::CHAIN_LEN_MAX {
        bail!("--batch takes 1 to {} commands a request", truce_store::CHAIN_LEN_MAX);
    }
    if let Some(dir) = &args.make_log {
        let truce = server::find_truce_binary(args.truce.clone())?;
        make_log::make_log(&truce, dir, args.entries)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = &args.extend {
        make_log::extend(dir, args.entries)?;
        return Ok(ExitCode::SUCCESS);
    }
    let target = match (args.server.clone(), args.data.clone()) {
        (Some(base_url), Some(data)) => Target::External { base_url: base_url.trim_end_matches('/').to_owned(), data },
        _ => {
            let truce = server::find_truce_binary(args.truce.clone())?;
            eprintln!("starting {} serve on a fresh data directory", truce.display());
            Target::Spawned { server: SpawnedServer::start(&truce)?, truce }
        }
    };
    let data = match &target {
        Target::Spawned { server, .. } => server.data.clone(),
        Target::External { data, .. } => data.clone(),
    };
    let operator = Operator::read(&data)?;
    if let Some(streams) = args.streams {
        return fan_out(&args, &target, &operator, streams);
    }
    if let Some(streams) = args.resumed_streams {
        return resumed_streams(&args, &target, &operator, streams);
    }
    if let Some(count) = args.proofs {
        return proofs(&args, &target, &operator, count);
    }
    if args.reads {
        return reads(&args, &target, &operator);
    }

    eprintln!("signing {} commands", args.requests);
    let signing_start = Instant::now();
    let presigned = presign(&operator, args.requests, args.verify_count)?;
    let signing = signing_start.elapsed();

    let tree_size_before = server::tree_size(target.base_url())?;
    let pid = match &target {
        Target::Spawned { server, .. } => Some(server.pid().to_string()),
        Target::External { .. } => None,
    };
    let server_cpu_before = pid.as_deref().and_then(cpu::sample);
    let client_cpu_before = cpu::sample("self");
    let machine_busy_before = cpu::machine_busy_ticks();
    eprintln!("sending to {}", target.base_url());
    let outcome = send_all(&args, target.base_url(), presigned.bodies)?;
    let server_cpu = server_cpu_before.zip(pid.as_deref().and_then(cpu::sample)).map(|(a, b)| a.until(&b));
    let client_cpu = client_cpu_before.zip(cpu::sample("self")).map(|(a, b)| a.until(&b));
    let machine_busy_s = machine_busy_before
        .zip(cpu::machine_busy_ticks())
        .map(|(before, after)| cpu::ticks_to_s(after.saturating_sub(before)));
    let tree_size_after = server::tree_size(target.base_url())?;

    let description = match &target {
        Target::Spawned { truce, server } => {
            format!("spawned {} at {} (log: {})", truce.display(), server.base_url, server.log_path.display())
        }
        Target::External { base_url, .. } => format!("existing server at {base_url}"),
    };
    // The yardstick runs with the server stopped, so the two do not share the cores.
    drop(target);
    eprintln!("timing single-thread signature verification");
    let verify = yardstick::measure(&operator.key.public_key(), &presigned.samples)?;

    let report = Report {
        args: &args,
        description,
        signing,
        outcome: &outcome,
        log_growth: tree_size_after.saturating_sub(tree_size_before),
        server_cpu,
        client_cpu,
        machine_busy_s,
        verify,
    };
    report.print();
    if let Some(path) = &args.latency_csv {
        write_latency_csv(path, &outcome)?;
        println!("latencies written to {}", path.display());
    }
    let log_matches = report.log_growth == outcome.accepted_count() || args.server.is_some();
    if outcome.errors_count() > 0 || outcome.not_sent_count > 0 || !log_matches {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// The live bar: alerts to `streams` subscribers.
fn fan_out(args: &Args, target: &Target, operator: &Operator, streams: usize) -> anyhow::Result<ExitCode> {
    if streams == 0 || args.rounds == 0 {
        bail!("--streams and --rounds must be positive");
    }
    let runtime = match args.client_threads {
        1 => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        threads => tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build(),
    }
    .context("starting the client runtime")?;
    let pid = match target {
        Target::Spawned { server, .. } => Some(server.pid().to_string()),
        Target::External { .. } => None,
    };
    let writes = match args.write_rate {
        None => None,
        Some(rate) => {
            eprintln!("signing {} commands for the writes beside the alerts", args.requests);
            let presigned = presign(operator, args.requests, 0)?;
            Some(fanout::Writes {
                endpoint: drive::Endpoint::parse(target.base_url(), "/api/v1/commands")?,
                bodies: Arc::new(presigned.bodies.into_iter().map(Bytes::from).collect()),
                rate,
                connections_max: args.concurrency,
            })
        }
    };
    let report =
        runtime.block_on(fanout::run(target.base_url(), operator, streams, args.rounds, pid.as_deref(), writes))?;
    report.print();
    let writes_failed =
        report.writes.as_ref().is_some_and(|w| w.outcome.errors_count() > 0 || w.outcome.not_sent_count > 0);
    Ok(if report.missed_rounds == 0 && !writes_failed { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// The read bar: filtered reads of many incidents beside a trivial route.
fn reads(args: &Args, target: &Target, operator: &Operator) -> anyhow::Result<ExitCode> {
    if args.incidents == 0 {
        bail!("--incidents must be positive");
    }
    let server_pid = match target {
        Target::Spawned { server, .. } => Some(server.pid().to_string()),
        Target::External { .. } => args.server_pid.map(|pid| pid.to_string()),
    };
    let reads_args = reads::ReadsArgs {
        incidents: args.incidents,
        concurrency: args.concurrency,
        seconds: args.seconds,
        server_pid,
    };
    let report = reads::run(target.base_url(), operator, &reads_args)?;
    report.print();
    Ok(if report.errors_count() == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// Memory per stream resumed from the start of a long backlog.
fn resumed_streams(args: &Args, target: &Target, operator: &Operator, streams: usize) -> anyhow::Result<ExitCode> {
    if streams == 0 || args.backlog_alerts == 0 {
        bail!("--resumed-streams and --backlog-alerts must be positive");
    }
    let Target::Spawned { server, .. } = target else {
        bail!("--resumed-streams reads the memory of a server it starts; leave out --server");
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the client runtime")?;
    let pid = server.pid().to_string();
    let report = runtime.block_on(backlog::run(&server.base_url, operator, streams, args.backlog_alerts, &pid))?;
    report.print();
    Ok(ExitCode::SUCCESS)
}

/// Proofs through HTTP, after filling a spawned server's log.
fn proofs(args: &Args, target: &Target, operator: &Operator, count: usize) -> anyhow::Result<ExitCode> {
    if count == 0 {
        bail!("--proofs must be positive");
    }
    let pid = match target {
        Target::Spawned { server, .. } => Some(server.pid().to_string()),
        Target::External { .. } => args.server_pid.map(|pid| pid.to_string()),
    };
    if let Target::Spawned { .. } = target {
        eprintln!("signing and sending {} commands to fill the log", args.requests);
        let presigned = presign(operator, args.requests, 1)?;
        let outcome = send_all(args, target.base_url(), presigned.bodies)?;
        if outcome.errors_count() > 0 || outcome.not_sent_count > 0 {
            bail!("filling the log failed: {} errors, {} not sent", outcome.errors_count(), outcome.not_sent_count);
        }
    }
    let tree_size = server::tree_size(target.base_url())?;
    eprintln!("asking {count} proofs of a log of {tree_size} entries");
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the client runtime")?;
    let report =
        runtime.block_on(proofs::run(target.base_url(), tree_size, count, args.concurrency, pid.as_deref()))?;
    report.print();
    Ok(ExitCode::SUCCESS)
}

fn send_all(args: &Args, base_url: &str, bodies: Vec<Vec<u8>>) -> anyhow::Result<Outcome> {
    let runtime = match args.client_threads {
        1 => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        threads => tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build(),
    }
    .context("starting the client runtime")?;
    let (path, bodies) = match args.batch {
        1 => ("/api/v1/commands", bodies),
        size => ("/api/v1/commands/batch", batches(bodies, size)),
    };
    let endpoint = drive::Endpoint::parse(base_url, path)?;
    let bodies: Arc<Vec<Bytes>> = Arc::new(bodies.into_iter().map(Bytes::from).collect());
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let outcome = match args.rate {
        Some(rate) => runtime.block_on(drive::open_loop(
            endpoint,
            bodies,
            rate,
            args.concurrency,
            deadline,
            Arc::new(AtomicBool::new(false)),
        )),
        None => runtime.block_on(drive::closed_loop(endpoint, bodies, args.concurrency, deadline)),
    };
    Ok(outcome)
}

/// Signed command bodies, `size` to a batch's body: `{"commands": [...]}`.
fn batches(bodies: Vec<Vec<u8>>, size: usize) -> Vec<Vec<u8>> {
    bodies
        .chunks(size)
        .map(|chunk| {
            let mut body = b"{\"commands\":[".to_vec();
            for (index, command) in chunk.iter().enumerate() {
                if index > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(command);
            }
            body.extend_from_slice(b"]}");
            body
        })
        .collect()
}

struct Report<'a> {
    args: &'a Args,
    description: String,
    signing: Duration,
    outcome: &'a Outcome,
    log_growth: u64,
    server_cpu: Option<CpuUse>,
    client_cpu: Option<CpuUse>,
    /// CPU seconds the whole machine spent during the run, all processes.
    machine_busy_s: Option<f64>,
    verify: VerifyRates,
}

impl Report<'_> {
    fn print(&self) {
        let outcome = self.outcome;
        let wall_s = outcome.wall().as_secs_f64();
        let accepted = outcome.accepted_count();
        let accepted_per_s = if wall_s > 0.0 { accepted as f64 / wall_s } else { 0.0 };
        let mode = match self.args.rate {
            Some(rate) => format!(
                "open loop at {rate} {}/s over at most {} connections (latency from when each was due)",
                if self.args.batch == 1 { "commands" } else { "requests" },
                self.args.concurrency
            ),
            None => format!("closed loop, {} connections", self.args.concurrency),
        };
        let mode = match self.args.batch {
            1 => mode,
            size => format!("{mode}; {size} commands a request (POST /api/v1/commands/batch), latencies per batch"),
        };
        let p99_ms = outcome.latency_ms(0.99);
        println!();
        println!("==================== truce-load summary ====================");
        println!("server                 {}", self.description);
        println!("mode                   {mode}; client runtime threads: {}", self.args.client_threads);
        println!(
            "commands               {} signed before timing ({:.1} s), {} sent",
            self.args.requests,
            self.signing.as_secs_f64(),
            outcome.sent_count
        );
        println!("accepted (201)         {accepted}; the log grew by {} entries", self.log_growth);
        println!("errors                 {}{}", outcome.errors_count(), error_list(outcome));
        println!("connections opened     {}", outcome.connections_opened_count);
        if outcome.not_sent_count > 0 {
            println!("not sent               {} (client in-flight cap reached)", outcome.not_sent_count);
        }
        println!("wall clock             {wall_s:.3} s from first send to last acknowledgement");
        println!("accepted per second    {accepted_per_s:.0}");
        println!(
            "latency ms             p50 {:.2}  p99 {p99_ms:.2}  max {:.2}",
            outcome.latency_ms(0.5),
            outcome.latency_ms(1.0)
        );
        if let Some(cpu) = &self.server_cpu {
            print_cpu("server CPU", cpu, wall_s, accepted);
        }
        if let Some(cpu) = &self.client_cpu {
            print_cpu("load client CPU", cpu, wall_s, accepted);
        }
        if let Some(machine_s) = self.machine_busy_s {
            let ours_s = self.server_cpu.as_ref().map_or(0.0, |cpu| cpu.total_s)
                + self.client_cpu.as_ref().map_or(0.0, |cpu| cpu.total_s);
            let others_s = (machine_s - ours_s).max(0.0);
            // Other work on the machine takes cores from the server: a noisy run, not a slow server.
            println!(
                "other processes CPU    {others_s:.2} s = {:.2} cores{}",
                others_s / wall_s,
                if others_s / wall_s > 0.1 { " (the machine was busy: take these figures with care)" } else { "" }
            );
        }
        if let Some(cpu) = self.server_cpu.as_ref().filter(|cpu| cpu.total_s > 0.0) {
            // Derived, not measured: what the server's CPU cost per command would allow if
            // the load client did not share the cores with it.
            println!(
                "server alone, derived  {:.0} commands/s on {SERVER_CORES} cores at this CPU cost per command",
                SERVER_CORES * accepted as f64 / cpu.total_s
            );
        }
        println!(
            "yardstick, 1 thread    verify_strict {:.0}/s ({:.1} us each); verify_command (JCS + verify) {:.0}/s; \
             over {} signatures",
            self.verify.strict_per_s,
            1e6 / self.verify.strict_per_s,
            self.verify.command_per_s,
            self.verify.signatures_count
        );
        println!(
            "ratio                  accepted/s : verify_strict/s = {:.3} (the 10k/s goal is {:.3} here)",
            accepted_per_s / self.verify.strict_per_s,
            WRITES_PER_S_GOAL / self.verify.strict_per_s
        );
        match self.args.rate {
            None => println!(
                "goal                   >= {WRITES_PER_S_GOAL:.0} accepted/s on 2 cores: {}",
                verdict(accepted_per_s >= WRITES_PER_S_GOAL)
            ),
            Some(rate) => println!(
                "goal                   p99 < {LATENCY_MS_P99_GOAL:.0} ms at {rate}/s (the bar is at 5000/s): {}",
                verdict(p99_ms < LATENCY_MS_P99_GOAL)
            ),
        }
        println!("=============================================================");
    }
}

fn write_latency_csv(path: &std::path::Path, outcome: &Outcome) -> anyhow::Result<()> {
    let mut rows: Vec<(u64, u64)> =
        outcome.sent_offsets_us.iter().copied().zip(outcome.latencies_us.iter().copied()).collect();
    rows.sort_unstable();
    let mut text = String::from("sent_ms,latency_ms\n");
    for (sent_us, latency_us) in rows {
        text.push_str(&format!("{:.3},{:.3}\n", sent_us as f64 / 1000.0, latency_us as f64 / 1000.0));
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn print_cpu(label: &str, cpu: &CpuUse, wall_s: f64, accepted: u64) {
    let per_command_us = if accepted > 0 { cpu.total_s * 1e6 / accepted as f64 } else { f64::NAN };
    let cores = if wall_s > 0.0 { cpu.total_s / wall_s } else { f64::NAN };
    let threads: Vec<String> =
        cpu.by_thread_name.iter().map(|(name, seconds)| format!("{name} {seconds:.2} s")).collect();
    println!(
        "{label:<22} {:.2} s = {cores:.2} cores, {per_command_us:.0} us per accepted command ({})",
        cpu.total_s,
        threads.join(", ")
    );
}

fn error_list(outcome: &Outcome) -> String {
    if outcome.errors.is_empty() {
        return String::new();
    }
    let kinds: Vec<String> = outcome.errors.iter().map(|(kind, count)| format!("{kind}: {count}")).collect();
    format!(" ({})", kinds.join(", "))
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}
