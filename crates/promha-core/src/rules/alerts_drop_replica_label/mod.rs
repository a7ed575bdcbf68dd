//! alerts-drop-replica-label: replicas send identical alerts.

use regex_lite::Regex;

use super::{Emitter, Rule};
use crate::finding::{Fix, Severity};
use crate::model::Input;
use crate::model::prometheus_config::{ConfigRole, PrometheusConfig};
use crate::read::Node;
use crate::scope::Scope;
use crate::settings::REPLICA_LABELS;

pub const RULE: Rule = Rule {
    id: "alerts-drop-replica-label",
    severity: Severity::Error,
    summary: "A raw prometheus.yml drops its replica label from alerts it sends to Alertmanager",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::PrometheusConfigs],
    lookups: &[],
    settings: &[],
    check,
};

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    let replica_labels = scope.settings.get(&REPLICA_LABELS);
    // An elector's leader config holds the follower's alerting too: judged there once.
    for config in scope
        .prometheus_configs
        .iter()
        .filter(|c| c.role != ConfigRole::ElectorFollower)
    {
        let Some((label, _)) = config.replica_label(&replica_labels) else {
            continue;
        };
        let sends_alerts = !config.alertmanager_entries().is_empty();
        if !sends_alerts || drops_label(config, label) {
            continue;
        }
        let object = scope.object(config.object);
        out.report(
            object,
            config.position_of(&["alerting", "alert_relabel_configs"]),
            format!(
                "{} does not drop the replica label {label}: each replica's copy of an alert differs in it, so Alertmanager treats them as different alerts and every notification is sent once per replica.",
                config.field("alerting.alert_relabel_configs")
            ),
            {
                let fix = Fix::text(format!("add to alerting.alert_relabel_configs: [{{action: labeldrop, regex: {label}}}]"));
                match config.edit_path(&["alerting", "alert_relabel_configs"]) {
                    Some(path) => fix.append(path, vec![serde_json::json!({"action": "labeldrop", "regex": label})]),
                    None => fix,
                }
            },
        );
    }
}

/// Whether every alert sent leaves without `label`: dropped by the global
/// `alert_relabel_configs`, or by each Alertmanager entry's own list (Prometheus
/// 2.51+ applies those after the global ones, per Alertmanager).
fn drops_label(config: &PrometheusConfig<'_>, label: &str) -> bool {
    let alerting = config.root.get("alerting");
    let list_drops = |owner: Option<&Node>| {
        owner
            .and_then(|o| o.get("alert_relabel_configs"))
            .and_then(Node::as_seq)
            .is_some_and(|relabelings| relabelings.iter().any(|r| relabeling_removes(r, label)))
    };
    if list_drops(alerting) {
        return true;
    }
    let entries = config.alertmanager_entries();
    !entries.is_empty() && entries.iter().all(|entry| list_drops(Some(entry)))
}

/// Whether one relabeling removes `label`: a labeldrop whose regex matches it,
/// a labelkeep whose regex does not (Prometheus anchors both), or a replace
/// that sets it to the empty string.
fn relabeling_removes(relabeling: &Node, label: &str) -> bool {
    let action = relabeling
        .get("action")
        .and_then(Node::as_str)
        .unwrap_or("replace")
        .to_ascii_lowercase();
    let regex_matches = || {
        let pattern = relabeling
            .get("regex")
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| "(.*)".to_string());
        Regex::new(&format!("^(?:{pattern})$"))
            .ok()
            .map(|re| re.is_match(label))
    };
    match action.as_str() {
        "labeldrop" => regex_matches() == Some(true),
        "labelkeep" => regex_matches() == Some(false),
        "replace" => {
            relabeling.get("target_label").and_then(Node::as_str) == Some(label)
                && relabeling.get("replacement").and_then(Node::as_str) == Some("")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::relabeling_removes;
    use crate::read::{ReadLimits, read_documents};

    /// Whether a relabeling, written as flow YAML, removes prometheus_replica.
    fn removes(relabeling: &str) -> bool {
        let nodes = read_documents(relabeling, &ReadLimits::default()).unwrap();
        relabeling_removes(&nodes[0], "prometheus_replica")
    }

    #[test]
    fn relabelings_remove_the_label_as_prometheus_applies_them() {
        let table = [
            ("{action: labeldrop, regex: prometheus_replica|replica}", true),
            ("{action: labeldrop, regex: \"prometheus_.*\"}", true),
            // Prometheus anchors regexes: a match inside the name does not count.
            ("{action: labeldrop, regex: replica}", false),
            // An invalid regex drops nothing (Prometheus refuses the config).
            ("{action: labeldrop, regex: \"(\"}", false),
            ("{action: labelkeep, regex: prometheus_replica}", false),
            ("{action: labelkeep, regex: \"alertname|severity|namespace\"}", true),
            // replace is the default action; an empty replacement removes the label.
            ("{target_label: prometheus_replica, replacement: \"\"}", true),
            ("{target_label: prometheus_replica, replacement: x}", false),
        ];
        for (relabeling, expected) in table {
            assert_eq!(removes(relabeling), expected, "{relabeling}");
        }
    }
}
