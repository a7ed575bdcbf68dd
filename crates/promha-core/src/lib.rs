//! promha's rules: documents in, findings out.
//!
//! The same code runs in the Kubewarden policy, the `promha` CLI and the web
//! page. It reads no files and knows nothing of its caller: callers hand it
//! texts or documents and get findings back.
//!
//! Layers, each using only those before it: `read` (text → documents),
//! `model` (what the objects are), `scope` (everything checked together,
//! indexed), `rules` (the registry and each rule), then [`admission`]
//! (lookups for one admitted object) and [`catalogue`] (what the rules and
//! settings look like to people).

pub mod admission;
pub mod catalogue;
mod finding;
mod model;
mod read;
mod report;
mod rules;
mod schema;
mod scope;
mod settings;
mod suggest;

pub use finding::{Finding, ResourceRef, Severity};
pub use read::{Document, Position, ReadError, ReadLimits, ReadOutcome, Source, Unreadable, read_text};
pub use report::Report;
pub use rules::{RULES, Rule, rule};
pub use schema::{CrdSchema, crd_schemas};
pub use settings::{RuleLevel, Settings, SettingsError, json_type};
pub use suggest::suggest;

use model::object::Object;
use model::prometheus_config::embedded_configs;
use rules::Emitter;
use scope::Scope;

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
    let inputs = rules::inputs(settings);
    let scope = Scope::new(&objects, &embedded, settings, options, &inputs);
    let mut findings = Vec::new();
    for rule in rules::enabled(settings) {
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

/// Reads and checks sources together, as the CLI and the web page do. A
/// file, or a document of it, that cannot be read is reported as an
/// `invalid-resource` finding on its file; the rest is still checked.
/// Kubernetes objects of kinds no enabled rule reads are not parsed at all.
pub fn lint(sources: &[Source<'_>], settings: &Settings, options: &CheckOptions) -> Report {
    let outcome = read_sources(sources, settings, options);
    let mut findings = check(&outcome.documents, settings, options);
    findings.extend(
        outcome
            .unreadable
            .iter()
            .filter_map(|u| rules::unreadable_finding(u, settings)),
    );
    sort_findings(&mut findings);
    let checked = outcome
        .documents
        .iter()
        .enumerate()
        .filter(|(i, d)| Object::identify(*i, d).is_some())
        .count();
    Report {
        findings,
        files: sources.len(),
        documents: checked + outcome.skipped,
    }
}

/// The first half of [`lint`]: the documents of the sources that the
/// enabled rules read, and what could not be read.
pub fn read_sources(sources: &[Source<'_>], settings: &Settings, options: &CheckOptions) -> ReadOutcome {
    let mut interest = model::interest(&rules::inputs(settings));
    // The user's CRDs ask for their kinds to be validated, whatever they are.
    interest.kinds.extend(options.crds.iter().map(|c| c.kind.clone()));
    read::read_sources(sources, &ReadLimits::default(), &interest)
}

/// Builds the objects of a set of documents.
pub(crate) fn identify_objects(documents: &[Document]) -> Vec<Object<'_>> {
    documents
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Object::identify(i, d))
        .collect()
}

/// YAML (or JSON) text as JSON values, one per document, read with promha's
/// bounded reader: for edges that read their own YAML (config files, test
/// fixtures) without another parser.
pub fn yaml_to_json(text: &str) -> Result<Vec<serde_json::Value>, ReadError> {
    Ok(read::read_documents(text, &ReadLimits::default())?
        .iter()
        .map(read::Node::to_json)
        .collect())
}
