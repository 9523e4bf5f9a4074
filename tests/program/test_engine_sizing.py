"""The program (components.deploy) under Pulumi mocks sizes by the engine's rule and refuses what it cannot run."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.deploy import deploy
from components.plan import PlanError
from tests.program.harness import Recorder, set_stack_config, settle

MISTRAL = {"id": "mistralai/Mistral-7B-Instruct-v0.3"}
K8S = {"provider": "kubernetes", "name": "tgi-k", "model": MISTRAL, "gpu": {"name": "T4"}, "replicas": 1}


@pytest.fixture
def exports(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    found: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", lambda key, value: found.__setitem__(key, value))
    return found


def test_a_method_the_engine_does_not_run_on_the_gpu_fails_preview_before_anything_exists() -> None:
    # SGLang 0.5.23: Fp8Config.get_min_capability() = 80 (sglang/srt/layers/quantization/fp8.py); a T4 is 7.5.
    rec = Recorder()
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="k", preview=True)
    set_stack_config({**K8S, "engine": "sglang", "model": {**MISTRAL, "quantize": "fp8"}}, {"hf_token": "hf_x"})
    with pytest.raises(PlanError, match=r"^tgi-fleet:model.quantize = 'fp8': SGLang 0.5.23 runs fp8 on compute "
                                        r"capability >= 8; T4 has 7.5 .*Fix: set model.quantize to one SGLang "
                                        r"0.5.23 runs on T4 \(none, awq, bitsandbytes\)"):
        deploy()
    assert rec.resources == []


def test_the_preview_report_states_the_engines_limits_and_kv_capacity(monkeypatch: pytest.MonkeyPatch,
                                                                      exports: dict[str, Any]) -> None:
    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "info", lambda msg, *a, **kw: logged.append(msg))
    pulumi.runtime.set_mocks(Recorder(), project="tgi-fleet", stack="k", preview=True)
    set_stack_config({**K8S, "engine": "vllm", "gpu": {"name": "L4"}}, {"hf_token": "hf_x"})
    settle(deploy)
    report = next(m for m in logged if m.startswith("tgi-fleet sizing:"))
    assert report == exports["sizing"]
    assert "vllm launch limits (its own rule, sizing.engines):" in report
    assert "--gpu-memory-utilization" in report and "--max-model-len" in report
    assert "KV cache on L4: " in report and "why: --gpu-memory-utilization 0.92: vLLM's default" in report
