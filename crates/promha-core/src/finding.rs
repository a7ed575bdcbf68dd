//! What a rule reports.

use std::fmt;

use serde::Serialize;

use crate::read::Position;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Kubernetes object (or standalone file) a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// `None` for a standalone Prometheus config file.
    pub api_version: Option<String>,
    /// The object's kind, or `file` for a standalone Prometheus config.
    pub kind: String,
    /// `None` for a standalone file; `default` for objects that name none.
    pub namespace: Option<String>,
    pub name: String,
}

impl ResourceRef {
    /// A file as the resource: a standalone Prometheus config, or a file
    /// that cannot be read. Named by its base name.
    pub fn file(path: &str) -> ResourceRef {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        ResourceRef {
            api_version: None,
            kind: "file".to_string(),
            namespace: None,
            name: if name.is_empty() { "prometheus.yml" } else { name }.to_string(),
        }
    }
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// One step of a path into a document: a map key or a list index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Where an edit applies: a path from the document's root, or from the
/// root of the Prometheus config held in one of its `data` values.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath {
    /// The `data`/`stringData` key of the embedded config, if the path is in one.
    pub within: Option<String>,
    pub steps: Vec<Step>,
}

impl FieldPath {
    /// A path of map keys from the document's root.
    pub fn keys(keys: &[&str]) -> FieldPath {
        FieldPath {
            within: None,
            steps: keys.iter().map(|k| Step::Key(k.to_string())).collect(),
        }
    }

    /// The same path inside the config held in `data[key]`.
    pub fn within(mut self, key: Option<&str>) -> FieldPath {
        self.within = key.map(str::to_string);
        self
    }

    pub fn key(mut self, key: &str) -> FieldPath {
        self.steps.push(Step::Key(key.to_string()));
        self
    }

    pub fn index(mut self, index: usize) -> FieldPath {
        self.steps.push(Step::Index(index));
        self
    }
}

/// A change to the object's own file that makes a finding go away, for
/// `promha fix`: stated in terms of fields, applied to the text by the fixer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edit {
    /// Sets a field, creating the maps leading to it.
    Set { path: FieldPath, value: String },
    /// Removes a field.
    Remove { path: FieldPath },
    /// Appends items to a list, creating it when missing.
    Append { path: FieldPath, items: Vec<String> },
    /// Adds a document to the object's file.
    AddDocument { value: String },
}

/// The exact change that fixes a finding: for people, and (when promha is
/// certain of it) as edits `promha fix` can apply. Values are JSON text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fix {
    pub text: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn text(text: impl Into<String>) -> Fix {
        Fix {
            text: text.into(),
            edits: Vec::new(),
        }
    }

    /// Adds a `Set` of a JSON value.
    pub fn set(mut self, path: FieldPath, value: serde_json::Value) -> Fix {
        self.edits.push(Edit::Set {
            path,
            value: value.to_string(),
        });
        self
    }

    pub fn remove(mut self, path: FieldPath) -> Fix {
        self.edits.push(Edit::Remove { path });
        self
    }

    pub fn append(mut self, path: FieldPath, items: Vec<serde_json::Value>) -> Fix {
        self.edits.push(Edit::Append {
            path,
            items: items.iter().map(serde_json::Value::to_string).collect(),
        });
        self
    }

    pub fn add_document(mut self, value: serde_json::Value) -> Fix {
        self.edits.push(Edit::AddDocument {
            value: value.to_string(),
        });
        self
    }
}

impl From<String> for Fix {
    fn from(text: String) -> Fix {
        Fix::text(text)
    }
}

impl From<&str> for Fix {
    fn from(text: &str) -> Fix {
        Fix::text(text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub resource: ResourceRef,
    /// The file the object came from; empty in admission.
    pub file: String,
    /// Where the offending field is written (unknown in admission).
    pub position: Position,
    /// What is wrong and why it matters for availability.
    pub message: String,
    /// The exact change that fixes it.
    pub fix: String,
    /// The same change as edits of the object's file, when promha is certain of it.
    pub edits: Vec<Edit>,
    /// Index of the document the finding is about, among those checked
    /// together; `None` for a file (or a document of it) that could not be read.
    pub document: Option<usize>,
}

impl Finding {
    /// The one-line form used in admission responses: `rule-id: message Fix: fix`.
    pub fn one_line(&self) -> String {
        if self.fix.is_empty() {
            format!("{}: {}", self.rule, self.message)
        } else {
            format!("{}: {} Fix: {}", self.rule, self.message, self.fix)
        }
    }
}
