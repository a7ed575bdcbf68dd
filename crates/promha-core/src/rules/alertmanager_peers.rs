//! alertmanager-peers: replicas of a plain Alertmanager workload form one cluster.

use std::collections::BTreeSet;

use super::{Emitter, Rule};
use crate::containers::{flag_values, host_of};
use crate::finding::Severity;
use crate::node::Node;
use crate::scope::Scope;
use crate::workload::App;

pub const RULE: Rule = Rule {
    id: "alertmanager-peers",
    severity: Severity::Error,
    summary: "Replicas of a plain Alertmanager StatefulSet or Deployment cluster with each other",
    doc: "Alertmanager replicas only deduplicate notifications and share silences when they gossip \
as one cluster. Clustering is on by default, but `--cluster.listen-address=` (empty) turns it off, \
and without `--cluster.peer` the replicas never find each other: each then notifies on its own \
(duplicate pages) and a silence set on one is unknown to the others. Per-pod peer names \
(`<statefulset>-<ordinal>.<service>:9094`) must name every ordinal, so any replica can (re)join; a \
name that is not per-pod, such as a headless Service resolving to all pods, counts for all. Checked for \
plain StatefulSets and Deployments running alertmanager with 2 or more replicas (the operator \
configures peers itself). Flags may be in command or args, as `--flag=value` or `--flag value`.",
    bad_example: include_str!("alertmanager_peers/bad.yaml"),
    good_example: include_str!("alertmanager_peers/good.yaml"),
    check,
};

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
        let service = object
            .spec()
            .and_then(|s| s.get("serviceName"))
            .and_then(Node::as_str)
            .unwrap_or("alertmanager");
        let set = object.name.as_str();
        // StatefulSet spec.ordinals.start shifts the pods' numbers (k8s 1.27+).
        let first = object
            .spec()
            .and_then(|s| s.path(&["ordinals", "start"]))
            .and_then(Node::as_whole_number)
            .filter(|&n| n >= 0)
            .unwrap_or(0);
        let ordinals = first..first.saturating_add(replicas);
        let all_peers = ordinals
            .clone()
            .take(10)
            .map(|i| format!("--cluster.peer={set}-{i}.{service}:9094"))
            .collect::<Vec<_>>()
            .join(" ");

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
                if object.kind == "StatefulSet" {
                    format!("add {all_peers} to the container's args")
                } else {
                    "add --cluster.peer=<headless Service selecting these pods>:9094 to the container's args".to_string()
                },
            );
            continue;
        }
        if object.kind != "StatefulSet" {
            continue; // A Deployment's pods have no stable names to list.
        }
        let prefix = format!("{set}-");
        let mut named = BTreeSet::new();
        let mut covers_all = false;
        for (peer, _) in &peers {
            let host = host_of(peer);
            let first_label = host.split('.').next().unwrap_or(host);
            match first_label.strip_prefix(&prefix).and_then(|o| o.parse::<i64>().ok()) {
                Some(ordinal) => {
                    named.insert(ordinal);
                }
                None => covers_all = true,
            }
        }
        if covers_all {
            continue;
        }
        let missing: Vec<String> = ordinals
            .filter(|i| !named.contains(i))
            .map(|i| format!("{set}-{i}"))
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
                format!("list every replica: {all_peers}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{examples_behave, of};

    fn statefulset(kind: &str, replicas: u32, args: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: am, namespace: mon}}\nspec:\n  serviceName: am-peers\n  replicas: {replicas}\n  template:\n    spec:\n      containers:\n      - name: am\n        image: prom/alertmanager:v0.28.1\n        args: [{args}]\n"
        )
    }

    #[test]
    fn examples() {
        examples_behave(&RULE);
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
        assert!(found[0].message.contains("not am-1"), "{}", found[0].message);
    }
}
