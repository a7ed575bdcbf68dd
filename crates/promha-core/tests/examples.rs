//! The bundled examples behave as the README says: the good stack is clean,
//! the broken one shows each classic mistake, and the cluster's own report
//! (`kubectl get … -o yaml`) shows where its replicas run.

use std::collections::BTreeSet;
use std::path::Path;

use promha_core::{CheckOptions, Report, Settings, Source, lint};

fn lint_dir(dir: &str) -> Report {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(dir);
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
    let report = lint_dir("manifests/good");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.documents, 7);
}

#[test]
fn the_broken_stack_shows_each_mistake() {
    let report = lint_dir("manifests/broken");
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

#[test]
fn the_clusters_report_shows_co_scheduled_and_unready_replicas() {
    let report = lint_dir("cluster");
    let found: Vec<(&str, String, String)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.resource.to_string(), f.message.clone()))
        .collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(
        (found[0].0, found[0].1.as_str()),
        ("co-scheduled", "Prometheus monitoring/k8s"),
        "{found:#?}"
    );
    assert!(
        found[0]
            .2
            .contains("pods prometheus-k8s-0 and prometheus-k8s-1 on node worker-1"),
        "{found:#?}"
    );
    assert_eq!(
        (found[1].0, found[1].1.as_str()),
        ("replicas-ready", "Alertmanager monitoring/main"),
        "{found:#?}"
    );
    assert!(
        found[1].2.contains("1 of the 3 replicas")
            && found[1].2.contains("alertmanager-main-2 is Pending, not scheduled"),
        "{found:#?}"
    );
    assert_eq!(report.errors(), 1);
}
