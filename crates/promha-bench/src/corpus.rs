//! The generated inputs `make bench` lints: a mixed corpus of rendered
//! charts (mostly objects no rule reads, as real manifests are), and the
//! scale corpus, many objects sharing labels in one namespace.

use std::fmt::Write as _;

/// A deterministic generator (xorshift), so every run lints the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "checkout",
    "billing",
    "search",
    "ledger",
    "gateway",
    "catalog",
    "orders",
    "payments",
    "auth",
    "users",
    "inventory",
    "shipping",
    "reports",
    "notify",
    "frontend",
    "backend",
    "api",
    "worker",
    "cache",
    "queue",
];
const TEAMS: &[&str] = &["platform", "payments", "growth", "core", "data", "sre"];
const IMAGES: &[&str] = &[
    "registry.example.com/app/server",
    "ghcr.io/example/worker",
    "docker.io/library/nginx",
    "quay.io/example/api",
];

fn labels(out: &mut String, indent: &str, app: &str, instance: &str, team: &str) {
    let _ = write!(
        out,
        "{indent}app.kubernetes.io/name: {app}\n{indent}app.kubernetes.io/instance: {instance}\n{indent}app.kubernetes.io/part-of: {team}\n"
    );
}

fn deployment(out: &mut String, rng: &mut Rng, ns: &str, app: &str, instance: &str, team: &str) {
    let replicas = 1 + rng.below(4);
    let image = rng.pick(IMAGES);
    let version = format!("1.{}.{}", rng.below(30), rng.below(10));
    let _ = write!(
        out,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {instance}\n  namespace: {ns}\n  labels:\n"
    );
    labels(out, "    ", app, instance, team);
    let _ = write!(
        out,
        "spec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n      app.kubernetes.io/instance: {instance}\n  template:\n    metadata:\n      labels:\n"
    );
    labels(out, "        ", app, instance, team);
    let _ = write!(
        out,
        "    spec:\n      containers:\n      - name: {app}\n        image: {image}:{version}\n        ports:\n        - name: http\n          containerPort: 8080\n        resources:\n          requests: {{cpu: 100m, memory: 128Mi}}\n          limits: {{memory: 256Mi}}\n"
    );
}

fn service(out: &mut String, ns: &str, name: &str, selector: &[(&str, &str)], headless: bool) {
    let _ = write!(
        out,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n"
    );
    labels(out, "    ", selector[0].1, name, ns);
    out.push_str("spec:\n  type: ClusterIP\n");
    if headless {
        out.push_str("  clusterIP: None\n");
    }
    out.push_str("  selector:\n");
    for (k, v) in selector {
        let _ = writeln!(out, "    {k}: {v}");
    }
    out.push_str("  ports:\n  - name: http\n    port: 80\n    targetPort: http\n");
}

fn configmap(out: &mut String, rng: &mut Rng, ns: &str, instance: &str) {
    let _ = write!(
        out,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {instance}-config\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/instance: {instance}\n    app.kubernetes.io/managed-by: Helm\ndata:\n  LOG_LEVEL: info\n  FEATURE_FLAGS: \"{},{}\"\n  TIMEOUT_SECONDS: \"{}\"\n",
        rng.pick(WORDS),
        rng.pick(WORDS),
        10 + rng.below(50)
    );
}

fn pdb(out: &mut String, ns: &str, name: &str, selector: &[(&str, &str)]) {
    let _ = write!(
        out,
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n"
    );
    for (k, v) in selector {
        let _ = writeln!(out, "      {k}: {v}");
    }
}

fn statefulset(out: &mut String, rng: &mut Rng, ns: &str, app: &str, instance: &str, team: &str) {
    let _ = write!(
        out,
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {instance}\n  namespace: {ns}\nspec:\n  replicas: {}\n  serviceName: {instance}\n  selector:\n    matchLabels:\n      app.kubernetes.io/instance: {instance}\n  template:\n    metadata:\n      labels:\n",
        1 + rng.below(3)
    );
    labels(out, "        ", app, instance, team);
    let _ = write!(
        out,
        "    spec:\n      containers:\n      - name: {app}\n        image: {}:{}\n        volumeMounts:\n        - {{name: data, mountPath: /data}}\n  volumeClaimTemplates:\n  - metadata: {{name: data}}\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources: {{requests: {{storage: 10Gi}}}}\n",
        rng.pick(IMAGES),
        rng.below(20)
    );
}

