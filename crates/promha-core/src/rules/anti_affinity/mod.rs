//! anti-affinity: replicas are kept on different nodes.

use super::{Emitter, Rule, flow_map};
use crate::finding::Severity;
use crate::model::Input;
use crate::model::object::Object;
use crate::model::selector::LabelSelector;
use crate::model::workload::{Replicas, Workload};
use crate::read::{Node, Position};
use crate::scope::Scope;
use crate::settings::{DefaultValue, Kind, Setting, SettingDecl, Settings};

pub static ANTI_AFFINITY: Setting<String> = Setting::new(SettingDecl {
    key: "antiAffinity",
    doc: "`required`: only required terms and DoNotSchedule constraints count",
    kind: Kind::OneOf(&["preferred", "required"]),
    default: DefaultValue::Text("preferred"),
    cli_only: false,
});

pub static TOPOLOGY_KEY: Setting<String> = Setting::new(SettingDecl {
    key: "topologyKey",
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
    /// Its selector matches none of the pods.
    SelectsNone { selector: String },
    /// It is on another topology key.
    OtherKey(String),
    /// A spread constraint allowing more than one pod of skew.
    Skew(i64),
}

struct Candidate {
    path: String,
    position: Position,
    strength: Strength,
    flaw: Option<Flaw>,
}

/// Keys of domains that contain whole nodes: anti-affinity across them keeps
/// pods on different nodes too.
const COARSER_THAN_NODE: &[&str] = &[
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
];

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    let settings = scope.settings;
    for workload in scope.workloads.iter().filter(|w| w.is_replicated()) {
        let object = scope.object(workload.object);
        let candidates = candidates(scope, workload, object);
        let needed = if required_mode(settings) {
            Strength::Required
        } else {
            Strength::Preferred
        };
        let best = candidates
            .iter()
            .filter(|c| c.flaw.is_none())
            .map(|c| c.strength)
            .max()
            .unwrap_or(Strength::None);
        if best >= needed {
            continue;
        }
        report(scope, workload, object, &candidates, best, out);
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
        found.push(affinity_term(scope, workload, object, term, path, Strength::Required));
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
        found.push(affinity_term(scope, workload, object, term, path, Strength::Preferred));
    }
    let constraints = pod_spec
        .get("topologySpreadConstraints")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for (i, constraint) in constraints.iter().enumerate() {
        let path = workload.pod_spec_path(&format!("topologySpreadConstraints[{i}]"));
        if let Some(candidate) = spread_constraint(scope, workload, constraint, path) {
            found.push(candidate);
        }
    }
    found
}

fn affinity_term(
    scope: &Scope<'_>,
    workload: &Workload<'_>,
    object: &Object<'_>,
    term: &Node,
    path: String,
    strength: Strength,
) -> Candidate {
    let settings = scope.settings;
    let key = term.get("topologyKey").and_then(Node::as_str).unwrap_or_default();
    let wanted = settings.get(&TOPOLOGY_KEY);
    let key_ok = key == wanted || (wanted == "kubernetes.io/hostname" && COARSER_THAN_NODE.contains(&key));
    let flaw = if !key_ok {
        Some(Flaw::OtherKey(key.to_string()))
    } else {
        let selector = term.get("labelSelector").filter(|s| !s.is_null());
        match selector {
            None => Some(Flaw::SelectsNone {
                selector: "no labelSelector (which selects no pods)".to_string(),
            }),
            Some(node) => {
                let selector = LabelSelector::from_node(node);
                let mismatched = term
                    .get("mismatchLabelKeys")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::as_str)
                    .any(|k| workload.carries_label(k));
                if mismatched || !workload.selected_in_every_shard(&selector) || !same_namespace(term, object) {
                    Some(Flaw::SelectsNone {
                        selector: format!("labelSelector `{selector}`"),
                    })
                } else {
                    None
                }
            }
        }
    };
    Candidate {
        position: term
            .get("labelSelector")
            .filter(|_| matches!(flaw, Some(Flaw::SelectsNone { .. })))
            .map_or(term.position, |s| s.position),
        path,
        strength,
        flaw,
    }
}

