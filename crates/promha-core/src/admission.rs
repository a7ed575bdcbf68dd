//! One admitted object: which related objects its check needs from the
//! cluster (the union of what the enabled rules declare, see
//! [`crate::Rule::lookups`]), and its check with what those lookups returned.

use std::collections::BTreeSet;

use crate::check::{check_objects, identify_objects};
use crate::finding::Finding;
use crate::model::Input;
use crate::model::embedded::{EmbeddedConfig, configs_of};
use crate::model::object::Object;
use crate::model::selector::equality_selector;
use crate::read::Document;
use crate::rules::{self, RULES};
use crate::scope::CheckOptions;
use crate::scope::Scope;
use crate::settings::Settings;

/// A namespace's objects of one kind (those a label selector picks, if any).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lookup {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub namespace: String,
    /// In the API's string syntax (`a=b,c=d`); `None`: every object of the kind.
    pub label_selector: Option<String>,
}

/// What the admission request does with the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// CREATE, and the background audit's requests (it presents every stored object as created).
    Create,
    Update,
}

/// Every kind a rule may ask to look up, `(apiVersion, kind)`, each once:
/// the policy's metadata must list each as a context-aware resource.
pub fn lookup_kinds() -> Vec<(&'static str, &'static str)> {
    let kinds: BTreeSet<(&str, &str)> = RULES
        .iter()
        .flat_map(|r| r.lookups.iter().map(|n| (n.api_version, n.kind)))
        .collect();
    kinds.into_iter().collect()
}

/// The CEL match condition of the policies in `policies/`: the API server
/// sends the webhook a ConfigMap only when a data value may hold a
/// Prometheus config, a Secret only when a key is named like a config file
/// (its values are base64 to CEL, as to promha's own reading), and a
/// Deployment or StatefulSet only when a container runs an image promha
/// watches; anything else the policy matches, and any object carrying
/// promha's ignore annotation, always. Built from the same facts the core
/// reads by, so the two cannot drift. Returns `(name, expression)`.
pub fn match_condition() -> (&'static str, String) {
    use crate::model::{object, prometheus_config, thanos, workload};
    let list = |items: &mut dyn Iterator<Item = &str>| {
        let quoted: Vec<String> = items.map(|i| format!("'{i}'")).collect();
        format!("[{}]", quoted.join(", "))
    };
    let file_names = list(&mut prometheus_config::FILE_NAMES.iter().copied());
    let words = list(&mut prometheus_config::WORDS.iter().copied());
    let secret_key = |var: &str| {
        let suffixes: Vec<String> = prometheus_config::SECRET_KEY_SUFFIXES
            .iter()
            .map(|s| format!("{var}.endsWith('{s}')"))
            .collect();
        format!("{var} in {file_names} || {}", suffixes.join(" || "))
    };
    let mut images: Vec<&str> = workload::APP_IMAGES.iter().map(|(image, _)| *image).collect();
    images.push(thanos::IMAGE);
    images.sort_unstable();
    // The last path segment of the repository, before a tag or digest (as image_name reads it).
    let image_pattern = format!("^(.*/)?({})(:[^/@]*)?(@.*)?$", images.join("|"));
    let expression = format!(
        "(has(object.metadata.annotations) && '{annotation}' in object.metadata.annotations) ||
(request.kind.kind == 'ConfigMap' ?
  has(object.data) && object.data.exists(k, k in {file_names} ||
    {words}.exists(w, object.data[k].contains(w))) :
request.kind.kind == 'Secret' ?
  (has(object.data) && object.data.exists(k, {data_key})) ||
  (has(object.stringData) && object.stringData.exists(k, {data_key})) :
request.kind.kind in ['Deployment', 'StatefulSet'] ?
  has(object.spec) && has(object.spec.template) && has(object.spec.template.spec) &&
  has(object.spec.template.spec.containers) &&
  object.spec.template.spec.containers.exists(c, has(c.image) &&
    c.image.matches('{image_pattern}')) :
true)",
        annotation = object::IGNORE_ANNOTATION,
        data_key = secret_key("k"),
    );
    ("promha-reads-it", expression)
}

