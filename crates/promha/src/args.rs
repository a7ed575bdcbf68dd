//! The command line, declared once with clap: parsing, `--help`, usage
//! errors and the shell completions (`promha completions SHELL`) all derive
//! from these types.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::builder::{NonEmptyStringValueParser, PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};

use crate::exclude;

const LINT_ABOUT: &str = "\
Check Kubernetes manifests and Prometheus configs for high availability.

All documents of one run are checked together: a Prometheus in one file and
the Alertmanager and Service it sends alerts to in others are one setup.
Directories are walked recursively for *.yaml, *.yml and *.json files, in
sorted order, skipping hidden files and directories, node_modules, and what
.ignore files exclude; inside a git repository, what .gitignore,
.git/info/exclude and git's global excludes file exclude too (as ripgrep
does). A file named on the command line is linted whatever its name and
whatever ignores or --exclude say, unless --force-exclude. '-' reads standard
input. Without PATHS, the current directory is linted.";

const EXIT_STATUS: &str = "\
Exit status: 0 no error found, 1 an error found (or a warning, with --strict),
2 a usage, settings or I/O error (a path that cannot be read fails the run
after the readable files are checked and reported).";

const FIX_ABOUT: &str = "\
Apply the fixes promha is certain of to the files, in place, then report
what is left, as lint does (same options). Each edit changes only the lines
it is about and is checked by reading the file back; one that would not read
back exactly as intended is not made, and its finding is reported with the
reason. Templates (files with `{{`), rendered Helm output (`# Source:`) and
base64 Secret values are not edited: fix the chart's values or the source.
With --values, findings on what kube-prometheus-stack or the prometheus
chart rendered are fixed in the values files instead.
With '-', the fixed text is written to standard output and the report to
standard error. `promha lint --fix` is the same command.";

const FIX_EXIT_STATUS: &str = "\
Exit status: 0 no error left (warnings allowed unless --strict), 1 an error
left, or with --diff a change to make; 2 a usage, settings or I/O error.";

