use std::path::Path;

use super::*;
use crate::read::Source;
use crate::scope::CheckOptions;
use crate::settings::Settings;

fn findings(sources: &[Source<'_>]) -> Vec<crate::finding::Finding> {
    crate::check::lint(sources, &Settings::default(), &CheckOptions::default()).findings
}

/// The first finding of `rule`, or a panic listing what was found.
fn finding_of<'f>(found: &'f [crate::finding::Finding], rule: &str) -> &'f crate::finding::Finding {
    found
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule}: {found:#?}"))
}

const SERVER: &str = r#"---
# Source: prometheus/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: prom-prometheus-server
  namespace: monitoring
  labels:
    app.kubernetes.io/component: server
    app.kubernetes.io/name: prometheus
    app.kubernetes.io/instance: prom
    app.kubernetes.io/version: v3.14.0
    helm.sh/chart: prometheus-29.27.0
    app.kubernetes.io/part-of: prometheus
spec:
  selector:
    matchLabels:
      app.kubernetes.io/component: server
      app.kubernetes.io/name: prometheus
      app.kubernetes.io/instance: prom
  replicas: 1
  template:
    metadata:
      labels:
        app.kubernetes.io/component: server
        app.kubernetes.io/name: prometheus
        app.kubernetes.io/instance: prom
    spec:
      containers:
        - name: prometheus-server
          image: "quay.io/prometheus/prometheus:v3.14.0"
          args:
            - --config.file=/etc/config/prometheus.yml
"#;

#[test]
fn charts_are_recognised_by_their_labels_and_subcharts_by_their_template() {
    let prometheus_chart = split_chart_label("prometheus-29.27.0");
    assert_eq!(prometheus_chart, Some(("prometheus".into(), "29.27.0".into())));
    assert_eq!(
        split_chart_label("prometheus-node-exporter-4.56.0"),
        Some(("prometheus-node-exporter".into(), "4.56.0".into())),
        "a name with dashes"
    );
    assert_eq!(split_chart_label("no-version"), None);
    assert_eq!(
        values_prefix("kube-prometheus-stack/templates/prometheus/prometheus.yaml"),
        Some(vec![])
    );
    assert_eq!(
        values_prefix("hcp-prometheus/charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml"),
        Some(vec!["kube-prometheus-stack".to_string()])
    );
    assert_eq!(values_prefix("not/a/chart.yaml"), None);
}

/// A replica count is a minimum (more is as good); other numbers are not.
#[test]
fn replica_counts_are_known_by_chart_and_key() {
    let key = |dotted: &str| dotted.split('.').map(str::to_string).collect::<Vec<_>>();
    assert!(is_replica_count("prometheus", &key("server.replicaCount")));
    assert!(is_replica_count("alertmanager", &key("replicaCount")));
    assert!(is_replica_count(
        "kube-prometheus-stack",
        &key("prometheus.prometheusSpec.replicas")
    ));
    assert!(
        !is_replica_count("prometheus", &key("replicaCount")),
        "the alertmanager chart's key"
    );
    assert!(!is_replica_count(
        "prometheus",
        &key("server.podAntiAffinityTopologyKey")
    ));
}

#[test]
fn a_prometheus_chart_server_is_fixed_in_its_values_with_a_statefulset() {
    let found = findings(&[Source::text("rendered.yaml", SERVER)]);
    let min = finding_of(&found, "min-replicas");
    assert_eq!(min.template.as_deref(), Some("prometheus/templates/deploy.yaml"));
    let chart = min.chart.as_deref().expect("the prometheus chart");
    assert_eq!((chart.chart, chart.version.as_deref()), ("prometheus", Some("29.27.0")));
    assert_eq!(
        min.fix,
        "set server.replicaCount: 2 and set server.statefulSet.enabled: true in the chart's values"
    );
    // The same object without the chart's label is a plain Deployment, fixed in place.
    let plain = SERVER.replace("    helm.sh/chart: prometheus-29.27.0\n", "");
    let found = findings(&[Source::text("rendered.yaml", &plain)]);
    let min = finding_of(&found, "min-replicas");
    assert!(min.chart.is_none());
    assert!(!min.fix.contains("server.replicaCount"), "{}", min.fix);
}

