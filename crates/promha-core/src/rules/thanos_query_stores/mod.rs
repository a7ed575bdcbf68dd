//! thanos-query-stores: Thanos Query reads every replica of each Prometheus.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::{Emitter, Need, Rule};
use crate::finding::{Fix, Severity};
use crate::model::containers::word_place;
use crate::model::dns::services_of;
use crate::model::object::Object;
use crate::model::operator;
use crate::model::pods::Host;
use crate::model::thanos::{StoreAddress, StoreEndpoint, ThanosQuery, store_address};
use crate::model::workload::Workload;
use crate::model::{App, Input};
use crate::scope::Scope;

pub const RULE: Rule = Rule {
    id: "thanos-query-stores",
    severity: Severity::Error,
    summary: "Thanos Query reaches every replica of each replicated Prometheus it reads, not one through a load balancer",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::ThanosQueries, Input::Services, Input::Workloads],
    // The Services its endpoints name, and the Prometheus they select.
    lookups: &[
        Need {
            api_version: "v1",
            kind: "Service",
            namespaces: of_endpoints,
            labels: None,
            running_state: false,
        },
        Need {
            api_version: "monitoring.coreos.com/v1",
            kind: "Prometheus",
            namespaces: of_endpoints,
            labels: None,
            running_state: false,
        },
        Need {
            api_version: "apps/v1",
            kind: "StatefulSet",
            namespaces: of_endpoints,
            labels: None,
            running_state: false,
        },
    ],
    settings: &[],
    check,
};

/// The namespaces the admitted Thanos Query's endpoints may resolve in.
fn of_endpoints(scope: &Scope<'_>) -> Vec<String> {
    let mut namespaces = Vec::new();
    for query in &scope.thanos_queries {
        let from = &scope.object(query.object).namespace;
        namespaces.push(from.clone());
        for endpoint in &query.endpoints {
            let host = match store_address(&endpoint.address) {
                StoreAddress::Discovered(host) | StoreAddress::Static(host) => host,
            };
            namespaces.extend(services_of(host, from).into_iter().map(|(ns, _)| ns));
        }
    }
    namespaces
}

/// How a query's endpoints reach one replicated Prometheus.
#[derive(Default)]
struct Reach<'d> {
    /// Some endpoint discovers every pod (DNS SD on a headless Service).
    every_pod: bool,
    /// Ordinals named one by one by static pod addresses, and the first such endpoint.
    pods: BTreeSet<i64>,
    first_pod: Option<&'d StoreEndpoint<'d>>,
    /// The first endpoint that reaches it through one connection, and how.
    single: Option<(&'d StoreEndpoint<'d>, String)>,
}

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for query in &scope.thanos_queries {
        check_query(scope, query, out);
    }
}

