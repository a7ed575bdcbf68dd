//! Kubewarden policy metadata (`metadata.yml`, or the JSON that `kwctl annotate`
//! embeds in the wasm).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

use crate::wasm_section::{KUBEWARDEN_METADATA_SECTION, read_custom_section, write_custom_section};

/// The parts of the metadata the harness acts on, plus the whole document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyMetadata {
    /// The full metadata document as JSON.
    pub raw: Value,
    /// `contextAwareResources`: the only `(apiVersion, kind)` pairs the policy may
    /// look up. Empty when the metadata lists none (then every lookup is refused).
    pub context_aware_resources: BTreeSet<(String, String)>,
}

impl PolicyMetadata {
    /// Interpret a metadata document (already parsed from YAML or JSON).
    pub fn from_value(raw: Value) -> Result<Self> {
        if !raw.is_object() {
            bail!("policy metadata must be a mapping, got {}", type_name(&raw));
        }
        let mut context_aware_resources = BTreeSet::new();
        match raw.get("contextAwareResources") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let field = |name: &str| {
                        item.get(name)
                            .and_then(Value::as_str)
                            .ok_or_else(|| anyhow!("contextAwareResources[{i}]: missing string {name}"))
                    };
                    context_aware_resources.insert((field("apiVersion")?.to_owned(), field("kind")?.to_owned()));
                }
            }
            Some(other) => bail!("contextAwareResources must be a list, got {}", type_name(other)),
        }
        Ok(Self {
            raw,
            context_aware_resources,
        })
    }

    /// Parse `metadata.yml` text (YAML or JSON).
    pub fn from_yaml_str(text: &str) -> Result<Self> {
        let raw: Value = serde_saphyr::from_str(text).map_err(|e| anyhow!("cannot parse policy metadata YAML: {e}"))?;
        Self::from_value(raw)
    }

    pub fn from_file(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read policy metadata {}", path.display()))?;
        Self::from_yaml_str(&text).with_context(|| format!("invalid policy metadata {}", path.display()))
    }

    /// The metadata embedded in an annotated wasm, if any.
    pub fn from_wasm(wasm: &[u8]) -> Result<Option<Self>> {
        let Some(section) = read_custom_section(wasm, KUBEWARDEN_METADATA_SECTION)? else {
            return Ok(None);
        };
        let raw: Value = serde_json::from_slice(&section)
            .with_context(|| format!("the {KUBEWARDEN_METADATA_SECTION} custom section is not valid JSON"))?;
        Self::from_value(raw).map(Some)
    }

    /// Whether the policy may look up `api_version`/`kind`.
    pub fn allows(&self, api_version: &str, kind: &str) -> bool {
        self.context_aware_resources
            .contains(&(api_version.to_owned(), kind.to_owned()))
    }

    pub fn protocol_version(&self) -> Option<&str> {
        self.raw.get("protocolVersion").and_then(Value::as_str)
    }

    /// The metadata with `usage` (the policy's README) as the
    /// `io.kubewarden.policy.usage` annotation, as `kwctl annotate -u` adds it.
    pub fn with_usage(mut self, usage: &str) -> Result<Self> {
        let map = self
            .raw
            .as_object_mut()
            .ok_or_else(|| anyhow!("policy metadata must be a mapping"))?;
        let annotations = map
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if annotations.is_null() {
            *annotations = Value::Object(Default::default());
        }
        let found = type_name(annotations);
        let annotations = annotations
            .as_object_mut()
            .ok_or_else(|| anyhow!("annotations must be a mapping, got {found}"))?;
        annotations.insert(USAGE_ANNOTATION.to_owned(), Value::String(usage.to_owned()));
        Ok(self)
    }

    pub fn usage(&self) -> Option<&str> {
        self.raw
            .pointer("/annotations/io.kubewarden.policy.usage")
            .and_then(Value::as_str)
    }
}

/// The annotation holding the policy's usage text (its README).
pub const USAGE_ANNOTATION: &str = "io.kubewarden.policy.usage";

