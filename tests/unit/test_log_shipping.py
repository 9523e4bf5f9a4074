"""Log shipping config: one destination in the API's shape for SaladCloud, a Docker log driver, credentials as
secrets only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.config import ConfigError
from components.providers import registry
from components.providers.salad.body import container_group_spec, to_prototype
from components.tgi import launcher_env
from tests.plans import plan_for
from tests.program.harness import stack_config

BASE: dict[str, Any] = {"provider": "salad", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"},
                        "gpu": {"classes": ["RTX 4090 (24 GB)"]}}
AXIOM = {"axiom": {"host": "api.axiom.co", "dataset": "tgi"}}


def salad(logging: Any, **secrets: str) -> Any:
    return stack_config(BASE, {"salad_api_key": "k", "hf_token": "hf_x", **secrets}, salad={"logging": logging})


@pytest.mark.parametrize("logging,message", [
    ({"axiom": {"host": "h", "dataset": "d"}, "tcp": {"host": "h", "port": 1}}, "name exactly one destination"),
    ({"loki": {"host": "h"}}, "name exactly one destination of axiom, datadog, http, new_relic, splunk, tcp"),
    ({"axiom": {"host": "h", "dataset": "d", "api_token": "xaat-123"}}, "axiom.api_token is a credential"),
    ({"tcp": {"host": "h"}}, "tcp.port: Field required"),
    ({"http": {"host": "h", "port": 1, "format": "xml", "compression": "none"}}, "http.format: Input should be"),
])
def test_bad_destinations_name_the_key(logging: Any, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        salad(logging)
    assert "tgi-fleet:salad.logging" in str(info.value) and message in str(info.value)


def test_the_credential_is_required_and_joins_only_the_request_body() -> None:
    with pytest.raises(Exception, match="tgi-fleet:salad_log_secret is not set"):
        registry.provider("salad").secrets(salad(AXIOM))
    cfg = salad(AXIOM, salad_log_secret="xaat-secret")
    secrets = registry.provider("salad").secrets(cfg)
    assert secrets.provider["salad_log_secret"] == "xaat-secret"
    plan = plan_for(cfg)
    spec = container_group_spec(cfg, plan, launcher_env(cfg, plan), logging=cfg.settings.logging)  # type: ignore
    assert spec["container"]["logging"] == AXIOM and "xaat-secret" not in json.dumps(spec)
    body = to_prototype(spec, [], {}, "xaat-secret").model_dump(mode="json", exclude_none=True)
    assert body["container"]["logging"] == {"axiom": {**AXIOM["axiom"], "api_token": "xaat-secret"}}


def test_tcp_needs_no_credential_and_http_has_an_optional_one() -> None:
    tcp = salad({"tcp": {"host": "logs.example", "port": 5170}})
    assert "salad_log_secret" not in registry.provider("salad").secrets(tcp).provider
    http = salad({"http": {"host": "logs.example", "port": 443, "format": "json", "compression": "gzip"}})
    assert "salad_log_secret" not in registry.provider("salad").secrets(http).provider


def test_plain_log_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="tgi-fleet:salad_log_secret is set in plain text"):
        stack_config({**BASE, "salad_log_secret": "plain"}, {"salad_api_key": "k"})


def test_docker_credential_option_must_be_secret() -> None:
    base = {"provider": "docker", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"}, "gpu": {"name": "A10G"}}
    with pytest.raises(ConfigError, match=r"log_opts.splunk-token is a credential"):
        stack_config(base, {"hf_token": "x"}, docker={"log_driver": "splunk", "log_secret_opt": "splunk-token",
                                                      "log_opts": {"splunk-token": "t"}})
