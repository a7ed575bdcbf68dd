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
mod check;
mod finding;
mod fix;
mod model;
mod read;
mod report;
mod rules;
mod schema;
mod scope;
mod settings;
mod suggest;
mod values;

pub use check::{check, lint, read_sources};
pub use finding::{ChartFix, Edit, FieldPath, Finding, Fix, ResourceRef, Severity, Step, ValuesChange, ValuesOp};
pub use fix::{FileChange, FixOutcome, Left, fix, fix_finding, unified_diff};
pub use read::{
    Document, Node, Position, ReadError, ReadLimits, ReadOutcome, Source, SourceKind, Unreadable, node_from_json_slice,
    read_text,
};
pub use report::Report;
pub use rules::{RULES, Rule, rule};
pub use schema::CrdSchema;
#[cfg(feature = "crd")]
pub use schema::crd_schemas;
pub use scope::CheckOptions;
pub use settings::{RuleLevel, Settings, SettingsError, json_type};
pub use suggest::suggest;

/// YAML (or JSON) text as JSON values, one per document, read with promha's
/// bounded reader: for edges that read their own YAML (config files, test
/// fixtures) without another parser.
pub fn yaml_to_json(text: &str) -> Result<Vec<serde_json::Value>, ReadError> {
    Ok(read::read_documents(text, &ReadLimits::default())?
        .iter()
        .map(read::Node::to_json)
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn yaml_to_json_reads_every_document_with_its_types() {
        let values = super::yaml_to_json("a: 1\nb: [x, true]\n---\nc: {d: null}\n").unwrap();
        assert_eq!(
            values,
            vec![
                serde_json::json!({"a": 1, "b": ["x", true]}),
                serde_json::json!({"c": {"d": null}})
            ]
        );
        assert!(super::yaml_to_json("a: [1\n").is_err());
    }
}
