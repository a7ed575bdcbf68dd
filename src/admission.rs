//! From an admission request to a response.

use kubewarden_policy_sdk::response::ValidationResponse;
use promha_core::admission::{Admitted, Lookup, Operation, check_admitted};
use promha_core::{Document, Finding, Node, Settings, Severity, node_from_json_slice};
use serde_json::Value as Json;

use crate::cluster::Cluster;

/// Parses the policy settings, as `validate_settings` receives them.
pub fn parse_settings(payload: &[u8]) -> Result<Settings, String> {
    let value: Json = serde_json::from_slice(payload).map_err(|e| format!("settings are not valid JSON: {e}"))?;
    Settings::from_json(&value).map_err(|e| e.to_string())
}

/// Evaluates a `validate` payload: `{"request": <AdmissionRequest>, "settings": {...}}`.
/// Error findings reject the request, one `rule-id: …` line each; warnings
/// are returned as admission warnings. Bad input is rejected with a message
/// naming the problem.
pub fn validate(payload: &[u8], cluster: &dyn Cluster) -> ValidationResponse {
    // Read straight into promha's document tree: the admitted object is
    // most of the payload, and is not copied again.
    let mut payload = match node_from_json_slice(payload) {
        Ok(node) => node,
        Err(e) => return reject(format!("promha: cannot read the admission request: {e}"), Vec::new()),
    };
    let settings = payload.get("settings").map_or(Json::Null, Node::to_json);
    let settings = match Settings::from_json(&settings) {
        Ok(settings) => settings,
        Err(e) => return reject(format!("promha: {e}"), Vec::new()),
    };
    let Some(request) = payload.get_mut("request").filter(|r| r.as_map().is_some()) else {
        return reject("promha: the payload has no admission request".to_string(), Vec::new());
    };
    let operation = match request.get("operation").and_then(Node::as_str).unwrap_or("CREATE") {
        "DELETE" | "CONNECT" => return accept(Vec::new()),
        "UPDATE" => Operation::Update,
        _ => Operation::Create,
    };
    let object = match request.take("object") {
        None => return accept(Vec::new()),
        Some(object) if object.as_map().is_some() => with_type_from_request(object, request),
        Some(object) if object.is_null() => return accept(Vec::new()),
        Some(other) => {
            return reject(
                format!(
                    "promha: request.object must be a Kubernetes object (a map), not {}",
                    other.json_type()
                ),
                Vec::new(),
            );
        }
    };
    let admitted = Admitted::new(Document::new(String::new(), object));

    let mut related = Vec::new();
    let mut failed = Vec::new();
    let mut warnings = Vec::new();
    for lookup in admitted.lookups(&settings, operation) {
        match cluster.list(&lookup) {
            Ok(items) => related.extend(items.into_iter().map(|item| Document::new(String::new(), item))),
            Err(e) => {
                warnings.push(lookup_warning(&lookup, &e));
                failed.push(lookup);
            }
        }
    }

    let findings = check_admitted(admitted, related, &failed, &settings);
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(Finding::one_line)
        .collect();
    let finding_warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .map(Finding::one_line);
    let warnings: Vec<String> = finding_warnings.chain(warnings).collect();
    if errors.is_empty() {
        accept(warnings)
    } else {
        reject(errors.join("\n"), warnings)
    }
}

fn lookup_warning(lookup: &Lookup, error: &str) -> String {
    let selected = match &lookup.label_selector {
        Some(selector) => format!(" with labels {selector}"),
        None => String::new(),
    };
    format!(
        "promha: could not list {} {} objects{selected} in namespace {} ({error}); checks that need them were skipped or may be incomplete",
        lookup.api_version, lookup.kind, lookup.namespace
    )
}

/// The API server always sends apiVersion and kind; fill them in from the
/// request when a caller did not.
fn with_type_from_request(mut object: Node, request: &Node) -> Node {
    let kind = request.get("kind");
    let field = |name: &str| kind.and_then(|k| k.get(name)).and_then(Node::as_str).unwrap_or("");
    let (group, version) = (field("group"), field("version"));
    if !version.is_empty() {
        let api_version = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        object.insert_if_missing("apiVersion", Node::string(api_version));
    }
    if let Some(k) = kind.and_then(|k| k.get("kind")).and_then(Node::as_str) {
        object.insert_if_missing("kind", Node::string(k.to_string()));
    }
    object
}