#[derive(Debug, Parser)]
#[command(
    name = "promha",
    version,
    about = "promha: high-availability checks for Prometheus and Alertmanager on Kubernetes",
    subcommand_required = true,
    arg_required_else_help = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check manifests and Prometheus configs (files, directories, - for stdin)
    #[command(long_about = LINT_ABOUT, after_help = EXIT_STATUS)]
    Lint(LintArgs),
    /// List every rule with its default severity
    Rules {
        #[arg(short, long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// List every setting of .promha.yaml (and of the policy) with its default
    Settings {
        #[arg(short, long, value_enum, default_value_t = SettingsFormat::Text)]
        format: SettingsFormat,
    },
    /// Show a rule's documentation with a setup it reports and the same setup fixed
    #[command(after_help = "Run 'promha rules' for the list of rules.")]
    Explain {
        /// The rule's id, e.g. anti-affinity
        #[arg(value_name = "RULE", value_parser = RuleId, hide_possible_values = true)]
        rule: &'static str,
    },
    /// Apply the fixes promha is certain of to the files, then report what is left
    #[command(long_about = FIX_ABOUT, after_help = FIX_EXIT_STATUS)]
    Fix(LintArgs),
    /// Print a completion script for a shell to standard output
    #[command(after_help = "\
For example:
  promha completions bash > ~/.local/share/bash-completion/completions/promha
  promha completions zsh > ~/.zfunc/_promha
  promha completions fish > ~/.config/fish/completions/promha.fish")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files and directories to lint; - reads standard input [default: .]
    #[arg(value_name = "PATHS", value_hint = ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    /// The report's format
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Settings file (default: .promha.yaml in the working directory or the
    /// nearest parent that has one)
    #[arg(short, long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub config: Option<PathBuf>,
    /// Use the default settings; look for no .promha.yaml
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Set a rule to off, warning or error (repeatable)
    #[arg(short, long = "rule", value_name = "ID=LEVEL")]
    pub rules: Vec<String>,
    /// Validate resources against these CustomResourceDefinition files or
    /// directories too (repeatable)
    #[arg(long = "crd", value_name = "PATH", value_hint = ValueHint::AnyPath)]
    pub crds: Vec<PathBuf>,
    /// A Helm values file the rendered input was made from, as `helm -f`
    /// takes it (repeatable, later files win): findings on what
    /// kube-prometheus-stack or the prometheus chart rendered point at the
    /// line of the values file that sets their key (or where it belongs),
    /// and `promha fix` edits the values file
    #[arg(long = "values", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub values: Vec<PathBuf>,
    /// Leave out what this gitignore-style glob matches, relative to the
    /// working directory, e.g. 'charts/**' or '*.tmpl.yaml' (repeatable; adds
    /// to the settings' `exclude`)
    #[arg(long = "exclude", value_name = "GLOB", value_parser = glob)]
    pub excludes: Vec<String>,
    /// Apply --exclude and `exclude` to files named on the command line too
    /// (as pre-commit names them)
    #[arg(long)]
    pub force_exclude: bool,
    /// Exit 1 on warnings too
    #[arg(long)]
    pub strict: bool,
    /// When to colour the text report
    #[arg(long, visible_alias = "colour", value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Apply the fixes promha is certain of first (as `promha fix`)
    #[arg(long)]
    pub fix: bool,
    /// Print the fixes as a unified diff instead of writing them (implies --fix)
    #[arg(long)]
    pub diff: bool,
    /// The file name to report for '-'
    #[arg(long, value_name = "NAME", default_value = "<stdin>", value_parser = NonEmptyStringValueParser::new())]
    pub stdin_filename: String,
}

impl LintArgs {
    /// The paths to lint: standard input for `-`, the current directory when
    /// none is given.
    pub fn inputs(&self) -> Vec<Input> {
        if self.paths.is_empty() {
            return vec![Input::Path(PathBuf::from("."))];
        }
        self.paths
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    Input::Stdin
                } else {
                    Input::Path(p.clone())
                }
            })
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One finding a line, with a code frame and the fix (colour on a terminal)
    Text,
    /// The report as one line of JSON (the web page's shape)
    Json,
    /// SARIF 2.1.0, for code scanning
    Sarif,
    /// GitHub Actions workflow annotations
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// id, default severity and summary, one rule a line
    Text,
    /// A Markdown table (the README's)
    Markdown,
    /// The whole catalogue as JSON
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SettingsFormat {
    /// A table: key, default, meaning
    Text,
    /// A Markdown table (the README's)
    Markdown,
    /// The JSON Schema of .promha.yaml (also schema/promha.schema.json)
    Schema,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour on a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it)
    Auto,
    Always,
    Never,
}

impl From<ColorWhen> for anstream::ColorChoice {
    fn from(when: ColorWhen) -> Self {
        match when {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }
}

/// A path argument of `lint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

/// A `--exclude` glob, checked when the command line is parsed.
fn glob(text: &str) -> Result<String, String> {
    exclude::check_glob(text).map(|()| text.to_string())
}

/// A rule id: offered to shell completion, and refused with the core's
/// "did you mean" when unknown.
#[derive(Clone)]
struct RuleId;

impl TypedValueParser for RuleId {
    type Value = &'static str;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Self::Value, clap::Error> {
        let text = value.to_string_lossy();
        promha_core::catalogue::find_rule(&text)
            .map(|rule| rule.id)
            .map_err(|message| clap::Error::raw(ErrorKind::InvalidValue, format!("{message}\n")).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            promha_core::RULES
                .iter()
                .map(|rule| PossibleValue::new(rule.id).help(rule.summary)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("promha").chain(args.iter().copied()))
    }

