//! Running a Kubewarden waPC policy the way policy-server does: wasmtime via
//! `wasmtime-provider`, one pre-instantiated module, a fresh instance per
//! evaluation, and an epoch-based deadline per call.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use wasmtime_provider::wasmtime;
use wasmtime_provider::{EpochDeadlines, WasmtimeEngineProviderBuilder, WasmtimeEngineProviderPre};

use crate::cluster::ClusterState;
use crate::host::{HostCall, HostContext};
use crate::metadata::PolicyMetadata;

/// policy-server's default `policy-timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// How often the epoch ticker bumps the engine epoch.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Knobs for [`Policy::load_with`].
#[derive(Debug, Clone)]
pub struct PolicyOptions {
    /// Deadline for each guest call (and for the module's init functions).
    pub timeout: Duration,
    /// Make every Kubernetes lookup fail.
    pub fail_lookups: bool,
    /// Metadata to enforce `contextAwareResources` from. When `None`, the
    /// metadata embedded in the wasm (by `kwctl annotate`) is used if present;
    /// without any metadata every lookup is allowed.
    pub metadata: Option<PolicyMetadata>,
    /// Print host calls and guest logs to stderr.
    pub verbose: bool,
    /// Directory (absolute) for wasmtime's compiled-code cache; `None`
    /// compiles every time, like a fresh policy-server.
    pub cache_dir: Option<PathBuf>,
    /// Cap on each linear memory of the guest.
    pub max_memory_bytes: Option<usize>,
    /// Keep a record of each host call (its payload and answer) for tests
    /// to read; benchmarks turn it off, as no real host keeps one.
    pub record_host_calls: bool,
}

impl Default for PolicyOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            fail_lookups: false,
            metadata: None,
            verbose: false,
            cache_dir: None,
            max_memory_bytes: None,
            record_host_calls: true,
        }
    }
}

/// The outcome of one guest call, with the host calls it made.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub response: Value,
    pub host_calls: Vec<HostCall>,
    pub duration: Duration,
}

/// A compiled policy, ready to evaluate many requests.
pub struct Policy {
    pre: WasmtimeEngineProviderPre,
    metadata: Option<Arc<PolicyMetadata>>,
    options: PolicyOptions,
    deadline_ticks: u64,
    compile_time: Duration,
    _ticker: EpochTicker,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("metadata", &self.metadata)
            .field("options", &self.options)
            .field("compile_time", &self.compile_time)
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// Compile a policy with default options.
    pub fn load(wasm: &[u8]) -> Result<Self> {
        Self::load_with(wasm, PolicyOptions::default())
    }

    /// Read and compile a policy file.
    pub fn from_file(path: &Path, options: PolicyOptions) -> Result<Self> {
        let wasm = std::fs::read(path).with_context(|| format!("cannot read policy {}", path.display()))?;
        Self::load_with(&wasm, options).with_context(|| format!("cannot load policy {}", path.display()))
    }

