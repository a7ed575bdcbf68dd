//! The YAML reader and every rule on arbitrary text, as the CLI and the web
//! page lint it (unknown fields reported too). Nothing may panic, and
//! every document that cannot be read is reported.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promha_core::{CheckOptions, Settings, Source};

fuzz_target!(|data: &[u8]| {
    let options = CheckOptions {
        unknown_fields: true,
        ..CheckOptions::default()
    };
    let report = promha_core::lint(&[Source::new("fuzz.yaml", data)], &Settings::default(), &options);
    if std::str::from_utf8(data).is_err() {
        assert!(
            report.findings.iter().any(|f| f.rule == "invalid-resource"),
            "text that is not UTF-8 is reported"
        );
    }
});
