//! Text in, documents out: bytes are decoded, YAML streams split at their
//! document markers, documents no enabled rule reads skipped unparsed (see
//! [`prefilter`]), the rest parsed into [`Node`] trees that remember where
//! each field was written, and `kind: List` documents expanded.

mod json;
mod node;
mod prefilter;
mod read_ahead;
mod scan;
mod split;
mod yaml;

pub use json::node_from_json_slice;
pub(crate) use node::JsonKind;
pub use node::{BlockOrigin, Entry, Node, Position, Value};
pub use prefilter::Interest;
pub use yaml::{ReadError, ReadLimits, read_documents, read_documents_within};

#[cfg(test)]
mod scan_corpus_tests;

use prefilter::{Triage, triage};
use split::split_documents;
use yaml::read_documents_metered;

/// A file's name and content, as an edge hands it to the core.
#[derive(Clone, Copy, Debug)]
pub struct Source<'t> {
    pub file: &'t str,
    /// The file's bytes; text that is not UTF-8 is reported, not guessed at.
    pub bytes: &'t [u8],
    pub kind: SourceKind,
}

/// What a source holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SourceKind {
    /// Manifests, rendered Helm output or Prometheus configs: checked.
    #[default]
    Manifests,
    /// A Helm values file (`helm -f`), in the order Helm takes them: not
    /// checked, but findings on what a known chart rendered are placed on
    /// the line that sets (or would set) their values key.
    HelmValues,
}

impl<'t> Source<'t> {
    pub fn new(file: &'t str, bytes: &'t [u8]) -> Self {
        Source {
            file,
            bytes,
            kind: SourceKind::Manifests,
        }
    }

    pub fn text(file: &'t str, text: &'t str) -> Self {
        Source::new(file, text.as_bytes())
    }

    /// A Helm values file.
    pub fn values(file: &'t str, bytes: &'t [u8]) -> Self {
        Source {
            file,
            bytes,
            kind: SourceKind::HelmValues,
        }
    }

    /// The same source with other bytes (a fixed text).
    pub fn with_bytes(self, bytes: &'t [u8]) -> Self {
        Source { bytes, ..self }
    }
}

/// One YAML/JSON document and the file it came from (empty in admission).
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub file: String,
    pub root: Node,
    /// The chart template that rendered it, from the `# Source:` comment
    /// `helm template` writes above each document.
    pub template: Option<String>,
}

impl Document {
    pub fn new(file: impl Into<String>, root: Node) -> Self {
        Document {
            file: file.into(),
            root,
            template: None,
        }
    }

    /// A document from an admission request or a cluster lookup.
    pub fn from_json(value: &serde_json::Value) -> Self {
        Document::new(String::new(), Node::from_json(value))
    }
}

/// A file, or one document of it, that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub file: String,
    pub error: ReadError,
    /// The whole file was given up (not UTF-8, or a stream read at once).
    pub whole_file: bool,
    /// Reading stopped here: the run's work budget (`ReadLimits::max_nodes`)
    /// is spent, and nothing after this point, in this file or the next, was
    /// read.
    pub budget_spent: bool,
}

/// What reading a set of sources gave.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    pub documents: Vec<Document>,
    pub unreadable: Vec<Unreadable>,
    /// Kubernetes objects of kinds no enabled rule reads, not parsed.
    pub skipped: usize,
}

/// Reads a text's documents, all of them: every document of a YAML stream
/// (or the JSON value), with the items of `kind: List` documents taken out,
/// and empty documents dropped.
pub fn read_text(file: &str, text: &str, limits: &ReadLimits) -> Result<Vec<Document>, ReadError> {
    let mut documents = Vec::new();
    for root in read_documents(text, limits)? {
        push_expanding_lists(file, root, &mut documents);
    }
    Ok(documents)
}

/// Reads the documents of each source that can matter to the enabled rules,
/// one document at a time, so that one broken document does not hide the
/// others. The node budget of `limits` holds for the whole run: past it,
/// reading stops with one `budget_spent` report, so that no input makes
/// promha run on without bound.
pub fn read_sources(sources: &[Source<'_>], limits: &ReadLimits, interest: &Interest) -> ReadOutcome {
    let mut outcome = ReadOutcome::default();
    let mut used_nodes = 0;
    for source in sources.iter().filter(|s| s.kind == SourceKind::Manifests) {
        if outcome.unreadable.last().is_some_and(|u| u.budget_spent) {
            break;
        }
        match decode(source.bytes) {
            Ok(text) => read_source(source.file, text, limits, interest, &mut used_nodes, &mut outcome),
            Err(position) => outcome.unreadable.push(Unreadable {
                file: source.file.to_string(),
                error: ReadError {
                    position,
                    message: format!(
                        "it is not UTF-8 text (the byte at line {}, column {} is not valid UTF-8)",
                        position.line, position.column
                    ),
                },
                whole_file: true,
                budget_spent: false,
            }),
        }
    }
    outcome
}

/// UTF-8 text without a byte order mark, or where the first invalid byte is.
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, Position> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.strip_prefix('\u{feff}').unwrap_or(text)),
        Err(error) => {
            let valid = &bytes[..error.valid_up_to()];
            // `valid` is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(valid).unwrap_or("");
            let line = prefix.matches('\n').count() + 1;
            let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(Position::new(
                u32::try_from(line).unwrap_or(u32::MAX),
                u32::try_from(column).unwrap_or(u32::MAX),
            ))
        }
    }
}

