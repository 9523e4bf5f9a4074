"""Typed SaladCloud API client over httpx, with timeouts and retries that honour Retry-After."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError

from components import http
from components.errors import ApiError
from components.providers.salad.api_models import (
    ContainerGroup,
    ContainerGroupCollection,
    ContainerGroupInstance,
    ContainerGroupInstanceCollection,
    ContainerGroupPrototype,
    GpuClass,
    GpuClassesList,
    ProblemDetails,
    Quotas,
    SystemLog,
    SystemLogList,
)


class SaladApiError(ApiError):
    """A SaladCloud API call failed; the message names the operation, the status and the API's detail."""

    service = "SaladCloud API"


class NameConflictError(SaladApiError):
    """A container group with that name exists and was not made by this create."""


def _detail(response: httpx.Response) -> str:
    """The problem-details text, or a short excerpt of a non-JSON (e.g. HTML) error body."""
    try:
        problem = ProblemDetails.model_validate(response.json())
        return problem.detail or problem.type or response.reason_phrase
    except (ValueError, ValidationError):
        return http.excerpt(response)


class SaladClient(http.JsonApi):
    """One organization/project of the SaladCloud public API."""

    error = SaladApiError

    def __init__(
        self,
        base_url: str,
        organization: str,
        project: str,
        api_key: str,
        *,
        timeout: httpx.Timeout = http.DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        max_attempts: int = 6,
        max_delay_s: float = 120.0,
    ) -> None:
        self.organization, self.project = organization, project
        super().__init__(base_url, {"Salad-Api-Key": api_key, "Accept": "application/json"}, timeout=timeout,
                         transport=transport, max_attempts=max_attempts, max_delay_s=max_delay_s)

    # -- plumbing --------------------------------------------------------------------------------------
    @property
    def _project_path(self) -> str:
        return f"/organizations/{self.organization}/projects/{self.project}"

    def failed(self, operation: str, response: httpx.Response) -> SaladApiError:
        detail = _detail(response)
        if response.status_code == 401:
            detail += " (check the Salad-Api-Key: tgi-fleet:salad_api_key)"
        return SaladApiError(operation, response.status_code, detail)

    # -- container groups -------------------------------------------------------------------------------
    def list_groups(self) -> list[ContainerGroup]:
        """All container groups of the project."""
        r = self._call("list_container_groups", "GET", f"{self._project_path}/containers", (200,))
        return self._parse(ContainerGroupCollection, r, "list_container_groups").items

    def get_group(self, name: str) -> ContainerGroup | None:
        """The group, or None when it does not exist."""
        r = self._call("get_container_group", "GET", f"{self._project_path}/containers/{name}", (200, 404))
        return None if r.status_code == 404 else self._parse(ContainerGroup, r, "get_container_group")

    def group_status(self, name: str) -> str:
        """The group's status as the API reports it now (running, deploying, stopped, ...), or "deleted"."""
        group = self.get_group(name)
        return "deleted" if group is None else str(group.current_state.status)

    def create_group(self, prototype: ContainerGroupPrototype) -> ContainerGroup:
        """Create a group exactly once: a retry after a lost response adopts what the lost attempt made."""
        op = "create_container_group"
        body = prototype.model_dump(mode="json", by_alias=True, exclude_none=True)
        path = f"{self._project_path}/containers"
        attempts = {"sent": 0}

        def attempt() -> httpx.Response:
            attempts["sent"] += 1
            response = self._http.post(path, json=body)
            if response.status_code == 201:
                return response
            if response.status_code == 409 and attempts["sent"] > 1:
                return response  # our own earlier attempt got through: adopt below
            if response.status_code == 409:
                raise NameConflictError(
                    op, 409,
                    f"a container group named {prototype.name!r} already exists in "
                    f"{self.organization}/{self.project}: choose another tgi-fleet:name, or delete that group.",
                )
            raise self._error(op, response)

        try:
            response = self._retrying(attempt)()
        except httpx.TransportError as exc:
            # The request may have reached the server: look before reporting failure.
            existing = self.get_group(prototype.name)
            if existing is not None and _same_container(existing, prototype):
                return existing
            raise SaladApiError(op, None, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 409:
            existing = self.get_group(prototype.name)
            if existing is None or not _same_container(existing, prototype):
                raise NameConflictError(op, 409, f"a different container group named {prototype.name!r} exists")
            return existing
        return self._parse(ContainerGroup, response, op)

    def patch_group(self, name: str, patch: dict[str, Any]) -> ContainerGroup:
        """JSON merge-patch a group (ContainerGroupPatch fields; null removes)."""
        r = self._call(
            "update_container_group", "PATCH", f"{self._project_path}/containers/{name}", (200,),
            content=_json_bytes(patch), headers={"Content-Type": "application/merge-patch+json"},
        )
        return self._parse(ContainerGroup, r, "update_container_group")

    def delete_group(self, name: str) -> bool:
        """Delete; False when it was already gone."""
        r = self._call("delete_container_group", "DELETE", f"{self._project_path}/containers/{name}", (202, 404))
        return r.status_code == 202

    def start_group(self, name: str) -> None:
        """Start a stopped group."""
        self._call("start_container_group", "POST", f"{self._project_path}/containers/{name}/start", (202,))

    def stop_group(self, name: str) -> None:
        """Stop a running group."""
        self._call("stop_container_group", "POST", f"{self._project_path}/containers/{name}/stop", (202,))

    # -- instances --------------------------------------------------------------------------------------
    def list_instances(self, name: str) -> list[ContainerGroupInstance]:
        """The group's instances (replicas) with state and readiness."""
        r = self._call("list_container_group_instances", "GET",
                       f"{self._project_path}/containers/{name}/instances", (200,))
        return self._parse(ContainerGroupInstanceCollection, r, "list_container_group_instances").instances

    def system_logs(self, name: str) -> list[SystemLog]:
        """The group's recent system events (at most 50)."""
        r = self._call("get_system_logs", "GET", f"{self._project_path}/containers/{name}/system-logs", (200,))
        return self._parse(SystemLogList, r, "get_system_logs").items

    def instance_action(self, name: str, instance_id: str, action: str) -> None:
        """reallocate, recreate or restart one instance."""
        if action not in ("reallocate", "recreate", "restart"):
            raise ValueError(f"unknown instance action {action!r}")
        self._call(f"{action}_container_group_instance", "POST",
                   f"{self._project_path}/containers/{name}/instances/{instance_id}/{action}", (202,))

    # -- organization -----------------------------------------------------------------------------------
    def list_gpu_classes(self) -> list[GpuClass]:
        """GPU classes the organization can use (names carry the VRAM; the API has no VRAM field)."""
        r = self._call("list_gpu_classes", "GET", f"/organizations/{self.organization}/gpu-classes", (200,))
        return self._parse(GpuClassesList, r, "list_gpu_classes").items

    def get_quotas(self) -> Quotas:
        """Replica quotas of the organization."""
        r = self._call("get_quotas", "GET", f"/organizations/{self.organization}/quotas", (200,))
        return self._parse(Quotas, r, "get_quotas")


def client_from(api: dict[str, Any], api_key: str, max_attempts: int = 6) -> SaladClient:
    """A client from the plain `api` description the provider resources carry (base_url, org, project, timeout)."""
    return SaladClient(api["base_url"], api["organization"], api["project"], api_key,
                       timeout=http.timeout(float(api.get("timeout_s") or 30.0)), max_attempts=max_attempts)


def _json_bytes(data: dict[str, Any]) -> bytes:
    import json

    return json.dumps(data).encode()


def _same_container(group: ContainerGroup, prototype: ContainerGroupPrototype) -> bool:
    """Is this the group our create asked for (same image and env), not someone else's?"""
    env = group.container.environment_variables or {}
    want = prototype.container.environment_variables or {}
    return group.container.image == prototype.container.image and all(env.get(k) == v for k, v in want.items())


def resolve_gpu_class_ids(classes: list[GpuClass], names: list[str]) -> list[str]:
    """GPU class names -> ids; names compare loosely (case, spaces: the real list has ' RTX 5080 (16 GB)')."""

    def norm(s: str) -> str:
        return " ".join(s.lower().split())

    by_name = {norm(c.name): str(c.id) for c in classes}
    ids, missing = [], []
    for name in names:
        if norm(name) in by_name:
            ids.append(by_name[norm(name)])
        else:
            missing.append(name)
    if missing:
        offered = ", ".join(sorted(c.name.strip() for c in classes))
        raise SaladApiError(
            "list_gpu_classes", 200,
            f"GPU class(es) {missing} are not offered to this organization. Fix tgi-fleet:gpu.classes; "
            f"offered: {offered}",
        )
    return ids
