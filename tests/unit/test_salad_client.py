"""The SaladCloud client against httpx.MockTransport: retries, Retry-After, errors, exactly-once create."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from components.http import retry_after_seconds
from components.providers.salad.api_models import ContainerGroupPrototype, GpuClass
from components.providers.salad.client import NameConflictError, SaladApiError, SaladClient, resolve_gpu_class_ids

PROTO = ContainerGroupPrototype.model_validate({
    "name": "tgi", "autostart_policy": True, "restart_policy": "always", "replicas": 1,
    "container": {"image": "ghcr.io/huggingface/text-generation-inference:3.3.0",
                  "resources": {"cpu": 1, "memory": 1024}, "environment_variables": {"MODEL_ID": "m/x"}}})


TGI = "ghcr.io/huggingface/text-generation-inference:3.3.0"


def group_json(image: str = TGI, model: str = "m/x") -> dict[str, Any]:
    return {
        "id": "0b1c5e8e-5f7e-4a7d-9c8f-1e2d3c4b5a69", "name": "tgi", "display_name": "tgi",
        "organization_name": "org", "project_name": "proj", "autostart_policy": True, "restart_policy": "always",
        "replicas": 1, "country_codes": [], "priority": "high", "pending_change": False, "version": 1,
        "create_time": "2026-01-01T00:00:00Z", "update_time": "2026-01-01T00:00:00Z",
        "scaling-actions": [], "scheduled-scaling-enabled": False,
        "container": {"image": image, "command": None, "environment_variables": {"MODEL_ID": model},
                      "resources": {"cpu": 1, "memory": 1024, "gpu_classes": [], "storage_amount": 1073741824,
                                    "shm_size": 64},
                      "hash": "sha256:" + "a" * 64, "size": 1},
        "current_state": {"status": "pending", "start_time": "2026-01-01T00:00:00Z",
                          "finish_time": "2026-01-01T00:00:00Z",
                          "instance_status_counts": {"allocating_count": 0, "creating_count": 0, "running_count": 0,
                                                     "stopping_count": 0}},
    }


def client(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> SaladClient:
    return SaladClient("https://api.example/api/public", "org", "proj", "key", transport=httpx.MockTransport(handler),
                       **kw)


def test_retry_after_forms() -> None:
    assert retry_after_seconds("3") == 3.0
    future = email.utils.format_datetime(email.utils.localtime(), usegmt=False)
    assert retry_after_seconds(future) is not None
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_429_waits_retry_after_then_succeeds() -> None:
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        assert request.headers["Salad-Api-Key"] == "key"
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "1"}, json={"status": 429, "detail": "slow down"})
        return httpx.Response(200, json=group_json())

    group = client(handler).get_group("tgi")
    assert group is not None and group.name == "tgi"
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.95


def test_5xx_then_give_up_with_a_clear_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="<html><body><h1>503 Service Unavailable</h1></body></html>")

    with pytest.raises(SaladApiError) as info:
        client(handler, max_attempts=2).list_groups()
    assert "list_container_groups failed (HTTP 503)" in str(info.value) and "503 Service Unavailable" in str(info.value)


def test_problem_details_and_auth_hint() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"type": "about:blank", "status": 401, "detail": "bad key"})

    with pytest.raises(SaladApiError, match=r"HTTP 401\): bad key \(check the Salad-Api-Key: tgi-fleet:salad_api"):
        client(handler).list_gpu_classes()


def test_get_missing_group_is_none_and_bad_body_is_an_error() -> None:
    assert client(lambda r: httpx.Response(404, json={"status": 404})).get_group("x") is None
    with pytest.raises(SaladApiError, match="unexpected response body"):
        client(lambda r: httpx.Response(200, json={"items": "nope"})).list_groups()


def test_patch_sends_merge_patch() -> None:
    seen: dict[str, Any] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(method=request.method, ctype=request.headers["content-type"], body=json.loads(request.content))
        return httpx.Response(200, json=group_json())

    client(handler).patch_group("tgi", {"replicas": 3, "container": {"environment_variables": {"OLD": None}}})
    assert seen == {"method": "PATCH", "ctype": "application/merge-patch+json",
                    "body": {"replicas": 3, "container": {"environment_variables": {"OLD": None}}}}


def test_create_adopts_what_a_lost_attempt_made() -> None:
    state = {"posts": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            state["posts"] += 1
            if state["posts"] == 1:
                return httpx.Response(502, text="bad gateway")  # the server did create it
            return httpx.Response(409, json={"status": 409, "detail": "exists"})
        return httpx.Response(200, json=group_json())

    group = client(handler).create_group(PROTO)
    assert group.name == "tgi" and state["posts"] == 2


def test_create_after_a_timeout_looks_before_failing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            raise httpx.ReadTimeout("lost", request=request)
        return httpx.Response(200, json=group_json())

    assert client(handler, max_attempts=1).create_group(PROTO).name == "tgi"


def test_first_409_is_someone_elses_group() -> None:
    with pytest.raises(NameConflictError, match=r"already exists in org/proj: choose another tgi-fleet:name"):
        client(lambda r: httpx.Response(409, json={"status": 409})).create_group(PROTO)


def test_a_different_group_is_never_adopted() -> None:
    state = {"posts": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            state["posts"] += 1
            return httpx.Response(500 if state["posts"] == 1 else 409, json={"status": 500})
        return httpx.Response(200, json=group_json(image="nginx:1.27"))

    with pytest.raises(NameConflictError, match="a different container group"):
        client(handler).create_group(PROTO)


def test_gpu_class_names_resolve_loosely() -> None:
    classes = [GpuClass.model_validate({"id": "8065b30b-4a27-434c-8610-222e8df8fad7", "name": " RTX 5080 (16 GB)",
                                        "prices": [{"priority": "high", "price": "0.42"}]})]
    assert resolve_gpu_class_ids(classes, ["rtx 5080  (16 gb)"]) == ["8065b30b-4a27-434c-8610-222e8df8fad7"]
    with pytest.raises(SaladApiError, match=r"\['RTX 4090 \(24 GB\)'\] are not offered.*RTX 5080"):
        resolve_gpu_class_ids(classes, ["RTX 4090 (24 GB)"])
