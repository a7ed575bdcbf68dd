//! A raw prometheus.yml's `alerting.alertmanagers`: each entry is its own
//! set of Alertmanagers (Prometheus sends every alert to each), judged on its
//! own: per-pod discovery in one does not excuse a lone load-balanced target
//! in another.

use serde_json::json;

use super::targets::{self, Target, TargetsEdit};
use crate::finding::Fix;
use crate::model::prometheus_config::{ConfigRole, PrometheusConfig};
use crate::read::Node;
use crate::rules::Emitter;
use crate::scope::Scope;

const DISCOVER_PER_POD: &str =
    "list every Alertmanager, e.g. kubernetes_sd_configs with role: endpoints on the Alertmanager Service";

/// The names a config's dns_sd_configs look up.
pub(super) fn dns_names<'d>(config: &PrometheusConfig<'d>) -> Vec<&'d str> {
    config
        .alertmanager_entries()
        .iter()
        .flat_map(|entry| entry.get("dns_sd_configs").and_then(Node::as_seq).unwrap_or_default())
        .flat_map(|sd| sd.get("names").and_then(Node::as_seq).unwrap_or_default())
        .filter_map(Node::as_str)
        .collect()
}

pub(super) fn check(scope: &Scope<'_>, config: &PrometheusConfig<'_>, out: &mut Emitter<'_>) {
    // An elector's leader config holds the follower's alerting too: judged there once.
    if config.role == ConfigRole::ElectorFollower {
        return;
    }
    let object = scope.object(config.object);
    let namespace = (!object.standalone_config).then_some(object.namespace.as_str());
    let alerting = config.root.get("alerting").filter(|a| !a.is_null());
    let entries = config.alertmanager_entries();
    if entries.is_empty() {
        if alerting.is_some() {
            out.warn(
                object,
                config.position_of(&["alerting", "alertmanagers"]),
                format!(
                    "{} lists no Alertmanager: alerts fire, and nobody is notified.",
                    config.field("alerting.alertmanagers")
                ),
                DISCOVER_PER_POD,
            );
        } else if let Some(am) = targets::candidates(scope, namespace).first() {
            out.report(
                object,
                config.position_of(&[]),
                format!(
                    "{} has no alerting section although {} is among the checked objects: alerts fire, and nobody is notified.",
                    if config.location.is_empty() {
                        object.display()
                    } else {
                        format!("{} {}", object.display(), config.location)
                    },
                    scope.object(am.object).display()
                ),
                "add alerting.alertmanagers with kubernetes_sd_configs (role: endpoints) selecting the Alertmanager Service",
            );
        }
        return;
    }
    for (i, entry) in entries.iter().enumerate() {
        check_entry(scope, config, namespace, i, entry, out);
    }
}

fn check_entry(
    scope: &Scope<'_>,
    config: &PrometheusConfig<'_>,
    namespace: Option<&str>,
    index: usize,
    entry: &Node,
    out: &mut Emitter<'_>,
) {
    let object = scope.object(config.object);
    let entry_path = format!("alerting.alertmanagers[{index}]");
    let from_namespace = namespace.unwrap_or("default");
    let mut discovers = false;
    let mut statics = Vec::new();
    // For each static target, the index of its static_configs group.
    let mut groups = Vec::new();
    for field in entry.as_map().unwrap_or_default() {
        match field.key.as_str() {
            "kubernetes_sd_configs" => {
                for (j, sd) in field.value.as_seq().unwrap_or_default().iter().enumerate() {
                    discovers = true;
                    let role = sd.get("role").and_then(Node::as_str).unwrap_or_default();
                    if matches!(role, "service" | "ingress") {
                        out.report(
                            object,
                            sd.get("role").unwrap_or(sd).position,
                            format!(
                                "{} is role {role}, which discovers one load-balanced address per {role}: each alert reaches only one Alertmanager, and deduplication across the cluster breaks.",
                                config.field(&format!("{entry_path}.kubernetes_sd_configs[{j}]"))
                            ),
                            {
                                let fix = Fix::text(format!(
                                    "use role: endpoints (or endpointslice) instead of role: {role}, so every Alertmanager pod becomes a target"
                                ));
                                // An ingress's meta labels are not an endpoint's: its relabelling would not carry over.
                                match config.edit_path(&["alerting", "alertmanagers"]) {
                                    Some(path) if role == "service" => fix.set(
                                        path.index(index).key("kubernetes_sd_configs").index(j).key("role"),
                                        json!("endpoints"),
                                    ),
                                    _ => fix,
                                }
                            },
                        );
                    }
                }
            }
            "dns_sd_configs" => {
                for (j, sd) in field.value.as_seq().unwrap_or_default().iter().enumerate() {
                    discovers = true;
                    for name in sd.get("names").and_then(Node::as_seq).unwrap_or_default() {
                        let Some(text) = name.as_str() else { continue };
                        if let Some(service) = targets::load_balanced_service(scope, text, from_namespace) {
                            out.report(
                                object,
                                name.position,
                                format!(
                                    "{} resolves `{text}`, Service {}/{}, which is not headless: DNS answers with its one virtual IP, so each alert reaches one Alertmanager through the load balancer, and deduplication across the cluster breaks.",
                                    config.field(&format!("{entry_path}.dns_sd_configs[{j}]")),
                                    service.0,
                                    service.1
                                ),
                                format!(
                                    "resolve a headless Service that selects the Alertmanager pods (clusterIP: None), or use kubernetes_sd_configs with role: endpoints on Service {}/{}",
                                    service.0, service.1
                                ),
                            );
                        }
                    }
                }
            }
            "static_configs" => {
                for (g, group) in field.value.as_seq().unwrap_or_default().iter().enumerate() {
                    for target in group.get("targets").and_then(Node::as_seq).unwrap_or_default() {
                        if let Some(address) = target.as_str() {
                            statics.push(Target {
                                address,
                                position: target.position,
                            });
                            groups.push(g);
                        }
                    }
                }
            }
            // file_sd, http_sd, consul_sd…: targets promha cannot see.
            key if key.ends_with("_sd_configs") => discovers = true,
            _ => {}
        }
    }
    if discovers {
        return;
    }
    if statics.is_empty() {
        out.warn(
            object,
            entry.position,
            format!(
                "{} has no targets at all: alerts sent there reach nobody.",
                config.field(&entry_path)
            ),
            DISCOVER_PER_POD,
        );
        return;
    }
    for problem in targets::judge_static(scope, namespace, &statics) {
        out.report(
            object,
            problem.position,
            format!(
                "{} {}",
                config.field(&format!("{entry_path} static_configs")),
                problem.message
            ),
            {
                let fix = Fix::text(format!("{} with kubernetes_sd_configs (role: endpoints)", problem.fix));
                let path = config.edit_path(&["alerting", "alertmanagers"]);
                match (problem.edit, path) {
                    (Some(TargetsEdit::Add { addresses, beside }), Some(path)) => fix.append(
                        path.index(index)
                            .key("static_configs")
                            .index(groups[beside])
                            .key("targets"),
                        addresses.into_iter().map(|a| json!(a)).collect(),
                    ),
                    // One group holds them all: its list is replaced.
                    (Some(TargetsEdit::Replace(addresses)), Some(path)) if groups.iter().all(|&g| g == groups[0]) => {
                        fix.set(
                            path.index(index).key("static_configs").index(groups[0]).key("targets"),
                            json!(addresses),
                        )
                    }
                    _ => fix,
                }
            },
        );
    }
}
