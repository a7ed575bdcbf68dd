//! replicas-ready: every replica the spec asks for is Ready in the cluster.

use std::collections::BTreeMap;

use super::{Emitter, Need, Rule, labels, namespaces};
use crate::finding::Severity;
use crate::model::Input;
use crate::model::pod::Readiness;
use crate::model::pods::LISTED_PODS;
use crate::scope::Scope;

pub const RULE: Rule = Rule {
    id: "replicas-ready",
    severity: Severity::Warning,
    summary: "As many replicas are Ready in the cluster (its Pods, as kubectl lists them) as the spec asks for",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Workloads, Input::Pods],
    lookups: &[Need {
        api_version: "v1",
        kind: "Pod",
        namespaces: namespaces::of_workloads,
        labels: Some(labels::of_workload_pods),
        running_state: true,
    }],
    settings: &[],
    check,
};

/// One shard's pods as their status reports them.
#[derive(Default)]
struct Shard<'p> {
    ready: i64,
    /// Pod names, and why each is not Ready.
    not_ready: Vec<(&'p str, &'p str)>,
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope.reported_workloads().filter(|w| !w.daemonset) {
        let object = scope.object(workload.object);
        let mut shards: BTreeMap<i64, Shard<'_>> = BTreeMap::new();
        for (shard, pod) in scope.pods_of(workload) {
            if pod.terminating {
                continue; // On its way out: its replacement is what counts.
            }
            let counts = shards.entry(shard).or_default();
            match &pod.readiness {
                Readiness::Ready => counts.ready += 1,
                Readiness::NotReady(why) => counts.not_ready.push((pod.name.as_str(), why.as_str())),
                Readiness::Finished | Readiness::Unreported => {}
            }
        }
        for (shard, counts) in &shards {
            if counts.not_ready.is_empty() {
                continue;
            }
            // As many Ready as the spec asks for: the others are leftovers
            // (an evicted pod, a surge pod of a rollout), not missing replicas.
            let wanted = workload
                .replicas
                .unwrap_or(counts.ready + counts.not_ready.len() as i64);
            if counts.ready >= wanted {
                continue;
            }
            let missing = wanted - counts.ready;
            let whose = if workload.shards > 1 {
                format!("shard {shard} of {}", object.display())
            } else {
                object.display()
            };
            let shown = counts.not_ready.len().min(LISTED_PODS as usize);
            let mut pods: Vec<String> = counts.not_ready[..shown]
                .iter()
                .map(|(name, why)| format!("pod {name} is {why}"))
                .collect();
            if counts.not_ready.len() > shown {
                pods.push(format!("{} more", counts.not_ready.len() - shown));
            }
            let what = if workload.shards > 1 {
                format!("shard {shard}")
            } else {
                format!("the {}", workload.app.noun())
            };
            let effect = match counts.ready {
                0 => format!("none is Ready, so {what} is down"),
                1 => format!("only one is Ready, so one more failure takes {what} down"),
                ready => format!("{ready} are Ready, fewer than the spec asks for"),
            };
            let names: Vec<&str> = counts.not_ready[..shown].iter().map(|(name, _)| *name).collect();
            out.report(
                object,
                object.position_of(&["metadata", "name"]),
                if wanted == 1 {
                    format!(
                        "the only replica of {whose} is not Ready right now: {}; {what} is down.",
                        pods.join("; ")
                    )
                } else {
                    format!(
                        "{missing} of the {wanted} replicas of {whose} {} not Ready right now: {}; {effect}.",
                        if missing == 1 { "is" } else { "are" },
                        pods.join("; ")
                    )
                },
                format!(
                    "`kubectl describe pod -n {} {}` shows why: for a Pending pod, the scheduler's reason (too few nodes for required anti-affinity, resources, taints, a volume in another zone); for a pod that is not Ready, the failing probe or container (`kubectl logs --previous`)",
                    object.namespace,
                    names.join(" ")
                ),
            );
        }
    }
}
