//! replica-label: every replica labels its data with its own identity.

use super::{Emitter, Rule};
use crate::finding::Severity;
use crate::model::Input;
use crate::model::operator::{self, DEFAULT_REPLICA_LABEL, ReplicaLabel};
use crate::model::prometheus_config::{PrometheusConfig, varies_per_pod};
use crate::scope::Scope;
use crate::settings::REPLICA_LABELS;

pub const RULE: Rule = Rule {
    id: "replica-label",
    severity: Severity::Error,
    summary: "Each Prometheus replica adds an external label that differs per pod",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Workloads, Input::PrometheusConfigs],
    lookups: &[],
    settings: &[],
    check,
};

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope.workloads.iter().filter(|w| w.operator && w.is_replicated()) {
        if !workload.app.is_sharded() {
            continue; // Alertmanager has no replica label, Thanos Ruler a fixed one.
        }
        let object = scope.object(workload.object);
        let Some(spec) = object.spec() else { continue };
        match operator::replica_label(workload.app, Some(spec)) {
            ReplicaLabel::Cleared(node) => {
                out.report(
                    object,
                    node.position,
                    format!(
                        "spec.replicaExternalLabelName is \"\", which removes the per-replica external label: the {} replicas of {} send identical series that Thanos or a remote-write backend cannot deduplicate.",
                        workload.replicas.unwrap_or(2),
                        object.display()
                    ),
                    format!("remove spec.replicaExternalLabelName (the operator then adds {DEFAULT_REPLICA_LABEL}: $(POD_NAME))"),
                );
            }
            ReplicaLabel::Named(label) => {
                if let Some(colliding) = spec.path(&["externalLabels", &label]) {
                    out.warn(
                        object,
                        colliding.position,
                        format!(
                            "spec.externalLabels.{label} is ignored: the operator sets {label} itself, from the pod's name, so that each replica's value differs."
                        ),
                        format!("remove spec.externalLabels.{label}"),
                    );
                }
            }
            ReplicaLabel::None => {}
        }
    }
    for config in &scope.prometheus_configs {
        check_config(scope, config, out);
    }
}

fn check_config(scope: &Scope<'_>, config: &PrometheusConfig<'_>, out: &mut Emitter<'_>) {
    let object = scope.object(config.object);
    let replica_labels = scope.settings.get(&REPLICA_LABELS);
    let wanted = replica_labels.join(", ");
    match config.replica_label(&replica_labels) {
        None => out.report(
            object,
            config.position_of(&["global", "external_labels"]),
            format!(
                "{} has no replica label (one of {wanted}): every replica of this Prometheus sends identical series, so Thanos and remote-write backends cannot tell them apart to deduplicate.",
                config.field("global.external_labels")
            ),
            format!(
                "add {}: ${{POD_NAME}} to global.external_labels, with POD_NAME set from metadata.name by the downward API",
                replica_labels.first().map_or(DEFAULT_REPLICA_LABEL, String::as_str)
            ),
        ),
        Some((label, value)) => {
            if !varies_per_pod(value) {
                let text = value.scalar_text().unwrap_or_default();
                out.report(
                    object,
                    value.position,
                    format!(
                        "{} is the constant {text:?}: every replica sends the same value, so their series collide instead of being deduplicated.",
                        config.field(&format!("global.external_labels.{label}"))
                    ),
                    format!("set global.external_labels.{label}: ${{POD_NAME}}, with POD_NAME set from metadata.name by the downward API"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Position;
    use crate::rules::testing::{of, of_with, settings};
    use serde_json::json;

    #[test]
    fn both_bad_examples_point_at_their_lines() {
        let found = of(&RULE, RULE.bad_example);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].position, Position::new(10, 3));
        assert_eq!(found[1].resource.kind, "ConfigMap");
        assert_eq!(
            found[1].position,
            Position::new(37, 9),
            "the value inside the block scalar"
        );
        assert!(
            found[1]
                .message
                .contains("data[prometheus.yml] global.external_labels.replica is the constant \"prometheus-0\""),
            "{}",
            found[1].message
        );
    }

    #[test]
    fn single_replica_operator_resources_are_not_checked() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec: {replicaExternalLabelName: \"\"}\n";
        assert!(of(&RULE, yaml).is_empty());
    }

    #[test]
    fn colliding_external_label_is_a_warning() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec:\n  replicas: 2\n  externalLabels: {prometheus_replica: a}\n";
        let found = of(&RULE, yaml);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        let renamed = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec:\n  replicas: 2\n  replicaExternalLabelName: replica\n  externalLabels: {replica: a, prometheus_replica: b}\n";
        let found = of(&RULE, renamed);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("externalLabels.replica "),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn standalone_configs_need_a_varying_replica_label() {
        let missing = of(
            &RULE,
            "global:\n  external_labels: {cluster: prod}\nscrape_configs: []\n",
        );
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].resource.kind, "file");
        assert_eq!(missing[0].position, Position::new(2, 3));
        assert!(of(&RULE, "global:\n  external_labels: {__replica__: $(POD_NAME)}\n").is_empty());
        assert!(
            of(
                &RULE,
                "global:\n  external_labels: {prometheus_replica: prom, replica: \"${HOSTNAME}\"}\n"
            )
            .is_empty(),
            "one varying replica label is enough"
        );
        let no_global = of(&RULE, "scrape_configs: []\n");
        assert_eq!(
            no_global[0].position,
            Position::new(1, 1),
            "no global: the document itself"
        );
    }

    #[test]
    fn replica_labels_setting_is_honoured() {
        let yaml = "global:\n  external_labels: {pod: \"${HOSTNAME}\"}\n";
        assert_eq!(of(&RULE, yaml).len(), 1);
        assert!(of_with(&RULE, yaml, &settings(json!({"replicaLabels": ["pod"]}))).is_empty());
    }

    #[test]
    fn configs_in_secrets_are_found_too() {
        use base64::Engine;
        let config = "global:\n  external_labels:\n    replica: fixed\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(config);
        let yaml =
            format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: prom}}\ndata:\n  prometheus.yaml: {encoded}\n");
        let found = of(&RULE, &yaml);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].position, Position::new(5, 3), "the Secret's data key");
    }
}
