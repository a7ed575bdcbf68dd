//! Workloads: what runs Prometheus, Alertmanager or Thanos Ruler, how many
//! replicas it has and which labels its pods carry.

use crate::containers::{command_line, image_name};
use crate::document::Object;
use crate::node::{Node, Value};
use crate::selector::{LabelSelector, PodLabels};

pub const MONITORING_GROUP: &str = "monitoring.coreos.com";

/// The operator's kinds that run a watched application.
pub const OPERATOR_KINDS: &[(&str, App)] = &[
    ("Prometheus", App::Prometheus),
    ("PrometheusAgent", App::PrometheusAgent),
    ("Alertmanager", App::Alertmanager),
    ("ThanosRuler", App::ThanosRuler),
];

/// Image names (the repository's last path segment) that rules read: the
/// applications of plain workloads, and Thanos (Query).
pub const WATCHED_IMAGES: &[&str] = &["prometheus", "alertmanager", THANOS_IMAGE];
pub const THANOS_IMAGE: &str = "thanos";

/// Shards beyond this are treated as this many: labels are computed per shard.
const MAX_SHARDS: i64 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum App {
    Prometheus,
    PrometheusAgent,
    Alertmanager,
    ThanosRuler,
}

impl App {
    pub fn noun(self) -> &'static str {
        match self {
            App::Prometheus => "Prometheus",
            App::PrometheusAgent => "Prometheus agent",
            App::Alertmanager => "Alertmanager",
            App::ThanosRuler => "Thanos Ruler",
        }
    }
}

/// What a workload's `replicas` field says.
#[derive(Clone, Copy, Debug)]
pub enum Replicas<'d> {
    /// Not written: the default applies.
    Unset,
    Set(i64, &'d Node),
    /// Written with the wrong type; invalid-resource reports it.
    Invalid(&'d Node),
}

#[derive(Debug)]
pub struct Workload<'d> {
    /// Index of its object in the scope.
    pub object: usize,
    pub app: App,
    /// A monitoring.coreos.com resource, as opposed to a plain StatefulSet or Deployment.
    pub operator: bool,
    pub replicas_field: Replicas<'d>,
    /// Pods per shard; `None` when `replicas` has the wrong type.
    pub replicas: Option<i64>,
    pub shards: i64,
    /// Labels every pod carries; the operator's shard label is added per shard.
    pub base_labels: PodLabels,
    /// Keys leading to the pod spec fields (`affinity`, `topologySpreadConstraints`).
    pub pod_spec_keys: &'static [&'static str],
    /// The container running the application (plain workloads only).
    pub container: Option<&'d Node>,
    /// A PrometheusAgent in DaemonSet mode runs one pod per node: no replicas.
    pub daemonset: bool,
}

/// The label the operator gives each shard's pods; its value varies per shard.
pub const SHARD_LABEL: &str = "operator.prometheus.io/shard";
/// The operator's version label: its value is not known when no version is set.
pub const VERSION_LABEL: &str = "app.kubernetes.io/version";
/// Labels pods may carry with a value known only in the cluster: a selector
/// on them gets the benefit of the doubt, and joins cannot look them up.
pub const UNKNOWN_VALUE_LABELS: &[&str] = &[VERSION_LABEL, "pod-template-hash", "controller-revision-hash"];

