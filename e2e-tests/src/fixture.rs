//! YAML fixture cases: one admission scenario and its expected answer per file.
//!
//! ```yaml
//! description: Prometheus with one replica is rejected
//! operation: CREATE            # CREATE (default) | UPDATE | DELETE
//! settings: {}                 # optional policy settings
//! failLookups: false           # optional: every Kubernetes lookup fails
//! object: {...}                # the admitted object
//! oldObject: {...}             # optional, for UPDATE / DELETE
//! cluster: [...]               # optional: objects the lookups can see
//! expect:
//!   accepted: false
//!   errors: [min-replicas]     # each must start a line of the message ("id: ...")
//!   warnings: [persistent-storage]  # each must start one of the warnings
//!   absent: [anti-affinity]    # in neither the message lines nor the warnings
//!   exactErrors: true          # the message lines carry exactly `errors`
//!   exactWarnings: true        # the warnings carry exactly `warnings` (`[]`: none)
//!   settingsValid: false       # settings case: validate_settings must say so
//!   messageContains: "..."     # substring of the (settings) message or of a warning
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use serde_json::Value;

use crate::cluster::ClusterState;
use crate::policy::Policy;
use crate::protocol::{message, rule_id, warnings};
use crate::request::{Operation, build_admission_request};

/// One fixture file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Case {
    pub description: String,
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(default)]
    pub settings: Option<Value>,
    #[serde(default)]
    pub fail_lookups: bool,
    #[serde(default)]
    pub object: Option<Value>,
    #[serde(default)]
    pub old_object: Option<Value>,
    #[serde(default)]
    pub cluster: Vec<Value>,
    pub expect: Expect,
}

/// What the policy must answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub accepted: Option<bool>,
    #[serde(default)]
    pub errors: Vec<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub absent: Vec<String>,
    #[serde(default)]
    pub exact_errors: bool,
    #[serde(default)]
    pub exact_warnings: bool,
    #[serde(default)]
    pub settings_valid: Option<bool>,
    #[serde(default)]
    pub message_contains: Option<String>,
}

impl Case {
    pub fn from_yaml_str(text: &str) -> Result<Self> {
        let case: Case = serde_saphyr::from_str(text).map_err(|e| anyhow!("{e}"))?;
        case.check()?;
        Ok(case)
    }

    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read fixture {}", path.display()))?;
        Self::from_yaml_str(&text).with_context(|| format!("invalid fixture {}", path.display()))
    }

    /// Reject self-contradictory fixtures before running them.
    fn check(&self) -> Result<()> {
        let e = &self.expect;
        let settings_only = e.settings_valid == Some(false);
        if settings_only {
            if e.accepted.is_some() || !e.errors.is_empty() || !e.warnings.is_empty() {
                bail!("expect.settingsValid: false checks only the settings; drop accepted/errors/warnings");
            }
            return Ok(());
        }
        let Some(accepted) = e.accepted else {
            bail!("expect.accepted is required (unless expect.settingsValid is false)");
        };
        if accepted && !e.errors.is_empty() {
            bail!("expect.errors given for an accepted request");
        }
        if self.object.is_none() && self.old_object.is_none() {
            bail!("a case needs an object (or an oldObject)");
        }
        for id in e.errors.iter().chain(&e.warnings) {
            if e.absent.contains(id) {
                bail!("rule {id:?} is both expected and absent");
            }
        }
        self.operation()?;
        Ok(())
    }

    pub fn operation(&self) -> Result<Operation> {
        self.operation
            .as_deref()
            .map_or(Ok(Operation::Create), Operation::parse)
    }

    pub fn settings(&self) -> Value {
        match &self.settings {
            None | Some(Value::Null) => Value::Object(Default::default()),
            Some(s) => s.clone(),
        }
    }

    /// Run the case: settings first (as policy-server does when loading a
    /// policy), then the request. `Err` describes every unmet expectation,
    /// with the actual answer.
    pub fn run(&self, policy: &Policy) -> Result<(), String> {
        let settings = self.settings();
        let settings_answer = policy
            .validate_settings(&settings)
            .map_err(|e| format!("validate_settings failed: {e:#}"))?;
        let valid = settings_answer.get("valid").and_then(Value::as_bool).unwrap_or(false);
        let settings_message = message(&settings_answer);

        if let Some(expected) = self.expect.settings_valid {
            if valid != expected {
                return Err(format!(
                    "settings valid={valid}, expected {expected}; answer: {settings_answer}"
                ));
            }
            if !expected {
                if let Some(needle) = &self.expect.message_contains
                    && !settings_message.contains(needle.as_str())
                {
                    return Err(format!(
                        "settings message does not contain {needle:?}; answer: {settings_answer}"
                    ));
                }
                return Ok(());
            }
        } else if !valid {
            return Err(format!("settings rejected: {settings_answer}"));
        }

        let operation = self.operation().map_err(|e| format!("{e:#}"))?;
        let request = build_admission_request(operation, self.object.as_ref(), self.old_object.as_ref())
            .map_err(|e| format!("cannot build the admission request: {e:#}"))?;
        let cluster = ClusterState::new(self.cluster.iter().cloned())
            .map_err(|e| format!("invalid cluster: {e:#}"))?
            .with_fail_lookups(self.fail_lookups);
        let eval = policy
            .evaluate(&request, &settings, &cluster)
            .map_err(|e| format!("validate failed: {e:#}"))?;
        let problems = check_expectations(&self.expect, &eval.response);
        if problems.is_empty() {
            Ok(())
        } else {
            let calls: Vec<String> = eval
                .host_calls
                .iter()
                .filter(|c| c.namespace == "kubernetes")
                .map(|c| {
                    format!(
                        "{} {} -> {}",
                        c.operation,
                        c.payload,
                        match &c.result {
                            Ok(v) => format!(
                                "{} item(s)",
                                v.get("items").and_then(Value::as_array).map_or(1, Vec::len)
                            ),
                            Err(e) => format!("error: {e}"),
                        }
                    )
                })
                .collect();
            Err(format!(
                "{}\n    actual answer: {}\n    lookups: {}",
                problems.join("\n    "),
                eval.response,
                if calls.is_empty() {
                    "none".to_owned()
                } else {
                    calls.join("; ")
                }
            ))
        }
    }
}

