//! Thanos: the Query (querier) component, and how Thanos reads addresses.

use super::containers::{Arg, command_line, flag_values, image_name};
use super::object::Object;
use crate::read::{Node, ReadLimits, read_documents};

/// The image name (last repository segment) of every Thanos component.
pub const IMAGE: &str = "thanos";

/// A Thanos Query (querier) deployment.
#[derive(Debug)]
pub struct ThanosQuery<'d> {
    pub object: usize,
    pub container: &'d Node,
    /// `--query.replica-label` values.
    pub replica_labels: Vec<String>,
    /// The StoreAPI endpoints it fans out to (`--endpoint`, `--store`,
    /// `--endpoint-strict`, and `--endpoint.sd-config`'s addresses).
    pub endpoints: Vec<StoreEndpoint<'d>>,
    /// Some endpoints come from files promha cannot see (`--store.sd-files`,
    /// `--endpoint.sd-config-file`).
    pub endpoints_unseen: bool,
    /// `spec.replicas`, as the controller reads it (unset: 1).
    pub replicas: Option<i64>,
    pub replicas_node: Option<&'d Node>,
}

/// A StoreAPI address, as written on the command line.
#[derive(Debug)]
pub struct StoreEndpoint<'d> {
    pub address: String,
    pub node: &'d Node,
}

/// How Thanos looks a StoreAPI address up (docs/service-discovery.md):
/// `dns+host:port` (A/AAAA), `dnssrv+name` and `dnssrvnoa+name` (SRV), or a
/// static address without a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreAddress<'a> {
    /// Every address the name resolves to is an endpoint.
    Discovered(&'a str),
    /// One endpoint: one connection to whatever the name reaches.
    Static(&'a str),
}

pub fn store_address(address: &str) -> StoreAddress<'_> {
    let address = address.trim();
    for prefix in ["dnssrvnoa+", "dnssrv+", "dnsdualstack+", "dns+"] {
        if let Some(rest) = address.strip_prefix(prefix) {
            return StoreAddress::Discovered(super::containers::host_of(rest));
        }
    }
    StoreAddress::Static(super::containers::host_of(address))
}

/// The endpoints of an inline `--endpoint.sd-config` (`endpoints: [{address: …}]`).
fn sd_config_addresses(text: &str) -> Vec<String> {
    let Ok(docs) = read_documents(text, &ReadLimits::default()) else {
        return Vec::new();
    };
    docs.iter()
        .flat_map(|doc| doc.get("endpoints").and_then(Node::as_seq).unwrap_or_default())
        .filter_map(|endpoint| endpoint.get("address").and_then(Node::as_str).map(str::to_string))
        .collect()
}

fn endpoints<'d>(words: &[Arg<'d>]) -> (Vec<StoreEndpoint<'d>>, bool) {
    let mut found = Vec::new();
    for flag in ["--endpoint", "--store", "--endpoint-strict"] {
        for (value, node) in flag_values(words, flag) {
            if !value.is_empty() {
                found.push(StoreEndpoint {
                    address: value.to_string(),
                    node,
                });
            }
        }
    }
    for (value, node) in flag_values(words, "--endpoint.sd-config") {
        found.extend(
            sd_config_addresses(value)
                .into_iter()
                .map(|address| StoreEndpoint { address, node }),
        );
    }
    let unseen = ["--store.sd-files", "--endpoint.sd-config-file", "--endpoint.sd-files"]
        .iter()
        .any(|flag| !flag_values(words, flag).is_empty());
    (found, unseen)
}

impl<'d> ThanosQuery<'d> {
    /// The Thanos Query an object runs, if it is a Deployment or StatefulSet of one.
    pub fn from_object(index: usize, object: &Object<'d>) -> Option<ThanosQuery<'d>> {
        if !object.is_workload_controller() {
            return None;
        }
        object.containers().iter().find_map(|container| {
            let image = container.get("image").and_then(Node::as_str)?;
            if image_name(image) != IMAGE {
                return None;
            }
            let words = command_line(container);
            if !words.iter().any(|w| w.text == "query" || w.text == "querier") {
                return None;
            }
            let replica_labels = flag_values(&words, "--query.replica-label")
                .into_iter()
                // The flag is repeatable and also takes a comma-separated list.
                .flat_map(|(v, _)| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .collect();
            let (endpoints, endpoints_unseen) = endpoints(&words);
            let replicas_node = object.spec().and_then(|s| s.get("replicas")).filter(|n| !n.is_null());
            let replicas = match replicas_node {
                None => Some(1),
                Some(node) => node.as_int32(),
            };
            Some(ThanosQuery {
                object: index,
                container,
                replica_labels,
                endpoints,
                endpoints_unseen,
                replicas,
                replicas_node,
            })
        })
    }
}

/// How Thanos reads an address with a DNS service-discovery prefix
/// (`dns+`, `dnssrv+`, `dnssrvnoa+`; case-insensitive), as Thanos Ruler's
/// `--alertmanagers.url` takes them on a scheme (`dnssrv+http://…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulerUrl {
    /// `dns+http://…`, `dnssrv+https://…`, `dnssrvnoa+http://…`: Thanos resolves every address.
    PerPod,
    /// `dnssrv+_web._tcp…`: the lookup prefix belongs before a scheme, which is missing.
    DnsWithoutScheme,
    /// Anything else: the address it names, one.
    Plain,
}

pub fn ruler_url_kind(url: &str) -> RulerUrl {
    let lower = url.trim().to_ascii_lowercase();
    let Some((prefix, rest)) = lower.split_once('+') else {
        return RulerUrl::Plain;
    };
    if !matches!(prefix, "dns" | "dnssrv" | "dnssrvnoa") {
        return RulerUrl::Plain;
    }
    if rest.contains("://") {
        RulerUrl::PerPod
    } else {
        RulerUrl::DnsWithoutScheme
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_addresses() {
        assert_eq!(
            store_address("dnssrv+_grpc._tcp.prometheus-operated.mon.svc"),
            StoreAddress::Discovered("_grpc._tcp.prometheus-operated.mon.svc")
        );
        assert_eq!(
            store_address("dns+thanos-sidecar.mon.svc:10901"),
            StoreAddress::Discovered("thanos-sidecar.mon.svc")
        );
        assert_eq!(
            store_address("prometheus-k8s-0.prometheus-operated:10901"),
            StoreAddress::Static("prometheus-k8s-0.prometheus-operated")
        );
        assert_eq!(
            sd_config_addresses("endpoints:\n- address: a:10901\n- address: dns+b:10901\n"),
            ["a:10901", "dns+b:10901"]
        );
    }

    #[test]
    fn ruler_url_kinds() {
        assert_eq!(ruler_url_kind("dns+http://am:9093"), RulerUrl::PerPod);
        assert_eq!(ruler_url_kind("dnssrv+https://_web._tcp.am"), RulerUrl::PerPod);
        assert_eq!(ruler_url_kind("DNSSRVNOA+http://_web._tcp.am"), RulerUrl::PerPod);
        assert_eq!(ruler_url_kind("dnssrv+_web._tcp.am"), RulerUrl::DnsWithoutScheme);
        assert_eq!(ruler_url_kind("http://am-0:9093"), RulerUrl::Plain);
        assert_eq!(ruler_url_kind("http://user+x@am:9093"), RulerUrl::Plain);
    }
}
