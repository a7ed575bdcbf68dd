//! The report in each output format.

use std::fmt::Write as _;
use std::path::Path;

use annotate_snippets::Renderer;
use anstyle::{AnsiColor, Style};
use promha_core::{Finding, RULES, Report, Rule, Severity};
use serde_json::{Value as Json, json};

use crate::frame;
use promha_core::catalogue::{help_markdown, help_text};

const VERSION: &str = env!("CARGO_PKG_VERSION");

// The styles of the text report and of promha's messages on standard error.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub const NOTE: Style = AnsiColor::Cyan.on_default().bold();
const EMPHASIS: Style = Style::new().bold();
const FIX: Style = AnsiColor::Cyan.on_default();

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `file:line:col: severity[rule] Kind ns/name: message`, the code frame
/// and the fix under it, and a summary line. Always styled: the caller
/// writes it through a stream that drops the styling when colour is off.
pub fn text(report: &Report, sources: &frame::Sources<'_>) -> String {
    // Styled: the output stream drops the styling when colour is off.
    let renderer = Renderer::styled().error(ERROR).warning(WARNING);
    let mut out = String::new();
    for finding in &report.findings {
        let location = if finding.position.is_known() {
            format!(
                "{}:{}:{}:",
                finding.file, finding.position.line, finding.position.column
            )
        } else {
            format!("{}:", finding.file)
        };
        let severity = match finding.severity {
            Severity::Error => paint(ERROR, "error"),
            Severity::Warning => paint(WARNING, "warning"),
        };
        let _ = writeln!(
            out,
            "{} {severity}[{}] {}: {}",
            paint(EMPHASIS, &location),
            paint(EMPHASIS, finding.rule),
            finding.resource,
            finding.message
        );
        if let Some(frame) = sources.frame(finding, &renderer) {
            out.push_str(&frame);
            out.push('\n');
        }
        if let Some(note) = finding.rendered_note() {
            let _ = writeln!(out, "  {} {note}", paint(NOTE, "helm:"));
        }
        if !finding.fix.is_empty() {
            let fix = finding.fix.replace('\n', "\n       ");
            let _ = writeln!(out, "  {} {fix}", paint(FIX, "fix:"));
        }
    }
    let (errors, warnings) = (report.errors(), report.warnings());
    let checked = format!(
        "{} checked in {}",
        plural(report.documents, "resource", "resources"),
        plural(report.files, "file", "files")
    );
    let summary = match (errors, warnings) {
        (0, 0) => format!("no problems found: {checked}"),
        (_, 0) => format!("{}: {checked}", plural(errors, "error", "errors")),
        (0, _) => format!("{}: {checked}", plural(warnings, "warning", "warnings")),
        _ => format!(
            "{} and {}: {checked}",
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings")
        ),
    };
    if !report.findings.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "{}", paint(EMPHASIS, &summary));
    out
}

/// The core's JSON, shared with the web page.
pub fn json(report: &Report) -> String {
    let mut out = String::new();
    report.write_json(&mut out);
    out.push('\n');
    out
}

/// `::error file=…,line=…,col=…,title=…::message` workflow commands.
pub fn github(report: &Report, cwd: Option<&Path>) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = vec![format!("file={}", escape_property(&relative_path(&finding.file, cwd)))];
        if finding.position.is_known() {
            properties.push(format!("line={}", finding.position.line));
            if finding.position.column > 0 {
                properties.push(format!("col={}", finding.position.column));
            }
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("promha {}: {}", finding.rule, finding.resource))
        ));
        let mut message = finding.message.clone();
        if let Some(note) = finding.rendered_note() {
            message.push_str(&format!(" ({note})"));
        }
        if !finding.fix.is_empty() {
            message.push_str("\nFix: ");
            message.push_str(&finding.fix);
        }
        let _ = writeln!(out, "::{command} {}::{}", properties.join(","), escape_data(&message));
    }
    out
}

/// Escaping of a workflow command's message, as `@actions/core` does.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping of a workflow command's property value, as `@actions/core` does.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A finding's file relative to the working directory (where CI checks out
/// the repository), with forward slashes.
pub fn relative_path(file: &str, cwd: Option<&Path>) -> String {
    let path = Path::new(file);
    let relative = match cwd {
        Some(cwd) if path.is_absolute() => path.strip_prefix(cwd).unwrap_or(path),
        _ => path,
    };
    relative.to_string_lossy().replace('\\', "/")
}

