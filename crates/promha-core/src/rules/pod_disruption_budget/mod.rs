//! pod-disruption-budget: voluntary evictions take one replica at a time.

use super::{Emitter, Need, Rule, flow_map, namespaces};
use crate::finding::Severity;
use crate::model::Input;
use crate::model::workload::Replicas;
use crate::scope::Scope;
use crate::settings::{DefaultValue, Kind, Setting, SettingDecl};

/// Kept from promha 0.1: `false` is `rules: {pod-disruption-budget: off}`.
pub static POD_DISRUPTION_BUDGET: Setting<bool> = Setting::new(SettingDecl {
    key: "podDisruptionBudget",
    doc: "deprecated: `false` is the same as `rules: {pod-disruption-budget: off}`",
    kind: Kind::RuleSwitch("pod-disruption-budget"),
    default: DefaultValue::Bool(true),
    cli_only: false,
});

pub const RULE: Rule = Rule {
    id: "pod-disruption-budget",
    severity: Severity::Warning,
    summary: "Replicated workloads have a PodDisruptionBudget selecting their pods",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Workloads, Input::DisruptionBudgets],
    lookups: &[Need {
        api_version: "policy/v1",
        kind: "PodDisruptionBudget",
        namespaces: namespaces::of_replicated_workloads,
    }],
    settings: &[&POD_DISRUPTION_BUDGET.decl],
    check,
};

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope.workloads.iter().filter(|w| w.is_replicated()) {
        let object = scope.object(workload.object);
        if !scope.listed("PodDisruptionBudget", &object.namespace) {
            continue; // Budgets there could not be listed: none found proves nothing.
        }
        if workload.covered_by(&scope.disruption_budget_candidates(workload)) {
            continue;
        }
        let replicas = workload.replicas.unwrap_or(2);
        let position = match workload.replicas_field {
            Replicas::Set(_, node) => node.position,
            _ => object.position_of(&["metadata", "name"]),
        };
        out.report(
            object,
            position,
            format!(
                "no PodDisruptionBudget in namespace {} selects the pods of {}: a node drain or cluster upgrade may evict all {replicas} replicas at once.",
                object.namespace,
                object.display()
            ),
            format!(
                "add a PodDisruptionBudget in namespace {} with spec.maxUnavailable: 1 and spec.selector.matchLabels: {}",
                object.namespace,
                flow_map(&workload.identifying_labels(object))
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{of, of_with, settings};
    use serde_json::json;

    const AM: &str = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main, namespace: monitoring}\nspec: {replicas: 3}\n";

    fn pdb(namespace: &str, selector: &str) -> String {
        format!(
            "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: am, namespace: {namespace}}}\nspec:\n  maxUnavailable: 1\n  selector: {selector}\n"
        )
    }

    #[test]
    fn is_a_warning_pointing_at_replicas_with_a_ready_fix() {
        let found = of(&RULE, AM);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].position.line, 4);
        assert_eq!(
            found[0].fix,
            "add a PodDisruptionBudget in namespace monitoring with spec.maxUnavailable: 1 and spec.selector.matchLabels: {app.kubernetes.io/name: alertmanager, app.kubernetes.io/instance: main}"
        );
    }

    #[test]
    fn budgets_must_select_the_pods_in_the_same_namespace() {
        assert!(
            of(
                &RULE,
                &format!("{AM}{}", pdb("monitoring", "{matchLabels: {alertmanager: main}}"))
            )
            .is_empty()
        );
        assert!(
            of(&RULE, &format!("{AM}{}", pdb("monitoring", "{}"))).is_empty(),
            "an empty selector selects every pod"
        );
        assert_eq!(
            of(&RULE, &format!("{AM}{}", pdb("monitoring", "null"))).len(),
            1,
            "a null selector selects nothing"
        );
        assert_eq!(
            of(
                &RULE,
                &format!("{AM}{}", pdb("other", "{matchLabels: {alertmanager: main}}"))
            )
            .len(),
            1
        );
        assert_eq!(
            of(
                &RULE,
                &format!("{AM}{}", pdb("monitoring", "{matchLabels: {alertmanager: other}}"))
            )
            .len(),
            1
        );
    }

    #[test]
    fn every_shard_needs_a_budget() {
        const SHARDED: &str = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: monitoring}\nspec: {replicas: 2, shards: 2}\n";
        let shard = |n: u32| {
            pdb(
                "monitoring",
                &format!("{{matchLabels: {{prometheus: k8s, operator.prometheus.io/shard: '{n}'}}}}"),
            )
        };
        assert_eq!(
            of(&RULE, &format!("{SHARDED}{}", shard(0))).len(),
            1,
            "shard 1 is unprotected"
        );
        assert!(of(&RULE, &format!("{SHARDED}{}{}", shard(0), shard(1))).is_empty());
        assert!(
            of(
                &RULE,
                &format!("{SHARDED}{}", pdb("monitoring", "{matchLabels: {prometheus: k8s}}"))
            )
            .is_empty()
        );
    }

    #[test]
    fn budgets_without_an_indexable_label_are_still_found() {
        // Only the version label (value unknown) and an expression: no label to look the budget up by.
        let selector = "{matchLabels: {app.kubernetes.io/version: 0.27.0}, matchExpressions: [{key: alertmanager, operator: In, values: [main]}]}";
        assert!(of(&RULE, &format!("{AM}{}", pdb("monitoring", selector))).is_empty());
        let other = selector.replace("values: [main]", "values: [other]");
        assert_eq!(of(&RULE, &format!("{AM}{}", pdb("monitoring", &other))).len(), 1);
    }

    #[test]
    fn the_setting_turns_it_off_and_single_replicas_need_none() {
        assert!(of_with(&RULE, AM, &settings(json!({"rules": {"pod-disruption-budget": "off"}}))).is_empty());
        assert!(
            of_with(&RULE, AM, &settings(json!({"podDisruptionBudget": false}))).is_empty(),
            "the old switch"
        );
        assert!(of(&RULE, &AM.replace("replicas: 3", "replicas: 1")).is_empty());
    }
}
