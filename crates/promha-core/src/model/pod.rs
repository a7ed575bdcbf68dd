//! Pods as the cluster reports them (`kubectl get pods -o yaml`): which
//! workload each is a replica of, the node it runs on, and whether it is
//! Ready. (The names and DNS of a StatefulSet's pods, as manifests imply
//! them, are in [`super::pods`].)
//!
//! A pod belongs to its controller, named in `metadata.ownerReferences`: a
//! StatefulSet (the operator's `prometheus-<name>[-shard-N]` and the like,
//! for its resources), or the ReplicaSet a Deployment made, which the
//! Deployment controller names `<deployment>-<pod-template-hash>`
//! (kubernetes pkg/controller/deployment/sync.go, `getNewReplicaSet`). A
//! pod without owner references belongs to each workload whose pod labels
//! it carries, shard by shard.

use std::collections::BTreeMap;

use super::object::Object;
use super::operator::{self, SHARD_LABEL};
use super::selector::POD_TEMPLATE_HASH;
use super::workload::Workload;
use crate::read::Node;

/// Text quoted from a pod's status at most (the scheduler's messages list every node).
const QUOTED_CHARS: usize = 160;

/// The controller that owns a pod, as its owner references name it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Controller {
    StatefulSet(String),
    /// The Deployment whose ReplicaSet owns the pod.
    Deployment(String),
    /// A DaemonSet, a Job, a bare ReplicaSet…: no workload promha checks.
    Other,
}

/// Whether a pod is a Ready replica, as its status says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Why not, as `kubectl describe` would show it, briefly.
    NotReady(String),
    /// Completed (`Succeeded`): no longer a replica.
    Finished,
    /// No status: a Pod manifest, not the cluster's report of one.
    Unreported,
}

#[derive(Debug)]
pub struct Pod<'d> {
    /// Index of its object in the scope.
    pub object: usize,
    pub name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// `None` without owner references.
    pub controller: Option<Controller>,
    /// `spec.nodeName`: set once the scheduler has placed it.
    pub node: Option<&'d str>,
    /// `status.phase`.
    pub phase: Option<&'d str>,
    /// `metadata.deletionTimestamp` is set: it is being shut down.
    pub terminating: bool,
    pub readiness: Readiness,
}

impl<'d> Pod<'d> {
    pub fn from_object(index: usize, object: &Object<'d>) -> Option<Pod<'d>> {
        if !object.is("", "Pod") {
            return None;
        }
        let metadata = object.metadata();
        let mut labels = BTreeMap::new();
        for entry in metadata
            .and_then(|m| m.get("labels"))
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            if let Some(value) = entry.value.scalar_text() {
                labels.insert(entry.key.clone(), value);
            }
        }
        let controller = metadata
            .and_then(|m| m.get("ownerReferences"))
            .and_then(Node::as_seq)
            .filter(|owners| !owners.is_empty())
            .map(|owners| controller_of(owners, &labels));
        let node = object
            .spec()
            .and_then(|s| s.get("nodeName"))
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty());
        let status = object.root.get("status").filter(|s| s.as_map().is_some());
        let phase = status.and_then(|s| s.get("phase")).and_then(Node::as_str);
        let terminating = metadata
            .and_then(|m| m.get("deletionTimestamp"))
            .is_some_and(|t| !t.is_null());
        Some(Pod {
            object: index,
            name: object.name.clone(),
            namespace: object.namespace.clone(),
            labels,
            controller,
            node,
            phase,
            terminating,
            readiness: status.map_or(Readiness::Unreported, |s| readiness(s, phase, node)),
        })
    }

    /// The node it holds a place on as a running replica: none while it is
    /// terminating, before it is scheduled, and once it has finished.
    pub fn placed_on(&self) -> Option<&'d str> {
        if self.terminating || matches!(self.phase, Some("Succeeded" | "Failed")) {
            return None;
        }
        self.node
    }

    /// Which shard of the workload it is a replica of, judged by its labels
    /// (for a pod without owner references): it must carry every label the
    /// workload's pods carry, and the operator's shard label names the shard.
    pub fn shard_by_labels(&self, workload: &Workload<'_>) -> Option<i64> {
        if workload.daemonset {
            return None;
        }
        let carries_all = workload
            .base_labels
            .labels
            .iter()
            .all(|(key, value)| self.labels.get(key) == Some(value));
        if !carries_all || workload.base_labels.labels.is_empty() {
            return None;
        }
        if !(workload.operator && workload.app.is_sharded()) {
            return Some(0);
        }
        self.labels
            .get(SHARD_LABEL)
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|shard| (0..workload.shards).contains(shard))
    }
}

