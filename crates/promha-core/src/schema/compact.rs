//! promha's compact schema, compiled into statics by build.rs, and the
//! validator that walks a document's tree against it: no schema is parsed or
//! compiled at run time.

use super::{SchemaIssue, type_phrase};
use crate::read::{Node, Position, Value};
use crate::suggest::suggest;

const NULL: u8 = 1;
const BOOLEAN: u8 = 2;
const INTEGER: u8 = 4;
const NUMBER: u8 = 8;
const STRING: u8 = 16;
const ARRAY: u8 = 32;
const OBJECT: u8 = 64;
const ANY_TYPE: u8 = 127;

/// One schema: the types it allows and what it asks of them.
pub(super) struct SchemaNode {
    types: u8,
    /// `format: int32`: an integer within i32, as the CRDs declare replicas.
    int32: bool,
    /// Known fields, sorted by name, with the index of their schema.
    properties: &'static [(&'static str, usize)],
    additional: Additional,
    items: Option<usize>,
    required: &'static [&'static str],
    choices: Option<&'static [Choice]>,
}

impl SchemaNode {
    /// `true`: anything goes.
    const ANY: SchemaNode = SchemaNode {
        types: ANY_TYPE,
        int32: false,
        properties: &[],
        additional: Additional::Allowed,
        items: None,
        required: &[],
        choices: None,
    };
}

/// What fields not in `properties` may be.
enum Additional {
    Allowed,
    /// `additionalProperties: false`: reported when unknown fields are.
    Unknown,
    /// Each is checked against this schema.
    Each(usize),
}

enum Choice {
    Null,
    Text(&'static str),
}

include!(concat!(env!("OUT_DIR"), "/compact_schema.rs"));

/// The compact schema of a kind (`monitoring.coreos.com/Prometheus`,
/// `apps/StatefulSet`, `prometheus.yml`), if promha has one.
pub(super) fn kind(key: &str) -> Option<usize> {
    KINDS.iter().find(|(k, _)| *k == key).map(|(_, index)| *index)
}

/// Every problem of `root` against the kind's schema, sorted by position.
pub(super) fn validate(kind: usize, root: &Node, unknown_fields: bool) -> Vec<SchemaIssue> {
    let mut walk = Walk {
        issues: Vec::new(),
        unknown_fields,
        path: Vec::new(),
    };
    walk.node(kind, root, root.position);
    let mut issues = walk.issues;
    issues.sort_by(|a, b| (a.position, &a.path).cmp(&(b.position, &b.path)));
    issues.dedup();
    issues
}

struct Walk<'n> {
    issues: Vec<SchemaIssue>,
    unknown_fields: bool,
    /// Where the walk is, written out (`spec.affinity.podAntiAffinity…[0]`)
    /// only for an issue: most nodes have none.
    path: Vec<Step<'n>>,
}

#[derive(Clone, Copy)]
enum Step<'n> {
    Key(&'n str),
    Index(usize),
}

