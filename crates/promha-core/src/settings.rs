//! The one settings schema shared by the admission policy (JSON settings)
//! and the CLI (`.promha.yaml`, read into the same JSON shape).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value as Json;

use crate::finding::Severity;
use crate::rules;
use crate::suggest::suggest;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AntiAffinityMode {
    /// A preferred term (or a ScheduleAnyway spread constraint) is enough.
    Preferred,
    /// Only a required term (or a DoNotSchedule spread constraint) counts.
    Required,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Off,
    Warning,
    Error,
}

impl RuleLevel {
    pub fn parse(text: &str) -> Option<RuleLevel> {
        match text {
            "off" => Some(RuleLevel::Off),
            "warning" => Some(RuleLevel::Warning),
            "error" => Some(RuleLevel::Error),
            _ => None,
        }
    }

    pub fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Off => None,
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Error => Some(Severity::Error),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub min_replicas: u32,
    /// Defaults to `min_replicas`.
    pub alertmanager_min_replicas: Option<u32>,
    pub anti_affinity: AntiAffinityMode,
    pub topology_key: String,
    pub replica_labels: Vec<String>,
    pub rules: BTreeMap<String, RuleLevel>,
    pub exempt_namespaces: Vec<String>,
    pub allow_ignore_annotation: bool,
    pub pod_disruption_budget: bool,
    /// Gitignore-style globs of paths the CLI does not lint, relative to the
    /// settings file's directory; the CLI checks their syntax. Admission
    /// and the web page have no paths and ignore it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_replicas: 2,
            alertmanager_min_replicas: None,
            anti_affinity: AntiAffinityMode::Preferred,
            topology_key: "kubernetes.io/hostname".to_string(),
            replica_labels: ["prometheus_replica", "replica", "__replica__"]
                .map(String::from)
                .to_vec(),
            rules: BTreeMap::new(),
            exempt_namespaces: Vec::new(),
            allow_ignore_annotation: true,
            pod_disruption_budget: true,
            exclude: Vec::new(),
        }
    }
}

/// Every problem found in a settings document, each naming its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsError {
    pub problems: Vec<String>,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid settings: {}", self.problems.join("; "))
    }
}

impl std::error::Error for SettingsError {}

const KEYS: &[&str] = &[
    "minReplicas",
    "alertmanagerMinReplicas",
    "antiAffinity",
    "topologyKey",
    "replicaLabels",
    "rules",
    "exemptNamespaces",
    "allowIgnoreAnnotation",
    "podDisruptionBudget",
    "exclude",
];

/// Replicas beyond this are certainly a typo, and would make messages absurd.
const MAX_REPLICAS_SETTING: u64 = 1000;

impl Settings {
    pub fn alertmanager_min_replicas(&self) -> u32 {
        self.alertmanager_min_replicas.unwrap_or(self.min_replicas)
    }

    /// The severity a rule's findings get: the configured level, else the
    /// finding's own severity; `None` when the rule is off.
    pub fn severity_for(&self, rule: &str, natural: Severity) -> Option<Severity> {
        match self.rules.get(rule) {
            Some(level) => level.severity(),
            None => Some(natural),
        }
    }

    pub fn is_exempt(&self, namespace: &str) -> bool {
        self.exempt_namespaces.iter().any(|n| n == namespace)
    }

    /// Parses a YAML (or JSON) settings document, as in `.promha.yaml`; an
    /// empty document gives the defaults.
    pub fn from_yaml(text: &str) -> Result<Settings, SettingsError> {
        let docs =
            crate::yaml::read_documents(text, &crate::yaml::ReadLimits::default()).map_err(|e| SettingsError {
                problems: vec![format!("cannot read settings: {e}")],
            })?;
        match docs.as_slice() {
            [] => Ok(Settings::default()),
            [doc] => Settings::from_json(&doc.to_json()),
            _ => Err(SettingsError {
                problems: vec!["settings must be a single YAML document".to_string()],
            }),
        }
    }

    /// Overrides one rule's level (`--rule id=level`), naming what is wrong
    /// with an unknown id or level.
    pub fn set_rule_level(&mut self, rule: &str, level: &str) -> Result<(), SettingsError> {
        let mut map = serde_json::Map::new();
        map.insert(rule.to_string(), Json::String(level.to_string()));
        let parsed = rule_levels(&Json::Object(map)).map_err(|problem| SettingsError {
            problems: vec![format!("`rules` {problem}")],
        })?;
        self.rules.extend(parsed);
        Ok(())
    }

