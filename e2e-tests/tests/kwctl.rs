//! The policy through the real `kwctl` (kubewarden/kubewarden-controller,
//! `crates/kwctl`), when it is on PATH: `kwctl annotate` with the
//! repository's metadata and README, `kwctl inspect`, `kwctl scaffold
//! artifacthub` (what Kubewarden's release workflow publishes), `kwctl run`
//! on every fixture with the harness's lookups replayed as a session file
//! (the verdicts must equal the harness's), and a push / pull / run round
//! trip through Debian's `docker-registry` on loopback.
//!
//! Without kwctl these tests print why they skip and pass;
//! `PROMHA_REQUIRE_KWCTL=1` (set by `make e2e-tests`, the target
//! Kubewarden's workflows run, where kwctl is installed) makes a missing
//! kwctl or docker-registry a failure. Every kwctl and registry process runs
//! under a deadline and is killed past it.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use promha_e2e::fixture::{Case, check_expectations, find_fixtures, policy_wasm_path};
use promha_e2e::metadata::USAGE_ANNOTATION;
use promha_e2e::session::session_yaml;
use promha_e2e::wasm_section::{KUBEWARDEN_METADATA_SECTION, remove_custom_section};
use promha_e2e::{ClusterState, PolicyMetadata, build_admission_request};
use serde_json::{Value, json};

