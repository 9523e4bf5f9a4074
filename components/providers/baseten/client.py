"""Baseten's management API over httpx, with the `baseten` SDK's generated models for every body.

The SDK's own generated client raises on any non-2xx without the response headers, so it cannot honour
Retry-After; this client sends the same requests itself (timeouts, tenacity retries) and validates with the
SDK's models. Heavy (the models take ~1 s to import): only create/read/update/delete load it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from baseten.client.managementapi import (
    ActivateResponse,
    CreatedModelDeployment,
    CreateModelDeploymentRequest,
    CreateModelRequest,
    DeactivateResponse,
    Deployment,
    DeploymentArchivePayload,
    DeploymentArchiveSource,
    Deployments,
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
from pydantic import BaseModel

from components import http
from components.errors import ApiError

M = TypeVar("M", bound=BaseModel)
CREATE_LABEL = "tgi-fleet-create-id"  # a per-create token in the deployment's labels: how a lost answer is found
# truss's own wait: these are on the way to ACTIVE; every other status is an end.
IN_PROGRESS = frozenset({"BUILDING", "DEPLOYING", "LOADING_MODEL", "UPDATING", "WAKING_UP"})
ACTIVE = "ACTIVE"


class BasetenApiError(ApiError):
    """A management API call failed; the message names the operation, the status and Baseten's message."""

    service = "Baseten API"

    def amended(self, more: str) -> BasetenApiError:
        """The same error with more said after its detail (what was cleaned up, what still serves)."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.detail = f"{self.detail}; {more}"
        clone.args = (clone.render(),)
        return clone


class NameConflictError(BasetenApiError):
    """A model with that name exists and was not made by this create."""


class DeploymentFailed(BasetenApiError):
    """A deployment ended in a status other than ACTIVE (BUILD_FAILED, DEPLOY_FAILED, UNHEALTHY, FAILED, ...)."""

    def __init__(self, deployment: Deployment, detail: str) -> None:
        self.deployment = deployment
        super().__init__("wait_for_deployment", None, detail)

    def render(self) -> str:
        return f"Baseten deployment failed: {self.detail}"


def _detail(response: httpx.Response) -> str:
    """Baseten's error text: {"error": code, "message": text} (or FastAPI's {"detail": ...}), else an excerpt."""
    try:
        body = response.json()
    except ValueError:
        return http.excerpt(response)
    if isinstance(body, dict):
        message = body.get("message") or body.get("detail")
        code = body.get("error") or body.get("code")
        if message:
            return f"{code}: {message}" if isinstance(code, str) and code else str(message)
    return http.excerpt(response)


class BasetenClient(http.JsonApi):
    """One Baseten workspace, through its API key."""

    error = BasetenApiError

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: httpx.Timeout = http.DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        max_attempts: int = 6,
        max_delay_s: float = 120.0,
    ) -> None:
        super().__init__(base_url, {"Authorization": f"Api-Key {api_key}", "Accept": "application/json"},
                         timeout=timeout, transport=transport, max_attempts=max_attempts, max_delay_s=max_delay_s)

    # -- plumbing --------------------------------------------------------------------------------------
    def failed(self, operation: str, response: httpx.Response) -> BasetenApiError:
        detail = _detail(response)
        if response.status_code == 401:
            detail += " (check the API key: tgi-fleet:baseten_api_key)"
        return BasetenApiError(operation, response.status_code, detail)

    def _call(self, operation: str, method: str, path: str, ok: tuple[int, ...] = (200,),
              body: BaseModel | None = None, **kwargs: Any) -> httpx.Response:
        """A request whose JSON body, if any, is one of the SDK's models."""
        if body is not None:
            kwargs["json"] = body.model_dump(mode="json", exclude_none=True)
        return super()._call(operation, method, path, ok, **kwargs)

    def _get(self, model: type[M], operation: str, path: str, **kwargs: Any) -> M | None:
        """GET that answers None for 404 (gone)."""
        r = self._call(operation, "GET", path, (200, 404), **kwargs)
        return None if r.status_code == 404 else self._parse(model, r, operation)

    # -- secrets -----------------------------------------------------------------------------------------
    def upsert_secret(self, name: str, value: str) -> Secret:
        """Create or rotate a workspace secret (the truss names it; Baseten mounts it at /secrets/<name>)."""
        r = self._call("upsert_secret", "POST", "/v1/secrets", body=UpsertSecretRequest(name=name, value=value))
        return self._parse(Secret, r, "upsert_secret")

    def list_secrets(self) -> list[Secret]:
        """The workspace's secrets (names only: values are never returned)."""
        return self._parse(Secrets, self._call("list_secrets", "GET", "/v1/secrets"), "list_secrets").secrets

    def delete_secret(self, name: str) -> bool:
        """DELETE /v1/secrets/{name} (the SDK's delete_secrets); False when it was already gone."""
        r = self._call("delete_secret", "DELETE", f"/v1/secrets/{name}", (200, 404))
        if r.status_code == 404:
            return False
        self._parse(SecretTombstone, r, "delete_secret")
        return True

    # -- models and deployments -------------------------------------------------------------------------
    def prepare_upload(self, request: PrepareModelUploadRequest) -> PrepareModelUploadResponse:
        """Validate a push and get short-lived S3 credentials for its truss archive."""
        r = self._call("prepare_model_upload", "POST", "/v1/prepare_model_upload", body=request)
        return self._parse(PrepareModelUploadResponse, r, "prepare_model_upload")

    def find_model(self, name: str) -> Model | None:
        """The model of that name in the workspace, if any."""
        r = self._call("list_models", "GET", "/v1/models", params={"name": name})
        return next((m for m in self._parse(Models, r, "list_models").models if m.name == name), None)

    def list_models(self) -> list[Model]:
        """Every model in the workspace."""
        return self._parse(Models, self._call("list_models", "GET", "/v1/models"), "list_models").models

    def get_model(self, model_id: str) -> Model | None:
        """The model, or None when it does not exist (deleted out of band)."""
        return self._get(Model, "get_model", f"/v1/models/{model_id}")

    def list_deployments(self, model_id: str) -> list[Deployment]:
        """Every deployment of a model."""
        r = self._call("list_deployments", "GET", f"/v1/models/{model_id}/deployments")
        return self._parse(Deployments, r, "list_deployments").deployments

    def get_deployment(self, model_id: str, deployment_id: str) -> Deployment | None:
        """One deployment (an id, or 'production' / 'development'), None when gone."""
        return self._get(Deployment, "get_deployment", f"/v1/models/{model_id}/deployments/{deployment_id}")

    def create_model(self, name: str, payload: DeploymentArchivePayload, s3_key: str | None) -> CreatedModelDeployment:
        """POST /v1/models exactly once: a retry after a lost answer adopts what the lost attempt made."""
        token, payload = _labelled(payload)
        body = CreateModelRequest(source=ModelArchiveSource(name=name, deployment=payload, s3_key=s3_key))

        def lost() -> CreatedModelDeployment | None:
            model = self.find_model(name)
            return None if model is None else self._adopt(model, token)

        def conflict() -> NameConflictError:
            return NameConflictError("create_model", 409, f"a model named {name!r} already exists in this workspace: "
                                                          f"choose another tgi-fleet:name, delete that model, or adopt "
                                                          f"it with `pulumi import`.")

        return self._create_once("create_model", "/v1/models", body, lost, conflict)

    def create_deployment(self, model_id: str, payload: DeploymentArchivePayload,
                          s3_key: str | None) -> CreatedModelDeployment:
        """POST /v1/models/{id}/deployments exactly once (a lost answer is found by its label)."""
        token, payload = _labelled(payload)
        body = CreateModelDeploymentRequest(source=DeploymentArchiveSource(deployment=payload, s3_key=s3_key))

        def lost() -> CreatedModelDeployment | None:
            model = self.get_model(model_id)
            return None if model is None else self._adopt(model, token)

        def conflict() -> NameConflictError:
            return NameConflictError("create_deployment", 409, f"model {model_id} refused a new deployment")

        return self._create_once("create_deployment", f"/v1/models/{model_id}/deployments", body, lost, conflict)

    def _adopt(self, model: Model, token: str) -> CreatedModelDeployment | None:
        """The model's deployment carrying this create's label, as the create would have answered."""
        for deployment in self.list_deployments(model.id):
            if (deployment.labels or {}).get(CREATE_LABEL) == token:
                return CreatedModelDeployment(model=model, deployment=deployment)
        return None

    def _create_once(self, op: str, path: str, body: BaseModel, lost: Callable[[], CreatedModelDeployment | None],
                     conflict: Callable[[], NameConflictError]) -> CreatedModelDeployment:
        """Retry only what cannot have been applied; before resending after no answer (or a 5xx), look first."""
        sent = {"count": 0}
        payload = body.model_dump(mode="json", exclude_none=True)

        def attempt() -> CreatedModelDeployment:
            if sent["count"]:
                found = lost()
                if found is not None:
                    return found  # the earlier attempt got through: adopt it
            sent["count"] += 1
            response = self._http.post(path, json=payload)
            if response.status_code == 200:
                return self._parse(CreatedModelDeployment, response, op)
            if response.status_code == 409:
                found = lost() if sent["count"] > 1 else None
                if found is not None:
                    return found
                raise conflict()
            raise self._error(op, response)

        try:
            result: CreatedModelDeployment = self._retrying(attempt)()
            return result
        except httpx.TransportError as exc:
            found = lost()
            if found is not None:
                return found
            raise BasetenApiError(op, None, f"{type(exc).__name__}: {exc}") from exc

    def update_autoscaling(self, model_id: str, deployment_id: str,
                           settings: UpdateAutoscalingSettings) -> UpdateAutoscalingSettingsResponse:
        """PATCH a deployment's autoscaling (ACCEPTED, QUEUED while it deploys, or UNCHANGED)."""
        r = self._call("update_autoscaling_settings", "PATCH",
                       f"/v1/models/{model_id}/deployments/{deployment_id}/autoscaling_settings", body=settings)
        return self._parse(UpdateAutoscalingSettingsResponse, r, "update_autoscaling_settings")

    def promote(self, model_id: str, deployment_id: str, request: PromoteRequest | None = None) -> Deployment:
        """Make a deployment the model's production deployment."""
        r = self._call("promote_deployment", "POST", f"/v1/models/{model_id}/deployments/{deployment_id}/promote",
                       body=request or PromoteRequest())
        return self._parse(Deployment, r, "promote_deployment")

    def activate(self, model_id: str, deployment_id: str) -> ActivateResponse:
        """Activate an inactive deployment."""
        r = self._call("activate_deployment", "POST", f"/v1/models/{model_id}/deployments/{deployment_id}/activate")
        return self._parse(ActivateResponse, r, "activate_deployment")

    def deactivate(self, model_id: str, deployment_id: str) -> DeactivateResponse:
        """Deactivate a deployment (its replicas stop; it stays listed)."""
        r = self._call("deactivate_deployment", "POST",
                       f"/v1/models/{model_id}/deployments/{deployment_id}/deactivate")
        return self._parse(DeactivateResponse, r, "deactivate_deployment")

    def error_logs(self, model_id: str, deployment_id: str, limit: int = 3) -> list[str]:
        """The deployment's last ERROR log lines (why a build or a load failed); [] when they cannot be read."""
        try:
            r = self._call("get_deployment_logs", "GET", f"/v1/models/{model_id}/deployments/{deployment_id}/logs",
                           params={"min_level": "ERROR", "limit": limit, "direction": "asc"})
            lines = [log.message for log in self._parse(GetLogsResponse, r, "get_deployment_logs").logs]
        except BasetenApiError:
            return []
        return list(dict.fromkeys(lines))  # a crash-looping replica repeats itself

    def wait_active(self, model_id: str, deployment_id: str, timeout_s: float, poll_s: float = 5.0,
                    clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
                    ) -> Deployment:
        """Poll until the deployment is ACTIVE; DeploymentFailed at once on any end status, or at the timeout."""
        deadline = clock() + timeout_s
        while True:
            deployment = self.get_deployment(model_id, deployment_id)
            if deployment is None:
                raise BasetenApiError("wait_for_deployment", 404, f"deployment {deployment_id} of model {model_id} "
                                                                  f"disappeared while it deployed")
            if deployment.status == ACTIVE:
                return deployment
            if deployment.status not in IN_PROGRESS:
                logs = "; ".join(self.error_logs(model_id, deployment_id)) or "no error in its logs"
                raise DeploymentFailed(deployment, f"deployment {deployment_id} of model {model_id} is "
                                                   f"{deployment.status} (Baseten's status). Its log: {logs}")
            if clock() >= deadline:
                raise DeploymentFailed(deployment, f"deployment {deployment_id} of model {model_id} is still "
                                                   f"{deployment.status} after {timeout_s:.0f} s: raise "
                                                   f"tgi-fleet:baseten.deploy_timeout_s or check its logs")
            sleep(poll_s)

    def delete_model(self, model_id: str) -> bool:
        """Delete a model and its deployments; False when it was already gone, BasetenApiError when Baseten did not
        delete it."""
        r = self._call("delete_model", "DELETE", f"/v1/models/{model_id}", (200, 404))
        if r.status_code == 404:
            return False
        if not self._parse(ModelTombstone, r, "delete_model").deleted:
            raise BasetenApiError("delete_model", 200, f"Baseten answered that model {model_id} was not deleted "
                                                       f"(deleted: false): it still exists and bills while it serves")
        return True


def _labelled(payload: DeploymentArchivePayload) -> tuple[str, DeploymentArchivePayload]:
    """The payload with a fresh create token among its labels, and the token."""
    token = uuid.uuid4().hex
    labels = {**(payload.labels or {}), CREATE_LABEL: token}
    return token, payload.model_copy(update={"labels": labels})


def client_from(api: dict[str, Any], api_key: str, max_attempts: int = 6) -> BasetenClient:
    """A client from the plain `api` description the resources carry (base_url, timeout_s)."""
    return BasetenClient(api["base_url"], api_key, timeout=http.timeout(float(api.get("timeout_s") or 30.0)),
                         max_attempts=max_attempts)
