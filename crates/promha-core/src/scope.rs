//! Everything checked together, indexed so rules can join objects without
//! scanning the whole scope for each one.

use std::collections::HashMap;

use base64::Engine;

use crate::CheckOptions;
use crate::containers::{command_line, flag_values, image_name};
use crate::document::{Document, Object, is_prometheus_config, may_hold_prometheus_config};
use crate::node::{Node, Position, Value};
use crate::selector::LabelSelector;
use crate::settings::Settings;
use crate::workload::{App, SHARD_LABEL, THANOS_IMAGE, UNKNOWN_VALUE_LABELS, Workload};
use crate::yaml::{ReadLimits, read_documents_within};

/// A Service: how Prometheus finds Alertmanagers and how users reach Prometheus.
#[derive(Debug)]
pub struct Service<'d> {
    pub object: usize,
    /// `None` for a Service without a selector (endpoints managed by hand).
    pub selector: Option<LabelSelector>,
    pub headless: bool,
    pub session_affinity: Option<&'d str>,
}

#[derive(Debug)]
pub struct DisruptionBudget {
    pub object: usize,
    /// `None` for a null selector, which selects no pods.
    pub selector: Option<LabelSelector>,
}

/// A Thanos Query (querier) deployment.
#[derive(Debug)]
pub struct ThanosQuery<'d> {
    pub object: usize,
    pub container: &'d Node,
    pub replica_labels: Vec<String>,
}

/// A raw Prometheus configuration: a standalone file, or a value in a
/// ConfigMap or Secret.
#[derive(Debug)]
pub struct PrometheusConfig<'d> {
    /// The file, ConfigMap or Secret holding it.
    pub object: usize,
    pub root: &'d Node,
    /// `data[prometheus.yml]` for an embedded config, empty for a file.
    pub location: String,
}

impl PrometheusConfig<'_> {
    /// `global.external_labels` written as `data[prometheus.yml] global.external_labels`.
    pub fn field(&self, path: &str) -> String {
        if self.location.is_empty() {
            path.to_string()
        } else {
            format!("{} {path}", self.location)
        }
    }

    /// Position of a config field, or of its nearest written parent; for a
    /// config in a base64 Secret value, the position of that value.
    pub fn position_of(&self, keys: &[&str]) -> Position {
        self.root.nearest_position(keys)
    }
}

/// A Prometheus config found inside a ConfigMap or Secret, parsed once.
#[derive(Debug)]
pub struct EmbeddedConfig {
    pub object: usize,
    pub key: String,
    pub root: Node,
}

/// The budget for a config embedded in another document: far more than any
/// real prometheus.yml, far less than a file's.
fn embedded_limits() -> ReadLimits {
    ReadLimits {
        max_nodes: 200_000,
        ..ReadLimits::default()
    }
}

/// Finds the Prometheus configs held in ConfigMaps and Secrets.
pub fn embedded_configs(objects: &[Object<'_>]) -> Vec<EmbeddedConfig> {
    let mut configs = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        if !object.group.is_empty() || !matches!(object.kind, "ConfigMap" | "Secret") {
            continue;
        }
        for (field, base64_encoded) in [("data", object.kind == "Secret"), ("stringData", false)] {
            let Some(entries) = object.root.get(field).and_then(Node::as_map) else {
                continue;
            };
            for entry in entries {
                let Some(raw) = entry.value.as_str() else {
                    continue;
                };
                let decoded;
                let (text, origin) = if base64_encoded {
                    let Some(bytes) = base64::engine::general_purpose::STANDARD
                        .decode(raw.trim())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                    else {
                        continue;
                    };
                    decoded = bytes;
                    (decoded.as_str(), None)
                } else {
                    (raw, entry.value.block)
                };
                if !may_hold_prometheus_config(text) {
                    continue;
                }
                let Ok(mut docs) = read_documents_within(text, &embedded_limits(), origin) else {
                    continue;
                };
                if docs.len() != 1 || !is_prometheus_config(&docs[0]) {
                    continue;
                }
                let mut root = docs.remove(0);
                if origin.is_none() {
                    // No way to map inner lines to the file: point at the value's key.
                    reposition(&mut root, entry.value.position);
                }
                configs.push(EmbeddedConfig {
                    object: index,
                    key: entry.key.clone(),
                    root,
                });
            }
        }
    }
    configs
}

