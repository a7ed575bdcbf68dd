//! Every rule's cases, run by one harness: each `src/rules/<rule>/cases/*.yaml`
//! (and the rule's `bad.yaml` and `good.yaml`) is linted as the CLI lints a
//! file, and its findings must be exactly those in the `.expected` file
//! beside it: rule, severity, resource, line, column, message and fix.
//!
//! A case may start with comment lines: the first ones describe it,
//! `# settings: {…}` (flow YAML or JSON) gives the settings it runs with, and
//! `# rules: all` (or a list of ids) widens its snapshot from the findings of
//! its folder's rule to those rules'.
//! `PROMHA_BLESS=1 cargo test -p promha-core --test cases` writes the
//! `.expected` files from what the rules find; review the diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use promha_core::{CheckOptions, Finding, RULES, Report, Settings, Source, lint};

struct Case {
    rule: &'static str,
    path: PathBuf,
    text: String,
    settings: Settings,
    /// The rules whose findings the snapshot holds; empty: all.
    shown: Vec<String>,
}

impl Case {
    fn name(&self) -> String {
        let rules = rules_dir();
        self.path
            .strip_prefix(&rules)
            .unwrap_or(&self.path)
            .display()
            .to_string()
    }

    fn expected_path(&self) -> PathBuf {
        self.path.with_extension("expected")
    }

    fn is_example(&self, which: &str) -> bool {
        self.path.file_name().is_some_and(|n| n == which)
    }
}

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules")
}

/// `min_replicas` → the rule `min-replicas`.
fn rule_of_folder(folder: &str) -> &'static str {
    let id = folder.replace('_', "-");
    RULES
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.id)
        .unwrap_or_else(|| panic!("src/rules/{folder} is no rule's folder"))
}

/// A `# key: value` line of a case's header, if given once.
fn header<'t>(text: &'t str, key: &str, path: &Path) -> Option<&'t str> {
    let prefix = format!("# {key}:");
    let given: Vec<&str> = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .collect();
    match given.as_slice() {
        [] => None,
        [one] => Some(one.trim()),
        _ => panic!("{}: more than one {key} line", path.display()),
    }
}

/// The settings a case's header asks for.
fn settings_of(text: &str, path: &Path) -> Settings {
    let given: Vec<&str> = header(text, "settings", path).into_iter().collect();
    match given.as_slice() {
        [] => Settings::default(),
        [one] => Settings::from_yaml(one).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        _ => panic!("{}: more than one settings line", path.display()),
    }
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(rules_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    for folder in folders {
        let rule = rule_of_folder(&folder.file_name().unwrap().to_string_lossy());
        let mut files = vec![folder.join("bad.yaml"), folder.join("good.yaml")];
        if let Ok(entries) = std::fs::read_dir(folder.join("cases")) {
            let mut own: Vec<PathBuf> = entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect();
            own.sort();
            files.extend(own);
        }
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let settings = settings_of(&text, &path);
            let shown = match header(&text, "rules", &path) {
                Some("all") => Vec::new(),
                Some(list) => list
                    .split(',')
                    .map(|r| r.trim().to_string())
                    .chain([rule.to_string()])
                    .collect(),
                None => vec![rule.to_string()],
            };
            cases.push(Case {
                rule,
                path,
                text,
                settings,
                shown,
            });
        }
    }
    cases
}

fn run(case: &Case, settings: &Settings) -> Report {
    let file = case.path.file_name().unwrap().to_string_lossy().to_string();
    let options = CheckOptions {
        unknown_fields: true,
        ..CheckOptions::default()
    };
    lint(&[Source::text(&file, &case.text)], settings, &options)
}

/// The findings as the `.expected` files write them.
fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(
            out,
            "{}:{} {} {} {}\n    {}",
            f.position.line, f.position.column, f.severity, f.rule, f.resource, f.message
        );
        if !f.fix.is_empty() {
            let _ = writeln!(out, "    fix: {}", f.fix);
        }
    }
    out
}

