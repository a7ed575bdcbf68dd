//! Static Alertmanager addresses and DNS names, judged against the
//! Alertmanagers in scope: which pods they reach, and whether a name is a
//! load balancer.

use std::collections::BTreeSet;

use crate::model::containers::{address_key, host_of, with_host};
use crate::model::dns::{ServiceRef, services_of};
use crate::model::operator;
use crate::model::pods::Host;
use crate::model::workload::Workload;
use crate::read::Position;
use crate::scope::Scope;

/// One address as written, and where.
pub(super) struct Target<'d> {
    pub address: &'d str,
    pub position: Position,
}

pub(super) struct Problem {
    pub position: Position,
    /// Follows the field it is about: "lists 2 addresses but …".
    pub message: String,
    pub fix: String,
    /// How the list is made complete, when promha is certain of it.
    pub edit: Option<TargetsEdit>,
}

pub(super) enum TargetsEdit {
    /// These addresses go beside target `beside`, written like it.
    Add { addresses: Vec<String>, beside: usize },
    /// The list (all in one place) becomes these addresses.
    Replace(Vec<String>),
}

/// The address of each pod, written like `template` (scheme, port, path),
/// short (`<pod>.<service>`) when the template's host is.
fn pod_addresses_like(template: &str, pods: &crate::model::pods::StatefulSetPods, ordinals: &[i64]) -> Vec<String> {
    let short = host_of(template).matches('.').count() <= 1;
    ordinals
        .iter()
        .map(|&i| {
            let host = if short {
                pods.short_host(i)
            } else {
                pods.qualified_host(i)
            };
            with_host(template, &host)
        })
        .collect()
}

/// Alertmanagers that static targets should cover: those in the namespace
/// of the config or resource, or anywhere in scope for a standalone file.
pub(super) fn candidates<'s, 'a>(scope: &'s Scope<'a>, namespace: Option<&str>) -> Vec<&'s Workload<'a>> {
    match namespace {
        Some(ns) => scope.alertmanagers_in(ns).collect(),
        None => scope.alertmanagers().collect(),
    }
}

/// A ClusterIP Service in scope that a DNS name resolves to: its one virtual
/// IP load-balances. `None` when the name may be a headless Service (one
/// record per pod) or a Service promha does not see.
pub(super) fn load_balanced_service(scope: &Scope<'_>, host: &str, from_namespace: &str) -> Option<ServiceRef> {
    let candidates = services_of(host, from_namespace);
    let known: Vec<(ServiceRef, bool)> = candidates
        .into_iter()
        .filter_map(|(ns, name)| scope.service(&ns, &name).map(|s| ((ns, name), s.headless)))
        .collect();
    if known.iter().any(|(_, headless)| *headless) {
        return None;
    }
    known.into_iter().next().map(|(service, _)| service)
}

