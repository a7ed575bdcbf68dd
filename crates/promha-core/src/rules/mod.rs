//! The catalogue of rules. Each rule is one module holding its doc text,
//! its check and its tests; a new rule is one module plus a line in [`RULES`].

use crate::document::Object;
use crate::finding::{Finding, Severity};
use crate::node::Position;
use crate::scope::Scope;
use crate::settings::Settings;

mod alertmanager_peers;
mod alertmanagers_complete;
mod alerts_drop_replica_label;
mod anti_affinity;
mod invalid_resource;
mod min_replicas;
mod persistent_storage;
mod pod_disruption_budget;
mod query_replica_label;
mod replica_label;
mod session_affinity;

pub use invalid_resource::unreadable as unreadable_finding;

/// A rule: its identity, its documentation and its check.
pub struct Rule {
    /// Stable id, used in settings, annotations and output.
    pub id: &'static str,
    pub severity: Severity,
    /// One line: what the rule requires.
    pub summary: &'static str,
    /// Why it matters for availability and what counts as satisfying it.
    pub doc: &'static str,
    /// A setup the rule reports, and the same setup fixed. The rule's tests
    /// check that both behave as documented.
    pub bad_example: &'static str,
    pub good_example: &'static str,
    pub check: fn(&Scope<'_>, &mut Emitter<'_>),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

/// Every rule, in the order they are documented.
pub static RULES: &[&Rule] = &[
    &min_replicas::RULE,
    &anti_affinity::RULE,
    &replica_label::RULE,
    &alerts_drop_replica_label::RULE,
    &alertmanagers_complete::RULE,
    &alertmanager_peers::RULE,
    &pod_disruption_budget::RULE,
    &persistent_storage::RULE,
    &session_affinity::RULE,
    &query_replica_label::RULE,
    &invalid_resource::RULE,
];

pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// For an id that names no rule: the closest rule id, if one is close
/// enough to be a typo, and every id, for the message.
pub fn unknown_rule_help(id: &str) -> (Option<&'static str>, String) {
    let ids = || RULES.iter().map(|r| r.id);
    (crate::suggest::suggest(id, ids()), ids().collect::<Vec<_>>().join(", "))
}

/// The catalogue as JSON, for `promha rules --format json` and the web page:
/// `[{id, severity, summary, doc, badExample, goodExample}]`.
pub fn catalogue_json() -> serde_json::Value {
    RULES
        .iter()
        .map(|rule| {
            serde_json::json!({
                "id": rule.id,
                "severity": rule.severity,
                "summary": rule.summary,
                "doc": rule.doc,
                "badExample": rule.bad_example,
                "goodExample": rule.good_example,
            })
        })
        .collect()
}

/// Collects one rule's findings, applying the settings: rule levels, exempt
/// namespaces and the ignore annotation.
pub struct Emitter<'s> {
    rule: &'static Rule,
    settings: &'s Settings,
    findings: &'s mut Vec<Finding>,
}

impl<'s> Emitter<'s> {
    pub fn new(rule: &'static Rule, settings: &'s Settings, findings: &'s mut Vec<Finding>) -> Self {
        Emitter {
            rule,
            settings,
            findings,
        }
    }

    /// Reports a finding with the rule's own severity.
    pub fn report(
        &mut self,
        object: &Object<'_>,
        position: Position,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.report_as(self.rule.severity, object, position, message, fix);
    }

    /// Reports a finding that is only a warning even when the rule's are errors.
    pub fn warn(
        &mut self,
        object: &Object<'_>,
        position: Position,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.report_as(Severity::Warning, object, position, message, fix);
    }

    pub fn report_as(
        &mut self,
        severity: Severity,
        object: &Object<'_>,
        position: Position,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        if !object.standalone_config && self.settings.is_exempt(&object.namespace) {
            return;
        }
        if self.settings.allow_ignore_annotation && object.ignores(self.rule.id) {
            return;
        }
        let Some(severity) = self.settings.severity_for(self.rule.id, severity) else {
            return;
        };
        self.findings.push(Finding {
            rule: self.rule.id,
            severity,
            resource: object.resource(),
            file: object.file.to_string(),
            position,
            message: message.into(),
            fix: fix.into(),
            document: object.document,
        });
    }
}

