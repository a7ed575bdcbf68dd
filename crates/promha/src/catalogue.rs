//! `promha rules` and `promha explain`.

use std::fmt::Write as _;

use promha_core::{RULES, Rule};

use crate::args::RulesFormat;
use crate::output::indent;

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
        RulesFormat::Markdown => {
            let mut out = String::from("| Rule | Default severity | Summary |\n| --- | --- | --- |\n");
            for rule in RULES {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} |",
                    rule.id,
                    rule.severity.as_str(),
                    markdown_cell(rule.summary)
                );
            }
            out
        }
        RulesFormat::Json => {
            let mut out = serde_json::to_string_pretty(&promha_core::rules::catalogue_json()).unwrap_or_default();
            out.push('\n');
            out
        }
    }
}

fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A rule's documentation, or (as the error) the list of rule ids with a
/// suggestion.
pub fn explain(id: &str) -> Result<String, String> {
    match promha_core::rule(id) {
        Some(rule) => Ok(explain_rule(rule)),
        None => {
            let (closest, ids) = promha_core::rules::unknown_rule_help(id);
            let hint = closest.map(|s| format!("; did you mean '{s}'?")).unwrap_or_default();
            Err(format!("unknown rule '{id}'{hint}\nrules: {ids}"))
        }
    }
}

fn explain_rule(rule: &Rule) -> String {
    format!(
        "{} (default severity: {})\n\n{}\n\n{}\n\nReported:\n\n{}\n\nFixed:\n\n{}\n",
        rule.id,
        rule.severity.as_str(),
        rule.summary,
        wrap(rule.doc, 80),
        indent(rule.bad_example.trim_end(), "    "),
        indent(rule.good_example.trim_end(), "    ")
    )
}

/// Wraps text at spaces to lines of at most `width` characters (longer words
/// stay whole); existing line breaks are kept.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for (i, paragraph) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut line_len = 0;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let len = word.chars().count();
            if line_len > 0 && line_len + 1 + len > width {
                out.push('\n');
                line_len = 0;
            } else if line_len > 0 {
                out.push(' ');
                line_len += 1;
            }
            out.push_str(word);
            line_len += len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_and_width() {
        let wrapped = wrap("aaa bbb ccc ddd", 7);
        assert_eq!(wrapped, "aaa bbb\nccc ddd");
        assert_eq!(wrap("averyveryverylongword x", 5), "averyveryverylongword\nx");
        assert_eq!(wrap("a\nb", 80), "a\nb");
    }

    #[test]
    fn markdown_cells_escape_pipes() {
        assert_eq!(markdown_cell("a | b"), "a \\| b");
    }
}
