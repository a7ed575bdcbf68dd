//! Settings: `--config FILE` or the nearest `.promha.yaml` upward from the
//! working directory, then `--rule` overrides. The same schema and parser as
//! the admission policy's settings (`Settings::from_yaml`).

use std::fs::File;
use std::path::{Path, PathBuf};

use promha_core::Settings;

use crate::collect::{display, read_bounded};

pub const CONFIG_FILE: &str = ".promha.yaml";

/// The nearest `.promha.yaml` in `start` or one of its parents.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(CONFIG_FILE))
        .find(|candidate| candidate.is_file())
}

/// Reads settings from a file; errors name the file and the problem.
pub fn load(path: &Path) -> Result<Settings, String> {
    let shown = display(path);
    let mut file = File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!("{shown}: config file not found")
        } else {
            format!("{shown}: cannot read config file: {e}")
        }
    })?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(format!("{shown}: is a directory, not a config file"));
    }
    let size = file.metadata().ok().map(|m| m.len());
    let bytes = read_bounded(&mut file, &shown, size)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{shown}: the config file is not UTF-8 text (at byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Settings::from_yaml(text).map_err(|e| format!("{shown}: {e}"))
}

/// Applies `--rule id=level` overrides.
pub fn apply_rule_overrides(settings: &mut Settings, overrides: &[String]) -> Result<(), String> {
    for given in overrides {
        let Some((id, level)) = given.split_once('=') else {
            return Err(format!(
                "--rule {given}: expected RULE=LEVEL, e.g. --rule pod-disruption-budget=off"
            ));
        };
        settings
            .set_level(id.trim(), level.trim())
            .map_err(|e| format!("--rule {given}: {}", e.problems.join("; ")))?;
    }
    Ok(())
}
