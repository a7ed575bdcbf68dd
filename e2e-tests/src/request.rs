//! Admission requests: loading them from files like `kwctl run --request-path`,
//! and synthesizing them from a bare Kubernetes object for fixtures.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

/// An admission operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Operation {
    #[default]
    Create,
    Update,
    Delete,
    Connect,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "CREATE" => Ok(Operation::Create),
            "UPDATE" => Ok(Operation::Update),
            "DELETE" => Ok(Operation::Delete),
            "CONNECT" => Ok(Operation::Connect),
            _ => bail!("unknown operation {s:?} (expected CREATE, UPDATE, DELETE or CONNECT)"),
        }
    }
}

/// Read a request file (JSON or YAML) holding either an `AdmissionReview`
/// (`{"kind": "AdmissionReview", "request": {...}}`) or a bare
/// `AdmissionRequest`, and return the `AdmissionRequest`.
pub fn load_request_file(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read request file {}", path.display()))?;
    parse_request(&text).with_context(|| format!("invalid request file {}", path.display()))
}

/// Parse request text (JSON or YAML); see [`load_request_file`].
pub fn parse_request(text: &str) -> Result<Value> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(json_err) => serde_saphyr::from_str(text)
            .map_err(|yaml_err| anyhow!("neither JSON ({json_err}) nor YAML ({yaml_err})"))?,
    };
    admission_request_from_value(value)
}

/// Unwrap an `AdmissionReview` into its request, or check a bare request.
pub fn admission_request_from_value(value: Value) -> Result<Value> {
    let Value::Object(mut map) = value else {
        bail!("expected an AdmissionReview or AdmissionRequest mapping");
    };
    let is_review = map.get("kind").and_then(Value::as_str) == Some("AdmissionReview")
        || (map.contains_key("request") && !map.contains_key("uid"));
    let request = if is_review {
        match map.remove("request") {
            Some(r @ Value::Object(_)) => r,
            Some(_) => bail!("AdmissionReview.request must be a mapping"),
            None => bail!("AdmissionReview has no request"),
        }
    } else {
        Value::Object(map)
    };
    for field in ["uid", "kind", "operation"] {
        if request.get(field).is_none() {
            bail!("AdmissionRequest has no {field:?} field");
        }
    }
    Ok(request)
}

/// Split `group/version` (or `v1`) into `(group, version)`.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

/// Lower-case plural resource name for a kind, the way Kubernetes derives it
/// for most kinds (`Prometheus` → `prometheuses`, `NetworkPolicy` →
/// `networkpolicies`, `Endpoints` → `endpoints`).
pub fn guess_resource(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower == "endpoints" {
        return lower;
    }
    if lower.ends_with('s') || lower.ends_with('x') || lower.ends_with("ch") || lower.ends_with("sh") {
        return format!("{lower}es");
    }
    if let Some(stem) = lower.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    format!("{lower}s")
}

static UID_COUNTER: AtomicU64 = AtomicU64::new(1);

/// Build an `AdmissionRequest` for `object` (and `old_object` for UPDATE and
/// DELETE) as the API server would send it. The identity (kind, name,
/// namespace) comes from `object`, or from `old_object` for DELETE.
pub fn build_admission_request(
    operation: Operation,
    object: Option<&Value>,
    old_object: Option<&Value>,
) -> Result<Value> {
    let subject = match operation {
        Operation::Delete => old_object.or(object),
        _ => object.or(old_object),
    }
    .ok_or_else(|| anyhow!("an admission request needs an object or an oldObject"))?;
    let api_version = subject
        .get("apiVersion")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("object has no string apiVersion"))?;
    let kind = subject
        .get("kind")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("object has no string kind"))?;
    let name = subject.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    let namespace = subject.pointer("/metadata/namespace").and_then(Value::as_str);
    let (group, version) = split_api_version(api_version);
    let n = UID_COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut request = json!({
        "uid": format!("00000000-0000-4000-8000-{n:012x}"),
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": guess_resource(kind)},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "requestResource": {"group": group, "version": version, "resource": guess_resource(kind)},
        "name": name,
        "operation": operation.as_str(),
        "userInfo": {
            "username": "kubernetes-admin",
            "uid": "e2e-user",
            "groups": ["system:masters", "system:authenticated"],
        },
        "object": if operation == Operation::Delete { Value::Null } else { object.cloned().unwrap_or(Value::Null) },
        "oldObject": if operation == Operation::Create { Value::Null } else { old_object.cloned().unwrap_or(Value::Null) },
        "dryRun": false,
        "options": options_for(operation),
    });
    if let (Some(ns), Some(map)) = (namespace, request.as_object_mut()) {
        map.insert("namespace".into(), Value::String(ns.to_owned()));
    }
    Ok(request)
}

