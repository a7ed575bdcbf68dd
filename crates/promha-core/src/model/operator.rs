//! What the Prometheus Operator (monitoring.coreos.com) does with its
//! resources, in one place: the labels it gives their pods, the names of the
//! StatefulSets and headless Services it creates, and the replica label.
//! From prometheus-operator v0.93: `makeSelectorLabels` in pkg/prometheus/server,
//! pkg/prometheus/agent, pkg/alertmanager and pkg/thanos; `Prefix` and
//! `governingServiceName` beside them.

use super::App;
use super::object::Object;
use crate::read::Node;

pub const GROUP: &str = "monitoring.coreos.com";

/// The operator's kinds that run an application, with their API version.
pub const KINDS: &[(&str, &str, App)] = &[
    ("Prometheus", "monitoring.coreos.com/v1", App::Prometheus),
    (
        "PrometheusAgent",
        "monitoring.coreos.com/v1alpha1",
        App::PrometheusAgent,
    ),
    ("Alertmanager", "monitoring.coreos.com/v1", App::Alertmanager),
    ("ThanosRuler", "monitoring.coreos.com/v1", App::ThanosRuler),
];

/// The label the operator gives each shard's pods; its value varies per shard.
pub const SHARD_LABEL: &str = "operator.prometheus.io/shard";
/// Marks the StatefulSets the operator generates (checked through their resource).
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "prometheus-operator");

/// The operator's replica label when `replicaExternalLabelName` is unset.
pub const DEFAULT_REPLICA_LABEL: &str = "prometheus_replica";
/// The label Thanos Ruler replicas always add (and drop from alerts).
pub const RULER_REPLICA_LABEL: &str = "thanos_ruler_replica";

/// The kind's application, for an operator kind.
pub fn app_of(kind: &str) -> Option<App> {
    KINDS.iter().find(|(k, _, _)| *k == kind).map(|(_, _, app)| *app)
}

/// `makeSelectorLabels`: the labels the operator selects its pods by, which
/// it also writes into topology spread constraints that ask for
/// `additionalLabelSelectors`. Every pod carries them; shards add [`SHARD_LABEL`].
pub fn selector_labels(app: App, name: &str) -> Vec<(&'static str, String)> {
    let name = name.to_string();
    let common = [
        ("app.kubernetes.io/name", app_label(app).to_string()),
        (MANAGED_BY.0, MANAGED_BY.1.to_string()),
        ("app.kubernetes.io/instance", name.clone()),
    ];
    let own: &[(&'static str, String)] = match app {
        App::Prometheus => &[
            ("operator.prometheus.io/name", name.clone()),
            ("prometheus", name.clone()),
        ],
        App::PrometheusAgent => &[("operator.prometheus.io/name", name.clone())],
        App::Alertmanager => &[("alertmanager", name.clone())],
        App::ThanosRuler => &[("thanos-ruler", name.clone())],
    };
    common.into_iter().chain(own.iter().cloned()).collect()
}

/// The `app.kubernetes.io/name` of the application's pods.
fn app_label(app: App) -> &'static str {
    match app {
        App::Prometheus => "prometheus",
        App::PrometheusAgent => "prometheus-agent",
        App::Alertmanager => "alertmanager",
        App::ThanosRuler => "thanos-ruler",
    }
}

/// Whether the application's pods carry the operator's version label, whose
/// value is set from the resource's version or the operator's default.
pub fn carries_version_label(app: App) -> bool {
    app != App::ThanosRuler
}

/// Two labels that pick out exactly one resource's pods, for fixes.
pub fn identifying_labels(app: App, name: &str) -> Vec<(String, String)> {
    let instance = match app {
        App::ThanosRuler => "thanos-ruler",
        _ => "app.kubernetes.io/instance",
    };
    vec![
        ("app.kubernetes.io/name".to_string(), app_label(app).to_string()),
        (instance.to_string(), name.to_string()),
    ]
}

/// The StatefulSet the operator creates for a resource's shard:
/// `prometheus-<name>`, `prometheus-<name>-shard-1`, `prom-agent-<name>`,
/// `alertmanager-<name>`, `thanos-ruler-<name>`.
pub fn statefulset_name(app: App, name: &str, shard: i64) -> String {
    let prefix = match app {
        App::Prometheus => "prometheus",
        App::PrometheusAgent => "prom-agent",
        App::Alertmanager => "alertmanager",
        App::ThanosRuler => "thanos-ruler",
    };
    if shard > 0 {
        format!("{prefix}-{name}-shard-{shard}")
    } else {
        format!("{prefix}-{name}")
    }
}

