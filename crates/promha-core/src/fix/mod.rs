//! `promha fix`: the edits findings carry, applied to the files' text.
//!
//! Each round lints every source, applies the edits of one fixable finding
//! per file, and reads the file back: the edit must leave valid YAML that
//! reads back as intended, or it is undone and the finding left with the
//! reason. Everything outside the edited lines stays byte for byte. Rounds
//! go on until no finding has an edit left to try, so a second run changes
//! nothing.

pub(crate) mod render;
mod text;
mod values_edit;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::check::check;
use crate::finding::{Edit, FieldPath, Finding, Step};
use crate::read::{Node, ReadLimits, Source, SourceKind, read_documents_within, read_text};
use crate::report::Report;
use crate::scope::CheckOptions;
use crate::settings::Settings;
use crate::values;
use text::{Lines, TextEdit};

/// A file `fix` changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    pub file: String,
    pub before: String,
    pub after: String,
}

/// A finding with edits that were not applied, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Left {
    pub finding: Finding,
    pub reason: String,
}

/// What `fix` did.
#[derive(Clone, Debug, Default)]
pub struct FixOutcome {
    pub changes: Vec<FileChange>,
    /// Findings of the first lint that the edits made go away.
    pub fixed: Vec<Finding>,
    /// Findings whose edits could not be applied safely.
    pub left: Vec<Left>,
    /// The lint of the fixed texts.
    pub report: Report,
}

/// More rounds than this and a file's findings keep coming back: stop.
const MAX_ROUNDS: usize = 200;

