//! Helm values files, as `helm -f` takes them (later files win): which file
//! decides a key, what the key's value is, and where a finding on a known
//! chart's object belongs in them, so that it lands on the line the user
//! edits. Positions come from the files' text; the core reads no files.

use serde_json::Value as Json;

use crate::finding::{ChartFix, Finding, ValuesChange, ValuesOp};
use crate::model::helm::{clause, dotted, is_replica_count, join_clauses, values_fix_text};
use crate::read::{self, Node, Position, ReadError, ReadLimits, Source, SourceKind, Unreadable, Value};

/// One values file, read.
#[derive(Debug)]
pub(crate) struct ValuesFile<'s> {
    pub file: &'s str,
    /// Null for an empty file.
    pub root: Node,
}

/// The values files among the sources, in their order, and those that
/// cannot be read as one.
pub(crate) fn read_values<'s>(sources: &[Source<'s>]) -> (Vec<ValuesFile<'s>>, Vec<Unreadable>) {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for source in sources.iter().filter(|s| s.kind == SourceKind::HelmValues) {
        let fail = |position, message: String| Unreadable {
            file: source.file.to_string(),
            error: ReadError { position, message },
            whole_file: true,
            budget_spent: false,
        };
        let text = match read::decode(source.bytes) {
            Ok(text) => text,
            Err(position) => {
                unreadable.push(fail(position, "it is not UTF-8 text".to_string()));
                continue;
            }
        };
        match read::read_documents(text, &ReadLimits::default()) {
            Ok(mut documents) if documents.len() <= 1 => {
                let root = documents.pop().unwrap_or_else(Node::null);
                if root.is_null() || root.as_map().is_some() {
                    files.push(ValuesFile {
                        file: source.file,
                        root,
                    });
                } else {
                    unreadable.push(fail(
                        root.position,
                        format!("a values file is a map of keys, not {}", root.type_name()),
                    ));
                }
            }
            Ok(_) => unreadable.push(fail(
                Position::UNKNOWN,
                "a values file holds one YAML document, this one several".to_string(),
            )),
            Err(error) => unreadable.push(Unreadable {
                file: source.file.to_string(),
                error,
                whole_file: true,
                // Each values file is read under its own default budget.
                budget_spent: false,
            }),
        }
    }
    (files, unreadable)
}

/// The file that decides a key, and the key's node there: the last file
/// that sets it, unless a later one sets one of its parents to something
/// that is not a map (which replaces the whole map).
pub(crate) fn lookup<'f>(files: &'f [ValuesFile<'_>], key: &[String]) -> Option<(usize, &'f Node)> {
    for (index, file) in files.iter().enumerate().rev() {
        let mut node = &file.root;
        let mut depth = 0;
        while depth < key.len() {
            match node.get(&key[depth]) {
                Some(child) => node = child,
                None => break,
            }
            depth += 1;
        }
        if depth == key.len() {
            return Some((index, node));
        }
        if depth > 0 && node.as_map().is_none() {
            return None;
        }
    }
    None
}

