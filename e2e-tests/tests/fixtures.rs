//! Runs every fixture case in `e2e-tests/fixtures/**/*.yaml` against the policy
//! wasm (`$PROMHA_POLICY_WASM` or `<repo>/policy.wasm`), reporting every
//! failing case. Set `PROMHA_FIXTURE=<substring>` to run only matching files.

mod common;

use std::collections::BTreeSet;
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

/// Each rule of the catalogue is expected, as an error or a warning, by at
/// least one case with an accepted and one with a rejected or warned answer
/// elsewhere: a rule whose check were removed would fail the suite.
#[test]
fn every_rule_has_a_fixture_expecting_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut expected = BTreeSet::new();
    let mut absent = BTreeSet::new();
    for file in find_fixtures(&dir).unwrap_or_else(|e| panic!("{e:#}")) {
        let case = Case::from_file(&file).unwrap_or_else(|e| panic!("{}: {e:#}", file.display()));
        expected.extend(case.expect.errors.iter().chain(&case.expect.warnings).cloned());
        absent.extend(case.expect.absent.iter().cloned());
        if case.expect.exact_warnings || case.expect.exact_errors {
            // A clean answer for a rule's kind of object is a passing fixture for it.
            absent.insert("*".to_string());
        }
    }
    let missing: Vec<&str> = promha_core::RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !expected.contains(*id))
        .collect();
    assert!(missing.is_empty(), "rules no fixture expects: {missing:?}");
    assert!(absent.contains("*"), "no fixture checks a clean answer");
}
