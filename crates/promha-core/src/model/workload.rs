//! Workloads: what runs Prometheus, Alertmanager or Thanos Ruler, how many
//! replicas it has and which labels its pods carry.

use super::App;
use super::containers::{Arg, command_line, image_name};
use super::object::Object;
use super::operator::{self, SHARD_LABEL};
use super::pods::StatefulSetPods;
use super::selector::{CONTROLLER_REVISION_HASH, LabelSelector, POD_TEMPLATE_HASH, PodLabels, VERSION_LABEL};
use crate::finding::FieldPath;
use crate::read::{Node, Value};

/// Image names (the repository's last path segment) of plain workloads' applications.
pub const APP_IMAGES: &[(&str, App)] = &[("prometheus", App::Prometheus), ("alertmanager", App::Alertmanager)];

/// Shards beyond this are treated as this many: labels are computed per shard.
const MAX_SHARDS: i64 = 1000;

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
    /// A Thanos sidecar serves this Prometheus's data over StoreAPI
    /// (`spec.thanos`, or a `thanos sidecar` container beside it).
    pub thanos_sidecar: bool,
    /// A prometheus-elector sidecar runs the replicas active-passive.
    pub elector: Option<super::elector::Sidecar>,
}

impl<'d> Workload<'d> {
    /// The workload an object describes, if it runs one of the watched applications.
    pub fn from_object(index: usize, object: &Object<'d>) -> Option<Workload<'d>> {
        if object.group == operator::GROUP {
            return Self::operator_resource(index, object);
        }
        if object.is_workload_controller() {
            return Self::plain(index, object);
        }
        None
    }

    fn operator_resource(index: usize, object: &Object<'d>) -> Option<Workload<'d>> {
        let app = operator::app_of(object.kind)?;
        let spec = object.spec();
        let replicas_field = read_replicas(spec);
        let replicas = match replicas_field {
            // The operator runs one pod when replicas is unset or negative.
            Replicas::Unset => Some(1),
            Replicas::Set(n, _) => Some(if n < 0 { 1 } else { n }),
            Replicas::Invalid(_) => None,
        };
        let shards = if app.is_sharded() {
            match spec.and_then(|s| s.get("shards")).and_then(Node::as_int32) {
                Some(n) if n > 1 => n.min(MAX_SHARDS),
                _ => 1,
            }
        } else {
            1
        };
        let daemonset =
            app == App::PrometheusAgent && spec.and_then(|s| s.get("mode")).and_then(Node::as_str) == Some("DaemonSet");

        let mut labels = PodLabels::default();
        labels.insert_map(spec.and_then(|s| s.path(&["podMetadata", "labels"])));
        // The operator's own labels win over podMetadata.
        for (key, value) in operator::selector_labels(app, &object.name) {
            labels.insert(key, &value);
        }
        if operator::carries_version_label(app) {
            labels.any_value.push(VERSION_LABEL);
        }
        let thanos_sidecar = app == App::Prometheus && spec.and_then(|s| s.get("thanos")).is_some_and(|t| !t.is_null());
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
            thanos_sidecar,
            elector: None,
        })
    }

