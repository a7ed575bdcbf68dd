//! `promha rules` and `promha explain`.

use std::fmt::Write as _;

use promha_core::RULES;

use crate::args::{RulesFormat, SettingsFormat};

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
                "\nRun 'promha explain <RULE>' for a rule's documentation and examples,\n'promha settings' for the settings of .promha.yaml."
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

/// `promha settings`: the settings, from their declarations.
pub fn settings(format: SettingsFormat) -> String {
    match format {
        SettingsFormat::Markdown => promha_core::catalogue::settings_table(),
        SettingsFormat::Schema => {
            let mut out = serde_json::to_string_pretty(&promha_core::catalogue::settings_schema()).unwrap_or_default();
            out.push('\n');
            out
        }
        SettingsFormat::Text => {
            let rows = promha_core::catalogue::settings_rows();
            let key_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
            let default_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
            let mut out = String::new();
            for (key, default, meaning) in rows {
                let _ = writeln!(out, "{key:key_width$}  {default:default_width$}  {meaning}");
            }
            out
        }
    }
}
