"""The emulated SaladCloud follows SaladCloud's documented deployment-strategy rules ("Deployment Strategies" guide):

- a change that makes a new container version (image, command, env, probes, gateway) restarts every replica at
  once, with no mix of versions, and bumps the group's `version`;
- replica count, display name and autoscaler changes make no new version and restart nothing;
- resource changes reallocate only the replicas whose nodes no longer fit.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.salad_groups import RTX_3090, RTX_4090, all_ready, deployed, group_body, instances, patch, pids
from tests.emulator_fixture import Emulator

PROBE_2 = {"http": {"path": "/health", "port": 3000, "scheme": "http", "headers": [{"name": "X-Probe", "value": "2"}]},
           "initial_delay_seconds": 0, "period_seconds": 1, "timeout_seconds": 2, "success_threshold": 1,
           "failure_threshold": 3}


@pytest.mark.parametrize("change", [
    {"container": {"image": "ghcr.io/huggingface/text-generation-inference:3.3.6"}},
    {"container": {"command": ["text-generation-launcher", "--json-output"]}},
    {"container": {"environment_variables": {"MAX_TOTAL_TOKENS": "2048"}}},
    {"readiness_probe": PROBE_2},
    {"networking": {"port": 8080}},
], ids=["image", "command", "env", "probe", "gateway"])
def test_a_versioned_change_restarts_every_replica_at_once(emulator: Emulator, change: dict[str, Any]) -> None:
    api, before = deployed(emulator)
    old_pids = pids(emulator)
    group = patch(api, change)
    assert group["version"] == 2
    # At once: the answer to the PATCH already shows no instance of version 1 (no mix of versions).
    now = instances(api)
    assert now and {i["version"] for i in now} == {2}
    assert not {i["id"] for i in before} & {i["id"] for i in now if i["state"] == "running"}
    after = all_ready(api, 2)
    assert {i["version"] for i in after} == {2}
    assert not set(old_pids.values()) & set(pids(emulator).values()), "every replica restarted"


@pytest.mark.parametrize("change,replicas", [
    ({"replicas": 3}, 3),
    ({"replicas": 1}, 1),
    ({"display_name": "Strategy Test"}, 2),
    ({"queue_autoscaler": {"min_replicas": 1, "max_replicas": 4, "desired_queue_length": 10}}, 2),
], ids=["scale-up", "scale-down", "display-name", "autoscaler"])
def test_count_name_and_autoscaler_changes_make_no_version(emulator: Emulator, change: dict[str, Any],
                                                           replicas: int) -> None:
    api, before = deployed(emulator)
    old = pids(emulator)
    group = patch(api, change)
    assert group["version"] == 1
    after = all_ready(api, replicas)
    assert {i["version"] for i in after} == {1}
    kept = {i["id"] for i in before} & {i["id"] for i in after}
    assert len(kept) == min(2, replicas), "running replicas are left alone"
    assert all(pids(emulator)[i] == old[i] for i in kept), "and not restarted"


def test_a_resource_change_reallocates_only_replicas_whose_node_no_longer_fits(emulator: Emulator) -> None:
    # Two GPU classes: the two replicas land on one node of each.
    api, before = deployed(emulator, container={**group_body()["container"], "resources": {
        "cpu": 4, "memory": 8192, "gpu_classes": [RTX_4090, RTX_3090]}})
    old = {i["id"]: i["machine_id"] for i in before}
    old_pids = pids(emulator)
    group = patch(api, {"container": {"resources": {"cpu": 4, "memory": 8192, "gpu_classes": [RTX_4090]}}})
    assert group["version"] == 2
    now = instances(api)
    assert {i["version"] for i in now} == {2}, "the kept replica runs the new version, with no restart"
    moved = [i for i in now if i["machine_id"] != old[i["id"]]]
    stayed = [i for i in now if i["machine_id"] == old[i["id"]]]
    assert len(moved) == 1 and len(stayed) == 1
    assert stayed[0]["state"] == "running" and pids(emulator)[stayed[0]["id"]] == old_pids[stayed[0]["id"]]
    assert moved[0]["state"] == "allocating"
    all_ready(api, 2)

    # Less memory fits every node: nothing moves. More CPU fits none: every replica is reallocated.
    machines = {i["id"]: i["machine_id"] for i in instances(api)}
    assert patch(api, {"container": {"resources": {"cpu": 4, "memory": 4096}}})["version"] == 3
    assert {i["id"]: i["machine_id"] for i in instances(api)} == machines
    assert {i["version"] for i in instances(api)} == {3}
    assert patch(api, {"container": {"resources": {"cpu": 8}}})["version"] == 4
    assert all(i["machine_id"] != machines[i["id"]] for i in instances(api))


def test_the_emulators_log_carries_no_api_key(emulator: Emulator) -> None:
    """A log is read by whoever debugs a run: the key that opens the API stays out of it (#27.2)."""
    from tests.emulator_fixture import KEY

    log = (emulator.state_dir / "emulator.log").read_text()
    assert "SaladCloud API on" in log and KEY not in log
