//! The Helm charts most people deploy Prometheus with, in one place: how to
//! recognise what they rendered (from the objects' labels, since rendered
//! manifests often lose `helm template`'s comments), and which values key
//! produces each field promha reports, so that a finding's edits of the
//! rendered object become changes of the chart's values.
//!
//! Read from prometheus-community/helm-charts@cf408a29: kube-prometheus-stack
//! 88.5.3, prometheus 29.27.0 and alertmanager 1.42.0 (their `values.yaml`
//! and the templates each row names). Defaults are those versions'.

use serde_json::{Value as Json, json};

use super::object::Object;
use crate::finding::{ChartFix, Edit, FieldPath, Fix, Step, ValuesChange, ValuesOp};
use crate::read::{Node, ReadLimits, read_documents};

/// A chart promha knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Chart {
    KubePrometheusStack,
    /// prometheus-community/prometheus: the plain Prometheus server.
    Prometheus,
    /// prometheus-community/alertmanager, also the prometheus chart's subchart.
    Alertmanager,
}

impl Chart {
    /// The name in its Chart.yaml, which is also its values key as a subchart.
    pub fn name(self) -> &'static str {
        match self {
            Chart::KubePrometheusStack => "kube-prometheus-stack",
            Chart::Prometheus => "prometheus",
            Chart::Alertmanager => "alertmanager",
        }
    }
}

/// The object of a chart that a row's field is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Component {
    /// kube-prometheus-stack: the Prometheus (or, in agent mode, PrometheusAgent) resource.
    Prometheus,
    /// kube-prometheus-stack: the Alertmanager resource.
    Alertmanager,
    /// kube-prometheus-stack: the ThanosRuler resource.
    ThanosRuler,
    /// kube-prometheus-stack: the Service `<fullname>-prometheus` in front of every replica.
    PrometheusService,
    /// prometheus: the server's Deployment (or StatefulSet).
    Server,
    /// prometheus: the server's Service `<fullname>`.
    ServerService,
    /// prometheus: the ConfigMap holding the server's prometheus.yml.
    ServerConfig,
    /// alertmanager: its StatefulSet.
    AlertmanagerStatefulSet,
}

impl Component {
    /// The keys leading to the pod spec, for workloads.
    fn pod_spec(self) -> &'static [&'static str] {
        match self {
            Component::Server | Component::AlertmanagerStatefulSet => &["spec", "template", "spec"],
            _ => &["spec"],
        }
    }
}

/// How a values key shows in the rendered object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Renders {
    /// The value is written to this field (dotted), a map or list copied
    /// whole; `within` names the ConfigMap data key of an embedded prometheus.yml.
    Field {
        within: Option<&'static str>,
        path: &'static str,
    },
    /// `"hard"` writes a required pod anti-affinity term, `"soft"` a
    /// preferred one (weight 100), `""` none, under the pod spec's
    /// `affinity.podAntiAffinity`; the term selects the component's pods.
    AntiAffinity,
    /// The topologyKey of the term [`Renders::AntiAffinity`] writes.
    AntiAffinityTopologyKey,
    /// `true` renders a PodDisruptionBudget selecting the component's pods.
    Budget,
    /// A non-empty map renders a PodDisruptionBudget with it as its spec.
    BudgetSpec,
    /// `true` writes `field: ""` (dotted); otherwise the field is left out.
    Clear(&'static str),
    /// `true` makes the server a StatefulSet: a Deployment's one volume
    /// claim cannot serve more than one replica.
    StatefulSet,
    /// The server container's environment; the chart sets no POD_NAME.
    Env,
}