/// The admitted object, read once for both halves of admission: the
/// Prometheus configs it holds are parsed here, not again by the lookups and
/// again by the check.
#[derive(Debug)]
pub struct Admitted {
    document: Document,
    configs: Vec<EmbeddedConfig>,
}

impl Admitted {
    pub fn new(document: Document) -> Admitted {
        let configs = Object::identify(0, &document)
            .map(|object| configs_of(0, &object))
            .unwrap_or_default();
        Admitted { document, configs }
    }

    /// The lookups that give the admitted object the scope its enabled rules
    /// need. None for an object in an exempt namespace; on an update, none of
    /// what shows the running state (see [`crate::rules::Need::running_state`]).
    pub fn lookups(&self, settings: &Settings, operation: Operation) -> Vec<Lookup> {
        let objects: Vec<Object<'_>> = Object::identify(0, &self.document).into_iter().collect();
        let Some(object) = objects.first() else {
            return Vec::new();
        };
        if !object.standalone_config && settings.is_exempt(&object.namespace) {
            return Vec::new();
        }
        let options = CheckOptions::default();
        let scope = Scope::new(&objects, &self.configs, settings, &options, Input::ALL);
        let mut lookups = BTreeSet::new();
        for rule in rules::enabled(settings) {
            for need in rule.lookups {
                if need.running_state && operation == Operation::Update {
                    continue;
                }
                for namespace in (need.namespaces)(&scope) {
                    let label_selector = need
                        .labels
                        .and_then(|labels| equality_selector(&labels(&scope, &namespace)));
                    lookups.insert(Lookup {
                        api_version: need.api_version,
                        kind: need.kind,
                        namespace,
                        label_selector,
                    });
                }
            }
        }
        lookups.into_iter().collect()
    }
}

