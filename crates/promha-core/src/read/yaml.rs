//! Reads YAML and JSON text into [`Node`] trees that keep source positions.
//!
//! Built on serde-saphyr's event parser (`serde_saphyr::granit_parser`),
//! with our own budget: serde-saphyr's serde layer spends about twice the
//! parser's own time on rendered manifests, and promha must lint 10,000
//! documents in well under a second. The budget bounds nesting depth, total
//! nodes and nodes copied through aliases, so alias bombs and deep nesting
//! are refused with an error instead of exhausting memory or the stack.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde_saphyr::granit_parser::{ErrorKind, Event, Marker, Options, Parser, ScalarStyle, Span, Tag};

use super::node::{BlockOrigin, Entry, Node, Position, Value};

/// Bounds on what one call of [`read_documents`] may build.
#[derive(Clone, Debug)]
pub struct ReadLimits {
    /// Deepest nesting of maps and lists.
    pub max_depth: usize,
    /// Nodes in all documents of one text, counting alias copies.
    pub max_nodes: usize,
    /// Nodes created by expanding aliases (`*name`).
    pub max_alias_nodes: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_depth: 64,
            max_nodes: 4_000_000,
            max_alias_nodes: 100_000,
        }
    }
}

/// Why a text could not be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    pub position: Position,
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.position.is_known() {
            write!(
                f,
                "line {}, column {}: {}",
                self.position.line, self.position.column, self.message
            )
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads every document of a YAML stream (JSON is read as YAML). Empty
/// documents are returned as null nodes.
pub fn read_documents(text: &str, limits: &ReadLimits) -> Result<Vec<Node>, ReadError> {
    read_documents_within(text, limits, None)
}

/// Reads a text embedded in a literal block scalar of another file, giving
/// positions in that enclosing file.
pub fn read_documents_within(
    text: &str,
    limits: &ReadLimits,
    origin: Option<BlockOrigin>,
) -> Result<Vec<Node>, ReadError> {
    read_documents_metered(text, limits, origin, &mut 0)
}

/// Reads one of several parts of a text (its documents, read one by one),
/// counting nodes in `used` so that the budget holds for the whole text.
pub fn read_documents_metered(
    text: &str,
    limits: &ReadLimits,
    origin: Option<BlockOrigin>,
    used: &mut usize,
) -> Result<Vec<Node>, ReadError> {
    let mut options = Options::default();
    options.flow_nesting_limit = limits.max_depth;
    options.block_nesting_limit = limits.max_depth;
    let parser = Parser::new_from_str_with_options(text, options);
    let mut builder = Builder {
        limits,
        origin,
        stack: Vec::new(),
        anchors: HashMap::new(),
        documents: Vec::new(),
        root: None,
        nodes: *used,
        alias_nodes: 0,
    };
    for item in parser {
        let (event, span) = item.map_err(|e| ReadError {
            position: builder.map_marker(e.marker()),
            // The scanner enforces the same depth on flow collections, ahead of the events.
            message: match e.kind() {
                ErrorKind::RecursionLimitExceeded => depth_message(limits),
                _ => e.info(),
            },
        })?;
        let built = builder.event(event, span);
        // Counted even when this event fails, so a caller sees the budget spent.
        *used = builder.nodes;
        built?;
    }
    Ok(builder.documents)
}

enum Frame {
    Seq {
        items: Vec<Node>,
        position: Position,
        anchor: usize,
    },
    Map {
        entries: Vec<Entry>,
        position: Position,
        anchor: usize,
        key: Option<(String, Position)>,
        has_merge: bool,
        /// The keys so far, once the map is too wide to scan for duplicates.
        wide_keys: Option<HashSet<String>>,
    },
}

/// Up to this many entries a map is scanned for a duplicate key; past it a
/// hash set keeps a 100,000-key map from taking quadratic time.
const SCANNED_KEYS: usize = 16;

struct Builder<'l> {
    limits: &'l ReadLimits,
    origin: Option<BlockOrigin>,
    stack: Vec<Frame>,
    /// Anchored nodes of the current document with their node counts.
    anchors: HashMap<usize, (Node, usize)>,
    documents: Vec<Node>,
    root: Option<Node>,
    nodes: usize,
    alias_nodes: usize,
}

