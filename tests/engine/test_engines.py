"""The engine seam through the real program and engine (issue #26 items 1, 7): the `local-vllm` stack previews
against the SaladCloud emulator with the policy pack, rendering vLLM's container; an engine its provider cannot run
stops the preview with the key and the fix, before anything exists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator_fixture import Emulator
from tests.engine.conftest import LOCAL_PASSPHRASE
from tests.engine.harness import ROOT, Project, copy_program, make_project


@pytest.fixture
def local_vllm(tmp_path: Path, emulator: Emulator) -> Iterator[Project]:
    p = make_project(tmp_path, copy_program(tmp_path), stack="local-vllm", passphrase=LOCAL_PASSPHRASE)
    emulator.point_at(p)
    yield p
    p.run("destroy", "--yes", "--skip-preview", check=False)


def test_local_vllm_previews_with_the_policy_pack(local_vllm: Project, emulator: Emulator) -> None:
    # With the stack's own pack thresholds, as `make preview STACK=local-vllm` passes them (one real replica).
    preview = local_vllm.run("preview", "--policy-pack", str(ROOT / "policies"), "--policy-pack-config",
                             str(ROOT / "stacks" / "local-vllm.policy.json"), "--diff")
    out = preview.stdout
    assert "tgi-fleet:index:TgiService" in out and '"vllm"' in out, out
    assert "vllm/vllm-openai:v0.32.0" in out and "vllm.entrypoints.openai.api_server" in out
    assert emulator.status()["groups"] == []  # a preview creates nothing


def test_an_engine_the_provider_cannot_run_stops_the_preview(local_vllm: Project, emulator: Emulator) -> None:
    local_vllm.config("tgi-fleet:engine", "trt-llm")
    preview = local_vllm.run("preview", check=False)
    text = preview.stdout + preview.stderr
    assert preview.returncode != 0
    assert "tgi-fleet:engine = 'trt-llm': the local provider cannot run it. Fix: set tgi-fleet:engine to one of " \
           "tgi, vllm, sglang" in text, text
    assert "Traceback" not in text and emulator.status()["groups"] == []
