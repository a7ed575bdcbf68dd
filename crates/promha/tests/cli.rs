//! Runs the built `promha` binary on fixtures and checks its output and
//! exit status.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use promha_core::{CheckOptions, RULES, Settings, Source};
use serde_json::{Value as Json, json};

const BIN: &str = env!("CARGO_BIN_EXE_promha");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The rule examples of the core, guaranteed reported (bad) and clean (good).
fn core_rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../promha-core/src/rules")
}

/// `../shared/corpus` relative to the repository root, when it exists.
fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} does not exist", dir.display());
        None
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Json {
        match serde_json::from_str(&self.stdout) {
            Ok(v) => v,
            Err(e) => panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr),
        }
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs promha in `dir` with `args`, feeding `stdin`.
fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("promha runs");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(text.as_bytes()).expect("stdin is written");
    }
    let out = child.wait_with_output().expect("promha finishes");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs promha in the fixtures directory (whose `.promha.yaml` holds the defaults).
fn promha(args: &[&str]) -> Run {
    run_in(&fixtures(), args, None, &[])
}

/// A scratch directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("promha-cli-test-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("dirs");
        std::fs::write(&path, text).expect("written");
        path
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixture(relative: &str) -> String {
    std::fs::read_to_string(fixtures().join(relative)).expect("fixture exists")
}

/// (file, line, column, rule, severity) of each finding in a JSON report.
fn locations(report: &Json) -> Vec<(String, u64, u64, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["file"].as_str().expect("file").to_string(),
                f["line"].as_u64().expect("line"),
                f["column"].as_u64().expect("column"),
                f["rule"].as_str().expect("rule").to_string(),
                f["severity"].as_str().expect("severity").to_string(),
            )
        })
        .collect()
}

fn rules_of(report: &Json) -> BTreeSet<String> {
    locations(report).into_iter().map(|l| l.3).collect()
}

// ---------------------------------------------------------------- formats

#[test]
fn text_format_shows_location_severity_rule_resource_message_and_fix() {
    let run = promha(&["lint", "unparsable/ok.yaml"]);
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with("unparsable/ok.yaml:7:3: error[min-replicas] Prometheus team-a/single: "))
        .unwrap_or_else(|| panic!("no min-replicas line at 7:3: {run:?}"));
    assert!(lines[i].contains("runs a single pod"), "{}", lines[i]);
    assert_eq!(lines[i + 1], "  fix: set spec.replicas: 2");
    // The persistent-storage warning points at the spec.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("unparsable/ok.yaml:6:1: warning[persistent-storage] Prometheus team-a/single: ")),
        "{run:?}"
    );
    assert_eq!(
        lines.last().copied(),
        Some("1 error and 1 warning: 1 resource checked in 1 file")
    );
    assert!(!run.stdout.contains('\x1b'), "no colour when not on a terminal");
    assert!(run.stderr.is_empty(), "{run:?}");
}

