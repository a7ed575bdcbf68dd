//! A Prometheus resource's `spec.alerting.alertmanagers`: the operator makes
//! every pod behind each named Service (its Endpoints) a target, so the
//! Service must select the Alertmanager pods, and not pin one.

use serde_json::json;

use super::HEADLESS_OPERATOR_SERVICE;
use crate::finding::{FieldPath, Fix};
use crate::model::App;
use crate::model::object::Object;
use crate::model::operator::{self, AlertmanagerEndpoint, alertmanager_endpoints};
use crate::model::service::{POD_PINNING_KEYS, Service};
use crate::model::workload::Workload;
use crate::read::Node;
use crate::rules::Emitter;
use crate::scope::Scope;

pub(super) fn check(scope: &Scope<'_>, workload: &Workload<'_>, out: &mut Emitter<'_>) {
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
            return; // A Secret promha cannot see.
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
                {
                    let fix = Fix::text(format!(
                        "set spec.alerting.alertmanagers: [{{name: {HEADLESS_OPERATOR_SERVICE}, port: web}}]"
                    ));
                    // The operator's governing Service exists only for its own Alertmanagers.
                    if operator_alertmanager_in(scope, &object.namespace) {
                        fix.set(
                            FieldPath::keys(&["spec", "alerting", "alertmanagers"]),
                            json!([{"name": HEADLESS_OPERATOR_SERVICE, "port": "web"}]),
                        )
                    } else {
                        fix
                    }
                },
            );
        }
        return;
    }
    for entry in &entries {
        let (name, namespace) = (entry.name, entry.namespace.as_str());
        let path = format!("spec.alerting.alertmanagers[{}]", entry.index);
        match scope.service(namespace, name) {
            Some(service) => check_service(scope, object, service, entry, &path, out),
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

/// A label every operator-managed (and chart-managed) Alertmanager pod
/// carries with this value: a selector asking another value selects none.
const ALERTMANAGER_NAME_LABEL: (&str, &str) = ("app.kubernetes.io/name", "alertmanager");

/// An Alertmanager resource runs in the namespace, so the operator's
/// governing Service selects its pods there.
fn operator_alertmanager_in(scope: &Scope<'_>, namespace: &str) -> bool {
    scope.alertmanagers_in(namespace).any(|am| am.operator)
}

fn check_service(
    scope: &Scope<'_>,
    object: &Object<'_>,
    service: &Service<'_>,
    entry: &AlertmanagerEndpoint<'_>,
    path: &str,
    out: &mut Emitter<'_>,
) {
    let namespace = entry.namespace.as_str();
    let position = entry.node.position;
    let service_name = &scope.object(service.object).name;
    let text = format!(
        "point {path} at a Service that selects every Alertmanager pod, e.g. {{name: {HEADLESS_OPERATOR_SERVICE}, namespace: {namespace}, port: web}}"
    );
    let fix = || {
        let fix = Fix::text(text.clone());
        if !operator_alertmanager_in(scope, namespace) {
            return fix;
        }
        let entry_path = FieldPath::keys(&["spec", "alerting", "alertmanagers"]).index(entry.index);
        fix.set(entry_path.clone().key("name"), json!(HEADLESS_OPERATOR_SERVICE))
            .set(entry_path.key("port"), json!("web"))
    };
    let Some(selector) = &service.selector else {
        out.warn(
            object,
            position,
            format!(
                "{path} names Service {namespace}/{service_name}, which has no selector: its endpoints are managed by hand, so promha cannot verify they list every Alertmanager pod."
            ),
            text.clone(),
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
            fix(),
        );
        return;
    }
    let selects_alertmanager = scope
        .workloads_selected_by(namespace, selector)
        .any(|w| w.app == App::Alertmanager);
    if selects_alertmanager {
        return;
    }
    if scope.alertmanagers_in(namespace).next().is_some() {
        out.report(
            object,
            position,
            format!(
                "{path} names Service {namespace}/{service_name}, whose selector `{selector}` matches no Alertmanager's pods in namespace {namespace}: alerts sent through it reach no Alertmanager."
            ),
            fix(),
        );
        return;
    }
    // No Alertmanager of the namespace is here; a selector that contradicts
    // what every Alertmanager pod carries still selects none of them.
    let contradicts = selector
        .match_labels
        .iter()
        .find(|(k, v)| {
            (k == ALERTMANAGER_NAME_LABEL.0 && v != ALERTMANAGER_NAME_LABEL.1)
                || (k == operator::MANAGED_BY.0 && v != operator::MANAGED_BY.1 && v != "Helm")
        })
        .map(|(k, v)| {
            let theirs = if k == ALERTMANAGER_NAME_LABEL.0 {
                format!("their {k} is {}", ALERTMANAGER_NAME_LABEL.1)
            } else {
                // Helm is not contradicted (a chart may label its pods so), but no
                // pod is known to carry it either: say what the operator's carry.
                format!("the operator's have {k}: {}", operator::MANAGED_BY.1)
            };
            (format!("{k}={v}"), theirs)
        });
    match contradicts {
        Some((label, theirs)) => out.report(
            object,
            position,
            format!(
                "{path} names Service {namespace}/{service_name}, whose selector asks for {label}: no Alertmanager pod carries it ({theirs}), so alerts sent through it reach no Alertmanager."
            ),
            fix(),
        ),
        None => out.warn(
            object,
            position,
            format!(
                "{path} names Service {namespace}/{service_name}, but no Alertmanager in namespace {namespace} is among the checked objects: promha cannot verify that the Service reaches them."
            ),
            text.clone(),
        ),
    }
}