fn options_for(operation: Operation) -> Value {
    let kind = match operation {
        Operation::Create => "CreateOptions",
        Operation::Update => "UpdateOptions",
        Operation::Delete => "DeleteOptions",
        Operation::Connect => return Value::Null,
    };
    json!({"apiVersion": "meta.k8s.io/v1", "kind": kind})
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: &str = r#"{"uid": "abc", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "operation": "CREATE", "object": {"apiVersion": "v1", "kind": "Pod"}}"#;

    #[test]
    fn loads_admission_review_and_bare_request() {
        let bare = parse_request(REQUEST).unwrap();
        assert_eq!(bare["uid"], "abc");
        let review =
            format!(r#"{{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {REQUEST}}}"#);
        assert_eq!(parse_request(&review).unwrap(), bare);
    }

    #[test]
    fn loads_yaml_requests() {
        let yaml = "kind: AdmissionReview\napiVersion: admission.k8s.io/v1\nrequest:\n  uid: abc\n  kind: {group: '', version: v1, kind: Pod}\n  operation: CREATE\n  object: {apiVersion: v1, kind: Pod}\n";
        assert_eq!(parse_request(yaml).unwrap(), parse_request(REQUEST).unwrap());
    }

    #[test]
    fn rejects_non_requests() {
        assert!(parse_request("[1, 2]").is_err());
        assert!(parse_request(r#"{"kind": "AdmissionReview"}"#).is_err());
        assert!(parse_request(r#"{"kind": "AdmissionReview", "request": 3}"#).is_err());
        let err = parse_request(r#"{"apiVersion": "v1", "kind": "Pod"}"#).unwrap_err();
        assert!(format!("{err:#}").contains("uid"), "{err:#}");
        assert!(parse_request("{ not: [valid").is_err());
    }

    #[test]
    fn reads_files_and_names_them_in_errors() {
        let dir = std::env::temp_dir().join(format!("promha-e2e-req-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("req.json");
        std::fs::write(&good, REQUEST).unwrap();
        assert_eq!(load_request_file(&good).unwrap()["uid"], "abc");
        let missing = dir.join("missing.json");
        let err = load_request_file(&missing).unwrap_err();
        assert!(format!("{err:#}").contains("missing.json"), "{err:#}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn plural_guesses() {
        assert_eq!(guess_resource("Prometheus"), "prometheuses");
        assert_eq!(guess_resource("Alertmanager"), "alertmanagers");
        assert_eq!(guess_resource("NetworkPolicy"), "networkpolicies");
        assert_eq!(guess_resource("Gateway"), "gateways");
        assert_eq!(guess_resource("Ingress"), "ingresses");
        assert_eq!(guess_resource("Endpoints"), "endpoints");
        assert_eq!(guess_resource("ConfigMap"), "configmaps");
    }

    #[test]
    fn builds_requests() {
        let obj = json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
            "metadata": {"name": "k8s", "namespace": "monitoring"}});
        let r = build_admission_request(Operation::Create, Some(&obj), None).unwrap();
        assert_eq!(
            r["kind"],
            json!({"group": "monitoring.coreos.com", "version": "v1", "kind": "Prometheus"})
        );
        assert_eq!(r["resource"]["resource"], "prometheuses");
        assert_eq!(r["name"], "k8s");
        assert_eq!(r["namespace"], "monitoring");
        assert_eq!(r["operation"], "CREATE");
        assert_eq!(r["object"], obj);
        assert_eq!(r["oldObject"], Value::Null);
        assert_eq!(r["dryRun"], false);
        assert!(r["uid"].as_str().is_some_and(|u| !u.is_empty()));

        let core = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let d = build_admission_request(Operation::Delete, None, Some(&core)).unwrap();
        assert_eq!(d["kind"], json!({"group": "", "version": "v1", "kind": "ConfigMap"}));
        assert_eq!(d["object"], Value::Null);
        assert_eq!(d["oldObject"], core);
        assert!(d.get("namespace").is_none());
        assert_ne!(d["uid"], r["uid"]);

        assert!(build_admission_request(Operation::Create, None, None).is_err());
        assert!(build_admission_request(Operation::Create, Some(&json!("x")), None).is_err());
    }

    #[test]
    fn parses_operations() {
        assert_eq!(Operation::parse("update").unwrap(), Operation::Update);
        assert_eq!(Operation::parse("DELETE").unwrap(), Operation::Delete);
        assert!(Operation::parse("PATCH").is_err());
    }
}
