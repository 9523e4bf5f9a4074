"""Kubernetes (and GKE with Google's TGI containers): Deployment + Service (+ Ingress, PDB, HPA) under a TgiService.

Render mode (tgi-fleet:kubernetes.render_dir) writes the manifests for GitOps instead of applying them; it
never renders a Secret (rendered files are plain text): the Deployment refers to `existing_secret`, which the
GitOps pipeline provides. `pulumi up` creates that Secret itself from the stack's Pulumi secrets.
"""

from __future__ import annotations

import math
from typing import Any

import pulumi
from pydantic import Field

from components.catalog.nodes import request_problems
from components.config import FleetConfig, Settings
from components.engines.base import Launch
from components.engines.registry import engine
from components.image import hub_cache_dir
from components.plan import PlanError
from components.providers.base import BuildContext, Provider
from components.providers.direct import HealthReadiness, bearer_auth, required_api_key
from components.service import ServiceOutputs, TgiService
from components.sizing.recommend import SINGLE_CONNECTION_HUB_MB_S, Plan, StartupRule
from components.tgi import API_KEY_ENV, HF_TOKEN_ENV, MIB, shm_bytes

GPU_RESOURCE = "nvidia.com/gpu"
GKE_ACCELERATOR = "cloud.google.com/gke-accelerator"
PROBE_PERIOD_S = 10
AWAIT_MARGIN_S = 300
# Google's GKE example mounts /dev/shm as a 1 Gi in-memory emptyDir (huggingface/Google-Cloud-Containers
# examples/gke/tgi-deployment/config/deployment.yaml, commit 8d6aa78: `medium: Memory, sizeLimit: 1Gi`).
GKE_SHM_MIB = 1024


class KubernetesSettings(Settings):
    """Kubernetes target (`tgi-fleet:kubernetes.*`)."""

    namespace: str = Field("tgi", description="the namespace to deploy into (created unless create_namespace: false)")
    create_namespace: bool = Field(True, description="true or false")
    context: str | None = Field(None, description="the kubeconfig context to use")
    render_dir: str | None = Field(None, description="write manifests here instead of applying them (GitOps)")
    gke: bool = Field(False, description="true: GKE accelerator labels and Google's TGI DLC image")
    node_selector: dict[str, str] = Field(default_factory=dict, description="extra node labels to select")
    ingress_host: str | None = Field(None, description="the public host name of the Ingress")
    ingress_class: str = Field("nginx", description="the IngressClass name")
    model_cache_pvc_gb: int | None = Field(None, ge=1, description="a PVC size for /data, or unset for emptyDir")
    hpa_max_replicas: int | None = Field(None, ge=1, description="enable an HPA up to this many replicas")
    existing_secret: str | None = Field(
        None, description="the Secret (keys HF_TOKEN, API_KEY) name: `pulumi up` creates it; render mode refers to it"
    )


