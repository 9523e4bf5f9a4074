"""Baseten's management API (/v1) over the emulated workspace, with the `baseten` SDK's models for every body.

Auth: `Authorization: Api-Key <key>` (what Baseten documents) or `Bearer <key>` (what the SDK sends). Errors:
{"error": CODE, "message": text}, the control plane's shape as the SDK's error parser reads it. Also
/_emulator/* (not Baseten's): fault injection and a status listing, for tests and demos.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from baseten.client.managementapi import (
    ActivateResponse,
    AutoscalingSettings,
    CreatedModelDeployment,
    CreateModelDeploymentRequest,
    CreateModelRequest,
    DeactivateResponse,
    Deployment,
    DeploymentArchivePayload,
    DeploymentArchiveSource,
    Deployments,
    DeploymentTombstone,
    GetLogsResponse,
    Model,
    ModelArchiveSource,
    Models,
    ModelTombstone,
    PrepareModelUploadRequest,
    PrepareModelUploadResponse,
    PromoteRequest,
    Secret,
    Secrets,
    SecretTombstone,
    UpdateAutoscalingSettings,
    UpdateAutoscalingSettingsResponse,
    UpsertSecretRequest,
)
from baseten.client.modelconfig import ModelConfig
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from emulator.baseten.lifecycle import Lifecycle
from emulator.baseten.state import DEFAULT_AUTOSCALING, ApiError, new_id, now_iso
from emulator.baseten.state import Deployment as Dep
from emulator.baseten.state import Model as Mod
from emulator.faults import Fault, Faults
from emulator.hub import hub_router
from emulator.ratelimit import RateLimiter

M = TypeVar("M", bound=BaseModel)
RESERVED_PORT = 8080
TEAM = "Default Team"
RATE_LIMIT_PER_MIN = 600
# "A label object can be up to 2 KB after JSON serialization. Label keys and string values can contain printable
# ASCII characters except spaces." Labels are kept as pushed: "Published deployment labels remain fixed after
# creation." (https://docs.baseten.co/deployment/manage/labels)
MAX_LABELS_BYTES = 2048


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Baseten's error body."""
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def authorized(request: Request, api_key: str) -> bool:
    """Api-Key (documented) or Bearer (the SDK's default) with the workspace key."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() in ("api-key", "bearer") and value.strip() == api_key


class Uploads:
    """Where prepare_model_upload sends archives: a bucket on the emulator's S3, and how the build reads one."""

    def __init__(self, s3_endpoint: str | None, bucket: str = "baseten-emulator-uploads", region: str = "us-west-2"):
        self.endpoint, self.bucket, self.region = s3_endpoint, bucket, region

    def _s3(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=self.region,
                            aws_access_key_id="emulator", aws_secret_access_key="emulator")

    def ensure_bucket(self) -> None:
        """Create the upload bucket on the emulator's S3 (once)."""
        if self.endpoint:
            s3 = self._s3()
            if self.bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
                s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": self.region})

    def issue(self) -> dict[str, Any]:
        """Short-lived credentials scoped to a new key (the emulator's S3 accepts any)."""
        key = f"models/{uuid.uuid4().hex}/truss.tgz"
        token = uuid.uuid4().hex
        return {"creds": {"aws_access_key_id": f"ASIA{token[:16].upper()}", "aws_secret_access_key": token,
                          "aws_session_token": f"emulator-session-{token}"},
                "s3_bucket": self.bucket, "s3_key": key, "s3_region": self.region}

    def read(self, key: str) -> bytes:
        """An uploaded truss archive; KeyError when nothing was uploaded there."""
        from botocore.exceptions import ClientError

        try:
            body: bytes = self._s3().get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            raise KeyError(f"nothing was uploaded to s3://{self.bucket}/{key}") from exc
        return body


