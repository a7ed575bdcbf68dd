//! invalid-resource: fields promha reads have the types Kubernetes expects.

use std::collections::HashSet;

use super::{Emitter, RULES, Rule};
use crate::finding::{Finding, ResourceRef, Severity};
use crate::model::Input;
use crate::model::embedded::Unreadable as UnreadableConfig;
use crate::model::object::{IGNORE_ANNOTATION, Object};
use crate::model::prometheus_config::ConfigRole;
use crate::read::Unreadable;
use crate::schema::{check_object, check_prometheus_config};
use crate::scope::Scope;
use crate::settings::Settings;

pub const RULE: Rule = Rule {
    id: "invalid-resource",
    severity: Severity::Error,
    summary: "Watched resources and configs are well-formed, with every field promha reads of the right type",
    doc: include_str!("doc.md"),
    bad_example: include_str!("bad.yaml"),
    good_example: include_str!("good.yaml"),
    reads: &[Input::Workloads, Input::PrometheusConfigs],
    lookups: &[],
    settings: &[],
    check,
};

fn check(scope: &Scope<'_>, out: &mut Emitter<'_>) {
    let options = scope.options;
    let workload_objects: HashSet<usize> = scope.workloads.iter().map(|w| w.object).collect();
    for (index, object) in scope.objects.iter().enumerate() {
        if object.standalone_config || !scope.reports_on(object) {
            continue;
        }
        let watched = workload_objects.contains(&index);
        let has_crd = options
            .crds
            .iter()
            .any(|c| c.group() == object.group && c.kind() == object.kind);
        if watched || has_crd {
            for issue in check_object(object, options.unknown_fields, &options.crds) {
                out.report(object, issue.position, issue.message, issue.fix);
            }
        }
        if watched && object.name.is_empty() {
            out.report(
                object,
                object.position_of(&["metadata"]),
                format!("this {} has no metadata.name", object.kind),
                "add metadata.name",
            );
        }
        check_ignore_annotation(object, out);
    }
    for config in &scope.unreadable_configs {
        let object = scope.object(config.object);
        if let Err(UnreadableConfig { position, reason }) = &config.content {
            out.report(
                object,
                *position,
                format!(
                    "{} cannot be read as a Prometheus configuration: {reason}; promha checked none of it, and a config Prometheus cannot parse stops it from starting or reloading",
                    config.location()
                ),
                format!("write a valid prometheus.yml under {}", config.location()),
            );
        }
    }
    // An elector's leader config holds every follower field it does not override.
    for config in scope
        .prometheus_configs
        .iter()
        .filter(|c| c.role != ConfigRole::ElectorFollower)
    {
        let object = scope.object(config.object);
        if !scope.reports_on(object) {
            continue;
        }
        for issue in check_prometheus_config(config.root) {
            let message = if config.location.is_empty() {
                issue.message
            } else {
                format!("{}: {}", config.location, issue.message)
            };
            out.report(object, issue.position, message, issue.fix);
        }
    }
}

fn check_ignore_annotation(object: &Object<'_>, out: &mut Emitter<'_>) {
    let Some(annotation) = object.ignore_annotation() else {
        return;
    };
    let Some(list) = annotation.as_str() else {
        out.report(
            object,
            annotation.position,
            format!("the {IGNORE_ANNOTATION} annotation must be a string, but is {}", annotation.describe()),
            format!("write it as a quoted, comma-separated list of rule ids, e.g. {IGNORE_ANNOTATION}: \"pod-disruption-budget\""),
        );
        return;
    };
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty() && *n != "all") {
        if RULES.iter().any(|r| r.id == name) {
            continue;
        }
        let (closest, ids) = super::unknown_rule_help(name);
        let hint = closest.map(|s| format!("did you mean {s}? ")).unwrap_or_default();
        out.warn(
            object,
            annotation.position,
            format!("{IGNORE_ANNOTATION} names {name:?}, which is not a promha rule: nothing is ignored for it"),
            format!("{hint}rules are {ids}"),
        );
    }
}

/// The finding for a file, or a document of it, that cannot be read, if
/// the rule is on.
pub fn unreadable(unreadable: &Unreadable, settings: &Settings) -> Option<Finding> {
    let severity = settings.severity_for(RULE.id, RULE.severity)?;
    let Unreadable {
        file,
        error,
        whole_file,
        budget_spent,
    } = unreadable;
    let resource = ResourceRef::file(file);
    let name = resource.name.clone();
    Some(Finding {
        rule: RULE.id,
        severity,
        resource,
        file: file.clone(),
        position: error.position,
        message: if *budget_spent {
            format!(
                "stopped reading {name} at line {}: {}, so this document, the rest of the file and any files after it were not checked (the budget bounds promha's time and memory on any input)",
                error.position.line, error.message
            )
        } else if *whole_file {
            format!(
                "cannot read {name}: {}; none of its documents were checked",
                error.message
            )
        } else {
            format!(
                "cannot read a document of {name}: {}; that document was not checked, the file's others were",
                error.message
            )
        },
        fix: if *budget_spent {
            "lint fewer or smaller files at once".to_string()
        } else if error.position.is_known() {
            format!(
                "fix the YAML at line {}, column {}",
                error.position.line, error.position.column
            )
        } else {
            "fix the YAML".to_string()
        },
        edits: Vec::new(),
        document: None,
        template: None,
        chart: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Position;
    use crate::rules::testing::of;
    use crate::{CheckOptions, Source, lint};

    /// Admission leaves unknown fields to the API server, which prunes them:
    /// without the option only the wrong type of the bad example is reported
    /// (its cases run as the CLI does, with the option, and show both).
    #[test]
    fn unknown_fields_are_reported_only_with_the_option() {
        let found = of(&RULE, RULE.bad_example);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].position, Position::new(9, 3));
        assert!(
            found[0].message.starts_with("`spec.replicas` must be"),
            "{}",
            found[0].message
        );
    }

    /// Cases are one file each; this is about several: an unreadable one is
    /// named by its file name and does not stop the others being checked.
    #[test]
    fn an_unreadable_file_does_not_stop_the_others() {
        let report = lint(
            &[
                Source::text("dir/broken.yaml", "a: [1, 2\n"),
                Source::text("ok.yaml", RULE.bad_example),
            ],
            &Settings::default(),
            &CheckOptions::default(),
        );
        let broken: Vec<_> = report.findings.iter().filter(|f| f.file == "dir/broken.yaml").collect();
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].resource.name, "broken.yaml");
        assert!(broken[0].position.is_known());
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.file == "ok.yaml" && f.rule == "invalid-resource")
        );
        assert_eq!(report.files, 2);
        assert_eq!(report.documents, 1);
    }
}
