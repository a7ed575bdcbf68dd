//! End-to-end harness for the promha Kubewarden policy.
//!
//! kwctl and policy-server are not available here, so this crate runs the
//! policy wasm the way policy-server does, with the same crates (`wapc` and
//! `wasmtime-provider`):
//!
//! - [`Policy`] compiles the module once and pre-instantiates it
//!   (`WasmtimeEngineProviderPre`); every evaluation gets a fresh instance, and
//!   every guest call runs under an epoch deadline (2 s by default, like
//!   policy-server's `policy-timeout`), so a hang becomes an error.
//! - The guest's `host_call`s are answered by [`host::HostContext`] from a
//!   [`ClusterState`] (plain Kubernetes objects), refusing resources missing from
//!   the metadata's `contextAwareResources`, with a switch to make every lookup
//!   fail.
//! - [`fixture`] runs the YAML cases of `e2e-tests/fixtures/`.
//! - [`session`] writes the host calls the harness answered as a kwctl
//!   `--replay-host-capabilities-interactions` session file.
//! - The `kwrun` binary mimics `kwctl run` and `kwctl annotate`.

pub mod cluster;
pub mod fixture;
pub mod host;
pub mod metadata;
pub mod policy;
pub mod protocol;
pub mod request;
pub mod selector;
pub mod session;
pub mod wasm_section;

pub use cluster::ClusterState;
pub use metadata::PolicyMetadata;
pub use policy::{Evaluation, Instance, Policy, PolicyOptions};
pub use request::{Operation, build_admission_request, load_request_file};
