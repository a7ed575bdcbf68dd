//! pod-disruption-budget: voluntary evictions take one replica at a time.

use super::{Emitter, Need, Rule, flow_map, namespaces};
use crate::finding::{Fix, Severity};
use crate::model::Input;
use crate::model::workload::Replicas;
use crate::scope::Scope;
use crate::settings::{DefaultValue, Kind, Setting, SettingDecl};

/// Kept from promha 0.1: `false` is `rules: {pod-disruption-budget: off}`.
pub static POD_DISRUPTION_BUDGET: Setting<bool> = Setting::new(SettingDecl {
    key: "podDisruptionBudget",
    title: "Require PodDisruptionBudgets (deprecated)",
    group: "Rules",
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
        labels: None,
        running_state: false,
    }],
    settings: &[&POD_DISRUPTION_BUDGET.decl],
    check,
};

/// The PodDisruptionBudget a fix adds: one replica down at a time, selecting
/// every shard's pods, named after the workload's StatefulSet.
fn budget(
    scope: &Scope<'_>,
    workload: &crate::model::workload::Workload<'_>,
    object: &crate::model::object::Object<'_>,
) -> serde_json::Value {
    let base = if workload.operator {
        crate::model::operator::statefulset_name(workload.app, &object.name, 0)
    } else {
        object.name.clone()
    };
    // A budget of that name that selects other pods is someone's: not overwritten.
    let taken = |name: &str| {
        scope.disruption_budgets.iter().any(|b| {
            let budget = scope.object(b.object);
            budget.namespace == object.namespace && budget.name == name
        })
    };
    let name = std::iter::once(base.clone())
        .chain((1..).map(|n| {
            if n == 1 {
                format!("{base}-pdb")
            } else {
                format!("{base}-pdb-{n}")
            }
        }))
        .find(|name| !taken(name))
        .unwrap_or(base);
    let labels: serde_json::Map<String, serde_json::Value> = workload
        .identifying_labels(object)
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    serde_json::json!({
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": object.namespace},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels}},
    })
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope.reported_workloads().filter(|w| w.is_replicated()) {
        let object = scope.object(workload.object);
        if !scope.listed("PodDisruptionBudget", &object.namespace) {
            continue; // Budgets there could not be listed: none found proves nothing.
        }
        let uncovered = workload.shards_not_covered_by(&scope.disruption_budget_candidates(workload));
        if uncovered.is_empty() {
            continue;
        }
        let whose = if (uncovered.len() as i64) < workload.shards {
            let list: Vec<String> = uncovered.iter().map(i64::to_string).collect();
            format!(
                "the pods of shard {} of {} (other shards have one)",
                list.join(", "),
                object.display()
            )
        } else {
            format!("the pods of {}", object.display())
        };
        let replicas = workload.replicas.unwrap_or(2);
        let position = match workload.replicas_field {
            Replicas::Set(_, node) => node.position,
            _ => object.position_of(&["metadata", "name"]),
        };
        out.report(
            object,
            position,
            format!(
                "no PodDisruptionBudget in namespace {} selects {whose}: a node drain or cluster upgrade may evict all {replicas} replicas at once.",
                object.namespace
            ),
            {
                let fix = Fix::text(format!(
                    "add a PodDisruptionBudget in namespace {} with spec.maxUnavailable: 1 and spec.selector.matchLabels: {}",
                    object.namespace,
                    flow_map(&workload.identifying_labels(object))
                ));
                // Without labels to select by, a budget would select every pod of the namespace.
                if workload.identifying_labels(object).is_empty() {
                    fix
                } else {
                    fix.add_document(budget(scope, workload, object))
                }
            },
        );
    }
}
