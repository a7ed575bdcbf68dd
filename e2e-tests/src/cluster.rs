//! The cluster the host lookups answer from: a list of plain Kubernetes objects.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value, json};

use crate::selector::{FieldSelector, LabelSelector};

/// Kinds that are not namespaced. Objects of these kinds keep no namespace; all
/// other kinds default to the `default` namespace, as `kubectl apply` does.
/// policy-server learns this from API discovery; the harness has no API server,
/// so it knows the common built-in cluster-scoped kinds.
const CLUSTER_SCOPED_KINDS: &[(&str, &str)] = &[
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "PersistentVolume"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("policies.kubewarden.io/v1", "ClusterAdmissionPolicy"),
    ("policies.kubewarden.io/v1", "PolicyServer"),
];

/// Whether `apiVersion`/`kind` is a known cluster-scoped resource.
pub fn is_cluster_scoped(api_version: &str, kind: &str) -> bool {
    CLUSTER_SCOPED_KINDS
        .iter()
        .any(|(a, k)| *a == api_version && *k == kind)
}

/// Objects visible to the policy's Kubernetes lookups.
#[derive(Debug, Clone, Default)]
pub struct ClusterState {
    objects: Vec<Value>,
    fail_lookups: bool,
}

impl ClusterState {
    /// A cluster with no objects: every list is empty, every get fails.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Build from objects. Each must be a JSON object with string `apiVersion`,
    /// `kind` and `metadata.name`. Namespaced objects without
    /// `metadata.namespace` are placed (and rewritten) into `default`.
    pub fn new(objects: impl IntoIterator<Item = Value>) -> Result<Self> {
        let mut stored = Vec::new();
        for (index, mut object) in objects.into_iter().enumerate() {
            let api_version = str_field(&object, "/apiVersion")
                .ok_or_else(|| anyhow!("cluster object #{index}: missing string apiVersion"))?
                .to_owned();
            let kind = str_field(&object, "/kind")
                .ok_or_else(|| anyhow!("cluster object #{index}: missing string kind"))?
                .to_owned();
            if str_field(&object, "/metadata/name").is_none() {
                bail!("cluster object #{index} ({api_version} {kind}): missing metadata.name");
            }
            if !is_cluster_scoped(&api_version, &kind)
                && str_field(&object, "/metadata/namespace").is_none()
                && let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut)
            {
                meta.insert("namespace".into(), Value::String("default".into()));
            }
            stored.push(object);
        }
        Ok(Self {
            objects: stored,
            fail_lookups: false,
        })
    }

    /// Parse a multi-document YAML (or JSON) text. Each document is one object,
    /// a `kind: List` (its `items` are taken), or a sequence of objects. Empty
    /// documents are skipped.
    pub fn from_yaml_str(text: &str) -> Result<Self> {
        let docs: Vec<Value> =
            serde_saphyr::from_multiple(text).map_err(|e| anyhow!("cannot parse cluster state YAML: {e}"))?;
        let mut objects = Vec::new();
        for doc in docs {
            flatten_doc(doc, &mut objects);
        }
        Self::new(objects)
    }

    /// Read a cluster state file (multi-document YAML or JSON).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read cluster state file {}", path.display()))?;
        Self::from_yaml_str(&text).with_context(|| format!("invalid cluster state file {}", path.display()))
    }

    /// Make every lookup fail, as if the API server were unreachable.
    #[must_use]
    pub fn with_fail_lookups(mut self, fail: bool) -> Self {
        self.fail_lookups = fail;
        self
    }

    pub fn fail_lookups(&self) -> bool {
        self.fail_lookups
    }

    pub fn objects(&self) -> &[Value] {
        &self.objects
    }

    /// Objects of `api_version`/`kind`, in `namespace` when given, matching the
    /// selectors.
    pub fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        label_selector: Option<&LabelSelector>,
        field_selector: Option<&FieldSelector>,
    ) -> Vec<&Value> {
        self.objects
            .iter()
            .filter(|o| {
                str_field(o, "/apiVersion") == Some(api_version)
                    && str_field(o, "/kind") == Some(kind)
                    && namespace.is_none_or(|ns| str_field(o, "/metadata/namespace") == Some(ns))
                    && label_selector.is_none_or(|s| s.matches_object(o))
                    && field_selector.is_none_or(|s| s.matches_object(o))
            })
            .collect()
    }

    /// The object named `name`. For namespaced kinds `namespace` must match;
    /// for cluster-scoped kinds it is ignored.
    pub fn get(&self, api_version: &str, kind: &str, name: &str, namespace: Option<&str>) -> Option<&Value> {
        let scoped = is_cluster_scoped(api_version, kind);
        self.objects.iter().find(|o| {
            str_field(o, "/apiVersion") == Some(api_version)
                && str_field(o, "/kind") == Some(kind)
                && str_field(o, "/metadata/name") == Some(name)
                && (scoped || str_field(o, "/metadata/namespace") == namespace)
        })
    }
}

