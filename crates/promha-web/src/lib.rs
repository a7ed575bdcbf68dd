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
//!   `lint(text, settings, {edits: true})` adds to each finding its `edits`
//!   (see [`edits_json`]): the page offers "Apply fix" for those with some.
//! - `fixAll(text, settings)` and `fixFinding(text, settings, which)`: see
//!   [`fix_all`] and [`fix_one`].
//! - `rules()`: `[{id, severity, summary, doc, badExample, goodExample}]`.
//! - `defaultSettings()`: the settings object with every default filled in.
//! - `version()`: this crate's version.
//!
//! Everything but the thin `#[wasm_bindgen]` layer is plain Rust, tested natively.

use promha_core::{CheckOptions, Edit, Finding, Report, Settings, SettingsError, Source, Step};
use serde_json::{Value as Json, json};
use wasm_bindgen::prelude::*;

/// The file name findings carry: the page holds one text, checked as if it
/// were a file of this name (`promha lint input.yaml` reports the same).
pub const INPUT_FILE: &str = "input.yaml";

/// What the CLI's `promha lint` and `promha fix` check with: unknown fields
/// are reported, no CRDs are given.
fn options() -> CheckOptions {
    CheckOptions {
        unknown_fields: true,
        ..CheckOptions::default()
    }
}

/// Checks one text the way `promha lint --format json` checks a file named
/// [`INPUT_FILE`].
pub fn lint_text(text: &str, settings: &Settings) -> Json {
    let sources = [Source::text(INPUT_FILE, text)];
    promha_core::lint(&sources, settings, &options()).to_json()
}

/// [`lint_text`] with each finding's `edits` ([`edits_json`]): an empty list
/// when promha is not certain of a change, so the fix is the user's choice.
pub fn lint_text_with_edits(text: &str, settings: &Settings) -> Json {
    let sources = [Source::text(INPUT_FILE, text)];
    report_json(&promha_core::lint(&sources, settings, &options()))
}

/// A report as the CLI prints it, each finding with its `edits`.
fn report_json(report: &Report) -> Json {
    let mut json = report.to_json();
    if let Some(Json::Array(findings)) = json.get_mut("findings") {
        for (json, finding) in findings.iter_mut().zip(&report.findings) {
            add_edits(json, finding);
        }
    }
    json
}

/// Findings in the report's form, each with its `edits`.
fn findings_json(findings: &[Finding]) -> Vec<Json> {
    let report = Report {
        findings: findings.to_vec(),
        ..Report::default()
    };
    match report_json(&report).get_mut("findings").map(Json::take) {
        Some(Json::Array(findings)) => findings,
        _ => Vec::new(),
    }
}

fn add_edits(json: &mut Json, finding: &Finding) {
    if let Json::Object(map) = json {
        map.insert("edits".to_string(), edits_json(&finding.edits));
    }
}

/// A finding's edits, as the page sees them:
///
/// ```text
/// {"op": "set",         "within": null | "<data key>", "path": ["spec", "replicas"], "value": 2}
/// {"op": "remove",      "within": …, "path": […]}
/// {"op": "append",      "within": …, "path": […], "items": [<value>, …]}
/// {"op": "addDocument", "value": {…}}
/// ```
///
/// `path` holds map keys (strings) and list indexes (numbers), from the
/// document's root, or from the root of the Prometheus config held in the
/// document's `data[within]`. Values are JSON.
pub fn edits_json(edits: &[Edit]) -> Json {
    let value = |text: &str| serde_json::from_str::<Json>(text).unwrap_or_else(|_| Json::String(text.to_string()));
    let path = |path: &promha_core::FieldPath| {
        let steps: Vec<Json> = path
            .steps
            .iter()
            .map(|step| match step {
                Step::Key(key) => json!(key),
                Step::Index(index) => json!(index),
            })
            .collect();
        (json!(path.within), Json::Array(steps))
    };
    edits
        .iter()
        .map(|edit| match edit {
            Edit::Set { path: p, value: v } => {
                let (within, steps) = path(p);
                json!({"op": "set", "within": within, "path": steps, "value": value(v)})
            }
            Edit::Remove { path: p } => {
                let (within, steps) = path(p);
                json!({"op": "remove", "within": within, "path": steps})
            }
            Edit::Append { path: p, items } => {
                let (within, steps) = path(p);
                let items: Vec<Json> = items.iter().map(|i| value(i)).collect();
                json!({"op": "append", "within": within, "path": steps, "items": items})
            }
            Edit::AddDocument { value: v } => json!({"op": "addDocument", "value": value(v)}),
        })
        .collect()
}

