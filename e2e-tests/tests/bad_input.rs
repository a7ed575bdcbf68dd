//! Hostile and malformed input: the policy must answer every request with a
//! well-formed ValidationResponse (accepted, or rejected with a message) and
//! every garbage settings document with `valid: false` and a message. A trap,
//! a guest error, a timeout or an invalid answer fails the test.
//!
//! Only protocol-level facts are asserted here; what the policy decides is up
//! to the fixtures.

mod common;

use promha_e2e::{ClusterState, Operation, build_admission_request};
use serde_json::{Map, Value, json};

fn prometheus() -> Value {
    json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "Prometheus",
        "metadata": {"name": "k8s", "namespace": "monitoring"},
        "spec": {"replicas": 2},
    })
}

/// A realistic request for a Prometheus whose `object` is then replaced.
fn request_with_object(object: Value) -> Value {
    let mut request =
        build_admission_request(Operation::Create, Some(&prometheus()), None).unwrap_or_else(|e| panic!("{e:#}"));
    request["object"] = object;
    request
}

/// `{"a": {"a": ... "leaf" ...}}`, `depth` levels deep, built without recursion.
fn nested(depth: usize) -> Value {
    let mut v = Value::String("leaf".into());
    for _ in 0..depth {
        let mut m = Map::new();
        m.insert("a".into(), v);
        v = Value::Object(m);
    }
    v
}

/// Evaluate every `(label, request)`; collect protocol violations.
fn check_requests(cases: Vec<(&str, Value)>) {
    let policy = common::policy();
    let settings = json!({});
    let mut failures = Vec::new();
    for (label, request) in cases {
        // `evaluate` already rejects answers that are not well-formed
        // ValidationResponses, and rejections without a message.
        match policy.evaluate(&request, &settings, &ClusterState::empty()) {
            Ok(eval) => eprintln!(
                "{label}: accepted={} in {:.2?}",
                eval.response["accepted"], eval.duration
            ),
            Err(e) => failures.push(format!("{label}: {e:#}")),
        }
    }
    assert!(
        failures.is_empty(),
        "the policy did not answer well-formed responses:\n{}",
        failures.join("\n")
    );
}

#[test]
fn objects_of_the_wrong_shape() {
    let mut no_metadata = prometheus();
    if let Some(m) = no_metadata.as_object_mut() {
        m.remove("metadata");
    }
    let mut spec_null = prometheus();
    spec_null["spec"] = Value::Null;
    let mut spec_string = prometheus();
    spec_string["spec"] = json!("replicas: 3");
    let mut replicas_string = prometheus();
    replicas_string["spec"]["replicas"] = json!("three");
    let mut replicas_negative = prometheus();
    replicas_negative["spec"]["replicas"] = json!(-5);
    let mut replicas_huge = prometheus();
    replicas_huge["spec"]["replicas"] = json!(1e300);
    let mut metadata_string = prometheus();
    metadata_string["metadata"] = json!("k8s");

    let mut update_garbage_old = build_admission_request(Operation::Update, Some(&prometheus()), Some(&prometheus()))
        .unwrap_or_else(|e| panic!("{e:#}"));
    update_garbage_old["oldObject"] = json!([1, 2, 3]);

    let mut delete_no_old =
        build_admission_request(Operation::Delete, None, Some(&prometheus())).unwrap_or_else(|e| panic!("{e:#}"));
    delete_no_old["oldObject"] = Value::Null;

    check_requests(vec![
        ("object is a string", request_with_object(json!("a string"))),
        ("object is a number", request_with_object(json!(42))),
        ("object is null", request_with_object(Value::Null)),
        ("object is an array", request_with_object(json!([prometheus()]))),
        ("object is an empty mapping", request_with_object(json!({}))),
        ("Prometheus with spec: null", request_with_object(spec_null)),
        ("Prometheus with a string spec", request_with_object(spec_string)),
        ("Prometheus without metadata", request_with_object(no_metadata)),
        ("Prometheus with string metadata", request_with_object(metadata_string)),
        ("replicas is a string", request_with_object(replicas_string)),
        ("replicas is negative", request_with_object(replicas_negative)),
        ("replicas is 1e300", request_with_object(replicas_huge)),
        ("UPDATE with an array oldObject", update_garbage_old),
        ("DELETE without oldObject", delete_no_old),
    ]);
}

#[test]
fn a_five_megabyte_object() {
    let filler = "x".repeat(5 * 1024 * 1024);
    let mut big_prometheus = prometheus();
    big_prometheus["metadata"]["annotations"] = json!({"filler": filler});
    let big_configmap = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "big", "namespace": "monitoring"},
        "data": {"notes.txt": filler},
    });
    let configmap_request =
        build_admission_request(Operation::Create, Some(&big_configmap), None).unwrap_or_else(|e| panic!("{e:#}"));
    check_requests(vec![
        ("5 MB Prometheus", request_with_object(big_prometheus)),
        ("5 MB ConfigMap", configmap_request),
    ]);
}

#[test]
fn a_two_thousand_level_nested_object() {
    // Building, serializing and dropping a 2,000-level value recurses on the
    // host side; unoptimized test builds need more than the default 2 MiB
    // test-thread stack for that. The guest gets the payload as usual.
    let worker = std::thread::Builder::new()
        .name("deeply-nested".into())
        .stack_size(256 * 1024 * 1024)
        .spawn(|| {
            let mut deep_spec = prometheus();
            deep_spec["spec"]["additionalScrapeConfigs"] = nested(2000);
            let mut deep_object = nested(2000);
            if let Some(m) = deep_object.as_object_mut() {
                m.insert("apiVersion".into(), json!("monitoring.coreos.com/v1"));
                m.insert("kind".into(), json!("Prometheus"));
            }
            check_requests(vec![
                ("2000 levels inside spec", request_with_object(deep_spec)),
                ("2000 levels at the top", request_with_object(deep_object)),
            ]);
        })
        .unwrap_or_else(|e| panic!("cannot spawn the test thread: {e}"));
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn garbage_settings_are_invalid_with_a_message() {
    let policy = common::policy();
    let mut failures = Vec::new();
    for settings in [
        json!({"minReplicas": "two"}),
        json!([]),
        json!("x"),
        json!(42),
        json!(true),
        json!({"minReplicas": {"nested": true}}),
    ] {
        // `validate_settings` already rejects malformed answers and
        // `valid: false` without a message.
        match policy.validate_settings(&settings) {
            Ok(answer) if answer["valid"] == json!(false) => {
                eprintln!("{settings}: {}", answer["message"]);
            }
            Ok(answer) => failures.push(format!("{settings}: accepted as valid: {answer}")),
            Err(e) => failures.push(format!("{settings}: {e:#}")),
        }
    }
    assert!(
        failures.is_empty(),
        "garbage settings not answered `valid: false` with a message:\n{}",
        failures.join("\n")
    );
}

#[test]
fn empty_settings_are_valid() {
    let answer = common::policy()
        .validate_settings(&json!({}))
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(answer["valid"], json!(true), "{answer}");
}

#[test]
fn speaks_protocol_v1() {
    let version = common::policy().protocol_version().unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(version, "v1");
}