/// Compare a ValidationResponse with the expectations; one string per problem.
pub fn check_expectations(expect: &Expect, response: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let accepted = response.get("accepted").and_then(Value::as_bool);
    if let Some(expected) = expect.accepted
        && accepted != Some(expected)
    {
        problems.push(format!("accepted={accepted:?}, expected {expected}"));
    }
    let msg = message(response);
    let error_ids: BTreeSet<&str> = msg.lines().filter_map(rule_id).collect();
    let warning_ids: BTreeSet<&str> = warnings(response).into_iter().filter_map(rule_id).collect();

    for id in &expect.errors {
        if !error_ids.contains(id.as_str()) {
            problems.push(format!("no message line starts with \"{id}: \""));
        }
    }
    for id in &expect.warnings {
        if !warning_ids.contains(id.as_str()) {
            problems.push(format!("no warning starts with \"{id}: \""));
        }
    }
    for id in &expect.absent {
        if error_ids.contains(id.as_str()) {
            problems.push(format!("rule {id:?} unexpectedly in the message"));
        }
        if warning_ids.contains(id.as_str()) {
            problems.push(format!("rule {id:?} unexpectedly in the warnings"));
        }
    }
    if expect.exact_errors {
        let expected: BTreeSet<&str> = expect.errors.iter().map(String::as_str).collect();
        if error_ids != expected {
            problems.push(format!("message rules {error_ids:?}, expected exactly {expected:?}"));
        }
        if let Some(line) = msg.lines().find(|l| !l.trim().is_empty() && rule_id(l).is_none()) {
            problems.push(format!("message line without a rule id: {line:?}"));
        }
    }
    if expect.exact_warnings {
        let expected: BTreeSet<&str> = expect.warnings.iter().map(String::as_str).collect();
        if warning_ids != expected {
            problems.push(format!("warning rules {warning_ids:?}, expected exactly {expected:?}"));
        }
    }
    if let Some(needle) = &expect.message_contains
        && !msg.contains(needle.as_str())
        && !warnings(response).iter().any(|w| w.contains(needle.as_str()))
    {
        problems.push(format!("neither the message nor a warning contains {needle:?}"));
    }
    problems
}

/// Environment variable naming the policy wasm the e2e tests run.
pub const POLICY_ENV: &str = "PROMHA_POLICY_WASM";

/// The policy the e2e tests run: `$PROMHA_POLICY_WASM`, else
/// `<repo_root>/policy.wasm`. A missing file is an error telling how to build
/// it, never a silent skip.
pub fn policy_wasm_path(repo_root: &Path) -> Result<PathBuf> {
    let (path, origin) = match std::env::var_os(POLICY_ENV) {
        Some(p) if !p.is_empty() => (PathBuf::from(p), format!("${POLICY_ENV}")),
        _ => (repo_root.join("policy.wasm"), "the default location".to_owned()),
    };
    if !path.is_file() {
        bail!(
            "policy wasm not found at {} ({origin}): run `make policy.wasm` in {} first, \
             or point {POLICY_ENV} at a built policy",
            path.display(),
            repo_root.display()
        );
    }
    Ok(path)
}

