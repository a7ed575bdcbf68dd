//! Finds and reads the files to lint: paths as given, directories walked in
//! sorted order with the `ignore` crate (ripgrep's walker), standard input
//! for `-`.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use ignore::WalkBuilder;

use crate::args::Input;
use crate::exclude::Excludes;

/// Files larger than this are refused, so a huge file cannot exhaust memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A file's name as reported, and its bytes (the core decodes them).
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    /// Where it was read from; `None` for standard input.
    pub path: Option<PathBuf>,
    pub bytes: Vec<u8>,
}

impl SourceFile {
    /// The text, when the bytes are UTF-8, without a byte order mark (as the
    /// core reads it, so that columns agree).
    pub fn text(&self) -> Option<&str> {
        let text = std::str::from_utf8(&self.bytes).ok()?;
        Some(text.strip_prefix('\u{feff}').unwrap_or(text))
    }
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

/// Reads Helm values files (`--values`), in their order; a file named twice
/// is read once, where it is first named.
pub fn values_files(paths: &[PathBuf]) -> Collected {
    let mut out = Collected::default();
    let mut seen = HashSet::new();
    for path in paths {
        let shown = display(path);
        if let Ok(canonical) = fs::canonicalize(path)
            && !seen.insert(canonical)
        {
            continue;
        }
        let result = File::open(path)
            .map_err(|e| format!("--values {shown}: {}", io_message(&e)))
            .and_then(|mut file| {
                let meta = file.metadata().ok();
                if meta.as_ref().is_some_and(|m| m.is_dir()) {
                    return Err(format!("--values {shown}: is a directory; name a values file"));
                }
                read_bounded(&mut file, &shown, meta.map(|m| m.len()))
            });
        match result {
            Ok(bytes) => out.files.push(SourceFile {
                name: shown,
                path: Some(path.clone()),
                bytes,
            }),
            Err(e) => out.errors.push(e),
        }
    }
    out
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

/// Whether a directory walk leaves this entry out whatever the ignore files
/// say (hidden entries are left out by the walker itself).
fn is_skipped(name: &std::ffi::OsStr) -> bool {
    name == "node_modules"
}

/// How a walk chooses files beyond their names.
#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    pub excludes: Arc<Excludes>,
    /// Whether `excludes` applies to paths named on the command line too.
    pub force_exclude: bool,
}

/// Collects the inputs' files. `stdin` is read for `-` (once, however often
/// it is named).
pub fn collect(inputs: &[Input], stdin_name: &str, stdin: &mut dyn Read, options: &WalkOptions) -> Collected {
    let mut walker = Walker {
        options,
        out: Collected::default(),
        seen_files: HashSet::new(),
    };
    let mut stdin_read = false;
    for input in inputs {
        match input {
            Input::Stdin => {
                if stdin_read || walker.force_excluded(Path::new(stdin_name), false) {
                    continue;
                }
                stdin_read = true;
                match read_bounded(stdin, stdin_name, None) {
                    Ok(bytes) => walker.out.files.push(SourceFile {
                        name: stdin_name.to_string(),
                        path: None,
                        bytes,
                    }),
                    Err(e) => walker.out.errors.push(e),
                }
            }
            Input::Path(path) => walker.path(path),
        }
    }
    walker.out
}

struct Walker<'a> {
    options: &'a WalkOptions,
    out: Collected,
    /// Canonical paths of the files read, so a file named twice (or met
    /// again through a symbolic link) is read once.
    seen_files: HashSet<PathBuf>,
}

impl Walker<'_> {
    fn force_excluded(&self, path: &Path, is_dir: bool) -> bool {
        self.options.force_exclude && self.options.excludes.excludes_path(path, is_dir)
    }

    /// A path given on the command line: a file is read whatever its name
    /// and whatever the ignore files and excludes say (unless
    /// `--force-exclude`).
    fn path(&mut self, path: &Path) {
        let shown = display(path);
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                if self.force_excluded(path, true) {
                    return;
                }
                let before = self.out.files.len();
                self.dir(path);
                if self.out.files.len() == before {
                    self.out
                        .notes
                        .push(format!("{shown}: no YAML or JSON files found in this directory"));
                }
            }
            Ok(_) => {
                if !self.force_excluded(path, false) {
                    self.file(path, shown)
                }
            }
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

    /// Walks a directory in sorted order, as ripgrep does by default:
    /// `.ignore` files everywhere; `.gitignore`, `.git/info/exclude` and git's
    /// global excludes file inside a git repository; hidden entries skipped;
    /// symbolic links followed, and loops left.
    fn dir(&mut self, dir: &Path) {
        let excludes = Arc::clone(&self.options.excludes);
        let walk = WalkBuilder::new(dir)
            .standard_filters(true)
            .require_git(true)
            .follow_links(true)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(move |entry| {
                !is_skipped(entry.file_name())
                    && !excludes.excludes_entry(entry.path(), entry.file_type().is_some_and(|t| t.is_dir()))
            })
            .build();
        for entry in walk {
            match entry {
                Ok(entry) => {
                    if let Some(error) = entry.error() {
                        // A bad line in an ignore file: the rest of it applies.
                        self.out.notes.push(walk_error_message(error));
                    }
                    if entry.depth() > 0 && entry.file_type().is_some_and(|t| t.is_file()) && is_lintable(entry.path())
                    {
                        let shown = display(entry.path());
                        self.file(entry.path(), shown);
                    }
                }
                Err(error) => self.walk_error(&error),
            }
        }
    }

    fn walk_error(&mut self, error: &ignore::Error) {
        let (path, inner) = unwrap_walk_error(error);
        match inner {
            // A symbolic link back to a directory being walked: walked once.
            ignore::Error::Loop { .. } => {}
            ignore::Error::Io(e) if e.kind() == io::ErrorKind::NotFound => {
                // A symbolic link to nothing: worth a word when its name says
                // it is one to lint.
                if let Some(path) = path.filter(|p| is_lintable(p)) {
                    self.out.notes.push(format!(
                        "{}: skipped: the symbolic link points to a file that does not exist",
                        display(path)
                    ));
                }
            }
            _ => self.out.errors.push(walk_error_message(error)),
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
            Ok(bytes) => self.out.files.push(SourceFile {
                name: shown,
                path: Some(path.to_path_buf()),
                bytes,
            }),
            Err(e) => self.out.errors.push(e),
        }
    }
}

/// The path a walk error is about, and the error itself.
fn unwrap_walk_error(error: &ignore::Error) -> (Option<&Path>, &ignore::Error) {
    let mut path = None;
    let mut error = error;
    loop {
        match error {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p.as_path());
                error = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error = err,
            ignore::Error::Partial(errors) if errors.len() == 1 => error = &errors[0],
            _ => return (path, error),
        }
    }
}

/// `path: problem`, as the other I/O errors read.
fn walk_error_message(error: &ignore::Error) -> String {
    match unwrap_walk_error(error) {
        (Some(path), ignore::Error::Io(e)) => format!("{}: {}", display(path), io_message(e)),
        // ignore's own text names the file and the line.
        _ => error.to_string(),
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
        let bom = SourceFile {
            name: "x".into(),
            path: None,
            bytes: read_bounded(&mut &b"\xef\xbb\xbfa: 1\n"[..], "x", None).unwrap(),
        };
        assert_eq!(bom.text(), Some("a: 1\n"), "the frame's text is the core's");
        let latin1 = SourceFile {
            name: "x".into(),
            path: None,
            bytes: b"a: 1\nb: caf\xe9\n".to_vec(),
        };
        assert_eq!(latin1.text(), None);
    }
}