fn read_source(
    file: &str,
    text: &str,
    limits: &ReadLimits,
    interest: &Interest,
    used_nodes: &mut usize,
    outcome: &mut ReadOutcome,
) {
    let unreadable = |error: ReadError, whole_file, used_nodes: usize| {
        let budget_spent = used_nodes > limits.max_nodes;
        Unreadable {
            file: file.to_string(),
            error: if budget_spent {
                ReadError {
                    position: error.position,
                    message: format!(
                        "promha's work budget of {} YAML nodes per run is spent here",
                        limits.max_nodes
                    ),
                }
            } else {
                error
            },
            whole_file,
            budget_spent,
        }
    };
    let Some(chunks) = split_documents(text) else {
        match read_documents_metered(text, limits, None, used_nodes) {
            Ok(roots) => {
                for root in roots {
                    push_expanding_lists(file, root, &mut outcome.documents);
                }
            }
            Err(error) => outcome.unreadable.push(unreadable(error, true, *used_nodes)),
        }
        return;
    };
    let mut ahead = read_ahead::read_ahead(&chunks, limits, interest);
    for (index, chunk) in chunks.iter().enumerate() {
        let (triaged, read) = match ahead.get_mut(index).and_then(Option::take) {
            Some(ahead) => (ahead.triage, ahead.read),
            None => (triage(chunk.text, interest), None),
        };
        match triaged {
            Triage::Empty => {}
            Triage::Skip => outcome.skipped += 1,
            Triage::Read => {
                let origin = BlockOrigin {
                    first_line: chunk.first_line,
                    indent: 0,
                };
                // What another thread read is taken when the run's budget
                // holds it; otherwise (or after any error) the chunk is read
                // again here, metered as a sequential read meters it, so the
                // outcome never depends on the threads.
                let read = match read {
                    Some((roots, nodes)) if *used_nodes + nodes <= limits.max_nodes => {
                        *used_nodes += nodes;
                        Ok(roots)
                    }
                    _ => read_documents_metered(chunk.text, limits, Some(origin), used_nodes),
                };
                match read {
                    Ok(roots) => {
                        let first = outcome.documents.len();
                        for root in roots {
                            push_expanding_lists(file, root, &mut outcome.documents);
                        }
                        if let Some(template) = helm_template(chunk.text) {
                            for document in &mut outcome.documents[first..] {
                                document.template = Some(template.to_string());
                            }
                        }
                    }
                    Err(error) => {
                        let report = unreadable(error, false, *used_nodes);
                        let stop = report.budget_spent;
                        outcome.unreadable.push(report);
                        if stop {
                            return;
                        }
                    }
                }
            }
        }
    }
}

/// The template named by a `# Source: <chart>/templates/<file>` comment
/// among the lines before a document's content, as `helm template` writes it.
fn helm_template(chunk: &str) -> Option<&str> {
    for line in chunk.lines() {
        let line = line.trim();
        if line.is_empty() || split::is_marker(line, "---") {
            continue;
        }
        let comment = line.strip_prefix('#')?;
        if let Some(template) = comment.trim_start().strip_prefix("Source:") {
            let template = template.trim();
            return (!template.is_empty()).then_some(template);
        }
    }
    None
}