#[test]
fn values_files_decide_in_helm_order_and_the_finding_follows_the_deciding_one() {
    let base = "server:\n  replicaCount: 1\n";
    let prod = "# production\nserver:\n  persistentVolume:\n    size: 8Gi\n";
    let found = findings(&[
        Source::text("rendered.yaml", SERVER),
        Source::values("base.yaml", base.as_bytes()),
        Source::values("prod.yaml", prod.as_bytes()),
    ]);
    let min = finding_of(&found, "min-replicas");
    // replicaCount is set in base.yaml only; statefulSet belongs in the last file.
    assert_eq!((min.file.as_str(), min.position.line), ("base.yaml", 2), "{min:#?}");
    assert_eq!(
        min.fix,
        "set server.replicaCount: 2 in base.yaml and set server.statefulSet.enabled: true in prod.yaml"
    );
    // Both changes in one file: the file is named once.
    let found = findings(&[
        Source::text("rendered.yaml", SERVER),
        Source::values("base.yaml", base.as_bytes()),
    ]);
    let min = finding_of(&found, "min-replicas");
    assert_eq!(
        min.fix,
        "set server.replicaCount: 2 and set server.statefulSet.enabled: true in base.yaml"
    );
    let later = "server:\n  replicaCount: 3\n";
    let found = findings(&[
        Source::text("rendered.yaml", SERVER),
        Source::values("base.yaml", base.as_bytes()),
        Source::values("later.yaml", later.as_bytes()),
    ]);
    let min = finding_of(&found, "min-replicas");
    assert_eq!(
        (min.file.as_str(), min.position.line),
        ("later.yaml", 1),
        "the change still to make belongs under server: in the last file"
    );
    // Three replicas are at least two: only the StatefulSet is still to do.
    assert_eq!(min.fix, "set server.statefulSet.enabled: true in later.yaml");
    let fixed = "server:\n  replicaCount: 2\n  statefulSet:\n    enabled: true\n";
    let found = findings(&[
        Source::text("rendered.yaml", SERVER),
        Source::values("base.yaml", base.as_bytes()),
        Source::values("later.yaml", fixed.as_bytes()),
    ]);
    let min = finding_of(&found, "min-replicas");
    assert!(
        min.fix
            .starts_with("later.yaml sets server.replicaCount: 2 and later.yaml sets server.statefulSet.enabled: true, which fixes this"),
        "{}",
        min.fix
    );
}

/// `../shared/corpus`'s copy of prometheus-community/helm-charts, when present.
fn charts() -> Option<std::path::PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/prometheus-community/helm-charts/charts");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} does not exist", dir.display());
        None
    }
}

#[test]
fn every_row_is_read_by_its_template_and_has_the_charts_default() {
    let Some(charts) = charts() else { return };
    for row in ROWS {
        let chart = charts.join(row.chart.name());
        let template = std::fs::read_to_string(chart.join(row.template))
            .unwrap_or_else(|e| panic!("{}: {}: {e}", row.key, row.template));
        // The template reads the key, or (for a key inside a map it copies) its parent.
        let parent = row.key.rsplit_once('.').map_or(row.key, |(p, _)| p);
        assert!(
            template.contains(&format!("Values.{}", row.key)) || template.contains(&format!("Values.{parent} ")),
            "{} does not read .Values.{}",
            row.template,
            row.key
        );
        let values = std::fs::read_to_string(chart.join("values.yaml")).expect("values.yaml");
        let root = read_documents(&values, &ReadLimits::default())
            .expect("values.yaml parses")
            .remove(0)
            .to_json();
        let set = row.key.split('.').try_fold(&root, |node, key| node.get(key));
        let default: Json = serde_json::from_str(row.default).expect("a JSON default");
        match set {
            Some(value) => assert_eq!(value, &default, "{}: the chart's values.yaml", row.key),
            None => assert!(default.is_null(), "{}: unset in values.yaml, so null", row.key),
        }
    }
}

const KPS: &str = r#"---
# Source: kube-prometheus-stack/templates/prometheus/prometheus.yaml
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: m-kube-prometheus-prometheus
  namespace: monitoring
  labels:
    app: kube-prometheus-stack-prometheus
    app.kubernetes.io/part-of: kube-prometheus-stack
    chart: kube-prometheus-stack-88.5.3
