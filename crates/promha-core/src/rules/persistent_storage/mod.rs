//! persistent-storage: a rescheduled replica keeps its data.

use super::{Emitter, Rule};
use crate::finding::Severity;
use crate::model::{App, Input};
use crate::read::Node;
use crate::scope::Scope;

pub const RULE: Rule = Rule {
    id: "persistent-storage",
    severity: Severity::Warning,
    summary: "Operator-managed Prometheus and Alertmanager keep their data on persistent volumes",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Workloads],
    lookups: &[],
    settings: &[],
    check,
};

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope.workloads.iter().filter(|w| w.operator) {
        let loses = match workload.app {
            App::Prometheus => {
                "its TSDB: a replica rescheduled to another node starts empty, and queries and Thanos see a gap"
            }
            App::Alertmanager => {
                "its silences and notification log: silenced alerts page again and resolved ones re-notify"
            }
            _ => continue,
        };
        let object = scope.object(workload.object);
        let storage = object.spec().and_then(|s| s.get("storage")).filter(|s| !s.is_null());
        let kind = match storage {
            None => "has no spec.storage, so it keeps",
            Some(s) if s.get("volumeClaimTemplate").is_some_and(|v| !v.is_null()) => continue,
            Some(s) if s.get("ephemeral").is_some_and(|v| !v.is_null()) => {
                "uses an ephemeral volume, deleted with its pod, for"
            }
            Some(_) => "keeps in an emptyDir",
        };
        let position = storage.map_or_else(|| object.position_of(&["spec"]), |s: &Node| s.position);
        out.report(
            object,
            position,
            format!("{} {kind} {loses}.", object.display()),
            "set spec.storage.volumeClaimTemplate.spec.resources.requests.storage (for example 50Gi for Prometheus, 1Gi for Alertmanager)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::of;

    #[test]
    fn empty_dir_and_ephemeral_are_not_persistent() {
        let prometheus = |storage: &str| {
            format!(
                "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {{name: k}}\nspec:\n  storage: {storage}\n"
            )
        };
        let found = of(&RULE, &prometheus("{emptyDir: {medium: Memory}}"));
        assert!(found[0].message.contains("emptyDir"));
        assert_eq!(found[0].position.line, 5);
        assert!(
            of(&RULE, &prometheus("{ephemeral: {volumeClaimTemplate: {}}}"))[0]
                .message
                .contains("ephemeral")
        );
        assert!(of(&RULE, &prometheus("{volumeClaimTemplate: {spec: {}}}")).is_empty());
    }

    #[test]
    fn only_prometheus_and_alertmanager_resources() {
        let agent =
            "apiVersion: monitoring.coreos.com/v1alpha1\nkind: PrometheusAgent\nmetadata: {name: a}\nspec: {}\n";
        assert!(of(&RULE, agent).is_empty());
        let found = of(&RULE, RULE.bad_example);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(found[0].message.contains("silences"));
    }
}
