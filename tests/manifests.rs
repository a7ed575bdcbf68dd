//! metadata.yml, artifacthub-pkg.yml and the manifests in policies/ must
//! agree with each other and with what the policy actually does.

use promha_core::admission::lookup_kinds;
use promha_core::yaml_to_json;
use serde_json::Value as Json;

fn read_yaml(path: &str) -> Vec<Json> {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    yaml_to_json(&text).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn metadata() -> Json {
    read_yaml("metadata.yml").remove(0)
}

fn kinds(list: &Json) -> Vec<(String, String)> {
    let mut kinds: Vec<(String, String)> = list
        .as_array()
        .expect("a list of resources")
        .iter()
        .map(|r| {
            (
                r["apiVersion"].as_str().unwrap().to_string(),
                r["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    kinds.sort();
    kinds
}

#[test]
fn context_aware_resources_are_exactly_what_the_policy_looks_up() {
    let mut looked_up: Vec<(String, String)> = lookup_kinds()
        .iter()
        .map(|(v, k)| (v.to_string(), k.to_string()))
        .collect();
    looked_up.sort();
    assert_eq!(kinds(&metadata()["contextAwareResources"]), looked_up);
}

#[test]
fn metadata_is_a_validating_wapc_policy_with_background_audit() {
    let m = metadata();
    assert_eq!(m["mutating"], false);
    assert_eq!(m["backgroundAudit"], true);
    assert_eq!(m["executionMode"], "kubewarden-wapc");
    let resources: Vec<&str> = m["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["resources"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()))
        .collect();
    for wanted in [
        "prometheuses",
        "prometheusagents",
        "alertmanagers",
        "thanosrulers",
        "statefulsets",
        "deployments",
        "configmaps",
        "secrets",
    ] {
        assert!(resources.contains(&wanted), "metadata.yml rules miss {wanted}");
    }
    assert_eq!(
        m["annotations"]["io.kubewarden.policy.version"],
        env!("CARGO_PKG_VERSION")
    );
}

#[test]
fn policies_match_the_metadata() {
    let m = metadata();
    for (file, mode) in [
        ("policies/promha-protect.yaml", "protect"),
        ("policies/promha-monitor.yaml", "monitor"),
    ] {
        let policy = read_yaml(file).remove(0);
        assert_eq!(policy["kind"], "ClusterAdmissionPolicy", "{file}");
        assert_eq!(policy["spec"]["mode"], mode, "{file}");
        assert_eq!(
            policy["spec"]["rules"], m["rules"],
            "{file}: rules differ from metadata.yml"
        );
        assert_eq!(
            kinds(&policy["spec"]["contextAwareResources"]),
            kinds(&m["contextAwareResources"]),
            "{file}"
        );
        let settings = serde_json::to_vec(&policy["spec"]["settings"]).unwrap();
        let parsed = promha_core::Settings::from_json(&serde_json::from_slice(&settings).unwrap());
        assert!(parsed.is_ok(), "{file}: settings are invalid: {parsed:?}");
    }
}

#[test]
fn rbac_lets_the_policy_server_read_every_looked_up_kind() {
    let docs = read_yaml("policies/policy-server-rbac.yaml");
    let role = docs.iter().find(|d| d["kind"] == "ClusterRole").expect("a ClusterRole");
    for (api_version, kind) in lookup_kinds() {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        let lower = kind.to_lowercase();
        let resource = if lower.ends_with('s') {
            format!("{lower}es")
        } else {
            format!("{lower}s")
        };
        let covered = role["rules"].as_array().unwrap().iter().any(|rule| {
            rule["apiGroups"].as_array().unwrap().iter().any(|g| g == group)
                && rule["resources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r == resource.as_str())
                && ["get", "list"]
                    .iter()
                    .all(|v| rule["verbs"].as_array().unwrap().iter().any(|x| x == v))
        });
        assert!(covered, "the ClusterRole does not let the PolicyServer list {resource}");
    }
}

#[test]
fn artifacthub_package_matches() {
    let package = read_yaml("artifacthub-pkg.yml").remove(0);
    let m = metadata();
    assert_eq!(package["version"], env!("CARGO_PKG_VERSION"));
    let annotations = &package["annotations"];
    let context: Json =
        yaml_to_json(annotations["kubewarden/contextAwareResources"].as_str().unwrap()).unwrap()[0].clone();
    assert_eq!(kinds(&context), kinds(&m["contextAwareResources"]));
    let rules: Json = yaml_to_json(annotations["kubewarden/rules"].as_str().unwrap()).unwrap()[0].clone();
    assert_eq!(rules, m["rules"]);
    assert_eq!(annotations["kubewarden/mutation"], "false");
}
