//! [`fix_finding`]: one finding's edits, and nothing else.

use super::*;
use crate::check::lint;

fn broken_prometheus() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/manifests/broken/prometheus.yaml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn options() -> CheckOptions {
    CheckOptions {
        unknown_fields: true,
        ..CheckOptions::default()
    }
}

const FILE: &str = "prometheus.yaml";

fn documents_json(text: &str) -> Vec<Json> {
    read_text(FILE, text, &ReadLimits::default())
        .expect("the text parses")
        .iter()
        .map(|d| d.root.to_json())
        .collect()
}

fn reported(report: &Report, finding: &Finding) -> bool {
    report.findings.iter().any(|f| key(f) == key(finding))
}

/// Each fixable finding of the broken example, fixed alone: the text reads
/// back as the original with exactly that finding's edits applied (every
/// other document and field as it was), the finding is gone, and every
/// other finding that its edits did not remove is still reported.
#[test]
fn fixing_one_finding_applies_its_edits_only() {
    let text = broken_prometheus();
    let sources = [Source::text(FILE, &text)];
    let settings = Settings::default();
    let before = lint(&sources, &settings, &options());
    let fixable: Vec<&Finding> = before.findings.iter().filter(|f| !f.edits.is_empty()).collect();
    assert!(
        fixable.len() >= 2,
        "the example has several fixable findings: {fixable:#?}"
    );
    let all = fix(&sources, &settings, &options());
    let mut applied = 0;
    for finding in &fixable {
        let outcome = fix_finding(&sources, &settings, &options(), finding);
        if let [left] = outcome.left.as_slice() {
            // Refused as `fix` refuses it: no change, and the same reason.
            assert!(outcome.changes.is_empty(), "{}: refused yet changed", finding.rule);
            let same = all.left.iter().find(|l| key(&l.finding) == key(finding));
            assert_eq!(same.map(|l| &l.reason), Some(&left.reason), "{}", finding.rule);
            continue;
        }
        assert!(outcome.left.is_empty(), "{}: {:#?}", finding.rule, outcome.left);
        applied += 1;
        let [change] = outcome.changes.as_slice() else {
            panic!("{}: one file changed, got {:#?}", finding.rule, outcome.changes);
        };
        assert_eq!(change.before, text);
        // The edited text is the original with this finding's edits applied.
        let mut expected = documents_json(&text);
        let documents = read_text(FILE, &text, &ReadLimits::default()).unwrap();
        let root = locate(&documents, finding).unwrap();
        let index = documents.iter().position(|d| std::ptr::eq(&d.root, root)).unwrap();
        for edit in &finding.edits {
            match edit {
                Edit::AddDocument { value } => expected.push(parse(value).unwrap()),
                Edit::Set { path, .. } | Edit::Remove { path } | Edit::Append { path, .. } => {
                    assert!(path.within.is_none(), "the example's edits are on the documents");
                    apply_to_json(&mut expected[index], &path.steps, edit).unwrap();
                }
            }
        }
        assert_eq!(
            documents_json(&change.after),
            expected,
            "{}: only its edits",
            finding.rule
        );
        // The finding is gone; the others its edits did not remove are still there.
        assert!(!reported(&outcome.report, finding), "{}: still reported", finding.rule);
        assert!(outcome.fixed.iter().any(|f| key(f) == key(finding)), "{}", finding.rule);
        for other in before.findings.iter().filter(|f| key(f) != key(finding)) {
            let gone = !reported(&outcome.report, other);
            assert_eq!(
                gone,
                outcome.fixed.iter().any(|f| key(f) == key(other)) && !other.edits.is_empty(),
                "{}: {} after fixing {}",
                other.rule,
                if gone { "gone" } else { "kept" },
                finding.rule
            );
        }
        // Less than fixing everything.
        assert_ne!(
            Some(&change.after),
            all.changes.first().map(|c| &c.after),
            "{}",
            finding.rule
        );
    }
    assert!(applied >= 2, "{applied} of the example's findings fixed alone");
}

/// Fixing the findings one at a time, each time the first fixable one,
/// ends where nothing is left for `fix` to change.
#[test]
fn fixing_one_at_a_time_leaves_nothing_for_fix() {
    let mut text = broken_prometheus();
    let settings = Settings::default();
    for _ in 0..50 {
        let sources = [Source::text(FILE, &text)];
        let report = lint(&sources, &settings, &options());
        let Some(next) = report
            .findings
            .iter()
            .find(|f| !f.edits.is_empty() && fix_finding(&sources, &settings, &options(), f).left.is_empty())
        else {
            break;
        };
        let outcome = fix_finding(&sources, &settings, &options(), next);
        text = outcome.changes[0].after.clone();
    }
    let outcome = fix(&[Source::text(FILE, &text)], &settings, &options());
    assert!(
        outcome.changes.is_empty(),
        "fix changes it further:\n{}",
        outcome.changes.iter().map(unified_diff).collect::<String>()
    );
    assert!(text != broken_prometheus());
}

