"""The SaladCloud container-group resource: diff decides update vs replace, update sends only what changed (a
merge patch; null removes), through the HTTP seam against httpx.MockTransport."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from components import http
from components.providers.salad.api_models import ContainerGroupPatch, UpdateContainer, UpdateContainerGroupNetworking
from components.providers.salad.body import container_group_spec
from components.providers.salad.patch import PATCHABLE, merge_diff, split
from components.providers.salad.resource import ContainerGroupProvider, secret_digest
from components.tgi import launcher_env
from tests.plans import plan_for
from tests.program.harness import stack_config
from tests.unit.test_salad_client import group_json

ROOT = Path(__file__).resolve().parents[2]
CLASSES = json.loads((ROOT / "emulator" / "salad" / "data" / "gpu-classes.json").read_text())
BASE: dict[str, Any] = {"provider": "salad", "name": "tgi", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"},
                        "gpu": {"classes": ["RTX 4090 (24 GB)"]}, "replicas": 3}
API = {"base_url": "https://api.example/api/public", "organization": "org", "project": "proj",
       "gateway_scheme": "https", "timeout_s": 5}


def props(**overrides: Any) -> dict[str, Any]:
    cfg = stack_config(BASE, {"salad_api_key": "k"}, **overrides)
    plan = plan_for(cfg)
    s = cfg.settings
    spec = container_group_spec(cfg, plan, launcher_env(cfg, plan), priority=s.priority,  # type: ignore[attr-defined]
                                country_codes=s.country_codes)  # type: ignore[attr-defined]
    secret_env = {"HF_TOKEN": "hf_a"}
    return {"api": API, "api_key": "key", "spec": spec, "gpu_class_names": ["RTX 4090 (24 GB)"],
            "secret_env": secret_env, "gpu_class_ids": [c["id"] for c in CLASSES["items"]
                                                        if c["name"].strip() == "RTX 4090 (24 GB)"],
            "secret_env_digest": secret_digest(secret_env)}


class Api:
    """A recording stand-in for the API: GPU classes, GET and PATCH of one group."""

    def __init__(self) -> None:
        self.patches: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/gpu-classes"):
            return httpx.Response(200, json=CLASSES)
        if request.method == "PATCH":
            self.patches.append(json.loads(request.content))
        return httpx.Response(200, json=group_json())

    def update(self, olds: dict[str, Any], news: dict[str, Any]) -> list[dict[str, Any]]:
        with http.use_transport(httpx.MockTransport(self)):
            ContainerGroupProvider().update("tgi", olds, news)
        return self.patches


def diff(olds: dict[str, Any], news: dict[str, Any], api: Api | None = None) -> Any:
    """The provider's diff, whose live drift check reaches `api` (a running group by default)."""
    with http.use_transport(httpx.MockTransport(api or Api())):
        return ContainerGroupProvider().diff("tgi", olds, news)


def test_patchable_fields_are_the_patch_models() -> None:
    def fields(model: Any) -> set[str]:
        return set(model.model_fields)

    assert set(PATCHABLE) == fields(ContainerGroupPatch)
    assert set(PATCHABLE["container"]) == fields(UpdateContainer)
    assert set(PATCHABLE["networking"]) == fields(UpdateContainerGroupNetworking)
    resources = UpdateContainer.model_fields["resources"].annotation
    assert set(PATCHABLE["container"]["resources"]) == fields(next(a for a in resources.__args__ if a is not None))


def test_merge_diff_and_split() -> None:
    old = {"a": 1, "b": {"c": 2, "d": 3}, "gone": 1, "list": [1, 2]}
    new = {"a": 1, "b": {"c": 2, "d": 4}, "list": [1], "added": {"x": 1}}
    assert merge_diff(old, new) == {"b": {"d": 4}, "gone": None, "list": [1], "added": {"x": 1}}
    accepted, refused = split({"replicas": 2, "networking": {"port": 1, "auth": True}, "name": "x"})
    assert accepted == {"replicas": 2, "networking": {"port": 1}} and refused == ["name", "networking.auth"]


def test_replica_count_change_patches_replicas_alone() -> None:
    olds, news = props(), props(replicas=2)
    assert diff(olds, news).replaces == []
    assert Api().update(olds, news) == [{"replicas": 2}]


