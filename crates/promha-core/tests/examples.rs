//! The bundled examples behave as the README says: the good stack is clean,
//! the broken one shows each classic mistake.

use std::collections::BTreeSet;
use std::path::Path;

use promha_core::{CheckOptions, Report, Settings, Source, lint};

fn lint_dir(dir: &str) -> Report {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/manifests")
        .join(dir);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.display().to_string(), std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    let sources: Vec<Source<'_>> = files.iter().map(|(file, text)| Source::text(file, text)).collect();
    let options = CheckOptions {
        unknown_fields: true,
        ..CheckOptions::default()
    };
    lint(&sources, &Settings::default(), &options)
}

#[test]
fn the_good_stack_is_clean() {
    let report = lint_dir("good");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.documents, 7);
}

#[test]
fn the_broken_stack_shows_each_mistake() {
    let report = lint_dir("broken");
    let found: BTreeSet<(String, &str, String)> = report
        .findings
        .iter()
        .map(|f| {
            let file = Path::new(&f.file).file_name().unwrap().to_string_lossy().to_string();
            (file, f.rule, f.resource.name.clone())
        })
        .collect();
    let expected: BTreeSet<(String, &str, String)> = [
        ("prometheus.yaml", "anti-affinity", "k8s"),
        ("prometheus.yaml", "replica-label", "k8s"),
        ("prometheus.yaml", "alertmanagers-complete", "k8s"),
        ("prometheus.yaml", "pod-disruption-budget", "k8s"),
        ("prometheus.yaml", "persistent-storage", "k8s"),
        ("prometheus.yaml", "session-affinity", "prometheus-k8s"),
        ("alertmanager.yaml", "anti-affinity", "main"),
        ("alertmanager.yaml", "pod-disruption-budget", "main"),
        ("raw-prometheus.yaml", "anti-affinity", "prometheus"),
        ("raw-prometheus.yaml", "pod-disruption-budget", "prometheus"),
        ("raw-prometheus.yaml", "replica-label", "prometheus-config"),
        ("raw-prometheus.yaml", "alertmanagers-complete", "prometheus-config"),
        ("raw-prometheus.yaml", "alertmanager-peers", "alertmanager"),
        ("raw-prometheus.yaml", "anti-affinity", "alertmanager"),
        ("raw-prometheus.yaml", "pod-disruption-budget", "alertmanager"),
    ]
    .into_iter()
    .map(|(file, rule, name)| (file.to_string(), rule, name.to_string()))
    .collect();
    assert_eq!(found, expected, "{:#?}", report.findings);
    assert!(report.errors() >= 9);
}