/// Renders labels as the YAML flow map a fix can paste: `{app: x, team: y}`.
pub(crate) fn flow_map(labels: &[(String, String)]) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}: {}", yaml_scalar(v))).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// Quotes a scalar when YAML would otherwise read it as something else.
pub(crate) fn yaml_scalar(text: &str) -> String {
    let plain_safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && text.parse::<f64>().is_err()
        && !matches!(text, "true" | "false" | "null" | "True" | "False" | "Null" | "~");
    if plain_safe {
        text.to_string()
    } else {
        format!("{text:?}")
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for rule tests: run the full check over YAML text.
    use crate::document::read_text;
    use crate::finding::Finding;
    use crate::settings::Settings;
    use crate::yaml::ReadLimits;
    use crate::{CheckOptions, check};

    use super::Rule;

    pub fn findings_with(yaml: &str, settings: &Settings) -> Vec<Finding> {
        let docs = match read_text("test.yaml", yaml, &ReadLimits::default()) {
            Ok(d) => d,
            Err(e) => panic!("test YAML does not parse: {e}\n{yaml}"),
        };
        check(&docs, settings, &CheckOptions::default())
    }

    pub fn findings(yaml: &str) -> Vec<Finding> {
        findings_with(yaml, &Settings::default())
    }

    /// The findings of one rule.
    pub fn of(rule: &Rule, yaml: &str) -> Vec<Finding> {
        findings(yaml).into_iter().filter(|f| f.rule == rule.id).collect()
    }

    pub fn of_with(rule: &Rule, yaml: &str, settings: &Settings) -> Vec<Finding> {
        findings_with(yaml, settings)
            .into_iter()
            .filter(|f| f.rule == rule.id)
            .collect()
    }

    /// The documented bad example is reported by the rule; the good one is not.
    pub fn examples_behave(rule: &Rule) {
        let bad = of(rule, rule.bad_example);
        assert!(!bad.is_empty(), "{}: the bad example is not reported", rule.id);
        assert!(
            bad.iter().all(|f| f.position.is_known()),
            "{}: findings on the bad example have no line: {bad:?}",
            rule.id
        );
        let good = of(rule, rule.good_example);
        assert!(good.is_empty(), "{}: the good example is reported: {good:?}", rule.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for rule in RULES {
            assert!(seen.insert(rule.id), "duplicate id {}", rule.id);
            assert!(
                rule.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                rule.id
            );
            assert!(
                !rule.summary.is_empty() && rule.doc.len() > 80,
                "{} lacks docs",
                rule.id
            );
            assert!(
                !rule.summary.ends_with('.'),
                "{}: summaries are one line without a period",
                rule.id
            );
        }
    }

    #[test]
    fn good_examples_are_clean_under_every_rule() {
        for rule in RULES {
            let found = testing::findings(rule.good_example);
            assert!(
                found.is_empty(),
                "{}: the good example has findings: {found:#?}",
                rule.id
            );
        }
    }

    #[test]
    fn bad_examples_are_reported_only_by_their_own_rule() {
        for rule in RULES {
            let others: Vec<_> = testing::findings(rule.bad_example)
                .into_iter()
                .filter(|f| f.rule != rule.id)
                .collect();
            assert!(others.is_empty(), "{}: the bad example also trips {others:#?}", rule.id);
        }
    }

    #[test]
    fn yaml_scalars_are_quoted_when_needed() {
        assert_eq!(yaml_scalar("k8s"), "k8s");
        assert_eq!(yaml_scalar("0"), "\"0\"");
        assert_eq!(yaml_scalar("true"), "\"true\"");
        assert_eq!(yaml_scalar("a b"), "\"a b\"");
        assert_eq!(flow_map(&[("app".into(), "x".into())]), "{app: x}");
    }
}