fn prometheus(out: &mut String, rng: &mut Rng, ns: &str, name: &str, good: bool) {
    let replicas = if good { 2 } else { 1 };
    let _ = write!(
        out,
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  replicas: {replicas}\n  serviceAccountName: prometheus-{name}\n  retention: {}d\n  alerting:\n    alertmanagers:\n    - name: alertmanager-{name}\n      namespace: {ns}\n      port: web\n",
        7 + rng.below(20)
    );
    if good {
        let _ = write!(
            out,
            "  affinity:\n    podAntiAffinity:\n      preferredDuringSchedulingIgnoredDuringExecution:\n      - weight: 100\n        podAffinityTerm:\n          topologyKey: kubernetes.io/hostname\n          labelSelector:\n            matchLabels:\n              app.kubernetes.io/name: prometheus\n              app.kubernetes.io/instance: {name}\n"
        );
    }
    out.push_str(
        "  storage:\n    volumeClaimTemplate:\n      spec:\n        resources:\n          requests:\n            storage: 50Gi\n",
    );
}

fn alertmanager(out: &mut String, ns: &str, name: &str, good: bool) {
    let replicas = if good { 3 } else { 1 };
    let _ = write!(
        out,
        "apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  replicas: {replicas}\n"
    );
    if good {
        let _ = write!(
            out,
            "  affinity:\n    podAntiAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n      - topologyKey: kubernetes.io/hostname\n        labelSelector:\n          matchLabels:\n            alertmanager: {name}\n"
        );
    }
    out.push_str("  storage:\n    volumeClaimTemplate:\n      spec:\n        resources:\n          requests:\n            storage: 1Gi\n");
}

fn prometheus_configmap(out: &mut String, ns: &str, name: &str) {
    let _ = write!(
        out,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-prometheus-config\n  namespace: {ns}\ndata:\n  prometheus.yml: |\n    global:\n      scrape_interval: 30s\n      external_labels:\n        replica: ${{POD_NAME}}\n    alerting:\n      alert_relabel_configs:\n      - action: labeldrop\n        regex: replica\n      alertmanagers:\n      - kubernetes_sd_configs:\n        - role: endpoints\n          namespaces:\n            names: [{ns}]\n        relabel_configs:\n        - source_labels: [__meta_kubernetes_service_name]\n          regex: alertmanager-{name}\n          action: keep\n    scrape_configs:\n    - job_name: pods\n      kubernetes_sd_configs:\n      - role: pod\n"
    );
}

/// Starts a document.
fn push(text: &mut String, docs: &mut usize, in_file: &mut usize) {
    text.push_str("---\n");
    *docs += 1;
    *in_file += 1;
}

