//! The quick well-formedness scan that lets triage skip documents agrees
//! with the parser on real upstream manifests (../shared/corpus).

use std::path::{Path, PathBuf};

use super::scan::{first_doubtful_line, looks_well_formed};
use super::split::split_documents;
use super::yaml::{ReadLimits, read_documents};

fn corpus_files() -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !root.is_dir() {
        eprintln!("skipped: {} is not here", root.display());
        return None;
    }
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    Some(files)
}

#[test]
fn the_scan_vouches_only_for_documents_that_parse_and_for_nearly_all_that_do() {
    let Some(files) = corpus_files() else { return };
    let (mut parsed, mut vouched) = (0usize, 0usize);
    let mut doubted = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let Some(chunks) = split_documents(&text) else { continue };
        for chunk in chunks {
            let parses = read_documents(chunk.text, &ReadLimits::default()).is_ok();
            let well_formed = looks_well_formed(chunk.text);
            assert!(
                parses || !well_formed,
                "{}:{}: vouched for, but does not parse",
                file.display(),
                chunk.first_line
            );
            if parses {
                parsed += 1;
                if well_formed {
                    vouched += 1;
                } else {
                    doubted.push(format!(
                        "{}:{}",
                        file.display(),
                        chunk.first_line as usize - 1 + first_doubtful_line(chunk.text).unwrap_or(0)
                    ));
                }
            }
        }
    }
    eprintln!("{vouched} of {parsed} parsing documents vouched for; doubted: {doubted:#?}");
    assert!(parsed > 20, "the corpus has documents");
    assert!(
        vouched * 100 >= parsed * 95,
        "{vouched} of {parsed}: doubts cost a parse each"
    );
}

/// The project's own manifests: always here, so the mutation test runs
/// without the shared corpus too.
fn own_manifests() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("../../examples/manifests/good"),
        root.join("../../examples/manifests/broken"),
    ] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    files.sort();
    files
}

/// A deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Small edits of the kind that break YAML by hand: a character inserted or
/// deleted, a line re-indented.
fn mutate(text: &str, rng: &mut Rng) -> String {
    const INSERTED: &[&str] = &[
        "[", "{", "]", "}", "\"", "'", ":", ": ", " ", "  ", "\t", "- ", "#", "\n", "&a ", "*a", "|",
    ];
    let mut bytes: Vec<char> = text.chars().collect();
    let at = rng.below(bytes.len().max(1));
    match rng.below(3) {
        0 => {
            let insert = INSERTED[rng.below(INSERTED.len())];
            for (k, c) in insert.chars().enumerate() {
                bytes.insert((at + k).min(bytes.len()), c);
            }
        }
        1 if !bytes.is_empty() => {
            bytes.remove(at);
        }
        _ => {
            // Re-indent the line holding `at` by one to three spaces either way.
            let start = bytes[..at].iter().rposition(|&c| c == '\n').map_or(0, |p| p + 1);
            let shift = 1 + rng.below(3);
            if rng.below(2) == 0 {
                for _ in 0..shift {
                    bytes.insert(start, ' ');
                }
            } else {
                for _ in 0..shift {
                    if bytes.get(start) == Some(&' ') {
                        bytes.remove(start);
                    }
                }
            }
        }
    }
    bytes.into_iter().collect()
}

#[test]
fn the_scan_never_vouches_for_a_mutated_document_that_does_not_parse() {
    let mut files = own_manifests();
    files.extend(corpus_files().unwrap_or_default());
    let mut documents = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for chunk in split_documents(&text).unwrap_or_default() {
            if read_documents(chunk.text, &ReadLimits::default()).is_ok() && chunk.text.len() < 200_000 {
                documents.push(chunk.text.to_string());
            }
        }
    }
    assert!(documents.len() > 10, "documents to mutate");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut broken, mut caught) = (0, 0);
    for round in 0..4000 {
        let original = &documents[round % documents.len()];
        let mutant = mutate(original, &mut rng);
        let parses = match read_documents(&mutant, &ReadLimits::default()) {
            Ok(_) => true,
            // Duplicate keys are beyond the scan, as the README says.
            Err(e) if e.message.starts_with("duplicate key") => true,
            Err(_) => false,
        };
        if !parses {
            broken += 1;
            assert!(
                !looks_well_formed(&mutant),
                "round {round}: vouched for, but the parser refuses it (line {:?}):\n{mutant}",
                read_documents(&mutant, &ReadLimits::default()).err()
            );
            caught += 1;
        }
    }
    eprintln!("{caught} of {broken} broken mutants doubted");
    assert!(broken > 200, "the mutations break documents");
}
