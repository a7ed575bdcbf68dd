//! Prometheus configs found and built once: the values of ConfigMaps and
//! Secrets that hold one, and the two effective configs of each
//! prometheus-elector config (in a ConfigMap, a Secret or a file of its own).

use base64::Engine;

use super::elector;
use super::object::Object;
use super::prometheus_config::{ConfigRole, FILE_NAMES, is_prometheus_config, may_be_one, may_hold_config_in_secret};
use crate::read::{Node, Position, ReadLimits, Value, read_documents_within};

/// A Prometheus config found inside a ConfigMap or Secret, or an effective
/// config of a prometheus-elector config.
#[derive(Debug)]
pub struct EmbeddedConfig {
    pub object: usize,
    /// The `data` or `stringData` key holding it; `None` for a file.
    pub key: Option<String>,
    /// `data` or `stringData`.
    pub field: &'static str,
    pub role: ConfigRole,
    /// The config, or why a value under a Prometheus config file name
    /// (`prometheus.yml`) cannot be read as one.
    pub content: Result<Node, Unreadable>,
}

/// Why an embedded config cannot be read, and where its value is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub position: Position,
    pub reason: String,
}

impl EmbeddedConfig {
    /// `data[prometheus.yml]`, empty for a file.
    pub fn holder(&self) -> String {
        self.key
            .as_ref()
            .map_or_else(String::new, |key| format!("{}[{key}]", self.field))
    }

    /// `data[prometheus.yml]`, `data[prometheus-elector.yaml] leader`, `follower`.
    pub fn location(&self) -> String {
        let role = match self.role {
            ConfigRole::Plain => "",
            ConfigRole::ElectorFollower => "follower",
            ConfigRole::ElectorLeader => "leader (merged over follower)",
        };
        match &self.key {
            Some(key) if role.is_empty() => format!("{}[{key}]", self.field),
            Some(key) => format!("{}[{key}] {role}", self.field),
            None => role.to_string(),
        }
    }
}

/// The budget for a config embedded in another document: far more than any
/// real prometheus.yml, far less than a file's.
pub fn embedded_limits() -> ReadLimits {
    ReadLimits {
        max_nodes: 200_000,
        ..ReadLimits::default()
    }
}

/// Finds the Prometheus configs held in ConfigMaps and Secrets, and the
/// effective configs of prometheus-elector configs.
pub fn embedded_configs(objects: &[Object<'_>]) -> Vec<EmbeddedConfig> {
    let mut configs = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        push_configs_of(&mut configs, index, object);
    }
    configs
}

/// The configs one object holds, under `index`: what [`embedded_configs`]
/// finds for it, so a caller that has read one object's configs already
/// (admission, for the admitted object) need not read them again.
pub fn configs_of(index: usize, object: &Object<'_>) -> Vec<EmbeddedConfig> {
    let mut configs = Vec::new();
    push_configs_of(&mut configs, index, object);
    configs
}

fn push_configs_of(configs: &mut Vec<EmbeddedConfig>, index: usize, object: &Object<'_>) {
    if object.standalone_config {
        if let Some((follower, leader)) = elector::sections(object.root) {
            push_elector(configs, index, None, "data", follower, leader);
        }
        return;
    }
    if !object.group.is_empty() || !matches!(object.kind, "ConfigMap" | "Secret") {
        return;
    }
    for (field, base64_encoded) in [("data", object.kind == "Secret"), ("stringData", false)] {
        let Some(entries) = object.root.get(field).and_then(Node::as_map) else {
            continue;
        };
        for entry in entries {
            if object.kind == "Secret" && !may_hold_config_in_secret(&entry.key) {
                continue;
            }
            let Some(content) = read_value(&entry.key, &entry.value, base64_encoded) else {
                continue;
            };
            if let Ok(root) = &content
                && let Some((follower, leader)) = elector::sections(root)
            {
                push_elector(configs, index, Some(&entry.key), field, follower, leader);
                continue;
            }
            configs.push(EmbeddedConfig {
                object: index,
                key: Some(entry.key.clone()),
                field,
                role: ConfigRole::Plain,
                content,
            });
        }
    }
}

/// An elector config's two effective configs: the follower's, and the
/// leader's merged over it.
fn push_elector(
    configs: &mut Vec<EmbeddedConfig>,
    object: usize,
    key: Option<&String>,
    field: &'static str,
    follower: &Node,
    leader: Option<&Node>,
) {
    for (role, root) in [
        (ConfigRole::ElectorFollower, follower.clone()),
        (ConfigRole::ElectorLeader, elector::leader_config(follower, leader)),
    ] {
        configs.push(EmbeddedConfig {
            object,
            key: key.cloned(),
            field,
            role,
            content: Ok(root),
        });
    }
}

