"""Tests against a real dstack server on loopback (tests/dstack_fixture.py): one server per session, one project
per test."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from components.plan import build_plan
from components.providers.dstack.__main__ import stack_config
from components.providers.dstack.client import ApiTarget, DstackApi
from components.providers.dstack.service_config import service_config
from components.providers.dstack.settings import DstackSettings
from tests.dstack_fixture import DstackProject, DstackServer, dstack_project, dstack_server

RETRY = {"on_events": ["no-capacity"], "duration": "1h"}


def service_conf(stack: str = "dstack-dev", **settings: Any) -> dict[str, Any]:
    """A stack's service configuration under a fresh run name, with dstack settings overridden."""
    cfg, base = stack_config(stack)
    cfg = cfg.model_copy(update={"name": f"r{uuid.uuid4().hex[:8]}"})
    merged = DstackSettings.model_validate({**base.model_dump(), **settings})
    return service_config(cfg, build_plan(cfg), merged, hf_token=True)


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


__all__ = ["RETRY", "DstackProject", "DstackServer", "api_for", "dstack_project", "dstack_server", "service_conf",
           "wait_for"]
