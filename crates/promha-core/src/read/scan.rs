//! A quick scan that a document is block YAML a parser would accept, without
//! parsing it: the prefilter skips a document only when the scan vouches for it.

use super::split::is_marker;

/// A quick check that a document is block YAML a parser would accept: quotes
/// and flow brackets closed on their line, spaces for indentation, a deeper
/// key only under `key:` or `- `, a shallower one only back at an open
/// level, quoted scalars closed. It vouches for the plain shapes rendered
/// manifests have; anything else (anchors, tags, complex keys, flow
/// collections over several lines) counts as doubtful and is left to the parser.
pub fn looks_well_formed(text: &str) -> bool {
    first_doubtful_line(text).is_none()
}

/// The first line (from 1) of a text that `looks_well_formed` doubts.
pub fn first_doubtful_line(text: &str) -> Option<usize> {
    // The open block collections, innermost last: the column of their
    // entries, and whether those are sequence items (`- `) or keys.
    let mut levels: Vec<(usize, bool)> = Vec::new();
    // The column of what the previous line left open for nested content
    // (`key:`, a lone `-`): the next line may go deeper than it.
    let mut opener: Option<usize> = None;
    let mut started = false;
    // The column of a key (or item) whose scalar was written inline: deeper
    // lines without a key continue that scalar.
    let mut inline_scalar: Option<usize> = None;
    // Lines deeper than this column are a block scalar's content, all at
    // the indentation of its first line (once seen).
    let mut block_scalar: Option<(usize, Option<usize>)> = None;
    // A quoted scalar open over lines deeper than the column: its quote.
    let mut quoted_scalar: Option<(u8, usize)> = None;
    // An entry (`dash`: an item) at `column`: the next entry of an open
    // collection, or a new collection deeper than its opener. A sequence may
    // also start at the column of the key that opens it (`key:` / `- a`).
    let mut enter = |column: usize, dash: bool, opener: Option<usize>| {
        while levels.last().is_some_and(|&(top, _)| top > column) {
            levels.pop();
        }
        if !dash && levels.last() == Some(&(column, true)) {
            levels.pop(); // A key after a compact sequence ends it.
        }
        let opens_here = opener.is_some_and(|o| column > o || (dash && column == o));
        let first = !started && levels.is_empty();
        started = true;
        match levels.last() {
            Some(&top) if top == (column, dash) => true,
            _ if opens_here || first => {
                levels.push((column, dash));
                true
            }
            _ => false,
        }
    };
    let mut number = 0;
    for raw in lines(text) {
        number += 1;
        let doubt = Some(number);
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let indent = line.bytes().position(|b| b != b' ').unwrap_or(line.len());
        let content = &line[indent..];
        if content.bytes().all(|b| b == b' ' || b == b'\t') {
            continue;
        }
        if let Some((parent, content_indent)) = block_scalar {
            if indent > parent {
                match content_indent {
                    None => block_scalar = Some((parent, Some(indent))),
                    // Less indented than its first line: the scalar ended,
                    // and this line belongs nowhere.
                    Some(first) if indent < first => return doubt,
                    Some(_) => {}
                }
                continue;
            }
            block_scalar = None;
        }
        if let Some((quote, parent)) = quoted_scalar {
            if indent <= parent {
                return doubt;
            }
            match closing_quote(content, quote) {
                QuoteEnd::Open => {}
                QuoteEnd::Invalid => return doubt,
                QuoteEnd::Closed(close) => {
                    if !at_most_a_comment(&content[close + 1..]) {
                        return doubt;
                    }
                    quoted_scalar = None;
                }
            }
            continue;
        }
        if content.starts_with('#') {
            inline_scalar = None; // A comment ends a multi-line plain scalar.
            continue;
        }
        if indent == 0 && (is_marker(line, "---") || is_marker(line, "...")) {
            let rest = line[3..].trim();
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            return doubt;
        }
        if content.starts_with('\t') {
            return doubt;
        }
        if let Some(key) = inline_scalar
            && indent > key
        {
            // The continuation of a multi-line plain scalar: text, in which
            // `: ` would be a mapping where none can be.
            let text = content.split(" #").next().unwrap_or(content).trim_end();
            if text.contains(": ") || text.contains(":\t") || text.ends_with(':') {
                return doubt;
            }
            continue;
        }
        // Sequence dashes: each starts an item, whose content sits further on.
        let mut column = indent;
        let mut item = content;
        let mut after_dash = false;
        let mut dash_column = column;
        while item == "-" || item.starts_with("- ") || item.starts_with("-\t") {
            dash_column = column;
            if !enter(column, true, opener) {
                return doubt;
            }
            let rest = item[1..].trim_start_matches([' ', '\t']);
            column += item.len() - rest.len();
            item = rest;
            after_dash = true;
            opener = Some(dash_column);
            inline_scalar = None;
        }
        if item.is_empty() || item.starts_with('#') {
            continue; // A lone dash: the item's content follows, deeper.
        }
        // A plain scalar cannot start with an indicator (a block scalar
        // may stand alone only as an item).
        let first = item.as_bytes()[0];
        if b",]}&*!%@`?".contains(&first) || (matches!(first, b'|' | b'>') && !after_dash) {
            return doubt;
        }
        let Some((shape, open_quote)) = line_shape(item) else {
            return doubt;
        };
        if matches!(shape, LineShape::Key(_)) && matches!(first, b'|' | b'>') {
            return doubt; // `- |key: v`: not a block scalar, nor a key.
        }
        // The column a block scalar's content must be deeper than.
        let (value, parent_column) = match shape {
            LineShape::Key(value) => {
                if !enter(column, false, opener) {
                    return doubt;
                }
                (value, column)
            }
            LineShape::Scalar(value) if after_dash => (value, dash_column),
            LineShape::Scalar(_) => return doubt, // Neither key nor item.
        };
        opener = None;
        inline_scalar = None;
        if let Some(quote) = open_quote {
            quoted_scalar = Some((quote, parent_column));
            continue;
        }
        match value.bytes().next() {
            None => opener = Some(column),
            Some(b'|' | b'>') if is_block_scalar_header(&value[1..]) => block_scalar = Some((parent_column, None)),
            Some(b'|' | b'>') => return doubt,
            Some(b'&' | b'*' | b'!' | b'?' | b'%' | b'@' | b'`' | b',' | b']' | b'}') => return doubt,
            Some(b'-') if value.len() == 1 || value.as_bytes()[1] == b' ' => return doubt,
            // Only a plain scalar may continue on deeper lines.
            Some(b'"' | b'\'' | b'[' | b'{') => {}
            Some(_) => inline_scalar = Some(column),
        }
    }
    // A quoted scalar still open at the end never closed.
    quoted_scalar.map(|_| number)
}

