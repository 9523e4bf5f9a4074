"""Secrets: where the HF token and provider API keys come from, and the gated-model check before GPUs are paid for."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.config import FleetConfig
from components.errors import UserError


@dataclass(frozen=True)
class ResolvedSecrets:
    """Every secret the stack needs, resolved once (config, env or AWS Secrets Manager) before anything is built."""

    hf_token: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)  # TGI's own bearer token, where no gateway gives auth
    provider: Mapping[str, str] = field(default_factory=dict, repr=False)  # the provider's own keys, by config key


class SecretError(UserError, ValueError):
    """A secret cannot be read; the message names the config key and the fix."""


def aws_secret(cfg: FleetConfig, secret_id: str, key_hint: str) -> str:
    """A value from AWS Secrets Manager (a JSON secret: the key named like key_hint, or its only key)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    s = cfg.secrets
    client: Any = boto3.client("secretsmanager", region_name=s.aws_region, endpoint_url=s.aws_endpoint_url)
    try:
        value = client.get_secret_value(SecretId=secret_id)["SecretString"]
    except (ClientError, BotoCoreError) as exc:
        raise SecretError(f"tgi-fleet:secrets: cannot read AWS secret {secret_id!r}: {exc}. Fix: check the ARN, "
                          f"the region (secrets.aws_region) and the AWS credentials.") from None
    # A JSON secret holds several values: take the one named like the key, else the only one.
    try:
        data = json.loads(value)
    except json.JSONDecodeError:
        return str(value)
    if isinstance(data, dict):
        for k in (key_hint, key_hint.upper(), "token", "value"):
            if k in data:
                return str(data[k])
        if len(data) == 1:
            return str(next(iter(data.values())))
        raise SecretError(f"AWS secret {secret_id!r} is JSON with keys {sorted(data)}: add a {key_hint!r} key.")
    return str(data)


def hf_token(cfg: FleetConfig) -> str | None:
    """The Hugging Face token from the configured source (None for public models)."""
    s = cfg.secrets
    if s.hf_token_source == "none":
        return None
    if s.hf_token_source == "config":
        if not cfg.hf_token:
            raise SecretError("tgi-fleet:hf_token is not set. Fix: `pulumi config set --secret hf_token hf_...`, "
                              "or set secrets.hf_token_source to env/aws/none.")
        return cfg.hf_token
    if s.hf_token_source == "env":
        value = os.environ.get(s.hf_token_env)
        if not value:
            raise SecretError(f"tgi-fleet:secrets.hf_token_source is env but ${s.hf_token_env} is empty. Fix: "
                              f"export {s.hf_token_env}=hf_... before pulumi runs.")
        return value
    assert s.hf_token_aws_secret_id is not None
    return aws_secret(cfg, s.hf_token_aws_secret_id, "hf_token")


def require(cfg: FleetConfig, key: str) -> str:
    """A provider's secret config key; SecretError naming the key and the command when it is not set."""
    value = cfg.provider_secrets.get(key)
    if not value:
        raise SecretError(f"tgi-fleet:{key} is not set. Fix: `pulumi config set --secret {key} <value>`.")
    return value


class ModelAccessError(UserError, PermissionError):
    """The token cannot read the model repo (gated, private, missing)."""


def check_model_access(cfg: FleetConfig, token: str | None) -> None:
    """Fail before any GPU is rented when the token cannot read the model (TGI would fail only after download)."""
    from httpx2 import TransportError  # huggingface_hub's HTTP client (components.http.hub_client)
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

    from components import http

    http.use_hub()
    api = HfApi(endpoint=cfg.secrets.hf_endpoint)
    model = cfg.model.id
    try:
        api.auth_check(model, token=token or False)
    except GatedRepoError:
        raise ModelAccessError(
            f"{model} is gated and this HF token has not been granted access: accept the model's terms on "
            f"{cfg.secrets.hf_endpoint}/{model} with the token's account (tgi-fleet:hf_token)."
        ) from None
    except RepositoryNotFoundError:
        hint = "set tgi-fleet:hf_token (the repo is private or gated)" if not token else "check tgi-fleet:model.id"
        raise ModelAccessError(f"{model} cannot be read with this token (not found or private): {hint}.") from None
    except HfHubHTTPError as exc:
        raise ModelAccessError(f"the Hugging Face Hub refused the access check for {model}: {exc}") from None
    except (OSError, TransportError) as exc:  # offline: say so, and how to go on without the check
        raise ModelAccessError(
            f"cannot reach {cfg.secrets.hf_endpoint} to check access to {model} ({exc}). Fix: restore network "
            f"access or set tgi-fleet:secrets.check_model_access: false."
        ) from None
