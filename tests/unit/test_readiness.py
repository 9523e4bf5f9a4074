"""The readiness wait: paced at the API's rate limit, backing off on errors, final on 401/403/404, and counting
only replicas of the version the update made."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from components import readiness
from components.errors import ApiError
from components.providers import registry
from components.readiness import NotReadyError, ReadinessRefused, ReadyCount, wait_ready
from tests.unit.test_salad_client import client


class Clock:
    """time.monotonic/time.sleep stand-in: sleeping advances it."""

    def __init__(self) -> None:
        self.now, self.sleeps = 0.0, list[float]()

    def monotonic(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(readiness, "time", c)
    return c


class Script:
    """A source that answers from a list: ReadyCount or an exception to raise."""

    def __init__(self, *answers: ReadyCount | Exception) -> None:
        self.answers, self.calls = list(answers), 0

    def count(self) -> ReadyCount:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Limited(ApiError):
    delay = 7.0


NOT_YET, READY = ReadyCount(0, 2, "2 creating"), ReadyCount(2, 2, "2 running")


def test_polls_at_most_once_a_second_and_reports_the_rate(clock: Clock) -> None:
    logs: list[str] = []
    done = wait_ready(Script(NOT_YET, NOT_YET, NOT_YET, READY), 2, 60, logs.append)
    assert clock.sleeps == [1.0, 1.0, 1.0] and done.calls == 4 and done.count == READY
    assert done.calls_per_min == 80.0 and "4 queries, 80.0/min" in logs[-1]  # 4 queries in 3 s


def test_backs_off_honouring_retry_after(clock: Clock) -> None:
    wait_ready(Script(Limited("list", 429, "slow down"), ApiError("list", 503, "busy"), ApiError("list", 503, "b"),
                      READY), 2, 600, lambda _: None)
    # Retry-After 7 s; then doubling from there while the API keeps failing; back to 1 s once it answers.
    assert clock.sleeps == [7.0, 14.0, 28.0]


@pytest.mark.parametrize("status", [401, 403, 404])
def test_final_statuses_end_the_wait_at_once(clock: Clock, status: int) -> None:
    source = Script(ApiError("list_container_group_instances", status, "nope"))
    with pytest.raises(ReadinessRefused, match=f"HTTP {status}"):
        wait_ready(source, 1, 600, lambda _: None)
    assert source.calls == 1 and clock.sleeps == []


def test_timeout_names_the_breakdown(clock: Clock) -> None:
    with pytest.raises(NotReadyError, match=r"only 0 of the 2 required replicas became ready within 5 s \(2 creating"):
        wait_ready(Script(NOT_YET), 2, 5, lambda _: None)


def instances(*rows: tuple[int, str, bool]) -> dict[str, Any]:
    return {"instances": [{"id": f"00000000-0000-0000-0000-00000000000{i}",
                           "machine_id": "00000000-0000-0000-0000-0000000000ff",
                           "state": state, "update_time": "2026-01-01T00:00:00Z", "version": version,
                           "ready": ready, "started": True} for i, (version, state, ready) in enumerate(rows)]}


def test_salad_counts_only_the_current_version() -> None:
    body = instances((1, "running", True), (1, "running", True), (2, "running", True), (2, "creating", False))
    src = registry.provider("salad").readiness({"api": {"base_url": "https://api.example/api/public",
                                                        "organization": "org", "project": "proj"},
                                                "api_key": "k", "group": "tgi", "version": 2})
    src.client = client(lambda r: httpx.Response(200, json=body))  # type: ignore[attr-defined]
    count = src.count()
    assert (count.ready, count.total) == (1, 2)
    assert count.detail == "1 creating, 1 running; 2 of an older version"


@pytest.mark.parametrize("status,changed", [(200, False), (503, True)])
def test_the_smoke_test_reruns_when_the_deployment_is_unhealthy(status: int, changed: bool) -> None:
    from components import http
    from components.smoke.resource import SmokeTestProvider

    props = {"endpoint": "http://tgi.example", "readiness": {"provider": "docker", "url": "http://tgi.example",
                                                             "headers": {}}, "min_ready": 1, "trigger": "t"}
    with http.use_transport(httpx.MockTransport(lambda r: httpx.Response(status))):
        assert SmokeTestProvider().diff("smoke", props, dict(props)).changes is changed