def test_image_change_patches_the_image_alone() -> None:
    patches = Api().update(props(), props(image="ghcr.io/huggingface/text-generation-inference:3.3.1"))
    assert patches == [{"container": {"image": "ghcr.io/huggingface/text-generation-inference:3.3.1"}}]


def test_removed_env_and_country_codes_are_nulls() -> None:
    olds = props(extra_env={"PAYLOAD_LIMIT": "4000000"}, salad={"country_codes": ["us"]})
    assert Api().update(olds, props()) == [
        {"country_codes": None, "container": {"environment_variables": {"PAYLOAD_LIMIT": None}}}]


def test_a_new_secret_value_patches_that_variable() -> None:
    news = props()
    news["secret_env"] = {"HF_TOKEN": "hf_b"}
    assert diff(props(), news).changes
    assert Api().update(props(), news) == [{"container": {"environment_variables": {"HF_TOKEN": "hf_b"}}}]


def test_nothing_changed_sends_no_patch() -> None:
    olds = props()
    news = copy.deepcopy(olds)
    news["api_key"] = "rotated"  # a new API key is not a change of the group
    assert Api().update(olds, news) == []


@pytest.mark.parametrize("change,path", [
    ({"gateway": {"auth": True}}, "spec.networking.auth"),
    ({"gateway": {"enabled": False}}, "spec.networking"),
    ({"name": "tgi-two"}, "spec.name"),
])
def test_what_the_api_cannot_patch_replaces(change: dict[str, Any], path: str) -> None:
    assert path in diff(props(), props(**change)).replaces


def test_gateway_added_later_replaces() -> None:
    olds = props(gateway={"enabled": False})
    replaces = diff(olds, props()).replaces
    assert "spec.networking.auth" in replaces and "spec.networking.port" not in replaces


def test_moving_to_another_project_replaces() -> None:
    news = props()
    news["api"] = {**API, "project": "other"}
    assert diff(props(), news).replaces == ["api.project"]


class Taken(Api):
    """The name is taken by a group whose env carries `owner` and whose replica count is `replicas`."""

    def __init__(self, owner: str | None, replicas: int = 3) -> None:
        super().__init__()
        self.owner, self.replicas = owner, replicas

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(409, json={"type": "conflict", "title": "exists", "status": 409})
        body = group_json()
        body["replicas"] = self.replicas
        if self.owner:
            body["container"]["environment_variables"]["TGI_FLEET_OWNER"] = self.owner
        if request.method == "PATCH":
            self.patches.append(json.loads(request.content))
        return httpx.Response(200, json=body) if request.method != "GET" or "gpu-classes" not in str(request.url) \
            else super().__call__(request)

    def create(self, props: dict[str, Any]) -> Any:
        with http.use_transport(httpx.MockTransport(self)):
            return ContainerGroupProvider().create(props)


def owned(**overrides: Any) -> dict[str, Any]:
    p = props(**overrides)
    p["spec"]["container"]["environment_variables"]["TGI_FLEET_OWNER"] = "tgi-fleet/prod"
    return p


def test_a_group_this_stack_made_in_a_crashed_run_is_adopted_and_brought_to_spec() -> None:
    api = Taken("tgi-fleet/prod", replicas=1)
    result = api.create(owned(gateway={"enabled": False}))
    assert result.id == "tgi" and api.patches and api.patches[0]["replicas"] == 3


def test_someone_elses_group_stays_a_conflict() -> None:
    from components.providers.salad.client import NameConflictError

    for owner in (None, "other-project/prod"):
        with pytest.raises(NameConflictError, match="this stack did not create it"):
            Taken(owner).create(owned(gateway={"enabled": False}))


class Drifted(Api):
    """A group found `status` live (None: deleted), or an API that cannot be reached (`down`)."""

    def __init__(self, status: str | None, down: bool = False) -> None:
        super().__init__()
        self.status, self.down, self.started = status, down, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("unreachable", request=request)
        if request.method == "POST" and request.url.path.endswith("/start"):
            self.started += 1
            self.status = "deploying"
            return httpx.Response(202)
        if request.method == "GET" and "/containers/" in request.url.path and self.status is None:
            return httpx.Response(404, json={"type": "not-found", "status": 404})
        if "/containers/" in request.url.path:
            body = group_json()
            body["current_state"]["status"] = self.status
            if request.method == "PATCH":
                self.patches.append(json.loads(request.content))
            return httpx.Response(200, json=body)
        return super().__call__(request)