/// The value the values files give a key, else the chart's default.
fn effective(files: &[ValuesFile<'_>], key: &[String], default: Option<&str>) -> Option<Json> {
    match lookup(files, key) {
        Some((_, node)) => Some(node.to_json()),
        None => default.and_then(|d| serde_json::from_str(d).ok()),
    }
}

/// The file a change is made in: the one that decides the key, else the last.
pub(crate) fn target(files: &[ValuesFile<'_>], key: &[String]) -> usize {
    lookup(files, key).map_or(files.len().saturating_sub(1), |(index, _)| index)
}

/// Whether removing a key means writing `null` in the deciding file:
/// another values file before it sets the key too, and would show through.
pub(crate) fn remove_by_null(files: &[ValuesFile<'_>], key: &[String]) -> bool {
    match lookup(files, key) {
        Some((index, _)) => lookup(&files[..index], key).is_some(),
        None => false,
    }
}

/// Where a key is, or belongs: its line in the deciding file; when no file
/// sets it, its deepest parent there is in the last file (or that file's top).
fn placement(files: &[ValuesFile<'_>], key: &[String]) -> (usize, Position) {
    if let Some((index, node)) = lookup(files, key) {
        return (index, node.position);
    }
    let last = files.len().saturating_sub(1);
    let mut node = &files[last].root;
    let mut position = Position::new(1, 1);
    for step in key {
        match node.get(step) {
            Some(child) if matches!(child.value, Value::Map(_) | Value::Null) => {
                position = child.position;
                node = child;
            }
            _ => break,
        }
    }
    (last, position)
}

/// Whether the values files already make a change.
fn already_made(files: &[ValuesFile<'_>], chart: &ChartFix, change: &ValuesChange) -> bool {
    let key = chart.full_key(&change.key);
    match &change.op {
        ValuesOp::Set { value, default } => {
            let wanted: Option<Json> = serde_json::from_str(value).ok();
            let current = effective(files, &key, default.as_deref());
            // A replica count is a minimum: more than the fix asks for makes it too.
            let enough = || {
                is_replica_count(chart.chart, &change.key)
                    && matches!((&current, &wanted), (Some(c), Some(w)) if c.as_u64().zip(w.as_u64()).is_some_and(|(c, w)| c >= w))
            };
            wanted.is_some() && (current == wanted || enough())
        }
        ValuesOp::Remove => lookup(files, &key).is_none_or(|(_, node)| node.is_null()),
        ValuesOp::Append { items } => {
            let list = effective(files, &key, None);
            let list = list.as_ref().and_then(Json::as_array);
            items.iter().all(|item| {
                serde_json::from_str::<Json>(item).is_ok_and(|item| list.is_some_and(|l| l.contains(&item)))
            })
        }
    }
}

/// What the values already say about a change that is made: `my-values.yaml
/// sets a.b: 2`, or `a.b is 2 by default`.
fn made_clause(files: &[ValuesFile<'_>], chart: &ChartFix, change: &ValuesChange) -> String {
    let key = chart.full_key(&change.key);
    let name = dotted(&key);
    match (&change.op, lookup(files, &key)) {
        (ValuesOp::Remove, _) => format!("no values file sets {name}"),
        (_, Some((index, node))) => format!(
            "{} sets {name}: {}",
            files[index].file,
            crate::fix::render::flow(&node.to_json())
        ),
        (ValuesOp::Set { value, .. }, None) => format!("{name} is {} by default", shown(value)),
        (ValuesOp::Append { .. }, None) => format!("{name} is unset"),
    }
}

fn shown(value: &str) -> String {
    serde_json::from_str::<Json>(value).map_or_else(|_| value.to_string(), |v| crate::fix::render::flow(&v))
}

/// A chart's values prefix when no template names it: under the chart's
/// name when a values file has that key as a map (an umbrella chart's values).
fn detect_prefix(files: &[ValuesFile<'_>], chart: &str) -> Vec<String> {
    let nested = files
        .iter()
        .any(|f| f.root.get(chart).is_some_and(|n| n.as_map().is_some()));
    if nested { vec![chart.to_string()] } else { Vec::new() }
}

/// Places each finding on a known chart's object whose values key promha
/// knows on the values files: at the line that sets the key (or where it
/// belongs), the rendered location kept, and the fix said as the change
/// still to make in that file.
pub(crate) fn place_on_values(findings: &mut [Finding], files: &[ValuesFile<'_>]) {
    if files.is_empty() {
        return;
    }
    for finding in findings.iter_mut() {
        let Some(chart) = finding.chart.as_deref_mut() else {
            continue;
        };
        if chart.key.is_empty() || chart.rendered_at.is_some() {
            continue;
        }
        if chart.prefix.is_none() {
            chart.prefix = Some(detect_prefix(files, chart.chart));
        }
        let made: Vec<String> = chart
            .changes
            .iter()
            .filter(|c| already_made(files, chart, c))
            .map(|c| made_clause(files, chart, c))
            .collect();
        let had_changes = !chart.changes.is_empty();
        let needed: Vec<ValuesChange> = chart
            .changes
            .iter()
            .filter(|c| !already_made(files, chart, c))
            .cloned()
            .collect();
        chart.changes = needed;
        chart.already_in_values = had_changes && chart.changes.is_empty();
        let key = chart
            .changes
            .first()
            .map_or_else(|| chart.key.clone(), |c| c.key.clone());
        let (index, position) = placement(files, &chart.full_key(&key));
        chart.rendered_at = Some((std::mem::take(&mut finding.file), finding.position));
        finding.file = files[index].file.to_string();
        finding.position = position;
        finding.fix = if chart.already_in_values {
            format!(
                "{}, which fixes this: the input was not rendered from these values; render the chart again with them",
                join_clauses(&made)
            )
        } else {
            fix_text(files, chart)
        };
    }
}

/// The values fix, naming the file each change is made in.
fn fix_text(files: &[ValuesFile<'_>], chart: &ChartFix) -> String {
    if chart.changes.is_empty() {
        let file = files[target(files, &chart.full_key(&chart.key))].file;
        return values_fix_text(chart, Some(file));
    }
    let targets: Vec<usize> = chart
        .changes
        .iter()
        .map(|c| target(files, &chart.full_key(&c.key)))
        .collect();
    let clauses: Vec<String> = chart
        .changes
        .iter()
        .map(|c| {
            let key = chart.full_key(&c.key);
            if matches!(c.op, ValuesOp::Remove) && remove_by_null(files, &key) {
                format!("set {}: null", dotted(&key))
            } else {
                clause(chart, c)
            }
        })
        .collect();
    if targets.iter().all(|t| *t == targets[0]) {
        format!("{} in {}", join_clauses(&clauses), files[targets[0]].file)
    } else {
        let placed: Vec<String> = clauses
            .iter()
            .zip(&targets)
            .map(|(c, t)| format!("{c} in {}", files[*t].file))
            .collect();
        join_clauses(&placed)
    }
}