fn accept(warnings: Vec<String>) -> ValidationResponse {
    ValidationResponse {
        accepted: true,
        message: None,
        code: None,
        mutated_object: None,
        audit_annotations: None,
        warnings: (!warnings.is_empty()).then_some(warnings),
    }
}

fn reject(message: String, warnings: Vec<String>) -> ValidationResponse {
    ValidationResponse {
        accepted: false,
        message: Some(message),
        code: None,
        mutated_object: None,
        audit_annotations: None,
        warnings: (!warnings.is_empty()).then_some(warnings),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A cluster holding fixed objects; it answers the equality selectors
    /// (`a=b,c=d`) the policy sends.
    struct FixedCluster(Vec<Json>);

    impl Cluster for FixedCluster {
        fn list(&self, lookup: &Lookup) -> Result<Vec<Node>, String> {
            let selected = |o: &Json| {
                lookup
                    .label_selector
                    .as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|r| !r.is_empty())
                    .all(|requirement| {
                        let (key, value) = requirement.split_once('=').unwrap_or((requirement, ""));
                        o["metadata"]["labels"][key] == value
                    })
            };
            Ok(self
                .0
                .iter()
                .filter(|o| {
                    o["apiVersion"] == lookup.api_version
                        && o["kind"] == lookup.kind
                        && o["metadata"]["namespace"].as_str().unwrap_or("default") == lookup.namespace
                        && selected(o)
                })
                .map(Node::from_json)
                .collect())
        }
    }

    struct FailingCluster;

    impl Cluster for FailingCluster {
        fn list(&self, _: &Lookup) -> Result<Vec<Node>, String> {
            Err("forbidden".to_string())
        }
    }

    fn request(object: Json, settings: Json) -> Vec<u8> {
        json!({
            "settings": settings,
            "request": {
                "uid": "1",
                "operation": "CREATE",
                "kind": {"group": "monitoring.coreos.com", "version": "v1", "kind": "Prometheus"},
                "object": object
            }
        })
        .to_string()
        .into_bytes()
    }

    fn prometheus(spec: Json) -> Json {
        json!({
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "Prometheus",
            "metadata": {"name": "k8s", "namespace": "monitoring"},
            "spec": spec
        })
    }

    fn ha_spec() -> Json {
        json!({
            "replicas": 2,
            "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"prometheus": "k8s"}}}
            ]}},
            "storage": {"volumeClaimTemplate": {"spec": {}}}
        })
    }

    fn pdb() -> Json {
        json!({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "p", "namespace": "monitoring"},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"prometheus": "k8s"}}}
        })
    }

    #[test]
    fn errors_reject_with_one_line_per_finding() {
        let response = validate(&request(prometheus(json!({})), json!({})), &FixedCluster(vec![]));
        assert!(!response.accepted);
        let message = response.message.unwrap();
        assert!(message.lines().any(|l| l.starts_with("min-replicas: ")), "{message}");
        assert!(
            response
                .warnings
                .unwrap()
                .iter()
                .any(|w| w.starts_with("persistent-storage: ")),
            "warnings travel with the rejection"
        );
    }

    #[test]
    fn looked_up_objects_are_in_scope() {
        let alone = validate(&request(prometheus(ha_spec()), json!({})), &FixedCluster(vec![]));
        assert!(alone.accepted);
        assert!(
            alone
                .warnings
                .unwrap()
                .iter()
                .any(|w| w.starts_with("pod-disruption-budget: "))
        );
        let with_pdb = validate(&request(prometheus(ha_spec()), json!({})), &FixedCluster(vec![pdb()]));
        assert!(with_pdb.accepted);
        assert_eq!(with_pdb.warnings, None);
    }

    #[test]
    fn findings_about_other_objects_are_not_reported() {
        let lonely_am = json!({
            "apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager",
            "metadata": {"name": "main", "namespace": "monitoring"}, "spec": {"replicas": 1}
        });
        let mut spec = ha_spec();
        spec["alerting"] = json!({"alertmanagers": [{"name": "alertmanager-operated", "port": "web"}]});
        let response = validate(
            &request(prometheus(spec), json!({})),
            &FixedCluster(vec![pdb(), lonely_am]),
        );
        assert!(response.accepted, "{:?}", response.message);
    }

    #[test]
    fn failing_lookups_degrade_to_warnings() {
        let response = validate(&request(prometheus(ha_spec()), json!({})), &FailingCluster);
        assert!(response.accepted);
        let warnings = response.warnings.unwrap();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("could not list policy/v1 PodDisruptionBudget")),
            "{warnings:?}"
        );
        assert!(
            !warnings.iter().any(|w| w.starts_with("pod-disruption-budget: ")),
            "an unknown PDB is not reported as missing"
        );
    }

    fn prometheus_pod(name: &str, instance: &str, node: &str) -> Json {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": name, "namespace": "monitoring",
                "labels": {"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": instance,
                    "app.kubernetes.io/managed-by": "prometheus-operator", "operator.prometheus.io/name": instance,
                    "operator.prometheus.io/shard": "0", "prometheus": instance}
            },
            "spec": {"nodeName": node},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        })
    }

    #[test]
    fn co_scheduled_pods_reject_a_create_not_an_update() {
        let cluster = FixedCluster(vec![
            pdb(),
            prometheus_pod("prometheus-k8s-0", "k8s", "n1"),
            prometheus_pod("prometheus-k8s-1", "k8s", "n1"),
        ]);
        let created = validate(&request(prometheus(ha_spec()), json!({})), &cluster);
        assert!(!created.accepted);
        assert!(
            created.message.unwrap().starts_with("co-scheduled: "),
            "the background audit presents stored objects as created"
        );
        let mut update: Json = serde_json::from_slice(&request(prometheus(ha_spec()), json!({}))).unwrap();
        update["request"]["operation"] = json!("UPDATE");
        let updated = validate(update.to_string().as_bytes(), &cluster);
        assert!(updated.accepted, "{:?}", updated.message);
        assert_eq!(updated.warnings, None);
    }

    #[test]
    fn pods_of_other_workloads_are_not_looked_up() {
        let cluster = FixedCluster(vec![
            pdb(),
            prometheus_pod("prometheus-k8s-0", "k8s", "n1"),
            prometheus_pod("prometheus-other-0", "other", "n1"),
        ]);
        let response = validate(&request(prometheus(ha_spec()), json!({})), &cluster);
        assert!(response.accepted, "{:?}", response.message);
    }

    #[test]
    fn the_stored_version_of_the_admitted_object_is_not_counted_twice() {
        let stored = prometheus(json!({"replicas": 1}));
        let response = validate(
            &request(prometheus(ha_spec()), json!({})),
            &FixedCluster(vec![pdb(), stored]),
        );
        assert!(response.accepted);
    }

    #[test]
    fn bad_input_is_rejected_with_a_reason() {
        let cluster = FixedCluster(vec![]);
        let not_json = validate(b"{", &cluster);
        assert!(!not_json.accepted && not_json.message.unwrap().contains("cannot read"));
        let string_object = validate(&request(json!("x"), json!({})), &cluster);
        assert!(string_object.message.unwrap().contains("not a string"));
        let bad_settings = validate(&request(prometheus(json!({})), json!({"minReplicas": "two"})), &cluster);
        assert!(bad_settings.message.unwrap().contains("`minReplicas`"));
        let wrong_type = validate(&request(prometheus(json!({"replicas": "two"})), json!({})), &cluster);
        assert!(
            wrong_type
                .message
                .unwrap()
                .contains("invalid-resource: `spec.replicas` must be an integer")
        );
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        assert!(!validate(deep.as_bytes(), &cluster).accepted);
    }

    #[test]
    fn deletes_other_kinds_and_null_objects_are_accepted_untouched() {
        let cluster = FixedCluster(vec![]);
        let mut delete: Json = serde_json::from_slice(&request(prometheus(json!({})), json!({}))).unwrap();
        delete["request"]["operation"] = json!("DELETE");
        assert!(validate(delete.to_string().as_bytes(), &cluster).accepted);
        let nginx = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
        let response = validate(&request(nginx, json!({})), &cluster);
        assert!(response.accepted && response.warnings.is_none());
        assert!(validate(&request(Json::Null, json!({})), &cluster).accepted);
    }

    #[test]
    fn missing_type_fields_come_from_the_request() {
        let object = json!({"metadata": {"name": "k8s"}, "spec": {}});
        let response = validate(&request(object, json!({})), &FixedCluster(vec![]));
        assert!(response.message.unwrap().contains("min-replicas: "));
    }

    #[test]
    fn settings_validation() {
        assert!(parse_settings(b"{}").is_ok());
        assert!(parse_settings(b"null").is_ok());
        assert!(parse_settings(b"[]").unwrap_err().contains("must be a map"));
        assert!(parse_settings(b"{\"bogus\": 1}").unwrap_err().contains("`bogus`"));
        assert!(parse_settings(b"\xff").unwrap_err().contains("not valid JSON"));
    }
}
