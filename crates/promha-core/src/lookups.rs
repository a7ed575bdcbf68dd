//! Which related objects a check of one admitted object needs, so that an
//! admission controller can fetch them from the cluster.

use std::collections::BTreeSet;

use crate::document::{Document, Object};
use crate::finding::Finding;
use crate::node::Node;
use crate::scope::embedded_configs;
use crate::settings::Settings;
use crate::workload::{App, Workload};
use crate::{CheckOptions, check};

/// A namespace's objects of one kind.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lookup {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub namespace: String,
}

/// The kinds an admission controller may be asked to look up; the policy's
/// metadata must list each as a context-aware resource.
pub const LOOKUP_KINDS: &[(&str, &str)] = &[
    ("v1", "Service"),
    ("monitoring.coreos.com/v1", "Alertmanager"),
    ("monitoring.coreos.com/v1", "Prometheus"),
    ("monitoring.coreos.com/v1", "ThanosRuler"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "Deployment"),
    ("policy/v1", "PodDisruptionBudget"),
];

impl Lookup {
    fn new(api_version: &'static str, kind: &'static str, namespace: &str) -> Lookup {
        Lookup {
            api_version,
            kind,
            namespace: namespace.to_string(),
        }
    }
}

/// Checks an admitted object together with what its lookups returned.
/// Findings are about the admitted object only; after a failed lookup, rules
/// do not report that lookup's kind missing in its namespace. Should a lookup
/// return the admitted object's stored copy (on UPDATE, when a lookup's kind
/// is the admitted kind), it is left out so the object is not in scope twice.
pub fn check_admitted(
    admitted: Document,
    related: Vec<Document>,
    failed: &[Lookup],
    settings: &Settings,
) -> Vec<Finding> {
    let identity = |document: &Document| {
        Object::identify(0, document).map(|o| (o.group.to_string(), o.kind.to_string(), o.namespace, o.name))
    };
    let admitted_identity = identity(&admitted);
    let mut documents = vec![admitted];
    documents.extend(
        related
            .into_iter()
            .filter(|d| admitted_identity.is_none() || identity(d) != admitted_identity),
    );
    let options = CheckOptions {
        unlisted: failed
            .iter()
            .map(|l| (l.kind.to_string(), l.namespace.clone()))
            .collect(),
        ..CheckOptions::default()
    };
    check(&documents, settings, &options)
        .into_iter()
        .filter(|f| f.document == 0)
        .collect()
}

/// Alertmanagers of every form in a namespace.
fn alertmanager_lookups(namespace: &str, out: &mut BTreeSet<Lookup>) {
    out.insert(Lookup::new("monitoring.coreos.com/v1", "Alertmanager", namespace));
    out.insert(Lookup::new("apps/v1", "StatefulSet", namespace));
    out.insert(Lookup::new("apps/v1", "Deployment", namespace));
}

/// Prometheus workloads of every form in a namespace.
fn prometheus_lookups(namespace: &str, out: &mut BTreeSet<Lookup>) {
    out.insert(Lookup::new("monitoring.coreos.com/v1", "Prometheus", namespace));
    out.insert(Lookup::new("apps/v1", "StatefulSet", namespace));
    out.insert(Lookup::new("apps/v1", "Deployment", namespace));
}

fn rule_on(settings: &Settings, rule: &str) -> bool {
    settings.severity_for(rule, crate::Severity::Warning).is_some()
}

/// The lookups that give the admitted document the scope its rules need:
/// the Alertmanagers and Services a Prometheus or Thanos Ruler refers to,
/// the Alertmanagers a raw config must reach, PodDisruptionBudgets, the
/// Prometheus pods a Service selects, and the replicated Prometheus a Thanos
/// Query reads.
pub fn lookups_for(document: &Document, settings: &Settings) -> Vec<Lookup> {
    let mut lookups = BTreeSet::new();
    let Some(object) = Object::identify(0, document) else {
        return Vec::new();
    };
    if settings.is_exempt(&object.namespace) {
        return Vec::new();
    }
    let namespace = object.namespace.as_str();
    if let Some(workload) = Workload::from_object(0, &object) {
        if settings.pod_disruption_budget && rule_on(settings, "pod-disruption-budget") && workload.is_replicated() {
            lookups.insert(Lookup::new("policy/v1", "PodDisruptionBudget", namespace));
        }
        if workload.operator {
            match workload.app {
                App::Prometheus => {
                    alertmanager_lookups(namespace, &mut lookups);
                    let entries = object
                        .spec()
                        .and_then(|s| s.path(&["alerting", "alertmanagers"]))
                        .and_then(Node::as_seq)
                        .unwrap_or_default();
                    for entry in entries {
                        let ns = entry
                            .get("namespace")
                            .and_then(Node::as_str)
                            .filter(|n| !n.is_empty())
                            .unwrap_or(namespace);
                        lookups.insert(Lookup::new("v1", "Service", ns));
                        alertmanager_lookups(ns, &mut lookups);
                    }
                }
                App::ThanosRuler => alertmanager_lookups(namespace, &mut lookups),
                _ => {}
            }
        }
    } else if object.is("", "Service") {
        let selects_pods = object
            .spec()
            .and_then(|s| s.get("selector"))
            .and_then(Node::as_map)
            .is_some_and(|m| !m.is_empty());
        if selects_pods && rule_on(settings, "session-affinity") {
            prometheus_lookups(namespace, &mut lookups);
        }
    } else if is_thanos_query(&object) {
        if rule_on(settings, "query-replica-label") {
            lookups.insert(Lookup::new("monitoring.coreos.com/v1", "Prometheus", namespace));
            lookups.insert(Lookup::new("monitoring.coreos.com/v1", "ThanosRuler", namespace));
        }
    } else if !embedded_configs(std::slice::from_ref(&object)).is_empty() {
        alertmanager_lookups(namespace, &mut lookups);
    }
    lookups.into_iter().collect()
}

