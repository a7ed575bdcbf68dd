//! The command line: a small hand-written parser (no dependency), with
//! `--opt value`, `--opt=value`, `-o value`, `-ovalue` and `--`.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use promha_core::suggest;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub const MAIN_HELP: &str = "\
promha: high-availability checks for Prometheus and Alertmanager on Kubernetes

Usage: promha <COMMAND> [OPTIONS]

Commands:
  lint [PATHS...]   Check manifests and Prometheus configs (files, directories, - for stdin)
  rules             List every rule with its default severity
  explain <RULE>    Show a rule's documentation with a bad and a good example
  help [COMMAND]    Show help for a command

Options:
  -h, --help        Show this help
  -V, --version     Show the version

Run 'promha help lint' for lint's options.
";

pub const LINT_HELP: &str = "\
Check Kubernetes manifests and Prometheus configs for high availability.

Usage: promha lint [OPTIONS] [PATHS...]

All documents of one run are checked together: a Prometheus in one file and
the Alertmanager and Service it sends alerts to in others are one setup.
Directories are walked recursively for *.yaml, *.yml and *.json files,
skipping hidden directories and node_modules. '-' reads standard input.
Without PATHS, the current directory is linted.

Options:
  -f, --format <FORMAT>      text (default), json, sarif or github
  -c, --config <FILE>        Settings file (default: .promha.yaml in the working
                             directory or the nearest parent that has one)
      --no-config            Use the default settings; look for no .promha.yaml
  -r, --rule <ID=LEVEL>      Set a rule to off, warning or error (repeatable)
      --crd <PATH>           Validate resources against these CustomResourceDefinition
                             files or directories (repeatable)
      --strict               Exit 1 on warnings too
      --color <WHEN>         auto (default), always or never; auto colours a terminal
                             unless NO_COLOR is set
      --stdin-filename <NAME>  The file name to report for '-' (default: <stdin>)
  -h, --help                 Show this help

Exit status: 0 no error found, 1 an error found (or a warning, with --strict),
2 a usage, settings or I/O error.
";

pub const RULES_HELP: &str = "\
List every rule: its id, default severity and what it requires.

Usage: promha rules [--format text|markdown|json]

Options:
  -f, --format <FORMAT>  text (default), markdown (a table) or json
  -h, --help             Show this help
";

pub const EXPLAIN_HELP: &str = "\
Show a rule's documentation, with a setup it reports and the same setup fixed.

Usage: promha explain <RULE>

Run 'promha rules' for the list of rules.
";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulesFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// A path argument of `lint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

#[derive(Debug)]
pub struct LintArgs {
    pub inputs: Vec<Input>,
    pub format: Format,
    pub config: Option<PathBuf>,
    pub no_config: bool,
    /// `--rule` arguments as given, `id=level`.
    pub rules: Vec<String>,
    pub crds: Vec<PathBuf>,
    pub strict: bool,
    pub color: ColorChoice,
    pub stdin_filename: String,
}

#[derive(Debug)]
pub enum Command {
    Lint(LintArgs),
    Rules(RulesFormat),
    Explain(String),
    /// Print this help text to standard output and exit 0.
    Help(&'static str),
    Version,
}

/// A mistake on the command line: exit status 2, with a pointer to the help.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError {
    pub message: String,
    /// The command whose help to point at.
    pub command: Option<&'static str>,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let help = match self.command {
            Some(command) => format!("promha {command} --help"),
            None => "promha --help".to_string(),
        };
        write!(f, "{}\n\nFor more information, try '{help}'.", self.message)
    }
}

const COMMANDS: &[&str] = &["lint", "rules", "explain", "help"];

pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, UsageError> {
    let mut args = args.into_iter();
    let Some(first) = args.next() else {
        return Err(UsageError {
            message: format!("no command given\n\n{MAIN_HELP}").trim_end().to_string(),
            command: None,
        });
    };
    let first = text(first, None)?;
    let rest: Vec<OsString> = args.collect();
    match first.as_str() {
        "-h" | "--help" => Ok(Command::Help(MAIN_HELP)),
        "-V" | "--version" => Ok(Command::Version),
        "lint" => parse_lint(rest),
        "rules" => parse_rules(rest),
        "explain" => parse_explain(rest),
        "help" => {
            let topic = rest.into_iter().next().map(|t| text(t, None)).transpose()?;
            match topic.as_deref() {
                None => Ok(Command::Help(MAIN_HELP)),
                Some("lint") => Ok(Command::Help(LINT_HELP)),
                Some("rules") => Ok(Command::Help(RULES_HELP)),
                Some("explain") => Ok(Command::Help(EXPLAIN_HELP)),
                Some("help") => Ok(Command::Help(MAIN_HELP)),
                Some(other) => Err(unknown_command(other)),
            }
        }
        other if other.starts_with('-') => Err(UsageError {
            message: format!("unexpected option '{other}' before the command; commands are lint, rules and explain"),
            command: None,
        }),
        other => Err(unknown_command(other)),
    }
}

fn unknown_command(name: &str) -> UsageError {
    let hint = suggest(name, COMMANDS.iter().copied())
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
    UsageError {
        message: format!("unknown command '{name}'{hint}; commands are lint, rules, explain and help"),
        command: None,
    }
}

/// An option of a subcommand.
struct Spec {
    long: &'static str,
    short: Option<char>,
    takes_value: bool,
}

const fn opt(long: &'static str, short: Option<char>, takes_value: bool) -> Spec {
    Spec {
        long,
        short,
        takes_value,
    }
}

const LINT_OPTIONS: &[Spec] = &[
    opt("format", Some('f'), true),
    opt("config", Some('c'), true),
    opt("no-config", None, false),
    opt("rule", Some('r'), true),
    opt("crd", None, true),
    opt("strict", None, false),
    opt("color", None, true),
    opt("colour", None, true),
    opt("stdin-filename", None, true),
    opt("help", Some('h'), false),
];

const RULES_OPTIONS: &[Spec] = &[opt("format", Some('f'), true), opt("help", Some('h'), false)];
const EXPLAIN_OPTIONS: &[Spec] = &[opt("help", Some('h'), false)];

/// One parsed argument: an option with its value, or a positional.
enum Arg {
    Option(&'static str, Option<OsString>),
    Positional(OsString),
}

/// Splits a subcommand's arguments into options and positionals.
fn split(args: Vec<OsString>, specs: &'static [Spec], command: &'static str) -> Result<Vec<Arg>, UsageError> {
    let usage = |message: String| UsageError {
        message,
        command: Some(command),
    };
    let mut out = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(arg_text) = arg.to_str() else {
            // Only paths may be non-UTF-8, and they are positionals.
            out.push(Arg::Positional(arg));
            continue;
        };
        if arg_text == "--" {
            out.extend(args.by_ref().map(Arg::Positional));
            break;
        }
        let (spec, inline_value, shown) = if let Some(long) = arg_text.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(OsString::from(v))),
                None => (long, None),
            };
            let Some(spec) = specs.iter().find(|s| s.long == name) else {
                let hint = suggest(name, specs.iter().map(|s| s.long))
                    .map(|s| format!(" (did you mean '--{s}'?)"))
                    .unwrap_or_default();
                return Err(usage(format!("unknown option '--{name}'{hint}")));
            };
            (spec, value, format!("--{name}"))
        } else if arg_text.len() > 1 && arg_text.starts_with('-') {
            let mut chars = arg_text[1..].chars();
            let short = chars.next().unwrap_or('-');
            let Some(spec) = specs.iter().find(|s| s.short == Some(short)) else {
                return Err(usage(format!("unknown option '-{short}'")));
            };
            let rest = chars.as_str();
            let value = if rest.is_empty() {
                None
            } else if spec.takes_value {
                Some(OsString::from(rest.strip_prefix('=').unwrap_or(rest)))
            } else {
                return Err(usage(format!("option '-{short}' takes no value (got '{arg_text}')")));
            };
            (spec, value, format!("-{short}"))
        } else {
            out.push(Arg::Positional(arg));
            continue;
        };
        if spec.takes_value {
            let value = match inline_value {
                Some(v) => v,
                None => match args.next() {
                    Some(v) => v,
                    None => return Err(usage(format!("option '{shown}' needs a value"))),
                },
            };
            out.push(Arg::Option(spec.long, Some(value)));
        } else if inline_value.is_some() {
            return Err(usage(format!("option '{shown}' takes no value")));
        } else {
            out.push(Arg::Option(spec.long, None));
        }
    }
    Ok(out)
}