impl Builder<'_> {
    fn map_marker(&self, marker: &Marker) -> Position {
        let line = u32::try_from(marker.line()).unwrap_or(u32::MAX);
        let column = u32::try_from(marker.col() + 1).unwrap_or(u32::MAX);
        match self.origin {
            Some(o) => Position::new(
                o.first_line.saturating_add(line.saturating_sub(1)),
                column.saturating_add(o.indent),
            ),
            None => Position::new(line, column),
        }
    }

    fn error(&self, span: &Span, message: impl Into<String>) -> ReadError {
        ReadError {
            position: self.map_marker(&span.start),
            message: message.into(),
        }
    }

    fn count_nodes(&mut self, n: usize, span: &Span) -> Result<(), ReadError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(self.error(
                span,
                format!("more than {} YAML nodes: input too large", self.limits.max_nodes),
            ));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), ReadError> {
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(..) => {
                self.anchors.clear();
                self.root = None;
            }
            Event::DocumentEnd => {
                let root = self.root.take().unwrap_or_else(Node::null);
                self.documents.push(root);
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count_nodes(1, &span)?;
                let position = self.map_marker(&span.start);
                if let Some(Frame::Map { key: key @ None, .. }) = self.stack.last_mut() {
                    *key = Some((text.into_owned(), position));
                    return Ok(());
                }
                let block = (style == ScalarStyle::Literal).then(|| self.literal_origin(&span, &text));
                let mut node = Node::new(resolve_scalar(text, style, tag.as_deref()), position);
                node.block = block;
                if anchor != 0 {
                    self.anchors.insert(anchor, (node.clone(), 1));
                }
                self.push_value(node, 1, &span)?;
            }
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                self.count_nodes(1, &span)?;
                if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
                    return Err(self.error(&span, "a map or list used as a mapping key is not supported"));
                }
                if self.stack.len() >= self.limits.max_depth {
                    return Err(self.error(&span, depth_message(self.limits)));
                }
                let position = self.map_marker(&span.start);
                self.stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::new(),
                        position,
                        anchor,
                    }
                } else {
                    Frame::Map {
                        entries: Vec::new(),
                        position,
                        anchor,
                        key: None,
                        has_merge: false,
                        wide_keys: None,
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(self.error(&span, "unbalanced end of collection"));
                };
                let (node, anchor) = match frame {
                    Frame::Seq {
                        items,
                        position,
                        anchor,
                    } => (Node::new(Value::Seq(items), position), anchor),
                    Frame::Map {
                        entries,
                        position,
                        anchor,
                        has_merge,
                        ..
                    } => {
                        let entries = if has_merge { merge_keys(entries) } else { entries };
                        (Node::new(Value::Map(entries), position), anchor)
                    }
                };
                let size = node_count(&node);
                if anchor != 0 {
                    self.anchors.insert(anchor, (node.clone(), size));
                }
                // Already counted node by node as it was built.
                self.push_value(node, 0, &span)?;
            }
            Event::Alias(anchor) => {
                let Some((node, size)) = self.anchors.get(&anchor).cloned() else {
                    return Err(self.error(&span, "alias to an unknown anchor"));
                };
                self.alias_nodes = self.alias_nodes.saturating_add(size);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(self.error(
                        &span,
                        format!(
                            "aliases expand to more than {} nodes (an alias bomb?)",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                self.count_nodes(size, &span)?;
                if let Some(Frame::Map { key: key @ None, .. }) = self.stack.last_mut() {
                    match node.scalar_text() {
                        Some(text) => *key = Some((text, node.position)),
                        None => {
                            return Err(self.error(&span, "an alias to a collection used as a mapping key"));
                        }
                    }
                    return Ok(());
                }
                let mut node = node;
                node.position = self.map_marker(&span.start);
                self.push_value(node, 0, &span)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn push_value(&mut self, mut node: Node, _counted: usize, span: &Span) -> Result<(), ReadError> {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                has_merge,
                wide_keys,
                ..
            }) => {
                let Some((key, key_position)) = key.take() else {
                    return Err(self.error(span, "mapping value without a key"));
                };
                if key == "<<" {
                    *has_merge = true;
                }
                if let Some(first) = find_duplicate(entries, wide_keys, &key) {
                    let message = if first.is_known() {
                        format!("duplicate key {key:?} (first at line {})", first.line)
                    } else {
                        format!("duplicate key {key:?}")
                    };
                    return Err(ReadError {
                        position: key_position,
                        message,
                    });
                }
                // A field is reported where its key is written.
                node.position = key_position;
                entries.push(Entry { key, value: node });
            }
        }
        Ok(())
    }

    /// Where the content of a literal block scalar begins. The parser's span
    /// starts at its first non-blank content line, at the content indentation;
    /// the leading blank lines are kept in the value as newlines.
    fn literal_origin(&self, span: &Span, content: &str) -> BlockOrigin {
        let leading_blank_lines = content.bytes().take_while(|&b| b == b'\n').count();
        let first_line = span.start.line().saturating_sub(leading_blank_lines);
        let mapped = self.map_marker(&Marker::new(0, first_line, span.start.col()));
        BlockOrigin {
            first_line: mapped.line,
            indent: mapped.column.saturating_sub(1),
        }
    }
}

