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


DOWNLOADING = ReadyCount(0, 3, "3 downloading")


def test_a_dead_api_ends_the_wait_with_its_error_and_fix_not_a_timeout_hint(clock: Clock) -> None:
    # issue #27 item 5: a run of failed queries is the API's problem, reported as such within a bound, not as
    # replicas still downloading after ready_timeout_s.
    dead = ApiError("list_container_group_instances", None, "ConnectError: [Errno 111] Connection refused")
    source = Script(DOWNLOADING, dead)
    with pytest.raises(ConnectionError) as info:
        wait_ready(source, 3, 600, lambda _: None)
    text = str(info.value)
    assert text.startswith("cannot reach the provider API (3 readiness queries in a row failed over 6 s, the last "
                           "list_container_group_instances): ConnectError: [Errno 111] Connection refused. Fix: ")
    assert "ready_timeout_s" not in text and "downloading" not in text
    assert source.calls == 1 + readiness.DEAD_API_CALLS and clock.now <= readiness.DEAD_API_S


class Hung:
    """An API that hangs: each query takes the client's whole timeout, then fails."""

    def __init__(self, clock: Clock, timeout_s: float) -> None:
        self.clock, self.timeout_s, self.calls = clock, timeout_s, 0

    def count(self) -> ReadyCount:
        self.calls += 1
        self.clock.now += self.timeout_s
        raise ApiError("get_deployment", None, f"ReadTimeout: timed out after {self.timeout_s:g} s")

    def api_contact(self) -> tuple[str, str]:
        return "https://api.example", "Fix: check the example API."


def test_a_hung_api_ends_the_wait_within_the_bound_in_seconds(clock: Clock) -> None:
    hung = Hung(clock, 30)
    with pytest.raises(ConnectionError) as info:
        wait_ready(hung, 1, 600, lambda _: None)
    # Two 30 s timeouts (and the 2 s pause between them) pass DEAD_API_S: no third query is waited for.
    assert hung.calls == 2 and clock.now == 62
    assert str(info.value) == ("cannot reach the provider API at https://api.example (2 readiness queries in a row "
                               "failed over 62 s, the last get_deployment): ReadTimeout: timed out after 30 s. Fix: "
                               "check the example API.")


def test_an_api_that_answers_with_errors_keeps_failing_and_a_throttling_one_is_waited_for(clock: Clock) -> None:
    with pytest.raises(ConnectionError, match=r"^the provider API keeps failing \(3 readiness queries in a row .*"
                                              r"the last list HTTP 503\): busy\. Fix: "):
        wait_ready(Script(ApiError("list", 503, "busy")), 1, 600, lambda _: None)
    # 429s are an API that answers (and says when to come back): not counted as dead.
    done = wait_ready(Script(*[Limited("list", 429, "slow down")] * 5, READY), 2, 600, lambda _: None)
    assert done.count == READY


def test_one_failed_query_between_answers_is_ridden_out(clock: Clock) -> None:
    blip = ApiError("list", None, "ReadTimeout")
    done = wait_ready(Script(NOT_YET, blip, NOT_YET, blip, blip, NOT_YET, blip, READY), 2, 600, lambda _: None)
    assert done.count == READY


def test_refresh_of_the_smoke_test_records_a_deployment_ended_outside_pulumi(monkeypatch: pytest.MonkeyPatch) -> None:
    from components.readiness import DeploymentEnded
    from components.smoke.resource import SmokeTestProvider

    gone = Script(DeploymentEnded("Baseten model abc1234 no longer exists (deleted outside Pulumi)"))
    monkeypatch.setattr(registry, "readiness_source", lambda spec: gone)
    props = {"readiness": {"provider": "baseten"}, "min_ready": 1, "ready_replicas": 1, "status": "ACTIVE"}
    read = SmokeTestProvider().read("smoke", props)  # `pulumi refresh` must not fail on it: up repairs it
    assert read.outs["ready_replicas"] == 0 and read.outs["status"] == "ended"
