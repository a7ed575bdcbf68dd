//! What the rules and settings look like to people: the README's tables,
//! `promha rules` and `explain`, SARIF rule help, the web page's catalogue
//! and settings form. All of it is rendered from the declarations, here.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use crate::read::{ReadLimits, read_documents};
use crate::rules::{RULES, Rule, catalog};
use crate::settings::{self, Settings, SettingsError};

impl Settings {
    /// Parses and validates settings (the policy's JSON settings, or a
    /// `.promha.yaml` read into the same shape); `null` gives the defaults.
    pub fn from_json(value: &Json) -> Result<Settings, SettingsError> {
        Settings::parse(value, &catalog())
    }

    /// Parses a YAML (or JSON) settings document, as in `.promha.yaml`; an
    /// empty document gives the defaults.
    pub fn from_yaml(text: &str) -> Result<Settings, SettingsError> {
        let docs = read_documents(text, &ReadLimits::default()).map_err(|e| SettingsError {
            problems: vec![format!("cannot read settings: {e}")],
        })?;
        match docs.as_slice() {
            [] => Ok(Settings::default()),
            [doc] => Settings::from_json(&doc.to_json()),
            _ => Err(SettingsError {
                problems: vec!["settings must be a single YAML document".to_string()],
            }),
        }
    }

    /// Overrides one rule's level (`--rule id=level`).
    pub fn set_level(&mut self, rule: &str, level: &str) -> Result<(), SettingsError> {
        self.set_rule_level(rule, level, &catalog())
    }

    /// Every setting with its value (the defaults filled in).
    pub fn to_full_json(&self) -> Json {
        self.to_json(&catalog())
    }

    /// The `exclude` globs (`.promha.yaml`), for the CLI's walk.
    pub fn exclude(&self) -> Vec<String> {
        self.get(&settings::EXCLUDE)
    }
}

/// The JSON Schema of the settings (`schema/promha.schema.json`).
pub fn settings_schema() -> Json {
    settings::json_schema(&catalog())
}

/// Rancher's settings form, `questions-ui.yml`.
pub fn questions_ui() -> String {
    settings::questions_ui(&catalog())
}

/// The README's settings table.
pub fn settings_table() -> String {
    settings::markdown_table(&catalog())
}

/// `(key, default, meaning)` of every setting.
pub fn settings_rows() -> Vec<(String, String, String)> {
    settings::rows(&catalog())
}

/// The README's rules table (`promha rules --format markdown`).
pub fn rules_table() -> String {
    let mut out = String::from("| Rule | Default severity | Summary |\n| --- | --- | --- |\n");
    for rule in RULES {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            rule.id,
            rule.severity.as_str(),
            rule.summary.replace('|', "\\|").replace('\n', " ")
        );
    }
    out
}

/// The README's table of the chart values keys findings are translated into.
pub fn helm_table() -> String {
    let mut out =
        String::from("| Chart | Values key | Default | Renders | Template |\n| --- | --- | --- | --- | --- |\n");
    for row in crate::model::helm::ROWS {
        let _ = writeln!(
            out,
            "| {} | `{}` | `{}` | {} | `{}` |",
            row.chart.name(),
            row.key,
            row.default,
            row.renders.describe().replace('|', "\\|"),
            row.template
        );
    }
    out
}

