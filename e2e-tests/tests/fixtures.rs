//! Runs every fixture case in `e2e-tests/fixtures/**/*.yaml` against the policy
//! wasm (`$PROMHA_POLICY_WASM` or `<repo>/policy.wasm`), reporting every
//! failing case. Set `PROMHA_FIXTURE=<substring>` to run only matching files.

mod common;

use std::path::Path;
use std::time::Instant;

use promha_e2e::fixture::{Case, find_fixtures};

#[test]
fn fixture_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = find_fixtures(&dir).unwrap_or_else(|e| panic!("{e:#}"));
    if let Ok(filter) = std::env::var("PROMHA_FIXTURE") {
        files.retain(|f| f.to_string_lossy().contains(&filter));
    }
    assert!(!files.is_empty(), "no fixture files under {}", dir.display());

    let policy = common::policy();
    let started = Instant::now();
    let mut failures = Vec::new();
    for file in &files {
        let name = file.strip_prefix(&dir).unwrap_or(file).display().to_string();
        let outcome = Case::from_file(file)
            .map_err(|e| format!("{e:#}"))
            .and_then(|case| case.run(policy).map_err(|e| format!("({}) {e}", case.description)));
        if let Err(e) = outcome {
            failures.push(format!("{name}: {e}"));
        }
    }
    eprintln!(
        "fixture cases: {} ok, {} failing, in {:.2?}",
        files.len() - failures.len(),
        failures.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {} fixture cases failed:\n\n{}\n",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
