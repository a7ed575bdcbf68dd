//! Hostile inputs, generated at test time (none is committed): the one list
//! the CLI's hostile suite (crates/promha/tests/hostile.rs) and the policy's
//! (e2e-tests/tests/hostile.rs) run, each included with `#[path]`. The web
//! page's suite (web/test/hostile.test.mjs) builds the same inputs in
//! JavaScript.
//!
//! Every input must get a clear error or finding within bounded time and
//! memory, never a panic, trap or abort; what is unreadable is reported as
//! `invalid-resource` (and, at admission, rejected).

#![allow(dead_code)]

/// What promha must say about an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// It cannot be read: an `invalid-resource` finding (an error).
    Unreadable,
    /// It can be read and must be reported by this rule.
    Finding(&'static str),
    /// Anything but a panic, a hang or silence about it being wrong: some
    /// finding or an error (see each input's note).
    Answered,
}

pub struct Hostile {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub expect: Expect,
}

fn text(name: &'static str, text: String, expect: Expect) -> Hostile {
    Hostile {
        name,
        bytes: text.into_bytes(),
        expect,
    }
}

/// A Prometheus whose spec is `spec` (a YAML flow or block fragment).
pub fn prometheus_with_spec(spec: &str) -> String {
    format!(
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: k8s\n  namespace: monitoring\nspec: {spec}\n"
    )
}

/// A billion laughs: nine levels of nine aliases each.
pub fn alias_bomb() -> String {
    let mut out = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 9].join(", ");
        out.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    out
}

/// `levels` nested block sequences on one line: `- - - … x`.
pub fn deep_block(levels: usize) -> String {
    format!("{}x\n", "- ".repeat(levels))
}

/// `levels` nested flow sequences: `[[[…]]]`.
pub fn deep_flow(levels: usize) -> String {
    format!("{}{}\n", "[".repeat(levels), "]".repeat(levels))
}

/// One document of at least `bytes` bytes: a Prometheus with one replica
/// and a great many pod annotations.
pub fn big_document(bytes: usize) -> String {
    let mut out = prometheus_with_spec("\n  replicas: 1\n  podMetadata:\n    annotations:");
    let mut i = 0;
    while out.len() < bytes {
        out.push_str(&format!("      note-{i}: \"{}\"\n", "v".repeat(100)));
        i += 1;
    }
    out
}

/// Deterministic pseudo-random bytes (xorshift).
pub fn garbage(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// A ConfigMap whose `prometheus.yml` holds `value`.
pub fn config_map_holding(value: &str) -> String {
    let indented: String = value.lines().map(|l| format!("    {l}\n")).collect();
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prometheus-config\n  namespace: monitoring\ndata:\n  prometheus.yml: |\n{indented}"
    )
}

/// A Secret whose `prometheus.yaml` holds `value`, base64-encoded.
pub fn secret_holding(value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: prometheus-config\n  namespace: monitoring\ndata:\n  prometheus.yaml: {}\n",
        base64(value.as_bytes())
    )
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A prometheus.yml that is not YAML.
pub const BROKEN_CONFIG: &str = "global:\n  scrape_interval: [30s\nscrape_configs: {\n";

/// Every hostile text input. `big` is the size of the big document (50 MB
/// in the suites).
pub fn all(big: usize) -> Vec<Hostile> {
    use Expect::*;
    let mut nul = prometheus_with_spec("{replicas: 1}").into_bytes();
    nul.splice(20..20, *b"\0\0");
    vec![
        text("alias bomb", alias_bomb(), Unreadable),
        text("100,000-deep block nesting", deep_block(100_000), Unreadable),
        text("100,000-deep flow nesting", deep_flow(100_000), Unreadable),
        // Read and reported (one replica), or refused past the work budget.
        text("a 50 MB document", big_document(big), Answered),
        Hostile {
            name: "invalid UTF-8",
            bytes: b"apiVersion: v1\nkind: Service\nmetadata: {name: caf\xe9}\n".to_vec(),
            expect: Unreadable,
        },
        Hostile {
            name: "NUL bytes",
            bytes: nul,
            expect: Unreadable,
        },
        Hostile {
            name: "binary garbage",
            bytes: garbage(1 << 20),
            expect: Unreadable,
        },
        text(
            "binary garbage, decoded as UTF-8",
            String::from_utf8_lossy(&garbage(1 << 20)).into_owned(),
            Unreadable,
        ),
        text(
            "duplicate keys",
            prometheus_with_spec("\n  replicas: 1\n  replicas: 2"),
            Unreadable,
        ),
        text(
            "custom tags",
            prometheus_with_spec("\n  replicas: !custom 2\n  storage: !!binary aGVsbG8="),
            Answered,
        ),
        // Outside int32: the API server would refuse it.
        text(
            "replicas: 1e100",
            prometheus_with_spec("{replicas: 1e100}"),
            Finding("invalid-resource"),
        ),
        text(
            "replicas: 3000000000",
            prometheus_with_spec("{replicas: 3000000000}"),
            Finding("invalid-resource"),
        ),
        // A count Kubernetes would refuse; promha reports it as too few.
        text(
            "replicas: -1",
            prometheus_with_spec("{replicas: -1}"),
            Finding("min-replicas"),
        ),
        text(
            "replicas: \"two\"",
            prometheus_with_spec("{replicas: two}"),
            Finding("invalid-resource"),
        ),
        text("spec: null", prometheus_with_spec("null"), Finding("min-replicas")),
        text("spec: {}", prometheus_with_spec("{}"), Finding("min-replicas")),
        text(
            "ConfigMap prometheus.yml: an alias bomb",
            config_map_holding(&alias_bomb()),
            Unreadable,
        ),
        text(
            "ConfigMap prometheus.yml: broken YAML",
            config_map_holding(BROKEN_CONFIG),
            Unreadable,
        ),
        text(
            "Secret prometheus.yaml: an alias bomb",
            secret_holding(&alias_bomb()),
            Unreadable,
        ),
        text(
            "Secret prometheus.yaml: broken YAML",
            secret_holding(BROKEN_CONFIG),
            Unreadable,
        ),
    ]
}
