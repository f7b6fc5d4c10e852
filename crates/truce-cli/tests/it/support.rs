//! What the integration tests share: a real `truce serve` on a free port, and running the
//! `truce` binary.

use std::{
    fs,
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Output, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

/// Debug builds replay the whole log on start; this bounds a start, not a normal one.
pub const SERVER_START_TIMEOUT: Duration = Duration::from_secs(60);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A running `truce serve`; dropping it kills the process, so no test failure leaves one.
pub struct Server {
    child: Child,
    pub base_url: String,
}

impl Server {
    pub fn start(data: &Path, log_path: &Path) -> Server {
        let log = fs::File::create(log_path).expect("creating the server log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_truce"))
            .args(["serve", "--data", path_str(data), "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("starting truce serve");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut server = Server { child, base_url: String::new() };
        // The server prints its bound address; port 0 lets the OS pick a free one.
        let (lines_tx, lines_rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + SERVER_START_TIMEOUT;
        let line = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) if line.contains(" on http://") => break line,
                Ok(_) => continue,
                Err(err) => panic!("truce serve printed no address ({err}); see {}", log_path.display()),
            }
        };
        let address = line.rsplit(" on ").next().expect("split yields one part").trim();
        server.base_url = address.to_owned();
        wait_until_answering(&server.base_url, deadline);
        server
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reap. Killing twice is harmless.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn wait_until_answering(base_url: &str, deadline: Instant) {
    let http = http_client();
    let url = format!("{base_url}/api/v1/ledger/checkpoint");
    loop {
        match http.get(&url).send() {
            Ok(response) if response.status().is_success() => return,
            outcome => {
                assert!(Instant::now() < deadline, "the server at {base_url} does not answer: {outcome:?}");
                thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Runs `truce` to completion, asserts it succeeded and returns its standard output.
pub fn run_truce(args: &[&str]) -> String {
    let output = truce_output(args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "truce {args:?} failed with {}:\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

pub fn http_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(REQUEST_TIMEOUT).build().expect("an HTTP client")
}

pub fn get_text(http: &reqwest::blocking::Client, url: &str) -> String {
    let response = http.get(url).send().unwrap_or_else(|err| panic!("GET {url}: {err}"));
    let status = response.status();
    let text = response.text().unwrap_or_else(|err| panic!("GET {url}: reading the body: {err}"));
    assert!(status.is_success(), "GET {url} answered {status}: {text}");
    text
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Runs `truce` to completion, whatever its exit status.
pub fn truce_output(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_truce")).args(args).output().expect("running truce")
}
