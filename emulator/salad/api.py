"""The SaladCloud public API (salad-cloud.yaml) served by FastAPI over the emulated Cloud.

Also /_emulator/* (not SaladCloud's): fault injection and process listing, for tests and demos; and /hub (hub.py).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from components.providers.salad.api_models import ContainerGroupPatch, ContainerGroupPrototype
from emulator.faults import Fault, Faults
from emulator.hub import hub_router
from emulator.ratelimit import RateLimiter
from emulator.routes import allowed_methods
from emulator.salad.cloud import ApiProblem, Cloud
from emulator.salad.store import Group
from emulator.specwalk import SpecSchemas

M = TypeVar("M", bound=BaseModel)

P = "/organizations/{org}/projects/{project}"
RATE_LIMIT_PER_MIN = 240  # SaladCloud's documented limit per API key
SALAD_SPEC = Path(__file__).resolve().parents[2] / "contracts" / "salad" / "salad-cloud.yaml"


@cache
def salad_spec() -> SpecSchemas:
    """SaladCloud's component schemas, read once (what the generated models forget: where null is allowed)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return SpecSchemas(yaml.load(SALAD_SPEC.read_text(), Loader=loader)["components"]["schemas"])


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The spec's ProblemDetails body, with the spec's content type (application/json)."""
    return JSONResponse({"type": "about:blank", "status": status, "detail": detail}, status_code=status,
                        headers=headers)


def create_app(cloud: Cloud, api_key: str, rate_limit: int = RATE_LIMIT_PER_MIN) -> FastAPI:
    """The API server app (mounted at /api/public like the real base URL)."""
    app = FastAPI(title="SaladCloud API emulator (tgi-fleet)", version="0.9.0-alpha.17-emulated")
    faults = Faults([])
    limiter = RateLimiter(rate_limit)
    calls: deque[dict[str, Any]] = deque(maxlen=1000)
    api = APIRouter(prefix="/api/public")

    def authenticate(request: Request) -> None:
        if request.headers.get("Salad-Api-Key") != api_key:
            raise ApiProblem(401, "missing or invalid Salad-Api-Key header")

    async def gate(request: Request, op: str) -> Fault | None:
        authenticate(request)
        wait = limiter.retry_after()
        if wait is not None:
            raise ApiProblem(429, "rate limit exceeded (240 requests/minute)", {"Retry-After": str(int(wait) + 1)})
        fault = faults.take(op)
        # When each operation arrived, and the status a fault answered it with: what a client's retries did.
        calls.append({"op": op, "at": time.time(), "fault_status": fault.status if fault else None})
        if fault and not fault.commit_first:
            await asyncio.sleep(fault.delay_s)
            if fault.status:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
                raise ApiProblem(fault.status, f"injected fault on {op}", headers)
            return None
        return fault

    async def finish(fault: Fault | None, op: str, response: Response) -> Response:
        if fault is not None:  # commit_first: the operation happened; now lose or fail the answer
            await asyncio.sleep(fault.delay_s)
            if fault.status:
                return problem(fault.status, f"injected fault on {op} after it was applied")
        return response

    async def json_body(request: Request) -> Any:
        try:
            return await request.json()
        except (ValueError, RecursionError) as exc:  # malformed, not UTF-8, or nested too deep to read
            raise ApiProblem(400, f"the request body is not JSON: {str(exc)[:200] or type(exc).__name__}") from None

    async def strict_body(request: Request, model: type[M]) -> tuple[M, Any]:
        """Validate JSON strictly (no '1' for 1, no null where the spec allows none), as a typed server would."""
        raw = await json_body(request)
        misplaced = salad_spec().mismatch(raw, {"$ref": model.__name__})
        if misplaced is not None:
            raise ApiProblem(400, f"invalid request body: {misplaced}")
        try:
            return model.model_validate_json(await request.body(), strict=True), raw
        except ValidationError as exc:
            raise invalid(exc) from None

    def invalid(exc: ValidationError) -> ApiProblem:
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return ApiProblem(400, "invalid request body: " + "; ".join(parts))

    def check_scope(org: str, project: str | None = None) -> None:
        # One organization and its projects, as an API key belongs to one organization; any other is a 404.
        if org != cloud.organization:
            raise ApiProblem(404, f"organization {org!r} not found")
        if project is not None and project not in cloud.projects:
            raise ApiProblem(404, f"project {project!r} not found in organization {org!r}")

    @app.exception_handler(ApiProblem)
    async def _problem(_: Request, exc: ApiProblem) -> JSONResponse:
        return problem(exc.status, exc.detail, exc.headers)

    @api.get(P + "/containers")
    async def list_container_groups(request: Request, org: str, project: str) -> Response:
        fault = await gate(request, "list_container_groups")
        check_scope(org, project)
        items = [g.api() for g in cloud.store.live() if (g.org, g.project) == (org, project)]
        return await finish(fault, "list_container_groups", JSONResponse({"items": items[:100]}))

    @api.post(P + "/containers")
    async def create_container_group(request: Request, org: str, project: str) -> Response:
        fault = await gate(request, "create_container_group")
        check_scope(org, project)
        proto, raw = await strict_body(request, ContainerGroupPrototype)
        # The Portal's recipes send a `readme`, which GET returns; the prototype schema leaves it out.
        readme = raw.get("readme") if isinstance(raw, dict) else None
        if readme is not None and not (isinstance(readme, str) and 2 <= len(readme) <= 65000):
            raise ApiProblem(400, "invalid request body: readme: a string of 2 to 65,000 characters")
        group = cloud.create(org, project, proto, readme)
        location = f"/api/public/organizations/{org}/projects/{project}/containers/{group.name}"
        return await finish(fault, "create_container_group",
                            JSONResponse(group.api(), status_code=201, headers={"Location": location}))

    @api.get(P + "/containers/{name}")
    async def get_container_group(request: Request, org: str, project: str, name: str) -> Response:
        fault = await gate(request, "get_container_group")
        return await finish(fault, "get_container_group", JSONResponse(cloud.get(org, project, name).api()))

    @api.patch(P + "/containers/{name}")
    async def update_container_group(request: Request, org: str, project: str, name: str) -> Response:
        fault = await gate(request, "update_container_group")
        ctype = request.headers.get("content-type", "").split(";")[0].strip()
        if ctype != "application/merge-patch+json":
            raise ApiProblem(415, f"PATCH needs Content-Type application/merge-patch+json, got {ctype!r}")
        group = cloud.get(org, project, name)
        patch, raw = await strict_body(request, ContainerGroupPatch)
        if not isinstance(raw, dict):
            raise ApiProblem(400, "the body must be a JSON object")
        extra = set(raw) - set(ContainerGroupPatch.model_fields) - {"scaling-actions", "scheduled-scaling-enabled"}
        if extra:
            raise ApiProblem(400, f"these fields cannot be patched: {sorted(extra)}")
        # The spec documents this 200 as application/merge-patch+json.
        return await finish(fault, "update_container_group", JSONResponse(
            cloud.patch(group, patch, raw).api(), media_type="application/merge-patch+json"))

    def group_action(op: str, action: Callable[[Group], None]) -> Any:
        async def handler(request: Request, org: str, project: str, name: str) -> Response:
            fault = await gate(request, op)
            action(cloud.get(org, project, name))
            return await finish(fault, op, Response(status_code=202))  # accepted; the work goes on

        handler.__name__ = op
        return handler

    for path, method, op, action in (
        ("", "DELETE", "delete_container_group", cloud.delete),
        ("/start", "POST", "start_container_group", cloud.start),
        ("/stop", "POST", "stop_container_group", cloud.stop),
    ):
        api.add_api_route(P + "/containers/{name}" + path, group_action(op, action), methods=[method])

    @api.get(P + "/containers/{name}/instances")
    async def list_container_group_instances(request: Request, org: str, project: str, name: str) -> Response:
        fault = await gate(request, "list_container_group_instances")
        group = cloud.get(org, project, name)
        return await finish(fault, "list_container_group_instances",
                            JSONResponse({"instances": [i.api() for i in group.instances]}))

    @api.get(P + "/containers/{name}/instances/{instance_id}")
    async def get_container_group_instance(request: Request, org: str, project: str, name: str,
                                           instance_id: str) -> Response:
        fault = await gate(request, "get_container_group_instance")
        inst = cloud.instance(cloud.get(org, project, name), instance_id)
        # The spec declares 202 for this GET (sic); follow it.
        return await finish(fault, "get_container_group_instance", JSONResponse(inst.api(), status_code=202))

    @api.patch(P + "/containers/{name}/instances/{instance_id}")
    async def update_container_group_instance(request: Request, org: str, project: str, name: str,
                                              instance_id: str) -> Response:
        fault = await gate(request, "update_container_group_instance")
        inst = cloud.instance(cloud.get(org, project, name), instance_id)
        raw = await json_body(request)
        if not isinstance(raw, dict) or set(raw) - {"deletion_cost"}:
            raise ApiProblem(400, "only deletion_cost can be patched")
        cost = raw.get("deletion_cost")
        if cost is not None and not (isinstance(cost, int) and 0 <= cost <= 100000):
            raise ApiProblem(400, "deletion_cost must be an integer 0..100000 or null")
        inst.deletion_cost = cost or 0
        return await finish(fault, "update_container_group_instance", JSONResponse(inst.api()))

    def instance_action(action: str) -> Any:
        async def handler(request: Request, org: str, project: str, name: str, instance_id: str) -> Response:
            op = f"{action}_container_group_instance"
            fault = await gate(request, op)
            group: Group = cloud.get(org, project, name)
            cloud.instance_action(group, cloud.instance(group, instance_id), action)
            return await finish(fault, op, Response(status_code=202))

        handler.__name__ = f"{action}_container_group_instance"
        return handler

    for verb in ("reallocate", "recreate", "restart"):
        api.add_api_route(P + "/containers/{name}/instances/{instance_id}/" + verb, instance_action(verb),
                          methods=["POST"])

    @api.get(P + "/containers/{name}/system-logs")
    async def get_system_logs(request: Request, org: str, project: str, name: str) -> Response:
        fault = await gate(request, "get_system_logs")
        group = cloud.get(org, project, name)
        return await finish(fault, "get_system_logs", JSONResponse({"items": group.system_logs[-100:]}))

    @api.get("/organizations/{org}/gpu-classes")
    async def list_gpu_classes(request: Request, org: str) -> Response:
        fault = await gate(request, "list_gpu_classes")
        check_scope(org)
        return await finish(fault, "list_gpu_classes", JSONResponse({"items": cloud.gpu_classes}))

    @api.get("/organizations/{org}/quotas")
    async def get_quotas(request: Request, org: str) -> Response:
        fault = await gate(request, "get_quotas")
        check_scope(org)
        return await finish(fault, "get_quotas", JSONResponse(cloud.quotas(org)))

    app.include_router(api)

    @app.middleware("http")
    async def allow_header(request: Request, call_next: Any) -> Response:
        """405s list every method the path supports (one route per method would list only one)."""
        response: Response = await call_next(request)
        if response.status_code == 405:
            response.headers["Allow"] = allowed_methods(app.routes, request.scope)
        return response

    # -- not SaladCloud: the emulator's own controls ---------------------------------------------------------
    @app.post("/_emulator/faults")
    async def add_faults(request: Request) -> Response:
        authenticate(request)
        raw = await json_body(request)
        try:
            faults.pending.extend(Fault.model_validate(f) for f in (raw if isinstance(raw, list) else [raw]))
        except ValidationError as exc:
            raise invalid(exc) from None
        return JSONResponse({"pending": [f.model_dump() for f in faults.pending]})

    @app.get("/_emulator/status")
    async def status(request: Request) -> Response:
        authenticate(request)
        return JSONResponse({"groups": [{"org": g.org, "project": g.project, "name": g.name,
                                         "status": g.doc["current_state"]["status"], "deleting": g.deleting,
                                         "first_request_at": g.first_request_at}
                                        for g in cloud.groups.values()],
                             "processes": cloud.processes(), "calls": list(calls)})

    app.include_router(hub_router())  # not SaladCloud: the Hugging Face Hub's auth check, on loopback
    return app