def create_api(life: Lifecycle, uploads: Uploads, api_key: str, rate_limit: int = RATE_LIMIT_PER_MIN) -> FastAPI:
    """The management API app."""
    app = FastAPI(title="Baseten management API emulator (tgi-fleet)", version="v1-emulated")
    ws = life.ws
    faults = Faults([])
    limiter = RateLimiter(rate_limit)
    v1 = APIRouter(prefix="/v1")

    @app.exception_handler(ApiError)
    async def _error(_: Request, exc: ApiError) -> JSONResponse:
        return error(exc.status, exc.code, exc.message, exc.headers)

    async def gate(request: Request, op: str) -> Fault | None:
        if not authorized(request, api_key):
            raise ApiError(401, "UNAUTHENTICATED", "Missing or invalid API key: send 'Authorization: Api-Key <key>'")
        wait = limiter.retry_after()
        if wait is not None:
            raise ApiError(429, "RATE_LIMITED", "Too many requests", {"Retry-After": str(int(wait) + 1)})
        fault = faults.take(op)
        if fault and not fault.commit_first:
            await asyncio.sleep(fault.delay_s)
            if fault.status:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
                raise ApiError(fault.status, HTTPStatus(fault.status).name, f"injected fault on {op}", headers)
            return None
        return fault

    async def answer(fault: Fault | None, op: str, model: type[BaseModel], doc: Any) -> Response:
        """Validate what we serve against the SDK's model; apply a commit_first fault (a lost answer)."""
        model.model_validate(doc)
        if fault is not None:
            await asyncio.sleep(fault.delay_s)
            if fault.status:
                return error(fault.status, HTTPStatus(fault.status).name, f"injected fault on {op} after it applied")
        return JSONResponse(doc)

    async def body(request: Request, model: type[M]) -> M:
        try:
            return model.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
            raise ApiError(422, "INVALID_ARGUMENT", "Invalid request body: " + "; ".join(parts)) from None

    def archive_source(req: Any, model: type[M]) -> M:
        """The request's model_archive source; `kind` may be left out (it is the default, and the SDK drops
        defaults), which leaves the SDK's union at its dict arm."""
        source = req.source
        raw = source if isinstance(source, dict) else source.model_dump(exclude_unset=True)
        if raw.get("kind", "model_archive") != "model_archive":
            raise ApiError(422, "INVALID_ARGUMENT", f"Unsupported source kind {raw.get('kind')!r}: use model_archive")
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            raise ApiError(422, "INVALID_ARGUMENT", f"Invalid source: {exc.errors()[0]['msg']}") from None

    def check_config(config: dict[str, Any]) -> None:
        """What Baseten validates at prepare: the truss config schema, the accelerator, the reserved port."""
        try:
            ModelConfig.model_validate(config)
        except ValidationError as exc:
            raise ApiError(422, "INVALID_ARGUMENT", f"Invalid truss config: {exc.errors()[0]['msg']}") from None
        accelerator = str((config.get("resources") or {}).get("accelerator") or "")
        if life.vram_of(accelerator) is None:
            raise ApiError(422, "INVALID_ARGUMENT", f"Unsupported accelerator {accelerator!r}")
        if (config.get("docker_server") or {}).get("server_port") == RESERVED_PORT:
            raise ApiError(422, "INVALID_ARGUMENT", f"docker_server.server_port {RESERVED_PORT} is reserved")

    def check_labels(labels: dict[str, Any] | None) -> None:
        """Baseten's documented limits on a deployment's labels."""
        if not labels:
            return
        if len(json.dumps(labels).encode()) > MAX_LABELS_BYTES:
            raise ApiError(422, "INVALID_ARGUMENT", f"labels exceed {MAX_LABELS_BYTES} bytes as JSON")
        for key, value in labels.items():
            for text in (key, value) if isinstance(value, str) else (key,):
                if not text or not all("!" <= ch <= "~" for ch in text):
                    raise ApiError(422, "INVALID_ARGUMENT", f"label {key!r}: keys and string values must be "
                                                            f"printable ASCII characters without spaces")

    def new_deployment(model: Mod, payload: DeploymentArchivePayload, s3_key: str | None) -> Dep:
        if s3_key is None or s3_key not in ws.uploads:
            raise ApiError(422, "INVALID_ARGUMENT", f"s3_key {s3_key!r} was not issued by prepare_model_upload")
        check_config(payload.config)
        check_labels(payload.labels)
        scaling = {**DEFAULT_AUTOSCALING, **(payload.autoscaling_settings.model_dump(exclude_none=True)
                                             if payload.autoscaling_settings else {})}
        dep_id = new_id()
        doc = {"id": dep_id, "created_at": now_iso(), "name": payload.deployment_name or f"deployment-{dep_id}",
               "model_id": model.id, "is_production": False, "is_development": payload.is_development,
               "status": "BUILDING", "active_replica_count": 0, "autoscaling_settings": scaling,
               "instance_type_name": instance_type(payload.config), "environment": payload.environment_name,
               "labels": payload.labels, "request_backpressure_settings": {"policy": None}}
        Deployment.model_validate(doc)
        dep = Dep(doc, payload.config, s3_key, phase_until=life.clock() + life.t.build_s)
        model.deployments[dep_id] = dep
        ws.uploads.pop(s3_key, None)
        return dep

    def instance_type(config: dict[str, Any]) -> str:
        spec = str((config.get("resources") or {}).get("accelerator") or "CPU")
        gpu, _, count = spec.partition(":")
        return f"{count or 1}x{gpu}"

    # -- secrets ---------------------------------------------------------------------------------------------
    @v1.post("/secrets")
    async def upsert_secret(request: Request) -> Response:
        fault = await gate(request, "upsert_secret")
        req = await body(request, UpsertSecretRequest)
        old = ws.secrets.get(req.name)
        ws.secrets[req.name] = {"id": old["id"] if old else new_id(), "created_at": old["created_at"] if old
                                else now_iso(), "value": req.value}
        ws.save()
        return await answer(fault, "upsert_secret", Secret, secret_doc(req.name))

    def secret_doc(name: str) -> dict[str, Any]:
        s = ws.secrets[name]
        return {"id": s["id"], "created_at": s["created_at"], "name": name, "team_name": TEAM}

    @v1.get("/secrets")
    async def list_secrets(request: Request) -> Response:
        fault = await gate(request, "list_secrets")
        return await answer(fault, "list_secrets", Secrets, {"secrets": [secret_doc(n) for n in ws.secrets]})

    @v1.delete("/secrets/{secret_name}")
    async def delete_secret(request: Request, secret_name: str) -> Response:
        # The SDK's delete_secrets: DELETE /v1/secrets/{secret_name} -> 200 SecretTombstone {name}.
        fault = await gate(request, "delete_secret")
        if ws.secrets.pop(secret_name, None) is None:
            raise ApiError(404, "NOT_FOUND", f"Secret {secret_name} not found")
        ws.save()
        return await answer(fault, "delete_secret", SecretTombstone, {"name": secret_name})

    # -- uploads, models, deployments ------------------------------------------------------------------------
    @v1.post("/prepare_model_upload")
    async def prepare_model_upload(request: Request) -> Response:
        fault = await gate(request, "prepare_model_upload")
        req = await body(request, PrepareModelUploadRequest)
        if (req.name is None) == (req.model_id is None):
            raise ApiError(422, "INVALID_ARGUMENT", "Exactly one of name or model_id is required")
        if req.name is not None and ws.by_name(req.name) is not None:
            raise ApiError(409, "CONFLICT", f"A model named {req.name!r} already exists")
        if req.model_id is not None:
            ws.model(req.model_id)
        check_config(req.deployment.config)
        check_labels(req.deployment.labels)
        doc: dict[str, Any] = {"creds": None, "s3_bucket": None, "s3_key": None, "s3_region": None}
        if not req.dry_run:
            doc = uploads.issue()
            ws.uploads[doc["s3_key"]] = {"name": req.name, "model_id": req.model_id}
            ws.save()
        return await answer(fault, "prepare_model_upload", PrepareModelUploadResponse, doc)

    @v1.get("/models")
    async def list_models(request: Request, name: str | None = None) -> Response:
        fault = await gate(request, "list_models")
        models = [m.api() for m in ws.models.values() if name is None or m.doc["name"] == name]
        return await answer(fault, "list_models", Models, {"models": models})

    @v1.post("/models")
    async def create_model(request: Request) -> Response:
        fault = await gate(request, "create_model")
        source = archive_source(await body(request, CreateModelRequest), ModelArchiveSource)
        if ws.by_name(source.name) is not None:
            raise ApiError(409, "CONFLICT", f"A model named {source.name!r} already exists")
        model_id = new_id()
        model = Mod({"id": model_id, "created_at": now_iso(), "name": source.name, "deployments_count": 0,
                     "production_deployment_id": None, "development_deployment_id": None,
                     "instance_type_name": instance_type(source.deployment.config), "team_name": TEAM})
        dep = new_deployment(model, source.deployment, source.s3_key)
        ws.models[model_id] = model
        ws.save()
        return await answer(fault, "create_model", CreatedModelDeployment,
                            {"model": model.api(), "deployment": dep.doc})

    @v1.get("/models/{model_id}")
    async def get_model(request: Request, model_id: str) -> Response:
        fault = await gate(request, "get_model")
        return await answer(fault, "get_model", Model, ws.model(model_id).api())

    @v1.delete("/models/{model_id}")
    async def delete_model(request: Request, model_id: str) -> Response:
        fault = await gate(request, "delete_model")
        model = ws.model(model_id)
        for dep in model.deployments.values():
            life.forget(dep)
        del ws.models[model_id]
        ws.save()
        return await answer(fault, "delete_model", ModelTombstone, {"id": model_id, "deleted": True})

    @v1.get("/models/{model_id}/deployments")
    async def list_deployments(request: Request, model_id: str) -> Response:
        fault = await gate(request, "list_deployments")
        deps = [d.doc for d in ws.model(model_id).deployments.values()]
        return await answer(fault, "list_deployments", Deployments, {"deployments": deps})

    @v1.post("/models/{model_id}/deployments")
    async def create_deployment(request: Request, model_id: str) -> Response:
        fault = await gate(request, "create_deployment")
        model = ws.model(model_id)
        source = archive_source(await body(request, CreateModelDeploymentRequest), DeploymentArchiveSource)
        dep = new_deployment(model, source.deployment, source.s3_key)
        ws.save()
        return await answer(fault, "create_deployment", CreatedModelDeployment,
                            {"model": model.api(), "deployment": dep.doc})

    @v1.get("/models/{model_id}/deployments/{ref}")
    async def get_deployment(request: Request, model_id: str, ref: str) -> Response:
        fault = await gate(request, "get_deployment")
        return await answer(fault, "get_deployment", Deployment, ws.deployment(ws.model(model_id), ref).doc)

    @v1.get("/models/{model_id}/deployments/{ref}/logs")
    async def deployment_logs(request: Request, model_id: str, ref: str, limit: int = 500,
                              min_level: str | None = None, direction: str = "asc") -> Response:
        fault = await gate(request, "get_deployment_logs")
        levels = ["DEBUG", "INFO", "WARNING", "ERROR"]
        floor = levels.index(min_level) if min_level in levels else None
        lines = [line for line in ws.deployment(ws.model(model_id), ref).logs
                 if floor is None or (line["level"] in levels and levels.index(line["level"]) >= floor)]
        lines = lines[-max(1, min(limit, 1000)):]
        return await answer(fault, "get_deployment_logs", GetLogsResponse,
                            {"logs": lines[::-1] if direction == "desc" else lines})

    @v1.delete("/models/{model_id}/deployments/{ref}")
    async def delete_deployment(request: Request, model_id: str, ref: str) -> Response:
        fault = await gate(request, "delete_deployment")
        model = ws.model(model_id)
        dep = ws.deployment(model, ref)
        if model.doc["production_deployment_id"] == dep.id:
            raise ApiError(400, "BAD_REQUEST", "The production deployment cannot be deleted: promote another first")
        life.forget(dep)
        del model.deployments[dep.id]
        ws.save()
        return await answer(fault, "delete_deployment", DeploymentTombstone, {"id": dep.id, "deleted": True,
                                                                    "model_id": model_id})

    def action(op: str, apply: Callable[[Mod, Dep, Any], dict[str, Any]], model: type[BaseModel] | None,
               answers: type[BaseModel]) -> Callable[..., Any]:
        async def handler(request: Request, model_id: str, ref: str) -> Response:
            fault = await gate(request, op)
            owner = ws.model(model_id)
            dep = ws.deployment(owner, ref)
            req = await body(request, model) if model else None
            doc = apply(owner, dep, req)
            ws.save()
            return await answer(fault, op, answers, doc)

        handler.__name__ = op
        return handler

    def activate(model: Mod, dep: Dep, _: Any) -> dict[str, Any]:
        if dep.status not in ("INACTIVE", "DEACTIVATING"):
            return {"success": True, "no_op": True}
        dep.doc["status"], dep.phase_until = "DEPLOYING", life.clock() + life.t.deploy_s
        return {"success": True, "no_op": False}

    def deactivate(model: Mod, dep: Dep, _: Any) -> dict[str, Any]:
        if dep.status in ("INACTIVE", "DEACTIVATING"):
            return {"success": True, "no_op": True}
        dep.doc["status"], dep.phase_until = "DEACTIVATING", life.clock() + life.t.deactivate_s
        return {"success": True, "no_op": False}

    def promote(model: Mod, dep: Dep, req: PromoteRequest) -> dict[str, Any]:
        if dep.status != "ACTIVE":
            raise ApiError(400, "BAD_REQUEST", f"Deployment {dep.id} is {dep.status}: only an ACTIVE one is promoted")
        previous = model.deployments.get(model.doc.get("production_deployment_id") or "")
        if previous is not None and previous is not dep:
            previous.doc.update(is_production=False, environment=None)
            if req.scale_down_previous_production:
                deactivate(model, previous, None)
        dep.doc.update(is_production=True, environment="production")
        model.doc["production_deployment_id"] = dep.id
        model.doc["instance_type_name"] = dep.doc["instance_type_name"]
        return dep.doc

    def autoscale(model: Mod, dep: Dep, req: UpdateAutoscalingSettings) -> dict[str, Any]:
        current = dep.autoscaling()
        wanted = {**current, **req.model_dump(exclude_none=True)}
        if wanted["min_replica"] < 0 or wanted["max_replica"] < max(1, wanted["min_replica"]):
            raise ApiError(422, "INVALID_ARGUMENT", "Need 0 <= min_replica <= max_replica and max_replica >= 1")
        if wanted == current:
            return {"status": "UNCHANGED", "message": "The autoscaling settings are unchanged"}
        AutoscalingSettings.model_validate(wanted)
        dep.doc["autoscaling_settings"] = wanted
        queued = dep.status in ("BUILDING", "DEPLOYING", "LOADING_MODEL")
        return {"status": "QUEUED" if queued else "ACCEPTED",
                "message": "Queued until the deployment is active" if queued else "Autoscaling settings updated"}

    for path, method, op, apply, request_model, response_model in (
        ("/activate", "POST", "activate_deployment", activate, None, ActivateResponse),
        ("/deactivate", "POST", "deactivate_deployment", deactivate, None, DeactivateResponse),
        ("/promote", "POST", "promote_deployment", promote, PromoteRequest, Deployment),
        ("/autoscaling_settings", "PATCH", "update_autoscaling_settings", autoscale, UpdateAutoscalingSettings,
         UpdateAutoscalingSettingsResponse),
    ):
        v1.add_api_route("/models/{model_id}/deployments/{ref}" + path,
                         action(op, apply, request_model, response_model), methods=[method])

    app.include_router(v1)
    app.include_router(hub_router())  # the Hugging Face Hub's auth check, for the program's model-access check

    # -- not Baseten's: the emulator's own controls ----------------------------------------------------------
    @app.post("/_emulator/faults")
    async def add_faults(request: Request) -> Response:
        if not authorized(request, api_key):
            return error(401, "UNAUTHENTICATED", "Missing or invalid API key")
        try:
            raw = json.loads(await request.body() or b"[]")
        except (ValueError, RecursionError) as exc:  # malformed, not UTF-8, or nested too deep to read
            return error(400, "INVALID_ARGUMENT", f"the request body is not JSON: {str(exc)[:200]}")
        try:
            # All or nothing: a bad entry adds none of the others.
            added = [Fault.model_validate(f) for f in (raw if isinstance(raw, list) else [raw])]
        except ValidationError as exc:
            parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
            return error(422, "INVALID_ARGUMENT", "Invalid fault: " + "; ".join(parts))
        faults.pending.extend(added)
        return JSONResponse({"pending": [f.model_dump() for f in faults.pending]})

    @app.get("/_emulator/status")
    async def status(request: Request) -> Response:
        if not authorized(request, api_key):
            return error(401, "UNAUTHENTICATED", "Missing or invalid API key")
        return JSONResponse({
            "models": [{"id": m.id, "name": m.doc["name"], "production": m.doc["production_deployment_id"],
                        "deployments": [{"id": d.id, "status": d.status, "failure": d.failure,
                                         "replicas": len(d.replicas), "ready": len(life.ready_replicas(d)),
                                         "autoscaling": d.autoscaling()} for d in m.deployments.values()]}
                       for m in ws.models.values()],
            "secrets": sorted(ws.secrets),
            "processes": [{"model": m.id, "deployment": d.id, "replica": r.id, "pid": r.process.pid,
                           "port": r.process.port, "env_sha256": r.process.env_digests()}
                          for m in ws.models.values() for d in m.deployments.values() for r in d.replicas
                          if r.process is not None and r.process.alive()],
        })

    return app
