//! The code frame under a text finding, as rustc and ruff print it: the
//! line the finding points at, from the text that was linted, with the
//! field underlined. annotate-snippets draws it (and trims long lines).

use std::cell::OnceCell;
use std::collections::HashMap;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use promha_core::{Finding, Severity};

/// Around the span, at most this many bytes of a line are handed to the
/// renderer, which trims to its width anyway: a minified JSON file of
/// megabytes on one line costs a few kilobytes per frame, not megabytes.
const LINE_WINDOW_BYTES: usize = 1024;

/// The texts that were linted, by the file name findings report.
#[derive(Default)]
pub struct Sources<'a> {
    files: HashMap<&'a str, Text<'a>>,
}

struct Text<'a> {
    text: &'a str,
    /// Byte offsets of the line starts, computed at the file's first frame.
    line_starts: OnceCell<Vec<usize>>,
}

impl<'a> Sources<'a> {
    /// Adds a file's text; the first text of a name is kept.
    pub fn add(&mut self, name: &'a str, text: &'a str) {
        self.files.entry(name).or_insert(Text {
            text,
            line_starts: OnceCell::new(),
        });
    }

    /// The frame of a finding with a known position in a known text.
    pub fn frame(&self, finding: &Finding, renderer: &Renderer) -> Option<String> {
        if !finding.position.is_known() {
            return None;
        }
        let text = self.files.get(finding.file.as_str())?;
        let line = text.line(finding.position.line as usize)?;
        let level = match finding.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        Some(render(
            line,
            finding.position.line as usize,
            finding.position.column as usize,
            level,
            renderer,
        ))
    }
}

impl Text<'_> {
    /// Line `n` (1-based) without its line break.
    fn line(&self, n: usize) -> Option<&str> {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let start = *starts.get(n.checked_sub(1)?)?;
        let end = starts.get(n).map_or(self.text.len(), |next| next - 1);
        let line = self.text.get(start..end)?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// Renders one line with the span at `column` (1-based, in characters)
/// underlined.
fn render(line: &str, line_number: usize, column: usize, level: Level<'_>, renderer: &Renderer) -> String {
    let start = byte_offset(line, column);
    let span = field_span(line, start);
    let (window, span) = window(line, span);
    let report = &[Group::with_level(level).element(
        Snippet::source(window)
            .line_start(line_number)
            .fold(false)
            .annotation(AnnotationKind::Primary.span(span)),
    )];
    renderer.render(report)
}

/// The byte offset of a 1-based character column, clamped to the line.
fn byte_offset(line: &str, column: usize) -> usize {
    line.char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i)
}

/// What to underline from `start`: a quoted string, or a plain scalar or key
/// up to the `: ` that ends a key, a flow delimiter or a comment; at least
/// one character when the line has one there.
fn field_span(line: &str, start: usize) -> Range<usize> {
    let rest = &line[start..];
    let mut chars = rest.char_indices().peekable();
    let end = match chars.peek() {
        None => 0,
        Some(&(_, quote @ ('"' | '\''))) => {
            chars.next();
            let mut end = rest.len();
            let mut escaped = false;
            for (i, c) in chars {
                if quote == '"' && c == '\\' && !escaped {
                    escaped = true;
                    continue;
                }
                if c == quote && !escaped {
                    end = i + c.len_utf8();
                    break;
                }
                escaped = false;
            }
            end
        }
        Some(_) => {
            let mut end = rest.len();
            let mut previous = ' ';
            while let Some((i, c)) = chars.next() {
                let next = chars.peek().map(|&(_, n)| n);
                let ends_key = c == ':' && next.is_none_or(|n| n == ' ' || n == '\t');
                let ends_flow = matches!(c, ',' | ']' | '}') && i > 0;
                let comment = c == '#' && (previous == ' ' || previous == '\t');
                if ends_key || ends_flow || comment {
                    end = i;
                    break;
                }
                previous = c;
            }
            rest[..end]
                .trim_end()
                .len()
                .max(rest.chars().next().map_or(0, char::len_utf8))
        }
    };
    start..start + end
}