/// The controlling owner (`controller: true`; else the first named).
fn controller_of(owners: &[Node], labels: &BTreeMap<String, String>) -> Controller {
    let owner = owners
        .iter()
        .find(|o| o.get("controller").and_then(Node::as_bool) == Some(true))
        .unwrap_or(&owners[0]);
    let kind = owner.get("kind").and_then(Node::as_str);
    let name = owner.get("name").and_then(Node::as_str).unwrap_or_default();
    let group = owner
        .get("apiVersion")
        .and_then(Node::as_str)
        .and_then(|v| v.rsplit_once('/'))
        .map(|(group, _)| group);
    if group != Some("apps") || name.is_empty() {
        return Controller::Other;
    }
    match kind {
        Some("StatefulSet") => Controller::StatefulSet(name.to_string()),
        Some("ReplicaSet") => {
            let by_hash = labels
                .get(POD_TEMPLATE_HASH)
                .and_then(|hash| name.strip_suffix(hash.as_str()))
                .and_then(|rest| rest.strip_suffix('-'));
            match by_hash.or_else(|| name.rsplit_once('-').map(|(deployment, _)| deployment)) {
                Some(deployment) if !deployment.is_empty() => Controller::Deployment(deployment.to_string()),
                _ => Controller::Other,
            }
        }
        _ => Controller::Other,
    }
}

/// Readiness from `status`: the phase, then the `Ready` condition, with the
/// reason a person would look for first.
fn readiness(status: &Node, phase: Option<&str>, node: Option<&str>) -> Readiness {
    let condition = |kind: &str| {
        status
            .get("conditions")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .find(|c| c.get("type").and_then(Node::as_str) == Some(kind))
    };
    match phase {
        Some("Succeeded") => Readiness::Finished,
        Some("Failed") => {
            let reason = said(Some(status), "reason").or_else(|| said(Some(status), "message"));
            Readiness::NotReady(match reason {
                Some(reason) => format!("Failed ({})", quoted(reason)),
                None => "Failed".to_string(),
            })
        }
        Some("Pending") if node.is_none() => {
            let scheduled = condition("PodScheduled");
            Readiness::NotReady(match said(scheduled, "message").or_else(|| said(scheduled, "reason")) {
                Some(why) => format!("Pending, not scheduled ({})", quoted(why)),
                None => "Pending, not scheduled".to_string(),
            })
        }
        Some("Pending") => Readiness::NotReady(match container_waiting(status) {
            Some(why) => format!("Pending on node {} ({why})", node.unwrap_or_default()),
            None => format!("Pending on node {}", node.unwrap_or_default()),
        }),
        Some("Unknown") => Readiness::NotReady("in phase Unknown (its node stopped reporting)".to_string()),
        _ => {
            let ready = condition("Ready");
            if said(ready, "status") == Some("True") {
                return Readiness::Ready;
            }
            let why = container_waiting(status)
                .or_else(|| said(ready, "message").or_else(|| said(ready, "reason")).map(quoted));
            let running = phase.unwrap_or("Running");
            Readiness::NotReady(match why {
                Some(why) => format!("{running} but not Ready ({why})"),
                None => format!("{running} but not Ready"),
            })
        }
    }
}

/// A non-empty string field of a status or condition.
fn said<'n>(node: Option<&'n Node>, field: &str) -> Option<&'n str> {
    node.and_then(|n| n.get(field))
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
}