/// The catalogue as JSON, for `promha rules --format json` and the web page:
/// `[{id, severity, summary, doc, badExample, goodExample, settings}]`.
pub fn catalogue_json() -> Json {
    RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "severity": rule.severity,
                "summary": rule.summary,
                "doc": rule.doc,
                "badExample": rule.bad_example,
                "goodExample": rule.good_example,
                "settings": rule.settings.iter().map(|s| s.key).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The settings a rule reads, for its help: its own, by key.
fn settings_line(rule: &Rule) -> String {
    if rule.settings.is_empty() {
        return String::new();
    }
    let keys: Vec<String> = rule.settings.iter().map(|s| format!("`{}`", s.key)).collect();
    format!("\n\nSettings: {}.", keys.join(", "))
}

/// A rule's help as plain text: summary, doc, its settings, the setup it
/// reports and the same setup fixed. `promha explain` and SARIF show it.
pub fn help_text(rule: &Rule) -> String {
    format!(
        "{}\n\n{}{}\n\nReported:\n\n{}\n\nFixed:\n\n{}\n",
        rule.summary,
        wrap(rule.doc.trim(), 80),
        settings_line(rule),
        indent(rule.bad_example.trim_end(), "    "),
        indent(rule.good_example.trim_end(), "    ")
    )
}

/// The same help as Markdown, for SARIF's `help.markdown`.
pub fn help_markdown(rule: &Rule) -> String {
    format!(
        "**{}**\n\n{}{}\n\nReported:\n\n```yaml\n{}\n```\n\nFixed:\n\n```yaml\n{}\n```\n",
        rule.summary,
        rule.doc.trim(),
        settings_line(rule),
        rule.bad_example.trim_end(),
        rule.good_example.trim_end()
    )
}

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
/// stay whole); paragraphs (blank lines) are kept, single line breaks joined.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for (i, paragraph) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        let mut line_len = 0;
        for word in paragraph.split_whitespace() {
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

/// For an id that names no rule: the closest rule id, if one is close
/// enough to be a typo, and every id, for the message.
pub fn unknown_rule_help(id: &str) -> (Option<&'static str>, String) {
    crate::rules::unknown_rule_help(id)
}

/// A rule by id; an unknown id is an error listing the rules, with the
/// closest one suggested for a typo.
pub fn find_rule(id: &str) -> Result<&'static Rule, String> {
    crate::rule(id).ok_or_else(|| {
        let (closest, ids) = unknown_rule_help(id);
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
        help_text(rule)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_width_and_paragraphs() {
        assert_eq!(wrap("aaa bbb ccc ddd", 7), "aaa bbb\nccc ddd");
        assert_eq!(wrap("averyveryverylongword x", 5), "averyveryverylongword\nx");
        assert_eq!(wrap("a\nb\n\nc", 80), "a b\n\nc");
        // The space between words counts: seven characters do not fit in six.
        assert_eq!(wrap("aaa bbb", 6), "aaa\nbbb");
        assert_eq!(wrap("aaa bbb", 7), "aaa bbb");
    }

    #[test]
    fn help_lists_a_rules_settings_only_when_it_has_some() {
        let with = crate::rule("min-replicas").unwrap();
        for help in [help_text(with), help_markdown(with)] {
            assert!(
                help.contains("\n\nSettings: `minReplicas`, `alertmanagerMinReplicas`."),
                "{help}"
            );
        }
        let without = RULES
            .iter()
            .find(|r| r.settings.is_empty())
            .expect("a rule without settings");
        for help in [help_text(without), help_markdown(without)] {
            assert!(!help.contains("Settings:"), "{help}");
        }
    }

    #[test]
    fn help_names_the_rule_its_settings_and_examples() {
        let rule = crate::rule("min-replicas").unwrap();
        let help = explain(rule);
        assert!(help.starts_with("min-replicas (default severity: error)"), "{help}");
        assert!(help.contains("`minReplicas`"), "{help}");
        // The examples are indented as code, their blank lines left empty.
        let first = rule.bad_example.lines().next().unwrap();
        assert!(help.contains(&format!("\n    {first}\n")), "{help}");
        assert!(help.lines().all(|l| !l.trim().is_empty() || l.is_empty()), "{help}");
        assert!(help_markdown(rule).contains("```yaml"));
        let unknown = find_rule("min-replica").unwrap_err();
        assert!(unknown.contains("did you mean 'min-replicas'"), "{unknown}");
    }

    #[test]
    fn every_rule_and_setting_is_in_the_tables() {
        for rule in RULES {
            assert!(rules_table().contains(&format!("| `{}` |", rule.id)));
        }
        for setting in catalog().settings {
            assert!(settings_table().contains(&format!("| `{}` |", setting.key)));
        }
    }

    /// `promha settings`: one row per setting, in the catalogue's order, with
    /// the default a person reads; and the settings written back in full
    /// (`--format json`) read back as the same settings.
    #[test]
    fn settings_are_listed_and_written_back_in_full() {
        let rows = settings_rows();
        let keys: Vec<&str> = rows.iter().map(|(key, _, _)| key.as_str()).collect();
        let declared: Vec<&str> = catalog().settings.iter().map(|s| s.key).collect();
        assert_eq!(keys, declared);
        assert!(rows.iter().all(|(_, _, meaning)| !meaning.is_empty()));
        let (_, default, _) = rows.iter().find(|(key, _, _)| key == "exclude").expect("exclude");
        assert_eq!(default, "[]");
        let settings = Settings::from_yaml("exclude: [vendor/**]\nrules: {min-replicas: warning}\n").unwrap();
        assert_eq!(settings.exclude(), ["vendor/**"]);
        assert!(Settings::default().exclude().is_empty());
        let full = settings.to_full_json();
        let written: Vec<&str> = full
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(written, declared, "every setting, defaults filled in");
        assert_eq!(full["exclude"], json!(["vendor/**"]));
        assert_eq!(full["rules"], json!({"min-replicas": "warning"}));
        assert_eq!(
            Settings::from_json(&full).unwrap().to_full_json(),
            full,
            "reads back the same"
        );
        assert_eq!(full["minReplicas"], json!(2), "a default filled in");
    }

    /// `promha rules --format json` and the page's catalogue: every rule,
    /// with what the page shows of it.
    #[test]
    fn the_catalogue_json_lists_every_rule_with_its_examples() {
        let catalogue = catalogue_json();
        let entries = catalogue.as_array().expect("an array");
        assert_eq!(entries.len(), RULES.len());
        for (entry, rule) in entries.iter().zip(RULES) {
            assert_eq!(entry["id"], rule.id);
            assert_eq!(entry["severity"], rule.severity.as_str());
            assert_eq!(entry["badExample"], rule.bad_example);
            assert!(entry["summary"].as_str().is_some_and(|s| !s.is_empty()), "{}", rule.id);
            let settings: Vec<&str> = rule.settings.iter().map(|s| s.key).collect();
            assert_eq!(entry["settings"], json!(settings));
        }
    }

    /// The README's tables are generated: `PROMHA_BLESS=1 cargo test -p
    /// promha-core` (or `make readme`) writes them again.
    #[test]
    fn the_readme_tables_are_the_catalogue() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
        let mut readme = std::fs::read_to_string(&path).unwrap_or_default();
        let mut stale = Vec::new();
        for (marker, table) in [
            ("rules", rules_table()),
            ("settings", settings_table()),
            ("helm", helm_table()),
        ] {
            let start_marker = format!("<!-- {marker}:start");
            let end_marker = format!("<!-- {marker}:end -->");
            let (Some(start), Some(end)) = (readme.find(&start_marker), readme.find(&end_marker)) else {
                panic!("README.md has no {start_marker} … {end_marker} markers");
            };
            let after = start + readme[start..].find("-->").unwrap() + "-->".len();
            if readme[after..end].trim() != table.trim() {
                stale.push(marker);
                readme.replace_range(after..end, &format!("\n{table}"));
            }
        }
        if std::env::var_os("PROMHA_BLESS").is_some() {
            std::fs::write(&path, &readme).unwrap();
        } else {
            assert!(
                stale.is_empty(),
                "README.md's {stale:?} tables are out of date: run `make readme`"
            );
        }
    }

    /// Rancher's form is generated too: questions-ui.yml, and its copy in
    /// artifacthub-pkg.yml (as `kwctl scaffold artifacthub` embeds it).
    /// `make readme` writes both again.
    #[test]
    fn the_settings_form_is_the_catalogue() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let form = questions_ui();
        let package_path = root.join("artifacthub-pkg.yml");
        let package = std::fs::read_to_string(&package_path).unwrap_or_default();
        let key = "  kubewarden/questions-ui: |\n";
        let start = package
            .find(key)
            .expect("artifacthub-pkg.yml has kubewarden/questions-ui")
            + key.len();
        // The block scalar runs to the next key of the annotations map.
        let end = package[start..]
            .match_indices('\n')
            .map(|(i, _)| start + i + 1)
            .find(|&i| package[i..].starts_with("  ") && !package[i..].starts_with("   "))
            .unwrap_or(package.len());
        let embedded: String = form
            .lines()
            .map(|line| {
                if line.is_empty() {
                    "\n".to_string()
                } else {
                    format!("    {line}\n")
                }
            })
            .collect();
        let form_path = root.join("questions-ui.yml");
        let stale_form = std::fs::read_to_string(&form_path).unwrap_or_default() != form;
        let stale_package = package[start..end] != embedded;
        if std::env::var_os("PROMHA_BLESS").is_some() {
            std::fs::write(&form_path, &form).unwrap();
            let mut package = package.clone();
            package.replace_range(start..end, &embedded);
            std::fs::write(&package_path, package).unwrap();
        } else {
            assert!(!stale_form, "questions-ui.yml is out of date: run `make readme`");
            assert!(
                !stale_package,
                "artifacthub-pkg.yml's kubewarden/questions-ui is out of date: run `make readme`"
            );
        }
        // What the form writes is YAML the core reads back: every question names a setting.
        let parsed = crate::yaml_to_json(&form).expect("questions-ui.yml is YAML");
        let questions = parsed[0]["questions"].as_array().expect("a questions list").clone();
        assert!(questions.len() >= 8, "{questions:?}");
        for question in &questions {
            let key = question["variable"].as_str().unwrap();
            assert!(catalog().settings.iter().any(|d| d.key == key), "{key}");
        }
    }

    /// The committed schema and the settings parser agree on every example
    /// config in schema/examples: `good-*` pass both, `bad-*` fail both.
    #[test]
    fn config_files_are_judged_alike_by_the_schema_and_the_parser() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema");
        let schema: Json =
            serde_json::from_str(&std::fs::read_to_string(dir.join("promha.schema.json")).unwrap()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let mut files: Vec<_> = std::fs::read_dir(dir.join("examples"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(files.len() >= 10);
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&file).unwrap();
            let value = read_documents(&text, &ReadLimits::default())
                .unwrap()
                .first()
                .map_or(Json::Null, |d| d.to_json());
            let by_schema = validator.is_valid(&value);
            let by_parser = Settings::from_yaml(&text);
            let good = name.starts_with("good-");
            assert_eq!(by_schema, good, "{name}: the schema says {by_schema}");
            assert_eq!(by_parser.is_ok(), good, "{name}: the parser says {by_parser:?}");
        }
    }

    /// `schema/promha.schema.json` is generated from the declarations:
    /// `PROMHA_BLESS=1 cargo test` writes it again.
    #[test]
    fn the_committed_schema_is_the_generated_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/promha.schema.json");
        let generated = format!("{}\n", serde_json::to_string_pretty(&settings_schema()).unwrap());
        if std::env::var_os("PROMHA_BLESS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is out of date: run PROMHA_BLESS=1 cargo test -p promha-core",
            path.display()
        );
    }
}