    /// Compile a policy.
    pub fn load_with(wasm: &[u8], options: PolicyOptions) -> Result<Self> {
        let metadata = match &options.metadata {
            Some(m) => Some(Arc::new(m.clone())),
            None => PolicyMetadata::from_wasm(wasm)?.map(Arc::new),
        };

        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        // For profiling guest code with `perf`: names the compiled functions
        // in /tmp/perf-PID.map.
        if std::env::var_os("PROMHA_WASM_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        if let Some(dir) = &options.cache_dir {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create wasmtime cache dir {}", dir.display()))?;
            let mut cache_config = wasmtime::CacheConfig::new();
            cache_config.with_directory(dir);
            let cache =
                wasmtime::Cache::new(cache_config).map_err(|e| anyhow!("cannot set up wasmtime cache: {e:#}"))?;
            config.cache(Some(cache));
        }
        let engine = wasmtime::Engine::new(&config).map_err(|e| anyhow!("cannot create engine: {e:#}"))?;

        let started = Instant::now();
        let module =
            wasmtime::Module::new(&engine, wasm).map_err(|e| anyhow!("cannot compile the policy module: {e:#}"))?;
        let compile_time = started.elapsed();

        let mut builder = WasmtimeEngineProviderBuilder::new()
            .engine(engine.clone())
            .module(module);
        if let Some(max) = options.max_memory_bytes {
            builder = builder.enable_resource_limits(wasmtime_provider::ResourceLimits {
                max_memory_size: Some(max),
                max_table_elements: None,
            });
        }
        let pre = builder
            .build_pre()
            .map_err(|e| anyhow!("cannot pre-instantiate the policy: {e}"))?;

        let deadline_ticks = ticks_for(options.timeout);
        Ok(Self {
            pre,
            metadata,
            options,
            deadline_ticks,
            compile_time,
            _ticker: EpochTicker::start(engine)?,
        })
    }

    /// Time spent compiling the module (zero-ish when served from the cache).
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }

    /// The metadata whose `contextAwareResources` are enforced, if any.
    pub fn metadata(&self) -> Option<&PolicyMetadata> {
        self.metadata.as_deref()
    }

    /// Make every lookup fail (or not) from now on.
    pub fn set_fail_lookups(&mut self, fail: bool) {
        self.options.fail_lookups = fail;
    }

    /// Call a guest function on a fresh instance, with `cluster` behind the
    /// Kubernetes host calls. Returns the raw guest response.
    pub fn call_raw(&self, function: &str, payload: &[u8], cluster: &ClusterState) -> Result<(Vec<u8>, Vec<HostCall>)> {
        let instance = self.instance(cluster)?;
        let answer = instance.call_raw(function, payload)?;
        Ok((answer, instance.take_calls()))
    }

    /// A fresh instance, rehydrated from the pre-instantiated module as
    /// policy-server does for every request, with `cluster` behind its
    /// Kubernetes host calls. Evaluations go through [`Policy::call_raw`],
    /// which makes one per call; benchmarks keep one to measure a warm
    /// instance too.
    pub fn instance(&self, cluster: &ClusterState) -> Result<Instance> {
        self.instance_shared(Arc::new(cluster.clone()))
    }

    /// [`Policy::instance`] on a cluster shared with other instances (a
    /// benchmark's, so that copying the cluster is not counted as the
    /// request's cost).
    pub fn instance_shared(&self, cluster: Arc<ClusterState>) -> Result<Instance> {
        let mut ctx = HostContext::new(
            cluster,
            self.metadata.clone(),
            self.options.fail_lookups,
            self.options.verbose,
        );
        ctx.record_calls = self.options.record_host_calls;
        let ctx = Arc::new(ctx);
        let provider = self
            .pre
            .rehydrate(Some(EpochDeadlines {
                wapc_init: self.deadline_ticks,
                wapc_func: self.deadline_ticks,
            }))
            .map_err(|e| anyhow!("cannot instantiate the policy: {e}"))?;
        let callback_ctx = Arc::clone(&ctx);
        let host = wapc::WapcHost::new(
            Box::new(provider),
            Some(Box::new(
                move |_id: u64, binding: &str, namespace: &str, operation: &str, payload: &[u8]| {
                    callback_ctx
                        .handle(binding, namespace, operation, payload)
                        .map_err(Into::into)
                },
            )),
        )
        .map_err(|e| anyhow!("cannot initialize the policy instance: {e}"))?;
        Ok(Instance { host, ctx })
    }

    /// Call a guest function whose answer is JSON.
    pub fn call_json(&self, function: &str, payload: &Value, cluster: &ClusterState) -> Result<Evaluation> {
        let bytes = serde_json::to_vec(payload).context("cannot serialize the payload")?;
        let started = Instant::now();
        let (answer, host_calls) = self.call_raw(function, &bytes, cluster)?;
        let duration = started.elapsed();
        let response = serde_json::from_slice(&answer).map_err(|e| {
            anyhow!(
                "guest function {function:?} answered invalid JSON ({e}): {}",
                preview(&answer)
            )
        })?;
        Ok(Evaluation {
            response,
            host_calls,
            duration,
        })
    }

    /// The guest's `protocol_version` (e.g. `"v1"`).
    pub fn protocol_version(&self) -> Result<String> {
        let (answer, _) = self.call_raw("protocol_version", b"", &ClusterState::empty())?;
        match serde_json::from_slice::<Value>(&answer) {
            Ok(Value::String(s)) => Ok(s),
            Ok(other) => bail!("protocol_version answered {other}, expected a JSON string"),
            Err(e) => bail!("protocol_version answered invalid JSON ({e}): {}", preview(&answer)),
        }
    }

    /// Ask the guest to validate settings. The answer is
    /// `{"valid": bool, "message"?: str}`; its shape is checked.
    pub fn validate_settings(&self, settings: &Value) -> Result<Value> {
        let eval = self.call_json("validate_settings", settings, &ClusterState::empty())?;
        crate::protocol::check_settings_response(&eval.response)?;
        Ok(eval.response)
    }

    /// Evaluate an admission request. The answer is a Kubewarden
    /// ValidationResponse; its shape is checked.
    pub fn validate(&self, request: &Value, settings: &Value, cluster: &ClusterState) -> Result<Value> {
        Ok(self.evaluate(request, settings, cluster)?.response)
    }

    /// Like [`Policy::validate`], also returning the host calls made.
    pub fn evaluate(&self, request: &Value, settings: &Value, cluster: &ClusterState) -> Result<Evaluation> {
        let payload = json!({"request": request, "settings": settings});
        let eval = self.call_json("validate", &payload, cluster)?;
        crate::protocol::check_validation_response(&eval.response)?;
        Ok(eval)
    }
}

/// One instance of the policy: its memory and whatever the guest built in
/// it stay from one call to the next.
pub struct Instance {
    host: wapc::WapcHost,
    ctx: Arc<HostContext>,
}

impl Instance {
    /// Call a guest function; the answer is the guest's raw response.
    pub fn call_raw(&self, function: &str, payload: &[u8]) -> Result<Vec<u8>> {
        self.host
            .call(function, payload)
            .map_err(|e| anyhow!("guest function {function:?} failed: {e}"))
    }

    /// The host calls made since the last time they were taken.
    pub fn take_calls(&self) -> Vec<HostCall> {
        self.ctx.take_calls()
    }
}

fn ticks_for(timeout: Duration) -> u64 {
    let ticks = timeout.as_nanos() / EPOCH_TICK.as_nanos();
    u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
}

fn preview(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut s: String = text.chars().take(300).collect();
    if text.chars().count() > 300 {
        s.push_str("...");
    }
    s
}

/// Background thread that advances the engine epoch every [`EPOCH_TICK`],
/// like policy-server's epoch ticker. Stopped when dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: wasmtime::Engine) -> Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("epoch-ticker".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .context("cannot start the epoch ticker thread")?;
        Ok(Self {
            stop,
            handle: Some(handle),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_can_be_shared_between_test_threads() {
        fn is<T: Send + Sync>() {}
        is::<Policy>();
    }

    #[test]
    fn tick_math() {
        assert_eq!(ticks_for(Duration::from_secs(2)), 200);
        assert_eq!(ticks_for(Duration::from_millis(1)), 1);
        assert_eq!(ticks_for(Duration::ZERO), 1);
    }

    #[test]
    fn rejects_non_wasm() {
        let err = Policy::load(b"definitely not wasm").unwrap_err();
        assert!(format!("{err:#}").contains("invalid wasm"), "{err:#}");
    }
}
