//! The admission policy says what the core says on the e2e fixtures and on
//! the upstream files of `../shared/corpus` (skipped with a message when it
//! does not exist): each file (or fixture: its object and cluster) is a set
//! of objects checked together, and each object the policy admits is sent
//! to it on a fresh instance, with the set's other objects as its cluster.
//! Its verdict must hold exactly the core's findings for that object (see
//! `common/differential.rs`). The rule cases are compared the same way by
//! the rule-case differential.

mod common;
#[path = "common/differential.rs"]
mod differential;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
}

/// The sets of objects of one file: a fixture's object with its cluster
/// and settings, or every object of a manifest.
fn sets(path: &Path) -> Vec<(Vec<Value>, Value)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    let Ok(objects) = differential::objects(&text) else {
        return Vec::new(); // Not YAML promha reads: nothing to admit.
    };
    if path.starts_with(common::repo_root().join("e2e-tests/fixtures")) {
        let Some(fixture) = objects.first() else {
            return Vec::new();
        };
        // Lookups that fail on purpose, and non-CREATE operations, are about
        // admission itself, not the rules: compared on their object alone
        // would not be the fixture.
        if fixture["failLookups"] == json!(true) || fixture.get("operation").is_some_and(|o| o != "CREATE") {
            return Vec::new();
        }
        let Some(object) = fixture.get("object").filter(|o| o.is_object()) else {
            return Vec::new();
        };
        let settings = fixture.get("settings").cloned().unwrap_or(json!({}));
        // Settings the policy refuses are about settings validation (the
        // fixture test holds the policy to its message), not the rules.
        if promha_core::Settings::from_json(&settings).is_err() {
            return Vec::new();
        }
        let mut set = vec![object.clone()];
        set.extend(fixture["cluster"].as_array().cloned().unwrap_or_default());
        return vec![(set, settings)];
    }
    vec![(objects, json!({}))]
}

#[test]
fn the_policy_and_the_core_agree_on_the_fixtures_and_the_corpus() {
    let root = common::repo_root();
    let mut files = Vec::new();
    yaml_files(&root.join("e2e-tests/fixtures"), &mut files);
    let corpus = root.join("../shared/corpus");
    if corpus.is_dir() {
        yaml_files(&corpus, &mut files);
    } else {
        eprintln!("skipped ../shared/corpus: {} does not exist", corpus.display());
    }
    let admitted = differential::admitted_resources(&root.join("metadata.yml")).unwrap_or_else(|e| panic!("{e:#}"));
    let policy = common::policy();
    let (mut compared, mut failures) = (0, Vec::new());
    for file in &files {
        let name = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        for (objects, settings) in sets(file) {
            match differential::compare_set(policy, &objects, &settings, &admitted) {
                Ok((n, differences)) => {
                    compared += n;
                    for d in differences {
                        failures.push(format!(
                            "{name}, object #{} ({} {}):\n    only in the policy's verdict: {:#?}\n    only in the core's: {:#?}",
                            d.index, d.kind, d.name, d.only_policy, d.only_core
                        ));
                    }
                }
                Err(e) => failures.push(format!("{name}: {e:#}")),
            }
        }
    }
    eprintln!("compared {compared} admissions from {} files", files.len());
    assert!(compared >= 10, "only {compared} admissions compared");
    assert!(
        failures.is_empty(),
        "{} admissions differ from the core:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
