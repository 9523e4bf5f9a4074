"""Schemathesis, with the real specs, against the emulator (SaladCloud API) and the simulated replica (TGI)."""

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
from tests.emulator_fixture import KEY, Emulator

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
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


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


def test_http_readiness_source_for_kubernetes_and_docker(replica: str) -> None:
    """The smoke stage's readiness source where no instance API exists: GET /health on the endpoint."""
    from components.providers.registry import readiness_source
    from components.readiness import wait_ready

    source = readiness_source({"provider": "docker", "url": replica, "headers": {}})
    count = wait_ready(source, 1, 5, lambda _: None).count
    assert (count.ready, count.total) == (1, 1) and "HTTP 200" in count.detail
    down = readiness_source({"provider": "kubernetes", "url": f"http://127.0.0.1:{free_port()}", "headers": {}}).count()
    assert down.ready == 0 and "ConnectError" in down.detail
