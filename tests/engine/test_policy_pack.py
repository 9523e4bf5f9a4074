"""The policy pack through the real CLI: `pulumi preview --policy-pack policies`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.conftest import PROGRAMS
from tests.engine.harness import ROOT, Project, make_project

POLICIES = str(ROOT / "policies")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Project]:
    p = make_project(tmp_path, PROGRAMS / "service")
    p.configure({"tgi-fleet:provider": "salad", "tgi-fleet:name": "policy-probe",
                 "tgi-fleet:model": json.dumps({"id": "mistralai/Mistral-7B-Instruct-v0.3"}),
                 "tgi-fleet:replicas": "3", "tgi-fleet:secrets": json.dumps({"hf_token_source": "none"})})
    yield p
    p.run("stack", "rm", "--yes", "--force", p.stack, check=False)


def test_pack_passes_a_safe_plan(service: Project) -> None:
    service.config("tgi-fleet:gpu", json.dumps({"classes": ["RTX 4090 (24 GB)"]}))
    out = service.run("preview", "--policy-pack", POLICIES)
    # The engine's policy summary names each pack that ran and its verdict; without the pack there is none.
    assert f"Policies:\n    ✅ tgi-fleet@v0.0.1 (local: {POLICIES})" in out.stdout, out.stdout
    assert "mandatory" not in out.stdout.lower(), out.stdout
    plain = service.run("preview")
    assert "Policies:" not in plain.stdout and "tgi-fleet@v" not in plain.stdout, plain.stdout


def test_pack_denies_a_gpu_too_small(service: Project) -> None:
    service.config("tgi-fleet:gpu", json.dumps({"classes": ["RTX 4070 Ti Super (16 GB)"]}))
    service.config("tgi-fleet:serving", json.dumps({"max_total_tokens": 32768}))
    # The engine interrupts the program when the policy fails the preview; in most runs the program was still
    # waiting for the engine then, and printed a KeyboardInterrupt traceback under the denial (6 of 8 runs).
    for _ in range(4):
        out = service.run("preview", "--policy-pack", POLICIES, check=False)
        text = out.stdout + out.stderr
        assert out.returncode != 0, text
        assert "[mandatory]  gpu-vram-minimum" in text
        assert "at 32768 tokens needs 22.24 GiB per GPU; RTX 4070 Ti Super (16 GB) has 16.00 GiB" in text
        assert "pick a GPU class with >= 23 GB or set max_total_tokens <= 4096" in text
        assert "Traceback" not in text and "KeyboardInterrupt" not in text, text


def test_pack_denies_by_the_engines_vram_rule(service: Project) -> None:
    # The limits TGI fits in 16 GB (15.46 GiB) do not fit vLLM, which takes 0.92 of the GPU (vllm/config/cache.py).
    service.config("tgi-fleet:gpu", json.dumps({"classes": ["RTX 4070 Ti Super (16 GB)"]}))
    service.config("tgi-fleet:serving", json.dumps({"max_total_tokens": 4096}))
    service.config("tgi-fleet:engine", "vllm")
    out = service.run("preview", "--policy-pack", POLICIES, check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert "[mandatory]  gpu-vram-minimum" in text
    assert "at 4096 tokens needs 17.09 GiB per GPU; RTX 4070 Ti Super (16 GB) has 16.00 GiB" in text, text
    service.config("tgi-fleet:engine", "tgi")
    tgi = service.run("preview", "--policy-pack", POLICIES, check=False)
    assert "gpu-vram-minimum" not in tgi.stdout + tgi.stderr, tgi.stdout + tgi.stderr


def test_pack_config_thresholds_apply(service: Project, tmp_path: Path) -> None:
    service.config("tgi-fleet:gpu", json.dumps({"classes": ["RTX 4090 (24 GB)"]}))
    cfg = tmp_path / "policy-config.json"
    cfg.write_text(json.dumps({"prod-replica-minimum": {"interruptibleMinimum": 4}}))
    out = service.run("preview", "--policy-pack", POLICIES, "--policy-pack-config", str(cfg), check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "prod-replica-minimum" in text and "replicas >= 4" in text, text


def test_pack_flags_a_plain_token(service: Project) -> None:
    service.config("tgi-fleet:gpu", json.dumps({"classes": ["RTX 4090 (24 GB)"]}))
    service.config("probe:plain_env", json.dumps({"HUGGING_FACE_HUB_TOKEN": "hf_abcdefghijklmnopqrstuvwx"}))
    out = service.run("preview", "--policy-pack", POLICIES, check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "secrets-are-secret" in text and "HUGGING_FACE_HUB_TOKEN" in text, text
