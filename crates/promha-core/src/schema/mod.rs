//! Type and unknown-field checks: against promha's compact schema
//! (`promha-schema.yaml`, compiled in at build time, see build.rs) and, in
//! the CLI, against the user's own CRDs.

mod compact;
#[cfg(feature = "crd")]
mod crd;

#[cfg(feature = "crd")]
pub use crd::{CrdSchema, crd_schemas};

use crate::model::object::Object;
use crate::read::{Node, Position};

/// The compact schema entry for raw Prometheus configs.
pub const PROMETHEUS_CONFIG: &str = "prometheus.yml";

/// A user's CustomResourceDefinition, for builds without CRD support (the
/// policy, the web page): none can be made, so the list is always empty.
#[cfg(not(feature = "crd"))]
#[derive(Debug)]
pub enum CrdSchema {}

#[cfg(not(feature = "crd"))]
impl CrdSchema {
    pub fn kind(&self) -> &str {
        match *self {}
    }

    pub fn group(&self) -> &str {
        match *self {}
    }
}

#[cfg(feature = "crd")]
impl CrdSchema {
    pub fn kind(&self) -> &str {
        &self.kind
    }

    pub fn group(&self) -> &str {
        &self.group
    }
}

/// One problem with an object's fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaIssue {
    pub position: Position,
    /// `spec.replicas`, `spec.affinity.podAntiAffinity…[0].topologyKey`.
    pub path: String,
    pub message: String,
    pub fix: String,
    /// A field the schema does not know, as opposed to a wrong value.
    pub unknown_field: bool,
}

/// Checks an object's fields. With `unknown_fields`, fields the schema does
/// not know are reported too. A CRD given for the object's kind and version
/// replaces the compact schema.
pub fn check_object(object: &Object<'_>, unknown_fields: bool, crds: &[CrdSchema]) -> Vec<SchemaIssue> {
    #[cfg(feature = "crd")]
    {
        let version = object.api_version.rsplit('/').next().unwrap_or("");
        if let Some(crd) = crds
            .iter()
            .find(|c| c.group == object.group && c.kind == object.kind && c.version == version)
        {
            let source = format!(" (CRD from {})", crd.source);
            return crd::validate(&crd.validator, &crd.schema, object.root, unknown_fields, &source);
        }
    }
    #[cfg(not(feature = "crd"))]
    let _ = crds;
    match compact::kind(&format!("{}/{}", object.group, object.kind)) {
        Some(kind) => compact::validate(kind, object.root, unknown_fields),
        None => Vec::new(),
    }
}

/// Checks the fields promha reads in a raw Prometheus config.
pub fn check_prometheus_config(root: &Node) -> Vec<SchemaIssue> {
    match compact::kind(PROMETHEUS_CONFIG) {
        Some(kind) => compact::validate(kind, root, false),
        None => Vec::new(),
    }
}

