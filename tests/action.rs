//! action.yml, the composite GitHub Action: actionlint lints workflows, not
//! actions, so its structure is checked here, and its shell steps are run
//! with a stand-in `promha` to show that error findings fail the step unless
//! the user allows them, and that usage and I/O errors (exit status 2)
//! always fail it.

use std::path::{Path, PathBuf};
use std::process::Command;

use promha_core::yaml_to_json;
use serde_json::Value as Json;

fn action() -> Json {
    let path = format!("{}/action.yml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    yaml_to_json(&text).unwrap_or_else(|e| panic!("{path}: {e}")).remove(0)
}

fn steps(action: &Json) -> &Vec<Json> {
    action["runs"]["steps"].as_array().expect("runs.steps")
}

fn step<'a>(action: &'a Json, name: &str) -> &'a Json {
    steps(action)
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step named {name:?}"))
}

/// Every `${{ <context>.<name> }}` reference in `text`.
fn references<'a>(text: &'a str, context: &str) -> Vec<&'a str> {
    let prefix = format!("{context}.");
    let mut found = Vec::new();
    for expression in text.split("${{").skip(1) {
        let expression = expression.split("}}").next().unwrap_or_default();
        let mut rest = expression;
        while let Some(at) = rest.find(&prefix) {
            let name = &rest[at + prefix.len()..];
            let end = name
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(name.len());
            found.push(&name[..end]);
            rest = &name[end..];
        }
    }
    found
}

#[test]
fn action_is_a_well_formed_composite_action() {
    let action = action();
    let text = std::fs::read_to_string(format!("{}/action.yml", env!("CARGO_MANIFEST_DIR"))).unwrap();
    for key in ["name", "description"] {
        assert!(action[key].is_string(), "action.yml: no {key}");
    }
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().expect("inputs");
    for (name, input) in inputs {
        assert!(input["description"].is_string(), "input {name}: no description");
        // Composite actions get inputs as strings; a non-string default is a trap.
        assert!(
            input.get("default").is_none_or(Json::is_string),
            "input {name}: default must be a string"
        );
    }
    let used: Vec<&str> = references(&text, "inputs");
    for name in &used {
        assert!(inputs.contains_key(*name), "action.yml uses undeclared input {name}");
    }
    for name in inputs.keys() {
        assert!(used.contains(&name.as_str()), "input {name} is declared but never used");
    }
    let ids: Vec<&str> = steps(&action).iter().filter_map(|s| s["id"].as_str()).collect();
    for reference in references(&text, "steps") {
        assert!(
            ids.contains(&reference),
            "action.yml refers to unknown step {reference}"
        );
    }
    for (name, output) in action["outputs"].as_object().expect("outputs") {
        assert!(
            output["value"].is_string(),
            "output {name}: composite outputs need a value"
        );
    }
    for step in steps(&action) {
        let name = step["name"].as_str().expect("every step has a name");
        match (step.get("run"), step.get("uses")) {
            (Some(_), None) => assert_eq!(step["shell"], "bash", "{name}: run steps need `shell: bash`"),
            (None, Some(uses)) => {
                let uses = uses.as_str().unwrap();
                let (_, rev) = uses
                    .split_once('@')
                    .unwrap_or_else(|| panic!("{name}: {uses} has no @ref"));
                assert!(
                    rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{name}: pin {uses} to a commit"
                );
            }
            _ => panic!("{name}: a step runs a script or uses an action, not both or neither"),
        }
    }
    // User text reaches the scripts through env, never spliced into them.
    for step in steps(&action) {
        if let Some(run) = step["run"].as_str() {
            assert!(!run.contains("${{"), "{}: expression inside a script", step["name"]);
        }
    }
    assert_eq!(
        step(&action, "Upload SARIF to code scanning")["uses"]
            .as_str()
            .unwrap()
            .split('@')
            .next(),
        Some("github/codeql-action/upload-sarif")
    );
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("action-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run one `run:` script as GitHub runs a composite step (`bash -e -o pipefail`).
fn run_step(script: &str, env: &[(&str, &str)], dir: &Path) -> (i32, String) {
    let script_path = dir.join("step.sh");
    std::fs::write(&script_path, script).unwrap();
    let output = Command::new("bash")
        .args(["--noprofile", "--norc", "-e", "-o", "pipefail"])
        .arg(&script_path)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn the_exit_status_step_fails_on_findings_unless_allowed_and_always_on_errors() {
    let action = action();
    let script = step(&action, "Exit status")["run"].as_str().unwrap();
    let scratch = Scratch::new("exit");
    for (status, fail_on_findings, expected) in [
        ("0", "true", 0),
        ("0", "false", 0),
        ("1", "true", 1),
        ("1", "false", 0),
        ("2", "true", 2),
        ("2", "false", 2),
        ("", "false", 2),
    ] {
        let (code, output) = run_step(
            script,
            &[("STATUS", status), ("FAIL_ON_FINDINGS", fail_on_findings)],
            &scratch.0,
        );
        assert_eq!(
            code, expected,
            "status {status:?}, fail-on-findings {fail_on_findings}: {output}"
        );
    }
}

#[test]
fn the_lint_step_records_promha_exit_status_and_writes_the_report() {
    let action = action();
    let script = step(&action, "promha lint")["run"].as_str().unwrap();
    let scratch = Scratch::new("lint");
    let bin = scratch.0.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    // A stand-in promha: prints its arguments as the "report", exits with $FAKE_STATUS.
    let fake = bin.join("promha");
    std::fs::write(
        &fake,
        "#!/usr/bin/env bash\n[ \"$1\" = --version ] && { echo 'promha 0.0.0'; exit 0; }\necho \"$*\"\nexit \"${FAKE_STATUS:-0}\"\n",
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&fake).status().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    for status in ["0", "1", "2"] {
        let output_file = scratch.0.join(format!("github-output-{status}"));
        let (code, text) = run_step(
            script,
            &[
                ("PATH", path.as_str()),
                ("FAKE_STATUS", status),
                ("PROMHA_PATHS", "deploy/ \n charts/rendered.yaml"),
                ("PROMHA_ARGS", "--strict"),
                ("PROMHA_SARIF", "out.sarif"),
                ("GITHUB_OUTPUT", output_file.to_str().unwrap()),
            ],
            &scratch.0,
        );
        // The step itself succeeds: the verdict is the last step's.
        assert_eq!(code, 0, "lint step with promha exiting {status}: {text}");
        let outputs = std::fs::read_to_string(&output_file).unwrap();
        assert_eq!(outputs.trim(), format!("exit-code={status}"));
        let report = std::fs::read_to_string(scratch.0.join("out.sarif")).unwrap();
        assert_eq!(
            report.trim(),
            "lint --format sarif --strict -- deploy/ charts/rendered.yaml"
        );
        assert_eq!(text.contains("::error"), status == "2", "{text}");
    }
}
