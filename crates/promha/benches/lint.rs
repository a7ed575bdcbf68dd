//! `cargo bench -p promha`: lints a generated corpus of 10,000 rendered
//! manifests (about 4.5 MB: Deployments, Services, ConfigMaps, StatefulSets,
//! Prometheus and Alertmanager resources, PDBs, prometheus.yml ConfigMaps)
//! and prints min/median times:
//!
//! - in process: `promha_core::lint` on the texts, and its parts: reading
//!   the documents that can matter (`read_for_lint`), and checking them;
//!   for comparison, parsing every document (`read_text`) and the event
//!   parser alone;
//! - end to end: the `promha` binary on a directory of the files;
//! - for comparison, PyYAML's `safe_load_all` (C loader when available)
//!   merely reading the same files, when python3 with PyYAML is present.
//!
//! Wall-clock time and CPU time are both shown: CPU time (from
//! /proc/thread-self/schedstat, or bash's `time` for the binary) is what
//! "on one core" means, and other work on the machine inflates it less.
//! There are no timed assertions. Without `--bench` (`cargo test
//! --all-targets`) it runs once on 300 documents, as a smoke test.
//!
//! Environment: `PROMHA_BENCH_DOCS` (default 10000), `PROMHA_BENCH_RUNS`
//! (default 10), `PROMHA_BENCH_KEEP=DIR` writes the corpus there and keeps it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use promha_core::{CheckOptions, ReadLimits, Settings, Source};

/// A deterministic generator (xorshift), so every run lints the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "checkout",
    "billing",
    "search",
    "ledger",
    "gateway",
    "catalog",
    "orders",
    "payments",
    "auth",
    "users",
    "inventory",
    "shipping",
    "reports",
    "notify",
    "frontend",
    "backend",
    "api",
    "worker",
    "cache",
    "queue",
];
const TEAMS: &[&str] = &["platform", "payments", "growth", "core", "data", "sre"];
const IMAGES: &[&str] = &[
    "registry.example.com/app/server",
    "ghcr.io/example/worker",
    "docker.io/library/nginx",
    "quay.io/example/api",
];

fn labels(out: &mut String, indent: &str, app: &str, instance: &str, team: &str) {
    let _ = write!(
        out,
        "{indent}app.kubernetes.io/name: {app}\n{indent}app.kubernetes.io/instance: {instance}\n{indent}app.kubernetes.io/part-of: {team}\n"
    );
}

fn deployment(out: &mut String, rng: &mut Rng, ns: &str, app: &str, instance: &str, team: &str) {
    let replicas = 1 + rng.below(4);
    let image = rng.pick(IMAGES);
    let version = format!("1.{}.{}", rng.below(30), rng.below(10));
    let _ = write!(
        out,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {instance}\n  namespace: {ns}\n  labels:\n"
    );
    labels(out, "    ", app, instance, team);
    let _ = write!(
        out,
        "spec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n      app.kubernetes.io/instance: {instance}\n  template:\n    metadata:\n      labels:\n"
    );
    labels(out, "        ", app, instance, team);
    let _ = write!(
        out,
        "    spec:\n      containers:\n      - name: {app}\n        image: {image}:{version}\n        ports:\n        - name: http\n          containerPort: 8080\n        resources:\n          requests: {{cpu: 100m, memory: 128Mi}}\n          limits: {{memory: 256Mi}}\n"
    );
}

fn service(out: &mut String, ns: &str, name: &str, selector: &[(&str, &str)], headless: bool) {
    let _ = write!(
        out,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n"
    );
    labels(out, "    ", selector[0].1, name, ns);
    out.push_str("spec:\n  type: ClusterIP\n");
    if headless {
        out.push_str("  clusterIP: None\n");
    }
    out.push_str("  selector:\n");
    for (k, v) in selector {
        let _ = writeln!(out, "    {k}: {v}");
    }
    out.push_str("  ports:\n  - name: http\n    port: 80\n    targetPort: http\n");
}

fn configmap(out: &mut String, rng: &mut Rng, ns: &str, instance: &str) {
    let _ = write!(
        out,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {instance}-config\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/instance: {instance}\n    app.kubernetes.io/managed-by: Helm\ndata:\n  LOG_LEVEL: info\n  FEATURE_FLAGS: \"{},{}\"\n  TIMEOUT_SECONDS: \"{}\"\n",
        rng.pick(WORDS),
        rng.pick(WORDS),
        10 + rng.below(50)
    );
}

fn pdb(out: &mut String, ns: &str, name: &str, selector: &[(&str, &str)]) {
    let _ = write!(
        out,
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n"
    );
    for (k, v) in selector {
        let _ = writeln!(out, "      {k}: {v}");
    }
}

