//! Splits a YAML stream into its documents, by their markers, before parsing.

/// One document's text and the line of the file it starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk<'t> {
    pub first_line: u32,
    pub text: &'t str,
}

/// Splits a YAML stream at its document markers (`---` and `...` at the
/// start of a line, which YAML forbids inside any content). `None` when the
/// stream uses directives (`%YAML`), which bind to the next document: such
/// a stream is read whole.
pub fn split_documents(text: &str) -> Option<Vec<Chunk<'_>>> {
    let bytes = text.as_bytes();
    let mut lines = LineCounter::default();
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut push = |from: usize, to: usize, lines: &mut LineCounter| {
        if to > from {
            chunks.push(Chunk {
                first_line: lines.line_at(bytes, from),
                text: &text[from..to],
            });
        }
    };
    for offset in line_starts(bytes) {
        match bytes[offset] {
            b'%' => return None,
            b'-' if is_marker(&text[offset..], "---") => {
                push(start, offset, &mut lines);
                start = offset;
            }
            b'.' if is_marker(&text[offset..], "...") => {
                let end = memchr::memchr(b'\n', &bytes[offset..]).map_or(bytes.len(), |n| offset + n + 1);
                push(start, end, &mut lines);
                start = end;
            }
            _ => {}
        }
    }
    push(start, bytes.len(), &mut lines);
    Some(chunks)
}

/// Offsets of the lines of a text (that are not empty at its end).
fn line_starts(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1))
        .filter(move |&i| i < bytes.len())
}

/// Offsets of the lines starting with `prefix`.
pub(crate) fn line_starts_with<'t>(text: &'t str, prefix: &'t str) -> impl Iterator<Item = usize> + 't {
    let bytes = text.as_bytes();
    let at_start = bytes.starts_with(prefix.as_bytes()).then_some(0);
    let needle: Vec<u8> = [b"\n".as_slice(), prefix.as_bytes()].concat();
    let found: Vec<usize> = memchr::memmem::find_iter(bytes, &needle).map(|i| i + 1).collect();
    at_start.into_iter().chain(found)
}

/// Line numbers of increasing offsets, counting each byte once.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    newlines: u32,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> u32 {
        let counted = memchr::memchr_iter(b'\n', &bytes[self.offset..offset]).count();
        self.newlines = self.newlines.saturating_add(u32::try_from(counted).unwrap_or(u32::MAX));
        self.offset = offset;
        self.newlines.saturating_add(1)
    }
}

pub(crate) fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_markers_with_first_lines() {
        let text = "a: 1\n---\nb: 2\n--- # c\nc: 3\n...\nd: 4\n";
        let chunks = split_documents(text).unwrap();
        let shown: Vec<(u32, &str)> = chunks.iter().map(|c| (c.first_line, c.text)).collect();
        assert_eq!(
            shown,
            vec![
                (1, "a: 1\n"),
                (2, "---\nb: 2\n"),
                (4, "--- # c\nc: 3\n...\n"),
                (7, "d: 4\n")
            ]
        );
        assert_eq!(
            split_documents("x: |\n  ---\n  y\n").unwrap().len(),
            1,
            "indented text is content"
        );
        assert_eq!(split_documents("---word: 1\n").unwrap().len(), 1, "not a marker");
        assert!(split_documents("%YAML 1.2\n---\na: 1\n").is_none());
        assert_eq!(split_documents("").unwrap().len(), 0);
        assert_eq!(split_documents("a: 1\r\n---\r\nb: 2").unwrap()[1].first_line, 2);
    }
}