#[test]
fn a_finding_without_edits_or_not_reported_is_left_with_the_reason() {
    let text = broken_prometheus();
    let sources = [Source::text(FILE, &text)];
    let settings = Settings::default();
    let report = lint(&sources, &settings, &options());
    let fixable = report
        .findings
        .iter()
        .find(|f| !f.edits.is_empty())
        .expect("a fixable finding");
    // The same finding somewhere else is not this text's.
    let mut elsewhere = fixable.clone();
    elsewhere.position.line += 1000;
    let mut cases = vec![(elsewhere, "it is not reported for this text")];
    if let Some(by_hand) = report.findings.iter().find(|f| f.edits.is_empty()) {
        cases.push((
            by_hand.clone(),
            "promha is not certain of a change that fixes it: see its fix",
        ));
    }
    for (finding, reason) in cases {
        let outcome = fix_finding(&sources, &settings, &options(), &finding);
        assert!(outcome.changes.is_empty(), "{}", finding.rule);
        assert!(outcome.fixed.is_empty(), "{}", finding.rule);
        assert_eq!(outcome.left.len(), 1);
        assert_eq!(outcome.left[0].finding, finding);
        assert_eq!(outcome.left[0].reason, reason);
        assert_eq!(outcome.report, report);
    }
}

/// A document with anchors or aliases is not edited as text (an edit could
/// change every alias's value), but `&` and `*` inside a value are no anchor.
#[test]
fn anchors_and_aliases_are_told_from_ampersands_and_stars_in_values() {
    for line in [
        "&base",
        "*base",
        "defaults: &base",
        "- *base",
        "args: [*a, b]",
        "labels: {a: *x}",
        "<<: *base # merged",
    ] {
        assert!(has_anchor_or_alias(line), "{line}");
    }
    for line in [
        "url: http://a?b=1&c=2",
        "regex: a*b",
        "glob: '*.yaml'",
        "expr: a * 2",
        "note: x # see &anchor",
        "",
    ] {
        assert!(!has_anchor_or_alias(line), "{line}");
    }
}

/// A document rendered by Helm (`# Source:` above its first key, with no
/// chart labels promha knows) is not edited: the next render would undo it.
#[test]
fn a_document_rendered_by_helm_is_left_for_its_chart() {
    let text = "---\n# Source: mychart/templates/alertmanager.yaml\napiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main, namespace: mon}\nspec:\n  replicas: 1\n";
    let outcome = fix(&[Source::text(FILE, text)], &Settings::default(), &options());
    assert!(outcome.changes.is_empty(), "{:#?}", outcome.changes);
    let min = outcome
        .left
        .iter()
        .find(|l| l.finding.rule == "min-replicas")
        .unwrap_or_else(|| panic!("{:#?}", outcome.left));
    assert_eq!(
        min.reason,
        "the document is rendered by Helm (`# Source:`): change the chart's values instead"
    );
}

/// Anchors anywhere in a document keep promha from editing it as text, and
/// only that document: the next one in the file is still fixed.
#[test]
fn anchors_keep_only_their_own_document_from_being_edited() {
    let anchored = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: a, namespace: mon}\nspec:\n  replicas: 1\n  podMetadata:\n    labels: &team {team: x}\n    annotations: *team\n";
    let plain = "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: b, namespace: mon}\nspec:\n  replicas: 1\n";
    let min_replicas_left = |text: &str| {
        let outcome = fix(&[Source::text(FILE, text)], &Settings::default(), &options());
        let left: Vec<(String, String)> = outcome
            .left
            .iter()
            .filter(|l| l.finding.rule == "min-replicas")
            .map(|l| (l.finding.resource.name.clone(), l.reason.clone()))
            .collect();
        (left, outcome.changes.first().map(|c| c.after.clone()))
    };
    let (left, _) = min_replicas_left(anchored);
    assert_eq!(
        left,
        [("a".to_string(), "the document uses YAML anchors or aliases".to_string())]
    );
    for text in [format!("{anchored}---\n{plain}"), format!("{plain}---\n{anchored}")] {
        let (left, after) = min_replicas_left(&text);
        assert_eq!(
            left,
            [("a".to_string(), "the document uses YAML anchors or aliases".to_string())],
            "{text}"
        );
        let after = after.expect("b is fixed");
        assert!(
            after.contains("name: b, namespace: mon}\nspec:\n  replicas: 2\n"),
            "{after}"
        );
    }
    // An anchor on the next document's marker is that document's, not this one's.
    let (left, after) = min_replicas_left(&format!("{}--- &doc\n{plain}", plain.replace("name: b", "name: c")));
    assert_eq!(
        left,
        [("b".to_string(), "the document uses YAML anchors or aliases".to_string())]
    );
    let after = after.expect("c is fixed");
    assert!(
        after.contains("name: c, namespace: mon}\nspec:\n  replicas: 2\n"),
        "{after}"
    );
    // An anchor on the document marker is the document's too.
    let (left, after) = min_replicas_left(&format!("--- &doc\n{plain}"));
    assert_eq!(
        left,
        [("b".to_string(), "the document uses YAML anchors or aliases".to_string())]
    );
    assert_eq!(after, None);
}
