//! The domain model: what the objects checked together are — workloads of
//! Prometheus, Alertmanager and Thanos, the Services and budgets around them,
//! raw Prometheus configs — computed once, in one place, for every rule.

pub mod containers;
pub mod object;
pub mod operator;
pub mod pods;
pub mod prometheus_config;
pub mod selector;
pub mod service;
pub mod thanos;
pub mod workload;

use crate::read::Interest;

/// The applications promha keeps highly available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum App {
    Prometheus,
    PrometheusAgent,
    Alertmanager,
    ThanosRuler,
}

impl App {
    pub fn noun(self) -> &'static str {
        match self {
            App::Prometheus => "Prometheus",
            App::PrometheusAgent => "Prometheus agent",
            App::Alertmanager => "Alertmanager",
            App::ThanosRuler => "Thanos Ruler",
        }
    }

    /// Whether the operator can shard it (`spec.shards`).
    pub fn is_sharded(self) -> bool {
        matches!(self, App::Prometheus | App::PrometheusAgent)
    }
}

/// Labels pods may carry with a value known only in the cluster: a selector
/// on them gets the benefit of the doubt, and joins cannot look them up.
pub const UNKNOWN_VALUE_LABELS: &[&str] = &[operator::VERSION_LABEL, "pod-template-hash", "controller-revision-hash"];

/// What a rule reads from the documents checked together: each is one
/// collection of the scope, and decides which documents are parsed at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
    /// Operator resources, and StatefulSets and Deployments running Prometheus or Alertmanager.
    Workloads,
    /// Deployments and StatefulSets running Thanos Query.
    ThanosQueries,
    Services,
    DisruptionBudgets,
    /// Prometheus configs: standalone files, and values of ConfigMaps and Secrets.
    PrometheusConfigs,
}

impl Input {
    pub const ALL: &'static [Input] = &[
        Input::Workloads,
        Input::ThanosQueries,
        Input::Services,
        Input::DisruptionBudgets,
        Input::PrometheusConfigs,
    ];
}

/// The documents the prefilter must parse for these inputs.
pub fn interest(inputs: &[Input]) -> Interest {
    let mut interest = Interest::default();
    let own = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    for input in inputs {
        match input {
            Input::Workloads => {
                interest
                    .kinds
                    .extend(operator::KINDS.iter().map(|(kind, _, _)| kind.to_string()));
                interest
                    .workload_images
                    .extend(workload::APP_IMAGES.iter().map(|(image, _)| image.to_string()));
            }
            Input::ThanosQueries => interest.workload_images.push(thanos::IMAGE.to_string()),
            Input::Services => interest.kinds.push("Service".to_string()),
            Input::DisruptionBudgets => interest.kinds.push("PodDisruptionBudget".to_string()),
            Input::PrometheusConfigs => {
                // Secret values are base64: whether they hold a prometheus.yml shows only once decoded.
                interest.kinds.push("Secret".to_string());
                interest.config_words.extend(own(prometheus_config::WORDS));
                interest.config_words.extend(own(prometheus_config::FILE_NAMES));
            }
        }
    }
    for list in [
        &mut interest.kinds,
        &mut interest.workload_images,
        &mut interest.config_words,
    ] {
        list.sort();
        list.dedup();
    }
    interest
}
