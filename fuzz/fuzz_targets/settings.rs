//! The settings parser, as policy-server sends settings (JSON) and as the
//! CLI reads `.promha.yaml` (YAML, through promha's reader). Nothing may
//! panic; settings that parse must be usable by a check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promha_core::{CheckOptions, Settings, Source};

fuzz_target!(|data: &[u8]| {
    let from_json = promha_policy::admission::parse_settings(data);
    let from_yaml = std::str::from_utf8(data)
        .ok()
        .and_then(|text| promha_core::yaml_to_json(text).ok())
        .and_then(|documents| documents.into_iter().next())
        .map(|value| Settings::from_json(&value));
    for settings in [from_json.ok(), from_yaml.and_then(Result::ok)].into_iter().flatten() {
        let example = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: monitoring}\nspec: {replicas: 1}\n";
        promha_core::lint(&[Source::text("s.yaml", example)], &settings, &CheckOptions::default());
    }
});
