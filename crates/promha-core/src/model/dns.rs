//! Kubernetes DNS names, as a client in a pod resolves them: which Service
//! a name (or an SRV name) is. Its search path is `<ns>.svc.<domain>`,
//! `svc.<domain>`, `<domain>`, so `am` is Service `am` of the client's
//! namespace, `am.mon` is Service `am` in `mon` (or pod `am` under Service
//! `mon`, a StatefulSet's governing one), and `am.mon.svc.cluster.local` says so.
//! DNS for Services and Pods: kubernetes.io/docs/concepts/services-networking/dns-pod-service/.

/// A Service a name may resolve to: (namespace, name).
pub type ServiceRef = (String, String);

/// The Services a host name may be, seen from `from_namespace`: a name with
/// an SRV prefix (`_web._tcp.am.mon.svc`) or an A/AAAA name. Two candidates
/// for `a.b`, which is Service `a` in namespace `b` or, under a headless
/// Service `b`, a pod (whose Service is then `b` in `from_namespace`).
pub fn services_of(host: &str, from_namespace: &str) -> Vec<ServiceRef> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let mut labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    // `_port._proto.` of an SRV name.
    while labels.first().is_some_and(|l| l.starts_with('_')) {
        labels.remove(0);
    }
    let svc = labels.iter().position(|l| *l == "svc");
    match (svc, labels.as_slice()) {
        (Some(2), [service, namespace, ..]) => vec![(namespace.to_string(), service.to_string())],
        // `<pod>.<service>.<ns>.svc`: the pod's own name; its Service governs it.
        (Some(3), [_pod, service, namespace, ..]) => vec![(namespace.to_string(), service.to_string())],
        (None, [service]) => vec![(from_namespace.to_string(), service.to_string())],
        (None, [first, second]) => vec![
            (second.to_string(), first.to_string()),
            (from_namespace.to_string(), second.to_string()),
        ],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(ns: &str, name: &str) -> ServiceRef {
        (ns.to_string(), name.to_string())
    }

    #[test]
    fn names_and_srv_names() {
        assert_eq!(
            services_of("_web._tcp.alertmanager-operated.mon.svc.cluster.local", "x"),
            [svc("mon", "alertmanager-operated")]
        );
        assert_eq!(
            services_of("alertmanager-main.mon.svc", "x"),
            [svc("mon", "alertmanager-main")]
        );
        assert_eq!(services_of("am-0.am.mon.svc.cluster.local.", "x"), [svc("mon", "am")]);
        assert_eq!(services_of("am", "mon"), [svc("mon", "am")]);
        assert_eq!(services_of("am.mon", "x"), [svc("mon", "am"), svc("x", "mon")]);
        assert!(services_of("example.com.evil.org", "x").is_empty());
    }
}