fn depth_message(limits: &ReadLimits) -> String {
    format!("nesting deeper than {} levels", limits.max_depth)
}

/// Where `key` was first written in the map, if it already was.
fn find_duplicate(entries: &[Entry], wide_keys: &mut Option<HashSet<String>>, key: &str) -> Option<Position> {
    let first = |key: &str| entries.iter().find(|e| e.key == key).map(|e| e.value.position);
    if entries.len() < SCANNED_KEYS {
        return first(key);
    }
    let keys = wide_keys.get_or_insert_with(|| entries.iter().map(|e| e.key.clone()).collect());
    if keys.insert(key.to_string()) { None } else { first(key) }
}

/// Applies YAML merge keys (`<<: *base`): explicit keys win over merged ones,
/// and earlier merged maps win over later ones.
fn merge_keys(entries: Vec<Entry>) -> Vec<Entry> {
    let mut own = Vec::with_capacity(entries.len());
    let mut merged_sources = Vec::new();
    for entry in entries {
        if entry.key == "<<" {
            match entry.value.value {
                Value::Map(m) => merged_sources.push(m),
                Value::Seq(items) => {
                    for item in items {
                        if let Value::Map(m) = item.value {
                            merged_sources.push(m);
                        }
                    }
                }
                _ => {}
            }
        } else {
            own.push(entry);
        }
    }
    let mut seen: HashSet<String> = own.iter().map(|e| e.key.clone()).collect();
    for source in merged_sources {
        for entry in source {
            if seen.insert(entry.key.clone()) {
                own.push(entry);
            }
        }
    }
    own
}

fn node_count(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Value::Map(entries) => 1 + entries.iter().map(|e| node_count(&e.value)).sum::<usize>(),
        _ => 1,
    }
}

/// The YAML 1.2 core schema: plain `5` is an integer, `"5"` a string.
fn resolve_scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        match tag.core_suffix() {
            Some("str") => return Value::String(text.into_owned()),
            Some("null") => return Value::Null,
            Some("bool") | Some("int") | Some("float") => return resolve_plain(text),
            _ => return Value::String(text.into_owned()),
        }
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.into_owned());
    }
    resolve_plain(text)
}

fn resolve_plain(text: Cow<'_, str>) -> Value {
    match text.as_ref() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let s = text.as_ref();
    let first = s.as_bytes()[0];
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        if let Some(v) = parse_int(s) {
            return Value::Int(v);
        }
        if is_float(s)
            && let Ok(f) = s.parse::<f64>()
        {
            return Value::Float(f);
        }
    }
    Value::String(text.into_owned())
}