/// Checks an admitted object together with what its lookups returned.
/// Findings are about the admitted object only; after a failed lookup, rules
/// do not report that lookup's kind missing in its namespace. Should a lookup
/// return the admitted object's stored copy (on UPDATE, when a lookup's kind
/// is the admitted kind), it is left out so the object is not in scope twice.
pub fn check_admitted(
    admitted: Admitted,
    related: Vec<Document>,
    failed: &[Lookup],
    settings: &Settings,
) -> Vec<Finding> {
    let identity = |document: &Document| {
        Object::identify(0, document).map(|o| {
            let (group, kind, namespace, name) = o.identity();
            (
                group.to_string(),
                kind.to_string(),
                namespace.to_string(),
                name.to_string(),
            )
        })
    };
    let Admitted {
        document: admitted,
        configs: admitted_configs,
    } = admitted;
    let admitted_identity = identity(&admitted);
    let mut documents = vec![admitted];
    documents.extend(
        related
            .into_iter()
            .filter(|d| admitted_identity.is_none() || identity(d) != admitted_identity),
    );
    let objects = identify_objects(&documents);
    // The admitted object's configs are read already; only the related
    // objects' are read here.
    let mut configs = if admitted_identity.is_some() {
        admitted_configs
    } else {
        Vec::new()
    };
    let first_related = usize::from(admitted_identity.is_some());
    for (index, object) in objects.iter().enumerate().skip(first_related) {
        configs.extend(configs_of(index, object));
    }
    let options = CheckOptions {
        unlisted: failed
            .iter()
            .map(|l| (l.kind.to_string(), l.namespace.clone()))
            .collect(),
        subject: Some(0),
        ..CheckOptions::default()
    };
    // Findings on the related objects are dropped as they are made (subject).
    check_objects(&objects, &configs, settings, &options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{ReadLimits, read_text};
    use crate::rules::testing::settings;
    use serde_json::json;

    fn document(yaml: &str) -> Document {
        read_text("t", yaml, &ReadLimits::default()).unwrap().remove(0)
    }

    const AM: &str = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main, namespace: mon}\nspec: {replicas: 2}\n";

    /// The webhook's CEL condition names everything the core reads by (the
    /// policy crate's tests evaluate it with a CEL interpreter).
    #[test]
    fn the_match_condition_names_what_the_core_reads() {
        let (name, expression) = match_condition();
        assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        let named = |text: &str| expression.contains(&format!("'{text}'")) || expression.contains(text);
        for needle in crate::model::prometheus_config::FILE_NAMES
            .iter()
            .chain(crate::model::prometheus_config::SECRET_KEY_SUFFIXES)
            .chain(&[
                crate::model::object::IGNORE_ANNOTATION,
                "ConfigMap",
                "Secret",
                "StatefulSet",
                "Deployment",
            ])
        {
            assert!(named(needle), "the condition does not name {needle}: {expression}");
        }
        for (image, _) in crate::model::workload::APP_IMAGES {
            assert!(expression.contains(image), "{image}");
        }
        assert!(expression.contains(crate::model::thanos::IMAGE));
        let depth = expression.chars().try_fold(0i32, |depth, c| {
            let depth = depth + i32::from(c == '(') - i32::from(c == ')');
            (depth >= 0).then_some(depth)
        });
        assert_eq!(depth, Some(0), "unbalanced parentheses: {expression}");
    }

    fn rules_of(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.rule).collect()
    }

    /// A ConfigMap's prometheus.yml, read once by `Admitted::new`, is what
    /// the check judges, in the scope of the StatefulSet that mounts it; the
    /// StatefulSet's own problems (no budget) are its context, not reported.
    #[test]
    fn an_admitted_config_map_is_judged_by_the_workload_that_mounts_it() {
        let config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: mon}\ndata:\n  prometheus.yml: |\n    global:\n      external_labels: {cluster: prod}\n";
        let statefulset = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: prometheus, namespace: mon}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: prometheus}}\n  template:\n    metadata: {labels: {app: prometheus}}\n    spec:\n      containers:\n      - {name: prometheus, image: quay.io/prometheus/prometheus:v3.1.0, args: [--config.file=/etc/prometheus/prometheus.yml]}\n      volumes:\n      - {name: config, configMap: {name: cfg}}\n";
        let admitted = Admitted::new(document(config_map));
        assert_eq!(admitted.configs.len(), 1, "the config is read on admission");
        let found = check_admitted(admitted, vec![document(statefulset)], &[], &Settings::default());
        assert!(rules_of(&found).contains(&"replica-label"), "{found:?}");
        assert!(found.iter().all(|f| f.resource.kind == "ConfigMap"), "{found:?}");
    }

    #[test]
    fn admitted_checks_report_only_on_the_admitted_object() {
        let other = document(
            &AM.replace("name: main", "name: other")
                .replace("replicas: 2", "replicas: 1"),
        );
        let found = check_admitted(Admitted::new(document(AM)), vec![other], &[], &Settings::default());
        assert!(!rules_of(&found).contains(&"min-replicas"), "{found:?}");
        assert!(rules_of(&found).contains(&"pod-disruption-budget"), "{found:?}");
        assert!(found.iter().all(|f| f.document == Some(0)));
    }

    #[test]
    fn a_failed_lookup_silences_reports_of_absence() {
        let failed = Admitted::new(document(AM)).lookups(&Settings::default(), Operation::Create);
        assert!(failed.iter().any(|l| l.kind == "PodDisruptionBudget"));
        let found = check_admitted(Admitted::new(document(AM)), Vec::new(), &failed, &Settings::default());
        assert!(!rules_of(&found).contains(&"pod-disruption-budget"), "{found:?}");
        assert!(
            rules_of(&found).contains(&"anti-affinity"),
            "other rules still run: {found:?}"
        );
    }

    #[test]
    fn the_stored_copy_of_the_admitted_object_is_left_out() {
        let stored = document(&AM.replace("replicas: 2", "replicas: 1"));
        let found = check_admitted(Admitted::new(document(AM)), vec![stored], &[], &Settings::default());
        assert!(!rules_of(&found).contains(&"min-replicas"), "{found:?}");
    }

    fn lookups(yaml: &str, settings: &Settings) -> Vec<(String, String)> {
        Admitted::new(document(yaml))
            .lookups(settings, Operation::Create)
            .into_iter()
            .map(|l| (format!("{} {}", l.api_version, l.kind), l.namespace))
            .collect()
    }

    #[test]
    fn prometheus_looks_up_what_it_alerts_to() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k, namespace: mon}\nspec:\n  replicas: 2\n  alerting:\n    alertmanagers: [{name: am, namespace: alerting}]\n";
        let found = lookups(yaml, &Settings::default());
        assert!(found.contains(&("v1 Service".into(), "alerting".into())));
        assert!(found.contains(&("monitoring.coreos.com/v1 Alertmanager".into(), "alerting".into())));
        assert!(found.contains(&("monitoring.coreos.com/v1 Alertmanager".into(), "mon".into())));
        assert!(found.contains(&("policy/v1 PodDisruptionBudget".into(), "mon".into())));
        let no_pdb = settings(json!({"rules": {"pod-disruption-budget": "off"}}));
        assert!(
            !lookups(yaml, &no_pdb)
                .iter()
                .any(|(k, _)| k.contains("PodDisruptionBudget"))
        );
        let no_alerting = settings(json!({"rules": {"alertmanagers-complete": "off"}}));
        assert!(
            !lookups(yaml, &no_alerting)
                .iter()
                .any(|(k, _)| k.contains("Alertmanager") || k.contains("Service")),
            "a rule that is off looks nothing up"
        );
    }

    #[test]
    fn services_and_thanos_queries_look_up_prometheus() {
        let service =
            "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: mon}\nspec: {selector: {app: p}}\n";
        assert!(
            lookups(service, &Settings::default())
                .contains(&("monitoring.coreos.com/v1 Prometheus".into(), "mon".into()))
        );
        let no_selector = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n";
        assert!(lookups(no_selector, &Settings::default()).is_empty());
        let query = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: q, namespace: mon}\nspec:\n  template:\n    spec:\n      containers: [{name: q, image: thanos/thanos, args: [query]}]\n";
        let found = lookups(query, &Settings::default());
        assert!(
            found.contains(&("monitoring.coreos.com/v1 ThanosRuler".into(), "mon".into())),
            "{found:?}"
        );
        let off = settings(json!({"rules": {"query-replica-label": "off", "thanos-query-stores": "off"}}));
        assert!(lookups(query, &off).is_empty());
    }

    const AM_SET: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: am, namespace: mon}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: am}}\n  template:\n    metadata: {labels: {app: am, tier: x}}\n    spec:\n      containers: [{name: am, image: prom/alertmanager}]\n";

    fn pod_lookups(yaml: &str, settings: &Settings, operation: Operation) -> Vec<(String, Option<String>)> {
        Admitted::new(document(yaml))
            .lookups(settings, operation)
            .into_iter()
            .filter(|l| (l.api_version, l.kind) == ("v1", "Pod"))
            .map(|l| (l.namespace, l.label_selector))
            .collect()
    }

    #[test]
    fn pods_are_looked_up_by_their_labels_when_the_workload_is_created() {
        let defaults = Settings::default();
        assert_eq!(
            pod_lookups(AM_SET, &defaults, Operation::Create),
            [("mon".to_string(), Some("app=am".to_string()))],
            "the workload's own selector picks its pods"
        );
        assert_eq!(
            pod_lookups(AM, &defaults, Operation::Create),
            [(
                "mon".to_string(),
                Some("app.kubernetes.io/name=alertmanager,app.kubernetes.io/instance=main".to_string())
            )],
            "the operator's labels pick a resource's pods"
        );
        assert!(
            pod_lookups(AM, &defaults, Operation::Update).is_empty(),
            "an update replaces the pods it would be judged by"
        );
        assert!(
            !Admitted::new(document(AM))
                .lookups(&defaults, Operation::Update)
                .is_empty(),
            "other lookups stay"
        );
        let off = settings(json!({"rules": {"co-scheduled": "off", "replicas-ready": "off"}}));
        assert!(pod_lookups(AM, &off, Operation::Create).is_empty());
    }

    #[test]
    fn looked_up_pods_on_one_node_are_reported_on_the_admitted_workload() {
        let pod = |name: &str| {
            document(&format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: mon\n  labels: {{app: am, tier: x}}\n  ownerReferences: [{{apiVersion: apps/v1, kind: StatefulSet, name: am, controller: true}}]\nspec: {{nodeName: n1}}\nstatus: {{phase: Running, conditions: [{{type: Ready, status: 'True'}}]}}\n"
            ))
        };
        let found = check_admitted(
            Admitted::new(document(AM_SET)),
            vec![pod("am-0"), pod("am-1")],
            &[],
            &Settings::default(),
        );
        let co_scheduled: Vec<&Finding> = found.iter().filter(|f| f.rule == "co-scheduled").collect();
        assert_eq!(co_scheduled.len(), 1, "{found:?}");
        assert!(
            co_scheduled[0].message.contains("am-0 and am-1 on node n1"),
            "{found:?}"
        );
        let apart = check_admitted(
            Admitted::new(document(AM_SET)),
            vec![pod("am-0")],
            &[],
            &Settings::default(),
        );
        assert!(!rules_of(&apart).contains(&"co-scheduled"), "{apart:?}");
    }

    #[test]
    fn every_lookup_is_of_a_declared_kind() {
        let kinds = lookup_kinds();
        for yaml in [
            "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec:\n  replicas: 2\n  alerting:\n    alertmanagers: [{name: am}]\n",
            AM,
        ] {
            for lookup in Admitted::new(document(yaml)).lookups(&Settings::default(), Operation::Create) {
                assert!(kinds.contains(&(lookup.api_version, lookup.kind)), "{lookup:?}");
            }
        }
    }

    #[test]
    fn config_holders_look_up_alertmanagers_and_others_nothing() {
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: mon}\ndata:\n  prometheus.yml: |\n    alerting:\n      alertmanagers: []\n";
        assert!(
            lookups(cm, &Settings::default()).contains(&("monitoring.coreos.com/v1 Alertmanager".into(), "mon".into()))
        );
        // A name its dns_sd_configs resolve: the Service is looked up where
        // that name says, and only there.
        let dns = cm.replace(
            "alertmanagers: []",
            "alertmanagers:\n      - dns_sd_configs: [{names: [alertmanager.alerting.svc], type: A, port: 9093}]",
        );
        let services: Vec<String> = lookups(&dns, &Settings::default())
            .into_iter()
            .filter(|(kind, _)| kind == "v1 Service")
            .map(|(_, namespace)| namespace)
            .collect();
        assert_eq!(services, ["alerting"]);
        // replica-label looks up the workloads that may run it, whatever
        // the other rules do.
        let replica_label_only = settings(json!({"rules": {"alertmanagers-complete": "off"}}));
        let found = lookups(cm, &replica_label_only);
        assert!(
            found.contains(&("apps/v1 StatefulSet".into(), "mon".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&("apps/v1 Deployment".into(), "mon".into())),
            "{found:?}"
        );
        // elector-leader-only looks up the StatefulSet running an elector
        // config, for its lease duration.
        let elector = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: e, namespace: elect}\ndata:\n  prometheus-elector.yaml: |\n    follower: {}\n    leader:\n      alerting: {alertmanagers: []}\n";
        let elector_only = settings(json!({"rules": {"alertmanagers-complete": "off", "replica-label": "off"}}));
        let found = lookups(elector, &elector_only);
        assert!(
            found.contains(&("apps/v1 StatefulSet".into(), "elect".into())),
            "{found:?}"
        );
        // replica-label looks up the ConfigMaps an admitted plain Prometheus
        // may run, and no others' (an Alertmanager's, an operator resource's).
        let replica_label_only =
            settings(json!({"rules": {"alertmanagers-complete": "off", "elector-leader-only": "off"}}));
        let config_maps = |yaml: &str| -> Vec<String> {
            lookups(yaml, &replica_label_only)
                .into_iter()
                .filter(|(kind, _)| kind == "v1 ConfigMap")
                .map(|(_, namespace)| namespace)
                .collect()
        };
        let plain_prometheus = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: p, namespace: legacy}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers: [{name: prometheus, image: prom/prometheus:v3.1.0}]\n";
        assert_eq!(config_maps(plain_prometheus), ["legacy"]);
        assert!(
            config_maps(&plain_prometheus.replace("prom/prometheus:v3.1.0", "prom/alertmanager:v0.28.1")).is_empty()
        );
        let operator = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k, namespace: mon}\nspec: {replicas: 2}\n";
        assert!(
            config_maps(operator).is_empty(),
            "{:?}",
            lookups(operator, &replica_label_only)
        );
        let plain = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n";
        assert!(lookups(plain, &Settings::default()).is_empty());
        let exempt = settings(json!({"exemptNamespaces": ["mon"]}));
        assert!(lookups(cm, &exempt).is_empty());
    }
}
