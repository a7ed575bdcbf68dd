//! The two entry points every caller uses: [`check`] documents together, or
//! [`lint`] sources (read, then checked).

use crate::finding::Finding;
use crate::model::embedded::{EmbeddedConfig, embedded_configs};
use crate::model::interest;
use crate::model::object::Object;
use crate::read::{self, Document, ReadLimits, ReadOutcome, Source, SourceKind};
use crate::report::Report;
use crate::rules::{self, Emitter};
use crate::scope::{CheckOptions, Scope};
use crate::settings::Settings;
use crate::values;

/// Checks documents together: each one's findings may depend on the others
/// (a Prometheus and the Alertmanagers and Services it sends alerts to).
pub fn check(documents: &[Document], settings: &Settings, options: &CheckOptions) -> Vec<Finding> {
    let objects = identify_objects(documents);
    let embedded = embedded_configs(&objects);
    check_objects(&objects, &embedded, settings, options)
}

/// [`check`] on objects whose embedded configs are read already.
pub(crate) fn check_objects(
    objects: &[Object<'_>],
    embedded: &[EmbeddedConfig],
    settings: &Settings,
    options: &CheckOptions,
) -> Vec<Finding> {
    let inputs = rules::inputs(settings);
    let scope = Scope::new(objects, embedded, settings, options, &inputs);
    let mut findings = Vec::new();
    for rule in rules::enabled(settings) {
        let mut emitter = Emitter::new(rule, settings, options.subject, &mut findings);
        (rule.check)(&scope, &mut emitter);
    }
    sort_findings(&mut findings);
    findings
}

pub(crate) fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (&a.file, a.position, a.document, a.rule, &a.message)
            .cmp(&(&b.file, b.position, b.document, b.rule, &b.message))
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
    let (values, unreadable_values) = values::read_values(sources);
    values::place_on_values(&mut findings, &values);
    findings.extend(
        outcome
            .unreadable
            .iter()
            .chain(&unreadable_values)
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
        files: sources.iter().filter(|s| s.kind == SourceKind::Manifests).count(),
        documents: checked + outcome.skipped,
    }
}

/// The first half of [`lint`]: the documents of the sources that the
/// enabled rules read, and what could not be read.
pub fn read_sources(sources: &[Source<'_>], settings: &Settings, options: &CheckOptions) -> ReadOutcome {
    let mut interest = interest(&rules::inputs(settings));
    // The user's CRDs ask for their kinds to be validated, whatever they are.
    interest.kinds.extend(options.crds.iter().map(|c| c.kind().to_string()));
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
