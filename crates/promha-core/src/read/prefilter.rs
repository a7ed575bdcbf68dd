//! Which documents of a YAML stream can matter to a rule, decided from
//! their text before parsing them.
//!
//! Rendered manifests are mostly Deployments, ConfigMaps and other objects
//! no rule reads, and YAML parsing is nearly all of a lint's time. A
//! document that is plainly a Kubernetes object of such a kind (one
//! top-level `kind:` line naming it) is not parsed at all; anything else —
//! including text that is not a Kubernetes object, or not valid YAML — is
//! parsed as usual, so broken files are still reported.

use super::scan::looks_well_formed;
use super::split::{is_marker, line_starts_with};

/// What the enabled rules read, as the prefilter needs to know it: which
/// documents to parse. Built from the rules' declarations by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Interest {
    /// Kinds parsed whatever they hold (`…List` kinds always are: they may hold anything).
    pub kinds: Vec<String>,
    /// Deployments and StatefulSets are parsed only when a container image
    /// may be one of these (the last segment of the image's repository).
    pub workload_images: Vec<String>,
    /// ConfigMaps are parsed only when their text holds one of these words
    /// (the keys a Prometheus config would have); empty: never.
    pub config_words: Vec<String>,
    /// Any object is parsed when its text holds one of these (promha's own
    /// annotation, which must be checked wherever it is written).
    pub any_kind_words: Vec<String>,
}

/// What to do with a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Triage {
    /// It may matter: parse it.
    Read,
    /// A Kubernetes object no rule reads.
    Skip,
    /// Nothing but blank lines and comments.
    Empty,
}

/// Whether a document can matter to a rule.
pub fn triage(text: &str, interest: &Interest) -> Triage {
    let mut kinds = line_starts_with(text, "kind:");
    let Some(first) = kinds.next() else {
        return if has_content(text) { Triage::Read } else { Triage::Empty };
    };
    if kinds.next().is_some() {
        return Triage::Read; // Not a plain object: let the parser judge.
    }
    let value = &text[first + "kind:".len()..];
    let kind = scalar(value.split('\n').next().unwrap_or(value));
    if !is_kind_name(kind) {
        return Triage::Read; // Not a plain object: let the parser judge.
    }
    let mentioned = interest.any_kind_words.iter().any(|word| text.contains(word.as_str()));
    let read = mentioned
        || match kind {
            "Deployment" | "StatefulSet" => runs_image(text, &interest.workload_images),
            "ConfigMap" => interest.config_words.iter().any(|word| text.contains(word.as_str())),
            k => k.ends_with("List") || interest.kinds.iter().any(|wanted| wanted == k),
        };
    // A document is skipped only when it is plainly well formed: a broken one
    // is parsed, so that its error is reported.
    if read || !looks_well_formed(text) {
        Triage::Read
    } else {
        Triage::Skip
    }
}

/// Anything but blank lines, comments and document markers.
fn has_content(text: &str) -> bool {
    text.lines().any(|line| {
        let trimmed = line.trim();
        !(trimmed.is_empty() || trimmed.starts_with('#') || is_marker(line, "---") || is_marker(line, "..."))
    })
}