/// A term listing other namespaces (and no namespace selector) looks at
/// pods there, not at this workload's.
fn same_namespace(term: &Node, object: &Object<'_>) -> bool {
    let namespaces: Vec<&str> = term
        .get("namespaces")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let has_namespace_selector = term.get("namespaceSelector").is_some_and(|n| !n.is_null());
    namespaces.is_empty() || has_namespace_selector || namespaces.contains(&object.namespace.as_str())
}

fn spread_constraint(scope: &Scope<'_>, workload: &Workload<'_>, constraint: &Node, path: String) -> Option<Candidate> {
    let key = constraint.get("topologyKey").and_then(Node::as_str)?;
    let max_skew = constraint.get("maxSkew").and_then(Node::as_whole_number)?;
    let strength = match constraint.get("whenUnsatisfiable").and_then(Node::as_str) {
        Some("ScheduleAnyway") => Strength::Preferred,
        _ => Strength::Required,
    };
    // The operator adds its own labels for the resource (or shard) to the selector.
    let operator_selects = workload.operator
        && matches!(
            constraint.get("additionalLabelSelectors").and_then(Node::as_str),
            Some("OnResource" | "OnShard")
        );
    let selector = constraint
        .get("labelSelector")
        .filter(|s| !s.is_null())
        .map(LabelSelector::from_node);
    let selects = match (&selector, operator_selects) {
        (Some(s), _) => workload.selected_in_every_shard(s),
        (None, operator) => operator,
    };
    let flaw = if key != scope.settings.get(&TOPOLOGY_KEY) {
        Some(Flaw::OtherKey(key.to_string()))
    } else if !selects {
        Some(Flaw::SelectsNone {
            selector: match &selector {
                Some(s) => format!("labelSelector `{s}`"),
                None => "no labelSelector (which counts no pods)".to_string(),
            },
        })
    } else if max_skew != 1 {
        Some(Flaw::Skew(max_skew))
    } else {
        None
    };
    Some(Candidate {
        path,
        position: match flaw {
            Some(Flaw::Skew(_)) => constraint.get("maxSkew").map_or(constraint.position, |n| n.position),
            Some(Flaw::SelectsNone { .. }) => constraint
                .get("labelSelector")
                .map_or(constraint.position, |n| n.position),
            _ => constraint.position,
        },
        strength,
        flaw,
    })
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
    let term_fix = if required_mode {
        format!(
            "set {}: [{{topologyKey: {key}, labelSelector: {{matchLabels: {labels}}}}}]",
            workload.pod_spec_path("affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution")
        )
    } else {
        format!(
            "set {}: [{{weight: 100, podAffinityTerm: {{topologyKey: {key}, labelSelector: {{matchLabels: {labels}}}}}}}]",
            workload.pod_spec_path("affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution")
        )
    };
    let consequence = format!("the {replicas} {noun} replicas can all be scheduled on one node and fail with it");

    // The most telling explanation first: a selector that matches nothing.
    let mut reported = false;
    for candidate in candidates {
        let Some(flaw) = &candidate.flaw else { continue };
        let (message, fix) = match flaw {
            Flaw::SelectsNone { selector } => (
                format!(
                    "{} has {selector}, which matches none of the pods of {} (they carry {}): it keeps nothing apart, so {consequence}.",
                    candidate.path,
                    object.display(),
                    workload.pod_labels(0).describe()
                ),
                format!("set {}.labelSelector.matchLabels: {labels}", candidate.path),
            ),
            Flaw::Skew(skew) => (
                format!(
                    "{} has maxSkew {skew}, which lets {skew} more replicas share a node than another; {consequence}.",
                    candidate.path
                ),
                format!("set {}.maxSkew: 1", candidate.path),
            ),
            Flaw::OtherKey(other) => (
                format!(
                    "{} spreads pods over topology key {:?}, not {key}, so {consequence}.",
                    candidate.path, other
                ),
                format!("set {}.topologyKey: {key}", candidate.path),
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
                    format!("set {}.whenUnsatisfiable: DoNotSchedule", candidate.path)
                } else {
                    term_fix.clone()
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
        term_fix,
    );
}
