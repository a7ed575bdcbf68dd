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
    /// For a fix left to the user (no edits): the field it changes, as
    /// `text` names it, so that it can be said in a chart's values too.
    pub subject: Option<FieldPath>,
}

impl Fix {
    pub fn text(text: impl Into<String>) -> Fix {
        Fix {
            text: text.into(),
            edits: Vec::new(),
            subject: None,
        }
    }

    /// Names the field a fix without edits is about.
    pub fn about(mut self, path: FieldPath) -> Fix {
        self.subject = Some(path);
        self
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
    /// The chart template that rendered the object (`# Source:` of `helm template` output).
    pub template: Option<String>,
    /// The object was rendered by a chart promha knows: the finding in the
    /// chart's values.
    pub chart: Option<Box<ChartFix>>,
}

/// A change to a Helm chart's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuesChange {
    /// The key, from the chart's own values root (map keys).
    pub key: Vec<String>,
    pub op: ValuesOp,
}

/// What a [`ValuesChange`] does to its key. Values are JSON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValuesOp {
    /// Sets the key; `default` is what the chart uses when no values file sets it.
    Set { value: String, default: Option<String> },
    /// Removes the key (or, when an earlier values file sets it too, sets it to null).
    Remove,
    /// Appends items to the list at the key.
    Append { items: Vec<String> },
}

/// A finding on an object a known chart rendered, in the chart's values:
/// which key produces the reported field, and the change that fixes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartFix {
    /// The chart's name, as in its Chart.yaml.
    pub chart: &'static str,
    /// Its version, from the rendered object's labels.
    pub version: Option<String>,
    /// Where the chart's values are in the values given to Helm: under its
    /// name (or alias) when it is a subchart. `None` while unknown.
    pub prefix: Option<Vec<String>>,
    /// The values key the finding is about, from the chart's values root.
    pub key: Vec<String>,
    /// The values changes that make the finding go away; empty when promha
    /// knows the key but leaves the value to the user.
    pub changes: Vec<ValuesChange>,
    /// The fix as the rule gave it, for the rendered object.
    pub rendered_fix: String,
    /// For a fix left to the user: the rendered field as `rendered_fix`
    /// names it, which the values key replaces in the values fix.
    pub subject: Option<String>,
    /// Where the finding was in the rendered input, once it is placed on a values file.
    pub rendered_at: Option<(String, Position)>,
    /// The values files given already make every change: the rendered
    /// input was not rendered from them (or before they changed).
    pub already_in_values: bool,
}

impl ChartFix {
    /// The key with the chart's prefix, as a values file spells it.
    pub fn full_key(&self, key: &[String]) -> Vec<String> {
        let mut full = self.prefix.clone().unwrap_or_default();
        full.extend(key.iter().cloned());
        full
    }
}

impl Finding {
    /// Whether `promha fix` has something to apply: edits of the object's
    /// file, or values changes when the finding is placed on a values file.
    pub fn has_edits(&self) -> bool {
        match &self.chart {
            Some(chart) if chart.rendered_at.is_some() => !chart.changes.is_empty(),
            _ => !self.edits.is_empty(),
        }
    }

    /// Where Helm output came from, for findings on it: `rendered from
    /// <template>` and, once placed on a values file, the rendered line too.
    pub fn rendered_note(&self) -> Option<String> {
        let at = self.chart.as_ref().and_then(|c| c.rendered_at.as_ref());
        let at = at.map(|(file, position)| {
            if position.is_known() {
                format!("{file}:{}:{}", position.line, position.column)
            } else {
                file.clone()
            }
        });
        match (at, &self.template) {
            (Some(at), Some(template)) => Some(format!("rendered at {at} from {template}")),
            (Some(at), None) => Some(format!("rendered at {at}")),
            (None, Some(template)) => Some(format!("rendered from {template}")),
            (None, None) => None,
        }
    }

    /// The one-line form used in admission responses: `rule-id: message Fix: fix`.
    pub fn one_line(&self) -> String {
        if self.fix.is_empty() {
            format!("{}: {}", self.rule, self.message)
        } else {
            format!("{}: {} Fix: {}", self.rule, self.message, self.fix)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::read::Source;
    use crate::scope::CheckOptions;
    use crate::settings::Settings;

    /// Admission shows each finding on one line: rule, message, then the fix when there is one.
    #[test]
    fn one_line_is_rule_message_and_fix() {
        let text = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main, namespace: mon}\nspec: {replicas: 1}\n";
        let report = crate::check::lint(
            &[Source::text("a.yaml", text)],
            &Settings::default(),
            &CheckOptions::default(),
        );
        let mut finding = report
            .findings
            .into_iter()
            .find(|f| f.rule == "min-replicas")
            .expect("min-replicas");
        assert!(!finding.fix.is_empty());
        assert_eq!(
            finding.one_line(),
            format!("min-replicas: {} Fix: {}", finding.message, finding.fix)
        );
        finding.fix.clear();
        assert_eq!(finding.one_line(), format!("min-replicas: {}", finding.message));
    }
}