impl Renders {
    /// What the key does to the rendered object, for the README's table.
    pub fn describe(&self) -> String {
        match self {
            Renders::Field { within: None, path } => format!("`{path}`"),
            Renders::Field {
                within: Some(key),
                path,
            } => format!("`{path}` of the ConfigMap's `{key}`"),
            Renders::AntiAffinity => "`hard`: a required pod anti-affinity term, `soft`: a preferred one".to_string(),
            Renders::AntiAffinityTopologyKey => "the topologyKey of that term".to_string(),
            Renders::Budget => "`true`: a PodDisruptionBudget".to_string(),
            Renders::BudgetSpec => "a PodDisruptionBudget with this spec".to_string(),
            Renders::Clear(field) => format!("`true`: `{field}: \"\"`"),
            Renders::StatefulSet => "`true`: a StatefulSet instead of a Deployment".to_string(),
            Renders::Env => "the server container's `env`".to_string(),
        }
    }
}

/// One values key of a chart, with the field it produces.
#[derive(Debug)]
pub struct Row {
    pub chart: Chart,
    pub component: Component,
    /// From the chart's own values root, dotted.
    pub key: &'static str,
    /// The chart's default, as JSON.
    pub default: &'static str,
    pub renders: Renders,
    /// The template that renders it, in the chart.
    pub template: &'static str,
}

const fn row(
    chart: Chart,
    component: Component,
    key: &'static str,
    default: &'static str,
    renders: Renders,
    template: &'static str,
) -> Row {
    Row {
        chart,
        component,
        key,
        default,
        renders,
        template,
    }
}

const fn field(path: &'static str) -> Renders {
    Renders::Field { within: None, path }
}

const fn config_field(path: &'static str) -> Renders {
    Renders::Field {
        within: Some("prometheus.yml"),
        path,
    }
}

use Chart::{Alertmanager as AmChart, KubePrometheusStack as Kps, Prometheus as PromChart};
use Component::*;

const KPS_PROMETHEUS: &str = "templates/prometheus/prometheus.yaml";
const KPS_ALERTMANAGER: &str = "templates/alertmanager/alertmanager.yaml";
const KPS_RULER: &str = "templates/thanos-ruler/ruler.yaml";
const HOSTNAME: &str = "\"kubernetes.io/hostname\"";

