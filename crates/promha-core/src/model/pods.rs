//! The stable names of a StatefulSet's pods, and how they resolve: pod
//! `<set>-<ordinal>` is `<pod>.<serviceName>.<namespace>.svc` through the
//! StatefulSet's governing (headless) Service, and through no other.
//! Ordinals start at `spec.ordinals.start` (Kubernetes 1.27+), else 0.

use std::collections::BTreeSet;
use std::ops::Range;

use super::object::Object;
use crate::read::Node;

/// Pods listed in fixes at most: a longer list helps nobody.
pub const LISTED_PODS: i64 = 10;

/// Pods a list leaves out (see [`StatefulSetPods::missing`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub listed: Vec<i64>,
    pub count: i64,
}

impl Missing {
    pub fn is_empty(&self) -> bool {
        self.count <= 0
    }

    /// Every missing pod is listed, so an edit adding them is complete.
    pub fn all_listed(&self) -> bool {
        self.listed.len() as i64 == self.count
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatefulSetPods {
    pub set: String,
    /// `spec.serviceName`; without it the pods have no DNS names.
    pub service: Option<String>,
    pub namespace: String,
    pub first_ordinal: i64,
    pub replicas: i64,
}

/// What a host name says about a StatefulSet's pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// The DNS name of the pod with this ordinal.
    Pod(i64),
    /// Named like one of the pods, but under another Service (or with none,
    /// or in another namespace), so it does not resolve to it; with the
    /// ordinal it names.
    Unresolvable(i64),
    /// A pod's DNS name, of an ordinal the StatefulSet does not run.
    NoSuchPod(i64),
    /// Not named after a pod of this StatefulSet: a Service, another set…
    Other,
}

impl StatefulSetPods {
    /// A plain StatefulSet's pods.
    pub fn of_statefulset(object: &Object<'_>, replicas: i64) -> StatefulSetPods {
        let spec = object.spec();
        let first_ordinal = spec
            .and_then(|s| s.path(&["ordinals", "start"]))
            .and_then(Node::as_whole_number)
            .filter(|&n| n >= 0)
            .unwrap_or(0);
        StatefulSetPods {
            set: object.name.clone(),
            service: spec
                .and_then(|s| s.get("serviceName"))
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            namespace: object.namespace.clone(),
            first_ordinal,
            replicas: replicas.max(0),
        }
    }

    pub fn ordinals(&self) -> Range<i64> {
        self.first_ordinal..self.first_ordinal.saturating_add(self.replicas)
    }

    pub fn pod_name(&self, ordinal: i64) -> String {
        format!("{}-{ordinal}", self.set)
    }

    /// `<pod>.<service>` as peers in the pod's own namespace write it, or
    /// the bare pod name when the set has no Service.
    pub fn short_host(&self, ordinal: i64) -> String {
        match &self.service {
            Some(service) => format!("{}.{service}", self.pod_name(ordinal)),
            None => self.pod_name(ordinal),
        }
    }

    /// `<pod>.<service>.<namespace>.svc`, resolvable from any namespace.
    pub fn qualified_host(&self, ordinal: i64) -> String {
        format!("{}.{}.svc", self.short_host(ordinal), self.namespace)
    }

    /// The first [`LISTED_PODS`] ordinals, for fixes that list every pod.
    pub fn listed_ordinals(&self) -> Range<i64> {
        let ordinals = self.ordinals();
        ordinals.start..ordinals.end.min(ordinals.start.saturating_add(LISTED_PODS))
    }

    /// The pods not among `present` (ordinals of this set): the first
    /// [`LISTED_PODS`] of them, and how many there are in all.
    pub fn missing(&self, present: &BTreeSet<i64>) -> Missing {
        let in_set = present.iter().filter(|i| self.ordinals().contains(i)).count() as i64;
        Missing {
            listed: self
                .ordinals()
                .filter(|i| !present.contains(i))
                .take(LISTED_PODS as usize)
                .collect(),
            count: self.replicas - in_set,
        }
    }

    /// `am-1, am-2 and 7 more`.
    pub fn names_of(&self, missing: &Missing) -> String {
        let names: Vec<String> = missing.listed.iter().map(|&i| self.pod_name(i)).collect();
        let more = missing.count - missing.listed.len() as i64;
        if more > 0 {
            format!("{} and {more} more", names.join(", "))
        } else {
            names.join(", ")
        }
    }