/// What may follow `|` or `>` for the scan to vouch: a chomping indicator at
/// most (line_shape has cut any comment).
fn is_block_scalar_header(rest: &str) -> bool {
    let rest = rest.trim_end();
    let bytes = rest.as_bytes();
    // An indentation digit sets the content's indentation explicitly: rare
    // enough to leave to the parser.
    matches!(bytes, [] | [b'+' | b'-'])
}

/// The lines of a text, without their `\n`.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', text.as_bytes())
        .chain(std::iter::once(text.len()))
        .map(move |end| {
            let line = &text[start..end];
            start = end + 1;
            line
        })
}

enum LineShape<'t> {
    /// `key: value` (the value may be empty), with the value.
    Key(&'t str),
    /// A scalar or flow collection alone.
    Scalar(&'t str),
}

/// Splits a line's content (after indentation and dashes) into key and value,
/// with the quote of a quoted scalar left open to continue on the next
/// lines; `None` for what the scan does not vouch for.
fn line_shape(item: &str) -> Option<(LineShape<'_>, Option<u8>)> {
    let bytes = item.as_bytes();
    let mut key_end = None;
    let mut end = bytes.len();
    let mut open_quote = None;
    // Quotes and flow brackets are indicators only where a scalar starts
    // (the key, or the value after `: `); inside a plain scalar
    // (`a == 'b'`) they are text.
    let mut scalar_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !INDICATORS[usize::from(b)] {
            i += 1;
            continue;
        }
        match b {
            b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t') => {
                end = i;
                break;
            }
            b'"' | b'\'' if i == scalar_start => match closing_quote(&item[i + 1..], b) {
                QuoteEnd::Invalid => return None,
                QuoteEnd::Closed(close) => {
                    i += close + 1;
                    // A quoted scalar is followed by its key's `:`, a comment or nothing.
                    let after = &item[i + 1..];
                    if !(after.trim_start_matches([' ', '\t']).starts_with(':') || at_most_a_comment(after)) {
                        return None;
                    }
                }
                QuoteEnd::Open => {
                    open_quote = Some(b);
                    break;
                }
            },
            b'[' | b'{' if i == scalar_start => {
                i += flow_collection_len(&item[i..])?;
                // A flow collection ends its value: nothing but a comment may
                // follow (as a key, promha's reader refuses it).
                if !at_most_a_comment(&item[i..]) {
                    return None;
                }
                continue;
            }
            b':' if matches!(bytes.get(i + 1), None | Some(b' ' | b'\t')) => {
                if key_end.is_some() {
                    return None; // `a: b: c` is no YAML.
                }
                key_end = Some(i);
                let blanks = bytes[i + 1..].iter().take_while(|&&c| c == b' ' || c == b'\t').count();
                scalar_start = i + 1 + blanks;
            }
            _ => {}
        }
        i += 1;
    }
    Some((shape_of(item, key_end, end)?, open_quote))
}

