//! Loading files through the API: `truce demo` (the bundled scenario) and `truce import`.

use crate::support::{path_str, run_truce};

/// The demo loads its scenario with the loader `truce import` uses; its log verifies.
#[test]
fn the_demo_loads_its_scenario_and_the_log_verifies() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let data = root.path().join("demo");
    run_truce(&["demo", "--data", path_str(&data), "--listen", "127.0.0.1:0", "--load-only"]);
    let report = run_truce(&["verify", "--data", path_str(&data)]);
    assert!(report.starts_with("ok: "), "{report}");
}