fn reposition(node: &mut Node, position: Position) {
    node.position = position;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| reposition(n, position)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| reposition(&mut e.value, position)),
        _ => {}
    }
}

pub struct Scope<'a> {
    pub settings: &'a Settings,
    pub options: &'a CheckOptions,
    pub objects: &'a [Object<'a>],
    pub workloads: Vec<Workload<'a>>,
    pub services: Vec<Service<'a>>,
    pub disruption_budgets: Vec<DisruptionBudget>,
    pub thanos_queries: Vec<ThanosQuery<'a>>,
    pub prometheus_configs: Vec<PrometheusConfig<'a>>,
    service_by_name: HashMap<(&'a str, &'a str), usize>,
    workloads_by_namespace: HashMap<&'a str, Vec<usize>>,
    /// Workloads under every (namespace, key, value) their pods carry.
    workloads_by_label: HashMap<LabelKey, Vec<usize>>,
    /// Budgets under one label their selector requires (see `required_label`)…
    budgets_by_label: HashMap<LabelKey, Vec<usize>>,
    /// …or, when it requires none, under their namespace.
    budgets_without_required_label: HashMap<&'a str, Vec<usize>>,
}

/// (namespace, label key, label value)
type LabelKey = (String, String, String);

fn label_key(namespace: &str, key: &str, value: &str) -> LabelKey {
    (namespace.to_string(), key.to_string(), value.to_string())
}

/// A label that every pod the selector picks carries with exactly this value,
/// so the selector can be filed under it and joined by lookup instead of by
/// scanning the namespace. Not the shard label (it varies per shard) and not
/// one whose value promha cannot know (the pods may carry it with any value).
fn required_label(selector: &LabelSelector) -> Option<(&str, &str)> {
    selector
        .match_labels
        .iter()
        .find(|(key, _)| key != SHARD_LABEL && !UNKNOWN_VALUE_LABELS.contains(&key.as_str()))
        .map(|(key, value)| (key.as_str(), value.as_str()))
}

