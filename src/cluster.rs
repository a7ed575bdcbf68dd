//! Kubewarden host capabilities: listing related objects in the cluster.

use kubewarden_policy_sdk::host_capabilities::kubernetes::ListResourcesByNamespaceRequest;
use promha_core::admission::Lookup;
use promha_core::{Node, node_from_json_slice};

/// Where related objects come from: the cluster in production, a fixed set in tests.
pub trait Cluster {
    /// The objects of a lookup's kind in its namespace (those its label
    /// selector picks), or why they could not be listed.
    fn list(&self, lookup: &Lookup) -> Result<Vec<Node>, String>;
}

/// The PolicyServer, through waPC host calls. Kubewarden allows them only for
/// the kinds listed in metadata.yml's contextAwareResources.
pub struct HostCluster;

impl Cluster for HostCluster {
    fn list(&self, lookup: &Lookup) -> Result<Vec<Node>, String> {
        let request = ListResourcesByNamespaceRequest {
            api_version: lookup.api_version.to_string(),
            kind: lookup.kind.to_string(),
            namespace: lookup.namespace.clone(),
            // Narrows big lists (a namespace's Pods) to the admitted workload's.
            label_selector: lookup.label_selector.clone(),
            field_selector: None,
            field_masks: None,
        };
        let payload = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
        // The SDK's typed helper needs a k8s-openapi type; these are custom
        // resources, so the list is read as plain JSON.
        let answer = wapc_guest::host_call("kubewarden", "kubernetes", "list_resources_by_namespace", &payload)
            .map_err(|e| e.to_string())?;
        items_of(&answer)
    }
}

/// The `items` of a Kubernetes List answer, read straight into documents' trees.
pub fn items_of(answer: &[u8]) -> Result<Vec<Node>, String> {
    let mut list = node_from_json_slice(answer).map_err(|e| format!("unreadable list answer: {e}"))?;
    match list.take("items") {
        Some(items) => match items.into_seq() {
            Ok(items) => Ok(items),
            Err(items) if items.is_null() => Ok(Vec::new()),
            Err(_) => Err("list answer's items is not a list".to_string()),
        },
        None => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_answers() {
        assert_eq!(items_of(br#"{"kind":"List","items":[{"a":1}]}"#).unwrap().len(), 1);
        assert!(items_of(br#"{"kind":"List","items":null}"#).unwrap().is_empty());
        assert!(items_of(b"not json").unwrap_err().contains("unreadable"));
        assert!(items_of(br#"{"items":5}"#).is_err());
    }
}
