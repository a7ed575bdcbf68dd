//! Edits of block YAML as text: a field's line, the lines its value spans,
//! and where a new field or list item goes, found from the parsed tree's
//! positions and the text's indentation. Everything outside the edited
//! lines is left byte for byte. A flow collection on one line is edited in
//! place; what cannot be edited that way (flow collections over several
//! lines, anchors, tabs) is refused with a reason.

use std::ops::Range;

use serde_json::Value as Json;

use super::render;
use crate::finding::Step;
use crate::read::{Node, Position, Value};

/// A file's text by lines.
pub struct Lines<'t> {
    text: &'t str,
    /// Byte offset of each line's start; one past the end for the last.
    starts: Vec<usize>,
    /// The line break the file uses, for inserted lines.
    pub eol: &'static str,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Lines<'t> {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        if starts.last() != Some(&text.len()) {
            starts.push(text.len());
        }
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        Lines { text, starts, eol }
    }

    /// How many lines (a last line without a line break counts).
    pub fn count(&self) -> usize {
        self.starts.len() - 1
    }

    /// Line `n` (1-based) without its line break.
    pub fn line(&self, n: usize) -> &'t str {
        if n == 0 || n > self.count() {
            return "";
        }
        let line = &self.text[self.starts[n - 1]..self.starts[n]];
        line.trim_end_matches('\n').trim_end_matches('\r')
    }

    /// The byte range of lines `first..=last`, line breaks included.
    pub fn span(&self, first: usize, last: usize) -> Range<usize> {
        self.starts[first - 1]..self.starts[last.min(self.count())]
    }

    /// Where line `n` starts (the end of the text past the last line).
    pub fn start_of(&self, n: usize) -> usize {
        self.starts[(n - 1).min(self.count())]
    }

    fn indent(&self, n: usize) -> usize {
        let line = self.line(n);
        line.len() - line.trim_start_matches(' ').len()
    }

    fn is_blank_or_comment(&self, n: usize) -> bool {
        let trimmed = self.line(n).trim();
        trimmed.is_empty() || trimmed.starts_with('#')
    }

    fn is_document_marker(&self, n: usize) -> bool {
        let line = self.line(n);
        (line.starts_with("---") || line.starts_with("...")) && line[3..].trim_start().is_empty_or_comment()
    }

    /// The last line of a block (a field's value, a list item) that starts
    /// on line `first` at `column` (0-based): the lines after it that are
    /// deeper, or blank; `dash_at_column` also takes `- ` items at the
    /// same column (a list written without indentation under its key).
    pub fn block_end(&self, first: usize, column: usize, dash_at_column: bool) -> usize {
        let mut last = first;
        let mut n = first + 1;
        while n <= self.count() {
            if self.is_document_marker(n) {
                break;
            }
            if self.line(n).trim().is_empty() {
                n += 1;
                continue;
            }
            let indent = self.indent(n);
            let item_here = dash_at_column && indent == column && self.line(n)[indent..].starts_with('-');
            if indent > column || item_here {
                last = n;
                n += 1;
                continue;
            }
            break;
        }
        last
    }
}

trait EmptyOrComment {
    fn is_empty_or_comment(&self) -> bool;
}

impl EmptyOrComment for str {
    fn is_empty_or_comment(&self) -> bool {
        self.is_empty() || self.starts_with('#')
    }
}

/// A text edit: replace `range` with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub range: Range<usize>,
    pub text: String,
}

/// What the text says about a field written at a position.
struct Field<'t> {
    line: usize,
    /// 0-based column of the key (or of the item, after its `- `).
    column: usize,
    /// The value as written on the key's line, after `key:` (comment cut).
    inline: &'t str,
    /// Byte offset (in the file) of `inline`.
    inline_at: usize,
    /// The field sits inside a flow collection (`{name: a, port: b}`), whose
    /// `,` `}` `]` end its value.
    in_flow: bool,
}