/// Every values key promha translates findings into.
pub static ROWS: &[Row] = &[
    // kube-prometheus-stack: Prometheus (P/prometheus.yaml).
    row(
        Kps,
        Prometheus,
        "prometheus.prometheusSpec.replicas",
        "1",
        field("spec.replicas"),
        KPS_PROMETHEUS,
    ),
    row(
        Kps,
        Prometheus,
        "prometheus.prometheusSpec.podAntiAffinity",
        "\"soft\"",
        Renders::AntiAffinity,
        KPS_PROMETHEUS,
    ),
    row(
        Kps,
        Prometheus,
        "prometheus.prometheusSpec.podAntiAffinityTopologyKey",
        HOSTNAME,
        Renders::AntiAffinityTopologyKey,
        KPS_PROMETHEUS,
    ),
    row(
        Kps,
        Prometheus,
        "prometheus.prometheusSpec.topologySpreadConstraints",
        "[]",
        field("spec.topologySpreadConstraints"),
        KPS_PROMETHEUS,
    ),
    row(
        Kps,
        Prometheus,
        "prometheus.prometheusSpec.replicaExternalLabelNameClear",
        "false",
        Renders::Clear("spec.replicaExternalLabelName"),
        KPS_PROMETHEUS,
    ),
    row(
        Kps,
        Prometheus,
        "prometheus.prometheusSpec.externalLabels",
        "{}",
        field("spec.externalLabels"),
        KPS_PROMETHEUS,
    ),
    row(
        Kps,
        Prometheus,
        "prometheus.prometheusSpec.alertingEndpoints",
        "[]",
        field("spec.alerting.alertmanagers"),
        KPS_PROMETHEUS,
    ),
    row(
        Kps,
        Prometheus,
        "prometheus.prometheusSpec.storageSpec",
        "{}",
        field("spec.storage"),
        KPS_PROMETHEUS,
    ),
    row(
        Kps,
        Prometheus,
        "prometheus.podDisruptionBudget.enabled",
        "false",
        Renders::Budget,
        "templates/prometheus/podDisruptionBudget.yaml",
    ),
    row(
        Kps,
        PrometheusService,
        "prometheus.service.sessionAffinity",
        "\"None\"",
        field("spec.sessionAffinity"),
        "templates/prometheus/service.yaml",
    ),
    // kube-prometheus-stack: Alertmanager (A/alertmanager.yaml).
    row(
        Kps,
        Alertmanager,
        "alertmanager.alertmanagerSpec.replicas",
        "1",
        field("spec.replicas"),
        KPS_ALERTMANAGER,
    ),
    row(
        Kps,
        Alertmanager,
        "alertmanager.alertmanagerSpec.podAntiAffinity",
        "\"soft\"",
        Renders::AntiAffinity,
        KPS_ALERTMANAGER,
    ),
    row(
        Kps,
        Alertmanager,
        "alertmanager.alertmanagerSpec.podAntiAffinityTopologyKey",
        HOSTNAME,
        Renders::AntiAffinityTopologyKey,
        KPS_ALERTMANAGER,
    ),
    row(
        Kps,
        Alertmanager,
        "alertmanager.alertmanagerSpec.topologySpreadConstraints",
        "[]",
        field("spec.topologySpreadConstraints"),
        KPS_ALERTMANAGER,
    ),
    row(
        Kps,
        Alertmanager,
        "alertmanager.alertmanagerSpec.storage",
        "{}",
        field("spec.storage"),
        KPS_ALERTMANAGER,
    ),
    row(
        Kps,
        Alertmanager,
        "alertmanager.podDisruptionBudget.enabled",
        "false",
        Renders::Budget,
        "templates/alertmanager/podDisruptionBudget.yaml",
    ),
    // kube-prometheus-stack: ThanosRuler (T/ruler.yaml), off by default (thanosRuler.enabled).
    row(
        Kps,
        ThanosRuler,
        "thanosRuler.thanosRulerSpec.replicas",
        "1",
        field("spec.replicas"),
        KPS_RULER,
    ),
    row(
        Kps,
        ThanosRuler,
        "thanosRuler.thanosRulerSpec.podAntiAffinity",
        "\"soft\"",
        Renders::AntiAffinity,
        KPS_RULER,
    ),
    row(
        Kps,
        ThanosRuler,
        "thanosRuler.thanosRulerSpec.podAntiAffinityTopologyKey",
        HOSTNAME,
        Renders::AntiAffinityTopologyKey,
        KPS_RULER,
    ),
    row(
        Kps,
        ThanosRuler,
        "thanosRuler.thanosRulerSpec.topologySpreadConstraints",
        "[]",
        field("spec.topologySpreadConstraints"),
        KPS_RULER,
    ),
    row(
        Kps,
        ThanosRuler,
        "thanosRuler.thanosRulerSpec.alertmanagersUrl",
        "null",
        field("spec.alertmanagersUrl"),
        KPS_RULER,
    ),
    row(
        Kps,
        ThanosRuler,
        "thanosRuler.podDisruptionBudget.enabled",
        "false",
        Renders::Budget,
        "templates/thanos-ruler/podDisruptionBudget.yaml",
    ),
    // prometheus: the server (templates/deploy.yaml, pdb.yaml, service.yaml, cm.yaml).
    row(
        PromChart,
        Server,
        "server.replicaCount",
        "1",
        field("spec.replicas"),
        "templates/deploy.yaml",
    ),
    row(
        PromChart,
        Server,
        "server.statefulSet.enabled",
        "false",
        Renders::StatefulSet,
        "templates/deploy.yaml",
    ),
    row(
        PromChart,
        Server,
        "server.podAntiAffinity",
        "\"\"",
        Renders::AntiAffinity,
        "templates/deploy.yaml",
    ),
    row(
        PromChart,
        Server,
        "server.podAntiAffinityTopologyKey",
        HOSTNAME,
        Renders::AntiAffinityTopologyKey,
        "templates/deploy.yaml",
    ),
    row(
        PromChart,
        Server,
        "server.topologySpreadConstraints",
        "[]",
        field("spec.template.spec.topologySpreadConstraints"),
        "templates/deploy.yaml",
    ),
    row(
        PromChart,
        Server,
        "server.env",
        "[]",
        Renders::Env,
        "templates/deploy.yaml",
    ),
    row(
        PromChart,
        Server,
        "server.podDisruptionBudget.enabled",
        "false",
        Renders::Budget,
        "templates/pdb.yaml",
    ),
    row(
        PromChart,
        ServerService,
        "server.service.sessionAffinity",
        "\"None\"",
        field("spec.sessionAffinity"),
        "templates/service.yaml",
    ),
    row(
        PromChart,
        ServerConfig,
        "server.global",
        r#"{"scrape_interval":"1m","scrape_timeout":"10s","evaluation_interval":"1m"}"#,
        config_field("global"),
        "templates/cm.yaml",
    ),
    row(
        PromChart,
        ServerConfig,
        "alertRelabelConfigs.alert_relabel_configs",
        "null",
        config_field("alerting.alert_relabel_configs"),
        "templates/cm.yaml",
    ),
    row(
        PromChart,
        ServerConfig,
        "server.alertmanagers",
        "[]",
        config_field("alerting.alertmanagers"),
        "templates/cm.yaml",
    ),
    // alertmanager (templates/statefulset.yaml, pdb.yaml).
    row(
        AmChart,
        AlertmanagerStatefulSet,
        "replicaCount",
        "1",
        field("spec.replicas"),
        "templates/statefulset.yaml",
    ),
    row(
        AmChart,
        AlertmanagerStatefulSet,
        "podAntiAffinity",
        "\"\"",
        Renders::AntiAffinity,
        "templates/statefulset.yaml",
    ),
    row(
        AmChart,
        AlertmanagerStatefulSet,
        "podAntiAffinityTopologyKey",
        HOSTNAME,
        Renders::AntiAffinityTopologyKey,
        "templates/statefulset.yaml",
    ),
    row(
        AmChart,
        AlertmanagerStatefulSet,
        "podDisruptionBudget",
        "{}",
        Renders::BudgetSpec,
        "templates/pdb.yaml",
    ),
];

