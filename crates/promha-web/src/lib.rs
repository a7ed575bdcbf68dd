//! promha's rules for the browser. The page under `web/` calls [`lint`] as the
//! user types and [`rules`] for its catalogue; both answer with the JSON the
//! CLI prints (`promha lint --format json`), made by the same promha-core code.
//!
//! JavaScript API (wasm-bindgen):
//! - `lint(text, settings)`: `text` is one or more YAML documents (or a
//!   prometheus.yml); `settings` is `undefined`/`null` (the defaults), a JS
//!   object in the policy's camelCase schema, or the same as JSON or YAML text
//!   (a `.promha.yaml`). Returns `{findings, summary}`, or `{error, problems}`
//!   when the settings (or the arguments) are invalid. It never throws for any
//!   input.
//! - `rules()`: `[{id, severity, summary, doc, badExample, goodExample}]`.
//! - `defaultSettings()`: the settings object with every default filled in.
//! - `version()`: this crate's version.
//!
//! Everything but the thin `#[wasm_bindgen]` layer is plain Rust, tested natively.

use promha_core::{CheckOptions, Settings, SettingsError, Source};
use serde_json::{Value as Json, json};
use wasm_bindgen::prelude::*;

/// The file name findings carry: the page holds one text, checked as if it
/// were a file of this name (`promha lint input.yaml` reports the same).
pub const INPUT_FILE: &str = "input.yaml";

/// Checks one text the way `promha lint --format json` checks a file named
/// [`INPUT_FILE`]: unknown fields are reported, no CRDs are given.
pub fn lint_text(text: &str, settings: &Settings) -> Json {
    let sources = [Source::text(INPUT_FILE, text)];
    let options = CheckOptions {
        unknown_fields: true,
        ..CheckOptions::default()
    };
    promha_core::lint(&sources, settings, &options).to_json()
}

/// Reads settings given as text: JSON, or YAML as in a `.promha.yaml` (which
/// the CLI reads with `--config`). Blank text gives the defaults.
pub fn settings_from_text(text: &str) -> Result<Settings, SettingsError> {
    if text.trim().is_empty() {
        return Ok(Settings::default());
    }
    match serde_json::from_str::<Json>(text) {
        Ok(value) => Settings::from_json(&value),
        Err(_) => Settings::from_yaml(text),
    }
}

/// The value returned instead of a report when the input cannot be checked:
/// `{"error": "invalid settings: …", "problems": ["…", …]}`.
pub fn settings_error_json(error: &SettingsError) -> Json {
    json!({ "error": error.to_string(), "problems": error.problems })
}

fn input_error_json(message: String) -> Json {
    json!({ "error": message.clone(), "problems": [message] })
}

/// [`lint_text`] with settings given as text; invalid settings give
/// [`settings_error_json`].
pub fn lint_with_settings_text(text: &str, settings: &str) -> Json {
    match settings_from_text(settings) {
        Ok(settings) => lint_text(text, &settings),
        Err(error) => settings_error_json(&error),
    }
}

/// The rule catalogue, in documentation order.
pub fn rules_json() -> Json {
    promha_core::catalogue::catalogue_json()
}

/// Every setting with its default value, in the settings schema.
pub fn default_settings_json() -> Json {
    Settings::default().to_full_json()
}

/// The JSON Schema of the settings, from which the page builds its form.
pub fn settings_schema_json() -> Json {
    promha_core::catalogue::settings_schema()
}

// ---- the JavaScript boundary -------------------------------------------

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = String)]
    fn js_string(value: &JsValue) -> String;
}

/// Settings from whatever JavaScript passed, or the error value to return.
fn settings_from_js(value: &JsValue) -> Result<Settings, Json> {
    if value.is_undefined() || value.is_null() {
        return Ok(Settings::default());
    }
    if let Some(text) = value.as_string() {
        return settings_from_text(&text).map_err(|e| settings_error_json(&e));
    }
    let text = match json_stringify(value) {
        Ok(text) => text.as_string(),
        Err(error) => {
            return Err(input_error_json(format!(
                "invalid settings: cannot be converted to JSON: {}",
                js_string(&error)
            )));
        }
    };
    let Some(text) = text else {
        return Err(input_error_json(format!(
            "invalid settings: expected an object or JSON text, got {}",
            js_type(value)
        )));
    };
    let json = serde_json::from_str::<Json>(&text)
        .map_err(|e| input_error_json(format!("invalid settings: cannot be read as JSON: {e}")))?;
    Settings::from_json(&json).map_err(|e| settings_error_json(&e))
}

fn js_type(value: &JsValue) -> String {
    value.js_typeof().as_string().unwrap_or_else(|| "a value".to_string())
}

fn to_js(value: &Json) -> JsValue {
    let text = value.to_string();
    json_parse(&text).unwrap_or_else(|_| JsValue::from_str(&text))
}

