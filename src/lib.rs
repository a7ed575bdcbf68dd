//! promha's Kubewarden policy: the waPC entry points. Requests are turned
//! into documents, checked by promha-core together with the related objects
//! looked up in the cluster, and the findings turned into a response.

// Public so that the admission path can be driven natively (the fuzz
// targets call `admission::validate` with a fake cluster).
pub mod admission;
pub mod cluster;

use kubewarden_policy_sdk::protocol_version_guest;
use kubewarden_policy_sdk::settings::SettingsValidationResponse;
use wapc_guest::prelude::*;

#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    register_function("validate", validate);
    register_function("validate_settings", validate_settings);
    register_function("protocol_version", protocol_version_guest);
}

fn validate(payload: &[u8]) -> CallResult {
    let response = admission::validate(payload, &cluster::HostCluster);
    Ok(serde_json::to_vec(&response)?)
}

fn validate_settings(payload: &[u8]) -> CallResult {
    let response = match admission::parse_settings(payload) {
        Ok(_) => SettingsValidationResponse {
            valid: true,
            message: None,
        },
        Err(message) => SettingsValidationResponse {
            valid: false,
            message: Some(message),
        },
    };
    Ok(serde_json::to_vec(&response)?)
}