fn text(value: OsString, command: Option<&'static str>) -> Result<String, UsageError> {
    value.into_string().map_err(|v| UsageError {
        message: format!("argument {v:?} is not valid UTF-8"),
        command,
    })
}

fn choice<T: Copy>(
    option: &str,
    value: OsString,
    choices: &[(&str, T)],
    command: &'static str,
) -> Result<T, UsageError> {
    let value = text(value, Some(command))?;
    if let Some((_, v)) = choices.iter().find(|(name, _)| *name == value) {
        return Ok(*v);
    }
    let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
    let hint = suggest(&value, names.iter().copied())
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
    Err(UsageError {
        message: format!(
            "invalid value '{value}' for '--{option}'{hint}; expected one of {}",
            names.join(", ")
        ),
        command: Some(command),
    })
}

fn parse_lint(args: Vec<OsString>) -> Result<Command, UsageError> {
    let mut lint = LintArgs {
        inputs: Vec::new(),
        format: Format::Text,
        config: None,
        no_config: false,
        rules: Vec::new(),
        crds: Vec::new(),
        strict: false,
        color: ColorChoice::Auto,
        stdin_filename: "<stdin>".to_string(),
    };
    for arg in split(args, LINT_OPTIONS, "lint")? {
        match arg {
            Arg::Positional(p) if p == "-" => lint.inputs.push(Input::Stdin),
            Arg::Positional(p) => lint.inputs.push(Input::Path(PathBuf::from(p))),
            Arg::Option("help", _) => return Ok(Command::Help(LINT_HELP)),
            Arg::Option("no-config", _) => lint.no_config = true,
            Arg::Option("strict", _) => lint.strict = true,
            Arg::Option(name, Some(value)) => match name {
                "format" => {
                    lint.format = choice(
                        name,
                        value,
                        &[
                            ("text", Format::Text),
                            ("json", Format::Json),
                            ("sarif", Format::Sarif),
                            ("github", Format::Github),
                        ],
                        "lint",
                    )?
                }
                "config" => lint.config = Some(PathBuf::from(value)),
                "rule" => lint.rules.push(text(value, Some("lint"))?),
                "crd" => lint.crds.push(PathBuf::from(value)),
                "color" | "colour" => {
                    lint.color = choice(
                        name,
                        value,
                        &[
                            ("auto", ColorChoice::Auto),
                            ("always", ColorChoice::Always),
                            ("never", ColorChoice::Never),
                        ],
                        "lint",
                    )?
                }
                "stdin-filename" => lint.stdin_filename = text(value, Some("lint"))?,
                _ => unreachable_option(name)?,
            },
            Arg::Option(name, None) => unreachable_option(name)?,
        }
    }
    if lint.no_config && lint.config.is_some() {
        return Err(UsageError {
            message: "'--config' and '--no-config' cannot be used together".to_string(),
            command: Some("lint"),
        });
    }
    if lint.stdin_filename.is_empty() {
        return Err(UsageError {
            message: "'--stdin-filename' must not be empty".to_string(),
            command: Some("lint"),
        });
    }
    if lint.inputs.is_empty() {
        lint.inputs.push(Input::Path(PathBuf::from(".")));
    }
    Ok(Command::Lint(lint))
}

/// Options are matched against their spec tables, so this is never reached;
/// it is an error rather than a panic all the same.
fn unreachable_option(name: &str) -> Result<(), UsageError> {
    Err(UsageError {
        message: format!("option '--{name}' is not handled"),
        command: None,
    })
}