spec:
  replicas: 2
  replicaExternalLabelName: ""
  storage:
    volumeClaimTemplate:
      spec:
        resources:
          requests:
            storage: 50Gi
  affinity:
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchExpressions:
            - {key: app.kubernetes.io/name, operator: In, values: [prometheus]}
            - {key: app.kubernetes.io/instance, operator: In, values: [m-kube-prometheus-prometheus]}
---
# Source: kube-prometheus-stack/templates/thanos-ruler/ruler.yaml
apiVersion: monitoring.coreos.com/v1
kind: ThanosRuler
metadata:
  name: m-kube-prometheus-thanos-ruler
  namespace: monitoring
  labels:
    app: kube-prometheus-stack-thanos-ruler
    app.kubernetes.io/part-of: kube-prometheus-stack
    chart: kube-prometheus-stack-88.5.3
spec:
  replicas: 1
"#;

#[test]
fn kube_prometheus_stack_fixes_are_its_values_keys() {
    let settings = Settings::from_yaml("antiAffinity: required\n").expect("settings");
    let report = crate::check::lint(
        &[Source::text("rendered.yaml", KPS)],
        &settings,
        &CheckOptions::default(),
    );
    let fix_of = |rule: &str, kind: &str| {
        report
            .findings
            .iter()
            .find(|f| f.rule == rule && f.resource.kind == kind)
            .map(|f| f.fix.as_str())
            .unwrap_or_else(|| panic!("no {rule} on {kind}: {:#?}", report.findings))
    };
    assert_eq!(
        fix_of("replica-label", "Prometheus"),
        "set prometheus.prometheusSpec.replicaExternalLabelNameClear: false in the chart's values"
    );
    assert_eq!(
        fix_of("anti-affinity", "Prometheus"),
        "set prometheus.prometheusSpec.podAntiAffinity: hard and set prometheus.prometheusSpec.podAntiAffinityTopologyKey: kubernetes.io/hostname in the chart's values",
        "the chart's own soft term becomes hard"
    );
    assert_eq!(
        fix_of("pod-disruption-budget", "Prometheus"),
        "set prometheus.podDisruptionBudget.enabled: true in the chart's values"
    );
    assert_eq!(
        fix_of("min-replicas", "ThanosRuler"),
        "set thanosRuler.thanosRulerSpec.replicas: 2 in the chart's values"
    );
    // With a values file, the topology key's default already is the one wanted.
    let values = "prometheus:\n  prometheusSpec:\n    replicas: 2\n";
    let placed = crate::check::lint(
        &[
            Source::text("rendered.yaml", KPS),
            Source::values("v.yaml", values.as_bytes()),
        ],
        &settings,
        &CheckOptions::default(),
    );
    let anti = placed
        .findings
        .iter()
        .find(|f| f.rule == "anti-affinity" && f.resource.kind == "Prometheus")
        .expect("anti-affinity");
    assert_eq!(
        anti.fix,
        "set prometheus.prometheusSpec.podAntiAffinity: hard in v.yaml"
    );
    assert_eq!(
        (anti.file.as_str(), anti.position.line),
        ("v.yaml", 2),
        "under prometheusSpec"
    );
    // Without any anti-affinity, the chart's term on the rule's topology key.
    let bare = KPS.replace("  affinity:\n", "  unused:\n");
    let bare = &bare[..bare.find("  unused:").expect("cut")];
    let report = crate::check::lint(
        &[Source::text("rendered.yaml", bare)],
        &settings,
        &CheckOptions::default(),
    );
    let anti = report
        .findings
        .iter()
        .find(|f| f.rule == "anti-affinity")
        .expect("anti-affinity");
    assert_eq!(
        anti.fix,
        "set prometheus.prometheusSpec.podAntiAffinity: hard and set prometheus.prometheusSpec.podAntiAffinityTopologyKey: kubernetes.io/hostname in the chart's values"
    );
}

