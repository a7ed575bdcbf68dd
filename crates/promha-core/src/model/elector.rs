//! prometheus-elector (jlevesy/prometheus-elector): active-passive
//! Prometheus. Its config file holds a `follower` section, a Prometheus
//! config every replica runs, and an optional `leader` section merged over it
//! on the elected replica (`config/config.go`, `config/reconcile.go`:
//! `mergo.Merge(&follower, leader, WithOverride, WithAppendSlice)` — maps
//! merged key by key, leader scalars (null too) replace the follower's,
//! lists appended, follower items first). The elector runs as a sidecar
//! (image `prometheus-elector`) beside Prometheus in a StatefulSet.

use super::containers::{command_line, flag_values, image_name};
use super::object::Object;
use crate::read::{Entry, Node, Value};

/// The elector sidecar of a workload, as its flags set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sidecar {
    /// The API (and leader proxy) port, and its container port name if declared.
    pub api_port: u16,
    pub api_port_name: Option<String>,
    pub lease_duration: String,
}

/// The elector sidecar among a workload's containers.
pub fn sidecar(object: &Object<'_>) -> Option<Sidecar> {
    let container = object.containers().iter().find(|c| {
        c.get("image")
            .and_then(Node::as_str)
            .is_some_and(|image| image_name(image) == IMAGE)
    })?;
    let words = command_line(container);
    let flag = |name: &str| {
        flag_values(&words, name)
            .into_iter()
            .chain(flag_values(&words, &format!("-{name}")))
            .map(|(v, _)| v.to_string())
            .next()
    };
    let api_port = flag("-api-listen-address")
        .and_then(|address| address.rsplit(':').next().and_then(|p| p.parse().ok()))
        .unwrap_or(DEFAULT_API_PORT);
    let api_port_name = container
        .get("ports")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .find(|p| p.get("containerPort").and_then(Node::as_whole_number) == Some(i64::from(api_port)))
        .and_then(|p| p.get("name").and_then(Node::as_str))
        .map(str::to_string);
    Some(Sidecar {
        api_port,
        api_port_name,
        lease_duration: flag("-lease-duration").unwrap_or_else(|| DEFAULT_LEASE_DURATION.to_string()),
    })
}

/// The image name of the elector sidecar.
pub const IMAGE: &str = "prometheus-elector";

/// The API (and leader proxy) port when `-api-listen-address` is not given
/// (`cmd/config.go`).
pub const DEFAULT_API_PORT: u16 = 9095;

/// `-lease-duration`'s default in the elector's code (its README says 15s;
/// the code wins): how long a crashed leader's lease blocks a successor.
pub const DEFAULT_LEASE_DURATION: &str = "10s";

/// The `follower` and `leader` sections of an elector config: a map with
/// `follower` (a map) and optionally `leader`, and no other key (the elector
/// reads it with `yaml.UnmarshalStrict`).
pub fn sections(root: &Node) -> Option<(&Node, Option<&Node>)> {
    let entries = root.as_map()?;
    if !entries.iter().all(|e| matches!(e.key.as_str(), "follower" | "leader")) {
        return None;
    }
    let follower = root.get("follower").filter(|f| f.as_map().is_some())?;
    let leader = root.get("leader").filter(|l| !l.is_null());
    Some((follower, leader))
}

/// The config the elected replica runs: `leader` merged over `follower`.
pub fn leader_config(follower: &Node, leader: Option<&Node>) -> Node {
    match leader {
        Some(leader) => merge(follower, leader),
        None => follower.clone(),
    }
}

fn merge(follower: &Node, leader: &Node) -> Node {
    match (&follower.value, &leader.value) {
        (Value::Map(base), Value::Map(over)) => {
            let mut entries: Vec<Entry> = base.clone();
            for entry in over {
                match entries.iter_mut().find(|e| e.key == entry.key) {
                    Some(existing) => existing.value = merge(&existing.value, &entry.value),
                    None => entries.push(entry.clone()),
                }
            }
            Node {
                value: Value::Map(entries),
                ..follower.clone()
            }
        }
        (Value::Seq(base), Value::Seq(over)) => Node {
            value: Value::Seq(base.iter().chain(over).cloned().collect()),
            ..follower.clone()
        },
        // Leader scalars (and nulls) override; a leader map over a follower scalar too.
        _ => leader.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{ReadLimits, read_documents};

    fn node(yaml: &str) -> Node {
        read_documents(yaml, &ReadLimits::default()).unwrap().remove(0)
    }

    #[test]
    fn sections_are_follower_and_leader_only() {
        assert!(sections(&node("follower: {scrape_configs: []}\nleader: {remote_write: []}\n")).is_some());
        assert!(sections(&node("follower: {scrape_configs: []}\n")).is_some());
        assert!(
            sections(&node("leader: {remote_write: []}\n")).is_none(),
            "follower is required"
        );
        assert!(
            sections(&node("follower: {}\nglobal: {}\n")).is_none(),
            "UnmarshalStrict refuses other keys"
        );
    }

    /// The elector's own test data, config/testdata/config.yaml → leader_result.yaml,
    /// rewritten: jobs appended after the follower's, remote_write added.
    #[test]
    fn the_leader_config_is_merged_as_mergo_does() {
        let config = node(
            "follower:\n  global: {scrape_interval: 15s, external_labels: {a: f}}\n  scrape_configs: [{job_name: one}, {job_name: two}]\nleader:\n  global: {scrape_interval: 5s, external_labels: {b: l}}\n  scrape_configs: [{job_name: three}]\n  remote_write: [{url: http://remote}]\n",
        );
        let (follower, leader) = sections(&config).unwrap();
        let merged = leader_config(follower, leader).to_json();
        assert_eq!(
            merged,
            serde_json::json!({
                "global": {"scrape_interval": "5s", "external_labels": {"a": "f", "b": "l"}},
                "scrape_configs": [{"job_name": "one"}, {"job_name": "two"}, {"job_name": "three"}],
                "remote_write": [{"url": "http://remote"}]
            })
        );
        let nulled = node("follower: {alerting: {alertmanagers: [{static_configs: []}]}}\nleader: {alerting: null}\n");
        let (follower, leader) = sections(&nulled).unwrap();
        assert_eq!(
            leader_config(follower, leader).to_json(),
            serde_json::json!({"alerting": null})
        );
    }
}
