//! alertmanagers-complete: every Alertmanager receives every alert.

mod operator_entries;
mod raw_config;
mod ruler;
mod targets;

use super::{Emitter, Need, Rule};
use crate::finding::Severity;
use crate::model::operator::{self, alertmanager_endpoints};
use crate::model::{App, Input};
use crate::scope::Scope;

pub const RULE: Rule = Rule {
    id: "alertmanagers-complete",
    severity: Severity::Error,
    summary: "Prometheus and Thanos Ruler send every alert to every Alertmanager, not through a load balancer",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Workloads, Input::Services, Input::PrometheusConfigs],
    // Alertmanagers of every form where alerts are sent, and the Services a
    // Prometheus names.
    lookups: &[
        Need {
            api_version: "monitoring.coreos.com/v1",
            kind: "Alertmanager",
            namespaces: alertmanager_namespaces,
            labels: None,
            running_state: false,
        },
        Need {
            api_version: "apps/v1",
            kind: "StatefulSet",
            namespaces: alertmanager_namespaces,
            labels: None,
            running_state: false,
        },
        Need {
            api_version: "apps/v1",
            kind: "Deployment",
            namespaces: alertmanager_namespaces,
            labels: None,
            running_state: false,
        },
        Need {
            api_version: "v1",
            kind: "Service",
            namespaces: service_namespaces,
            labels: None,
            running_state: false,
        },
    ],
    settings: &[],
    check,
};

const HEADLESS_OPERATOR_SERVICE: &str = operator::governing_service(App::Alertmanager);

/// Where the admitted object's alerts go: a Prometheus's namespace and those
/// its entries name, a Thanos Ruler's, a raw config's.
fn alertmanager_namespaces(scope: &Scope<'_>) -> Vec<String> {
    let mut namespaces = service_namespaces(scope);
    for workload in scope.workloads.iter().filter(|w| w.operator) {
        if matches!(workload.app, App::Prometheus | App::ThanosRuler) {
            namespaces.push(scope.object(workload.object).namespace.clone());
        }
    }
    for config in &scope.prometheus_configs {
        let object = scope.object(config.object);
        if !object.standalone_config {
            namespaces.push(object.namespace.clone());
        }
    }
    namespaces
}

/// The namespaces of the Services the admitted object's alerts go through:
/// those a Prometheus's entries name, and those DNS names resolve in (a
/// Thanos Ruler's URLs, a raw config's dns_sd_configs).
fn service_namespaces(scope: &Scope<'_>) -> Vec<String> {
    let mut namespaces = Vec::new();
    for workload in scope.workloads.iter().filter(|w| w.operator) {
        let object = scope.object(workload.object);
        match workload.app {
            App::Prometheus => namespaces.extend(alertmanager_endpoints(object).into_iter().map(|e| e.namespace)),
            App::ThanosRuler => {
                for url in ruler::urls(object) {
                    namespaces.extend(dns_namespaces(ruler::dns_host(url), &object.namespace));
                }
            }
            _ => {}
        }
    }
    for config in &scope.prometheus_configs {
        let object = scope.object(config.object);
        if object.standalone_config {
            continue;
        }
        for name in raw_config::dns_names(config) {
            namespaces.extend(dns_namespaces(name, &object.namespace));
        }
    }
    namespaces
}

fn dns_namespaces(host: &str, from_namespace: &str) -> impl Iterator<Item = String> {
    crate::model::dns::services_of(host, from_namespace)
        .into_iter()
        .map(|(ns, _)| ns)
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope.reported_workloads().filter(|w| w.operator) {
        match workload.app {
            App::Prometheus => operator_entries::check(scope, workload, out),
            App::ThanosRuler => ruler::check(scope, workload, out),
            _ => {}
        }
    }
    for config in &scope.prometheus_configs {
        raw_config::check(scope, config, out);
    }
}

#[cfg(test)]
mod tests {
    use crate::read::Source;
    use crate::scope::CheckOptions;
    use crate::settings::Settings;

    /// A prometheus.yml of its own has no namespace: its static targets are
    /// held to every Alertmanager in scope, wherever it runs.
    #[test]
    fn a_standalone_config_is_held_to_every_alertmanager_in_scope() {
        let config = "alerting:\n  alertmanagers:\n  - static_configs:\n    - targets: [alertmanager-0.alertmanager.legacy.svc:9093, alertmanager-1.alertmanager.legacy.svc:9093]\n";
        let statefulset = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: alertmanager, namespace: legacy}\nspec:\n  replicas: 3\n  serviceName: alertmanager\n  template:\n    metadata: {labels: {app: alertmanager}}\n    spec:\n      containers: [{name: am, image: prom/alertmanager:v0.28.1}]\n";
        let messages = |sources: &[Source<'_>]| {
            crate::check::lint(sources, &Settings::default(), &CheckOptions::default())
                .findings
                .into_iter()
                .filter(|f| f.rule == "alertmanagers-complete")
                .map(|f| f.message)
                .collect::<Vec<_>>()
        };
        let found = messages(&[
            Source::text("prometheus.yml", config),
            Source::text("alertmanager.yaml", statefulset),
        ]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].contains("lists 2 of the 3 pods of StatefulSet legacy/alertmanager, not alertmanager-2"),
            "{found:#?}"
        );
        assert!(messages(&[Source::text("prometheus.yml", config)]).is_empty());
    }
}
