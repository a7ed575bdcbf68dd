//! Kubernetes objects, and standalone Prometheus config files, as rules see them.

use super::elector;
use super::prometheus_config::is_prometheus_config;
use crate::finding::{FieldPath, ResourceRef};
use crate::read::{Document, Node, Position};

/// Resource annotation naming rules to skip for this object.
pub const IGNORE_ANNOTATION: &str = "promha.io/ignore";

/// A Kubernetes object, or a standalone Prometheus config file.
#[derive(Debug)]
pub struct Object<'d> {
    /// Index of its document among those checked together.
    pub document: usize,
    pub file: &'d str,
    pub root: &'d Node,
    /// Empty for a standalone config file.
    pub api_version: &'d str,
    pub group: &'d str,
    /// `file` for a standalone Prometheus config.
    pub kind: &'d str,
    pub name: String,
    /// `default` when unset; empty for a standalone config file.
    pub namespace: String,
    pub standalone_config: bool,
    /// The chart template that rendered it (`# Source:` of `helm template` output).
    pub template: Option<&'d str>,
}

impl<'d> Object<'d> {
    /// Identifies a document; `None` when it is neither a Kubernetes object
    /// nor a Prometheus config.
    pub fn identify(document: usize, doc: &'d Document) -> Option<Object<'d>> {
        let root = &doc.root;
        if let (Some(api_version), Some(kind)) = (
            root.get("apiVersion").and_then(Node::as_str),
            root.get("kind").and_then(Node::as_str),
        ) {
            let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
            let metadata = root.get("metadata");
            let name = metadata
                .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string();
            let namespace = metadata
                .and_then(|m| m.get("namespace"))
                .and_then(Node::as_str)
                .filter(|ns| !ns.is_empty())
                .unwrap_or("default")
                .to_string();
            return Some(Object {
                document,
                file: &doc.file,
                root,
                api_version,
                group,
                kind,
                name,
                namespace,
                standalone_config: false,
                template: doc.template.as_deref(),
            });
        }
        if is_prometheus_config(root) || elector::sections(root).is_some() {
            return Some(Object {
                document,
                file: &doc.file,
                root,
                api_version: "",
                group: "",
                kind: "file",
                name: ResourceRef::file(&doc.file).name,
                namespace: String::new(),
                standalone_config: true,
                template: doc.template.as_deref(),
            });
        }
        None
    }

    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
    }

    /// A Deployment or StatefulSet: a controller of pods built from a template.
    pub fn is_workload_controller(&self) -> bool {
        matches!(self.group, "apps" | "extensions") && matches!(self.kind, "StatefulSet" | "Deployment")
    }

    /// The containers of a workload controller's pod template.
    pub fn containers(&self) -> &'d [Node] {
        self.root
            .path(&["spec", "template", "spec", "containers"])
            .and_then(Node::as_seq)
            .unwrap_or_default()
    }

    /// The path of one of [`Object::containers`], for edits.
    pub fn container_path(&self, container: &Node) -> Option<FieldPath> {
        let index = self.containers().iter().position(|c| std::ptr::eq(c, container))?;
        Some(FieldPath::keys(&["spec", "template", "spec", "containers"]).index(index))
    }

    /// The `(group, kind, namespace, name)` that tells objects apart.
    pub fn identity(&self) -> (&str, &str, &str, &str) {
        (self.group, self.kind, &self.namespace, &self.name)
    }

    pub fn resource(&self) -> ResourceRef {
        if self.standalone_config {
            return ResourceRef::file(self.file);
        }
        ResourceRef {
            api_version: Some(self.api_version.to_string()),
            kind: self.kind.to_string(),
            namespace: Some(self.namespace.clone()),
            name: self.name.clone(),
        }
    }

    pub fn spec(&self) -> Option<&'d Node> {
        self.root.get("spec")
    }

    pub fn metadata(&self) -> Option<&'d Node> {
        self.root.get("metadata")
    }

    /// `Kind namespace/name`, as messages name objects.
    pub fn display(&self) -> String {
        if self.standalone_config {
            self.name.clone()
        } else {
            format!("{} {}/{}", self.kind, self.namespace, self.name)
        }
    }

    /// Position of a field given by keys from the root, or of its nearest
    /// written parent when it is missing.
    pub fn position_of(&self, keys: &[&str]) -> Position {
        self.root.nearest_position(keys)
    }

    /// The value of the `promha.io/ignore` annotation: `None` when absent.
    pub fn ignore_annotation(&self) -> Option<&'d Node> {
        self.root.path(&["metadata", "annotations", IGNORE_ANNOTATION])
    }

    /// Whether the ignore annotation names `rule` (or `all`).
    pub fn ignores(&self, rule: &str) -> bool {
        self.ignore_annotation()
            .and_then(Node::as_str)
            .is_some_and(|list| list.split(',').map(str::trim).any(|r| r == rule || r == "all"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{ReadLimits, read_text};

    fn docs(text: &str) -> Vec<Document> {
        read_text("dir/manifests.yaml", text, &ReadLimits::default()).unwrap()
    }

    #[test]
    fn objects_default_to_the_default_namespace() {
        let d = docs("apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s}\n");
        let o = Object::identify(0, &d[0]).unwrap();
        assert_eq!(o.namespace, "default");
        assert_eq!(o.group, "monitoring.coreos.com");
        assert!(o.is("monitoring.coreos.com", "Prometheus"));
        assert_eq!(o.display(), "Prometheus default/k8s");
    }

    #[test]
    fn standalone_prometheus_configs_are_files() {
        let d = docs("global:\n  scrape_interval: 15s\nscrape_configs: []\n");
        let o = Object::identify(0, &d[0]).unwrap();
        assert!(o.standalone_config);
        let r = o.resource();
        assert_eq!(
            (r.kind.as_str(), r.name.as_str(), r.namespace),
            ("file", "manifests.yaml", None)
        );
    }

    #[test]
    fn other_yaml_is_not_an_object() {
        let d = docs("global:\n  x: 1\nroute: {}\nreceivers: []\n");
        assert!(Object::identify(0, &d[0]).is_none());
        let d = docs("storage: {}\n");
        assert!(Object::identify(0, &d[0]).is_none());
        let d = docs("- a\n- b\n");
        assert!(Object::identify(0, &d[0]).is_none());
    }

    #[test]
    fn ignore_annotation_lists_rules() {
        let d = docs(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations:\n    promha.io/ignore: \"min-replicas, anti-affinity\"\n",
        );
        let o = Object::identify(0, &d[0]).unwrap();
        assert!(o.ignores("anti-affinity"));
        assert!(!o.ignores("replica-label"));
    }
}