    fn lint(args: &[&str]) -> LintArgs {
        match parse(args) {
            Ok(Cli {
                command: Command::Lint(l),
            }) => l,
            Ok(other) => panic!("expected lint, got {other:?}"),
            Err(e) => panic!("expected lint, got {e}"),
        }
    }

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn lint_options_in_every_spelling() {
        let l = lint(&[
            "lint",
            "-fjson",
            "--rule=min-replicas=off",
            "-r",
            "anti-affinity=warning",
            "--crd",
            "crds",
            "--values",
            "base.yaml",
            "--values=prod.yaml",
            "--exclude",
            "charts/**",
            "--colour",
            "never",
            "--strict",
            "a.yaml",
            "-",
            "--",
            "--weird-name.yaml",
        ]);
        assert_eq!(l.format, Format::Json);
        assert_eq!(l.rules, vec!["min-replicas=off", "anti-affinity=warning"]);
        assert_eq!(l.crds, vec![PathBuf::from("crds")]);
        assert_eq!(
            l.values,
            vec![PathBuf::from("base.yaml"), PathBuf::from("prod.yaml")],
            "in helm -f order"
        );
        assert_eq!(l.excludes, vec!["charts/**"]);
        assert_eq!(l.color, ColorWhen::Never);
        assert!(l.strict);
        assert_eq!(
            l.inputs(),
            vec![
                Input::Path("a.yaml".into()),
                Input::Stdin,
                Input::Path("--weird-name.yaml".into())
            ]
        );
    }

    #[test]
    fn lint_defaults_to_the_current_directory() {
        let l = lint(&["lint"]);
        assert_eq!(l.inputs(), vec![Input::Path(".".into())]);
        assert_eq!(l.format, Format::Text);
        assert_eq!(l.color, ColorWhen::Auto);
        assert_eq!(l.stdin_filename, "<stdin>");
    }

    #[test]
    fn mistakes_are_usage_errors() {
        let kind = |args: &[&str]| parse(args).map(|_| ()).unwrap_err().kind();
        assert_eq!(kind(&["lint", "--fromat", "json"]), ErrorKind::UnknownArgument);
        assert_eq!(kind(&["lint", "--format", "jsn"]), ErrorKind::InvalidValue);
        assert_eq!(kind(&["lint", "--format"]), ErrorKind::InvalidValue);
        assert_eq!(kind(&["lint", "--strict=yes"]), ErrorKind::TooManyValues);
        assert_eq!(
            kind(&["lint", "--config", "a", "--no-config"]),
            ErrorKind::ArgumentConflict
        );
        assert_eq!(kind(&["lint", "--stdin-filename", ""]), ErrorKind::InvalidValue);
        assert_eq!(kind(&["lint", "--exclude", "{a"]), ErrorKind::ValueValidation);
        assert_eq!(kind(&["lnt"]), ErrorKind::InvalidSubcommand);
        assert_eq!(kind(&["explain"]), ErrorKind::MissingRequiredArgument);
        assert_eq!(kind(&["explain", "min-replicas", "b"]), ErrorKind::UnknownArgument);
        assert_eq!(kind(&["explain", "min-replica"]), ErrorKind::InvalidValue);
        assert_eq!(kind(&["rules", "x"]), ErrorKind::UnknownArgument);
        assert_eq!(kind(&["completions", "tcsh"]), ErrorKind::InvalidValue);
        let e = parse(&["explain", "min-replica"]).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("did you mean 'min-replicas'"), "{e}");
    }

    #[test]
    fn help_and_version_are_not_errors_of_use() {
        for args in [
            &["--version"][..],
            &["-V"],
            &["--help"],
            &["lint", "--help"],
            &["help", "rules"],
        ] {
            let e = parse(args).map(|_| ()).unwrap_err();
            assert_eq!(e.exit_code(), 0, "{args:?}: {e}");
        }
        assert_eq!(parse(&[]).map(|_| ()).unwrap_err().exit_code(), 2);
        assert!(matches!(
            parse(&["rules", "--format", "markdown"]),
            Ok(Cli {
                command: Command::Rules {
                    format: RulesFormat::Markdown
                }
            })
        ));
    }
}
