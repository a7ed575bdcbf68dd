//! `--exclude GLOB` and the settings' `exclude:` list: gitignore-style globs
//! (`charts/**`, `*.tmpl.yaml`, `!keep.yaml`), each list relative to its
//! own directory, as a .gitignore is: the working directory for
//! `--exclude`, the settings file's directory for `exclude:`.

use std::path::{Component, Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// Whether `glob` is a valid gitignore-style glob; the error says why not.
pub fn check_glob(glob: &str) -> Result<(), String> {
    GitignoreBuilder::new("/")
        .add_line(None, glob)
        .map(|_| ())
        .map_err(glob_error)
}

fn glob_error(error: ignore::Error) -> String {
    match error {
        ignore::Error::Glob { err, .. } => err,
        other => other.to_string(),
    }
}

/// The exclusion globs of one run.
#[derive(Debug, Default)]
pub struct Excludes {
    /// Paths given relative are relative to this directory.
    cwd: PathBuf,
    /// Each matcher is rooted at the directory its globs are relative to.
    sets: Vec<Gitignore>,
}

impl Excludes {
    pub fn new(cwd: &Path) -> Excludes {
        Excludes {
            cwd: cwd.to_path_buf(),
            sets: Vec::new(),
        }
    }

    /// Adds globs relative to `root`; an invalid one is an error naming it,
    /// after `what` (the option or the settings key).
    pub fn add(&mut self, root: &Path, globs: &[String], what: &str) -> Result<(), String> {
        if globs.is_empty() {
            return Ok(());
        }
        let root = lexical_absolute(&self.cwd, root);
        let mut builder = GitignoreBuilder::new(&root);
        for glob in globs {
            builder
                .add_line(None, glob)
                .map_err(|e| format!("{what} {glob:?} is not a valid glob: {}", glob_error(e)))?;
        }
        let set = builder
            .build()
            .map_err(|e| format!("{what}: the globs cannot be compiled: {e}"))?;
        self.sets.push(set);
        Ok(())
    }

    /// Whether a walk leaves this entry out: a glob matches the path itself
    /// (the walk does not enter an excluded directory).
    pub fn excludes_entry(&self, path: &Path, is_dir: bool) -> bool {
        self.matches(path, |set, relative| set.matched(relative, is_dir).is_ignore())
    }

    /// Whether a path named on the command line is excluded (with
    /// `--force-exclude`): a glob matches it or one of its parents.
    pub fn excludes_path(&self, path: &Path, is_dir: bool) -> bool {
        self.matches(path, |set, relative| {
            set.matched_path_or_any_parents(relative, is_dir).is_ignore()
        })
    }

    fn matches(&self, path: &Path, test: impl Fn(&Gitignore, &Path) -> bool) -> bool {
        if self.sets.is_empty() {
            return false;
        }
        let absolute = lexical_absolute(&self.cwd, path);
        self.sets.iter().any(|set| match absolute.strip_prefix(set.path()) {
            // A path outside a list's directory is not matched by that list.
            Ok(relative) if !relative.as_os_str().is_empty() => test(set, relative),
            _ => false,
        })
    }
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved by name
/// (as a glob means them; symbolic links are not followed).
fn lexical_absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    let joined;
    let full = if path.is_absolute() {
        path
    } else {
        joined = cwd.join(path);
        &joined
    };
    for component in full.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excludes(globs: &[&str]) -> Excludes {
        let mut e = Excludes::new(Path::new("/repo"));
        let globs: Vec<String> = globs.iter().map(|g| g.to_string()).collect();
        e.add(Path::new("."), &globs, "--exclude").expect("valid globs");
        e
    }

    #[test]
    fn globs_have_gitignore_meaning_relative_to_their_root() {
        let e = excludes(&["charts/**", "*.tmpl.yaml", "build/", "!keep.tmpl.yaml"]);
        assert!(e.excludes_entry(Path::new("charts/a/values.yaml"), false));
        assert!(e.excludes_entry(Path::new("/repo/charts/x.yaml"), false));
        assert!(e.excludes_entry(Path::new("./deep/er/x.tmpl.yaml"), false));
        assert!(!e.excludes_entry(Path::new("deep/keep.tmpl.yaml"), false));
        assert!(e.excludes_entry(Path::new("sub/build"), true));
        assert!(
            !e.excludes_entry(Path::new("sub/build"), false),
            "build/ names directories"
        );
        assert!(
            !e.excludes_entry(Path::new("other/charts/x.yaml"), false),
            "charts/** is anchored"
        );
        assert!(!e.excludes_entry(Path::new("/elsewhere/x.tmpl.yaml"), false));
        assert!(!e.excludes_entry(Path::new("sub/../x.yaml"), false));
        assert!(e.excludes_entry(Path::new("sub/../charts/x.yaml"), false));
    }

    #[test]
    fn explicit_paths_match_through_their_parents() {
        let e = excludes(&["vendor"]);
        assert!(!e.excludes_entry(Path::new("vendor/a.yaml"), false));
        assert!(e.excludes_path(Path::new("vendor/a.yaml"), false));
        assert!(e.excludes_path(Path::new("vendor"), true));
        assert!(!e.excludes_path(Path::new("src/a.yaml"), false));
        assert!(!Excludes::new(Path::new("/repo")).excludes_path(Path::new("a"), false));
    }

    #[test]
    fn bad_globs_are_named() {
        assert!(check_glob("{a").unwrap_err().contains("unclosed alternate group"));
        assert!(check_glob("[z-a]").unwrap_err().contains("invalid range"));
        // As in git, an unclosed class is a literal `[`.
        assert!(check_glob("a[b").is_ok());
        assert!(check_glob("**/*.yaml").is_ok());
        let mut e = Excludes::new(Path::new("/repo"));
        let err = e
            .add(Path::new("."), &["ok".into(), "{a".into()], "exclude")
            .unwrap_err();
        assert!(err.starts_with("exclude \"{a\" is not a valid glob"), "{err}");
    }
}