#[test]
fn text_format_reports_a_clean_run() {
    let run = promha(&["lint", "cross-file"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "no problems found: 5 resources checked in 3 files\n");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let run = promha(&["lint", "--color", "always", "unparsable/ok.yaml"]);
    assert!(run.stdout.contains("\x1b[1;31merror\x1b[0m"), "{run:?}");
    let run = promha(&["lint", "--color=never", "unparsable/ok.yaml"]);
    assert!(!run.stdout.contains('\x1b'), "{run:?}");

    // A real terminal through script(1), when it is installed.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped the terminal part: script(1) is not installed");
        return;
    }
    let on_terminal = |no_color: Option<&str>| {
        let mut command = Command::new("script");
        command
            .args(["-qec", &format!("{BIN} lint unparsable/ok.yaml"), "/dev/null"])
            .current_dir(fixtures())
            .env_remove("NO_COLOR")
            .env("TERM", "xterm")
            .stdin(Stdio::null());
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        let out = command.output().expect("script runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = on_terminal(None);
    assert!(coloured.contains("min-replicas"), "{coloured}");
    assert!(
        coloured.contains("\x1b[1;31merror"),
        "a terminal gets colour: {coloured:?}"
    );
    let plain = on_terminal(Some("1"));
    assert!(plain.contains("min-replicas"), "{plain}");
    assert!(!plain.contains('\x1b'), "NO_COLOR turns colour off: {plain:?}");
}

#[test]
fn json_format_has_the_exact_shape() {
    let run = promha(&[
        "lint",
        "--format",
        "json",
        "unparsable/ok.yaml",
        "standalone/prometheus.yml",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let top: BTreeSet<&str> = report.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(top, BTreeSet::from(["findings", "summary"]));
    assert_eq!(
        report["summary"],
        json!({"errors": 2, "warnings": 1, "files": 2, "documents": 2})
    );
    let findings = report["findings"].as_array().expect("findings");
    for finding in findings {
        let keys: BTreeSet<&str> = finding
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "rule", "severity", "resource", "file", "line", "column", "message", "fix"
            ]),
            "{finding}"
        );
        let resource: BTreeSet<&str> = finding["resource"]
            .as_object()
            .expect("resource")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(resource, BTreeSet::from(["apiVersion", "kind", "namespace", "name"]));
        assert!(finding["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(finding["line"].as_u64().is_some_and(|l| l >= 1), "{finding}");
    }
    let min_replicas = findings
        .iter()
        .find(|f| f["rule"] == "min-replicas")
        .expect("min-replicas");
    assert_eq!(
        min_replicas["resource"],
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "namespace": "team-a", "name": "single"})
    );
    assert_eq!(
        (&min_replicas["file"], &min_replicas["line"], &min_replicas["column"]),
        (&json!("unparsable/ok.yaml"), &json!(7), &json!(3))
    );
    assert_eq!(min_replicas["severity"], "error");
    assert_eq!(min_replicas["fix"], "set spec.replicas: 2");
    // A standalone prometheus.yml is a `file` named after the file.
    let standalone = findings
        .iter()
        .find(|f| f["rule"] == "alerts-drop-replica-label")
        .expect("alerts-drop-replica-label");
    assert_eq!(
        standalone["resource"],
        json!({"apiVersion": null, "kind": "file", "namespace": null, "name": "prometheus.yml"})
    );
    assert_eq!(standalone["file"], "standalone/prometheus.yml");
    assert_eq!(standalone["line"], 7);
}

#[test]
fn json_output_is_the_cores_report_json() {
    // The web page serializes the same Report::to_json; the CLI must not
    // diverge from it.
    let files = ["cross-file/prometheus.yaml", "pinned/service.yaml", "list/list.yaml"];
    let texts: Vec<String> = files.iter().map(|f| fixture(f)).collect();
    let sources: Vec<Source<'_>> = files
        .iter()
        .zip(&texts)
        .map(|(file, text)| Source::text(file, text))
        .collect();
    let options = CheckOptions {
        unknown_fields: true,
        ..CheckOptions::default()
    };
    let expected = promha_core::lint(&sources, &Settings::default(), &options).to_json();
    let mut args = vec!["lint", "--format", "json"];
    args.extend(files);
    let run = promha(&args);
    assert_eq!(run.json(), expected);
    assert_eq!(run.stdout, format!("{expected}\n"), "compact JSON, one line");
}

fn sarif_schema() -> jsonschema::Validator {
    // The published schema's `run.language` pattern has a stray `]` that
    // ECMAScript accepts and Rust's regex engines refuse; the pattern is for
    // a field promha does not write, so it is replaced by what it means.
    let text = fixture("sarif/sarif-2.1.0-rtm.5.json").replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: Json = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

#[test]
fn sarif_is_valid_and_complete() {
    let run = promha(&[
        "lint",
        "--format",
        "sarif",
        "unparsable",
        "standalone",
        "warnings",
        "unknown-field.yaml",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let log = run.json();
    let validator = sarif_schema();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
    // The schema does catch mistakes.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = json!(0);
    assert!(validator.validate(&broken).is_err());
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(validator.validate(&broken).is_err());

    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "promha");
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), RULES.len());
    for (rule, core) in rules.iter().zip(RULES) {
        assert_eq!(rule["id"], core.id);
        assert!(rule["name"].as_str().is_some_and(|n| !n.is_empty() && !n.contains('-')));
        assert_eq!(rule["shortDescription"]["text"], core.summary);
        assert_eq!(rule["fullDescription"]["text"], core.doc);
        let help = rule["help"]["text"].as_str().expect("help.text");
        let markdown = rule["help"]["markdown"].as_str().expect("help.markdown");
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words(help).contains(&words(core.doc)) && markdown.contains(core.doc.trim()));
        let bad_line = core
            .bad_example
            .lines()
            .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .expect("a YAML line");
        assert!(
            help.contains(bad_line.trim()) && markdown.contains(bad_line),
            "{}",
            core.id
        );
        assert!(markdown.contains("```yaml"), "{}", core.id);
        assert_eq!(rule["defaultConfiguration"]["level"], core.severity.as_str());
    }
    let results = runs[0]["results"].as_array().expect("results");
    let expected_rules = BTreeSet::from([
        "invalid-resource",
        "min-replicas",
        "persistent-storage",
        "alerts-drop-replica-label",
    ]);
    let seen: BTreeSet<&str> = results.iter().filter_map(|r| r["ruleId"].as_str()).collect();
    assert!(seen.is_superset(&expected_rules), "{seen:?}");
    for result in results {
        let id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at its rule");
        assert!(matches!(result["level"].as_str(), Some("error" | "warning")));
        assert!(result["message"]["text"].as_str().is_some_and(|m| !m.is_empty()));
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            !uri.starts_with('/') && !uri.starts_with("./") && !uri.contains('\\') && !uri.contains(':'),
            "{uri}"
        );
        assert!(
            location["region"]["startLine"].as_u64().is_some_and(|l| l >= 1),
            "{result}"
        );
    }
    let broken = results
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "unparsable/broken.yaml")
        .expect("the unreadable file is a result");
    assert_eq!(broken["ruleId"], "invalid-resource");
    assert_eq!(broken["locations"][0]["physicalLocation"]["region"]["startLine"], 8);
    let min = results
        .iter()
        .find(|r| {
            r["ruleId"] == "min-replicas"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "unparsable/ok.yaml"
        })
        .expect("min-replicas");
    assert_eq!(
        min["locations"][0]["physicalLocation"]["region"],
        json!({"startLine": 7, "startColumn": 3})
    );
    assert_eq!(min["level"], "error");
}