pub(crate) fn type_phrase(json_type: &str) -> &'static str {
    match json_type {
        "integer" => "an integer",
        "number" => "a number",
        "string" => "a string",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "a map",
        _ => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{ReadLimits, read_text};

    fn issues(yaml: &str, unknown_fields: bool) -> Vec<SchemaIssue> {
        let docs = read_text("t.yaml", yaml, &ReadLimits::default()).unwrap();
        let object = Object::identify(0, &docs[0]).unwrap();
        check_object(&object, unknown_fields, &[])
    }

    #[test]
    fn the_compact_schema_has_every_watched_kind() {
        for kind in [
            "monitoring.coreos.com/Prometheus",
            "monitoring.coreos.com/PrometheusAgent",
            "monitoring.coreos.com/Alertmanager",
            "monitoring.coreos.com/ThanosRuler",
            "apps/StatefulSet",
            "apps/Deployment",
            PROMETHEUS_CONFIG,
        ] {
            assert!(compact::kind(kind).is_some(), "{kind}");
        }
    }

    #[test]
    fn wrong_types_name_the_field_and_the_value() {
        let found = issues(
            "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec:\n  replicas: two\n  affinity: 5\n",
            false,
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].path, "spec.replicas");
        assert_eq!(found[0].position, Position::new(5, 3));
        assert!(
            found[0]
                .message
                .contains("must be an integer, but is the string \"two\""),
            "{}",
            found[0].message
        );
        assert_eq!(found[1].path, "spec.affinity");
        assert!(found[1].message.contains("must be a map"), "{}", found[1].message);
        // Every JSON type has its phrase.
        let found = issues(
            "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec:\n  replicas: 2\n  replicaExternalLabelName: [a]\n  paused: 'yes'\n  alerting: {alertmanagers: {a: b}}\n  externalLabels: [a]\n",
            false,
        );
        let said: Vec<(&str, &str)> = found.iter().map(|i| (i.path.as_str(), i.message.as_str())).collect();
        for (path, phrase) in [
            ("spec.replicaExternalLabelName", "must be a string"),
            ("spec.paused", "must be true or false"),
            ("spec.alerting.alertmanagers", "must be a list, but is"),
            ("spec.externalLabels", "must be a map, but is"),
        ] {
            assert!(
                said.iter().any(|(p, m)| *p == path && m.contains(phrase)),
                "{path}: {said:#?}"
            );
        }
    }

    /// YAML's `.inf` and `.nan` are no JSON numbers: the API server cannot
    /// take them, even in a field of any type (`scrapeInterval` is one that
    /// promha accepts without reading), which takes 2.0 and 2.5.
    #[test]
    fn infinity_and_nan_are_no_value_of_any_field() {
        for (value, said) in [
            (".inf", "the number inf"),
            ("-.inf", "the number -inf"),
            (".nan", "the number NaN"),
        ] {
            let yaml = format!(
                "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {{name: k}}\nspec:\n  replicas: 2\n  scrapeInterval: {value}\n"
            );
            let found = issues(&yaml, false);
            assert_eq!(found.len(), 1, "{value}: {found:?}");
            assert_eq!(found[0].path, "spec.scrapeInterval");
            assert!(
                found[0].message.ends_with(&format!("but is {said}")),
                "{}",
                found[0].message
            );
        }
        let whole = issues(
            "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec:\n  replicas: 2.0\n",
            false,
        );
        assert!(whole.is_empty(), "2.0 is the integer 2: {whole:?}");
        let fraction = issues(
            "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec:\n  replicas: 2\n  scrapeInterval: 2.5\n",
            false,
        );
        assert!(fraction.is_empty(), "2.5 is a number: {fraction:?}");
    }

    #[test]
    fn unknown_fields_only_when_asked_with_a_suggestion() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec:\n  replica: 3\n  retention: 30d\n";
        assert!(issues(yaml, false).is_empty());
        let found = issues(yaml, true);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].unknown_field);
        assert_eq!(found[0].path, "spec.replica");
        assert_eq!(found[0].fix, "rename `replica` to `replicas`");
        assert_eq!(found[0].position, Position::new(5, 3));
    }

    #[test]
    fn unknown_fields_in_nested_structures() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: m}\nspec:\n  affinity:\n    podAntiAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n      - topologykey: kubernetes.io/hostname\n";
        let found = issues(yaml, true);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].path,
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologykey"
        );
        assert_eq!(found[0].fix, "rename `topologykey` to `topologyKey`");
    }

    #[test]
    fn label_values_must_be_strings() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec:\n  podMetadata:\n    labels: {shard: 0}\n";
        let found = issues(yaml, false);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "spec.podMetadata.labels.shard");
    }

    #[test]
    fn null_spec_is_accepted_and_enums_are_listed() {
        assert!(
            issues(
                "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec:\n",
                true
            )
            .is_empty()
        );
        let found = issues(
            "apiVersion: monitoring.coreos.com/v1alpha1\nkind: PrometheusAgent\nmetadata: {name: a}\nspec: {mode: Sidecar}\n",
            false,
        );
        assert!(found[0].message.contains("one of StatefulSet, DaemonSet"), "{found:?}");
    }

    #[test]
    fn other_kinds_are_not_checked() {
        assert!(issues("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: 5\n", true).is_empty());
    }
}

/// The compiled validator judges as a JSON Schema validator (the jsonschema
/// crate) does on the same schema: the same instance paths fail, on the
/// rules' cases and on mutations of them.
#[cfg(test)]
mod agrees_with_jsonschema {
    use serde_json::{Map, Value as Json, json};

    use super::compact;
    use crate::read::{Node, ReadLimits, read_documents};

    /// The YAML schema as JSON Schema proper: `x-promha-other-fields` → `true` properties.
    fn json_schemas() -> Vec<(String, Json)> {
        let text = include_str!("promha-schema.yaml");
        let mut root = read_documents(text, &ReadLimits::default()).unwrap()[0].to_json();
        fn expand(value: &mut Json) {
            match value {
                Json::Object(map) => {
                    if let Some(Json::Array(names)) = map.remove("x-promha-other-fields") {
                        let properties = map.entry("properties").or_insert_with(|| Json::Object(Map::new()));
                        if let Json::Object(properties) = properties {
                            for name in names.iter().filter_map(Json::as_str) {
                                properties.entry(name.to_string()).or_insert(Json::Bool(true));
                            }
                        }
                    }
                    map.values_mut().for_each(expand);
                }
                Json::Array(items) => items.iter_mut().for_each(expand),
                _ => {}
            }
        }
        expand(&mut root);
        let defs = root["$defs"].clone();
        root["kinds"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(key, schema)| {
                let mut schema = schema.clone();
                schema["$defs"] = defs.clone();
                (key.clone(), schema)
            })
            .collect()
    }

