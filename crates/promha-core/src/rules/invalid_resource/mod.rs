//! invalid-resource: fields promha reads have the types Kubernetes expects.

use std::collections::HashSet;

use super::{Emitter, RULES, Rule};
use crate::finding::{Finding, ResourceRef, Severity};
use crate::model::Input;
use crate::model::embedded::Unreadable as UnreadableConfig;
use crate::model::object::{IGNORE_ANNOTATION, Object};
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
        if object.standalone_config {
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
                    "{} cannot be read as a Prometheus configuration: {reason}; Prometheus would refuse to start with it, and promha checked none of it",
                    config.location()
                ),
                format!("write a valid prometheus.yml under {}", config.location()),
            );
        }
    }
    for config in &scope.prometheus_configs {
        let object = scope.object(config.object);
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
    } = unreadable;
    let resource = ResourceRef::file(file);
    let name = resource.name.clone();
    Some(Finding {
        rule: RULE.id,
        severity,
        resource,
        file: file.clone(),
        position: error.position,
        message: if *whole_file {
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
        fix: if error.position.is_known() {
            format!(
                "fix the YAML at line {}, column {}",
                error.position.line, error.position.column
            )
        } else {
            "fix the YAML".to_string()
        },
        document: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{Position, ReadLimits, read_text};
    use crate::rules::testing::of;
    use crate::{CheckOptions, Source, check, lint};

    #[test]
    fn wrong_type_is_named_and_unknown_fields_need_the_option() {
        let found = of(&RULE, RULE.bad_example);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].position, Position::new(9, 3));
        let docs = read_text("p.yaml", RULE.bad_example, &ReadLimits::default()).unwrap();
        let strict = CheckOptions {
            unknown_fields: true,
            ..CheckOptions::default()
        };
        let found: Vec<_> = check(&docs, &Settings::default(), &strict)
            .into_iter()
            .filter(|f| f.rule == RULE.id)
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[1].position, Position::new(10, 3));
        assert_eq!(found[1].fix, "rename `replica` to `replicas`");
    }

    #[test]
    fn replicas_that_are_no_whole_number_are_reported() {
        let am = |replicas: &str| {
            format!(
                "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {{name: main}}\nspec: {{replicas: {replicas}}}\n"
            )
        };
        for bad in ["1.5", ".nan", ".inf", "-.inf"] {
            let found = of(&RULE, &am(bad));
            assert_eq!(found.len(), 1, "{bad}: {found:?}");
            assert!(
                found[0].message.contains("`spec.replicas` must be"),
                "{}",
                found[0].message
            );
        }
        assert!(of(&RULE, &am("2.0")).is_empty(), "kubectl sends 2.0 as 2");
    }

    #[test]
    fn unrelated_workloads_are_not_validated() {
        let nginx = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: two\n  template:\n    spec:\n      containers: [{name: web, image: nginx}]\n";
        assert!(of(&RULE, nginx).is_empty());
    }

    #[test]
    fn raw_configs_are_typed_too() {
        let found = of(&RULE, "global:\n  external_labels: [replica]\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("`global.external_labels` must be a map"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn missing_name_and_unknown_ignored_rules() {
        let found = of(
            &RULE,
            "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {namespace: m}\nspec: {replicas: 2}\n",
        );
        assert!(
            found.iter().any(|f| f.message.contains("no metadata.name")),
            "{found:?}"
        );
        let found = of(
            &RULE,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: {promha.io/ignore: \"anti-affinty, pod-disruption-budget\"}\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0].fix.starts_with("did you mean anti-affinity?"),
            "{}",
            found[0].fix
        );
    }

    #[test]
    fn unreadable_files_are_findings_and_the_rest_is_checked() {
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
        let directives = lint(
            &[Source::text("d.yaml", "%YAML 1.2\n---\na: [1\n")],
            &Settings::default(),
            &CheckOptions::default(),
        );
        assert!(
            directives.findings[0]
                .message
                .contains("none of its documents were checked")
        );
    }
}
