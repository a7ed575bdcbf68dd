//! The hostile-input suite, against the CLI: each input of
//! `tests/hostile/inputs.rs` is linted by the built `promha` binary, under
//! a memory limit and a deadline, and must get a clear finding or error —
//! never a panic, an abort or a hang. What cannot be read is reported as
//! `invalid-resource`, naming the reason (and the key, for a config held in
//! a ConfigMap or Secret).

#[path = "../../../tests/hostile/inputs.rs"]
mod inputs;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use inputs::Expect;
use serde_json::Value as Json;

const BIN: &str = env!("CARGO_BIN_EXE_promha");

/// A hang guard, not a speed test: an unoptimized build on a busy machine
/// takes seconds for the 50 MB input; a hang takes forever.
const DEADLINE: Duration = Duration::from_secs(300);

/// Virtual memory the process may use (`ulimit -v`, KiB): a blow-up is an
/// allocation failure, not a machine out of memory.
const MEMORY_KIB: u64 = 8 * 1024 * 1024;

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn lint(dir: &Path, file: &str) -> Outcome {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB}; exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(["lint", "--no-config", "--format", "json", "--color", "never", file])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let stdout = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("promha lint {file} did not finish within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Outcome {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

#[test]
fn every_hostile_input_gets_a_clear_answer() {
    let dir = std::env::temp_dir().join(format!("promha-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (index, input) in inputs::all(50_000_000).into_iter().enumerate() {
        let file = format!("input-{index}.yaml");
        std::fs::write(dir.join(&file), &input.bytes).unwrap();
        let started = Instant::now();
        let outcome = lint(&dir, &file);
        let _ = std::fs::remove_file(dir.join(&file));
        let elapsed = started.elapsed();
        let problem = judge(&input, &outcome);
        let said = serde_json::from_str::<Json>(&outcome.stdout)
            .ok()
            .and_then(|r| r["findings"].get(0).map(|f| format!("{}: {}", f["rule"], f["message"])))
            .unwrap_or_else(|| outcome.stderr.trim().to_string());
        eprintln!(
            "{}: exit {:?} in {elapsed:.2?}{} — {}",
            input.name,
            outcome.code,
            problem.as_deref().map_or(String::new(), |p| format!(" — {p}")),
            said.chars().take(220).collect::<String>()
        );
        if let Some(problem) = problem {
            failures.push(format!(
                "{}: {problem}\n  stderr: {}\n  stdout: {}",
                input.name,
                outcome.stderr.trim(),
                outcome.stdout.chars().take(600).collect::<String>()
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// What is wrong with promha's answer, if anything.
fn judge(input: &inputs::Hostile, outcome: &Outcome) -> Option<String> {
    let Some(code) = outcome.code else {
        return Some("killed by a signal (an abort, or out of memory)".into());
    };
    if outcome.stderr.contains("panicked") || code == 101 {
        return Some(format!("panicked (exit {code})"));
    }
    if code == 2 {
        // An error the CLI turns into exit 2 must say what went wrong.
        return (outcome.stderr.trim().is_empty()).then(|| "exit 2 without a message".into());
    }
    if code != 0 && code != 1 {
        return Some(format!("exit {code}"));
    }
    let report: Json = match serde_json::from_str(&outcome.stdout) {
        Ok(v) => v,
        Err(e) => return Some(format!("the JSON report does not parse: {e}")),
    };
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let rules: Vec<&str> = findings.iter().filter_map(|f| f["rule"].as_str()).collect();
    match input.expect {
        Expect::Unreadable => {
            let Some(finding) = findings.iter().find(|f| f["rule"] == "invalid-resource") else {
                return Some(format!("no invalid-resource finding (found {rules:?})"));
            };
            let message = finding["message"].as_str().unwrap_or("");
            if code != 1 {
                return Some(format!("exit {code}: an unreadable input is an error"));
            }
            if input.name.contains("prometheus.y") && !message.contains("prometheus.y") {
                return Some(format!("the finding does not name the key: {message}"));
            }
            None
        }
        Expect::Finding(rule) => (!rules.contains(&rule)).then(|| format!("no {rule} finding (found {rules:?})")),
        Expect::Answered => findings
            .is_empty()
            .then(|| "no finding: the input is wrong and nothing says so".into()),
    }
}
