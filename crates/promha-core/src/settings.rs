//! Settings, each declared once — key, type, default, bounds, doc — in a
//! [`Setting`]: the policy's settings and the CLI's `.promha.yaml` are both
//! parsed from those declarations, and the README table, the JSON Schema for
//! editors and the web page's form are all generated from them.
//!
//! Settings shared by several rules are declared here ([`GLOBAL`]); a rule's
//! own settings are declared in its folder and listed in its declaration.
//! This module knows no rule: what it parses against (every declaration and
//! every rule id) is handed to it as a [`Catalog`].

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde_json::{Value as Json, json};

use crate::finding::Severity;
use crate::suggest::suggest;

/// One setting's declaration.
#[derive(Debug)]
pub struct SettingDecl {
    /// The key, in camelCase as in `.promha.yaml` and the policy's settings.
    pub key: &'static str,
    /// Its name in forms (the web page's, Rancher's questions-ui.yml).
    pub title: &'static str,
    /// The section of a form it is shown in.
    pub group: &'static str,
    /// What it does, one sentence for tables and forms.
    pub doc: &'static str,
    pub kind: Kind,
    pub default: DefaultValue,
    /// Read only by the CLI (where files are walked); the policy accepts it and ignores it.
    pub cli_only: bool,
}

/// A setting's type and bounds.
#[derive(Debug)]
pub enum Kind {
    Integer {
        min: i64,
        max: i64,
    },
    Boolean,
    OneOf(&'static [&'static str]),
    /// A Kubernetes label key (`kubernetes.io/hostname`).
    LabelKey,
    /// Prometheus label names (`[a-zA-Z_][a-zA-Z0-9_]*`), at least one.
    LabelNames,
    /// Strings, such as namespaces.
    Strings,
    /// gitignore-style globs.
    Globs,
    /// Rule id → `off`, `warning` or `error`.
    RuleLevels,
    /// A boolean kept for compatibility: `false` is the same as setting this rule `off`.
    RuleSwitch(&'static str),
}

/// A setting's default.
#[derive(Debug)]
pub enum DefaultValue {
    Int(i64),
    Bool(bool),
    Text(&'static str),
    Texts(&'static [&'static str]),
    /// No rule levels set.
    NoLevels,
    /// The value of another setting.
    SameAs(&'static SettingDecl),
}

/// A setting of type `T`, for typed reads: `settings.get(&MIN_REPLICAS)`.
pub struct Setting<T> {
    pub decl: SettingDecl,
    value_type: PhantomData<fn() -> T>,
}

impl<T> Setting<T> {
    pub const fn new(decl: SettingDecl) -> Self {
        Setting {
            decl,
            value_type: PhantomData,
        }
    }
}

/// A parsed setting value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Bool(bool),
    Text(String),
    Texts(Vec<String>),
}

/// The Rust types settings are read as.
pub trait SettingType: Sized {
    fn from_value(value: &Value) -> Option<Self>;
}

impl SettingType for i64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl SettingType for bool {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl SettingType for String {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

impl SettingType for Vec<String> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Texts(t) => Some(t.clone()),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLevel {
    Off,
    Warning,
    Error,
}

impl RuleLevel {
    pub const NAMES: &'static [&'static str] = &["off", "warning", "error"];