impl<'a> Scope<'a> {
    pub fn new(
        objects: &'a [Object<'a>],
        embedded: &'a [EmbeddedConfig],
        settings: &'a Settings,
        options: &'a CheckOptions,
    ) -> Scope<'a> {
        let mut scope = Scope {
            settings,
            options,
            objects,
            workloads: Vec::new(),
            services: Vec::new(),
            disruption_budgets: Vec::new(),
            thanos_queries: Vec::new(),
            prometheus_configs: Vec::new(),
            service_by_name: HashMap::new(),
            workloads_by_namespace: HashMap::new(),
            workloads_by_label: HashMap::new(),
            budgets_by_label: HashMap::new(),
            budgets_without_required_label: HashMap::new(),
        };
        for (index, object) in objects.iter().enumerate() {
            if object.standalone_config {
                scope.prometheus_configs.push(PrometheusConfig {
                    object: index,
                    root: object.root,
                    location: String::new(),
                });
                continue;
            }
            let namespace = object.namespace.as_str();
            if let Some(workload) = Workload::from_object(index, object) {
                let at = scope.workloads.len();
                scope.workloads_by_namespace.entry(namespace).or_default().push(at);
                for (key, value) in &workload.base_labels.labels {
                    scope
                        .workloads_by_label
                        .entry(label_key(namespace, key, value))
                        .or_default()
                        .push(at);
                }
                scope.workloads.push(workload);
                continue;
            }
            match (object.group, object.kind) {
                ("", "Service") => {
                    let at = scope.services.len();
                    // The first of duplicates wins, as a scan would find it.
                    scope
                        .service_by_name
                        .entry((namespace, object.name.as_str()))
                        .or_insert(at);
                    scope.services.push(service(index, object));
                }
                ("policy", "PodDisruptionBudget") => {
                    let selector = object
                        .spec()
                        .and_then(|s| s.get("selector"))
                        .filter(|s| !s.is_null())
                        .map(LabelSelector::from_node);
                    let at = scope.disruption_budgets.len();
                    // A null selector selects nothing: the budget need not be found.
                    match selector.as_ref().map(required_label) {
                        Some(Some((key, value))) => scope
                            .budgets_by_label
                            .entry(label_key(namespace, key, value))
                            .or_default()
                            .push(at),
                        Some(None) => scope
                            .budgets_without_required_label
                            .entry(namespace)
                            .or_default()
                            .push(at),
                        None => {}
                    }
                    scope.disruption_budgets.push(DisruptionBudget {
                        object: index,
                        selector,
                    });
                }
                ("apps" | "extensions", "Deployment" | "StatefulSet") => {
                    if let Some(query) = thanos_query(index, object) {
                        scope.thanos_queries.push(query);
                    }
                }
                _ => {}
            }
        }
        for config in embedded {
            scope.prometheus_configs.push(PrometheusConfig {
                object: config.object,
                root: &config.root,
                location: format!("{}[{}]", data_field(&objects[config.object], &config.key), config.key),
            });
        }
        scope
    }

    /// Whether the objects of a kind in a namespace are all here, so that
    /// their absence means something (not so after a failed lookup).
    pub fn listed(&self, kind: &str, namespace: &str) -> bool {
        !self.options.unlisted.iter().any(|(k, n)| k == kind && n == namespace)
    }

    pub fn object(&self, index: usize) -> &Object<'a> {
        &self.objects[index]
    }

    pub fn service(&self, namespace: &str, name: &str) -> Option<&Service<'a>> {
        self.service_by_name.get(&(namespace, name)).map(|&i| &self.services[i])
    }

    /// The selectors of the budgets in the workload's namespace that may select
    /// its pods: a superset, found by lookup; callers match each.
    pub fn disruption_budget_candidates(&self, workload: &Workload<'_>) -> Vec<&LabelSelector> {
        let namespace = self.objects[workload.object].namespace.as_str();
        let mut found: Vec<usize> = workload
            .base_labels
            .labels
            .iter()
            .filter_map(|(key, value)| self.budgets_by_label.get(&label_key(namespace, key, value)))
            .chain(self.budgets_without_required_label.get(namespace))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found
            .into_iter()
            .filter_map(|i| self.disruption_budgets[i].selector.as_ref())
            .collect()
    }

    /// The workloads in a namespace whose pods (of some shard) the selector picks.
    pub fn workloads_selected_by<'s>(
        &'s self,
        namespace: &str,
        selector: &'s LabelSelector,
    ) -> impl Iterator<Item = &'s Workload<'a>> + use<'s, 'a> {
        let candidates: &[usize] = match required_label(selector) {
            Some((key, value)) => self
                .workloads_by_label
                .get(&label_key(namespace, key, value))
                .map_or(&[], Vec::as_slice),
            None => self.workloads_by_namespace.get(namespace).map_or(&[], Vec::as_slice),
        };
        candidates
            .iter()
            .map(|&i| &self.workloads[i])
            .filter(move |w| w.selected_in_some_shard(selector))
    }

    pub fn workloads_in(&self, namespace: &str) -> impl Iterator<Item = &Workload<'a>> {
        self.workloads_by_namespace
            .get(namespace)
            .into_iter()
            .flatten()
            .map(|&i| &self.workloads[i])
    }

    pub fn alertmanagers_in(&self, namespace: &str) -> impl Iterator<Item = &Workload<'a>> {
        self.workloads_in(namespace).filter(|w| w.app == App::Alertmanager)
    }

    pub fn alertmanagers(&self) -> impl Iterator<Item = &Workload<'a>> {
        self.workloads.iter().filter(|w| w.app == App::Alertmanager)
    }
}

