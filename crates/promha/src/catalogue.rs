//! `promha rules` and `promha explain`.

use std::fmt::Write as _;

use promha_core::{RULES, Rule};

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

/// A rule by id; an unknown id is an error listing the rules, with the
/// closest one suggested.
pub fn find_rule(id: &str) -> Result<&'static Rule, String> {
    promha_core::rule(id).ok_or_else(|| {
        let (closest, ids) = promha_core::rules::unknown_rule_help(id);
        let hint = closest.map(|s| format!("; did you mean '{s}'?")).unwrap_or_default();
        format!("unknown rule '{id}'{hint}\nrules: {ids}")
    })
}

/// `promha explain`: the rule's id and default severity, then its help.
pub fn explain(rule: &Rule) -> String {
    format!(
        "{} (default severity: {})\n\n{}",
        rule.id,
        rule.severity.as_str(),
        rule_help(rule, HelpFormat::Text)
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HelpFormat {
    /// Plain text, the doc wrapped at 80 columns (`explain`, SARIF `help.text`).
    Text,
    /// Markdown with YAML code blocks (SARIF `help.markdown`).
    Markdown,
}

/// A rule's help: what it requires, why, a setup it reports and the same
/// setup fixed. The one rendering of a rule's documentation.
pub fn rule_help(rule: &Rule, format: HelpFormat) -> String {
    let (bad, good) = (rule.bad_example.trim_end(), rule.good_example.trim_end());
    match format {
        HelpFormat::Text => format!(
            "{}\n\n{}\n\nReported:\n\n{}\n\nFixed:\n\n{}\n",
            rule.summary,
            wrap(rule.doc, 80),
            indent(bad, "    "),
            indent(good, "    ")
        ),
        HelpFormat::Markdown => format!(
            "**{}**\n\n{}\n\nReported:\n\n```yaml\n{bad}\n```\n\nFixed:\n\n```yaml\n{good}\n```\n",
            rule.summary, rule.doc
        ),
    }
}

/// Indents each non-empty line.
fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{prefix}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
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
    fn help_has_the_doc_and_both_examples_in_each_format() {
        for rule in promha_core::RULES {
            let text = rule_help(rule, HelpFormat::Text);
            let markdown = rule_help(rule, HelpFormat::Markdown);
            let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(words(&text).contains(&words(rule.doc)), "{}", rule.id);
            assert!(markdown.contains(rule.doc), "{}", rule.id);
            // The summary is one line; the doc is wrapped; the examples are as written.
            assert!(
                text.lines()
                    .skip(1)
                    .all(|l| l.starts_with("    ") || l.chars().count() <= 80 || !l.contains(' ')),
                "{}",
                rule.id
            );
            let (reported, fixed) = text.split_once("\nFixed:\n").expect("a Fixed section");
            assert!(reported.contains("\nReported:\n"));
            for line in rule.good_example.lines().filter(|l| !l.is_empty()) {
                assert!(fixed.contains(&format!("    {line}")), "{}: {line}", rule.id);
            }
            assert!(markdown.contains(&format!("```yaml\n{}\n```", rule.bad_example.trim_end())));
        }
        assert!(explain(promha_core::RULES[0]).starts_with(promha_core::RULES[0].id));
    }

    #[test]
    fn unknown_rules_get_a_suggestion() {
        let message = find_rule("anti-afinity").map(|r| r.id).unwrap_err();
        assert!(
            message.starts_with("unknown rule 'anti-afinity'; did you mean 'anti-affinity'?"),
            "{message}"
        );
        assert!(find_rule("min-replicas").is_ok());
    }

    #[test]
    fn markdown_cells_escape_pipes() {
        assert_eq!(markdown_cell("a | b"), "a \\| b");
    }
}
