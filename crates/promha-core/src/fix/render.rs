//! JSON values written as block YAML, the way people write manifests:
//! `key: value`, nested maps indented by two, list items as `- ` lines.

use serde_json::Value as Json;

/// A string as a plain YAML scalar when it reads back as the same string
/// in block context, else double-quoted (JSON's quoting is valid YAML).
pub fn string(text: &str) -> String {
    let special = matches!(
        text.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~" | ".inf" | "-.inf" | ".nan"
    );
    let numeric = text.parse::<f64>().is_ok() || text.starts_with("0x") || text.starts_with("0o");
    let first = text.chars().next();
    let bad_start = match first {
        None => true,
        Some('-') => text.chars().nth(1).is_none_or(|c| c == ' '),
        Some(c) => "?:,[]{}#&*!|>'\"%@`".contains(c) || c.is_whitespace(),
    };
    let plain = !special
        && !numeric
        && !bad_start
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.chars().any(char::is_control);
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
    }
}

/// A string as a plain scalar inside a flow collection (`[a, b]`), where
/// `,[]{}` end it too; else double-quoted.
pub fn flow_string(text: &str) -> String {
    if text.contains([',', '[', ']', '{', '}']) {
        serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
    } else {
        string(text)
    }
}

/// A value in flow style, on one line: `{name: a, port: web}`, `[--a, --b]`.
pub fn flow(value: &Json) -> String {
    match value {
        Json::String(s) => flow_string(s),
        Json::Array(items) => format!("[{}]", items.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Json::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", flow_string(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => scalar(other).unwrap_or_default(),
    }
}

/// A scalar as YAML writes it, or `None` for a collection.
pub fn scalar(value: &Json) -> Option<String> {
    match value {
        Json::Null => Some("null".to_string()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(n.to_string()),
        Json::String(s) => Some(string(s)),
        Json::Array(items) if items.is_empty() => Some("[]".to_string()),
        Json::Object(map) if map.is_empty() => Some("{}".to_string()),
        _ => None,
    }
}

/// `key: value` at `indent`, the value below it when it is a collection.
pub fn entry(key: &str, value: &Json, indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    let key = string(key);
    match scalar(value) {
        Some(text) => out.push(format!("{pad}{key}: {text}")),
        None => {
            out.push(format!("{pad}{key}:"));
            below(value, indent, out);
        }
    }
}

/// A collection's lines under a key at `indent`: a map's fields two deeper,
/// a list's items at the key's own indentation (as Kubernetes manifests do).
pub fn below(value: &Json, indent: usize, out: &mut Vec<String>) {
    match value {
        Json::Array(_) => children(value, indent, out),
        _ => children(value, indent + 2, out),
    }
}

/// The lines of a collection's contents at `indent`.
pub fn children(value: &Json, indent: usize, out: &mut Vec<String>) {
    match value {
        Json::Object(map) => {
            for (key, child) in map {
                entry(key, child, indent, out);
            }
        }
        Json::Array(items) => {
            for item in items {
                item_lines(item, indent, out);
            }
        }
        other => out.push(format!("{}{}", " ".repeat(indent), scalar(other).unwrap_or_default())),
    }
}

/// A list item at `indent`: `- scalar`, or a map whose first entry shares
/// the dash's line.
pub fn item_lines(item: &Json, indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    match (scalar(item), item) {
        (Some(text), _) => out.push(format!("{pad}- {text}")),
        (None, Json::Object(_)) => {
            let mut lines = Vec::new();
            children(item, indent + 2, &mut lines);
            if let Some(first) = lines.first_mut() {
                *first = format!("{pad}- {}", &first[indent + 2..]);
            }
            out.extend(lines);
        }
        (None, _) => {
            out.push(format!("{pad}-"));
            children(item, indent + 2, out);
        }
    }
}

/// A whole document.
pub fn document(value: &Json) -> Vec<String> {
    let mut out = Vec::new();
    children(value, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_yaml_as_people_write_it() {
        let mut out = Vec::new();
        entry(
            "affinity",
            &json!({"podAntiAffinity": {"preferred": [{"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "x", "v": "0"}}}}]}}),
            2,
            &mut out,
        );
        assert_eq!(
            out.join("\n"),
            "  affinity:\n    podAntiAffinity:\n      preferred:\n      - weight: 100\n        podAffinityTerm:\n          topologyKey: kubernetes.io/hostname\n          labelSelector:\n            matchLabels:\n              app: x\n              v: \"0\""
        );
        let mut out = Vec::new();
        item_lines(&json!("--cluster.peer=am-0.am:9094"), 0, &mut out);
        item_lines(&json!({}), 0, &mut out);
        assert_eq!(out, ["- --cluster.peer=am-0.am:9094", "- {}"]);
        assert_eq!(document(&json!({"a": [1, {"b": null}]})), ["a:", "- 1", "- b: null"]);
        // A list in a list: the inner items two deeper than the dash.
        assert_eq!(document(&json!({"a": [[1, 2]]})), ["a:", "-", "  - 1", "  - 2"]);
        let mut out = Vec::new();
        item_lines(&json!([{"b": 1, "c": 2}]), 4, &mut out);
        assert_eq!(out, ["    -", "      - b: 1", "        c: 2"]);
        assert_eq!(
            flow(&json!({"name": "alertmanager-operated", "port": "web", "x": ["${A}", "1", 2, "a,b"]})),
            r#"{name: alertmanager-operated, port: web, x: ["${A}", "1", 2, "a,b"]}"#
        );
        for (text, written) in [
            ("${POD_NAME}", "${POD_NAME}"),
            ("true", "\"true\""),
            ("2", "\"2\""),
            ("- x", "\"- x\""),
            ("a: b", "\"a: b\""),
            ("", "\"\""),
            ("*.yaml", "\"*.yaml\""),
        ] {
            assert_eq!(string(text), written);
        }
    }
}
