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
