//! `kwrun`: a stand-in for `kwctl run` / `kwctl annotate`, built on the same
//! runtime crates as policy-server.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use promha_e2e::metadata::annotate;
use promha_e2e::{ClusterState, Policy, PolicyMetadata, PolicyOptions, load_request_file};
use serde_json::Value;

const USAGE: &str = "\
kwrun: run a Kubewarden policy like kwctl/policy-server

USAGE:
  kwrun run <policy.wasm> --request-path FILE [--settings-json JSON | --settings-path FILE]
            [--cluster-state FILE] [--metadata FILE] [--fail-lookups] [--timeout SECONDS]
            [--record-host-capabilities-interactions SESSION.yml] [--verbose]
  kwrun annotate <policy.wasm> --metadata metadata.yml [--usage README.md] -o annotated-policy.wasm
  kwrun protocol-version <policy.wasm>

run:
  Validates the settings (invalid settings: message on stderr, exit 1), then
  evaluates the request and prints the ValidationResponse JSON on stdout.
  --request-path    AdmissionReview or bare AdmissionRequest, JSON or YAML
  --settings-json   policy settings as JSON (default {})
  --settings-path   policy settings as a YAML/JSON file
  --cluster-state   multi-document YAML of objects the Kubernetes lookups can see
  --metadata        metadata.yml whose contextAwareResources are enforced
                    (default: the metadata embedded by annotate, if any)
  --fail-lookups    make every Kubernetes lookup fail
  --timeout         per-call deadline in seconds (default 2, like policy-server)
  --record-host-capabilities-interactions
                    write the lookups and their answers as a kwctl session file, for
                    kwctl run --replay-host-capabilities-interactions
  --verbose         print host calls and guest logs to stderr

annotate:
  Embeds metadata.yml as JSON in the io.kubewarden.metadata custom section,
  adding protocolVersion: v1 when missing.
  -m, --metadata    the policy's metadata.yml
  -u, --usage       a file (the README) embedded as the io.kubewarden.policy.usage
                    annotation, like kwctl annotate -u
  -o, --output      the annotated module to write
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kwrun: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode> {
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    match command.as_str() {
        "run" => cmd_run(rest),
        "annotate" => cmd_annotate(rest),
        "protocol-version" => cmd_protocol_version(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command {other:?}; see kwrun --help"),
    }
}

/// Parsed `--flag value` options plus positional arguments.
struct Args {
    positional: Vec<String>,
    options: Vec<(String, Option<String>)>,
}

impl Args {
    fn parse(args: &[String], with_value: &[&str], switches: &[&str]) -> Result<Self> {
        let mut positional = Vec::new();
        let mut options = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if arg.starts_with('-') && arg.len() > 1 {
                let (name, inline) = match arg.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (arg.as_str(), None),
                };
                if with_value.contains(&name) {
                    let value = match inline {
                        Some(v) => v,
                        None => iter.next().cloned().ok_or_else(|| anyhow!("{name} needs a value"))?,
                    };
                    options.push((name.to_owned(), Some(value)));
                } else if switches.contains(&name) && inline.is_none() {
                    options.push((name.to_owned(), None));
                } else {
                    bail!("unknown option {arg:?}; see kwrun --help");
                }
            } else {
                positional.push(arg.clone());
            }
        }
        Ok(Self { positional, options })
    }

    fn value(&self, names: &[&str]) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| names.contains(&n.as_str()))
            .and_then(|(_, v)| v.as_deref())
    }

    fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }

    fn policy_path(&self) -> Result<PathBuf> {
        match self.positional.as_slice() {
            [one] => Ok(PathBuf::from(one)),
            [] => bail!("missing <policy.wasm>"),
            more => bail!("expected one policy path, got {more:?}"),
        }
    }
}

