//! The quick well-formedness scan that lets triage skip documents agrees
//! with the parser on real upstream manifests (../shared/corpus).

use std::path::{Path, PathBuf};

use promha_core::triage::{first_doubtful_line, looks_well_formed, split_documents};
use promha_core::yaml::{ReadLimits, read_documents};

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
