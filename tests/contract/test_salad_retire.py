"""components/providers/salad/retire.py against the SaladCloud emulator: which groups a blue-green stack keeps
draining after an update, when it deletes them, and that removing it leaves none of the stack's groups."""

from __future__ import annotations

from typing import Any

from components.providers.salad.retire import RetiredGroupsProvider, settle
from tests.contract.salad_groups import group_body
from tests.emulator_fixture import KEY, ORG, PROJECT, Emulator

OWNER = "tgi-fleet/s"


def make(emu: Emulator, name: str, owner: str | None) -> None:
    env = {"MODEL_ID": "bigscience/bloom-560m", **({"TGI_FLEET_OWNER": owner} if owner else {})}
    body = group_body(name=name, replicas=1)
    body["container"]["environment_variables"] = env
    r = emu.api().post("/containers", json=body)
    assert r.status_code == 201, r.text


def names(emu: Emulator) -> set[str]:
    """The groups the API lists: a deleted one is gone from the list at once, while the emulator's own status
    still shows it until its instances have stopped."""
    with emu.client() as client:
        return {g.name for g in client.list_groups()}


def props(emu: Emulator, drain_s: float = 100.0) -> dict[str, Any]:
    return {"api": {"base_url": emu.base_url, "organization": ORG, "project": PROJECT, "gateway_scheme": "http",
                    "timeout_s": 10.0},
            "api_key": KEY, "owner": OWNER, "current": "cur", "drain_s": drain_s, "usd_per_replica_hour": 0.5,
            "stack": "s", "drain_now": False}


def test_replaced_groups_drain_then_go_and_only_this_stacks(emulator: Emulator) -> None:
    for name, owner in (("cur", OWNER), ("old", OWNER), ("other", "tgi-fleet/other"), ("nomark", None)):
        make(emulator, name, owner)
    p = props(emulator)
    assert settle(p, {}, now=1000.0, drain_now=False) == {"old": 1000.0}  # its drain starts now
    assert settle(p, {"old": 1000.0}, now=1099.0, drain_now=False) == {"old": 1000.0}  # within drain_s: kept
    assert names(emulator) == {"cur", "old", "other", "nomark"}
    assert settle(p, {"old": 1000.0}, now=1100.0, drain_now=False) == {}  # drain_s after: deleted
    assert names(emulator) == {"cur", "other", "nomark"}, "another stack's group and an unmarked one stay"

    make(emulator, "old2", OWNER)
    assert settle(p, {}, now=2000.0, drain_now=True) == {}  # `make drain`: at once
    assert names(emulator) == {"cur", "other", "nomark"}


def test_removing_it_deletes_the_stacks_groups(emulator: Emulator) -> None:
    # `pulumi destroy` (or a switch to in-place) deletes it before the current group's own delete.
    for name, owner in (("cur", OWNER), ("old", OWNER), ("other", "tgi-fleet/other")):
        make(emulator, name, owner)
    p = props(emulator)
    retired = settle(p, {}, now=1000.0, drain_now=False)
    RetiredGroupsProvider().delete("x", {**p, "retired": retired})
    assert names(emulator) == {"other"}
    RetiredGroupsProvider().delete("x", {**p, "retired": retired})  # nothing left of ours: a no-op


def test_diff_looks_again_while_a_group_drains() -> None:
    base = {"api": {}, "api_key": "k", "owner": OWNER, "current": "cur", "drain_s": 60.0,
            "usd_per_replica_hour": None, "stack": "s", "drain_now": False}
    provider = RetiredGroupsProvider()
    assert not provider.diff("x", {**base, "retired": {}}, base).changes  # nothing drains: nothing to do
    assert provider.diff("x", {**base, "retired": {"old": 1.0}}, base).changes  # delete it, or say it bills
    assert provider.diff("x", {**base, "retired": {}}, {**base, "drain_now": True}).changes
    assert provider.diff("x", {**base, "retired": {}}, {**base, "current": "new"}).changes
