//! The registry of rules. A rule is one folder: its module (declaration and
//! check), `doc.md`, a failing and a passing example, and `cases/` with the
//! expected findings of each case. A new rule is that folder plus one line
//! in [`RULES`].

use crate::finding::{Finding, Fix, Severity};
use crate::model::Input;
use crate::model::object::Object;
use crate::read::Position;
use crate::scope::Scope;
use crate::settings::{self, Catalog, SettingDecl, Settings};

mod alertmanager_peers;
mod alertmanagers_complete;
mod alerts_drop_replica_label;
mod anti_affinity;
mod co_scheduled;
mod elector_leader_only;
mod invalid_resource;
mod min_replicas;
mod persistent_storage;
mod pod_disruption_budget;
mod query_replica_label;
mod replica_label;
mod replicas_ready;
mod session_affinity;
mod thanos_query_stores;

pub(crate) use invalid_resource::unreadable as unreadable_finding;

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
    &thanos_query_stores::RULE,
    &elector_leader_only::RULE,
    &co_scheduled::RULE,
    &replicas_ready::RULE,
    &invalid_resource::RULE,
];

/// A rule: its identity, its documentation, what it needs, and its check.
pub struct Rule {
    /// Stable id, used in settings, annotations and output.
    pub id: &'static str,
    pub severity: Severity,
    /// One line: what the rule requires.
    pub summary: &'static str,
    /// Why it matters for availability and what counts as satisfying it (`doc.md`).
    pub doc: &'static str,
    /// A setup the rule reports, and the same setup fixed.
    pub bad_example: &'static str,
    pub good_example: &'static str,
    /// What it reads from the documents checked together: only these are
    /// parsed and indexed for it.
    pub reads: &'static [Input],
    /// The related objects it needs looked up in the cluster at admission.
    pub lookups: &'static [Need],
    /// The settings only it reads (shared ones are in [`settings::GLOBAL`]).
    pub settings: &'static [&'static SettingDecl],
    pub check: fn(&Scope<'_>, &mut Emitter<'_>),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

/// Objects of one kind a rule needs from the cluster at admission.
pub struct Need {
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The namespaces to list them in, given the scope of the admitted
    /// object alone; none when this object needs none.
    pub namespaces: fn(&Scope<'_>) -> Vec<String>,
    /// Narrows the list in one of those namespaces to the objects carrying
    /// these labels (none: every object of the kind), for kinds of which a
    /// namespace may hold many that do not matter.
    pub labels: Option<LabelsIn>,
    /// The objects show what the cluster is running now (Pods), not how it
    /// is configured. An update of the admitted object replaces them (a new
    /// pod template rolls its pods), so they are looked up only when it is
    /// created — which is how Kubewarden's background audit presents every
    /// stored object: judging an update by the pods of the spec it replaces
    /// would reject the very update that fixes them.
    pub running_state: bool,
}

/// The labels to select by in a namespace, given the admitted object's scope.
pub type LabelsIn = fn(&Scope<'_>, &str) -> Vec<(String, String)>;

pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// Every setting (shared first, then each rule's) and every rule id.
pub fn catalog() -> Catalog {
    let mut settings: Vec<&'static SettingDecl> = settings::GLOBAL.to_vec();
    // The rules' own settings come first: they are what people look for.
    let own: Vec<&'static SettingDecl> = RULES.iter().flat_map(|r| r.settings.iter().copied()).collect();
    settings.splice(0..0, own);
    // Settings kept only for compatibility go last.
    settings.sort_by_key(|s| matches!(s.kind, settings::Kind::RuleSwitch(_)));
    Catalog {
        settings,
        rule_ids: RULES.iter().map(|r| r.id).collect(),
    }
}

/// The rules the settings leave on.
pub fn enabled(settings: &Settings) -> impl Iterator<Item = &'static Rule> + '_ {
    RULES.iter().copied().filter(|r| settings.rule_enabled(r.id))
}

/// What the enabled rules read, each input once.
pub fn inputs(settings: &Settings) -> Vec<Input> {
    let mut inputs: Vec<Input> = enabled(settings).flat_map(|r| r.reads.iter().copied()).collect();
    inputs.sort();
    inputs.dedup();
    inputs
}

/// For an id that names no rule: the closest rule id, if one is close
/// enough to be a typo, and every id, for the message.
pub fn unknown_rule_help(id: &str) -> (Option<&'static str>, String) {
    settings::unknown_rule_help(id, &catalog().rule_ids)
}

/// Collects one rule's findings, applying the settings: rule levels, exempt
/// namespaces and the ignore annotation.
pub struct Emitter<'s> {
    rule: &'static Rule,
    settings: &'s Settings,
    /// See [`CheckOptions::subject`](crate::scope::CheckOptions::subject).
    subject: Option<usize>,
    findings: &'s mut Vec<Finding>,
}

impl<'s> Emitter<'s> {
    pub fn new(
        rule: &'static Rule,
        settings: &'s Settings,
        subject: Option<usize>,
        findings: &'s mut Vec<Finding>,
    ) -> Self {
        Emitter {
            rule,
            settings,
            subject,
            findings,
        }
    }

    /// Reports a finding with the rule's own severity.
    pub fn report(&mut self, object: &Object<'_>, position: Position, message: impl Into<String>, fix: impl Into<Fix>) {
        self.report_as(self.rule.severity, object, position, message, fix);
    }