    /// Parses and validates settings; `null` gives the defaults.
    pub fn from_json(value: &Json) -> Result<Settings, SettingsError> {
        let mut settings = Settings::default();
        let map = match value {
            Json::Null => return Ok(settings),
            Json::Object(map) => map,
            other => {
                return Err(SettingsError {
                    problems: vec![format!(
                        "settings must be a map of keys to values, got {}",
                        json_type(other)
                    )],
                });
            }
        };
        let mut problems = Vec::new();
        for (key, value) in map {
            let result = match key.as_str() {
                "minReplicas" => replicas(value).map(|n| settings.min_replicas = n),
                "alertmanagerMinReplicas" => match value {
                    Json::Null => Ok(()),
                    _ => replicas(value).map(|n| settings.alertmanager_min_replicas = Some(n)),
                },
                "antiAffinity" => match value.as_str() {
                    Some("preferred") => {
                        settings.anti_affinity = AntiAffinityMode::Preferred;
                        Ok(())
                    }
                    Some("required") => {
                        settings.anti_affinity = AntiAffinityMode::Required;
                        Ok(())
                    }
                    _ => Err(format!("must be \"preferred\" or \"required\", got {}", show(value))),
                },
                "topologyKey" => match value.as_str() {
                    Some(k) if is_label_key(k) => {
                        settings.topology_key = k.to_string();
                        Ok(())
                    }
                    _ => Err(format!(
                        "must be a node label key such as kubernetes.io/hostname, got {}",
                        show(value)
                    )),
                },
                "replicaLabels" => string_list(value).and_then(|labels| {
                    if labels.is_empty() {
                        return Err("must name at least one label".to_string());
                    }
                    if let Some(bad) = labels.iter().find(|l| !is_prometheus_label_name(l)) {
                        return Err(format!(
                            "{bad:?} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"
                        ));
                    }
                    settings.replica_labels = labels;
                    Ok(())
                }),
                "rules" => rule_levels(value).map(|r| settings.rules = r),
                "exemptNamespaces" => string_list(value).map(|n| settings.exempt_namespaces = n),
                "allowIgnoreAnnotation" => boolean(value).map(|b| settings.allow_ignore_annotation = b),
                "podDisruptionBudget" => boolean(value).map(|b| settings.pod_disruption_budget = b),
                "exclude" => string_list(value).map(|globs| settings.exclude = globs),
                unknown => Err(format!("unknown setting; known settings are {}", KEYS.join(", "))).map_err(|m| {
                    match suggest(unknown, KEYS.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`? {m}"),
                        None => m,
                    }
                }),
            };
            if let Err(problem) = result {
                problems.push(format!("`{key}` {problem}"));
            }
        }
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(SettingsError { problems })
        }
    }
}

fn replicas(value: &Json) -> Result<u32, String> {
    match value.as_u64() {
        Some(n) if (1..=MAX_REPLICAS_SETTING).contains(&n) => Ok(n as u32),
        _ => Err(format!(
            "must be a whole number from 1 to {MAX_REPLICAS_SETTING}, got {}",
            show(value)
        )),
    }
}

fn boolean(value: &Json) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| format!("must be true or false, got {}", show(value)))
}

fn string_list(value: &Json) -> Result<Vec<String>, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("must be a list of strings, got {}", show(value)))?;
    items
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("must be a list of strings, but holds {}", show(item)))
        })
        .collect()
}

fn rule_levels(value: &Json) -> Result<BTreeMap<String, RuleLevel>, String> {
    let map = value
        .as_object()
        .ok_or_else(|| format!("must map rule ids to off, warning or error, got {}", show(value)))?;
    let mut levels = BTreeMap::new();
    for (id, level) in map {
        if rules::rule(id).is_none() {
            let (closest, ids) = rules::unknown_rule_help(id);
            let hint = closest.map(|s| format!(" (did you mean {s}?)")).unwrap_or_default();
            return Err(format!("names unknown rule {id:?}{hint}; rules are {ids}"));
        }
        let parsed = level
            .as_str()
            .and_then(RuleLevel::parse)
            .ok_or_else(|| format!("sets {id} to {}, expected off, warning or error", show(level)))?;
        levels.insert(id.clone(), parsed);
    }
    Ok(levels)
}

fn show(value: &Json) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// "a string", "a list", … for messages about JSON values of the wrong type.
pub fn json_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a map",
    }
}

/// A Kubernetes label key: an optional DNS-subdomain prefix and a name.
pub(crate) fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
    });
    name_ok && prefix_ok
}

pub(crate) fn is_prometheus_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(value: Json) -> String {
        match Settings::from_json(&value) {
            Ok(s) => panic!("expected an error, got {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn null_and_empty_give_defaults() {
        assert_eq!(Settings::from_json(&Json::Null).unwrap(), Settings::default());
        let s = Settings::from_json(&json!({})).unwrap();
        assert_eq!(s.min_replicas, 2);
        assert_eq!(s.alertmanager_min_replicas(), 2);
        assert_eq!(s.topology_key, "kubernetes.io/hostname");
    }

    #[test]
    fn every_key_is_read() {
        let s = Settings::from_json(&json!({
            "minReplicas": 3,
            "alertmanagerMinReplicas": 5,
            "antiAffinity": "required",
            "topologyKey": "topology.kubernetes.io/zone",
            "replicaLabels": ["cluster_replica"],
            "rules": {"pod-disruption-budget": "off", "persistent-storage": "error"},
            "exemptNamespaces": ["kube-system"],
            "allowIgnoreAnnotation": false,
            "podDisruptionBudget": false,
            "exclude": ["charts/**"]
        }))
        .unwrap();
        assert_eq!(s.min_replicas, 3);
        assert_eq!(s.alertmanager_min_replicas(), 5);
        assert_eq!(s.anti_affinity, AntiAffinityMode::Required);
        assert_eq!(s.topology_key, "topology.kubernetes.io/zone");
        assert_eq!(s.replica_labels, vec!["cluster_replica"]);
        assert_eq!(s.severity_for("pod-disruption-budget", Severity::Warning), None);
        assert_eq!(
            s.severity_for("persistent-storage", Severity::Warning),
            Some(Severity::Error)
        );
        assert_eq!(s.severity_for("min-replicas", Severity::Error), Some(Severity::Error));
        assert!(s.is_exempt("kube-system"));
        assert!(!s.allow_ignore_annotation);
        assert!(!s.pod_disruption_budget);
        assert_eq!(s.exclude, vec!["charts/**"]);
        assert!(problems(json!({"exclude": "charts/**"})).contains("`exclude` must be a list of strings"));
    }

    #[test]
    fn unknown_keys_are_named_with_a_suggestion() {
        let msg = problems(json!({"minReplica": 2}));
        assert!(msg.contains("`minReplica`"), "{msg}");
        assert!(msg.contains("did you mean `minReplicas`"), "{msg}");
    }

    #[test]
    fn bad_values_name_their_key_and_value() {
        let msg = problems(json!({"minReplicas": "two", "antiAffinity": "always", "replicaLabels": ["ok", "not-ok"]}));
        assert!(msg.contains("`minReplicas` must be a whole number"), "{msg}");
        assert!(msg.contains("\"two\""), "{msg}");
        assert!(msg.contains("`antiAffinity`"), "{msg}");
        assert!(msg.contains("not-ok"), "{msg}");
        assert!(problems(json!({"minReplicas": 0})).contains("from 1 to"));
        assert!(problems(json!({"topologyKey": ""})).contains("`topologyKey`"));
        assert!(problems(json!({"replicaLabels": []})).contains("at least one"));
    }

    #[test]
    fn rules_must_be_known_with_known_levels() {
        let msg = problems(json!({"rules": {"min-replica": "off"}}));
        assert!(msg.contains("did you mean min-replicas"), "{msg}");
        let msg = problems(json!({"rules": {"min-replicas": "loud"}}));
        assert!(msg.contains("expected off, warning or error"), "{msg}");
    }

    #[test]
    fn yaml_settings_and_rule_overrides() {
        let mut s = Settings::from_yaml("# .promha.yaml\nminReplicas: 3\nrules:\n  session-affinity: off\n").unwrap();
        assert_eq!(s.min_replicas, 3);
        assert_eq!(s.severity_for("session-affinity", Severity::Warning), None);
        assert_eq!(Settings::from_yaml("").unwrap(), Settings::default());
        assert!(
            Settings::from_yaml("a: [")
                .unwrap_err()
                .to_string()
                .contains("cannot read settings")
        );
        assert!(Settings::from_yaml("a: 1\n---\nb: 2\n").is_err());
        s.set_rule_level("session-affinity", "error").unwrap();
        assert_eq!(
            s.severity_for("session-affinity", Severity::Warning),
            Some(Severity::Error)
        );
        assert!(
            s.set_rule_level("nope", "off")
                .unwrap_err()
                .to_string()
                .contains("unknown rule")
        );
        assert!(s.set_rule_level("min-replicas", "loud").is_err());
    }

    #[test]
    fn non_map_settings_are_refused() {
        assert!(problems(json!([])).contains("must be a map"));
        assert!(problems(json!("x")).contains("must be a map"));
    }

    #[test]
    fn label_keys() {
        assert!(is_label_key("kubernetes.io/hostname"));
        assert!(is_label_key("zone"));
        assert!(!is_label_key(""));
        assert!(!is_label_key("Bad_Prefix/x"));
        assert!(!is_label_key("a/"));
    }
}
