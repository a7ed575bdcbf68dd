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
        Command::Lint(lint_args) => lint(&lint_args, lint_args.fix || lint_args.diff),
        Command::Fix(fix_args) => lint(&fix_args, true),
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

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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

/// What a run checks, and how.
struct Prepared {
    collected: Collected,
    /// The `--values` files, in helm -f order.
    values: Vec<collect::SourceFile>,
    settings: Settings,
    options: CheckOptions,
    cwd: Option<PathBuf>,
}

/// Settings, excludes, CRDs and the files: everything `lint` and `fix` share.
fn prepare(args: &LintArgs) -> Result<Prepared, String> {
    let cwd = std::env::current_dir().ok();
    let (settings, settings_file) = settings(args, cwd.as_deref())?;
    let excludes = excludes(args, &settings, settings_file.as_deref(), cwd.as_deref())?;
    let crds = load_crds(&args.crds)?;
    let walk = WalkOptions {
        excludes: Arc::new(excludes),
        force_exclude: args.force_exclude,
    };
    let mut collected = collect::collect(&args.inputs(), &args.stdin_filename, &mut io::stdin().lock(), &walk);
    let values = collect::values_files(&args.values);
    collected.errors.extend(values.errors);
    // A values file in a linted directory is read as values, not as a manifest.
    if !values.files.is_empty() {
        let canonical: Vec<PathBuf> = values
            .files
            .iter()
            .filter_map(|v| v.path.as_deref()?.canonicalize().ok())
            .collect();
        collected.files.retain(|f| {
            f.path
                .as_deref()
                .and_then(|p| p.canonicalize().ok())
                .is_none_or(|p| !canonical.contains(&p))
        });
    }
    let options = CheckOptions {
        unknown_fields: true,
        crds,
        ..CheckOptions::default()
    };
    Ok(Prepared {
        collected,
        values: values.files,
        settings,
        options,
        cwd,
    })
}

impl Prepared {
    /// The files to check, then the values files, as the core takes them.
    fn sources(&self) -> Vec<Source<'_>> {
        let manifests = self.collected.files.iter().map(|f| Source::new(&f.name, &f.bytes));
        let values = self.values.iter().map(|f| Source::values(&f.name, &f.bytes));
        manifests.chain(values).collect()
    }

    fn all_files(&self) -> impl Iterator<Item = &collect::SourceFile> {
        self.collected.files.iter().chain(&self.values)
    }
}

fn lint(args: &LintArgs, fixing: bool) -> u8 {
    // The choice of colour for standard output and standard error alike;
    // `auto` leaves it to the terminal, NO_COLOR and CLICOLOR_FORCE.
    anstream::ColorChoice::from(args.color).write_global();
    let run = match prepare(args) {
        Ok(run) => run,
        Err(message) => return fail(message),
    };
    for message in &run.collected.notes {
        note(message);
    }
    // Unreadable paths fail the run, but only after what could be read is
    // checked and reported.
    for error in &run.collected.errors {
        fail(error);
    }
    if fixing {
        return fix(args, &run);
    }
    let report = promha_core::lint(&run.sources(), &run.settings, &run.options);
    let texts: Vec<(&str, &str)> = run
        .all_files()
        .filter_map(|f| Some((f.name.as_str(), f.text()?)))
        .collect();
    let written = write_report(args, &report, &texts, run.cwd.as_deref(), false);
    exit_status(args, &report, written && run.collected.errors.is_empty())
}