#[test]
fn sarif_uris_are_relative_to_the_working_directory() {
    let absolute = fixtures().join("unparsable/ok.yaml");
    let run = promha(&["lint", "--format", "sarif", absolute.to_str().expect("utf-8 path")]);
    let log = run.json();
    let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "unparsable/ok.yaml");

    let dir = TempDir::new("sarif-uri");
    dir.write("odd name,v1.yaml", &fixture("unparsable/ok.yaml"));
    let run = run_in(
        dir.path(),
        &["lint", "--no-config", "--format", "sarif", "."],
        None,
        &[],
    );
    let log = run.json();
    assert!(sarif_schema().validate(&log).is_ok(), "{run:?}");
    let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "odd%20name%2Cv1.yaml");
}

#[test]
fn sarif_without_findings_is_valid() {
    let run = promha(&["lint", "--format", "sarif", "cross-file"]);
    assert_eq!(run.code, 0, "{run:?}");
    let log = run.json();
    assert!(sarif_schema().validate(&log).is_ok());
    assert_eq!(log["runs"][0]["results"], json!([]));
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"].as_array().map(Vec::len),
        Some(RULES.len())
    );
}

#[test]
fn github_format_writes_workflow_commands() {
    let run = promha(&["lint", "--format", "github", "unparsable/ok.yaml", "warnings"]);
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{run:?}");
    for line in &lines {
        let (command, rest) = line
            .strip_prefix("::")
            .and_then(|l| l.split_once(' '))
            .unwrap_or_else(|| panic!("not a workflow command: {line}"));
        assert!(matches!(command, "error" | "warning"), "{line}");
        let (properties, message) = rest.split_once("::").expect("properties::message");
        let keys: Vec<&str> = properties
            .split(',')
            .map(|p| p.split_once('=').expect("key=value").0)
            .collect();
        assert_eq!(keys, ["file", "line", "col", "title"], "{line}");
        assert!(!message.contains('\n') && !message.contains('\r'));
    }
    let min = lines
        .iter()
        .find(|l| l.contains("min-replicas"))
        .expect("a min-replicas annotation");
    assert!(
        min.starts_with(
            "::error file=unparsable/ok.yaml,line=7,col=3,title=promha min-replicas%3A Prometheus team-a/single::"
        ),
        "{min}"
    );
    // The fix follows on a new line, escaped.
    assert!(min.ends_with("%0AFix: set spec.replicas: 2"), "{min}");
    let warning = lines.iter().find(|l| l.contains("no-storage.yaml")).expect("warning");
    assert!(
        warning.starts_with("::warning file=warnings/no-storage.yaml,line=8,col=1,"),
        "{warning}"
    );
}

#[test]
fn github_format_escapes_properties_and_data() {
    let dir = TempDir::new("github-escape");
    dir.write("a,b:c.yaml", &fixture("unparsable/ok.yaml"));
    let run = run_in(
        dir.path(),
        &["lint", "--no-config", "--format", "github", "a,b:c.yaml"],
        None,
        &[],
    );
    assert!(
        run.stdout.lines().all(|l| l.contains(" file=a%2Cb%3Ac.yaml,")),
        "{run:?}"
    );
    // A message with a percent sign and a newline.
    let text = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: \"p%1\"\n  namespace: x\nspec:\n  replicas: 1\n";
    let run = run_in(
        dir.path(),
        &["lint", "--no-config", "--format", "github", "-"],
        Some(text),
        &[],
    );
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("min-replicas"))
        .expect("annotation");
    assert!(line.contains("x/p%251"), "{line}");
    assert!(!line.contains("p%1"), "{line}");
}

// ---------------------------------------------------------------- exit codes

#[test]
fn exit_status_follows_errors_warnings_and_strict() {
    assert_eq!(promha(&["lint", "cross-file"]).code, 0);
    assert_eq!(promha(&["lint", "unparsable/ok.yaml"]).code, 1);
    let warnings = promha(&["lint", "--format", "json", "warnings"]);
    assert_eq!(warnings.code, 0, "{warnings:?}");
    assert_eq!(warnings.json()["summary"]["warnings"], 1);
    assert_eq!(warnings.json()["summary"]["errors"], 0);
    assert_eq!(promha(&["lint", "--strict", "warnings"]).code, 1);
    assert_eq!(promha(&["lint", "--strict", "cross-file"]).code, 0);
}

