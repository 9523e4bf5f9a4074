"""A dead provider API during the readiness wait (issue #27 item 5): an API that hangs (the SaladCloud and Baseten
emulators' fault injection) or a dstack server that was stopped ends the wait within the bound
(components/readiness.py DEAD_API_CALLS / DEAD_API_S) with the API's own error and its fix, never with the
timeout's "raise ready_timeout_s" advice about replicas still downloading."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from components.providers import registry
from components.readiness import wait_ready
from tests.baseten_fixture import KEY as BASETEN_KEY
from tests.baseten_fixture import BasetenEmulator
from tests.dstack_cases import RETRY, service_conf
from tests.dstack_fixture import DstackServer
from tests.emulator_fixture import KEY, ORG, PROJECT, Emulator

READY_TIMEOUT_S = 120  # the wait would run this long (and then blame the replicas) without the bound
BOUND_S = 30  # each case's queries fail fast or time out after 1 s: well within DEAD_API_S plus the pauses


def waits(source: object) -> tuple[str, float]:
    """The wait's error message and how long it took."""
    began = time.monotonic()
    with pytest.raises(ConnectionError) as info:
        wait_ready(source, 1, READY_TIMEOUT_S, lambda _: None)  # type: ignore[arg-type]
    return str(info.value), time.monotonic() - began


def test_a_hung_saladcloud_api_ends_the_wait_with_its_error(emulator: Emulator) -> None:
    emulator.faults({"op": "list_container_group_instances", "delay_s": 60, "times": 100})
    source = registry.provider("salad").readiness({
        "api": {"base_url": emulator.base_url, "organization": ORG, "project": PROJECT, "timeout_s": 1},
        "api_key": KEY, "group": "tgi-local", "version": 1})
    text, took = waits(source)
    assert took < BOUND_S, took
    head = f"cannot reach the SaladCloud API at {emulator.base_url} (3 readiness queries in a row"
    assert text.startswith(head), text
    assert "list_container_group_instances): ReadTimeout" in text
    assert "Fix: check that the SaladCloud API answers" in text
    assert "ready_timeout_s" not in text


def test_a_hung_baseten_api_ends_the_wait_with_its_error(baseten: BasetenEmulator) -> None:
    baseten.faults({"op": "get_deployment", "delay_s": 60, "times": 100})
    source = registry.provider("baseten").readiness({"api": {"base_url": baseten.base_url, "timeout_s": 1},
                                                     "api_key": BASETEN_KEY, "model_id": "abc1234"})
    text, took = waits(source)
    assert took < BOUND_S, took
    assert text.startswith(f"cannot reach the Baseten API at {baseten.base_url} (3 readiness queries in a row"), text
    assert "get_deployment): ReadTimeout" in text and "Fix: check that Baseten's management API answers" in text
    assert "ready_timeout_s" not in text


def test_a_stopped_dstack_server_ends_the_wait_with_its_error(tmp_path: Path) -> None:
    server = DstackServer(home=tmp_path / "dstack-home")
    server.start()
    try:
        project = server.new_project()
        from components.providers.dstack.client import ApiTarget, DstackApi

        api = DstackApi(ApiTarget(server.url, project, server.token))
        conf = service_conf(retry=RETRY)  # no fleet here: with retry the run stays pending, as one loading would
        api.apply(api.plan(conf))
        source = registry.provider("dstack").readiness({"server_url": server.url, "project": project,
                                                        "token": server.token, "timeout_s": 5, "run": conf["name"]})
        assert source.count().ready == 0
    finally:
        server.stop()  # the server goes away in the middle of `up`'s readiness wait
    text, took = waits(source)
    assert took < BOUND_S, took
    assert text.startswith(f"cannot reach the dstack API at {server.url} (3 readiness queries in a row"), text
    assert f"cannot reach the dstack server at {server.url}. Fix: start it" in text
    assert "ready_timeout_s" not in text