/// 1 when the report fails the run, 2 when something could not be read or written.
fn exit_status(args: &LintArgs, report: &Report, ok: bool) -> u8 {
    let failing = report.errors() > 0 || (args.strict && report.warnings() > 0);
    if !ok {
        EXIT_USAGE
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// The report in the chosen format, on standard output (or standard error
/// when standard output carries fixed text); `texts` are the files' texts
/// the code frames quote.
fn write_report(args: &LintArgs, report: &Report, texts: &[(&str, &str)], cwd: Option<&Path>, to_stderr: bool) -> bool {
    let (text, styled) = match args.format {
        Format::Text => {
            let mut sources = frame::Sources::default();
            for (name, text) in texts {
                sources.add(name, text);
            }
            (output::text(report, &sources), true)
        }
        Format::Json => (output::json(report), false),
        Format::Sarif => (output::sarif(report, cwd), false),
        Format::Github => (output::github(report, cwd), false),
    };
    if to_stderr {
        let mut stderr = anstream::stderr().lock();
        stderr.write_all(text.as_bytes()).and_then(|()| stderr.flush()).is_ok()
    } else {
        write_stdout(&text, styled)
    }
}

/// `promha fix`, `promha lint --fix` and `--diff`: applies the edits the
/// core is certain of, writes the files (or prints the diff), then reports
/// what is left.
fn fix(args: &LintArgs, run: &Prepared) -> u8 {
    let files: Vec<&collect::SourceFile> = run.all_files().collect();
    let outcome = promha_core::fix(&run.sources(), &run.settings, &run.options);
    let mut ok = run.collected.errors.is_empty();
    let stdin_fixed = files.iter().any(|f| f.path.is_none());
    if args.diff {
        let diffs: String = outcome.changes.iter().map(promha_core::unified_diff).collect();
        ok &= write_stdout(&diffs, false);
    } else {
        for change in &outcome.changes {
            let Some(file) = files.iter().find(|f| f.name == change.file) else {
                continue;
            };
            match &file.path {
                Some(path) => {
                    // A byte order mark the file had is kept.
                    let bom: &[u8] = if file.bytes.starts_with(b"\xef\xbb\xbf") {
                        b"\xef\xbb\xbf"
                    } else {
                        b""
                    };
                    if let Err(e) = std::fs::write(path, [bom, change.after.as_bytes()].concat()) {
                        fail(format!("{}: cannot write the fix: {e}", file.name));
                        ok = false;
                    }
                }
                None => ok &= write_stdout(&change.after, false),
            }
        }
        // Standard input unchanged is still its output.
        if stdin_fixed
            && !outcome
                .changes
                .iter()
                .any(|c| files.iter().any(|f| f.path.is_none() && f.name == c.file))
        {
            for file in files.iter().filter(|f| f.path.is_none()) {
                ok &= write_stdout(&String::from_utf8_lossy(&file.bytes), false);
            }
        }
    }
    for left in &outcome.left {
        note(format!(
            "not fixed: {}:{}: {}: {}",
            left.finding.file, left.finding.position.line, left.finding.rule, left.reason
        ));
    }
    let changed_files = outcome.changes.len();
    let verb = if args.diff { "would fix" } else { "fixed" };
    // A finding fixed in a values file stays in the rendered input until the chart is rendered again.
    let rerender = |f: &&promha_core::Finding| f.chart.as_ref().is_some_and(|c| c.already_in_values);
    let to_render = outcome.report.findings.iter().filter(rerender).count();
    let by_hand = outcome
        .report
        .findings
        .iter()
        .filter(|f| !f.has_edits() && !rerender(f))
        .count();
    note(format!(
        "{verb} {} finding{} in {changed_files} file{}; {} left{}",
        outcome.fixed.len(),
        if outcome.fixed.len() == 1 { "" } else { "s" },
        if changed_files == 1 { "" } else { "s" },
        outcome.report.findings.len(),
        if by_hand > 0 {
            format!(" ({by_hand} need a choice promha does not make for you: see their fix)")
        } else {
            String::new()
        }
    ));
    if to_render > 0 {
        note(format!(
            "{} fixed in the values files: render the chart again with them (helm template … -f …) to check the result",
            plural(to_render, "finding is", "findings are")
        ));
    }
    // The report of what is left quotes the fixed texts.
    let after: Vec<(&str, &str)> = files
        .iter()
        .filter_map(|f| {
            let fixed = outcome
                .changes
                .iter()
                .find(|c| c.file == f.name)
                .map(|c| c.after.as_str());
            Some((f.name.as_str(), fixed.or_else(|| f.text())?))
        })
        .collect();
    let report_on_stderr = args.diff || stdin_fixed;
    ok &= write_report(args, &outcome.report, &after, run.cwd.as_deref(), report_on_stderr);
    let status = exit_status(args, &outcome.report, ok);
    if status == EXIT_CLEAN && args.diff && !outcome.changes.is_empty() {
        EXIT_FINDINGS
    } else {
        status
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
