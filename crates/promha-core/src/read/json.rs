//! JSON read straight into [`Node`] trees: admission payloads and the
//! cluster's List answers, without building a `serde_json::Value` first
//! (on the admission path, that copy and its drop were a third of the work).

use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::node::{Entry, Node, Position, Value};

/// Reads JSON text as a [`Node`] tree, as [`Node::from_json`] would convert
/// it: the same numbers (integers beyond i64 become floats) and, for a key
/// written twice, the last value in the first one's place. serde_json's
/// nesting limit (128) bounds the depth.
pub fn node_from_json_slice(bytes: &[u8]) -> Result<Node, serde_json::Error> {
    serde_json::from_slice(bytes)
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

fn node(value: Value) -> Node {
    Node::new(value, Position::UNKNOWN)
}

/// Maps longer than this look keys up in a hash map to find repeats, so a
/// huge map is not quadratic; shorter ones scan.
const SCANNED_MAP_LEN: usize = 16;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(node(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(node(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(node(Value::Bool(b)))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Node, E> {
        Ok(node(Value::Int(i)))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Node, E> {
        Ok(node(match i64::try_from(u) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(u as f64),
        }))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Node, E> {
        Ok(node(Value::Float(f)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(node(Value::String(s.to_string())))
    }

    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(node(Value::String(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(node(Value::Seq(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            let seen = if entries.len() < SCANNED_MAP_LEN {
                entries.iter().position(|e| e.key == key)
            } else {
                if index.is_empty() {
                    index = entries.iter().enumerate().map(|(i, e)| (e.key.clone(), i)).collect();
                }
                index.get(&key).copied()
            };
            match seen {
                Some(i) => entries[i].value = value,
                None => {
                    if !index.is_empty() {
                        index.insert(key.clone(), entries.len());
                    }
                    entries.push(Entry { key, value });
                }
            }
        }
        Ok(node(Value::Map(entries)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `Node::from_json` makes of the same text, the reference.
    fn via_value(text: &str) -> Node {
        Node::from_json(&serde_json::from_str::<serde_json::Value>(text).unwrap())
    }

    #[test]
    fn reads_as_the_value_conversion_does() {
        let keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
        let many = format!("{{{}, \"k3\": \"again\", \"k39\": [1]}}", keys.join(", "));
        for text in [
            r#"{"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}, "n": null}"#,
            r#"[true, false, 0, -1, 1.5, 2.0, 1e300, 18446744073709551615, 9223372036854775807, "s"]"#,
            r#"{"a": 1, "b": 2, "a": 3}"#,
            r#"{"spec": {"replicas": -9223372036854775808, "x": [[], {}]}}"#,
            &many,
        ] {
            assert_eq!(
                node_from_json_slice(text.as_bytes()).unwrap(),
                via_value(text),
                "{text}"
            );
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_last_value() {
        let node = node_from_json_slice(br#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        let keys: Vec<&str> = node.as_map().unwrap().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(node.get("a").unwrap().value, Value::Int(3));
    }

    #[test]
    fn bad_and_deep_json_are_errors() {
        assert!(node_from_json_slice(b"{\"a\": ").is_err());
        assert!(node_from_json_slice(b"not json").is_err());
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let error = node_from_json_slice(deep.as_bytes()).unwrap_err().to_string();
        assert!(error.contains("recursion limit"), "{error}");
    }
}
