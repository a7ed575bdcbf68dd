//! kwctl host-capabilities session files, written from the host calls the
//! harness answered.
//!
//! `kwctl run --replay-host-capabilities-interactions SESSION.yml` answers a
//! policy's host calls from such a file instead of a cluster: a YAML list of
//! exchanges, replayed in order, each request compared with the one the
//! policy makes (format of kwctl's `tests/data/host-capabilities-sessions`):
//!
//! ```yaml
//! - type: Exchange
//!   request: |
//!     !KubernetesListResourceNamespace
//!     api_version: "v1"
//!     kind: "Service"
//!     namespace: "monitoring"
//!     label_selector: null
//!     field_selector: null
//!   response:
//!     type: Success
//!     payload: '{"apiVersion":"v1","kind":"ServiceList","items":[]}'
//! ```
//!
//! Running a fixture through the harness and replaying its calls through
//! kwctl shows whether the policy answers the same under the real runtime.

use anyhow::{Result, bail};
use serde_json::Value;

use crate::host::HostCall;

/// The name kwctl (policy-evaluator's `CallbackRequestType`) gives a
/// `kubewarden/kubernetes/<operation>` call.
pub fn callback_request_type(namespace: &str, operation: &str) -> Option<&'static str> {
    match (namespace, operation) {
        ("kubernetes", "list_resources_by_namespace") => Some("KubernetesListResourceNamespace"),
        ("kubernetes", "list_resources_all") => Some("KubernetesListResourceAll"),
        ("kubernetes", "get_resource") => Some("KubernetesGetResource"),
        ("kubernetes", "can_i") => Some("KubernetesCanI"),
        _ => None,
    }
}

/// The session file replaying `calls` (the `kubewarden` host calls a policy
/// made; tracing calls are not host capabilities and are left out).
pub fn session_yaml(calls: &[HostCall]) -> Result<String> {
    let mut out = String::new();
    for call in calls
        .iter()
        .filter(|c| c.binding == "kubewarden" && c.namespace != "tracing")
    {
        let Some(variant) = callback_request_type(&call.namespace, &call.operation) else {
            bail!(
                "no kwctl session form for host call {}/{}/{}",
                call.binding,
                call.namespace,
                call.operation
            );
        };
        let Value::Object(fields) = &call.payload else {
            bail!(
                "host call {} payload is not a JSON object: {}",
                call.operation,
                call.payload
            );
        };
        out.push_str("- type: Exchange\n  request: |\n");
        out.push_str(&format!("    !{variant}\n"));
        for (key, value) in fields {
            // JSON scalars, lists and maps are YAML flow values.
            out.push_str(&format!("    {key}: {value}\n"));
        }
        out.push_str("  response:\n");
        match &call.result {
            Ok(answer) => {
                let payload = serde_json::to_string(answer)?;
                // Single-quoted: no escapes, only ' doubled; the JSON has no newline.
                out.push_str(&format!(
                    "    type: Success\n    payload: '{}'\n",
                    payload.replace('\'', "''")
                ));
            }
            Err(message) => {
                out.push_str(&format!(
                    "    type: Error\n    message: {}\n",
                    Value::String(message.clone())
                ));
            }
        }
    }
    if out.is_empty() {
        out.push_str("[]\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(operation: &str, payload: Value, result: Result<Value, String>) -> HostCall {
        HostCall {
            binding: "kubewarden".into(),
            namespace: "kubernetes".into(),
            operation: operation.into(),
            payload,
            result,
        }
    }

    #[test]
    fn writes_exchanges_in_order() {
        let calls = vec![
            call(
                "list_resources_by_namespace",
                json!({"api_version": "v1", "kind": "Service", "namespace": "mon", "label_selector": null, "field_selector": null}),
                Ok(json!({"apiVersion": "v1", "kind": "ServiceList", "items": [{"metadata": {"name": "it's"}}]})),
            ),
            call(
                "list_resources_by_namespace",
                json!({"api_version": "policy/v1", "kind": "PodDisruptionBudget", "namespace": "mon"}),
                Err("forbidden: \"no\"\nat all".into()),
            ),
            HostCall {
                binding: "kubewarden".into(),
                namespace: "tracing".into(),
                operation: "log".into(),
                payload: json!({}),
                result: Ok(json!(null)),
            },
        ];
        let yaml = session_yaml(&calls).unwrap();
        let parsed: Value = serde_saphyr::from_str(&yaml).unwrap();
        let exchanges = parsed.as_array().unwrap();
        assert_eq!(exchanges.len(), 2, "{yaml}");
        assert_eq!(exchanges[0]["type"], "Exchange");
        let request = exchanges[0]["request"].as_str().unwrap();
        assert!(request.starts_with("!KubernetesListResourceNamespace\n"), "{request}");
        assert!(request.contains("namespace: \"mon\"\n") && request.contains("label_selector: null\n"));
        let payload: Value = serde_json::from_str(exchanges[0]["response"]["payload"].as_str().unwrap()).unwrap();
        assert_eq!(payload["items"][0]["metadata"]["name"], "it's");
        assert_eq!(exchanges[1]["response"]["type"], "Error");
        assert_eq!(exchanges[1]["response"]["message"], "forbidden: \"no\"\nat all");
        assert_eq!(session_yaml(&[]).unwrap(), "[]\n");
    }

    #[test]
    fn refuses_calls_kwctl_cannot_replay() {
        let mut odd = call("list_resources_by_namespace", json!({}), Ok(json!({})));
        odd.operation = "watch".into();
        assert!(session_yaml(&[odd]).is_err());
        let not_object = call("get_resource", json!("text"), Ok(json!({})));
        assert!(session_yaml(&[not_object]).is_err());
    }
}
