//! alertmanager-peers: replicas of a plain Alertmanager workload form one cluster.

use std::collections::BTreeSet;

use super::{Emitter, Rule};
use crate::finding::Severity;
use crate::model::containers::{flag_values, host_of};
use crate::model::pods::{Host, StatefulSetPods};
use crate::model::{App, Input};
use crate::scope::Scope;

pub const RULE: Rule = Rule {
    id: "alertmanager-peers",
    severity: Severity::Error,
    summary: "Replicas of a plain Alertmanager StatefulSet or Deployment cluster with each other",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Workloads],
    lookups: &[],
    settings: &[],
    check,
};

/// `--cluster.peer=<pod>.<service>:9094` for every pod (up to a few); pods
/// of a StatefulSet without a `serviceName` have no DNS names yet.
fn all_peers(pods: &StatefulSetPods) -> String {
    let peers = pods
        .listed_ordinals()
        .map(|i| match &pods.service {
            Some(_) => format!("--cluster.peer={}:9094", pods.short_host(i)),
            None => format!("--cluster.peer={}.<service>:9094", pods.pod_name(i)),
        })
        .collect::<Vec<_>>()
        .join(" ");
    match pods.service {
        Some(_) => peers,
        None => format!("set spec.serviceName to a headless Service selecting these pods, then {peers}"),
    }
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope
        .workloads
        .iter()
        .filter(|w| !w.operator && w.app == App::Alertmanager && w.is_replicated())
    {
        let object = scope.object(workload.object);
        let Some(container) = workload.container else { continue };
        let replicas = workload.replicas.unwrap_or(0);
        let words = workload.command_line();
        let pods = workload.statefulset_pods(object);

        if let Some((_, node)) = flag_values(&words, "--cluster.listen-address")
            .into_iter()
            .find(|(v, _)| v.is_empty())
        {
            out.report(
                object,
                node.position,
                format!(
                    "--cluster.listen-address is empty, which turns clustering off: the {replicas} Alertmanagers of {} do not share silences or the notification log, so each sends every notification itself.",
                    object.display()
                ),
                "remove the empty --cluster.listen-address (the default is 0.0.0.0:9094)",
            );
            continue;
        }
        let peers = flag_values(&words, "--cluster.peer");
        let args_position = container
            .get("args")
            .or_else(|| container.get("command"))
            .map_or(container.position, |n| n.position);
        if peers.is_empty() {
            out.report(
                object,
                args_position,
                format!(
                    "{} runs {replicas} Alertmanagers with no --cluster.peer: they never find each other, so each sends every notification itself (duplicate pages) and silences apply to one replica only.",
                    object.display()
                ),
                match &pods {
                    Some(pods) => format!("add {} to the container's args", all_peers(pods)),
                    None => "add --cluster.peer=<headless Service selecting these pods>:9094 to the container's args".to_string(),
                },
            );
            continue;
        }
        let Some(pods) = pods else {
            continue; // A Deployment's pods have no stable names to list.
        };
        let mut named = BTreeSet::new();
        let mut unresolvable = Vec::new();
        let mut covers_all = false;
        for (peer, _) in &peers {
            match pods.host(host_of(peer), &object.namespace) {
                Host::Pod(ordinal) => {
                    named.insert(ordinal);
                }
                // A name not per pod, such as a headless Service, resolves to all of them.
                Host::Other => covers_all = true,
                // Named like a pod, but not how its DNS name is written: no peer.
                Host::Unresolvable => unresolvable.push(format!(
                    "{} resolves to no pod: a pod's DNS name is <pod>.{}, under the StatefulSet's serviceName",
                    host_of(peer),
                    pods.service.as_deref().unwrap_or("<serviceName>")
                )),
                Host::NoSuchPod(ordinal) => unresolvable.push(format!(
                    "{} is no pod of it: its ordinals run from {} to {}",
                    pods.pod_name(ordinal),
                    pods.ordinals().start,
                    pods.ordinals().end - 1
                )),
            }
        }
        if covers_all {
            continue;
        }
        let missing: Vec<String> = pods
            .ordinals()
            .filter(|i| !named.contains(i))
            .map(|i| pods.pod_name(i))
            .collect();
        if !missing.is_empty() {
            out.report(
                object,
                peers[0].1.position,
                format!(
                    "--cluster.peer names {} of the {replicas} replicas of {}, not {}{}: a replica without a seed forms a cluster of its own when it starts while the named ones are down, and then notifies and silences independently.",
                    named.len(),
                    object.display(),
                    missing.join(", "),
                    if unresolvable.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", unresolvable.join("; "))
                    }
                ),
                format!("list every replica: {}", all_peers(&pods)),
            );
        }
    }
}
