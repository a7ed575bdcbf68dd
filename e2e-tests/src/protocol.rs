//! Shape checks for the answers of a Kubewarden policy.
//!
//! These are a little stricter than policy-server: a rejection (or invalid
//! settings) must come with a non-empty message, because promha promises
//! users an explanation for every refusal.

use anyhow::{Result, bail};
use serde_json::Value;

/// Check a `validate_settings` answer: `{"valid": bool, "message"?: str}`;
/// `valid: false` needs a non-empty message.
pub fn check_settings_response(v: &Value) -> Result<()> {
    let Some(map) = v.as_object() else {
        bail!("settings validation answer is not a JSON object: {v}");
    };
    let Some(valid) = map.get("valid").and_then(Value::as_bool) else {
        bail!("settings validation answer has no boolean \"valid\": {v}");
    };
    let message = optional_string(v, "message")?;
    if !valid && message.is_none_or(|m| m.trim().is_empty()) {
        bail!("settings rejected without a message: {v}");
    }
    Ok(())
}

/// Check a `validate` answer (Kubewarden ValidationResponse):
/// `{"accepted": bool, "message"?: str, "code"?: int, "warnings"?: [str],
/// "mutated_object"?: any, "audit_annotations"?: {str: str}}`; a rejection
/// needs a non-empty message.
pub fn check_validation_response(v: &Value) -> Result<()> {
    let Some(map) = v.as_object() else {
        bail!("validation answer is not a JSON object: {v}");
    };
    let Some(accepted) = map.get("accepted").and_then(Value::as_bool) else {
        bail!("validation answer has no boolean \"accepted\": {v}");
    };
    let message = optional_string(v, "message")?;
    if !accepted && message.is_none_or(|m| m.trim().is_empty()) {
        bail!("request rejected without a message: {v}");
    }
    match map.get("code") {
        None | Some(Value::Null) => {}
        Some(c) if c.as_u64().is_some_and(|c| c <= u64::from(u16::MAX)) => {}
        Some(c) => bail!("\"code\" must be a small non-negative integer, got {c}"),
    }
    match map.get("warnings") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
        Some(w) => bail!("\"warnings\" must be a list of strings, got {w}"),
    }
    match map.get("audit_annotations") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) if m.values().all(Value::is_string) => {}
        Some(a) => bail!("\"audit_annotations\" must map strings to strings, got {a}"),
    }
    Ok(())
}

fn optional_string<'a>(v: &'a Value, key: &str) -> Result<Option<&'a str>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => bail!("{key:?} must be a string, got {other}"),
    }
}

/// The warnings of a ValidationResponse (empty when absent).
pub fn warnings(response: &Value) -> Vec<&str> {
    response
        .get("warnings")
        .and_then(Value::as_array)
        .map(|w| w.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The message of a ValidationResponse (empty when absent).
pub fn message(response: &Value) -> &str {
    response.get("message").and_then(Value::as_str).unwrap_or("")
}

/// The rule id a finding line starts with (`"min-replicas: text"` →
/// `Some("min-replicas")`): the text before the first `": "`, when it looks
/// like a rule id (lower-case letters, digits and dashes).
pub fn rule_id(line: &str) -> Option<&str> {
    let (id, _) = line.split_once(": ")?;
    let looks_like_id = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    looks_like_id.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_answers() {
        assert!(check_settings_response(&json!({"valid": true})).is_ok());
        assert!(check_settings_response(&json!({"valid": false, "message": "bad"})).is_ok());
        assert!(check_settings_response(&json!({"valid": false})).is_err());
        assert!(check_settings_response(&json!({"valid": false, "message": " "})).is_err());
        assert!(check_settings_response(&json!({"valid": "yes"})).is_err());
        assert!(check_settings_response(&json!({"valid": true, "message": 3})).is_err());
        assert!(check_settings_response(&json!([true])).is_err());
    }

    #[test]
    fn validation_answers() {
        assert!(check_validation_response(&json!({"accepted": true})).is_ok());
        assert!(check_validation_response(&json!({"accepted": true, "warnings": ["a: b"]})).is_ok());
        assert!(check_validation_response(&json!({"accepted": false, "message": "x", "code": 400})).is_ok());
        assert!(check_validation_response(&json!({"accepted": false})).is_err());
        assert!(check_validation_response(&json!({"accepted": false, "message": ""})).is_err());
        assert!(check_validation_response(&json!({"accepted": true, "warnings": [1]})).is_err());
        assert!(check_validation_response(&json!({"accepted": true, "warnings": "w"})).is_err());
        assert!(check_validation_response(&json!({"accepted": true, "code": -1})).is_err());
        assert!(check_validation_response(&json!({"accepted": 1})).is_err());
        assert!(check_validation_response(&json!("accepted")).is_err());
    }

    #[test]
    fn rule_ids() {
        assert_eq!(rule_id("min-replicas: spec.replicas is 1"), Some("min-replicas"));
        assert_eq!(rule_id("Min-replicas: x"), None);
        assert_eq!(rule_id("no separator"), None);
        assert_eq!(rule_id("two words: x"), None);
        assert_eq!(warnings(&json!({"warnings": ["a: b", "c: d"]})), ["a: b", "c: d"]);
        assert!(warnings(&json!({})).is_empty());
        assert_eq!(message(&json!({"message": "m"})), "m");
    }
}