    /// How `host` (`am-0.am`, `am-0.am.mon.svc.cluster.local`, `am`) relates
    /// to these pods, seen from `from_namespace` (where a short name resolves).
    pub fn host(&self, host: &str, from_namespace: &str) -> Host {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let mut labels = host.split('.');
        let pod = labels.next().unwrap_or_default();
        let Some(ordinal) = pod
            .strip_prefix(&format!("{}-", self.set.to_ascii_lowercase()))
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| n.to_string().len() == pod.len() - self.set.len() - 1)
        else {
            return Host::Other;
        };
        let service = labels.next();
        let namespace = labels.next();
        let rest: Vec<&str> = labels.collect();
        let under_service = match (&self.service, service) {
            (Some(own), Some(given)) => own.eq_ignore_ascii_case(given),
            _ => false,
        };
        let namespace_ok = match namespace {
            None => from_namespace.eq_ignore_ascii_case(&self.namespace),
            Some(ns) => ns.eq_ignore_ascii_case(&self.namespace),
        };
        let suffix_ok = matches!(rest.first(), None | Some(&"svc"));
        match (
            under_service && namespace_ok && suffix_ok,
            self.ordinals().contains(&ordinal),
        ) {
            (true, true) => Host::Pod(ordinal),
            (true, false) => Host::NoSuchPod(ordinal),
            (false, _) => Host::Unresolvable(ordinal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_pods_of_a_huge_set_are_counted_not_listed() {
        let huge = StatefulSetPods {
            replicas: 2_000_000_000,
            ..pods(0)
        };
        let missing = huge.missing(&BTreeSet::from([0, 2]));
        assert_eq!(missing.count, 1_999_999_998);
        assert_eq!(missing.listed.len() as i64, LISTED_PODS);
        assert_eq!(missing.listed[..2], [1, 3]);
        assert!(!missing.all_listed());
        assert!(huge.names_of(&missing).ends_with("am-11 and 1999999988 more"));
        let small = pods(0).missing(&BTreeSet::from([0, 2, 7]));
        assert_eq!((small.listed.clone(), small.count), (vec![1], 1));
        assert!(small.all_listed());
        assert_eq!(pods(0).names_of(&small), "am-1");
        assert!(pods(0).missing(&BTreeSet::from([0, 1, 2])).is_empty());
    }

    fn pods(start: i64) -> StatefulSetPods {
        StatefulSetPods {
            set: "am".into(),
            service: Some("am-peers".into()),
            namespace: "mon".into(),
            first_ordinal: start,
            replicas: 3,
        }
    }

    #[test]
    fn names_and_dns() {
        let p = pods(1);
        assert_eq!(p.ordinals(), 1..4);
        assert_eq!(p.short_host(1), "am-1.am-peers");
        assert_eq!(p.qualified_host(3), "am-3.am-peers.mon.svc");
    }

    #[test]
    fn hosts_resolve_only_under_the_governing_service() {
        let p = pods(0);
        assert_eq!(p.host("am-0.am-peers", "mon"), Host::Pod(0));
        assert_eq!(p.host("AM-2.am-peers.mon.svc.cluster.local", "other"), Host::Pod(2));
        assert_eq!(p.host("am-0.am-peers.other.svc", "mon"), Host::Unresolvable(0));
        assert_eq!(
            p.host("am-1.alertmanager", "mon"),
            Host::Unresolvable(1),
            "another Service"
        );
        assert_eq!(p.host("am-1", "mon"), Host::Unresolvable(1), "a bare pod name");
        assert_eq!(
            p.host("am-0.am-peers", "other"),
            Host::Unresolvable(0),
            "short name from elsewhere"
        );
        assert_eq!(p.host("am-7.am-peers", "mon"), Host::NoSuchPod(7), "no such ordinal");
        assert_eq!(p.host("am-peers.mon.svc", "mon"), Host::Other);
        assert_eq!(p.host("amx-0.am-peers", "mon"), Host::Other);
        assert_eq!(
            p.host("am-01.am-peers", "mon"),
            Host::Other,
            "not an ordinal as Kubernetes writes it"
        );
    }
}