fn statefulset(out: &mut String, rng: &mut Rng, ns: &str, app: &str, instance: &str, team: &str) {
    let _ = write!(
        out,
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {instance}\n  namespace: {ns}\nspec:\n  replicas: {}\n  serviceName: {instance}\n  selector:\n    matchLabels:\n      app.kubernetes.io/instance: {instance}\n  template:\n    metadata:\n      labels:\n",
        1 + rng.below(3)
    );
    labels(out, "        ", app, instance, team);
    let _ = write!(
        out,
        "    spec:\n      containers:\n      - name: {app}\n        image: {}:{}\n        volumeMounts:\n        - {{name: data, mountPath: /data}}\n  volumeClaimTemplates:\n  - metadata: {{name: data}}\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources: {{requests: {{storage: 10Gi}}}}\n",
        rng.pick(IMAGES),
        rng.below(20)
    );
}

fn prometheus(out: &mut String, rng: &mut Rng, ns: &str, name: &str, good: bool) {
    let replicas = if good { 2 } else { 1 };
    let _ = write!(
        out,
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  replicas: {replicas}\n  serviceAccountName: prometheus-{name}\n  retention: {}d\n  alerting:\n    alertmanagers:\n    - name: alertmanager-{name}\n      namespace: {ns}\n      port: web\n",
        7 + rng.below(20)
    );
    if good {
        let _ = write!(
            out,
            "  affinity:\n    podAntiAffinity:\n      preferredDuringSchedulingIgnoredDuringExecution:\n      - weight: 100\n        podAffinityTerm:\n          topologyKey: kubernetes.io/hostname\n          labelSelector:\n            matchLabels:\n              app.kubernetes.io/name: prometheus\n              app.kubernetes.io/instance: {name}\n"
        );
    }
    out.push_str(
        "  storage:\n    volumeClaimTemplate:\n      spec:\n        resources:\n          requests:\n            storage: 50Gi\n",
    );
}

fn alertmanager(out: &mut String, ns: &str, name: &str, good: bool) {
    let replicas = if good { 3 } else { 1 };
    let _ = write!(
        out,
        "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  replicas: {replicas}\n"
    );
    if good {
        let _ = write!(
            out,
            "  affinity:\n    podAntiAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n      - topologyKey: kubernetes.io/hostname\n        labelSelector:\n          matchLabels:\n            alertmanager: {name}\n"
        );
    }
    out.push_str("  storage:\n    volumeClaimTemplate:\n      spec:\n        resources:\n          requests:\n            storage: 1Gi\n");
}

fn prometheus_configmap(out: &mut String, ns: &str, name: &str) {
    let _ = write!(
        out,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-prometheus-config\n  namespace: {ns}\ndata:\n  prometheus.yml: |\n    global:\n      scrape_interval: 30s\n      external_labels:\n        replica: ${{POD_NAME}}\n    alerting:\n      alert_relabel_configs:\n      - action: labeldrop\n        regex: replica\n      alertmanagers:\n      - kubernetes_sd_configs:\n        - role: endpoints\n          namespaces:\n            names: [{ns}]\n        relabel_configs:\n        - source_labels: [__meta_kubernetes_service_name]\n          regex: alertmanager-{name}\n          action: keep\n    scrape_configs:\n    - job_name: pods\n      kubernetes_sd_configs:\n      - role: pod\n"
    );
}

/// Starts a document.
fn push(text: &mut String, docs: &mut usize, in_file: &mut usize) {
    text.push_str("---\n");
    *docs += 1;
    *in_file += 1;
}

