//! `promha fix` on a Helm values file: the values changes of a finding on a
//! known chart's object, made with the same text edits as manifests and
//! checked the same way, by reading the file back.

use serde_json::Value as Json;

use super::text::{self, Lines, TextEdit};
use super::{apply_to_json, parse, render};
use crate::finding::{Edit, FieldPath, Finding, Step, ValuesOp};
use crate::read::{Node, ReadLimits, read_documents};
use crate::values::{self, ValuesFile};

/// Makes the finding's changes that belong in `file` (the one deciding each
/// key, else the last values file).
pub(super) fn apply(text: &str, file: &str, files: &[ValuesFile<'_>], finding: &Finding) -> Result<String, String> {
    let chart = finding
        .chart
        .as_deref()
        .ok_or("the finding is not about a chart's values")?;
    let this = files
        .iter()
        .position(|f| f.file == file)
        .ok_or("the values file cannot be read")?;
    let mut current = text.to_string();
    for change in &chart.changes {
        let key = chart.full_key(&change.key);
        if values::target(files, &key) != this {
            continue;
        }
        let path = FieldPath {
            within: None,
            steps: key.iter().map(|k| Step::Key(k.clone())).collect(),
        };
        let edit = match &change.op {
            ValuesOp::Set { value, .. } => Edit::Set {
                path,
                value: value.clone(),
            },
            // Removed here, an earlier file's value would show through: null removes it in Helm.
            ValuesOp::Remove if values::remove_by_null(files, &key) => Edit::Set {
                path,
                value: "null".to_string(),
            },
            ValuesOp::Remove => Edit::Remove { path },
            ValuesOp::Append { items } => Edit::Append {
                path,
                items: items.clone(),
            },
        };
        current = apply_edit(&current, &edit)?;
    }
    Ok(current)
}

/// The values file's one document (null when empty).
fn read_root(text: &str) -> Result<Node, String> {
    let mut documents =
        read_documents(text, &ReadLimits::default()).map_err(|e| format!("the values file does not parse: {e}"))?;
    if documents.len() > 1 {
        return Err("the values file holds more than one document".to_string());
    }
    Ok(documents.pop().unwrap_or_else(Node::null))
}

fn apply_edit(text: &str, edit: &Edit) -> Result<String, String> {
    let root = read_root(text)?;
    let lines = Lines::new(text);
    let (Edit::Set { path, .. } | Edit::Remove { path } | Edit::Append { path, .. }) = edit else {
        return Err("a values change adds no document".to_string());
    };
    let edited = if root.is_null() {
        // An empty file (or comments only): the key goes at its end.
        let value = match edit {
            Edit::Set { value, .. } => parse(value)?,
            Edit::Append { items, .. } => Json::Array(items.iter().map(|i| parse(i)).collect::<Result<_, _>>()?),
            _ => return Err("the values file sets nothing to remove".to_string()),
        };
        append_block(&lines, text, &path.steps, value)?
    } else {
        if root.as_map().is_some_and(<[_]>::is_empty) {
            return Err("the values file is written as `{}`: write its keys in block style".to_string());
        }
        match edit {
            Edit::Set { value, .. } => text::set(&lines, &root, &path.steps, &parse(value)?)?,
            Edit::Remove { .. } => text::remove(&lines, &root, &path.steps)?,
            Edit::Append { items, .. } => {
                let items: Vec<Json> = items.iter().map(|i| parse(i)).collect::<Result<_, _>>()?;
                text::append(&lines, &root, &path.steps, &items)?
            }
            Edit::AddDocument { .. } => return Err("a values change adds no document".to_string()),
        }
    };
    let after = format!(
        "{}{}{}",
        &text[..edited.range.start],
        edited.text,
        &text[edited.range.end..]
    );
    verify(text, &after, edit, &path.steps)?;
    Ok(after)
}

/// The key and its value as a block at the end of the text.
fn append_block(lines: &Lines<'_>, text: &str, steps: &[Step], value: Json) -> Result<TextEdit, String> {
    let keys: Vec<&str> = steps
        .iter()
        .map(|s| match s {
            Step::Key(k) => Ok(k.as_str()),
            Step::Index(_) => Err("a values key runs through a list"),
        })
        .collect::<Result<_, _>>()?;
    let Some((first, rest)) = keys.split_first() else {
        return Err("a values change without a key".to_string());
    };
    let mut value = value;
    for key in rest.iter().rev() {
        let mut map = serde_json::Map::new();
        map.insert((*key).to_string(), value);
        value = Json::Object(map);
    }
    let mut out = Vec::new();
    render::entry(first, &value, 0, &mut out);
    let mut block = String::new();
    if !text.is_empty() && !text.ends_with('\n') {
        block.push_str(lines.eol);
    }
    for line in out {
        block.push_str(&line);
        block.push_str(lines.eol);
    }
    Ok(TextEdit {
        range: text.len()..text.len(),
        text: block,
    })
}

/// The edited file reads back as the original with exactly the change made.
fn verify(before: &str, after: &str, edit: &Edit, steps: &[Step]) -> Result<(), String> {
    let old = read_root(before)?.to_json();
    let new = read_root(after)
        .map_err(|e| format!("the edit would break the YAML: {e}"))?
        .to_json();
    let mut expected = if old.is_null() {
        Json::Object(serde_json::Map::new())
    } else {
        old
    };
    apply_to_json(&mut expected, steps, edit)?;
    if new == expected {
        Ok(())
    } else {
        Err("the edit did not read back as intended".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(key: &[&str], value: Json) -> Edit {
        Edit::Set {
            path: FieldPath::keys(key),
            value: value.to_string(),
        }
    }

    #[test]
    fn a_key_is_set_under_its_deepest_parent_keeping_everything_else() {
        let text =
            "# my values\nprometheus:\n  prometheusSpec:\n    retention: 10d # keep\n\ngrafana:\n  enabled: false\n";
        let after = apply_edit(text, &set(&["prometheus", "prometheusSpec", "replicas"], json!(2))).unwrap();
        assert_eq!(
            after,
            "# my values\nprometheus:\n  prometheusSpec:\n    retention: 10d # keep\n    replicas: 2\n\ngrafana:\n  enabled: false\n"
        );
        let again = apply_edit(&after, &set(&["prometheus", "prometheusSpec", "replicas"], json!(2))).unwrap();
        assert_eq!(again, after, "setting what is set changes nothing");
        let changed = apply_edit(&after, &set(&["prometheus", "prometheusSpec", "replicas"], json!(3))).unwrap();
        assert!(changed.contains("    replicas: 3\n"), "{changed}");
        let new_parent = apply_edit(
            text,
            &set(&["alertmanager", "podDisruptionBudget", "enabled"], json!(true)),
        )
        .unwrap();
        assert!(
            new_parent
                .ends_with("grafana:\n  enabled: false\nalertmanager:\n  podDisruptionBudget:\n    enabled: true\n"),
            "{new_parent}"
        );
    }

    #[test]
    fn empty_files_get_the_key_and_removals_and_appends_read_back() {
        let after = apply_edit("# nothing yet\n", &set(&["server", "replicaCount"], json!(2))).unwrap();
        assert_eq!(after, "# nothing yet\nserver:\n  replicaCount: 2\n");
        let appended = apply_edit(
            "# nothing yet\n",
            &Edit::Append {
                path: FieldPath::keys(&["server", "env"]),
                items: vec![json!({"name": "POD_NAME"}).to_string()],
            },
        )
        .unwrap();
        assert!(appended.starts_with("# nothing yet\n"), "{appended}");
        assert_eq!(
            read_root(&appended).unwrap().to_json(),
            json!({"server": {"env": [{"name": "POD_NAME"}]}})
        );
        let text = "server:\n  env:\n  - name: A\n    value: b\n  global:\n    external_labels:\n      x: y\n";
        let appended = apply_edit(
            text,
            &Edit::Append {
                path: FieldPath::keys(&["server", "env"]),
                items: vec![json!({"name": "POD_NAME"}).to_string()],
            },
        )
        .unwrap();
        assert!(
            appended.contains("  - name: A\n    value: b\n  - name: POD_NAME\n"),
            "{appended}"
        );
        let removed = apply_edit(
            text,
            &Edit::Remove {
                path: FieldPath::keys(&["server", "env"]),
            },
        )
        .unwrap();
        assert_eq!(removed, "server:\n  global:\n    external_labels:\n      x: y\n");
        assert!(
            apply_edit("{}\n", &set(&["a"], json!(1))).is_err(),
            "flow style is refused"
        );
        assert!(
            apply_edit("a: [1\n", &set(&["a"], json!(1))).is_err(),
            "a broken file is refused"
        );
    }
}
