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

use std::collections::BTreeSet;
use std::path::PathBuf;

use promha_core::{CheckOptions, Document, Settings, Severity, check, yaml_to_json};
use promha_e2e::protocol::{message, warnings};
use promha_e2e::request::guess_resource;
use promha_e2e::{ClusterState, Operation, build_admission_request};
use serde_json::{Value, json};

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

/// The objects of a case, with `kind: List` items taken out; `None` for a
/// text that is not YAML (a case of the CLI's, which no API server admits).
fn objects(text: &str) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    let mut pending = yaml_to_json(text).ok()?;
    pending.reverse();
    while let Some(doc) = pending.pop() {
        if doc.is_null() {
            continue;
        }
        let is_list = doc["kind"].as_str().is_some_and(|k| k.ends_with("List")) && doc["items"].is_array();
        match doc {
            Value::Object(mut map) if is_list => {
                if let Some(Value::Array(items)) = map.remove("items") {
                    pending.extend(items.into_iter().rev());
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// `(apiGroup, resource)` pairs the policy's webhook receives (metadata.yml `rules`).
fn admitted_resources() -> BTreeSet<(String, String)> {
    let path = common::repo_root().join("metadata.yml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let metadata = yaml_to_json(&text).unwrap().remove(0);
    let mut admitted = BTreeSet::new();
    for rule in metadata["rules"].as_array().unwrap() {
        for group in rule["apiGroups"].as_array().unwrap() {
            for resource in rule["resources"].as_array().unwrap() {
                admitted.insert((
                    group.as_str().unwrap().to_string(),
                    resource.as_str().unwrap().to_string(),
                ));
            }
        }
    }
    admitted
}

fn is_admitted(object: &Value, admitted: &BTreeSet<(String, String)>) -> bool {
    let (Some(api_version), Some(kind)) = (object["apiVersion"].as_str(), object["kind"].as_str()) else {
        return false;
    };
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    admitted.contains(&(group.to_string(), guess_resource(kind)))
}

/// What a verdict holds: `(severity, "rule-id: message Fix: fix")`.
type Verdict = BTreeSet<(Severity, String)>;

fn policy_verdict(response: &Value) -> Verdict {
    let mut verdict = Verdict::new();
    if response["accepted"] == json!(false) {
        for line in message(response).lines() {
            verdict.insert((Severity::Error, line.to_string()));
        }
    }
    for warning in warnings(response) {
        verdict.insert((Severity::Warning, warning.to_string()));
    }
    verdict
}

#[test]
fn the_policy_and_the_core_agree_on_every_rule_case() {
    let policy = common::policy();
    let admitted = admitted_resources();
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
        let settings = Settings::from_json(&settings_json).unwrap_or_else(|e| panic!("{name}: {e}"));
        let Some(objects) = objects(&text) else {
            skipped.push(format!("{name}: not YAML, so nothing to admit"));
            continue;
        };
        let documents: Vec<Document> = objects.iter().map(Document::from_json).collect();
        let findings = check(&documents, &settings, &CheckOptions::default());
        for (index, object) in objects.iter().enumerate() {
            if !is_admitted(object, &admitted) {
                continue;
            }
            let expected: Verdict = findings
                .iter()
                .filter(|f| f.document == Some(index))
                .map(|f| (f.severity, f.one_line()))
                .collect();
            // The cluster holds the case's other objects that the API server would store.
            let others = objects
                .iter()
                .enumerate()
                .filter(|(i, o)| *i != index && o["metadata"]["name"].is_string())
                .map(|(_, o)| o.clone());
            let cluster = ClusterState::new(others).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            let request = build_admission_request(Operation::Create, Some(object), None).unwrap();
            let response = match policy.validate(&request, &settings_json, &cluster) {
                Ok(response) => response,
                Err(e) => {
                    failures.push(format!("{name} #{index}: the policy failed: {e:#}"));
                    continue;
                }
            };
            compared += 1;
            let verdict = policy_verdict(&response);
            if verdict != expected {
                let only_policy: Vec<_> = verdict.difference(&expected).collect();
                let only_core: Vec<_> = expected.difference(&verdict).collect();
                failures.push(format!(
                    "{name}, object #{index} ({} {}):\n    only in the policy's verdict: {only_policy:#?}\n    only in the core's: {only_core:#?}",
                    object["kind"], object["metadata"]["name"]
                ));
            }
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
