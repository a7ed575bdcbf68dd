//! Thanos: the Query (querier) component, and how Thanos reads addresses.

use super::containers::{command_line, flag_values, image_name};
use super::object::Object;
use crate::read::Node;

/// The image name (last repository segment) of every Thanos component.
pub const IMAGE: &str = "thanos";

/// A Thanos Query (querier) deployment.
#[derive(Debug)]
pub struct ThanosQuery<'d> {
    pub object: usize,
    pub container: &'d Node,
    /// `--query.replica-label` values.
    pub replica_labels: Vec<String>,
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
            Some(ThanosQuery {
                object: index,
                container,
                replica_labels,
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
    fn ruler_url_kinds() {
        assert_eq!(ruler_url_kind("dns+http://am:9093"), RulerUrl::PerPod);
        assert_eq!(ruler_url_kind("dnssrv+https://_web._tcp.am"), RulerUrl::PerPod);
        assert_eq!(ruler_url_kind("DNSSRVNOA+http://_web._tcp.am"), RulerUrl::PerPod);
        assert_eq!(ruler_url_kind("dnssrv+_web._tcp.am"), RulerUrl::DnsWithoutScheme);
        assert_eq!(ruler_url_kind("http://am-0:9093"), RulerUrl::Plain);
        assert_eq!(ruler_url_kind("http://user+x@am:9093"), RulerUrl::Plain);
    }
}
