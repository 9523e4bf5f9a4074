"""ContainerGroup: a pulumi.dynamic resource over the SaladCloud API (create, read, diff, update, delete).

Secrets (the API key, secret env such as HF_TOKEN) travel as inputs marked secret, never as attributes of the
provider object: Pulumi stores the pickled provider in state in plain text.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from components.shutdown import prepare_provider_process

if TYPE_CHECKING:
    from components.providers.salad.api_models import ContainerGroup as ApiGroup
    from components.providers.salad.api_models import ContainerGroupPrototype
    from components.providers.salad.client import SaladClient

# The engine's dynamic-provider process loads this module to unpickle the provider, after the SDK and gRPC:
# freezing them here spares that process's exit, which every preview and update waits for; a watchdog ends
# the process if the engine is killed (it would otherwise run on, orphaned).
prepare_provider_process()

# httpx, the client and the generated API models load only when the engine calls create/read/update/delete:
# a preview (here and in the dynamic-provider process) never pays for them.

# A change of any spec field SaladCloud cannot PATCH (components/providers/salad/patch.py) replaces the group; so
# does moving it to another API, organization or project.
REPLACE_API_KEYS = ("base_url", "organization", "project")
# The digest of the secret env too: a plain hash of an HF token would let anyone with the state test guesses.
SECRET_OUTPUTS = ["api_key", "secret_env", "secret_env_digest", "log_secret"]


def _client(props: dict[str, Any], max_attempts: int = 6) -> SaladClient:
    from components.providers.salad.client import client_from

    return client_from(props["api"], props["api_key"], max_attempts=max_attempts)


def _get(d: dict[str, Any] | None, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def secret_digest(secret_env: dict[str, str]) -> str:
    """A stable digest of the secret env, to see a change; stored as a secret output, like the env itself."""
    return hashlib.sha256(json.dumps(secret_env, sort_keys=True).encode()).hexdigest()[:16]


def _outputs(props: dict[str, Any], group: ApiGroup, gpu_ids: list[str]) -> dict[str, Any]:
    counts = group.current_state.instance_status_counts
    dns = group.networking.dns if group.networking else None
    scheme = props["api"].get("gateway_scheme", "https")
    return {
        **props,
        "group_id": str(group.id),
        "gpu_class_ids": gpu_ids,
        "status": group.current_state.status,
        "version": group.version,
        "dns": dns,
        "access_url": f"{scheme}://{dns}" if dns else None,
        "running_count": counts.running_count,
        "allocating_count": counts.allocating_count,
        "creating_count": counts.creating_count,
        "secret_env_digest": secret_digest(props.get("secret_env") or {}),
    }


def _live_status(id_: str, props: dict[str, Any]) -> str | None:
    """'deleted', 'stopped' or another live status of the group; None when the API cannot tell us now.

    A preview that cannot reach the API (a pull request's runner) still diffs the config; it only misses drift.
    """
    from components.errors import ApiError

    try:
        with _client(props, max_attempts=2) as client:
            return client.group_status(id_)
    except ApiError:
        return None


def _successor(client: SaladClient, id_: str, props: dict[str, Any]) -> str | None:
    """The access domain (or name) of another running group of this stack: the one that replaces `id_`.

    Groups carry the stack's TGI_FLEET_OWNER marker; a destroy, or a replacement of the same name (deleted before
    its successor is made), finds none.
    """
    from components.providers.salad.body import OWNER_ENV

    owner = (props["spec"]["container"].get("environment_variables") or {}).get(OWNER_ENV)
    for group in client.list_groups() if owner else ():
        env = group.container.environment_variables or {}
        if group.name != id_ and env.get(OWNER_ENV) == owner and group.current_state.status == "running":
            return group.networking.dns if group.networking and group.networking.dns else group.name
    return None


def _body(prototype: ContainerGroupPrototype) -> dict[str, Any]:
    body: dict[str, Any] = prototype.model_dump(mode="json", by_alias=True, exclude_none=True)
    return body


def _prototype(client: SaladClient, props: dict[str, Any]) -> tuple[list[str], ContainerGroupPrototype]:
    """The GPU class ids (resolved by name through the API) and the validated request body."""
    from components.providers.salad.body import to_prototype
    from components.providers.salad.client import resolve_gpu_class_ids

    ids = resolve_gpu_class_ids(client.list_gpu_classes(), props["gpu_class_names"])
    return ids, to_prototype(props["spec"], ids, props.get("secret_env") or {}, props.get("log_secret"))


def _adopt(client: SaladClient, prototype: ContainerGroupPrototype) -> ApiGroup:
    """Take over a group this stack created in a run that never recorded it, and bring it to the spec.

    The group must carry this stack's TGI_FLEET_OWNER marker; any other group of that name stays a conflict.
    """
    from components.providers.salad.body import OWNER_ENV
    from components.providers.salad.client import NameConflictError
    from components.providers.salad.patch import merge_diff, split

    name, op = prototype.name, "create_container_group"
    ours = (prototype.container.environment_variables or {}).get(OWNER_ENV)
    existing = client.get_group(name)
    theirs = (existing.container.environment_variables or {}).get(OWNER_ENV) if existing else None
    where = f"{client.organization}/{client.project}"
    if existing is None or not ours or theirs != ours:
        raise NameConflictError(op, 409, f"a container group named {name!r} already exists in {where} and this "
                                f"stack did not create it ({OWNER_ENV}={theirs!r}, this stack is {ours!r}). Fix: "
                                f"choose another tgi-fleet:name, or delete that group.")
    current = existing.model_dump(mode="json", by_alias=True, exclude_none=True)
    patch, refused = split(merge_diff(current, _body(prototype), removals=False))
    if refused:
        raise NameConflictError(op, 409, f"{name!r} in {where} was created by this stack in a run that did not "
                                f"finish, but differs in {', '.join(refused)}, which cannot be changed in place. "
                                f"Fix: delete the group, then run `pulumi up` again.")
    pulumi.log.info(f"adopting container group {name!r}: this stack created it in a run that did not finish"
                    + (f"; updating {', '.join(sorted(patch))}" if patch else ""))
    return client.patch_group(name, patch) if patch else existing


class ContainerGroupProvider(ResourceProvider):
    """CRUD of one SaladCloud container group."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        with _client(props) as client:
            from components.providers.salad.client import NameConflictError

            ids, prototype = _prototype(client, props)
            try:
                group = client.create_group(prototype)
            except NameConflictError:
                group = _adopt(client, prototype)  # ours, from a run that died before it recorded the create
            if not prototype.autostart_policy:
                client.start_group(group.name)
                group = client.get_group(group.name) or group
            return CreateResult(id_=group.name, outs=_outputs(props, group, ids))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with _client(props) as client:
            group = client.get_group(id_)
        if group is None:
            return ReadResult(id_="", outs={})  # deleted out of band: refresh drops it
        spec = json.loads(json.dumps(props["spec"]))
        secret_keys = set((props.get("secret_env") or {}).keys())
        spec["replicas"] = group.replicas
        spec["container"]["image"] = group.container.image
        spec["container"]["environment_variables"] = {
            k: v for k, v in (group.container.environment_variables or {}).items() if k not in secret_keys
        }
        res = group.container.resources
        spec["container"]["resources"].update(
            cpu=res.cpu, memory=res.memory, storage_amount=res.storage_amount, shm_size=res.shm_size
        )
        return ReadResult(id_=id_, outs=_outputs({**props, "spec": spec}, group, [str(g) for g in res.gpu_classes]))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        from components.providers.salad.patch import merge_diff, split

        replaces = [f"api.{k}" for k in REPLACE_API_KEYS if _get(olds, ("api", k)) != _get(news, ("api", k))]
        _, refused = split(merge_diff(olds.get("spec") or {}, news["spec"]))
        replaces += [f"spec.{path}" for path in refused]
        changes = [k for k in ("spec", "gpu_class_names", "api_key", "log_secret") if olds.get(k) != news.get(k)]
        if float(olds.get("drain_s") or 0) != float(news.get("drain_s") or 0):
            changes.append("drain_s")  # recorded with the group: its delete drains for the value it holds
        if olds.get("secret_env_digest") != secret_digest(news.get("secret_env") or {}):
            changes.append("secret_env")
        if not replaces:
            # Drift, seen live (with or without --refresh): a group stopped out of band is started again, one
            # deleted out of band is made again. Either way the smoke test, which depends on it, re-runs.
            live = _live_status(id_, news)
            if live == "deleted":
                replaces.append("status")
            elif live == "stopped":
                changes.append("status")
        # The name is the id: a replacement of the same name must delete the old group first; a new name (the
        # blue-green strategy names each container version) makes the new group first and deletes the old one
        # only after everything that depends on it (the smoke test) passed.
        same_name = (olds.get("spec") or {}).get("name") == news["spec"]["name"]
        return DiffResult(changes=bool(changes or replaces), replaces=replaces, delete_before_replace=same_name)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from components.providers.salad.body import to_prototype
        from components.providers.salad.patch import merge_diff, split

        with _client(news) as client:
            ids, wanted = _prototype(client, news)
            before = to_prototype(olds["spec"], olds.get("gpu_class_ids") or [], olds.get("secret_env") or {},
                                  olds.get("log_secret"))
            # Only what changed: naming the container in a patch makes a new version and restarts every replica.
            patch, _ = split(merge_diff(_body(before), _body(wanted)))
            group = client.patch_group(id_, patch) if patch else client.get_group(id_)
            if group is None:
                from components.providers.salad.client import SaladApiError

                raise SaladApiError("get_container_group", 404, f"{id_} is gone: run `pulumi refresh`, then up")
            if group.current_state.status == "stopped":  # stopped out of band: the declared state runs
                client.start_group(id_)
                group = client.get_group(id_) or group
            return UpdateResult(outs=_outputs(news, group, ids))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from components import http
        from components.providers.salad.client import SaladApiError

        with _client(props) as client:
            # Blue-green: the engine deletes a replaced group once every other step ended, the smoke test's included,
            # but before it writes the stack outputs (Pulumi writes them after every step, deletes included). A
            # client reading `pulumi stack output` learns the new endpoint only after this step: the replaced group
            # keeps running, and the stack's RetiredGroups (retire.py, its last step before this one, recorded it)
            # deletes it in a later `up`, salad.drain_s after this one, and says until then that it bills.
            drain_s = float(props.get("drain_s") or 0)
            successor = _successor(client, id_, props) if drain_s > 0 else None
            if successor:
                pulumi.log.info(f"container group {id_!r} keeps serving after this update, while clients move to "
                                f"{successor} (salad.drain_s = {drain_s:g} s)")
                return
            # 202 = accepted; wait until it is really gone.
            http.delete_and_wait(lambda: client.delete_group(id_), lambda: client.get_group(id_) is None,
                                 lambda: SaladApiError("delete_container_group", 202, f"{id_} still exists "
                                                       f"{http.DELETE_WAIT_S:.0f} s after delete was accepted"))


class ContainerGroup(Resource):
    """A SaladCloud container group; outputs: group_id, status, dns, access_url, replica counts."""

    group_id: pulumi.Output[str]
    status: pulumi.Output[str]
    version: pulumi.Output[int]
    dns: pulumi.Output[str | None]
    access_url: pulumi.Output[str | None]
    running_count: pulumi.Output[int]

    def __init__(
        self,
        name: str,
        *,
        api: dict[str, Any],
        api_key: pulumi.Input[str],
        spec: dict[str, Any],
        gpu_class_names: list[str],
        secret_env: pulumi.Input[dict[str, str]],
        log_secret: pulumi.Input[str] | None = None,
        drain_s: float = 0.0,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "api": api, "api_key": api_key, "spec": spec, "gpu_class_names": gpu_class_names,
            "secret_env": secret_env, "log_secret": log_secret, "drain_s": drain_s,
            **dict.fromkeys(("group_id", "gpu_class_ids", "status", "version", "dns", "access_url",
                             "running_count", "allocating_count", "creating_count", "secret_env_digest")),
        }
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS))
        super().__init__(ContainerGroupProvider(), name, props, opts)