#[test]
fn every_case_finds_exactly_what_it_expects() {
    let bless = std::env::var_os("PROMHA_BLESS").is_some();
    let mut failures = Vec::new();
    for case in cases() {
        let findings: Vec<Finding> = run(&case, &case.settings)
            .findings
            .into_iter()
            .filter(|f| case.shown.is_empty() || case.shown.iter().any(|r| r == f.rule))
            .collect();
        let found = render(&findings);
        let expected_path = case.expected_path();
        if bless {
            if found.is_empty() && case.is_example("good.yaml") {
                let _ = std::fs::remove_file(&expected_path);
            } else {
                std::fs::write(&expected_path, &found).unwrap();
            }
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if found != expected {
            failures.push(format!(
                "{}: found\n{found}\nexpected ({})\n{expected}",
                case.name(),
                expected_path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ (PROMHA_BLESS=1 rewrites the .expected files):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The documented examples: the bad one is reported by its own rule alone,
/// with a line for each finding, and the good one by no rule at all.
#[test]
fn examples_behave_as_documented() {
    for case in cases() {
        let findings = run(&case, &case.settings).findings;
        if case.is_example("bad.yaml") {
            assert!(!findings.is_empty(), "{}: the bad example is not reported", case.name());
            for f in &findings {
                assert_eq!(f.rule, case.rule, "{}: the bad example also trips {f:?}", case.name());
                assert!(
                    f.position.is_known(),
                    "{}: a finding without a line: {f:?}",
                    case.name()
                );
            }
        }
        if case.is_example("good.yaml") {
            assert!(
                findings.is_empty(),
                "{}: the good example has findings: {findings:#?}",
                case.name()
            );
        }
    }
}

/// Each rule has a case that it reports and one where it stays quiet.
#[test]
fn every_rule_has_a_failing_and_a_passing_case() {
    let cases = cases();
    for rule in RULES {
        let own: Vec<&Case> = cases.iter().filter(|c| c.rule == rule.id).collect();
        let reported = own
            .iter()
            .filter(|c| run(c, &c.settings).findings.iter().any(|f| f.rule == rule.id))
            .count();
        assert!(reported >= 2, "{}: fewer than two cases it reports", rule.id);
        assert!(reported < own.len(), "{}: no case where it stays quiet", rule.id);
    }
}

/// A rule declares what it reads: linted with every other rule off (so the
/// prefilter parses, and the scope indexes, only what it declares), each
/// case gives that rule's findings unchanged.
#[test]
fn a_rule_alone_finds_what_it_finds_among_all() {
    for case in cases() {
        for rule in RULES {
            let mut alone = case.settings.clone();
            for other in RULES.iter().filter(|r| r.id != rule.id) {
                alone.set_level(other.id, "off").unwrap();
            }
            let among_all: Vec<Finding> = run(&case, &case.settings)
                .findings
                .into_iter()
                .filter(|f| f.rule == rule.id)
                .collect();
            // Document indexes differ when fewer documents are parsed; what
            // people see must not.
            let by_itself = render(&run(&case, &alone).findings);
            assert_eq!(by_itself, render(&among_all), "{}: {} alone", case.name(), rule.id);
        }
    }
}

/// `promha fix` on every case: the fixed text is exactly the `.fixed` file
/// beside the case (a byte comparison: everything outside the edited lines
/// is the original's); a second fix changes nothing; and linting the fixed
/// text reports none of the findings it fixed. A finding with edits that is
/// not fixed is left with a reason.
#[test]
fn fixes_are_exact_once_only_and_remove_what_they_fix() {
    let bless = std::env::var_os("PROMHA_BLESS").is_some();
    let options = CheckOptions {
        unknown_fields: true,
        ..CheckOptions::default()
    };
    let mut failures = Vec::new();
    let mut fixed_somewhere = 0;
    for case in cases() {
        let file = case.path.file_name().unwrap().to_string_lossy().to_string();
        let outcome = promha_core::fix(&[Source::text(&file, &case.text)], &case.settings, &options);
        // The change as a diff (what `promha fix --diff` prints), then what
        // was left and why: what a reviewer reads.
        let diff_path = case.path.with_extension("fix");
        let mut snapshot = outcome
            .changes
            .first()
            .map(promha_core::unified_diff)
            .unwrap_or_default();
        for left in &outcome.left {
            snapshot.push_str(&format!(
                "left {} at line {}: {}\n",
                left.finding.rule, left.finding.position.line, left.reason
            ));
        }
        let diff = (!snapshot.is_empty()).then_some(snapshot);
        if bless {
            match &diff {
                Some(text) => std::fs::write(&diff_path, text).unwrap(),
                None => {
                    let _ = std::fs::remove_file(&diff_path);
                }
            }
        } else {
            let committed = std::fs::read_to_string(&diff_path).ok();
            if committed != diff {
                failures.push(format!(
                    "{}: the fix differs from {} (PROMHA_BLESS=1 rewrites it):\n{}",
                    case.name(),
                    diff_path.display(),
                    diff.as_deref().unwrap_or("(no change)\n")
                ));
                continue;
            }
        }
        let Some(after) = outcome.changes.first().map(|c| c.after.clone()) else {
            continue;
        };
        fixed_somewhere += 1;
        let again = promha_core::fix(&[Source::text(&file, &after)], &case.settings, &options);
        if !again.changes.is_empty() {
            failures.push(format!(
                "{}: a second fix changes it again:\n{}",
                case.name(),
                promha_core::unified_diff(&again.changes[0])
            ));
        }
        let before = lint(&[Source::text(&file, &case.text)], &case.settings, &options);
        let remaining = lint(&[Source::text(&file, &after)], &case.settings, &options);
        for fixed in &outcome.fixed {
            if remaining
                .findings
                .iter()
                .any(|f| f.rule == fixed.rule && f.message == fixed.message)
            {
                failures.push(format!(
                    "{}: still reported after its fix: {}",
                    case.name(),
                    fixed.message
                ));
            }
        }
        // A fix must not trade one problem for another. Raising replicas is
        // the exception: the workload is then held to the rules for replicas.
        let replicas_raised = outcome.fixed.iter().any(|f| f.rule == "min-replicas");
        for new in remaining.findings.iter().filter(|f| {
            !replicas_raised
                && !before
                    .findings
                    .iter()
                    .any(|b| b.rule == f.rule && b.message == f.message)
        }) {
            failures.push(format!(
                "{}: the fix introduced {}: {}",
                case.name(),
                new.rule,
                new.message
            ));
        }
        for left in &outcome.left {
            assert!(
                !left.reason.is_empty(),
                "{}: a finding left without a reason",
                case.name()
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(fixed_somewhere >= 5, "only {fixed_somewhere} cases were fixed");
}
