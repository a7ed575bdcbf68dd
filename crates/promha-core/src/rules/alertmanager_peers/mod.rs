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
        let mut covers_all = false;
        for (peer, _) in &peers {
            match pods.host(host_of(peer), &object.namespace) {
                Host::Pod(ordinal) => {
                    named.insert(ordinal);
                }
                // A name not per pod, such as a headless Service, resolves to all of them.
                Host::Other => covers_all = true,
                // Named like a pod, but not how its DNS name is written: no peer.
                Host::Unresolvable => {}
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
                    "--cluster.peer names {} of the {replicas} replicas of {}, not {}: a replica without a seed forms a cluster of its own when it starts while the named ones are down, and then notifies and silences independently.",
                    named.len(),
                    object.display(),
                    missing.join(", ")
                ),
                format!("list every replica: {}", all_peers(&pods)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::of;

    fn statefulset(kind: &str, replicas: u32, args: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: am, namespace: mon}}\nspec:\n  serviceName: am-peers\n  replicas: {replicas}\n  template:\n    spec:\n      containers:\n      - name: am\n        image: prom/alertmanager:v0.28.1\n        args: [{args}]\n"
        )
    }

    #[test]
    fn missing_ordinals_are_named() {
        let found = of(&RULE, RULE.bad_example);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("not alertmanager-2"), "{}", found[0].message);
        assert_eq!(found[0].position.line, 34);
    }

    #[test]
    fn ordinals_start_where_the_statefulset_says() {
        let shifted = |peers: &str| {
            statefulset("StatefulSet", 2, peers).replace("  replicas: 2\n", "  replicas: 2\n  ordinals: {start: 1}\n")
        };
        assert!(
            of(
                &RULE,
                &shifted("--cluster.peer=am-1.am-peers:9094, --cluster.peer=am-2.am-peers:9094")
            )
            .is_empty()
        );
        let found = of(
            &RULE,
            &shifted("--cluster.peer=am-0.am-peers:9094, --cluster.peer=am-1.am-peers:9094"),
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("not am-2"), "{}", found[0].message);
        assert!(
            found[0].fix.contains("am-1.am-peers:9094 --cluster.peer=am-2."),
            "{}",
            found[0].fix
        );
    }

    #[test]
    fn empty_listen_address_disables_clustering() {
        let found = of(
            &RULE,
            &statefulset(
                "StatefulSet",
                2,
                "--cluster.listen-address=, --cluster.peer=am-peers:9094",
            ),
        );
        assert!(
            found[0].message.contains("turns clustering off"),
            "{}",
            found[0].message
        );
        let separate = statefulset(
            "StatefulSet",
            2,
            "--cluster.listen-address, '', --cluster.peer=am-peers:9094",
        );
        assert_eq!(of(&RULE, &separate).len(), 1);
    }

    #[test]
    fn no_peers() {
        let found = of(&RULE, &statefulset("StatefulSet", 2, "--storage.path=/data"));
        assert_eq!(
            found[0].fix,
            "add --cluster.peer=am-0.am-peers:9094 --cluster.peer=am-1.am-peers:9094 to the container's args"
        );
        assert_eq!(found[0].position.line, 12);
        let deployment = of(&RULE, &statefulset("Deployment", 2, "--storage.path=/data"));
        assert!(deployment[0].fix.contains("headless Service"));
    }

    #[test]
    fn a_service_name_covers_every_replica() {
        assert!(
            of(
                &RULE,
                &statefulset("StatefulSet", 3, "--cluster.peer=am-peers.mon.svc:9094")
            )
            .is_empty()
        );
        assert!(
            of(
                &RULE,
                &statefulset(
                    "StatefulSet",
                    2,
                    "--cluster.peer, am-0.am-peers:9094, --cluster.peer, am-1.am-peers:9094"
                )
            )
            .is_empty()
        );
    }

    #[test]
    fn single_replicas_and_operator_resources_are_not_checked() {
        assert!(of(&RULE, &statefulset("StatefulSet", 1, "--cluster.listen-address=")).is_empty());
        let cr = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: m}\nspec: {replicas: 3}\n";
        assert!(of(&RULE, cr).is_empty());
    }

    #[test]
    fn flags_in_command() {
        let yaml = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: am}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: am\n        image: prom/alertmanager\n        command: [/bin/alertmanager, --cluster.peer=am-0.x:9094]\n";
        let found = of(&RULE, yaml);
        assert!(
            found[0].message.contains("names 0 of the 2 replicas"),
            "{}",
            found[0].message
        );
        assert!(
            found[0].message.contains("not am-0, am-1"),
            "am-0.x is no DNS name of a pod: {}",
            found[0].message
        );
        assert!(found[0].fix.contains("set spec.serviceName"), "{}", found[0].fix);
        let with_service = yaml.replace("  replicas: 2\n", "  replicas: 2\n  serviceName: x\n");
        let found = of(&RULE, &with_service);
        assert!(found[0].message.contains("not am-1"), "{}", found[0].message);
    }
}
