//! anti-affinity: replicas are kept on different nodes.

use serde_json::{Value as Json, json};

use super::{Emitter, Rule, flow_map};
use crate::finding::{FieldPath, Fix, Severity, Step};
use crate::model::Input;
use crate::model::object::Object;
use crate::model::operator::{self, SHARD_LABEL};
use crate::model::selector::LabelSelector;
use crate::model::workload::{Replicas, Workload};
use crate::read::{Node, Position};
use crate::scope::Scope;
use crate::settings::{DefaultValue, Kind, Setting, SettingDecl, Settings};

pub static ANTI_AFFINITY: Setting<String> = Setting::new(SettingDecl {
    key: "antiAffinity",
    title: "Anti-affinity",
    group: "Scheduling",
    doc: "`preferred`: a preferred term or a ScheduleAnyway spread constraint is enough; `required`: only required terms and DoNotSchedule constraints count",
    kind: Kind::OneOf(&["preferred", "required"]),
    default: DefaultValue::Text("preferred"),
    cli_only: false,
});

pub static TOPOLOGY_KEY: Setting<String> = Setting::new(SettingDecl {
    key: "topologyKey",
    title: "Topology key",
    group: "Scheduling",
    doc: "the failure domain replicas must be spread over",
    kind: Kind::LabelKey,
    default: DefaultValue::Text("kubernetes.io/hostname"),
    cli_only: false,
});

/// Whether only required terms and DoNotSchedule constraints count.
fn required_mode(settings: &Settings) -> bool {
    settings.get(&ANTI_AFFINITY) == "required"
}

pub const RULE: Rule = Rule {
    id: "anti-affinity",
    severity: Severity::Error,
    summary: "Replicas are kept apart by pod anti-affinity or a topology spread constraint that selects their own pods",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Workloads],
    lookups: &[],
    settings: &[&ANTI_AFFINITY.decl, &TOPOLOGY_KEY.decl],
    check,
};

/// How strongly a term or constraint keeps replicas apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    None,
    Preferred,
    Required,
}

/// Why a term or constraint does not keep the replicas apart.
enum Flaw {
    /// No labelSelector: it selects no pods.
    NoSelector { pruned_operator_selector: bool },
    /// Its selector matches none of the pods; the parts they fail, and
    /// whether the operator adds its own labels to it (so only the user's
    /// extra parts need to go).
    MatchesNone {
        selector: String,
        unmatched: Vec<String>,
        operator_adds_labels: bool,
        /// Every part of the selector is unmatched: without them it is empty.
        all_unmatched: bool,
    },
    /// Its selector matches the pods of some shards only.
    SomeShards { selector: String, missed: Vec<i64> },
    /// `mismatchLabelKeys` names a label the replicas share: the term then
    /// selects only pods with another value, never the replicas' siblings.
    MismatchKey { key: String, index: usize, only: bool },
    /// It looks at pods in other namespaces.
    OtherNamespaces(Vec<String>),
    /// A spread constraint counting the pods of every shard together.
    SpansShards { selector: String, shards: i64 },
    /// A preferred term on a zone or region key alone.
    PreferredCoarse(String),
    /// It is on another topology key.
    OtherKey(String),
    /// A spread constraint allowing more than one pod of skew.
    Skew(i64),
}

struct Candidate {
    path: String,
    /// The same path as steps, for edits.
    steps: Vec<Step>,
    position: Position,
    strength: Strength,
    flaw: Option<Flaw>,
    /// Kept apart only by a zone or region key (enforced only on nodes that carry it).
    coarse_key: Option<String>,
}

/// Keys of domains that contain whole nodes: anti-affinity across them keeps
/// pods on different nodes too.
const COARSER_THAN_NODE: &[&str] = &[
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
];

const HOSTNAME: &str = "kubernetes.io/hostname";

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    let settings = scope.settings;
    for workload in scope.reported_workloads().filter(|w| w.is_replicated()) {
        let object = scope.object(workload.object);
        let candidates = candidates(scope, workload, object);
        let needed = if required_mode(settings) {
            Strength::Required
        } else {
            Strength::Preferred
        };
        let satisfying: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.flaw.is_none() && c.strength >= needed)
            .collect();
        if satisfying.is_empty() {
            let best = candidates
                .iter()
                .filter(|c| c.flaw.is_none())
                .map(|c| c.strength)
                .max()
                .unwrap_or(Strength::None);
            report(scope, workload, object, &candidates, best, out);
        } else if satisfying.iter().all(|c| c.coarse_key.is_some()) {
            warn_coarse_only(workload, object, satisfying[0], out);
        }
    }
}

