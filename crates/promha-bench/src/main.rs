//! `make bench`: promha measured the way it runs — admission as
//! policy-server runs it (a fresh instance per request), the CLI on
//! generated corpora — each figure beside a baseline measured in the same
//! run, printed as one table. No figure is asserted: this is a benchmark,
//! not a test.
//!
//! Inputs (the Makefile sets them): `PROMHA_POLICY_WASM` (the annotated
//! policy), `PROMHA_NOOP_WASM` (the no-op baseline, annotated),
//! `PROMHA_POLICY_MODULE` and `PROMHA_NOOP_MODULE` (the same before
//! annotation, for their sizes),
//! `PROMHA_CLI` (the release CLI), `PROMHA_WEB_WASM` (web/dist's wasm, when
//! built). Knobs: `PROMHA_BENCH_QUICK=1` (few iterations, a smoke run),
//! `PROMHA_BENCH_ROUNDS`, `PROMHA_BENCH_NO_CALLGRIND=1`,
//! `PROMHA_BENCH_NO_SERVER=1`.
//!
//! `promha-bench native INDEX CALLS` runs request type INDEX's admission
//! natively (the policy's Rust, with symbols), for finding where its time
//! goes: `make profile` runs it under callgrind and prints the costliest
//! functions.

mod admission;
mod callgrind;
mod cli;
mod corpus;
mod native;
mod requests;
mod server;
mod table;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use table::{Table, bytes, ms, ratio, us};

fn env_path(name: &str) -> Result<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .with_context(|| format!("set {name} (the Makefile's bench target does)"))
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("probe") => callgrind::probe(&args[1..]),
        Some("native") => native::run(&args[1..]),
        _ => run(),
    };
    if let Err(e) = result {
        eprintln!("promha-bench: {e:#}");
        std::process::exit(2);
    }
}

/// Settings of one run.
struct Plan {
    quick: bool,
    rounds: usize,
    per_round: usize,
    callgrind_calls: usize,
    cli_runs: usize,
}