/// The field whose key (or list item) is written at `position`.
fn field<'t>(lines: &Lines<'t>, position: Position, is_item: bool) -> Result<Field<'t>, String> {
    let n = position.line as usize;
    let line = lines.line(n);
    if line.contains('\t') {
        return Err(format!("line {n} is indented with tabs"));
    }
    let column = line
        .char_indices()
        .nth(position.column.saturating_sub(1) as usize)
        .map(|(i, _)| i)
        .ok_or_else(|| format!("line {n} has no column {}", position.column))?;
    let rest = &line[column..];
    let after = if is_item {
        rest
    } else {
        let colon = key_end(rest).ok_or_else(|| format!("line {n}: the field is not written as `key: value`"))?;
        &rest[colon + 1..]
    };
    let in_flow = flow_depth(&line[..column]) > 0;
    let value = if in_flow {
        let start = after.trim_start();
        start[..flow_value_len(start)].trim_end()
    } else {
        cut_comment(after).trim()
    };
    let offset_in_line = line.len() - after.len() + (after.len() - after.trim_start().len());
    Ok(Field {
        line: n,
        column,
        inline: value,
        inline_at: lines.start_of(n) + offset_in_line,
        in_flow,
    })
}

/// Walks flow text outside quotes, calling `visit(index, byte, depth)` for
/// each byte, with the bracket depth before it; stops when `visit` says so.
fn scan_flow(text: &str, mut visit: impl FnMut(usize, u8, usize) -> bool) {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
            }
            _ => {
                if visit(i, b, depth) {
                    return;
                }
                match b {
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
        i += 1;
    }
}

/// How many flow brackets are open at the end of `prefix` (a line's start).
fn flow_depth(prefix: &str) -> usize {
    let mut depth = 0usize;
    scan_flow(prefix, |_, b, _| {
        match b {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        false
    });
    depth
}

/// The length of the flow value `text` starts with: up to the `,` `]` `}`
/// that ends it at its own depth, or a comment.
fn flow_value_len(text: &str) -> usize {
    let mut end = text.len();
    let bytes = text.as_bytes();
    scan_flow(text, |i, b, depth| {
        // `text` starts after blanks, so a `#` at its start opens a comment too.
        let ends = depth == 0 && matches!(b, b',' | b']' | b'}') || b == b'#' && (i == 0 || bytes[i - 1] == b' ');
        if ends {
            end = i;
        }
        ends
    });
    end
}

/// The index of the bracket closing the collection `text` opens with.
fn flow_close(text: &str) -> Option<usize> {
    let mut close = None;
    scan_flow(text, |i, b, depth| {
        let closes = depth == 1 && matches!(b, b']' | b'}');
        if closes {
            close = Some(i);
        }
        closes
    });
    close
}

/// Inserts entries before the bracket closing the flow collection written
/// at `at` in the file: `[a]` → `[a, b]`, `{}` → `{k: v}`.
fn insert_in_flow(lines: &Lines<'_>, at: usize, entries: &[String]) -> Result<TextEdit, String> {
    let written = &lines.text[at..];
    let line_end = written.find('\n').unwrap_or(written.len());
    let close = flow_close(&written[..line_end]).ok_or("a flow collection over several lines")?;
    let inside = &written[1..close];
    let (position, text) = if inside.trim().is_empty() {
        (at + 1, entries.join(", "))
    } else {
        (at + 1 + inside.trim_end().len(), format!(", {}", entries.join(", ")))
    };
    Ok(TextEdit {
        range: position..position + if inside.trim().is_empty() { inside.len() } else { 0 },
        text,
    })
}

/// Where a key ends: the `:` that follows it (a quoted key may hold one).
fn key_end(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut i = 0;
    if let Some(&quote @ (b'"' | b'\'')) = bytes.first() {
        i = 1 + rest[1..].find(quote as char)? + 1;
    }
    while i < bytes.len() {
        if bytes[i] == b':' && matches!(bytes.get(i + 1), None | Some(b' ')) {
            return Some(i);
        }
        if matches!(bytes[i], b'{' | b'[' | b'#') {
            return None;
        }
        i += 1;
    }
    None
}

/// A line's content before a comment (`# …` after a blank, outside quotes).
fn cut_comment(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'#') if i == 0 || bytes[i - 1] == b' ' => return &text[..i],
            _ => {}
        }
    }
    text
}

/// Whether an inline value is one the fixer may replace whole: a plain or
/// quoted scalar, or a flow collection closed on its line; not an anchor,
/// alias, tag or block scalar.
fn replaceable(inline: &str) -> bool {
    !inline.starts_with(['&', '*', '!', '|', '>'])
}

