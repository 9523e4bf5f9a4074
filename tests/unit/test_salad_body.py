"""The container-group request a plan becomes (SaladCloud's TGI recipe), validated by the API's own model."""

from __future__ import annotations

from typing import Any

import pytest

from components.providers.salad.body import (
    MAX_FAILURES,
    MAX_INITIAL_DELAY,
    MAX_PERIOD,
    container_group_spec,
    startup_probe,
    to_prototype,
)
from components.tgi import launcher_env
from tests.plans import plan_for
from tests.program.harness import stack_config

BASE: dict[str, Any] = {"provider": "salad", "name": "tgi", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"},
                        "gpu": {"classes": ["RTX 4090 (24 GB)"]}, "gateway": {"auth": True, "port": 8080}}


def spec_of(**overrides: Any) -> dict[str, Any]:
    cfg = stack_config(BASE, {"salad_api_key": "k"}, **overrides)
    plan = plan_for(cfg)
    return container_group_spec(cfg, plan, launcher_env(cfg, plan), priority="medium", country_codes=["ca"])


def test_recipe_shape() -> None:
    spec = spec_of(replicas=4, resources={"cpu": 4, "memory_mb": 16384, "storage_gb": 40})
    assert spec["replicas"] == 4 and spec["restart_policy"] == "always" and spec["autostart_policy"] is True
    c = spec["container"]
    assert c["priority"] == "medium" and spec["country_codes"] == ["ca"]
    assert c["resources"] == {"cpu": 4, "memory": 16384, "gpu_classes": [], "storage_amount": 40 * 1024**3,
                              "shm_size": 64}
    assert spec["networking"]["port"] == 8080 and spec["networking"]["auth"] is True
    for probe in ("readiness_probe", "startup_probe", "liveness_probe"):
        assert spec[probe]["http"]["path"] == "/health" and spec[probe]["http"]["port"] == 8080


def test_no_gateway_no_networking() -> None:
    assert "networking" not in spec_of(gateway={"enabled": False})


@pytest.mark.parametrize("budget", [10, 600, 2400, 3600, 100_000])
def test_startup_probe_covers_the_budget_within_the_api_caps(budget: int) -> None:
    probe = startup_probe(8080, budget)
    assert probe["period_seconds"] <= MAX_PERIOD and probe["failure_threshold"] <= MAX_FAILURES
    assert probe["initial_delay_seconds"] <= MAX_INITIAL_DELAY
    covered = probe["initial_delay_seconds"] + probe["period_seconds"] * probe["failure_threshold"]
    assert covered >= min(budget, MAX_INITIAL_DELAY + MAX_PERIOD * MAX_FAILURES)


def test_prototype_fills_ids_and_secret_env_and_validates() -> None:
    spec = spec_of()
    proto = to_prototype(spec, ["a5db5c50-cbcb-4596-ae80-6a0c8090d80f"], {"HF_TOKEN": "hf_x"})
    assert [str(g) for g in proto.container.resources.gpu_classes] == ["a5db5c50-cbcb-4596-ae80-6a0c8090d80f"]
    assert (proto.container.environment_variables or {})["HF_TOKEN"] == "hf_x"
    assert "HF_TOKEN" not in spec["container"]["environment_variables"]  # the spec itself stays plain