fn data_field(object: &Object<'_>, key: &str) -> &'static str {
    let in_string_data = object.root.path(&["stringData", key]).is_some() && object.root.path(&["data", key]).is_none();
    if in_string_data { "stringData" } else { "data" }
}

fn service<'d>(index: usize, object: &Object<'d>) -> Service<'d> {
    let spec = object.spec();
    Service {
        object: index,
        selector: spec
            .and_then(|s| s.get("selector"))
            .filter(|s| s.as_map().is_some_and(|m| !m.is_empty()))
            .map(LabelSelector::from_map),
        headless: spec.and_then(|s| s.get("clusterIP")).and_then(Node::as_str) == Some("None"),
        session_affinity: spec.and_then(|s| s.get("sessionAffinity")).and_then(Node::as_str),
    }
}

/// The Thanos Query an object runs, if it is a Deployment or StatefulSet of one.
pub(crate) fn thanos_query<'d>(index: usize, object: &Object<'d>) -> Option<ThanosQuery<'d>> {
    let containers = object
        .spec()?
        .path(&["template", "spec", "containers"])
        .and_then(Node::as_seq)?;
    containers.iter().find_map(|container| {
        let image = container.get("image").and_then(Node::as_str)?;
        if image_name(image) != THANOS_IMAGE {
            return None;
        }
        let words = command_line(container);
        if !words.iter().any(|w| w.text == "query" || w.text == "querier") {
            return None;
        }
        let replica_labels = flag_values(&words, "--query.replica-label")
            .into_iter()
            .map(|(v, _)| v.to_string())
            .collect();
        Some(ThanosQuery {
            object: index,
            container,
            replica_labels,
        })
    })
}

/// Builds the objects of a set of documents.
pub fn identify_objects(documents: &[Document]) -> Vec<Object<'_>> {
    documents
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Object::identify(i, d))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::read_text;

    fn names_selected(yaml: &str, namespace: &str, selector: &str) -> Vec<String> {
        let documents = read_text("t.yaml", yaml, &ReadLimits::default()).unwrap();
        let objects = identify_objects(&documents);
        let (settings, options) = (Settings::default(), CheckOptions::default());
        let scope = Scope::new(&objects, &[], &settings, &options);
        let selector =
            LabelSelector::from_node(&crate::yaml::read_documents(selector, &ReadLimits::default()).unwrap()[0]);
        scope
            .workloads_selected_by(namespace, &selector)
            .map(|w| scope.object(w.object).name.clone())
            .collect()
    }

    const TWO_NAMESPACES: &str = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: a, namespace: mon}\n---\napiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: b, namespace: mon}\nspec: {podMetadata: {labels: {team: x}}}\n---\napiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: c, namespace: other}\nspec: {podMetadata: {labels: {team: x}}}\n";

    #[test]
    fn selection_by_label_stays_in_the_namespace() {
        assert_eq!(names_selected(TWO_NAMESPACES, "mon", "matchLabels: {team: x}"), ["b"]);
        assert_eq!(names_selected(TWO_NAMESPACES, "other", "matchLabels: {team: x}"), ["c"]);
        assert_eq!(
            names_selected(
                TWO_NAMESPACES,
                "mon",
                "matchLabels: {app.kubernetes.io/name: alertmanager}"
            ),
            ["a", "b"]
        );
        assert!(names_selected(TWO_NAMESPACES, "mon", "matchLabels: {team: y}").is_empty());
    }

    #[test]
    fn selectors_without_a_required_label_scan_the_namespace() {
        assert_eq!(
            names_selected(
                TWO_NAMESPACES,
                "mon",
                "matchExpressions: [{key: team, operator: DoesNotExist}]"
            ),
            ["a"]
        );
        assert_eq!(
            names_selected(TWO_NAMESPACES, "mon", "matchLabels: {app.kubernetes.io/version: 1.0.0}"),
            ["a", "b"],
            "the version label's value is unknown, so it selects both"
        );
        assert_eq!(names_selected(TWO_NAMESPACES, "mon", "{}"), ["a", "b"]);
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: p, namespace: mon}\nspec:\n  template:\n    metadata: {labels: {app: p}}\n    spec:\n      containers: [{name: p, image: prom/prometheus}]\n";
        assert_eq!(
            names_selected(deployment, "mon", "matchLabels: {pod-template-hash: 5d9f, app: p}"),
            ["p"],
            "pod-template-hash is set by the cluster: not a label to look up by"
        );
    }
}
