//! The admission requests the benchmark sends, each with the cluster its
//! lookups see.

use std::sync::Arc;

use anyhow::{Context, Result};
use promha_e2e::{ClusterState, Operation, build_admission_request};
use serde_json::{Value, json};

/// One kind of request: the admitted object and what the cluster holds.
pub struct RequestType {
    pub name: &'static str,
    /// The `validate` payload, serialized once: `{"request", "settings"}`.
    pub payload: Vec<u8>,
    /// The AdmissionReview policy-server is sent.
    pub review: Vec<u8>,
    /// Shared by every instance made for the request, as policy-server's
    /// informer caches are: copying it is no part of a request's cost.
    pub cluster: Arc<ClusterState>,
}

const OPERATOR_PROMETHEUS: &str = "\
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: k8s
  namespace: monitoring
  labels: {app.kubernetes.io/part-of: kube-prometheus}
spec:
  replicas: 2
  serviceAccountName: prometheus-k8s
  retention: 15d
  externalLabels: {cluster: prod}
  podMetadata:
    labels: {app.kubernetes.io/part-of: kube-prometheus}
  alerting:
    alertmanagers:
    - {name: alertmanager-operated, namespace: monitoring, port: web}
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels: {app.kubernetes.io/name: prometheus, prometheus: k8s}
  storage:
    volumeClaimTemplate:
      spec:
        storageClassName: standard
        resources: {requests: {storage: 50Gi}}
  resources:
    requests: {cpu: 500m, memory: 2Gi}
  ruleSelector: {matchLabels: {role: alert-rules}}
  serviceMonitorSelector: {}
";

const PROMETHEUS_CONFIG_MAP: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: prometheus-config
  namespace: legacy
data:
  prometheus.yml: |
    global:
      scrape_interval: 30s
      external_labels:
        cluster: prod
        replica: ${POD_NAME}
    alerting:
      alert_relabel_configs:
      - action: labeldrop
        regex: replica
      alertmanagers:
      - kubernetes_sd_configs:
        - role: pod
          namespaces: {names: [legacy]}
        relabel_configs:
        - source_labels: [__meta_kubernetes_pod_label_app]
          regex: alertmanager
          action: keep
    rule_files: [/etc/prometheus/rules/*.yaml]
    scrape_configs:
    - job_name: kubernetes-pods
      kubernetes_sd_configs:
      - role: pod
      relabel_configs:
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
        action: keep
        regex: true
    - job_name: prometheus
      static_configs:
      - targets: [localhost:9090]
";

/// The raw StatefulSet that mounts the ConfigMap above, and its Alertmanager.
const RAW_CLUSTER: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: prometheus, namespace: legacy}
spec:
  replicas: 2
  serviceName: prometheus
  selector: {matchLabels: {app: prometheus}}
  template:
    metadata: {labels: {app: prometheus}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - topologyKey: kubernetes.io/hostname
            labelSelector: {matchLabels: {app: prometheus}}
      containers:
      - name: prometheus
        image: quay.io/prometheus/prometheus:v3.1.0
        args: [--config.file=/etc/prometheus/prometheus.yml, --storage.tsdb.path=/prometheus]
        env:
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        volumeMounts:
        - {name: config, mountPath: /etc/prometheus}
        - {name: data, mountPath: /prometheus}
      volumes:
      - name: config
        configMap: {name: prometheus-config}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 50Gi}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: alertmanager, namespace: legacy}
spec:
  replicas: 3
  serviceName: alertmanager
  selector: {matchLabels: {app: alertmanager}}
  template:
    metadata: {labels: {app: alertmanager}}
    spec:
      containers:
      - name: alertmanager
        image: quay.io/prometheus/alertmanager:v0.28.0
        args: [--cluster.peer=alertmanager-0.alertmanager:9094, --cluster.peer=alertmanager-1.alertmanager:9094, --cluster.peer=alertmanager-2.alertmanager:9094]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: prometheus, namespace: legacy}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: prometheus}}
";

/// What a Prometheus's lookups find in a typical monitoring namespace:
/// its Alertmanager, the Services, budgets, and objects of other apps.
fn monitoring_namespace() -> String {
    let mut text = String::from(
        "\
apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata: {name: main, namespace: monitoring}
spec:
  replicas: 3
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector: {matchLabels: {alertmanager: main}}
---
apiVersion: v1
kind: Service
metadata: {name: alertmanager-main, namespace: monitoring}
spec:
  selector: {app.kubernetes.io/name: alertmanager, alertmanager: main}
  ports: [{name: web, port: 9093, targetPort: web}]
---
apiVersion: v1
kind: Service
metadata: {name: prometheus-k8s, namespace: monitoring}
spec:
  sessionAffinity: ClientIP
  selector: {app.kubernetes.io/name: prometheus, prometheus: k8s}
  ports: [{name: web, port: 9090, targetPort: web}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: prometheus-k8s, namespace: monitoring}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app.kubernetes.io/name: prometheus, prometheus: k8s}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: alertmanager-main, namespace: monitoring}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {alertmanager: main}}
",
    );
    for app in ["grafana", "kube-state-metrics", "node-exporter", "blackbox-exporter"] {
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {app}, namespace: monitoring}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app.kubernetes.io/name: {app}}}}}\n  template:\n    metadata: {{labels: {{app.kubernetes.io/name: {app}}}}}\n    spec:\n      containers: [{{name: {app}, image: example.com/{app}:1.0}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: {app}, namespace: monitoring}}\nspec:\n  selector: {{app.kubernetes.io/name: {app}}}\n  ports: [{{name: http, port: 80}}]\n"
        ));
    }
    text
}

fn object(yaml: &str) -> Result<Value> {
    promha_core::yaml_to_json(yaml)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .into_iter()
        .next()
        .context("no document")
}

fn request_type(name: &'static str, yaml: &str, cluster: ClusterState) -> Result<RequestType> {
    let object = object(yaml)?;
    let request = build_admission_request(Operation::Create, Some(&object), None)?;
    let payload = serde_json::to_vec(&json!({"request": request, "settings": {}}))?;
    let review = serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": request,
    }))?;
    Ok(RequestType {
        name,
        payload,
        review,
        cluster: Arc::new(cluster),
    })
}

/// The three request types of the table.
pub fn all() -> Result<Vec<RequestType>> {
    Ok(vec![
        request_type("operator Prometheus", OPERATOR_PROMETHEUS, ClusterState::empty())?,
        request_type(
            "ConfigMap with prometheus.yml (raw StatefulSet)",
            PROMETHEUS_CONFIG_MAP,
            ClusterState::from_yaml_str(RAW_CLUSTER)?,
        )?,
        request_type(
            "context-aware Prometheus (cluster answers lookups)",
            OPERATOR_PROMETHEUS,
            ClusterState::from_yaml_str(&monitoring_namespace())?,
        )?,
    ])
}
