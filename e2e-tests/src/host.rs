//! The host side of waPC `host_call`s, answering like policy-server.
//!
//! Supported calls (binding, namespace, operation):
//! - `kubewarden`/`kubernetes`/`list_resources_by_namespace`,
//!   `list_resources_all`, `get_resource`: answered from a [`ClusterState`].
//! - `kubewarden`/`kubernetes`/`can_i`: always answered *allowed*
//!   (`{"allowed": true, ...}`); the harness has no RBAC model.
//! - `kubewarden`/`tracing`/`log` and `kubewarden`/`log`/`*`: the SDK's logging;
//!   accepted and ignored (printed to stderr when verbose).
//!
//! Anything else is answered with a host error, as policy-server does for
//! capabilities it does not know.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use anyhow::{Result, anyhow, bail};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::cluster::{ClusterState, apply_field_masks, is_cluster_scoped, list_json};
use crate::metadata::PolicyMetadata;
use crate::selector::{FieldSelector, LabelSelector};

/// One host call made by the guest, for inspection by tests.
#[derive(Debug, Clone, PartialEq)]
pub struct HostCall {
    pub binding: String,
    pub namespace: String,
    pub operation: String,
    /// The request payload, parsed as JSON when possible (else a string).
    pub payload: Value,
    /// `Ok(answer)` or `Err(host error message)`.
    pub result: Result<Value, String>,
}

/// Everything a host call may consult during one evaluation.
#[derive(Debug)]
pub struct HostContext {
    pub cluster: Arc<ClusterState>,
    pub metadata: Option<Arc<PolicyMetadata>>,
    pub fail_lookups: bool,
    pub verbose: bool,
    /// Whether [`HostContext::calls`] records anything.
    pub record_calls: bool,
    calls: Mutex<Vec<HostCall>>,
}

#[derive(Deserialize)]
struct ListByNamespaceRequest {
    api_version: String,
    kind: String,
    namespace: String,
    label_selector: Option<String>,
    field_selector: Option<String>,
    field_masks: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct ListAllRequest {
    api_version: String,
    kind: String,
    label_selector: Option<String>,
    field_selector: Option<String>,
    field_masks: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct GetRequest {
    api_version: String,
    kind: String,
    name: String,
    namespace: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    disable_cache: bool,
    field_masks: Option<Vec<String>>,
}

impl HostContext {
    pub fn new(
        cluster: Arc<ClusterState>,
        metadata: Option<Arc<PolicyMetadata>>,
        fail_lookups: bool,
        verbose: bool,
    ) -> Self {
        Self {
            cluster,
            metadata,
            fail_lookups,
            verbose,
            record_calls: true,
            calls: Mutex::new(Vec::new()),
        }
    }

    /// The host calls made so far.
    pub fn calls(&self) -> Vec<HostCall> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// The host calls made so far, forgotten here.
    pub fn take_calls(&self) -> Vec<HostCall> {
        self.calls
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }

    /// Handle one `host_call`. The error string becomes the guest-visible host
    /// error.
    pub fn handle(&self, binding: &str, namespace: &str, operation: &str, payload: &[u8]) -> Result<Vec<u8>, String> {
        let result = self.dispatch(binding, namespace, operation, payload);
        let logged = matches!((binding, namespace), ("kubewarden", "tracing" | "log"));
        if self.verbose && !logged {
            match &result {
                Ok(v) => eprintln!(
                    "[kwrun] host_call {binding}/{namespace}/{operation} {} -> {} bytes",
                    String::from_utf8_lossy(payload),
                    v.to_string().len()
                ),
                Err(e) => eprintln!(
                    "[kwrun] host_call {binding}/{namespace}/{operation} {} -> error: {e:#}",
                    String::from_utf8_lossy(payload)
                ),
            }
        }
        if self.record_calls {
            let record = HostCall {
                binding: binding.to_owned(),
                namespace: namespace.to_owned(),
                operation: operation.to_owned(),
                payload: serde_json::from_slice(payload)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(payload).into_owned())),
                result: result.as_ref().map(Clone::clone).map_err(|e| format!("{e:#}")),
            };
            if let Ok(mut calls) = self.calls.lock() {
                calls.push(record);
            }
        }
        match result {
            Ok(Value::Null) if logged => Ok(Vec::new()),
            Ok(v) => serde_json::to_vec(&v).map_err(|e| e.to_string()),
            // policy-evaluator (policy-server's and kwctl's runtime) hands the
            // guest a failed callback's error with this prefix; the record
            // keeps the bare message, as a kwctl session file does.
            Err(e) if !logged => Err(format!("Callback evaluation failure: {e:#}")),
            Err(e) => Err(format!("{e:#}")),
        }
    }