/// The node at a path, with whether each step exists.
fn walk<'n>(root: &'n Node, steps: &[Step]) -> (usize, &'n Node) {
    let mut node = root;
    for (i, step) in steps.iter().enumerate() {
        let next = match step {
            Step::Key(key) => node.get(key),
            Step::Index(index) => node.as_seq().and_then(|items| items.get(*index)),
        };
        match next {
            Some(child) => node = child,
            None => return (i, node),
        }
    }
    (steps.len(), node)
}

/// The column the children of a non-empty map at `parent` are written at,
/// and the line after which a new child goes. (An empty map is written
/// again whole by the caller.)
fn children_of(lines: &Lines<'_>, parent: &Node) -> Result<(usize, usize), String> {
    let entries = parent.as_map().ok_or("the field to add to is not a map")?;
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return Err("the document is empty".to_string());
    };
    let column = field(lines, first.value.position, false)?.column;
    let last = field(lines, last.value.position, false)?;
    Ok((column, lines.block_end(last.line, last.column, true)))
}

/// Sets the value at `steps` (from `root`), creating missing maps. `end_line` bounds the region
/// (the document's or block scalar's last line).
pub fn set(lines: &Lines<'_>, root: &Node, steps: &[Step], value: &Json) -> Result<TextEdit, String> {
    let (found, node) = walk(root, steps);
    if found == steps.len() {
        let is_item = matches!(steps.last(), Some(Step::Index(_)));
        let f = field(lines, node.position, is_item)?;
        if !replaceable(f.inline) {
            return Err(format!(
                "line {}: the value is an anchor, alias, tag or block scalar",
                f.line
            ));
        }
        if f.inline.starts_with(['{', '[']) && !closes_on_line(f.inline) {
            return Err(format!("line {}: a flow collection over several lines", f.line));
        }
        // Inside a flow collection, or replacing one written on its line: the style is kept.
        let flow_written = f.inline.starts_with(['{', '[']) && f.inline.len() > 2;
        if f.in_flow || (flow_written && render::scalar(value).is_none()) {
            let mut text = render::flow(value);
            // `{a: # why`: the value goes before the comment, apart from it.
            if f.inline.is_empty() && lines.text[f.inline_at..].starts_with('#') {
                text.push(' ');
            }
            return Ok(TextEdit {
                range: f.inline_at..f.inline_at + f.inline.len(),
                text,
            });
        }
        let key_text = &lines.line(f.line)[f.column..];
        let key = if is_item {
            String::new()
        } else {
            key_text[..key_end(key_text).unwrap_or(0)].to_string()
        };
        return match render::scalar(value) {
            // A scalar written inline is replaced in place.
            Some(text) if !f.inline.is_empty() && !f.inline.starts_with(['{', '[']) => Ok(TextEdit {
                range: f.inline_at..f.inline_at + f.inline.len(),
                text,
            }),
            _ => {
                // The field's whole block is written again.
                let end = if f.inline.is_empty() {
                    lines.block_end(f.line, f.column, true)
                } else {
                    f.line
                };
                let lead = &lines.line(f.line)[..f.column];
                let mut out = Vec::new();
                match (render::scalar(value), is_item) {
                    (Some(text), true) => out.push(format!("{lead}{text}")),
                    (Some(text), false) => out.push(format!("{lead}{key}: {text}")),
                    (None, true) => {
                        let mut block = Vec::new();
                        render::children(value, f.column, &mut block);
                        if let Some(first) = block.first_mut() {
                            *first = format!("{lead}{}", first.trim_start());
                        }
                        out.extend(block);
                    }
                    (None, false) => {
                        out.push(format!("{lead}{key}:"));
                        render::below(value, f.column, &mut out);
                    }
                }
                Ok(replace_lines(lines, f.line, end, &out))
            }
        };
    }
    // Missing: add the rest of the path under the deepest field there is.
    let missing = &steps[found..];
    let keys: Vec<&str> = missing
        .iter()
        .map(|s| match s {
            Step::Key(k) => Ok(k.as_str()),
            Step::Index(_) => Err("a list item to set does not exist".to_string()),
        })
        .collect::<Result<_, _>>()?;
    let parent_field = if found == 0 {
        None
    } else {
        Some(field(lines, node.position, matches!(steps[found - 1], Step::Index(_)))?)
    };
    let mut value = value.clone();
    for key in keys.iter().skip(1).rev() {
        let mut map = serde_json::Map::new();
        map.insert((*key).to_string(), value);
        value = Json::Object(map);
    }
    // A list item's map, `- name: a`, is a block map whose first field shares the dash's line.
    let item_map = found > 0
        && matches!(steps[found - 1], Step::Index(_))
        && node.as_map().is_some_and(|m| !m.is_empty())
        && parent_field.as_ref().is_some_and(|f| !f.inline.starts_with('{'));
    if let Some(f) = parent_field.as_ref().filter(|_| !item_map) {
        let flow_map = f.inline.starts_with('{') && node.as_map().is_some();
        match f.inline {
            _ if flow_map && !closes_on_line(f.inline) => {
                return Err(format!("line {}: a flow map over several lines", f.line));
            }
            // Inside a flow collection, the map stays flow: `{a: 1, b: 2}`.
            _ if flow_map && f.in_flow => {
                return insert_in_flow(
                    lines,
                    f.inline_at,
                    &[format!("{}: {}", render::flow_string(keys[0]), render::flow(&value))],
                );
            }
            // `spec: {replicas: 3}` becomes a block map, as it would be written by hand with more in it.
            _ if flow_map && f.inline != "{}" => {
                let mut merged = node.to_json();
                if let Json::Object(map) = &mut merged {
                    map.insert(keys[0].to_string(), value);
                }
                let line = lines.line(f.line);
                let head = &line[..f.inline_at - lines.start_of(f.line)];
                let mut out = vec![head.trim_end().to_string()];
                let trailing = &line[f.inline_at - lines.start_of(f.line) + f.inline.len()..];
                if !trailing.trim().is_empty() {
                    out[0].push(' ');
                    out[0].push_str(trailing.trim());
                }
                render::below(&merged, f.column, &mut out);
                return Ok(replace_lines(lines, f.line, f.line, &out));
            }
            "" | "{}" | "null" | "~" if !f.in_flow => {}
            _ => return Err(format!("line {}: the field to add to is not a map", f.line)),
        }
    }
    match parent_field {
        // `key: {}` or `key:` with nothing: the line is written again with the new child.
        Some(f) if node.as_map().is_none_or(|m| m.is_empty()) => {
            let line = lines.line(f.line);
            let head = &line[..line.len() - line[f.column..].len() + key_end(&line[f.column..]).unwrap_or(0) + 1];
            let mut out = vec![head.to_string()];
            render::entry(keys[0], &value, f.column + 2, &mut out);
            Ok(replace_lines(lines, f.line, f.line, &out))
        }
        _ => {
            let (column, after) = children_of(lines, node)?;
            let mut out = Vec::new();
            render::entry(keys[0], &value, column, &mut out);
            Ok(insert_after(lines, after, &out))
        }
    }
}

