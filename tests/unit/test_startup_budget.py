"""Startup budgets from each platform's own facts, not a 100 MB/s assumption (issue #24 item 3).

A replica whose startup probe gives up mid-download is killed, restarted, never ready, and billing.
- SaladCloud's nodes are home PCs: of 100 instances pulling a 5.5 GB image, half were online after 10 minutes and
  90% after 40 (SaladCloud's figure, gathered in shared/notes/real-artifacts.md). The median node moves
  5,500 MB in 600 s; a 90th-percentile node 5,500 MB in 2,400 s.
- Baseten's default startup threshold is 30 minutes (Baseten's docs, same notes); a truss may set its own
  (truss's HealthChecks.startup_threshold_seconds).
- SaladCloud's startup probe: initial_delay_seconds <= 1200, period_seconds <= 120, failure_threshold <= 20
  (contracts/salad/salad-cloud.yaml), checked here with the generated models.
"""

from __future__ import annotations

import math

import pytest

from components.providers import registry
from components.providers.salad.api_models import ContainerGroupStartupProbe
from components.providers.salad.body import startup_probe
from components.stack import parse_config
from tests.baseten_cases import raw_config
from tests.plans import plan_for

MEDIAN_SALAD_MB_S = 5500 / 600
SLOW_SALAD_MB_S = 5500 / 2400


def plan_of(stack: str):  # type: ignore[no-untyped-def]
    cfg = parse_config(*raw_config(stack))
    return cfg, plan_for(cfg, startup=registry.provider(cfg.provider).startup)


def probe_covers_s(probe: dict[str, int]) -> int:
    return probe["initial_delay_seconds"] + probe["period_seconds"] * probe["failure_threshold"]


def test_salad_prods_probe_waits_for_the_median_nodes_download() -> None:
    cfg, plan = plan_of("salad-prod")
    weights_mb = plan.memory.weights_bytes / 1e6
    probe = startup_probe(cfg.gateway.port, plan.startup_budget_s)
    ContainerGroupStartupProbe.model_validate({**probe, "http": {"path": "/health", "port": 80, "scheme": "http",
                                                                  "headers": []}})
    assert probe_covers_s(probe) >= weights_mb / MEDIAN_SALAD_MB_S, (probe, weights_mb)
    # The readiness wait lasts at least that long too, or the update fails while the replicas still download.
    assert plan.readiness_timeout_s >= weights_mb / MEDIAN_SALAD_MB_S


def test_salad_prods_probe_gives_a_slow_node_all_the_api_allows() -> None:
    """A 90th-percentile node needs ~6,300 s for the weights alone: more than a probe the API accepts covers
    without an initial delay (20 x 120 s; a delay of up to 1,200 s more would hold back every replica, the fast ones
    too), so the probe allows those 2,400 s rather than the median node's ~1,700 s, which would kill every node
    slower than the median. The readiness wait stays on the median node's time (the update needs the first
    replicas, not the slowest)."""
    cfg, plan = plan_of("salad-prod")
    weights_mb = plan.memory.weights_bytes / 1e6
    ceiling = 20 * 120
    assert weights_mb / SLOW_SALAD_MB_S > ceiling > weights_mb / MEDIAN_SALAD_MB_S
    probe = startup_probe(cfg.gateway.port, plan.startup_budget_s)
    ContainerGroupStartupProbe.model_validate({**probe, "http": {"path": "/health", "port": 80, "scheme": "http",
                                                                  "headers": []}})
    assert probe_covers_s(probe) == ceiling and probe["initial_delay_seconds"] == 0, probe
    assert plan.readiness_timeout_s < 2 * weights_mb / MEDIAN_SALAD_MB_S + 10_000 / MEDIAN_SALAD_MB_S


def test_the_old_100_mb_s_budget_kills_a_median_salad_node() -> None:
    """What the budget was: 14.5 GB at 100 MB/s + load + warm-up, ~220 s; a median node needs ~26 min."""
    cfg, plan = plan_of("salad-prod")
    weights_mb = plan.memory.weights_bytes / 1e6
    old = math.ceil(weights_mb / 100 + weights_mb / 1000 + 60)
    assert probe_covers_s(startup_probe(cfg.gateway.port, old)) < weights_mb / MEDIAN_SALAD_MB_S
    assert plan.startup_budget_s > old


def test_a_stack_that_sets_its_rate_keeps_it() -> None:
    """The local stack's emulator downloads fast: its sizing.download_mb_s is the stack's own word."""
    _, plan = plan_of("local")
    assert plan.startup_budget_s < 60


def test_baseten_trusses_never_start_below_the_platforms_default() -> None:
    for stack in ("baseten-mistral", "baseten-mixtral"):
        _, plan = plan_of(stack)
        assert plan.startup_budget_s >= 30 * 60, stack


# Datacenter nodes (a Kubernetes/GKE node, dstack's cloud VMs, a Docker GPU host): the Hub serves one file over
# one connection at about 40 MB/s, whatever the node's link (huggingface/huggingface_hub#2658: "when downloading
# single file limited to only 40 megabytes per second" on a server with over 1 Gbit/s, 300 MB/s+ only across
# several files at once; the maintainer: "There will still be 1 connection per file"). TGI downloads a model's
# shards through huggingface_hub; hf_transfer (the images' HF_HUB_ENABLE_HF_TRANSFER=1) is faster when it works,
# and falls back to that one connection when it does not: 40 MB/s is the conservative rate.
SINGLE_CONNECTION_MB_S = 40
DLC_PINNED = ("us-docker.pkg.dev/deeplearning-platform-release/gcr.io/huggingface-text-generation-inference-"
              "cu124.2-4.ubuntu2204.py311@sha256:" + "0" * 64)  # a stand-in digest (Google publishes `latest`)
# Kubernetes' startupProbe defaults: periodSeconds 10, failureThreshold 3 (kubernetes.io/docs/tasks/
# configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes): 30 s.
K8S_DEFAULT_STARTUP_S = 10 * 3


def cloud_plan(stack: str):  # type: ignore[no-untyped-def]
    cfg = parse_config(*raw_config(stack, **({"image": DLC_PINNED} if stack == "gke-prod" else {})))
    return cfg, plan_for(cfg, startup=registry.provider(cfg.provider).startup)


@pytest.mark.parametrize("stack", ["k8s-prod", "gke-prod", "docker-gpu", "dstack-dev", "dstack-gptq"])
def test_datacenter_budgets_cover_a_single_connection_download(stack: str) -> None:
    _, plan = cloud_plan(stack)
    download_s = plan.memory.weights_bytes / 1e6 / SINGLE_CONNECTION_MB_S
    assert plan.startup_budget_s >= download_s, (plan.startup_budget_s, download_s)
    assert plan.readiness_timeout_s >= download_s


@pytest.mark.parametrize("stack", ["k8s-prod", "gke-prod"])
def test_the_kubernetes_startup_probe_expresses_the_budget(stack: str) -> None:
    from components.providers.kubernetes import probes

    cfg, plan = cloud_plan(stack)
    startup = probes(cfg.gateway.port, plan.startup_budget_s)["startupProbe"]
    covers = startup["periodSeconds"] * startup["failureThreshold"]
    assert covers >= plan.startup_budget_s and covers >= K8S_DEFAULT_STARTUP_S
