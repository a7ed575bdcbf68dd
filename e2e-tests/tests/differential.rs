//! The admission policy says what the core says, on every rule case.
//!
//! Each case of `crates/promha-core/src/rules/*/` (bad.yaml, good.yaml,
//! cases/*.yaml) is a set of objects checked together. Here each object the
//! policy's metadata admits is sent to the policy, in the harness, on a fresh
//! instance as policy-server runs it, with the case's other objects as the
//! cluster its lookups see; its verdict must hold exactly the findings the
//! core gives that object when it checks the whole case (as JSON, without
//! unknown-field reports, as the API server prunes them). So a rule whose
//! declared lookups miss something it reads fails here.
//!
//! A case whose admission legitimately sees less than the whole case says
//! so in its header: `# admission: <why>` (it is then skipped here, and the
//! reason printed).

mod common;
#[path = "common/differential.rs"]
mod shared;

use std::path::PathBuf;

use promha_core::yaml_to_json;
use serde_json::json;

fn case_files() -> Vec<PathBuf> {
    let rules = common::repo_root().join("crates/promha-core/src/rules");
    let mut files = Vec::new();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&rules)
        .unwrap_or_else(|e| panic!("{}: {e}", rules.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    for folder in folders {
        files.push(folder.join("bad.yaml"));
        files.push(folder.join("good.yaml"));
        if let Ok(entries) = std::fs::read_dir(folder.join("cases")) {
            let mut own: Vec<PathBuf> = entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect();
            own.sort();
            files.extend(own);
        }
    }
    files
}

/// A `# key: value` header line.
fn header<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let prefix = format!("# {key}:");
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .map(str::trim)
}

#[test]
fn the_policy_and_the_core_agree_on_every_rule_case() {
    let policy = common::policy();
    let admitted = shared::admitted_resources(&common::repo_root().join("metadata.yml")).expect("metadata.yml");
    let mut compared = 0;
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for file in case_files() {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file
            .strip_prefix(common::repo_root())
            .unwrap_or(&file)
            .display()
            .to_string();
        if let Some(why) = header(&text, "admission") {
            skipped.push(format!("{name}: {why}"));
            continue;
        }
        let settings_json = header(&text, "settings").map_or(json!({}), |s| yaml_to_json(s).unwrap().remove(0));
        // A text that is not YAML is a case of the CLI's, which no API server admits.
        let Ok(objects) = shared::objects(&text) else {
            skipped.push(format!("{name}: not YAML, so nothing to admit"));
            continue;
        };
        match shared::compare_set(policy, &objects, &settings_json, &admitted) {
            Ok((count, differences)) => {
                compared += count;
                failures.extend(differences.iter().map(|d| {
                    format!(
                        "{name}, object #{} ({} {}):\n    only in the policy's verdict: {:#?}\n    only in the core's: {:#?}",
                        d.index, d.kind, d.name, d.only_policy, d.only_core
                    )
                }));
            }
            Err(e) => failures.push(format!("{name}: {e:#}")),
        }
    }
    for reason in &skipped {
        eprintln!("not compared: {reason}");
    }
    eprintln!("compared {compared} admissions");
    assert!(compared >= 30, "only {compared} admissions compared");
    assert!(
        failures.is_empty(),
        "{} admissions differ from the core:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