fn candidates(scope: &Scope<'_>, workload: &Workload<'_>, object: &Object<'_>) -> Vec<Candidate> {
    let mut found = Vec::new();
    let Some(pod_spec) = workload.pod_spec(object) else {
        return found;
    };
    let anti = pod_spec.path(&["affinity", "podAntiAffinity"]);
    let required = anti
        .and_then(|a| a.get("requiredDuringSchedulingIgnoredDuringExecution"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for (i, term) in required.iter().enumerate() {
        let path = workload.pod_spec_path(&format!(
            "affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[{i}]"
        ));
        let steps = pod_spec_steps(workload, &["affinity", "podAntiAffinity", REQUIRED], Some(i), &[]);
        found.push(affinity_term(
            scope,
            workload,
            object,
            term,
            (path, steps),
            Strength::Required,
        ));
    }
    let preferred = anti
        .and_then(|a| a.get("preferredDuringSchedulingIgnoredDuringExecution"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for (i, weighted) in preferred.iter().enumerate() {
        let Some(term) = weighted.get("podAffinityTerm") else {
            continue;
        };
        let path = workload.pod_spec_path(&format!(
            "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}].podAffinityTerm"
        ));
        let steps = pod_spec_steps(
            workload,
            &["affinity", "podAntiAffinity", PREFERRED],
            Some(i),
            &["podAffinityTerm"],
        );
        found.push(affinity_term(
            scope,
            workload,
            object,
            term,
            (path, steps),
            Strength::Preferred,
        ));
    }
    let constraints = pod_spec
        .get("topologySpreadConstraints")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for (i, constraint) in constraints.iter().enumerate() {
        let path = workload.pod_spec_path(&format!("topologySpreadConstraints[{i}]"));
        let steps = pod_spec_steps(workload, &["topologySpreadConstraints"], Some(i), &[]);
        if let Some(candidate) = spread_constraint(scope, workload, object, constraint, (path, steps)) {
            found.push(candidate);
        }
    }
    found
}

/// The shards whose pods the selector does not match.
fn shards_missed(workload: &Workload<'_>, selector: &LabelSelector) -> Vec<i64> {
    (0..workload.shards)
        .filter(|&shard| !selector.matches(&workload.pod_labels(shard)))
        .collect()
}

fn affinity_term(
    scope: &Scope<'_>,
    workload: &Workload<'_>,
    object: &Object<'_>,
    term: &Node,
    (path, steps): (String, Vec<Step>),
    strength: Strength,
) -> Candidate {
    let wanted = scope.settings.get(&TOPOLOGY_KEY);
    let key = term.get("topologyKey").and_then(Node::as_str).unwrap_or_default();
    let coarse = wanted == HOSTNAME && COARSER_THAN_NODE.contains(&key);
    let mut position = term.position;
    let flaw = if key != wanted && !coarse {
        Some(Flaw::OtherKey(key.to_string()))
    } else if coarse && strength == Strength::Preferred {
        // kube-scheduler's interpodaffinity scoring: in one zone every node scores alike.
        Some(Flaw::PreferredCoarse(key.to_string()))
    } else if let Some(node) = term.get("labelSelector").filter(|s| !s.is_null()) {
        let selector = LabelSelector::from_node(node);
        let mismatched = term.get("mismatchLabelKeys").and_then(|keys| {
            keys.as_seq()
                .unwrap_or_default()
                .iter()
                .enumerate()
                .find_map(|(i, k)| {
                    k.as_str()
                        .filter(|k| workload.carries_label(k))
                        .map(|k| (k.to_string(), i))
                })
                .map(|(k, i)| (k, i, keys.as_seq().is_some_and(|l| l.len() == 1), keys.position))
        });
        let missed = shards_missed(workload, &selector);
        if let Some((key, index, only, at)) = mismatched {
            position = at;
            Some(Flaw::MismatchKey { key, index, only })
        } else if let Some((namespaces, at)) = other_namespaces(term, object) {
            position = at;
            Some(Flaw::OtherNamespaces(namespaces))
        } else if !missed.is_empty() {
            position = node.position;
            let unmatched = selector.unmatched(&workload.pod_labels(0));
            let all_unmatched = unmatched.len() == selector.match_labels.len() + selector.match_expressions.len();
            let selector = format!("labelSelector `{selector}`");
            Some(if missed.len() as i64 == workload.shards {
                Flaw::MatchesNone {
                    selector,
                    unmatched,
                    operator_adds_labels: false,
                    all_unmatched,
                }
            } else {
                Flaw::SomeShards { selector, missed }
            })
        } else {
            None
        }
    } else {
        Some(Flaw::NoSelector {
            pruned_operator_selector: false,
        })
    };
    Candidate {
        path,
        steps,
        position,
        strength,
        flaw,
        coarse_key: coarse.then(|| key.to_string()),
    }
}

/// The namespaces a term looks in, when they are not the workload's own: a
/// term listing namespaces (and no namespace selector) looks only there.
fn other_namespaces(term: &Node, object: &Object<'_>) -> Option<(Vec<String>, Position)> {
    let listed = term.get("namespaces")?;
    let namespaces: Vec<String> = listed
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .map(str::to_string)
        .collect();
    let has_namespace_selector = term.get("namespaceSelector").is_some_and(|n| !n.is_null());
    let elsewhere = !namespaces.is_empty() && !has_namespace_selector && !namespaces.contains(&object.namespace);
    elsewhere.then_some((namespaces, listed.position))
}

/// The selector a spread constraint counts pods with, for one shard's
/// StatefulSet. For Prometheus and PrometheusAgent, `additionalLabelSelectors`
/// makes the operator write its selector labels into `matchLabels`,
/// overwriting the user's values for those keys; `OnShard` adds the shard
/// label, `OnResource` leaves it as the user wrote it
/// (`MakeK8sTopologySpreadConstraint` in pkg/prometheus/common.go). The
/// field exists in no other CRD: the API server prunes it elsewhere.
fn spread_selector(
    workload: &Workload<'_>,
    object: &Object<'_>,
    constraint: &Node,
    shard: i64,
) -> Option<LabelSelector> {
    let written = constraint
        .get("labelSelector")
        .filter(|s| !s.is_null())
        .map(LabelSelector::from_node);
    let mode = constraint.get("additionalLabelSelectors").and_then(Node::as_str);
    let on_shard = match mode {
        Some("OnShard") => true,
        Some("OnResource") => false,
        _ => return written,
    };
    if !(workload.operator && workload.app.is_sharded()) {
        return written;
    }
    let mut selector = written.unwrap_or_default();
    let mut own: Vec<(String, String)> = operator::selector_labels(workload.app, &object.name)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    if on_shard {
        own.push((SHARD_LABEL.to_string(), shard.to_string()));
    }
    selector
        .match_labels
        .retain(|(key, _)| !own.iter().any(|(k, _)| k == key));
    selector.match_labels.extend(own);
    Some(selector)
}

fn spread_constraint(
    scope: &Scope<'_>,
    workload: &Workload<'_>,
    object: &Object<'_>,
    constraint: &Node,
    (path, steps): (String, Vec<Step>),
) -> Option<Candidate> {
    let key = constraint.get("topologyKey").and_then(Node::as_str)?;
    let max_skew = constraint.get("maxSkew").and_then(Node::as_whole_number)?;
    let strength = match constraint.get("whenUnsatisfiable").and_then(Node::as_str) {
        Some("ScheduleAnyway") => Strength::Preferred,
        _ => Strength::Required,
    };
    let selector_position = constraint
        .get("labelSelector")
        .map_or(constraint.position, |n| n.position);
    let mut position = constraint.position;
    let flaw = if key != scope.settings.get(&TOPOLOGY_KEY) {
        Some(Flaw::OtherKey(key.to_string()))
    } else {
        let selectors: Vec<Option<LabelSelector>> = (0..workload.shards)
            .map(|shard| spread_selector(workload, object, constraint, shard))
            .collect();
        match selectors.first().cloned().flatten() {
            None => {
                position = selector_position;
                Some(Flaw::NoSelector {
                    pruned_operator_selector: constraint.get("additionalLabelSelectors").is_some()
                        && !workload.app.is_sharded(),
                })
            }
            Some(shown) => {
                let missed: Vec<i64> = selectors
                    .iter()
                    .enumerate()
                    .filter(|(shard, s)| {
                        !s.as_ref()
                            .is_some_and(|s| s.matches(&workload.pod_labels(*shard as i64)))
                    })
                    .map(|(shard, _)| shard as i64)
                    .collect();
                // Counting every shard's pods together, two replicas of one shard may share a node.
                let spans = workload.shards > 1
                    && selectors.iter().enumerate().any(|(shard, s)| {
                        s.as_ref().is_some_and(|s| {
                            (0..workload.shards)
                                .any(|other| other != shard as i64 && s.matches(&workload.pod_labels(other)))
                        })
                    });
                let unmatched = shown.unmatched(&workload.pod_labels(0));
                // Measured against what is written: the operator's merged labels are not the user's to remove.
                let written = constraint
                    .get("labelSelector")
                    .map(LabelSelector::from_node)
                    .unwrap_or_default();
                let all_unmatched = unmatched.len() >= written.match_labels.len() + written.match_expressions.len();
                let selector = format!("labelSelector `{shown}`");
                if !missed.is_empty() {
                    position = selector_position;
                    Some(if missed.len() as i64 == workload.shards {
                        Flaw::MatchesNone {
                            selector,
                            unmatched,
                            operator_adds_labels: workload.operator
                                && workload.app.is_sharded()
                                && constraint.get("additionalLabelSelectors").is_some(),
                            all_unmatched,
                        }
                    } else {
                        Flaw::SomeShards { selector, missed }
                    })
                } else if spans {
                    position = selector_position;
                    Some(Flaw::SpansShards {
                        selector,
                        shards: workload.shards,
                    })
                } else if max_skew != 1 {
                    position = constraint.get("maxSkew").map_or(constraint.position, |n| n.position);
                    Some(Flaw::Skew(max_skew))
                } else {
                    None
                }
            }
        }
    };
    Some(Candidate {
        path,
        steps,
        position,
        strength,
        flaw,
        coarse_key: None,
    })
}

const REQUIRED: &str = "requiredDuringSchedulingIgnoredDuringExecution";
const PREFERRED: &str = "preferredDuringSchedulingIgnoredDuringExecution";

/// Steps into the pod spec: `keys`, then a list index, then more keys.
fn pod_spec_steps(workload: &Workload<'_>, keys: &[&str], index: Option<usize>, more: &[&str]) -> Vec<Step> {
    let mut steps: Vec<Step> = workload
        .pod_spec_keys
        .iter()
        .chain(keys)
        .map(|k| Step::Key(k.to_string()))
        .collect();
    steps.extend(index.map(Step::Index));
    steps.extend(more.iter().map(|k| Step::Key(k.to_string())));
    steps
}

fn path_of(steps: Vec<Step>) -> FieldPath {
    FieldPath { within: None, steps }
}

fn with(steps: &[Step], key: &str) -> FieldPath {
    let mut steps = steps.to_vec();
    steps.push(Step::Key(key.to_string()));
    path_of(steps)
}

/// The selector of a workload's own pods, as JSON.
fn selector_json(workload: &Workload<'_>, object: &Object<'_>) -> Json {
    let labels: serde_json::Map<String, Json> = workload
        .identifying_labels(object)
        .into_iter()
        .map(|(k, v)| (k, Json::String(v)))
        .collect();
    json!({"matchLabels": labels})
}

/// A new anti-affinity term on `key` selecting the workload's pods: appended
/// to the required or the preferred list.
fn term_fix(workload: &Workload<'_>, object: &Object<'_>, key: &str, required: bool) -> Fix {
    let labels = flow_map(&workload.identifying_labels(object));
    let selector = selector_json(workload, object);
    let (list, text, term) = if required {
        (
            REQUIRED,
            format!(
                "set {}: [{{topologyKey: {key}, labelSelector: {{matchLabels: {labels}}}}}]",
                workload.pod_spec_path("affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution")
            ),
            json!({"topologyKey": key, "labelSelector": selector}),
        )
    } else {
        (
            PREFERRED,
            format!(
                "set {}: [{{weight: 100, podAffinityTerm: {{topologyKey: {key}, labelSelector: {{matchLabels: {labels}}}}}}}]",
                workload.pod_spec_path("affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution")
            ),
            json!({"weight": 100, "podAffinityTerm": {"topologyKey": key, "labelSelector": selector}}),
        )
    };
    let fix = Fix::text(text);
    if workload.identifying_labels(object).is_empty() {
        return fix;
    }
    fix.append(
        path_of(pod_spec_steps(
            workload,
            &["affinity", "podAntiAffinity", list],
            None,
            &[],
        )),
        vec![term],
    )
}

fn report(
    scope: &Scope<'_>,
    workload: &Workload<'_>,
    object: &Object<'_>,
    candidates: &[Candidate],
    best: Strength,
    out: &mut Emitter<'_>,
) {
    let settings = scope.settings;
    let key = &settings.get(&TOPOLOGY_KEY);
    let noun = workload.app.noun();
    let replicas = workload.replicas.unwrap_or(0);
    let labels = flow_map(&workload.identifying_labels(object));
    let required_mode = required_mode(settings);
    let default_fix = term_fix(workload, object, key, required_mode);
    let own_selector = selector_json(workload, object);
    let has_labels = !workload.identifying_labels(object).is_empty();
    let set_selector = |steps: &[Step], text: String| {
        let fix = Fix::text(text);
        if has_labels {
            fix.set(with(steps, "labelSelector"), own_selector.clone())
        } else {
            fix
        }
    };
    let consequence = format!("the {replicas} {noun} replicas can all be scheduled on one node and fail with it");
    let shards = |list: &[i64]| list.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");

    // The most telling explanation first: a selector that matches nothing.
    let mut reported = false;
    for candidate in candidates {
        let Some(flaw) = &candidate.flaw else { continue };
        let path = &candidate.path;
        let steps = &candidate.steps;
        let (message, fix): (String, Fix) = match flaw {
            Flaw::NoSelector {
                pruned_operator_selector,
            } => (
                format!(
                    "{path} has no labelSelector, so it selects no pods{}: it keeps nothing apart, so {consequence}.",
                    if *pruned_operator_selector {
                        format!(
                            " (additionalLabelSelectors exists only for Prometheus and PrometheusAgent; the API server prunes it from {})",
                            object.kind
                        )
                    } else {
                        String::new()
                    }
                ),
                set_selector(steps, format!("set {path}.labelSelector.matchLabels: {labels}")),
            ),
            Flaw::MatchesNone {
                selector,
                unmatched,
                operator_adds_labels,
                all_unmatched,
            } => (
                format!(
                    "{path} has {selector}, which matches none of the pods of {}: they do not carry {} (they carry {}), so it keeps nothing apart, and {consequence}.",
                    object.display(),
                    unmatched.join(", "),
                    workload.pod_labels(0).describe()
                ),
                if *operator_adds_labels && *all_unmatched {
                    // Nothing of it is left: without a labelSelector the operator writes its own.
                    Fix::text(format!(
                        "remove {path}.labelSelector (additionalLabelSelectors adds the operator's own labels)"
                    ))
                    .remove(with(steps, "labelSelector"))
                } else if *operator_adds_labels {
                    let mut fix = Fix::text(format!(
                        "remove {} from {path}.labelSelector (additionalLabelSelectors adds the operator's own labels)",
                        unmatched.join(", ")
                    ));
                    // Only `key=value` parts are matchLabels entries; an expression is left to the user.
                    let labels: Option<Vec<&str>> = unmatched
                        .iter()
                        .map(|part| part.split_once('=').map(|(k, _)| k))
                        .collect();
                    for label in labels.unwrap_or_default() {
                        let mut steps = steps.clone();
                        steps.push(Step::Key("labelSelector".to_string()));
                        steps.push(Step::Key("matchLabels".to_string()));
                        steps.push(Step::Key(label.to_string()));
                        fix = fix.remove(path_of(steps));
                    }
                    fix
                } else {
                    set_selector(steps, format!("set {path}.labelSelector.matchLabels: {labels}"))
                },
            ),
            Flaw::SomeShards { selector, missed } => (
                format!(
                    "{path} has {selector}, which matches the pods of some of the {} shards of {} but not of shard {}: the replicas of {} can all be scheduled on one node and fail with it.",
                    workload.shards,
                    object.display(),
                    shards(missed),
                    if missed.len() == 1 {
                        "that shard"
                    } else {
                        "those shards"
                    }
                ),
                set_selector(steps, format!("set {path}.labelSelector.matchLabels: {labels}")),
            ),
            Flaw::MismatchKey {
                key: label,
                index,
                only,
            } => (
                format!(
                    "{path} has mismatchLabelKeys [{label}], a label all replicas of {} carry with one value: the term then selects only pods with another value, never the replicas themselves, so {consequence}.",
                    object.display()
                ),
                if *only {
                    Fix::text(format!("remove {path}.mismatchLabelKeys")).remove(with(steps, "mismatchLabelKeys"))
                } else {
                    let mut steps = steps.clone();
                    steps.push(Step::Key("mismatchLabelKeys".to_string()));
                    steps.push(Step::Index(*index));
                    Fix::text(format!("remove {label} from {path}.mismatchLabelKeys")).remove(path_of(steps))
                },
            ),
            Flaw::OtherNamespaces(namespaces) => (
                format!(
                    "{path} looks at pods in namespace{} {}, not in {} where the replicas of {} run: it keeps nothing apart, so {consequence}.",
                    if namespaces.len() == 1 { "" } else { "s" },
                    namespaces.join(", "),
                    object.namespace,
                    object.display()
                ),
                Fix::text(format!(
                    "remove {path}.namespaces (a term without it looks in the pod's own namespace)"
                ))
                .remove(with(steps, "namespaces")),
            ),
            Flaw::SpansShards { selector, shards } => (
                format!(
                    "{path} has {selector}, which counts the pods of all {shards} shards of {} together: two replicas of one shard may share a node while the skew over all pods stays at 0, so a shard's replicas can fail together.",
                    object.display()
                ),
                Fix::text(format!("set {path}.additionalLabelSelectors: OnShard"))
                    .set(with(steps, "additionalLabelSelectors"), json!("OnShard")),
            ),
            Flaw::PreferredCoarse(coarse) => (
                format!(
                    "{path} only prefers spreading over {coarse}: in a cluster with one zone every node scores the same for it, so it does not keep the {replicas} {noun} replicas off one node."
                ),
                term_fix(workload, object, HOSTNAME, required_mode),
            ),
            Flaw::Skew(skew) => (
                format!(
                    "{path} has maxSkew {skew}, which lets {skew} more replicas share a node than another; {consequence}."
                ),
                Fix::text(format!("set {path}.maxSkew: 1")).set(with(steps, "maxSkew"), json!(1)),
            ),
            Flaw::OtherKey(other) => (
                format!("{path} spreads pods over topology key {other:?}, not {key}, so {consequence}."),
                Fix::text(format!("set {path}.topologyKey: {key}")).set(with(steps, "topologyKey"), json!(key)),
            ),
        };
        out.report(object, candidate.position, message, fix);
        reported = true;
    }
    if reported {
        return;
    }
    if best == Strength::Preferred && required_mode {
        for candidate in candidates.iter().filter(|c| c.strength == Strength::Preferred) {
            out.report(
                object,
                candidate.position,
                format!(
                    "{} only prefers spreading the {noun} replicas; with antiAffinity: required a preference is not enough, since the scheduler ignores it when nodes are short.",
                    candidate.path
                ),
                if candidate.path.contains("topologySpreadConstraints") {
                    Fix::text(format!("set {}.whenUnsatisfiable: DoNotSchedule", candidate.path))
                        .set(with(&candidate.steps, "whenUnsatisfiable"), json!("DoNotSchedule"))
                } else {
                    default_fix.clone()
                },
            );
        }
        return;
    }
    let position = workload
        .pod_spec(object)
        .and_then(|spec| spec.get("affinity"))
        .map(|a| a.position)
        .or(match workload.replicas_field {
            Replicas::Set(_, node) => Some(node.position),
            _ => None,
        })
        .unwrap_or_else(|| object.position_of(workload.pod_spec_keys));
    out.report(
        object,
        position,
        format!(
            "{} has no pod anti-affinity or topology spread constraint on {key}: {consequence}.",
            object.display()
        ),
        default_fix,
    );
}

/// Replicas kept apart only by a zone or region term: the scheduler
/// enforces a term only on nodes that carry its key.
fn warn_coarse_only(workload: &Workload<'_>, object: &Object<'_>, candidate: &Candidate, out: &mut Emitter<'_>) {
    let Some(key) = &candidate.coarse_key else { return };
    out.warn(
        object,
        candidate.position,
        format!(
            "{} keeps the replicas of {} in different {} ({key}), and so on different nodes, but the scheduler enforces it only on nodes that carry {key}: nodes without it (common on kind, k3s and bare-metal kubeadm clusters) may get several replicas.",
            candidate.path,
            object.display(),
            if key.ends_with("region") { "regions" } else { "zones" }
        ),
        {
            let term = term_fix(workload, object, HOSTNAME, true);
            Fix {
                text: format!(
                    "also add {}, or make sure every node carries {key}",
                    term.text.trim_start_matches("set ")
                ),
                edits: term.edits,
                subject: None,
            }
        },
    );
}
