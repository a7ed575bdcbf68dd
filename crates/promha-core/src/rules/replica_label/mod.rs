//! replica-label: every replica labels its data with its own identity.

use super::{Emitter, Need, Rule};
use crate::finding::Severity;
use crate::model::Input;
use crate::model::operator::{self, DEFAULT_REPLICA_LABEL, ReplicaLabel};
use crate::model::prometheus_config::{ConfigRole, PrometheusConfig, varies_per_pod};
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
    // The workloads that may run an admitted ConfigMap's or Secret's config.
    lookups: &[
        Need {
            api_version: "apps/v1",
            kind: "StatefulSet",
            namespaces: of_config_holders,
            labels: None,
            running_state: false,
        },
        Need {
            api_version: "apps/v1",
            kind: "Deployment",
            namespaces: of_config_holders,
            labels: None,
            running_state: false,
        },
    ],
    settings: &[],
    check,
};

fn writes_remotely(config: &PrometheusConfig<'_>) -> bool {
    config
        .root
        .get("remote_write")
        .and_then(crate::read::Node::as_seq)
        .is_some_and(|targets| !targets.is_empty())
}

fn of_config_holders(scope: &Scope<'_>) -> Vec<String> {
    scope
        .prometheus_configs
        .iter()
        .map(|c| scope.object(c.object))
        .filter(|o| !o.standalone_config)
        .map(|o| o.namespace.clone())
        .collect()
}

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
        match config.role {
            ConfigRole::Plain => check_config(scope, config, out),
            // With prometheus-elector only the leader runs what is under
            // `leader`: remote write from there alone needs no replica label
            // (only one replica writes). Followers writing too do need one.
            ConfigRole::ElectorFollower if writes_remotely(config) => check_config(scope, config, out),
            ConfigRole::ElectorFollower | ConfigRole::ElectorLeader => {}
        }
    }
}

fn check_config(scope: &Scope<'_>, config: &PrometheusConfig<'_>, out: &mut Emitter<'_>) {
    let object = scope.object(config.object);
    let replica_labels = scope.settings.get(&REPLICA_LABELS);
    let wanted = replica_labels.join(", ");
    // A config a single replica runs has no twin yet: say so, and warn only.
    let runners: Vec<_> = scope.workloads_mounting(object).collect();
    let single = (!runners.is_empty() && runners.iter().all(|w| w.replicas.is_some_and(|r| r <= 1)))
        .then(|| scope.object(runners[0].object).display());
    let consequence = match &single {
        Some(runner) => format!(
            "{runner} runs it with one replica now, but once it runs more, they send identical series that Thanos and remote-write backends cannot tell apart to deduplicate."
        ),
        None => "every replica of this Prometheus sends identical series, so Thanos and remote-write backends cannot tell them apart to deduplicate.".to_string(),
    };
    let severity = if single.is_some() {
        Severity::Warning
    } else {
        RULE.severity
    };
    match config.replica_label(&replica_labels) {
        None => out.report_as(
            severity,
            object,
            config.position_of(&["global", "external_labels"]),
            format!(
                "{} has no replica label (one of {wanted}): {consequence}",
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
                let collide = match &single {
                    Some(runner) => format!(
                        "{runner} runs it with one replica now, but once it runs more, every replica sends the same value and their series collide instead of being deduplicated."
                    ),
                    None => "every replica sends the same value, so their series collide instead of being deduplicated.".to_string(),
                };
                out.report_as(
                    severity,
                    object,
                    value.position,
                    format!(
                        "{} is the constant {text:?}: {collide}",
                        config.field(&format!("global.external_labels.{label}"))
                    ),
                    format!("set global.external_labels.{label}: ${{POD_NAME}}, with POD_NAME set from metadata.name by the downward API"),
                );
            }
        }
    }
}