/// Whether a chart's values key (from its values root) is a workload's replica count.
pub fn is_replica_count(chart: &str, key: &[String]) -> bool {
    ROWS.iter()
        .any(|r| r.chart.name() == chart && r.renders == field("spec.replicas") && keys(r.key) == key)
}

/// What a chart rendered: the chart, its version and which of its objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub chart: Chart,
    pub version: Option<String>,
    /// `None` for an object of the chart no row is about.
    pub component: Option<Component>,
}

/// Recognises a chart's object by the labels the chart gives it.
pub fn recognise(object: &Object<'_>) -> Option<Rendered> {
    let labels = object.root.path(&["metadata", "labels"])?;
    let label = |key: &str| labels.get(key).and_then(Node::scalar_text);
    // kube-prometheus-stack: `chart: kube-prometheus-stack-<version>` (`+` written `_`),
    // `app.kubernetes.io/part-of`, and no helm.sh/chart (_helpers.tpl).
    let kps_version = label("chart")
        .and_then(|c| c.strip_prefix("kube-prometheus-stack-").map(|v| v.replace('_', "+")))
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()));
    if kps_version.is_some() || label("app.kubernetes.io/part-of").as_deref() == Some("kube-prometheus-stack") {
        let version = kps_version.or_else(|| label("app.kubernetes.io/version"));
        let component = match (object.group, object.kind) {
            (super::operator::GROUP, "Prometheus" | "PrometheusAgent") => Some(Prometheus),
            (super::operator::GROUP, "Alertmanager") => Some(Alertmanager),
            (super::operator::GROUP, "ThanosRuler") => Some(ThanosRuler),
            ("", "Service")
                if label("app").is_some_and(|a| a.ends_with("-prometheus"))
                    && object
                        .root
                        .path(&["spec", "selector", "operator.prometheus.io/name"])
                        .is_some() =>
            {
                Some(PrometheusService)
            }
            _ => None,
        };
        return Some(Rendered {
            chart: Kps,
            version,
            component,
        });
    }
    // The other charts: `helm.sh/chart: <name>-<version>`.
    let (name, version) = split_chart_label(&label("helm.sh/chart")?)?;
    let component = label("app.kubernetes.io/component");
    match name.as_str() {
        "prometheus" => Some(Rendered {
            chart: PromChart,
            version: Some(version),
            component: match (object.kind, component.as_deref()) {
                ("Deployment" | "StatefulSet", Some("server")) => Some(Server),
                ("Service", Some("server"))
                    if object.root.path(&["spec", "clusterIP"]).and_then(Node::as_str) != Some("None") =>
                {
                    Some(ServerService)
                }
                ("ConfigMap", Some("server")) => Some(ServerConfig),
                _ => None,
            },
        }),
        "alertmanager" => Some(Rendered {
            chart: AmChart,
            version: Some(version),
            component: (object.kind == "StatefulSet").then_some(AlertmanagerStatefulSet),
        }),
        _ => None,
    }
}