/// One "rendered chart" per file: a monitoring stack in some files, apps in
/// the others, until `total` documents are written.
fn corpus(total: usize) -> Vec<(String, String)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut files = Vec::new();
    let mut docs = 0;
    let mut file_index = 0;
    while docs < total {
        let ns = format!("{}-{}", rng.pick(TEAMS), file_index % 40);
        let mut text = String::new();
        let mut in_file = 0;
        if file_index % 10 == 0 {
            let name = format!("{}{}", rng.pick(WORDS), file_index);
            let good = rng.below(3) > 0;
            push(&mut text, &mut docs, &mut in_file);
            prometheus(&mut text, &mut rng, &ns, &name, good);
            push(&mut text, &mut docs, &mut in_file);
            alertmanager(&mut text, &ns, &name, good);
            push(&mut text, &mut docs, &mut in_file);
            service(
                &mut text,
                &ns,
                &format!("alertmanager-{name}"),
                &[("alertmanager", &name)],
                false,
            );
            push(&mut text, &mut docs, &mut in_file);
            pdb(
                &mut text,
                &ns,
                &format!("prometheus-{name}"),
                &[
                    ("app.kubernetes.io/name", "prometheus"),
                    ("app.kubernetes.io/instance", &name),
                ],
            );
            push(&mut text, &mut docs, &mut in_file);
            pdb(
                &mut text,
                &ns,
                &format!("alertmanager-{name}"),
                &[("alertmanager", &name)],
            );
            push(&mut text, &mut docs, &mut in_file);
            prometheus_configmap(&mut text, &ns, &name);
        }
        while in_file < 40 && docs < total {
            let app = rng.pick(WORDS);
            let instance = format!("{app}-{}", rng.below(1000));
            let team = rng.pick(TEAMS);
            let selector = [
                ("app.kubernetes.io/name", app),
                ("app.kubernetes.io/instance", instance.as_str()),
            ];
            match rng.below(100) {
                0..=29 => {
                    push(&mut text, &mut docs, &mut in_file);
                    service(&mut text, &ns, &instance, &selector, false);
                }
                30..=54 => {
                    push(&mut text, &mut docs, &mut in_file);
                    configmap(&mut text, &mut rng, &ns, &instance);
                }
                55..=79 => {
                    push(&mut text, &mut docs, &mut in_file);
                    deployment(&mut text, &mut rng, &ns, app, &instance, team);
                }
                80..=89 => {
                    push(&mut text, &mut docs, &mut in_file);
                    pdb(&mut text, &ns, &instance, &selector);
                }
                _ => {
                    push(&mut text, &mut docs, &mut in_file);
                    statefulset(&mut text, &mut rng, &ns, app, &instance, team);
                    if docs < total {
                        push(&mut text, &mut docs, &mut in_file);
                        service(&mut text, &ns, &instance, &selector, true);
                    }
                }
            }
        }
        files.push((format!("chart-{file_index:04}.yaml"), text));
        file_index += 1;
    }
    files
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Time this thread has spent on a CPU (Linux: /proc/thread-self/schedstat),
/// which other processes competing for the cores do not inflate.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Wall-clock and CPU timings of several runs.
struct Timings {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

/// Runs `f` `runs` times; `f` returns the CPU time it used when it knows it
/// (a child process), else this thread's CPU time is measured.
fn time(runs: usize, mut f: impl FnMut() -> Option<Duration>) -> Timings {
    let mut timings = Timings {
        wall: Vec::new(),
        cpu: Vec::new(),
    };
    for _ in 0..runs.max(1) {
        let cpu_start = thread_cpu_time();
        let start = Instant::now();
        let child_cpu = f();
        timings.wall.push(start.elapsed());
        let own_cpu = match (cpu_start, thread_cpu_time()) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a)),
            _ => None,
        };
        if let Some(cpu) = child_cpu.or(own_cpu) {
            timings.cpu.push(cpu);
        }
    }
    timings
}

fn min_median(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (times[0], times[times.len() / 2])
}

fn ms(d: Duration) -> String {
    format!("{:7.1} ms", d.as_secs_f64() * 1000.0)
}

fn report(label: &str, mut timings: Timings) {
    let (min, median) = min_median(&mut timings.wall);
    let mut line = format!("{label:<46} wall min {} median {}", ms(min), ms(median));
    if !timings.cpu.is_empty() {
        let (min, median) = min_median(&mut timings.cpu);
        line.push_str(&format!("   cpu min {} median {}", ms(min), ms(median)));
    }
    println!("{line}");
}

const PYYAML: &str = r#"
import sys, time, pathlib, yaml
try:
    Loader = yaml.CSafeLoader
    kind = "CSafeLoader (libyaml)"
except AttributeError:
    Loader = yaml.SafeLoader
    kind = "SafeLoader (pure Python)"
texts = [p.read_text() for p in sorted(pathlib.Path(sys.argv[1]).glob("*.yaml"))]
runs = int(sys.argv[2])
wall, cpu = [], []
for _ in range(runs):
    start, start_cpu = time.perf_counter(), time.thread_time()
    n = sum(1 for t in texts for d in yaml.load_all(t, Loader=Loader) if d is not None)
    wall.append(time.perf_counter() - start)
    cpu.append(time.thread_time() - start_cpu)
