"""Readiness sources: how many replicas are serving, from the provider's own instance API."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from components import http
from components.errors import ApiError


@dataclass(frozen=True)
class ReadyCount:
    """Ready replicas, all replicas, and a one-line breakdown for progress messages."""

    ready: int
    total: int
    detail: str


class ReadinessSource(Protocol):
    """Something that can count ready replicas."""

    def count(self) -> ReadyCount: ...


class HttpHealth:
    """A single endpoint (Docker host, Kubernetes Service): ready when GET /health answers 200."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url, self.headers = url.rstrip("/") + "/health", headers

    def count(self) -> ReadyCount:
        try:
            with http.client(headers=self.headers, timeout=5.0) as client:
                r = client.get(self.url)
        except httpx.TransportError as exc:
            return ReadyCount(0, 1, f"{self.url}: {type(exc).__name__}")
        return ReadyCount(int(r.status_code == 200), 1, f"{self.url}: HTTP {r.status_code}")


def source_from(spec: dict[str, Any]) -> ReadinessSource:
    """The source a provider described in its component's `readiness` output (the smoke resource's input)."""
    from components.providers import registry

    return registry.provider(spec["provider"]).readiness(spec)


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
        except ApiError as exc:  # a transient API fault must not end a long wait
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
