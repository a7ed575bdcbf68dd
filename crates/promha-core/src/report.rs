//! The result of a lint run, and its JSON form shared by the CLI and the web page.

use serde_json::{Value as Json, json};

use crate::finding::{ChartFix, Finding, Severity, ValuesOp};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Files read.
    pub files: usize,
    /// Kubernetes objects and Prometheus configs checked.
    pub documents: usize,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Error).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Warning).count()
    }

    /// `{"findings": [...], "summary": {...}}`, the CLI's `--format json`.
    pub fn to_json(&self) -> Json {
        json!({
            "findings": self.findings.iter().map(finding_json).collect::<Vec<_>>(),
            "summary": self.summary_json(),
        })
    }

    fn summary_json(&self) -> Json {
        json!({
            "errors": self.errors(),
            "warnings": self.warnings(),
            "files": self.files,
            "documents": self.documents,
        })
    }

    /// [`Report::to_json`] written out compactly, byte for byte, one finding
    /// at a time: a run with a hundred thousand findings never holds them
    /// all as a JSON tree.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"findings\":[");
        for (i, finding) in self.findings.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&finding_json(finding).to_string());
        }
        out.push_str("],\"summary\":");
        out.push_str(&self.summary_json().to_string());
        out.push('}');
    }
}

pub fn finding_json(finding: &Finding) -> Json {
    let mut json = json!({
        "rule": finding.rule,
        "severity": finding.severity,
        "resource": finding.resource,
        "file": finding.file,
        "line": finding.position.line,
        "column": finding.position.column,
        "message": finding.message,
        "fix": finding.fix,
    });
    // What Helm rendered: only on such findings, so that the shape of the others stays.
    if let Json::Object(map) = &mut json {
        if let Some(template) = &finding.template {
            map.insert("template".into(), json!(template));
        }
        if let Some(chart) = &finding.chart {
            if let Some((file, position)) = &chart.rendered_at {
                map.insert(
                    "rendered".into(),
                    json!({"file": file, "line": position.line, "column": position.column}),
                );
            }
            map.insert("chart".into(), chart_json(chart));
        }
    }
    json
}

/// The chart, the values key a finding is about and the values changes that fix it.
fn chart_json(chart: &ChartFix) -> Json {
    let changes: Vec<Json> = chart
        .changes
        .iter()
        .map(|change| {
            let key = chart.full_key(&change.key).join(".");
            let parse = |v: &str| serde_json::from_str::<Json>(v).unwrap_or_else(|_| json!(v));
            match &change.op {
                ValuesOp::Set { value, .. } => json!({"key": key, "op": "set", "value": parse(value)}),
                ValuesOp::Remove => json!({"key": key, "op": "remove"}),
                ValuesOp::Append { items } => {
                    json!({"key": key, "op": "append", "items": items.iter().map(|i| parse(i)).collect::<Vec<_>>()})
                }
            }
        })
        .collect();
    let key = (!chart.key.is_empty()).then(|| chart.full_key(&chart.key).join("."));
    json!({
        "name": chart.chart,
        "version": chart.version,
        "valuesKey": key,
        "changes": changes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::ResourceRef;
    use crate::read::Position;

    /// The streamed form is the tree's, byte for byte, with no finding,
    /// one, and several (of the examples, so every field shape is in).
    #[test]
    fn written_json_is_the_json_tree_written_out() {
        let examples: Vec<crate::read::Source<'_>> = crate::rules::RULES
            .iter()
            .map(|r| crate::read::Source::text(r.id, r.bad_example))
            .collect();
        let full = crate::lint(&examples, &crate::Settings::default(), &crate::CheckOptions::default());
        assert!(full.findings.len() > 10);
        let one = Report {
            findings: full.findings[..1].to_vec(),
            ..full.clone()
        };
        for report in [Report::default(), one, full] {
            let mut written = String::new();
            report.write_json(&mut written);
            assert_eq!(written, report.to_json().to_string());
        }
    }

    #[test]
    fn json_shape_is_exact() {
        let report = Report {
            findings: vec![Finding {
                rule: "min-replicas",
                severity: Severity::Error,
                resource: ResourceRef {
                    api_version: Some("monitoring.coreos.com/v1".into()),
                    kind: "Prometheus".into(),
                    namespace: Some("monitoring".into()),
                    name: "k8s".into(),
                },
                file: "a.yaml".into(),
                position: Position::new(7, 3),
                message: "m".into(),
                fix: "f".into(),
                edits: Vec::new(),
                document: Some(0),
                template: None,
                chart: None,
            }],
            files: 2,
            documents: 5,
        };
        assert_eq!(
            report.to_json(),
            json!({
                "findings": [{
                    "rule": "min-replicas", "severity": "error",
                    "resource": {"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "namespace": "monitoring", "name": "k8s"},
                    "file": "a.yaml", "line": 7, "column": 3, "message": "m", "fix": "f"
                }],
                "summary": {"errors": 1, "warnings": 0, "files": 2, "documents": 5}
            })
        );
    }
}