/// The chart's Alertmanager is recognised too: its fixes are the
/// `alertmanager.` values keys, not the Prometheus ones.
#[test]
fn a_kube_prometheus_stack_alertmanager_is_fixed_in_its_values() {
    let rendered = r#"---
# Source: kube-prometheus-stack/templates/alertmanager/alertmanager.yaml
apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata:
  name: kps-alertmanager
  namespace: monitoring
  labels:
    app: kube-prometheus-stack-alertmanager
    chart: kube-prometheus-stack-79.0.0
    release: kps
spec:
  replicas: 1
"#;
    let findings = findings(&[Source::text("rendered.yaml", rendered)]);
    let min_replicas = finding_of(&findings, "min-replicas");
    assert_eq!(
        min_replicas.fix,
        "set alertmanager.alertmanagerSpec.replicas: 2 in the chart's values"
    );
    // A fix left to the user names the field as a values key.
    let storage = finding_of(&findings, "persistent-storage");
    assert_eq!(
        storage.fix,
        "set alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources.requests.storage in the chart's values (for example 50Gi for Prometheus, 1Gi for Alertmanager)"
    );
}

/// Several findings placed on one values file are fixed there one after
/// another. The rendered input is not rendered again, so a finding the
/// values already fix (here the PodDisruptionBudget, first in the file) is
/// still reported, with nothing left to change: it is not counted fixed,
/// and the others are.
#[test]
fn every_chart_finding_on_one_values_file_is_fixed_there() {
    let settings = Settings::from_yaml("antiAffinity: required\n").expect("settings");
    let values = "prometheus:\n  podDisruptionBudget:\n    enabled: true\n  prometheusSpec:\n    replicas: 2\n";
    let sources = [
        Source::text("rendered.yaml", KPS),
        Source::values("v.yaml", values.as_bytes()),
    ];
    let outcome = crate::fix::fix(&sources, &settings, &CheckOptions::default());
    let [change] = outcome.changes.as_slice() else {
        panic!("one file changed: {:#?}", outcome.changes);
    };
    assert_eq!(change.file, "v.yaml", "the rendered input stays as it is");
    assert_eq!(
        change.after,
        "prometheus:\n  podDisruptionBudget:\n    enabled: true\n  prometheusSpec:\n    replicas: 2\n    podAntiAffinity: hard\nthanosRuler:\n  thanosRulerSpec:\n    replicas: 2\n"
    );
    let mut fixed: Vec<&str> = outcome.fixed.iter().map(|f| f.rule).collect();
    fixed.sort_unstable();
    assert_eq!(fixed, ["anti-affinity", "min-replicas"]);
}

const AM_CHART: &str = r#"---
# Source: alertmanager/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: am-alertmanager
  namespace: monitoring
  labels:
    helm.sh/chart: alertmanager-1.42.0
    app.kubernetes.io/name: alertmanager
    app.kubernetes.io/instance: am
    app.kubernetes.io/version: v0.34.0
spec:
  replicas: 2
  serviceName: am-alertmanager-headless
  selector:
    matchLabels:
      app.kubernetes.io/name: alertmanager
      app.kubernetes.io/instance: am
  template:
    metadata:
      labels:
        app.kubernetes.io/name: alertmanager
        app.kubernetes.io/instance: am
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: kubernetes.io/arch
              labelSelector:
                matchExpressions:
                  - {key: app.kubernetes.io/name, operator: In, values: [alertmanager]}
      containers:
        - name: alertmanager
          image: "quay.io/prometheus/alertmanager:v0.34.0"
          args:
            - --storage.path=/alertmanager
            - --cluster.peer=am-alertmanager-0.am-alertmanager-headless:9094
            - --cluster.peer=am-alertmanager-1.am-alertmanager-headless:9094
"#;

