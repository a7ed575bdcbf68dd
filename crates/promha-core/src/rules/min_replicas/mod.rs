//! min-replicas: enough pods that losing one node keeps the service up.

use super::{Emitter, Rule};
use serde_json::json;

use crate::finding::{FieldPath, Fix, Severity};
use crate::model::workload::{Replicas, Workload};
use crate::model::{App, Input};
use crate::scope::Scope;
use crate::settings::{DefaultValue, Kind, Setting, SettingDecl, Settings};

pub static MIN_REPLICAS: Setting<i64> = Setting::new(SettingDecl {
    key: "minReplicas",
    title: "Minimum replicas",
    group: "Replicas",
    doc: "minimum pods per shard for Prometheus, PrometheusAgent and Thanos Ruler",
    kind: Kind::Integer { min: 1, max: 1000 },
    default: DefaultValue::Int(2),
    cli_only: false,
});

pub static ALERTMANAGER_MIN_REPLICAS: Setting<i64> = Setting::new(SettingDecl {
    key: "alertmanagerMinReplicas",
    title: "Minimum Alertmanager replicas",
    group: "Replicas",
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
    reads: &[Input::Workloads, Input::ThanosQueries],
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
    for workload in scope.reported_workloads() {
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
            Fix::text(format!("set spec.replicas: {required}")).set(FieldPath::keys(&["spec", "replicas"]), json!(required)),
        );
    }
    // Thanos Query keeps no state: one replica is only a warning, but an easy one to fix.
    let required = scope.settings.get(&MIN_REPLICAS);
    for query in &scope.thanos_queries {
        let Some(replicas) = query.replicas else { continue };
        if replicas >= required {
            continue;
        }
        let object = scope.object(query.object);
        out.warn(
            object,
            query.replicas_node.map_or_else(|| object.position_of(&["spec", "replicas"]), |n| n.position),
            format!(
                "{} runs {} Thanos Query pod{}: while it is rescheduled, every dashboard and rule that queries through it fails. It keeps no state, so more replicas cost only their resources.",
                object.display(),
                replicas.max(0),
                if replicas == 1 { "" } else { "s" }
            ),
            Fix::text(format!("set spec.replicas: {required}")).set(FieldPath::keys(&["spec", "replicas"]), json!(required)),
        );
    }
}