wall.sort()
cpu.sort()
print(kind, n, wall[0], wall[len(wall) // 2], cpu[0], cpu[len(cpu) // 2])
"#;

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not,
    // and gets a quick smoke run.
    let quick = !std::env::args().any(|a| a == "--bench");
    let total = if quick {
        300
    } else {
        env_number("PROMHA_BENCH_DOCS", 10_000)
    };
    let runs = if quick { 1 } else { env_number("PROMHA_BENCH_RUNS", 10) };

    let files = corpus(total);
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    println!(
        "corpus: {total} documents in {} files, {:.2} MB ({} bytes per document)",
        files.len(),
        bytes as f64 / 1e6,
        bytes / total
    );

    let settings = Settings::default();
    let options = CheckOptions {
        unknown_fields: true,
        ..CheckOptions::default()
    };
    let sources: Vec<Source<'_>> = files.iter().map(|(f, t)| Source::text(f, t)).collect();
    let result = promha_core::lint(&sources, &settings, &options);
    println!(
        "report: {} errors, {} warnings, {} resources checked",
        result.errors(),
        result.warnings(),
        result.documents
    );
    assert_eq!(result.files, files.len());

    report(
        "promha_core::lint (read + check, in process)",
        time(runs, || {
            std::hint::black_box(promha_core::lint(&sources, &settings, &options));
            None
        }),
    );
    let limits = ReadLimits::default();
    // What `lint` reads: the documents that can matter to a rule.
    let read_for_lint = || promha_core::read_sources(&sources, &settings, &options).documents;
    report(
        "  of which reading YAML (read_sources)",
        time(runs, || {
            std::hint::black_box(read_for_lint());
            None
        }),
    );
    report(
        "for comparison: parsing every document (read_text)",
        time(runs, || {
            let mut documents = Vec::new();
            for (file, text) in &files {
                if let Ok(docs) = promha_core::read_text(file, text, &limits) {
                    documents.extend(docs);
                }
            }
            std::hint::black_box(documents);
            None
        }),
    );
    report(
        "  of which the YAML event parser alone",
        time(runs, || {
            let mut events = 0usize;
            for (_, text) in &files {
                for item in serde_saphyr::granit_parser::Parser::new_from_str(text) {
                    events += usize::from(item.is_ok());
                }
            }
            std::hint::black_box(events);
            None
        }),
    );
    let documents = read_for_lint();
    report(
        "of lint, checking (promha_core::check)",
        time(runs, || {
            std::hint::black_box(promha_core::check(&documents, &settings, &options));
            None
        }),
    );

    let keep = std::env::var_os("PROMHA_BENCH_KEEP").map(PathBuf::from);
    let dir = keep
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("promha-bench-{}", std::process::id())));
    write_corpus(&dir, &files);
    let binary = env!("CARGO_BIN_EXE_promha");
    let end_to_end = time(runs.min(5), || {
        // bash's `time` reports the child's user and system CPU time.
        let out = Command::new("bash")
            .args(["-c", r#"TIMEFORMAT="%3U %3S"; time "$0" "$@" >/dev/null"#, binary])
            .args(["lint", "--no-config", "--format", "json"])
            .arg(&dir)
            .output();
        match out {
            Ok(out) if out.status.code() == Some(0) || out.status.code() == Some(1) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let cpu: Vec<f64> = stderr
                    .lines()
                    .last()
                    .unwrap_or("")
                    .split_whitespace()
                    .filter_map(|s| s.parse().ok())
                    .collect();
                (cpu.len() == 2).then(|| Duration::from_secs_f64(cpu[0] + cpu[1]))
            }
            other => panic!("promha failed: {other:?}"),
        }
    });
    let end_to_end_cpu_min = end_to_end.cpu.iter().min().copied();
    report("promha lint --format json DIR (end to end)", end_to_end);

    match Command::new("python3")
        .args(["-c", PYYAML])
        .arg(&dir)
        .arg(runs.min(3).to_string())
        .output()
    {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let fields: Vec<&str> = text.split_whitespace().collect();
            if let [.., n, wall_min, wall_median, cpu_min, cpu_median] = fields.as_slice() {
                let kind = fields[..fields.len() - 5].join(" ");
                let secs = |s: &str| Duration::from_secs_f64(s.parse().unwrap_or(0.0));
                report(
                    &format!("PyYAML safe_load_all, reading only ({n} docs)"),
                    Timings {
                        wall: vec![secs(wall_min), secs(wall_median)],
                        cpu: vec![secs(cpu_min), secs(cpu_median)],
                    },
                );
                println!("  loader: {kind}");
                if let (Ok(python), Some(promha)) = (cpu_min.parse::<f64>(), end_to_end_cpu_min) {
                    println!(
                        "promha lint (end to end) needs {:.0}% of the CPU time PyYAML takes merely to read the corpus",
                        promha.as_secs_f64() / python * 100.0
                    );
                }
            }
        }
        Ok(out) => println!(
            "PyYAML comparison skipped: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("python3 failed")
        ),
        Err(e) => println!("PyYAML comparison skipped: python3 not available ({e})"),
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn write_corpus(dir: &Path, files: &[(String, String)]) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    for (name, text) in files {
        if let Err(e) = std::fs::write(dir.join(name), text) {
            panic!("cannot write {name}: {e}");
        }
    }
}
