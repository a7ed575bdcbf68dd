//! Raw Prometheus configurations (prometheus.yml): how to recognise one, as
//! a file or as a value of a ConfigMap or Secret, and the parts rules read.

use crate::read::{Node, Position};

/// Top-level keys of a Prometheus configuration file.
const KEYS: &[&str] = &[
    "global",
    "scrape_configs",
    "scrape_config_files",
    "alerting",
    "rule_files",
    "remote_write",
    "remote_read",
    "storage",
    "tracing",
    "otlp",
    "runtime",
];

/// Keys only a Prometheus config has (a config with just `storage:` is not one).
const MARKERS: &[&str] = &[
    "global",
    "scrape_configs",
    "scrape_config_files",
    "alerting",
    "rule_files",
    "remote_write",
];

/// Words one of which the text of a Prometheus config holds: the prefilter
/// reads a ConfigMap only when it does.
pub const WORDS: &[&str] = &[
    "scrape_configs",
    "global:",
    "alerting:",
    "rule_files",
    "remote_write",
    "scrape_config_files",
];

/// Keys of ConfigMaps and Secrets that name a Prometheus config file: their
/// value must be one, so text that cannot be read there is reported.
pub const FILE_NAMES: &[&str] = &["prometheus.yml", "prometheus.yaml", "prometheus-elector.yaml"];

/// A Secret's values are base64, so whether one holds a Prometheus config
/// is judged by its key: a file name of the config's kind. (The API server's
/// CEL sees them base64 too: the policies' match condition judges the same.)
pub fn may_hold_config_in_secret(key: &str) -> bool {
    FILE_NAMES.contains(&key) || SECRET_KEY_SUFFIXES.iter().any(|suffix| key.ends_with(suffix))
}

/// The file name endings of Secret keys that may hold a config.
pub const SECRET_KEY_SUFFIXES: &[&str] = &[".yml", ".yaml"];

/// Whether a text may be a Prometheus config, judged by the words its
/// top-level keys would be, before parsing it.
pub fn may_be_one(text: &str) -> bool {
    WORDS.iter().any(|word| text.contains(word))
}

/// A map whose keys are all Prometheus config keys, including at least one
/// that only Prometheus configs have.
pub fn is_prometheus_config(root: &Node) -> bool {
    let Some(entries) = root.as_map() else {
        return false;
    };
    !entries.is_empty()
        && entries.iter().all(|e| KEYS.contains(&e.key.as_str()))
        && entries.iter().any(|e| MARKERS.contains(&e.key.as_str()))
}

/// What a config is to the Prometheus running it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigRole {
    /// Every replica runs it.
    Plain,
    /// prometheus-elector's `follower` section: every replica runs it.
    ElectorFollower,
    /// prometheus-elector's `leader` merged over `follower`: only the
    /// elected replica runs it (and it holds all the follower's too).
    ElectorLeader,
}

/// A raw Prometheus configuration: a standalone file, or a value in a
/// ConfigMap or Secret.
#[derive(Debug)]
pub struct PrometheusConfig<'d> {
    /// The file, ConfigMap or Secret holding it.
    pub object: usize,
    pub root: &'d Node,
    /// `data[prometheus.yml]` for an embedded config, empty for a file; with
    /// the role of an elector's effective config (`data[x.yaml] follower`).
    pub location: String,
    /// The value holding it, `data[prometheus.yml]`, empty for a file:
    /// an elector config's two effective configs share it.
    pub holder: String,
    /// The `data`/`stringData` key holding it, `None` for a file.
    pub data_key: Option<String>,
    pub role: ConfigRole,
}

impl<'d> PrometheusConfig<'d> {
    /// Where a field of this config is written, for an edit: in its file or
    /// data value, under `follower` for an elector's follower config; `None`
    /// for an elector's leader config, which is merged, not written.
    pub fn edit_path(&self, keys: &[&str]) -> Option<crate::finding::FieldPath> {
        let prefix: &[&str] = match self.role {
            ConfigRole::Plain => &[],
            ConfigRole::ElectorFollower => &["follower"],
            ConfigRole::ElectorLeader => return None,
        };
        let all: Vec<&str> = prefix.iter().chain(keys).copied().collect();
        Some(crate::finding::FieldPath::keys(&all).within(self.data_key.as_deref()))
    }

    /// `global.external_labels` written as `data[prometheus.yml] global.external_labels`.
    pub fn field(&self, path: &str) -> String {
        if self.location.is_empty() {
            path.to_string()
        } else {
            format!("{} {path}", self.location)
        }
    }