/// The alertmanager chart's StatefulSet: its pod spec is under
/// `spec.template`, its budget is a spec map, and a topology key on the
/// chart's own term is its topology key value; a term the user wrote (from
/// the affinity value) is fixed in the rendered object's terms instead.
#[test]
fn an_alertmanager_chart_statefulset_is_fixed_in_its_values() {
    let found = findings(&[Source::text("rendered.yaml", AM_CHART)]);
    let fix_of = |found: &[crate::finding::Finding], rule: &str| finding_of(found, rule).fix.clone();
    assert_eq!(
        fix_of(&found, "pod-disruption-budget"),
        "set podDisruptionBudget: {maxUnavailable: 1} in the chart's values"
    );
    assert_eq!(
        fix_of(&found, "anti-affinity"),
        "set podAntiAffinityTopologyKey: kubernetes.io/hostname in the chart's values"
    );
    // The same term with a matchLabels selector is not the chart's.
    let own = AM_CHART.replace(
        "                matchExpressions:\n                  - {key: app.kubernetes.io/name, operator: In, values: [alertmanager]}\n",
        "                matchLabels: {app.kubernetes.io/name: alertmanager}\n",
    );
    assert_ne!(own, AM_CHART);
    let anti = fix_of(&findings(&[Source::text("rendered.yaml", &own)]), "anti-affinity");
    assert!(!anti.contains("podAntiAffinityTopologyKey"), "{anti}");
    // Nor is a preferred term of weight 50: the chart's soft term weighs 100.
    let soft = |weight: u32| {
        AM_CHART
            .replace(
                "          requiredDuringSchedulingIgnoredDuringExecution:\n            - topologyKey: kubernetes.io/arch\n              labelSelector:\n                matchExpressions:\n                  - ",
                &format!("          preferredDuringSchedulingIgnoredDuringExecution:\n            - weight: {weight}\n              podAffinityTerm:\n                topologyKey: kubernetes.io/arch\n                labelSelector:\n                  matchExpressions:\n                    - "),
            )
    };
    assert_ne!(soft(100), AM_CHART);
    let chart_soft = fix_of(&findings(&[Source::text("rendered.yaml", &soft(100))]), "anti-affinity");
    assert_eq!(
        chart_soft,
        "set podAntiAffinityTopologyKey: kubernetes.io/hostname in the chart's values"
    );
    let user_soft = fix_of(&findings(&[Source::text("rendered.yaml", &soft(50))]), "anti-affinity");
    assert!(!user_soft.contains("podAntiAffinityTopologyKey"), "{user_soft}");
}

/// kube-prometheus-stack's Service in front of the Prometheus replicas is
/// the one labelled `app: <name>-prometheus` that selects by the operator's
/// name label; its other Services are not that component.
#[test]
fn the_kube_prometheus_stack_prometheus_service_is_recognised() {
    let component_of = |app: &str, selector: &str| {
        let text = format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels: {{app: {app}, chart: kube-prometheus-stack-79.0.0}}\nspec:\n  selector: {selector}\n"
        );
        let docs = crate::read::read_text("s.yaml", &text, &ReadLimits::default()).expect("reads");
        let object = Object::identify(0, &docs[0]).expect("an object");
        recognise(&object).expect("the chart").component
    };
    let operator_selector = "{app.kubernetes.io/name: prometheus, operator.prometheus.io/name: kps-prometheus}";
    assert_eq!(
        component_of("kube-prometheus-stack-prometheus", operator_selector),
        Some(PrometheusService)
    );
    // The Alertmanager's Service selects by the operator's label too.
    assert_eq!(
        component_of(
            "kube-prometheus-stack-alertmanager",
            "{app.kubernetes.io/name: alertmanager, operator.prometheus.io/name: kps-alertmanager}"
        ),
        None
    );
    // A Service of one replica selects its pod by name.
    assert_eq!(
        component_of(
            "kube-prometheus-stack-prometheus",
            "{statefulset.kubernetes.io/pod-name: prometheus-kps-prometheus-0}"
        ),
        None
    );
}

/// A finding on an object of a known chart that no row is about stays on
/// the rendered object, with its own fix, though values files are given.
#[test]
fn a_chart_object_no_row_is_about_keeps_its_rendered_place() {
    let statefulset = "---\n# Source: kube-prometheus-stack/templates/extra.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: extra-prometheus\n  namespace: monitoring\n  labels: {chart: kube-prometheus-stack-88.5.3}\nspec:\n  replicas: 1\n  serviceName: extra\n  template:\n    spec:\n      containers:\n      - {name: prometheus, image: prom/prometheus:v3.1.0}\n";
    let values = "prometheus:\n  prometheusSpec:\n    replicas: 2\n";
    let found = findings(&[
        Source::text("rendered.yaml", statefulset),
        Source::values("v.yaml", values.as_bytes()),
    ]);
    let min = finding_of(&found, "min-replicas");
    let chart = min.chart.as_deref().expect("the chart is known");
    assert!(chart.key.is_empty(), "{chart:?}");
    assert_eq!((min.file.as_str(), min.position.line), ("rendered.yaml", 10));
    assert_eq!(min.fix, "set spec.replicas: 2");
}

