"""RetiredGroups: the blue-green groups a stack replaced, kept serving past the `up` that replaced them.

Pulumi (3.220) writes the stack outputs only once every step of an update has ended, deletes included
(`pkg/resource/deploy/deployment_executor.go`, "Finalize the stack outputs"). A replaced group deleted in the
same `up` is gone before a client reading `pulumi stack output` can learn the new endpoint. So the replaced
group's delete step leaves it running (`ContainerGroupProvider.delete`), this resource, the last step after the
smoke test proved the new group, records when it was retired, and a later `up` deletes it once `salad.drain_s`
has passed since then. Until then it runs and bills, and every `up` says so, with its cost and how to remove it
now (`make drain`, which runs `up` with TGI_FLEET_DRAIN_NOW=1).

Which groups: every group in the project carrying this stack's TGI_FLEET_OWNER marker other than the current one,
as the API lists them (a group left behind by a crash is found the same way). Removing this resource (`pulumi
destroy`, or a switch to `salad.update_strategy: in-place`) deletes every group it holds and the one it knew as
current: the stack's groups never outlive it.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from components.shutdown import prepare_provider_process

if TYPE_CHECKING:
    from components.providers.salad.client import SaladClient

prepare_provider_process()  # as in resource.py: this module is what the provider process unpickles

DRAIN_NOW_ENV = "TGI_FLEET_DRAIN_NOW"
"""Set to 1 for one `pulumi up` (`make drain`): the retired groups are deleted now, not after salad.drain_s."""


def drain_now() -> bool:
    """Whether this run was asked to delete the retired groups now."""
    return os.environ.get(DRAIN_NOW_ENV, "") == "1"


def _client(props: dict[str, Any]) -> SaladClient:
    from components.providers.salad.client import client_from

    return client_from(props["api"], props["api_key"])


def _ours(client: SaladClient, owner: str) -> dict[str, int]:
    """The stack's groups as the API lists them: name -> replicas."""
    from components.providers.salad.body import OWNER_ENV

    return {g.name: g.replicas for g in client.list_groups()
            if (g.container.environment_variables or {}).get(OWNER_ENV) == owner}


def _delete(client: SaladClient, name: str) -> None:
    from components import http
    from components.providers.salad.client import SaladApiError

    http.delete_and_wait(lambda: client.delete_group(name), lambda: client.get_group(name) is None,
                         lambda: SaladApiError("delete_container_group", 202, f"{name} still exists "
                                               f"{http.DELETE_WAIT_S:.0f} s after delete was accepted"))


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _cost(props: dict[str, Any], replicas: int) -> str:
    per_replica = props.get("usd_per_replica_hour")
    if per_replica is None:
        return "at the provider's price for its replicas (no price known for them here)"
    return f"about ${per_replica * replicas:.2f}/h ({replicas} replica(s) at this plan's price)"


def settle(props: dict[str, Any], retired: dict[str, float], now: float, drain_now: bool) -> dict[str, float]:
    """Record the stack's groups other than the current one, delete those whose drain ended; what still runs."""
    drain_s = float(props["drain_s"])
    with _client(props) as client:
        ours = _ours(client, props["owner"])
        # A group already gone (deleted by hand, or by a drain) is dropped; a new one starts its drain now.
        left = {n: t for n, t in retired.items() if n in ours}
        left.update({n: now for n in ours if n != props["current"] and n not in left})
        for name, since in sorted(left.items()):
            if drain_now or now >= since + drain_s:
                _delete(client, name)
                why = DRAIN_NOW_ENV if drain_now else f"salad.drain_s = {drain_s:g} s after {_when(since)}"
                pulumi.log.info(f"deleted the replaced container group {name!r} ({why})")
                del left[name]
        for name, since in sorted(left.items()):
            stack = props["stack"]
            pulumi.log.warn(
                f"container group {name!r} (replaced by {props['current']!r}) still runs and bills, "
                f"{_cost(props, ours[name])}, so that clients reading the stack outputs can move to the new "
                f"endpoint: the first `pulumi up` after {_when(since + drain_s)} (salad.drain_s = {drain_s:g} s "
                f"after this update published it) deletes it. Remove it now: `make drain STACK={stack}` (or "
                f"`{DRAIN_NOW_ENV}=1 pulumi up --stack {stack}`).")
    return left


class RetiredGroupsProvider(ResourceProvider):
    """Create/update settle the retired groups; delete removes all of them (and the last current group)."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        left = settle(props, {}, time.time(), bool(props.get("drain_now")))
        return CreateResult(id_=f"{props['owner']}-retired", outs={**props, "retired": left})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = ("api", "api_key", "owner", "current", "drain_s", "usd_per_replica_hour")
        changed = [k for k in keys if olds.get(k) != news.get(k)]
        # While a group drains, every `up` looks again: it deletes it, or says again that it still bills.
        if olds.get("retired") or news.get("drain_now"):
            changed.append("retired")
        return DiffResult(changes=bool(changed))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        left = settle(news, dict(olds.get("retired") or {}), time.time(), bool(news.get("drain_now")))
        return UpdateResult(outs={**news, "retired": left})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        with _client(props) as client:
            ours = _ours(client, props["owner"])
            for name in sorted(set(props.get("retired") or {}) | {props["current"]}):
                if name in ours:
                    _delete(client, name)
                    pulumi.log.info(f"deleted container group {name!r} (the stack no longer keeps replaced groups)")


class RetiredGroups(Resource):
    """The blue-green groups this stack replaced, draining; output `retired`: name -> when its drain began."""

    retired: pulumi.Output[dict[str, float]]

    def __init__(self, name: str, *, api: dict[str, Any], api_key: pulumi.Input[str], owner: str,
                 current: pulumi.Input[str], drain_s: float, usd_per_replica_hour: float | None, stack: str,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = {"api": api, "api_key": api_key, "owner": owner, "current": current, "drain_s": drain_s,
                 "usd_per_replica_hour": usd_per_replica_hour, "stack": stack, "drain_now": drain_now(),
                 "retired": None}
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["api_key"]))
        super().__init__(RetiredGroupsProvider(), name, props, opts)
