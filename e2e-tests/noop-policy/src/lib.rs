//! A Kubewarden policy that accepts every request: the baseline promha's
//! admission cost is measured against (`make bench`). It does what the SDK's
//! policy template does before its own checks: reads the request and its
//! settings into the SDK's types, and answers.

use kubewarden_policy_sdk::request::ValidationRequest;
use kubewarden_policy_sdk::settings::Validatable;
use kubewarden_policy_sdk::{accept_request, protocol_version_guest, validate_settings};
use serde::Deserialize;
use wapc_guest::prelude::*;

/// Any settings are accepted, and none is read.
#[derive(Debug, Default, Deserialize)]
struct Settings {}

impl Validatable for Settings {
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    register_function("validate", validate);
    register_function("validate_settings", validate_settings::<Settings>);
    register_function("protocol_version", protocol_version_guest);
}

fn validate(payload: &[u8]) -> CallResult {
    let _request: ValidationRequest<Settings> = ValidationRequest::new(payload)?;
    accept_request()
}