#[cfg(target_os = "linux")]
#[test]
fn an_output_that_cannot_be_written_fails_the_run() {
    let full = std::fs::File::create("/dev/full").expect("/dev/full");
    let status = Command::new(BIN)
        .args(["lint", "--no-config", "--format", "sarif", "cross-file"])
        .current_dir(fixtures())
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("promha runs");
    assert_eq!(status.status.code(), Some(2), "{status:?}");
    assert!(String::from_utf8_lossy(&status.stderr).contains("cannot write the output"));
}

#[test]
fn usage_and_io_errors_exit_2() {
    let run = promha(&["lint", "no/such/file.yaml", "cross-file"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("no/such/file.yaml: no such file or directory"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("5 resources checked in 3 files"),
        "what could be read is still linted and reported: {run:?}"
    );

    let run = promha(&["lint", "--frmat", "json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("did you mean '--format'"), "{run:?}");
    assert!(run.stderr.contains("promha lint --help"), "{run:?}");

    let run = promha(&["lint", "--format", "xml", "cross-file"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("text, json, sarif, github"), "{run:?}");

    let run = promha(&["lint", "--rule", "min-replicas"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("expected RULE=LEVEL"), "{run:?}");

    let run = promha(&["lint", "--rule", "min-replica=off", "cross-file"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("did you mean min-replicas"), "{run:?}");

    let run = promha(&["lint", "--rule", "min-replicas=loud", "cross-file"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("expected off, warning or error"), "{run:?}");

    let run = promha(&["frobnicate"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown command 'frobnicate'"), "{run:?}");

    let run = promha(&[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("Usage: promha"), "{run:?}");
}

#[test]
fn files_over_the_size_limit_are_refused() {
    let dir = TempDir::new("big");
    let path = dir.path().join("big.yaml");
    let file = std::fs::File::create(&path).expect("created");
    // Sparse: nothing is written, but the size says 65 MiB.
    file.set_len(65 * 1024 * 1024).expect("sized");
    let run = run_in(dir.path(), &["lint", "--no-config", "big.yaml"], None, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("big.yaml: the file is 65 MiB; promha reads files of at most 64 MiB"),
        "{run:?}"
    );
}

// ---------------------------------------------------------------- inputs

#[test]
fn directories_are_walked_in_order_for_yaml_and_json_only() {
    let dir = TempDir::new("walk");
    let single = fixture("unparsable/ok.yaml");
    let json = r#"{"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager",
 "metadata": {"name": "am", "namespace": "team-j"}, "spec": {"replicas": 1}}"#;
    dir.write("tree/z.yaml", &single.replace("team-a", "team-z"));
    dir.write("tree/a/b.yml", &single.replace("team-a", "team-b"));
    dir.write("tree/a/c.JSON", json);
    dir.write("tree/m/prometheus.yml", &fixture("standalone/prometheus.yml"));
    dir.write("tree/unrelated.yaml", "name: not a Kubernetes object\nitems: [1, 2]\n");
    dir.write("tree/notes.txt", &single.replace("team-a", "team-txt"));
    dir.write("tree/Makefile", "all:\n\ttrue\n");
    dir.write("tree/.hidden/h.yaml", &single.replace("team-a", "team-hidden"));
    dir.write("tree/.github/workflows/ci.yaml", &single.replace("team-a", "team-gh"));
    dir.write("tree/node_modules/pkg/n.yaml", &single.replace("team-a", "team-node"));
    #[cfg(unix)]
    {
        // A loop back to the tree, and a second name for a file: each read once.
        std::os::unix::fs::symlink("..", dir.path().join("tree/a/loop")).expect("symlink");
        std::os::unix::fs::symlink("../z.yaml", dir.path().join("tree/a/z-link.yaml")).expect("symlink");
        std::os::unix::fs::symlink("missing.yaml", dir.path().join("tree/dangling.yaml")).expect("symlink");
    }
    let run = run_in(
        dir.path(),
        &["lint", "--no-config", "--format", "json", "tree"],
        None,
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let files: Vec<String> = locations(&report).into_iter().map(|l| l.0).collect();
    let unique: BTreeSet<&str> = files.iter().map(String::as_str).collect();
    // z.yaml is read once, under the name met first in the sorted walk
    // (tree/a/z-link.yaml comes before tree/z.yaml).
    #[cfg(unix)]
    let z = "tree/a/z-link.yaml";
    #[cfg(not(unix))]
    let z = "tree/z.yaml";
    assert_eq!(
        unique,
        BTreeSet::from(["tree/a/b.yml", "tree/a/c.JSON", "tree/m/prometheus.yml", z]),
        "{run:?}"
    );
    // b.yml, c.JSON, prometheus.yml, unrelated.yaml, z.yaml; the loop and the
    // second name of z.yaml add nothing.
    assert_eq!(report["summary"]["files"], 5, "{run:?}");
    assert_eq!(report["summary"]["documents"], 4, "{run:?}");
    for namespace in ["team-txt", "team-hidden", "team-gh", "team-node"] {
        assert!(
            !run.stdout.contains(namespace),
            "{namespace} should be skipped: {run:?}"
        );
    }
    #[cfg(unix)]
    assert!(run.stderr.contains("dangling.yaml: skipped"), "{run:?}");

    // The walk is in sorted order: findings of a text report follow it.
    let text = run_in(dir.path(), &["lint", "--no-config", "tree"], None, &[]);
    let order: Vec<&str> = text
        .stdout
        .lines()
        .filter(|l| l.starts_with("tree/"))
        .map(|l| l.split(':').next().unwrap_or(""))
        .collect();
    assert!(!order.is_empty(), "findings under tree/");
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);

    // A file named explicitly is read whatever its extension.
    let run = run_in(
        dir.path(),
        &["lint", "--no-config", "--format", "json", "tree/notes.txt"],
        None,
        &[],
    );
    assert!(rules_of(&run.json()).contains("min-replicas"), "{run:?}");
}

#[test]
fn an_empty_directory_is_clean_with_a_note() {
    let dir = TempDir::new("empty");
    std::fs::create_dir_all(dir.path().join("nothing")).expect("dir");
    let run = run_in(dir.path(), &["lint", "--no-config", "nothing"], None, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("no YAML or JSON files found"), "{run:?}");
}

#[test]
fn stdin_is_read_for_dash() {
    let text = fixture("unparsable/ok.yaml");
    let run = run_in(&fixtures(), &["lint", "--format", "json", "-"], Some(&text), &[]);
    assert_eq!(run.code, 1, "{run:?}");
    let locs = locations(&run.json());
    assert!(locs.contains(&(
        "<stdin>".to_string(),
        7,
        3,
        "min-replicas".to_string(),
        "error".to_string()
    )));
    let run = run_in(
        &fixtures(),
        &[
            "lint",
            "--format",
            "json",
            "--stdin-filename",
            "k8s/prometheus.yaml",
            "-",
        ],
        Some(&text),
        &[],
    );
    let located = locations(&run.json());
    assert!(!located.is_empty(), "{run:?}");
    assert!(located.iter().all(|l| l.0 == "k8s/prometheus.yaml"), "{run:?}");

    // Standard input is one more file of the same scope.
    let prometheus = fixture("cross-file/prometheus.yaml");
    let run = run_in(
        &fixtures(),
        &["lint", "-", "cross-file/alertmanager.yaml", "cross-file/service.yaml"],
        Some(&prometheus),
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn kind_list_items_are_checked_with_their_positions() {
    let run = promha(&["lint", "--format", "json", "list/list.yaml"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    assert_eq!(report["summary"]["documents"], 2);
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "min-replicas");
    assert_eq!(finding["resource"]["name"], "solo");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(18), Some(5))
    );
}

#[test]
fn files_are_one_scope() {
    // Together: the Prometheus's Service and PDB are in the other files.
    let run = promha(&[
        "lint",
        "--format",
        "json",
        "cross-file/prometheus.yaml",
        "cross-file/alertmanager.yaml",
        "cross-file/service.yaml",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["findings"], json!([]));

    // Alone, the Prometheus's Service and PDB are unknown.
    let run = promha(&["lint", "--format", "json", "cross-file/prometheus.yaml"]);
    assert_eq!(
        rules_of(&run.json()),
        BTreeSet::from([
            "alertmanagers-complete".to_string(),
            "pod-disruption-budget".to_string()
        ]),
        "{run:?}"
    );

    // A Service from another file that pins one pod fails the Prometheus.
    let run = promha(&[
        "lint",
        "--format",
        "json",
        "cross-file/prometheus.yaml",
        "cross-file/alertmanager.yaml",
        "pinned/service.yaml",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let locs = locations(&run.json());
    assert_eq!(
        locs,
        vec![(
            "cross-file/prometheus.yaml".to_string(),
            13,
            7,
            "alertmanagers-complete".to_string(),
            "error".to_string()
        )]
    );
    assert!(run.stdout.contains("pins a single pod"), "{run:?}");
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_the_others_are_linted() {
    let run = promha(&["lint", "--format", "json", "unparsable"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let findings = report["findings"].as_array().expect("findings");
    let broken = findings
        .iter()
        .find(|f| f["file"] == "unparsable/broken.yaml")
        .expect("broken.yaml is reported");
    assert_eq!(broken["rule"], "invalid-resource");
    assert_eq!(broken["line"], 8);
    assert!(
        broken["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot read a document of broken.yaml"))
    );
    assert!(
        findings
            .iter()
            .any(|f| f["file"] == "unparsable/ok.yaml" && f["rule"] == "min-replicas"),
        "{run:?}"
    );
    assert_eq!(report["summary"]["files"], 2);
}

#[test]
fn a_file_that_is_not_utf8_is_reported_where_it_breaks() {
    let dir = TempDir::new("latin1");
    std::fs::write(
        dir.path().join("latin1.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
    )
    .expect("written");
    dir.write("ok.yaml", &fixture("unparsable/ok.yaml"));
    let run = run_in(dir.path(), &["lint", "--no-config", "--format", "json", "."], None, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    let locs = locations(&run.json());
    assert_eq!(
        locs[0],
        (
            "latin1.yaml".to_string(),
            4,
            12,
            "invalid-resource".to_string(),
            "error".to_string()
        )
    );
    assert!(locs.iter().any(|l| l.0 == "ok.yaml" && l.3 == "min-replicas"));
    assert_eq!(run.json()["summary"]["files"], 2);
}

#[test]
fn unknown_fields_are_reported_with_the_closest_name() {
    let run = promha(&["lint", "--format", "json", "unknown-field.yaml"]);
    let report = run.json();
    let finding = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "invalid-resource")
        .expect("the unknown field is reported");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(7), Some(3))
    );
    assert_eq!(finding["fix"], "rename `replica` to `replicas`");
}

// ---------------------------------------------------------------- settings

const SINGLE_PROMETHEUS: &str = "unparsable/ok.yaml";

#[test]
fn config_is_found_upward_from_the_working_directory() {
    let dir = TempDir::new("discover");
    dir.write(
        ".promha.yaml",
        "rules:\n  min-replicas: off\n  persistent-storage: error\n",
    );
    let nested = dir.path().join("a/b/c");
    std::fs::create_dir_all(&nested).expect("dirs");
    dir.write("a/b/c/prom.yaml", &fixture(SINGLE_PROMETHEUS));

    let run = run_in(&nested, &["lint", "--format", "json", "prom.yaml"], None, &[]);
    let locs = locations(&run.json());
    assert!(!locs.iter().any(|l| l.3 == "min-replicas"), "{run:?}");
    assert!(
        locs.iter().any(|l| l.3 == "persistent-storage" && l.4 == "error"),
        "{run:?}"
    );

    // --no-config ignores it.
    let run = run_in(
        &nested,
        &["lint", "--no-config", "--format", "json", "prom.yaml"],
        None,
        &[],
    );
    assert!(rules_of(&run.json()).contains("min-replicas"), "{run:?}");

    // A nearer file wins.
    dir.write("a/b/.promha.yaml", "minReplicas: 1\n");
    let run = run_in(&nested, &["lint", "--format", "json", "prom.yaml"], None, &[]);
    let locs = locations(&run.json());
    assert!(!locs.iter().any(|l| l.3 == "min-replicas"), "{run:?}");
    assert!(
        locs.iter().any(|l| l.3 == "persistent-storage" && l.4 == "warning"),
        "the nearer file replaces the farther one: {run:?}"
    );
}

#[test]
fn config_option_and_rule_overrides() {
    let dir = TempDir::new("config-option");
    let config = dir.write(
        "settings/promha.yaml",
        "minReplicas: 3\nexemptNamespaces: [kube-system]\n",
    );
    dir.write("prom.yaml", &fixture("cross-file/prometheus.yaml"));
    let config = config.to_str().expect("utf-8 path");

    // minReplicas: 3 makes 2 replicas too few.
    let run = run_in(
        dir.path(),
        &["lint", "--config", config, "--format", "json", "prom.yaml"],
        None,
        &[],
    );
    let report = run.json();
    let min = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "min-replicas")
        .unwrap_or_else(|| panic!("min-replicas with minReplicas: 3: {run:?}"));
    assert!(min["message"].as_str().is_some_and(|m| m.contains('3')), "{min}");

    // --rule turns it into a warning, then off; the last word wins.
    let run = run_in(
        dir.path(),
        &[
            "lint",
            "-c",
            config,
            "-r",
            "min-replicas=warning",
            "--format",
            "json",
            "prom.yaml",
        ],
        None,
        &[],
    );
    let locs = locations(&run.json());
    assert!(
        locs.iter().any(|l| l.3 == "min-replicas" && l.4 == "warning"),
        "{run:?}"
    );
    let run = run_in(
        dir.path(),
        &[
            "lint",
            "-c",
            config,
            "--rule",
            "min-replicas=warning",
            "--rule=min-replicas=off",
            "--rule",
            "pod-disruption-budget=error",
            "--format",
            "json",
            "prom.yaml",
        ],
        None,
        &[],
    );
    let locs = locations(&run.json());
    assert!(!locs.iter().any(|l| l.3 == "min-replicas"), "{run:?}");
    assert!(
        locs.iter().any(|l| l.3 == "pod-disruption-budget" && l.4 == "error"),
        "{run:?}"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn a_bad_config_exits_2_naming_the_file_and_the_key() {
    let dir = TempDir::new("bad-config");
    dir.write(".promha.yaml", "minReplica: 2\nantiAffinity: always\n");
    dir.write("prom.yaml", &fixture(SINGLE_PROMETHEUS));
    let run = run_in(dir.path(), &["lint", "prom.yaml"], None, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(".promha.yaml"), "{run:?}");
    assert!(run.stderr.contains("`minReplica`"), "{run:?}");
    assert!(run.stderr.contains("did you mean `minReplicas`"), "{run:?}");
    assert!(run.stderr.contains("`antiAffinity`"), "{run:?}");
    assert!(run.stdout.is_empty());

    dir.write(".promha.yaml", "rules: [\n");
    let run = run_in(dir.path(), &["lint", "prom.yaml"], None, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(".promha.yaml") && run.stderr.contains("cannot read settings"),
        "{run:?}"
    );

    let run = run_in(
        dir.path(),
        &["lint", "--config", "missing.yaml", "prom.yaml"],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("missing.yaml: config file not found"), "{run:?}");
}

// ---------------------------------------------------------------- --crd

#[test]
fn crds_from_the_corpus_catch_typos_the_compact_schema_does_not_model() {
    let Some(corpus) = corpus() else { return };
    let crds = corpus.join("crds");
    let crds = crds.to_str().expect("utf-8 path");
    let without = promha(&["lint", "--format", "json", "crd/typo.yaml"]);
    assert_eq!(without.code, 0, "{without:?}");

    let run = promha(&["lint", "--format", "json", "--crd", crds, "crd/typo.yaml"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "invalid-resource");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(27), Some(5))
    );
    assert!(
        finding["message"]
            .as_str()
            .is_some_and(|m| m.contains("spec.web.pageTitel") && m.contains("monitoring.coreos.com_prometheuses.yaml")),
        "{finding}"
    );
    assert_eq!(finding["fix"], "rename `pageTitel` to `pageTitle`");

    // A single CRD file works too, and repeated --crd options add up.
    let prometheuses = corpus.join("crds/monitoring.coreos.com_prometheuses.yaml");
    let alertmanagers = corpus.join("crds/monitoring.coreos.com_alertmanagers.yaml");
    let run = promha(&[
        "lint",
        "--format",
        "json",
        "--crd",
        alertmanagers.to_str().expect("utf-8"),
        "--crd",
        prometheuses.to_str().expect("utf-8"),
        "crd/typo.yaml",
    ]);
    assert_eq!(run.json()["findings"][0]["fix"], "rename `pageTitel` to `pageTitle`");
}

#[test]
fn a_bad_crd_argument_exits_2() {
    let run = promha(&["lint", "--crd", "cross-file", "cross-file"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no CustomResourceDefinition"), "{run:?}");

    let run = promha(&["lint", "--crd", "no-such-dir", "cross-file"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no-such-dir: no such file or directory"), "{run:?}");

    let dir = TempDir::new("bad-crd");
    dir.write(
        "broken-crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec: [\n",
    );
    dir.write(
        "incomplete-crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x.example.com}\nspec: {}\n",
    );
    dir.write("prom.yaml", &fixture(SINGLE_PROMETHEUS));
    let run = run_in(
        dir.path(),
        &["lint", "--no-config", "--crd", "broken-crd.yaml", "prom.yaml"],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("broken-crd.yaml: line"), "{run:?}");
    let run = run_in(
        dir.path(),
        &["lint", "--no-config", "--crd", "incomplete-crd.yaml", "prom.yaml"],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("CRD x.example.com has no spec.group"), "{run:?}");
}

// ---------------------------------------------------------------- catalogue

#[test]
fn rules_lists_every_rule() {
    let run = promha(&["rules"]);
    assert_eq!(run.code, 0);
    for rule in RULES {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(rule.id))
            .unwrap_or_else(|| panic!("{} is not listed: {run:?}", rule.id));
        assert!(
            line.contains(rule.severity.as_str()) && line.ends_with(rule.summary),
            "{line}"
        );
    }
}

#[test]
fn rules_as_markdown_is_a_table_of_the_catalogue() {
    let run = promha(&["rules", "--format", "markdown"]);
    assert_eq!(run.code, 0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "| Rule | Default severity | Summary |");
    assert_eq!(lines[1], "| --- | --- | --- |");
    assert_eq!(lines.len(), RULES.len() + 2);
    for (line, rule) in lines[2..].iter().zip(RULES) {
        assert_eq!(
            *line,
            format!("| `{}` | {} | {} |", rule.id, rule.severity.as_str(), rule.summary)
        );
    }
}

#[test]
fn rules_as_json() {
    let run = promha(&["rules", "--format", "json"]);
    let rules = run.json();
    let rules = rules.as_array().expect("an array");
    assert_eq!(rules.len(), RULES.len());
    for (rule, core) in rules.iter().zip(RULES) {
        assert_eq!(rule["id"], core.id);
        assert_eq!(rule["severity"], core.severity.as_str());
        assert_eq!(rule["summary"], core.summary);
        assert_eq!(rule["doc"], core.doc);
        assert_eq!(rule["badExample"], core.bad_example);
        assert_eq!(rule["goodExample"], core.good_example);
    }
}

#[test]
fn explain_prints_the_doc_and_both_examples() {
    for rule in RULES {
        let run = promha(&["explain", rule.id]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout
                .starts_with(&format!("{} (default severity: {})", rule.id, rule.severity.as_str()))
        );
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words(&run.stdout).contains(&words(rule.doc)), "{}", rule.id);
        let (reported, fixed) = run.stdout.split_once("\nFixed:\n").expect("a Fixed section");
        assert!(reported.contains("\nReported:\n"), "{}", rule.id);
        for line in rule.bad_example.lines().filter(|l| !l.trim().is_empty()) {
            assert!(reported.contains(&format!("    {line}")), "{}: {line}", rule.id);
        }
        for line in rule.good_example.lines().filter(|l| !l.trim().is_empty()) {
            assert!(fixed.contains(&format!("    {line}")), "{}: {line}", rule.id);
        }
    }
}

#[test]
fn explain_an_unknown_rule_lists_the_rules_and_suggests_one() {
    let run = promha(&["explain", "anti-afinity"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("did you mean 'anti-affinity'"), "{run:?}");
    for rule in RULES {
        assert!(run.stderr.contains(rule.id), "{run:?}");
    }
    assert!(run.stdout.is_empty());
}

#[test]
fn version_and_help() {
    let run = promha(&["--version"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, format!("promha {}\n", env!("CARGO_PKG_VERSION")));
    let run = promha(&["--help"]);
    assert_eq!(run.code, 0);
    for command in ["lint", "rules", "explain"] {
        assert!(run.stdout.contains(command), "{run:?}");
    }
    let run = promha(&["lint", "--help"]);
    assert_eq!(run.code, 0);
    for option in ["--format", "--config", "--rule", "--crd", "--strict", "--no-config"] {
        assert!(run.stdout.contains(option), "{option}: {run:?}");
    }
    assert_eq!(promha(&["help", "explain"]).code, 0);
}

// ---------------------------------------------------------------- examples and corpus

#[test]
fn every_rules_examples_behave_through_the_cli() {
    let mut checked = 0;
    for entry in std::fs::read_dir(core_rules_dir()).expect("rules dir") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        let id = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .replace('_', "-");
        assert!(promha_core::rule(&id).is_some(), "{id} is a rule");
        let bad = dir.join("bad.yaml");
        let run = promha(&["lint", "--format", "json", bad.to_str().expect("utf-8")]);
        let rules = rules_of(&run.json());
        assert!(rules.contains(&id), "{id}: bad.yaml is not reported: {run:?}");
        let good = dir.join("good.yaml");
        let run = promha(&["lint", "--format", "json", good.to_str().expect("utf-8")]);
        assert_eq!(run.code, 0, "{id}: good.yaml is reported: {run:?}");
        assert_eq!(run.json()["findings"], json!([]), "{id}");
        checked += 1;
    }
    assert_eq!(checked, RULES.len(), "a directory of examples per rule");
}

#[test]
fn the_whole_shared_corpus_lints_without_crashing() {
    let Some(corpus) = corpus() else { return };
    let path = corpus.to_str().expect("utf-8 path");
    for format in ["json", "text", "sarif", "github"] {
        let run = promha(&["lint", "--format", format, path]);
        assert!(matches!(run.code, 0 | 1), "{format}: {run:?}");
        if format == "json" {
            let report = run.json();
            let lintable = count_lintable(&corpus);
            assert_eq!(report["summary"]["files"], lintable, "{run:?}");
            assert!(report["summary"]["documents"].as_u64().is_some_and(|d| d > 0));
        }
        if format == "sarif" {
            assert!(sarif_schema().validate(&run.json()).is_ok());
        }
    }
    // With the CRDs, the operator's own examples validate against them.
    let crds = corpus.join("crds");
    let run = promha(&["lint", "--format", "json", "--crd", crds.to_str().expect("utf-8"), path]);
    assert!(matches!(run.code, 0 | 1), "{run:?}");
}

fn count_lintable(dir: &Path) -> usize {
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("readable") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().to_lowercase();
        if name.starts_with('.') || name == "node_modules" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            count += count_lintable(&path);
        } else if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json") {
            count += 1;
        }
    }
    count
}

/// The README's rule list is the catalogue's; `make readme` regenerates it.
#[test]
fn readme_rule_list_is_the_catalogue() {
    let run = promha(&["rules", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{run:?}");
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("README.md");
    let start = readme.find("<!-- rules:start").expect("a rules:start marker");
    let after_marker = start + readme[start..].find("-->").expect("the end of the marker") + "-->".len();
    let end = readme.find("<!-- rules:end -->").expect("a rules:end marker");
    assert_eq!(
        readme[after_marker..end].trim(),
        run.stdout.trim(),
        "README.md's rule list is out of date: run `make readme`"
    );
}
