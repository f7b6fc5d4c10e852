//! What the integration tests share: a real `truce serve` on a free port with a fresh data
//! directory (`Log`), running the `truce` binary, and reading its output.

use std::{
    fs,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tempfile::TempDir;

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
        Server::start_with(data, log_path, &[])
    }

    /// `truce serve` with `extra` arguments.
    pub fn start_with(data: &Path, log_path: &Path, extra: &[&str]) -> Server {
        let log = fs::File::create(log_path).expect("creating the server log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_truce"))
            .args(["serve", "--data", path_str(data), "--listen", "127.0.0.1:0"])
            .args(extra)
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

/// A fresh data directory served by `truce serve`, and its operator account.
pub struct Log {
    root: TempDir,
    pub server: Server,
    pub operator_id: String,
}

impl Log {
    pub fn start() -> Log {
        Log::start_with(&[])
    }

    /// A log served with `extra` arguments to `truce serve`.
    pub fn start_with(extra: &[&str]) -> Log {
        let root = tempfile::tempdir().expect("a temporary directory");
        let data = root.path().join("data");
        run_truce(&["init", "--data", path_str(&data), "--origin", "submit.test/log"]);
        let config: Value =
            serde_json::from_str(&fs::read_to_string(data.join("truce.json")).expect("truce.json")).expect("JSON");
        let operator_id = config["operator_account_id"].as_str().expect("operator_account_id").to_owned();
        let server = Server::start_with(&data, &root.path().join("server.log"), extra);
        Log { root, server, operator_id }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, text).expect("writing a test file");
        path
    }

    /// Runs `truce <command> FILE` as `key` and `author` (and `party`), against this server.
    pub fn run(
        &self,
        command: &str,
        file: &Path,
        key: &Path,
        author: &str,
        party: Option<&str>,
        extra: &[&str],
    ) -> Output {
        let mut args = vec![command, path_str(file), "--key", path_str(key), "--author", author];
        args.extend(["--server", self.server.base_url.as_str()]);
        if let Some(party) = party {
            args.extend(["--party", party]);
        }
        args.extend(extra);
        truce_output(&args)
    }

    pub fn as_operator(&self, command: &str, file: &Path, extra: &[&str]) -> Output {
        let key = self.root.path().join("data/operator.key");
        self.run(command, file, &key, &self.operator_id, None, extra)
    }

    pub fn get(&self, path: &str) -> Value {
        let text = get_text(&http_client(), &format!("{}{path}", self.server.base_url));
        serde_json::from_str(&text).expect("a JSON reply")
    }

    /// The number of entries in the log, genesis included.
    pub fn size(&self) -> u64 {
        let note = get_text(&http_client(), &format!("{}/api/v1/ledger/checkpoint", self.server.base_url));
        note.lines().nth(1).expect("a tree size line").parse().expect("a tree size")
    }
}

pub fn succeeded(output: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "truce failed with {}:\n{stdout}\n{stderr}", output.status);
    (stdout, stderr)
}

pub fn failed(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "truce succeeded where it should fail:\n{stdout}\n{stderr}");
    stderr
}

/// The ids `truce` reported filling in, from its `filled <path> = <id>` lines, in order.
pub fn filled(stderr: &str) -> Vec<(String, String)> {
    stderr
        .lines()
        .filter_map(|line| line.split_once("filled "))
        .map(|(_, rest)| {
            let (path, id) = rest.split_once(" = ").expect("filled <path> = <id>");
            (path.to_owned(), id.trim().to_owned())
        })
        .collect()
}

pub fn names<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array().expect("a list").iter().map(|item| item[field].as_str().expect("a string")).collect()
}

pub fn party_line(code: &str) -> String {
    json!({"type": "register_party", "code": code, "name": format!("Party {code}"), "kind": "state"}).to_string()
}
