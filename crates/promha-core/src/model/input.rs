//! What rules read: each input is a collection of the scope, and decides
//! which documents the prefilter lets through to be parsed.

use super::{operator, prometheus_config, thanos, workload};
use crate::read::Interest;

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
    /// Pods as the cluster reports them (`kubectl get pods -o yaml`): what is running where.
    Pods,
}

impl Input {
    pub const ALL: &'static [Input] = &[
        Input::Workloads,
        Input::ThanosQueries,
        Input::Services,
        Input::DisruptionBudgets,
        Input::PrometheusConfigs,
        Input::Pods,
    ];
}

/// The documents the prefilter must parse for these inputs.
pub fn interest(inputs: &[Input]) -> Interest {
    let mut interest = Interest {
        // An ignore annotation naming no rule is reported on any object (invalid-resource).
        any_kind_words: vec![super::object::IGNORE_ANNOTATION.to_string()],
        ..Interest::default()
    };
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
            Input::Pods => interest.kinds.push("Pod".to_string()),
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
