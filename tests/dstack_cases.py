"""dstack cases: stack configs as the program parses them, and helpers for the real server (tests/dstack_fixture.py,
registered in tests/conftest.py: one server per session, one project per test)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from components.config import FleetConfig
from components.providers.dstack.client import ApiTarget, DstackApi
from components.providers.dstack.service_config import service_config
from components.stack import parse_config
from tests.baseten_cases import raw_config, stack_config
from tests.dstack_fixture import DstackProject
from tests.plans import plan_for

ROOT = Path(__file__).resolve().parents[1]
RETRY = {"on_events": ["no-capacity"], "duration": "1h"}


def stack_cfg(stack: str = "dstack-dev", **section: Any) -> FleetConfig:
    """A stack file's config as the program parses it (secrets left out), its dstack section overridden."""
    dstack = {**stack_config(stack).get("tgi-fleet:dstack", {}), **section}
    raw, secret = raw_config(stack, dstack=dstack)
    return parse_config({k: v for k, v in raw.items() if k not in secret})


def service_conf(stack: str = "dstack-dev", **section: Any) -> dict[str, Any]:
    """A stack's service configuration under a fresh run name (tests share a server)."""
    cfg = stack_cfg(stack, **section)
    cfg = cfg.model_copy(update={"name": f"r{uuid.uuid4().hex[:8]}"})
    return service_config(cfg, plan_for(cfg), cfg.settings, hf_token=True)


def api_for(project: DstackProject, token: str | None = None) -> DstackApi:
    return DstackApi(ApiTarget(project.server.url, project.name, token or project.server.token, timeout_s=30))


def wait_for(what: str, probe: Callable[[], Any], timeout_s: float = 90, poll_s: float = 0.5) -> Any:
    """Poll until probe() is truthy; its value. dstack's background jobs run every few seconds."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s:g} s")
        time.sleep(poll_s)