fn push_expanding_lists(file: &str, root: Node, out: &mut Vec<Document>) {
    if root.is_null() {
        return;
    }
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && root.get("apiVersion").is_some()
        && matches!(root.get("items").map(|i| &i.value), Some(Value::Seq(_)));
    if !is_list {
        out.push(Document::new(file, root));
        return;
    }
    if let Value::Map(entries) = root.value {
        for entry in entries {
            if entry.key == "items"
                && let Value::Seq(items) = entry.value.value
            {
                for item in items {
                    push_expanding_lists(file, item, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn everything() -> Interest {
        Interest {
            kinds: vec!["Service".into()],
            ..Interest::default()
        }
    }

    #[test]
    fn lists_are_expanded_and_empty_documents_dropped() {
        let d = read_text(
            "f.yaml",
            "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: b}\n---\n",
            &ReadLimits::default(),
        )
        .unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].root.path(&["metadata", "name"]).and_then(Node::as_str), Some("b"));
        assert_eq!(d[1].root.get("kind").unwrap().position.line, 9);
    }

    #[test]
    fn sources_are_read_document_by_document_at_the_right_lines() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: skipped}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\nkind: Service\nspec: [1, 2\n---\napiVersion: v1\nkind: Service\nmetadata: {name: t}\n";
        let outcome = read_sources(&[Source::text("f.yaml", text)], &ReadLimits::default(), &everything());
        assert_eq!(outcome.skipped, 1);
        assert_eq!(
            outcome.documents.len(),
            2,
            "the broken document does not hide the last one"
        );
        assert_eq!(
            outcome.documents[0].root.get("kind").unwrap().position,
            Position::new(6, 1)
        );
        assert_eq!(
            outcome.documents[1].root.get("metadata").unwrap().position,
            Position::new(14, 1)
        );
        assert_eq!(outcome.unreadable.len(), 1);
        assert_eq!(outcome.unreadable[0].error.position.line, 10);
        assert!(!outcome.unreadable[0].whole_file);
    }

    #[test]
    fn the_node_budget_holds_for_the_whole_run_and_reading_stops_past_it() {
        let text = "kind: Service\na: [1, 2, 3]\n---\nkind: Service\nb: [1, 2, 3]\n---\nkind: Service\nc: [1]\n";
        let limits = ReadLimits {
            max_nodes: 12,
            ..ReadLimits::default()
        };
        let sources = [Source::text("f.yaml", text), Source::text("g.yaml", "kind: Service\n")];
        let outcome = read_sources(&sources, &limits, &everything());
        assert_eq!(outcome.documents.len(), 1, "the first document fits the budget");
        assert_eq!(
            outcome.unreadable.len(),
            1,
            "one report, however much is left: {:?}",
            outcome.unreadable
        );
        let spent = &outcome.unreadable[0];
        assert!(spent.budget_spent && spent.file == "f.yaml");
        assert_eq!(spent.error.position.line, 5, "where the budget ran out");
        assert!(
            spent.error.message.contains("work budget of 12 YAML nodes"),
            "{}",
            spent.error.message
        );
        // The same documents one per file: the budget is the run's, not each file's.
        let per_file = [
            Source::text("a.yaml", "kind: Service\na: [1, 2, 3]\n"),
            Source::text("b.yaml", "kind: Service\nb: [1, 2, 3]\n"),
            Source::text("c.yaml", "kind: Service\n"),
        ];
        let outcome = read_sources(&per_file, &limits, &everything());
        assert_eq!(outcome.documents.len(), 1);
        assert!(outcome.unreadable[0].budget_spent && outcome.unreadable[0].file == "b.yaml");
        assert_eq!(outcome.unreadable.len(), 1, "c.yaml is not read at all");
    }

    /// The budget is spent when more than `max_nodes` nodes are read: a
    /// run that reads exactly that many before a syntax error reports the
    /// syntax error.
    #[test]
    fn a_run_may_read_exactly_the_budget() {
        let (first, second) = ("kind: Service\na: [1, 2, 3]\n", "kind: Service\nb: [1\n");
        let unlimited = ReadLimits::default();
        let mut used = 0;
        read_documents_metered(first, &unlimited, None, &mut used).expect("the first document reads");
        read_documents_metered(second, &unlimited, None, &mut used).expect_err("the second does not");
        let text = format!("{first}---\n{second}");
        let outcome_with = |max_nodes: usize| {
            let limits = ReadLimits {
                max_nodes,
                ..ReadLimits::default()
            };
            let outcome = read_sources(&[Source::text("f.yaml", &text)], &limits, &everything());
            let [unreadable] = outcome.unreadable.as_slice() else {
                panic!("one unreadable: {:?}", outcome.unreadable);
            };
            (unreadable.budget_spent, unreadable.error.message.clone())
        };
        assert_eq!(outcome_with(used), (false, "unclosed bracket '['".to_string()));
        assert!(outcome_with(used - 1).0, "one node fewer is spent");
    }

    #[test]
    fn bytes_are_decoded_here() {
        let outcome = read_sources(
            &[
                Source::new("bom.yaml", b"\xef\xbb\xbfkind: Service\n"),
                Source::new("latin1.yaml", b"a: 1\nb: caf\xe9\n"),
            ],
            &ReadLimits::default(),
            &everything(),
        );
        assert_eq!(outcome.documents.len(), 1, "the byte order mark is dropped");
        assert_eq!(outcome.unreadable.len(), 1);
        let latin1 = &outcome.unreadable[0];
        assert_eq!((latin1.file.as_str(), latin1.whole_file), ("latin1.yaml", true));
        assert_eq!(latin1.error.position, Position::new(2, 7));
        assert!(latin1.error.message.contains("not UTF-8"), "{}", latin1.error.message);
    }

    #[test]
    fn directives_make_the_stream_read_whole() {
        let outcome = read_sources(
            &[Source::text("d.yaml", "%YAML 1.2\n---\na: [1\n")],
            &ReadLimits::default(),
            &everything(),
        );
        assert!(outcome.unreadable[0].whole_file);
    }
}
