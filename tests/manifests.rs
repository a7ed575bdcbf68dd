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

/// Every ClusterAdmissionPolicy in policies/, with its file.
fn admission_policies() -> Vec<(String, Json)> {
    let mut found = Vec::new();
    let dir = format!("{}/policies", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for path in files {
        let file = format!("policies/{}", path.file_name().unwrap().to_str().unwrap());
        for doc in read_yaml(&file) {
            if doc["kind"] == "ClusterAdmissionPolicy" {
                found.push((file.clone(), doc));
            }
        }
    }
    found
}

#[test]
fn policies_match_the_metadata() {
    let m = metadata();
    let policies = admission_policies();
    let modes: Vec<(&str, &str)> = policies
        .iter()
        .map(|(file, p)| (file.as_str(), p["spec"]["mode"].as_str().unwrap()))
        .collect();
    for wanted in [
        ("policies/promha-protect.yaml", "protect"),
        ("policies/promha-monitor.yaml", "monitor"),
        ("policies/dedicated-policy-server.yaml", "protect"),
    ] {
        assert!(modes.contains(&wanted), "no {wanted:?} among {modes:?}");
    }
    let version = env!("CARGO_PKG_VERSION");
    for (file, policy) in &policies {
        let spec = &policy["spec"];
        assert_eq!(spec["rules"], m["rules"], "{file}: rules differ from metadata.yml");
        assert_eq!(
            kinds(&spec["contextAwareResources"]),
            kinds(&m["contextAwareResources"]),
            "{file}"
        );
        assert_eq!(spec["mutating"], false, "{file}");
        assert!(
            spec["module"].as_str().unwrap().ends_with(&format!(":v{version}")),
            "{file}: module is not version {version}"
        );
        let settings = serde_json::to_vec(&spec["settings"]).unwrap();
        let parsed = promha_core::Settings::from_json(&serde_json::from_slice(&settings).unwrap());
        assert!(parsed.is_ok(), "{file}: settings are invalid: {parsed:?}");
        // Explicit webhook behaviour (README.md, "What the policy server sees").
        let failure = spec["failurePolicy"]
            .as_str()
            .unwrap_or_else(|| panic!("{file}: no failurePolicy"));
        assert!(["Ignore", "Fail"].contains(&failure), "{file}: failurePolicy {failure}");
        if spec["mode"] == "monitor" {
            assert_eq!(
                failure, "Ignore",
                "{file}: a policy that never rejects must not fail closed"
            );
        }
        if failure == "Fail" {
            assert_ne!(
                spec["policyServer"].as_str().unwrap_or("default"),
                "default",
                "{file}: fail closed only on a PolicyServer of promha's own"
            );
        }
        // Above policy-server's 2 s evaluation timeout, within Kubewarden's 2..=30.
        let timeout = spec["timeoutSeconds"]
            .as_u64()
            .unwrap_or_else(|| panic!("{file}: no timeoutSeconds"));
        assert!((3..=10).contains(&timeout), "{file}: timeoutSeconds {timeout}");
    }
}

/// The dedicated PolicyServer runs promha HA, reads with the same ClusterRole
/// as policy-server-rbac.yaml, bound to its own service account only.
#[test]
fn the_dedicated_policy_server_is_replicated_and_has_the_reader_role() {
    let docs = read_yaml("policies/dedicated-policy-server.yaml");
    let find = |kind: &str| {
        docs.iter()
            .find(|d| d["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind}"))
    };
    let server = find("PolicyServer");
    let name = server["metadata"]["name"].as_str().unwrap();
    assert!(server["spec"]["replicas"].as_u64().unwrap() >= 2);
    assert!(server["spec"]["minAvailable"].as_u64().unwrap() >= 1);
    let account = server["spec"]["serviceAccountName"].as_str().unwrap();
    let sa = find("ServiceAccount");
    assert_eq!(sa["metadata"]["name"], account);
    let shared = read_yaml("policies/policy-server-rbac.yaml");
    let shared_role = shared.iter().find(|d| d["kind"] == "ClusterRole").unwrap();
    assert_eq!(find("ClusterRole")["rules"], shared_role["rules"]);
    let binding = find("ClusterRoleBinding");
    assert_eq!(binding["roleRef"]["name"], find("ClusterRole")["metadata"]["name"]);
    assert_eq!(binding["subjects"][0]["name"], account);
    assert_eq!(binding["subjects"][0]["namespace"], sa["metadata"]["namespace"]);
    assert_eq!(find("ClusterAdmissionPolicy")["spec"]["policyServer"], name);
    let spread = &server["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
    assert_eq!(spread["labelSelector"]["matchLabels"]["kubewarden/policy-server"], name);
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

/// questions-ui.yml (Rancher's settings form) asks for every setting of the
/// core's schema and nothing else, with the core's defaults, and with form
/// types the core's parser accepts (and whose wrong-typed values it refuses).
#[test]
fn questions_ui_asks_for_every_setting_with_the_core_defaults() {
    let form = read_yaml("questions-ui.yml").remove(0);
    let questions = form["questions"]
        .as_array()
        .expect("questions-ui.yml: a `questions` list");
    // The settings the policy reads, with their defaults, from the core's
    // schema: not those only the CLI reads, nor the deprecated ones.
    let schema = promha_core::catalogue::settings_schema();
    let properties = schema["properties"].as_object().unwrap();
    let defaults: serde_json::Map<String, Json> = properties
        .iter()
        .filter(|(_, p)| p["x-promha-cli-only"] != true && p["deprecated"] != true)
        .map(|(key, p)| (key.clone(), p.get("default").cloned().unwrap_or(Json::Null)))
        .collect();
    let known: std::collections::BTreeSet<&str> = defaults.keys().map(String::as_str).collect();
    let asked: Vec<&str> = questions
        .iter()
        .map(|q| q["variable"].as_str().expect("every question has a string `variable`"))
        .collect();
    let asked_set: std::collections::BTreeSet<&str> = asked.iter().copied().collect();
    assert_eq!(asked.len(), asked_set.len(), "a setting is asked twice: {asked:?}");
    let missing: Vec<&&str> = known.difference(&asked_set).collect();
    let unknown: Vec<&&str> = asked_set.difference(&known).collect();
    assert!(missing.is_empty(), "questions-ui.yml does not ask for {missing:?}");
    assert!(
        unknown.is_empty(),
        "questions-ui.yml asks for settings the core does not have: {unknown:?}"
    );

    let accepts = |key: &str, value: Json| {
        let mut settings = serde_json::Map::new();
        settings.insert(key.to_string(), value);
        promha_core::Settings::from_json(&Json::Object(settings)).is_ok()
    };
    for q in questions {
        let key = q["variable"].as_str().unwrap();
        let kind = q["type"].as_str().unwrap_or_else(|| panic!("{key}: no `type`"));
        for field in ["label", "tooltip", "group"] {
            assert!(q[field].is_string(), "{key}: no `{field}`");
        }
        let core_default = &defaults[key];
        match q.get("default") {
            Some(default) => assert_eq!(default, core_default, "{key}: the form's default is not the core's"),
            // No default in the form: the core's default is "unset" (derived from another setting).
            None => assert!(
                core_default.is_null(),
                "{key}: the form gives no default, the core's is {core_default}"
            ),
        }
        // The form's type holds the core's default (unset counts for any type).
        let holds = match kind {
            "int" => core_default.is_u64(),
            "boolean" => core_default.is_boolean(),
            "string" | "enum" => core_default.is_string(),
            "array[string]" => core_default.as_array().is_some_and(|a| a.iter().all(Json::is_string)),
            "map[string]" => core_default.is_object(),
            _ => false,
        };
        assert!(
            holds || core_default.is_null(),
            "{key}: a {kind} question cannot hold the core's default {core_default}"
        );
        // Values of the form's type that the core must accept, and one of the wrong type it must refuse.
        let (good, bad): (Vec<Json>, Json) = match kind {
            "int" => {
                let (min, max) = (q["min"].as_u64(), q["max"].as_u64());
                let (min, max) = (min.expect("int: min"), max.expect("int: max"));
                assert!(
                    !accepts(key, min.saturating_sub(1).into()) || min == 0,
                    "{key}: the core accepts min - 1"
                );
                assert!(!accepts(key, (max + 1).into()), "{key}: the core accepts max + 1");
                (vec![min.into(), max.into()], Json::from("two"))
            }
            "boolean" => (vec![true.into(), false.into()], Json::from("yes")),
            "string" => (vec![core_default.clone()], Json::from(5)),
            "enum" => {
                let options = q["options"].as_array().expect("enum: options").clone();
                assert!(options.contains(core_default), "{key}: the default is not an option");
                (options, Json::from("sometimes"))
            }
            "array[string]" => (vec![core_default.clone()], Json::from("not-a-list")),
            "map[string]" => (vec![core_default.clone()], Json::from(["not-a-map"])),
            other => panic!("{key}: form type {other} is not one the settings use"),
        };
        for value in good {
            assert!(
                accepts(key, value.clone()),
                "{key}: the core refuses the form's value {value}"
            );
        }
        assert!(
            !accepts(key, bad.clone()),
            "{key}: the core accepts {bad}, which the form cannot send"
        );
    }

    // The rule-level map is free-form in the form: its tooltip names every rule.
    let rules = questions.iter().find(|q| q["variable"] == "rules").unwrap();
    let tooltip = rules["tooltip"].as_str().unwrap();
    for rule in promha_core::RULES {
        assert!(
            tooltip.contains(rule.id),
            "the `rules` question does not name {}",
            rule.id
        );
    }
}

/// metadata.yml declares exactly the host capabilities the policy's source
/// calls (kwctl 1.36 warns otherwise; e2e-tests/tests/kwctl.rs checks kwctl's
/// own scan of the module), and names the author as "name <email>", which
/// `kwctl scaffold artifacthub` (run by Kubewarden's release workflow) needs
/// to list maintainers.
#[test]
fn metadata_declares_host_capabilities_and_a_maintainer_address() {
    let m = metadata();
    let mut called = std::collections::BTreeSet::new();
    let src = format!("{}/src", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(&src).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        // host_call("kubewarden", "<namespace>", "<operation>", payload)
        for call in text.split("host_call(\"kubewarden\", ").skip(1) {
            let mut quoted = call.split('"').skip(1).step_by(2);
            let (namespace, operation) = (quoted.next().unwrap(), quoted.next().unwrap());
            called.insert(format!("{namespace}/{operation}"));
        }
    }
    assert!(!called.is_empty(), "no host_call found under {src}");
    let declared: std::collections::BTreeSet<String> = m["hostCapabilities"]
        .as_array()
        .expect("metadata.yml: hostCapabilities")
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        declared, called,
        "metadata.yml hostCapabilities vs the host calls in src/"
    );
    assert!(m["minimumKubewardenVersion"].is_string());
    let author = m["annotations"]["io.kubewarden.policy.author"].as_str().unwrap();
    assert!(
        author.contains('<') && author.ends_with('>') && author.contains('@'),
        "io.kubewarden.policy.author must be `name <email>`: {author}"
    );
}

#[test]
fn match_conditions_are_the_cores() {
    let (name, expression) = promha_core::admission::match_condition();
    let policies = admission_policies();
    assert_eq!(policies.len(), 3);
    for (file, policy) in policies {
        assert_eq!(
            policy["spec"]["matchConditions"],
            serde_json::json!([{"name": name, "expression": expression}]),
            "{file}: matchConditions differ from admission::match_condition(), which is:\n{expression}"
        );
    }
}

/// Evaluates the match condition on one object, as the API server does for
/// a CREATE of it.
fn matches(program: &cel::Program, object: &Json) -> bool {
    let mut context = cel::Context::default();
    let kind = object["kind"].as_str().unwrap_or_default();
    context
        .add_variable("object", cel::to_value(object.clone()).expect("JSON is a CEL value"))
        .expect("object");
    context
        .add_variable(
            "request",
            cel::to_value(serde_json::json!({"kind": {"kind": kind}, "operation": "CREATE"})).expect("request"),
        )
        .expect("request");
    match program.execute(&context) {
        Ok(cel::Value::Bool(b)) => b,
        other => panic!("the match condition must give a bool for {object}: {other:?}"),
    }
}

/// Every YAML file under `dir`, recursively.
fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn match_conditions_let_through_everything_promha_reports() {
    let (_, expression) = promha_core::admission::match_condition();
    let program = cel::Program::compile(&expression).expect("the match condition compiles");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "crates/promha-core/src/rules",
        "examples/manifests",
        "e2e-tests/fixtures",
    ] {
        yaml_files(&root.join(dir), &mut files);
    }
    match root.join("../shared/corpus").canonicalize() {
        Ok(corpus) => yaml_files(&corpus, &mut files),
        Err(_) => eprintln!("skipped the corpus: ../shared/corpus does not exist"),
    }
    let settings = promha_core::Settings::default();
    let watched = ["ConfigMap", "Secret", "Deployment", "StatefulSet"];
    let (mut passed, mut filtered) = (0, 0);
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(documents) = promha_core::read_text(&path.to_string_lossy(), &text, &promha_core::ReadLimits::default())
        else {
            continue;
        };
        for document in documents {
            let object = document.root.to_json();
            if !watched.contains(&object["kind"].as_str().unwrap_or_default()) || object["apiVersion"].is_null() {
                continue;
            }
            let sent = matches(&program, &object);
            if sent {
                passed += 1;
                continue;
            }
            filtered += 1;
            let findings = promha_core::admission::check_admitted(
                promha_core::admission::Admitted::new(document),
                Vec::new(),
                &[],
                &settings,
            );
            assert!(
                findings.is_empty(),
                "{}: the match condition keeps {} {} from the webhook, but promha reports {:?}",
                path.display(),
                object["kind"],
                object["metadata"]["name"],
                findings.iter().map(|f| f.one_line()).collect::<Vec<_>>()
            );
        }
    }
    eprintln!("{passed} objects sent to the webhook, {filtered} kept back");
    assert!(
        passed > 20 && filtered > 0,
        "{passed} sent, {filtered} kept back: the fixtures do not exercise the condition"
    );
}