/// Removes the field (or list item) at `steps`.
pub fn remove(lines: &Lines<'_>, root: &Node, steps: &[Step]) -> Result<TextEdit, String> {
    let (found, node) = walk(root, steps);
    if found < steps.len() {
        return Err("the field to remove is not there".to_string());
    }
    let is_item = matches!(steps.last(), Some(Step::Index(_)));
    let f = field(lines, node.position, is_item)?;
    if f.in_flow {
        return remove_in_flow(lines, &f);
    }
    let line = lines.line(f.line);
    let before = line[..f.column].trim();
    let starts_line = if is_item {
        before == "-"
    } else {
        before.is_empty() || before == "-"
    };
    if !starts_line {
        return Err(format!(
            "line {}: the field shares its line with others (flow style)",
            f.line
        ));
    }
    if !is_item && before == "-" {
        return Err(format!("line {}: the field starts a list item", f.line));
    }
    let dash = line.len() - line.trim_start().len();
    let column = if is_item { dash } else { f.column };
    let end = lines.block_end(f.line, column, !is_item);
    // Comment lines right above it, at its indentation, are about it: they go too.
    let mut first = f.line;
    while first > 1 && lines.indent(first - 1) == dash && lines.line(first - 1).trim_start().starts_with('#') {
        first -= 1;
    }
    Ok(TextEdit {
        range: lines.span(first, end),
        text: String::new(),
    })
}