fn parse_int(s: &str) -> Option<i64> {
    if let Some(hex) = s.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

fn is_float(s: &str) -> bool {
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let b = s.strip_prefix(['-', '+']).unwrap_or(s).as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-') | Some(b'+')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error says where it is when that is known (JSON from the API
    /// server has no lines), and only what it is otherwise.
    #[test]
    fn errors_say_their_line_when_known() {
        let at = |position| ReadError {
            position,
            message: "bad".into(),
        };
        assert_eq!(at(Position::new(3, 7)).to_string(), "line 3, column 7: bad");
        assert_eq!(at(Position::UNKNOWN).to_string(), "bad");
    }

    fn read(text: &str) -> Vec<Node> {
        match read_documents(text, &ReadLimits::default()) {
            Ok(docs) => docs,
            Err(e) => panic!("unexpected read error: {e}"),
        }
    }

    #[test]
    fn fields_point_at_their_keys() {
        let docs = read("kind: Prometheus\nspec:\n  replicas: 1\n  affinity:\n    x: y\n");
        let spec = docs[0].get("spec").unwrap();
        assert_eq!(spec.position, Position::new(2, 1));
        assert_eq!(spec.get("replicas").unwrap().position, Position::new(3, 3));
        assert_eq!(spec.get("affinity").unwrap().position, Position::new(4, 3));
        assert_eq!(spec.get("replicas").unwrap().value, Value::Int(1));
    }

    #[test]
    fn list_items_point_at_themselves() {
        let docs = read("args:\n  - --a\n  - name: x\n");
        let items = docs[0].get("args").unwrap().as_seq().unwrap();
        assert_eq!(items[0].position, Position::new(2, 5));
        assert_eq!(items[1].position.line, 3);
    }

    /// YAML 1.2's core schema floats: digits on either side of the point
    /// (`.5`, `1.`), an exponent only after digits; anything else is text.
    #[test]
    fn floats_need_a_digit_and_a_whole_exponent() {
        let docs = read("a: .5\nb: 1.\nc: -.25e1\nd: .\ne: 1e\nf: .e3\ng: 1.5x\n");
        let d = &docs[0];
        assert_eq!(d.get("a").unwrap().value, Value::Float(0.5));
        assert_eq!(d.get("b").unwrap().value, Value::Float(1.0));
        assert_eq!(d.get("c").unwrap().value, Value::Float(-2.5));
        for key in ["d", "e", "f", "g"] {
            assert!(matches!(d.get(key).unwrap().value, Value::String(_)), "{key}");
        }
    }

    #[test]
    fn core_schema_types() {
        let docs = read("a: 5\nb: \"5\"\nc: true\nd: ~\ne: 1.5\nf: 0x1F\ng: two\nh: !!str 7\ni: 1e3\nj: -3\n");
        let d = &docs[0];
        assert_eq!(d.get("a").unwrap().value, Value::Int(5));
        assert_eq!(d.get("b").unwrap().value, Value::String("5".into()));
        assert_eq!(d.get("c").unwrap().value, Value::Bool(true));
        assert_eq!(d.get("d").unwrap().value, Value::Null);
        assert_eq!(d.get("e").unwrap().value, Value::Float(1.5));
        assert_eq!(d.get("f").unwrap().value, Value::Int(31));
        assert_eq!(d.get("g").unwrap().value, Value::String("two".into()));
        assert_eq!(d.get("h").unwrap().value, Value::String("7".into()));
        assert_eq!(d.get("i").unwrap().value, Value::Float(1000.0));
        assert_eq!(d.get("j").unwrap().value, Value::Int(-3));
    }

    #[test]
    fn multiple_documents_and_empty_ones() {
        let docs = read("a: 1\n---\n---\nb: 2\n");
        assert_eq!(docs.len(), 3);
        assert!(docs[1].is_null());
        assert_eq!(docs[2].get("b").unwrap().position, Position::new(4, 1));
    }

    #[test]
    fn json_is_read_with_positions() {
        let docs = read("{\n  \"kind\": \"List\",\n\t\"items\": [{\"a\": 1}]\n}\n");
        assert_eq!(docs[0].get("items").unwrap().position.line, 3);
        assert_eq!(docs[0].get("kind").unwrap().as_str(), Some("List"));
    }

    #[test]
    fn aliases_and_merge_keys_expand() {
        let docs = read("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nc: *b\n");
        let m = docs[0].get("m").unwrap();
        assert_eq!(m.get("x").unwrap().value, Value::Int(1));
        assert_eq!(m.get("y").unwrap().value, Value::Int(3));
        assert!(m.get("<<").is_none());
        assert_eq!(docs[0].path(&["c", "y"]).unwrap().value, Value::Int(2));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = read_documents(&text, &ReadLimits::default()).unwrap_err();
        assert!(err.message.contains("alias"), "{err}");
        assert!(err.position.line > 1);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = read_documents(&text, &ReadLimits::default()).unwrap_err();
        assert!(err.message.contains("nesting") || err.message.contains("deep"), "{err}");
        let block: String = (0..200).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
        let err = read_documents(&block, &ReadLimits::default()).unwrap_err();
        assert!(err.message.contains("nesting"), "{err}");
    }

    #[test]
    fn node_budget_is_enforced() {
        let text = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]";
        let limits = ReadLimits {
            max_nodes: 5,
            ..ReadLimits::default()
        };
        let err = read_documents(text, &limits).unwrap_err();
        assert!(err.message.contains("too large"), "{err}");
    }

    #[test]
    fn duplicate_keys_are_errors_with_both_lines() {
        let err = read_documents("a: 1\nb: 2\na: 3\n", &ReadLimits::default()).unwrap_err();
        assert_eq!(err.position, Position::new(3, 1));
        assert!(err.message.contains("first at line 1"), "{err}");
    }

    #[test]
    fn duplicate_keys_in_wide_maps_are_found_too() {
        let wide: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        assert_eq!(read(&wide)[0].as_map().unwrap().len(), 40);
        for repeated in ["k3", "k30"] {
            let err = read_documents(&format!("{wide}{repeated}: again\n"), &ReadLimits::default()).unwrap_err();
            assert_eq!(err.position, Position::new(41, 1), "{repeated}");
            let first_line = repeated[1..].parse::<usize>().unwrap() + 1;
            assert!(err.message.contains(&format!("first at line {first_line}")), "{err}");
        }
    }

    #[test]
    fn syntax_errors_carry_positions() {
        let err = read_documents("a: [1, 2\nb: 3\n", &ReadLimits::default()).unwrap_err();
        assert!(err.position.is_known());
        let err = read_documents("a: *nope\n", &ReadLimits::default()).unwrap_err();
        assert!(err.position.is_known(), "{err}");
    }

    #[test]
    fn literal_blocks_know_where_their_content_is() {
        let text = "data:\n  prometheus.yml: |\n    global:\n      external_labels:\n        replica: a\n";
        let docs = read(text);
        let value = docs[0].path(&["data", "prometheus.yml"]).unwrap();
        let origin = value.block.unwrap();
        assert_eq!(
            origin,
            BlockOrigin {
                first_line: 3,
                indent: 4
            }
        );
        let inner = read_documents_within(value.as_str().unwrap(), &ReadLimits::default(), Some(origin)).unwrap();
        let labels = inner[0].path(&["global", "external_labels"]).unwrap();
        assert_eq!(labels.position, Position::new(4, 7));
    }

    #[test]
    fn literal_block_after_blank_lines() {
        let text = "k: |\n\n  a: 1\n";
        let docs = read(text);
        let origin = docs[0].get("k").unwrap().block.unwrap();
        assert_eq!(
            origin,
            BlockOrigin {
                first_line: 2,
                indent: 2
            }
        );
        let inner = read_documents_within(
            docs[0].get("k").unwrap().as_str().unwrap(),
            &ReadLimits::default(),
            Some(origin),
        )
        .unwrap();
        assert_eq!(inner[0].get("a").unwrap().position, Position::new(3, 3));
    }
}