    /// Reports a finding that is only a warning even when the rule's are errors.
    pub fn warn(&mut self, object: &Object<'_>, position: Position, message: impl Into<String>, fix: impl Into<Fix>) {
        self.report_as(Severity::Warning, object, position, message, fix);
    }

    pub fn report_as(
        &mut self,
        severity: Severity,
        object: &Object<'_>,
        position: Position,
        message: impl Into<String>,
        fix: impl Into<Fix>,
    ) {
        if self.subject.is_some_and(|subject| subject != object.document) {
            return;
        }
        if !object.standalone_config && self.settings.is_exempt(&object.namespace) {
            return;
        }
        if self.settings.get(&settings::ALLOW_IGNORE_ANNOTATION) && object.ignores(self.rule.id) {
            return;
        }
        let Some(severity) = self.settings.severity_for(self.rule.id, severity) else {
            return;
        };
        let fix = fix.into();
        // On what a known chart rendered, the fix is said in its values.
        let chart = crate::model::helm::chart_fix(object, &fix);
        let text = match &chart {
            Some(chart) => crate::model::helm::values_fix_text(chart, None),
            None => fix.text,
        };
        self.findings.push(Finding {
            rule: self.rule.id,
            severity,
            resource: object.resource(),
            file: object.file.to_string(),
            position,
            message: message.into(),
            fix: text,
            edits: fix.edits,
            document: Some(object.document),
            template: object.template.map(str::to_string),
            chart: chart.map(Box::new),
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

/// Namespace functions rules' lookups share.
pub(crate) mod namespaces {
    use crate::scope::Scope;

    /// The namespace of each replicated workload of the admitted object.
    pub fn of_replicated_workloads(scope: &Scope<'_>) -> Vec<String> {
        scope
            .workloads
            .iter()
            .filter(|w| w.is_replicated())
            .map(|w| scope.object(w.object).namespace.clone())
            .collect()
    }

    /// The namespace of each workload of the admitted object that runs
    /// replicas (not a PrometheusAgent in DaemonSet mode).
    pub fn of_workloads(scope: &Scope<'_>) -> Vec<String> {
        scope
            .workloads
            .iter()
            .filter(|w| !w.daemonset)
            .map(|w| scope.object(w.object).namespace.clone())
            .collect()
    }
}

/// Label functions rules' lookups share.
pub(crate) mod labels {
    use crate::model::pod;
    use crate::scope::Scope;

    /// The labels that pick out the pods of the admitted object's workload
    /// in a namespace; none (list them all) when several workloads there
    /// share none.
    pub fn of_workload_pods(scope: &Scope<'_>, namespace: &str) -> Vec<(String, String)> {
        let mut sets = scope
            .workloads_in(namespace)
            .map(|w| pod::lookup_labels(w, scope.object(w.object)));
        let Some(mut common) = sets.next() else {
            return Vec::new();
        };
        for other in sets {
            common.retain(|label| other.contains(label));
        }
        common
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for unit tests; rules' scenarios are their cases (tests/cases.rs).
    use crate::check::check;
    use crate::finding::Finding;
    use crate::read::{ReadLimits, read_text};
    use crate::scope::CheckOptions;
    use crate::settings::Settings;

    use super::Rule;

    pub fn settings(value: serde_json::Value) -> Settings {
        match Settings::from_json(&value) {
            Ok(s) => s,
            Err(e) => panic!("test settings are invalid: {e}"),
        }
    }

    /// The findings of one rule, checked as admission checks (without the
    /// CLI's options); rules' cases run as the CLI does.
    pub fn of(rule: &Rule, yaml: &str) -> Vec<Finding> {
        let docs = match read_text("test.yaml", yaml, &ReadLimits::default()) {
            Ok(d) => d,
            Err(e) => panic!("test YAML does not parse: {e}\n{yaml}"),
        };
        check(&docs, &Settings::default(), &CheckOptions::default())
            .into_iter()
            .filter(|f| f.rule == rule.id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::read::{ReadLimits, read_text};
    use crate::scope::CheckOptions;

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
            assert!(!rule.reads.is_empty(), "{} reads nothing", rule.id);
        }
    }

    #[test]
    fn setting_keys_are_unique() {
        let keys: Vec<&str> = catalog().settings.iter().map(|d| d.key).collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "{keys:?}");
    }

    /// A rule declares what it reads: alone, with every other rule off (so
    /// only its inputs are parsed and indexed), it finds what it finds with
    /// all rules on. A rule that reads an input it does not declare fails.
    #[test]
    fn a_rule_alone_finds_what_it_finds_among_all() {
        for rule in RULES {
            let only_this = Settings::from_json(&serde_json::json!({
                "rules": RULES.iter().filter(|r| r.id != rule.id).map(|r| (r.id.to_string(), serde_json::json!("off"))).collect::<serde_json::Map<_, _>>()
            }))
            .unwrap();
            for example in [rule.bad_example, rule.good_example] {
                let docs = read_text("e.yaml", example, &ReadLimits::default()).unwrap();
                let all: Vec<Finding> = check(&docs, &Settings::default(), &CheckOptions::default())
                    .into_iter()
                    .filter(|f| f.rule == rule.id)
                    .collect();
                let alone = check(&docs, &only_this, &CheckOptions::default());
                assert_eq!(alone, all, "{}", rule.id);
            }
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
