"""The SaladCloud and Kubernetes provider components with their real SDKs under Pulumi mocks: the children they
register under their TgiService, which inputs are secret, and the outputs the smoke stage gets."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.plan import PlanError
from tests.program.harness import Recorder, build_service, is_secret, settle, stack_config, unwrap, value_of

HF, KEY = "hf_provider_test_token", "salad-test-key"
MISTRAL = {"id": "mistralai/Mistral-7B-Instruct-v0.3"}
SALAD: dict[str, Any] = {"provider": "salad", "name": "tgi-s", "model": MISTRAL, "replicas": 2,
                         "gpu": {"classes": ["RTX 4090 (24 GB)", "RTX 3090 (24 GB)"]}, "gateway": {"auth": True},
                         "salad": {"organization": "acme", "project": "llm", "priority": "low",
                                   "country_codes": ["us"]}}
K8S: dict[str, Any] = {"provider": "kubernetes", "name": "tgi-k", "model": MISTRAL, "replicas": 3,
                       "gpu": {"name": "L4"}, "gateway": {"auth": True},
                       "kubernetes": {"namespace": "llm", "ingress_host": "llm.example.com"}}


@pytest.fixture
def recorder() -> Recorder:
    rec = Recorder({"pulumi-python:dynamic:Resource": {"group_id": "g-1", "status": "running", "version": 1,
                                                       "dns": "tgi-s.salad.cloud", "access_url": None}})
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="test", preview=False)
    return rec


def children(rec: Recorder) -> list[tuple[str, str]]:
    return [(t, n) for t, n, _ in rec.resources]


@pulumi.runtime.test
def test_salad_container_group_is_a_child_with_secret_inputs(recorder: Recorder) -> Any:
    service = build_service(stack_config(SALAD, {"salad_api_key": KEY, "hf_token": HF}))
    out = service.outputs

    def check(args: list[Any]) -> None:
        readiness, headers = args
        assert children(recorder) == [("tgi-fleet:index:TgiService", "tgi-s"),
                                       ("pulumi-python:dynamic:Resource", "tgi-s")]
        group = recorder.resources[1][2]
        assert is_secret(group["api_key"]) and unwrap(group["api_key"]) == KEY
        assert is_secret(group["secret_env"]) and unwrap(group["secret_env"]) == {"HF_TOKEN": HF}
        assert group["api"]["organization"] == "acme" and group["api"]["project"] == "llm"
        assert group["gpu_class_names"] == ["RTX 4090 (24 GB)", "RTX 3090 (24 GB)"]
        spec = group["spec"]
        assert spec["replicas"] == 2 and spec["container"]["priority"] == "low" and spec["country_codes"] == ["us"]
        assert "HF_TOKEN" not in spec["container"]["environment_variables"]  # never in the plain spec
        assert spec["networking"]["auth"] is True
        assert readiness == {"provider": "salad", "api": group["api"], "api_key": KEY, "group": "tgi-s-id",
                             "version": 1}
        assert headers == {"Salad-Api-Key": KEY}
        assert out.auth_hint and out.auth_hint["header"] == "Salad-Api-Key"
        contract = recorder.resources[0][2]
        assert contract["interruptible"] is True and contract["secret_env"] == ["HF_TOKEN"]

    assert out.readiness is not None
    return pulumi.Output.all(out.readiness, out.headers).apply(check)


@pulumi.runtime.test
def test_salad_endpoint_through_a_gateway_address(recorder: Recorder) -> Any:
    cfg = stack_config({**SALAD, "salad": {"gateway_address": "127.0.0.1:9", "gateway_scheme": "http"}},
                       {"salad_api_key": KEY, "hf_token": HF})
    out = build_service(cfg).outputs
    assert out.endpoint is not None
    return pulumi.Output.all(out.endpoint, out.plain_headers).apply(
        lambda a: assert_equal(a, ["http://127.0.0.1:9", {"Host": "tgi-s.salad.cloud"}]))


def assert_equal(got: Any, want: Any) -> None:
    assert got == want


def test_kubernetes_resources_are_children_of_the_service(recorder: Recorder) -> None:
    service = settle(lambda: build_service(stack_config(K8S, {"hf_token": HF, "api_key": "tgi-key"})))
    kinds = children(recorder)
    assert kinds[0] == ("tgi-fleet:index:TgiService", "tgi-k")
    assert sorted(t for t, _ in kinds[1:]) == sorted([
        "pulumi:providers:kubernetes", "kubernetes:core/v1:Namespace", "kubernetes:core/v1:Secret",
        "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service", "kubernetes:policy/v1:PodDisruptionBudget",
        "kubernetes:networking.k8s.io/v1:Ingress"])
    secret = recorder.of_type("kubernetes:core/v1:Secret")[0]
    assert is_secret(secret["stringData"])
    assert unwrap(secret["stringData"]) == {"HF_TOKEN": HF, "API_KEY": "tgi-key"}
    dep = recorder.of_type("kubernetes:apps/v1:Deployment")[0]
    pod = dep["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert dep["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    assert value_of(service.outputs.readiness) == {"provider": "kubernetes", "url": "https://llm.example.com",
                                                   "headers": {"Authorization": "Bearer tgi-key"}}
    # The smoke test's trigger comes from the Deployment: it runs after the rollout, against the new pods.
    from pulumi.runtime.sync_await import _sync_await

    trigger_deps = _sync_await(service.outputs.trigger.resources())
    assert [r._name for r in trigger_deps] == ["tgi-k"] and "Deployment" in type(next(iter(trigger_deps))).__name__
    # Your own cluster has no price list (GKE is priced from GCP's).
    assert service.contract.hourly_cost is None and "hourly_cost" not in recorder.resources[0][2]


def test_gke_is_priced_from_gcp_and_labels_its_accelerator(recorder: Recorder) -> None:
    service = build_service(stack_config({**K8S, "kubernetes": {"gke": True}}, {"hf_token": HF, "api_key": "k"}))
    assert service.contract.hourly_cost == pytest.approx(3 * 0.854)


def test_gke_requests_beyond_the_node_type_stop_before_anything_is_registered(recorder: Recorder) -> None:
    """A g2-standard-8 leaves pods 7910m CPU (GKE's reservations, tests/unit/test_gke_manifests.py)."""
    gke = {**K8S, "kubernetes": {"gke": True}, "resources": {"cpu": 8}}
    with pytest.raises(PlanError, match=r"tgi-fleet:resources\.cpu requests 8 vCPU, but a g2-standard-8 node"):
        build_service(stack_config(gke, {"hf_token": HF, "api_key": "k"}))
    assert recorder.resources == []
    # Without cpu/memory in the stack the pod asks for its GPU only, as Google's example does.
    settle(lambda: build_service(stack_config({**K8S, "kubernetes": {"gke": True}}, {"hf_token": HF, "api_key": "k"})))
    pod = recorder.of_type("kubernetes:apps/v1:Deployment")[0]["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"] == {"requests": {"nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "1"}}


def test_kubernetes_auth_without_a_key_is_a_clear_error(recorder: Recorder) -> None:
    with pytest.raises(PlanError, match=r"tgi-fleet:api_key is not set but gateway\.auth is on"):
        build_service(stack_config(K8S, {"hf_token": HF}))


def test_render_mode_needs_an_existing_secret_and_never_renders_one(recorder: Recorder) -> None:
    render = {**K8S, "kubernetes": {"render_dir": "/tmp/out"}}
    with pytest.raises(PlanError, match=r"tgi-fleet:kubernetes\.existing_secret is not set"):
        build_service(stack_config(render, {"hf_token": HF, "api_key": "k"}))
    render["kubernetes"]["existing_secret"] = "tgi-secrets"
    service = build_service(stack_config(render, {"hf_token": HF}))
    assert "kubernetes:core/v1:Secret" not in [t for t, _ in children(recorder)]
    assert service.outputs.endpoint is None and service.outputs.readiness is None
