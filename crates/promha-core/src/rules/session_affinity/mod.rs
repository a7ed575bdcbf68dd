//! session-affinity: a query client sticks to one Prometheus replica.

use super::{Emitter, Need, Rule};
use crate::finding::{FieldPath, Fix, Severity};
use crate::model::{App, Input};
use crate::scope::Scope;

pub const RULE: Rule = Rule {
    id: "session-affinity",
    severity: Severity::Warning,
    summary: "Services in front of replicated Prometheus pods use sessionAffinity: ClientIP",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Services, Input::Workloads],
    lookups: &[
        Need {
            api_version: "monitoring.coreos.com/v1",
            kind: "Prometheus",
            namespaces: of_selecting_services,
            labels: None,
            running_state: false,
        },
        Need {
            api_version: "apps/v1",
            kind: "StatefulSet",
            namespaces: of_selecting_services,
            labels: None,
            running_state: false,
        },
        Need {
            api_version: "apps/v1",
            kind: "Deployment",
            namespaces: of_selecting_services,
            labels: None,
            running_state: false,
        },
    ],
    settings: &[],
    check,
};

/// The Prometheus pods an admitted Service may select are in its namespace.
fn of_selecting_services(scope: &Scope<'_>) -> Vec<String> {
    scope
        .services
        .iter()
        .filter(|s| s.selector.is_some())
        .map(|s| scope.object(s.object).namespace.clone())
        .collect()
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for service in &scope.services {
        let object = scope.object(service.object);
        if service.headless || object.name == "prometheus-operated" || service.session_affinity == Some("ClientIP") {
            continue;
        }
        let Some(selector) = &service.selector else { continue };
        let Some(prometheus) = scope
            .workloads_selected_by(&object.namespace, selector)
            .find(|w| w.app == App::Prometheus && w.is_replicated())
        else {
            continue;
        };
        // prometheus-elector's `-leader` Service goes to its API port, whose
        // proxy always answers from the leader (api/proxy.go): one replica.
        if let Some(elector) = &prometheus.elector {
            let to_elector = service.target_ports.iter().any(|port| {
                port == &elector.api_port.to_string() || elector.api_port_name.as_deref() == Some(port.as_str())
            });
            if to_elector {
                continue;
            }
        }
        let position = object
            .spec()
            .and_then(|s| s.get("sessionAffinity").or_else(|| s.get("selector")))
            .map_or(object.root.position, |n| n.position);
        out.report(
            object,
            position,
            format!(
                "{} balances queries across the {} replicas of {} without session affinity: each query may hit another replica with slightly different data, so dashboards flicker and rates jump.",
                object.display(),
                prometheus.replicas.unwrap_or(2),
                scope.object(prometheus.object).display()
            ),
            Fix::text("set spec.sessionAffinity: ClientIP")
                .set(FieldPath::keys(&["spec", "sessionAffinity"]), serde_json::json!("ClientIP")),
        );
    }
}
