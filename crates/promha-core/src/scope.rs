//! Everything checked together, indexed so rules can join objects without
//! scanning the whole scope for each one. Only what the enabled rules read
//! (their [`Input`]s) is collected.

use std::collections::HashMap;

use crate::model::elector;
use crate::model::embedded::EmbeddedConfig;
use crate::model::object::Object;
use crate::model::operator::SHARD_LABEL;
use crate::model::pod::{self, Controller, Pod};
use crate::model::prometheus_config::{ConfigRole, PrometheusConfig};
use crate::model::selector::{LabelSelector, UNKNOWN_VALUE_LABELS};
use crate::model::service::{DisruptionBudget, Service};
use crate::model::thanos::ThanosQuery;
use crate::model::workload::Workload;
use crate::model::{App, Input};
use crate::settings::Settings;

/// How thorough a check is, beyond the settings.
#[derive(Debug, Default)]
pub struct CheckOptions {
    /// Report fields the schema does not know (CLI and web page). Admission
    /// leaves this to the API server, which prunes unknown fields.
    pub unknown_fields: bool,
    /// The user's CRDs: objects of their kinds are validated against them.
    pub crds: Vec<crate::schema::CrdSchema>,
    /// (kind, namespace) pairs that could not be listed (a failed lookup):
    /// rules do not report an object of that kind missing there.
    pub unlisted: Vec<(String, String)>,
    /// The one document findings are wanted about (admission's admitted
    /// object): findings on others are dropped, and rules may skip work
    /// whose findings could only be about others (see [`Scope::reports_on`]).
    pub subject: Option<usize>,
}

pub struct Scope<'a> {
    pub settings: &'a Settings,
    pub options: &'a CheckOptions,
    pub objects: &'a [Object<'a>],
    pub workloads: Vec<Workload<'a>>,
    pub services: Vec<Service<'a>>,
    pub disruption_budgets: Vec<DisruptionBudget>,
    pub thanos_queries: Vec<ThanosQuery<'a>>,
    pub prometheus_configs: Vec<PrometheusConfig<'a>>,
    /// Values of ConfigMaps and Secrets named like a Prometheus config that cannot be read as one.
    pub unreadable_configs: Vec<&'a EmbeddedConfig>,
    pub pods: Vec<Pod<'a>>,
    /// The pods of each workload (by its object's index), with their shard, in document order.
    pods_by_workload: HashMap<usize, Vec<(i64, usize)>>,
    service_by_name: HashMap<(&'a str, &'a str), usize>,
    workloads_by_namespace: HashMap<&'a str, Vec<usize>>,
    /// Workloads under every (namespace, key, value) their pods carry.
    workloads_by_label: HashMap<LabelKey, Vec<usize>>,
    /// The Alertmanagers among the workloads, and those of each namespace.
    alertmanagers: Vec<usize>,
    alertmanagers_by_namespace: HashMap<&'a str, Vec<usize>>,
    /// Budgets under the label their selector requires that the fewest
    /// workloads carry (see `required_labels`), so a workload's lookup finds
    /// few budgets that do not select it even when they all share a label…
    budgets_by_label: HashMap<LabelKey, Vec<usize>>,
    /// …or, when it requires none, under their namespace.
    budgets_without_required_label: HashMap<&'a str, Vec<usize>>,
}

/// (namespace, label key, label value)
type LabelKey = (String, String, String);

fn label_key(namespace: &str, key: &str, value: &str) -> LabelKey {
    (namespace.to_string(), key.to_string(), value.to_string())
}

/// The labels that every pod the selector picks carries with exactly these
/// values, so the selector can be filed under one and joined by lookup
/// instead of by scanning the namespace. Not the shard label (it varies per
/// shard) and not one whose value promha cannot know (the pods may carry it
/// with any value). Joins use the most selective: labels such as
/// `app.kubernetes.io/name: prometheus` are shared by every Prometheus, and
/// looking up by them alone makes a join's cost grow with the square of the
/// objects.
fn required_labels(selector: &LabelSelector) -> impl Iterator<Item = (&str, &str)> {
    selector
        .match_labels
        .iter()
        .filter(|(key, _)| key != SHARD_LABEL && !UNKNOWN_VALUE_LABELS.contains(&key.as_str()))
        .map(|(key, value)| (key.as_str(), value.as_str()))
}

