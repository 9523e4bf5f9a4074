"""The Docker GPU-host provider with the real pulumi-docker SDK under pulumi mocks (its plugin cannot be built
here): the exact resources and the fields that matter, and the policy pack on the contract it emits."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.config import ConfigError
from components.plan import PlanError
from components.service import TgiService
from policies.rules import evaluate
from tests.program.harness import Recorder, build_service, is_secret, stack_config, unwrap

HF = "hf_docker_test_token_abcdefghijklmnop"
KEY = "docker-test-api-key"


@pytest.fixture
def recorder() -> Recorder:
    rec = Recorder({"docker:index/remoteImage:RemoteImage": {"imageId": "sha256:" + "1" * 64}})
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="docker-gpu", preview=False)
    return rec


def config(**overrides: Any) -> Any:
    base: dict[str, Any] = {
        "provider": "docker", "name": "tgi-docker", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"},
        "gpu": {"name": "A10G", "count": 1}, "gateway": {"auth": True, "port": 8080},
        "docker": {"host": "ssh://ubuntu@gpu-host", "host_port": 8080}, "smoke": {"enabled": False},
    }
    return stack_config(base, {"hf_token": HF, "api_key": KEY}, **overrides)


def build(cfg: Any) -> TgiService:
    return build_service(cfg)


@pulumi.runtime.test
def test_exact_resources_and_fields(recorder: Recorder) -> Any:
    service = build(config())

    def check(args: list[Any]) -> None:
        endpoint = args[0]
        types = [(t, n) for t, n, _ in recorder.resources]
        assert types == [
            ("tgi-fleet:index:TgiService", "tgi-docker"),
            ("pulumi:providers:docker", "tgi-docker-docker"),
            ("docker:index/remoteImage:RemoteImage", "tgi-docker-image"),
            ("docker:index/container:Container", "tgi-docker"),
        ]
        provider = recorder.resources[1][2]
        assert provider["host"] == "ssh://ubuntu@gpu-host"
        image = recorder.resources[2][2]
        assert image == {"name": "ghcr.io/huggingface/text-generation-inference:3.3.0", "keepLocally": True}
        c = recorder.resources[3][2]
        assert c["image"] == "sha256:" + "1" * 64
        assert c["deviceRequests"] == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
        assert c["shmSize"] == 64 and c["restart"] == "unless-stopped" and c["memory"] == 30720
        assert c["ports"] == [{"internal": 8080, "external": 8080}]
        assert c["volumes"] == [{"hostPath": "/var/lib/tgi-fleet/data", "containerPath": "/data"}]
        assert c["healthcheck"]["tests"][:3] == ["CMD", "python", "-c"]
        assert "127.0.0.1:8080/health" in c["healthcheck"]["tests"][3]
        assert is_secret(c["envs"]), "the container env carries the token: the engine must get it as a secret"
        env = dict(e.split("=", 1) for e in unwrap(c["envs"]))
        assert env["MODEL_ID"] == "mistralai/Mistral-7B-Instruct-v0.3" and env["PORT"] == "8080"
        assert env["MAX_TOTAL_TOKENS"] == "4096" and env["NUM_SHARD"] == "1" and env["HOSTNAME"] == "0.0.0.0"
        assert env["HF_TOKEN"] == HF and env["API_KEY"] == KEY
        assert endpoint == "http://gpu-host:8080"
        assert service.outputs.auth_hint["header"] == "Authorization"
        contract = recorder.resources[0][2]
        assert contract["secret_env"] == ["API_KEY", "HF_TOKEN"] and "HF_TOKEN" not in contract["plain_env"]

    # The trigger depends on the container: by then every resource is registered.
    return pulumi.Output.all(service.outputs.endpoint, service.outputs.trigger).apply(check)


@pulumi.runtime.test
def test_sharded_host_requests_all_shards_and_shm(recorder: Recorder) -> Any:
    cfg = config(model={"id": "mistralai/Mixtral-8x22B-Instruct-v0.1"}, gpu={"name": "A100 80GB", "count": 4},
                 docker={"host_port": 8080})
    service = build(cfg)

    def check(_: Any) -> None:
        types = [t for t, _, _ in recorder.resources]
        assert "pulumi:providers:docker" not in types  # local Docker: the default provider
        c = next(i for t, _, i in recorder.resources if t == "docker:index/container:Container")
        assert c["deviceRequests"][0]["count"] == 4 and c["shmSize"] == 1024
        assert dict(e.split("=", 1) for e in unwrap(c["envs"]))["NUM_SHARD"] == "4"

    return service.outputs.trigger.apply(check)


def test_policies_pass_and_fail_on_the_docker_contract(recorder: Recorder) -> None:
    ok = build(config()).contract.props()
    assert all(not v for v in evaluate(ok).values())
    small_cfg = config(name="tgi-small", gpu={"name": "T4"}, serving={"max_total_tokens": 8192})
    small = build(small_cfg).contract.props()
    violations = evaluate(small)
    assert "T4 has 16.00 GiB" in violations["gpu-vram-minimum"][0]
    assert violations["gpu-compute-capability"]
    # The program refuses a token in plain extra_env (#27.9); the pack still denies a contract that carries one.
    with pytest.raises(ConfigError, match=r"extra_env\.HUGGING_FACE_HUB_TOKEN is set in plain text"):
        build(config(name="tgi-leaky", extra_env={"HUGGING_FACE_HUB_TOKEN": HF}))
    leaky = {**ok, "plain_env": {**ok["plain_env"], "HUGGING_FACE_HUB_TOKEN": HF}}
    assert "HUGGING_FACE_HUB_TOKEN" in evaluate(leaky)["secrets-are-secret"][0]


def test_several_replicas_on_one_host_is_a_clear_error(recorder: Recorder) -> None:
    with pytest.raises(PlanError, match="tgi-fleet:replicas = 2: a Docker host runs one TGI container"):
        build(config(replicas=2))


@pulumi.runtime.test
def test_log_driver_ships_logs_with_its_credential_as_a_secret(recorder: Recorder) -> Any:
    docker = {"host_port": 8080, "log_driver": "splunk", "log_secret_opt": "splunk-token",
              "log_opts": {"splunk-url": "https://splunk.example:8088"}}
    cfg = stack_config({"provider": "docker", "name": "tgi-logs", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"},
                        "gpu": {"name": "A10G"}, "smoke": {"enabled": False}, "docker": docker},
                       {"hf_token": HF, "docker_log_secret": "splunk-hec-token"})
    service = build(cfg)

    def check(_: Any) -> None:
        c = next(i for t, _, i in recorder.resources if t == "docker:index/container:Container")
        assert c["logDriver"] == "splunk" and is_secret(c["logOpts"])
        assert unwrap(c["logOpts"]) == {"splunk-url": "https://splunk.example:8088", "splunk-token": "splunk-hec-token"}

    return service.outputs.trigger.apply(check)
