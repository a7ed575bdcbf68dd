//! What the policy asks the cluster for: the Pods of an admitted workload
//! are listed with a label selector (so a big namespace's other pods are
//! not sent), and only when the workload is created, not on an update.

mod common;

use promha_e2e::fixture::Case;
use promha_e2e::host::HostCall;
use promha_e2e::{ClusterState, build_admission_request};
use serde_json::Value;

/// The `list_resources_by_namespace` calls of evaluating a fixture, and its answer.
fn pod_lists(fixture: &str) -> (Vec<HostCall>, Value) {
    let path = common::repo_root().join("e2e-tests/fixtures").join(fixture);
    let case = Case::from_file(&path).unwrap_or_else(|e| panic!("{e:#}"));
    let request = build_admission_request(
        case.operation().unwrap(),
        case.object.as_ref(),
        case.old_object.as_ref(),
    )
    .unwrap();
    let cluster = ClusterState::new(case.cluster.iter().cloned()).unwrap();
    let evaluation = common::policy()
        .evaluate(&request, &case.settings(), &cluster)
        .unwrap_or_else(|e| panic!("{e:#}"));
    let calls = evaluation
        .host_calls
        .into_iter()
        .filter(|c| c.operation == "list_resources_by_namespace" && c.payload["kind"] == "Pod")
        .collect();
    (calls, evaluation.response)
}

#[test]
fn a_created_workloads_pods_are_listed_by_its_labels() {
    let (calls, response) = pod_lists("cluster-state/co-scheduled-statefulset.yaml");
    assert_eq!(calls.len(), 1, "one list of Pods: {calls:#?}");
    let call = &calls[0];
    assert_eq!(call.payload["api_version"], "v1");
    assert_eq!(call.payload["namespace"], "monitoring");
    assert_eq!(call.payload["label_selector"], "app=alertmanager", "{call:#?}");
    let names: Vec<&str> = call.result.as_ref().unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["alertmanager-0", "alertmanager-1", "alertmanager-2"],
        "the canary's pods are not sent"
    );
    assert_eq!(response["accepted"], false);
}

#[test]
fn an_update_lists_no_pods() {
    let (calls, response) = pod_lists("cluster-state/co-scheduled-update-is-not-judged-by-pods.yaml");
    assert!(calls.is_empty(), "{calls:#?}");
    assert_eq!(response["accepted"], true, "{response}");
}
