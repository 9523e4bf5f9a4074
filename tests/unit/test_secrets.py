"""Where secrets come from: config, env, AWS Secrets Manager (through a moto server on loopback), or none."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.config import FleetConfig
from components.providers import registry
from components.secrets import SecretError, hf_token, require
from tests.moto_fixture import AWS_ENV, Moto
from tests.program.harness import stack_config

BASE: dict[str, Any] = {"provider": "salad", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"},
                        "gpu": {"classes": ["RTX 4090 (24 GB)"]}}


def cfg(secret_values: dict[str, str] | None = None, /, **overrides: Any) -> FleetConfig:
    return stack_config(BASE, {"salad_api_key": "k", **(secret_values or {})}, **overrides)


def test_config_source_needs_the_secret_and_says_how() -> None:
    assert hf_token(cfg({"hf_token": "hf_abc"})) == "hf_abc"
    with pytest.raises(SecretError, match=r"tgi-fleet:hf_token is not set. Fix: `pulumi config set --secret hf_token"):
        hf_token(cfg())


def test_env_source(monkeypatch: pytest.MonkeyPatch) -> None:
    c = cfg(**{"secrets": {"hf_token_source": "env", "hf_token_env": "MY_TOKEN"}})
    monkeypatch.delenv("MY_TOKEN", raising=False)
    with pytest.raises(SecretError, match=r"\$MY_TOKEN is empty. Fix: export MY_TOKEN=hf_"):
        hf_token(c)
    monkeypatch.setenv("MY_TOKEN", "hf_env")
    assert hf_token(c) == "hf_env"


def test_none_source_is_public() -> None:
    assert hf_token(cfg(**{"secrets": {"hf_token_source": "none"}})) is None


def test_provider_secret_keys_are_required_by_name() -> None:
    c = stack_config(BASE, {"hf_token": "hf_x"})
    with pytest.raises(SecretError, match=r"tgi-fleet:salad_api_key is not set. Fix: `pulumi config set --secret "
                                          r"salad_api_key <value>`"):
        require(c, "salad_api_key")
    with pytest.raises(SecretError, match="salad_api_key is not set"):
        registry.provider("salad").secrets(c)


def test_aws_source_reads_json_and_plain_secrets(moto_server: Moto, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in AWS_ENV.items():
        monkeypatch.setenv(k, v)
    sm = moto_server.secretsmanager()
    plain = sm.create_secret(Name="tgi/hf", SecretString="hf_plain")["ARN"]
    keyed = sm.create_secret(Name="tgi/salad", SecretString=json.dumps({"salad_api_key": "from-aws", "x": 1}))["ARN"]
    ambiguous = sm.create_secret(Name="tgi/two", SecretString=json.dumps({"a": 1, "b": 2}))["ARN"]
    aws = {"hf_token_source": "aws", "hf_token_aws_secret_id": plain, "aws_region": "us-east-1",
           "aws_endpoint_url": moto_server.url}
    c = stack_config(BASE, {}, secrets=aws, salad={"api_key_aws_secret_id": keyed})
    got = registry.provider("salad").secrets(c)
    assert (got.hf_token, dict(got.provider)) == ("hf_plain", {"salad_api_key": "from-aws"})
    with pytest.raises(SecretError, match=r"is JSON with keys \['a', 'b'\]: add a 'hf_token' key"):
        hf_token(stack_config(BASE, {}, secrets={**aws, "hf_token_aws_secret_id": ambiguous}))
    with pytest.raises(SecretError, match="cannot read AWS secret 'tgi/missing'"):
        hf_token(stack_config(BASE, {}, secrets={**aws, "hf_token_aws_secret_id": "tgi/missing"}))


def test_an_unreachable_hub_is_a_clear_error_not_a_traceback() -> None:
    from components.secrets import ModelAccessError, check_model_access
    from emulator.procs import free_port

    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ModelAccessError, match=r"cannot reach http://127\.0\.0\.1:\d+ to check access to "
                                               r"mistralai/Mistral-7B-Instruct-v0\.3 .* "
                                               r"set tgi-fleet:secrets\.check_model_access"):
        check_model_access(cfg(**{"secrets": {"hf_endpoint": closed}}), "hf_x")


@pytest.mark.parametrize("status,code,message", [
    (403, "GatedRepo", "is gated and this HF token has not been granted access"),
    (404, "RepoNotFound", r"cannot be read with this token \(not found or private\)"),
    (200, None, None),
])
def test_the_model_access_check_through_the_hub_seam(status: int, code: str | None, message: str | None) -> None:
    """huggingface_hub's client is built in components.http: a test injects its transport like any other client."""
    import httpx2

    from components import http
    from components.secrets import ModelAccessError, check_model_access

    seen: list[str] = []

    def hub(request: httpx2.Request) -> httpx2.Response:
        seen.append(f"{request.method} {request.url.path} {request.headers.get('authorization')}")
        return httpx2.Response(status, headers={"X-Error-Code": code} if code else {}, json={"error": code or ""})

    with http.use_hub_transport(httpx2.MockTransport(hub)):
        if message:
            with pytest.raises(ModelAccessError, match=message):
                check_model_access(cfg(**{"secrets": {"hf_endpoint": "https://hub.example"}}), "hf_x")
        else:
            check_model_access(cfg(**{"secrets": {"hf_endpoint": "https://hub.example"}}), "hf_x")
    # huggingface_hub's first request in a process may be its own agent-harness lookup (GET /api/agent-harnesses, no
    # token; huggingface_hub/utils/_detect_agent.py), so the check is found by its path, not by its place in `seen`.
    checks = [s for s in seen if s.startswith("GET /api/models/")]
    assert checks and checks[0].startswith("GET /api/models/mistralai/Mistral-7B-Instruct-v0.3") and "hf_x" in checks[0]
    assert [s for s in seen if "hf_x" in s] == checks, seen  # the token goes to the model's check only


def test_the_hub_client_has_a_timeout() -> None:
    from components import http

    http.use_hub()
    from huggingface_hub.utils import get_session

    assert get_session().timeout.read == http.HUB_TIMEOUT_S
