//! The applications promha keeps highly available, and what their pods carry.

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
