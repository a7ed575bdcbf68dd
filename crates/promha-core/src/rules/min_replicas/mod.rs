//! min-replicas: enough pods that losing one node keeps the service up.

use super::{Emitter, Rule};
use crate::finding::Severity;
use crate::model::workload::{Replicas, Workload};
use crate::model::{App, Input};
use crate::scope::Scope;
use crate::settings::{DefaultValue, Kind, Setting, SettingDecl, Settings};

pub static MIN_REPLICAS: Setting<i64> = Setting::new(SettingDecl {
    key: "minReplicas",
    doc: "minimum pods per shard for Prometheus, PrometheusAgent and Thanos Ruler",
    kind: Kind::Integer { min: 1, max: 1000 },
    default: DefaultValue::Int(2),
    cli_only: false,
});

pub static ALERTMANAGER_MIN_REPLICAS: Setting<i64> = Setting::new(SettingDecl {
    key: "alertmanagerMinReplicas",
    doc: "minimum Alertmanager replicas",
    kind: Kind::Integer { min: 1, max: 1000 },
    default: DefaultValue::SameAs(&MIN_REPLICAS.decl),
    cli_only: false,
});

pub const RULE: Rule = Rule {
    id: "min-replicas",
    severity: Severity::Error,
    summary: "Prometheus, Alertmanager and Thanos Ruler run at least minReplicas pods (per shard)",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Workloads],
    lookups: &[],
    settings: &[&MIN_REPLICAS.decl, &ALERTMANAGER_MIN_REPLICAS.decl],
    check,
};

/// The minimum replicas the settings ask of this kind of workload.
fn required_replicas(workload: &Workload<'_>, settings: &Settings) -> i64 {
    match workload.app {
        App::Alertmanager => settings.get(&ALERTMANAGER_MIN_REPLICAS),
        _ => settings.get(&MIN_REPLICAS),
    }
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in &scope.workloads {
        if workload.daemonset {
            continue;
        }
        let Some(replicas) = workload.replicas else {
            continue;
        };
        let required = required_replicas(workload, scope.settings);
        if replicas >= required {
            continue;
        }
        let object = scope.object(workload.object);
        let (position, how) = match workload.replicas_field {
            Replicas::Set(n, node) if n < 0 => (
                node.position,
                format!("spec.replicas is {n}, which the operator treats as 1"),
            ),
            Replicas::Set(_, node) => (node.position, format!("spec.replicas is {replicas}")),
            _ => (
                object.position_of(&["spec", "replicas"]),
                "spec.replicas is unset and defaults to 1".to_string(),
            ),
        };
        let per_shard = if workload.shards > 1 { " per shard" } else { "" };
        let stops = match workload.app {
            App::Prometheus => "scraping, recording rules and alerting stop",
            App::PrometheusAgent => "scraping and remote write stop",
            App::Alertmanager => "notifications stop",
            App::ThanosRuler => "rule evaluation and its alerts stop",
        };
        let pods = if replicas == 0 {
            "no pods".to_string()
        } else if replicas == 1 {
            "a single pod".to_string()
        } else {
            format!("{replicas} pods")
        };
        out.report(
            object,
            position,
            format!(
                "{} runs {pods}{per_shard} ({how}); while a pod is rescheduled after a node failure, drain or upgrade, {stops}. At least {required} are needed.",
                object.display()
            ),
            format!("set spec.replicas: {required}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Position;
    use crate::rules::testing::{of, of_with, settings};
    use serde_json::json;

    #[test]
    fn unset_replicas_point_at_the_spec() {
        let found = of(&RULE, RULE.bad_example);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].position, Position::new(7, 1));
        assert!(
            found[0].message.contains("unset and defaults to 1"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].fix, "set spec.replicas: 2");
    }

    #[test]
    fn written_replicas_point_at_the_field() {
        let yaml =
            "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main}\nspec:\n  replicas: 1\n";
        let found = of(&RULE, yaml);
        assert_eq!(found[0].position, Position::new(5, 3));
        assert!(found[0].message.contains("notifications stop"));
    }

    #[test]
    fn alertmanager_minimum_is_its_own_setting() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main}\nspec: {replicas: 2}\n---\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s}\nspec: {replicas: 2}\n";
        let found = of_with(&RULE, yaml, &settings(json!({"alertmanagerMinReplicas": 3})));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].resource.kind, "Alertmanager");
        assert_eq!(found[0].fix, "set spec.replicas: 3");
    }

    #[test]
    fn shards_do_not_add_up_to_replicas() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s}\nspec: {replicas: 1, shards: 4}\n";
        let found = of(&RULE, yaml);
        assert!(found[0].message.contains("per shard"), "{}", found[0].message);
    }

    #[test]
    fn plain_statefulsets_and_negative_and_zero() {
        let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: prometheus}\nspec:\n  template:\n    spec:\n      containers: [{name: p, image: prom/prometheus:v3.1.0}]\n";
        assert_eq!(of(&RULE, sts).len(), 1);
        let negative =
            "apiVersion: monitoring.coreos.com/v1\nkind: ThanosRuler\nmetadata: {name: r}\nspec: {replicas: -1}\n";
        assert!(of(&RULE, negative)[0].message.contains("treats as 1"));
        let zero = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec: {replicas: 0}\n";
        assert!(of(&RULE, zero)[0].message.contains("runs no pods"));
    }

    #[test]
    fn daemonset_agents_wrong_types_and_other_workloads_are_skipped() {
        let agent = "apiVersion: monitoring.coreos.com/v1alpha1\nkind: PrometheusAgent\nmetadata: {name: a}\nspec: {mode: DaemonSet}\n";
        assert!(of(&RULE, agent).is_empty());
        let wrong =
            "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec: {replicas: two}\n";
        assert!(of(&RULE, wrong).is_empty());
        let nginx = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: nginx}]\n";
        assert!(of(&RULE, nginx).is_empty());
    }

    #[test]
    fn ignore_annotation_and_exempt_namespaces() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: k\n  namespace: dev\n  annotations: {promha.io/ignore: min-replicas}\n";
        assert!(of(&RULE, yaml).is_empty());
        assert_eq!(
            of_with(&RULE, yaml, &settings(json!({"allowIgnoreAnnotation": false}))).len(),
            1
        );
        let exempt = settings(json!({"exemptNamespaces": ["dev"], "allowIgnoreAnnotation": false}));
        assert!(of_with(&RULE, yaml, &exempt).is_empty());
    }
}
