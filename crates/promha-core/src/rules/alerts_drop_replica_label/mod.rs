//! alerts-drop-replica-label: replicas send identical alerts.

use regex_lite::Regex;

use super::{Emitter, Rule};
use crate::finding::Severity;
use crate::model::Input;
use crate::model::prometheus_config::PrometheusConfig;
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
    for config in &scope.prometheus_configs {
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
            format!("add to alerting.alert_relabel_configs: [{{action: labeldrop, regex: {label}}}]"),
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
    use super::*;
    use crate::read::Position;
    use crate::rules::testing::of;

    #[test]
    fn points_at_the_alerting_section() {
        let found = of(&RULE, RULE.bad_example);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].position, Position::new(7, 1));
        assert_eq!(
            found[0].fix,
            "add to alerting.alert_relabel_configs: [{action: labeldrop, regex: replica}]"
        );
    }

    fn with_relabeling(relabeling: &str) -> String {
        format!(
            "global:\n  external_labels: {{prometheus_replica: $(POD_NAME)}}\nalerting:\n  alert_relabel_configs:\n{relabeling}  alertmanagers:\n  - static_configs: [{{targets: [am-0:9093, am-1:9093]}}]\n"
        )
    }

    #[test]
    fn regexes_are_anchored_like_prometheus() {
        assert!(
            of(
                &RULE,
                &with_relabeling("  - {action: labeldrop, regex: prometheus_replica|replica}\n")
            )
            .is_empty()
        );
        assert!(
            of(
                &RULE,
                &with_relabeling("  - {action: labeldrop, regex: \"prometheus_.*\"}\n")
            )
            .is_empty()
        );
        assert_eq!(
            of(&RULE, &with_relabeling("  - {action: labeldrop, regex: replica}\n")).len(),
            1,
            "unanchored match does not count"
        );
        assert_eq!(
            of(&RULE, &with_relabeling("  - {action: labeldrop, regex: \"(\"}\n")).len(),
            1,
            "an invalid regex drops nothing"
        );
        assert_eq!(
            of(
                &RULE,
                &with_relabeling("  - {action: labelkeep, regex: prometheus_replica}\n")
            )
            .len(),
            1
        );
    }

    #[test]
    fn labelkeep_of_other_labels_removes_it() {
        assert!(
            of(
                &RULE,
                &with_relabeling("  - {action: labelkeep, regex: \"alertname|severity|namespace\"}\n")
            )
            .is_empty()
        );
    }

    #[test]
    fn per_alertmanager_relabelings_count_when_every_entry_drops() {
        let config = |second: &str| {
            format!(
                "global:\n  external_labels: {{prometheus_replica: $(POD_NAME)}}\nalerting:\n  alertmanagers:\n  - static_configs: [{{targets: [am-0:9093, am-1:9093]}}]\n    alert_relabel_configs: [{{action: labeldrop, regex: prometheus_replica}}]\n  - static_configs: [{{targets: [other:9093]}}]\n{second}"
            )
        };
        assert!(
            of(
                &RULE,
                &config("    alert_relabel_configs: [{action: labeldrop, regex: prometheus_replica}]\n")
            )
            .is_empty()
        );
        assert_eq!(
            of(&RULE, &config("")).len(),
            1,
            "the second Alertmanager still gets the label"
        );
    }

    #[test]
    fn replacing_with_empty_removes_the_label() {
        assert!(
            of(
                &RULE,
                &with_relabeling("  - {target_label: prometheus_replica, replacement: \"\"}\n")
            )
            .is_empty()
        );
    }

    #[test]
    fn configs_without_alerting_or_replica_label_are_left_to_other_rules() {
        assert!(
            of(
                &RULE,
                "global:\n  external_labels: {replica: $(POD_NAME)}\nscrape_configs: []\n"
            )
            .is_empty()
        );
        assert!(
            of(
                &RULE,
                "alerting:\n  alertmanagers:\n  - static_configs: [{targets: [am:9093]}]\n"
            )
            .is_empty()
        );
    }
}
