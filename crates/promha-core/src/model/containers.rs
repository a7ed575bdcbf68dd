//! Container images and command-line flags.

use crate::read::Node;

/// The last path segment of an image's repository, without tag or digest:
/// `quay.io/prometheus/prometheus:v3.1.0` → `prometheus`,
/// `registry:5000/prom/alertmanager@sha256:…` → `alertmanager`.
pub fn image_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split(':').next().unwrap_or(last)
}

/// One word of a container's command line, with the node it came from.
#[derive(Clone, Debug)]
pub struct Arg<'d> {
    pub text: String,
    pub node: &'d Node,
}

/// The words of `command` followed by `args`. A shell form
/// (`sh -c "alertmanager --cluster.peer=…"`) is split on whitespace so its
/// flags are seen too.
pub fn command_line(container: &Node) -> Vec<Arg<'_>> {
    let mut words = Vec::new();
    for key in ["command", "args"] {
        let Some(items) = container.get(key).and_then(Node::as_seq) else {
            continue;
        };
        for item in items {
            let Some(text) = item.scalar_text() else {
                continue;
            };
            // A shell form (`sh -c "alertmanager --cluster.peer=…"`), not a
            // flag whose value holds spaces (`--endpoint.sd-config=<YAML>`).
            if is_shell_form(&text) {
                words.extend(text.split_whitespace().map(|w| Arg {
                    text: w.trim_matches(['"', '\'']).to_string(),
                    node: item,
                }));
            } else {
                words.push(Arg { text, node: item });
            }
        }
    }
    words
}

/// A word holding a whole shell command line (`sh -c "alertmanager …"`).
fn is_shell_form(text: &str) -> bool {
    text.contains(char::is_whitespace) && text.contains("--") && !text.trim_start().starts_with('-')
}

/// Flags can be appended to `args` as words of their own: no word of the
/// command line is a shell form, which would take them as its own arguments.
pub fn takes_appended_args(container: &Node) -> bool {
    ["command", "args"].iter().all(|key| {
        container
            .get(key)
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::scalar_text)
            .all(|text| !is_shell_form(&text))
    })
}

/// Where a word of the command line is: `command` or `args`, and its index.
pub fn word_place(container: &Node, word: &Node) -> Option<(&'static str, usize)> {
    ["command", "args"].into_iter().find_map(|key| {
        let items = container.get(key).and_then(Node::as_seq)?;
        items.iter().position(|item| std::ptr::eq(item, word)).map(|i| (key, i))
    })
}

/// How a container's environment sets a variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvVar {
    /// An `env` entry names it.
    Set,
    /// No entry names it, but `envFrom` may: promha cannot tell.
    Unknown,
    /// Nothing sets it (the container runtime sets HOSTNAME, though).
    Unset,
}

pub fn env_var(container: &Node, name: &str) -> EnvVar {
    let named = container
        .get("env")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .any(|e| e.get("name").and_then(Node::as_str) == Some(name));
    if named || name == "HOSTNAME" {
        EnvVar::Set
    } else if container
        .get("envFrom")
        .and_then(Node::as_seq)
        .is_some_and(|l| !l.is_empty())
    {
        EnvVar::Unknown
    } else {
        EnvVar::Unset
    }
}

/// The major version an image's tag names (`prom/prometheus:v2.44.0` → 2),
/// if it names one.
pub fn image_major_version(image: &str) -> Option<u32> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let tag = last.split_once(':')?.1;
    tag.trim_start_matches('v').split('.').next()?.parse().ok()
}

/// The feature flags a command line enables (`--enable-feature=a,b`, repeatable).
pub fn enabled_features(words: &[Arg<'_>]) -> Vec<String> {
    flag_values(words, "--enable-feature")
        .iter()
        .flat_map(|(value, _)| value.split(','))
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .collect()
}

/// Every value given to `flag` (`--flag=value` or `--flag value`).
pub fn flag_values<'a, 'd>(words: &'a [Arg<'d>], flag: &str) -> Vec<(&'a str, &'d Node)> {
    let mut values = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = words[i].text.as_str();
        if let Some(value) = word.strip_prefix(flag).and_then(|rest| rest.strip_prefix('=')) {
            values.push((value, words[i].node));
        } else if word == flag {
            match words.get(i + 1) {
                Some(next) if !next.text.starts_with("--") => {
                    values.push((next.text.as_str(), words[i].node));
                    i += 1;
                }
                _ => values.push(("", words[i].node)),
            }
        }
        i += 1;
    }
    values
}

/// The host of an address or URL: `http://am-0.am.svc:9093/x` → `am-0.am.svc`.
pub fn host_of(address: &str) -> &str {
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    authority.rsplit_once(':').map_or(authority, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            authority
        }
    })
}

/// The address with another host, written the same way otherwise:
/// `http://am-0.am:9093` with `am-1.am.mon.svc` → `http://am-1.am.mon.svc:9093`.
pub fn with_host(address: &str, host: &str) -> String {
    let old = host_of(address);
    // `host_of` returns a slice of `address`: its offset says where it is.
    let start = old.as_ptr() as usize - address.as_ptr() as usize;
    format!("{}{host}{}", &address[..start], &address[start + old.len()..])
}