    fn dispatch(&self, binding: &str, namespace: &str, operation: &str, payload: &[u8]) -> Result<Value> {
        match (binding, namespace) {
            ("kubewarden", "tracing" | "log") => {
                if self.verbose {
                    eprintln!("[policy] {}", String::from_utf8_lossy(payload));
                }
                Ok(Value::Null)
            }
            ("kubewarden", "kubernetes") => self.kubernetes(operation, payload),
            _ => bail!("unknown host capability {binding}/{namespace}/{operation}"),
        }
    }

    fn check_lookup(&self, api_version: &str, kind: &str) -> Result<()> {
        if let Some(meta) = &self.metadata
            && !meta.allows(api_version, kind)
        {
            bail!(
                "the policy has not been granted access to Kubernetes resource {api_version}/{kind}: \
                 add it to contextAwareResources in the policy metadata"
            );
        }
        if self.fail_lookups || self.cluster.fail_lookups() {
            bail!(
                "cannot look up {api_version}/{kind}: the Kubernetes API server is unreachable \
                 (lookups made to fail by the e2e harness)"
            );
        }
        Ok(())
    }

    fn kubernetes(&self, operation: &str, payload: &[u8]) -> Result<Value> {
        match operation {
            "list_resources_by_namespace" => {
                let req: ListByNamespaceRequest = parse_payload(operation, payload)?;
                self.check_lookup(&req.api_version, &req.kind)?;
                if is_cluster_scoped(&req.api_version, &req.kind) {
                    bail!(
                        "resource {}/{} is cluster wide. Cannot search for it inside of a namespace",
                        req.api_version,
                        req.kind
                    );
                }
                self.list(
                    &req.api_version,
                    &req.kind,
                    Some(&req.namespace),
                    req.label_selector.as_deref(),
                    req.field_selector.as_deref(),
                    req.field_masks.as_deref(),
                )
            }
            "list_resources_all" => {
                let req: ListAllRequest = parse_payload(operation, payload)?;
                self.check_lookup(&req.api_version, &req.kind)?;
                self.list(
                    &req.api_version,
                    &req.kind,
                    None,
                    req.label_selector.as_deref(),
                    req.field_selector.as_deref(),
                    req.field_masks.as_deref(),
                )
            }
            "get_resource" => {
                let req: GetRequest = parse_payload(operation, payload)?;
                self.check_lookup(&req.api_version, &req.kind)?;
                let scoped = is_cluster_scoped(&req.api_version, &req.kind);
                if !scoped && req.namespace.is_none() {
                    bail!(
                        "Resource {}/{} is namespaced, but no namespace was provided",
                        req.api_version,
                        req.kind
                    );
                }
                let object = self
                    .cluster
                    .get(&req.api_version, &req.kind, &req.name, req.namespace.as_deref())
                    .ok_or_else(|| {
                        anyhow!(
                            "Cannot find {}/{} named '{}' inside of namespace '{:?}'",
                            req.api_version,
                            req.kind,
                            req.name,
                            req.namespace
                        )
                    })?;
                Ok(match &req.field_masks {
                    Some(masks) => apply_field_masks(object, masks),
                    None => object.clone(),
                })
            }
            "can_i" => {
                // The harness has no RBAC model: every SubjectAccessReview is allowed.
                let _: Value = parse_payload(operation, payload)?;
                if self.fail_lookups || self.cluster.fail_lookups() {
                    bail!("cannot evaluate can_i: the Kubernetes API server is unreachable");
                }
                Ok(json!({"allowed": true, "reason": "e2e harness allows everything"}))
            }
            other => bail!("unknown host capability kubewarden/kubernetes/{other}"),
        }
    }

    fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        label_selector: Option<&str>,
        field_selector: Option<&str>,
        field_masks: Option<&[String]>,
    ) -> Result<Value> {
        let labels = label_selector
            .filter(|s| !s.trim().is_empty())
            .map(LabelSelector::parse)
            .transpose()?;
        let fields = field_selector
            .filter(|s| !s.trim().is_empty())
            .map(FieldSelector::parse)
            .transpose()?;
        let items = self
            .cluster
            .list(api_version, kind, namespace, labels.as_ref(), fields.as_ref())
            .into_iter()
            .map(|o| match field_masks {
                Some(masks) => apply_field_masks(o, masks),
                None => o.clone(),
            })
            .collect();
        Ok(list_json(api_version, kind, items))
    }
}

fn parse_payload<T: for<'de> Deserialize<'de>>(operation: &str, payload: &[u8]) -> Result<T> {
    serde_json::from_slice(payload).map_err(|e| anyhow!("invalid {operation} request: {e}"))
}

/// The `(apiVersion, kind)` pairs of the Kubernetes lookups among `calls`.
pub fn looked_up_resources(calls: &[HostCall]) -> BTreeSet<(String, String)> {
    calls
        .iter()
        .filter(|c| c.binding == "kubewarden" && c.namespace == "kubernetes")
        .filter_map(|c| {
            Some((
                c.payload.get("api_version")?.as_str()?.to_owned(),
                c.payload.get("kind")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Arc<ClusterState> {
        Arc::new(
            ClusterState::from_yaml_str(
                r#"
apiVersion: v1
kind: Service
metadata: {name: prom, namespace: monitoring, labels: {app: prometheus}}
---
apiVersion: v1
kind: Service
metadata: {name: am, namespace: monitoring, labels: {app: alertmanager}}
---
apiVersion: v1
kind: Namespace
metadata: {name: monitoring, labels: {team: obs}}
"#,
            )
            .unwrap(),
        )
    }

    fn call(ctx: &HostContext, op: &str, payload: Value) -> Result<Value, String> {
        ctx.handle("kubewarden", "kubernetes", op, &serde_json::to_vec(&payload).unwrap())
            .map(|bytes| serde_json::from_slice(&bytes).unwrap())
    }

    fn item_names(list: &Value) -> Vec<&str> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn lists_by_namespace_with_selector() {
        let ctx = HostContext::new(cluster(), None, false, false);
        let list = call(
            &ctx,
            "list_resources_by_namespace",
            json!({"api_version": "v1", "kind": "Service", "namespace": "monitoring",
                   "label_selector": "app=prometheus", "field_selector": null}),
        )
        .unwrap();
        assert_eq!(list["kind"], "ServiceList");
        assert_eq!(list["apiVersion"], "v1");
        assert_eq!(item_names(&list), ["prom"]);

        let all = call(
            &ctx,
            "list_resources_by_namespace",
            json!({"api_version": "v1", "kind": "Service", "namespace": "monitoring"}),
        )
        .unwrap();
        assert_eq!(item_names(&all), ["prom", "am"]);

        let none = call(
            &ctx,
            "list_resources_by_namespace",
            json!({"api_version": "v1", "kind": "Service", "namespace": "default"}),
        )
        .unwrap();
        assert!(item_names(&none).is_empty());

        let err = call(
            &ctx,
            "list_resources_by_namespace",
            json!({"api_version": "v1", "kind": "Namespace", "namespace": "default"}),
        )
        .unwrap_err();
        assert!(err.contains("cluster wide"), "{err}");
        assert_eq!(ctx.calls().len(), 4);
    }

    #[test]
    fn lists_all_and_gets() {
        let ctx = HostContext::new(cluster(), None, false, false);
        let ns = call(
            &ctx,
            "list_resources_all",
            json!({"api_version": "v1", "kind": "Namespace", "label_selector": "team"}),
        )
        .unwrap();
        assert_eq!(item_names(&ns), ["monitoring"]);

        let svc = call(
            &ctx,
            "get_resource",
            json!({"api_version": "v1", "kind": "Service", "name": "am",
                   "namespace": "monitoring", "disable_cache": false}),
        )
        .unwrap();
        assert_eq!(svc["metadata"]["labels"]["app"], "alertmanager");

        let err = call(
            &ctx,
            "get_resource",
            json!({"api_version": "v1", "kind": "Service", "name": "nope",
                   "namespace": "monitoring", "disable_cache": true}),
        )
        .unwrap_err();
        assert!(err.contains("Cannot find v1/Service named 'nope'"), "{err}");

        let err = call(
            &ctx,
            "get_resource",
            json!({"api_version": "v1", "kind": "Service", "name": "am", "disable_cache": true}),
        )
        .unwrap_err();
        assert!(err.contains("no namespace was provided"), "{err}");

        let ns = call(
            &ctx,
            "get_resource",
            json!({"api_version": "v1", "kind": "Namespace", "name": "monitoring", "disable_cache": false}),
        )
        .unwrap();
        assert_eq!(ns["metadata"]["name"], "monitoring");
    }

    #[test]
    fn refuses_resources_missing_from_metadata() {
        let meta =
            PolicyMetadata::from_yaml_str("contextAwareResources:\n- {apiVersion: v1, kind: Service}\n").unwrap();
        let ctx = HostContext::new(cluster(), Some(Arc::new(meta)), false, false);
        let ok = call(
            &ctx,
            "list_resources_all",
            json!({"api_version": "v1", "kind": "Service"}),
        );
        assert_eq!(item_names(&ok.unwrap()).len(), 2);
        let err = call(
            &ctx,
            "list_resources_all",
            json!({"api_version": "v1", "kind": "Namespace"}),
        )
        .unwrap_err();
        assert!(err.contains("not been granted access"), "{err}");
        let err = call(
            &ctx,
            "get_resource",
            json!({"api_version": "v1", "kind": "Secret", "name": "x", "namespace": "monitoring", "disable_cache": false}),
        )
        .unwrap_err();
        assert!(err.contains("v1/Secret"), "{err}");
        assert_eq!(
            looked_up_resources(&ctx.calls()),
            BTreeSet::from([
                ("v1".to_owned(), "Namespace".to_owned()),
                ("v1".to_owned(), "Secret".to_owned()),
                ("v1".to_owned(), "Service".to_owned()),
            ])
        );
    }

    #[test]
    fn fail_lookups_fails_everything() {
        let ctx = HostContext::new(cluster(), None, true, false);
        for (op, payload) in [
            ("list_resources_all", json!({"api_version": "v1", "kind": "Service"})),
            (
                "list_resources_by_namespace",
                json!({"api_version": "v1", "kind": "Service", "namespace": "monitoring"}),
            ),
            (
                "get_resource",
                json!({"api_version": "v1", "kind": "Service", "name": "am", "namespace": "monitoring", "disable_cache": false}),
            ),
        ] {
            let err = call(&ctx, op, payload).unwrap_err();
            assert!(err.contains("unreachable"), "{op}: {err}");
        }
        // the cluster-level switch works too
        let ctx = HostContext::new(
            Arc::new(ClusterState::empty().with_fail_lookups(true)),
            None,
            false,
            false,
        );
        assert!(
            call(
                &ctx,
                "list_resources_all",
                json!({"api_version": "v1", "kind": "Service"})
            )
            .is_err()
        );
    }

    #[test]
    fn can_i_logging_and_unknown_calls() {
        let ctx = HostContext::new(cluster(), None, false, false);
        let ans = call(
            &ctx,
            "can_i",
            json!({"subject_access_review": {"user": "u", "resource_attributes": {"resource": "pods", "verb": "get"}}, "disable_cache": false}),
        )
        .unwrap();
        assert_eq!(ans["allowed"], true);
        assert_eq!(
            ctx.handle("kubewarden", "tracing", "log", br#"{"level":"info"}"#),
            Ok(Vec::new())
        );
        let err = ctx.handle("kubewarden", "oci", "v1/manifest_digest", b"{}");
        assert!(err.unwrap_err().contains("unknown host capability"));
        let err = call(&ctx, "delete_everything", json!({}));
        assert!(err.unwrap_err().contains("unknown host capability"));
        let err = ctx.handle("kubewarden", "kubernetes", "get_resource", b"not json");
        assert!(err.unwrap_err().contains("invalid get_resource request"));
    }

    #[test]
    fn field_masks_are_applied_to_answers() {
        let ctx = HostContext::new(cluster(), None, false, false);
        let list = call(
            &ctx,
            "list_resources_by_namespace",
            json!({"api_version": "v1", "kind": "Service", "namespace": "monitoring", "field_masks": ["metadata.name"]}),
        )
        .unwrap();
        assert_eq!(
            list["items"][0],
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "prom"}})
        );
    }
}