fn flatten_doc(doc: Value, out: &mut Vec<Value>) {
    match doc {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                flatten_doc(item, out);
            }
        }
        Value::Object(ref map)
            if map.get("items").is_some_and(Value::is_array)
                && map
                    .get("kind")
                    .and_then(Value::as_str)
                    .is_none_or(|k| k.ends_with("List")) =>
        {
            if let Value::Object(mut map) = doc
                && let Some(Value::Array(items)) = map.remove("items")
            {
                for item in items {
                    flatten_doc(item, out);
                }
            }
        }
        other => out.push(other),
    }
}

fn str_field<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// A Kubernetes list as policy-server returns it to the guest: `apiVersion` of
/// the listed resource and `kind: <Kind>List`. (The Rust SDK deserializes
/// lookups into `k8s_openapi::List<T>`, which insists on exactly this
/// apiVersion and kind, e.g. `v1`/`ServiceList`; a plain `v1`/`List` would be
/// refused by a typed policy.)
pub fn list_json(api_version: &str, kind: &str, items: Vec<Value>) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": format!("{kind}List"),
        "metadata": {"resourceVersion": ""},
        "items": items,
    })
}

/// Keep only the listed dotted paths of an object (plus `apiVersion` and
/// `kind`), like policy-server's `field_masks`. A path through an array applies
/// to every element.
pub fn apply_field_masks(object: &Value, masks: &[String]) -> Value {
    let mut out = Map::new();
    for key in ["apiVersion", "kind"] {
        if let Some(v) = object.get(key) {
            out.insert(key.to_owned(), v.clone());
        }
    }
    let mut result = Value::Object(out);
    for mask in masks {
        let path: Vec<&str> = mask.split('.').filter(|s| !s.is_empty()).collect();
        if !path.is_empty() {
            copy_path(object, &mut result, &path);
        }
    }
    result
}

fn copy_path(src: &Value, dst: &mut Value, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        *dst = src.clone();
        return;
    };
    match src {
        Value::Object(map) => {
            let Some(child) = map.get(*first) else {
                return;
            };
            if !dst.is_object() {
                *dst = Value::Object(Map::new());
            }
            if let Some(dst_map) = dst.as_object_mut() {
                let slot = dst_map.entry((*first).to_owned()).or_insert_with(|| empty_like(child));
                copy_path(child, slot, rest);
            }
        }
        Value::Array(items) => {
            if !dst.is_array() {
                *dst = Value::Array(items.iter().map(empty_like).collect());
            }
            if let Some(dst_items) = dst.as_array_mut() {
                for (s, d) in items.iter().zip(dst_items.iter_mut()) {
                    copy_path(s, d, path);
                }
            }
        }
        _ => {}
    }
}

