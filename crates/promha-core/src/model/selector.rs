//! Pod labels and Kubernetes label selectors.

use std::collections::BTreeMap;
use std::fmt;

use crate::read::Node;

/// Kubernetes' recommended version label: the operator sets it on its pods
/// from the resource's version, which is often not written.
pub const VERSION_LABEL: &str = "app.kubernetes.io/version";
/// Set by the Deployment controller on each ReplicaSet's pods.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// Set by the StatefulSet controller on each revision's pods.
pub const CONTROLLER_REVISION_HASH: &str = "controller-revision-hash";

/// Labels pods may carry with a value known only in the cluster: a selector
/// on them gets the benefit of the doubt, and joins cannot look them up.
pub const UNKNOWN_VALUE_LABELS: &[&str] = &[VERSION_LABEL, POD_TEMPLATE_HASH, CONTROLLER_REVISION_HASH];

/// The labels a workload's pods carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodLabels {
    pub labels: BTreeMap<String, String>,
    /// Keys the pods carry with a value promha cannot know (the operator's
    /// `app.kubernetes.io/version` when no version is set): a selector on
    /// them is given the benefit of the doubt.
    pub any_value: Vec<&'static str>,
}

impl PodLabels {
    pub fn insert(&mut self, key: &str, value: &str) {
        self.labels.insert(key.to_string(), value.to_string());
    }

    /// Inserts the scalar entries of a label map as written (`labels: {...}`).
    pub fn insert_map(&mut self, map: Option<&Node>) {
        for entry in map.and_then(Node::as_map).unwrap_or_default() {
            if let Some(value) = entry.value.scalar_text() {
                self.insert(&entry.key, &value);
            }
        }
    }

    fn value(&self, key: &str) -> LabelValue<'_> {
        match self.labels.get(key) {
            Some(v) => LabelValue::Known(v),
            None if self.any_value.contains(&key) => LabelValue::Unknown,
            None => LabelValue::Absent,
        }
    }

    /// Whether the pods carry the key, with a known value or not.
    pub fn has_key(&self, key: &str) -> bool {
        !matches!(self.value(key), LabelValue::Absent)
    }

    /// `{a: b, c: d}`, for messages.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.labels.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        parts.extend(self.any_value.iter().map(|k| format!("{k}: <set by the cluster>")));
        format!("{{{}}}", parts.join(", "))
    }
}

enum LabelValue<'a> {
    Known(&'a str),
    Unknown,
    Absent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    /// Not an operator the API server accepts: matches nothing.
    Invalid,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

/// A `metav1.LabelSelector`, or a Service's plain selector map (only
/// `match_labels`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: Vec<(String, String)>,
    pub match_expressions: Vec<Requirement>,
}

impl LabelSelector {
    /// Reads `{matchLabels, matchExpressions}`. Parts of the wrong type are
    /// left out (invalid-resource reports them); an unknown operator makes the
    /// selector match nothing, as the API server would refuse it.
    pub fn from_node(node: &Node) -> LabelSelector {
        let mut selector = LabelSelector::default();
        if let Some(entries) = node.get("matchLabels").and_then(Node::as_map) {
            for e in entries {
                if let Some(v) = e.value.scalar_text() {
                    selector.match_labels.push((e.key.clone(), v));
                }
            }
        }
        if let Some(items) = node.get("matchExpressions").and_then(Node::as_seq) {
            for item in items {
                let key = item.get("key").and_then(Node::as_str).unwrap_or_default().to_string();
                let operator = match item.get("operator").and_then(Node::as_str) {
                    Some("In") => Operator::In,
                    Some("NotIn") => Operator::NotIn,
                    Some("Exists") => Operator::Exists,
                    Some("DoesNotExist") => Operator::DoesNotExist,
                    _ => Operator::Invalid,
                };
                let values = item
                    .get("values")
                    .and_then(Node::as_seq)
                    .map(|vs| vs.iter().filter_map(Node::scalar_text).collect())
                    .unwrap_or_default();
                selector.match_expressions.push(Requirement { key, operator, values });
            }
        }
        selector
    }

    /// A Service's `spec.selector` map.
    pub fn from_map(node: &Node) -> LabelSelector {
        LabelSelector {
            match_labels: node
                .as_map()
                .map(|entries| {
                    entries
                        .iter()
                        .filter_map(|e| e.value.scalar_text().map(|v| (e.key.clone(), v)))
                        .collect()
                })
                .unwrap_or_default(),
            match_expressions: Vec::new(),
        }
    }

