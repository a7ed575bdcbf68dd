//! The policy against the core: each object of a set that the policy's
//! metadata admits is sent to the policy on a fresh instance, with the set's
//! other objects as the cluster its lookups see, and its verdict must hold
//! exactly the findings the core gives that object when it checks the whole
//! set (as JSON, without unknown-field reports, as the API server prunes
//! them). Included by the differential tests with `#[path]`.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result};
use promha_core::{CheckOptions, Document, Settings, Severity, check};
use serde_json::{Value, json};

use promha_e2e::protocol::{message, warnings};
use promha_e2e::request::guess_resource;
use promha_e2e::{ClusterState, Operation, Policy, build_admission_request};

/// What a verdict holds: `(severity, "rule-id: message Fix: fix")`.
pub type Verdict = BTreeSet<(Severity, String)>;

/// `(apiGroup, resource)` pairs the policy's webhook receives (metadata.yml `rules`).
pub fn admitted_resources(metadata_yml: &Path) -> Result<BTreeSet<(String, String)>> {
    let text = std::fs::read_to_string(metadata_yml).with_context(|| format!("{}", metadata_yml.display()))?;
    let metadata = promha_core::yaml_to_json(&text)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .into_iter()
        .next()
        .context("metadata.yml is empty")?;
    let mut admitted = BTreeSet::new();
    for rule in metadata["rules"].as_array().into_iter().flatten() {
        for group in rule["apiGroups"].as_array().into_iter().flatten() {
            for resource in rule["resources"].as_array().into_iter().flatten() {
                if let (Some(g), Some(r)) = (group.as_str(), resource.as_str()) {
                    admitted.insert((g.to_string(), r.to_string()));
                }
            }
        }
    }
    Ok(admitted)
}

pub fn is_admitted(object: &Value, admitted: &BTreeSet<(String, String)>) -> bool {
    let (Some(api_version), Some(kind)) = (object["apiVersion"].as_str(), object["kind"].as_str()) else {
        return false;
    };
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    admitted.contains(&(group.to_string(), guess_resource(kind)))
}

/// The objects of a YAML text, with `kind: List` items taken out and empty
/// documents dropped.
pub fn objects(text: &str) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut pending = promha_core::yaml_to_json(text).map_err(|e| anyhow::anyhow!("{e}"))?;
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
    Ok(out)
}

/// The findings a policy's response carries.
pub fn policy_verdict(response: &Value) -> Verdict {
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

/// One admitted object whose verdict differs from the core's findings.
#[derive(Debug)]
pub struct Difference {
    pub index: usize,
    pub kind: String,
    pub name: String,
    pub only_policy: Vec<(Severity, String)>,
    pub only_core: Vec<(Severity, String)>,
}

/// Compares every admitted object of `objects` (checked together with
/// `settings`); returns how many were compared and how they differ.
pub fn compare_set(
    policy: &Policy,
    objects: &[Value],
    settings: &Value,
    admitted: &BTreeSet<(String, String)>,
) -> Result<(usize, Vec<Difference>)> {
    let parsed = Settings::from_json(settings).map_err(|e| anyhow::anyhow!("{e}"))?;
    let documents: Vec<Document> = objects.iter().map(Document::from_json).collect();
    let findings = check(&documents, &parsed, &CheckOptions::default());
    let mut compared = 0;
    let mut differences = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        if !is_admitted(object, admitted) {
            continue;
        }
        let expected: Verdict = findings
            .iter()
            .filter(|f| f.document == Some(index))
            .map(|f| (f.severity, f.one_line()))
            .collect();
        // The cluster holds the set's other objects that the API server would store.
        let others = objects
            .iter()
            .enumerate()
            .filter(|(i, o)| *i != index && o["metadata"]["name"].is_string())
            .map(|(_, o)| o.clone());
        let cluster = ClusterState::new(others)?;
        let request = build_admission_request(Operation::Create, Some(object), None)?;
        let response = policy
            .validate(&request, settings, &cluster)
            .with_context(|| format!("object #{index}: the policy failed"))?;
        compared += 1;
        let verdict = policy_verdict(&response);
        if verdict != expected {
            differences.push(Difference {
                index,
                kind: object["kind"].as_str().unwrap_or_default().to_string(),
                name: object["metadata"]["name"].as_str().unwrap_or_default().to_string(),
                only_policy: verdict.difference(&expected).cloned().collect(),
                only_core: expected.difference(&verdict).cloned().collect(),
            });
        }
    }
    Ok((compared, differences))
}
