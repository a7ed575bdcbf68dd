//! A YAML/JSON value tree that remembers where each field was written.
//!
//! Rules point at the exact field they complain about, so every node keeps
//! the line and column of its key (or of itself, for list items and roots).
//! Objects that arrive as JSON in an admission request have no source text:
//! their positions are [`Position::UNKNOWN`].

use std::fmt;

/// A 1-based line and column in a source file; `0:0` when unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    pub const UNKNOWN: Position = Position { line: 0, column: 0 };

    pub fn new(line: u32, column: u32) -> Self {
        Position { line, column }
    }

    pub fn is_known(self) -> bool {
        self.line > 0
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Where the content of a literal block scalar (`key: |`) starts in its file,
/// so that a config embedded in it (a prometheus.yml in a ConfigMap) can
/// report positions in the enclosing file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockOrigin {
    /// Line of the first content line.
    pub first_line: u32,
    /// Number of columns of indentation stripped from every content line.
    pub indent: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    /// The position of the key naming this node, or of the node itself.
    pub position: Position,
    /// Set on strings written as literal block scalars.
    pub block: Option<BlockOrigin>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: Node,
}

impl Node {
    pub fn new(value: Value, position: Position) -> Self {
        Node {
            value,
            position,
            block: None,
        }
    }

    pub fn null() -> Self {
        Node::new(Value::Null, Position::UNKNOWN)
    }

    pub fn string(text: String) -> Self {
        Node::new(Value::String(text), Position::UNKNOWN)
    }

    /// The items of a list, or the node itself when it is none.
    pub fn into_seq(self) -> Result<Vec<Node>, Node> {
        match self.value {
            Value::Seq(items) => Ok(items),
            _ => Err(self),
        }
    }

    /// The value of `key` when this node is a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Map(entries) => entries.iter_mut().find(|e| e.key == key).map(|e| &mut e.value),
            _ => None,
        }
    }

    /// Takes the value of `key` out of a map, leaving null in its place.
    pub fn take(&mut self, key: &str) -> Option<Node> {
        self.get_mut(key).map(|node| std::mem::replace(node, Node::null()))
    }

    /// Adds `key` at the end of a map that does not have it.
    pub fn insert_if_missing(&mut self, key: &str, value: Node) {
        if let Value::Map(entries) = &mut self.value
            && !entries.iter().any(|e| e.key == key)
        {
            entries.push(Entry {
                key: key.to_string(),
                value,
            });
        }
    }

    /// What kind of JSON value this is, as messages say it (as [`crate::json_type`] does).
    pub fn json_type(&self) -> &'static str {
        match &self.value {
            Value::Null => JsonKind::Null,
            Value::Bool(_) => JsonKind::Boolean,
            Value::Int(_) | Value::Float(_) => JsonKind::Number,
            Value::String(_) => JsonKind::String,
            Value::Seq(_) => JsonKind::List,
            Value::Map(_) => JsonKind::Map,
        }
        .phrase()
    }

    /// Follows map keys; `None` as soon as one is missing or not a map.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// An integer, also when written as a whole float (`2.0`): YAML tools
    /// such as kubectl turn it into the JSON number 2, which the API accepts.
    pub fn as_whole_number(&self) -> Option<i64> {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: beyond it floats skip integers
        match self.value {
            Value::Int(n) => Some(n),
            Value::Float(f) if f.fract() == 0.0 && f.abs() <= EXACT => Some(f as i64),
            _ => None,
        }
    }

    /// A whole number that fits the API's int32 fields (replicas, shards…).
    pub fn as_int32(&self) -> Option<i64> {
        self.as_whole_number().filter(|n| i32::try_from(*n).is_ok())
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The text of a scalar as a Kubernetes label value or flag would read
    /// it (`5` and `"5"` both read as `5`); `None` for collections and null.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::String(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// "a string", "a list", … for messages about wrong types.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    /// A short rendering of the value for messages: `"two"`, `5`, `a list`.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::String(s) => {
                let shown: String = s.chars().take(40).collect();
                if shown.len() < s.len() {
                    format!("the string {shown:?}…")
                } else {
                    format!("the string {shown:?}")
                }
            }
            Value::Int(i) => format!("the integer {i}"),
            // 1e100 in full is a hundred digits nobody wrote.
            Value::Float(f) if f.abs() >= 1e15 => format!("the number {f:e}"),
            Value::Float(f) => format!("the number {f}"),
            Value::Bool(b) => format!("the boolean {b}"),
            _ => self.type_name().to_string(),
        }
    }

    /// Converts JSON (an admission request's object) into a tree without positions.
    pub fn from_json(value: &serde_json::Value) -> Node {
        let value = match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => Value::Seq(items.iter().map(Node::from_json).collect()),
            serde_json::Value::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| Entry {
                        key: k.clone(),
                        value: Node::from_json(v),
                    })
                    .collect(),
            ),
        };
        Node::new(value, Position::UNKNOWN)
    }

    /// Converts back to JSON, for schema validation and for the policy's lookups.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            // JSON has no NaN or infinity: keep their text, so a schema
            // expecting a number reports them instead of seeing null.
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or_else(|| serde_json::Value::String(f.to_string()), serde_json::Value::Number),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                serde_json::Value::Object(entries.iter().map(|e| (e.key.clone(), e.value.to_json())).collect())
            }
        }
    }

    /// The node at a JSON pointer (`/spec/replicas`, `/items/0`), as schema
    /// validators report locations.
    pub fn at_pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let segment = raw.replace("~1", "/").replace("~0", "~");
            node = match &node.value {
                Value::Map(_) => node.get(&segment)?,
                Value::Seq(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The position of the deepest existing node along `keys`: a finding
    /// about a missing field points at its nearest written parent.
    pub fn nearest_position(&self, keys: &[&str]) -> Position {
        let mut node = self;
        let mut position = self.position;
        for key in keys {
            match node.get(key) {
                Some(child) => {
                    node = child;
                    if child.position.is_known() {
                        position = child.position;
                    }
                }
                None => break,
            }
        }
        position
    }
}

/// The kinds of JSON value, for messages about a value of the wrong kind,
/// whether it was read as JSON or into promha's document tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonKind {
    Null,
    Boolean,
    Number,
    String,
    List,
    Map,
}

