//! Services and PodDisruptionBudgets: how pods are reached, and protected.

use super::object::Object;
use super::selector::LabelSelector;
use crate::read::Node;

/// A Service: how Prometheus finds Alertmanagers and how users reach Prometheus.
#[derive(Debug)]
pub struct Service<'d> {
    pub object: usize,
    /// `None` for a Service without a selector (endpoints managed by hand).
    pub selector: Option<LabelSelector>,
    /// `clusterIP: None`: DNS answers with one address per ready pod, not a virtual IP.
    pub headless: bool,
    pub session_affinity: Option<&'d str>,
    /// The `targetPort` of each port: a number or a container port's name.
    pub target_ports: Vec<String>,
}

impl<'d> Service<'d> {
    pub fn from_object(index: usize, object: &Object<'d>) -> Service<'d> {
        let spec = object.spec();
        Service {
            object: index,
            selector: spec
                .and_then(|s| s.get("selector"))
                .filter(|s| s.as_map().is_some_and(|m| !m.is_empty()))
                .map(LabelSelector::from_map),
            headless: spec.and_then(|s| s.get("clusterIP")).and_then(Node::as_str) == Some("None"),
            session_affinity: spec.and_then(|s| s.get("sessionAffinity")).and_then(Node::as_str),
            target_ports: spec
                .and_then(|s| s.get("ports"))
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                // Without targetPort, the port itself is the target.
                .filter_map(|p| {
                    p.get("targetPort")
                        .or_else(|| p.get("port"))
                        .and_then(Node::scalar_text)
                })
                .collect(),
        }
    }
}

/// Selector keys that pick out a single pod of a StatefulSet.
pub const POD_PINNING_KEYS: &[&str] = &["statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index"];

#[derive(Debug)]
pub struct DisruptionBudget {
    pub object: usize,
    /// `None` for a null selector, which selects no pods.
    pub selector: Option<LabelSelector>,
}

impl DisruptionBudget {
    pub fn from_object(index: usize, object: &Object<'_>) -> DisruptionBudget {
        DisruptionBudget {
            object: index,
            selector: object
                .spec()
                .and_then(|s| s.get("selector"))
                .filter(|s| !s.is_null())
                .map(LabelSelector::from_node),
        }
    }
}
