//! The admission payload path, natively: `promha_policy::admission::validate`
//! with a cluster whose lookups answer a fixed set of related objects, on
//! the input's bytes as the payload, and, when the input reads as YAML, on
//! each of its objects (or a fixture's `object`) sent as an admission
//! request: so seeds may be manifests, and mutations of them reach the
//! rules. Nothing may panic, and a payload that is not JSON is never
//! accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promha_core::Node;
use promha_core::admission::Lookup;
use promha_policy::cluster::Cluster;
use serde_json::{Value, json};

struct FixedCluster(Vec<Value>);

impl Cluster for FixedCluster {
    fn list(&self, lookup: &Lookup) -> Result<Vec<Node>, String> {
        Ok(self
            .0
            .iter()
            .filter(|o| o["apiVersion"] == lookup.api_version && o["kind"] == lookup.kind)
            .map(Node::from_json)
            .collect())
    }
}

fn cluster() -> FixedCluster {
    FixedCluster(vec![
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager",
               "metadata": {"name": "main", "namespace": "monitoring"}, "spec": {"replicas": 1}}),
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "alertmanager-main", "namespace": "monitoring"},
               "spec": {"selector": {"alertmanager": "main"}}}),
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": "p", "namespace": "monitoring"},
               "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"prometheus": "k8s"}}}}),
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
               "metadata": {"name": "k8s", "namespace": "monitoring"}, "spec": {"replicas": 2}}),
    ])
}

fn validate(payload: &[u8], cluster: &FixedCluster) {
    let response = promha_policy::admission::validate(payload, cluster);
    if serde_json::from_slice::<Value>(payload).is_err() {
        assert!(!response.accepted, "a payload that cannot be read is rejected");
    }
    // The response must serialize, as the waPC entry point sends it.
    assert!(serde_json::to_vec(&response).is_ok());
}

fuzz_target!(|data: &[u8]| {
    let cluster = cluster();
    validate(data, &cluster);
    let Some(documents) = std::str::from_utf8(data)
        .ok()
        .and_then(|text| promha_core::yaml_to_json(text).ok())
    else {
        return;
    };
    for document in documents.iter().take(8) {
        let object = document.get("object").unwrap_or(document);
        if !object.is_object() || document.get("request").is_some() {
            continue;
        }
        let payload = json!({
            "settings": document.get("settings").cloned().unwrap_or(json!({})),
            "request": {
                "uid": "fuzz",
                "operation": "CREATE",
                "kind": {"group": "", "version": "v1", "kind": object.get("kind").cloned().unwrap_or(Value::Null)},
                "object": object,
            }
        });
        if let Ok(bytes) = serde_json::to_vec(&payload) {
            validate(&bytes, &cluster);
        }
    }
});