fn cmd_run(args: &[String]) -> Result<ExitCode> {
    let args = Args::parse(
        args,
        &[
            "--request-path",
            "-r",
            "--settings-json",
            "--settings-path",
            "--cluster-state",
            "--metadata",
            "-m",
            "--timeout",
            "--record-host-capabilities-interactions",
        ],
        &["--fail-lookups", "--verbose", "-v"],
    )?;
    let policy_path = args.policy_path()?;
    let request_path = args
        .value(&["--request-path", "-r"])
        .ok_or_else(|| anyhow!("missing --request-path"))?;

    let settings: Value = match (args.value(&["--settings-json"]), args.value(&["--settings-path"])) {
        (Some(_), Some(_)) => bail!("give --settings-json or --settings-path, not both"),
        (Some(json), None) => serde_json::from_str(json).context("--settings-json is not valid JSON")?,
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read settings file {path}"))?;
            let v: Value = serde_saphyr::from_str(&text).map_err(|e| anyhow!("invalid settings file {path}: {e}"))?;
            if v.is_null() {
                Value::Object(Default::default())
            } else {
                v
            }
        }
        (None, None) => Value::Object(Default::default()),
    };
    let request = load_request_file(request_path.as_ref())?;
    let cluster = match args.value(&["--cluster-state"]) {
        Some(path) => ClusterState::from_file(path.as_ref())?,
        None => ClusterState::empty(),
    };
    let metadata = args
        .value(&["--metadata", "-m"])
        .map(|p| PolicyMetadata::from_file(p.as_ref()))
        .transpose()?;
    let timeout = match args.value(&["--timeout"]) {
        Some(t) => {
            let secs: f64 = t
                .parse()
                .map_err(|_| anyhow!("--timeout {t:?} is not a number of seconds"))?;
            Duration::try_from_secs_f64(secs).map_err(|_| anyhow!("--timeout {t:?} is not a valid duration"))?
        }
        None => promha_e2e::policy::DEFAULT_TIMEOUT,
    };
    let verbose = args.flag("--verbose") || args.flag("-v");

    let policy = Policy::from_file(
        &policy_path,
        PolicyOptions {
            timeout,
            fail_lookups: args.flag("--fail-lookups"),
            metadata,
            verbose,
            ..PolicyOptions::default()
        },
    )?;
    if verbose {
        eprintln!(
            "[kwrun] compiled {} in {:.2?}",
            policy_path.display(),
            policy.compile_time()
        );
    }

    let settings_answer = policy.validate_settings(&settings)?;
    if settings_answer.get("valid").and_then(Value::as_bool) != Some(true) {
        let message = settings_answer
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("(no message)");
        eprintln!("kwrun: invalid settings: {message}");
        return Ok(ExitCode::from(1));
    }

    let evaluation = policy.evaluate(&request, &settings, &cluster)?;
    if let Some(path) = args.value(&["--record-host-capabilities-interactions"]) {
        let session = promha_e2e::session::session_yaml(&evaluation.host_calls)?;
        std::fs::write(path, session).with_context(|| format!("cannot write session file {path}"))?;
    }
    println!("{}", serde_json::to_string_pretty(&evaluation.response)?);
    Ok(ExitCode::SUCCESS)
}

fn cmd_annotate(args: &[String]) -> Result<ExitCode> {
    let args = Args::parse(args, &["--metadata", "-m", "--output", "-o", "--usage", "-u"], &[])?;
    let policy_path = args.policy_path()?;
    let metadata_path = args
        .value(&["--metadata", "-m"])
        .ok_or_else(|| anyhow!("missing --metadata"))?;
    let output = args
        .value(&["--output", "-o"])
        .ok_or_else(|| anyhow!("missing -o <annotated-policy.wasm>"))?;
    let wasm = std::fs::read(&policy_path).with_context(|| format!("cannot read policy {}", policy_path.display()))?;
    let mut metadata = PolicyMetadata::from_file(metadata_path.as_ref())?;
    if let Some(usage_path) = args.value(&["--usage", "-u"]) {
        let usage =
            std::fs::read_to_string(usage_path).with_context(|| format!("cannot read usage file {usage_path}"))?;
        metadata = metadata.with_usage(&usage)?;
    }
    let annotated = annotate(&wasm, &metadata).with_context(|| format!("cannot annotate {}", policy_path.display()))?;
    std::fs::write(output, annotated).with_context(|| format!("cannot write {output}"))?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_protocol_version(args: &[String]) -> Result<ExitCode> {
    let args = Args::parse(args, &[], &[])?;
    let policy = Policy::from_file(&args.policy_path()?, PolicyOptions::default())?;
    println!("{}", policy.protocol_version()?);
    Ok(ExitCode::SUCCESS)
}