/// The part of a long line around the span, on character boundaries, and
/// the span within it.
fn window(line: &str, span: Range<usize>) -> (&str, Range<usize>) {
    let floor = |mut i: usize| {
        while !line.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let from = floor(span.start.saturating_sub(LINE_WINDOW_BYTES));
    let to = floor((span.end + LINE_WINDOW_BYTES).min(line.len()));
    let span_end = span.end.min(to);
    (&line[from..to], span.start - from..span_end - from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn underlined(line: &str, column: usize) -> &str {
        let span = field_span(line, byte_offset(line, column));
        &line[span]
    }

    #[test]
    fn the_field_at_the_column_is_underlined() {
        assert_eq!(underlined("  replicas: 1", 3), "replicas");
        assert_eq!(underlined("spec:", 1), "spec");
        assert_eq!(
            underlined("  image: quay.io/prometheus:v3  # pinned", 10),
            "quay.io/prometheus:v3"
        );
        assert_eq!(underlined(r#"{"spec": {"replicas": 1}}"#, 11), r#""replicas""#);
        assert_eq!(underlined(r#"  "a\"b": 1"#, 3), r#""a\"b""#);
        assert_eq!(underlined("  - name: x", 3), "- name");
        assert_eq!(underlined("key: [a, b]", 7), "a");
        assert_eq!(underlined("ünï: ç", 6), "ç", "columns count characters");
        assert_eq!(underlined("short", 40), "", "a column past the end");
    }

    #[test]
    fn lines_are_found_by_number() {
        let mut sources = Sources::default();
        sources.add("a.yaml", "one\r\ntwo\n\nfour");
        let text = &sources.files["a.yaml"];
        assert_eq!(text.line(1), Some("one"));
        assert_eq!(text.line(2), Some("two"));
        assert_eq!(text.line(3), Some(""));
        assert_eq!(text.line(4), Some("four"));
        assert_eq!(text.line(5), None);
        assert_eq!(text.line(0), None);
    }

    #[test]
    fn a_frame_shows_the_line_number_the_line_and_a_caret_under_the_field() {
        let frame = render("  replicas: 1", 7, 3, Level::ERROR, &Renderer::plain());
        let lines: Vec<&str> = frame.lines().collect();
        let code = lines.iter().position(|l| l.ends_with("|   replicas: 1")).expect(&frame);
        assert!(lines[code].trim_start().starts_with("7 |"), "{frame}");
        let bar = lines[code].find('|').expect("a gutter");
        let carets = lines[code + 1];
        assert_eq!(carets[bar..].trim_end(), "|   ^^^^^^^^", "{frame}");
    }

    #[test]
    fn odd_lines_render_without_panicking() {
        for (line, column) in [
            ("short", 40),
            ("", 1),
            ("\tkey: value", 2),
            ("\u{1b}[31mx: 1", 1),
            ("日本語: 値", 5),
        ] {
            let frame = render(line, 3, column, Level::WARNING, &Renderer::plain());
            assert!(frame.contains("3 |"), "{line:?}: {frame}");
            assert!(frame.contains('^'), "{line:?}: {frame}");
        }
    }

    #[test]
    fn long_lines_are_trimmed_around_the_field() {
        let line = format!(
            "{{\"pad\": \"{}\", \"replicas\": 1, \"tail\": \"{}\"}}",
            "x".repeat(100_000),
            "y".repeat(100_000)
        );
        let column = line.find("\"replicas\"").expect("replicas") + 1;
        let frame = render(&line, 1, column, Level::ERROR, &Renderer::plain());
        assert!(frame.len() < 1_000, "{} bytes", frame.len());
        assert!(frame.contains("\"replicas\": 1"), "{frame}");
        assert!(frame.contains("^^^^^^^^^^"), "{frame}");
        assert!(frame.contains("..."), "the cut is shown: {frame}");
    }
}