impl JsonKind {
    pub(crate) fn phrase(self) -> &'static str {
        match self {
            JsonKind::Null => "null",
            JsonKind::Boolean => "a boolean",
            JsonKind::Number => "a number",
            JsonKind::String => "a string",
            JsonKind::List => "a list",
            JsonKind::Map => "a map",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_types() {
        let json = serde_json::json!({"a": [1, 2.5, "x", true, null], "b": {"c": "d"}});
        let node = Node::from_json(&json);
        assert_eq!(node.to_json(), json);
        assert_eq!(node.path(&["b", "c"]).and_then(Node::as_str), Some("d"));
        assert_eq!(node.get("a").map(Node::type_name), Some("a list"));
    }

    /// A key is added at the end of a map only when it is not there; a
    /// value that is not a map is left alone.
    #[test]
    fn keys_are_inserted_only_where_missing() {
        let mut node = Node::from_json(&serde_json::json!({"a": 1}));
        node.insert_if_missing("b", Node::from_json(&serde_json::json!(2)));
        node.insert_if_missing("a", Node::from_json(&serde_json::json!(3)));
        assert_eq!(node.to_json(), serde_json::json!({"a": 1, "b": 2}));
        let mut list = Node::from_json(&serde_json::json!([1]));
        list.insert_if_missing("a", Node::null());
        assert_eq!(list.to_json(), serde_json::json!([1]));
    }

    #[test]
    fn pointer_walks_maps_and_lists() {
        let node = Node::from_json(&serde_json::json!({"spec": {"a/b": [{"x": 1}]}}));
        assert_eq!(
            node.at_pointer("/spec/a~1b/0/x").map(|n| n.value.clone()),
            Some(Value::Int(1))
        );
        assert!(node.at_pointer("/spec/missing").is_none());
        assert!(node.at_pointer("/spec/a~1b/7").is_none());
    }

    #[test]
    fn describe_shortens_long_strings() {
        let long = Node::new(Value::String("x".repeat(100)), Position::UNKNOWN);
        assert!(long.describe().ends_with('…'));
        assert_eq!(
            Node::new(Value::String("two".into()), Position::UNKNOWN).describe(),
            "the string \"two\""
        );
    }
}
