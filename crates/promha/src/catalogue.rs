//! `promha rules` and `promha explain`.

use std::fmt::Write as _;

use promha_core::RULES;

use crate::args::RulesFormat;

pub fn rules(format: RulesFormat) -> String {
    match format {
        RulesFormat::Text => {
            let width = RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
            let mut out = String::new();
            for rule in RULES {
                let _ = writeln!(
                    out,
                    "{:width$}  {:7}  {}",
                    rule.id,
                    rule.severity.as_str(),
                    rule.summary
                );
            }
            let _ = writeln!(
                out,
                "\nRun 'promha explain <RULE>' for a rule's documentation and examples."
            );
            out
        }
        RulesFormat::Markdown => promha_core::catalogue::rules_table(),
        RulesFormat::Json => {
            let mut out = serde_json::to_string_pretty(&promha_core::catalogue::catalogue_json()).unwrap_or_default();
            out.push('\n');
            out
        }
    }
}
