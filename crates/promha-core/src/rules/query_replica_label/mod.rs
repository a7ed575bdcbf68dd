//! query-replica-label: Thanos Query deduplicates the replicas it reads.

use std::collections::BTreeMap;

use super::{Emitter, Need, Rule};
use crate::finding::Severity;
use crate::model::Input;
use crate::model::operator::{self, ReplicaLabel};
use crate::scope::Scope;
use crate::settings::REPLICA_LABELS;

pub const RULE: Rule = Rule {
    id: "query-replica-label",
    severity: Severity::Warning,
    summary: "Thanos Query deduplicates on the replica label of every replicated Prometheus",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::ThanosQueries, Input::Workloads, Input::PrometheusConfigs],
    // The replicated Prometheus a Thanos Query may read: operator resources
    // in its namespace (raw prometheus.yml files in ConfigMaps are not looked up).
    lookups: &[
        Need {
            api_version: "monitoring.coreos.com/v1",
            kind: "Prometheus",
            namespaces: of_queries,
        },
        Need {
            api_version: "monitoring.coreos.com/v1alpha1",
            kind: "PrometheusAgent",
            namespaces: of_queries,
        },
        Need {
            api_version: "monitoring.coreos.com/v1",
            kind: "ThanosRuler",
            namespaces: of_queries,
        },
    ],
    settings: &[],
    check,
};

fn of_queries(scope: &Scope<'_>) -> Vec<String> {
    scope
        .thanos_queries
        .iter()
        .map(|q| scope.object(q.object).namespace.clone())
        .collect()
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    if scope.thanos_queries.is_empty() {
        return;
    }
    // Each replica label in use, with one source that uses it.
    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    for workload in scope.workloads.iter().filter(|w| w.operator && w.is_replicated()) {
        let object = scope.object(workload.object);
        let ReplicaLabel::Named(label) = operator::replica_label(workload.app, object.spec()) else {
            continue;
        };
        labels.entry(label).or_insert_with(|| object.display());
    }
    let replica_labels = scope.settings.get(&REPLICA_LABELS);
    for config in &scope.prometheus_configs {
        if let Some((label, _)) = config.replica_label(&replica_labels) {
            let object = scope.object(config.object);
            labels.entry(label.to_string()).or_insert_with(|| object.display());
        }
    }
    for query in &scope.thanos_queries {
        let object = scope.object(query.object);
        let position = query
            .container
            .get("args")
            .map_or(query.container.position, |a| a.position);
        for (label, source) in &labels {
            if query.replica_labels.iter().any(|l| l == label) {
                continue;
            }
            out.report(
                object,
                position,
                format!(
                    "{} does not deduplicate on {label}, the replica label of {source}: it shows each of its series once per replica, so sums and counts double.",
                    object.display()
                ),
                format!("add --query.replica-label={label} to the thanos query args"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::of;

    #[test]
    fn names_the_missing_label_and_its_source() {
        let found = of(&RULE, RULE.bad_example);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("prometheus_replica, the replica label of Prometheus monitoring/k8s"),
            "{}",
            found[0].message
        );
        assert_eq!(
            found[0].fix,
            "add --query.replica-label=prometheus_replica to the thanos query args"
        );
    }

    #[test]
    fn custom_names_rulers_and_raw_configs_count() {
        let query = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: q}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: q, image: thanos/thanos, args: [query, --query.replica-label, replica]}\n";
        let custom = format!(
            "{query}---\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {{name: p}}\nspec: {{replicas: 2, replicaExternalLabelName: replica}}\n"
        );
        assert!(of(&RULE, &custom).is_empty());
        let ruler = format!(
            "{query}---\napiVersion: monitoring.coreos.com/v1\nkind: ThanosRuler\nmetadata: {{name: r}}\nspec: {{replicas: 2}}\n"
        );
        assert!(of(&RULE, &ruler)[0].message.contains("thanos_ruler_replica"));
        let raw = format!("{query}---\nglobal:\n  external_labels: {{__replica__: $(POD_NAME)}}\n");
        assert!(of(&RULE, &raw)[0].message.contains("__replica__"));
        let single = format!(
            "{query}---\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {{name: p}}\nspec: {{replicas: 1}}\n"
        );
        assert!(of(&RULE, &single).is_empty());
    }

    #[test]
    fn other_thanos_components_are_not_queries() {
        let sidecar = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: s}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: s, image: thanos/thanos, args: [store]}\n---\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: p}\nspec: {replicas: 2}\n";
        assert!(of(&RULE, sidecar).is_empty());
    }
}
