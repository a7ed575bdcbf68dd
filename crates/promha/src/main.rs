//! `promha`: lint Prometheus and Alertmanager manifests for high availability.

mod args;
mod catalogue;
mod collect;
mod config;
mod output;

// A faster allocator: a lint allocates a small string per YAML key and value.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use promha_core::{CheckOptions, CrdSchema, Report, Settings, Source, crd_schemas};

use args::{ColorChoice, Command, Format, Input, LintArgs};
use collect::Collected;

/// No error found (warnings allowed unless `--strict`).
const EXIT_CLEAN: u8 = 0;
/// A finding that fails the run.
const EXIT_FINDINGS: u8 = 1;
/// Usage, settings or I/O error.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let command = match args::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("promha: error: {error}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let code = match command {
        Command::Help(text) => print(text),
        Command::Version => print(&format!("promha {}\n", args::VERSION)),
        Command::Rules(format) => print(&catalogue::rules(format)),
        Command::Explain(id) => match promha_core::catalogue::explain(&id) {
            Ok(text) => print(&text),
            Err(message) => {
                eprintln!("promha: error: {message}");
                EXIT_USAGE
            }
        },
        Command::Lint(lint_args) => lint(&lint_args),
    };
    ExitCode::from(code)
}

/// Writes to standard output; a closed pipe (`promha rules | head`) is not an error.
fn print(text: &str) -> u8 {
    if write_stdout(text) { EXIT_CLEAN } else { EXIT_USAGE }
}

/// Whether the text was written (or the reader went away). A report that
/// could not be written must not pass for a clean run.
fn write_stdout(text: &str) -> bool {
    let mut stdout = io::stdout().lock();
    let result = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
    match result {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("promha: error: cannot write the output: {e}");
            false
        }
        _ => true,
    }
}

fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("promha: error: {message}");
    EXIT_USAGE
}

fn lint(args: &LintArgs) -> u8 {
    let cwd = std::env::current_dir().ok();
    let settings = match settings(args, cwd.as_deref()) {
        Ok(settings) => settings,
        Err(message) => return fail(message),
    };
    let crds = match load_crds(&args.crds) {
        Ok(crds) => crds,
        Err(message) => return fail(message),
    };
    let collected = collect::collect(&args.inputs, &args.stdin_filename, &mut io::stdin().lock());
    for note in &collected.notes {
        eprintln!("promha: note: {note}");
    }
    // Unreadable paths fail the run, but only after what could be read is
    // checked and reported.
    for error in &collected.errors {
        eprintln!("promha: error: {error}");
    }
    let options = CheckOptions {
        unknown_fields: true,
        crds,
        ..CheckOptions::default()
    };
    let report = lint_files(&collected, &settings, &options);
    let rendered = match args.format {
        Format::Text => output::text(
            &report,
            output::Style {
                color: use_color(args.color),
            },
        ),
        Format::Json => output::json(&report),
        Format::Sarif => output::sarif(&report, cwd.as_deref()),
        Format::Github => output::github(&report, cwd.as_deref()),
    };
    let written = write_stdout(&rendered);
    let failing = report.errors() > 0 || (args.strict && report.warnings() > 0);
    if !written || !collected.errors.is_empty() {
        EXIT_USAGE
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// `--config`, else the nearest `.promha.yaml` (unless `--no-config`), then `--rule`.
fn settings(args: &LintArgs, cwd: Option<&Path>) -> Result<Settings, String> {
    let file: Option<PathBuf> = match (&args.config, args.no_config, cwd) {
        (Some(path), _, _) => Some(path.clone()),
        (None, false, Some(cwd)) => config::discover(cwd),
        _ => None,
    };
    let mut settings = match file {
        Some(path) => config::load(&path)?,
        None => Settings::default(),
    };
    config::apply_rule_overrides(&mut settings, &args.rules)?;
    Ok(settings)
}

/// Reads the CustomResourceDefinitions of `--crd` files and directories.
fn load_crds(paths: &[PathBuf]) -> Result<Vec<CrdSchema>, String> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let inputs: Vec<Input> = paths.iter().cloned().map(Input::Path).collect();
    let collected = collect::collect(&inputs, "-", &mut io::empty());
    if let Some(first) = collected.errors.first() {
        return Err(format!("--crd {first}"));
    }
    let sources: Vec<Source<'_>> = collected.files.iter().map(|f| Source::new(&f.name, &f.bytes)).collect();
    let schemas = crd_schemas(&sources).map_err(|e| format!("--crd {e}"))?;
    if schemas.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| collect::display(p)).collect();
        return Err(format!(
            "--crd {}: no CustomResourceDefinition with an openAPIV3Schema found",
            shown.join(", ")
        ));
    }
    Ok(schemas)
}

/// Lints all files together (one scope, one pass); the core decodes them
/// and reports those that are not UTF-8 text.
fn lint_files(collected: &Collected, settings: &Settings, options: &CheckOptions) -> Report {
    let sources: Vec<Source<'_>> = collected.files.iter().map(|f| Source::new(&f.name, &f.bytes)).collect();
    promha_core::lint(&sources, settings, options)
}

/// Colour only on a terminal, never when NO_COLOR is set (to anything but
/// the empty string, as no-color.org specifies), unless `--color always`.
fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                && io::stdout().is_terminal()
        }
    }
}
