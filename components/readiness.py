"""Readiness sources: how many replicas are serving, from the provider's own instance API."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

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
    """Something that can count ready replicas.

    A source may also have `status() -> str` (the deployment's status, see status_of), `crashes() -> str | None`
    (evidence that the replicas keep exiting, see not_ready_message), `crash_lines() -> list[str]` (what the
    platform said about those exits, read by crashes(): where the engine's own start-up failure shows) and
    `api_contact() -> (url, fix)` (where its API is and what to check when it stops answering, see
    unreachable_message).
    """

    def count(self) -> ReadyCount: ...


def status_of(source: ReadinessSource, count: ReadyCount) -> str:
    """The deployment's status now: the source's own `status()` when it has one, else from the count."""
    status = getattr(source, "status", None)
    if callable(status):
        try:
            return str(status())
        except ApiError:
            pass
    return "serving" if count.ready else "not serving"


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

    def status(self) -> str:
        """'serving' while /health answers 200, else what it answers."""
        count = self.count()
        return "serving" if count.ready else count.detail


class NotReadyError(TimeoutError):
    """Replicas did not become ready in time."""


class DeploymentEnded(RuntimeError):
    """The provider ended the deployment (dstack failed the run, for one): waiting longer cannot help.

    A readiness source raises it from count(); the wait ends at once with its message, the health check sees an
    unhealthy deployment.
    """


class ReadinessRefused(PermissionError):
    """The provider's API refused the readiness query (401/403/404): waiting longer cannot help."""


class ApiUnreachable(ConnectionError):
    """The provider's API failed a bounded run of readiness queries in a row (down, hung, unreachable): the wait
    ends with the API's own error and its fix, not with advice about slow replicas."""


# Statuses after which a wait is pointless: bad credentials, no permission, the deployment is gone.
FINAL_STATUSES = frozenset({401, 403, 404})
MAX_BACKOFF_S = 30.0
# An API whose readiness queries fail DEAD_API_CALLS times in a row, or fail at least twice in a row over
# DEAD_API_S, is down, hung or unreachable, not waiting on slow replicas: the wait ends with its error instead of
# running on to ready_timeout_s (the replicas' state is unknown meanwhile, so the timeout's advice would be a
# guess). Three queries ride out one dropped connection or a load balancer's brief 5xx (with the backoff they span
# 1 + 2 s at least); 30 s bounds an API that hangs until each query's own timeout (request_timeout_s).
# A 429 is not counted: a throttling API answers, and says when to come back.
DEAD_API_CALLS = 3
DEAD_API_S = 30.0


@dataclass(frozen=True)
class Readiness:
    """The count that met the minimum, when it was seen, and how hard the wait polled."""

    count: ReadyCount
    ready_at: float  # time.monotonic() when the minimum was seen
    calls: int  # readiness queries sent (API calls for instance-API sources)
    elapsed_s: float

    @property
    def calls_per_min(self) -> float:
        return round(self.calls * 60 / max(self.elapsed_s, 1.0), 1)


# An engine's reader of its start-up failure in log lines (components/engines Engine.startup_failure).
StartupFailure = Callable[[list[str]], "str | None"]


def not_ready_message(source: ReadinessSource, last: ReadyCount, minimum: int, timeout_s: float,
                      startup_failure: StartupFailure | None = None, engine: str = "the engine") -> str:
    """Why the wait ended: crashing replicas (the engine's own start-up failure when its lines show it, and what
    to fix), or replicas still on their way."""
    head = f"only {last.ready} of the {minimum} required replicas became ready within {timeout_s:.0f} s ({last.detail})"
    evidence = getattr(source, "crashes", None)
    crashes = evidence() if callable(evidence) else None
    said = getattr(source, "crash_lines", None)
    failure = startup_failure(list(said())) if crashes and startup_failure and callable(said) else None
    if failure:
        return (f"{head}: {crashes}. {engine} could not start: {failure.rstrip('.')}. Fix what it names: the "
                f"sizing verdict (tgi-fleet:sizing.allow_unfit overrides it), tgi-fleet:serving's limits or the GPU "
                f"(tgi-fleet:gpu.classes). Check the instances' logs for the lines before it.")
    if crashes:
        return (f"{head}: {crashes}. They crash while starting, not downloading: a GPU too small for the plan runs "
                f"out of memory (CUDA out of memory; see the sizing verdict, which tgi-fleet:sizing.allow_unfit "
                f"overrides), or a launcher setting is wrong. Check the instances' logs.")
    return (f"{head}. Check the instances' logs; raise tgi-fleet:smoke.ready_timeout_s if the model is still "
            f"downloading.")


def unreachable_message(source: ReadinessSource, exc: ApiError, failed: int, elapsed_s: float) -> str:
    """Why the wait gave up on the API: where it is, its own error and the fix (the source's `api_contact()`,
    when it has one: the API's URL and what to check)."""
    contact = getattr(source, "api_contact", None)
    url, fix = contact() if callable(contact) else ("", "Fix: check that the provider's API answers from here, "
                                                        "then run `pulumi up` again.")
    api = exc.service if exc.service.startswith("the ") else f"the {exc.service}"
    api += f" at {url}" if url else ""
    what = f"cannot reach {api}" if exc.status is None else f"{api} keeps failing"
    said = exc.detail if "Fix:" in exc.detail else f"{exc.detail}. {fix}"
    return (f"{what} ({failed} readiness queries in a row failed over {elapsed_s:.0f} s, the last "
            f"{exc.operation}{f' HTTP {exc.status}' if exc.status else ''}): {said}")


def wait_ready(
    source: ReadinessSource,
    minimum: int,
    timeout_s: float,
    log: Callable[[str], None],
    poll_s: float = 1.0,
    report_every_s: float = 15.0,
    startup_failure: StartupFailure | None = None,
    engine: str = "the engine",
) -> Readiness:
    """Block until `minimum` replicas are ready.

    Polls once a second at most (SaladCloud allows 240 API calls a minute per key, shared with everything else
    that uses the key); after a failed query it backs off (the server's Retry-After when it sends one, else
    doubling up to 30 s); 401/403/404 end the wait at once with the API's reason, and an API that keeps failing
    (DEAD_API_CALLS, DEAD_API_S) ends it with its error and fix. startup_failure, engine: the stack's engine's
    reader of its start-up failure and its name, for the message when the replicas crash while starting.
    """
    start = time.monotonic()
    last_report = -report_every_s
    last: ReadyCount | None = None
    calls, pause = 0, poll_s
    failed, failing_since = 0, 0.0  # queries failed in a row, and when the first of them was sent
    while True:
        calls += 1
        sent = time.monotonic()
        try:
            last = source.count()
            pause, failed = poll_s, 0
        except ApiError as exc:
            if exc.status in FINAL_STATUSES:
                raise ReadinessRefused(f"readiness query refused: {exc}") from None
            if exc.status != 429:
                failed, failing_since = failed + 1, failing_since if failed else sent
                failing_s = time.monotonic() - failing_since
                if failed >= DEAD_API_CALLS or (failed >= 2 and failing_s >= DEAD_API_S):
                    raise ApiUnreachable(unreachable_message(source, exc, failed, failing_s)) from None
            delay = getattr(exc, "delay", None)
            pause = min(MAX_BACKOFF_S, float(delay) if isinstance(delay, (int, float)) else max(poll_s, pause * 2))
            log(f"readiness: {exc}; retrying in {pause:.0f} s")
            last = last or ReadyCount(0, 0, str(exc))
        now = time.monotonic()
        if last.ready >= minimum:
            done = Readiness(last, now, calls, now - start)
            log(f"readiness: {last.ready}/{minimum} replicas ready after {now - start:.0f} s ({last.detail}); "
                f"{calls} queries, {done.calls_per_min}/min")
            return done
        if now - last_report >= report_every_s:
            log(f"readiness: waiting for {minimum} ready replica(s): {last.ready} ready ({last.detail}), "
                f"{now - start:.0f}/{timeout_s:.0f} s")
            last_report = now
        if now - start > timeout_s:
            raise NotReadyError(not_ready_message(source, last, minimum, timeout_s, startup_failure, engine))
        time.sleep(pause)
