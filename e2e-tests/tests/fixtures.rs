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
/// least one case, and shown not reported by an accepted case of its own
/// (named after it, or listing it as absent) outside `unrelated/`: a rule
/// whose check were removed, or that fired on everything, fails the suite.
#[test]
fn every_rule_has_a_failing_and_a_passing_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut expected = BTreeSet::new();
    let mut passing = BTreeSet::new();
    for file in find_fixtures(&dir).unwrap_or_else(|e| panic!("{e:#}")) {
        let case = Case::from_file(&file).unwrap_or_else(|e| panic!("{}: {e:#}", file.display()));
        let reported: BTreeSet<&String> = case.expect.errors.iter().chain(&case.expect.warnings).collect();
        expected.extend(reported.iter().map(|r| r.to_string()));
        if file.components().any(|c| c.as_os_str() == "unrelated") || case.expect.accepted != Some(true) {
            continue;
        }
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        for rule in promha_core::RULES {
            let own_case = stem.starts_with(rule.id) && case.expect.exact_warnings;
            let listed_absent = case.expect.absent.iter().any(|a| a == rule.id);
            if (own_case || listed_absent) && !reported.iter().any(|r| *r == rule.id) {
                passing.insert(rule.id);
            }
        }
    }
    let ids = || promha_core::RULES.iter().map(|r| r.id);
    let unexpected: Vec<&str> = ids().filter(|id| !expected.contains(*id)).collect();
    assert!(unexpected.is_empty(), "rules no fixture expects: {unexpected:?}");
    let unpassed: Vec<&str> = ids().filter(|id| !passing.contains(id)).collect();
    assert!(
        unpassed.is_empty(),
        "rules no accepted fixture of their own shows quiet: {unpassed:?}"
    );
}