    fn failing_paths_compact(kind: usize, node: &Node) -> Vec<String> {
        let mut paths: Vec<String> = compact::validate(kind, node, true)
            .into_iter()
            .map(|i| i.path)
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    fn failing_paths_jsonschema(validator: &jsonschema::Validator, value: &Json) -> Vec<String> {
        let mut paths: Vec<String> = validator
            .iter_errors(value)
            .flat_map(|e| {
                let base = dotted(e.instance_path().as_str());
                match e.kind() {
                    jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
                        .iter()
                        .map(|f| {
                            if base.is_empty() {
                                f.clone()
                            } else {
                                format!("{base}.{f}")
                            }
                        })
                        .collect(),
                    _ => vec![base],
                }
            })
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    fn dotted(pointer: &str) -> String {
        let mut path = String::new();
        for raw in pointer.split('/').skip(1) {
            let segment = raw.replace("~1", "/").replace("~0", "~");
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                path.push_str(&format!("[{segment}]"));
            } else {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&segment);
            }
        }
        path
    }

    /// Documents to judge: every rule example and case, as the schema's kinds see them.
    fn documents() -> Vec<Json> {
        let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let mut out = Vec::new();
        let mut stack = vec![rules];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    if let Ok(docs) = read_documents(&text, &ReadLimits::default()) {
                        out.extend(docs.iter().map(Node::to_json).filter(Json::is_object));
                    }
                }
            }
        }
        out
    }

    /// Replaces values along the tree with ones of other types, one at a time.
    fn mutations(value: &Json, out: &mut Vec<Json>, path: &mut Vec<Json>) {
        let replacements = [
            json!(null),
            json!("two"),
            json!(3),
            json!(2.5),
            json!(true),
            json!([1]),
            json!({"x": 1}),
            json!(3000000000i64),
        ];
        for (i, replacement) in replacements.iter().enumerate() {
            if (path.len() + i).is_multiple_of(3) {
                out.push(replace_at(path, replacement.clone()));
            }
        }
        match value {
            Json::Object(map) => {
                for (key, child) in map {
                    path.push(Json::String(key.clone()));
                    mutations(child, out, path);
                    path.pop();
                }
            }
            Json::Array(items) => {
                for (i, child) in items.iter().enumerate().take(2) {
                    path.push(json!(i));
                    mutations(child, out, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    thread_local! {
        static CURRENT: std::cell::RefCell<Json> = const { std::cell::RefCell::new(Json::Null) };
    }

    fn replace_at(path: &[Json], replacement: Json) -> Json {
        CURRENT.with(|current| {
            let mut doc = current.borrow().clone();
            let mut node = &mut doc;
            for key in path {
                node = match key {
                    Json::String(k) => &mut node[k.as_str()],
                    Json::Number(n) => &mut node[n.as_u64().unwrap() as usize],
                    _ => unreachable!(),
                };
            }
            *node = replacement;
            doc
        })
    }

    #[test]
    fn on_cases_and_their_mutations() {
        let schemas = json_schemas();
        let mut compared = 0;
        for document in documents() {
            let kind_key = match (document["apiVersion"].as_str(), document["kind"].as_str()) {
                (Some(api_version), Some(kind)) => {
                    format!("{}/{kind}", api_version.rsplit_once('/').map_or("", |(g, _)| g))
                }
                _ if document.get("global").is_some() || document.get("alerting").is_some() => {
                    "prometheus.yml".to_string()
                }
                _ => continue,
            };
            let Some((_, schema)) = schemas.iter().find(|(k, _)| *k == kind_key) else {
                continue;
            };
            let validator = jsonschema::validator_for(schema).unwrap();
            let kind = compact::kind(&kind_key).unwrap();
            CURRENT.with(|c| *c.borrow_mut() = document.clone());
            let mut variants = vec![document.clone()];
            mutations(&document, &mut variants, &mut Vec::new());
            for variant in variants {
                let node = Node::from_json(&variant);
                let by_compact = failing_paths_compact(kind, &node);
                // NaN-free JSON: the int32 bound is promha's own check, beyond the JSON Schema.
                let by_jsonschema = failing_paths_jsonschema(&validator, &variant);
                let int32_only: Vec<&String> = by_compact.iter().filter(|p| !by_jsonschema.contains(p)).collect();
                let int32_ok = int32_only.iter().all(|p| {
                    variant
                        .pointer(&pointer(p))
                        .and_then(Json::as_f64)
                        .is_some_and(|n| n < f64::from(i32::MIN) || n > f64::from(i32::MAX))
                });
                assert!(
                    by_jsonschema.iter().all(|p| by_compact.contains(p)) && int32_ok,
                    "{kind_key}: compact {by_compact:?}, jsonschema {by_jsonschema:?} for {variant}"
                );
                compared += 1;
            }
        }
        assert!(compared > 500, "only {compared} documents compared");
    }

    /// `spec.a[0].b` → `/spec/a/0/b`.
    fn pointer(path: &str) -> String {
        let mut out = String::new();
        for part in path.split('.') {
            let (name, indexes) = part.split_once('[').map_or((part, ""), |(n, rest)| (n, rest));
            if !name.is_empty() {
                out.push('/');
                out.push_str(&name.replace('~', "~0").replace('/', "~1"));
            }
            for index in indexes.split('[').filter(|s| !s.is_empty()) {
                out.push('/');
                out.push_str(index.trim_end_matches(']'));
            }
        }
        out
    }
}