    /// Position of a config field, or of its nearest written parent; for a
    /// config in a base64 Secret value, the position of that value.
    pub fn position_of(&self, keys: &[&str]) -> Position {
        self.root.nearest_position(keys)
    }

    /// `alerting.alertmanagers[]`: each entry is its own set of Alertmanagers.
    pub fn alertmanager_entries(&self) -> &'d [Node] {
        self.root
            .path(&["alerting", "alertmanagers"])
            .and_then(Node::as_seq)
            .unwrap_or_default()
    }

    /// The replica label this config sets, with its value: the first of
    /// `wanted` in global.external_labels that varies per pod, else the
    /// first present.
    pub fn replica_label(&self, wanted: &[String]) -> Option<(&'d str, &'d Node)> {
        let labels = self.root.path(&["global", "external_labels"])?.as_map()?;
        let present = || wanted.iter().filter_map(|name| labels.iter().find(|e| &e.key == name));
        // A constant `prometheus_replica` beside a per-pod `replica` is fine: one varying label is enough.
        present()
            .find(|e| varies_per_pod(&e.value))
            .or_else(|| present().next())
            .map(|e| (e.key.as_str(), &e.value))
    }
}

/// The environment variables a config value refers to, by who expands them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvReferences {
    /// `${NAME}` and `$NAME`: Prometheus expands these in external labels
    /// (always since v3; v2 only with `--enable-feature=expand-external-labels`),
    /// an unset one to "".
    pub expanded: Vec<String>,
    /// `$(NAME)`: Kubernetes' syntax for args and env, which the operator's
    /// config reloader also expands; Prometheus leaves it as written.
    pub kubernetes_style: Vec<String>,
}

/// What `text` refers to, as Go's `os.Expand` (Prometheus) reads `$`.
pub fn env_references(text: &str) -> EnvReferences {
    let mut refs = EnvReferences::default();
    let bytes = text.as_bytes();
    let name_len = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count()
    };
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'{') => match text[i + 2..].find('}') {
                Some(end) => {
                    refs.expanded.push(text[i + 2..i + 2 + end].to_string());
                    i += end + 3;
                }
                None => i += 2,
            },
            Some(b'(') => match text[i + 2..].find(')') {
                Some(end) => {
                    refs.kubernetes_style.push(text[i + 2..i + 2 + end].to_string());
                    i += end + 3;
                }
                None => i += 2,
            },
            Some(_) => {
                let n = name_len(i + 1);
                if n > 0 {
                    refs.expanded.push(text[i + 1..i + 1 + n].to_string());
                }
                i += 1 + n.max(1);
            }
            None => i += 1,
        }
    }
    refs
}

/// Whether an external label's value differs between pods: it holds an
/// environment expansion (`${POD_NAME}`, `$HOSTNAME`, or config-reloader's `$(POD_NAME)`).
pub fn varies_per_pod(value: &Node) -> bool {
    value.scalar_text().is_some_and(|text| text.contains('$'))
}

#[cfg(test)]
mod env_tests {
    use super::*;

    /// A Secret's key names a config file: prometheus.yml, or any YAML file.
    #[test]
    fn secret_keys_that_may_hold_a_config() {
        for key in [
            "prometheus.yml",
            "prometheus-elector.yaml",
            "additional-scrape.yaml",
            "p.yml",
        ] {
            assert!(may_hold_config_in_secret(key), "{key}");
        }
        for key in ["token", "ca.crt", "prometheus.yml.bak"] {
            assert!(!may_hold_config_in_secret(key), "{key}");
        }
    }

    #[test]
    fn references_as_prometheus_and_kubernetes_read_them() {
        let refs = env_references("${POD_NAME}-$HOSTNAME-$(NODE)-$$-${unclosed");
        assert_eq!(refs.expanded, ["POD_NAME", "HOSTNAME"]);
        assert_eq!(refs.kubernetes_style, ["NODE"]);
        assert_eq!(env_references("prometheus-0"), EnvReferences::default());
        // Go's os.Expand reads `$$` as the variable `$` (Prometheus writes a `$`),
        // so the name after it is text.
        assert!(env_references("$$POD_NAME").expanded.is_empty());
        assert_eq!(env_references("$$$POD_NAME").expanded, ["POD_NAME"]);
        // After a reference the reading goes on right behind it.
        assert_eq!(env_references("ab$(B)$(C)").kubernetes_style, ["B", "C"]);
        assert_eq!(env_references("ab${B}${C}").expanded, ["B", "C"]);
        // An unclosed `$(` or `${` is text: what follows it is still read.
        assert_eq!(env_references("abc$(${B}").expanded, ["B"]);
        assert_eq!(env_references("abc${$(B)").kubernetes_style, ["B"]);
    }
}