/// The length of the flow collection `text` starts with, when the scan
/// vouches for it: sequences and mappings of scalars and collections,
/// closed on the line, with `key: value` pairs only in mappings.
fn flow_collection_len(text: &str) -> Option<usize> {
    flow_node(text.as_bytes(), 0, 0)
}

/// Deeper flows than this are left to the parser (it has its own limit).
const MAX_FLOW_DEPTH: usize = 32;

/// Where the flow node starting at `at` (after blanks) ends.
fn flow_node(bytes: &[u8], at: usize, depth: usize) -> Option<usize> {
    let at = skip_blanks(bytes, at);
    match bytes.get(at)? {
        b'[' | b'{' if depth < MAX_FLOW_DEPTH => flow_entries(bytes, at, depth + 1),
        b'"' | b'\'' => {
            let rest = std::str::from_utf8(&bytes[at + 1..]).ok()?;
            match closing_quote(rest, bytes[at]) {
                QuoteEnd::Closed(close) => Some(at + 1 + close + 1),
                QuoteEnd::Open | QuoteEnd::Invalid => None,
            }
        }
        _ => flow_plain_scalar(bytes, at),
    }
}

/// The entries of `[…]` or `{…}` from its opening bracket to past the closing one.
fn flow_entries(bytes: &[u8], open: usize, depth: usize) -> Option<usize> {
    let mapping = bytes[open] == b'{';
    let close = if mapping { b'}' } else { b']' };
    let mut at = open + 1;
    loop {
        at = skip_blanks(bytes, at);
        if bytes.get(at) == Some(&close) {
            return Some(at + 1); // Empty, or after a trailing comma.
        }
        at = skip_blanks(bytes, flow_node(bytes, at, depth)?);
        if mapping {
            // `key: value`: the `:` is followed by a blank.
            if bytes.get(at) != Some(&b':') || !matches!(bytes.get(at + 1), Some(b' ' | b'\t')) {
                return None;
            }
            at = skip_blanks(bytes, flow_node(bytes, at + 1, depth)?);
        }
        match bytes.get(at)? {
            b',' => at += 1,
            b if *b == close => return Some(at + 1),
            _ => return None,
        }
    }
}

/// A plain scalar inside a flow: it ends before `, [ ] { }`, before a `:`
/// that ends a key, and may not start with an indicator.
fn flow_plain_scalar(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'?'
        | b':' => {
            return None;
        }
        b'-' if matches!(bytes.get(at + 1), Some(b' ' | b'\t')) => return None,
        _ => {}
    }
    let mut end = at;
    while let Some(&b) = bytes.get(end) {
        match b {
            b',' | b'[' | b']' | b'{' | b'}' => break,
            b':' if matches!(
                bytes.get(end + 1),
                Some(b' ' | b'\t' | b',' | b'[' | b']' | b'{' | b'}')
            ) =>
            {
                break;
            }
            b'#' if matches!(bytes[end - 1], b' ' | b'\t') => return None,
            _ => end += 1,
        }
    }
    Some(end)
}