/// Which finding [`fix_one`] fixes.
#[derive(Clone, Debug, PartialEq)]
pub enum Which {
    /// Its index among the findings `lint(text, settings)` reports.
    Index(usize),
    /// The finding as `lint` reported it (its `edits` may be there or not):
    /// the one reported for the text with the same fields.
    Finding(Json),
}

/// `promha fix` of one text (the CLI's `promha fix --stdin-filename
/// input.yaml -` gives the same `after`). Returns
///
/// ```text
/// {
///   "after":  the fixed text (the text itself when nothing was fixed),
///   "diff":   the unified diff from the text to it ("" when they are the same),
///   "fixed":  [finding, …]               findings the edits made go away,
///   "left":   [{"finding", "reason"}, …] findings with edits not applied, and why,
///   "report": the lint of "after", as lint(after, settings, {edits: true})
/// }
/// ```
///
/// Findings are in the report's form, each with its `edits`. A byte order
/// mark the text starts with is kept in `after` (the diff is of the text
/// after it).
pub fn fix_all(text: &str, settings: &Settings) -> Json {
    let sources = [Source::text(INPUT_FILE, text)];
    fix_json(text, &promha_core::fix(&sources, settings, &options()))
}

/// [`fix_all`] for one finding: only its edits are applied, verified as
/// `promha fix` verifies them. `left` holds it, with the reason, when it is
/// not fixed (no edits, refused, or still reported afterwards), and nothing
/// else. A `which` that names no finding of the text gives `{error, problems}`.
pub fn fix_one(text: &str, settings: &Settings, which: &Which) -> Json {
    let sources = [Source::text(INPUT_FILE, text)];
    let report = promha_core::lint(&sources, settings, &options());
    let finding = match which {
        Which::Index(index) => report.findings.get(*index).ok_or_else(|| {
            format!(
                "there is no finding {index}: the text has {} (counted from 0)",
                report.findings.len()
            )
        }),
        Which::Finding(wanted) => {
            let fields = |json: &Json| {
                let mut json = json.clone();
                if let Json::Object(map) = &mut json {
                    map.shift_remove("edits");
                }
                json
            };
            let wanted = fields(wanted);
            let candidates = report_json(&report);
            let candidates = candidates["findings"].as_array().cloned().unwrap_or_default();
            candidates
                .iter()
                .position(|c| fields(c) == wanted)
                .and_then(|i| report.findings.get(i))
                .ok_or_else(|| {
                    "that finding is not reported for this text (the text or the settings changed since it was checked)"
                        .to_string()
                })
        }
    };
    match finding {
        Ok(finding) => fix_json(text, &promha_core::fix_finding(&sources, settings, &options(), finding)),
        Err(message) => input_error_json(message),
    }
}

