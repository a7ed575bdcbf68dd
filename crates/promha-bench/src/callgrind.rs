//! Instructions per request under callgrind: a figure a busy machine does
//! not move. The benchmark runs itself under valgrind (`probe`), counting
//! only inside `fresh_call` or `warm_call`, after warm-up calls outside them.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use crate::admission;
use crate::requests;

/// Whether valgrind can be run.
pub fn available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Instructions per evaluation of request `index` by `wasm`, fresh or warm,
/// averaged over `calls` evaluations.
pub fn instructions(wasm: &Path, cache: &Path, index: usize, fresh: bool, calls: usize) -> Result<u64> {
    let function = if fresh {
        "*admission::fresh_call*"
    } else {
        "*admission::warm_call*"
    };
    Ok(counted(wasm, cache, index, fresh, calls, function)? / calls.max(1) as u64)
}

/// Of those, the instructions the host spends answering the policy's
/// lookups (the harness's `HostContext::handle`), per evaluation. The probe's
/// two warm-up evaluations make host calls too, so they are counted in.
pub fn host_instructions(wasm: &Path, cache: &Path, index: usize, fresh: bool, calls: usize) -> Result<u64> {
    Ok(counted(wasm, cache, index, fresh, calls, "*HostContext::handle*")? / (calls + WARM_UP_CALLS) as u64)
}

/// Evaluations the probe makes before the counted ones.
const WARM_UP_CALLS: usize = 2;

/// Instructions counted inside `function` (a callgrind pattern) while the
/// probe runs.
fn counted(wasm: &Path, cache: &Path, index: usize, fresh: bool, calls: usize, function: &str) -> Result<u64> {
    let dir = std::env::temp_dir().join(format!("promha-callgrind-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let out = dir.join(format!("out.{index}.{fresh}"));
    let me = std::env::current_exe()?;
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--collect-atstart=no")
        .arg(format!("--toggle-collect={function}"))
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg("--quiet")
        .arg(&me)
        .arg("probe")
        .arg(wasm)
        .arg(cache)
        .arg(index.to_string())
        .arg(if fresh { "fresh" } else { "warm" })
        .arg(calls.to_string())
        .status()
        .context("cannot run valgrind")?;
    if !status.success() {
        bail!("valgrind {} failed: {status}", wasm.display());
    }
    let text = std::fs::read_to_string(&out).with_context(|| format!("no callgrind output {}", out.display()))?;
    let _ = std::fs::remove_dir_all(&dir);
    let total: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("totals:").or_else(|| l.strip_prefix("summary:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("callgrind wrote no totals")?;
    Ok(total)
}

/// The probe run under valgrind: warm-up evaluations outside the counted
/// functions, then `calls` counted ones.
pub fn probe(args: &[String]) -> Result<()> {
    let [wasm, cache, index, mode, calls] = args else {
        bail!("usage: promha-bench probe WASM CACHE INDEX fresh|warm CALLS");
    };
    let policy = admission::load(Path::new(wasm), Path::new(cache))?;
    let requests = requests::all()?;
    let request = requests.get(index.parse::<usize>()?).context("no such request type")?;
    let calls: usize = calls.parse()?;
    // Warm-up, uncounted: the first instantiation and call of each kind.
    let instance = policy.instance_shared(Arc::clone(&request.cluster))?;
    admission::answer(&instance.call_raw("validate", &request.payload)?)?;
    let other = policy.instance_shared(Arc::clone(&request.cluster))?;
    admission::answer(&other.call_raw("validate", &request.payload)?)?;
    for _ in 0..calls {
        let bytes = if mode == "fresh" {
            admission::fresh_call(&policy, request)?
        } else {
            admission::warm_call(&instance, request)?
        };
        std::hint::black_box(bytes);
    }
    Ok(())
}
