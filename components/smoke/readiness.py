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

    def crashes(self) -> str | None:
        """Evidence that the replicas' containers keep exiting, or None."""
        ...


class SaladInstances:
    """SaladCloud: an instance serves when state == running and ready == true.

    An instance whose container exits goes back to `creating` on its node: seen between two polls as
    running -> creating, or as creating again with a newer update_time. Those restarts, and the group's
    latest system events, tell a crash loop (CUDA out of memory, a bad launcher argument) from a slow download.
    """

    def __init__(self, client: SaladClient, group: str) -> None:
        self.client, self.group = client, group
        self.seen: dict[str, tuple[str, str]] = {}  # instance id -> (state, update_time) at the last poll
        self.restarts = 0

    def count(self) -> ReadyCount:
        instances = self.client.list_instances(self.group)
        states: dict[str, int] = {}
        for inst in instances:
            states[inst.state] = states.get(inst.state, 0) + 1
            now = (inst.state, str(inst.update_time))
            before = self.seen.get(str(inst.id))
            if before and inst.state == "creating" and before[0] in ("creating", "running") and before != now:
                self.restarts += 1
            self.seen[str(inst.id)] = now
        ready = sum(1 for i in instances if i.state == "running" and i.ready)
        detail = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no instances yet"
        return ReadyCount(ready, len(instances), detail)

    def crashes(self) -> str | None:
        if not self.restarts:
            return None
        try:
            logs = sorted(self.client.system_logs(self.group), key=lambda e: e.event_time)
        except (SaladApiError, httpx.HTTPError):
            logs = []  # the restarts alone say enough
        events = [e.event_name for e in logs]
        exits = [e for e in events if "exit" in e.lower() or "crash" in e.lower()] or events
        latest = f"; latest system event: {exits[-1]!r}" if exits else ""
        return f"the replicas' containers keep exiting ({self.restarts} restart(s) seen{latest})"


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

    def crashes(self) -> str | None:
        return None  # one endpoint: its restarts are the platform's to report (kubectl describe, docker ps)


def source_from(spec: dict[str, Any]) -> ReadinessSource:
    """Build a source from its plain description (the smoke resource's `readiness` input)."""
    if spec["kind"] == "salad":
        return SaladInstances(client_from(spec["api"], spec["api_key"]), spec["group"])
    if spec["kind"] == "http":
        return HttpHealth(spec["url"], spec.get("headers") or {})
    raise ValueError(f"unknown readiness source {spec['kind']!r}")


class NotReadyError(TimeoutError):
    """Replicas did not become ready in time."""


def not_ready_message(source: ReadinessSource, last: ReadyCount, minimum: int, timeout_s: float) -> str:
    """Why the wait ended: crashing replicas (and what to fix), or replicas still on their way."""
    head = f"only {last.ready} of the {minimum} required replicas became ready within {timeout_s:.0f} s ({last.detail})"
    crashes = source.crashes()
    if crashes:
        return (f"{head}: {crashes}. They crash while starting, not downloading: a GPU too small for the plan runs "
                f"out of memory (CUDA out of memory; see the sizing verdict, which tgi-fleet:sizing.allow_unfit "
                f"overrides), or a launcher setting is wrong. Check the instances' logs.")
    return (f"{head}. Check the instances' logs; raise tgi-fleet:smoke.ready_timeout_s if the model is still "
            f"downloading.")


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
            raise NotReadyError(not_ready_message(source, last, minimum, timeout_s))
        time.sleep(poll_s)