/// One "rendered chart" per file: a monitoring stack in some files, apps in
/// the others, until `total` documents are written.
pub fn mixed(total: usize) -> Vec<(String, String)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut files = Vec::new();
    let mut docs = 0;
    let mut file_index = 0;
    while docs < total {
        let ns = format!("{}-{}", rng.pick(TEAMS), file_index % 40);
        let mut text = String::new();
        let mut in_file = 0;
        if file_index % 10 == 0 {
            let name = format!("{}{}", rng.pick(WORDS), file_index);
            let good = rng.below(3) > 0;
            push(&mut text, &mut docs, &mut in_file);
            prometheus(&mut text, &mut rng, &ns, &name, good);
            push(&mut text, &mut docs, &mut in_file);
            alertmanager(&mut text, &ns, &name, good);
            push(&mut text, &mut docs, &mut in_file);
            service(
                &mut text,
                &ns,
                &format!("alertmanager-{name}"),
                &[("alertmanager", &name)],
                false,
            );
            push(&mut text, &mut docs, &mut in_file);
            pdb(
                &mut text,
                &ns,
                &format!("prometheus-{name}"),
                &[
                    ("app.kubernetes.io/name", "prometheus"),
                    ("app.kubernetes.io/instance", &name),
                ],
            );
            push(&mut text, &mut docs, &mut in_file);
            pdb(
                &mut text,
                &ns,
                &format!("alertmanager-{name}"),
                &[("alertmanager", &name)],
            );
            push(&mut text, &mut docs, &mut in_file);
            prometheus_configmap(&mut text, &ns, &name);
        }
        while in_file < 40 && docs < total {
            let app = rng.pick(WORDS);
            let instance = format!("{app}-{}", rng.below(1000));
            let team = rng.pick(TEAMS);
            let selector = [
                ("app.kubernetes.io/name", app),
                ("app.kubernetes.io/instance", instance.as_str()),
            ];
            match rng.below(100) {
                0..=29 => {
                    push(&mut text, &mut docs, &mut in_file);
                    service(&mut text, &ns, &instance, &selector, false);
                }
                30..=54 => {
                    push(&mut text, &mut docs, &mut in_file);
                    configmap(&mut text, &mut rng, &ns, &instance);
                }
                55..=79 => {
                    push(&mut text, &mut docs, &mut in_file);
                    deployment(&mut text, &mut rng, &ns, app, &instance, team);
                }
                80..=89 => {
                    push(&mut text, &mut docs, &mut in_file);
                    pdb(&mut text, &ns, &instance, &selector);
                }
                _ => {
                    push(&mut text, &mut docs, &mut in_file);
                    statefulset(&mut text, &mut rng, &ns, app, &instance, team);
                    if docs < total {
                        push(&mut text, &mut docs, &mut in_file);
                        service(&mut text, &ns, &instance, &selector, true);
                    }
                }
            }
        }
        files.push((format!("chart-{file_index:04}.yaml"), text));
        file_index += 1;
    }
    files
}

/// `pairs` copies of one Prometheus and the Service in front of it, in one
/// namespace, as kube-prometheus writes them: each Service selects
/// `{app.kubernetes.io/name: prometheus, prometheus: <name>}`, so every pair
/// shares the first label and only the second tells them apart. A join that
/// looks up by a shared label grows with the square of this.
pub fn shared_labels(pairs: usize) -> String {
    let mut text = String::new();
    for i in 0..pairs {
        push_shared_label_pair(&mut text, i);
    }
    text
}

/// The same, repeated until the text is at least `bytes` long.
pub fn shared_labels_of_size(bytes: usize) -> (String, usize) {
    let mut text = String::new();
    let mut pairs = 0;
    while text.len() < bytes {
        push_shared_label_pair(&mut text, pairs);
        pairs += 1;
    }
    (text, pairs)
}

fn push_shared_label_pair(text: &mut String, i: usize) {
    let _ = write!(
        text,
        "---\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: k8s-{i}\n  namespace: monitoring\n  labels:\n    app.kubernetes.io/part-of: kube-prometheus\nspec:\n  replicas: 2\n  podMetadata:\n    labels:\n      app.kubernetes.io/part-of: kube-prometheus\n  alerting:\n    alertmanagers:\n    - name: alertmanager-main\n      namespace: monitoring\n      port: web\n  affinity:\n    podAntiAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n      - topologyKey: kubernetes.io/hostname\n        labelSelector:\n          matchLabels:\n            app.kubernetes.io/name: prometheus\n            prometheus: k8s-{i}\n  storage:\n    volumeClaimTemplate:\n      spec:\n        resources:\n          requests:\n            storage: 50Gi\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: prometheus-k8s-{i}\n  namespace: monitoring\n  labels:\n    app.kubernetes.io/part-of: kube-prometheus\nspec:\n  selector:\n    app.kubernetes.io/name: prometheus\n    prometheus: k8s-{i}\n  ports:\n  - name: web\n    port: 9090\n    targetPort: web\n"
    );
}
