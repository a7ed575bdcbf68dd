//! persistent-storage: a rescheduled replica keeps its data.

use super::{Emitter, Rule};
use crate::finding::{FieldPath, Fix, Severity};
use crate::model::{App, Input};
use crate::read::Node;
use crate::scope::Scope;

pub const RULE: Rule = Rule {
    id: "persistent-storage",
    severity: Severity::Warning,
    summary: "Operator-managed Prometheus and Alertmanager keep their data on persistent volumes",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Workloads],
    lookups: &[],
    settings: &[],
    check,
};

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    for workload in scope.reported_workloads().filter(|w| w.operator) {
        let loses = match workload.app {
            App::Prometheus => {
                "its TSDB: a replica rescheduled to another node starts empty, and queries and Thanos see a gap"
            }
            App::Alertmanager => {
                "its silences and notification log: silenced alerts page again and resolved ones re-notify"
            }
            _ => continue,
        };
        let object = scope.object(workload.object);
        let storage = object.spec().and_then(|s| s.get("storage")).filter(|s| !s.is_null());
        let kind = match storage {
            None => "has no spec.storage, so it keeps",
            Some(s) if s.get("volumeClaimTemplate").is_some_and(|v| !v.is_null()) => continue,
            Some(s) if s.get("ephemeral").is_some_and(|v| !v.is_null()) => {
                "uses an ephemeral volume, deleted with its pod, for"
            }
            Some(_) => "keeps in an emptyDir",
        };
        let position = storage.map_or_else(|| object.position_of(&["spec"]), |s: &Node| s.position);
        out.report(
            object,
            position,
            format!("{} {kind} {loses}.", object.display()),
            Fix::text("set spec.storage.volumeClaimTemplate.spec.resources.requests.storage (for example 50Gi for Prometheus, 1Gi for Alertmanager)")
                .about(FieldPath::keys(&["spec", "storage", "volumeClaimTemplate", "spec", "resources", "requests", "storage"])),
        );
    }
}
