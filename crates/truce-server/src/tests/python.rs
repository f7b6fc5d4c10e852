//! The reference Python libraries some tests read our output with: libhxl (HXL) and the
//! Prometheus project's own client (its text-format parser). `.ci/run` installs both, pinned,
//! in a venv under `target/` and names its interpreter in `TRUCE_PYTHON`.

use std::{
    io::Write as _,
    path::Path,
    process::{Command, Stdio},
};

/// The interpreter with the reference libraries: `TRUCE_PYTHON`, else `python3`.
fn interpreter() -> String {
    std::env::var("TRUCE_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Runs `script` with `arg` and `stdin`, and returns what it printed.
///
/// # Panics
/// When the interpreter or `module` is not to be had (naming what installs it), or the script
/// fails.
pub fn run(module: &str, script: &str, arg: Option<&Path>, stdin: &[u8]) -> Vec<u8> {
    let python = interpreter();
    let mut command = Command::new(&python);
    command.args(["-c", script]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(arg) = arg {
        command.arg(arg);
    }
    let mut child = command.spawn().unwrap_or_else(|err| {
        panic!(
            "running {python}: {err}; .ci/run makes a venv with the reference libraries and names it in TRUCE_PYTHON"
        )
    });
    child.stdin.take().expect("a pipe").write_all(stdin).expect("the script reads its input");
    let output = child.wait_with_output().expect("the script ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains(&format!("No module named '{module}'")),
        "{module} is not installed for {python}: .ci/run installs it (target/py-venv) and sets TRUCE_PYTHON"
    );
    assert!(output.status.success(), "{python} with {module} refuses the input: {stderr}");
    output.stdout
}