fn skip_blanks(bytes: &[u8], at: usize) -> usize {
    at + bytes[at.min(bytes.len())..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// Whether the rest of a line is blank, or a comment after a blank.
fn at_most_a_comment(rest: &str) -> bool {
    let trimmed = rest.trim_start_matches([' ', '\t']);
    trimmed.is_empty() || (trimmed.starts_with('#') && trimmed.len() < rest.len())
}

fn shape_of(item: &str, key_end: Option<usize>, end: usize) -> Option<LineShape<'_>> {
    Some(match key_end {
        Some(k) => LineShape::Key(item[k + 1..end].trim_ascii()),
        None => LineShape::Scalar(item[..end].trim_ascii()),
    })
}

/// The bytes `line_shape` looks at; the rest is skipped.
const INDICATORS: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let bytes = b"#\"'[]{}:";
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// How a quoted scalar goes on along a line.
enum QuoteEnd {
    /// Closes at this offset.
    Closed(usize),
    /// Continues on the next line.
    Open,
    /// Holds an escape YAML does not have.
    Invalid,
}

/// Follows a quoted scalar (from just after its opening quote, or from the
/// start of a continuation line) to its closing quote.
fn closing_quote(line: &str, quote: u8) -> QuoteEnd {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => {
                let digits = match bytes.get(i + 1) {
                    // At the end of the line: an escaped line break.
                    None => 0,
                    Some(b'0' | b'a' | b'b' | b't' | b'\t' | b'n' | b'v' | b'f' | b'r' | b'e' | b' ' | b'"' | b'/')
                    | Some(b'\\' | b'N' | b'_' | b'L' | b'P') => 0,
                    Some(b'x') => 2,
                    Some(b'u') => 4,
                    Some(b'U') => 8,
                    Some(_) => return QuoteEnd::Invalid,
                };
                let hex = bytes.get(i + 2..i + 2 + digits);
                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return QuoteEnd::Invalid;
                }
                i += 2 + digits;
            }
            b if b == quote && quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return QuoteEnd::Closed(i),
            _ => i += 1,
        }
    }
    QuoteEnd::Open
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_shapes_of_rendered_manifests_are_vouched_for() {
        for text in [
            "kind: Deployment\nspec:\n  containers:\n  - name: a\n    args:\n    - --x=:9090\n    - \"--y=a: b\"\n  - name: b\n    image: nginx # comment\nstatus: {}\n",
            "kind: ConfigMap\ndata:\n  script.sh: |\n    echo 'a: [b'\n\n    exit 1\n  other: x\n",
            "kind: Namespace\nmetadata:\n  annotations:\n    description: it's a long\n      text over lines\n    url: http://x:1/y\n",
            "kind: Job\nspec:\n  command:\n  - |\n    multi\n  - >-\n    folded\n  - plain\n",
            "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [pods, services]\n  verbs: ['get', 'list']\r\n",
            "---\n# Source: chart/templates/ns.yaml\nkind: Namespace\nmetadata:\n  name: \"x # not a comment\"\n...\n",
            "kind: CustomResourceDefinition\nspec:\n  description: 'Container name: required,\n\n    optional for ''env'' vars'\n  other: \"a\\\"\n    b\" # done\n",
        ] {
            assert!(looks_well_formed(text), "{text:?}");
        }
    }

    /// A line of only spaces and tabs is blank, wherever it is; `- ` in a
    /// flow is a block sequence's item, which a flow may not hold.
    #[test]
    fn blank_lines_with_tabs_and_dashes_in_flows() {
        let blank_with_tab = "kind: ConfigMap\ndata:\n  a: x\n \t\n  b: y\n";
        assert!(crate::read::read_documents(blank_with_tab, &crate::read::ReadLimits::default()).is_ok());
        assert!(looks_well_formed(blank_with_tab));
        let dash_in_flow = "kind: ConfigMap\ndata: {a: [- b]}\n";
        assert!(crate::read::read_documents(dash_in_flow, &crate::read::ReadLimits::default()).is_err());
        assert!(!looks_well_formed(dash_in_flow));
    }

    /// `#` starts a comment only after a space: `a#: b` is a value holding
    /// `: `, which YAML refuses.
    #[test]
    fn a_hash_inside_a_word_is_no_comment() {
        let text = "kind: ConfigMap\ndata:\n  k: a#: b\n";
        assert!(crate::read::read_documents(text, &crate::read::ReadLimits::default()).is_err());
        assert!(!looks_well_formed(text));
        assert!(looks_well_formed("kind: ConfigMap\ndata:\n  k: a #: b\n"));
    }

    /// What the parser refuses, the scan doubts, on the line the problem is on.
    #[test]
    fn every_refused_shape_is_doubted_where_it_is() {
        for (text, line) in [
            ("a: |\n    x\n  y\nb: 1\n", 3),
            ("a: \"x\n  \\q\"\n", 2),
            ("a: \"x\n  y\" z\n", 2),
            ("a: \"x\n  y\n", 3),
            ("a:\n\tb: 1\n", 2),
            ("a: x\n  y: z\n", 2),
            ("a: x\n  y:\n", 2),
            ("a:\n  - ]x\n", 2),
            ("- |a: b\n", 1),
            ("a: 1\n  b: 2\n", 2),
            ("a: 1\nb\n", 2),
            ("a: |x\n", 1),
            ("a: ]\n", 1),
            ("a: }\n", 1),
            ("a: - b\n", 1),
            ("a: b: c\n", 1),
            ("\"a\" x: 1\n", 1),
            ("a: [1]]\n", 1),
            ("a: {b: 1}}\n", 1),
            ("a: 'x' y\n", 1),
            ("a:\n  b: 1\n c: 2\n", 3),
            // After a blank, `#` starts a comment, even in a flow: the rest of the line is gone.
            ("a: [b #c]\n", 1),
            ("- a\nb: 1\n", 2),
        ] {
            assert!(
                crate::read::read_documents(text, &crate::read::ReadLimits::default()).is_err(),
                "the parser takes {text:?}"
            );
            assert_eq!(first_doubtful_line(text), Some(line), "{text:?}");
        }
    }

    /// Shapes the parser takes but the scan leaves to it: anchors, aliases,
    /// tags, complex keys, content after a marker, indentation indicators.
    #[test]
    fn rarer_shapes_are_left_to_the_parser() {
        for (text, line) in [
            ("a: &x 1\nb: *x\n", 1),
            ("a: !!str 1\n", 1),
            ("? a\n: 1\n", 1),
            ("--- a\n", 1),
            ("a: |2\n   x\n", 1),
            ("a: [1,\n  2]\n", 1),
            ("a: 1\n--- # c\nb: *y\n", 3),
            ("a:\n- &x 1\n", 2),
            // In a flow, an indicator cannot start a plain scalar either.
            ("a: [&x 1]\n", 1),
            ("a: [*x]\n", 1),
            ("a: {b: !t 1}\n", 1),
            ("a: [?x]\n", 1),
            ("a: [@x]\n", 1),
            ("a: [`x]\n", 1),
            ("a: [|x]\n", 1),
            ("a: [%x]\n", 1),
            ("a: [#x]\n", 1),
            // Escapes need their hex digits.
            ("a: \"\\xZZ\"\n", 1),
            ("a: \"\\u00\"\n", 1),
        ] {
            assert_eq!(first_doubtful_line(text), Some(line), "{text:?}");
        }
        // ` - b` under `a: 1` continues the plain scalar `1 - b`.
        for text in [
            "a: \"\\x41\\u00e9\\U0001F600\\t\"\n",
            "a: 1\n - b\n",
            "a: 1\n--- # c\nb: 2\n...\n",
            "a: |-\n  x\n\n  y\nb: >+\n  z\n",
            "a:\n- - x\n  - y\n",
        ] {
            assert!(
                crate::read::read_documents(text, &crate::read::ReadLimits::default()).is_ok(),
                "{text:?}"
            );
            assert_eq!(first_doubtful_line(text), None, "{text:?}");
        }
    }

    /// In a single-quoted scalar a backslash is only a character: `'C:\q'`
    /// is well formed, though `\q` is no escape in a double-quoted one.
    #[test]
    fn backslashes_escape_only_in_double_quotes() {
        assert!(looks_well_formed("kind: ConfigMap\ndata:\n  path: 'C:\\qdir\\x'\n"));
        assert!(!looks_well_formed("kind: ConfigMap\ndata:\n  path: \"C:\\qdir\"\n"));
    }
}
