"""gke-prod's pod against GKE's documented rules (issue #24 item 2): it schedules on the plan's node type, keeps
the weights in its cache volume, and gets the /dev/shm Google's example gives TGI.

Expectations come from Google's documents, not from our code:
- Node allocatable, cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes#memory_and_cpu_reservations:
  CPU reserved 6% of the first core, 1% of the next, 0.5% of the next 2, 0.25% of each core above 4; memory
  25% of the first 4 GiB, 20% of the next 4 GiB, 10% of the next 8 GiB, 6% of the next 112 GiB; eviction
  threshold 100 MiB. g2-standard-8 (cloud.google.com/compute/docs/gpus: 8 vCPU, 32 GB, one L4):
    CPU    8000m - (60 + 10 + 2*5 + 4*2.5)m = 7910m
    memory 32768 MiB - (1024 + 819.2 + 819.2 + 16*1024*0.06) - 100 = 29022.56 MiB
  A pod whose requests exceed it never schedules there (kubernetes.io/docs/concepts/scheduling-eviction/
  kube-scheduler: the node must have the requested resources allocatable).
- Google's GKE example, huggingface/Google-Cloud-Containers examples/gke/tgi-deployment/config/deployment.yaml
  (commit 8d6aa78b23eb54fdf6bcb8cc1ce26ba7e593fdd9): requests `nvidia.com/gpu: 1` only; `/dev/shm` an emptyDir
  `{medium: Memory, sizeLimit: 1Gi}`; its cache emptyDir mounted at /tmp.
- The DLC gke-prod pins (TGI 2.4.0), containers/tgi/gpu/2.4.0/Dockerfile, same commit: `ENV HF_HOME=/tmp`: the
  weights go to /tmp, so the cache volume must be mounted there or they land in the container's writable layer
  and are downloaded again on every restart.
- Extended resources (nvidia.com/gpu) cannot be overcommitted: request == limit
  (kubernetes.io/docs/concepts/configuration/manage-resources-containers/#extended-resources).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.plan import PlanError
from components.providers import registry
from components.providers.kubernetes import KubernetesSettings, check_node_fit, pod_spec
from components.sizing.recommend import Plan
from components.stack import parse_config
from policies.rules import evaluate
from tests.baseten_cases import raw_config
from tests.plans import contract_for, plan_for

DLC = ("us-docker.pkg.dev/deeplearning-platform-release/gcr.io/"
       "huggingface-text-generation-inference-cu124.2-4.ubuntu2204.py311")
# Google publishes the DLC under `latest` only (its examples and docs name no other tag): the stack leaves the
# digest to the user (`gcloud artifacts docker images describe`); the tests pin a stand-in one, never pulled.
DLC_PINNED = DLC + "@sha256:" + "0" * 64
G2_STANDARD_8_CPU_M = 8000 - (60 + 10 + 2 * 5 + 4 * 2.5)
G2_STANDARD_8_MEMORY_MIB = 32768 - (1024 + 819.2 + 819.2 + 16 * 1024 * 0.06) - 100


def _cpu_m(q: str) -> float:
    return float(q[:-1]) if q.endswith("m") else float(q) * 1000


def _mib(q: str) -> float:
    units = {"Mi": 1, "Gi": 1024, "Ki": 1 / 1024}
    return float(q[:-2]) * units[q[-2:]]


def gke(**override: Any) -> tuple[Any, KubernetesSettings, Plan]:
    cfg = parse_config(*raw_config("gke-prod", **{"image": DLC_PINNED, **override}))
    assert isinstance(cfg.settings, KubernetesSettings)
    assert plan_node(cfg) == "g2-standard-8"
    return cfg, cfg.settings, plan_for(cfg, startup=registry.provider(cfg.provider).startup)


def plan_node(cfg: Any) -> str | None:
    gpu = plan_for(cfg).gpu
    return (gpu.node_type or gpu.name) if gpu else None


def pod(**override: Any) -> dict[str, Any]:
    cfg, kc, plan = gke(**override)
    return pod_spec(cfg, kc, plan, {}, "tgi-gemma-secrets", ["HF_TOKEN", "API_KEY"])


def gke_rule_problems(spec: dict[str, Any]) -> list[str]:
    """gke-prod's pod (a g2-standard-8 node, the TGI 2.4.0 DLC) against the documented rules above."""
    tgi = spec["containers"][0]
    requests, limits = tgi["resources"]["requests"], tgi["resources"].get("limits", {})
    problems = []
    if _cpu_m(str(requests.get("cpu", "0"))) > G2_STANDARD_8_CPU_M:
        problems.append(f"cpu request {requests['cpu']} > {G2_STANDARD_8_CPU_M}m allocatable")
    if _mib(str(requests.get("memory", "0Mi"))) > G2_STANDARD_8_MEMORY_MIB:
        problems.append(f"memory request {requests['memory']} > {G2_STANDARD_8_MEMORY_MIB} MiB allocatable")
    if not requests.get("nvidia.com/gpu") == limits.get("nvidia.com/gpu") == "1":
        problems.append(f"GPU request/limit {requests}/{limits}")
    mounts = {m["name"]: m["mountPath"] for m in tgi["volumeMounts"]}
    env = {e["name"]: e.get("value") for e in tgi["env"]}
    if mounts.get("model-cache") != env.get("HF_HOME", "/tmp"):  # the DLC's HF_HOME unless the env moves it
        problems.append(f"model cache at {mounts.get('model-cache')}, the image writes to {env.get('HF_HOME', '/tmp')}")
    shm = next(v for v in spec["volumes"] if v["name"] == "dshm")["emptyDir"]
    if shm.get("medium") != "Memory" or _mib(shm["sizeLimit"]) < 1024:
        problems.append(f"/dev/shm {shm}, Google's example: Memory, 1Gi")
    return problems


