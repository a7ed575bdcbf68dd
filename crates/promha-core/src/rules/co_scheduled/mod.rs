//! co-scheduled: the replicas running now are on different nodes.

use std::collections::BTreeMap;

use super::{Emitter, Need, Rule, labels, namespaces};
use crate::finding::Severity;
use crate::model::Input;
use crate::model::pods::LISTED_PODS;
use crate::scope::Scope;

pub const RULE: Rule = Rule {
    id: "co-scheduled",
    severity: Severity::Error,
    summary: "The replicas running in the cluster (its Pods, as kubectl lists them) are on different nodes",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Workloads, Input::Pods],
    lookups: &[Need {
        api_version: "v1",
        kind: "Pod",
        namespaces: namespaces::of_replicated_workloads,
        labels: Some(labels::of_workload_pods),
        running_state: true,
    }],
    settings: &[],
    check,
};

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope.reported_workloads().filter(|w| w.is_replicated()) {
        let object = scope.object(workload.object);
        // shard → node → the pods running there, in document order.
        let mut placement: BTreeMap<i64, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
        for (shard, pod) in scope.pods_of(workload) {
            if let Some(node) = pod.placed_on() {
                placement
                    .entry(shard)
                    .or_default()
                    .entry(node)
                    .or_default()
                    .push(pod.name.as_str());
            }
        }
        for (shard, nodes) in &placement {
            let running: usize = nodes.values().map(Vec::len).sum();
            let crowded: Vec<(&str, &Vec<&str>)> = nodes
                .iter()
                .filter(|(_, pods)| pods.len() >= 2)
                .map(|(node, pods)| (*node, pods))
                .collect();
            let Some(most) = crowded.iter().map(|(_, pods)| pods.len()).max() else {
                continue;
            };
            let whose = if workload.shards > 1 {
                format!("shard {shard} of {}", object.display())
            } else {
                object.display()
            };
            let groups: Vec<String> = crowded
                .iter()
                .map(|(node, pods)| format!("pods {} on node {node}", list(pods)))
                .collect();
            let loss = match crowded.as_slice() {
                [(node, _)] if most == running => {
                    format!("losing node {node} takes down every running replica at once")
                }
                [(node, _)] => {
                    format!("losing node {node} takes down {most} of the {running} running replicas at once")
                }
                _ => format!(
                    "losing one of these nodes takes down up to {most} of the {running} running replicas at once"
                ),
            };
            let moved: Vec<&str> = crowded.iter().flat_map(|(_, pods)| pods[1..].iter().copied()).collect();
            out.report(
                object,
                object.position_of(&["metadata", "name"]),
                format!(
                    "replicas of {whose} share a node right now: {}; {loss}, whatever the spec says (anti-affinity only acts when a pod is scheduled).",
                    groups.join("; ")
                ),
                format!(
                    "no edit of a file fixes this (the Pods are what the cluster reports, and a pod changes node only when it is scheduled again), so `promha fix` leaves it: move {} to {}, one pod at a time, waiting for each to be Ready again: `kubectl delete pod -n {} {}` has the scheduler place it anew, and with required pod anti-affinity on kubernetes.io/hostname (anti-affinity reports when it is missing) it must land on another node. A pod whose volume is bound to its node (local storage) moves only with a new PersistentVolumeClaim",
                    list(&moved),
                    if moved.len() == 1 { "another node" } else { "other nodes" },
                    object.namespace,
                    moved.first().copied().unwrap_or_default(),
                ),
            );
        }
    }
}

/// `a, b and c`, up to [`LISTED_PODS`] names.
fn list(names: &[&str]) -> String {
    let shown = names.len().min(LISTED_PODS as usize);
    let mut text = match &names[..shown] {
        [] => String::new(),
        [one] => one.to_string(),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
    };
    if names.len() > shown {
        text = format!("{} and {} more", names[..shown].join(", "), names.len() - shown);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::list;

    #[test]
    fn pod_lists_read_as_prose_and_stay_short() {
        assert_eq!(list(&["a", "b"]), "a and b");
        assert_eq!(list(&["a", "b", "c"]), "a, b and c");
        let many: Vec<String> = (0..12).map(|i| format!("p-{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(list(&many).ends_with("p-9 and 2 more"), "{}", list(&many));
    }
}