/// The config a ConfigMap or Secret value holds: `None` when it is not one,
/// an error when it should be (by its key's name) but cannot be read.
fn read_value(key: &str, value: &Node, base64_encoded: bool) -> Option<Result<Node, Unreadable>> {
    let named_as_config = FILE_NAMES.contains(&key);
    let unreadable = |reason: String| Unreadable {
        position: value.position,
        reason,
    };
    let Some(raw) = value.as_str() else {
        return named_as_config.then(|| Err(unreadable(format!("the value is {}, not text", value.describe()))));
    };
    let decoded;
    let (text, origin) = if base64_encoded {
        let bytes = match base64::engine::general_purpose::STANDARD.decode(raw.trim()) {
            Ok(bytes) => bytes,
            Err(e) => return named_as_config.then(|| Err(unreadable(format!("the value is not base64 ({e})")))),
        };
        decoded = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => return named_as_config.then(|| Err(unreadable("the decoded value is not UTF-8 text".into()))),
        };
        (decoded.as_str(), None)
    } else {
        (raw, value.block)
    };
    if !named_as_config && !may_be_one(text) {
        return None;
    }
    let mut documents = match read_documents_within(text, &embedded_limits(), origin) {
        Ok(documents) => documents,
        Err(e) => return named_as_config.then(|| Err(unreadable(format!("cannot read it as YAML: {e}")))),
    };
    let is_one =
        documents.len() == 1 && (is_prometheus_config(&documents[0]) || elector::sections(&documents[0]).is_some());
    if !is_one {
        let empty = documents.iter().all(Node::is_null);
        return (named_as_config && !empty).then(|| {
            Err(unreadable(
                "it is not a Prometheus configuration (a map of global, scrape_configs, alerting, …)".to_string(),
            ))
        });
    }
    let mut root = documents.remove(0);
    if origin.is_none() {
        // No way to map inner lines to the file: point at the value's key.
        reposition(&mut root, value.position);
    }
    Some(Ok(root))
}

fn reposition(node: &mut Node, position: Position) {
    node.position = position;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| reposition(n, position)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| reposition(&mut e.value, position)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{Document, read_text};

    fn configs(yaml: &str) -> Vec<EmbeddedConfig> {
        let docs: Vec<Document> = read_text("t.yaml", yaml, &ReadLimits::default()).unwrap();
        let objects: Vec<Object<'_>> = docs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| Object::identify(i, d))
            .collect();
        embedded_configs(&objects)
    }

    #[test]
    fn configs_are_found_by_content_and_by_name() {
        let found = configs(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  p.yml: |\n    scrape_configs: []\n  other: x\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location(), "data[p.yml]");
        assert!(found[0].content.is_ok());
        let alertmanager = configs(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  alertmanager.yml: |\n    global: {}\n    route: {}\n",
        );
        assert!(
            alertmanager.is_empty(),
            "an Alertmanager config is not a Prometheus one"
        );
    }

    /// Only the core group's ConfigMaps and Secrets hold configs: another
    /// kind's `data`, or a CRD's kind named ConfigMap, is not read.
    #[test]
    fn only_core_configmaps_and_secrets_hold_configs() {
        let data = "data:\n  prometheus.yml: |\n    scrape_configs: []\n";
        let of = |api_version: &str, kind: &str| {
            configs(&format!(
                "apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: c}}\n{data}"
            ))
            .len()
        };
        assert_eq!(of("v1", "ConfigMap"), 1);
        assert_eq!(of("v1", "Endpoints"), 0);
        assert_eq!(of("example.com/v1", "ConfigMap"), 0);
    }

    #[test]
    fn a_prometheus_yml_that_cannot_be_read_is_an_error() {
        let broken = configs(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  prometheus.yml: |\n    global: [\n",
        );
        let error = broken[0].content.as_ref().unwrap_err();
        assert!(error.reason.contains("cannot read it as YAML"), "{}", error.reason);
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        let yaml = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata:\n  prometheus.yaml: |\n{}",
            bomb.lines().map(|l| format!("    {l}\n")).collect::<String>()
        );
        let error = configs(&yaml).remove(0).content.unwrap_err();
        assert!(error.reason.contains("alias"), "{}", error.reason);
        let not_base64 = configs("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  prometheus.yml: '!!!'\n");
        assert!(not_base64[0].content.as_ref().unwrap_err().reason.contains("base64"));
        let empty = configs("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  prometheus.yml: ''\n");
        assert!(empty.is_empty(), "an empty value is no config, and nothing to report");
    }

    /// A config inside another document is read under its own, smaller
    /// budget: one that a whole file could hold is refused inside a ConfigMap.
    #[test]
    fn an_embedded_config_past_its_budget_is_unreadable_naming_it() {
        let items = embedded_limits().max_nodes + 10;
        let mut yaml = String::from(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  prometheus.yml: |\n    scrape_configs:\n",
        );
        for _ in 0..items {
            yaml.push_str("    - a\n");
        }
        assert!(
            items < ReadLimits::default().max_nodes,
            "the file itself is within the default budget"
        );
        let found = configs(&yaml);
        assert_eq!(found.len(), 1);
        let reason = &found[0].content.as_ref().unwrap_err().reason;
        assert!(reason.contains(&embedded_limits().max_nodes.to_string()), "{reason}");
    }
}