def test_a_group_stopped_out_of_band_is_an_update_that_starts_it() -> None:
    same = props()
    api = Drifted("stopped")
    d = diff(same, copy.deepcopy(same), api)
    assert d.changes and d.replaces == []
    api.update(same, copy.deepcopy(same))
    assert api.started == 1 and api.patches == []


def test_a_group_deleted_out_of_band_is_made_again() -> None:
    same = props()
    assert diff(same, copy.deepcopy(same), Drifted(None)).replaces == ["status"]


def test_no_drift_no_change_and_an_unreachable_api_is_not_drift() -> None:
    same = props()
    assert not diff(same, copy.deepcopy(same), Drifted("running")).changes
    assert not diff(same, copy.deepcopy(same), Drifted("running", down=True)).changes


def test_a_changed_secret_env_is_seen_through_its_secret_digest() -> None:
    from components.providers.salad.resource import SECRET_OUTPUTS

    assert "secret_env_digest" in SECRET_OUTPUTS  # never in plain state: it is a hash of the HF token
    olds = props()
    news = copy.deepcopy(olds)
    del olds["secret_env"]  # what the digest alone must tell
    assert not diff(olds, news).changes
    news["secret_env"] = {"HF_TOKEN": "hf_b"}
    assert diff(olds, news).changes


class Groups(Api):
    """The project's groups: `tgi` being deleted, and others as (name, owner, status); records the deletes."""

    def __init__(self, *others: tuple[str, str, str]) -> None:
        super().__init__()
        self.others, self.gone = others, False
        self.deleted: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            self.deleted.append(request.url.path.rsplit("/", 1)[-1])
            self.gone = True
            return httpx.Response(202)
        if request.url.path.endswith("/containers"):
            items = []
            for name, owner, status in self.others:
                body = group_json()
                body.update(name=name, networking={
                    "protocol": "http", "port": 80, "auth": True, "dns": f"{name}-1234abcd.salad.cloud",
                    "load_balancer": "round_robin", "client_request_timeout": 100000,
                    "server_response_timeout": 100000, "single_connection_limit": False})
                body["container"]["environment_variables"]["TGI_FLEET_OWNER"] = owner
                body["current_state"]["status"] = status
                items.append(body)
            return httpx.Response(200, json={"items": items})
        if request.method == "GET" and self.gone:
            return httpx.Response(404, json={"type": "not-found", "status": 404})
        return super().__call__(request)

    def delete(self, props: dict[str, Any]) -> bool:
        """Whether the provider's delete deleted the group (False: it left it serving)."""
        with http.use_transport(httpx.MockTransport(self)):
            ContainerGroupProvider().delete("tgi", props)
        assert self.deleted in ([], ["tgi"])
        return self.deleted == ["tgi"]


def test_a_replaced_group_outlives_the_up_that_replaced_it() -> None:
    """Issue #27 item 8: Pulumi writes the stack outputs after every step, deletes included, so the replaced
    blue-green group is left serving; the stack's RetiredGroups deletes it drain_s later (retire.py)."""
    old = {**owned(), "drain_s": 5.0}
    assert Groups(("tgi-2f3a1b", "tgi-fleet/prod", "running")).delete(old) is False
    # Nothing to move to: a destroy, another stack's group, a successor not serving yet, or no drain configured.
    assert Groups().delete(old) is True
    assert Groups(("tgi-2f3a1b", "tgi-fleet/dev", "running")).delete(old) is True
    assert Groups(("tgi-2f3a1b", "tgi-fleet/prod", "deploying")).delete(old) is True
    assert Groups(("tgi-2f3a1b", "tgi-fleet/prod", "running")).delete({**old, "drain_s": 0.0}) is True


def test_a_drain_change_is_recorded_with_the_group() -> None:
    olds = props()
    assert not diff(olds, {**copy.deepcopy(olds), "drain_s": 0.0}).changes  # state from before the key: no drain
    assert diff(olds, {**copy.deepcopy(olds), "drain_s": 30.0}).changes
