"""`pulumi up` whose provider API hangs through the readiness wait (issue #27 item 5): the update fails within the
bound (components/readiness.py DEAD_API_CALLS / DEAD_API_S) with the API's own error and its fix, where it
used to wait out smoke.ready_timeout_s and then blame replicas "still downloading"."""

from __future__ import annotations

import time

from tests.emulator_fixture import Emulator
from tests.engine.harness import Project


def test_a_hung_saladcloud_api_fails_up_with_its_error_not_a_timeout_hint(local: Project, emulator: Emulator) -> None:
    local.config("tgi-fleet:smoke.ready_timeout_s", "300", path=True)  # what the wait would have run to
    local.config("tgi-fleet:salad.request_timeout_s", "2", path=True)
    # The group is made; then every instance query of the readiness wait hangs.
    emulator.faults({"op": "list_container_group_instances", "delay_s": 120, "times": 1000})
    began = time.monotonic()
    up = local.run("up", "--yes", "--skip-preview", check=False)
    took = time.monotonic() - began
    text = up.stdout + up.stderr
    assert up.returncode != 0, text
    assert f"smoke test failed: cannot reach the SaladCloud API at {emulator.base_url}" in text, text
    assert "list_container_group_instances): ReadTimeout" in text and "Fix: check that the SaladCloud API" in text
    assert "ready_timeout_s" not in text and "downloading" not in text
    assert took < 150, took  # the engine's own start and the group's create, plus ~12 s of failed queries
    assert [g["name"] for g in emulator.status()["groups"]] == ["tgi-local"]  # left as made: destroy removes it