impl<'d> Workload<'d> {
    /// The workload an object describes, if it runs one of the watched applications.
    pub fn from_object(index: usize, object: &Object<'d>) -> Option<Workload<'d>> {
        if object.group == MONITORING_GROUP {
            return Self::operator_resource(index, object);
        }
        if matches!(object.group, "apps" | "extensions") && matches!(object.kind, "StatefulSet" | "Deployment") {
            return Self::plain(index, object);
        }
        None
    }

    fn operator_resource(index: usize, object: &Object<'d>) -> Option<Workload<'d>> {
        let app = OPERATOR_KINDS.iter().find(|(kind, _)| *kind == object.kind)?.1;
        let spec = object.spec();
        let replicas_field = read_replicas(spec);
        let replicas = match replicas_field {
            // The operator runs one pod when replicas is unset or negative.
            Replicas::Unset => Some(1),
            Replicas::Set(n, _) => Some(if n < 0 { 1 } else { n }),
            Replicas::Invalid(_) => None,
        };
        let sharded = matches!(app, App::Prometheus | App::PrometheusAgent);
        let shards = if sharded {
            match spec.and_then(|s| s.get("shards")).and_then(Node::as_whole_number) {
                Some(n) if n > 1 => n.min(MAX_SHARDS),
                _ => 1,
            }
        } else {
            1
        };
        let daemonset =
            app == App::PrometheusAgent && spec.and_then(|s| s.get("mode")).and_then(Node::as_str) == Some("DaemonSet");

        let name = object.name.as_str();
        let mut labels = PodLabels::default();
        if let Some(entries) = spec
            .and_then(|s| s.path(&["podMetadata", "labels"]))
            .and_then(Node::as_map)
        {
            for e in entries {
                if let Some(v) = e.value.scalar_text() {
                    labels.insert(&e.key, &v);
                }
            }
        }
        // The operator's own labels win over podMetadata.
        match app {
            App::Prometheus | App::PrometheusAgent => {
                let app_name = if app == App::Prometheus {
                    "prometheus"
                } else {
                    "prometheus-agent"
                };
                labels.insert("app.kubernetes.io/name", app_name);
                labels.insert("app.kubernetes.io/instance", name);
                labels.insert("app.kubernetes.io/managed-by", "prometheus-operator");
                labels.insert("operator.prometheus.io/name", name);
                if app == App::Prometheus {
                    labels.insert("prometheus", name);
                }
                labels.any_value.push(VERSION_LABEL);
            }
            App::Alertmanager => {
                labels.insert("alertmanager", name);
                labels.insert("app.kubernetes.io/name", "alertmanager");
                labels.insert("app.kubernetes.io/instance", name);
                labels.insert("app.kubernetes.io/managed-by", "prometheus-operator");
                labels.any_value.push(VERSION_LABEL);
            }
            App::ThanosRuler => {
                labels.insert("thanos-ruler", name);
                labels.insert("app.kubernetes.io/name", "thanos-ruler");
                // Not in older operator docs, but makeSelectorLabels sets them.
                labels.insert("app.kubernetes.io/instance", name);
                labels.insert("app.kubernetes.io/managed-by", "prometheus-operator");
            }
        }
        Some(Workload {
            object: index,
            app,
            operator: true,
            replicas_field,
            replicas,
            shards,
            base_labels: labels,
            pod_spec_keys: &["spec"],
            container: None,
            daemonset,
        })
    }

    fn plain(index: usize, object: &Object<'d>) -> Option<Workload<'d>> {
        // StatefulSets the operator generates are checked through their resource.
        if is_operator_generated(object) {
            return None;
        }
        let spec = object.spec()?;
        let containers = spec.path(&["template", "spec", "containers"]).and_then(Node::as_seq)?;
        let (app, container) = containers.iter().find_map(|c| {
            let image = c.get("image").and_then(Node::as_str)?;
            match image_name(image) {
                "prometheus" => Some((App::Prometheus, c)),
                "alertmanager" => Some((App::Alertmanager, c)),
                _ => None,
            }
        })?;
        let replicas_field = read_replicas(Some(spec));
        let replicas = match replicas_field {
            Replicas::Unset => Some(1),
            Replicas::Set(n, _) => Some(n),
            Replicas::Invalid(_) => None,
        };
        let mut labels = PodLabels::default();
        if let Some(entries) = spec.path(&["template", "metadata", "labels"]).and_then(Node::as_map) {
            for e in entries {
                if let Some(v) = e.value.scalar_text() {
                    labels.insert(&e.key, &v);
                }
            }
        }
        // Shared by all pods of one revision, with a value known only in the cluster.
        labels.any_value.push(if object.kind == "Deployment" {
            UNKNOWN_VALUE_LABELS[1]
        } else {
            UNKNOWN_VALUE_LABELS[2]
        });
        Some(Workload {
            object: index,
            app,
            operator: false,
            replicas_field,
            replicas,
            shards: 1,
            base_labels: labels,
            pod_spec_keys: &["spec", "template", "spec"],
            container: Some(container),
            daemonset: false,
        })
    }

    /// Two or more pods per shard: the replica rules apply.
    pub fn is_replicated(&self) -> bool {
        !self.daemonset && self.replicas.is_some_and(|n| n >= 2)
    }

    /// The labels of the pods of shard `shard`.
    pub fn pod_labels(&self, shard: i64) -> PodLabels {
        let mut labels = self.base_labels.clone();
        if self.operator && matches!(self.app, App::Prometheus | App::PrometheusAgent) {
            labels.insert(SHARD_LABEL, &shard.to_string());
        }
        labels
    }

    /// The shards a selector can tell apart: every shard when it names the
    /// shard label, otherwise shard 0 stands for all (their labels differ in nothing else).
    fn shards_distinguished_by(&self, selector: &LabelSelector) -> std::ops::Range<i64> {
        if selector.uses_key(SHARD_LABEL) {
            0..self.shards
        } else {
            0..1
        }
    }

    /// Whether the selector picks pods of at least one shard.
    pub fn selected_in_some_shard(&self, selector: &LabelSelector) -> bool {
        self.shards_distinguished_by(selector)
            .any(|shard| selector.matches(&self.pod_labels(shard)))
    }

    /// Whether the selector picks the pods of every shard.
    pub fn selected_in_every_shard(&self, selector: &LabelSelector) -> bool {
        self.shards_distinguished_by(selector)
            .all(|shard| selector.matches(&self.pod_labels(shard)))
    }

    /// Whether every shard's pods are picked by one of the selectors (each
    /// shard may have its own, as per-shard PodDisruptionBudgets do).
    pub fn covered_by(&self, selectors: &[&LabelSelector]) -> bool {
        // A selector that ignores the shard label covers all shards or none.
        let (per_shard, whole): (Vec<&LabelSelector>, Vec<&LabelSelector>) =
            selectors.iter().partition(|s| s.uses_key(SHARD_LABEL));
        whole.iter().any(|s| self.selected_in_some_shard(s))
            || (0..self.shards).all(|shard| {
                let labels = self.pod_labels(shard);
                per_shard.iter().any(|s| s.matches(&labels))
            })
    }

    /// Whether the pods carry a label with this key (any value).
    pub fn carries_label(&self, key: &str) -> bool {
        self.pod_labels(0).has_key(key)
    }

    /// Labels that pick out exactly this workload's pods, for fixes.
    pub fn identifying_labels(&self, object: &Object<'_>) -> Vec<(String, String)> {
        let name = object.name.clone();
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        if self.operator {
            return match self.app {
                App::Prometheus => vec![
                    pair("app.kubernetes.io/name", "prometheus"),
                    pair("app.kubernetes.io/instance", &name),
                ],
                App::PrometheusAgent => {
                    vec![
                        pair("app.kubernetes.io/name", "prometheus-agent"),
                        pair("app.kubernetes.io/instance", &name),
                    ]
                }
                App::Alertmanager => vec![
                    pair("app.kubernetes.io/name", "alertmanager"),
                    pair("app.kubernetes.io/instance", &name),
                ],
                App::ThanosRuler => vec![
                    pair("app.kubernetes.io/name", "thanos-ruler"),
                    pair("thanos-ruler", &name),
                ],
            };
        }
        // A plain workload's own selector is what identifies its pods.
        let selector = object
            .spec()
            .and_then(|s| s.path(&["selector", "matchLabels"]))
            .and_then(Node::as_map)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| e.value.scalar_text().map(|v| (e.key.clone(), v)))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if !selector.is_empty() {
            return selector;
        }
        self.base_labels
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The node holding the pod spec fields, if written.
    pub fn pod_spec(&self, object: &Object<'d>) -> Option<&'d Node> {
        object.root.path(self.pod_spec_keys)
    }

    /// `spec.affinity` or `spec.template.spec.affinity`, for messages.
    pub fn pod_spec_path(&self, field: &str) -> String {
        let mut path = self.pod_spec_keys.join(".");
        path.push('.');
        path.push_str(field);
        path
    }

    /// The words of the application container's command line.
    pub fn command_line(&self) -> Vec<crate::containers::Arg<'d>> {
        self.container.map(command_line).unwrap_or_default()
    }

    /// The minimum replicas the settings ask of this kind of workload.
    pub fn required_replicas(&self, settings: &crate::settings::Settings) -> u32 {
        match self.app {
            App::Alertmanager => settings.alertmanager_min_replicas(),
            _ => settings.min_replicas,
        }
    }
}

fn read_replicas(spec: Option<&Node>) -> Replicas<'_> {
    match spec.and_then(|s| s.get("replicas")) {
        None => Replicas::Unset,
        Some(node) => match node.value {
            Value::Null => Replicas::Unset,
            _ => match node.as_whole_number() {
                Some(n) => Replicas::Set(n, node),
                None => Replicas::Invalid(node),
            },
        },
    }
}

fn is_operator_generated(object: &Object<'_>) -> bool {
    let metadata = object.metadata();
    let owned = metadata
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Node::as_seq)
        .is_some_and(|owners| {
            owners.iter().any(|o| {
                o.get("apiVersion")
                    .and_then(Node::as_str)
                    .is_some_and(|v| v.starts_with("monitoring.coreos.com/"))
            })
        });
    let managed = metadata
        .and_then(|m| m.path(&["labels", "app.kubernetes.io/managed-by"]))
        .and_then(Node::as_str)
        == Some("prometheus-operator");
    owned || managed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Document, read_text};
    use crate::yaml::ReadLimits;

