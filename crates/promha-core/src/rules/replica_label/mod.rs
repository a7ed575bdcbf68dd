//! replica-label: every replica labels its data with its own identity.

use super::{Emitter, Need, Rule};
use crate::finding::{FieldPath, Fix, Severity};
use crate::model::Input;
use crate::model::containers::{
    EnvVar, enabled_features, env_var, flag_values, image_major_version, image_name, takes_appended_args,
};
use crate::model::operator::{self, DEFAULT_REPLICA_LABEL, ReplicaLabel};
use crate::model::prometheus_config::{ConfigRole, PrometheusConfig, env_references, varies_per_pod};
use crate::model::workload::Workload;
use crate::read::Node;
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
        // The configs an admitted plain Prometheus runs, whose external labels
        // name variables its containers must set.
        Need {
            api_version: "v1",
            kind: "ConfigMap",
            namespaces: of_plain_prometheus,
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

fn of_plain_prometheus(scope: &Scope<'_>) -> Vec<String> {
    scope
        .workloads
        .iter()
        .filter(|w| !w.operator && w.app == crate::model::App::Prometheus)
        .map(|w| scope.object(w.object).namespace.clone())
        .collect()
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope.reported_workloads().filter(|w| w.operator && w.is_replicated()) {
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
                    Fix::text(format!(
                        "remove spec.replicaExternalLabelName (the operator then adds {DEFAULT_REPLICA_LABEL}: $(POD_NAME))"
                    ))
                    .remove(FieldPath::keys(&["spec", "replicaExternalLabelName"])),
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
                        {
                            let only = spec.get("externalLabels").and_then(Node::as_map).is_some_and(|m| m.len() == 1);
                            let removed = if only { vec!["spec", "externalLabels"] } else { vec!["spec", "externalLabels", &label] };
                            Fix::text(format!("remove spec.externalLabels.{label}")).remove(FieldPath::keys(&removed))
                        },
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
            {
                let label = replica_labels.first().map_or(DEFAULT_REPLICA_LABEL, String::as_str);
                let fix = Fix::text(format!(
                    "add {label}: ${{POD_NAME}} to global.external_labels, with POD_NAME set from metadata.name by the downward API"
                ));
                match config.edit_path(&["global", "external_labels", label]) {
                    Some(path) => fix.set(path, serde_json::json!("${POD_NAME}")),
                    None => fix,
                }
            },

        ),
        Some((label, value)) => {
            if varies_per_pod(value) {
                check_expansion(scope, config, &runners, label, value, severity, out);
            } else {
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
                    {
                        let fix = Fix::text(format!(
                            "set global.external_labels.{label}: ${{POD_NAME}}, with POD_NAME set from metadata.name by the downward API"
                        ));
                        match config.edit_path(&["global", "external_labels", label]) {
                            Some(path) => fix.set(path, serde_json::json!("${POD_NAME}")),
                            None => fix,
                        }
                    },
                );
            }
        }
    }
}

/// Image of the operator's config reloader, which expands `$(VAR)` in the
/// config it writes.
const CONFIG_RELOADER_IMAGE: &str = "prometheus-config-reloader";

/// A value naming environment variables varies per pod only if Prometheus
/// expands them and the pods set them: checked against each workload that
/// runs the config.
fn check_expansion(
    scope: &Scope<'_>,
    config: &PrometheusConfig<'_>,
    runners: &[&Workload<'_>],
    label: &str,
    value: &Node,
    severity: Severity,
    out: &mut Emitter<'_>,
) {
    let Some(text) = value.as_str() else { return };
    let refs = env_references(text);
    let field = config.field(&format!("global.external_labels.{label}"));
    for runner in runners {
        let object = scope.object(runner.object);
        let Some(container) = runner.container else { continue };
        let reloaded = object.containers().iter().any(|c| {
            c.get("image")
                .and_then(Node::as_str)
                .is_some_and(|i| image_name(i) == CONFIG_RELOADER_IMAGE)
        });
        if refs.expanded.is_empty() {
            if !refs.kubernetes_style.is_empty() && !reloaded {
                let fixed = refs.kubernetes_style.iter().fold(text.to_string(), |t, v| {
                    t.replace(&format!("$({v})"), &format!("${{{v}}}"))
                });
                let fix = Fix::text(format!("write it {fixed}: Prometheus expands ${{VAR}}"));
                out.report_as(
                    severity,
                    scope.object(config.object),
                    value.position,
                    format!(
                        "{field} is {text:?}, but Prometheus does not expand $(…) (Kubernetes' syntax for args and env, which only the operator's config reloader applies to a config file): every replica of {} sends that text as is, so their series collide instead of being deduplicated.",
                        object.display()
                    ),
                    match config.edit_path(&["global", "external_labels", label]) {
                        Some(path) => fix.set(path, serde_json::json!(fixed)),
                        None => fix,
                    },
                );
                return;
            }
            continue;
        }
        let image = container.get("image").and_then(Node::as_str).unwrap_or_default();
        let words = runner.command_line();
        let args_position = container.get("args").map_or(container.position, |a| a.position);
        if image_major_version(image) == Some(2) && !enabled_features(&words).iter().any(|f| f == EXPAND_FEATURE) {
            let fix = Fix::text(format!(
                "add --enable-feature={EXPAND_FEATURE} to the Prometheus container's args"
            ));
            out.report_as(
                severity,
                object,
                args_position,
                format!(
                    "{} runs {image}, and Prometheus 2 expands {text} in {field} only with --enable-feature={EXPAND_FEATURE}: without it every replica sends the text as is, so their series collide instead of being deduplicated.",
                    object.display()
                ),
                match object.container_path(container) {
                    Some(path) if takes_appended_args(container) && flag_values(&words, "--enable-feature").is_empty() => {
                        fix.append(path.key("args"), vec![serde_json::json!(format!("--enable-feature={EXPAND_FEATURE}"))])
                    }
                    _ => fix,
                },
            );
            continue;
        }
        let unset: Vec<&str> = refs
            .expanded
            .iter()
            .filter(|v| env_var(container, v) == EnvVar::Unset)
            .map(String::as_str)
            .collect();
        if unset.len() < refs.expanded.len() {
            continue;
        }
        let Some(first) = unset.first() else { continue };
        let name = container.get("name").and_then(Node::as_str).unwrap_or("prometheus");
        let entry = serde_json::json!({"name": first, "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}});
        let fix = Fix::text(format!(
            "set {first} in container {name} from the pod's name: env: [{{name: {first}, valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}}}]"
        ));
        out.report_as(
            severity,
            object,
            container.get("env").map_or(container.position, |e| e.position),
            format!(
                "{field} is {text:?}, but container {name} of {} sets no {}: Prometheus expands an unset variable to \"\", so every replica sends the same value and their series collide instead of being deduplicated.",
                object.display(),
                unset.join(", ")
            ),
            match object.container_path(container) {
                Some(path) => fix.append(path.key("env"), vec![entry]),
                None => fix,
            },
        );
    }
}

/// The Prometheus 2 feature that expands environment variables in external labels.
const EXPAND_FEATURE: &str = "expand-external-labels";