#[test]
fn match_conditions_narrow_what_the_webhook_sees() {
    let (_, expression) = promha_core::admission::match_condition();
    let program = cel::Program::compile(&expression).expect("the match condition compiles");
    let object = |yaml: &str| yaml_to_json(yaml).expect("YAML").remove(0);
    let sent = [
        "kind: ConfigMap\nmetadata: {name: a}\ndata: {prometheus.yml: 'global: {}'}",
        "kind: ConfigMap\nmetadata: {name: a}\ndata: {p.yaml: \"scrape_configs: []\"}",
        "kind: Secret\nmetadata: {name: a}\ndata: {prometheus.yaml: Zm9v}",
        "kind: Secret\nmetadata: {name: a}\nstringData: {extra.yml: x}",
        "kind: StatefulSet\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{name: p, image: quay.io/prometheus/prometheus:v3.1.0}]}}}",
        "kind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{name: q, image: 'registry:5000/thanos@sha256:ab'}]}}}",
        "kind: Deployment\nmetadata: {name: a, annotations: {promha.io/ignore: min-replicas}}\nspec: {template: {spec: {containers: [{name: n, image: nginx}]}}}",
        "kind: Service\nmetadata: {name: a}\nspec: {}",
        "kind: Prometheus\nmetadata: {name: a}\nspec: {}",
    ];
    let kept = [
        "kind: ConfigMap\nmetadata: {name: a}\ndata: {nginx.conf: 'server {}'}",
        "kind: ConfigMap\nmetadata: {name: a}",
        "kind: Secret\nmetadata: {name: a}\ndata: {password: Zm9v}",
        "kind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{name: n, image: nginx:1.27}]}}}",
        "kind: StatefulSet\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{name: r, image: quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0}]}}}",
        "kind: StatefulSet\nmetadata: {name: a}\nspec: {}",
    ];
    for yaml in sent {
        assert!(matches(&program, &object(yaml)), "should reach the webhook:\n{yaml}");
    }
    for yaml in kept {
        assert!(
            !matches(&program, &object(yaml)),
            "should not reach the webhook:\n{yaml}"
        );
    }
}
