//! query-replica-label: Thanos Query deduplicates the replicas it reads.

use std::collections::BTreeMap;

use serde_json::json;

use super::{Emitter, Need, Rule};
use crate::finding::{Fix, Severity};
use crate::model::Input;
use crate::model::containers::takes_appended_args;
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
            labels: None,
            running_state: false,
        },
        Need {
            api_version: "monitoring.coreos.com/v1alpha1",
            kind: "PrometheusAgent",
            namespaces: of_queries,
            labels: None,
            running_state: false,
        },
        Need {
            api_version: "monitoring.coreos.com/v1",
            kind: "ThanosRuler",
            namespaces: of_queries,
            labels: None,
            running_state: false,
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
                {
                    let fix = Fix::text(format!("add --query.replica-label={label} to the thanos query args"));
                    match object.container_path(query.container) {
                        Some(path) if takes_appended_args(query.container) => {
                            fix.append(path.key("args"), vec![json!(format!("--query.replica-label={label}"))])
                        }
                        _ => fix,
                    }
                },
            );
        }
    }
}