    fn workload(yaml: &str) -> Option<(App, Option<i64>, i64, PodLabels)> {
        let docs: Vec<Document> = read_text("t.yaml", yaml, &ReadLimits::default()).unwrap();
        let object = Object::identify(0, &docs[0]).unwrap();
        Workload::from_object(0, &object).map(|w| (w.app, w.replicas, w.shards, w.pod_labels(w.shards - 1)))
    }

    #[test]
    fn prometheus_defaults_and_labels() {
        let (app, replicas, shards, labels) = workload(
            "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: mon}\nspec:\n  shards: 2\n  podMetadata:\n    labels: {team: obs, prometheus: overridden}\n",
        )
        .unwrap();
        assert_eq!((app, replicas, shards), (App::Prometheus, Some(1), 2));
        assert_eq!(labels.labels["prometheus"], "k8s");
        assert_eq!(labels.labels["team"], "obs");
        assert_eq!(labels.labels["operator.prometheus.io/shard"], "1");
        assert_eq!(labels.labels["app.kubernetes.io/instance"], "k8s");
    }

    #[test]
    fn negative_replicas_mean_one_and_wrong_types_are_unknown() {
        let w = workload(
            "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main}\nspec: {replicas: -3}\n",
        )
        .unwrap();
        assert_eq!(w.1, Some(1));
        assert_eq!(w.3.labels["alertmanager"], "main");
        let w = workload(
            "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main}\nspec: {replicas: two}\n",
        )
        .unwrap();
        assert_eq!(w.1, None);
        let w = workload(
            "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main}\nspec: {replicas: 3.0}\n",
        )
        .unwrap();
        assert_eq!(w.1, Some(3), "a whole float is the integer kubectl sends");
        let w = workload(
            "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main}\nspec: {replicas: 1.5}\n",
        )
        .unwrap();
        assert_eq!(w.1, None);
    }