fn parse_rules(args: Vec<OsString>) -> Result<Command, UsageError> {
    let mut format = RulesFormat::Text;
    for arg in split(args, RULES_OPTIONS, "rules")? {
        match arg {
            Arg::Option("help", _) => return Ok(Command::Help(RULES_HELP)),
            Arg::Option("format", Some(value)) => {
                format = choice(
                    "format",
                    value,
                    &[
                        ("text", RulesFormat::Text),
                        ("markdown", RulesFormat::Markdown),
                        ("json", RulesFormat::Json),
                    ],
                    "rules",
                )?
            }
            Arg::Option(name, _) => unreachable_option(name)?,
            Arg::Positional(p) => {
                return Err(UsageError {
                    message: format!("unexpected argument '{}'", p.to_string_lossy()),
                    command: Some("rules"),
                });
            }
        }
    }
    Ok(Command::Rules(format))
}

fn parse_explain(args: Vec<OsString>) -> Result<Command, UsageError> {
    let mut rule = None;
    for arg in split(args, EXPLAIN_OPTIONS, "explain")? {
        match arg {
            Arg::Option("help", _) => return Ok(Command::Help(EXPLAIN_HELP)),
            Arg::Option(name, _) => unreachable_option(name)?,
            Arg::Positional(p) if rule.is_none() => rule = Some(text(p, Some("explain"))?),
            Arg::Positional(p) => {
                return Err(UsageError {
                    message: format!("unexpected argument '{}': explain takes one rule", p.to_string_lossy()),
                    command: Some("explain"),
                });
            }
        }
    }
    match rule {
        Some(rule) => Ok(Command::Explain(rule)),
        None => Err(UsageError {
            message: "explain needs a rule id; run 'promha rules' for the list".to_string(),
            command: Some("explain"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Command, UsageError> {
        parse(args.iter().map(OsString::from))
    }

    fn lint(args: &[&str]) -> LintArgs {
        match parse_str(args) {
            Ok(Command::Lint(l)) => l,
            other => panic!("expected lint, got {other:?}"),
        }
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
            "--strict",
            "a.yaml",
            "-",
            "--",
            "--weird-name.yaml",
        ]);
        assert_eq!(l.format, Format::Json);
        assert_eq!(l.rules, vec!["min-replicas=off", "anti-affinity=warning"]);
        assert_eq!(l.crds, vec![PathBuf::from("crds")]);
        assert!(l.strict);
        assert_eq!(
            l.inputs,
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
        assert_eq!(l.inputs, vec![Input::Path(".".into())]);
        assert_eq!(l.format, Format::Text);
        assert_eq!(l.color, ColorChoice::Auto);
    }

    #[test]
    fn mistakes_are_usage_errors_with_suggestions() {
        let e = parse_str(&["lint", "--fromat", "json"]).unwrap_err();
        assert!(e.message.contains("did you mean '--format'"), "{e}");
        let e = parse_str(&["lint", "--format", "jsn"]).unwrap_err();
        assert!(e.message.contains("did you mean 'json'"), "{e}");
        assert!(e.message.contains("text, json, sarif, github"), "{e}");
        let e = parse_str(&["lint", "--format"]).unwrap_err();
        assert!(e.message.contains("needs a value"), "{e}");
        let e = parse_str(&["lnt"]).unwrap_err();
        assert!(e.message.contains("did you mean 'lint'"), "{e}");
        let e = parse_str(&["lint", "--strict=yes"]).unwrap_err();
        assert!(e.message.contains("takes no value"), "{e}");
        assert!(parse_str(&["lint", "--config", "a", "--no-config"]).is_err());
        assert!(parse_str(&["explain"]).is_err());
        assert!(parse_str(&["explain", "a", "b"]).is_err());
        assert!(parse_str(&["rules", "x"]).is_err());
        assert!(parse_str(&[]).is_err());
    }

    #[test]
    fn help_and_version() {
        assert!(matches!(parse_str(&["--version"]), Ok(Command::Version)));
        assert!(matches!(parse_str(&["-V"]), Ok(Command::Version)));
        assert!(matches!(parse_str(&["lint", "--help"]), Ok(Command::Help(LINT_HELP))));
        assert!(matches!(parse_str(&["help", "rules"]), Ok(Command::Help(RULES_HELP))));
        assert!(matches!(
            parse_str(&["rules", "--format", "markdown"]),
            Ok(Command::Rules(RulesFormat::Markdown))
        ));
    }
}