    /// Whether pods with these labels are selected (an empty selector selects all).
    pub fn matches(&self, pod: &PodLabels) -> bool {
        self.match_labels.iter().all(|(k, v)| match pod.value(k) {
            LabelValue::Known(actual) => actual == v,
            LabelValue::Unknown => true,
            LabelValue::Absent => false,
        }) && self.match_expressions.iter().all(|r| r.matches(pod))
    }

    /// The parts of the selector that pods with these labels fail, as
    /// kubectl writes them (`app=prometheus`, `tier notin (x)`).
    pub fn unmatched(&self, pod: &PodLabels) -> Vec<String> {
        let labels = self.match_labels.iter().filter(|(k, v)| match pod.value(k) {
            LabelValue::Known(actual) => actual != v,
            LabelValue::Unknown => false,
            LabelValue::Absent => true,
        });
        let mut failed: Vec<String> = labels.map(|(k, v)| format!("{k}={v}")).collect();
        for requirement in self.match_expressions.iter().filter(|r| !r.matches(pod)) {
            failed.push(
                LabelSelector {
                    match_labels: Vec::new(),
                    match_expressions: vec![requirement.clone()],
                }
                .to_string(),
            );
        }
        failed
    }

    /// Whether the selector names a label key (in matchLabels or an expression).
    pub fn uses_key(&self, key: &str) -> bool {
        self.match_labels.iter().any(|(k, _)| k == key) || self.match_expressions.iter().any(|r| r.key == key)
    }

    /// The same selector with the labels of `extra` added (ANDed).
    pub fn and_labels(&self, extra: &[(String, String)]) -> LabelSelector {
        let mut combined = self.clone();
        combined.match_labels.extend(extra.iter().cloned());
        combined
    }
}

