//! Finds and reads the files to lint: paths as given, directories walked in
//! sorted order, standard input for `-`.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use crate::args::Input;

/// Files larger than this are refused, so a huge file cannot exhaust memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A file's name as reported, and its bytes (the core decodes them).
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What was found: the files in order, and the problems met on the way.
#[derive(Debug, Default)]
pub struct Collected {
    pub files: Vec<SourceFile>,
    /// I/O errors: the run stops with exit status 2.
    pub errors: Vec<String>,
    /// Things skipped that the user may want to know about.
    pub notes: Vec<String>,
}

/// Whether a file met while walking a directory is one to read.
pub fn is_lintable(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml")
        || lower.ends_with(".yml")
        || lower.ends_with(".json")
        || matches!(lower.as_str(), "prometheus.yml" | "prometheus.yaml")
}

/// Whether a directory walk leaves this entry out.
fn is_skipped(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name == "node_modules"
}

/// Collects the inputs' files. `stdin` is read for `-` (once, however often
/// it is named).
pub fn collect(inputs: &[Input], stdin_name: &str, stdin: &mut dyn Read) -> Collected {
    let mut walker = Walker::default();
    let mut stdin_read = false;
    for input in inputs {
        match input {
            Input::Stdin => {
                if !stdin_read {
                    stdin_read = true;
                    match read_bounded(stdin, stdin_name, None) {
                        Ok(bytes) => walker.out.files.push(SourceFile {
                            name: stdin_name.to_string(),
                            bytes,
                        }),
                        Err(e) => walker.out.errors.push(e),
                    }
                }
            }
            Input::Path(path) => walker.path(path),
        }
    }
    walker.out
}

#[derive(Default)]
struct Walker {
    out: Collected,
    /// Canonical paths of the files read and the directories walked, so a
    /// file named twice is read once and symlink loops end.
    seen_files: HashSet<PathBuf>,
    seen_dirs: HashSet<PathBuf>,
}

impl Walker {
    /// A path given on the command line: a file is read whatever its name.
    fn path(&mut self, path: &Path) {
        let shown = display(path);
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let before = self.out.files.len();
                self.dir(path);
                if self.out.files.len() == before {
                    self.out
                        .notes
                        .push(format!("{shown}: no YAML or JSON files found in this directory"));
                }
            }
            Ok(_) => self.file(path, shown),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let broken_link = fs::symlink_metadata(path).is_ok();
                self.out.errors.push(if broken_link {
                    format!("{shown}: the symbolic link points to a file that does not exist")
                } else {
                    format!("{shown}: no such file or directory")
                });
            }
            Err(e) => self.out.errors.push(format!("{shown}: {}", io_message(&e))),
        }
    }

    fn dir(&mut self, dir: &Path) {
        let shown = display(dir);
        match fs::canonicalize(dir) {
            Ok(canonical) => {
                // Walked already: a symlink loop, or a directory named twice.
                if !self.seen_dirs.insert(canonical) {
                    return;
                }
            }
            Err(e) => {
                self.out.errors.push(format!("{shown}: {}", io_message(&e)));
                return;
            }
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.out.errors.push(format!("{shown}: {}", io_message(&e)));
                return;
            }
        };
        let mut names = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => names.push(entry.file_name()),
                Err(e) => self.out.errors.push(format!("{shown}: {}", io_message(&e))),
            }
        }
        names.sort();
        for name in names {
            if is_skipped(&name) {
                continue;
            }
            let path = dir.join(&name);
            match fs::metadata(&path) {
                Ok(meta) if meta.is_dir() => self.dir(&path),
                Ok(meta) if meta.is_file() && is_lintable(&path) => {
                    let shown = display(&path);
                    self.file(&path, shown)
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    if is_lintable(&path) {
                        self.out.notes.push(format!(
                            "{}: skipped: the symbolic link points to a file that does not exist",
                            display(&path)
                        ));
                    }
                }
                Err(e) => self.out.errors.push(format!("{}: {}", display(&path), io_message(&e))),
            }
        }
    }

    fn file(&mut self, path: &Path, shown: String) {
        if let Ok(canonical) = fs::canonicalize(path)
            && !self.seen_files.insert(canonical)
        {
            return;
        }
        let result = File::open(path)
            .map_err(|e| format!("{shown}: {}", io_message(&e)))
            .and_then(|mut file| {
                let size = file.metadata().ok().map(|m| m.len());
                read_bounded(&mut file, &shown, size)
            });
        match result {
            Ok(bytes) => self.out.files.push(SourceFile { name: shown, bytes }),
            Err(e) => self.out.errors.push(e),
        }
    }
}

/// Reads at most [`MAX_FILE_BYTES`]; more is an error naming the file.
pub fn read_bounded(reader: &mut dyn Read, shown: &str, size: Option<u64>) -> Result<Vec<u8>, String> {
    let too_big = |size: u64| {
        format!(
            "{shown}: the file is {} MiB; promha reads files of at most {} MiB",
            size.div_ceil(1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )
    };
    if let Some(size) = size
        && size > MAX_FILE_BYTES
    {
        return Err(too_big(size));
    }
    let mut bytes = Vec::with_capacity(size.unwrap_or(0).min(MAX_FILE_BYTES) as usize);
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{shown}: {}", io_message(&e)))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "{shown}: more than {} MiB; promha reads files of at most that size",
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    Ok(bytes)
}

/// A path as findings name it: as given, without `./` components.
pub fn display(path: &Path) -> String {
    let cleaned: PathBuf = path.components().filter(|c| *c != Component::CurDir).collect();
    if cleaned.as_os_str().is_empty() {
        ".".to_string()
    } else {
        cleaned.to_string_lossy().into_owned()
    }
}

fn io_message(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            // "Is a directory (os error 21)" → "is a directory (os error 21)"
            let text = error.to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lintable_names() {
        for name in ["a.yaml", "b.YML", "c.json", "d/prometheus.yml", "prometheus.yaml"] {
            assert!(is_lintable(Path::new(name)), "{name}");
        }
        for name in ["a.txt", "yaml", "Makefile", "a.yaml.bak"] {
            assert!(!is_lintable(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn display_drops_current_dir_components() {
        assert_eq!(display(Path::new("./a/./b.yaml")), "a/b.yaml");
        assert_eq!(display(Path::new(".")), ".");
        assert_eq!(display(Path::new("/abs/x.yaml")), "/abs/x.yaml");
        assert_eq!(display(Path::new("../up.yaml")), "../up.yaml");
    }

    #[test]
    fn reads_are_bounded() {
        let mut big = io::repeat(b'a');
        let err = read_bounded(&mut big, "big.yaml", None).unwrap_err();
        assert!(err.contains("big.yaml") && err.contains("64 MiB"), "{err}");
        let err = read_bounded(&mut io::empty(), "huge.yaml", Some(MAX_FILE_BYTES + 1)).unwrap_err();
        assert!(err.contains("65 MiB"), "{err}");
        let mut small = &b"a: 1\n"[..];
        assert_eq!(read_bounded(&mut small, "x", None).unwrap(), b"a: 1\n");
    }
}
