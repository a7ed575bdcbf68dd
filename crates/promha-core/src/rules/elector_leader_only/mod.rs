//! elector-leader-only: with prometheus-elector, every replica evaluates
//! rules and sends alerts, not only the leader.

use super::{Emitter, Need, Rule};
use crate::finding::{FieldPath, Fix, Severity};
use crate::model::Input;
use crate::model::elector::DEFAULT_LEASE_DURATION;
use crate::model::prometheus_config::{ConfigRole, PrometheusConfig};
use crate::read::Node;
use crate::scope::Scope;

pub const RULE: Rule = Rule {
    id: "elector-leader-only",
    severity: Severity::Warning,
    summary: "With prometheus-elector, alerting and rule evaluation run on every replica, not only on the leader",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::PrometheusConfigs, Input::Workloads],
    // The StatefulSet running an admitted config, for its lease duration.
    lookups: &[Need {
        api_version: "apps/v1",
        kind: "StatefulSet",
        namespaces: of_config_holders,
        labels: None,
        running_state: false,
    }],
    settings: &[],
    check,
};

fn of_config_holders(scope: &Scope<'_>) -> Vec<String> {
    scope
        .prometheus_configs
        .iter()
        .filter(|c| c.role == ConfigRole::ElectorLeader)
        .map(|c| scope.object(c.object))
        .filter(|o| !o.standalone_config)
        .map(|o| o.namespace.clone())
        .collect()
}

/// What only the leader runs when written under `leader` alone.
const LEADER_ONLY: &[(&str, &str)] = &[("alerting", "sends alerts"), ("rule_files", "evaluates rules")];

fn present(config: &PrometheusConfig<'_>, key: &str) -> bool {
    config.root.get(key).is_some_and(|node| match &node.value {
        crate::read::Value::Null => false,
        crate::read::Value::Seq(items) => !items.is_empty(),
        crate::read::Value::Map(entries) => !entries.is_empty(),
        _ => true,
    })
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for leader in scope
        .prometheus_configs
        .iter()
        .filter(|c| c.role == ConfigRole::ElectorLeader)
    {
        let Some(follower) = scope
            .prometheus_configs
            .iter()
            .find(|c| c.role == ConfigRole::ElectorFollower && c.object == leader.object && c.holder == leader.holder)
        else {
            continue;
        };
        let object = scope.object(leader.object);
        let lease = scope
            .workloads_mounting(object)
            .find_map(|w| w.elector.as_ref().map(|e| e.lease_duration.clone()))
            .unwrap_or_else(|| format!("{DEFAULT_LEASE_DURATION} by default"));
        for (key, what) in LEADER_ONLY {
            if present(follower, key) || !present(leader, key) {
                continue;
            }
            let position = leader.root.get(key).map_or(leader.root.position, |n: &Node| n.position);
            out.report(
                object,
                position,
                format!(
                    "{} has `{key}` under leader only: only the elected replica {what}, so after the leader fails nothing does until another replica takes the lease (up to -lease-duration, {lease}) and reloads.",
                    if leader.holder.is_empty() {
                        object.display()
                    } else {
                        leader.holder.clone()
                    }
                ),
                {
                    let fix = Fix::text(format!(
                        "move `{key}` from leader to follower: every replica then {what} (Alertmanager deduplicates their identical alerts)"
                    ));
                    // The follower has none of it, so the merged value is the leader's own.
                    match (leader.root.get(key), follower.edit_path(&[key])) {
                        (Some(value), Some(to)) => fix
                            .remove(FieldPath::keys(&["leader", key]).within(leader.data_key.as_deref()))
                            .set(to, value.to_json()),
                        _ => fix,
                    }
                },
            );
        }
    }
}