/// `prometheus-node-exporter-4.56.0` → (`prometheus-node-exporter`, `4.56.0`).
fn split_chart_label(label: &str) -> Option<(String, String)> {
    let at = label
        .match_indices('-')
        .map(|(i, _)| i)
        .find(|&i| label[i + 1..].starts_with(|c: char| c.is_ascii_digit()))?;
    Some((label[..at].to_string(), label[at + 1..].to_string()))
}

/// Where a template's chart sits among its parents: `umbrella/charts/
/// kube-prometheus-stack/templates/…` is under `kube-prometheus-stack` in
/// the values given to Helm; `kube-prometheus-stack/templates/…` at their root.
pub fn values_prefix(template: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = template.split('/').collect();
    let templates = parts.iter().position(|p| *p == "templates")?;
    let chart_path = &parts[..templates];
    Some(
        chart_path
            .windows(2)
            .filter(|w| w[0] == "charts")
            .map(|w| w[1].to_string())
            .collect(),
    )
}

fn rows_of(chart: Chart, component: Component) -> impl Iterator<Item = &'static Row> {
    ROWS.iter()
        .filter(move |r| r.chart == chart && r.component == component)
}

fn find_row(chart: Chart, component: Component, wanted: impl Fn(&Renders) -> bool) -> Option<&'static Row> {
    rows_of(chart, component).find(|r| wanted(&r.renders))
}

fn keys(dotted: &str) -> Vec<String> {
    dotted.split('.').map(str::to_string).collect()
}

fn set(row: &Row, value: Json) -> ValuesChange {
    ValuesChange {
        key: keys(row.key),
        op: ValuesOp::Set {
            value: value.to_string(),
            default: Some(row.default.to_string()),
        },
    }
}

/// The finding's fix in the chart's values, for an object a known chart
/// rendered: each edit of the rendered object translated through the rows.
/// When an edit has no row, the values changes are left empty and the
/// rendered fix stands.
pub fn chart_fix(object: &Object<'_>, fix: &Fix) -> Option<ChartFix> {
    let rendered = recognise(object)?;
    let mut chart_fix = ChartFix {
        chart: rendered.chart.name(),
        version: rendered.version.clone(),
        prefix: object.template.and_then(values_prefix),
        key: Vec::new(),
        changes: Vec::new(),
        rendered_fix: fix.text.clone(),
        subject: None,
        rendered_at: None,
        already_in_values: false,
    };
    let Some(component) = rendered.component else {
        return Some(chart_fix);
    };
    if !fix.edits.is_empty() {
        let translated: Option<Vec<Vec<ValuesChange>>> = fix
            .edits
            .iter()
            .map(|edit| translate(rendered.chart, component, object, edit))
            .collect();
        if let Some(translated) = translated {
            for change in translated.into_iter().flatten() {
                if !chart_fix.changes.contains(&change) {
                    chart_fix.changes.push(change);
                }
            }
            chart_fix.key = chart_fix.changes.first().map(|c| c.key.clone()).unwrap_or_default();
        }
    } else if let Some(subject) = &fix.subject {
        // A fix left to the user: the field it names, in values terms.
        if let Some((row, rest)) = field_row(rendered.chart, component, subject)
            && !rest.iter().any(|s| matches!(s, Step::Index(_)))
        {
            let mut key = keys(row.key);
            key.extend(rest.iter().filter_map(step_key));
            chart_fix.key = key;
            chart_fix.subject = Some(dotted_steps(&subject.steps));
        }
    }
    Some(chart_fix)
}