fn empty_like(v: &Value) -> Value {
    match v {
        Value::Object(_) => Value::Object(Map::new()),
        Value::Array(items) => Value::Array(items.iter().map(empty_like).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: prom
  namespace: monitoring
  labels: {app: prometheus, zone: a}
spec: {type: ClusterIP}
---
apiVersion: v1
kind: Service
metadata:
  name: am
  namespace: monitoring
  labels: {app: alertmanager}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: prometheus}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: prom
  namespace: monitoring
  labels: {app: prometheus}
---
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
---
"#;

    fn names(items: &[&Value]) -> Vec<String> {
        items
            .iter()
            .map(|o| {
                format!(
                    "{}/{}",
                    o.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("-"),
                    o.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("?")
                )
            })
            .collect()
    }

    #[test]
    fn parses_documents_and_defaults_namespace() {
        let c = ClusterState::from_yaml_str(STATE).unwrap();
        assert_eq!(c.objects().len(), 5);
        let web = c.get("v1", "Service", "web", Some("default")).unwrap();
        assert_eq!(web["metadata"]["namespace"], "default");
        // cluster-scoped objects get no namespace
        let ns = c.get("v1", "Namespace", "monitoring", None).unwrap();
        assert!(ns["metadata"].get("namespace").is_none());
    }

    #[test]
    fn list_filters_kind_namespace_and_labels() {
        let c = ClusterState::from_yaml_str(STATE).unwrap();
        let all = c.list("v1", "Service", None, None, None);
        assert_eq!(names(&all), ["monitoring/prom", "monitoring/am", "default/web"]);
        let ns = c.list("v1", "Service", Some("monitoring"), None, None);
        assert_eq!(names(&ns), ["monitoring/prom", "monitoring/am"]);
        let sel = LabelSelector::parse("app=prometheus").unwrap();
        let by_label = c.list("v1", "Service", Some("monitoring"), Some(&sel), None);
        assert_eq!(names(&by_label), ["monitoring/prom"]);
        let sel = LabelSelector::parse("app in (prometheus, alertmanager),zone notin (a)").unwrap();
        assert_eq!(
            names(&c.list("v1", "Service", None, Some(&sel), None)),
            ["monitoring/am", "default/web"]
        );
        let fs = FieldSelector::parse("metadata.name=am").unwrap();
        assert_eq!(
            names(&c.list("v1", "Service", None, None, Some(&fs))),
            ["monitoring/am"]
        );
        // apiVersion must match exactly
        assert!(c.list("apps/v1beta1", "StatefulSet", None, None, None).is_empty());
        assert_eq!(c.list("apps/v1", "StatefulSet", None, None, None).len(), 1);
        assert!(c.list("v1", "Service", Some("other"), None, None).is_empty());
    }

    #[test]
    fn get_requires_matching_namespace() {
        let c = ClusterState::from_yaml_str(STATE).unwrap();
        assert!(c.get("v1", "Service", "prom", Some("monitoring")).is_some());
        assert!(c.get("v1", "Service", "prom", Some("default")).is_none());
        assert!(c.get("v1", "Service", "prom", None).is_none());
        assert!(c.get("v1", "Service", "nope", Some("monitoring")).is_none());
        assert!(c.get("apps/v1", "StatefulSet", "prom", Some("monitoring")).is_some());
    }

    #[test]
    fn accepts_lists_and_sequences() {
        let c = ClusterState::from_yaml_str(
            "apiVersion: v1\nkind: List\nmetadata: {resourceVersion: ''}\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n---\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n---\napiVersion: v1\nkind: ConfigMapList\nmetadata: {}\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n",
        )
        .unwrap();
        assert_eq!(c.list("v1", "ConfigMap", Some("default"), None, None).len(), 3);
    }

    #[test]
    fn rejects_objects_without_identity() {
        let err = ClusterState::from_yaml_str("kind: Service\nmetadata: {name: x}\n").unwrap_err();
        assert!(format!("{err:#}").contains("apiVersion"), "{err:#}");
        let err = ClusterState::from_yaml_str("apiVersion: v1\nkind: Service\n").unwrap_err();
        assert!(format!("{err:#}").contains("metadata.name"), "{err:#}");
    }

    #[test]
    fn list_json_has_typed_kind() {
        let l = list_json("monitoring.coreos.com/v1", "Prometheus", vec![json!({"a": 1})]);
        assert_eq!(l["apiVersion"], "monitoring.coreos.com/v1");
        assert_eq!(l["kind"], "PrometheusList");
        assert_eq!(l["items"], json!([{"a": 1}]));
    }

    #[test]
    fn field_masks_keep_only_listed_paths() {
        let obj = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "labels": {"a": "b"}, "annotations": {"x": "y"}},
            "spec": {"containers": [{"name": "c", "image": "i"}, {"name": "d", "image": "j"}], "nodeName": "n"}
        });
        let masked = apply_field_masks(&obj, &["metadata.name".into(), "spec.containers.image".into()]);
        assert_eq!(
            masked,
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {"containers": [{"image": "i"}, {"image": "j"}]}
            })
        );
    }
}