    fn plain(index: usize, object: &Object<'d>) -> Option<Workload<'d>> {
        // StatefulSets the operator generates are checked through their resource.
        if is_operator_generated(object) {
            return None;
        }
        let spec = object.spec()?;
        let (app, container) = object.containers().iter().find_map(|c| {
            let image = c.get("image").and_then(Node::as_str)?;
            let name = image_name(image);
            APP_IMAGES.iter().find(|(n, _)| *n == name).map(|(_, app)| (*app, c))
        })?;
        let replicas_field = read_replicas(Some(spec));
        let replicas = match replicas_field {
            Replicas::Unset => Some(1),
            Replicas::Set(n, _) => Some(n),
            Replicas::Invalid(_) => None,
        };
        let mut labels = PodLabels::default();
        labels.insert_map(spec.path(&["template", "metadata", "labels"]));
        // Shared by all pods of one revision, with a value known only in the cluster.
        labels.any_value.push(if object.kind == "Deployment" {
            POD_TEMPLATE_HASH
        } else {
            CONTROLLER_REVISION_HASH
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
            thanos_sidecar: app == App::Prometheus && runs_thanos_sidecar(object),
            elector: (app == App::Prometheus)
                .then(|| super::elector::sidecar(object))
                .flatten(),
        })
    }

    /// Two or more pods per shard: the replica rules apply.
    pub fn is_replicated(&self) -> bool {
        !self.daemonset && self.replicas.is_some_and(|n| n >= 2)
    }

    /// The labels of the pods of shard `shard`.
    pub fn pod_labels(&self, shard: i64) -> PodLabels {
        let mut labels = self.base_labels.clone();
        if self.operator && self.app.is_sharded() {
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

    /// The shards whose pods none of the selectors picks (each shard may
    /// have its own, as per-shard PodDisruptionBudgets do); empty: covered.
    pub fn shards_not_covered_by(&self, selectors: &[&LabelSelector]) -> Vec<i64> {
        // A selector that ignores the shard label covers all shards or none.
        let (per_shard, whole): (Vec<&LabelSelector>, Vec<&LabelSelector>) =
            selectors.iter().partition(|s| s.uses_key(SHARD_LABEL));
        if whole.iter().any(|s| self.selected_in_some_shard(s)) {
            return Vec::new();
        }
        (0..self.shards)
            .filter(|&shard| {
                let labels = self.pod_labels(shard);
                !per_shard.iter().any(|s| s.matches(&labels))
            })
            .collect()
    }

    /// Whether the pods carry a label with this key (any value).
    pub fn carries_label(&self, key: &str) -> bool {
        self.pod_labels(0).has_key(key)
    }

    /// Labels that pick out exactly this workload's pods, for fixes.
    pub fn identifying_labels(&self, object: &Object<'_>) -> Vec<(String, String)> {
        if self.operator {
            return operator::identifying_labels(self.app, &object.name);
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

    /// The pods by name, for a workload backed by a StatefulSet (shard 0 of
    /// a sharded Prometheus); `None` for a Deployment, whose pods have no
    /// stable names.
    pub fn statefulset_pods(&self, object: &Object<'_>) -> Option<StatefulSetPods> {
        let replicas = self.replicas.unwrap_or(0);
        let spec = object.spec();
        if self.operator {
            let service = spec
                .and_then(|s| s.get("serviceName"))
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or(operator::governing_service(self.app));
            return Some(StatefulSetPods {
                set: operator::statefulset_name(self.app, &object.name, 0),
                service: Some(service.to_string()),
                namespace: object.namespace.clone(),
                first_ordinal: 0,
                replicas,
            });
        }
        if object.kind != "StatefulSet" {
            return None;
        }
        Some(StatefulSetPods::of_statefulset(object, replicas))
    }

    /// Whether the pods mount this ConfigMap or Secret (a volume, or a
    /// source of a projected volume): a plain workload reads its
    /// prometheus.yml from one.
    pub fn mounts(&self, object: &Object<'_>, kind: &str, name: &str) -> bool {
        let (source, field) = match kind {
            "ConfigMap" => ("configMap", "name"),
            "Secret" => ("secret", "secretName"),
            _ => return false,
        };
        let names = |volume: &Node, source: &str, field: &str| {
            volume.path(&[source, field]).and_then(Node::as_str) == Some(name)
        };
        let volumes = self
            .pod_spec(object)
            .and_then(|spec| spec.get("volumes"))
            .and_then(Node::as_seq)
            .unwrap_or_default();
        volumes.iter().any(|volume| {
            names(volume, source, field)
                || volume
                    .path(&["projected", "sources"])
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    // Projected sources name Secrets by `name`, not `secretName`.
                    .any(|projected| names(projected, source, "name"))
        })
    }

    /// The node holding the pod spec fields, if written.
    pub fn pod_spec<'o>(&self, object: &Object<'o>) -> Option<&'o Node> {
        object.root.path(self.pod_spec_keys)
    }

    /// `spec.affinity` or `spec.template.spec.affinity`, for messages.
    pub fn pod_spec_path(&self, field: &str) -> String {
        let mut path = self.pod_spec_keys.join(".");
        path.push('.');
        path.push_str(field);
        path
    }

    /// The path of the application container (plain workloads), for edits.
    pub fn container_path(&self, object: &Object<'_>) -> Option<FieldPath> {
        object.container_path(self.container?)
    }

    /// The words of the application container's command line.
    pub fn command_line(&self) -> Vec<Arg<'d>> {
        self.container.map(command_line).unwrap_or_default()
    }
}

/// A container running `thanos sidecar` in the pods.
fn runs_thanos_sidecar(object: &Object<'_>) -> bool {
    object.containers().iter().any(|c| {
        c.get("image")
            .and_then(Node::as_str)
            .is_some_and(|image| image_name(image) == super::thanos::IMAGE)
            && command_line(c).iter().any(|w| w.text == "sidecar")
    })
}

fn read_replicas(spec: Option<&Node>) -> Replicas<'_> {
    match spec.and_then(|s| s.get("replicas")) {
        None => Replicas::Unset,
        Some(node) => match node.value {
            Value::Null => Replicas::Unset,
            // Out of int32, the API refuses it: invalid-resource reports it, and no rule guesses.
            _ => match node.as_int32() {
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
                o.get("apiVersion").and_then(Node::as_str).is_some_and(|v| {
                    v.strip_prefix(operator::GROUP)
                        .is_some_and(|rest| rest.starts_with('/'))
                })
            })
        });
    let managed = metadata
        .and_then(|m| m.path(&["labels", operator::MANAGED_BY.0]))
        .and_then(Node::as_str)
        == Some(operator::MANAGED_BY.1);
    owned || managed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{Document, ReadLimits, read_text};

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
        // Only Deployments and StatefulSets of apps/v1 are workloads promha
        // checks: a DaemonSet's one pod per node is not a set of replicas.
        for (api_version, kind) in [
            ("apps/v1", "DaemonSet"),
            ("apps/v1", "ReplicaSet"),
            ("example.com/v1", "StatefulSet"),
        ] {
            let other = sts
                .replace("apiVersion: apps/v1", &format!("apiVersion: {api_version}"))
                .replace("kind: StatefulSet", &format!("kind: {kind}"));
            assert!(workload(&other).is_none(), "{api_version} {kind}");
        }
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