/// Labels as a label selector of the API's string syntax (`a=b,c=d`), as
/// lookups send it; labels no selector can express (a key or value of other
/// characters, or too long) are left out, so the selector may pick more
/// objects, never fewer. `None` when nothing is left: select everything.
pub fn equality_selector(labels: &[(String, String)]) -> Option<String> {
    // k8s.io/apimachinery validation: keys are `[prefix/]name`, names and
    // values at most 63 of [A-Za-z0-9-_.], beginning and ending alphanumeric.
    let name_ok = |text: &str, may_be_empty: bool| {
        (may_be_empty && text.is_empty())
            || (text.len() <= 63
                && text.starts_with(|c: char| c.is_ascii_alphanumeric())
                && text.ends_with(|c: char| c.is_ascii_alphanumeric())
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    };
    let key_ok = |key: &str| match key.split_once('/') {
        Some((prefix, name)) => {
            !prefix.is_empty()
                && prefix.len() <= 253
                && prefix
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
                && name_ok(name, false)
        }
        None => name_ok(key, false),
    };
    let parts: Vec<String> = labels
        .iter()
        .filter(|(key, value)| key_ok(key) && name_ok(value, true))
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    (!parts.is_empty()).then(|| parts.join(","))
}

impl Requirement {
    fn matches(&self, pod: &PodLabels) -> bool {
        let value = pod.value(&self.key);
        match self.operator {
            Operator::In => match value {
                LabelValue::Known(v) => self.values.iter().any(|x| x == v),
                LabelValue::Unknown => !self.values.is_empty(),
                LabelValue::Absent => false,
            },
            Operator::NotIn => match value {
                LabelValue::Known(v) => !self.values.iter().any(|x| x == v),
                LabelValue::Unknown | LabelValue::Absent => true,
            },
            Operator::Exists => !matches!(value, LabelValue::Absent),
            Operator::DoesNotExist => matches!(value, LabelValue::Absent),
            Operator::Invalid => false,
        }
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self.match_labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for r in &self.match_expressions {
            parts.push(match r.operator {
                Operator::In => format!("{} in ({})", r.key, r.values.join(",")),
                Operator::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
                Operator::Exists => r.key.clone(),
                Operator::DoesNotExist => format!("!{}", r.key),
                Operator::Invalid => format!("{} <invalid operator>", r.key),
            });
        }
        if parts.is_empty() {
            f.write_str("{} (everything)")
        } else {
            f.write_str(&parts.join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{ReadLimits, read_documents};

    fn selector(yaml: &str) -> LabelSelector {
        LabelSelector::from_node(&read_documents(yaml, &ReadLimits::default()).unwrap()[0])
    }

    fn pod(pairs: &[(&str, &str)]) -> PodLabels {
        let mut p = PodLabels::default();
        for (k, v) in pairs {
            p.insert(k, v);
        }
        p
    }

    #[test]
    fn match_labels_must_all_be_present() {
        let s = selector("matchLabels: {app: prom, team: obs}");
        assert!(s.matches(&pod(&[("app", "prom"), ("team", "obs"), ("x", "y")])));
        assert!(!s.matches(&pod(&[("app", "prom")])));
        assert!(!s.matches(&pod(&[("app", "prom"), ("team", "other")])));
    }

    #[test]
    fn expressions() {
        let s = selector(
            "matchExpressions:\n- {key: app, operator: In, values: [a, b]}\n- {key: tier, operator: NotIn, values: [x]}\n- {key: zone, operator: Exists}\n- {key: canary, operator: DoesNotExist}\n",
        );
        assert!(s.matches(&pod(&[("app", "b"), ("zone", "1")])));
        assert!(!s.matches(&pod(&[("app", "c"), ("zone", "1")])));
        assert!(!s.matches(&pod(&[("app", "a"), ("tier", "x"), ("zone", "1")])));
        assert!(!s.matches(&pod(&[("app", "a")])));
        assert!(!s.matches(&pod(&[("app", "a"), ("zone", "1"), ("canary", "y")])));
    }

    #[test]
    fn keys_are_used_in_labels_or_expressions() {
        let s = selector("matchLabels: {app: prom}\nmatchExpressions: [{key: zone, operator: Exists}]\n");
        assert!(s.uses_key("app") && s.uses_key("zone"));
        assert!(!s.uses_key("team"));
    }

    #[test]
    fn numbers_in_match_labels_read_as_text() {
        let s = selector("matchLabels: {operator.prometheus.io/shard: 0}");
        assert!(s.matches(&pod(&[("operator.prometheus.io/shard", "0")])));
    }

    #[test]
    fn unknown_values_get_the_benefit_of_the_doubt() {
        let mut p = pod(&[("app", "a")]);
        p.any_value.push("app.kubernetes.io/version");
        assert!(selector("matchLabels: {app.kubernetes.io/version: 2.0.0}").matches(&p));
        assert!(!selector("matchExpressions: [{key: app.kubernetes.io/version, operator: DoesNotExist}]").matches(&p));
    }

    #[test]
    fn empty_selector_selects_all_and_bad_operator_selects_none() {
        assert!(selector("{}").matches(&pod(&[])));
        assert!(
            !selector("matchExpressions: [{key: app, operator: Equals, values: [a]}]").matches(&pod(&[("app", "a")]))
        );
    }

    #[test]
    fn unmatched_parts_are_named() {
        let s = selector("matchLabels: {app: a, team: x}\nmatchExpressions: [{key: tier, operator: Exists}]");
        assert_eq!(s.unmatched(&pod(&[("app", "a"), ("team", "y")])), ["team=x", "tier"]);
        assert!(
            s.unmatched(&pod(&[("app", "a"), ("team", "x"), ("tier", "1")]))
                .is_empty()
        );
    }

    #[test]
    fn equality_selectors_leave_out_what_they_cannot_express() {
        let labels = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert_eq!(
            equality_selector(&labels(&[("app.kubernetes.io/name", "prometheus"), ("team", "")])).as_deref(),
            Some("app.kubernetes.io/name=prometheus,team=")
        );
        assert_eq!(
            equality_selector(&labels(&[
                ("app", "a b"),
                ("tier", "x,y=z"),
                ("Bad/x", "1"),
                ("ok", "1")
            ]))
            .as_deref(),
            Some("ok=1")
        );
        assert_eq!(equality_selector(&labels(&[("app", &"x".repeat(64))])), None);
        assert_eq!(equality_selector(&[]), None);
    }

    #[test]
    fn display_reads_like_kubectl() {
        let s = selector("matchLabels: {app: a}\nmatchExpressions: [{key: b, operator: NotIn, values: [x, y]}]");
        assert_eq!(s.to_string(), "app=a,b notin (x,y)");
    }
}