    pub fn parse(text: &str) -> Option<RuleLevel> {
        match text {
            "off" => Some(RuleLevel::Off),
            "warning" => Some(RuleLevel::Warning),
            "error" => Some(RuleLevel::Error),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RuleLevel::Off => "off",
            RuleLevel::Warning => "warning",
            RuleLevel::Error => "error",
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

// ---- the settings every rule may read ------------------------------------

pub static RULES: Setting<()> = Setting::new(SettingDecl {
    key: "rules",
    title: "Rule levels",
    group: "Rules",
    doc: "rule id → `off`, `warning` or `error`",
    kind: Kind::RuleLevels,
    default: DefaultValue::NoLevels,
    cli_only: false,
});

pub static EXEMPT_NAMESPACES: Setting<Vec<String>> = Setting::new(SettingDecl {
    key: "exemptNamespaces",
    title: "Exempt namespaces",
    group: "Exemptions",
    doc: "namespaces whose objects are not checked",
    kind: Kind::Strings,
    default: DefaultValue::Texts(&[]),
    cli_only: false,
});

pub static ALLOW_IGNORE_ANNOTATION: Setting<bool> = Setting::new(SettingDecl {
    key: "allowIgnoreAnnotation",
    title: "Honour the promha.io/ignore annotation",
    group: "Exemptions",
    doc: "honour the `promha.io/ignore` annotation",
    kind: Kind::Boolean,
    default: DefaultValue::Bool(true),
    cli_only: false,
});

/// Read by every rule that finds the replica label of a raw prometheus.yml.
pub static REPLICA_LABELS: Setting<Vec<String>> = Setting::new(SettingDecl {
    key: "replicaLabels",
    title: "Replica label names",
    group: "Prometheus configuration",
    doc: "accepted replica label names in raw prometheus.yml",
    kind: Kind::LabelNames,
    default: DefaultValue::Texts(&["prometheus_replica", "replica", "__replica__"]),
    cli_only: false,
});

pub static EXCLUDE: Setting<Vec<String>> = Setting::new(SettingDecl {
    key: "exclude",
    title: "Excluded paths",
    group: "Files",
    doc: "gitignore-style globs of paths not to lint, relative to the settings file's directory (like `--exclude`); the policy and the web page ignore it",
    kind: Kind::Globs,
    default: DefaultValue::Texts(&[]),
    cli_only: true,
});

/// The settings declared here, in the order they are documented.
pub static GLOBAL: &[&SettingDecl] = &[
    &REPLICA_LABELS.decl,
    &RULES.decl,
    &EXEMPT_NAMESPACES.decl,
    &ALLOW_IGNORE_ANNOTATION.decl,
    &EXCLUDE.decl,
];

/// Everything settings are parsed against.
#[derive(Clone, Debug)]
pub struct Catalog {
    /// Every setting, in the order they are documented.
    pub settings: Vec<&'static SettingDecl>,
    pub rule_ids: Vec<&'static str>,
}

/// Parsed settings: the values given; every other setting has its default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    values: BTreeMap<&'static str, Value>,
    levels: BTreeMap<String, RuleLevel>,
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

impl Settings {
    /// A setting's value: as given, else its default.
    pub fn get<T: SettingType>(&self, setting: &Setting<T>) -> T {
        T::from_value(&self.value(&setting.decl))
            .unwrap_or_else(|| panic!("{}: read as the wrong type", setting.decl.key))
    }

    fn value(&self, decl: &SettingDecl) -> Value {
        match self.values.get(decl.key) {
            Some(value) => value.clone(),
            None => match &decl.default {
                DefaultValue::Int(n) => Value::Int(*n),
                DefaultValue::Bool(b) => Value::Bool(*b),
                DefaultValue::Text(t) => Value::Text(t.to_string()),
                DefaultValue::Texts(t) => Value::Texts(t.iter().map(|s| s.to_string()).collect()),
                DefaultValue::NoLevels => Value::Texts(Vec::new()),
                DefaultValue::SameAs(other) => self.value(other),
            },
        }
    }

    /// The severity a rule's findings get: the configured level, else the
    /// finding's own severity; `None` when the rule is off.
    pub fn severity_for(&self, rule: &str, natural: Severity) -> Option<Severity> {
        match self.levels.get(rule) {
            Some(level) => level.severity(),
            None => Some(natural),
        }
    }

    /// Whether the rule is on, at whatever level.
    pub fn rule_enabled(&self, rule: &str) -> bool {
        self.levels.get(rule) != Some(&RuleLevel::Off)
    }

    pub fn is_exempt(&self, namespace: &str) -> bool {
        self.get(&EXEMPT_NAMESPACES).iter().any(|n| n == namespace)
    }

    /// Parses and validates settings against `catalog`, reporting every
    /// problem at once; `null` gives the defaults.
    pub fn parse(value: &Json, catalog: &Catalog) -> Result<Settings, SettingsError> {
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
        // Each problem with its key's place in the catalogue (unknown keys
        // last, by name), so the message does not depend on the order the
        // host serialised the settings in (kwctl sorts them, kubectl does not).
        let mut problems: Vec<(Option<usize>, &str, String)> = Vec::new();
        let mut switched_off = Vec::new();
        for (key, value) in map {
            let Some(place) = catalog.settings.iter().position(|d| d.key == key) else {
                let known: Vec<&str> = catalog.settings.iter().map(|d| d.key).collect();
                let message = format!("unknown setting; known settings are {}", known.join(", "));
                problems.push((
                    None,
                    key,
                    match suggest(key, known.iter().copied()) {
                        Some(s) => format!("`{key}` did you mean `{s}`? {message}"),
                        None => format!("`{key}` {message}"),
                    },
                ));
                continue;
            };
            let decl = catalog.settings[place];
            if value.is_null() {
                continue; // Written but empty: the default.
            }
            let result = match &decl.kind {
                Kind::RuleLevels => rule_levels(value, &catalog.rule_ids).map(|levels| settings.levels.extend(levels)),
                Kind::RuleSwitch(rule) => boolean(value).map(|on| {
                    if !on {
                        switched_off.push((place, *rule, decl.key));
                    }
                }),
                kind => parse_value(kind, value).map(|v| {
                    settings.values.insert(decl.key, v);
                }),
            };
            if let Err(problem) = result {
                problems.push((Some(place), key, format!("`{key}` {problem}")));
            }
        }
        for (place, rule, key) in switched_off {
            match settings.levels.get(rule) {
                Some(RuleLevel::Off) | None => {
                    settings.levels.insert(rule.to_string(), RuleLevel::Off);
                }
                Some(level) => problems.push((
                    Some(place),
                    key,
                    format!(
                        "`{key}` is false, which turns {rule} off, but `rules` sets {rule} to {}: keep one",
                        level.as_str()
                    ),
                )),
            }
        }
        if problems.is_empty() {
            return Ok(settings);
        }
        problems.sort_by(|a, b| (a.0.is_none(), a.0, a.1).cmp(&(b.0.is_none(), b.0, b.1)));
        Err(SettingsError {
            problems: problems.into_iter().map(|(_, _, problem)| problem).collect(),
        })
    }

    /// Overrides one rule's level (`--rule id=level`), naming what is wrong
    /// with an unknown id or level.
    pub fn set_rule_level(&mut self, rule: &str, level: &str, catalog: &Catalog) -> Result<(), SettingsError> {
        let mut map = serde_json::Map::new();
        map.insert(rule.to_string(), Json::String(level.to_string()));
        let parsed = rule_levels(&Json::Object(map), &catalog.rule_ids).map_err(|problem| SettingsError {
            problems: vec![format!("`{}` {problem}", RULES.decl.key)],
        })?;
        self.levels.extend(parsed);
        Ok(())
    }

    /// Every setting with its value, in the settings' JSON shape.
    pub fn to_json(&self, catalog: &Catalog) -> Json {
        let mut map = serde_json::Map::new();
        for decl in &catalog.settings {
            let value = match decl.kind {
                Kind::RuleLevels => Json::Object(
                    self.levels
                        .iter()
                        .map(|(id, level)| (id.clone(), json!(level.as_str())))
                        .collect(),
                ),
                Kind::RuleSwitch(rule) => json!(self.rule_enabled(rule)),
                _ => value_json(&self.value(decl)),
            };
            map.insert(decl.key.to_string(), value);
        }
        Json::Object(map)
    }
}

fn value_json(value: &Value) -> Json {
    match value {
        Value::Int(n) => json!(n),
        Value::Bool(b) => json!(b),
        Value::Text(t) => json!(t),
        Value::Texts(t) => json!(t),
    }
}

fn parse_value(kind: &Kind, value: &Json) -> Result<Value, String> {
    match kind {
        Kind::Integer { min, max } => match value.as_i64() {
            Some(n) if (*min..=*max).contains(&n) => Ok(Value::Int(n)),
            _ => Err(format!(
                "must be a whole number from {min} to {max}, got {}",
                show(value)
            )),
        },
        Kind::Boolean => boolean(value).map(Value::Bool),
        Kind::OneOf(choices) => match value.as_str() {
            Some(text) if choices.contains(&text) => Ok(Value::Text(text.to_string())),
            _ => Err(format!("must be {}, got {}", alternatives(choices), show(value))),
        },
        Kind::LabelKey => match value.as_str() {
            Some(key) if is_label_key(key) => Ok(Value::Text(key.to_string())),
            _ => Err(format!(
                "must be a node label key such as kubernetes.io/hostname, got {}",
                show(value)
            )),
        },
        Kind::LabelNames => {
            let labels = string_list(value)?;
            if labels.is_empty() {
                return Err("must name at least one label".to_string());
            }
            if let Some(bad) = labels.iter().find(|l| !is_prometheus_label_name(l)) {
                return Err(format!(
                    "{bad:?} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"
                ));
            }
            Ok(Value::Texts(labels))
        }
        Kind::Strings => string_list(value).map(Value::Texts),
        Kind::Globs => {
            let globs = string_list(value)?;
            if let Some(bad) = globs.iter().find(|g| g.trim().is_empty()) {
                return Err(format!("holds {bad:?}, which is no glob"));
            }
            Ok(Value::Texts(globs))
        }
        Kind::RuleLevels | Kind::RuleSwitch(_) => Err("is parsed elsewhere".to_string()),
    }
}

/// `"a" or "b"`, `one of "a", "b", "c"`.
fn alternatives(choices: &[&str]) -> String {
    let quoted: Vec<String> = choices.iter().map(|c| format!("{c:?}")).collect();
    match quoted.as_slice() {
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        _ => format!("one of {}", quoted.join(", ")),
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

fn rule_levels(value: &Json, rule_ids: &[&'static str]) -> Result<BTreeMap<String, RuleLevel>, String> {
    let map = value
        .as_object()
        .ok_or_else(|| format!("must map rule ids to off, warning or error, got {}", show(value)))?;
    let mut levels = BTreeMap::new();
    for (id, level) in map {
        if !rule_ids.contains(&id.as_str()) {
            let (closest, ids) = unknown_rule_help(id, rule_ids);
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

/// For an id that names no rule: the closest rule id, if one is close
/// enough to be a typo, and every id, for the message.
pub fn unknown_rule_help(id: &str, rule_ids: &[&'static str]) -> (Option<&'static str>, String) {
    (suggest(id, rule_ids.iter().copied()), rule_ids.join(", "))
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
    use crate::read::JsonKind;
    match value {
        Json::Null => JsonKind::Null,
        Json::Bool(_) => JsonKind::Boolean,
        Json::Number(_) => JsonKind::Number,
        Json::String(_) => JsonKind::String,
        Json::Array(_) => JsonKind::List,
        Json::Object(_) => JsonKind::Map,
    }
    .phrase()
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

// ---- what is generated from the declarations ------------------------------

/// The default as people write it: `2`, `[a, b]`, or another setting's key.
fn default_text(decl: &SettingDecl) -> String {
    match &decl.default {
        DefaultValue::Int(n) => n.to_string(),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Text(t) => t.to_string(),
        DefaultValue::Texts(t) => format!("[{}]", t.join(", ")),
        DefaultValue::NoLevels => "{}".to_string(),
        DefaultValue::SameAs(other) => other.key.to_string(),
    }
}

/// `(key, default, meaning)` of every setting, as people read them.
pub fn rows(catalog: &Catalog) -> Vec<(String, String, String)> {
    catalog
        .settings
        .iter()
        .map(|decl| {
            let mut meaning = decl.doc.to_string();
            if let Kind::Integer { min, max } = decl.kind {
                meaning.push_str(&format!(" ({min}–{max})"));
            }
            if let Kind::OneOf(choices) = decl.kind {
                meaning.push_str(&format!(" (one of {})", choices.join(", ")));
            }
            if decl.cli_only {
                meaning.push_str("; CLI only");
            }
            (decl.key.to_string(), default_text(decl), meaning)
        })
        .collect()
}

/// The settings table of the README and `promha settings --format markdown`.
pub fn markdown_table(catalog: &Catalog) -> String {
    let mut out = String::from("| setting | default | meaning |\n|---|---|---|\n");
    for (key, default, meaning) in rows(catalog) {
        out.push_str(&format!(
            "| `{key}` | `{default}` | {} |\n",
            meaning.replace('|', "\\|")
        ));
    }
    out
}

/// Rancher's settings form for the policy (`questions-ui.yml`, which
/// `kwctl scaffold artifacthub` embeds in artifacthub-pkg.yml): one question
/// per setting the policy reads, leaving out the CLI's and the deprecated
/// ones. Strings are written as JSON, which YAML reads as it is.
pub fn questions_ui(catalog: &Catalog) -> String {
    let quoted = |text: &str| Json::from(text).to_string();
    let mut out = String::from(
        "# The settings form Rancher's Kubewarden UI shows for this policy (embedded\n\
         # in artifacthub-pkg.yml as kubewarden/questions-ui by `kwctl scaffold\n\
         # artifacthub`). Generated from promha-core's setting declarations by\n\
         # `make readme`; do not edit.\nquestions:\n",
    );
    for decl in &catalog.settings {
        if decl.cli_only || matches!(decl.kind, Kind::RuleSwitch(_)) {
            continue;
        }
        let mut tooltip = decl.doc.replace('`', "");
        if let Some(first) = tooltip.get(..1) {
            tooltip.replace_range(..1, &first.to_uppercase());
        }
        tooltip.push('.');
        match &decl.default {
            DefaultValue::SameAs(other) => tooltip.push_str(&format!(" Leave empty to use {}.", other.key)),
            DefaultValue::NoLevels => tooltip.push_str(&format!(" Rules: {}.", catalog.rule_ids.join(", "))),
            _ => {}
        }
        out.push_str(&format!(
            "  - variable: {}\n    label: {}\n    group: {}\n",
            decl.key,
            quoted(decl.title),
            quoted(decl.group)
        ));
        let kind = match decl.kind {
            Kind::Integer { .. } => "int",
            Kind::Boolean | Kind::RuleSwitch(_) => "boolean",
            Kind::OneOf(_) => "enum",
            Kind::LabelKey => "string",
            Kind::LabelNames | Kind::Strings | Kind::Globs => "array[string]",
            Kind::RuleLevels => "map[string]",
        };
        out.push_str(&format!("    type: {kind}\n"));
        if let Kind::OneOf(choices) = decl.kind {
            out.push_str("    options:\n");
            for choice in choices {
                out.push_str(&format!("      - {}\n", quoted(choice)));
            }
        }
        match &decl.default {
            DefaultValue::SameAs(_) => {}
            DefaultValue::NoLevels => out.push_str("    default: {}\n"),
            _ => out.push_str(&format!(
                "    default: {}\n",
                value_json(&Settings::default().value(decl))
            )),
        }
        if let Kind::Integer { min, max } = decl.kind {
            out.push_str(&format!("    min: {min}\n    max: {max}\n"));
        }
        out.push_str(&format!("    required: false\n    tooltip: {}\n", quoted(&tooltip)));
    }
    out
}

/// The JSON Schema (2020-12) of the settings: `.promha.yaml` and the
/// policy's settings. Editors with the YAML language server validate and
/// complete `.promha.yaml` against it; the web page builds its form from it.
pub fn json_schema(catalog: &Catalog) -> Json {
    let mut properties = serde_json::Map::new();
    for decl in &catalog.settings {
        let mut schema = match decl.kind {
            Kind::Integer { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
            Kind::Boolean | Kind::RuleSwitch(_) => json!({"type": "boolean"}),
            Kind::OneOf(choices) => json!({"type": "string", "enum": choices}),
            Kind::LabelKey => json!({
                "type": "string",
                "pattern": r"^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$",
            }),
            Kind::LabelNames => json!({
                "type": "array", "minItems": 1,
                "items": {"type": "string", "pattern": "^[a-zA-Z_][a-zA-Z0-9_]*$"},
            }),
            Kind::Strings => json!({"type": "array", "items": {"type": "string"}}),
            Kind::Globs => json!({"type": "array", "items": {"type": "string", "minLength": 1}}),
            Kind::RuleLevels => {
                let rules: serde_json::Map<String, Json> = catalog
                    .rule_ids
                    .iter()
                    .map(|id| (id.to_string(), json!({"enum": RuleLevel::NAMES})))
                    .collect();
                json!({"type": "object", "properties": rules, "additionalProperties": false})
            }
        };
        if let Json::Object(map) = &mut schema {
            let mut description = decl.doc.replace('`', "");
            if let Kind::RuleSwitch(rule) = decl.kind {
                description.push_str(&format!(" (deprecated: use rules: {{{rule}: off}})"));
                map.insert("deprecated".into(), json!(true));
            }
            if decl.cli_only {
                description.push_str(" (CLI only)");
                map.insert("x-promha-cli-only".into(), json!(true));
            }
            map.insert("title".into(), json!(decl.title));
            map.insert("description".into(), json!(description));
            map.insert("x-promha-group".into(), json!(decl.group));
            let default = match &decl.default {
                DefaultValue::SameAs(_) => None,
                DefaultValue::NoLevels => Some(json!({})),
                _ => Some(value_json(&Settings::default().value(decl))),
            };
            if let Some(default) = default {
                map.insert("default".into(), default);
            }
            // Every setting may be written empty (null): its default applies.
            if let Some(t) = map.get("type").cloned() {
                map.insert("type".into(), json!([t, "null"]));
            }
        }
        properties.insert(decl.key.to_string(), schema);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/promha/promha/raw/main/schema/promha.schema.json",
        "title": "promha settings",
        "description": "promha's settings: .promha.yaml for the CLI, the policy's settings in a Kubewarden ClusterAdmissionPolicy.",
        "type": ["object", "null"],
        "properties": properties,
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    static NUMBER: Setting<i64> = Setting::new(SettingDecl {
        key: "number",
        title: "A number",
        group: "Test",
        doc: "a number",
        kind: Kind::Integer { min: 1, max: 10 },
        default: DefaultValue::Int(2),
        cli_only: false,
    });
    static FOLLOWER: Setting<i64> = Setting::new(SettingDecl {
        key: "follower",
        title: "Follower",
        group: "Test",
        doc: "follows number",
        kind: Kind::Integer { min: 1, max: 10 },
        default: DefaultValue::SameAs(&NUMBER.decl),
        cli_only: false,
    });
    static MODE: Setting<String> = Setting::new(SettingDecl {
        key: "mode",
        title: "Mode",
        group: "Test",
        doc: "a mode",
        kind: Kind::OneOf(&["soft", "hard"]),
        default: DefaultValue::Text("soft"),
        cli_only: false,
    });
    static SWITCH: Setting<bool> = Setting::new(SettingDecl {
        key: "switch",
        title: "Switch",
        group: "Test",
        doc: "turns rule b off",
        kind: Kind::RuleSwitch("rule-b"),
        default: DefaultValue::Bool(true),
        cli_only: false,
    });

    fn catalog() -> Catalog {
        let mut settings = GLOBAL.to_vec();
        settings.extend([&NUMBER.decl, &FOLLOWER.decl, &MODE.decl, &SWITCH.decl]);
        Catalog {
            settings,
            rule_ids: vec!["rule-a", "rule-b"],
        }
    }

    fn parse(value: Json) -> Result<Settings, SettingsError> {
        Settings::parse(&value, &catalog())
    }

    fn problems(value: Json) -> String {
        match parse(value) {
            Ok(s) => panic!("expected an error, got {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn defaults_follow_the_declarations() {
        let s = parse(Json::Null).unwrap();
        assert_eq!(s.get(&NUMBER), 2);
        assert_eq!(s.get(&FOLLOWER), 2, "SameAs follows the other setting's default");
        assert_eq!(s.get(&MODE), "soft");
        assert!(s.get(&ALLOW_IGNORE_ANNOTATION));
        assert_eq!(
            s.get(&REPLICA_LABELS),
            vec!["prometheus_replica", "replica", "__replica__"]
        );
        let s = parse(json!({"number": 5})).unwrap();
        assert_eq!(s.get(&FOLLOWER), 5, "and its value when given");
        let s = parse(json!({"number": 5, "follower": 3, "mode": null})).unwrap();
        assert_eq!(
            (s.get(&NUMBER), s.get(&FOLLOWER), s.get(&MODE).as_str()),
            (5, 3, "soft")
        );
    }

    /// kwctl hands the policy its settings with sorted keys, kubectl in the
    /// order written: the problems read the same either way, in the
    /// catalogue's order, unknown keys last.
    #[test]
    fn problems_come_in_the_catalogues_order_whatever_the_keys_order() {
        let written: Json = serde_json::from_str(r#"{"zzz": 1, "mode": "always", "number": "two"}"#).unwrap();
        let sorted: Json = serde_json::from_str(r#"{"mode": "always", "number": "two", "zzz": 1}"#).unwrap();
        let (a, b) = (problems(written), problems(sorted));
        assert_eq!(a, b);
        let (number, mode, unknown) = (a.find("`number`"), a.find("`mode`"), a.find("`zzz`"));
        assert!(number < mode && mode < unknown, "{a}");
    }

    #[test]
    fn every_problem_is_reported_naming_its_key() {
        let msg = problems(json!({"number": "two", "mode": "always", "replicaLabels": ["ok", "not-ok"], "numbr": 1}));
        assert!(
            msg.contains("`number` must be a whole number from 1 to 10, got \"two\""),
            "{msg}"
        );
        assert!(
            msg.contains("`mode` must be \"soft\" or \"hard\", got \"always\""),
            "{msg}"
        );
        assert!(msg.contains("\"not-ok\" is not a Prometheus label name"), "{msg}");
        assert!(msg.contains("`numbr` did you mean `number`?"), "{msg}");
        assert!(problems(json!({"number": 0})).contains("from 1 to 10"));
        assert!(problems(json!({"number": 11})).contains("from 1 to 10"));
        assert!(problems(json!({"replicaLabels": []})).contains("at least one"));
        assert!(problems(json!({"exemptNamespaces": [1]})).contains("but holds 1"));
        assert!(problems(json!({"allowIgnoreAnnotation": "yes"})).contains("true or false"));
        assert!(problems(json!({"exclude": [""]})).contains("no glob"));
        assert!(problems(json!([])).contains("must be a map"));
    }

    #[test]
    fn rule_levels_must_name_known_rules_and_levels() {
        let s = parse(json!({"rules": {"rule-a": "off", "rule-b": "error"}})).unwrap();
        assert_eq!(s.severity_for("rule-a", Severity::Error), None);
        assert_eq!(s.severity_for("rule-b", Severity::Warning), Some(Severity::Error));
        assert!(!s.rule_enabled("rule-a") && s.rule_enabled("rule-b"));
        assert!(problems(json!({"rules": {"rule-x": "off"}})).contains("did you mean rule-a"));
        assert!(problems(json!({"rules": {"rule-a": "loud"}})).contains("expected off, warning or error"));
        let mut s = Settings::default();
        s.set_rule_level("rule-a", "warning", &catalog()).unwrap();
        assert_eq!(s.severity_for("rule-a", Severity::Error), Some(Severity::Warning));
        assert!(
            s.set_rule_level("nope", "off", &catalog())
                .unwrap_err()
                .to_string()
                .contains("unknown rule")
        );
    }

    #[test]
    fn a_rule_switch_is_an_alias_of_the_rule_level() {
        let off = parse(json!({"switch": false})).unwrap();
        assert_eq!(off, parse(json!({"rules": {"rule-b": "off"}})).unwrap());
        assert_eq!(parse(json!({"switch": true})).unwrap(), Settings::default());
        assert!(parse(json!({"switch": false, "rules": {"rule-b": "off"}})).is_ok());
        assert!(problems(json!({"switch": false, "rules": {"rule-b": "warning"}})).contains("keep one"));
    }

    #[test]
    fn the_json_shape_lists_every_setting() {
        let json = parse(json!({"rules": {"rule-a": "off"}})).unwrap().to_json(&catalog());
        assert_eq!(json["number"], 2);
        assert_eq!(json["follower"], 2);
        assert_eq!(json["rules"], json!({"rule-a": "off"}));
        assert_eq!(json["switch"], true);
        assert_eq!(json.as_object().unwrap().len(), catalog().settings.len());
    }

    #[test]
    fn the_schema_and_table_cover_every_setting() {
        let schema = json_schema(&catalog());
        for decl in catalog().settings {
            let property = &schema["properties"][decl.key];
            assert!(property["description"].is_string(), "{}", decl.key);
            assert!(markdown_table(&catalog()).contains(&format!("| `{}` |", decl.key)));
        }
        assert_eq!(schema["properties"]["number"]["maximum"], 10);
        assert_eq!(schema["properties"]["mode"]["enum"], json!(["soft", "hard"]));
        assert_eq!(
            schema["properties"]["rules"]["properties"]["rule-b"]["enum"],
            json!(["off", "warning", "error"])
        );
        assert_eq!(schema["properties"]["switch"]["deprecated"], true);
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