/// Removes an entry of a flow collection with one of the commas around it.
fn remove_in_flow(lines: &Lines<'_>, f: &Field<'_>) -> Result<TextEdit, String> {
    if f.inline.starts_with(['{', '[']) && !closes_on_line(f.inline) {
        return Err(format!("line {}: a flow collection over several lines", f.line));
    }
    let text = lines.text;
    let mut start = lines.start_of(f.line) + f.column;
    let mut end = if f.inline.is_empty() {
        // `{a: }`: the value is empty, the entry ends after its colon.
        start + lines.line(f.line)[f.column..].find(':').map_or(0, |i| i + 1)
    } else {
        f.inline_at + f.inline.len()
    };
    let after = &text[end..];
    let spaces_after = after.len() - after.trim_start_matches(' ').len();
    if after[spaces_after..].starts_with(',') {
        end += spaces_after + 1;
        end += text[end..].len() - text[end..].trim_start_matches(' ').len();
    } else {
        let before = text[..start].trim_end_matches(' ');
        if before.ends_with(',') {
            start = before.len() - 1;
        }
    }
    Ok(TextEdit {
        range: start..end,
        text: String::new(),
    })
}

/// Appends items to the block list at `steps`, creating it when missing.
pub fn append(lines: &Lines<'_>, root: &Node, steps: &[Step], items: &[Json]) -> Result<TextEdit, String> {
    let (found, node) = walk(root, steps);
    if found < steps.len() {
        return set(lines, root, steps, &Json::Array(items.to_vec()));
    }
    let Value::Seq(existing) = &node.value else {
        return Err("the field to append to is not a list".to_string());
    };
    let is_item = matches!(steps.last(), Some(Step::Index(_)));
    let f = field(lines, node.position, is_item)?;
    if f.inline.starts_with('[') {
        // `args: [--a]` stays flow: `[--a, --b]`.
        let items: Vec<String> = items.iter().map(render::flow).collect();
        return insert_in_flow(lines, f.inline_at, &items).map_err(|e| format!("line {}: {e}", f.line));
    }
    if existing.is_empty() {
        return set(lines, root, steps, &Json::Array(items.to_vec()));
    }
    if !f.inline.is_empty() {
        return Err(format!("line {}: the list is not written as a list", f.line));
    }
    // The items' dash column: that of the first item, on the next line written.
    let first_item = (f.line + 1..=lines.count())
        .find(|&n| !lines.is_blank_or_comment(n))
        .filter(|&n| lines.line(n).trim_start().starts_with('-'))
        .ok_or_else(|| format!("line {}: the list's items are not `- ` lines below it", f.line))?;
    let dash = lines.indent(first_item);
    let end = lines.block_end(f.line, f.column, true);
    // Items written `- {action: keep}` get company in the same style.
    let flow_items = existing.iter().all(|item| {
        field(lines, item.position, true).is_ok_and(|i| i.inline.starts_with('{') && closes_on_line(i.inline))
    });
    let mut out = Vec::new();
    for item in items {
        match item {
            Json::Object(_) if flow_items => out.push(format!("{}- {}", " ".repeat(dash), render::flow(item))),
            _ => render::item_lines(item, dash, &mut out),
        }
    }
    Ok(insert_after(lines, end, &out))
}

fn closes_on_line(inline: &str) -> bool {
    let opens = inline.matches(['{', '[']).count();
    let closes = inline.matches(['}', ']']).count();
    opens == closes
}

fn replace_lines(lines: &Lines<'_>, first: usize, last: usize, out: &[String]) -> TextEdit {
    let range = lines.span(first, last);
    let ends_with_break = lines.text[..range.end].ends_with('\n');
    let mut text = out.join(lines.eol);
    if ends_with_break {
        text.push_str(lines.eol);
    }
    TextEdit { range, text }
}