fn written(path: &[Step<'_>]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) if out.is_empty() => out.push_str(key),
            Step::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

fn type_of(node: &Node) -> u8 {
    match &node.value {
        Value::Null => NULL,
        Value::Bool(_) => BOOLEAN,
        // Integers are numbers too; a whole float (2.0, as kubectl writes 2) is an integer.
        Value::Int(_) => INTEGER | NUMBER,
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 => INTEGER | NUMBER,
        Value::Float(f) if f.is_finite() => NUMBER,
        Value::Float(_) => 0, // NaN and infinity are no JSON numbers.
        Value::String(_) => STRING,
        Value::Seq(_) => ARRAY,
        Value::Map(_) => OBJECT,
    }
}

/// The types a schema allows, as a message says them (null left out).
fn expected(types: u8) -> String {
    let names: Vec<&str> = [
        (INTEGER, "integer"),
        (NUMBER, "number"),
        (STRING, "string"),
        (BOOLEAN, "boolean"),
        (ARRAY, "array"),
        (OBJECT, "object"),
    ]
    .iter()
    .filter(|(bit, _)| types & bit != 0)
    // "an integer or a number" says no more than "a number".
    .filter(|(bit, _)| !(*bit == INTEGER && types & NUMBER != 0))
    .map(|(_, name)| type_phrase(name))
    .collect();
    names.join(" or ")
}

impl<'n> Walk<'n> {
    fn issue(&mut self, position: Position, message: String, fix: String) {
        self.issues.push(SchemaIssue {
            position,
            path: written(&self.path),
            message,
            fix,
            unknown_field: false,
        });
    }

    fn node(&mut self, index: usize, node: &'n Node, position: Position) {
        let schema = &NODES[index];
        if schema.types & type_of(node) == 0 {
            let path = written(&self.path);
            let expected = expected(schema.types);
            let found = node.describe();
            self.issue(
                position,
                format!("`{path}` must be {expected}, but is {found}"),
                format!("write `{path}` as {expected}"),
            );
            return;
        }
        if schema.int32 && matches!(node.value, Value::Int(_) | Value::Float(_)) && node.as_int32().is_none() {
            let path = written(&self.path);
            self.issue(
                position,
                format!(
                    "`{path}` must be an integer from {} to {} (a 32-bit integer, as the API stores it), but is {}",
                    i32::MIN,
                    i32::MAX,
                    node.describe()
                ),
                format!("write `{path}` as a whole number that fits in 32 bits"),
            );
            return;
        }
        if let Some(choices) = schema.choices {
            let allowed = choices.iter().any(|c| match (c, &node.value) {
                (Choice::Null, Value::Null) => true,
                (Choice::Text(t), Value::String(s)) => t == s,
                _ => false,
            });
            if !allowed {
                let names: Vec<&str> = choices
                    .iter()
                    .filter_map(|c| match c {
                        Choice::Text(t) => Some(*t),
                        Choice::Null => None,
                    })
                    .collect();
                let found = node.describe();
                let path = written(&self.path);
                self.issue(
                    position,
                    format!("`{path}` must be one of {}, but is {found}", names.join(", ")),
                    format!("set `{path}` to one of {}", names.join(", ")),
                );
                return;
            }
        }
        match &node.value {
            Value::Map(entries) => {
                for required in schema.required {
                    if !entries.iter().any(|e| e.key == *required) {
                        let path = written(&self.path);
                        let field = if path.is_empty() {
                            (*required).to_string()
                        } else {
                            format!("{path}.{required}")
                        };
                        self.issue(
                            position,
                            format!("`{field}` is required but missing"),
                            format!("add `{required}`"),
                        );
                    }
                }
                for entry in entries {
                    let known = schema
                        .properties
                        .binary_search_by(|(name, _)| (*name).cmp(entry.key.as_str()))
                        .ok()
                        .map(|i| schema.properties[i].1);
                    let child = match (known, &schema.additional) {
                        (Some(child), _) | (None, &Additional::Each(child)) => Some(child),
                        (None, Additional::Allowed) => None,
                        (None, Additional::Unknown) => {
                            if self.unknown_fields {
                                let path = written(&self.path);
                                self.unknown(schema, &path, &entry.key, entry.value.position);
                            }
                            None
                        }
                    };
                    if let Some(child) = child {
                        self.path.push(Step::Key(&entry.key));
                        self.node(child, &entry.value, entry.value.position);
                        self.path.pop();
                    }
                }
            }
            Value::Seq(items) => {
                if let Some(item_schema) = schema.items {
                    for (i, item) in items.iter().enumerate() {
                        self.path.push(Step::Index(i));
                        self.node(item_schema, item, item.position);
                        self.path.pop();
                    }
                }
            }
            _ => {}
        }
    }

    fn unknown(&mut self, schema: &SchemaNode, path: &str, field: &str, position: Position) {
        let field_path = if path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        };
        let suggestion = suggest(field, schema.properties.iter().map(|(name, _)| *name));
        self.issues.push(SchemaIssue {
            position,
            message: format!(
                "`{field_path}` is not a field promha or the API knows; it is ignored (pruned by the API server), so whatever it was meant to set stays at its default"
            ),
            fix: match suggestion {
                Some(s) => format!("rename `{field}` to `{s}`"),
                None => format!("remove `{field}` or move it to where it belongs"),
            },
            path: field_path,
            unknown_field: true,
        });
    }
}
