"""The Baseten client against httpx.MockTransport: auth, Retry-After, error shapes, exactly-once creates."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from baseten.client.managementapi import DeploymentArchivePayload, UpdateAutoscalingSettings

from components.providers.baseten.client import (
    CREATE_LABEL,
    BasetenApiError,
    BasetenClient,
    NameConflictError,
)

STAMP = "2026-01-01T00:00:00Z"


def model_json(model_id: str = "abc123", name: str = "tgi", production: str | None = None) -> dict[str, Any]:
    return {"id": model_id, "created_at": STAMP, "name": name, "deployments_count": 1,
            "production_deployment_id": production, "development_deployment_id": None,
            "instance_type_name": "1x A10G", "team_name": "Default"}


def deployment_json(deployment_id: str = "dep1", model_id: str = "abc123", status: str = "BUILDING",
                    labels: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": deployment_id, "created_at": STAMP, "name": "deployment-1", "model_id": model_id,
            "is_production": False, "is_development": False, "status": status, "active_replica_count": 0,
            "autoscaling_settings": None, "instance_type_name": "1x A10G", "environment": None,
            "labels": labels, "request_backpressure_settings": {"policy": None}}


PAYLOAD = DeploymentArchivePayload(config={"model_name": "tgi"})


def client(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> BasetenClient:
    return BasetenClient("https://api.example", "key", transport=httpx.MockTransport(handler), **kw)


def test_sends_the_api_key_header_and_parses_models() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Api-Key key"
        assert request.url.path == "/v1/models" and request.url.params["name"] == "tgi"
        return httpx.Response(200, json={"models": [model_json(name="other"), model_json(name="tgi")]})

    model = client(handler).find_model("tgi")
    assert model is not None and model.id == "abc123"


def test_429_waits_retry_after_then_succeeds() -> None:
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "1"},
                                  json={"error": "RATE_LIMITED", "message": "slow down"})
        return httpx.Response(200, json=deployment_json(status="ACTIVE"))

    deployment = client(handler).get_deployment("abc123", "dep1")
    assert deployment is not None and deployment.status == "ACTIVE"
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.95


def test_errors_name_the_operation_status_and_baseten_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/secrets":
            return httpx.Response(401, json={"error": "UNAUTHENTICATED", "message": "Invalid API key"})
        return httpx.Response(422, json={"error": "INVALID_ARGUMENT", "message": "min_replica must be >= 0"})

    c = client(handler)
    with pytest.raises(BasetenApiError) as info:
        c.upsert_secret("hf_access_token", "hf_x")
    assert str(info.value) == ("Baseten API upsert_secret failed (HTTP 401): UNAUTHENTICATED: Invalid API key "
                               "(check the API key: tgi-fleet:baseten_api_key)")
    with pytest.raises(BasetenApiError, match=r"update_autoscaling_settings failed \(HTTP 422\): INVALID_ARGUMENT"):
        c.update_autoscaling("abc123", "dep1", UpdateAutoscalingSettings(min_replica=-1))


def test_5xx_retries_then_gives_up_with_an_excerpt() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(502, text="<html><body><h1>502 Bad Gateway</h1></body></html>")

    with pytest.raises(BasetenApiError, match=r"get_model failed \(HTTP 502\): <html><body><h1>502 Bad Gateway"):
        client(handler, max_attempts=3).get_model("abc123")
    assert len(calls) == 3


def test_get_answers_none_for_a_deleted_model_and_delete_is_idempotent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"error": "NOT_FOUND", "message": "Model not found"})

    c = client(handler)
    assert c.get_model("gone") is None and c.get_deployment("gone", "d") is None
    assert c.delete_model("gone") is False


def test_a_delete_baseten_did_not_do_is_an_error_not_a_success() -> None:
    # ModelTombstone.deleted ("Whether the model was deleted", baseten 0.13.1 managementapi/_models.py): false means
    # the model still exists and bills; destroy must not report success on it (issue #27 item 3).
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "DELETE"
        return httpx.Response(200, json={"id": "abc123", "deleted": False})

    with pytest.raises(BasetenApiError, match=r"model abc123 was not deleted \(deleted: false\)"):
        client(handler).delete_model("abc123")


def test_unexpected_body_is_a_clear_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "abc123"})

    with pytest.raises(BasetenApiError, match=r"get_model failed .*unexpected response body"):
        client(handler).get_model("abc123")


def test_create_model_labels_its_deployment_and_returns_both() -> None:
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body)
        labels = body["source"]["deployment"]["labels"]
        return httpx.Response(200, json={"model": model_json(), "deployment": deployment_json(labels=labels)})

    created = client(handler).create_model("tgi", PAYLOAD, "uploads/key.tar")
    source = sent[0]["source"]
    assert source["kind"] == "model_archive" and source["name"] == "tgi" and source["s3_key"] == "uploads/key.tar"
    assert source["deployment"]["config"] == {"model_name": "tgi"}
    assert created.model.id == "abc123" and CREATE_LABEL in (created.deployment.labels or {})


def test_create_model_after_a_lost_answer_adopts_instead_of_duplicating() -> None:
    """The first POST times out after the server made the model: the retry finds it by its label."""
    models: list[dict[str, Any]] = []
    deployments: list[dict[str, Any]] = []
    posts = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posts.append(1)
            body = json.loads(request.content)
            models.append(model_json())
            deployments.append(deployment_json(labels=body["source"]["deployment"]["labels"]))
            raise httpx.ReadTimeout("timed out", request=request)
        if request.url.path == "/v1/models":
            return httpx.Response(200, json={"models": models})
        return httpx.Response(200, json={"deployments": deployments})

    created = client(handler).create_model("tgi", PAYLOAD, "k")
    assert len(posts) == 1 and len(models) == 1
    assert created.deployment.id == "dep1"


def test_create_model_409_first_time_is_a_name_conflict() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(409, json={"error": "CONFLICT", "message": "A model named tgi already exists"})
        if request.url.path == "/v1/models":
            return httpx.Response(200, json={"models": [model_json()]})
        return httpx.Response(200, json={"deployments": [deployment_json(labels={CREATE_LABEL: "someone-else"})]})

    with pytest.raises(NameConflictError, match=r"a model named 'tgi' already exists .* `pulumi import`"):
        client(handler).create_model("tgi", PAYLOAD, "k")


def test_create_model_503_after_commit_adopts_on_the_retry() -> None:
    state: dict[str, Any] = {"labels": None, "posts": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            state["posts"] += 1
            state["labels"] = json.loads(request.content)["source"]["deployment"]["labels"]
            return httpx.Response(503, headers={"Retry-After": "0"}, text="upstream reset")
        if request.url.path == "/v1/models":
            return httpx.Response(200, json={"models": [model_json()] if state["labels"] else []})
        return httpx.Response(200, json={"deployments": [deployment_json(labels=state["labels"])]})

    created = client(handler).create_model("tgi", PAYLOAD, "k")
    assert state["posts"] == 1 and created.model.id == "abc123"


def test_create_deployment_retries_a_429_that_made_nothing() -> None:
    posts = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posts.append(1)
            if len(posts) == 1:
                return httpx.Response(429, headers={"Retry-After": "0"}, json={"message": "slow down"})
            labels = json.loads(request.content)["source"]["deployment"]["labels"]
            return httpx.Response(200, json={"model": model_json(), "deployment": deployment_json("dep2",
                                                                                                   labels=labels)})
        if request.url.path == "/v1/models/abc123":
            return httpx.Response(200, json=model_json())
        return httpx.Response(200, json={"deployments": [deployment_json()]})

    created = client(handler).create_deployment("abc123", PAYLOAD, "k")
    assert len(posts) == 2 and created.deployment.id == "dep2"


def test_autoscaling_promote_deactivate_and_delete_routes() -> None:
    seen: list[tuple[str, str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, body))
        path = request.url.path
        if path.endswith("/autoscaling_settings"):
            return httpx.Response(200, json={"status": "ACCEPTED", "message": "ok"})
        if path.endswith("/promote"):
            return httpx.Response(200, json={**deployment_json(status="ACTIVE"), "is_production": True})
        if path.endswith("/deactivate"):
            return httpx.Response(200, json={"success": True, "no_op": False})
        return httpx.Response(200, json={"id": "abc123", "deleted": True})

    c = client(handler)
    answer = c.update_autoscaling("abc123", "dep1", UpdateAutoscalingSettings(min_replica=2, max_replica=4,
                                                                               concurrency_target=16))
    assert answer.status == "ACCEPTED"
    assert c.promote("abc123", "dep1").is_production
    assert c.deactivate("abc123", "dep0").success
    assert c.delete_model("abc123") is True
    assert seen[0] == ("PATCH", "/v1/models/abc123/deployments/dep1/autoscaling_settings",
                       {"min_replica": 2, "max_replica": 4, "concurrency_target": 16})
    assert seen[1][:2] == ("POST", "/v1/models/abc123/deployments/dep1/promote")
    assert seen[1][2]["scale_down_previous_production"] is True
    assert [s[:2] for s in seen[2:]] == [("POST", "/v1/models/abc123/deployments/dep0/deactivate"),
                                         ("DELETE", "/v1/models/abc123")]