fn is_thanos_query(object: &Object<'_>) -> bool {
    crate::scope::thanos_query(0, object).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::read_text;
    use crate::yaml::ReadLimits;

    fn document(yaml: &str) -> Document {
        read_text("t", yaml, &ReadLimits::default()).unwrap().remove(0)
    }

    const AM: &str = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main, namespace: mon}\nspec: {replicas: 2}\n";

    fn rules_of(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn admitted_checks_report_only_on_the_admitted_object() {
        let other = document(
            &AM.replace("name: main", "name: other")
                .replace("replicas: 2", "replicas: 1"),
        );
        let found = check_admitted(document(AM), vec![other], &[], &Settings::default());
        assert!(!rules_of(&found).contains(&"min-replicas"), "{found:?}");
        assert!(rules_of(&found).contains(&"pod-disruption-budget"), "{found:?}");
        assert!(found.iter().all(|f| f.document == 0));
    }

    #[test]
    fn a_failed_lookup_silences_reports_of_absence() {
        let failed = lookups_for(&document(AM), &Settings::default());
        assert!(failed.iter().any(|l| l.kind == "PodDisruptionBudget"));
        let found = check_admitted(document(AM), Vec::new(), &failed, &Settings::default());
        assert!(!rules_of(&found).contains(&"pod-disruption-budget"), "{found:?}");
        assert!(
            rules_of(&found).contains(&"anti-affinity"),
            "other rules still run: {found:?}"
        );
    }

    fn lookups(yaml: &str, settings: &Settings) -> Vec<(String, String)> {
        let docs = read_text("t", yaml, &ReadLimits::default()).unwrap();
        lookups_for(&docs[0], settings)
            .into_iter()
            .map(|l| (format!("{} {}", l.api_version, l.kind), l.namespace))
            .collect()
    }

    #[test]
    fn prometheus_looks_up_what_it_alerts_to() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k, namespace: mon}\nspec:\n  replicas: 2\n  alerting:\n    alertmanagers: [{name: am, namespace: alerting}]\n";
        let found = lookups(yaml, &Settings::default());
        assert!(found.contains(&("v1 Service".into(), "alerting".into())));
        assert!(found.contains(&("monitoring.coreos.com/v1 Alertmanager".into(), "alerting".into())));
        assert!(found.contains(&("monitoring.coreos.com/v1 Alertmanager".into(), "mon".into())));
        assert!(found.contains(&("policy/v1 PodDisruptionBudget".into(), "mon".into())));
        let no_pdb = Settings {
            pod_disruption_budget: false,
            ..Settings::default()
        };
        assert!(
            !lookups(yaml, &no_pdb)
                .iter()
                .any(|(k, _)| k.contains("PodDisruptionBudget"))
        );
    }

    #[test]
    fn services_and_thanos_queries_look_up_prometheus() {
        let service =
            "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: mon}\nspec: {selector: {app: p}}\n";
        assert!(
            lookups(service, &Settings::default())
                .contains(&("monitoring.coreos.com/v1 Prometheus".into(), "mon".into()))
        );
        let no_selector = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n";
        assert!(lookups(no_selector, &Settings::default()).is_empty());
        let query = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: q, namespace: mon}\nspec:\n  template:\n    spec:\n      containers: [{name: q, image: thanos/thanos, args: [query]}]\n";
        let found = lookups(query, &Settings::default());
        assert!(
            found.contains(&("monitoring.coreos.com/v1 ThanosRuler".into(), "mon".into())),
            "{found:?}"
        );
        let off = Settings::from_json(&serde_json::json!({"rules": {"query-replica-label": "off"}})).unwrap();
        assert!(lookups(query, &off).is_empty());
    }

    #[test]
    fn every_lookup_kind_is_declared() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec:\n  replicas: 2\n  alerting:\n    alertmanagers: [{name: am}]\n";
        for (kind, _) in lookups(yaml, &Settings::default()) {
            assert!(
                LOOKUP_KINDS.iter().any(|(v, k)| format!("{v} {k}") == kind),
                "{kind} is not in LOOKUP_KINDS"
            );
        }
    }

    #[test]
    fn configmaps_with_configs_look_up_alertmanagers_and_others_nothing() {
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: mon}\ndata:\n  prometheus.yml: |\n    alerting:\n      alertmanagers: []\n";
        assert!(
            lookups(cm, &Settings::default()).contains(&("monitoring.coreos.com/v1 Alertmanager".into(), "mon".into()))
        );
        let plain = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n";
        assert!(lookups(plain, &Settings::default()).is_empty());
        let exempt = Settings {
            exempt_namespaces: vec!["mon".into()],
            ..Settings::default()
        };
        assert!(lookups(cm, &exempt).is_empty());
    }
}
