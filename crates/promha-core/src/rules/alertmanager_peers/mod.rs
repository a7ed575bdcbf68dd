//! alertmanager-peers: replicas of a plain Alertmanager workload form one cluster.

use std::collections::BTreeSet;

use serde_json::json;

use super::{Emitter, Rule};
use crate::finding::{Fix, Severity};
use crate::model::containers::{flag_values, host_of, takes_appended_args, with_host, word_place};
use crate::model::object::Object;
use crate::model::pods::{Host, Missing, StatefulSetPods};
use crate::model::workload::Workload;
use crate::model::{App, Input};
use crate::read::Node;
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

/// Edits that make the peers name every pod: `renamed` peer words written
/// again, `--cluster.peer` for the `missing` pods appended to the args.
/// Only when the pods have DNS names, every one is listed and the args
/// take words of their own.
fn peers_fix(
    text: String,
    workload: &Workload<'_>,
    object: &Object<'_>,
    pods: &StatefulSetPods,
    renamed: &[(&Node, String)],
    missing: &Missing,
) -> Fix {
    let fix = Fix::text(text);
    let (Some(container), Some(path)) = (workload.container, workload.container_path(object)) else {
        return fix;
    };
    if pods.service.is_none() || !missing.all_listed() || !takes_appended_args(container) {
        return fix;
    }
    let mut fix = fix;
    for (node, word) in renamed {
        match word_place(container, node) {
            Some((key, index)) => fix = fix.set(path.clone().key(key).index(index), json!(word)),
            None => return Fix::text(fix.text),
        }
    }
    if missing.is_empty() {
        return fix;
    }
    let flags = missing
        .listed
        .iter()
        .map(|&i| json!(format!("--cluster.peer={}:9094", pods.short_host(i))))
        .collect();
    fix.append(path.key("args"), flags)
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope
        .reported_workloads()
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
                {
                    let fix = Fix::text("remove the empty --cluster.listen-address (the default is 0.0.0.0:9094)");
                    // Only a word of its own (`--cluster.listen-address=`) can be removed alone.
                    let own_word = node.scalar_text().is_some_and(|t| {
                        matches!(t.trim(), "--cluster.listen-address=" | "--cluster.listen-address=\"\"")
                    });
                    match (word_place(container, node), workload.container_path(object)) {
                        (Some((key, index)), Some(path)) if own_word => fix.remove(path.key(key).index(index)),
                        _ => fix,
                    }
                },
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
                    Some(pods) => peers_fix(
                        format!("add {} to the container's args", all_peers(pods)),
                        workload,
                        object,
                        pods,
                        &[],
                        &pods.missing(&BTreeSet::new()),
                    ),
                    None => Fix::text("add --cluster.peer=<headless Service selecting these pods>:9094 to the container's args"),
                },
            );
            continue;
        }
        let Some(pods) = pods else {
            continue; // A Deployment's pods have no stable names to list.
        };
        let mut named = BTreeSet::new();
        let mut unresolvable = Vec::new();
        // Peers named like a pod but not resolving: the word to write
        // instead, and the pod it then names.
        let mut renamed: Vec<(&Node, String)> = Vec::new();
        let mut renamed_pods = BTreeSet::new();
        let mut covers_all = false;
        for (peer, node) in &peers {
            match pods.host(host_of(peer), &object.namespace) {
                Host::Pod(ordinal) => {
                    named.insert(ordinal);
                }
                // A name not per pod, such as a headless Service, resolves to all of them.
                Host::Other => covers_all = true,
                // Named like a pod, but not how its DNS name is written: no peer.
                Host::Unresolvable(ordinal) => {
                    let own_word = node
                        .scalar_text()
                        .is_some_and(|t| t == format!("--cluster.peer={peer}"));
                    if own_word && pods.service.is_some() && pods.ordinals().contains(&ordinal) {
                        renamed.push((
                            node,
                            format!("--cluster.peer={}", with_host(peer, &pods.short_host(ordinal))),
                        ));
                        renamed_pods.insert(ordinal);
                    }
                    unresolvable.push(format!(
                        "{} resolves to no pod: a pod's DNS name is <pod>.{}, under the StatefulSet's serviceName",
                        host_of(peer),
                        pods.service.as_deref().unwrap_or("<serviceName>")
                    ));
                }
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
        let missing = pods.missing(&named);
        if !missing.is_empty() {
            let fix = peers_fix(
                format!("list every replica: {}", all_peers(&pods)),
                workload,
                object,
                &pods,
                &renamed,
                &pods.missing(&named.union(&renamed_pods).copied().collect()),
            );
            out.report(
                object,
                peers[0].1.position,
                format!(
                    "--cluster.peer names {} of the {replicas} replicas of {}, not {}{}: a replica without a seed forms a cluster of its own when it starts while the named ones are down, and then notifies and silences independently.",
                    named.len(),
                    object.display(),
                    pods.names_of(&missing),
                    if unresolvable.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", unresolvable.join("; "))
                    }
                ),
                fix,
            );
        }
    }
}
