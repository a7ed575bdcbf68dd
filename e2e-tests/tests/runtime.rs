//! The harness runtime against a tiny hand-written waPC guest (no policy.wasm
//! needed): guest calls, host calls, deadlines, traps, bad answers, metadata.

use std::time::{Duration, Instant};

use promha_e2e::metadata::annotate;
use promha_e2e::{ClusterState, Policy, PolicyMetadata, PolicyOptions};
use serde_json::{Value, json};

/// A waPC guest. Operations:
/// - `protocol_version` → `"v1"`; `validate` → `{"accepted":true}`;
///   `validate_settings` → `{"valid":true}`
/// - `loop…` spins forever; `trap…` hits `unreachable`; `echo…` answers its
///   payload; `garbage…` answers `not json`; `reject…` answers a rejection
///   without message
/// - `host…` forwards its payload to `kubewarden/kubernetes/list_resources_all`
///   and answers the host response (or fails with the host error)
const GUEST: &str = r#"
(module
  (import "wapc" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (import "wapc" "__guest_error" (func $guest_error (param i32 i32)))
  (import "wapc" "__host_call" (func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wapc" "__host_response" (func $host_response (param i32)))
  (import "wapc" "__host_response_len" (func $host_response_len (result i32)))
  (import "wapc" "__host_error" (func $host_error (param i32)))
  (import "wapc" "__host_error_len" (func $host_error_len (result i32)))
  (memory (export "memory") 4)
  (data (i32.const 0) "kubewarden")
  (data (i32.const 16) "kubernetes")
  (data (i32.const 32) "list_resources_all")
  (data (i32.const 64) "\"v1\"")
  (data (i32.const 80) "not json")
  (data (i32.const 96) "{\"accepted\":true}")
  (data (i32.const 128) "{\"valid\":true}")
  (data (i32.const 160) "unknown operation")
  (data (i32.const 192) "{\"accepted\":false}")
  (func $respond (param $ptr i32) (param $len i32) (result i32)
    (call $guest_response (local.get $ptr) (local.get $len))
    (i32.const 1))
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    (local $first i32) (local $len i32)
    (call $guest_request (i32.const 1024) (i32.const 4096))
    (local.set $first (i32.load8_u (i32.const 1024)))
    (if (i32.eq (local.get $op_len) (i32.const 16))
      (then (return (call $respond (i32.const 64) (i32.const 4)))))
    (if (i32.eq (local.get $op_len) (i32.const 8))
      (then (return (call $respond (i32.const 96) (i32.const 17)))))
    (if (i32.eq (local.get $op_len) (i32.const 17))
      (then (return (call $respond (i32.const 128) (i32.const 14)))))
    (if (i32.eq (local.get $first) (i32.const 108)) ;; l
      (then (loop $spin (br $spin))))
    (if (i32.eq (local.get $first) (i32.const 116)) ;; t
      (then unreachable))
    (if (i32.eq (local.get $first) (i32.const 101)) ;; e
      (then (return (call $respond (i32.const 4096) (local.get $msg_len)))))
    (if (i32.eq (local.get $first) (i32.const 103)) ;; g
      (then (return (call $respond (i32.const 80) (i32.const 8)))))
    (if (i32.eq (local.get $first) (i32.const 114)) ;; r
      (then (return (call $respond (i32.const 192) (i32.const 18)))))
    (if (i32.eq (local.get $first) (i32.const 104)) ;; h
      (then
        (if (call $host_call (i32.const 0) (i32.const 10) (i32.const 16) (i32.const 10)
                             (i32.const 32) (i32.const 18) (i32.const 4096) (local.get $msg_len))
          (then
            (local.set $len (call $host_response_len))
            (call $host_response (i32.const 131072))
            (return (call $respond (i32.const 131072) (local.get $len))))
          (else
            (local.set $len (call $host_error_len))
            (call $host_error (i32.const 131072))
            (call $guest_error (i32.const 131072) (local.get $len))
            (return (i32.const 0))))))
    (call $guest_error (i32.const 160) (i32.const 17))
    (i32.const 0)))
"#;

/// A guest whose waPC init function never returns.
const HANGING_INIT: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "wapc_init") (loop $spin (br $spin)))
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 0)))
"#;

fn guest() -> Vec<u8> {
    wat::parse_str(GUEST).expect("guest WAT")
}

fn options(timeout_ms: u64) -> PolicyOptions {
    PolicyOptions {
        timeout: Duration::from_millis(timeout_ms),
        ..PolicyOptions::default()
    }
}

fn cluster() -> ClusterState {
    ClusterState::from_yaml_str(
        r#"
apiVersion: v1
kind: Service
metadata: {name: prom, namespace: monitoring, labels: {app: prometheus}}
---
apiVersion: v1
kind: Service
metadata: {name: am, namespace: monitoring, labels: {app: alertmanager}}
"#,
    )
    .expect("cluster")
}

#[test]
fn protocol_functions_answer() {
    let policy = Policy::load(&guest()).unwrap();
    assert_eq!(policy.protocol_version().unwrap(), "v1");
    assert_eq!(policy.validate_settings(&json!({})).unwrap(), json!({"valid": true}));
    let response = policy
        .validate(&json!({"uid": "x"}), &json!({}), &ClusterState::empty())
        .unwrap();
    assert_eq!(response, json!({"accepted": true}));
}