/// What is wrong with one set of static Alertmanager addresses, if anything.
pub(super) fn judge_static(scope: &Scope<'_>, namespace: Option<&str>, targets: &[Target<'_>]) -> Vec<Problem> {
    let Some(first) = targets.first() else {
        return Vec::new();
    };
    let distinct: BTreeSet<String> = targets.iter().map(|t| address_key(t.address)).collect();
    let candidates = candidates(scope, namespace);
    let from_namespace = namespace.unwrap_or("default");
    let mut problems = Vec::new();
    // Targets named after the pods of an Alertmanager StatefulSet: the one they are about.
    // The Alertmanager, the pods reached, and the first target naming one.
    let mut best: Option<(&Workload<'_>, BTreeSet<i64>, usize)> = None;
    for am in &candidates {
        let object = scope.object(am.object);
        let Some(pods) = am.statefulset_pods(object) else {
            continue;
        };
        let mut reached = BTreeSet::new();
        let mut template = None;
        for (index, target) in targets.iter().enumerate() {
            match pods.host(host_of(target.address), from_namespace) {
                Host::Pod(ordinal) => {
                    reached.insert(ordinal);
                    template.get_or_insert(index);
                }
                Host::Unresolvable(_) => problems.push(Problem {
                    position: target.position,
                    message: format!(
                        "target `{}` is named like a pod of {}, but its pods resolve as <pod>.{}.{}.svc: the name does not resolve, so no alert is sent there.",
                        target.address,
                        object.display(),
                        pods.service.as_deref().unwrap_or("<spec.serviceName>"),
                        pods.namespace
                    ),
                    fix: pod_addresses(scope, am),
                    edit: None,
                }),
                Host::NoSuchPod(ordinal) => problems.push(Problem {
                    position: target.position,
                    message: format!(
                        "target `{}` names {}, which {} does not run (its ordinals run from {} to {}): no alert is sent there.",
                        target.address,
                        pods.pod_name(ordinal),
                        object.display(),
                        pods.ordinals().start,
                        pods.ordinals().end - 1
                    ),
                    fix: pod_addresses(scope, am),
                    edit: None,
                }),
                Host::Other => {}
            }
        }
        if let Some(template) = template
            && best.as_ref().is_none_or(|(_, r, _)| reached.len() > r.len())
        {
            best = Some((am, reached, template));
        }
    }
    if !problems.is_empty() {
        return problems;
    }
    if let Some((am, reached, template)) = best {
        let object = scope.object(am.object);
        let replicas = am.replicas.unwrap_or(0);
        if let Some(pods) = am.statefulset_pods(object) {
            let missing = pods.missing(&reached);
            if !missing.is_empty() {
                problems.push(Problem {
                    position: first.position,
                    message: format!(
                        "lists {} of the {replicas} pods of {}, not {}: those never receive alerts, and Alertmanager needs every alert at every instance.",
                        reached.len(),
                        object.display(),
                        pods.names_of(&missing)
                    ),
                    fix: pod_addresses(scope, am),
                    edit: missing.all_listed().then(|| TargetsEdit::Add {
                        addresses: pod_addresses_like(targets[template].address, &pods, &missing.listed),
                        beside: template,
                    }),
                });
            }
        }
        return problems;
    }
    let largest = candidates
        .iter()
        .filter_map(|w| w.replicas.map(|r| (r, w)))
        .max_by_key(|(r, _)| *r);
    match largest {
        None if distinct.len() == 1 => problems.push(Problem {
            position: first.position,
            message: format!(
                "sends every alert to the single address {}: either one Alertmanager (no redundancy) or a load-balanced name that hands each alert to only one of them; Alertmanager needs every alert at every instance.",
                distinct.iter().next().map(String::as_str).unwrap_or_default()
            ),
            fix: "list every Alertmanager pod (e.g. alertmanager-main-0.alertmanager-operated:9093, one per replica), or discover them per pod".to_string(),
            edit: None,
        }),
        Some((replicas, am)) if (distinct.len() as i64) < replicas => problems.push(Problem {
            position: first.position,
            message: format!(
                "lists {} address{} but {} runs {replicas} replicas: the others never receive alerts, and a load-balanced name reaches only one of them per alert.",
                distinct.len(),
                if distinct.len() == 1 { "" } else { "es" },
                scope.object(am.object).display()
            ),
            fix: pod_addresses(scope, am),
            edit: per_pod_instead(scope, from_namespace, targets, &candidates, am),
        }),
        _ => {}
    }
    problems
}

/// Every pod's address in place of the targets, when they all name a
/// Service in scope that selects this Alertmanager (the only one here) and
/// its pods have DNS names: then the list means that Alertmanager.
fn per_pod_instead(
    scope: &Scope<'_>,
    from_namespace: &str,
    targets: &[Target<'_>],
    candidates: &[&Workload<'_>],
    am: &Workload<'_>,
) -> Option<TargetsEdit> {
    if candidates.len() != 1 {
        return None;
    }
    let pods = am.statefulset_pods(scope.object(am.object))?;
    let missing = pods.missing(&BTreeSet::new());
    if pods.service.is_none() || !missing.all_listed() {
        return None;
    }
    let object = scope.object(am.object);
    let names_it = |target: &Target<'_>| {
        services_of(host_of(target.address), from_namespace)
            .iter()
            .any(|(ns, name)| {
                let selects_it = scope
                    .service(ns, name)
                    .and_then(|s| s.selector.as_ref())
                    .is_some_and(|selector| scope.workloads_selected_by(ns, selector).any(|w| w.object == am.object));
                // An operator's Alertmanager is served under its StatefulSet's name
                // (kube-prometheus's Service) and the governing Service.
                let operator_names = am.operator
                    && *ns == object.namespace
                    && (*name == operator::statefulset_name(am.app, &object.name, 0)
                        || name == operator::governing_service(am.app));
                selects_it || (operator_names && scope.service(ns, name).is_none())
            })
    };
    if !targets.iter().all(names_it) {
        return None;
    }
    Some(TargetsEdit::Replace(pod_addresses_like(
        targets.first()?.address,
        &pods,
        &missing.listed,
    )))
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