def _secret_ref(secret: str, key: str, env: str | None = None) -> dict[str, Any]:
    """The env var `env` (default: the key's name) from key `key` of the Secret."""
    return {"name": env or key, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def probes(port: int, startup_budget_s: int, path: str = "/health") -> dict[str, Any]:
    """Startup covers download + load + warm-up; readiness gates traffic; liveness restarts a hung server."""
    get = {"path": path, "port": port}
    return {
        "startupProbe": {"httpGet": get, "periodSeconds": PROBE_PERIOD_S, "timeoutSeconds": 5,
                         "failureThreshold": max(3, math.ceil(startup_budget_s / PROBE_PERIOD_S))},
        "readinessProbe": {"httpGet": get, "periodSeconds": 5, "timeoutSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {"httpGet": get, "periodSeconds": 10, "timeoutSeconds": 10, "failureThreshold": 6},
    }


def node_selector(cfg: FleetConfig, kc: KubernetesSettings, plan: Plan) -> dict[str, str]:
    """GKE's accelerator label for the plan's GPU, plus any labels from the stack."""
    selector = dict(kc.node_selector)
    if kc.gke:
        accel = plan.gpu.gke_accelerator if plan.gpu else None
        if not accel:
            raise PlanError(f"tgi-fleet:gpu.name = {cfg.gpu.name!r}: GKE has no accelerator label for it. Fix: use "
                            f"L4, T4, A100 40GB, A100 80GB or H100 80GB.")
        selector[GKE_ACCELERATOR] = accel
    return selector


def pod_shm_bytes(cfg: FleetConfig, kc: KubernetesSettings, plan: Plan) -> int:
    """/dev/shm: resources.shm_mb when set; on GKE Google's example's 1 Gi; otherwise the common default."""
    if kc.gke and cfg.resources.shm_mb is None:
        return max(GKE_SHM_MIB * MIB, shm_bytes(cfg, plan))
    return shm_bytes(cfg, plan)


def pod_requests(cfg: FleetConfig, kc: KubernetesSettings) -> tuple[int | None, int | None]:
    """(CPU millicores, memory MiB) the pod requests besides its GPUs; None: no request.

    On GKE only what the stack sets itself (Google's example requests the GPU only): the defaults (8 vCPU,
    30 GiB) exceed what a g2-standard-8 leaves to pods. Elsewhere the resources section as before.
    """
    r = cfg.resources
    if kc.gke:
        chosen = r.model_fields_set
        return (r.cpu * 1000 if "cpu" in chosen else None, r.memory_mb if "memory_mb" in chosen else None)
    return r.cpu * 1000, r.memory_mb


def gke_node_type(kc: KubernetesSettings, plan: Plan) -> str | None:
    """The GCP node type the plan is priced on (GKE only; your own cluster's nodes are unknown)."""
    if not kc.gke or plan.gpu is None:
        return None
    return plan.gpu.node_type or plan.gpu.name


def check_node_fit(cfg: FleetConfig, kc: KubernetesSettings, plan: Plan) -> None:
    """Refuse requests the plan's GKE node type cannot give a pod (it would stay Pending), before anything runs."""
    node = gke_node_type(kc, plan)
    if node is None:
        return
    problems = request_problems(node, *pod_requests(cfg, kc))
    if problems:
        raise PlanError(" ".join(problems))


def _container_resources(cfg: FleetConfig, kc: KubernetesSettings, plan: Plan) -> dict[str, Any]:
    cpu_m, memory_mib = pod_requests(cfg, kc)
    gpus = {GPU_RESOURCE: str(plan.num_shard)}  # an extended resource: its request must equal its limit
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    if cpu_m is not None:
        requests["cpu"] = f"{cpu_m // 1000}" if cpu_m % 1000 == 0 else f"{cpu_m}m"
    if memory_mib is not None:
        requests["memory"] = limits["memory"] = f"{memory_mib}Mi"
    return {"requests": {**requests, **gpus}, "limits": {**limits, **gpus}}


def pod_spec(cfg: FleetConfig, kc: KubernetesSettings, plan: Plan, env: dict[str, str], secret: str,
             secret_keys: list[str], launch: Launch | None = None) -> dict[str, Any]:
    """The engine's pod: GPUs = num_shard, /dev/shm in memory, a model cache where the image writes, probes from
    the sizing budget. launch: the engine's command (None or the image's own: env only, as TGI); the API key
    reaches the engine's own variable from the Secret's API_KEY key."""
    eng = engine(cfg.engine)
    launch = launch or Launch(env=env)
    port = cfg.gateway.port
    r = cfg.resources
    volumes: list[dict[str, Any]] = [{"name": "dshm", "emptyDir": {
        "medium": "Memory", "sizeLimit": f"{pod_shm_bytes(cfg, kc, plan) // MIB}Mi"}}]
    if kc.model_cache_pvc_gb:
        volumes.append({"name": "model-cache", "persistentVolumeClaim": {"claimName": f"{cfg.name}-model-cache"}})
    else:
        volumes.append({"name": "model-cache", "emptyDir": {"sizeLimit": f"{r.storage_gb}Gi"}})
    container = {
        "name": "tgi",
        "image": eng.image(cfg),
        "ports": [{"name": "http", "containerPort": port}],
        "env": [{"name": k, "value": v} for k, v in sorted(env.items())]
        + [_secret_ref(secret, key, eng.api_key_env if key == API_KEY_ENV else key) for key in secret_keys],
        "resources": _container_resources(cfg, kc, plan),
        "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"},
                         {"name": "model-cache", "mountPath": hub_cache_dir(eng.image(cfg))}],
        **probes(port, plan.startup_budget_s, eng.health_path),
    }
    if not launch.image_default:  # Kubernetes expands $(VAR) in command and args from the container's env
        container["command"] = list(launch.program)
        container["args"] = launch.kubernetes_args()
    return {
        "containers": [container],
        "volumes": volumes,
        "nodeSelector": node_selector(cfg, kc, plan) or None,
        "tolerations": [{"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}],
        "terminationGracePeriodSeconds": 60,
    }


def ingress_annotations(kc: KubernetesSettings) -> dict[str, str]:
    """GKE's Ingress controller acts on the `kubernetes.io/ingress.class` annotation, not on ingressClassName
    (https://cloud.google.com/kubernetes-engine/docs/concepts/ingress); nginx annotations do nothing there."""
    if kc.gke:
        return {"kubernetes.io/ingress.class": kc.ingress_class}
    return {"nginx.ingress.kubernetes.io/proxy-read-timeout": "300",
            "nginx.ingress.kubernetes.io/proxy-buffering": "off"}  # SSE streams token by token


def ingress_spec(kc: KubernetesSettings, service: str) -> dict[str, Any]:
    """One host routed to the Service; on GKE no ingressClassName and no tls block, since nothing creates the
    TLS Secret there (add a ManagedCertificate yourself for HTTPS)."""
    spec: dict[str, Any] = {"rules": [{"host": kc.ingress_host, "http": {"paths": [{
        "path": "/", "pathType": "Prefix", "backend": {"service": {"name": service, "port": {"number": 80}}}}]}}]}
    if not kc.gke:
        spec["ingressClassName"] = kc.ingress_class
        spec["tls"] = [{"hosts": [kc.ingress_host], "secretName": f"{service}-tls"}]
    return spec


class KubernetesService(TgiService):
    """Namespace, Secret, Deployment, Service, and optional Ingress, PDB, HPA, PVC."""

    def __init__(self, name: str, ctx: BuildContext[KubernetesSettings],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        import pulumi_kubernetes as k8s

        cfg, plan, kc = ctx.cfg, ctx.plan, ctx.settings
        # 0.0.0.0: k8s would set HOSTNAME (TGI's bind address) to the pod name otherwise.
        launch = ctx.engine.launch(cfg, plan, host="0.0.0.0", api_key=cfg.gateway.auth)
        env = launch.env
        secret_keys = ([HF_TOKEN_ENV] if cfg.secrets.hf_token_source != "none" else []) + (
            [API_KEY_ENV] if cfg.gateway.auth else [])
        render = kc.render_dir is not None
        # Before anything is registered: a missing key must not leave a namespace behind.
        api_key = required_api_key(ctx.secrets) if cfg.gateway.auth and not render else None
        if render and secret_keys and not kc.existing_secret:
            raise PlanError("tgi-fleet:kubernetes.existing_secret is not set: render mode writes plain-text files, "
                            "so it never renders the token. Fix: name a Secret (keys HF_TOKEN, API_KEY) that your "
                            "GitOps pipeline provides (e.g. External Secrets).")
        check_node_fit(cfg, kc, plan)
        cpu_m, memory_mib = pod_requests(cfg, kc)
        secret_env = [ctx.engine.api_key_env if key == API_KEY_ENV else key for key in secret_keys]
        contract = ctx.contract(plain_env=env, secret_env=secret_env, shm=pod_shm_bytes(cfg, kc, plan),
                                gateway_auth=cfg.gateway.auth and cfg.gateway.enabled,
                                node_type=gke_node_type(kc, plan), cpu_request_m=cpu_m, memory_request_mib=memory_mib)
        super().__init__(name, contract, opts)
        provider = k8s.Provider(f"{name}-k8s", render_yaml_to_directory=kc.render_dir,
                                context=None if render else kc.context, opts=self.child_opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        labels = {"app.kubernetes.io/name": "tgi", "app.kubernetes.io/instance": name,
                  "app.kubernetes.io/managed-by": "tgi-fleet"}
        meta = {"namespace": kc.namespace, "labels": labels}
        depends: list[pulumi.Resource] = []
        if kc.create_namespace:
            depends.append(k8s.core.v1.Namespace(f"{name}-ns", metadata={"name": kc.namespace, "labels": labels},
                                                 opts=child))
        secret_name = kc.existing_secret or f"{name}-secrets"
        if secret_keys and not render:
            data: dict[str, pulumi.Input[str]] = {}
            if ctx.secrets.hf_token:
                data[HF_TOKEN_ENV] = pulumi.Output.secret(ctx.secrets.hf_token)
            if api_key:
                data[API_KEY_ENV] = pulumi.Output.secret(api_key)
            depends.append(k8s.core.v1.Secret(f"{name}-secrets", metadata={**meta, "name": secret_name},
                                              string_data=data, type="Opaque",
                                              opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(
                                                  depends_on=depends[:]))))
        after = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=depends))
        if kc.model_cache_pvc_gb:
            k8s.core.v1.PersistentVolumeClaim(
                f"{name}-model-cache", metadata={**meta, "name": f"{name}-model-cache"},
                spec={"accessModes": ["ReadWriteOnce"],
                      "resources": {"requests": {"storage": f"{kc.model_cache_pvc_gb}Gi"}}},
                opts=after)
        selector = {"app.kubernetes.io/instance": name}
        deployment = k8s.apps.v1.Deployment(
            name,
            metadata={**meta, "name": name, "annotations": {
                # A cold model download must not time the update out: wait as long as the sizing budget says.
                "pulumi.com/timeoutSeconds": str(plan.readiness_timeout_s + AWAIT_MARGIN_S)}},
            spec={"replicas": cfg.replicas, "selector": {"matchLabels": selector},
                  "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                  "template": {"metadata": {"labels": labels},
                               "spec": pod_spec(cfg, kc, plan, env, secret_name, secret_keys, launch)}},
            opts=after)
        svc = k8s.core.v1.Service(
            name, metadata={**meta, "name": name},
            spec={"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": cfg.gateway.port}]},
            opts=after)
        if cfg.replicas > 1:
            k8s.policy.v1.PodDisruptionBudget(
                name, metadata={**meta, "name": name},
                spec={"minAvailable": max(1, cfg.replicas - 1), "selector": {"matchLabels": selector}}, opts=after)
        if kc.hpa_max_replicas:
            k8s.autoscaling.v2.HorizontalPodAutoscaler(
                name, metadata={**meta, "name": name},
                spec={"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                      "minReplicas": cfg.replicas, "maxReplicas": max(kc.hpa_max_replicas, cfg.replicas),
                      "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                                                    "target": {"type": "Utilization",
                                                                               "averageUtilization": 80}}}]},
                opts=after)
        endpoint: str | None = None
        if cfg.gateway.enabled and kc.ingress_host:
            spec = ingress_spec(kc, name)
            k8s.networking.v1.Ingress(name, metadata={**meta, "name": name, "annotations": ingress_annotations(kc)},
                                      spec=spec, opts=after)
            endpoint = f"{'https' if 'tls' in spec else 'http'}://{kc.ingress_host}"  # https where the spec has TLS
        endpoint = cfg.smoke.endpoint or endpoint
        headers, auth_hint = bearer_auth(cfg, ctx.secrets)
        reachable = endpoint if endpoint and not render else None
        self.finish(ServiceOutputs(
            endpoint=pulumi.Output.from_input(reachable) if reachable else None,
            headers=headers,
            readiness=headers.apply(lambda h: {"url": reachable, "headers": h})
            if reachable else None,
            # From the Deployment's own output: the smoke test waits for the rollout (the provider awaits it) and
            # re-runs whenever the pod template or the replica count changed (a new generation).
            trigger=deployment.metadata.apply(lambda m: f"{name}-generation-{m.generation if m else None}"),
            status=deployment.status.apply(lambda st: "rendered" if render else
                                           f"{(st.ready_replicas if st else 0) or 0}/{cfg.replicas} ready"),
            auth_hint=auth_hint,
            extras={"namespace": kc.namespace, "service": svc.metadata.apply(lambda m: m.name),
                    "render_dir": kc.render_dir},
        ))


