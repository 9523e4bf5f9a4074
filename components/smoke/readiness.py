"""Readiness sources: how many replicas are serving, from the provider's own instance API."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from components.salad.client import SaladApiError, SaladClient, client_from


@dataclass(frozen=True)
class ReadyCount:
    """Ready replicas, all replicas, and a one-line breakdown for progress messages."""

    ready: int
    total: int
    detail: str


class ReadinessSource(Protocol):
    """Something that can count ready replicas."""

    def count(self) -> ReadyCount: ...


class SaladInstances:
    """SaladCloud: an instance serves when state == running and ready == true."""

    def __init__(self, client: SaladClient, group: str) -> None:
        self.client, self.group = client, group

    def count(self) -> ReadyCount:
        instances = self.client.list_instances(self.group)
        states: dict[str, int] = {}
        for inst in instances:
            states[inst.state] = states.get(inst.state, 0) + 1
        ready = sum(1 for i in instances if i.state == "running" and i.ready)
        detail = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no instances yet"
        return ReadyCount(ready, len(instances), detail)


class HttpHealth:
    """A single endpoint (Docker host, Kubernetes Service): ready when GET /health answers 200."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url, self.headers = url.rstrip("/") + "/health", headers

    def count(self) -> ReadyCount:
        try:
            r = httpx.get(self.url, headers=self.headers, timeout=5.0)
        except httpx.TransportError as exc:
            return ReadyCount(0, 1, f"{self.url}: {type(exc).__name__}")
        return ReadyCount(int(r.status_code == 200), 1, f"{self.url}: HTTP {r.status_code}")


def source_from(spec: dict[str, Any]) -> ReadinessSource:
    """Build a source from its plain description (the smoke resource's `readiness` input)."""
    if spec["kind"] == "salad":
        return SaladInstances(client_from(spec["api"], spec["api_key"]), spec["group"])
    if spec["kind"] == "http":
        return HttpHealth(spec["url"], spec.get("headers") or {})
    raise ValueError(f"unknown readiness source {spec['kind']!r}")


class NotReadyError(TimeoutError):
    """Replicas did not become ready in time."""


def wait_ready(
    source: ReadinessSource,
    minimum: int,
    timeout_s: float,
    log: Callable[[str], None],
    poll_s: float = 0.25,
    report_every_s: float = 15.0,
) -> tuple[ReadyCount, float]:
    """Block until `minimum` replicas are ready; returns the last count and when readiness was seen."""
    start = time.monotonic()
    last_report = -report_every_s
    last: ReadyCount | None = None
    while True:
        try:
            last = source.count()
        except SaladApiError as exc:  # a transient API fault must not end a long wait
            log(f"readiness: {exc}; retrying")
            last = last or ReadyCount(0, 0, str(exc))
        now = time.monotonic()
        if last.ready >= minimum:
            log(f"readiness: {last.ready}/{minimum} replicas ready after {now - start:.0f} s ({last.detail})")
            return last, now
        if now - last_report >= report_every_s:
            log(f"readiness: waiting for {minimum} ready replica(s): {last.ready} ready ({last.detail}), "
                f"{now - start:.0f}/{timeout_s:.0f} s")
            last_report = now
        if now - start > timeout_s:
            raise NotReadyError(
                f"only {last.ready} of the {minimum} required replicas became ready within {timeout_s:.0f} s "
                f"({last.detail}). Check the instances' logs; raise tgi-fleet:smoke.ready_timeout_s if the model "
                f"is still downloading."
            )
        time.sleep(poll_s)