fn step_key(step: &Step) -> Option<String> {
    match step {
        Step::Key(k) => Some(k.clone()),
        Step::Index(_) => None,
    }
}

/// `spec.storage.volumeClaimTemplate`, as rules' fix texts name fields.
fn dotted_steps(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The row whose rendered field is `path` or contains it, and the steps below that field.
fn field_row(chart: Chart, component: Component, path: &FieldPath) -> Option<(&'static Row, Vec<Step>)> {
    rows_of(chart, component).find_map(|row| {
        let Renders::Field { within, path: field } = row.renders else {
            return None;
        };
        if path.within.as_deref() != within {
            return None;
        }
        let field: Vec<Step> = field.split('.').map(|k| Step::Key(k.to_string())).collect();
        path.steps
            .starts_with(&field)
            .then(|| (row, path.steps[field.len()..].to_vec()))
    })
}

/// One edit of the rendered object as values changes, or `None` when no row produces its field.
fn translate(chart: Chart, component: Component, object: &Object<'_>, edit: &Edit) -> Option<Vec<ValuesChange>> {
    let path = match edit {
        Edit::AddDocument { value } => return budget(chart, component, value),
        Edit::Set { path, .. } | Edit::Remove { path } | Edit::Append { path, .. } => path,
    };
    if let Some(changes) = anti_affinity(chart, component, object, edit, path) {
        return Some(changes);
    }
    if let Edit::Remove { path } = edit
        && path.within.is_none()
        && let Some(row) = find_row(
            chart,
            component,
            |r| matches!(r, Renders::Clear(field) if path.steps == steps_of(field)),
        )
    {
        return Some(vec![set(row, json!(false))]);
    }
    let (row, rest) = field_row(chart, component, path)?;
    let mut changes = Vec::new();
    if rest.iter().any(|s| matches!(s, Step::Index(_))) {
        // Inside a list the chart copies whole: the list (or map) as it
        // would be rendered with the edit made, written to the key.
        let mut whole = rendered_value(object, path.within.as_deref(), row)?;
        crate::fix::apply_to_json(&mut whole, &rest, edit).ok()?;
        changes.push(set(row, whole));
    } else {
        let mut key = keys(row.key);
        key.extend(rest.iter().filter_map(step_key));
        let default = rest.is_empty().then(|| row.default.to_string());
        let op = match edit {
            Edit::Set { value, .. } => ValuesOp::Set {
                value: value.clone(),
                default,
            },
            Edit::Remove { .. } => ValuesOp::Remove,
            Edit::Append { items, .. } => ValuesOp::Append { items: items.clone() },
            Edit::AddDocument { .. } => return None,
        };
        changes.push(ValuesChange { key, op });
    }
    // The chart's own notes on a field: more than one server replica needs
    // a StatefulSet; a `${POD_NAME}` in the config needs POD_NAME in the env.
    if let Edit::Set { value, .. } = edit {
        let number = serde_json::from_str::<Json>(value).ok().and_then(|v| v.as_i64());
        if component == Server
            && object.kind == "Deployment"
            && row.renders == field("spec.replicas")
            && number.is_some_and(|n| n > 1)
        {
            changes.push(set(
                find_row(chart, Server, |r| *r == Renders::StatefulSet)?,
                json!(true),
            ));
        }
        if component == ServerConfig && value.contains("${POD_NAME}") {
            let env = find_row(chart, Server, |r| *r == Renders::Env)?;
            changes.push(ValuesChange {
                key: keys(env.key),
                op: ValuesOp::Append {
                    items: vec![
                        json!({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
                            .to_string(),
                    ],
                },
            });
        }
    }
    Some(changes)
}

fn steps_of(dotted: &str) -> Vec<Step> {
    dotted.split('.').map(|k| Step::Key(k.to_string())).collect()
}

/// The rendered value of a row's field, as JSON.
fn rendered_value(object: &Object<'_>, within: Option<&str>, row: &Row) -> Option<Json> {
    let Renders::Field { path, .. } = row.renders else {
        return None;
    };
    let dotted: Vec<&str> = path.split('.').collect();
    let root = match within {
        None => object.root.to_json(),
        Some(key) => {
            let text = object.root.path(&["data", key]).and_then(Node::as_str)?;
            let mut documents = read_documents(text, &ReadLimits::default()).ok()?;
            (documents.len() == 1).then(|| documents.remove(0).to_json())?
        }
    };
    Some(dotted.iter().try_fold(&root, |node, key| node.get(key))?.clone())
}

/// A new PodDisruptionBudget for the component: what the chart renders one from.
fn budget(chart: Chart, component: Component, document: &str) -> Option<Vec<ValuesChange>> {
    if let Some(row) = find_row(chart, component, |r| *r == Renders::Budget) {
        return Some(vec![set(row, json!(true))]);
    }
    let row = find_row(chart, component, |r| *r == Renders::BudgetSpec)?;
    // The chart adds its own selector to the map it is given.
    let mut spec = serde_json::from_str::<Json>(document).ok()?.get("spec")?.clone();
    spec.as_object_mut()?.shift_remove("selector");
    Some(vec![set(row, spec)])
}

const REQUIRED: &str = "requiredDuringSchedulingIgnoredDuringExecution";
const PREFERRED: &str = "preferredDuringSchedulingIgnoredDuringExecution";

/// Edits of the pod anti-affinity the chart writes: a new term is the
/// chart's `hard` or `soft` on the term's topology key; a topology key set
/// on the chart's own term is its topology key value.
fn anti_affinity(
    chart: Chart,
    component: Component,
    object: &Object<'_>,
    edit: &Edit,
    path: &FieldPath,
) -> Option<Vec<ValuesChange>> {
    let mut base: Vec<Step> = component.pod_spec().iter().map(|k| Step::Key(k.to_string())).collect();
    base.push(Step::Key("affinity".into()));
    base.push(Step::Key("podAntiAffinity".into()));
    if path.within.is_some() || !path.steps.starts_with(&base) {
        return None;
    }
    let mode = find_row(chart, component, |r| *r == Renders::AntiAffinity)?;
    let topology = find_row(chart, component, |r| *r == Renders::AntiAffinityTopologyKey)?;
    let rest = &path.steps[base.len()..];
    let list = match rest.first() {
        Some(Step::Key(k)) if k == REQUIRED => REQUIRED,
        Some(Step::Key(k)) if k == PREFERRED => PREFERRED,
        _ => return None,
    };
    let term_key = |term: &Json| {
        let term = if list == PREFERRED {
            term.get("podAffinityTerm")?
        } else {
            term
        };
        term.get("topologyKey").cloned()
    };
    match (edit, &rest[1..]) {
        (Edit::Append { items, .. }, []) if items.len() == 1 => {
            let term: Json = serde_json::from_str(&items[0]).ok()?;
            let hard_or_soft = if list == REQUIRED { "hard" } else { "soft" };
            Some(vec![set(mode, json!(hard_or_soft)), set(topology, term_key(&term)?)])
        }
        (Edit::Set { value, .. }, [Step::Index(i), tail @ ..]) => {
            let expected: &[&str] = if list == PREFERRED {
                &["podAffinityTerm", "topologyKey"]
            } else {
                &["topologyKey"]
            };
            if tail != steps_of(&expected.join(".")).as_slice() {
                return None;
            }
            let mut term_path: Vec<&str> = component.pod_spec().to_vec();
            term_path.extend(["affinity", "podAntiAffinity", list]);
            let term = object.root.path(&term_path)?.as_seq()?.get(*i)?;
            if !is_chart_term(&term.to_json(), list) {
                return None; // The user's own term, from the affinity value.
            }
            Some(vec![set(topology, serde_json::from_str(value).ok()?)])
        }
        _ => None,
    }
}

/// Whether a term is the one the chart writes: a topology key and a
/// selector of `matchExpressions` only, the first on app.kubernetes.io/name
/// (kube-prometheus-stack's `_helpers.tpl`, the prometheus and alertmanager
/// charts' templates).
fn is_chart_term(term: &Json, list: &str) -> bool {
    let inner = if list == PREFERRED {
        let Some(map) = term.as_object() else { return false };
        if map.len() != 2 || map.get("weight") != Some(&json!(100)) {
            return false;
        }
        match term.get("podAffinityTerm") {
            Some(inner) => inner,
            None => return false,
        }
    } else {
        term
    };
    let Some(map) = inner.as_object() else { return false };
    let selector = map.get("labelSelector").and_then(Json::as_object);
    let first = selector
        .filter(|s| s.len() == 1)
        .and_then(|s| s.get("matchExpressions"))
        .and_then(Json::as_array)
        .and_then(|e| e.first());
    map.len() == 2
        && map.contains_key("topologyKey")
        && first.is_some_and(|e| {
            e.get("key") == Some(&json!("app.kubernetes.io/name")) && e.get("operator") == Some(&json!("In"))
        })
}

/// A values key as people write it: `prometheus.prometheusSpec.replicas`.
pub fn dotted(key: &[String]) -> String {
    key.join(".")
}

/// A value as a values file would hold it, on one line.
fn shown(value: &str) -> String {
    serde_json::from_str::<Json>(value).map_or_else(|_| value.to_string(), |v| crate::fix::render::flow(&v))
}

/// One change as a clause: `set a.b: 2`, `remove a.c`, `add {…} to a.d`.
pub fn clause(chart: &ChartFix, change: &ValuesChange) -> String {
    let key = dotted(&chart.full_key(&change.key));
    match &change.op {
        ValuesOp::Set { value, .. } => format!("set {key}: {}", shown(value)),
        ValuesOp::Remove => format!("remove {key}"),
        ValuesOp::Append { items } => format!(
            "add {} to {key}",
            items.iter().map(|i| shown(i)).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_clauses(clauses: &[String]) -> String {
    match clauses {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The fix in values terms, to be made in `target` (a values file), or in
/// the chart's values when no values file is known.
pub fn values_fix_text(chart: &ChartFix, target: Option<&str>) -> String {
    let place = match target {
        Some(file) => format!("in {file}"),
        None => "in the chart's values".to_string(),
    };
    if !chart.changes.is_empty() {
        let clauses: Vec<String> = chart.changes.iter().map(|c| clause(chart, c)).collect();
        return format!("{} {place}", join_clauses(&clauses));
    }
    match &chart.subject {
        Some(subject) if !chart.key.is_empty() => {
            let key = dotted(&chart.full_key(&chart.key));
            let text = chart.rendered_fix.replacen(subject.as_str(), &key, 1);
            // `set <key> (for example …)`: the place goes after the key.
            match text.find(&key) {
                Some(at) => format!("{} {place}{}", &text[..at + key.len()], &text[at + key.len()..]),
                None => format!("{text} {place}"),
            }
        }
        _ => chart.rendered_fix.clone(),
    }
}

#[cfg(test)]
#[path = "helm_tests.rs"]
mod tests;
