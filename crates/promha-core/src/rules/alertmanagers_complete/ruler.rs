//! A Thanos Ruler's `alertmanagersUrl` (`--alertmanagers.url`): DNS
//! discovery prefixes on the scheme resolve every pod of a headless Service;
//! anything else is one address each.

use serde_json::json;

use super::HEADLESS_OPERATOR_SERVICE;
use super::targets::{self, Target, TargetsEdit};
use crate::finding::{FieldPath, Fix};
use crate::model::containers::host_of;
use crate::model::object::Object;
use crate::model::thanos::{RulerUrl, ruler_url_kind};
use crate::model::workload::Workload;
use crate::read::Node;
use crate::rules::Emitter;
use crate::scope::Scope;

/// The `alertmanagersUrl` entries written as strings, with their index in the list.
fn url_nodes<'d>(object: &Object<'d>) -> impl Iterator<Item = (usize, &'d str, &'d Node)> {
    object
        .spec()
        .and_then(|s| s.get("alertmanagersUrl"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, u)| u.as_str().map(|text| (i, text, u)))
}

/// The ruler's `alertmanagersUrl` entries.
pub(super) fn urls<'d>(object: &Object<'d>) -> impl Iterator<Item = &'d str> {
    url_nodes(object).map(|(_, url, _)| url)
}

/// The host a URL with a DNS lookup prefix looks up (`dnssrv+http://_web._tcp.am.mon.svc` → `_web._tcp.am.mon.svc`).
pub(super) fn dns_host(url: &str) -> &str {
    host_of(url.split_once('+').map_or(url, |(_, rest)| rest))
}

pub(super) fn check(scope: &Scope<'_>, workload: &Workload<'_>, out: &mut Emitter<'_>) {
    let object = scope.object(workload.object);
    let spec = object.spec();
    if spec
        .and_then(|s| s.get("alertmanagersConfig"))
        .is_some_and(|n| !n.is_null())
    {
        return; // A Secret promha cannot see.
    }
    let urls: Vec<(usize, &str, &Node)> = url_nodes(object).collect();
    let per_pod_url = format!(
        "dnssrv+http://_web._tcp.{HEADLESS_OPERATOR_SERVICE}.{}.svc.cluster.local",
        object.namespace
    );
    let dns_fix = format!("set spec.alertmanagersUrl: [\"{per_pod_url}\"] so that every Alertmanager pod is resolved");
    // The operator's governing Service exists only for its own Alertmanagers.
    let operator_alertmanager = scope.alertmanagers_in(&object.namespace).any(|am| am.operator);
    let set_urls = || {
        let fix = Fix::text(dns_fix.clone());
        if operator_alertmanager {
            fix.set(FieldPath::keys(&["spec", "alertmanagersUrl"]), json!([per_pod_url]))
        } else {
            fix
        }
    };
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
                set_urls(),
            );
        }
        return;
    }
    let mut plain = Vec::new();
    for &(index, url, node) in &urls {
        match ruler_url_kind(url) {
            RulerUrl::DnsWithoutScheme => {
                let (prefix, rest) = url.trim().split_once('+').unwrap_or(("dnssrv", url));
                let with_scheme = format!("{prefix}+http://{rest}");
                out.report(
                    object,
                    node.position,
                    format!(
                        "spec.alertmanagersUrl entry `{url}` has a DNS lookup prefix but no scheme: Thanos Ruler refuses it (\"empty scheme\") and sends no alerts."
                    ),
                    Fix::text(format!("write the scheme after the lookup prefix: {with_scheme}"))
                        .set(FieldPath::keys(&["spec", "alertmanagersUrl"]).index(index), json!(with_scheme)),
                );
                return;
            }
            RulerUrl::PerPod => {
                if let Some(service) = targets::load_balanced_service(scope, dns_host(url), &object.namespace) {
                    out.report(
                        object,
                        node.position,
                        format!(
                            "spec.alertmanagersUrl entry `{url}` resolves Service {}/{}, which is not headless: DNS answers with its one virtual IP, so each alert reaches one Alertmanager through the load balancer, and deduplication across the cluster breaks.",
                            service.0, service.1
                        ),
                        dns_fix.clone(),
                    );
                }
            }
            RulerUrl::Plain => plain.push(Target {
                address: url,
                position: node.position,
            }),
        }
    }
    // DNS discovery alongside plain URLs reaches every pod already.
    if plain.len() == urls.len() {
        for problem in targets::judge_static(scope, Some(&object.namespace), &plain) {
            let urls = FieldPath::keys(&["spec", "alertmanagersUrl"]);
            let fix = match problem.edit {
                // Every target is a plain URL: `plain` is the whole list, in order.
                Some(TargetsEdit::Add { addresses, .. }) => {
                    Fix::text(format!("add {}, or {dns_fix}", addresses.join(", ")))
                        .append(urls, addresses.iter().map(|a| json!(a)).collect())
                }
                Some(TargetsEdit::Replace(addresses)) => {
                    Fix::text(format!("set spec.alertmanagersUrl: {}, or {dns_fix}", json!(addresses)))
                        .set(urls, json!(addresses))
                }
                None => Fix::text(dns_fix.clone()),
            };
            out.report(
                object,
                problem.position,
                format!("spec.alertmanagersUrl {}", problem.message),
                fix,
            );
        }
    }
}
