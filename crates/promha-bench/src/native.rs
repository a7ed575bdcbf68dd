//! Where an admission request's time goes: the policy's `validate` path run
//! natively (the same Rust as the wasm module, with symbols), so callgrind
//! can attribute instructions to functions. `make profile` runs it.

use std::cell::RefCell;
use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use promha_core::admission::Lookup;
use promha_e2e::ClusterState;
use serde_json::Value;

use crate::requests;

/// Lookups answered from the request type's cluster, as the harness does,
/// and read from the List's bytes as the policy reads the host's answer.
/// The answers are serialized once (on the uncounted first call): that is
/// the host's work, not the policy's.
struct StateCluster<'a> {
    state: &'a ClusterState,
    answers: RefCell<BTreeMap<Lookup, Vec<u8>>>,
}

impl promha_policy::cluster::Cluster for StateCluster<'_> {
    fn list(&self, lookup: &Lookup) -> Result<Vec<promha_core::Node>, String> {
        if !self.answers.borrow().contains_key(lookup) {
            let answer = serde_json::to_vec(&serde_json::json!({"kind": "List", "items": self.items(lookup)?}))
                .map_err(|e| e.to_string())?;
            self.answers.borrow_mut().insert(lookup.clone(), answer);
        }
        promha_policy::cluster::items_of(&self.answers.borrow()[lookup])
    }
}

impl StateCluster<'_> {
    fn items(&self, lookup: &Lookup) -> Result<Vec<&Value>, String> {
        let selector = match &lookup.label_selector {
            Some(text) => Some(promha_e2e::selector::LabelSelector::parse(text).map_err(|e| e.to_string())?),
            None => None,
        };
        Ok(self.state.list(
            lookup.api_version,
            lookup.kind,
            Some(&lookup.namespace),
            selector.as_ref(),
            None,
        ))
    }
}

/// One native evaluation; the function callgrind counts.
#[inline(never)]
pub fn native_call(payload: &[u8], cluster: &dyn promha_policy::cluster::Cluster) -> Vec<u8> {
    let response = promha_policy::admission::validate(payload, cluster);
    serde_json::to_vec(&response).unwrap_or_default()
}

/// `promha-bench native INDEX CALLS`: evaluates request type INDEX natively
/// CALLS times (after one uncounted call).
pub fn run(args: &[String]) -> Result<()> {
    let [index, calls] = args else {
        bail!("usage: promha-bench native INDEX CALLS");
    };
    let requests = requests::all()?;
    let request = requests.get(index.parse::<usize>()?).context("no such request type")?;
    let cluster = StateCluster {
        state: &request.cluster,
        answers: RefCell::new(BTreeMap::new()),
    };
    std::hint::black_box(native_call(&request.payload, &cluster));
    for _ in 0..calls.parse::<usize>()? {
        std::hint::black_box(native_call(&request.payload, &cluster));
    }
    Ok(())
}