/// A Kubernetes kind: an upper-case letter, then letters and digits.
fn is_kind_name(kind: &str) -> bool {
    kind.starts_with(|c: char| c.is_ascii_uppercase()) && kind.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A plain scalar value as written after `key:`, without quotes or comment.
fn scalar(value: &str) -> &str {
    let value = value.split(" #").next().unwrap_or(value).trim();
    value.trim_matches(|c| c == '"' || c == '\'')
}

/// Whether any container image may be one of `images`: named on an `image`
/// line, or an `image:` whose value is not on its line (a block scalar, an
/// alias, the next line), which only a parser can tell.
fn runs_image(text: &str, images: &[String]) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), b"image").any(|i| {
        let rest = &text[i..];
        let line = rest.split('\n').next().unwrap_or(rest);
        let names_watched = images.iter().any(|name| line.contains(name.as_str()));
        let value_elsewhere = line["image".len()..]
            .trim_start_matches(['"', '\''])
            .strip_prefix(':')
            .map(scalar)
            .is_some_and(|value| value.is_empty() || value.starts_with(['|', '>', '&', '*', '!']));
        names_watched || value_elsewhere
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What promha's rules read today (the registry builds the real one).
    fn all() -> Interest {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect();
        Interest {
            kinds: words(&[
                "Prometheus",
                "PrometheusAgent",
                "Alertmanager",
                "ThanosRuler",
                "Service",
                "PodDisruptionBudget",
                "Secret",
            ]),
            workload_images: words(&["prometheus", "alertmanager", "thanos"]),
            config_words: words(&["scrape_configs", "global:", "alerting:", "rule_files", "remote_write"]),
            any_kind_words: Vec::new(),
        }
    }

    fn with_kind(kind: &str) -> Interest {
        let mut interest = all();
        interest.kinds.push(kind.to_string());
        interest
    }

    #[test]
    fn nothing_of_interest_skips_workloads_and_config_maps() {
        let prometheus = "apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  template:\n    spec:\n      containers:\n      - {name: p, image: prom/prometheus}\n";
        assert_eq!(triage(prometheus, &Interest::default()), Triage::Skip);
        assert_eq!(triage(prometheus, &all()), Triage::Read);
        let config = "kind: ConfigMap\ndata:\n  p.yml: |\n    scrape_configs: []\n";
        assert_eq!(triage(config, &Interest::default()), Triage::Skip);
        assert_eq!(triage("kind: Service\n", &Interest::default()), Triage::Skip);
        assert_eq!(
            triage("kind: ServiceList\nitems: []\n", &Interest::default()),
            Triage::Read
        );
    }

    /// A kind written in quotes is the same kind.
    #[test]
    fn quoted_kinds_are_kinds() {
        for kind in ["\"Alertmanager\"", "'Alertmanager'"] {
            let text = format!("apiVersion: monitoring.coreos.com/v1\nkind: {kind}\nspec: {{replicas: 1}}\n");
            assert_eq!(triage(&text, &Interest::default()), Triage::Skip, "{kind}");
            assert_eq!(triage(&text, &with_kind("Alertmanager")), Triage::Read, "{kind}");
        }
    }

    #[test]
    fn unwatched_objects_are_skipped() {
        let nginx = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    prometheus.io/scrape: 'true'\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";
        assert_eq!(triage(nginx, &all()), Triage::Skip);
        let prometheus = nginx.replace("nginx:1.27", "quay.io/prometheus/prometheus:v3.1.0");
        assert_eq!(triage(&prometheus, &all()), Triage::Read);
        let query = nginx.replace("image: nginx:1.27", "image: \"quay.io/thanos/thanos:v0.37.2\"");
        assert_eq!(triage(&query, &all()), Triage::Read);
        assert_eq!(
            triage("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n", &all()),
            Triage::Skip
        );
        assert_eq!(
            triage("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n", &all()),
            Triage::Skip
        );
        assert_eq!(
            triage("kind: ConfigMap\ndata:\n  p.yml: |\n    scrape_configs: []\n", &all()),
            Triage::Read
        );
    }

    #[test]
    fn what_rules_read_is_read() {
        for kind in [
            "Prometheus",
            "Service",
            "PodDisruptionBudget",
            "Secret",
            "List",
            "PrometheusList",
            "\"Service\"",
        ] {
            assert_eq!(
                triage(&format!("apiVersion: v1\nkind: {kind} # x\n"), &all()),
                Triage::Read,
                "{kind}"
            );
        }
        assert_eq!(
            triage("apiVersion: example.com/v1\nkind: Widget\n", &all()),
            Triage::Skip
        );
        assert_eq!(
            triage("apiVersion: example.com/v1\nkind: Widget\n", &with_kind("Widget")),
            Triage::Read
        );
    }

    #[test]
    fn anything_unusual_is_read() {
        assert_eq!(triage("{\"kind\": \"Namespace\"}", &all()), Triage::Read, "JSON");
        assert_eq!(
            triage("global:\n  scrape_interval: 1m\n", &all()),
            Triage::Read,
            "no kind"
        );
        assert_eq!(
            triage("kind: Namespace\nkind: Service\n", &all()),
            Triage::Read,
            "two kinds"
        );
        assert_eq!(triage("a: [1, 2\n", &all()), Triage::Read, "broken YAML");
        assert_eq!(triage("kind:\n", &all()), Triage::Read, "empty kind");
        assert_eq!(
            triage("kind: [unclosed\n  - x: {", &all()),
            Triage::Read,
            "not a kind name"
        );
        assert_eq!(triage("kind: namespace\n", &all()), Triage::Read, "not a kind name");
        assert_eq!(triage("# only a comment\n---\n\n", &all()), Triage::Empty);
    }

    #[test]
    fn broken_documents_of_skipped_kinds_are_read() {
        let ok = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";
        assert_eq!(triage(ok, &all()), Triage::Skip);
        for broken in [
            "apiVersion: apps/v1\nkind: Deployment\n spec: [\n",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: y\n",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: 'y\n",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n    name: y\n  labels: {}\n",
            "apiVersion: v1\nkind: Namespace\nmetadata: x\n  name: y\n",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n\tname: y\n",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a: b\n",
            "apiVersion: v1\nkind: Namespace\nmetadata: &m\n  name: y\n",
            "apiVersion: v1\nkind: Namespace\nlabels\n",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: 'y\n  labels: {}\n",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: 'y\n    z' tail\n",
        ] {
            assert_eq!(triage(broken, &all()), Triage::Read, "{broken:?}");
        }
    }

    #[test]
    fn an_image_written_off_its_line_is_read() {
        let deployment = |image: &str| {
            format!(
                "apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  template:\n    spec:\n      containers:\n      - name: am\n        image:{image}\n"
            )
        };
        assert_eq!(triage(&deployment(" nginx"), &all()), Triage::Skip);
        for image in [
            "\n          quay.io/prometheus/alertmanager:v0.27.0",
            " >-\n          quay.io/x/y",
            " *img",
        ] {
            assert_eq!(triage(&deployment(image), &all()), Triage::Read, "{image:?}");
        }
    }
}