impl<'a> Scope<'a> {
    pub fn new(
        objects: &'a [Object<'a>],
        embedded: &'a [EmbeddedConfig],
        settings: &'a Settings,
        options: &'a CheckOptions,
        inputs: &[Input],
    ) -> Scope<'a> {
        let reads = |input| inputs.contains(&input);
        let mut scope = Scope {
            settings,
            options,
            objects,
            workloads: Vec::new(),
            services: Vec::new(),
            disruption_budgets: Vec::new(),
            thanos_queries: Vec::new(),
            prometheus_configs: Vec::new(),
            unreadable_configs: Vec::new(),
            pods: Vec::new(),
            pods_by_workload: HashMap::new(),
            service_by_name: HashMap::new(),
            workloads_by_namespace: HashMap::new(),
            workloads_by_label: HashMap::new(),
            alertmanagers: Vec::new(),
            alertmanagers_by_namespace: HashMap::new(),
            budgets_by_label: HashMap::new(),
            budgets_without_required_label: HashMap::new(),
        };
        for (index, object) in objects.iter().enumerate() {
            if object.standalone_config {
                // An elector config's effective configs come with the embedded ones.
                if reads(Input::PrometheusConfigs) && elector::sections(object.root).is_none() {
                    scope.prometheus_configs.push(PrometheusConfig {
                        object: index,
                        root: object.root,
                        location: String::new(),
                        holder: String::new(),
                        data_key: None,
                        role: ConfigRole::Plain,
                    });
                }
                continue;
            }
            let namespace = object.namespace.as_str();
            if reads(Input::Workloads)
                && let Some(workload) = Workload::from_object(index, object)
            {
                scope.add_workload(namespace, workload);
                continue;
            }
            match (object.group, object.kind) {
                ("", "Service") if reads(Input::Services) => {
                    let at = scope.services.len();
                    // The first of duplicates wins, as a scan would find it.
                    scope
                        .service_by_name
                        .entry((namespace, object.name.as_str()))
                        .or_insert(at);
                    scope.services.push(Service::from_object(index, object));
                }
                ("policy", "PodDisruptionBudget") if reads(Input::DisruptionBudgets) => {
                    // Filed once every workload is known (see `file_budgets`).
                    scope
                        .disruption_budgets
                        .push(DisruptionBudget::from_object(index, object));
                }
                ("", "Pod") if reads(Input::Pods) => scope.pods.extend(Pod::from_object(index, object)),
                _ if reads(Input::ThanosQueries) => {
                    if let Some(query) = ThanosQuery::from_object(index, object) {
                        scope.thanos_queries.push(query);
                    }
                }
                _ => {}
            }
        }
        scope.file_budgets();
        if reads(Input::PrometheusConfigs) {
            for config in embedded {
                match &config.content {
                    Ok(root) => scope.prometheus_configs.push(PrometheusConfig {
                        object: config.object,
                        root,
                        location: config.location(),
                        holder: config.holder(),
                        data_key: config.key.clone(),
                        role: config.role,
                    }),
                    Err(_) => scope.unreadable_configs.push(config),
                }
            }
        }
        scope.assign_pods();
        scope
    }

    /// Files each pod under the workload it is a replica of: by its
    /// controller, or by its labels when it has no owner references.
    fn assign_pods(&mut self) {
        if self.pods.is_empty() {
            return;
        }
        let mut by_controller: HashMap<(&str, Controller), Vec<(usize, i64)>> = HashMap::new();
        for workload in &self.workloads {
            let object = &self.objects[workload.object];
            for (controller, shard) in pod::controllers_of(workload, object) {
                by_controller
                    .entry((object.namespace.as_str(), controller))
                    .or_default()
                    .push((workload.object, shard));
            }
        }
        let mut assigned: HashMap<usize, Vec<(i64, usize)>> = HashMap::new();
        for (at, pod) in self.pods.iter().enumerate() {
            match &pod.controller {
                Some(controller) => {
                    for &(workload, shard) in by_controller
                        .get(&(pod.namespace.as_str(), controller.clone()))
                        .into_iter()
                        .flatten()
                    {
                        assigned.entry(workload).or_default().push((shard, at));
                    }
                }
                None => {
                    for workload in self.workloads_in(&pod.namespace) {
                        if let Some(shard) = pod.shard_by_labels(workload) {
                            assigned.entry(workload.object).or_default().push((shard, at));
                        }
                    }
                }
            }
        }
        self.pods_by_workload = assigned;
    }

    fn add_workload(&mut self, namespace: &'a str, workload: Workload<'a>) {
        let at = self.workloads.len();
        self.workloads_by_namespace.entry(namespace).or_default().push(at);
        if workload.app == App::Alertmanager {
            self.alertmanagers.push(at);
            self.alertmanagers_by_namespace.entry(namespace).or_default().push(at);
        }
        for (key, value) in &workload.base_labels.labels {
            self.workloads_by_label
                .entry(label_key(namespace, key, value))
                .or_default()
                .push(at);
        }
        self.workloads.push(workload);
    }

    /// Files each budget under its most selective required label: the one
    /// the fewest workloads of its namespace carry.
    fn file_budgets(&mut self) {
        for (at, budget) in self.disruption_budgets.iter().enumerate() {
            let namespace = self.objects[budget.object].namespace.as_str();
            // A null selector selects nothing: the budget need not be found.
            let Some(selector) = budget.selector.as_ref() else {
                continue;
            };
            let most_selective = required_labels(selector)
                .map(|(key, value)| label_key(namespace, key, value))
                .min_by_key(|key| self.workloads_by_label.get(key).map_or(0, Vec::len));
            match most_selective {
                Some(key) => self.budgets_by_label.entry(key).or_default().push(at),
                None => self
                    .budgets_without_required_label
                    .entry(namespace)
                    .or_default()
                    .push(at),
            }
        }
    }

    /// Whether the objects of a kind in a namespace are all here, so that
    /// their absence means something (not so after a failed lookup).
    pub fn listed(&self, kind: &str, namespace: &str) -> bool {
        !self.options.unlisted.iter().any(|(k, n)| k == kind && n == namespace)
    }

    /// The workloads whose own findings are wanted: all, but in admission,
    /// where only the admitted object's are (the rest are its context).
    pub fn reported_workloads(&self) -> impl Iterator<Item = &Workload<'a>> {
        self.workloads.iter().filter(|w| self.reports_on(self.object(w.object)))
    }

    /// Whether findings about `object` are wanted (all are, but in admission).
    pub fn reports_on(&self, object: &Object<'_>) -> bool {
        self.options.subject.is_none_or(|subject| subject == object.document)
    }

    pub fn object(&self, index: usize) -> &Object<'a> {
        &self.objects[index]
    }

    pub fn service(&self, namespace: &str, name: &str) -> Option<&Service<'a>> {
        self.service_by_name.get(&(namespace, name)).map(|&i| &self.services[i])
    }

    /// The selectors of the budgets in the workload's namespace that may select
    /// its pods: a superset, found by lookup; callers match each.
    pub fn disruption_budget_candidates(&self, workload: &Workload<'_>) -> Vec<&LabelSelector> {
        let namespace = self.objects[workload.object].namespace.as_str();
        let mut found: Vec<usize> = workload
            .base_labels
            .labels
            .iter()
            .filter_map(|(key, value)| self.budgets_by_label.get(&label_key(namespace, key, value)))
            .chain(self.budgets_without_required_label.get(namespace))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .filter_map(|i| self.disruption_budgets[i].selector.as_ref())
            .collect()
    }

    /// The workloads in a namespace whose pods (of some shard) the selector picks.
    pub fn workloads_selected_by<'s>(
        &'s self,
        namespace: &str,
        selector: &'s LabelSelector,
    ) -> impl Iterator<Item = &'s Workload<'a>> + use<'s, 'a> {
        self.workload_candidates(namespace, selector)
            .iter()
            .map(|&i| &self.workloads[i])
            .filter(move |w| w.selected_in_some_shard(selector))
    }

    /// The workloads that may be selected: those carrying the selector's most
    /// selective required label, or the namespace's when it requires none.
    fn workload_candidates(&self, namespace: &str, selector: &LabelSelector) -> &[usize] {
        let mut labels = required_labels(selector).peekable();
        if labels.peek().is_none() {
            return self.workloads_by_namespace.get(namespace).map_or(&[], Vec::as_slice);
        }
        labels
            .map(|(key, value)| {
                self.workloads_by_label
                    .get(&label_key(namespace, key, value))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|bucket| bucket.len())
            .unwrap_or(&[])
    }

    pub fn workloads_in(&self, namespace: &str) -> impl Iterator<Item = &Workload<'a>> {
        self.workloads_by_namespace
            .get(namespace)
            .into_iter()
            .flatten()
            .map(|&i| &self.workloads[i])
    }

    /// The plain workloads whose pods mount a ConfigMap or Secret: those that
    /// run the Prometheus config it holds.
    pub fn workloads_mounting(&self, holder: &Object<'_>) -> impl Iterator<Item = &Workload<'a>> {
        let (kind, name) = (holder.kind.to_string(), holder.name.clone());
        self.workloads_in(&holder.namespace)
            .filter(move |w| !w.operator && w.mounts(self.object(w.object), &kind, &name))
    }

    /// The pods found among the objects that are replicas of the workload,
    /// with the shard each runs, in document order.
    pub fn pods_of(&self, workload: &Workload<'_>) -> impl Iterator<Item = (i64, &Pod<'a>)> {
        self.pods_by_workload
            .get(&workload.object)
            .into_iter()
            .flatten()
            .map(|&(shard, at)| (shard, &self.pods[at]))
    }

    pub fn alertmanagers_in(&self, namespace: &str) -> impl Iterator<Item = &Workload<'a>> {
        self.alertmanagers_by_namespace
            .get(namespace)
            .into_iter()
            .flatten()
            .map(|&i| &self.workloads[i])
    }

    pub fn alertmanagers(&self) -> impl Iterator<Item = &Workload<'a>> {
        self.alertmanagers.iter().map(|&i| &self.workloads[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::identify_objects;
    use crate::read::{ReadLimits, read_documents, read_text};

    fn names_selected(yaml: &str, namespace: &str, selector: &str) -> Vec<String> {
        let documents = read_text("t.yaml", yaml, &ReadLimits::default()).unwrap();
        let objects = identify_objects(&documents);
        let (settings, options) = (Settings::default(), CheckOptions::default());
        let scope = Scope::new(&objects, &[], &settings, &options, Input::ALL);
        let selector = LabelSelector::from_node(&read_documents(selector, &ReadLimits::default()).unwrap()[0]);
        scope
            .workloads_selected_by(namespace, &selector)
            .map(|w| scope.object(w.object).name.clone())
            .collect()
    }

    const TWO_NAMESPACES: &str = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: a, namespace: mon}\n---\napiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: b, namespace: mon}\nspec: {podMetadata: {labels: {team: x}}}\n---\napiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: c, namespace: other}\nspec: {podMetadata: {labels: {team: x}}}\n";

    #[test]
    fn selection_by_label_stays_in_the_namespace() {
        assert_eq!(names_selected(TWO_NAMESPACES, "mon", "matchLabels: {team: x}"), ["b"]);
        assert_eq!(names_selected(TWO_NAMESPACES, "other", "matchLabels: {team: x}"), ["c"]);
        assert_eq!(
            names_selected(
                TWO_NAMESPACES,
                "mon",
                "matchLabels: {app.kubernetes.io/name: alertmanager}"
            ),
            ["a", "b"]
        );
        assert!(names_selected(TWO_NAMESPACES, "mon", "matchLabels: {team: y}").is_empty());
    }

    #[test]
    fn selectors_without_a_required_label_scan_the_namespace() {
        assert_eq!(
            names_selected(
                TWO_NAMESPACES,
                "mon",
                "matchExpressions: [{key: team, operator: DoesNotExist}]"
            ),
            ["a"]
        );
        assert_eq!(
            names_selected(TWO_NAMESPACES, "mon", "matchLabels: {app.kubernetes.io/version: 1.0.0}"),
            ["a", "b"],
            "the version label's value is unknown, so it selects both"
        );
        assert_eq!(names_selected(TWO_NAMESPACES, "mon", "{}"), ["a", "b"]);
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: p, namespace: mon}\nspec:\n  template:\n    metadata: {labels: {app: p}}\n    spec:\n      containers: [{name: p, image: prom/prometheus}]\n";
        assert_eq!(
            names_selected(deployment, "mon", "matchLabels: {pod-template-hash: 5d9f, app: p}"),
            ["p"],
            "pod-template-hash is set by the cluster: not a label to look up by"
        );
    }

    /// Many Prometheus sharing `app.kubernetes.io/name: prometheus`, told
    /// apart by `prometheus: <name>`, each with a Service and a budget
    /// selecting both labels: joins look up by the selective label, so each
    /// finds its own object among one candidate, not among all of them.
    #[test]
    fn joins_look_up_by_the_most_selective_label() {
        let mut yaml = String::new();
        for i in 0..20 {
            yaml.push_str(&format!(
                "---\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {{name: k{i}, namespace: mon}}\nspec: {{replicas: 2}}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: k{i}, namespace: mon}}\nspec:\n  maxUnavailable: 1\n  selector: {{matchLabels: {{app.kubernetes.io/name: prometheus, prometheus: k{i}}}}}\n"
            ));
        }
        let documents = read_text("t.yaml", &yaml, &ReadLimits::default()).unwrap();
        let objects = identify_objects(&documents);
        let (settings, options) = (Settings::default(), CheckOptions::default());
        let scope = Scope::new(&objects, &[], &settings, &options, Input::ALL);
        let selector = LabelSelector::from_node(
            &read_documents(
                "matchLabels: {app.kubernetes.io/name: prometheus, prometheus: k7}",
                &ReadLimits::default(),
            )
            .unwrap()[0],
        );
        assert_eq!(scope.workload_candidates("mon", &selector).len(), 1);
        let selected: Vec<&str> = scope
            .workloads_selected_by("mon", &selector)
            .map(|w| scope.object(w.object).name.as_str())
            .collect();
        assert_eq!(selected, ["k7"]);
        for workload in &scope.workloads {
            let budgets = scope.disruption_budget_candidates(workload);
            assert_eq!(budgets.len(), 1, "{}", scope.object(workload.object).name);
            assert!(workload.shards_not_covered_by(&budgets).is_empty());
        }
    }

    #[test]
    fn only_what_is_read_is_collected() {
        let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {a: b}}\n---\napiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: a}\n";
        let documents = read_text("t.yaml", yaml, &ReadLimits::default()).unwrap();
        let objects = identify_objects(&documents);
        let (settings, options) = (Settings::default(), CheckOptions::default());
        let services_only = Scope::new(&objects, &[], &settings, &options, &[Input::Services]);
        assert_eq!((services_only.services.len(), services_only.workloads.len()), (1, 0));
        let all = Scope::new(&objects, &[], &settings, &options, Input::ALL);
        assert_eq!((all.services.len(), all.workloads.len()), (1, 1));
    }
}
