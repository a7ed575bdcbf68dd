//! promha's rules: documents in, findings out.
//!
//! The same code runs in the Kubewarden policy, the `promha` CLI and the web
//! page. It reads no files and knows nothing of its caller: callers hand it
//! texts or documents and get findings back.

pub mod containers;
pub mod document;
pub mod finding;
pub mod lookups;
pub mod node;
pub mod report;
pub mod rules;
pub mod schema;
pub mod scope;
pub mod selector;
pub mod settings;
pub mod suggest;
pub mod triage;
pub mod workload;
pub mod yaml;

pub use document::{Document, read_text};
pub use finding::{Finding, ResourceRef, Severity};
pub use report::Report;
pub use rules::{RULES, Rule, rule};
pub use settings::{Settings, SettingsError};

use rules::Emitter;
use scope::{Scope, embedded_configs, identify_objects};
use yaml::ReadLimits;

/// How thorough a check is, beyond the settings.
#[derive(Debug, Default)]
pub struct CheckOptions {
    /// Report fields the schema does not know (CLI and web page). Admission
    /// leaves this to the API server, which prunes unknown fields.
    pub unknown_fields: bool,
    /// The user's CRDs: objects of their kinds are validated against them.
    pub crds: Vec<schema::CrdSchema>,
    /// (kind, namespace) pairs that could not be listed (a failed lookup):
    /// rules do not report an object of that kind missing there.
    pub unlisted: Vec<(String, String)>,
}

/// Checks documents together: each one's findings may depend on the others
/// (a Prometheus and the Alertmanagers and Services it sends alerts to).
pub fn check(documents: &[Document], settings: &Settings, options: &CheckOptions) -> Vec<Finding> {
    let objects = identify_objects(documents);
    let embedded = embedded_configs(&objects);
    let scope = Scope::new(&objects, &embedded, settings, options);
    let mut findings = Vec::new();
    for rule in RULES {
        let mut emitter = Emitter::new(rule, settings, &mut findings);
        (rule.check)(&scope, &mut emitter);
    }
    sort_findings(&mut findings);
    findings
}

fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (&a.file, a.document, a.position, a.rule, &a.message)
            .cmp(&(&b.file, b.document, b.position, b.rule, &b.message))
    });
    findings.dedup();
}

/// A file's name and text.
#[derive(Clone, Copy, Debug)]
pub struct Source<'t> {
    pub file: &'t str,
    pub text: &'t str,
}

/// Reads and checks texts together, as the CLI and the web page do. A
/// document that cannot be read is reported as an `invalid-resource` finding
/// on its file; the others are still checked. Kubernetes objects of kinds no
/// rule reads are not parsed at all (see [`triage`]).
pub fn lint(sources: &[Source<'_>], settings: &Settings, options: &CheckOptions) -> Report {
    let limits = ReadLimits::default();
    let extra_kinds: Vec<&str> = options.crds.iter().map(|c| c.kind.as_str()).collect();
    let mut documents = Vec::new();
    let mut unreadable = Vec::new();
    let mut skipped = 0;
    for source in sources {
        let outcome = document::read_for_lint(source.file, source.text, &limits, &extra_kinds);
        documents.extend(outcome.documents);
        skipped += outcome.skipped;
        for error in &outcome.errors {
            unreadable.extend(rules::unreadable_finding(
                source.file,
                error,
                outcome.whole_file,
                settings,
            ));
        }
    }
    let mut findings = check(&documents, settings, options);
    findings.extend(unreadable);
    sort_findings(&mut findings);
    let checked = documents
        .iter()
        .enumerate()
        .filter(|(i, d)| document::Object::identify(*i, d).is_some())
        .count();
    Report {
        findings,
        files: sources.len(),
        documents: checked + skipped,
    }
}