    #[test]
    fn agents_have_no_prometheus_label() {
        let w = workload("apiVersion: monitoring.coreos.com/v1alpha1\nkind: PrometheusAgent\nmetadata: {name: a}\nspec: {replicas: 2}\n").unwrap();
        assert_eq!(w.0, App::PrometheusAgent);
        assert!(!w.3.labels.contains_key("prometheus"));
        assert_eq!(w.3.labels["app.kubernetes.io/name"], "prometheus-agent");
    }

    #[test]
    fn thanos_ruler_pods_carry_the_operator_selector_labels() {
        let w = workload(
            "apiVersion: monitoring.coreos.com/v1\nkind: ThanosRuler\nmetadata: {name: ruler}\nspec: {replicas: 2}\n",
        )
        .unwrap();
        assert_eq!(w.0, App::ThanosRuler);
        assert_eq!(w.3.labels["thanos-ruler"], "ruler");
        assert_eq!(w.3.labels["app.kubernetes.io/instance"], "ruler");
        assert_eq!(w.3.labels["app.kubernetes.io/managed-by"], "prometheus-operator");
    }

    #[test]
    fn plain_workloads_by_image() {
        let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: am}\nspec:\n  replicas: 3\n  template:\n    metadata: {labels: {app: am}}\n    spec:\n      containers:\n      - {name: reloader, image: quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0}\n      - {name: am, image: 'prom/alertmanager@sha256:0123'}\n";
        let (app, replicas, _, labels) = workload(sts).unwrap();
        assert_eq!((app, replicas), (App::Alertmanager, Some(3)));
        assert_eq!(labels.labels["app"], "am");
        let nginx = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: nginx:1.27}]\n";
        assert!(workload(nginx).is_none());
        let operator_made = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: prometheus-k8s\n  ownerReferences: [{apiVersion: monitoring.coreos.com/v1, kind: Prometheus, name: k8s}]\nspec:\n  template:\n    spec:\n      containers: [{name: prometheus, image: quay.io/prometheus/prometheus:v3.1.0}]\n";
        assert!(workload(operator_made).is_none());
    }

    #[test]
    fn daemonset_agents_are_not_replicated() {
        let docs = read_text("t", "apiVersion: monitoring.coreos.com/v1alpha1\nkind: PrometheusAgent\nmetadata: {name: a}\nspec: {mode: DaemonSet}\n", &ReadLimits::default()).unwrap();
        let o = Object::identify(0, &docs[0]).unwrap();
        let w = Workload::from_object(0, &o).unwrap();
        assert!(w.daemonset);
        assert!(!w.is_replicated());
    }
}