/// A SARIF `artifactLocation.uri`: a relative reference with forward
/// slashes, or a `file://` URI for a file outside the working directory.
pub fn artifact_uri(file: &str, cwd: Option<&Path>) -> String {
    let relative = relative_path(file, cwd);
    if relative.starts_with('/') {
        format!("file://{}", percent_encode(&relative))
    } else {
        percent_encode(&relative)
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// `min-replicas` → `MinReplicas`, SARIF's human-readable rule name.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect()
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn sarif_rule(rule: &Rule) -> Json {
    json!({
        "id": rule.id,
        "name": pascal_case(rule.id),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc},
        "help": {
            "text": help_text(rule),
            "markdown": help_markdown(rule),
        },
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {"tags": ["kubernetes", "prometheus", "high-availability"]},
    })
}

fn sarif_result(finding: &Finding, cwd: Option<&Path>) -> Json {
    let rule_index = RULES.iter().position(|r| r.id == finding.rule);
    let mut region = serde_json::Map::new();
    // GitHub code scanning needs startLine ≥ 1; a finding without a known
    // position (rare: a file that cannot be read at all) points at line 1.
    region.insert("startLine".into(), json!(finding.position.line.max(1)));
    if finding.position.is_known() && finding.position.column > 0 {
        region.insert("startColumn".into(), json!(finding.position.column));
    }
    let note = finding.rendered_note().map(|n| format!(" ({n})")).unwrap_or_default();
    let text = if finding.fix.is_empty() {
        format!("{}: {}{note}", finding.resource, finding.message)
    } else {
        format!("{}: {}{note}\nFix: {}", finding.resource, finding.message, finding.fix)
    };
    let mut result = json!({
        "ruleId": finding.rule,
        "level": level(finding.severity),
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(&finding.file, cwd)},
                "region": Json::Object(region),
            },
            "logicalLocations": [logical_location(finding)],
        }],
        "properties": {
            "resource": finding.resource,
            "fix": finding.fix,
        },
    });
    if let (Some(index), Json::Object(map)) = (rule_index, &mut result) {
        map.insert("ruleIndex".into(), json!(index));
    }
    // On a values file, the rendered object is a related location.
    if let Some((file, position)) = finding.chart.as_ref().and_then(|c| c.rendered_at.as_ref())
        && let Json::Object(map) = &mut result
    {
        let mut region = serde_json::Map::new();
        region.insert("startLine".into(), json!(position.line.max(1)));
        if position.is_known() && position.column > 0 {
            region.insert("startColumn".into(), json!(position.column));
        }
        let what = finding.template.as_deref().map_or_else(
            || "the rendered object".to_string(),
            |t| format!("the rendered object, from {t}"),
        );
        map.insert(
            "relatedLocations".into(),
            json!([{
                "id": 0,
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(file, cwd)},
                    "region": Json::Object(region),
                },
                "message": {"text": what},
            }]),
        );
    }
    if let (Some(properties), Some(template)) = (
        result.get_mut("properties").and_then(Json::as_object_mut),
        &finding.template,
    ) {
        properties.insert("template".into(), json!(template));
    }
    if let (Some(properties), Some(chart)) = (
        result.get_mut("properties").and_then(Json::as_object_mut),
        &finding.chart,
    ) && !chart.key.is_empty()
    {
        properties.insert("chart".into(), json!(chart.chart));
        properties.insert("valuesKey".into(), json!(chart.full_key(&chart.key).join(".")));
    }
    result
}

fn logical_location(finding: &Finding) -> Json {
    let r = &finding.resource;
    let qualified = match &r.namespace {
        Some(ns) => format!("{}/{}/{}", r.kind, ns, r.name),
        None => format!("{}/{}", r.kind, r.name),
    };
    json!({"name": r.name, "fullyQualifiedName": qualified, "kind": "resource"})
}

/// A SARIF 2.1.0 log with one run, as GitHub code scanning accepts it.
pub fn sarif(report: &Report, cwd: Option<&Path>) -> String {
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "promha",
                    "semanticVersion": VERSION,
                    "version": VERSION,
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": RULES.iter().map(|r| sarif_rule(r)).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": report.findings.iter().map(|f| sarif_result(f, cwd)).collect::<Vec<_>>(),
            "invocations": [{"executionSuccessful": true}],
        }]
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_else(|_| log.to_string());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(escape_data("50% of a\r\nb"), "50%25 of a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn uris_are_relative_with_forward_slashes() {
        let cwd = Path::new("/repo");
        assert_eq!(artifact_uri("/repo/k8s/a b.yaml", Some(cwd)), "k8s/a%20b.yaml");
        assert_eq!(artifact_uri("k8s\\win.yaml", Some(cwd)), "k8s/win.yaml");
        assert_eq!(artifact_uri("/elsewhere/x.yaml", Some(cwd)), "file:///elsewhere/x.yaml");
        assert_eq!(artifact_uri("c:x.yaml", None), "c%3Ax.yaml");
    }

    #[test]
    fn rule_names() {
        assert_eq!(pascal_case("min-replicas"), "MinReplicas");
        assert_eq!(pascal_case("invalid-resource"), "InvalidResource");
    }
}