/// What tells a finding apart across rounds (its line may move).
type Key = (String, &'static str, String, String);

fn key(finding: &Finding) -> Key {
    (
        finding.file.clone(),
        finding.rule,
        finding.resource.to_string(),
        finding.message.clone(),
    )
}

/// What tells a finding apart across rounds whatever file it is placed on.
type Identity = (&'static str, String, String);

fn identity(finding: &Finding) -> Identity {
    (finding.rule, finding.resource.to_string(), finding.message.clone())
}

/// The sources with their current texts.
fn current<'s>(sources: &[Source<'s>], texts: &'s [Option<String>]) -> Vec<Source<'s>> {
    sources
        .iter()
        .zip(texts)
        .map(|(s, t)| match t {
            Some(text) => s.with_bytes(text.as_bytes()),
            None => *s,
        })
        .collect()
}

/// The findings of the sources in their current state, placed on the
/// values files among them, with the documents they are about.
fn findings_of(
    sources: &[Source<'_>],
    settings: &Settings,
    options: &CheckOptions,
) -> (crate::read::ReadOutcome, Vec<Finding>) {
    let outcome = crate::check::read_sources(sources, settings, options);
    let mut findings = check(&outcome.documents, settings, options);
    let (values, _) = values::read_values(sources);
    values::place_on_values(&mut findings, &values);
    crate::check::sort_findings(&mut findings);
    (outcome, findings)
}

/// Applies every fixable finding's edits to the sources, linted together.
/// A finding on a known chart's object placed on a values file is fixed by
/// changing that values file; the rendered input stays as it is.
pub fn fix(sources: &[Source<'_>], settings: &Settings, options: &CheckOptions) -> FixOutcome {
    run(sources, settings, options, None)
}

/// Applies one finding's edits, and nothing else: `finding` is one of the
/// findings [`lint`](crate::lint) reports for these sources. The edits are
/// verified as [`fix`] verifies them. `left` holds the finding, with the
/// reason, if it is still reported afterwards (or was not reported at all);
/// other findings are not tried, so they are not `left`.
pub fn fix_finding(
    sources: &[Source<'_>],
    settings: &Settings,
    options: &CheckOptions,
    finding: &Finding,
) -> FixOutcome {
    run(sources, settings, options, Some(finding))
}

/// [`fix`], or with `only` [`fix_finding`]: one round, for that finding.
fn run(sources: &[Source<'_>], settings: &Settings, options: &CheckOptions, only: Option<&Finding>) -> FixOutcome {
    let mut texts: Vec<Option<String>> = sources
        .iter()
        .map(|s| {
            std::str::from_utf8(s.bytes)
                .ok()
                .map(|t| t.strip_prefix('\u{feff}').unwrap_or(t).to_string())
        })
        .collect();
    let mut refused: BTreeMap<Key, String> = BTreeMap::new();
    // Findings fixed in a values file: the rendered input still has them.
    let mut in_values: BTreeSet<Identity> = BTreeSet::new();
    let mut first: Option<Vec<Finding>> = None;
    for _ in 0..MAX_ROUNDS {
        let snapshot = texts.clone();
        let now = current(sources, &snapshot);
        let (outcome, findings) = findings_of(&now, settings, options);
        first.get_or_insert_with(|| findings.clone());
        let mut changed = false;
        for (index, source) in sources.iter().enumerate() {
            let Some(text) = &snapshot[index] else { continue };
            let Some(finding) = findings.iter().find(|f| {
                f.file == source.file
                    && f.has_edits()
                    && !refused.contains_key(&key(f))
                    && only.is_none_or(|o| key(o) == key(f) && o.position == f.position)
            }) else {
                continue;
            };
            let result = if source.kind == SourceKind::HelmValues {
                let (files, _) = values::read_values(&now);
                values_edit::apply(text, source.file, &files, finding)
            } else {
                match finding.document.and_then(|d| outcome.documents.get(d)) {
                    Some(document) => apply(text, &document.root, finding),
                    None => Err("its document is not known".to_string()),
                }
            };
            match result {
                Ok(fixed) if &fixed != text => {
                    if source.kind == SourceKind::HelmValues {
                        in_values.insert(identity(finding));
                    }
                    texts[index] = Some(fixed);
                    changed = true;
                }
                Ok(_) => {
                    refused.insert(key(finding), "its edits change nothing".to_string());
                }
                Err(reason) => {
                    refused.insert(key(finding), reason);
                }
            }
        }
        if only.is_some() || (!changed && !has_untried(&findings, &refused)) {
            break;
        }
    }
    let report = crate::check::lint(&current(sources, &texts), settings, options);
    let remaining: BTreeSet<Key> = report.findings.iter().map(key).collect();
    let first = first.unwrap_or_default();
    let reported = only.is_some_and(|o| first.iter().any(|f| key(f) == key(o) && f.position == o.position));
    let fixed = first
        .into_iter()
        .filter(|f| f.has_edits() && (!remaining.contains(&key(f)) || in_values.contains(&identity(f))))
        .collect();
    let mut left: Vec<Left> = report
        .findings
        .iter()
        .filter(|f| f.has_edits() && only.is_none_or(|o| key(o) == key(f)))
        .map(|f| Left {
            finding: f.clone(),
            reason: refused
                .get(&key(f))
                .cloned()
                .unwrap_or_else(|| "its edits did not make it go away".to_string()),
        })
        .collect();
    if let Some(only) = only {
        if !only.has_edits() {
            left = vec![Left {
                finding: only.clone(),
                reason: "promha is not certain of a change that fixes it: see its fix".to_string(),
            }];
        } else if !reported {
            left = vec![Left {
                finding: only.clone(),
                reason: "it is not reported for this text".to_string(),
            }];
        }
    }
    let changes = sources
        .iter()
        .zip(&texts)
        .filter_map(|(s, t)| {
            let after = t.as_ref()?;
            let before = std::str::from_utf8(s.bytes).ok()?;
            let before = before.strip_prefix('\u{feff}').unwrap_or(before);
            (before != after).then(|| FileChange {
                file: s.file.to_string(),
                before: before.to_string(),
                after: after.clone(),
            })
        })
        .collect();
    FixOutcome {
        changes,
        fixed,
        left,
        report,
    }
}

fn has_untried(findings: &[Finding], refused: &BTreeMap<Key, String>) -> bool {
    findings.iter().any(|f| f.has_edits() && !refused.contains_key(&key(f)))
}

/// Applies one finding's edits to its file's text.
fn apply(text: &str, root: &Node, finding: &Finding) -> Result<String, String> {
    if let Some(chart) = &finding.chart {
        return Err(format!(
            "the object is rendered by the {} chart (its labels say so): change the chart's values instead (pass the values files with --values and promha fix edits them)",
            chart.chart
        ));
    }
    if finding.resource.name.is_empty() {
        return Err("the object has no metadata.name to find it by".to_string());
    }
    if text.contains("{{") {
        return Err("the file is a template (it holds `{{`): fix the template or its values".to_string());
    }
    let lines = Lines::new(text);
    let document = document_lines(&lines, root);
    if (document.0..=document.1).any(|n| lines.line(n).trim_start().starts_with("# Source: ")) {
        return Err("the document is rendered by Helm (`# Source:`): change the chart's values instead".to_string());
    }
    if (document.0..=document.1).any(|n| has_anchor_or_alias(lines.line(n))) {
        return Err("the document uses YAML anchors or aliases".to_string());
    }
    let mut current = text.to_string();
    // Later edits first, so earlier positions stay valid; new documents last.
    let mut edits: Vec<&Edit> = finding.edits.iter().collect();
    edits.sort_by_key(|e| matches!(e, Edit::AddDocument { .. }));
    for edit in edits {
        current = apply_edit(&current, finding, edit)?;
    }
    Ok(current)
}

/// The first and last line of the document a root node is in.
fn document_lines(lines: &Lines<'_>, root: &Node) -> (usize, usize) {
    let mut start = (root.position.line as usize).max(1);
    while start > 1 && !lines.line(start).starts_with("---") {
        start -= 1;
    }
    let mut end = (root.position.line as usize).max(1);
    while end < lines.count() && !lines.line(end + 1).starts_with("---") {
        end += 1;
    }
    (start, end)
}

fn has_anchor_or_alias(line: &str) -> bool {
    let code = line.split(" #").next().unwrap_or(line);
    let bytes = code.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        matches!(b, b'&' | b'*')
            && (i == 0 || matches!(bytes[i - 1], b' ' | b'[' | b'{' | b','))
            && bytes.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// Finds the document again in the (possibly already edited) text: the
/// one that was document `n` of this file when linted.
fn locate<'d>(documents: &'d [crate::read::Document], finding: &Finding) -> Result<&'d Node, String> {
    let identity = |root: &Node| {
        (
            root.get("kind").and_then(Node::as_str).map(str::to_string),
            root.path(&["metadata", "name"])
                .and_then(Node::as_str)
                .map(str::to_string),
            root.path(&["metadata", "namespace"])
                .and_then(Node::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or("default")
                .to_string(),
        )
    };
    let wanted = (
        Some(finding.resource.kind.clone()),
        Some(finding.resource.name.clone()),
        finding.resource.namespace.clone().unwrap_or_default(),
    );
    let standalone = finding.resource.kind == "file";
    documents
        .iter()
        .find(|d| standalone || identity(&d.root) == wanted)
        .map(|d| &d.root)
        .ok_or_else(|| "its document could not be found again".to_string())
}

fn apply_edit(text: &str, finding: &Finding, edit: &Edit) -> Result<String, String> {
    let documents =
        read_text(&finding.file, text, &ReadLimits::default()).map_err(|e| format!("the file does not parse: {e}"))?;
    let root = locate(&documents, finding)?;
    let lines = Lines::new(text);
    let edited: TextEdit = match edit {
        Edit::AddDocument { value } => {
            let mut out = String::new();
            if !text.is_empty() && !text.ends_with('\n') {
                out.push_str(lines.eol);
            }
            out.push_str("---");
            out.push_str(lines.eol);
            for line in render::document(&parse(value)?) {
                out.push_str(&line);
                out.push_str(lines.eol);
            }
            TextEdit {
                range: text.len()..text.len(),
                text: out,
            }
        }
        Edit::Set { path, value } => {
            let root = target(root, path)?;
            text::set(&lines, &root, &path.steps, &parse(value)?)?
        }
        Edit::Remove { path } => {
            let root = target(root, path)?;
            text::remove(&lines, &root, &path.steps)?
        }
        Edit::Append { path, items } => {
            let root = target(root, path)?;
            let items: Vec<Json> = items.iter().map(|i| parse(i)).collect::<Result<_, _>>()?;
            text::append(&lines, &root, &path.steps, &items)?
        }
    };
    let after = format!(
        "{}{}{}",
        &text[..edited.range.start],
        edited.text,
        &text[edited.range.end..]
    );
    verify(text, &after, finding, edit)?;
    Ok(after)
}

/// The tree an edit's path starts at: the document, or the config in one
/// of its `data` values (read from the literal block scalar, with positions
/// in the file).
fn target(root: &Node, path: &FieldPath) -> Result<Node, String> {
    let Some(key) = &path.within else {
        return Ok(root.clone());
    };
    if root.get("kind").and_then(Node::as_str) == Some("Secret") && root.path(&["data", key]).is_some() {
        return Err("the config is base64 in a Secret's data".to_string());
    }
    let value = root
        .path(&["data", key])
        .or_else(|| root.path(&["stringData", key]))
        .ok_or_else(|| format!("no data key {key:?}"))?;
    let (Some(inner), Some(origin)) = (value.as_str(), value.block) else {
        return Err(format!("data[{key}] is not a literal block scalar (`|`)"));
    };
    let mut documents = read_documents_within(inner, &crate::model::embedded::embedded_limits(), Some(origin))
        .map_err(|e| e.to_string())?;
    if documents.len() != 1 {
        return Err(format!("data[{key}] holds more than one document"));
    }
    Ok(documents.remove(0))
}

/// The edited file parses, and reads back as the original with exactly the
/// edit applied: every other document, every other field unchanged.
fn verify(before: &str, after: &str, finding: &Finding, edit: &Edit) -> Result<(), String> {
    let broken = |e: crate::read::ReadError| format!("the edit would break the YAML: {e}");
    let old = read_text(&finding.file, before, &ReadLimits::default()).map_err(broken)?;
    let new = read_text(&finding.file, after, &ReadLimits::default()).map_err(broken)?;
    let json = |docs: &[crate::read::Document]| docs.iter().map(|d| d.root.to_json()).collect::<Vec<_>>();
    let (old_json, new_json) = (json(&old), json(&new));
    let as_intended = match edit {
        Edit::AddDocument { value } => {
            let mut expected = old_json;
            expected.push(parse(value)?);
            new_json == expected
        }
        Edit::Set { path, .. } | Edit::Remove { path } | Edit::Append { path, .. } => {
            let old_root = locate(&old, finding)?;
            let index = old.iter().position(|d| std::ptr::eq(&d.root, old_root)).unwrap_or(0);
            let new_root = locate(&new, finding)?;
            let others_kept = old_json.len() == new_json.len()
                && old_json
                    .iter()
                    .zip(&new_json)
                    .enumerate()
                    .all(|(i, (o, n))| i == index || o == n);
            let old_tree = target(old_root, path)?;
            let new_tree = target(new_root, path)?;
            let mut expected = old_tree.to_json();
            apply_to_json(&mut expected, &path.steps, edit)?;
            let outside_kept = match &path.within {
                None => true,
                // The config is text in the object: the rest of the object is kept.
                Some(key) => without_data_key(old_root.to_json(), key) == without_data_key(new_root.to_json(), key),
            };
            others_kept && outside_kept && new_tree.to_json() == expected
        }
    };
    if as_intended {
        Ok(())
    } else {
        Err("the edit did not read back as intended".to_string())
    }
}

fn parse(value: &str) -> Result<Json, String> {
    serde_json::from_str(value).map_err(|e| format!("an edit's value is not JSON: {e}"))
}

fn without_data_key(mut object: Json, key: &str) -> Json {
    for field in ["data", "stringData"] {
        if let Some(Json::Object(data)) = object.get_mut(field) {
            data.shift_remove(key);
        }
    }
    object
}

/// The edit applied to a JSON value: what the edited text must read back as.
pub(crate) fn apply_to_json(root: &mut Json, steps: &[Step], edit: &Edit) -> Result<(), String> {
    let Some((last, parents)) = steps.split_last() else {
        return Err("an edit without a path".to_string());
    };
    let creates = !matches!(edit, Edit::Remove { .. });
    let mut node = root;
    for step in parents {
        node = match step {
            Step::Key(key) => {
                if creates && node.get(key).is_none_or(Json::is_null) {
                    let map = node
                        .as_object_mut()
                        .ok_or("the path runs through a field that is not a map")?;
                    map.insert(key.clone(), Json::Object(serde_json::Map::new()));
                }
                node.get_mut(key).ok_or("the path is not there")?
            }
            Step::Index(i) => node.get_mut(*i).ok_or("the path is not there")?,
        };
    }
    match (edit, last) {
        (Edit::Set { value, .. }, Step::Key(key)) => {
            node.as_object_mut()
                .ok_or("not a map")?
                .insert(key.clone(), parse(value)?);
        }
        (Edit::Set { value, .. }, Step::Index(i)) => {
            *node.get_mut(*i).ok_or("no such item")? = parse(value)?;
        }
        (Edit::Remove { .. }, Step::Key(key)) => {
            node.as_object_mut().ok_or("not a map")?.shift_remove(key);
        }
        (Edit::Remove { .. }, Step::Index(i)) => {
            let list = node.as_array_mut().ok_or("not a list")?;
            if *i >= list.len() {
                return Err("no such item".to_string());
            }
            list.remove(*i);
        }
        (Edit::Append { items, .. }, _) => {
            let slot = match last {
                Step::Key(key) => {
                    let map = node.as_object_mut().ok_or("not a map")?;
                    map.entry(key.clone()).or_insert(Json::Null)
                }
                Step::Index(i) => node.get_mut(*i).ok_or("no such item")?,
            };
            if slot.is_null() {
                *slot = Json::Array(Vec::new());
            }
            let list = slot.as_array_mut().ok_or("not a list")?;
            for item in items {
                list.push(parse(item)?);
            }
        }
        (Edit::AddDocument { .. }, _) => return Err("a new document has no path".to_string()),
    }
    Ok(())
}

/// A unified diff of a file's change (`promha fix --diff`, the web page).
pub fn unified_diff(change: &FileChange) -> String {
    similar::TextDiff::from_lines(&change.before, &change.after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{}", change.file), &format!("b/{}", change.file))
        .to_string()
}

#[cfg(test)]
mod tests;