/// What `kwctl annotate` does: embed `metadata` (with `protocolVersion: v1` and
/// `executionMode: kubewarden-wapc` filled in when missing) as JSON in the
/// `io.kubewarden.metadata` custom section, replacing an existing one.
pub fn annotate(wasm: &[u8], metadata: &PolicyMetadata) -> Result<Vec<u8>> {
    let mut raw = metadata.raw.clone();
    let map = raw
        .as_object_mut()
        .ok_or_else(|| anyhow!("policy metadata must be a mapping"))?;
    map.entry("protocolVersion")
        .or_insert_with(|| Value::String("v1".into()));
    map.entry("executionMode")
        .or_insert_with(|| Value::String("kubewarden-wapc".into()));
    let json = serde_json::to_vec(&raw).context("cannot serialize policy metadata")?;
    write_custom_section(wasm, KUBEWARDEN_METADATA_SECTION, &json)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const METADATA: &str = r#"
rules:
- apiGroups: ["monitoring.coreos.com"]
  apiVersions: ["v1"]
  resources: ["prometheuses"]
  operations: ["CREATE", "UPDATE"]
mutating: false
contextAware: true
contextAwareResources:
- apiVersion: v1
  kind: Service
- apiVersion: monitoring.coreos.com/v1
  kind: Alertmanager
annotations:
  io.kubewarden.policy.title: promha
"#;

    fn minimal_wasm() -> Vec<u8> {
        vec![0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
    }

    #[test]
    fn parses_context_aware_resources() {
        let m = PolicyMetadata::from_yaml_str(METADATA).unwrap();
        assert!(m.allows("v1", "Service"));
        assert!(m.allows("monitoring.coreos.com/v1", "Alertmanager"));
        assert!(!m.allows("v1", "Secret"));
        assert!(!m.allows("monitoring.coreos.com/v1beta1", "Alertmanager"));
        assert_eq!(m.protocol_version(), None);
    }

    #[test]
    fn metadata_without_resources_allows_nothing() {
        let m = PolicyMetadata::from_yaml_str("rules: []\nmutating: false\n").unwrap();
        assert!(m.context_aware_resources.is_empty());
        assert!(!m.allows("v1", "Service"));
    }

    #[test]
    fn rejects_malformed_metadata() {
        assert!(PolicyMetadata::from_yaml_str("- a\n- b\n").is_err());
        assert!(PolicyMetadata::from_yaml_str("contextAwareResources: {a: b}\n").is_err());
        let err = PolicyMetadata::from_yaml_str("contextAwareResources:\n- kind: Service\n").unwrap_err();
        assert!(format!("{err:#}").contains("apiVersion"), "{err:#}");
    }

    #[test]
    fn annotate_embeds_json_with_protocol_version() {
        let m = PolicyMetadata::from_yaml_str(METADATA).unwrap();
        let wasm = annotate(&minimal_wasm(), &m).unwrap();
        let back = PolicyMetadata::from_wasm(&wasm).unwrap().unwrap();
        assert_eq!(back.protocol_version(), Some("v1"));
        assert_eq!(back.raw["executionMode"], "kubewarden-wapc");
        assert_eq!(back.raw["rules"][0]["resources"], json!(["prometheuses"]));
        assert_eq!(back.context_aware_resources, m.context_aware_resources);

        // an explicit protocolVersion is kept, and re-annotating replaces the section
        let m2 = PolicyMetadata::from_value(json!({"protocolVersion": "v2", "x": 1})).unwrap();
        let wasm2 = annotate(&wasm, &m2).unwrap();
        let back2 = PolicyMetadata::from_wasm(&wasm2).unwrap().unwrap();
        assert_eq!(back2.protocol_version(), Some("v2"));
        assert!(back2.raw.get("rules").is_none());
    }

    #[test]
    fn usage_is_embedded_as_an_annotation() {
        let readme = "# promha\n\nUsage: `kubectl apply`\n";
        let m = PolicyMetadata::from_yaml_str(METADATA)
            .unwrap()
            .with_usage(readme)
            .unwrap();
        let back = PolicyMetadata::from_wasm(&annotate(&minimal_wasm(), &m).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(back.usage(), Some(readme));
        // other annotations are kept
        assert_eq!(back.raw["annotations"]["io.kubewarden.policy.title"], "promha");
        // metadata without annotations gets them; a non-mapping is refused
        let bare = PolicyMetadata::from_yaml_str("rules: []\nmutating: false\n").unwrap();
        assert_eq!(bare.with_usage("x").unwrap().usage(), Some("x"));
        let bad = PolicyMetadata::from_yaml_str("annotations: [a]\n").unwrap();
        assert!(bad.with_usage("x").is_err());
        assert_eq!(PolicyMetadata::from_yaml_str(METADATA).unwrap().usage(), None);
    }

    #[test]
    fn unannotated_wasm_has_no_metadata() {
        assert_eq!(PolicyMetadata::from_wasm(&minimal_wasm()).unwrap(), None);
    }
}
