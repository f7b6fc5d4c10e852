//! The server under load: a `truce serve` this run starts on a fresh data directory, or
//! one already running that the caller names.
//!
//! A spawned server listens on 127.0.0.1 only, on a port the OS picks, and is killed when
//! its handle is dropped, so no run leaves one behind.

use std::{
    env,
    fs::File,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context as _};

/// How long a fresh server may take to print its address and answer.
const START_TIMEOUT: Duration = Duration::from_secs(30);

pub struct SpawnedServer {
    child: Child,
    pub base_url: String,
    pub data: PathBuf,
    pub log_path: PathBuf,
    // Removed when the run ends, after the server is killed (fields drop in order).
    _temp_dir: tempfile::TempDir,
}

/// The `truce` binary: `explicit` if given, else the one next to this executable (both are
/// built into the same target directory by `cargo build --release -p truce-cli`).
///
/// # Errors
/// No such file.
pub fn find_truce_binary(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let path = match explicit {
        Some(path) => path,
        None => {
            let exe = env::current_exe().context("finding this executable")?;
            exe.parent().ok_or_else(|| anyhow!("this executable has no directory"))?.join("truce")
        }
    };
    if !path.is_file() {
        bail!(
            "no truce binary at {}; build it first with `cargo build --release -p truce-cli`, or pass --truce PATH",
            path.display()
        );
    }
    Ok(path)
}

impl SpawnedServer {
    /// Initialises a data directory in a fresh temporary directory and serves it.
    ///
    /// # Errors
    /// `truce init` fails, or the server does not start and answer in time.
    pub fn start(truce: &Path) -> anyhow::Result<SpawnedServer> {
        let temp_dir = tempfile::tempdir().context("creating a temporary directory")?;
        let data = temp_dir.path().join("data");
        let output = Command::new(truce)
            .args(["init", "--data"])
            .arg(&data)
            .args(["--origin", "load.test/log"])
            .output()
            .with_context(|| format!("running {} init", truce.display()))?;
        if !output.status.success() {
            bail!("truce init failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        let log_path = temp_dir.path().join("server.log");
        let log = File::create(&log_path).context("creating the server log")?;
        let mut child = Command::new(truce)
            .args(["serve", "--data"])
            .arg(&data)
            .args(["--listen", "127.0.0.1:0"])
            // The load is the point: no limit on what one account may send.
            .args(["--requests-per-account", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {} serve", truce.display()))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("the server's stdout is not piped"))?;
        let mut server = SpawnedServer { child, base_url: String::new(), data, log_path, _temp_dir: temp_dir };
        server.base_url = read_address(stdout)?;
        wait_until_answering(&server.base_url)?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for SpawnedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads the server's stdout until it prints `... on http://ADDRESS`.
fn read_address(stdout: std::process::ChildStdout) -> anyhow::Result<String> {
    let (lines_tx, lines_rx) = mpsc::channel();
    // The thread ends when the server closes its stdout, i.e. when it exits.
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let line = lines_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .map_err(|err| anyhow!("the server printed no address: {err}"))?;
        if let Some((_, address)) = line.rsplit_once(" on ") {
            if address.starts_with("http://") {
                return Ok(address.trim().to_owned());
            }
        }
    }
}

fn wait_until_answering(base_url: &str) -> anyhow::Result<()> {
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(5)).build()?;
    let url = format!("{base_url}/api/v1/ledger/checkpoint");
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match http.get(&url).send() {
            Ok(response) if response.status().is_success() => return Ok(()),
            outcome if Instant::now() >= deadline => bail!("the server at {base_url} does not answer: {outcome:?}"),
            _ => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// The tree size of the server's latest checkpoint (its second line).
///
/// # Errors
/// The server does not answer or the note is malformed.
pub fn tree_size(base_url: &str) -> anyhow::Result<u64> {
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let note = http.get(format!("{base_url}/api/v1/ledger/checkpoint")).send()?.error_for_status()?.text()?;
    let size_line = note.lines().nth(1).ok_or_else(|| anyhow!("the checkpoint has no size line"))?;
    size_line.parse().with_context(|| format!("the checkpoint size {size_line:?} is not a number"))
}