/// `lint(text, settings)`: the CLI's JSON report for `text`, or
/// `{error, problems}` for invalid settings or a `text` that is not a string.
#[wasm_bindgen]
pub fn lint(text: JsValue, settings: JsValue) -> JsValue {
    let Some(text) = text.as_string() else {
        return to_js(&input_error_json(format!(
            "the text to check must be a string, got {}",
            js_type(&text)
        )));
    };
    match settings_from_js(&settings) {
        Ok(settings) => to_js(&lint_text(&text, &settings)),
        Err(error) => to_js(&error),
    }
}

/// `rules()`: the rule catalogue, `[{id, severity, summary, doc, badExample, goodExample}]`.
#[wasm_bindgen]
pub fn rules() -> JsValue {
    to_js(&rules_json())
}

/// `settingsSchema()`: the JSON Schema of the settings (`.promha.yaml`).
#[wasm_bindgen(js_name = settingsSchema)]
pub fn settings_schema() -> JsValue {
    to_js(&settings_schema_json())
}

/// `defaultSettings()`: every setting with its default value.
#[wasm_bindgen(js_name = defaultSettings)]
pub fn default_settings() -> JsValue {
    to_js(&default_settings_json())
}

/// `version()`: the promha version this build was made from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use promha_core::RULES;

    const PROMETHEUS_ONE_REPLICA: &str = "\
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: k8s
  namespace: monitoring
spec:
  replicas: 1