/// Every `*.yaml` / `*.yml` file under `dir`, sorted.
pub fn find_fixtures(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))?;
        for entry in entries {
            let path = entry.with_context(|| format!("cannot list {}", d.display()))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn expect(yaml: &str) -> Expect {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn parses_a_full_case() {
        let case = Case::from_yaml_str(
            r#"
description: one replica
operation: UPDATE
settings: {minReplicas: 2}
failLookups: true
object: {apiVersion: monitoring.coreos.com/v1, kind: Prometheus, metadata: {name: k8s}, spec: {replicas: 1}}
oldObject: {apiVersion: monitoring.coreos.com/v1, kind: Prometheus, metadata: {name: k8s}, spec: {replicas: 2}}
cluster:
  - {apiVersion: v1, kind: Service, metadata: {name: s}}
expect:
  accepted: false
  errors: [min-replicas]
  warnings: [persistent-storage]
  absent: [anti-affinity]
  exactErrors: true
  messageContains: replicas
"#,
        )
        .unwrap();
        assert_eq!(case.operation().unwrap(), Operation::Update);
        assert!(case.fail_lookups);
        assert_eq!(case.settings(), json!({"minReplicas": 2}));
        assert_eq!(case.cluster.len(), 1);
        assert_eq!(case.expect.errors, ["min-replicas"]);
        assert!(case.expect.exact_errors);
    }

    #[test]
    fn rejects_bad_cases() {
        // typo in a field name
        assert!(Case::from_yaml_str("description: x\nobject: {}\nexpect: {accepted: true, eror: [a]}\n").is_err());
        // accepted missing
        assert!(Case::from_yaml_str("description: x\nobject: {}\nexpect: {}\n").is_err());
        // errors on an accepted request
        assert!(Case::from_yaml_str("description: x\nobject: {}\nexpect: {accepted: true, errors: [a]}\n").is_err());
        // no object
        assert!(Case::from_yaml_str("description: x\nexpect: {accepted: true}\n").is_err());
        // contradiction
        assert!(
            Case::from_yaml_str("description: x\nobject: {}\nexpect: {accepted: false, errors: [a], absent: [a]}\n")
                .is_err()
        );
        // settings-only case needs no object
        assert!(
            Case::from_yaml_str("description: x\nsettings: {minReplicas: 0}\nexpect: {settingsValid: false}\n").is_ok()
        );
        assert!(
            Case::from_yaml_str("description: x\nobject: {}\noperation: PATCH\nexpect: {accepted: true}\n").is_err()
        );
    }

    #[test]
    fn expectations_against_answers() {
        let rejected = json!({
            "accepted": false,
            "message": "min-replicas: spec.replicas is 1\nanti-affinity: no anti-affinity",
            "warnings": ["persistent-storage: no storage"],
        });
        let ok = expect(
            "accepted: false\nerrors: [min-replicas, anti-affinity]\nwarnings: [persistent-storage]\nabsent: [replica-label]\nexactErrors: true\nmessageContains: 'is 1'\n",
        );
        assert!(check_expectations(&ok, &rejected).is_empty());

        let p = check_expectations(&expect("accepted: true\n"), &rejected);
        assert_eq!(p.len(), 1, "{p:?}");
        let p = check_expectations(
            &expect("accepted: false\nerrors: [min-replicas]\nexactErrors: true\n"),
            &rejected,
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("exactly"), "{p:?}");
        let p = check_expectations(
            &expect("accepted: false\nabsent: [anti-affinity, persistent-storage]\n"),
            &rejected,
        );
        assert_eq!(p.len(), 2, "{p:?}");
        let p = check_expectations(
            &expect("accepted: false\nerrors: [replica-label]\nwarnings: [session-affinity]\nmessageContains: nope\n"),
            &rejected,
        );
        assert_eq!(p.len(), 3, "{p:?}");
        // a rule id mentioned mid-line does not count
        let mid = json!({"accepted": false, "message": "see min-replicas: later"});
        assert_eq!(
            check_expectations(&expect("accepted: false\nerrors: [min-replicas]\n"), &mid).len(),
            1
        );
        // exactErrors flags prose lines
        let prose = json!({"accepted": false, "message": "min-replicas: x\nsomething else"});
        let p = check_expectations(
            &expect("accepted: false\nerrors: [min-replicas]\nexactErrors: true\n"),
            &prose,
        );
        assert_eq!(p.len(), 1, "{p:?}");
    }

    #[test]
    fn missing_policy_is_an_error_with_instructions() {
        // only meaningful when the variable is not set by the caller
        if std::env::var_os(POLICY_ENV).is_some() {
            return;
        }
        let err = policy_wasm_path(Path::new("/nonexistent-repo")).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("make policy.wasm"), "{text}");
        assert!(text.contains("/nonexistent-repo/policy.wasm"), "{text}");
    }

    #[test]
    fn finds_fixture_files_recursively() {
        let dir = std::env::temp_dir().join(format!("promha-e2e-fx-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("b.yaml"), "").unwrap();
        std::fs::write(dir.join("sub/a.yml"), "").unwrap();
        std::fs::write(dir.join("notes.txt"), "").unwrap();
        let found = find_fixtures(&dir).unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["b.yaml", "sub/a.yml"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
