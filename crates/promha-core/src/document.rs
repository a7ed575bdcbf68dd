//! Documents as they come in, and the objects and standalone configs found in them.

use crate::finding::ResourceRef;
use crate::node::BlockOrigin;
use crate::node::{Node, Position, Value};
use crate::triage::{Triage, split_documents, triage};
use crate::yaml::{ReadError, ReadLimits, read_documents, read_documents_metered};

/// One YAML/JSON document and the file it came from (empty in admission).
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub file: String,
    pub root: Node,
}

impl Document {
    pub fn new(file: impl Into<String>, root: Node) -> Self {
        Document {
            file: file.into(),
            root,
        }
    }

    /// A document from an admission request or a cluster lookup.
    pub fn from_json(value: &serde_json::Value) -> Self {
        Document::new(String::new(), Node::from_json(value))
    }
}

/// Reads a file's text into documents: every document of a YAML stream (or
/// the JSON value), with the items of `kind: List` documents taken out, and
/// empty documents dropped.
pub fn read_text(file: &str, text: &str, limits: &ReadLimits) -> Result<Vec<Document>, ReadError> {
    let mut documents = Vec::new();
    for root in read_documents(text, limits)? {
        push_expanding_lists(file, root, &mut documents);
    }
    Ok(documents)
}

/// What reading a file for a lint gave.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    pub documents: Vec<Document>,
    /// Documents that could not be read; `whole_file` when the file was read at once.
    pub errors: Vec<ReadError>,
    pub whole_file: bool,
    /// Kubernetes objects of kinds no rule reads, not parsed (see [`crate::triage`]).
    pub skipped: usize,
}

/// Reads the documents of a file that can matter to a rule, one document at
/// a time, so that one broken document does not hide the others.
/// `extra_kinds` are kinds to read whatever they are (those of user CRDs).
pub fn read_for_lint(file: &str, text: &str, limits: &ReadLimits, extra_kinds: &[&str]) -> ReadOutcome {
    let mut outcome = ReadOutcome::default();
    let Some(chunks) = split_documents(text) else {
        outcome.whole_file = true;
        match read_text(file, text, limits) {
            Ok(documents) => outcome.documents = documents,
            Err(error) => outcome.errors.push(error),
        }
        return outcome;
    };
    let mut used_nodes = 0;
    for chunk in chunks {
        match triage(chunk.text, extra_kinds) {
            Triage::Empty => {}
            Triage::Skip => outcome.skipped += 1,
            Triage::Read => {
                let origin = BlockOrigin {
                    first_line: chunk.first_line,
                    indent: 0,
                };
                match read_documents_metered(chunk.text, limits, Some(origin), &mut used_nodes) {
                    Ok(roots) => {
                        for root in roots {
                            push_expanding_lists(file, root, &mut outcome.documents);
                        }
                    }
                    Err(error) => outcome.errors.push(error),
                }
            }
        }
    }
    outcome
}

fn push_expanding_lists(file: &str, root: Node, out: &mut Vec<Document>) {
    if root.is_null() {
        return;
    }
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && root.get("apiVersion").is_some()
        && matches!(root.get("items").map(|i| &i.value), Some(Value::Seq(_)));
    if !is_list {
        out.push(Document::new(file, root));
        return;
    }
    if let Value::Map(entries) = root.value {
        for entry in entries {
            if entry.key == "items"
                && let Value::Seq(items) = entry.value.value
            {
                for item in items {
                    push_expanding_lists(file, item, out);
                }
            }
        }
    }
}

/// Top-level keys of a Prometheus configuration file.
const PROMETHEUS_CONFIG_KEYS: &[&str] = &[
    "global",
    "scrape_configs",
    "scrape_config_files",
    "alerting",
    "rule_files",
    "remote_write",
    "remote_read",
    "storage",
    "tracing",
    "otlp",
    "runtime",
];

/// Keys only a Prometheus config has (a config with just `storage:` is not one).
const PROMETHEUS_CONFIG_MARKERS: &[&str] = &[
    "global",
    "scrape_configs",
    "scrape_config_files",
    "alerting",
    "rule_files",
    "remote_write",
];

/// Whether a text may be a Prometheus config, judged by the words its
/// top-level keys would be, before parsing it.
pub(crate) fn may_hold_prometheus_config(text: &str) -> bool {
    [
        "scrape_configs",
        "global:",
        "alerting:",
        "rule_files",
        "remote_write",
        "scrape_config_files",
    ]
    .iter()
    .any(|marker| text.contains(marker))
}

/// A map whose keys are all Prometheus config keys, including at least one
/// that only Prometheus configs have.
pub fn is_prometheus_config(root: &Node) -> bool {
    let Some(entries) = root.as_map() else {
        return false;
    };
    !entries.is_empty()
        && entries.iter().all(|e| PROMETHEUS_CONFIG_KEYS.contains(&e.key.as_str()))
        && entries
            .iter()
            .any(|e| PROMETHEUS_CONFIG_MARKERS.contains(&e.key.as_str()))
}

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
            });
        }
        if is_prometheus_config(root) {
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
            });
        }
        None
    }

    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
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
    use crate::node::Position;

    fn docs(text: &str) -> Vec<Document> {
        read_text("dir/manifests.yaml", text, &ReadLimits::default()).unwrap()
    }

    #[test]
    fn lists_are_expanded_and_empty_documents_dropped() {
        let d = docs(
            "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: b}\n---\n",
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].root.path(&["metadata", "name"]).and_then(Node::as_str), Some("b"));
        assert_eq!(d[1].root.get("kind").unwrap().position.line, 9);
    }

    #[test]
    fn lint_reads_document_by_document_at_the_right_lines() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: skipped}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\nkind: Service\nspec: [1, 2\n---\napiVersion: v1\nkind: Service\nmetadata: {name: t}\n";
        let outcome = read_for_lint("f.yaml", text, &ReadLimits::default(), &[]);
        assert_eq!(outcome.skipped, 1);
        assert_eq!(
            outcome.documents.len(),
            2,
            "the broken document does not hide the last one"
        );
        assert_eq!(
            outcome.documents[0].root.get("kind").unwrap().position,
            Position::new(6, 1)
        );
        assert_eq!(
            outcome.documents[1].root.get("metadata").unwrap().position,
            Position::new(14, 1)
        );
        assert_eq!(outcome.errors.len(), 1);
        assert_eq!(outcome.errors[0].position.line, 10);
        assert!(!outcome.whole_file);
    }

    #[test]
    fn the_node_budget_holds_for_the_whole_file() {
        let text = "kind: Service\na: [1, 2, 3]\n---\nkind: Service\nb: [1, 2, 3]\n";
        let limits = ReadLimits {
            max_nodes: 12,
            ..ReadLimits::default()
        };
        let outcome = read_for_lint("f.yaml", text, &limits, &[]);
        assert_eq!(outcome.documents.len(), 1);
        assert!(outcome.errors[0].message.contains("too large"), "{:?}", outcome.errors);
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