";

    fn findings(report: &Json) -> &Vec<Json> {
        report["findings"].as_array().expect("a report with findings")
    }

    fn rule_ids(report: &Json) -> Vec<&str> {
        findings(report).iter().map(|f| f["rule"].as_str().unwrap()).collect()
    }

    #[test]
    fn report_has_the_cli_shape() {
        let report = lint_text(PROMETHEUS_ONE_REPLICA, &Settings::default());
        let object = report.as_object().unwrap();
        assert_eq!(object.keys().collect::<Vec<_>>(), ["findings", "summary"]);
        let summary = report["summary"].as_object().unwrap();
        let mut keys: Vec<&String> = summary.keys().collect();
        keys.sort();
        assert_eq!(keys, ["documents", "errors", "files", "warnings"]);
        assert_eq!(report["summary"]["files"], 1);
        assert_eq!(report["summary"]["documents"], 1);
        let min = findings(&report)
            .iter()
            .find(|f| f["rule"] == "min-replicas")
            .expect("min-replicas reported");
        let mut keys: Vec<&String> = min.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "column", "file", "fix", "line", "message", "resource", "rule", "severity"
            ]
        );
        assert_eq!(min["severity"], "error");
        assert_eq!(min["file"], INPUT_FILE);
        assert_eq!(min["line"], 7);
        assert_eq!(
            min["resource"],
            json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "namespace": "monitoring", "name": "k8s"})
        );
        let errors = findings(&report).iter().filter(|f| f["severity"] == "error").count();
        assert_eq!(report["summary"]["errors"], errors);
    }

    #[test]
    fn report_is_exactly_the_core_report() {
        let settings = Settings::default();
        let expected = promha_core::lint(
            &[Source::text(INPUT_FILE, PROMETHEUS_ONE_REPLICA)],
            &settings,
            &CheckOptions {
                unknown_fields: true,
                ..CheckOptions::default()
            },
        )
        .to_json();
        assert_eq!(lint_text(PROMETHEUS_ONE_REPLICA, &settings), expected);
    }

    #[test]
    fn unknown_fields_are_reported_as_by_the_cli() {
        let text = PROMETHEUS_ONE_REPLICA.replace("replicas: 1", "replica: 3");
        let report = lint_text(&text, &Settings::default());
        assert!(rule_ids(&report).contains(&"invalid-resource"), "{report}");
    }

    #[test]
    fn empty_text_has_no_findings() {
        let report = lint_text("", &Settings::default());
        assert_eq!(report["findings"], json!([]));
        assert_eq!(
            report["summary"],
            json!({"errors": 0, "warnings": 0, "files": 1, "documents": 0})
        );
    }

    #[test]
    fn unreadable_yaml_is_a_finding_not_an_error() {
        let report = lint_text("kind: [unclosed\n  - x: {", &Settings::default());
        assert_eq!(rule_ids(&report), ["invalid-resource"]);
        assert_eq!(report["findings"][0]["file"], INPUT_FILE);
    }

    #[test]
    fn settings_text_may_be_json_yaml_or_blank() {
        assert_eq!(settings_from_text("").unwrap(), Settings::default());
        assert_eq!(settings_from_text("  \n").unwrap(), Settings::default());
        assert_eq!(settings_from_text("null").unwrap(), Settings::default());
        assert_eq!(settings_from_text("{}").unwrap(), Settings::default());
        let json = settings_from_text(r#"{"minReplicas": 3, "rules": {"persistent-storage": "off"}}"#).unwrap();
        let yaml = settings_from_text("minReplicas: 3\nrules:\n  persistent-storage: off\n").unwrap();
        assert_eq!(json, yaml);
        assert_eq!(json.to_full_json()["minReplicas"], 3);
    }

    #[test]
    fn settings_change_the_findings() {
        let strict = lint_with_settings_text(PROMETHEUS_ONE_REPLICA, r#"{"rules": {"min-replicas": "warning"}}"#);
        let min = findings(&strict).iter().find(|f| f["rule"] == "min-replicas").unwrap();
        assert_eq!(min["severity"], "warning");
        let off = lint_with_settings_text(PROMETHEUS_ONE_REPLICA, r#"{"rules": {"min-replicas": "off"}}"#);
        assert!(!rule_ids(&off).contains(&"min-replicas"));
        let one = lint_with_settings_text(PROMETHEUS_ONE_REPLICA, "minReplicas: 1");
        assert!(!rule_ids(&one).contains(&"min-replicas"));
    }

    #[test]
    fn invalid_settings_give_an_error_value_naming_each_problem() {
        let result = lint_with_settings_text(
            PROMETHEUS_ONE_REPLICA,
            r#"{"minReplicas": 0, "antiAffinity": "sometimes", "rules": {"min-replica": "off"}, "minReplica": 2}"#,
        );
        let object = result.as_object().unwrap();
        assert_eq!(object.keys().collect::<Vec<_>>(), ["error", "problems"]);
        let error = result["error"].as_str().unwrap();
        assert!(error.starts_with("invalid settings: "), "{error}");
        let problems: Vec<&str> = result["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(problems.len(), 4, "{problems:?}");
        for key in ["`minReplicas`", "`antiAffinity`", "`rules`", "`minReplica`"] {
            assert!(problems.iter().any(|p| p.starts_with(key)), "{key} in {problems:?}");
        }
        assert!(error.contains("minReplicas"), "{error}");
        assert!(error.contains("did you mean"), "{error}");
    }

    #[test]
    fn settings_that_are_not_a_map_are_an_error() {
        for text in [
            "[1, 2]",
            "42",
            "\"minReplicas\"",
            "- a\n- b\n",
            "a: 1\n---\nb: 2\n",
            "{unclosed",
        ] {
            let result = lint_with_settings_text("", text);
            assert!(
                result["error"].as_str().is_some_and(|e| e.contains("settings")),
                "{text}: {result}"
            );
            assert!(result.get("findings").is_none());
        }
    }

    #[test]
    fn catalogue_lists_every_rule_with_its_examples() {
        let rules = rules_json();
        let rules = rules.as_array().unwrap();
        assert_eq!(rules.len(), RULES.len());
        for (json, rule) in rules.iter().zip(RULES) {
            assert_eq!(json["id"], rule.id);
            assert_eq!(json["severity"], rule.severity.as_str());
            assert_eq!(json["summary"], rule.summary);
            assert_eq!(json["doc"], rule.doc);
            assert_eq!(json["badExample"], rule.bad_example);
            assert_eq!(json["goodExample"], rule.good_example);
        }
        assert!(rules.iter().any(|r| r["id"] == "min-replicas"));
    }

    #[test]
    fn default_settings_round_trip() {
        let defaults = default_settings_json();
        assert_eq!(defaults["minReplicas"], 2);
        assert_eq!(defaults["topologyKey"], "kubernetes.io/hostname");
        // Spelled out, the defaults are the same settings as none given.
        let spelled_out = Settings::from_json(&defaults).unwrap();
        assert_eq!(spelled_out.to_full_json(), defaults);
        assert_eq!(
            lint_text(PROMETHEUS_ONE_REPLICA, &spelled_out),
            lint_text(PROMETHEUS_ONE_REPLICA, &Settings::default())
        );
    }

    #[test]
    fn every_rule_example_behaves_as_documented() {
        for rule in RULES {
            let bad = lint_text(rule.bad_example, &Settings::default());
            assert!(rule_ids(&bad).contains(&rule.id), "{} bad example: {bad}", rule.id);
            let good = lint_text(rule.good_example, &Settings::default());
            assert!(!rule_ids(&good).contains(&rule.id), "{} good example: {good}", rule.id);
        }
    }

    /// The page lints every keystroke: each prefix of a text, and texts with
    /// characters swapped for YAML's punctuation, must give a report.
    #[test]
    fn mangled_and_partial_texts_never_panic() {
        let punctuation = [
            ":", "-", "{", "[", "\"", "'", "&a", "*a", "!", "|", ">", "\t", "\n", "#", "---\n",
        ];
        for rule in RULES {
            for text in [rule.bad_example, rule.good_example] {
                let cuts: Vec<usize> = (0..text.len())
                    .step_by(23)
                    .filter(|i| text.is_char_boundary(*i))
                    .collect();
                for (n, &cut) in cuts.iter().enumerate() {
                    let report = lint_text(&text[..cut], &Settings::default());
                    assert!(report["summary"].is_object());
                    let insert = punctuation[n % punctuation.len()];
                    let mangled = format!("{}{insert}{}", &text[..cut], &text[cut..]);
                    let report = lint_text(&mangled, &Settings::default());
                    assert!(report["summary"].is_object());
                }
            }
        }
    }
}