/// One key per Alertmanager address: `http://AM-0.am:9093/` and
/// `am-0.am:9093` name the same one; an address without a port is its host.
pub fn address_key(target: &str) -> String {
    let host = host_of(target).to_ascii_lowercase();
    let without_scheme = target.split_once("://").map_or(target, |(_, r)| r);
    let port = without_scheme
        .split(['/', '?', '#'])
        .next()
        .and_then(|authority| authority.rsplit_once(':'))
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    match port {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{ReadLimits, read_documents};

    #[test]
    fn environment_versions_and_features() {
        let docs = read_documents(
            "a: {env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}\nb: {envFrom: [{configMapRef: {name: x}}]}\nc: {args: [\"--enable-feature=exemplar-storage,expand-external-labels\", --enable-feature, agent]}\n",
            &ReadLimits::default(),
        )
        .unwrap();
        let (a, b, c) = (
            docs[0].get("a").unwrap(),
            docs[0].get("b").unwrap(),
            docs[0].get("c").unwrap(),
        );
        assert_eq!(env_var(a, "POD_NAME"), EnvVar::Set);
        assert_eq!(env_var(a, "NODE"), EnvVar::Unset);
        assert_eq!(env_var(a, "HOSTNAME"), EnvVar::Set);
        assert_eq!(env_var(b, "POD_NAME"), EnvVar::Unknown);
        assert_eq!(
            enabled_features(&command_line(c)),
            ["exemplar-storage", "expand-external-labels", "agent"]
        );
        assert_eq!(image_major_version("prom/prometheus:v2.44.0"), Some(2));
        assert_eq!(
            image_major_version("quay.io/prometheus/prometheus:v3.1.0@sha256:ab"),
            Some(3)
        );
        assert_eq!(image_major_version("registry:5000/prometheus"), None);
        assert_eq!(image_major_version("prom/prometheus:latest"), None);
    }

    /// A flag written without a value, followed by another flag, has an
    /// empty value: the next flag is not taken as its value.
    #[test]
    fn a_flag_without_a_value_does_not_take_the_next_flag() {
        let docs = read_documents(
            "c: {args: [--web.route-prefix, --enable-feature, --web.listen-address=:9090, --web.route-prefix, /p]}\n",
            &ReadLimits::default(),
        )
        .unwrap();
        let words = command_line(docs[0].get("c").unwrap());
        let values: Vec<&str> = flag_values(&words, "--web.route-prefix")
            .iter()
            .map(|(v, _)| *v)
            .collect();
        assert_eq!(values, ["", "/p"]);
        assert!(enabled_features(&words).is_empty());
    }

    #[test]
    fn hosts_replaced_in_addresses() {
        assert_eq!(
            with_host("http://am-0.am:9093/x", "am-1.am.mon.svc"),
            "http://am-1.am.mon.svc:9093/x"
        );
        assert_eq!(with_host("am-0.am:9093", "am-2.am"), "am-2.am:9093");
        assert_eq!(with_host("am-0", "am-1"), "am-1");
        assert_eq!(with_host("https://u@am-0:1/", "b"), "https://u@b:1/");
    }

    #[test]
    fn image_names() {
        assert_eq!(image_name("quay.io/prometheus/prometheus:v3.1.0"), "prometheus");
        assert_eq!(image_name("prom/alertmanager@sha256:abcd"), "alertmanager");
        assert_eq!(
            image_name("registry:5000/prom/alertmanager:v0.27.0@sha256:ab"),
            "alertmanager"
        );
        assert_eq!(image_name("prometheus"), "prometheus");
        assert_eq!(
            image_name("quay.io/prometheus-operator/prometheus-operator:v0.80.0"),
            "prometheus-operator"
        );
        assert_eq!(
            image_name("quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0"),
            "prometheus-config-reloader"
        );
    }

    #[test]
    fn flags_in_both_forms_and_in_shell_strings() {
        let c = &read_documents(
            "command: [/bin/alertmanager, --cluster.peer, am-1.am:9094]\nargs:\n- --cluster.peer=am-0.am:9094\n- --cluster.listen-address=\n- sh -c \"x --cluster.peer=am-2.am:9094\"\n",
            &ReadLimits::default(),
        )
        .unwrap()[0];
        let words = command_line(c);
        let peers: Vec<&str> = flag_values(&words, "--cluster.peer")
            .into_iter()
            .map(|(v, _)| v)
            .collect();
        assert_eq!(peers, vec!["am-1.am:9094", "am-0.am:9094", "am-2.am:9094"]);
        let listen = flag_values(&words, "--cluster.listen-address");
        assert_eq!(listen.len(), 1);
        assert_eq!(listen[0].0, "");
        assert!(flag_values(&words, "--cluster.peer-timeout").is_empty());
    }

    #[test]
    fn hosts() {
        assert_eq!(host_of("http://am-0.am.svc:9093/api"), "am-0.am.svc");
        assert_eq!(host_of("am:9093"), "am");
        assert_eq!(host_of("https://user:pw@am.example.com"), "am.example.com");
        assert_eq!(host_of("[::1]:9093"), "::1");
        assert_eq!(host_of("dnssrv+_web._tcp.am.svc"), "dnssrv+_web._tcp.am.svc");
    }

    #[test]
    fn address_keys() {
        assert_eq!(address_key("http://AM-0.am:9093/api"), "am-0.am:9093");
        assert_eq!(address_key("am"), "am", "no trailing colon without a port");
    }
}
