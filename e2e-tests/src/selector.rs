//! Kubernetes label and field selectors in their string syntax.
//!
//! Label selectors support everything `kubectl get -l` accepts:
//! `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists) and `!a`
//! (does not exist); requirements separated by commas are ANDed.
//!
//! Field selectors support `path=value`, `path==value` and `path!=value`, where
//! `path` is a dotted path into the object (`metadata.name`,
//! `metadata.namespace`, `spec.type`, ...) that must lead to a scalar. The API
//! server only supports a few fields per kind and rejects the others; the
//! harness is more lenient and evaluates any dotted path (a missing field
//! compares as the empty string, as in Kubernetes).
//!
//! This is deliberately not promha-core's selector matcher: the harness stands
//! in for the API server, so a mistake in the code under test must not be
//! mirrored by the code that answers its lookups.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key=value` or `key==value`
    Equals(String, String),
    /// `key!=value`: matches when the key is absent or has another value
    NotEquals(String, String),
    /// `key in (v1,v2)`
    In(String, Vec<String>),
    /// `key notin (v1,v2)`: matches when the key is absent or has another value
    NotIn(String, Vec<String>),
    /// `key`
    Exists(String),
    /// `!key`
    DoesNotExist(String),
}

impl Requirement {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        }
    }
}

/// A parsed label selector: all requirements must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    pub requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Parse the Kubernetes string form. An empty string selects everything.
    pub fn parse(input: &str) -> Result<Self> {
        let mut requirements = Vec::new();
        for part in split_top_level(input)? {
            let part = part.trim();
            if part.is_empty() {
                if input.trim().is_empty() {
                    continue;
                }
                bail!("label selector {input:?}: empty requirement");
            }
            requirements.push(parse_requirement(part).map_err(|e| anyhow!("label selector {input:?}: {e}"))?);
        }
        Ok(Self { requirements })
    }

    /// Whether an object's labels satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Whether a Kubernetes object (JSON) satisfies the selector, reading
    /// `metadata.labels` (non-string label values are ignored).
    pub fn matches_object(&self, object: &Value) -> bool {
        self.matches(&object_labels(object))
    }
}

/// The `metadata.labels` of an object as a map (string values only).
pub fn object_labels(object: &Value) -> BTreeMap<String, String> {
    object
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Split on commas that are not inside parentheses.
fn split_top_level(input: &str) -> Result<Vec<&str>> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    for (i, c) in input.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| anyhow!("label selector {input:?}: unbalanced ')'"))?;
            }
            ',' if depth == 0 => {
                parts.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        bail!("label selector {input:?}: unbalanced '('");
    }
    parts.push(&input[start..]);
    Ok(parts)
}

fn parse_requirement(part: &str) -> Result<Requirement> {
    if let Some(key) = part.strip_prefix('!') {
        let key = checked_key(key.trim())?;
        return Ok(Requirement::DoesNotExist(key));
    }
    if let Some((key, value)) = part.split_once("!=") {
        return Ok(Requirement::NotEquals(
            checked_key(key.trim())?,
            checked_value(value.trim())?,
        ));
    }
    if let Some((key, value)) = part.split_once("==") {
        return Ok(Requirement::Equals(
            checked_key(key.trim())?,
            checked_value(value.trim())?,
        ));
    }
    if let Some((key, value)) = part.split_once('=') {
        return Ok(Requirement::Equals(
            checked_key(key.trim())?,
            checked_value(value.trim())?,
        ));
    }
    if let Some(open) = part.find('(') {
        let head = part[..open].trim();
        let rest = part[open + 1..].trim_end();
        let values = rest
            .strip_suffix(')')
            .ok_or_else(|| anyhow!("{part:?}: missing ')' at the end of the value set"))?;
        let values = values
            .split(',')
            .map(|v| checked_value(v.trim()))
            .collect::<Result<Vec<_>>>()?;
        let mut words = head.split_whitespace();
        let (Some(key), Some(op), None) = (words.next(), words.next(), words.next()) else {
            bail!("{part:?}: expected `key in (...)` or `key notin (...)`");
        };
        let key = checked_key(key)?;
        return match op {
            "in" => Ok(Requirement::In(key, values)),
            "notin" => Ok(Requirement::NotIn(key, values)),
            other => bail!("{part:?}: unknown set operator {other:?} (expected in or notin)"),
        };
    }
    Ok(Requirement::Exists(checked_key(part)?))
}

fn checked_key(key: &str) -> Result<String> {
    if key.is_empty() {
        bail!("empty label key");
    }
    if key
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
    {
        bail!("invalid label key {key:?}");
    }
    Ok(key.to_owned())
}

fn checked_value(value: &str) -> Result<String> {
    if value
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        bail!("invalid label value {value:?}");
    }
    Ok(value.to_owned())
}

/// One requirement of a field selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRequirement {
    pub path: Vec<String>,
    pub value: String,
    pub negated: bool,
}

