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


# vLLM 0.32's start-up failure as its log ends (vllm/v1/core/kv_cache_utils.py raises the root cause, then
# vllm/v1/engine/utils.py "Engine core initialization failed"): the emulator's system event carries the container's
# last stderr line, as SaladCloud's own "Container exited" events name the exit.
VLLM_ROOT_CAUSE = ("ValueError: To serve at least one request with the model's max seq len (32768), (4.00 GiB KV "
                   "cache is needed, which is larger than the available KV cache memory (1.00 GiB).")


def crash_looping_salad(events: list[str]) -> httpx.MockTransport:
    """A SaladCloud API whose one instance keeps going back to `creating`, with these system events."""
    polls = iter(range(1, 100))

    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/system-logs"):
            return httpx.Response(200, json={"items": [{
                "event_name": e, "event_time": f"2026-01-01T00:00:0{i}Z", "resource_cpu": 4,
                "resource_gpu_class": "g", "resource_memory": 30720, "resource_storage_amount": 2**30,
                "version": "1"} for i, e in enumerate(events)]})
        second = next(polls)
        return httpx.Response(200, json={"instances": [{
            "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "machine_id": "3c90c3cc-0d44-4b50-8888-8dd25736052b",
            "state": "creating", "update_time": f"2026-01-01T00:{second:02d}:00Z", "version": 1, "ready": False}]})

    return httpx.MockTransport(api)


@pytest.mark.parametrize("engine,events,expected", [
    ("vllm", ["Container started", f"Container exited with status 1: {VLLM_ROOT_CAUSE}"], VLLM_ROOT_CAUSE),
    ("vllm", ["Container exited with status 1: RuntimeError: Engine core initialization failed. See root cause "
              "above. Failed core proc(s): {}"],
     "RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}"),
])
def test_the_crash_loop_message_names_the_engines_start_up_failure(clock: Clock, engine: str, events: list[str],
                                                                    expected: str) -> None:
    """run_smoke hands the stack's engine's start-up failure reader to the wait: the message quotes the line that
    says why the engine could not start (Engine.startup_failure), not only that the containers exit."""
    from components import http
    from components.smoke.chat import SmokeFailure
    from components.smoke.resource import run_smoke

    props = {"engine": engine, "model": "m/x", "endpoint": "http://gw.example", "min_ready": 1, "timeout_s": 30,
             "knobs": {"latency_slo_ms": 1000}, "readiness": {
                 "provider": "salad", "api": {"base_url": "https://api.example/api/public", "organization": "org",
                                              "project": "proj"}, "api_key": "k", "group": "g", "version": 1}}
    with http.use_transport(crash_looping_salad(events)), pytest.raises((NotReadyError, SmokeFailure)) as info:
        run_smoke(props)
    msg = str(info.value)
    assert "keep exiting" in msg, msg
    assert f"{engine} could not start: " in msg and expected in msg.split("could not start: ")[1], msg



def test_a_crash_loop_without_the_engines_failure_line_keeps_the_generic_message(clock: Clock) -> None:
    from components.engines.registry import engine
    from components.providers.salad.client import SaladClient
    from components.providers.salad.readiness import SaladInstances

    salad = SaladClient("http://api", "org", "proj", "key", transport=crash_looping_salad(["Container exited with "
                                                                                          "status 137"]))
    with pytest.raises(NotReadyError) as info:
        wait_ready(SaladInstances(salad, "g", version=1), 1, 30, lambda _: None,
                   startup_failure=engine("vllm").startup_failure)
    msg = str(info.value)
    assert "keep exiting" in msg and "could not start" not in msg and "a launcher setting is wrong" in msg, msg