/// The first container that waits or is not ready, and why (`container
/// prometheus: CrashLoopBackOff`).
fn container_waiting(status: &Node) -> Option<String> {
    let statuses = ["initContainerStatuses", "containerStatuses"]
        .iter()
        .flat_map(|key| status.get(key).and_then(Node::as_seq).unwrap_or_default());
    for container in statuses {
        let name = container.get("name").and_then(Node::as_str).unwrap_or("?");
        if let Some(reason) = container
            .path(&["state", "waiting", "reason"])
            .and_then(Node::as_str)
            .filter(|r| !r.is_empty())
        {
            return Some(format!("container {name}: {}", quoted(reason)));
        }
        if container.get("ready").and_then(Node::as_bool) == Some(false)
            && container.path(&["state", "running"]).is_some()
        {
            return Some(format!("container {name} runs, but its readiness probe fails"));
        }
    }
    None
}

/// Status text, shortened for a message.
fn quoted(text: &str) -> String {
    let text = text.trim().trim_end_matches('.');
    let shown: String = text.chars().take(QUOTED_CHARS).collect();
    if shown.len() < text.len() {
        format!("{shown}…")
    } else {
        shown
    }
}

/// The controllers that own a workload's pods, with the shard each runs:
/// the operator's StatefulSets per shard, or the workload itself.
pub fn controllers_of(workload: &Workload<'_>, object: &Object<'_>) -> Vec<(Controller, i64)> {
    if workload.daemonset {
        return Vec::new();
    }
    if workload.operator {
        return (0..workload.shards)
            .map(|shard| {
                let set = operator::statefulset_name(workload.app, &object.name, shard);
                (Controller::StatefulSet(set), shard)
            })
            .collect();
    }
    match object.kind {
        "StatefulSet" => vec![(Controller::StatefulSet(object.name.clone()), 0)],
        "Deployment" => vec![(Controller::Deployment(object.name.clone()), 0)],
        _ => Vec::new(),
    }
}

