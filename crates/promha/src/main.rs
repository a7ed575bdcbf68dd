//! `promha`: lint Prometheus and Alertmanager manifests for high availability.

mod args;
mod catalogue;
mod collect;
mod config;
mod exclude;
mod frame;
mod output;

// A faster allocator: a lint allocates a small string per YAML key and value.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, Parser};
use promha_core::{CheckOptions, CrdSchema, Report, Settings, Source, crd_schemas};

use args::{Cli, Command, Format, Input, LintArgs};
use collect::{Collected, WalkOptions};
use exclude::Excludes;

/// No error found (warnings allowed unless `--strict`).
const EXIT_CLEAN: u8 = 0;
/// A finding that fails the run.
const EXIT_FINDINGS: u8 = 1;
/// Usage, settings or I/O error.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // `--help` and `--version` go to standard output and succeed;
            // mistakes of use go to standard error with exit status 2. A
            // closed pipe is not worth a word.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_USAGE } else { EXIT_CLEAN });
        }
    };
    let code = match cli.command {
        Command::Rules { format } => print(&catalogue::rules(format)),
        Command::Settings { format } => print(&catalogue::settings(format)),
        Command::Explain { rule } => match promha_core::catalogue::find_rule(rule) {
            Ok(rule) => print(&promha_core::catalogue::explain(rule)),
            Err(message) => fail(message),
        },
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "promha", &mut script);
            print(&String::from_utf8_lossy(&script))
        }
        Command::Lint(lint_args) => lint(&lint_args),
    };
    ExitCode::from(code)
}

/// Writes to standard output; a closed pipe (`promha rules | head`) is not an error.
fn print(text: &str) -> u8 {
    if write_stdout(text, false) {
        EXIT_CLEAN
    } else {
        EXIT_USAGE
    }
}

/// Whether the text was written (or the reader went away). A report that
/// could not be written must not pass for a clean run. Styled text goes
/// through anstream, which keeps the styling only when colour is on.
fn write_stdout(text: &str, styled: bool) -> bool {
    let result = if styled {
        let mut stdout = anstream::stdout().lock();
        stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush())
    } else {
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush())
    };
    match result {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            fail(format!("cannot write the output: {e}"));
            false
        }
        _ => true,
    }
}

/// `promha: error: message` on standard error.
fn fail(message: impl std::fmt::Display) -> u8 {
    let style = output::ERROR;
    anstream::eprintln!("promha: {style}error:{style:#} {message}");
    EXIT_USAGE
}

fn note(message: impl std::fmt::Display) {
    let style = output::NOTE;
    anstream::eprintln!("promha: {style}note:{style:#} {message}");
}

fn lint(args: &LintArgs) -> u8 {
    // The choice of colour for standard output and standard error alike;
    // `auto` leaves it to the terminal, NO_COLOR and CLICOLOR_FORCE.
    anstream::ColorChoice::from(args.color).write_global();
    let cwd = std::env::current_dir().ok();
    let (settings, settings_file) = match settings(args, cwd.as_deref()) {
        Ok(found) => found,
        Err(message) => return fail(message),
    };
    let excludes = match excludes(args, &settings, settings_file.as_deref(), cwd.as_deref()) {
        Ok(excludes) => excludes,
        Err(message) => return fail(message),
    };
    let crds = match load_crds(&args.crds) {
        Ok(crds) => crds,
        Err(message) => return fail(message),
    };
    let walk = WalkOptions {
        excludes: Arc::new(excludes),
        force_exclude: args.force_exclude,
    };
    let collected = collect::collect(&args.inputs(), &args.stdin_filename, &mut io::stdin().lock(), &walk);
    for message in &collected.notes {
        note(message);
    }
    // Unreadable paths fail the run, but only after what could be read is
    // checked and reported.
    for error in &collected.errors {
        fail(error);
    }
    let options = CheckOptions {
        unknown_fields: true,
        crds,
        ..CheckOptions::default()
    };
    let report = lint_files(&collected, &settings, &options);
    let written = match args.format {
        Format::Text => {
            let mut sources = frame::Sources::default();
            for file in &collected.files {
                if let Some(text) = file.text() {
                    sources.add(&file.name, text);
                }
            }
            write_stdout(&output::text(&report, &sources), true)
        }
        Format::Json => write_stdout(&output::json(&report), false),
        Format::Sarif => write_stdout(&output::sarif(&report, cwd.as_deref()), false),
        Format::Github => write_stdout(&output::github(&report, cwd.as_deref()), false),
    };
    let failing = report.errors() > 0 || (args.strict && report.warnings() > 0);
    if !written || !collected.errors.is_empty() {
        EXIT_USAGE
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// The settings' `exclude` (relative to the settings file's directory) and
/// `--exclude` (relative to the working directory).
fn excludes(
    args: &LintArgs,
    settings: &Settings,
    settings_file: Option<&Path>,
    cwd: Option<&Path>,
) -> Result<Excludes, String> {
    let cwd = cwd.unwrap_or(Path::new("."));
    let mut excludes = Excludes::new(cwd);
    if let Some(file) = settings_file {
        let dir = file.parent().unwrap_or(Path::new("."));
        let what = format!("{}: `exclude`", collect::display(file));
        excludes.add(dir, &settings.exclude(), &what)?;
    }
    excludes.add(cwd, &args.excludes, "--exclude")?;
    Ok(excludes)
}

/// `--config`, else the nearest `.promha.yaml` (unless `--no-config`), then
/// `--rule`; and the file they came from.
fn settings(args: &LintArgs, cwd: Option<&Path>) -> Result<(Settings, Option<PathBuf>), String> {
    let file: Option<PathBuf> = match (&args.config, args.no_config, cwd) {
        (Some(path), _, _) => Some(path.clone()),
        (None, false, Some(cwd)) => config::discover(cwd),
        _ => None,
    };
    let mut settings = match &file {
        Some(path) => config::load(path)?,
        None => Settings::default(),
    };
    config::apply_rule_overrides(&mut settings, &args.rules)?;
    Ok((settings, file))
}

/// Reads the CustomResourceDefinitions of `--crd` files and directories.
fn load_crds(paths: &[PathBuf]) -> Result<Vec<CrdSchema>, String> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let inputs: Vec<Input> = paths.iter().cloned().map(Input::Path).collect();
    let collected = collect::collect(&inputs, "-", &mut io::empty(), &WalkOptions::default());
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