/// Where a finding on Helm output came from: the template, and once placed
/// on a values file, the rendered line as well.
#[test]
fn findings_on_helm_output_say_where_it_was_rendered() {
    let base = "server:\n  replicaCount: 1\n";
    let note_of = |rendered: &str, with_values: bool| {
        let mut sources = vec![Source::text("rendered.yaml", rendered)];
        if with_values {
            sources.push(Source::values("base.yaml", base.as_bytes()));
        }
        let found = findings(&sources);
        let min = finding_of(&found, "min-replicas");
        min.rendered_note()
    };
    assert_eq!(
        note_of(SERVER, false).as_deref(),
        Some("rendered from prometheus/templates/deploy.yaml")
    );
    assert_eq!(
        note_of(SERVER, true).as_deref(),
        Some("rendered at rendered.yaml:21:3 from prometheus/templates/deploy.yaml")
    );
    let unsourced = SERVER.replace("# Source: prometheus/templates/deploy.yaml\n", "");
    assert_eq!(
        note_of(&unsourced, true).as_deref(),
        Some("rendered at rendered.yaml:20:3")
    );
    assert_eq!(note_of(&unsourced, false), None);
}

/// A key to remove that an earlier values file also sets is set to null in
/// the deciding file (Helm drops a null key), or the earlier value shows
/// through; set in one file only, it is removed there.
#[test]
fn a_key_set_in_two_values_files_is_removed_with_null() {
    let rendered = KPS.replace(
        "  replicaExternalLabelName: \"\"\n",
        "  externalLabels: {prometheus_replica: a}\n",
    );
    let base = "prometheus:\n  prometheusSpec:\n    externalLabels:\n      prometheus_replica: a\n";
    let prod = "prometheus:\n  prometheusSpec:\n    externalLabels:\n      prometheus_replica: b\n";
    let fix_of = |sources: &[Source<'_>]| {
        let found = findings(sources);
        found
            .iter()
            .find(|f| f.rule == "replica-label" && f.resource.kind == "Prometheus")
            .map(|f| (f.file.clone(), f.fix.clone()))
            .unwrap_or_else(|| panic!("{found:#?}"))
    };
    assert_eq!(
        fix_of(&[
            Source::text("rendered.yaml", &rendered),
            Source::values("base.yaml", base.as_bytes()),
            Source::values("prod.yaml", prod.as_bytes()),
        ]),
        (
            "prod.yaml".to_string(),
            "set prometheus.prometheusSpec.externalLabels: null in prod.yaml".to_string()
        )
    );
    assert_eq!(
        fix_of(&[
            Source::text("rendered.yaml", &rendered),
            Source::values("base.yaml", base.as_bytes()),
        ]),
        (
            "base.yaml".to_string(),
            "remove prometheus.prometheusSpec.externalLabels in base.yaml".to_string()
        )
    );
}

/// An edit inside a list the prometheus chart copies whole into its
/// prometheus.yml is the whole list, as it would render with the edit, set
/// in the values.
#[test]
fn an_edit_inside_the_server_configs_alertmanagers_sets_the_whole_list() {
    let config_map = "---\n# Source: prometheus/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prom-prometheus-server\n  namespace: monitoring\n  labels:\n    app.kubernetes.io/component: server\n    app.kubernetes.io/name: prometheus\n    helm.sh/chart: prometheus-29.27.0\ndata:\n  prometheus.yml: |\n    global:\n      external_labels: {replica: $(POD_NAME)}\n    alerting:\n      alert_relabel_configs:\n      - {action: labeldrop, regex: replica}\n      alertmanagers:\n      - kubernetes_sd_configs:\n        - role: service\n";
    let found = findings(&[Source::text("rendered.yaml", config_map)]);
    let complete = finding_of(&found, "alertmanagers-complete");
    assert_eq!(
        complete.fix,
        "set server.alertmanagers: [{kubernetes_sd_configs: [{role: endpoints}]}] in the chart's values"
    );
}
