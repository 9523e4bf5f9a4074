"""The emulated SaladCloud's API semantics: create, patch, delete, start and stop container groups, instance
actions, quotas, and the gateway's routing table, over the store (store.py), the reconciler (lifecycle.py) and the
replica processes (supervisor.py).
"""

from __future__ import annotations

import copy
import time
import typing
import uuid
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from components.providers.salad.api_models import (
    ContainerGroup,
    ContainerGroupPatch,
    ContainerGroupPrototype,
    ContainerLogging,
)
from emulator.images import Engines
from emulator.salad.gpus import GpuClasses
from emulator.salad.lifecycle import Lifecycle, Timings
from emulator.salad.store import Group, Instance, Store, now_iso
from emulator.supervisor import Supervisor
from emulator.zygote import Zygote


class ApiProblem(Exception):
    """An API error with the spec's ProblemDetails body."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


class Cloud:
    """All organizations' groups, the reconciler that drives instances, and persistence."""

    def __init__(self, state_path: Path | None, timings: Timings, gateway_domain: str = "salad.localhost",
                 replica_quota: int = 20, organization: str = "local-org",
                 projects: tuple[str, ...] = ("default",), engines: Engines | None = None,
                 zygote: Zygote | None = None) -> None:
        self.t, self.domain = timings, gateway_domain
        # The organization the API key belongs to, and its projects: the emulator hosts no other.
        self.organization, self.projects = organization, projects
        # Every replica is a real process on this machine: the organization quota bounds them.
        self.replica_quota = replica_quota
        self.gpus = GpuClasses()
        self.gpu_classes = self.gpus.items
        self.store = Store(state_path)
        self.supervisor = Supervisor(timings.replica_defaults(), max_processes=replica_quota, zygote=zygote)
        self.lifecycle = Lifecycle(self.store, self.supervisor, timings, self.gpus, engines)

    @property
    def groups(self) -> dict[tuple[str, str, str], Group]:
        return self.store.groups

    def save(self) -> None:
        """Persist the groups."""
        self.store.save()

    # -- API operations -----------------------------------------------------------------------------------
    def get(self, org: str, project: str, name: str) -> Group:
        """A group or a 404 problem (in an organization or project the emulator does not host included)."""
        if org != self.organization or project not in self.projects:
            raise ApiProblem(404, f"organization {org!r} has no project {project!r}")
        group = self.groups.get((org, project, name))
        if group is None or group.deleting:
            raise ApiProblem(404, f"container group {name!r} not found in project {project!r}")
        return group

    def create(self, org: str, project: str, proto: ContainerGroupPrototype, readme: str | None = None) -> Group:
        """POST containers."""
        if (org, project, proto.name) in self.groups:
            raise ApiProblem(409, f"a container group named {proto.name!r} already exists")
        self._check_quota(org, proto.replicas)
        unknown = [str(g) for g in proto.container.resources.gpu_classes or [] if str(g) not in self.gpus.names]
        if unknown:
            raise ApiProblem(400, f"unknown GPU class id(s): {unknown}")
        body = proto.model_dump(mode="json", by_alias=True, exclude_none=True)
        container = body["container"]
        priority = container.get("priority") or "high"  # SaladCloud's default when the request names none
        container["priority"] = priority
        stamp = now_iso()
        doc: dict[str, Any] = {
            **{k: v for k, v in body.items() if k != "container"},
            "id": str(uuid.uuid4()), "organization_name": org, "project_name": project,
            "display_name": body.get("display_name") or proto.name,
            "container": {
                "command": None, "environment_variables": {}, **container,
                "resources": {"gpu_classes": [], "storage_amount": 1073741824, "shm_size": 64,
                              **container["resources"]},
                "hash": "sha256:" + uuid.uuid4().hex + uuid.uuid4().hex, "size": 10_000_000_000,
            },
            **({"readme": readme} if readme is not None else {}),
            "country_codes": body.get("country_codes") or [], "priority": priority,
            "pending_change": False, "version": 1, "create_time": stamp, "update_time": stamp,
            "scaling-actions": [], "scheduled-scaling-enabled": False,
            "current_state": {"status": "deploying" if proto.autostart_policy else "pending", "start_time": stamp,
                              "finish_time": stamp, "instance_status_counts": dict.fromkeys(
                                  ("allocating_count", "creating_count", "running_count", "stopping_count"), 0)},
        }
        if container.get("logging"):
            _serve_nulls(container["logging"])
        if "networking" in body:
            label = f"{proto.name[:54].rstrip('-')}-{doc['id'][:8]}"  # a DNS label is at most 63 characters
            doc["networking"] = {**body["networking"], "dns": f"{label}.{self.domain}"}
        ContainerGroup.model_validate(doc)  # what we serve must match the spec
        group = Group(org, project, doc)
        self.groups[(org, project, proto.name)] = group
        self.save()
        return group

    def patch(self, group: Group, patch: ContainerGroupPatch, raw: dict[str, Any]) -> Group:
        """PATCH with merge-patch semantics (RFC 7396) over the fields ContainerGroupPatch allows."""
        if patch.replicas is not None:
            self._check_quota(group.org, patch.replicas - int(group.doc["replicas"]))
        doc = copy.deepcopy(group.doc)
        merge_patch(doc, raw)
        if doc.get("display_name") is None:
            doc["display_name"] = doc["name"]
        if "country_codes" in raw and raw["country_codes"] is None:
            doc["country_codes"] = []
        try:
            ContainerGroup.model_validate(doc)  # what we would serve must match the spec; else nothing changes
        except ValidationError as exc:
            raise ApiProblem(400, f"the patched container group is invalid: {exc.errors()[0]['msg']}") from None
        if doc != group.doc:
            before, group.doc = group.doc, doc
            doc["update_time"] = now_iso()
            self.lifecycle.roll_out(group, before)
            self.save()
        return group

    def delete(self, group: Group) -> None:
        """DELETE: 202 at once; instances stop, then the group disappears."""
        group.deleting = True
        for inst in group.instances:
            inst.set_state("stopping")
        self.save()

    def start(self, group: Group) -> None:
        """POST start."""
        if group.doc["current_state"]["status"] in ("running", "deploying"):
            raise ApiProblem(400, f"container group {group.name!r} is already {group.doc['current_state']['status']}")
        group.doc["current_state"].update(status="deploying", start_time=now_iso())
        self.save()

    def stop(self, group: Group) -> None:
        """POST stop."""
        if group.doc["current_state"]["status"] in ("stopped", "pending"):
            raise ApiProblem(400, f"container group {group.name!r} is not running")
        group.doc["current_state"].update(status="stopped", finish_time=now_iso())
        for inst in group.instances:
            inst.set_state("stopping")
        self.save()

    def instance(self, group: Group, instance_id: str) -> Instance:
        """An instance or a 404 problem."""
        for inst in group.instances:
            if inst.id == instance_id:
                return inst
        raise ApiProblem(404, f"instance {instance_id!r} not found in {group.name!r}")

    def instance_action(self, group: Group, inst: Instance, action: str) -> None:
        """reallocate (new machine), recreate (same machine, fresh container), restart (same container)."""
        if action == "reallocate":
            self.lifecycle.allocate(group, inst, time.monotonic())
        else:
            self.lifecycle.reset(inst, "creating", 0.0)

    def _used(self, org: str) -> int:
        return sum(int(g.doc["replicas"]) for g in self.store.live() if g.org == org)

    def _check_quota(self, org: str, more: int) -> None:
        if more > 0 and self._used(org) + more > self.replica_quota:
            raise ApiProblem(403, f"container replica quota exceeded: {self._used(org)} of {self.replica_quota} "
                                  f"used, {more} more requested")

    def quotas(self, org: str) -> dict[str, Any]:
        """GET quotas."""
        used = self._used(org)
        return {"container_groups_quotas": {"container_replicas_quota": self.replica_quota,
                                            "container_replicas_used": used,
                                            "max_container_group_reallocations_per_minute": 30,
                                            "max_container_group_recreates_per_minute": 30,
                                            "max_container_group_restarts_per_minute": 30},
                "create_time": "2024-01-01T00:00:00Z", "update_time": now_iso()}

    def by_dns(self, host: str) -> Group | None:
        """The group whose access domain is host (the gateway's routing)."""
        host = host.split(":")[0].lower()
        for g in self.store.live():
            if (g.doc.get("networking") or {}).get("dns") == host:
                return g
        return None

    def processes(self) -> list[dict[str, Any]]:
        """Live replica processes (for tests and `python -m emulator status`)."""
        return [{"group": g.name, "instance": i.id, "pid": i.process.pid, "port": i.port, "ready_at": i.ready_at,
                 "download_mb_s": i.node.download_mb_s if i.node else None}
                for g in self.groups.values() for i in g.instances
                if i.process is not None and i.process.alive()]

    def start_reconciler(self) -> None:
        """Run the instance lifecycle in the background."""
        self.lifecycle.start()

    async def shutdown(self) -> None:
        """Stop the reconciler and every replica process."""
        await self.lifecycle.shutdown()
        await self.supervisor.shutdown()


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """RFC 7396 JSON merge patch, in place."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = value


def _serve_nulls(logging: dict[str, Any]) -> None:
    """A log destination as the API serves it: fields the response requires but a request may omit are null."""
    for kind, dest in logging.items():
        model = next(a for a in typing.get_args(ContainerLogging.model_fields[kind].annotation) if a is not type(None))
        for name, field in model.model_fields.items():
            if field.is_required() and name not in dest:
                dest[name] = None