#[test]
fn one_compiled_module_serves_many_evaluations() {
    let policy = Policy::load(&guest()).unwrap();
    let started = Instant::now();
    for i in 0..50 {
        let eval = policy
            .call_json("echo", &json!({"n": i}), &ClusterState::empty())
            .unwrap();
        assert_eq!(eval.response, json!({"n": i}));
    }
    // fresh instances from the pre-instantiated module are cheap
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[test]
fn host_calls_are_answered_from_the_cluster() {
    let policy = Policy::load(&guest()).unwrap();
    let eval = policy
        .call_json(
            "host",
            &json!({"api_version": "v1", "kind": "Service", "label_selector": "app=alertmanager"}),
            &cluster(),
        )
        .unwrap();
    assert_eq!(eval.response["kind"], "ServiceList");
    let items = eval.response["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["metadata"]["name"], "am");
    assert_eq!(eval.host_calls.len(), 1);
    assert_eq!(eval.host_calls[0].operation, "list_resources_all");
}

#[test]
fn failing_lookups_reach_the_guest_as_host_errors() {
    let policy = Policy::load(&guest()).unwrap();
    let payload = json!({"api_version": "v1", "kind": "Service"});
    let err = policy
        .call_json("host", &payload, &cluster().with_fail_lookups(true))
        .unwrap_err();
    assert!(format!("{err:#}").contains("unreachable"), "{err:#}");

    let mut policy = policy;
    policy.set_fail_lookups(true);
    let err = policy.call_json("host", &payload, &cluster()).unwrap_err();
    assert!(format!("{err:#}").contains("unreachable"), "{err:#}");
    policy.set_fail_lookups(false);
    assert!(policy.call_json("host", &payload, &cluster()).is_ok());
}

#[test]
fn context_aware_resources_are_enforced_from_embedded_metadata() {
    let metadata =
        PolicyMetadata::from_yaml_str("contextAwareResources:\n- {apiVersion: v1, kind: Service}\n").unwrap();
    let annotated = annotate(&guest(), &metadata).unwrap();
    let policy = Policy::load(&annotated).unwrap();
    assert!(policy.metadata().is_some());
    assert!(
        policy
            .call_json("host", &json!({"api_version": "v1", "kind": "Service"}), &cluster())
            .is_ok()
    );
    let err = policy
        .call_json("host", &json!({"api_version": "v1", "kind": "Secret"}), &cluster())
        .unwrap_err();
    assert!(format!("{err:#}").contains("not been granted"), "{err:#}");

    // an explicit metadata option overrides the embedded one
    let open = PolicyMetadata::from_yaml_str("contextAwareResources:\n- {apiVersion: v1, kind: Secret}\n").unwrap();
    let policy = Policy::load_with(
        &annotated,
        PolicyOptions {
            metadata: Some(open),
            ..PolicyOptions::default()
        },
    )
    .unwrap();
    assert!(
        policy
            .call_json("host", &json!({"api_version": "v1", "kind": "Secret"}), &cluster())
            .is_ok()
    );
}

#[test]
fn a_hang_becomes_a_deadline_error() {
    let policy = Policy::load_with(&guest(), options(300)).unwrap();
    let started = Instant::now();
    let err = policy.call_raw("loop", b"", &ClusterState::empty()).unwrap_err();
    let elapsed = started.elapsed();
    assert!(format!("{err:#}").contains("deadline"), "{err:#}");
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    // the policy is still usable afterwards
    assert_eq!(policy.protocol_version().unwrap(), "v1");
}

#[test]
fn a_hanging_init_is_interrupted_too() {
    let wasm = wat::parse_str(HANGING_INIT).unwrap();
    let policy = Policy::load_with(&wasm, options(200)).unwrap();
    let started = Instant::now();
    let err = policy.call_raw("anything", b"", &ClusterState::empty()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(format!("{err:#}").contains("initialize"), "{err:#}");
}

#[test]
fn traps_and_bad_answers_are_errors() {
    let policy = Policy::load(&guest()).unwrap();
    let err = policy.call_raw("trap", b"", &ClusterState::empty()).unwrap_err();
    assert!(format!("{err:#}").contains("trap"), "{err:#}");

    let err = policy
        .call_json("garbage", &json!({}), &ClusterState::empty())
        .unwrap_err();
    assert!(format!("{err:#}").contains("invalid JSON"), "{err:#}");

    let err = policy.call_raw("no-such-op", b"", &ClusterState::empty()).unwrap_err();
    assert!(format!("{err:#}").contains("unknown operation"), "{err:#}");

    // a rejection without a message breaks the protocol contract
    let eval = policy.call_json("reject", &json!({}), &ClusterState::empty()).unwrap();
    assert_eq!(eval.response, json!({"accepted": false}));
    assert!(promha_e2e::protocol::check_validation_response(&eval.response).is_err());
}

#[test]
fn large_payloads_round_trip() {
    let policy = Policy::load(&guest()).unwrap();
    // the guest has room for ~60 KiB of request
    let big = "x".repeat(50_000);
    let eval = policy
        .call_json("echo", &json!({"big": big}), &ClusterState::empty())
        .unwrap();
    assert_eq!(eval.response["big"].as_str().map(str::len), Some(50_000));
    let _: Value = eval.response;
}