class KubernetesProvider(HealthReadiness, Provider[KubernetesSettings]):
    """Any Kubernetes cluster with NVIDIA GPU nodes; GKE (gke: true) is priced from GCP's list."""

    settings_model = KubernetesSettings
    plugins = ("kubernetes",)
    # Cloud nodes pull from the Hub at the single-connection rate (recommend.py). Never below Kubernetes' own
    # startupProbe default, periodSeconds 10 x failureThreshold 3 (kubernetes.io/docs/tasks/configure-pod-container/
    # configure-liveness-readiness-startup-probes); failureThreshold is an int32, so no ceiling that matters.
    startup = StartupRule(download_mb_s=SINGLE_CONNECTION_HUB_MB_S, floor_s=10 * 3)

    def catalog(self, settings: KubernetesSettings) -> str | None:
        # Your own cluster has no price list; GKE's nodes are GCP's, with their accelerator labels.
        return "gcp" if settings.gke else "kubernetes"

    def log_destination(self, settings: KubernetesSettings) -> str:
        return "cluster"  # the cluster's own pipeline collects what TGI writes to stdout and stderr

    def renders_only(self, settings: KubernetesSettings) -> bool:
        return settings.render_dir is not None

    def build(self, name: str, ctx: BuildContext[KubernetesSettings]) -> TgiService:
        return KubernetesService(name, ctx)


PROVIDER = KubernetesProvider()