/// Labels every pod of the workload carries and that pick out its pods:
/// a label selector for looking them up. The identifying labels (the
/// operator's, or the workload's own selector) that its pod labels hold;
/// the API server requires a controller's pods to carry its selector's.
pub fn lookup_labels(workload: &Workload<'_>, object: &Object<'_>) -> Vec<(String, String)> {
    workload
        .identifying_labels(object)
        .into_iter()
        .filter(|(key, value)| workload.base_labels.labels.get(key) == Some(value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{Document, ReadLimits, read_text};

    fn docs(yaml: &str) -> Vec<Document> {
        read_text("t.yaml", yaml, &ReadLimits::default()).unwrap()
    }

    /// What a pod written as `yaml` says: its controller, its node as a replica, its readiness.
    fn pod(yaml: &str) -> (Controller, Option<String>, Readiness) {
        let docs = docs(yaml);
        let object = Object::identify(0, &docs[0]).unwrap();
        let pod = Pod::from_object(0, &object).unwrap();
        (
            pod.controller.clone().unwrap_or(Controller::Other),
            pod.placed_on().map(str::to_string),
            pod.readiness,
        )
    }

    const HEAD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: mon\n";

    #[test]
    fn owners_name_the_controller() {
        let sts = format!(
            "{HEAD}  ownerReferences: [{{apiVersion: apps/v1, kind: StatefulSet, name: prometheus-k8s, controller: true}}]\nspec: {{nodeName: n1}}\n"
        );
        assert_eq!(pod(&sts).0, Controller::StatefulSet("prometheus-k8s".into()));
        let rs = format!(
            "{HEAD}  labels: {{pod-template-hash: 7d4b9c}}\n  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: am-web-7d4b9c, controller: true}}]\n"
        );
        assert_eq!(pod(&rs).0, Controller::Deployment("am-web".into()));
        let rs_without_hash = rs.replace("labels: {pod-template-hash: 7d4b9c}", "labels: {}");
        assert_eq!(pod(&rs_without_hash).0, Controller::Deployment("am-web".into()));
        let daemonset = sts.replace("StatefulSet", "DaemonSet");
        assert_eq!(pod(&daemonset).0, Controller::Other);
        let not_controller = format!(
            "{HEAD}  ownerReferences:\n  - {{apiVersion: v1, kind: Node, name: n1}}\n  - {{apiVersion: apps/v1, kind: StatefulSet, name: am, controller: true}}\n"
        );
        assert_eq!(pod(&not_controller).0, Controller::StatefulSet("am".into()));
        // A StatefulSet of another API group (OpenKruise's, say) is not the apps one.
        let other_group = sts.replace("apps/v1", "apps.kruise.io/v1beta1");
        assert_eq!(pod(&other_group).0, Controller::Other);
        let unnamed = sts.replace("name: prometheus-k8s", "name: ''");
        assert_eq!(pod(&unnamed).0, Controller::Other);
    }

    /// Only a Pod is read as a pod, not a workload with the same fields.
    #[test]
    fn only_pods_are_pods() {
        let workload =
            docs("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: p, namespace: mon}\nspec: {nodeName: n1}\n");
        let object = Object::identify(0, &workload[0]).unwrap();
        assert!(Pod::from_object(0, &object).is_none());
        let other_group = docs("apiVersion: example.com/v1\nkind: Pod\nmetadata: {name: p, namespace: mon}\n");
        let object = Object::identify(0, &other_group[0]).unwrap();
        assert!(Pod::from_object(0, &object).is_none(), "a Pod of another API group");
    }

    #[test]
    fn placement_ignores_terminating_unscheduled_and_finished_pods() {
        let running = format!("{HEAD}spec: {{nodeName: n1}}\nstatus: {{phase: Running}}\n");
        assert_eq!(pod(&running).1.as_deref(), Some("n1"));
        let terminating = running.replace(
            "namespace: mon",
            "namespace: mon\n  deletionTimestamp: '2025-01-01T00:00:00Z'",
        );
        assert_eq!(pod(&terminating).1, None);
        assert_eq!(pod(&running.replace("Running", "Succeeded")).1, None);
        assert_eq!(pod(&running.replace("Running", "Failed")).1, None);
        assert_eq!(pod(&format!("{HEAD}spec: {{}}\nstatus: {{phase: Pending}}\n")).1, None);
    }

    #[test]
    fn readiness_says_why_not() {
        let ready = format!(
            "{HEAD}spec: {{nodeName: n1}}\nstatus:\n  phase: Running\n  conditions: [{{type: Ready, status: 'True'}}]\n"
        );
        assert_eq!(pod(&ready).2, Readiness::Ready);
        let crashing = format!(
            "{HEAD}spec: {{nodeName: n1}}\nstatus:\n  phase: Running\n  conditions: [{{type: Ready, status: 'False', reason: ContainersNotReady}}]\n  containerStatuses: [{{name: prometheus, ready: false, state: {{waiting: {{reason: CrashLoopBackOff}}}}}}]\n"
        );
        assert_eq!(
            pod(&crashing).2,
            Readiness::NotReady("Running but not Ready (container prometheus: CrashLoopBackOff)".into())
        );
        let unschedulable = format!(
            "{HEAD}spec: {{}}\nstatus:\n  phase: Pending\n  conditions: [{{type: PodScheduled, status: 'False', reason: Unschedulable, message: '0/3 nodes are available'}}]\n"
        );
        assert_eq!(
            pod(&unschedulable).2,
            Readiness::NotReady("Pending, not scheduled (0/3 nodes are available)".into())
        );
        let evicted = format!("{HEAD}status: {{phase: Failed, reason: Evicted}}\n");
        assert_eq!(pod(&evicted).2, Readiness::NotReady("Failed (Evicted)".into()));
        assert_eq!(
            pod(&format!("{HEAD}status: {{phase: Succeeded}}\n")).2,
            Readiness::Finished
        );
        assert_eq!(pod(HEAD).2, Readiness::Unreported);
        let long = format!("{HEAD}status: {{phase: Failed, reason: {}}}\n", "x".repeat(500));
        let Readiness::NotReady(why) = pod(&long).2 else {
            panic!()
        };
        assert!(why.chars().count() < 200, "{why}");
    }
}
