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
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
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
    // The code frame: the line, a caret under the field, then the fix.
    assert_eq!(
        &lines[i + 1..i + 5],
        &[
            "  |",
            "7 |   replicas: 1",
            "  |   ^^^^^^^^",
            "  fix: set spec.replicas: 2"
        ],
        "{run:?}"
    );
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

/// The text without its SGR escape sequences.
fn strip_styles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find(|c: char| c.is_ascii_alphabetic())
            .map_or(after.len(), |e| e + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Whether `word` is written between two escape sequences: styled.
fn is_styled(text: &str, word: &str) -> bool {
    text.contains(&format!("m{word}\x1b["))
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let plain = promha(&["lint", "unparsable/ok.yaml"]);
    assert!(
        !plain.stdout.contains('\x1b'),
        "no colour when not on a terminal: {plain:?}"
    );
    let always = promha(&["lint", "--color", "always", "unparsable/ok.yaml"]);
    assert!(is_styled(&always.stdout, "error"), "{always:?}");
    assert!(is_styled(&always.stdout, "warning"), "{always:?}");
    // The caret line of the frame is styled too.
    assert!(is_styled(&always.stdout, "^^^^^^^^"), "{always:?}");
    assert_eq!(
        strip_styles(&always.stdout),
        plain.stdout,
        "colour adds styling and nothing else"
    );
    let never = promha(&["lint", "--color=never", "unparsable/ok.yaml"]);
    assert_eq!(never.stdout, plain.stdout);
    // Standard error is styled alike.
    let missing = promha(&["lint", "--color", "always", "missing.yaml"]);
    assert!(is_styled(&missing.stderr, "error:"), "{missing:?}");

    // The environment, standard output being a pipe: CLICOLOR_FORCE forces
    // colour, a non-empty NO_COLOR wins over it, the command line over both.
    let with_env = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["lint"];
        all.extend(args);
        all.push("unparsable/ok.yaml");
        run_in(&fixtures(), &all, None, env).stdout
    };
    assert!(is_styled(&with_env(&[], &[("CLICOLOR_FORCE", "1")]), "error"));
    assert!(!with_env(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'));
    assert!(
        is_styled(&with_env(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]), "error"),
        "an empty NO_COLOR is unset"
    );
    assert!(is_styled(
        &with_env(&["--color", "always"], &[("NO_COLOR", "1")]),
        "error"
    ));
    assert!(!with_env(&["--colour", "never"], &[("CLICOLOR_FORCE", "1")]).contains('\x1b'));
    // Other formats are never styled.
    let json = run_in(
        &fixtures(),
        &["lint", "--color", "always", "--format", "json", "unparsable/ok.yaml"],
        None,
        &[],
    );
    assert!(!json.stdout.contains('\x1b'), "{json:?}");

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
            .env_remove("CLICOLOR")
            .env_remove("CLICOLOR_FORCE")
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
    assert!(is_styled(&coloured, "error"), "a terminal gets colour: {coloured:?}");
    assert!(is_styled(&on_terminal(Some("")), "error"), "an empty NO_COLOR is unset");
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
        // help.text is explain's text: the doc wrapped at 80 columns.
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words(help).contains(&words(core.doc)), "{}", core.id);
        assert!(markdown.contains(core.doc), "{}", core.id);
        let explained = promha(&["explain", core.id]).stdout;
        assert!(
            explained.ends_with(help),
            "explain and SARIF render the help once: {}",
            core.id
        );
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

    // clap's usage errors: exit 2, on standard error, with a suggestion.
    let run = promha(&["lint", "--frmat", "json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("a similar argument exists: '--format'"), "{run:?}");
    assert!(run.stderr.contains("Usage: promha lint"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    for args in [
        &["lint", "--format"][..],
        &["lint", "--strict=yes"],
        &["lint", "--config", "a.yaml", "--no-config"],
        &["lint", "--stdin-filename", "", "-"],
        &["lint", "--color", "sometimes"],
        &["rules", "extra"],
        &["rules", "--format", "yaml"],
        &["explain"],
        &["explain", "min-replicas", "anti-affinity"],
        &["completions"],
        &["completions", "tcsh"],
        &["--no-such-option"],
    ] {
        let run = promha(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.starts_with("error: "), "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
    }
    let run = promha(&["lint", "--format", "jsn"]);
    assert!(run.stderr.contains("a similar value exists: 'json'"), "{run:?}");

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
    assert!(run.stderr.contains("unrecognized subcommand 'frobnicate'"), "{run:?}");
    let run = promha(&["lnt"]);
    assert!(run.stderr.contains("a similar subcommand exists: 'lint'"), "{run:?}");

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

/// The files of a JSON report's findings, sorted and deduplicated.
fn reported_files(run: &Run) -> BTreeSet<String> {
    locations(&run.json()).into_iter().map(|l| l.0).collect()
}

/// A single-replica Prometheus in namespace `ns`: one min-replicas error.
fn single_in(ns: &str) -> String {
    fixture("unparsable/ok.yaml").replace("team-a", ns)
}

#[test]
fn ignore_files_are_honoured_as_ripgrep_does() {
    let dir = TempDir::new("ignore-files");
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".config/git")).expect("home");
    std::fs::write(home.join(".config/git/ignore"), "*.global.yaml\n").expect("global excludes");
    let repo = dir.path().join("repo");
    for name in [
        "kept.yaml",
        "build/out.yaml",
        "gen.yaml",
        "local.yaml",
        "x.global.yaml",
        "dot-ignored.yaml",
    ] {
        dir.write(&format!("repo/{name}"), &single_in("team-a"));
    }
    dir.write("repo/.gitignore", "build/\ngen.yaml\n# a comment\n");
    dir.write("repo/.ignore", "dot-ignored.yaml\n");
    // The user's own git configuration must not leak into the test.
    let config_home = home.join(".config");
    let env = [
        ("HOME", home.to_str().expect("utf-8")),
        ("XDG_CONFIG_HOME", config_home.to_str().expect("utf-8")),
        ("GIT_CONFIG_NOSYSTEM", "1"),
    ];
    let lint = |args: &[&str]| {
        let mut all = vec!["lint", "--no-config", "--format", "json"];
        all.extend(args);
        run_in(&repo, &all, None, &env)
    };
    let all_but_dot_ignored: BTreeSet<String> =
        ["build/out.yaml", "gen.yaml", "kept.yaml", "local.yaml", "x.global.yaml"]
            .map(String::from)
            .into();

    // Outside a git repository, as in ripgrep, .gitignore and git's global
    // excludes do not count; .ignore does.
    let run = lint(&[]);
    assert_eq!(reported_files(&run), all_but_dot_ignored, "{run:?}");

    // Inside one they do, and so does .git/info/exclude.
    dir.write("repo/.git/info/exclude", "local.yaml\n");
    let run = lint(&[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        reported_files(&run),
        BTreeSet::from(["kept.yaml".to_string()]),
        "{run:?}"
    );
    // From a subdirectory's parent too (the .gitignore above the walk counts).
    let run = run_in(&repo, &["lint", "--no-config", "--format", "json", "build"], None, &env);
    assert_eq!(
        reported_files(&run),
        BTreeSet::from(["build/out.yaml".to_string()]),
        "a directory named explicitly is walked: {run:?}"
    );

    // Files named explicitly are linted whatever the ignore files say.
    let run = lint(&["gen.yaml", "dot-ignored.yaml", "x.global.yaml"]);
    assert_eq!(
        reported_files(&run),
        ["dot-ignored.yaml", "gen.yaml", "x.global.yaml"]
            .map(String::from)
            .into(),
        "{run:?}"
    );

    // A bad line in an ignore file is a note; the other lines still apply.
    dir.write("repo/.ignore", "dot-ignored.yaml\n{unclosed\n");
    let run = lint(&[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("note:") && run.stderr.contains("{unclosed"),
        "{run:?}"
    );
    assert_eq!(
        reported_files(&run),
        BTreeSet::from(["kept.yaml".to_string()]),
        "{run:?}"
    );
}

#[test]
fn exclude_option_and_setting_leave_files_out() {
    let dir = TempDir::new("exclude");
    for name in [
        "deploy/prometheus.yaml",
        "deploy/alerts.tmpl.yaml",
        "charts/p/templates/p.yaml",
        "charts/values.yaml",
        "other/charts/x.yaml",
    ] {
        dir.write(name, &single_in("team-a"));
    }
    let lint = |cwd: &Path, args: &[&str]| {
        let mut all = vec!["lint", "--format", "json"];
        all.extend(args);
        run_in(cwd, &all, None, &[])
    };
    let files = |names: &[&str]| -> BTreeSet<String> { names.iter().map(|n| n.to_string()).collect() };

    let run = lint(
        dir.path(),
        &["--no-config", "--exclude", "charts/**", "--exclude=*.tmpl.yaml"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        reported_files(&run),
        files(&["deploy/prometheus.yaml", "other/charts/x.yaml"]),
        "charts/** is anchored at the working directory, *.tmpl.yaml matches at any depth: {run:?}"
    );
    let run = lint(
        dir.path(),
        &["--no-config", "--exclude", "charts", "--exclude", "!other/charts"],
    );
    assert_eq!(
        reported_files(&run),
        files(&[
            "deploy/alerts.tmpl.yaml",
            "deploy/prometheus.yaml",
            "other/charts/x.yaml"
        ]),
        "{run:?}"
    );

    // The settings' exclude: the same globs, relative to the settings file's
    // directory, wherever promha runs.
    dir.write(".promha.yaml", "exclude: ['charts/**', '*.tmpl.yaml']\n");
    let run = lint(dir.path(), &[]);
    assert_eq!(
        reported_files(&run),
        files(&["deploy/prometheus.yaml", "other/charts/x.yaml"]),
        "{run:?}"
    );
    let run = lint(&dir.path().join("charts"), &["."]);
    assert_eq!(run.code, 0, "charts/** of the settings' directory: {run:?}");
    assert!(run.stderr.contains("no YAML or JSON files found"), "{run:?}");
    // --exclude adds to it.
    let run = lint(dir.path(), &["--exclude", "other/"]);
    assert_eq!(reported_files(&run), files(&["deploy/prometheus.yaml"]), "{run:?}");

    // A file named explicitly is linted anyway, unless --force-exclude (as
    // ruff does; pre-commit names files explicitly).
    let run = lint(dir.path(), &["deploy/alerts.tmpl.yaml", "charts/values.yaml"]);
    assert_eq!(
        reported_files(&run),
        files(&["charts/values.yaml", "deploy/alerts.tmpl.yaml"]),
        "{run:?}"
    );
    let run = lint(
        dir.path(),
        &[
            "--force-exclude",
            "deploy/alerts.tmpl.yaml",
            "charts/values.yaml",
            "deploy/prometheus.yaml",
        ],
    );
    assert_eq!(reported_files(&run), files(&["deploy/prometheus.yaml"]), "{run:?}");
    let run = lint(dir.path(), &["--force-exclude", "charts"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["summary"]["files"], 0, "{run:?}");
    // Standard input goes by its --stdin-filename.
    let stdin = |args: &[&str]| {
        let mut all = vec!["lint", "--format", "json", "--stdin-filename", "charts/p.yaml"];
        all.extend(args);
        all.push("-");
        run_in(dir.path(), &all, Some(&single_in("team-s")), &[])
    };
    assert_eq!(stdin(&[]).json()["summary"]["files"], 1);
    assert_eq!(stdin(&["--force-exclude"]).json()["summary"]["files"], 0);

    // Bad globs are errors naming where they are.
    dir.write(".promha.yaml", "exclude: ['ok/**', '{unclosed']\n");
    let run = lint(dir.path(), &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains(".promha.yaml: `exclude` \"{unclosed\" is not a valid glob"),
        "{run:?}"
    );
    dir.write(".promha.yaml", "exclude: charts/**\n");
    let run = lint(dir.path(), &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("`exclude` must be a list of strings"), "{run:?}");
    let run = lint(dir.path(), &["--no-config", "--exclude", "[z-a]"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("'--exclude <GLOB>'") && run.stderr.contains("invalid range"),
        "{run:?}"
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_directory_fails_the_run_after_the_rest_is_linted() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("unreadable");
    dir.write("tree/a.yaml", &single_in("team-a"));
    dir.write("tree/locked/b.yaml", &single_in("team-b"));
    let locked = dir.path().join("tree/locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read_dir(&locked).is_ok() {
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        eprintln!("skipped: this user reads directories without read permission (root)");
        return;
    }
    let run = run_in(
        dir.path(),
        &["lint", "--no-config", "--format", "json", "tree"],
        None,
        &[],
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("tree/locked: permission denied"), "{run:?}");
    assert_eq!(
        reported_files(&run),
        BTreeSet::from(["tree/a.yaml".to_string()]),
        "{run:?}"
    );
}

#[test]
fn an_empty_directory_is_clean_with_a_note() {
    let dir = TempDir::new("empty");
    std::fs::create_dir_all(dir.path().join("nothing")).expect("dir");
    let run = run_in(dir.path(), &["lint", "--no-config", "nothing"], None, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("no YAML or JSON files found"), "{run:?}");
}

/// The README's one-liner, `kubectl get … pods -A -o yaml | promha lint -`,
/// on the bundled example of what it prints: the pods' placement and
/// readiness are reported on the lines of their workloads.
#[test]
fn the_clusters_report_on_stdin_shows_where_replicas_run() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/cluster/kubectl-get.yaml");
    let text = std::fs::read_to_string(&path).expect("the cluster example");
    let run = run_in(&fixtures(), &["lint", "--format", "json", "-"], Some(&text), &[]);
    assert_eq!(run.code, 1, "{run:?}");
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).expect("in the example") as u64 + 1;
    assert_eq!(
        locations(&run.json()),
        [
            (
                "<stdin>".to_string(),
                line_of("name: k8s"),
                5,
                "co-scheduled".to_string(),
                "error".to_string()
            ),
            (
                "<stdin>".to_string(),
                line_of("name: main"),
                5,
                "replicas-ready".to_string(),
                "warning".to_string()
            ),
        ]
    );
    let text_run = run_in(&fixtures(), &["lint", "-"], Some(&text), &[]);
    assert!(
        text_run
            .stdout
            .contains("prometheus-k8s-0 and prometheus-k8s-1 on node worker-1"),
        "{text_run:?}"
    );
    // Placement is no edit of a file: fix has nothing to change, says both
    // findings are left for a person, with their fix, and fails for the error.
    let fix_run = run_in(&fixtures(), &["fix", "--diff", "-"], Some(&text), &[]);
    assert_eq!((fix_run.code, fix_run.stdout.as_str()), (1, ""), "{fix_run:?}");
    assert!(
        fix_run.stderr.contains("2 left (2 need a choice")
            && fix_run
                .stderr
                .contains("kubectl delete pod -n monitoring prometheus-k8s-1"),
        "{fix_run:?}"
    );
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

// ---------------------------------------------------------------- code frames

/// The lines of the frame under the first finding of `rule`: from the
/// header line to the fix line.
fn frame_of<'a>(stdout: &'a str, rule: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = stdout.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains(&format!("[{rule}]")))
        .unwrap_or_else(|| panic!("no {rule} finding:\n{stdout}"));
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("  fix:"))
        .map_or(lines.len(), |e| start + 1 + e);
    lines[start..end].to_vec()
}

/// The code line of a frame (`N | text`) and the column, in characters, of
/// the first caret under it, counted in the code's own text.
fn caret(frame: &[&str], line_number: u32) -> (String, usize) {
    let prefix = format!("{line_number} | ");
    let code_index = frame
        .iter()
        .position(|l| l.trim_start().starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line {line_number} in {frame:#?}"));
    let code = frame[code_index];
    let text_start = code.find(&prefix).expect("prefix") + prefix.len();
    let carets = frame[code_index + 1];
    let first = carets.find('^').unwrap_or_else(|| panic!("no caret in {frame:#?}"));
    let column = carets[text_start..first].chars().count() + 1;
    (code[text_start..].to_string(), column)
}

#[test]
fn a_code_frame_shows_the_line_and_a_caret_at_the_findings_column() {
    let run = promha(&["lint", "--format", "json", "unknown-field.yaml"]);
    let report = run.json();
    let text = promha(&["lint", "unknown-field.yaml"]).stdout;
    let source = fixture("unknown-field.yaml");
    let source_lines: Vec<&str> = source.lines().collect();
    for finding in report["findings"].as_array().expect("findings") {
        let rule = finding["rule"].as_str().expect("rule");
        let (line, column) = (
            finding["line"].as_u64().expect("line"),
            finding["column"].as_u64().expect("column"),
        );
        // The first finding of each rule is the one frame_of finds.
        if report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == rule)
            != Some(finding)
        {
            continue;
        }
        let frame = frame_of(&text, rule);
        assert!(
            frame[0].starts_with(&format!("unknown-field.yaml:{line}:{column}: ")),
            "{frame:#?}"
        );
        let (code, caret_column) = caret(&frame, line as u32);
        assert_eq!(code, source_lines[line as usize - 1], "{rule}: the finding's line");
        assert_eq!(
            caret_column as u64, column,
            "{rule}: the caret under the column: {frame:#?}"
        );
    }
    // The unknown field is underlined whole, and nothing more.
    let frame = frame_of(&text, "invalid-resource");
    assert!(
        frame.iter().any(|l| l.trim_end().ends_with("|   ^^^^^^^")),
        "{frame:#?}"
    );

    // The frame shows the text that was linted: standard input's too.
    let edited = fixture("unparsable/ok.yaml").replace("replicas: 1", "replicas:  1   # one");
    let run = run_in(
        &fixtures(),
        &["lint", "--stdin-filename", "k8s/p.yaml", "-"],
        Some(&edited),
        &[],
    );
    let frame = frame_of(&run.stdout, "min-replicas");
    assert_eq!(caret(&frame, 7), ("  replicas:  1   # one".to_string(), 3), "{run:?}");
}

#[test]
fn findings_without_text_or_position_get_no_frame_and_long_lines_are_cut() {
    // A file that is not UTF-8 has no text to show.
    let dir = TempDir::new("frames");
    std::fs::write(
        dir.path().join("latin1.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
    )
    .expect("written");
    let run = run_in(dir.path(), &["lint", "--no-config", "latin1.yaml"], None, &[]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("latin1.yaml:4:12: error[invalid-resource]"),
        "{run:?}"
    );
    assert!(
        lines[1].starts_with("  fix:") || lines[1].is_empty(),
        "no frame: {run:?}"
    );

    // A one-line JSON file of 400 kB: the frame is cut around the field.
    let padding = "x".repeat(200_000);
    let json = format!(
        r#"{{"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "metadata": {{"name": "p", "namespace": "n", "annotations": {{"a": "{padding}", "b": "{padding}"}}}}, "spec": {{"replicas": 1}}}}"#
    );
    dir.write("long.json", &json);
    let run = run_in(dir.path(), &["lint", "--no-config", "long.json"], None, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.len() < 10_000, "{} bytes of output", run.stdout.len());
    let frame = frame_of(&run.stdout, "min-replicas");
    assert!(
        frame
            .iter()
            .any(|l| l.contains("...") && l.contains(r#""replicas": 1"#)),
        "{frame:#?}"
    );
    assert!(frame.iter().any(|l| l.contains("^^^^^^^^^^")), "{frame:#?}");
}

// ---------------------------------------------------------------- completions

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = promha(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {run:?}");
        assert!(run.stderr.is_empty(), "{shell}: {run:?}");
        for word in ["lint", "explain", "exclude", "force-exclude", "format"] {
            assert!(run.stdout.contains(word), "{shell}: no {word} in the script");
        }
        // clap_complete offers option values in bash, zsh and fish, and a
        // positional's values (explain's rule ids) in bash and zsh.
        if matches!(shell, "bash" | "zsh" | "fish") {
            assert!(run.stdout.contains("sarif"), "{shell}: no format values");
        }
        if matches!(shell, "bash" | "zsh") {
            assert!(run.stdout.contains("min-replicas"), "{shell}: no rule ids");
        }
    }
    // The bash script is valid bash, when bash is installed.
    let script = promha(&["completions", "bash"]).stdout;
    match Command::new("bash").args(["-n", "-c", &script]).output() {
        Ok(out) => assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => eprintln!("skipped the bash syntax check: bash is not installed"),
    }
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
    assert_eq!(promha(&["-V"]).stdout, run.stdout);
    let run = promha(&["--help"]);
    assert_eq!(run.code, 0);
    for command in ["lint", "rules", "explain", "completions"] {
        assert!(run.stdout.contains(command), "{run:?}");
    }
    for args in [&["lint", "--help"][..], &["lint", "-h"], &["help", "lint"]] {
        let run = promha(args);
        assert_eq!(run.code, 0, "{args:?}");
        for option in [
            "--format",
            "--config",
            "--rule",
            "--crd",
            "--exclude",
            "--force-exclude",
            "--strict",
            "--no-config",
            "--color",
            "--stdin-filename",
        ] {
            assert!(run.stdout.contains(option), "{option}: {run:?}");
        }
        assert!(run.stderr.is_empty(), "{run:?}");
    }
    assert!(promha(&["lint", "--help"]).stdout.contains("Exit status: 0"));
    let run = promha(&["help", "explain"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Usage: promha explain <RULE>"), "{run:?}");
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

// ---- promha fix ----

fn examples(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/manifests")
        .join(kind)
}

/// The bundled broken examples, copied into a scratch directory.
fn broken_copy(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    for entry in std::fs::read_dir(examples("broken")).expect("examples") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("example");
        dir.write(&path.file_name().expect("a name").to_string_lossy(), &text);
    }
    dir
}

fn read_all(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| {
            let path = e.expect("entry").path();
            (
                path.file_name().expect("a name").to_string_lossy().into_owned(),
                std::fs::read_to_string(&path).expect("text"),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn fix_repairs_the_broken_examples_and_a_second_run_changes_nothing() {
    let dir = broken_copy("fix-examples");
    let before = read_all(dir.path());
    let lint_before = run_in(dir.path(), &["lint", "--no-config", "--format", "json", "."], None, &[]).json();
    let fixed = run_in(dir.path(), &["fix", "--no-config", "--format", "json", "."], None, &[]);
    let after = read_all(dir.path());
    assert_ne!(before, after, "{fixed:?}");
    let left = fixed.json();
    let count = |report: &Json| report["findings"].as_array().map_or(0, Vec::len);
    assert!(
        count(&left) < count(&lint_before) / 2,
        "most findings are fixed: {fixed:?}"
    );
    // The report is of the fixed files, as a lint of them says.
    let lint_after = run_in(dir.path(), &["lint", "--no-config", "--format", "json", "."], None, &[]).json();
    assert_eq!(left["findings"], lint_after["findings"]);
    assert_eq!(
        fixed.code,
        if lint_after["summary"]["errors"].as_u64() > Some(0) {
            1
        } else {
            0
        },
        "{fixed:?}"
    );
    assert!(
        fixed.stderr.contains("fixed ") && fixed.stderr.contains(" left"),
        "{fixed:?}"
    );
    // Each fixed file still reads as YAML of the same documents, plus new ones.
    for ((name, old), (_, new)) in before.iter().zip(&after) {
        let old_docs = old.matches("\n---").count();
        let new_docs = new.matches("\n---").count();
        assert!(new_docs >= old_docs, "{name} lost a document");
    }
    let again = run_in(dir.path(), &["fix", "--no-config", "."], None, &[]);
    assert_eq!(read_all(dir.path()), after, "a second fix changes nothing: {again:?}");
    assert!(again.stderr.contains("fixed 0 findings in 0 files"), "{again:?}");
}

#[test]
fn fix_diff_writes_nothing_and_its_patch_gives_the_fixed_files() {
    let dir = broken_copy("fix-diff");
    let before = read_all(dir.path());
    let diff = run_in(dir.path(), &["fix", "--diff", "--no-config", "."], None, &[]);
    assert_eq!(diff.code, 1, "a change to make fails --diff: {diff:?}");
    assert_eq!(read_all(dir.path()), before, "--diff writes nothing");
    assert!(diff.stdout.starts_with("--- a/"), "{diff:?}");
    assert!(diff.stderr.contains("would fix"), "{diff:?}");
    // `lint --fix --diff` is the same command.
    let lint_diff = run_in(dir.path(), &["lint", "--fix", "--diff", "--no-config", "."], None, &[]);
    assert_eq!(lint_diff.stdout, diff.stdout);
    // The diff applies with patch(1) to exactly what `fix` writes.
    let patched = broken_copy("fix-diff-patched");
    let mut patch = match Command::new("patch")
        .args(["-p1", "--quiet"])
        .current_dir(patched.path())
        .stdin(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(_) => {
            eprintln!("skipped the patch(1) half: patch is not installed");
            return;
        }
    };
    patch
        .stdin
        .take()
        .expect("stdin")
        .write_all(diff.stdout.as_bytes())
        .expect("diff written");
    assert!(patch.wait().expect("patch runs").success());
    let fixed = broken_copy("fix-diff-fixed");
    run_in(fixed.path(), &["lint", "--fix", "--no-config", "."], None, &[]);
    assert_eq!(read_all(patched.path()), read_all(fixed.path()));
    let clean = run_in(&examples("good"), &["fix", "--diff", "--no-config", "."], None, &[]);
    assert_eq!((clean.code, clean.stdout.as_str()), (0, ""), "{clean:?}");
}

#[test]
fn fix_keeps_line_breaks_byte_order_mark_and_everything_it_does_not_fix() {
    let dir = TempDir::new("fix-bytes");
    let text = "\u{feff}# keep me\r\napiVersion: monitoring.coreos.com/v1\r\nkind: Prometheus\r\nmetadata:\r\n  name: k8s   # odd spacing kept\r\n  namespace: monitoring\r\nspec:\r\n  replicas: 1 # one\r\n";
    let path = dir.write("p.yaml", text);
    let run = run_in(
        dir.path(),
        &[
            "fix",
            "--no-config",
            "-r",
            "pod-disruption-budget=off",
            "-r",
            "anti-affinity=off",
            "-r",
            "persistent-storage=off",
            "p.yaml",
        ],
        None,
        &[],
    );
    let after = std::fs::read_to_string(&path).expect("text");
    assert_eq!(after, text.replace("replicas: 1 # one", "replicas: 2 # one"), "{run:?}");
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn fix_leaves_templates_and_says_why() {
    let dir = TempDir::new("fix-template");
    let text = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: monitoring}\nspec:\n  replicas: 1\n  image: \"{{ .Values.image }}\"\n";
    let path = dir.write("t.yaml", text);
    let run = run_in(dir.path(), &["fix", "--no-config", "t.yaml"], None, &[]);
    assert_eq!(std::fs::read_to_string(&path).expect("text"), text);
    assert!(
        run.stderr
            .contains("not fixed: t.yaml:5: min-replicas: the file is a template"),
        "{run:?}"
    );
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn fix_of_standard_input_writes_the_fixed_text_to_standard_output() {
    let text = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main, namespace: monitoring}\nspec: {replicas: 1}\n";
    let run = run_in(
        &fixtures(),
        &[
            "fix",
            "--no-config",
            "-r",
            "pod-disruption-budget=off",
            "-r",
            "anti-affinity=off",
            "-r",
            "persistent-storage=off",
            "-",
        ],
        Some(text),
        &[],
    );
    assert_eq!(run.stdout, text.replace("{replicas: 1}", "{replicas: 2}"), "{run:?}");
    assert!(run.stderr.contains("fixed 1 finding in 1 file"), "{run:?}");
    let clean = run_in(&fixtures(), &["fix", "--no-config", "-"], Some("a: 1\n"), &[]);
    assert_eq!((clean.code, clean.stdout.as_str()), (0, "a: 1\n"), "{clean:?}");
}

// ---------------------------------------------------------------- helm

/// A copy of the rendered kube-prometheus-stack fixture and its values file.
fn helm_release() -> TempDir {
    let dir = TempDir::new("helm");
    for name in ["rendered.yaml", "my-values.yaml"] {
        dir.write(name, &fixture(&format!("helm/kube-prometheus-stack/{name}")));
    }
    dir
}

/// The JSON finding of a rule about a resource kind.
fn finding_of<'r>(report: &'r Json, rule: &str, kind: &str) -> &'r Json {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule && f["resource"]["kind"] == kind)
        .unwrap_or_else(|| panic!("no {rule} finding on a {kind}: {report:#}"))
}

#[test]
fn helm_output_names_the_template_and_the_values_key_without_values_files() {
    let dir = helm_release();
    let run = run_in(
        dir.path(),
        &["lint", "--no-config", "-f", "json", "rendered.yaml"],
        None,
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let prometheus = finding_of(&report, "min-replicas", "Prometheus");
    assert_eq!(
        (&prometheus["file"], &prometheus["line"]),
        (&json!("rendered.yaml"), &json!(150))
    );
    assert_eq!(
        prometheus["template"],
        "kube-prometheus-stack/templates/prometheus/prometheus.yaml"
    );
    assert_eq!(
        prometheus["fix"],
        "set prometheus.prometheusSpec.replicas: 2 in the chart's values"
    );
    assert_eq!(prometheus["chart"]["name"], "kube-prometheus-stack");
    assert_eq!(prometheus["chart"]["version"], "88.5.3", "from the chart label");
    assert_eq!(
        prometheus["chart"]["changes"],
        json!([{"key": "prometheus.prometheusSpec.replicas", "op": "set", "value": 2}])
    );
    assert!(
        prometheus.get("rendered").is_none(),
        "not placed on a values file: {prometheus:#}"
    );
    let alertmanager = finding_of(&report, "min-replicas", "Alertmanager");
    assert_eq!(
        alertmanager["fix"],
        "set alertmanager.alertmanagerSpec.replicas: 2 in the chart's values"
    );
    // The rendered stream is not edited: the chart's values are.
    let before = std::fs::read_to_string(dir.path().join("rendered.yaml")).expect("text");
    let fix = run_in(dir.path(), &["fix", "--no-config", "rendered.yaml"], None, &[]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rendered.yaml")).expect("text"),
        before
    );
    assert!(
        fix.stderr.contains(
            "not fixed: rendered.yaml:150: min-replicas: the object is rendered by the kube-prometheus-stack chart"
        ),
        "{fix:?}"
    );
    assert_eq!(fix.code, 1, "{fix:?}");
}

#[test]
fn helm_findings_land_on_the_values_files_lines_in_every_format() {
    let dir = helm_release();
    let args = |format: &str| {
        run_in(
            dir.path(),
            &[
                "lint",
                "--no-config",
                "-f",
                format,
                "--color",
                "never",
                "rendered.yaml",
                "--values",
                "my-values.yaml",
            ],
            None,
            &[],
        )
    };
    let json_run = args("json");
    assert_eq!(json_run.code, 1, "{json_run:?}");
    let report = json_run.json();
    let files: BTreeSet<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert_eq!(files, BTreeSet::from(["my-values.yaml"]), "{report:#}");
    assert_eq!(report["summary"]["files"], 1, "the values file is not a manifest");
    // A key the values file sets: its line. One it does not: its deepest parent there.
    let prometheus = finding_of(&report, "min-replicas", "Prometheus");
    assert_eq!((&prometheus["line"], &prometheus["column"]), (&json!(9), &json!(5)));
    assert_eq!(
        prometheus["fix"],
        "set prometheus.prometheusSpec.replicas: 2 in my-values.yaml"
    );
    assert_eq!(
        prometheus["rendered"],
        json!({"file": "rendered.yaml", "line": 150, "column": 3})
    );
    let alertmanager = finding_of(&report, "min-replicas", "Alertmanager");
    assert_eq!(
        (&alertmanager["line"], &alertmanager["column"]),
        (&json!(12), &json!(3))
    );
    assert_eq!(
        alertmanager["fix"],
        "set alertmanager.alertmanagerSpec.replicas: 2 in my-values.yaml"
    );

    let text = args("text");
    assert!(
        text.stdout.contains(
            "my-values.yaml:9:5: error[min-replicas] Prometheus monitoring/monitoring-kube-prometheus-prometheus:"
        ),
        "{text:?}"
    );
    assert!(
        text.stdout.contains(
            "helm: rendered at rendered.yaml:150:3 from kube-prometheus-stack/templates/prometheus/prometheus.yaml"
        ),
        "{text:?}"
    );
    let frame = frame_of(&text.stdout, "min-replicas");
    assert!(
        frame.iter().any(|l| l.ends_with("|     replicas: 1")),
        "the values file's line: {frame:#?}"
    );

    let sarif = args("sarif");
    let log = sarif.json();
    let errors: Vec<String> = sarif_schema().iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
    let result = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "min-replicas" && r["properties"]["resource"]["kind"] == "Prometheus")
        .expect("the Prometheus' min-replicas result");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "my-values.yaml");
    assert_eq!(location["region"]["startLine"], 9);
    let related = &result["relatedLocations"][0]["physicalLocation"];
    assert_eq!(related["artifactLocation"]["uri"], "rendered.yaml");
    assert_eq!(related["region"]["startLine"], 150);
    assert_eq!(result["properties"]["valuesKey"], "prometheus.prometheusSpec.replicas");

    let github = args("github");
    let line = github
        .stdout
        .lines()
        .find(|l| l.contains("min-replicas%3A Prometheus"))
        .unwrap_or_else(|| panic!("{github:?}"));
    assert!(line.starts_with("::error file=my-values.yaml,line=9,col=5,"), "{line}");
    assert!(
        line.contains("Fix: set prometheus.prometheusSpec.replicas: 2 in my-values.yaml"),
        "{line}"
    );
}

#[test]
fn helm_fix_edits_the_values_file_and_leaves_the_rendered_stream() {
    let dir = helm_release();
    let rendered = std::fs::read_to_string(dir.path().join("rendered.yaml")).expect("text");
    let values = dir.path().join("my-values.yaml");
    let before = std::fs::read_to_string(&values).expect("text");
    let args = ["fix", "--no-config", "rendered.yaml", "--values", "my-values.yaml"];
    let run = run_in(dir.path(), &args, None, &[]);
    let after = std::fs::read_to_string(&values).expect("text");
    assert_eq!(
        after,
        before
            .replace("    replicas: 1\n", "    replicas: 2\n")
            .replace("    logLevel: info\n", "    logLevel: info\n    replicas: 2\n"),
        "only the two keys change, the comments stay: {run:?}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rendered.yaml")).expect("text"),
        rendered
    );
    assert!(run.stderr.contains("fixed 2 findings in 1 file"), "{run:?}");
    assert!(run.stderr.contains("render the chart again"), "{run:?}");
    // What is left says the values already fix it.
    assert!(
        run.stdout
            .contains("my-values.yaml sets prometheus.prometheusSpec.replicas: 2, which fixes this"),
        "{run:?}"
    );
    let again = run_in(dir.path(), &args, None, &[]);
    assert_eq!(std::fs::read_to_string(&values).expect("text"), after, "{again:?}");
    assert!(again.stderr.contains("fixed 0 findings in 0 files"), "{again:?}");
    // --diff shows the values file's change and writes nothing.
    std::fs::write(&values, &before).expect("restored");
    let diff = run_in(
        dir.path(),
        &[
            "fix",
            "--diff",
            "--no-config",
            "rendered.yaml",
            "--values",
            "my-values.yaml",
        ],
        None,
        &[],
    );
    assert!(
        diff.stdout.contains("+++ my-values.yaml") || diff.stdout.contains("+++ b/my-values.yaml"),
        "{diff:?}"
    );
    assert!(diff.stdout.contains("-    replicas: 1\n+    replicas: 2\n"), "{diff:?}");
    assert_eq!(std::fs::read_to_string(&values).expect("text"), before);
}

#[test]
fn a_bad_values_file_is_reported_and_a_missing_one_fails_the_run() {
    let dir = helm_release();
    dir.write("list.yaml", "- a\n- b\n");
    let run = run_in(
        dir.path(),
        &[
            "lint",
            "--no-config",
            "-f",
            "json",
            "rendered.yaml",
            "--values",
            "list.yaml",
        ],
        None,
        &[],
    );
    let report = run.json();
    let invalid = finding_of(&report, "invalid-resource", "file");
    assert_eq!(invalid["file"], "list.yaml", "{report:#}");
    assert!(
        invalid["message"]
            .as_str()
            .is_some_and(|m| m.contains("a values file is a map of keys, not a list")),
        "{report:#}"
    );
    let missing = run_in(
        dir.path(),
        &["lint", "--no-config", "rendered.yaml", "--values", "nope.yaml"],
        None,
        &[],
    );
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing.stderr.contains("--values nope.yaml: no such file or directory"),
        "{missing:?}"
    );
}
