"""Updates without an outage: a replica-count change restarts nothing; the blue-green strategy brings a new
container version up beside the old one and deletes the old group only after the new one passed the smoke test
and a client following the proven endpoint in the stack's state had salad.drain_s to move."""

from __future__ import annotations

from tests.emulator_fixture import Emulator
from tests.engine.harness import Project
from tests.load import Follower, loading, proven_domain
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
    assert probe.ticks > 10 and probe.failed == [], f"{len(probe.failed)} of {probe.ticks} probes failed"
    # SaladCloud documents no drain for a replica removed by a scale-down (salad-cloud-docs 504c704,
    # container-engine/reference/autoscaling/settings.mdx: "the system might remove nodes that are still processing
    # jobs"): at most the requests in flight on the removed replica fail (one per worker at most); the group
    # never stops answering (no 503).
    assert load.total > 50 and len(load.failed) <= load.workers, load.summary()
    assert "HTTP 503" not in {a.error for a in load.failed}, load.summary()


def test_blue_green_moves_to_a_proven_group_without_an_outage(local: Project, emulator: Emulator) -> None:
    """Issue #27 item 8: a loaded client that re-reads the proven endpoint from the stack's state once a second
    loses no request: the old group serves on for salad.drain_s after the new one passed the smoke test."""
    local.config("tgi-fleet:salad.update_strategy", "blue-green", path=True)
    local.config("tgi-fleet:salad.drain_s", "10", path=True)  # room for a slow `stack export`
    local.run("up", "--yes", "--skip-preview")
    blue = local.outputs()["access_domain"]
    blue_group = local.outputs()["container_group_id"]
    [blue_name] = [g["name"] for g in emulator.status()["groups"]]
    local.config("tgi-fleet:extra_env", '{"PAYLOAD_LIMIT": "3000000"}')  # a new container version
    client = Follower(lambda: proven_domain(local))
    with loading(emulator.gateway, client) as load:
        up = local.run("up", "--yes", "--skip-preview")
    green = local.outputs()["access_domain"]
    assert green != blue and local.outputs()["container_group_id"] != blue_group
    assert "smoke: 4 chat completions OK" in up.stdout
    # The new group was created, proven, and only then (after the drain) the old one deleted.
    lines = up.stdout.splitlines()
    created = next(i for i, line in enumerate(lines) if "created replacement" in line)
    drained = next(i for i, line in enumerate(lines) if "keeps serving for 10 s (salad.drain_s)" in line)
    deleted = next(i for i, line in enumerate(lines) if "deleted original" in line)
    smoke = next(i for i, line in enumerate(lines) if "tgi-local-smoke" in line and "updated" in line)
    assert created < smoke < drained < deleted, up.stdout
    [green_name] = [g["name"] for g in emulator.status()["groups"]]  # the old group is gone
    assert green_name != blue_name and green_name.startswith("tgi-local-") and green.startswith(green_name)
    assert client.seen == [blue, green], "the client followed the published endpoint"
    assert any(a.domain == green and not a.error for a in load.answers), "the new group answered the client"
    assert load.total > 50 and load.failed == [], load.summary()
