"""`pulumi up --stack local-vllm` end to end on REAL vLLM replicas: the SaladCloud emulator started with
`--real-engine vllm=.venv-vllm/bin/python --model-cache .model-cache/hf` runs the container tgi-fleet asks for
(vLLM's image, the command tgi-fleet sets) as a real vLLM OpenAI server; the readiness wait and the smoke stage
(chat completions, streamed and not, usage counts, vLLM's /v1/completions) run against it through the emulator's
container gateway; then vLLM's own 400 for a request over its limit, the gateway's 401 without Salad-Api-Key, and
`pulumi destroy`, after which no vLLM process is left.

One real vLLM start in this test (~85-180 s on two cores): the stack runs one replica, with its own policy-pack
thresholds (stacks/local-vllm.policy.json), as `make demo STACK=local-vllm` runs it.

Platform facts the checks rest on:
- SaladCloud runs the container's `command` in place of the image's ENTRYPOINT and CMD
  (contracts/salad/salad-cloud.yaml, CreateContainer.command) and checks Salad-Api-Key at the gateway when
  networking.auth is true (401 without it: docs.salad.com/products/sce/gateway/sce-gateway-authentication).
- vLLM 0.32 answers a request whose prompt + max_tokens exceed --max-model-len with HTTP 400 and OpenAI's error
  object (vllm/entrypoints/openai/engine/serving.py `create_error_response`, ErrorResponse in
  vllm/entrypoints/openai/engine/protocol.py: {"error": {"message", "type": "BadRequestError", "code": 400}});
  a real vLLM's chat answer carries system_fingerprint "vllm-..." (the simulation's recordings, contracts/vllm).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.emulator_fixture import KEY, Emulator, running
from tests.engine.conftest import LOCAL_PASSPHRASE
from tests.engine.harness import ROOT, Project, copy_program, make_project
from tests.realengine.vllm_server import MODEL, group_members, members_after, vllm_python

UP_TIMEOUT_S = 900  # one real vLLM start (up to ~180 s, more with other work on the cores) plus the smoke stage


@pytest.fixture
def real_emulator(tmp_path: Path, tiny_model: Path) -> Iterator[Emulator]:
    """The SaladCloud emulator whose vLLM containers are real vLLM servers on the tiny model."""
    args = {"--real-engine": f"vllm={vllm_python()}", "--model-cache": str(tiny_model)}
    with running(Emulator.on_free_ports(tmp_path / "emulator", args)) as emu:
        yield emu


@pytest.fixture
def local_vllm(tmp_path: Path, real_emulator: Emulator) -> Iterator[Project]:
    """The committed local-vllm stack pointed at the emulator; destroyed afterwards."""
    p = make_project(tmp_path, copy_program(tmp_path), stack="local-vllm", passphrase=LOCAL_PASSPHRASE)
    real_emulator.point_at(p)
    yield p
    p.run("destroy", "--yes", "--skip-preview", check=False, timeout=300)


def gateway_post(emu: Emulator, dns: str, path: str, body: dict[str, object], key: str | None) -> httpx.Response:
    """A request through the emulator's container gateway (routed by Host; Salad-Api-Key when given)."""
    headers = {"Host": dns, **({"Salad-Api-Key": key} if key else {})}
    return httpx.post(f"http://{emu.gateway}{path}", json=body, headers=headers, timeout=120)


def test_local_vllm_stack_up_smoke_limits_destroy_on_a_real_vllm(local_vllm: Project,
                                                                   real_emulator: Emulator) -> None:
    emu = real_emulator
    start = time.monotonic()
    up = local_vllm.run("up", "--yes", "--skip-preview", "--policy-pack", str(ROOT / "policies"),
                        "--policy-pack-config", str(ROOT / "stacks" / "local-vllm.policy.json"), timeout=UP_TIMEOUT_S)
    took = time.monotonic() - start
    assert "smoke: 2 chat completions OK" in up.stdout, up.stdout
    assert "smoke: /v1/completions OK" in up.stdout, up.stdout  # vLLM's own route too
    out = local_vllm.outputs()
    assert out["status"] == "running" and out["ready_replicas"] == 1, out
    assert out["smoke"]["tokens_per_s"] > 0
    # The figures bench/README.md quotes (pytest -s shows them).
    ready = re.search(r"readiness: 1/1 replicas ready after (\d+) s", up.stdout)
    smoke = {k: out["smoke"][k] for k in ("ttft_ms_p50", "latency_ms_p50", "latency_ms_p95", "tokens_per_s")}
    print(f"\ne2e local-vllm: pulumi up {took:.0f} s, real vLLM ready after {ready.group(1) if ready else '?'} s; "
          f"smoke {smoke}")

    # The replica is a real vLLM: its API server process group holds its engine core beside it.
    [process] = emu.status()["processes"]
    assert any(p != process["pid"] for p in group_members(process["pid"])), "vLLM runs its engine core beside it"
    dns = out["access_domain"]
    chat = {"model": MODEL, "messages": [{"role": "user", "content": "Hello!"}], "max_tokens": 4}
    r = gateway_post(emu, dns, "/v1/chat/completions", chat, KEY)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["system_fingerprint"].startswith("vllm-"), body  # the real engine answered
    assert body["model"] == MODEL and 0 < body["usage"]["completion_tokens"] <= 4

    # vLLM's own 400: a prompt over the stack's max_total_tokens (vLLM's --max-model-len, 1024).
    over = {**chat, "messages": [{"role": "user", "content": "hello world " * 1024}]}
    r = gateway_post(emu, dns, "/v1/chat/completions", over, KEY)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == 400 and error["type"] == "BadRequestError", error
    assert "maximum context length is 1024 tokens" in error["message"], error
    # The gateway's 401 without the key (networking.auth: true).
    assert gateway_post(emu, dns, "/v1/chat/completions", chat, None).status_code == 401

    local_vllm.run("destroy", "--yes", "--skip-preview", timeout=300)
    assert emu.wait_empty(timeout=60) == {"groups": [], "processes": []}
    assert members_after(process["pid"]) == [], "a vLLM process outlived the destroy"