/// One kwctl invocation's deadline: the first run compiles the module.
const KWCTL_DEADLINE: Duration = Duration::from_secs(180);
const REQUIRE_ENV: &str = "PROMHA_REQUIRE_KWCTL";

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `name` on PATH, or `None` after saying why the test skips (a failure
/// when PROMHA_REQUIRE_KWCTL=1).
fn tool(name: &str, test: &str) -> Option<PathBuf> {
    let found = find_on_path(name);
    if found.is_none() {
        let missing = format!("{name} is not on PATH (see e2e-tests/README.md)");
        if std::env::var_os(REQUIRE_ENV).is_some_and(|v| v == "1") {
            panic!("{test}: {missing}, and {REQUIRE_ENV}=1 requires it");
        }
        // Straight to stderr: the test harness would hide eprintln! output.
        let _ = writeln!(std::io::stderr(), "{test}: skipped: {missing}");
    }
    found
}

/// A scratch directory under the cargo target dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("kwctl-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Run `command` to completion within `deadline`, killing it past that.
fn run_bounded(mut command: Command, deadline: Duration) -> Output {
    let what = format!("{command:?}");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Running(command.spawn().unwrap_or_else(|e| panic!("cannot start {what}: {e}")));
    // Drain the pipes on threads so a chatty child never blocks on a full pipe.
    let mut stdout = child.0.stdout.take().unwrap();
    let mut stderr = child.0.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > deadline {
            panic!("{what} did not finish within {deadline:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

struct Kwctl {
    bin: PathBuf,
    /// kwctl 1.36 brought `hostCapabilities` (metadata, the annotate scan,
    /// `run --allowed-host-capabilities`); older ones drop the key.
    host_capabilities: bool,
    /// kwctl's XDG directories (policy store, wasmtime cache), kept across
    /// runs under the target dir so the module is compiled once.
    home: PathBuf,
}

impl Kwctl {
    fn find(test: &str) -> Option<Self> {
        let bin = tool("kwctl", test)?;
        let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kwctl-home");
        std::fs::create_dir_all(&home).unwrap();
        let mut kwctl = Self {
            bin,
            host_capabilities: false,
            home,
        };
        let version = text(&kwctl.ok(&["--version"]).stdout);
        let (major, minor) = major_minor(&version).unwrap_or_else(|| panic!("kwctl --version said {version:?}"));
        kwctl.host_capabilities = (major, minor) >= (1, 36);
        if !kwctl.host_capabilities {
            let _ = writeln!(
                std::io::stderr(),
                "{test}: kwctl {major}.{minor} predates hostCapabilities: not checking them"
            );
        }
        Some(kwctl)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.bin);
        command
            .args(args)
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_DATA_HOME", self.home.join("data"))
            .env("NO_COLOR", "1")
            .env("RUST_BACKTRACE", "0")
            .env_remove("KUBECONFIG");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        run_bounded(self.command(args), KWCTL_DEADLINE)
    }

    /// Run and require success.
    fn ok(&self, args: &[&str]) -> Output {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "kwctl {args:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }
}

/// The first `X.Y` version number in `text` ("kwctl 1.36.0-beta.1 ...").
fn major_minor(text: &str) -> Option<(u32, u32)> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find_map(|word| {
            let mut parts = word.split('.');
            let major = parts.next()?.parse().ok()?;
            let minor = parts.next()?.parse().ok()?;
            Some((major, minor))
        })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn repo_file(name: &str) -> PathBuf {
    common::repo_root().join(name)
}

fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The policy module the harness runs, and the same module without metadata.
fn modules(scratch: &Scratch) -> (PathBuf, PathBuf) {
    let annotated = policy_wasm_path(&common::repo_root()).unwrap_or_else(|e| panic!("{e:#}"));
    let wasm = std::fs::read(&annotated).unwrap();
    let plain = remove_custom_section(&wasm, KUBEWARDEN_METADATA_SECTION).unwrap();
    (annotated, scratch.write("policy.wasm", plain))
}

/// kwctl's `annotate` warnings about host capabilities (its scan of the
/// module's data against metadata.yml's hostCapabilities).
fn capability_warnings(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains("host capabilities")).collect()
}

#[test]
fn kwctl_annotates_with_the_metadata_and_usage_and_inspects_them() {
    let Some(kwctl) = Kwctl::find("kwctl annotate/inspect") else {
        return;
    };
    let scratch = Scratch::new("annotate");
    let (harness_module, plain) = modules(&scratch);
    let out = scratch.path("annotated.wasm");
    let metadata = repo_file("metadata.yml");
    let readme = repo_file("README.md");
    let annotate = kwctl.ok(&[
        "annotate",
        "-m",
        metadata.to_str().unwrap(),
        "-u",
        readme.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        plain.to_str().unwrap(),
    ]);
    let stderr = text(&annotate.stderr);
    if kwctl.host_capabilities {
        assert_eq!(
            capability_warnings(&stderr),
            Vec::<&str>::new(),
            "kwctl finds the declared hostCapabilities wrong:\n{stderr}"
        );
    }

    // What kwctl embedded: metadata.yml, the README as usage, its own version.
    let embedded = PolicyMetadata::from_wasm(&std::fs::read(&out).unwrap())
        .unwrap()
        .expect("kwctl wrote no metadata section");
    let source = read_yaml(&metadata);
    assert_eq!(
        embedded.usage(),
        Some(std::fs::read_to_string(&readme).unwrap().as_str())
    );
    assert_eq!(embedded.protocol_version(), Some("v1"));
    assert!(embedded.raw["annotations"]["io.kubewarden.kwctl"].is_string());
    let mut keys = vec![
        "rules",
        "minimumKubewardenVersion",
        "mutating",
        "backgroundAudit",
        "executionMode",
        "policyType",
    ];
    if kwctl.host_capabilities {
        keys.push("hostCapabilities");
    }
    for key in keys {
        assert_eq!(
            embedded.raw[key], source[key],
            "kwctl's {key} differs from metadata.yml"
        );
    }
    let cars = PolicyMetadata::from_value(source.clone())
        .unwrap()
        .context_aware_resources;
    assert_eq!(embedded.context_aware_resources, cars);

    // `make annotated-policy.wasm` (kwrun annotate) embeds the same
    // document, apart from kwctl's version annotation.
    let harness = PolicyMetadata::from_wasm(&std::fs::read(&harness_module).unwrap())
        .unwrap()
        .expect("the harness's module is not annotated");
    for (key, value) in harness.raw.as_object().unwrap() {
        if key == "annotations" {
            let mut theirs = embedded.raw[key].as_object().unwrap().clone();
            let mut ours = value.as_object().unwrap().clone();
            theirs.remove("io.kubewarden.kwctl");
            ours.remove("io.kubewarden.kwctl");
            assert_eq!(
                ours, theirs,
                "annotations differ between kwctl and make annotated-policy.wasm"
            );
        } else if key == "hostCapabilities" && !kwctl.host_capabilities {
            continue;
        } else if key == "contextAwareResources" {
            assert_eq!(harness.context_aware_resources, embedded.context_aware_resources);
        } else {
            assert_eq!(
                &embedded.raw[key], value,
                "{key} differs between kwctl and make annotated-policy.wasm"
            );
        }
    }

    let inspect = text(&kwctl.ok(&["inspect", out.to_str().unwrap()]).stdout);
    for needle in [
        "promha",
        "kubewarden-wapc",
        "monitoring.coreos.com/v1",
        "PodDisruptionBudget",
        "1.8.0",
    ] {
        assert!(
            inspect.contains(needle),
            "kwctl inspect does not show {needle:?}:\n{inspect}"
        );
    }
    // The usage is what `kwctl inspect` shows last: the README's own text.
    assert!(inspect.contains("make run"), "kwctl inspect shows no usage:\n{inspect}");
    let as_yaml = text(&kwctl.ok(&["inspect", "-o", "yaml", out.to_str().unwrap()]).stdout);
    let inspected: Value = serde_saphyr::from_str(&as_yaml).unwrap();
    if kwctl.host_capabilities {
        assert_eq!(inspected["hostCapabilities"], source["hostCapabilities"]);
    }
    assert_eq!(
        inspected["annotations"][USAGE_ANNOTATION],
        embedded.raw["annotations"][USAGE_ANNOTATION]
    );

    if !kwctl.host_capabilities {
        return;
    }
    // The check above can fail: without hostCapabilities kwctl warns.
    let mut undeclared = source.clone();
    undeclared.as_object_mut().unwrap().remove("hostCapabilities");
    let undeclared = scratch.write("undeclared.yml", serde_json::to_string(&undeclared).unwrap());
    let warned = kwctl.ok(&[
        "annotate",
        "-m",
        undeclared.to_str().unwrap(),
        "-o",
        scratch.path("undeclared.wasm").to_str().unwrap(),
        plain.to_str().unwrap(),
    ]);
    let warned = text(&warned.stderr);
    assert!(
        capability_warnings(&warned)
            .iter()
            .any(|l| l.contains("not declared") && l.contains("kubernetes/list_resources_by_namespace")),
        "kwctl did not warn about an undeclared host capability:\n{warned}"
    );
}

/// Kubewarden's release workflow publishes `kwctl scaffold artifacthub`'s
/// output; the committed artifacthub-pkg.yml is that output (but for its
/// creation time), so it is reviewed with the code and cannot drift.
#[test]
fn kwctl_scaffolds_the_committed_artifacthub_package() {
    let Some(kwctl) = Kwctl::find("kwctl scaffold artifacthub") else {
        return;
    };
    let root = common::repo_root();
    let mut command = kwctl.command(&[
        "scaffold",
        "artifacthub",
        "-m",
        "metadata.yml",
        "-q",
        "questions-ui.yml",
    ]);
    command.current_dir(&root);
    let output = run_bounded(command, KWCTL_DEADLINE);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let mut generated: Value = serde_saphyr::from_str(&text(&output.stdout)).unwrap();
    let mut committed = read_yaml(&root.join("artifacthub-pkg.yml"));
    for package in [&mut generated, &mut committed] {
        package.as_object_mut().unwrap().remove("createdAt");
    }
    assert_eq!(
        committed,
        generated,
        "artifacthub-pkg.yml is not what `kwctl scaffold artifacthub` writes; regenerate it:\n  \
         kwctl scaffold artifacthub -m metadata.yml -q questions-ui.yml -o artifacthub-pkg.yml\n{}",
        text(&output.stdout)
    );
}

/// A Kubewarden ValidationResponse built from kwctl run's AdmissionResponse.
fn validation_response(admission: &Value) -> Value {
    let mut response = json!({"accepted": admission["allowed"]});
    if let Some(message) = admission.pointer("/status/message") {
        response["message"] = message.clone();
    }
    if let Some(warnings) = admission.get("warnings").filter(|w| !w.is_null()) {
        response["warnings"] = warnings.clone();
    }
    response
}

/// What a verdict is made of: accepted, the message, the warnings.
fn verdict(response: &Value) -> (Value, String, Vec<String>) {
    let message = promha_e2e::protocol::message(response).to_owned();
    let warnings = promha_e2e::protocol::warnings(response)
        .into_iter()
        .map(str::to_owned)
        .collect();
    (response["accepted"].clone(), message, warnings)
}

struct Run {
    name: String,
    args: Vec<String>,
    /// The harness's verdict, or the settings message when it refuses them.
    expected: Result<Value, String>,
    case: Case,
}

#[test]
fn kwctl_run_gives_the_harness_verdict_on_every_fixture() {
    let Some(kwctl) = Kwctl::find("kwctl run on the fixtures") else {
        return;
    };
    let scratch = Scratch::new("run");
    let (annotated, _) = modules(&scratch);
    let capabilities: Vec<String> = read_yaml(&repo_file("metadata.yml"))["hostCapabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let policy = common::policy();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let files = find_fixtures(&dir).unwrap();
    assert!(!files.is_empty());

    let mut runs = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let name = file.strip_prefix(&dir).unwrap().display().to_string();
        let case = Case::from_file(file).unwrap_or_else(|e| panic!("{e:#}"));
        let settings = case.settings();
        let answer = policy.validate_settings(&settings).unwrap();
        let mut args = vec![
            "run".to_owned(),
            annotated.display().to_string(),
            "--settings-json".to_owned(),
            settings.to_string(),
        ];
        let expected = if answer["valid"] == true {
            let request = build_admission_request(
                case.operation().unwrap(),
                case.object.as_ref(),
                case.old_object.as_ref(),
            )
            .unwrap();
            let cluster = ClusterState::new(case.cluster.iter().cloned())
                .unwrap()
                .with_fail_lookups(case.fail_lookups);
            let evaluation = policy.evaluate(&request, &settings, &cluster).unwrap();
            let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request});
            let request_path = scratch.write(&format!("{i}-request.json"), review.to_string());
            let session = scratch.write(
                &format!("{i}-session.yml"),
                session_yaml(&evaluation.host_calls).unwrap(),
            );
            args.extend([
                "--request-path".to_owned(),
                request_path.display().to_string(),
                "--allow-context-aware".to_owned(),
                "--replay-host-capabilities-interactions".to_owned(),
                session.display().to_string(),
            ]);
            Ok(evaluation.response)
        } else {
            // Settings are validated before any request is read.
            let request_path = scratch.write(
                &format!("{i}-request.json"),
                json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request":
                    build_admission_request(promha_e2e::Operation::Create, Some(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "d"}})), None).unwrap()})
                .to_string(),
            );
            args.extend(["--request-path".to_owned(), request_path.display().to_string()]);
            Err(promha_e2e::protocol::message(&answer).to_owned())
        };
        // Only the capabilities metadata.yml declares: a call outside them
        // would fail under kwctl and change the verdict.
        if kwctl.host_capabilities {
            args.push("--allowed-host-capabilities".to_owned());
            args.extend(capabilities.iter().cloned());
        }
        runs.push(Run {
            name,
            args,
            expected,
            case,
        });
    }

    // Warm kwctl's wasmtime cache with one run, then two at a time.
    let started = Instant::now();
    let mut outcomes: Vec<(usize, Output)> = Vec::new();
    let first = kwctl.run(&runs[0].args.iter().map(String::as_str).collect::<Vec<_>>());
    outcomes.push((0, first));
    let rest: Vec<usize> = (1..runs.len()).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = rest
            .chunks(rest.len().div_ceil(2).max(1))
            .map(|chunk| {
                let (kwctl, runs) = (&kwctl, &runs);
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|&i| {
                            (
                                i,
                                kwctl.run(&runs[i].args.iter().map(String::as_str).collect::<Vec<_>>()),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            outcomes.extend(handle.join().unwrap());
        }
    });

    let mut failures = Vec::new();
    let mut same = 0;
    for (i, output) in outcomes {
        let run = &runs[i];
        let stdout = text(&output.stdout);
        let stderr = text(&output.stderr);
        match &run.expected {
            Err(settings_message) => {
                if output.status.success() || !format!("{stdout}{stderr}").contains(settings_message.as_str()) {
                    failures.push(format!(
                        "{}: the harness refuses the settings ({settings_message}); kwctl ({}) said:\n{stdout}{stderr}",
                        run.name, output.status
                    ));
                } else {
                    same += 1;
                }
            }
            Ok(harness) => {
                let admission: Option<Value> = output
                    .status
                    .success()
                    .then(|| serde_json::from_str(&stdout).ok())
                    .flatten();
                let Some(admission) = admission else {
                    failures.push(format!(
                        "{}: kwctl run failed ({}):\n{stdout}{stderr}",
                        run.name, output.status
                    ));
                    continue;
                };
                let through_kwctl = validation_response(&admission);
                let problems = check_expectations(&run.case.expect, &through_kwctl);
                if verdict(&through_kwctl) != verdict(harness) || !problems.is_empty() {
                    failures.push(format!(
                        "{}: harness {harness}\n    kwctl {through_kwctl}\n    {}\n    kwctl stderr: {stderr}",
                        run.name,
                        problems.join("; ")
                    ));
                } else {
                    same += 1;
                }
            }
        }
    }
    eprintln!(
        "kwctl run: {same} of {} fixtures give the harness's verdict, in {:.1?}",
        runs.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} fixtures differ:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Debian's docker-registry serving on 127.0.0.1, storing under `scratch`.
fn start_registry(bin: &Path, scratch: &Scratch) -> (Running, u16) {
    for _attempt in 0..3 {
        let port = free_port();
        let config = scratch.write(
            "registry.yml",
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
                 http:\n  addr: 127.0.0.1:{port}\n",
                scratch.path("registry-data").display()
            ),
        );
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut registry = Running(command.spawn().unwrap());
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            if registry.0.try_wait().unwrap().is_some() {
                break; // the port was taken meanwhile: try another
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (registry, port);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(registry);
    }
    panic!("docker-registry did not start listening on 127.0.0.1");
}

#[test]
fn kwctl_pushes_pulls_and_runs_through_a_local_registry() {
    let Some(kwctl) = Kwctl::find("kwctl push/pull/run registry://") else {
        return;
    };
    let Some(registry_bin) = tool("docker-registry", "kwctl push/pull/run registry://") else {
        return;
    };
    let scratch = Scratch::new("registry");
    let (annotated, _) = modules(&scratch);
    let (_registry, port) = start_registry(&registry_bin, &scratch);
    let host = format!("127.0.0.1:{port}");
    let sources = scratch.write("sources.yml", format!("insecure_sources:\n  - \"{host}\"\n"));
    let sources = sources.to_str().unwrap();
    let uri = format!(
        "registry://{host}/promha/policies/promha:v{}",
        env!("CARGO_PKG_VERSION")
    );

    kwctl.ok(&["push", annotated.to_str().unwrap(), &uri, "--sources-path", sources]);
    let pulled = scratch.path("pulled.wasm");
    kwctl.ok(&[
        "pull",
        &uri,
        "--sources-path",
        sources,
        "--output-path",
        pulled.to_str().unwrap(),
    ]);
    assert!(
        std::fs::read(&pulled).unwrap() == std::fs::read(&annotated).unwrap(),
        "the module pulled from {uri} is not the one pushed"
    );

    // Run from the registry: a Prometheus with one replica is rejected, with
    // its lookups replayed, exactly as the harness answers.
    let case =
        Case::from_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/prometheus/one-replica.yaml")).unwrap();
    let settings = case.settings();
    let request = build_admission_request(case.operation().unwrap(), case.object.as_ref(), None).unwrap();
    let cluster = ClusterState::new(case.cluster.iter().cloned()).unwrap();
    let evaluation = common::policy().evaluate(&request, &settings, &cluster).unwrap();
    assert_eq!(evaluation.response["accepted"], false);
    let request_path = scratch.write(
        "request.json",
        json!({"kind": "AdmissionReview", "request": request}).to_string(),
    );
    let session = scratch.write("session.yml", session_yaml(&evaluation.host_calls).unwrap());
    let output = kwctl.ok(&[
        "run",
        &uri,
        "--sources-path",
        sources,
        "--request-path",
        request_path.to_str().unwrap(),
        "--settings-json",
        &settings.to_string(),
        "--allow-context-aware",
        "--replay-host-capabilities-interactions",
        session.to_str().unwrap(),
    ]);
    let admission: Value = serde_json::from_str(&text(&output.stdout)).unwrap();
    assert_eq!(verdict(&validation_response(&admission)), verdict(&evaluation.response));
}
