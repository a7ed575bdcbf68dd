//! The domain model: what the objects checked together are — workloads of
//! Prometheus, Alertmanager and Thanos, the Services and budgets around them,
//! raw Prometheus configs — computed once, in one place, for every rule.

mod app;
pub mod containers;
pub mod dns;
pub mod elector;
pub mod embedded;
pub mod helm;
mod input;
pub mod object;
pub mod operator;
pub mod pod;
pub mod pods;
pub mod prometheus_config;
pub mod selector;
pub mod service;
pub mod thanos;
pub mod workload;

pub use app::App;
pub use input::{Input, interest};