fn check_query(scope: &Scope<'_>, query: &ThanosQuery<'_>, out: &mut Emitter<'_>) {
    let object = scope.object(query.object);
    let from = object.namespace.as_str();
    // Keyed by the workload's object index, so each Prometheus is judged once.
    let mut reach: BTreeMap<usize, Reach> = BTreeMap::new();
    let served = |w: &Workload<'_>| w.app == App::Prometheus && w.is_replicated() && w.thanos_sidecar;
    for endpoint in &query.endpoints {
        let (host, discovered) = match store_address(&endpoint.address) {
            StoreAddress::Discovered(host) => (host, true),
            StoreAddress::Static(host) => (host, false),
        };
        // A static name of one pod of a Prometheus StatefulSet.
        if !discovered {
            for workload in scope.workloads.iter().filter(|w| served(w)) {
                let target = scope.object(workload.object);
                let Some(pods) = workload.statefulset_pods(target) else {
                    continue;
                };
                if let Host::Pod(ordinal) = pods.host(host, from) {
                    let entry = reach.entry(workload.object).or_default();
                    entry.pods.insert(ordinal);
                    entry.first_pod.get_or_insert(endpoint);
                }
            }
        }
        for (namespace, name) in services_of(host, from) {
            let Some(service) = scope.service(&namespace, &name) else {
                continue;
            };
            let Some(selector) = &service.selector else { continue };
            for workload in scope.workloads_selected_by(&namespace, selector).filter(|w| served(w)) {
                let entry = reach.entry(workload.object).or_default();
                if discovered && service.headless {
                    entry.every_pod = true;
                } else if entry.single.is_none() {
                    let how = if discovered {
                        format!(
                            "DNS discovery of Service {namespace}/{name}, which is not headless, so it resolves to one virtual IP"
                        )
                    } else {
                        format!("the static address of Service {namespace}/{name}")
                    };
                    entry.single = Some((endpoint, how));
                }
            }
        }
    }
    // Endpoints from files (--store.sd-files, --endpoint.sd-config-file) are
    // read at run time: they may name every pod, so what is visible is not
    // all the querier reads, and a verdict would be a guess.
    if query.endpoints_unseen {
        return;
    }
    for (index, reached) in reach {
        let Some(workload) = scope.workloads.iter().find(|w| w.object == index) else {
            continue;
        };
        let target = scope.object(index);
        let replicas = workload.replicas.unwrap_or(2);
        let all_pods_named = workload
            .statefulset_pods(target)
            .is_some_and(|pods| workload.shards == 1 && pods.ordinals().all(|i| reached.pods.contains(&i)));
        if reached.every_pod || all_pods_named {
            continue;
        }
        let (endpoint, how) = match (reached.single, reached.first_pod) {
            (Some(single), _) => single,
            (None, Some(first)) => {
                let named: Vec<String> = reached.pods.iter().map(|i| i.to_string()).collect();
                (
                    first,
                    format!(
                        "static addresses of pod{} {} only",
                        if named.len() == 1 { "" } else { "s" },
                        named.join(", ")
                    ),
                )
            }
            (None, None) => continue,
        };
        let address = &endpoint.address;
        let headless = headless_service(workload, target);
        let discovery = format!("dnssrv+_grpc._tcp.{headless}.{}.svc.cluster.local", target.namespace);
        out.report(
            object,
            endpoint.node.position,
            format!(
                "{} reads {}, which runs {replicas} replicas, through `{address}` ({how}): that is one long-lived gRPC connection to one replica at a time, so the querier cannot deduplicate the replicas, and loses that replica's data when it dies.",
                object.display(),
                target.display()
            ),
            discovery_fix(query, object, endpoint, workload, &discovery),
        );
    }
}

/// Replaces the endpoint's flag with SRV discovery, when it is a word of
/// its own and the Service is the operator's governing one, which names its
/// gRPC port `grpc` whenever a Thanos sidecar runs.
fn discovery_fix(
    query: &ThanosQuery<'_>,
    object: &Object<'_>,
    endpoint: &StoreEndpoint<'_>,
    workload: &Workload<'_>,
    discovery: &str,
) -> Fix {
    let fix = Fix::text(format!(
        "use --endpoint={discovery} (SRV records of a headless Service list every pod)"
    ));
    let own_word = endpoint
        .node
        .scalar_text()
        .is_some_and(|t| ["--endpoint=", "--store="].iter().any(|flag| t.starts_with(flag)));
    match (
        word_place(query.container, endpoint.node),
        object.container_path(query.container),
    ) {
        (Some((key, index)), Some(path)) if own_word && workload.operator => {
            fix.set(path.key(key).index(index), json!(format!("--endpoint={discovery}")))
        }
        _ => fix,
    }
}

/// A headless Service selecting the workload's pods, for the fix: the
/// operator's governing one, or the StatefulSet's own.
fn headless_service(workload: &Workload<'_>, object: &Object<'_>) -> String {
    if workload.operator {
        return operator::governing_service(workload.app).to_string();
    }
    workload
        .statefulset_pods(object)
        .and_then(|pods| pods.service)
        .unwrap_or_else(|| "<headless Service selecting the Prometheus pods>".to_string())
}
