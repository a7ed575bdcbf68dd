//! Admission in the harness: a fresh instance per request, rehydrated from
//! the pre-instantiated module as policy-server does, and one warm instance.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use promha_e2e::{Policy, PolicyOptions};
use serde_json::Value;

use crate::requests::RequestType;

/// Loads a policy as the harness does, the compiled code cached in `cache`
/// (so a run under callgrind does not compile it again).
pub fn load(wasm: &Path, cache: &Path) -> Result<Policy> {
    Policy::from_file(
        wasm,
        PolicyOptions {
            cache_dir: Some(cache.to_path_buf()),
            record_host_calls: false,
            ..PolicyOptions::default()
        },
    )
}

/// One evaluation on a fresh instance: what policy-server does per request.
#[inline(never)]
pub fn fresh_call(policy: &Policy, request: &RequestType) -> Result<Vec<u8>> {
    let instance = policy.instance_shared(Arc::clone(&request.cluster))?;
    instance.call_raw("validate", &request.payload)
}

/// One evaluation on an instance that has answered before.
#[inline(never)]
pub fn warm_call(instance: &promha_e2e::Instance, request: &RequestType) -> Result<Vec<u8>> {
    instance.call_raw("validate", &request.payload)
}

/// The policy's answer, checked to be a ValidationResponse.
pub fn answer(bytes: &[u8]) -> Result<Value> {
    let value: Value = serde_json::from_slice(bytes).context("the policy answered no JSON")?;
    if value.get("accepted").and_then(Value::as_bool).is_none() {
        bail!("the policy answered {value}, not a ValidationResponse");
    }
    Ok(value)
}

/// Latencies of one configuration, in nanoseconds, sorted when read.
#[derive(Default, Clone)]
pub struct Latencies(pub Vec<u64>);

impl Latencies {
    pub fn push(&mut self, d: Duration) {
        self.0.push(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    pub fn quantile(&self, q: f64) -> Duration {
        let mut v = self.0.clone();
        v.sort_unstable();
        if v.is_empty() {
            return Duration::ZERO;
        }
        let at = ((v.len() - 1) as f64 * q).round() as usize;
        Duration::from_nanos(v[at.min(v.len() - 1)])
    }
}

/// Fresh and warm latencies of one policy for one request type.
pub struct Measured {
    pub fresh: Latencies,
    pub warm: Latencies,
}

/// Measures promha and the baseline alternately, in rounds, so both see the
/// same machine: each round runs `per_round` fresh and `per_round` warm
/// evaluations of each.
pub fn measure_pair(
    policies: [&Policy; 2],
    request: &RequestType,
    rounds: usize,
    per_round: usize,
) -> Result<[Measured; 2]> {
    let instances = [
        policies[0].instance_shared(Arc::clone(&request.cluster))?,
        policies[1].instance_shared(Arc::clone(&request.cluster))?,
    ];
    let mut out = [
        Measured {
            fresh: Latencies::default(),
            warm: Latencies::default(),
        },
        Measured {
            fresh: Latencies::default(),
            warm: Latencies::default(),
        },
    ];
    // Warm up: the first call of a warm instance is a fresh one.
    for (policy, instance) in policies.iter().zip(&instances) {
        answer(&fresh_call(policy, request)?)?;
        answer(&warm_call(instance, request)?)?;
    }
    for _ in 0..rounds {
        for (i, policy) in policies.iter().enumerate() {
            for _ in 0..per_round {
                let started = Instant::now();
                let bytes = fresh_call(policy, request)?;
                out[i].fresh.push(started.elapsed());
                std::hint::black_box(bytes);
            }
            for _ in 0..per_round {
                let started = Instant::now();
                let bytes = warm_call(&instances[i], request)?;
                out[i].warm.push(started.elapsed());
                std::hint::black_box(bytes);
            }
        }
    }
    Ok(out)
}
