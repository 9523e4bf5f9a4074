"""Updates without an outage: a replica-count change restarts nothing; the blue-green strategy brings a new
container version up beside the old one, keeps the old group serving past the `up` that published the new endpoint,
and deletes it in the first `up` salad.drain_s later (or `make drain`)."""

from __future__ import annotations

import time
from dataclasses import replace

from tests.emulator_fixture import Emulator
from tests.engine.harness import Project
from tests.load import Follower, loading
from tests.probe import probing


def test_scale_down_restarts_nothing(local: Project, emulator: Emulator) -> None:
    local.run("up", "--yes", "--skip-preview")
    dns = local.outputs()["access_domain"]
    before = {p["pid"] for p in emulator.status()["processes"]}
    assert len(before) == 3
    local.config("tgi-fleet:replicas", "2")
    local.config("tgi-fleet:smoke.min_ready_replicas", "2", path=True)
    with probing(emulator, dns) as probe, loading(emulator.gateway, dns) as load:
        local.run("up", "--yes", "--skip-preview")
    after = {p["pid"] for p in emulator.status()["processes"]}
    assert len(after) == 2 and after <= before, "the two replicas left are the ones that were running"
    # SaladCloud documents no drain for a replica removed by a scale-down (salad-cloud-docs 504c704,
    # container-engine/reference/autoscaling/settings.mdx: "the system might remove nodes that are still processing
    # jobs"): at most the requests in flight on the removed replica fail (one per client at most: the probe has one
    # request in flight, each load worker one); the group never stops answering (no 503). (CI saw the probe's one
    # request land on the removed replica once.)
    assert probe.ticks > 10 and len(probe.failed) <= 1, f"{len(probe.failed)} of {probe.ticks} probes failed"
    assert load.total > 50 and len(load.failed) <= load.workers, load.summary()
    assert "HTTP 503" not in {a.error for a in load.failed}, load.summary()


def _blue_green(local: Project, emulator: Emulator, drain_s: str) -> tuple[str, str]:
    """Deploy the blue group with salad.drain_s; the name and access domain of the (only) group."""
    local.config("tgi-fleet:salad.update_strategy", "blue-green", path=True)
    local.config("tgi-fleet:salad.drain_s", drain_s, path=True)
    local.run("up", "--yes", "--skip-preview")
    [name] = [g["name"] for g in emulator.status()["groups"]]
    return name, local.outputs()["access_domain"]


def _new_group(emulator: Emulator, old: str) -> str:
    [name] = [g["name"] for g in emulator.status()["groups"] if g["name"] != old]
    return name


def test_blue_green_client_following_the_stack_outputs_loses_nothing(local: Project, emulator: Emulator) -> None:
    """Issue #27 item 8: a loaded client that re-reads `pulumi stack output access_domain` once a second loses no
    request. Pulumi writes the stack outputs only after every step, deletes included (pulumi/pulumi v3.220.0,
    pkg/resource/deploy/deployment_executor.go, "Finalize the stack outputs"): the replaced group must outlive the
    `up` that replaced it, and goes in the first `up` salad.drain_s after it."""
    blue_name, blue = _blue_green(local, emulator, "20")
    local.config("tgi-fleet:extra_env", '{"PAYLOAD_LIMIT": "3000000"}')  # a new container version
    client = Follower(lambda: str(local.outputs()["access_domain"]))
    with loading(emulator.gateway, client) as load:
        up = local.run("up", "--yes", "--skip-preview")
        published = time.monotonic()
        while client.current == blue and time.monotonic() - published < 15:  # the client's next read moves it
            time.sleep(0.2)
        time.sleep(1.0)  # and it sends a few requests to the new group
    green, green_name = local.outputs()["access_domain"], _new_group(emulator, blue_name)
    assert green != blue and green_name != blue_name and "smoke: 4 chat completions OK" in up.stdout
    assert client.seen == [blue, green], "the client followed the published endpoint"
    assert any(a.domain == green and not a.error for a in load.answers), "the new group answered the client"
    assert load.total > 50 and load.failed == [], load.summary()

    # The replaced group still runs after that `up`, and the `up` said so: its cost, until when, how to remove it.
    assert sorted(g["name"] for g in emulator.status()["groups"]) == sorted([blue_name, green_name])
    said = " ".join(up.stdout.split())
    assert f"container group '{blue_name}' (replaced by '{green_name}') still runs and bills, about $" in said, said
    assert "make drain STACK=local" in said and "salad.drain_s = 20 s" in said, said

    # A later `up` within the drain keeps it (and says so again); the first one after it deletes it.
    again = local.run("up", "--yes", "--skip-preview")
    if time.monotonic() - published < 18:  # (the drain began a little before `up` returned)
        assert "still runs and bills" in " ".join(again.stdout.split()), again.stdout
        assert blue_name in {g["name"] for g in emulator.status()["groups"]}
    time.sleep(max(0.0, 20.5 - (time.monotonic() - published)))
    last = local.run("up", "--yes", "--skip-preview")
    # Under load that second `up` may itself reach the drain's end (it ended 18 s or more after the first): then it
    # is the one that deleted the group, and this one finds nothing left to drain.
    deleted = f"deleted the replaced container group '{blue_name}'"
    assert deleted in last.stdout or deleted in again.stdout, (again.stdout, last.stdout)
    assert [g["name"] for g in emulator.status()["groups"]] == [green_name]
    assert local.outputs()["access_domain"] == green


def test_blue_green_drain_now_and_destroy_remove_every_group(local: Project, emulator: Emulator) -> None:
    """`make drain` (TGI_FLEET_DRAIN_NOW=1 up) deletes the replaced group at once; `destroy` leaves no group."""
    blue_name, _ = _blue_green(local, emulator, "600")
    local.config("tgi-fleet:extra_env", '{"PAYLOAD_LIMIT": "3000000"}')
    local.run("up", "--yes", "--skip-preview")
    green_name = _new_group(emulator, blue_name)
    assert sorted(g["name"] for g in emulator.status()["groups"]) == sorted([blue_name, green_name])
    drain = replace(local, env={**local.env, "TGI_FLEET_DRAIN_NOW": "1"})  # what `make drain` sets
    now = drain.run("up", "--yes", "--skip-preview")
    assert f"deleted the replaced container group '{blue_name}' (TGI_FLEET_DRAIN_NOW)" in now.stdout, now.stdout
    assert [g["name"] for g in emulator.status()["groups"]] == [green_name]

    # Another replacement, then destroy while the replaced group drains: both groups go.
    local.config("tgi-fleet:extra_env", '{"PAYLOAD_LIMIT": "3000001"}')
    local.run("up", "--yes", "--skip-preview")
    assert len(emulator.status()["groups"]) == 2
    local.run("destroy", "--yes", "--skip-preview")
    assert emulator.wait_empty() == {"groups": [], "processes": []}
