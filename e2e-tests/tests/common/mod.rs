//! Loading the real policy for the e2e tests.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use promha_e2e::fixture::policy_wasm_path;
use promha_e2e::{Policy, PolicyOptions};

/// The repository root (parent of `e2e-tests/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The policy, compiled once per test binary. Compiled code is cached under
/// the cargo target dir (set `PROMHA_E2E_NO_CACHE=1` to always recompile).
pub fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let path = policy_wasm_path(&repo_root()).unwrap_or_else(|e| panic!("{e:#}"));
        let cache_dir = (std::env::var_os("PROMHA_E2E_NO_CACHE").is_none())
            .then(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasmtime-cache"));
        let started = Instant::now();
        let policy = Policy::from_file(
            &path,
            PolicyOptions {
                cache_dir,
                ..PolicyOptions::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e:#}"));
        eprintln!(
            "loaded {} in {:.2?} (compile {:.2?})",
            path.display(),
            started.elapsed(),
            policy.compile_time()
        );
        policy
    })
}
