"""Each provider deploys the engines it runs (issue #26 items 3, 4, 7, 8), with the real SDKs under Pulumi mocks:
the rendered container, where the engine's key goes, the policy contract carrying `engine`, the smoke stage's
engine, and SaladCloud's blue-green switch of engines.

Platform facts: Docker's `entrypoint` replaces the image's ENTRYPOINT (docs.docker.com/reference/cli/docker/
container/run/#entrypoint; pulumi-docker's Container `entrypoints`) and a container's command is not expanded by
a shell, so SGLang's key reference runs under `sh -c`; SaladCloud makes a new container version when the image or
command changes (its deployment-strategies guide, as components/providers/salad/body.py version_digest cites).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.deploy import deploy
from policies.rules import evaluate
from tests.baseten_cases import stack_config as stack_file
from tests.program.harness import Recorder, build_service, set_stack_config, settle, stack_config, unwrap

HF = "hf_engine_test_token_abcdefghijklmnop"
KEY = "engine-test-api-key"
DOCKER: dict[str, Any] = {
    "provider": "docker", "name": "eng-docker", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"},
    "gpu": {"name": "A10G", "count": 1}, "gateway": {"auth": True, "port": 8080},
    "docker": {"host_port": 8080}, "smoke": {"enabled": False},
}


@pytest.fixture
def recorder() -> Recorder:
    rec = Recorder({"docker:index/remoteImage:RemoteImage": {"imageId": "sha256:" + "1" * 64},
                    "pulumi-python:dynamic:Resource": {"group_id": "g-1", "status": "running", "version": 1,
                                                       "dns": "eng.salad.cloud", "access_url": None}})
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="test", preview=False)
    return rec


def docker_container(recorder: Recorder, engine: str) -> dict[str, Any]:
    settle(lambda: build_service(stack_config(DOCKER, {"hf_token": HF, "api_key": KEY}, engine=engine)))
    (container,) = recorder.of_type("docker:index/container:Container")
    return container


def test_docker_runs_vllm_with_its_key_in_its_own_env(recorder: Recorder) -> None:
    c = docker_container(recorder, "vllm")
    assert c["entrypoints"][:3] == ["python3", "-m", "vllm.entrypoints.openai.api_server"]
    assert KEY not in str(c["entrypoints"])
    assert c["healthcheck"]["tests"][:2] == ["CMD", "python3"] and "/health" in c["healthcheck"]["tests"][3]
    (image,) = recorder.of_type("docker:index/remoteImage:RemoteImage")
    assert image["name"] == "vllm/vllm-openai:v0.32.0"
    contract = recorder.resources[0][2]
    assert contract["engine"] == "vllm" and contract["image"] == "vllm/vllm-openai:v0.32.0"
    assert sorted(contract["secret_env"]) == ["HF_TOKEN", "VLLM_API_KEY"]
    check_envs(unwrap(c["envs"]), f"VLLM_API_KEY={KEY}")


def check_envs(envs: list[str], want: str) -> None:
    assert want in envs and f"HF_TOKEN={HF}" in envs


def test_docker_runs_sglang_with_its_key_expanded_by_a_shell(recorder: Recorder) -> None:
    c = docker_container(recorder, "sglang")
    sh, dash_c, line = c["entrypoints"]
    assert (sh, dash_c) == ("sh", "-c") and line.startswith("exec python3 -m sglang.launch_server ")
    assert line.endswith(' --api-key="$API_KEY"') and KEY not in line
    check_envs(unwrap(c["envs"]), f"API_KEY={KEY}")


def test_docker_tgi_sets_no_entrypoint(recorder: Recorder) -> None:
    c = docker_container(recorder, "tgi")
    assert c.get("entrypoints") in (None, [])
    assert c["healthcheck"]["tests"][:2] == ["CMD", "python"]


def test_the_policy_pack_passes_a_vllm_contract(recorder: Recorder) -> None:
    settle(lambda: build_service(stack_config(DOCKER, {"hf_token": HF, "api_key": KEY}, engine="vllm")))
    contract = recorder.resources[0][2]
    assert contract["engine"] == "vllm"
    assert {rule: found for rule, found in evaluate(contract).items() if found} == {}


def salad_stack(stack: str, **overrides: Any) -> Any:
    plain = {k.partition(":")[2]: v for k, v in stack_file(stack).items() if not isinstance(v, dict) or
             "secure" not in v}
    return stack_config({**plain, **overrides}, {"salad_api_key": "k", "hf_token": HF})


def test_salad_vllm_stack_renders_vllms_container(recorder: Recorder) -> None:
    settle(lambda: build_service(salad_stack("salad-vllm")))
    (group,) = recorder.of_type("pulumi-python:dynamic:Resource")
    c = group["spec"]["container"]
    assert c["image"] == "vllm/vllm-openai:v0.32.0"
    assert c["command"][:3] == ["python3", "-m", "vllm.entrypoints.openai.api_server"]
    assert c["command"][c["command"].index("--host") + 1] == "::"
    assert "MODEL_ID" not in c["environment_variables"]  # TGI's env is not vLLM's
    assert recorder.resources[0][2]["engine"] == "vllm"


def test_an_engine_switch_is_a_new_blue_green_group(recorder: Recorder) -> None:
    """blue-green: the group's name carries its container version, so tgi -> vllm names a new group (made beside
    the old one and proven before the old one goes); a change that is no new version keeps the name."""
    names = []
    for overrides in ({"engine": "tgi"}, {"engine": "vllm"}, {"engine": "vllm", "replicas": 5}):
        recorder.resources.clear()
        cfg = salad_stack("salad-vllm", **overrides)
        settle(lambda: build_service(cfg))  # noqa: B023 (settle runs it at once)
        (group,) = recorder.of_type("pulumi-python:dynamic:Resource")
        names.append(group["spec"]["name"])
    tgi, vllm, vllm_scaled = names
    assert tgi.startswith("vllm-mistral-dev-") and vllm.startswith("vllm-mistral-dev-")
    assert tgi != vllm and vllm == vllm_scaled


@pytest.fixture
def preview(monkeypatch: pytest.MonkeyPatch) -> tuple[Recorder, dict[str, Any]]:
    rec = Recorder()
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="local-vllm", preview=True)
    found: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", lambda key, value: found.__setitem__(key, value))
    return rec, found


@pulumi.runtime.test
def test_local_vllm_previews_with_the_engine_in_the_contract_and_the_smoke_stage(
        preview: tuple[Recorder, dict[str, Any]]) -> Any:
    rec, exports = preview
    plain = {k.partition(":")[2]: v for k, v in stack_file("local-vllm").items()
             if not (isinstance(v, dict) and "secure" in v)}
    set_stack_config(plain, {"salad_api_key": "k"})
    deploy()

    def check(_: Any) -> None:
        service, group, smoke = rec.resources[:3]
        assert service[0] == "tgi-fleet:index:TgiService" and service[2]["engine"] == "vllm"
        assert group[2]["spec"]["container"]["image"] == "vllm/vllm-openai:v0.32.0"
        assert smoke[1] == "vllm-local-smoke" and smoke[2]["engine"] == "vllm"

    return exports["curl_example"].apply(check)
