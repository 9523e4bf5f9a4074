"""One real vLLM server per test session (tiny model, free port, API key), stopped at the session's end."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.realengine.vllm_server import VllmServer, build_tiny_model, start_vllm


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    """The HF_HOME holding tgi-fleet/tiny-llama (built once, then found in .model-cache/)."""
    return build_tiny_model()


@pytest.fixture(scope="session")
def real_vllm(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VllmServer]:
    """The session's real vLLM; its finalizer fails if any of its processes is left running."""
    log = tmp_path_factory.mktemp("real-vllm") / "vllm.log"
    server = start_vllm(tiny_model, log, api_key=secrets.token_urlsafe(16))
    try:
        yield server
    finally:
        server.stop()