fn fix_json(text: &str, outcome: &promha_core::FixOutcome) -> Json {
    let bom = if text.starts_with('\u{feff}') { "\u{feff}" } else { "" };
    let change = outcome.changes.iter().find(|c| c.file == INPUT_FILE);
    let after = change.map_or_else(|| text.to_string(), |c| format!("{bom}{}", c.after));
    let diff = change.map(promha_core::unified_diff).unwrap_or_default();
    let left: Vec<Json> = outcome
        .left
        .iter()
        .zip(findings_json(
            &outcome.left.iter().map(|l| l.finding.clone()).collect::<Vec<_>>(),
        ))
        .map(|(left, finding)| json!({"finding": finding, "reason": left.reason}))
        .collect();
    json!({
        "after": after,
        "diff": diff,
        "fixed": findings_json(&outcome.fixed),
        "left": left,
        "report": report_json(&outcome.report),
    })
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

fn text_from_js(text: &JsValue, what: &str) -> Result<String, Json> {
    text.as_string()
        .ok_or_else(|| input_error_json(format!("the text to {what} must be a string, got {}", js_type(text))))
}

/// A JavaScript value as JSON (through `JSON.stringify`).
fn json_from_js(value: &JsValue, what: &str) -> Result<Json, Json> {
    let text = json_stringify(value)
        .map_err(|e| input_error_json(format!("{what} cannot be converted to JSON: {}", js_string(&e))))?
        .as_string()
        .ok_or_else(|| input_error_json(format!("{what} cannot be converted to JSON: got {}", js_type(value))))?;
    serde_json::from_str(&text).map_err(|e| input_error_json(format!("{what} cannot be read as JSON: {e}")))
}

/// Whether `lint`'s options ask for the findings' edits.
fn wants_edits(options: &JsValue) -> Result<bool, Json> {
    if options.is_undefined() || options.is_null() {
        return Ok(false);
    }
    let json = json_from_js(options, "lint's options")?;
    let Json::Object(map) = json else {
        return Err(input_error_json(format!(
            "lint's options must be an object such as {{edits: true}}, got {json}"
        )));
    };
    for (key, value) in &map {
        if key != "edits" {
            return Err(input_error_json(format!(
                "lint's options: unknown option `{key}` (there is `edits`)"
            )));
        }
        if !value.is_boolean() {
            return Err(input_error_json(format!(
                "lint's options: `edits` must be true or false, got {value}"
            )));
        }
    }
    Ok(map.get("edits") == Some(&Json::Bool(true)))
}

/// `lint(text, settings, options)`: the CLI's JSON report for `text`, or
/// `{error, problems}` for invalid settings or options or a `text` that is
/// not a string. `options`: `{edits: true}` adds each finding's `edits`.
#[wasm_bindgen]
pub fn lint(text: JsValue, settings: JsValue, options: JsValue) -> JsValue {
    let checked = (|| {
        let text = text_from_js(&text, "check")?;
        let settings = settings_from_js(&settings)?;
        Ok(if wants_edits(&options)? {
            lint_text_with_edits(&text, &settings)
        } else {
            lint_text(&text, &settings)
        })
    })();
    to_js(&checked.unwrap_or_else(|error: Json| error))
}

/// `fixAll(text, settings)`: every fix promha is certain of, applied to
/// `text`: `{after, diff, fixed, left, report}` ([`fix_all`]), or `{error, problems}`.
#[wasm_bindgen(js_name = fixAll)]
pub fn fix_all_js(text: JsValue, settings: JsValue) -> JsValue {
    let fixed = (|| Ok(fix_all(&text_from_js(&text, "fix")?, &settings_from_js(&settings)?)))();
    to_js(&fixed.unwrap_or_else(|error: Json| error))
}

/// `fixFinding(text, settings, which)`: one finding's fix ([`fix_one`]);
/// `which` is the finding's index in `lint(text, settings).findings`, or the
/// finding object itself as `lint` returned it.
#[wasm_bindgen(js_name = fixFinding)]
pub fn fix_finding_js(text: JsValue, settings: JsValue, which: JsValue) -> JsValue {
    let fixed = (|| {
        let text = text_from_js(&text, "fix")?;
        let settings = settings_from_js(&settings)?;
        let which = which_from_js(&which)?;
        Ok(fix_one(&text, &settings, &which))
    })();
    to_js(&fixed.unwrap_or_else(|error: Json| error))
}

fn which_from_js(which: &JsValue) -> Result<Which, Json> {
    if let Some(number) = which.as_f64() {
        if number >= 0.0 && number.fract() == 0.0 && number <= u32::MAX as f64 {
            return Ok(Which::Index(number as usize));
        }
        return Err(input_error_json(format!(
            "the finding to fix must be an index (a whole number from 0) or a finding, got {number}"
        )));
    }
    if which.is_object() && !which.is_function() {
        let json = json_from_js(which, "the finding to fix")?;
        if json.is_object() {
            return Ok(Which::Finding(json));
        }
    }
    Err(input_error_json(format!(
        "the finding to fix must be an index or a finding object as lint returns it, got {}",
        js_type(which)
    )))
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

    fn broken_prometheus() -> String {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/manifests/broken/prometheus.yaml");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// A finding as the user sees it: what tells it apart in a report.
    fn seen(finding: &Json) -> (String, String, String) {
        (
            finding["rule"].as_str().unwrap().to_string(),
            finding["resource"].to_string(),
            finding["message"].as_str().unwrap().to_string(),
        )
    }

    fn seen_all(report: &Json) -> Vec<(String, String, String)> {
        findings(report).iter().map(seen).collect()
    }

    #[test]
    fn lint_with_edits_is_the_cli_report_plus_each_findings_edits() {
        let text = broken_prometheus();
        let settings = Settings::default();
        let plain = lint_text(&text, &settings);
        let with = lint_text_with_edits(&text, &settings);
        let core = promha_core::lint(&[Source::text(INPUT_FILE, &text)], &settings, &options());
        assert_eq!(findings(&with).len(), core.findings.len());
        let mut fixable = 0;
        for ((json, plain), finding) in findings(&with).iter().zip(findings(&plain)).zip(&core.findings) {
            let mut without = json.clone();
            let edits = without.as_object_mut().unwrap().shift_remove("edits").expect("edits");
            assert_eq!(&without, plain);
            let edits = edits.as_array().unwrap();
            assert_eq!(edits.len(), finding.edits.len());
            fixable += usize::from(!edits.is_empty());
            for (edit, core) in edits.iter().zip(&finding.edits) {
                let mut keys: Vec<&str> = edit.as_object().unwrap().keys().map(String::as_str).collect();
                keys.sort();
                let (op, want): (&str, &[&str]) = match core {
                    Edit::Set { .. } => ("set", &["op", "path", "value", "within"]),
                    Edit::Remove { .. } => ("remove", &["op", "path", "within"]),
                    Edit::Append { .. } => ("append", &["items", "op", "path", "within"]),
                    Edit::AddDocument { .. } => ("addDocument", &["op", "value"]),
                };
                assert_eq!(edit["op"], op);
                assert_eq!(keys, want);
                if let Edit::Set { path, value } = core {
                    assert_eq!(edit["value"], serde_json::from_str::<Json>(value).unwrap());
                    assert_eq!(edit["path"].as_array().unwrap().len(), path.steps.len());
                }
            }
        }
        assert!(fixable >= 2, "{with}");
        assert_eq!(with["summary"], plain["summary"]);
    }

    #[test]
    fn fix_all_gives_the_cores_fixed_text_and_its_diff() {
        let text = broken_prometheus();
        let settings = Settings::default();
        let result = fix_all(&text, &settings);
        let mut keys: Vec<&String> = result.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["after", "diff", "fixed", "left", "report"]);
        let outcome = promha_core::fix(&[Source::text(INPUT_FILE, &text)], &settings, &options());
        let change = &outcome.changes[0];
        let after = result["after"].as_str().unwrap();
        assert_eq!(after, change.after);
        assert_ne!(after, text);
        let diff = result["diff"].as_str().unwrap();
        assert_eq!(diff, promha_core::unified_diff(change));
        assert!(diff.starts_with("--- a/input.yaml\n+++ b/input.yaml\n@@ "), "{diff}");
        // The diff's lines are the texts' lines: removed ones from the text, added ones from the fix.
        let (old, new): (Vec<&str>, Vec<&str>) = (text.lines().collect(), after.lines().collect());
        for line in diff.lines().skip(2) {
            match line.split_at(1) {
                ("-", rest) => assert!(old.contains(&rest), "{line}"),
                ("+", rest) => assert!(new.contains(&rest), "{line}"),
                (" ", rest) => assert!(old.contains(&rest) && new.contains(&rest), "{line}"),
                _ => assert!(line.starts_with("@@ "), "{line}"),
            }
        }
        // What was fixed is reported no more; the report is the lint of the fixed text.
        let fixed = result["fixed"].as_array().unwrap();
        assert!(fixed.len() >= 2, "{result}");
        assert_eq!(fixed.len(), outcome.fixed.len());
        let relint = lint_text_with_edits(after, &settings);
        assert_eq!(result["report"], relint);
        let remaining = seen_all(&relint);
        for finding in fixed {
            assert!(!remaining.contains(&seen(finding)), "{finding} is still reported");
            assert!(!finding["edits"].as_array().unwrap().is_empty());
        }
        for left in result["left"].as_array().unwrap() {
            assert!(left["reason"].as_str().is_some_and(|r| !r.is_empty()), "{left}");
            assert!(remaining.contains(&seen(&left["finding"])), "{left}");
        }
        // Fixed once, nothing is left to fix.
        let again = fix_all(after, &settings);
        assert_eq!(again["after"], after);
        assert_eq!(again["diff"], "");
        assert_eq!(again["fixed"], json!([]));
    }

    #[test]
    fn fix_one_fixes_that_finding_only() {
        let text = broken_prometheus();
        let settings = Settings::default();
        let report = lint_text_with_edits(&text, &settings);
        let all = fix_all(&text, &settings);
        let mut applied = 0;
        for (index, finding) in findings(&report).iter().enumerate() {
            let by_index = fix_one(&text, &settings, &Which::Index(index));
            let by_object = fix_one(&text, &settings, &Which::Finding(finding.clone()));
            assert_eq!(by_index, by_object, "{finding}");
            // Without its edits, as lint without options returns it.
            let mut plain = finding.clone();
            plain.as_object_mut().unwrap().shift_remove("edits");
            assert_eq!(fix_one(&text, &settings, &Which::Finding(plain)), by_index);
            let after = by_index["after"].as_str().unwrap();
            let left = by_index["left"].as_array().unwrap();
            if finding["edits"].as_array().unwrap().is_empty() || !left.is_empty() {
                assert_eq!(after, text, "{finding}: not fixed, not changed");
                assert_eq!(by_index["diff"], "");
                assert_eq!(left.len(), 1, "{by_index}");
                assert_eq!(seen(&left[0]["finding"]), seen(finding));
                assert!(left[0]["reason"].as_str().is_some_and(|r| !r.is_empty()));
                continue;
            }
            applied += 1;
            let remaining = seen_all(&lint_text(after, &settings));
            assert!(!remaining.contains(&seen(finding)), "{finding} still reported");
            assert!(
                by_index["fixed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| seen(f) == seen(finding))
            );
            // Every other finding is still there, unless its own fix was made with it.
            for other in findings(&report).iter().filter(|o| seen(o) != seen(finding)) {
                let gone = !remaining.contains(&seen(other));
                let counted = by_index["fixed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| seen(f) == seen(other));
                assert_eq!(gone, counted, "{other} after fixing {finding}");
            }
            assert_ne!(by_index["after"], all["after"], "one fix is not all of them");
            assert!(by_index["diff"].as_str().unwrap().lines().count() < all["diff"].as_str().unwrap().lines().count());
        }
        assert!(applied >= 2, "{applied} findings fixed one at a time");
    }

    #[test]
    fn fix_one_refuses_what_names_no_finding_of_the_text() {
        let text = broken_prometheus();
        let settings = Settings::default();
        let count = findings(&lint_text(&text, &settings)).len();
        let out_of_range = fix_one(&text, &settings, &Which::Index(count));
        assert!(
            out_of_range["error"]
                .as_str()
                .unwrap()
                .contains(&format!("the text has {count}")),
            "{out_of_range}"
        );
        let mut stale = findings(&lint_text(&text, &settings))[0].clone();
        stale["line"] = json!(999);
        let result = fix_one(&text, &settings, &Which::Finding(stale));
        assert!(
            result["error"].as_str().unwrap().contains("not reported for this text"),
            "{result}"
        );
        assert_eq!(result.as_object().unwrap().len(), 2);
        assert!(fix_one("", &settings, &Which::Index(0))["error"].is_string());
    }

    #[test]
    fn fixing_keeps_a_byte_order_mark_and_an_unfixable_text() {
        let text = broken_prometheus();
        let settings = Settings::default();
        let plain = fix_all(&text, &settings);
        let marked = fix_all(&format!("\u{feff}{text}"), &settings);
        assert_eq!(
            marked["after"].as_str().unwrap(),
            format!("\u{feff}{}", plain["after"].as_str().unwrap())
        );
        assert_eq!(marked["diff"], plain["diff"]);
        let good = lint_text("", &settings);
        let nothing = fix_all("", &settings);
        assert_eq!(nothing["after"], "");
        assert_eq!(nothing["diff"], "");
        assert_eq!(nothing["report"], good);
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
