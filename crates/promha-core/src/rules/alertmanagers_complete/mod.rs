//! alertmanagers-complete: every Alertmanager receives every alert.

use std::collections::BTreeSet;

use super::{Emitter, Need, Rule};
use crate::finding::Severity;
use crate::model::containers::address_key;
use crate::model::object::Object;
use crate::model::operator::{self, alertmanager_endpoints};
use crate::model::prometheus_config::PrometheusConfig;
use crate::model::service::{POD_PINNING_KEYS, Service};
use crate::model::thanos::{RulerUrl, ruler_url_kind};
use crate::model::workload::Workload;
use crate::model::{App, Input};
use crate::read::{Node, Position};
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
        },
        Need {
            api_version: "apps/v1",
            kind: "StatefulSet",
            namespaces: alertmanager_namespaces,
        },
        Need {
            api_version: "apps/v1",
            kind: "Deployment",
            namespaces: alertmanager_namespaces,
        },
        Need {
            api_version: "v1",
            kind: "Service",
            namespaces: service_namespaces,
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

/// The namespaces of the Services a Prometheus's alerting entries name.
fn service_namespaces(scope: &Scope<'_>) -> Vec<String> {
    scope
        .workloads
        .iter()
        .filter(|w| w.operator && w.app == App::Prometheus)
        .flat_map(|w| alertmanager_endpoints(scope.object(w.object)))
        .map(|endpoint| endpoint.namespace)
        .collect()
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope.workloads.iter().filter(|w| w.operator) {
        match workload.app {
            App::Prometheus => check_prometheus(scope, workload, out),
            App::ThanosRuler => check_ruler(scope, workload, out),
            _ => {}
        }
    }
    for config in &scope.prometheus_configs {
        check_config(scope, config, out);
    }
}

fn check_prometheus(scope: &Scope<'_>, workload: &Workload<'_>, out: &mut Emitter<'_>) {
    let object = scope.object(workload.object);
    let spec = object.spec();
    let entries = alertmanager_endpoints(object);
    let written = spec
        .and_then(|s| s.path(&["alerting", "alertmanagers"]))
        .and_then(Node::as_seq)
        .is_some_and(|e| !e.is_empty());
    if !written {
        let additional = spec
            .and_then(|s| s.get("additionalAlertManagerConfigs"))
            .is_some_and(|n| !n.is_null());
        if additional {
            return;
        }
        if let Some(am) = scope.alertmanagers_in(&object.namespace).next() {
            out.report(
                object,
                object.position_of(&["spec", "alerting"]),
                format!(
                    "{} sends its alerts to no Alertmanager (spec.alerting.alertmanagers is empty) although {} runs in namespace {}: alerts fire, and nobody is notified.",
                    object.display(),
                    scope.object(am.object).display(),
                    object.namespace
                ),
                format!("set spec.alerting.alertmanagers: [{{name: {HEADLESS_OPERATOR_SERVICE}, port: web}}]"),
            );
        }
        return;
    }
    for entry in &entries {
        let (name, namespace) = (entry.name, entry.namespace.as_str());
        let path = format!("spec.alerting.alertmanagers[{}]", entry.index);
        match scope.service(namespace, name) {
            Some(service) => check_service(scope, object, service, namespace, &path, entry.node.position, out),
            None if name == HEADLESS_OPERATOR_SERVICE => {}
            None => out.warn(
                object,
                entry.node.position,
                format!(
                    "{path} names Service {namespace}/{name}, which is not among the checked objects: promha cannot verify that it reaches every Alertmanager pod."
                ),
                format!(
                    "make sure Service {namespace}/{name} exists and selects every Alertmanager pod, or use {{name: {HEADLESS_OPERATOR_SERVICE}, namespace: {namespace}, port: web}}"
                ),
            ),
        }
    }
}

fn check_service(
    scope: &Scope<'_>,
    object: &Object<'_>,
    service: &Service<'_>,
    namespace: &str,
    path: &str,
    position: Position,
    out: &mut Emitter<'_>,
) {
    let service_name = &scope.object(service.object).name;
    let fix = format!(
        "point {path} at a Service that selects every Alertmanager pod, e.g. {{name: {HEADLESS_OPERATOR_SERVICE}, namespace: {namespace}, port: web}}"
    );
    let Some(selector) = &service.selector else {
        out.warn(
            object,
            position,
            format!(
                "{path} names Service {namespace}/{service_name}, which has no selector: its endpoints are managed by hand, so promha cannot verify they list every Alertmanager pod."
            ),
            fix,
        );
        return;
    };
    if let Some(key) = POD_PINNING_KEYS.iter().find(|k| selector.uses_key(k)) {
        out.report(
            object,
            position,
            format!(
                "{path} names Service {namespace}/{service_name}, whose selector pins a single pod ({key}): the other Alertmanager replicas never receive alerts, and while that pod is down no notification goes out."
            ),
            fix,
        );
        return;
    }
    if scope.alertmanagers_in(namespace).next().is_none() {
        out.warn(
            object,
            position,
            format!(
                "{path} names Service {namespace}/{service_name}, but no Alertmanager in namespace {namespace} is among the checked objects: promha cannot verify that the Service reaches them."
            ),
            fix,
        );
        return;
    }
    if !scope
        .workloads_selected_by(namespace, selector)
        .any(|w| w.app == App::Alertmanager)
    {
        out.report(
            object,
            position,
            format!(
                "{path} names Service {namespace}/{service_name}, whose selector `{selector}` matches no Alertmanager's pods in namespace {namespace}: alerts sent through it reach no Alertmanager."
            ),
            fix,
        );
    }
}

fn check_ruler(scope: &Scope<'_>, workload: &Workload<'_>, out: &mut Emitter<'_>) {
    let object = scope.object(workload.object);
    let spec = object.spec();
    if spec
        .and_then(|s| s.get("alertmanagersConfig"))
        .is_some_and(|n| !n.is_null())
    {
        return; // A Secret promha cannot see.
    }
    let urls: Vec<&Node> = spec
        .and_then(|s| s.get("alertmanagersUrl"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter(|u| u.as_str().is_some())
        .collect();
    let dns_fix = format!(
        "set spec.alertmanagersUrl: [\"dnssrv+http://_web._tcp.{HEADLESS_OPERATOR_SERVICE}.{}.svc.cluster.local\"] so that every Alertmanager pod is resolved",
        object.namespace
    );
    if urls.is_empty() {
        if let Some(am) = scope.alertmanagers_in(&object.namespace).next() {
            out.report(
                object,
                object.position_of(&["spec", "alertmanagersUrl"]),
                format!(
                    "{} has neither alertmanagersUrl nor alertmanagersConfig although {} runs in namespace {}: its alerts reach no Alertmanager.",
                    object.display(),
                    scope.object(am.object).display(),
                    object.namespace
                ),
                dns_fix,
            );
        }
        return;
    }
    for url in &urls {
        if url.as_str().map(ruler_url_kind) == Some(RulerUrl::DnsWithoutScheme) {
            out.report(
                object,
                url.position,
                format!(
                    "spec.alertmanagersUrl entry `{}` has a DNS lookup prefix but no scheme: Thanos Ruler refuses it (\"empty scheme\") and sends no alerts.",
                    url.as_str().unwrap_or_default()
                ),
                dns_fix,
            );
            return;
        }
    }
    if urls
        .iter()
        .any(|u| u.as_str().map(ruler_url_kind) == Some(RulerUrl::PerPod))
    {
        return;
    }
    let addresses: Vec<String> = urls.iter().filter_map(|u| u.as_str()).map(address_key).collect();
    if let Some((problem, _)) = static_targets_problem(scope, Some(&object.namespace), &addresses) {
        out.report(
            object,
            urls[0].position,
            format!("spec.alertmanagersUrl {problem}"),
            dns_fix,
        );
    }
}

fn check_config(scope: &Scope<'_>, config: &PrometheusConfig<'_>, out: &mut Emitter<'_>) {
    let object = scope.object(config.object);
    let namespace = (!object.standalone_config).then_some(object.namespace.as_str());
    let alerting = config.root.get("alerting").filter(|a| !a.is_null());
    let entries = alerting
        .and_then(|a| a.get("alertmanagers"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    if entries.is_empty() {
        if alerting.is_some() {
            out.warn(
                object,
                config.position_of(&["alerting", "alertmanagers"]),
                format!(
                    "{} lists no Alertmanager: alerts fire, and nobody is notified.",
                    config.field("alerting.alertmanagers")
                ),
                "list every Alertmanager, e.g. kubernetes_sd_configs with role: endpoints on the Alertmanager Service",
            );
        } else if let Some(am) = candidates(scope, namespace).first() {
            out.report(
                object,
                config.position_of(&[]),
                format!(
                    "{} has no alerting section although {} is among the checked objects: alerts fire, and nobody is notified.",
                    if config.location.is_empty() { object.display() } else { format!("{} {}", object.display(), config.location) },
                    scope.object(am.object).display()
                ),
                "add alerting.alertmanagers with kubernetes_sd_configs (role: endpoints) selecting the Alertmanager Service",
            );
        }
        return;
    }
    let mut discovers_pods = false;
    let mut load_balanced = false;
    let mut addresses = Vec::new();
    let mut first_static: Option<Position> = None;
    for (i, entry) in entries.iter().enumerate() {
        let Some(fields) = entry.as_map() else { continue };
        for field in fields {
            if field.key == "kubernetes_sd_configs" {
                for (j, sd) in field.value.as_seq().unwrap_or_default().iter().enumerate() {
                    let role = sd.get("role").and_then(Node::as_str).unwrap_or_default();
                    match role {
                        "pod" | "endpoints" | "endpointslice" => discovers_pods = true,
                        "service" | "ingress" => {
                            load_balanced = true;
                            let role_node = sd.get("role").unwrap_or(sd);
                            out.report(
                                object,
                                role_node.position,
                                format!(
                                    "{} is role {role}, which discovers one load-balanced address per {role}: each alert reaches only one Alertmanager, and deduplication across the cluster breaks.",
                                    config.field(&format!("alerting.alertmanagers[{i}].kubernetes_sd_configs[{j}]"))
                                ),
                                format!("use role: endpoints (or endpointslice) instead of role: {role}, so every Alertmanager pod becomes a target"),
                            );
                        }
                        _ => {}
                    }
                }
            } else if field.key.ends_with("_sd_configs") {
                discovers_pods = true;
            } else if field.key == "static_configs" {
                for group in field.value.as_seq().unwrap_or_default() {
                    for target in group.get("targets").and_then(Node::as_seq).unwrap_or_default() {
                        if let Some(text) = target.as_str() {
                            first_static.get_or_insert(target.position);
                            addresses.push(address_key(text));
                        }
                    }
                }
            }
        }
    }
    if discovers_pods || load_balanced {
        return;
    }
    if addresses.is_empty() {
        out.warn(
            object,
            config.position_of(&["alerting", "alertmanagers"]),
            format!(
                "{} has no targets at all: alerts fire, and nobody is notified.",
                config.field("alerting.alertmanagers")
            ),
            "list every Alertmanager, e.g. kubernetes_sd_configs with role: endpoints on the Alertmanager Service",
        );
        return;
    }
    if let Some((problem, fix)) = static_targets_problem(scope, namespace, &addresses) {
        out.report(
            object,
            first_static.unwrap_or_else(|| config.position_of(&["alerting", "alertmanagers"])),
            format!("{} {problem}", config.field("alerting.alertmanagers static_configs")),
            format!("{fix} with kubernetes_sd_configs (role: endpoints)"),
        );
    }
}

/// Alertmanagers that static targets should cover: those in the namespace
/// of the config or resource, or anywhere in scope for a standalone file.
fn candidates<'s, 'a>(scope: &'s Scope<'a>, namespace: Option<&str>) -> Vec<&'s Workload<'a>> {
    match namespace {
        Some(ns) => scope.alertmanagers_in(ns).collect(),
        None => scope.alertmanagers().collect(),
    }
}

/// What is wrong with a list of static Alertmanager addresses, if anything:
/// the message, and the addresses that would cover every replica.
fn static_targets_problem(
    scope: &Scope<'_>,
    namespace: Option<&str>,
    addresses: &[String],
) -> Option<(String, String)> {
    let distinct: BTreeSet<&str> = addresses.iter().map(String::as_str).collect();
    let candidates = candidates(scope, namespace);
    let largest = candidates
        .iter()
        .filter_map(|w| w.replicas.map(|r| (r, w)))
        .max_by_key(|(r, _)| *r);
    match largest {
        None if distinct.len() == 1 => Some((
            format!(
                "sends every alert to the single address {}: either one Alertmanager (no redundancy) or a load-balanced name that hands each alert to only one of them; Alertmanager needs every alert at every instance.",
                distinct.iter().next().copied().unwrap_or_default()
            ),
            "list every Alertmanager pod (e.g. alertmanager-main-0.alertmanager-operated:9093, one per replica), or discover them per pod".to_string(),
        )),
        Some((replicas, am)) if (distinct.len() as i64) < replicas => Some((
            format!(
                "lists {} address{} but {} runs {replicas} replicas: the others never receive alerts, and a load-balanced name reaches only one of them per alert.",
                distinct.len(),
                if distinct.len() == 1 { "" } else { "es" },
                scope.object(am.object).display()
            ),
            pod_addresses(scope, am),
        )),
        _ => None,
    }
}

/// The fix for too few static targets: every pod's stable DNS name, when
/// the Alertmanager runs as a StatefulSet whose pods have one.
fn pod_addresses(scope: &Scope<'_>, am: &Workload<'_>) -> String {
    let object = scope.object(am.object);
    match am.statefulset_pods(object) {
        Some(pods) if pods.service.is_some() => {
            let listed: Vec<String> = pods
                .listed_ordinals()
                .map(|i| format!("{}:9093", pods.qualified_host(i)))
                .collect();
            format!("list every pod: {}, or discover them per pod", listed.join(", "))
        }
        Some(_) => format!(
            "give StatefulSet {} a headless spec.serviceName and list every pod as <pod>.<service>.{}.svc:9093, or discover them per pod",
            object.name, object.namespace
        ),
        None => "discover them per pod (a Deployment's pods have no stable names to list)".to_string(),
    }
}
