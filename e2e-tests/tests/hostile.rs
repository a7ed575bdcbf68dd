//! The hostile-input suite, against the policy on a fresh instance per
//! request, as policy-server runs it: the inputs of `tests/hostile/inputs.rs`
//! where admission reads them, plus what only admission sees (a 3 MiB
//! object, a 10,000-deep JSON object, a payload that is not UTF-8). A trap,
//! a guest error or a timeout fails, and so does accepting an object the
//! policy could not read.
//!
//! Admission reads YAML only inside ConfigMap and Secret values named like a
//! Prometheus config, so each input the CLI cannot read is sent as such a
//! value; inputs about a resource's fields are sent as the resource.

mod common;

#[path = "../../tests/hostile/inputs.rs"]
mod inputs;

use inputs::Expect;
use promha_e2e::protocol::{message, warnings};
use promha_e2e::{ClusterState, Operation, build_admission_request};
use serde_json::{Value, json};

/// The `validate` payload for an object.
fn payload(object: &Value) -> Vec<u8> {
    let request = build_admission_request(Operation::Create, Some(object), None).unwrap_or_else(|e| panic!("{e:#}"));
    serde_json::to_vec(&json!({"request": request, "settings": {}})).unwrap()
}

fn object(yaml: &str) -> Value {
    promha_core::yaml_to_json(yaml)
        .unwrap_or_else(|e| panic!("{e}: {yaml}"))
        .remove(0)
}

/// A ConfigMap holding `text` (lossily decoded) under `prometheus.yml`.
fn config_map_with(text: &[u8]) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "prometheus-config", "namespace": "monitoring"},
        "data": {"prometheus.yml": String::from_utf8_lossy(text)},
    })
}

/// The answer to a raw payload, or why there was none (a trap, a guest error).
fn answer(payload: &[u8]) -> Result<Value, String> {
    let (bytes, _) = common::policy()
        .call_raw("validate", payload, &ClusterState::empty())
        .map_err(|e| format!("{e:#}"))?;
    let response: Value = serde_json::from_slice(&bytes).map_err(|e| format!("the answer is not JSON: {e}"))?;
    promha_e2e::protocol::check_validation_response(&response).map_err(|e| format!("{e:#}"))?;
    Ok(response)
}

/// Rejected with an `invalid-resource` line that says `about`.
fn rejected_as_unreadable(response: &Value, about: &str) -> Result<(), String> {
    if response["accepted"] != json!(false) {
        return Err(format!("accepted an object it could not read: {response}"));
    }
    let message = message(response);
    let line = message
        .lines()
        .find(|l| l.starts_with("invalid-resource: ") || l.starts_with("promha: "))
        .ok_or_else(|| format!("rejected without saying it could not read it: {message}"))?;
    if !line.contains(about) {
        return Err(format!("the rejection does not name {about:?}: {line}"));
    }
    Ok(())
}

fn reports(response: &Value, rule: &str) -> bool {
    let prefix = format!("{rule}: ");
    message(response).lines().any(|l| l.starts_with(&prefix))
        || warnings(response).iter().any(|w| w.starts_with(&prefix))
}

#[test]
fn every_hostile_input_is_answered_and_nothing_unreadable_is_accepted() {
    let mut failures = Vec::new();
    // The big document stays within what an API server stores (an object
    // must fit etcd's 1.5 MiB request limit); 3 MiB is tried below.
    for input in inputs::all(1 << 20) {
        let is_object = input.bytes.starts_with(b"apiVersion:");
        let (sent, outcome) = match input.expect {
            Expect::Unreadable if !input.name.contains("prometheus.y") => {
                // Unreadable YAML reaches the policy only as a config value.
                (
                    "as a ConfigMap's prometheus.yml",
                    answer(&payload(&config_map_with(&input.bytes))),
                )
            }
            _ if is_object => (
                "as the object",
                answer(&payload(&object(&String::from_utf8_lossy(&input.bytes)))),
            ),
            _ => (
                "as a ConfigMap's prometheus.yml",
                answer(&payload(&config_map_with(&input.bytes))),
            ),
        };
        let verdict = outcome.and_then(|response| match input.expect {
            Expect::Unreadable => rejected_as_unreadable(&response, "prometheus.y"),
            Expect::Finding(rule) => reports(&response, rule)
                .then_some(())
                .ok_or_else(|| format!("{rule} not reported: {response}")),
            Expect::Answered => Ok(()),
        });
        eprintln!(
            "{} ({sent}): {}",
            input.name,
            verdict.as_ref().map_or_else(|e| e.as_str(), |_| "ok")
        );
        if let Err(e) = verdict {
            failures.push(format!("{} ({sent}): {e}", input.name));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_three_mebibyte_object_is_answered() {
    let filler = "x".repeat(3 << 20);
    let prometheus = object(&inputs::prometheus_with_spec("{replicas: 1}"));
    let mut big = prometheus.clone();
    big["metadata"]["annotations"] = json!({"filler": filler});
    let response = answer(&payload(&big)).unwrap_or_else(|e| panic!("{e}"));
    assert!(reports(&response, "min-replicas"), "{}", message(&response));
    // A 3 MiB prometheus.yml that Prometheus would read (within the YAML node
    // budget of one config value): read and checked, not refused.
    let mut config = String::from("global:\n  scrape_interval: 30s\nscrape_configs:\n");
    for i in 0.. {
        if config.len() >= 3 << 20 {
            break;
        }
        config.push_str(&format!(
            "- job_name: job-{i}\n  static_configs:\n  - targets: ['host-{i}.monitoring.svc:9090']\n  metric_relabel_configs:\n  - action: drop\n    source_labels: [__name__]\n    regex: '{}'\n",
            "unwanted_metric_family_name_|".repeat(8)
        ));
    }
    let response = answer(&payload(&config_map_with(config.as_bytes()))).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !reports(&response, "invalid-resource"),
        "a 3 MiB prometheus.yml Prometheus reads is read: {}",
        message(&response)
    );
    // The same size of text that is no Prometheus config under that key is refused, naming it.
    let not_config = config_map_with(inputs::big_document(3 << 20).as_bytes());
    let response = answer(&payload(&not_config)).unwrap_or_else(|e| panic!("{e}"));
    rejected_as_unreadable(&response, "prometheus.yml").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_ten_thousand_deep_json_object_is_rejected() {
    // Written as text: a 10,000-deep serde_json value would recurse on the host.
    let deep = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let object = format!(
        "{{\"apiVersion\":\"monitoring.coreos.com/v1\",\"kind\":\"Prometheus\",\"metadata\":{{\"name\":\"k8s\"}},\"spec\":{deep}}}"
    );
    let payload = format!(
        "{{\"settings\":{{}},\"request\":{{\"uid\":\"1\",\"operation\":\"CREATE\",\"kind\":{{\"group\":\"monitoring.coreos.com\",\"version\":\"v1\",\"kind\":\"Prometheus\"}},\"object\":{object}}}}}"
    );
    let response = answer(payload.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    rejected_as_unreadable(&response, "cannot read").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_payload_that_is_not_utf8_is_rejected() {
    let mut payload = payload(&object(&inputs::prometheus_with_spec("{replicas: 2}")));
    let at = payload.len() / 2;
    payload.splice(at..at, [0xff, 0xfe]);
    let response = answer(&payload).unwrap_or_else(|e| panic!("{e}"));
    rejected_as_unreadable(&response, "cannot read").unwrap_or_else(|e| panic!("{e}"));
}