def test_gke_prods_pod_follows_gkes_documented_rules() -> None:
    """Fits a g2-standard-8, keeps the weights in its cache volume, /dev/shm as Google's example."""
    assert gke_rule_problems(pod()) == []


def test_requests_beyond_the_nodes_allocatable_are_refused_at_preview_naming_the_key() -> None:
    cfg, kc, plan = gke(resources={"cpu": 8, "memory_mb": 30720, "storage_gb": 60})
    with pytest.raises(PlanError) as err:
        check_node_fit(cfg, kc, plan)
    text = str(err.value)
    assert "tgi-fleet:resources.cpu requests 8 vCPU" in text and f"{int(G2_STANDARD_8_CPU_M)}m" in text
    assert "tgi-fleet:resources.memory_mb requests 30720 MiB" in text and "Fix: remove resources.memory_mb" in text
    # What fits is deployed as asked.
    cfg, kc, plan = gke(resources={"cpu": 6, "memory_mb": 24576, "storage_gb": 60})
    check_node_fit(cfg, kc, plan)
    tgi = pod_spec(cfg, kc, plan, {}, "s", [])["containers"][0]
    assert tgi["resources"]["requests"] == {"cpu": "6", "memory": "24576Mi", "nvidia.com/gpu": "1"}


def test_the_policy_pack_stops_requests_beyond_the_node_too() -> None:
    from components.tgi import launcher_env

    cfg, _, plan = gke()
    base = contract_for(cfg, plan, plain_env=launcher_env(cfg, plan), secret_env=[]).props()
    fits = {**base, "node_type": "g2-standard-8", "cpu_request_m": 7000, "memory_request_mib": 24576}
    assert evaluate(fits)["requests-fit-node"] == []
    over = {**fits, "cpu_request_m": 8000, "memory_request_mib": 30720}
    msgs = evaluate(over)["requests-fit-node"]
    assert len(msgs) == 2 and "tgi-fleet:resources.cpu" in msgs[0] and "tgi-fleet:resources.memory_mb" in msgs[1]
    # A cluster whose node types the program does not know (plain Kubernetes) is not judged.
    assert evaluate({**over, "node_type": None})["requests-fit-node"] == []


def test_plain_kubernetes_keeps_its_requests_cache_and_shm() -> None:
    cfg = parse_config(*raw_config("k8s-prod"))
    assert isinstance(cfg.settings, KubernetesSettings)
    plan = plan_for(cfg)
    spec = pod_spec(cfg, cfg.settings, plan, {}, "s", [])
    tgi = spec["containers"][0]
    assert tgi["resources"]["requests"] == {"cpu": str(cfg.resources.cpu), "memory": f"{cfg.resources.memory_mb}Mi",
                                            "nvidia.com/gpu": "1"}
    assert {m["mountPath"] for m in tgi["volumeMounts"]} == {"/dev/shm", "/data"}  # upstream TGI: HF_HOME=/data
    assert json.dumps(spec["volumes"][0]) == json.dumps(
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}})
