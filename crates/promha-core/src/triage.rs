//! Which documents of a YAML stream can matter to a rule, decided from
//! their text before parsing them.
//!
//! Rendered manifests are mostly Deployments, ConfigMaps and other objects
//! no rule reads, and YAML parsing is nearly all of a lint's time. A
//! document that is plainly a Kubernetes object of such a kind (one
//! top-level `kind:` line naming it) is not parsed at all; anything else —
//! including text that is not a Kubernetes object, or not valid YAML — is
//! parsed as usual, so broken files are still reported.

use crate::document::may_hold_prometheus_config;

/// One document's text and the line of the file it starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk<'t> {
    pub first_line: u32,
    pub text: &'t str,
}

/// What to do with a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Triage {
    /// It may matter: parse it.
    Read,
    /// A Kubernetes object no rule reads.
    Skip,
    /// Nothing but blank lines and comments.
    Empty,
}

/// Kinds always read: the watched resources and what rules join them with.
const READ_KINDS: &[&str] = &[
    "Prometheus",
    "PrometheusAgent",
    "Alertmanager",
    "ThanosRuler",
    "Service",
    "PodDisruptionBudget",
    // Secret values are base64: whether they hold a prometheus.yml shows only once decoded.
    "Secret",
];

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
fn line_starts_with<'t>(text: &'t str, prefix: &'t str) -> impl Iterator<Item = usize> + 't {
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

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// Whether a document can matter to a rule. `extra_kinds` are kinds the
/// caller wants validated too (those of user-given CRDs).
pub fn triage(text: &str, extra_kinds: &[&str]) -> Triage {
    let mut kinds = line_starts_with(text, "kind:");
    let Some(first) = kinds.next() else {
        return if has_content(text) { Triage::Read } else { Triage::Empty };
    };
    if kinds.next().is_some() {
        return Triage::Read; // Not a plain object: let the parser judge.
    }
    let value = &text[first + "kind:".len()..];
    let kind = scalar(value.split('\n').next().unwrap_or(value));
    if !is_kind_name(kind) {
        return Triage::Read; // Not a plain object: let the parser judge.
    }
    let read = match kind {
        "Deployment" | "StatefulSet" => runs_watched_image(text),
        "ConfigMap" => may_hold_prometheus_config(text),
        k => READ_KINDS.contains(&k) || k.ends_with("List") || extra_kinds.contains(&k),
    };
    if read { Triage::Read } else { Triage::Skip }
}

/// Anything but blank lines, comments and document markers.
fn has_content(text: &str) -> bool {
    text.lines().any(|line| {
        let trimmed = line.trim();
        !(trimmed.is_empty() || trimmed.starts_with('#') || is_marker(line, "---") || is_marker(line, "..."))
    })
}

/// A Kubernetes kind: an upper-case letter, then letters and digits.
fn is_kind_name(kind: &str) -> bool {
    kind.starts_with(|c: char| c.is_ascii_uppercase()) && kind.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A plain scalar value as written after `key:`, without quotes or comment.
fn scalar(value: &str) -> &str {
    let value = value.split(" #").next().unwrap_or(value).trim();
    value.trim_matches(|c| c == '"' || c == '\'')
}

/// Whether any container image is Prometheus, Alertmanager or Thanos.
fn runs_watched_image(text: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), b"image").any(|i| {
        let rest = &text[i..];
        let line = rest.split('\n').next().unwrap_or(rest);
        ["prometheus", "alertmanager", "thanos"]
            .iter()
            .any(|name| line.contains(name))
    })
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

    #[test]
    fn unwatched_objects_are_skipped() {
        let nginx = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations: {prometheus.io/scrape: 'true'}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: nginx:1.27}]\n";
        assert_eq!(triage(nginx, &[]), Triage::Skip);
        let prometheus = nginx.replace("nginx:1.27", "quay.io/prometheus/prometheus:v3.1.0");
        assert_eq!(triage(&prometheus, &[]), Triage::Read);
        let query = nginx.replace("image: nginx:1.27", "image: \"quay.io/thanos/thanos:v0.37.2\"");
        assert_eq!(triage(&query, &[]), Triage::Read);
        assert_eq!(
            triage("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n", &[]),
            Triage::Skip
        );
        assert_eq!(
            triage("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n", &[]),
            Triage::Skip
        );
        assert_eq!(
            triage("kind: ConfigMap\ndata:\n  p.yml: |\n    scrape_configs: []\n", &[]),
            Triage::Read
        );
    }

    #[test]
    fn what_rules_read_is_read() {
        for kind in [
            "Prometheus",
            "Service",
            "PodDisruptionBudget",
            "Secret",
            "List",
            "PrometheusList",
            "\"Service\"",
        ] {
            assert_eq!(
                triage(&format!("apiVersion: v1\nkind: {kind} # x\n"), &[]),
                Triage::Read,
                "{kind}"
            );
        }
        assert_eq!(triage("apiVersion: example.com/v1\nkind: Widget\n", &[]), Triage::Skip);
        assert_eq!(
            triage("apiVersion: example.com/v1\nkind: Widget\n", &["Widget"]),
            Triage::Read
        );
    }

    #[test]
    fn anything_unusual_is_read() {
        assert_eq!(triage("{\"kind\": \"Namespace\"}", &[]), Triage::Read, "JSON");
        assert_eq!(triage("global:\n  scrape_interval: 1m\n", &[]), Triage::Read, "no kind");
        assert_eq!(
            triage("kind: Namespace\nkind: Service\n", &[]),
            Triage::Read,
            "two kinds"
        );
        assert_eq!(triage("a: [1, 2\n", &[]), Triage::Read, "broken YAML");
        assert_eq!(triage("kind:\n", &[]), Triage::Read, "empty kind");
        assert_eq!(
            triage("kind: [unclosed\n  - x: {", &[]),
            Triage::Read,
            "not a kind name"
        );
        assert_eq!(triage("kind: namespace\n", &[]), Triage::Read, "not a kind name");
        assert_eq!(triage("# only a comment\n---\n\n", &[]), Triage::Empty);
    }
}