/// Inserts lines after line `after`.
fn insert_after(lines: &Lines<'_>, after: usize, out: &[String]) -> TextEdit {
    let at = lines.start_of(after + 1);
    let mut text = String::new();
    // A last line without a line break gets one first.
    if at == lines.text.len() && !lines.text.is_empty() && !lines.text.ends_with('\n') {
        text.push_str(lines.eol);
    }
    for line in out {
        text.push_str(line);
        text.push_str(lines.eol);
    }
    TextEdit { range: at..at, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{ReadLimits, read_documents};
    use serde_json::json;

    fn apply(text: &str, edit: &TextEdit) -> String {
        format!("{}{}{}", &text[..edit.range.start], edit.text, &text[edit.range.end..])
    }

    fn root(text: &str) -> Node {
        read_documents(text, &ReadLimits::default()).unwrap().remove(0)
    }

    fn keys(path: &[&str]) -> Vec<Step> {
        path.iter().map(|k| Step::Key(k.to_string())).collect()
    }

    /// The text after setting `path` to `value` in its first document.
    fn after_set(text: &str, path: &[&str], value: &Json) -> String {
        let edit = set(&Lines::new(text), &root(text), &keys(path), value).unwrap();
        apply(text, &edit)
    }

    #[test]
    fn a_scalar_is_replaced_in_place_keeping_its_comment() {
        let text = "spec:\n  replicas: 1 # one\n  other: x\n";
        assert_eq!(
            after_set(text, &["spec", "replicas"], &json!(2)),
            "spec:\n  replicas: 2 # one\n  other: x\n"
        );
    }

    #[test]
    fn missing_fields_are_added_as_the_last_child_at_its_indentation() {
        let text = "metadata:\n    name: a\nspec:\n    image: x\n    ports:\n    - 1\n# trailing\n";
        assert_eq!(
            after_set(text, &["spec", "replicas"], &json!(2)),
            "metadata:\n    name: a\nspec:\n    image: x\n    ports:\n    - 1\n    replicas: 2\n# trailing\n"
        );
        let text = "a: 1\n";
        assert_eq!(
            after_set(text, &["spec", "x", "yy"], &json!("z")),
            "a: 1\nspec:\n  x:\n    yy: z\n"
        );
        let text = "spec: {}\nb: 1\n";
        assert_eq!(
            after_set(text, &["spec", "replicas"], &json!(2)),
            "spec:\n  replicas: 2\nb: 1\n"
        );
    }

    #[test]
    fn collections_replace_the_whole_block() {
        let text = "term:\n  labelSelector:\n    matchLabels:\n      app: old\n  topologyKey: k\n";
        assert_eq!(
            after_set(
                text,
                &["term", "labelSelector"],
                &json!({"matchLabels": {"app": "new"}})
            ),
            "term:\n  labelSelector:\n    matchLabels:\n      app: new\n  topologyKey: k\n"
        );
        let text = "term:\n  labelSelector: {matchLabels: {app: old}} # x\n  topologyKey: k\n";
        assert_eq!(
            after_set(
                text,
                &["term", "labelSelector"],
                &json!({"matchLabels": {"app": "new"}})
            ),
            "term:\n  labelSelector: {matchLabels: {app: new}} # x\n  topologyKey: k\n",
            "flow stays flow"
        );
        let text = "a: {}\n";
        let edit = set(&Lines::new(text), &root(text), &keys(&["a"]), &json!({"b": [1]})).unwrap();
        assert_eq!(apply(text, &edit), "a:\n  b:\n  - 1\n", "an empty map is no style");
    }

    #[test]
    fn removals_take_the_fields_lines() {
        let text = "spec:\n  a: 1\n  b:\n    c: 2\n  d: 3\n";
        let edit = remove(&Lines::new(text), &root(text), &keys(&["spec", "b"])).unwrap();
        assert_eq!(apply(text, &edit), "spec:\n  a: 1\n  d: 3\n");
        let text = "spec:\n  a: 1\n\n  # why b\n  # is here\n  b: 2\n";
        let edit = remove(&Lines::new(text), &root(text), &keys(&["spec", "b"])).unwrap();
        assert_eq!(apply(text, &edit), "spec:\n  a: 1\n\n", "its comment goes with it");
        let text = "args:\n- --a\n- --b\n";
        let edit = remove(
            &Lines::new(text),
            &root(text),
            &[Step::Key("args".into()), Step::Index(0)],
        )
        .unwrap();
        assert_eq!(apply(text, &edit), "args:\n- --b\n");
    }

    #[test]
    fn items_are_appended_at_the_lists_indentation() {
        let text = "c:\n  args:\n  - --a\n  - --b # last\n  image: x\n";
        let edit = append(&Lines::new(text), &root(text), &keys(&["c", "args"]), &[json!("--c")]).unwrap();
        assert_eq!(
            apply(text, &edit),
            "c:\n  args:\n  - --a\n  - --b # last\n  - --c\n  image: x\n"
        );
        let text = "c:\n  image: x";
        let edit = append(&Lines::new(text), &root(text), &keys(&["c", "args"]), &[json!("--c")]).unwrap();
        assert_eq!(apply(text, &edit), "c:\n  image: x\n  args:\n  - --c\n");
    }

    #[test]
    fn flow_collections_are_edited_in_place() {
        let steps = |k: &[&str], i: usize| {
            let mut steps = keys(k);
            steps.push(Step::Index(i));
            steps
        };
        let text = "c:\n  args: [--a, \"--b,c\"] # x\n";
        let edit = append(
            &Lines::new(text),
            &root(text),
            &keys(&["c", "args"]),
            &[json!("--d"), json!("a,b")],
        )
        .unwrap();
        assert_eq!(apply(text, &edit), "c:\n  args: [--a, \"--b,c\", --d, \"a,b\"] # x\n");
        let edit = remove(&Lines::new(text), &root(text), &steps(&["c", "args"], 0)).unwrap();
        assert_eq!(apply(text, &edit), "c:\n  args: [\"--b,c\"] # x\n");
        let edit = remove(&Lines::new(text), &root(text), &steps(&["c", "args"], 1)).unwrap();
        assert_eq!(apply(text, &edit), "c:\n  args: [--a] # x\n");
        let text = "m: {name: a, namespace: b}\n";
        let edit = remove(&Lines::new(text), &root(text), &keys(&["m", "namespace"])).unwrap();
        assert_eq!(apply(text, &edit), "m: {name: a}\n");
        let edit = set(&Lines::new(text), &root(text), &keys(&["m", "name"]), &json!("x y")).unwrap();
        assert_eq!(apply(text, &edit), "m: {name: x y, namespace: b}\n");
        let text = "l: [{a: 1}, {b: {}}]\n";
        let edit = set(
            &Lines::new(text),
            &root(text),
            &[
                Step::Key("l".into()),
                Step::Index(1),
                Step::Key("b".into()),
                Step::Key("c".into()),
            ],
            &json!([1]),
        )
        .unwrap();
        assert_eq!(apply(text, &edit), "l: [{a: 1}, {b: {c: [1]}}]\n");
        let edit = set(
            &Lines::new(text),
            &root(text),
            &[Step::Key("l".into()), Step::Index(0), Step::Key("z".into())],
            &json!("w"),
        )
        .unwrap();
        assert_eq!(apply(text, &edit), "l: [{a: 1, z: w}, {b: {}}]\n");
        let text = "spec: {replicas: 3} # three\nb: 1\n";
        let edit = set(&Lines::new(text), &root(text), &keys(&["spec", "x", "k"]), &json!(1)).unwrap();
        assert_eq!(
            apply(text, &edit),
            "spec: # three\n  replicas: 3\n  x:\n    k: 1\nb: 1\n"
        );
        let text = "spec: {a: [1,\n  2]}\n";
        assert!(set(&Lines::new(text), &root(text), &keys(&["spec", "b"]), &json!(1)).is_err());
    }

    /// In a flow collection, a value ends at `,` `}` `]` or at a comment,
    /// and an entry without a value (`{a: }`) is removed up to its colon.
    #[test]
    fn flow_entries_end_at_comments_and_empty_values_at_their_colon() {
        let text = "m: {name: a # the name\n  }\n";
        assert_eq!(
            after_set(text, &["m", "name"], &json!("b")),
            "m: {name: b # the name\n  }\n",
            "the comment stays"
        );
        let text = "m: {name: a #the name\n  }\n";
        assert_eq!(
            after_set(text, &["m", "name"], &json!("b")),
            "m: {name: b #the name\n  }\n"
        );
        let text = "m: {name: # none yet\n  }\n";
        assert_eq!(
            after_set(text, &["m", "name"], &json!("b")),
            "m: {name: b # none yet\n  }\n",
            "an empty value before a comment"
        );
        let text = "m: {a: , b: 1}\n";
        let edit = remove(&Lines::new(text), &root(text), &keys(&["m", "a"])).unwrap();
        assert_eq!(apply(text, &edit), "m: {b: 1}\n");
        let text = "m: {b: 1, a: }\n";
        let edit = remove(&Lines::new(text), &root(text), &keys(&["m", "a"])).unwrap();
        assert_eq!(root(&apply(text, &edit)).to_json(), json!({"m": {"b": 1}}));
    }

    #[test]
    fn list_items_maps_and_block_scalar_items() {
        let text = "c:\n- name: a\n  image: x\n- name: b\n";
        let edit = set(
            &Lines::new(text),
            &root(text),
            &[Step::Key("c".into()), Step::Index(0), Step::Key("args".into())],
            &json!(["--a"]),
        )
        .unwrap();
        assert_eq!(
            apply(text, &edit),
            "c:\n- name: a\n  image: x\n  args:\n  - --a\n- name: b\n"
        );
        let text = "args:\n  - query\n  - |\n    --sd=a\n    b\nnext: 1\n";
        let edit = append(&Lines::new(text), &root(text), &keys(&["args"]), &[json!("--x")]).unwrap();
        assert_eq!(
            apply(text, &edit),
            "args:\n  - query\n  - |\n    --sd=a\n    b\n  - --x\nnext: 1\n"
        );
    }

    #[test]
    fn keys_hold_spaces_and_colons() {
        assert_eq!(after_set("a b: 1\n", &["a b"], &json!(2)), "a b: 2\n");
        assert_eq!(after_set("a:b: 1\n", &["a:b"], &json!(2)), "a:b: 2\n");
        assert_eq!(after_set("'a: b': 1\n", &["a: b"], &json!(2)), "'a: b': 2\n");
    }

    #[test]
    fn a_block_value_set_to_a_scalar_replaces_the_block() {
        assert_eq!(after_set("a:\n  b: 1\nc: 3\n", &["a"], &json!(2)), "a: 2\nc: 3\n");
    }

    /// A list at its key's column ends at the next document's marker.
    #[test]
    fn a_list_at_its_keys_column_ends_at_a_document_marker() {
        for marker in ["---", "..."] {
            let text = format!("args:\n- --a\n{marker}\nkind: X\n");
            let edit = append(&Lines::new(&text), &root(&text), &keys(&["args"]), &[json!("--b")]).unwrap();
            assert_eq!(apply(&text, &edit), format!("args:\n- --a\n- --b\n{marker}\nkind: X\n"));
        }
    }

    /// Comment lines right above a removed field, at its indentation, go with
    /// it; a comment at another indentation belongs to something else.
    #[test]
    fn only_the_comments_above_a_field_at_its_indentation_go_with_it() {
        let text = "spec:\n  x: 1\n    # about x's value\n  # about b\n  b: 2\n";
        let edit = remove(&Lines::new(text), &root(text), &keys(&["spec", "b"])).unwrap();
        assert_eq!(apply(text, &edit), "spec:\n  x: 1\n    # about x's value\n");
    }

    #[test]
    fn lines_past_either_end_are_empty() {
        let lines = Lines::new("a: 1\nb: 2\n");
        assert_eq!((lines.line(0), lines.line(1), lines.line(2)), ("", "a: 1", "b: 2"));
        assert_eq!(lines.line(lines.count() + 1), "");
    }

    #[test]
    fn a_hash_inside_a_value_is_no_comment() {
        assert_eq!(after_set("a: x#y # why\n", &["a"], &json!(2)), "a: 2 # why\n");
        assert_eq!(after_set("a: '#' # why\n", &["a"], &json!(2)), "a: 2 # why\n");
    }

    #[test]
    fn items_join_a_flow_list_of_quoted_items() {
        // `''` inside single quotes is a quote, and `]` inside quotes is text.
        for (text, want) in [
            ("args: [']x', b]\n", "args: [']x', b, --c]\n"),
            ("args: [\"]x\", b]\n", "args: [\"]x\", b, --c]\n"),
            ("args: ['--a', 'it''s]']\n", "args: ['--a', 'it''s]', --c]\n"),
            ("args: [\"--a\", \"x\\\"]\"]\n", "args: [\"--a\", \"x\\\"]\", --c]\n"),
        ] {
            let edit = append(&Lines::new(text), &root(text), &keys(&["args"]), &[json!("--c")]).unwrap();
            assert_eq!(apply(text, &edit), want, "{text}");
        }
    }

    #[test]
    fn crlf_files_get_crlf_lines() {
        let text = "spec:\r\n  a: 1\r\n";
        let edit = set(&Lines::new(text), &root(text), &keys(&["spec", "b"]), &json!(2)).unwrap();
        assert_eq!(apply(text, &edit), "spec:\r\n  a: 1\r\n  b: 2\r\n");
    }
}