fn run() -> Result<()> {
    let quick = std::env::var_os("PROMHA_BENCH_QUICK").is_some();
    let plan = Plan {
        quick,
        rounds: env_number("PROMHA_BENCH_ROUNDS", if quick { 2 } else { 20 }),
        per_round: if quick { 5 } else { 50 },
        callgrind_calls: if quick { 2 } else { 10 },
        cli_runs: if quick { 1 } else { 5 },
    };
    let policy_wasm = env_path("PROMHA_POLICY_WASM")?;
    let noop_wasm = env_path("PROMHA_NOOP_WASM")?;
    let cli = env_path("PROMHA_CLI")?;
    let work = std::env::temp_dir().join(format!("promha-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let cache = work.join("wasmtime-cache");

    println!("{}", machine());
    let mut table = Table::new();
    admission_rows(&mut table, &plan, &policy_wasm, &noop_wasm, &cache)?;
    size_rows(&mut table, &policy_wasm, &noop_wasm)?;
    cli_rows(&mut table, &plan, &cli, &work)?;
    server_rows(&mut table, &plan, &policy_wasm, &noop_wasm)?;
    table.print();
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// The machine the figures come from.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let kernel = Command::new("uname")
        .arg("-r")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("machine: {cores} cores, {cpu}, Linux {kernel}, load average at start {load}")
}

fn admission_rows(table: &mut Table, plan: &Plan, policy_wasm: &Path, noop_wasm: &Path, cache: &Path) -> Result<()> {
    let promha = admission::load(policy_wasm, cache)?;
    let noop = admission::load(noop_wasm, cache)?;
    let requests = requests::all()?;
    table.section(
        "Admission in the harness (wapc + wasmtime-provider 2.25, as policy-server): latency per request",
        &[
            "request",
            "instance",
            "promha p50",
            "promha p99",
            "no-op p50",
            "no-op p99",
            "p50 ratio",
            "target",
        ],
    );
    for request in &requests {
        let [p, n] = admission::measure_pair([&promha, &noop], request, plan.rounds, plan.per_round)?;
        for (mode, ours, base) in [("fresh", &p.fresh, &n.fresh), ("warm", &p.warm, &n.warm)] {
            let r = ours.quantile(0.5).as_secs_f64() / base.quantile(0.5).as_secs_f64();
            table.row(vec![
                request.name.into(),
                mode.into(),
                us(ours.quantile(0.5)),
                us(ours.quantile(0.99)),
                us(base.quantile(0.5)),
                us(base.quantile(0.99)),
                ratio(r),
                verdict(r <= 3.0, "≤ 3×"),
            ]);
        }
    }
    table.note(&format!(
        "{} evaluations of each policy per row, in {} alternating rounds; fresh = rehydrate + wapc init + validate, as policy-server does per request",
        plan.rounds * plan.per_round,
        plan.rounds
    ));

    if std::env::var_os("PROMHA_BENCH_NO_CALLGRIND").is_some() || !callgrind::available() {
        table.note("callgrind: skipped (valgrind not found, or PROMHA_BENCH_NO_CALLGRIND set)");
        return Ok(());
    }
    table.section(
        "Admission under callgrind: instructions per request",
        &[
            "request",
            "instance",
            "promha",
            "no-op",
            "ratio",
            "promha: host answering lookups",
            "ratio without it",
            "target",
        ],
    );
    for (index, request) in requests.iter().enumerate() {
        for fresh in [true, false] {
            let calls = plan.callgrind_calls;
            let ours = callgrind::instructions(policy_wasm, cache, index, fresh, calls)?;
            let base = callgrind::instructions(noop_wasm, cache, index, fresh, calls)?;
            let host = callgrind::host_instructions(policy_wasm, cache, index, fresh, calls)?.min(ours);
            let ratio_of = ours as f64 / base as f64;
            table.row(vec![
                request.name.into(),
                (if fresh { "fresh" } else { "warm" }).into(),
                count(ours),
                count(base),
                ratio(ratio_of),
                count(host),
                ratio((ours - host) as f64 / base as f64),
                verdict(ratio_of <= 3.0, "≤ 3×"),
            ]);
        }
    }
    table.note(&format!(
        "average of {} counted evaluations after uncounted warm-up ones; the host side (wasmtime, and the harness serializing the cluster's objects for each lookup, as policy-server does from its informer cache) is counted in, and shown apart",
        plan.callgrind_calls
    ));
    Ok(())
}

fn count(n: u64) -> String {
    if n >= 10_000_000 {
        format!("{:.1} M", n as f64 / 1e6)
    } else {
        format!("{:.0} k", n as f64 / 1e3)
    }
}

fn verdict(met: bool, target: &str) -> String {
    format!("{target} {}", if met { "met" } else { "NOT met" })
}

fn size_rows(table: &mut Table, policy_wasm: &Path, noop_wasm: &Path) -> Result<()> {
    table.section("Sizes", &["artifact", "", "promha", "no-op", "ratio", "", "", "target"]);
    // The module as built (policy.wasm), and as pushed: annotated with
    // metadata.yml and README.md as its usage.
    let modules = [
        (
            "PROMHA_POLICY_MODULE",
            "PROMHA_NOOP_MODULE",
            "policy module (policy.wasm, wasm-opt -Oz)",
        ),
        (
            "PROMHA_POLICY_WASM",
            "PROMHA_NOOP_WASM",
            "policy, annotated (+ metadata, README as usage)",
        ),
    ];
    for (ours_var, base_var, name) in modules {
        let (ours, base) = match (std::env::var_os(ours_var), std::env::var_os(base_var)) {
            (Some(ours), Some(base)) => (PathBuf::from(ours), PathBuf::from(base)),
            _ => (policy_wasm.to_path_buf(), noop_wasm.to_path_buf()),
        };
        let ours = std::fs::metadata(&ours)?.len();
        let base = std::fs::metadata(&base)?.len();
        let is_module = ours_var == "PROMHA_POLICY_MODULE";
        table.row(vec![
            name.into(),
            String::new(),
            format!("{ours} B"),
            format!("{base} B"),
            ratio(ours as f64 / base as f64),
            String::new(),
            String::new(),
            if is_module {
                verdict(ours <= 1 << 20, "≤ 1 MiB (1048576 B)")
            } else {
                String::new()
            },
        ]);
    }
    match std::env::var_os("PROMHA_WEB_WASM")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
    {
        Some(web) => {
            let raw = std::fs::metadata(&web)?.len();
            let gz = gzipped(&web)?;
            table.row(vec![
                "web wasm, gzip -9".into(),
                String::new(),
                bytes(gz),
                String::new(),
                String::new(),
                format!("raw {}", bytes(raw)),
                String::new(),
                verdict(gz <= 1 << 20, "≤ 1 MiB"),
            ]);
        }
        None => table.note("web wasm: not built (make web), not measured"),
    }
    Ok(())
}

fn gzipped(path: &Path) -> Result<u64> {
    let out = Command::new("gzip")
        .args(["-9", "-n", "-c"])
        .arg(path)
        .output()
        .context("cannot run gzip")?;
    Ok(out.stdout.len() as u64)
}

fn cli_rows(table: &mut Table, plan: &Plan, cli: &Path, work: &Path) -> Result<()> {
    table.section(
        "The CLI (promha lint --format json), end to end",
        &["input", "", "wall", "CPU", "peak RSS", "parse-only", "ratio", "target"],
    );
    let docs = if plan.quick { 1_000 } else { 10_000 };
    let files = corpus::mixed(docs);
    let size: usize = files.iter().map(|(_, t)| t.len()).sum();
    let dir = work.join("mixed");
    cli::write_files(&dir, &files)?;
    let run = cli::best_of(cli, &dir, plan.cli_runs)?;
    let parse = cli::parse_only(&files, plan.cli_runs);
    table.row(vec![
        format!(
            "{docs} generated documents, {} files, {}",
            files.len(),
            bytes(size as u64)
        ),
        String::new(),
        ms(run.wall),
        ms(run.cpu),
        bytes(run.peak_rss),
        ms(parse),
        ratio(run.wall.as_secs_f64() / parse.as_secs_f64()),
        String::new(),
    ]);
    let scale: &[usize] = if plan.quick {
        &[250, 500]
    } else {
        &[1_000, 2_000, 4_000]
    };
    let mut first: Option<(usize, Duration)> = None;
    for &pairs in scale {
        let text = corpus::shared_labels(pairs);
        let path = work.join(format!("pairs-{pairs}.yaml"));
        std::fs::write(&path, &text)?;
        let run = cli::best_of(cli, &path, plan.cli_runs.min(3))?;
        let parse = cli::parse_only(&[(String::new(), text.clone())], plan.cli_runs.min(3));
        let growth = match first {
            Some((p, wall)) => format!(
                "×{:.1} for ×{:.0} pairs",
                run.wall.as_secs_f64() / wall.as_secs_f64(),
                pairs as f64 / p as f64
            ),
            None => {
                first = Some((pairs, run.wall));
                String::new()
            }
        };
        table.row(vec![
            format!(
                "{pairs} Prometheus + Service pairs, one namespace, {}",
                bytes(text.len() as u64)
            ),
            growth,
            ms(run.wall),
            ms(run.cpu),
            bytes(run.peak_rss),
            ms(parse),
            ratio(run.wall.as_secs_f64() / parse.as_secs_f64()),
            String::new(),
        ]);
    }
    let target = if plan.quick { 5 << 20 } else { 50_000_000 };
    let (text, pairs) = corpus::shared_labels_of_size(target);
    let path = work.join("big.yaml");
    std::fs::write(&path, &text)?;
    let run = cli::best_of(cli, &path, 1)?;
    let parse = cli::parse_only(&[(String::new(), text.clone())], 1);
    let outcome = match run.status {
        0 | 1 => "linted".to_string(),
        _ => format!(
            "stopped: {}",
            run.stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("exit 2")
        ),
    };
    table.row(vec![
        format!("one file of {} ({pairs} pairs): {outcome}", bytes(text.len() as u64)),
        String::new(),
        ms(run.wall),
        ms(run.cpu),
        bytes(run.peak_rss),
        ms(parse),
        ratio(run.wall.as_secs_f64() / parse.as_secs_f64()),
        verdict(run.wall < Duration::from_secs(5), "< 5 s"),
    ]);
    table.note("parse-only: promha-core reading every document of the same text in process, without checking; wall is the fastest run");
    Ok(())
}

fn server_rows(table: &mut Table, plan: &Plan, policy_wasm: &Path, noop_wasm: &Path) -> Result<()> {
    let Some(binary) = server::find() else {
        table.note("policy-server: not on PATH, skipped (put Kubewarden's policy-server on PATH to measure it)");
        return Ok(());
    };
    if std::env::var_os("PROMHA_BENCH_NO_SERVER").is_some() {
        table.note("policy-server: skipped (PROMHA_BENCH_NO_SERVER)");
        return Ok(());
    }
    let server = server::Server::start(&binary, &[("promha", policy_wasm), ("noop", noop_wasm)])?;
    let requests = requests::all()?;
    table.section(
        &format!("policy-server ({}) on loopback, 2 workers", binary.display()),
        &[
            "request",
            "connections",
            "promha req/s",
            "promha p50/p99",
            "no-op req/s",
            "no-op p50/p99",
            "throughput ratio",
            "target",
        ],
    );
    let total = if plan.quick { 200 } else { 2_000 };
    for request in &requests {
        for connections in [1, 4, 16] {
            let ours = server::load(server.port, "promha", &request.review, connections, total)?;
            let base = server::load(server.port, "noop", &request.review, connections, total)?;
            let r = ours.throughput() / base.throughput();
            let dropped = if ours.failed + base.failed > 0 {
                format!(" ({} + {} failed)", ours.failed, base.failed)
            } else {
                String::new()
            };
            table.row(vec![
                request.name.into(),
                connections.to_string(),
                format!("{:.0}{dropped}", ours.throughput()),
                format!(
                    "{} / {}",
                    ms(ours.latencies.quantile(0.5)),
                    ms(ours.latencies.quantile(0.99))
                ),
                format!("{:.0}", base.throughput()),
                format!(
                    "{} / {}",
                    ms(base.latencies.quantile(0.5)),
                    ms(base.latencies.quantile(0.99))
                ),
                ratio(r),
                verdict(r >= 0.5 && ours.failed == 0, "≥ 0.5×"),
            ]);
        }
    }
    // Memory over many requests: it should stay flat.
    let request = &requests[0];
    let before = server.rss();
    let soak = if plan.quick { 1_000 } else { 10_000 };
    let load = server::load(server.port, "promha", &request.review, 4, soak)?;
    let after = server.rss();
    table.note(&format!(
        "memory over {} promha requests ({} failed): RSS {} before, {} after",
        load.requests,
        load.failed,
        before.map_or("?".into(), bytes),
        after.map_or("?".into(), bytes),
    ));
    Ok(())
}
