//! replica-label: every replica labels its data with its own identity.

use super::{Emitter, Rule};
use crate::finding::Severity;
use crate::node::Node;
use crate::scope::{PrometheusConfig, Scope};
use crate::workload::App;

pub const RULE: Rule = Rule {
    id: "replica-label",
    severity: Severity::Error,
    summary: "Each Prometheus replica adds an external label that differs per pod",
    doc: "Replicas scrape the same targets. Thanos Query, Mimir/Cortex and other remote-write \
backends deduplicate their series by an external label that names the replica; without it the \
replicas' series collide (rejected as duplicates, or double-counted). The Prometheus Operator adds \
`prometheus_replica: $(POD_NAME)` by default: `replicaExternalLabelName: \"\"` removes it (reported \
for 2 or more replicas), and an `externalLabels` key with the replica label's name is ignored by the \
operator (a warning). A raw prometheus.yml, always checked as an HA config, must hold one of the \
setting `replicaLabels` (default prometheus_replica, replica, __replica__) in global.external_labels, \
with a value that varies per pod: a `$` expansion such as `${POD_NAME}` (Prometheus 3 expands \
environment variables in external labels; Prometheus 2 needs --enable-feature=expand-external-labels). \
`$(POD_NAME)` is accepted too, but only prometheus-config-reloader's --config-envsubst-file expands \
that form; Prometheus itself leaves it as written.",
    bad_example: include_str!("replica_label/bad.yaml"),
    good_example: include_str!("replica_label/good.yaml"),
    check,
};

/// The operator's default replica label.
pub const OPERATOR_REPLICA_LABEL: &str = "prometheus_replica";

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope.workloads.iter().filter(|w| w.operator && w.is_replicated()) {
        if !matches!(workload.app, App::Prometheus | App::PrometheusAgent) {
            continue;
        }
        let object = scope.object(workload.object);
        let Some(spec) = object.spec() else { continue };
        let name_field = spec.get("replicaExternalLabelName");
        match name_field.map(|n| n.as_str()) {
            Some(Some("")) => {
                let node = name_field.map_or(spec, |n| n);
                out.report(
                    object,
                    node.position,
                    format!(
                        "spec.replicaExternalLabelName is \"\", which removes the per-replica external label: the {} replicas of {} send identical series that Thanos or a remote-write backend cannot deduplicate.",
                        workload.replicas.unwrap_or(2),
                        object.display()
                    ),
                    format!("remove spec.replicaExternalLabelName (the operator then adds {OPERATOR_REPLICA_LABEL}: $(POD_NAME))"),
                );
            }
            _ => {
                let label = name_field.and_then(Node::as_str).unwrap_or(OPERATOR_REPLICA_LABEL);
                if let Some(colliding) = spec.path(&["externalLabels", label]) {
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
        }
    }
    for config in &scope.prometheus_configs {
        check_config(scope, config, out);
    }
}

/// The replica label a raw config sets, with its value: the first of
/// `replicaLabels` in global.external_labels that varies per pod, else the first present.
pub fn config_replica_label<'d>(scope: &Scope<'_>, config: &PrometheusConfig<'d>) -> Option<(&'d str, &'d Node)> {
    let labels = config.root.path(&["global", "external_labels"])?.as_map()?;
    let present = || {
        scope
            .settings
            .replica_labels
            .iter()
            .filter_map(|wanted| labels.iter().find(|e| &e.key == wanted))
    };
    // A constant `prometheus_replica` beside a per-pod `replica` is fine: one varying label is enough.
    present()
        .find(|e| varies_per_pod(&e.value))
        .or_else(|| present().next())
        .map(|e| (e.key.as_str(), &e.value))
}

/// Whether an external label's value differs between pods: it holds an
/// environment expansion (`${POD_NAME}`, `$HOSTNAME`, or config-reloader's `$(POD_NAME)`).
fn varies_per_pod(value: &Node) -> bool {
    value.scalar_text().is_some_and(|text| text.contains('$'))
}

fn check_config(scope: &Scope<'_>, config: &PrometheusConfig<'_>, out: &mut Emitter<'_>) {
    let object = scope.object(config.object);
    let wanted = scope.settings.replica_labels.join(", ");
    match config_replica_label(scope, config) {
        None => out.report(
            object,
            config.position_of(&["global", "external_labels"]),
            format!(
                "{} has no replica label (one of {wanted}): every replica of this Prometheus sends identical series, so Thanos and remote-write backends cannot tell them apart to deduplicate.",
                config.field("global.external_labels")
            ),
            format!(
                "add {}: ${{POD_NAME}} to global.external_labels, with POD_NAME set from metadata.name by the downward API",
                scope.settings.replica_labels[0]
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
    use crate::node::Position;
    use crate::rules::testing::{examples_behave, of, of_with};
    use crate::settings::Settings;

    #[test]
    fn examples() {
        examples_behave(&RULE);
    }

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
        let settings = Settings {
            replica_labels: vec!["pod".into()],
            ..Settings::default()
        };
        assert!(of_with(&RULE, yaml, &settings).is_empty());
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
