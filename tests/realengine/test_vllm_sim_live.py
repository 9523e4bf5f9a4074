"""The simulated vLLM held to the real one, live (issue #26 item 6): the session's real vLLM (conftest.py) and a
simulated vLLM started with the same arguments (vllm_server.vllm_args: model, --api-key, --max-model-len, --dtype,
--enforce-eager) answer the same requests (tests/vllm_answers.py: valid chat, streamed chat with usage,
/v1/completions, over --max-model-len, max_tokens over it, bad JSON, wrong types, no key, unknown model, the open
routes) with the same status codes, content types, body shapes, error bodies and stream event shapes.

What is compared is the real server's own answer in the same session, not our model of it; the recording the fast
tier holds the simulation to (tests/recorded/, tests/contract/test_engine_replicas.py) is checked here too: the real
server still answers each recorded request name in the recorded shape, else it must be re-recorded
(scripts/record_vllm_answers.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.procs import free_port, local_url, wait_until_up
from tests.realengine.vllm_server import MAX_MODEL_LEN, MODEL, VllmServer, stop_group, vllm_args
from tests.vllm_answers import ask, cases, differences

ROOT = Path(__file__).resolve().parents[2]
RECORDED = json.loads((ROOT / "tests" / "recorded" / "vllm-0.32.0.json").read_text())
NAMES = [c[0] for c in cases(MODEL, "-", MAX_MODEL_LEN)]
FAST = {"TGI_SIM_LOAD_S": "0", "TGI_SIM_TOKEN_MS": "0"}  # the simulation's load and token pacing: none


@pytest.fixture(scope="module")
def sim_vllm(real_vllm: VllmServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m emulator.replica.vllm` with the real server's arguments (its own port); its URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("sim-vllm") / "sim.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "emulator.replica.vllm", *vllm_args(port, real_vllm.api_key)],
                                cwd=ROOT, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                env={**os.environ, **FAST}, start_new_session=True)
    try:
        wait_until_up(lambda: httpx.get(local_url(port, "/health"), timeout=5).status_code == 200,
                      "the simulated vLLM", proc, timeout_s=60)
        yield local_url(port)
    finally:
        stop_group(proc)


@pytest.fixture(scope="module")
def answers(real_vllm: VllmServer, sim_vllm: str) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Each case's (simulated, real) answer."""
    got = {}
    with httpx.Client(base_url=real_vllm.url, timeout=120) as real, httpx.Client(base_url=sim_vllm,
                                                                                 timeout=120) as sim:
        for case in cases(real_vllm.model, real_vllm.api_key, real_vllm.max_model_len):
            got[case[0]] = (ask(sim, case), ask(real, case))
    return got


@pytest.mark.parametrize("name", NAMES)
def test_the_simulated_vllm_answers_as_the_real_one_live(answers: dict[str, tuple[dict[str, Any], dict[str, Any]]],
                                                         name: str) -> None:
    sim, real = answers[name]
    assert differences(sim, real) == [], json.dumps(real)[:2000]


def test_the_recording_is_what_the_real_vllm_answers(answers: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """The recorded answers (another --max-model-len and served name: shapes only) are the live server's shapes."""
    recorded = {a["name"]: a for a in RECORDED["answers"]}
    assert set(recorded) <= set(answers), "a recorded case has no live twin in tests/vllm_answers.py"
    stale = {name: differences(answers[name][1], recorded[name], exact_errors=False) for name in recorded}
    assert not any(stale.values()), f"re-record with scripts/record_vllm_answers.py: {stale}"


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/completions"])
def test_both_run_to_max_tokens_with_ignore_eos(real_vllm: VllmServer, sim_vllm: str, path: str) -> None:
    """Where the count is fixed (vLLM's ignore_eos), the two agree on it and on the finish reason, not only shapes."""
    body: dict[str, Any] = {"model": real_vllm.model, "max_tokens": 64, "ignore_eos": True}
    body.update({"messages": [{"role": "user", "content": "Hello there"}]} if "chat" in path else {"prompt": "Deep"})
    auth = {"Authorization": f"Bearer {real_vllm.api_key}"}
    got = [httpx.post(f"{url}{path}", json=body, headers=auth, timeout=120).json() for url in (sim_vllm, real_vllm.url)]
    assert [(a["usage"]["completion_tokens"], a["choices"][0]["finish_reason"]) for a in got] == [(64, "length")] * 2
