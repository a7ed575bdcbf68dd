//! Big files' documents triaged and parsed on every core before they are
//! taken in order: YAML parsing is most of a big lint's time. What is read
//! ahead is only a guess at what the sequential read gives: the caller takes
//! a chunk's nodes only while the run's budget holds them, and reads any
//! other chunk again itself, so results are the same with or without
//! threads (and in the browser and the policy, which have none).

use super::node::Node;
use super::prefilter::{Interest, Triage};
use super::split::Chunk;
use super::yaml::ReadLimits;

/// One chunk as read ahead: its triage and, when it is read and parsed
/// within the budget on its own, its documents and their node count.
#[cfg_attr(target_family = "wasm", allow(dead_code))]
pub(super) struct ReadAhead {
    pub triage: Triage,
    pub read: Option<(Vec<Node>, usize)>,
}

/// Below this a file is read on one thread: threads cost more than they save.
#[cfg(not(target_family = "wasm"))]
const MIN_BYTES: usize = 1 << 20;

/// Each chunk's [`ReadAhead`], or `None` for chunks not read ahead (all of
/// them for small files, without threads, or once the workers together have
/// spent the run's node budget: the rest would be refused anyway).
#[cfg(not(target_family = "wasm"))]
pub(super) fn read_ahead(chunks: &[Chunk<'_>], limits: &ReadLimits, interest: &Interest) -> Vec<Option<ReadAhead>> {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::node::BlockOrigin;
    use super::prefilter::triage;
    use super::yaml::read_documents_metered;

    let bytes: usize = chunks.iter().map(|c| c.text.len()).sum();
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(chunks.len());
    if bytes < MIN_BYTES || workers < 2 {
        return Vec::new();
    }
    // Spent by all workers together: speculative work stays within the
    // budget (plus one chunk per worker), however many chunks there are.
    let spent = AtomicUsize::new(0);
    let per_worker = chunks.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .chunks(per_worker)
            .map(|slice| {
                let spent = &spent;
                scope.spawn(move || {
                    let mut out = Vec::with_capacity(slice.len());
                    for chunk in slice {
                        if spent.load(Ordering::Relaxed) > limits.max_nodes {
                            out.push(None);
                            continue;
                        }
                        let triaged = triage(chunk.text, interest);
                        let read = (triaged == Triage::Read)
                            .then(|| {
                                let origin = BlockOrigin {
                                    first_line: chunk.first_line,
                                    indent: 0,
                                };
                                let mut nodes = 0;
                                let roots = read_documents_metered(chunk.text, limits, Some(origin), &mut nodes);
                                spent.fetch_add(nodes, Ordering::Relaxed);
                                roots.ok().map(|roots| (roots, nodes))
                            })
                            .flatten();
                        out.push(Some(ReadAhead { triage: triaged, read }));
                    }
                    out
                })
            })
            .collect();
        // A worker that panicked leaves its chunks to the sequential read.
        let mut all = Vec::with_capacity(chunks.len());
        for (handle, slice) in handles.into_iter().zip(chunks.chunks(per_worker)) {
            match handle.join() {
                Ok(out) => all.extend(out),
                Err(_) => all.extend(slice.iter().map(|_| None)),
            }
        }
        all
    })
}

#[cfg(target_family = "wasm")]
pub(super) fn read_ahead(_: &[Chunk<'_>], _: &ReadLimits, _: &Interest) -> Vec<Option<ReadAhead>> {
    Vec::new()
}

#[cfg(all(test, not(target_family = "wasm")))]
mod tests {
    use crate::read::{ReadLimits, Source, read_sources};

    fn big_text(documents: usize) -> String {
        (0..documents)
            .map(|i| {
                format!(
                    "---\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {{name: p{i}, namespace: n}}\nspec:\n  replicas: 2\n  podMetadata: {{labels: {{team: t{i}, padding: '{}'}}}}\n",
                    "x".repeat(200)
                )
            })
            .collect()
    }

    fn read(text: &str, limits: &ReadLimits) -> crate::read::ReadOutcome {
        let interest = crate::model::interest(crate::model::Input::ALL);
        read_sources(&[Source::text("big.yaml", text)], limits, &interest)
    }

    /// Read ahead or not, a big file gives the same documents, in order.
    #[test]
    fn a_big_file_reads_as_it_would_on_one_thread() {
        let text = big_text(6_000);
        assert!(text.len() > super::MIN_BYTES);
        let outcome = read(&text, &ReadLimits::default());
        assert!(outcome.unreadable.is_empty());
        assert_eq!(outcome.documents.len(), 6_000);
        for (i, document) in outcome.documents.iter().enumerate() {
            let name = document.root.path(&["metadata", "name"]).and_then(|n| n.as_str());
            assert_eq!(name, Some(format!("p{i}").as_str()));
        }
        let line = |d: &crate::read::Document| d.root.get("kind").map(|k| k.position.line);
        assert_eq!(line(&outcome.documents[0]), Some(3));
        assert_eq!(line(&outcome.documents[5_999]), Some(3 + 7 * 5_999));
    }

    /// The budget is spent at the same document, with the same error, as a
    /// sequential read would spend it: the workers' guesses past it are dropped.
    #[test]
    fn the_budget_is_spent_where_a_sequential_read_spends_it() {
        let text = big_text(6_000);
        let limits = ReadLimits {
            max_nodes: 50_000,
            ..ReadLimits::default()
        };
        let outcome = read(&text, &limits);
        let mut sequential_used = 0;
        let mut sequential = 0;
        for chunk in crate::read::split::split_documents(&text).unwrap() {
            let origin = crate::read::BlockOrigin {
                first_line: chunk.first_line,
                indent: 0,
            };
            match crate::read::yaml::read_documents_metered(chunk.text, &limits, Some(origin), &mut sequential_used) {
                Ok(roots) => sequential += roots.len(),
                Err(error) => {
                    assert_eq!(outcome.documents.len(), sequential);
                    assert_eq!(outcome.unreadable.len(), 1);
                    assert!(outcome.unreadable[0].budget_spent);
                    assert_eq!(outcome.unreadable[0].error.position, error.position);
                    return;
                }
            }
        }
        panic!("the budget of 50,000 nodes should be spent by 6,000 documents");
    }
}
