"""Kubernetes (and GKE with Google's TGI containers): Deployment + Service (+ Ingress, PDB, HPA) under a TgiService.

Render mode (tgi-fleet:kubernetes.render_dir) writes the manifests for GitOps instead of applying them; it
never renders a Secret (rendered files are plain text): the Deployment refers to `existing_secret`, which the
GitOps pipeline provides. `pulumi up` creates that Secret itself from the stack's Pulumi secrets.
"""

from __future__ import annotations

import math
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.config import FleetConfig
from components.plan import PlanError
from components.providers import Deployment, bearer_auth, required_api_key
from components.secrets import hf_token
from components.service import TgiService
from components.sizing.recommend import Plan
from components.tgi import API_KEY_ENV, HF_TOKEN_ENV, launcher_env, service_contract, shm_bytes

GPU_RESOURCE = "nvidia.com/gpu"
GKE_ACCELERATOR = "cloud.google.com/gke-accelerator"
PROBE_PERIOD_S = 10
AWAIT_MARGIN_S = 300


def _secret_ref(secret: str, key: str) -> dict[str, Any]:
    return {"name": key, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def probes(port: int, startup_budget_s: int) -> dict[str, Any]:
    """Startup covers download + load + warm-up; readiness gates traffic; liveness restarts a hung server."""
    get = {"path": "/health", "port": port}
    return {
        "startupProbe": {"httpGet": get, "periodSeconds": PROBE_PERIOD_S, "timeoutSeconds": 5,
                         "failureThreshold": max(3, math.ceil(startup_budget_s / PROBE_PERIOD_S))},
        "readinessProbe": {"httpGet": get, "periodSeconds": 5, "timeoutSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {"httpGet": get, "periodSeconds": 10, "timeoutSeconds": 10, "failureThreshold": 6},
    }


def node_selector(cfg: FleetConfig, plan: Plan) -> dict[str, str]:
    """GKE's accelerator label for the plan's GPU, plus any labels from the stack."""
    selector = dict(cfg.kubernetes.node_selector)
    if cfg.kubernetes.gke:
        accel = plan.gpu.gke_accelerator if plan.gpu else None
        if not accel:
            raise PlanError(f"tgi-fleet:gpu.name = {cfg.gpu.name!r}: GKE has no accelerator label for it. Fix: use "
                            f"L4, T4, A100 40GB, A100 80GB or H100 80GB.")
        selector[GKE_ACCELERATOR] = accel
    return selector


def pod_spec(cfg: FleetConfig, plan: Plan, env: dict[str, str], secret: str, secret_keys: list[str]) -> dict[str, Any]:
    """The TGI pod: GPUs = num_shard, /dev/shm in memory, a model cache, probes from the sizing budget."""
    port = cfg.gateway.port
    r = cfg.resources
    volumes: list[dict[str, Any]] = [{"name": "dshm", "emptyDir": {"medium": "Memory",
                                                                   "sizeLimit": f"{shm_bytes(cfg, plan) // 2**20}Mi"}}]
    if cfg.kubernetes.model_cache_pvc_gb:
        volumes.append({"name": "model-cache", "persistentVolumeClaim": {"claimName": f"{cfg.name}-model-cache"}})
    else:
        volumes.append({"name": "model-cache", "emptyDir": {"sizeLimit": f"{r.storage_gb}Gi"}})
    container = {
        "name": "tgi",
        "image": cfg.image,
        "ports": [{"name": "http", "containerPort": port}],
        "env": [{"name": k, "value": v} for k, v in sorted(env.items())]
        + [_secret_ref(secret, key) for key in secret_keys],
        "resources": {
            "requests": {"cpu": str(r.cpu), "memory": f"{r.memory_mb}Mi", GPU_RESOURCE: str(plan.num_shard)},
            "limits": {"memory": f"{r.memory_mb}Mi", GPU_RESOURCE: str(plan.num_shard)},
        },
        "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}, {"name": "model-cache", "mountPath": "/data"}],
        **probes(port, plan.startup_budget_s),
    }
    return {
        "containers": [container],
        "volumes": volumes,
        "nodeSelector": node_selector(cfg, plan) or None,
        "tolerations": [{"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}],
        "terminationGracePeriodSeconds": 60,
    }


def build(cfg: FleetConfig, plan: Plan) -> Deployment:
    """Namespace, Secret, Deployment, Service, and optional Ingress, PDB, HPA, PVC."""
    kc = cfg.kubernetes
    env = launcher_env(cfg, plan, hostname="0.0.0.0")  # k8s would set HOSTNAME to the pod name otherwise
    secret_keys = ([HF_TOKEN_ENV] if cfg.secrets.hf_token_source != "none" else []) + (
        [API_KEY_ENV] if cfg.gateway.auth else [])
    render = cfg.renders_only
    # Read the secrets before anything is registered: a missing one must not leave a namespace behind.
    api_key = required_api_key(cfg) if cfg.gateway.auth and not render else None
    token = hf_token(cfg) if secret_keys and not render else None
    if render and secret_keys and not kc.existing_secret:
        raise PlanError("tgi-fleet:kubernetes.existing_secret is not set: render mode writes plain-text files, so "
                        "it never renders the token. Fix: name a Secret (keys HF_TOKEN, API_KEY) that your GitOps "
                        "pipeline provides (e.g. External Secrets).")
    contract = service_contract(cfg, plan, plain_env=env, secret_env=secret_keys,
                                gateway_auth=cfg.gateway.auth and cfg.gateway.enabled)
    service = TgiService(cfg.name, contract)
    provider = k8s.Provider(f"{cfg.name}-k8s", render_yaml_to_directory=kc.render_dir,
                            context=None if render else kc.context, opts=pulumi.ResourceOptions(parent=service))
    opts = pulumi.ResourceOptions(parent=service, provider=provider)
    labels = {"app.kubernetes.io/name": "tgi", "app.kubernetes.io/instance": cfg.name,
              "app.kubernetes.io/managed-by": "tgi-fleet"}
    meta = {"namespace": kc.namespace, "labels": labels}
    depends: list[pulumi.Resource] = []
    if kc.create_namespace:
        depends.append(k8s.core.v1.Namespace(f"{cfg.name}-ns", metadata={"name": kc.namespace, "labels": labels},
                                             opts=opts))
    secret_name = kc.existing_secret or f"{cfg.name}-secrets"
    if secret_keys and not render:
        data: dict[str, pulumi.Input[str]] = {}
        if token:
            data[HF_TOKEN_ENV] = pulumi.Output.secret(token)
        if api_key:
            data[API_KEY_ENV] = pulumi.Output.secret(api_key)
        depends.append(k8s.core.v1.Secret(f"{cfg.name}-secrets", metadata={**meta, "name": secret_name},
                                          string_data=data, type="Opaque",
                                          opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
                                              depends_on=depends[:]))))
    dep_opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=depends))
    if kc.model_cache_pvc_gb:
        k8s.core.v1.PersistentVolumeClaim(
            f"{cfg.name}-model-cache", metadata={**meta, "name": f"{cfg.name}-model-cache"},
            spec={"accessModes": ["ReadWriteOnce"],
                  "resources": {"requests": {"storage": f"{kc.model_cache_pvc_gb}Gi"}}},
            opts=dep_opts)
    selector = {"app.kubernetes.io/instance": cfg.name}
    k8s.apps.v1.Deployment(
        cfg.name,
        metadata={**meta, "name": cfg.name, "annotations": {
            # A cold model download must not time the update out: wait as long as the sizing budget says.
            "pulumi.com/timeoutSeconds": str(plan.readiness_timeout_s + AWAIT_MARGIN_S)}},
        spec={"replicas": cfg.replicas, "selector": {"matchLabels": selector},
              "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
              "template": {"metadata": {"labels": labels},
                           "spec": pod_spec(cfg, plan, env, secret_name, secret_keys)}},
        opts=dep_opts)
    svc = k8s.core.v1.Service(
        cfg.name, metadata={**meta, "name": cfg.name},
        spec={"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": cfg.gateway.port}]},
        opts=dep_opts)
    if cfg.replicas > 1:
        k8s.policy.v1.PodDisruptionBudget(
            cfg.name, metadata={**meta, "name": cfg.name},
            spec={"minAvailable": max(1, cfg.replicas - 1), "selector": {"matchLabels": selector}}, opts=dep_opts)
    if kc.hpa_max_replicas:
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            cfg.name, metadata={**meta, "name": cfg.name},
            spec={"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": cfg.name},
                  "minReplicas": cfg.replicas, "maxReplicas": max(kc.hpa_max_replicas, cfg.replicas),
                  "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                                                "target": {"type": "Utilization",
                                                                           "averageUtilization": 80}}}]},
            opts=dep_opts)
    endpoint: str | None = None
    if cfg.gateway.enabled and kc.ingress_host:
        k8s.networking.v1.Ingress(
            cfg.name, metadata={**meta, "name": cfg.name, "annotations": {
                "nginx.ingress.kubernetes.io/proxy-read-timeout": "300",
                "nginx.ingress.kubernetes.io/proxy-buffering": "off"}},  # SSE streams token by token
            spec={"ingressClassName": kc.ingress_class,
                  "rules": [{"host": kc.ingress_host, "http": {"paths": [{
                      "path": "/", "pathType": "Prefix",
                      "backend": {"service": {"name": cfg.name, "port": {"number": 80}}}}]}}],
                  "tls": [{"hosts": [kc.ingress_host], "secretName": f"{cfg.name}-tls"}]},
            opts=dep_opts)
        endpoint = f"https://{kc.ingress_host}"
    endpoint = cfg.smoke.endpoint or endpoint
    headers, auth_hint = bearer_auth(cfg)
    readiness = None
    if endpoint and not render:
        readiness = headers.apply(lambda h: {"kind": "http", "url": endpoint, "headers": h})
    return Deployment(
        service=service,
        endpoint=pulumi.Output.from_input(endpoint) if endpoint and not render else None,
        headers=headers,
        readiness=readiness,
        trigger=pulumi.Output.from_input(f"{cfg.name}-{contract.image}-{plan.max_total_tokens}-{cfg.replicas}"),
        auth_hint=auth_hint,
        outputs={"namespace": kc.namespace, "service": svc.metadata.apply(lambda m: m.name),
                 "render_dir": kc.render_dir},
    )