/// A parsed field selector (`metadata.name=foo,spec.type!=ClusterIP`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    pub requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    pub fn parse(input: &str) -> Result<Self> {
        let mut requirements = Vec::new();
        for part in input.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (path, value, negated) = if let Some((p, v)) = part.split_once("!=") {
                (p, v, true)
            } else if let Some((p, v)) = part.split_once("==") {
                (p, v, false)
            } else if let Some((p, v)) = part.split_once('=') {
                (p, v, false)
            } else {
                bail!("field selector {input:?}: {part:?} has no =, == or != operator");
            };
            let path: Vec<String> = path.trim().split('.').map(str::to_owned).collect();
            if path.iter().any(String::is_empty) {
                bail!("field selector {input:?}: invalid field path in {part:?}");
            }
            requirements.push(FieldRequirement {
                path,
                value: value.trim().to_owned(),
                negated,
            });
        }
        Ok(Self { requirements })
    }

    pub fn matches_object(&self, object: &Value) -> bool {
        self.requirements.iter().all(|r| {
            let mut current = Some(object);
            for segment in &r.path {
                current = current.and_then(|v| v.get(segment));
            }
            let actual = match current {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::Number(n)) => n.to_string(),
                // Kubernetes only allows scalar fields; objects never match.
                Some(_) => return r.negated,
            };
            (actual == r.value) != r.negated
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn parses_every_operator() {
        let s = LabelSelector::parse("app=prom, tier==backend,env!=dev,zone in (a, b),role notin (x),managed,!legacy")
            .unwrap();
        assert_eq!(
            s.requirements,
            vec![
                Requirement::Equals("app".into(), "prom".into()),
                Requirement::Equals("tier".into(), "backend".into()),
                Requirement::NotEquals("env".into(), "dev".into()),
                Requirement::In("zone".into(), vec!["a".into(), "b".into()]),
                Requirement::NotIn("role".into(), vec!["x".into()]),
                Requirement::Exists("managed".into()),
                Requirement::DoesNotExist("legacy".into()),
            ]
        );
    }

    #[test]
    fn empty_selector_matches_everything() {
        let s = LabelSelector::parse("").unwrap();
        assert!(s.requirements.is_empty());
        assert!(s.matches(&labels(&[])));
        assert!(s.matches(&labels(&[("a", "b")])));
    }

    #[test]
    fn equality_and_inequality() {
        let s = LabelSelector::parse("app=prom").unwrap();
        assert!(s.matches(&labels(&[("app", "prom"), ("x", "y")])));
        assert!(!s.matches(&labels(&[("app", "alertmanager")])));
        assert!(!s.matches(&labels(&[])));

        let s = LabelSelector::parse("app!=prom").unwrap();
        assert!(!s.matches(&labels(&[("app", "prom")])));
        assert!(s.matches(&labels(&[("app", "other")])));
        // absent key satisfies != (Kubernetes semantics)
        assert!(s.matches(&labels(&[])));
    }

    #[test]
    fn set_based() {
        let s = LabelSelector::parse("zone in (a,b)").unwrap();
        assert!(s.matches(&labels(&[("zone", "a")])));
        assert!(s.matches(&labels(&[("zone", "b")])));
        assert!(!s.matches(&labels(&[("zone", "c")])));
        assert!(!s.matches(&labels(&[])));

        let s = LabelSelector::parse("zone notin (a,b)").unwrap();
        assert!(!s.matches(&labels(&[("zone", "a")])));
        assert!(s.matches(&labels(&[("zone", "c")])));
        assert!(s.matches(&labels(&[])));
    }

    #[test]
    fn existence() {
        let s = LabelSelector::parse("managed").unwrap();
        assert!(s.matches(&labels(&[("managed", "")])));
        assert!(!s.matches(&labels(&[("other", "x")])));
        let s = LabelSelector::parse("!managed").unwrap();
        assert!(!s.matches(&labels(&[("managed", "true")])));
        assert!(s.matches(&labels(&[])));
    }

    #[test]
    fn conjunction_requires_all() {
        let s = LabelSelector::parse("app=prom,zone in (a,b),!legacy").unwrap();
        assert!(s.matches(&labels(&[("app", "prom"), ("zone", "b")])));
        assert!(!s.matches(&labels(&[("app", "prom"), ("zone", "b"), ("legacy", "1")])));
        assert!(!s.matches(&labels(&[("app", "prom"), ("zone", "c")])));
        assert!(!s.matches(&labels(&[("zone", "a")])));
    }

    #[test]
    fn prefixed_keys() {
        let s = LabelSelector::parse("app.kubernetes.io/name=prometheus").unwrap();
        assert!(s.matches(&labels(&[("app.kubernetes.io/name", "prometheus")])));
    }

    #[test]
    fn rejects_malformed_selectors() {
        for bad in [
            "zone in (a,b",
            "zone in a,b)",
            "zone within (a)",
            "=x",
            "a=b,,c=d",
            "a=b c",
            "!",
        ] {
            assert!(LabelSelector::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn matches_object_labels() {
        let obj = json!({"metadata": {"labels": {"app": "prom", "n": 3}}});
        assert!(LabelSelector::parse("app=prom").unwrap().matches_object(&obj));
        // non-string label values are ignored
        assert!(!LabelSelector::parse("n").unwrap().matches_object(&obj));
        assert!(LabelSelector::parse("!app").unwrap().matches_object(&json!({})));
    }

    #[test]
    fn field_selectors() {
        let obj =
            json!({"metadata": {"name": "web", "namespace": "prod"}, "spec": {"type": "ClusterIP", "replicas": 2}});
        let sel = |s: &str| FieldSelector::parse(s).unwrap().matches_object(&obj);
        assert!(sel("metadata.name=web"));
        assert!(sel("metadata.name==web,metadata.namespace=prod"));
        assert!(!sel("metadata.name=other"));
        assert!(sel("metadata.name!=other"));
        assert!(!sel("spec.type!=ClusterIP"));
        assert!(sel("spec.replicas=2"));
        assert!(sel("spec.missing="));
        assert!(sel(""));
        assert!(FieldSelector::parse("metadata.name").is_err());
        assert!(FieldSelector::parse("metadata..name=x").is_err());
    }
}