/// The headless Service the operator creates for all resources of a kind in
/// a namespace, unless `spec.serviceName` names another.
pub const fn governing_service(app: App) -> &'static str {
    match app {
        App::Prometheus => "prometheus-operated",
        App::PrometheusAgent => "prometheus-agent-operated",
        App::Alertmanager => "alertmanager-operated",
        App::ThanosRuler => "thanos-ruler-operated",
    }
}

/// The external label that differs per replica, as the operator sets it:
/// `replicaExternalLabelName` (default `prometheus_replica`; `""` removes
/// it) for Prometheus and PrometheusAgent, `thanos_ruler_replica` for Thanos
/// Ruler, none for Alertmanager.
pub fn replica_label(app: App, spec: Option<&Node>) -> ReplicaLabel<'_> {
    match app {
        App::Prometheus | App::PrometheusAgent => match spec.and_then(|s| s.get("replicaExternalLabelName")) {
            Some(node) => match node.as_str() {
                Some("") => ReplicaLabel::Cleared(node),
                Some(name) => ReplicaLabel::Named(name.to_string()),
                None => ReplicaLabel::Named(DEFAULT_REPLICA_LABEL.to_string()),
            },
            None => ReplicaLabel::Named(DEFAULT_REPLICA_LABEL.to_string()),
        },
        App::ThanosRuler => ReplicaLabel::Named(RULER_REPLICA_LABEL.to_string()),
        App::Alertmanager => ReplicaLabel::None,
    }
}

/// What [`replica_label`] found.
#[derive(Clone, Debug, PartialEq)]
pub enum ReplicaLabel<'d> {
    Named(String),
    /// `replicaExternalLabelName: ""`: the field that removes it.
    Cleared(&'d Node),
    /// The application has none.
    None,
}

/// One `spec.alerting.alertmanagers[]` entry of a Prometheus: a Service (or
/// Endpoints) whose every pod the operator makes an alerting target.
#[derive(Clone, Debug)]
pub struct AlertmanagerEndpoint<'d> {
    pub index: usize,
    pub name: &'d str,
    /// The entry's namespace, else the Prometheus's.
    pub namespace: String,
    pub node: &'d Node,
}

/// The `spec.alerting.alertmanagers` of a Prometheus resource, those with a name.
pub fn alertmanager_endpoints<'d>(object: &Object<'d>) -> Vec<AlertmanagerEndpoint<'d>> {
    object
        .spec()
        .and_then(|s| s.path(&["alerting", "alertmanagers"]))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(index, node)| {
            let name = node.get("name").and_then(Node::as_str)?;
            let namespace = node
                .get("namespace")
                .and_then(Node::as_str)
                .filter(|ns| !ns.is_empty())
                .unwrap_or(&object.namespace)
                .to_string();
            Some(AlertmanagerEndpoint {
                index,
                name,
                namespace,
                node,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statefulset_names_follow_the_operator() {
        assert_eq!(statefulset_name(App::Prometheus, "k8s", 0), "prometheus-k8s");
        assert_eq!(statefulset_name(App::Prometheus, "k8s", 2), "prometheus-k8s-shard-2");
        assert_eq!(statefulset_name(App::PrometheusAgent, "a", 0), "prom-agent-a");
        assert_eq!(statefulset_name(App::Alertmanager, "main", 0), "alertmanager-main");
        assert_eq!(statefulset_name(App::ThanosRuler, "r", 0), "thanos-ruler-r");
    }

    #[test]
    fn selector_labels_per_kind() {
        let keys = |app| {
            selector_labels(app, "x")
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        };
        assert!(keys(App::Prometheus).contains(&"prometheus"));
        assert!(!keys(App::PrometheusAgent).contains(&"prometheus"));
        assert!(keys(App::PrometheusAgent).contains(&"operator.prometheus.io/name"));
        assert!(keys(App::Alertmanager).contains(&"alertmanager"));
        assert!(keys(App::ThanosRuler).contains(&"thanos-ruler"));
        assert!(keys(App::ThanosRuler).contains(&"app.kubernetes.io/instance"));
    }

    #[test]
    fn kinds_and_apps_round_trip() {
        for (kind, _, app) in KINDS {
            assert_eq!(app_of(kind), Some(*app));
        }
        assert_eq!(app_of("Pod"), None);
    }
}
