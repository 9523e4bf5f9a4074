"""One module per provider, each with `build(cfg, plan) -> Deployment`; `PROVIDERS` maps config names to them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.config import FleetConfig
from components.service import TgiService
from components.sizing.recommend import Plan


@dataclass
class Deployment:
    """What a provider built, and what the smoke stage and stack outputs need from it."""

    service: TgiService
    endpoint: pulumi.Output[str] | None  # public base URL, None when not reachable from here
    headers: pulumi.Output[dict[str, str]]  # auth headers for the endpoint (secret)
    readiness: pulumi.Output[dict[str, Any]] | None  # a smoke.readiness source description (secret)
    trigger: pulumi.Output[str]  # changes whenever the deployment changes: re-runs the smoke test
    auth_hint: dict[str, str] | None = None  # header name + env var for copy-paste examples
    outputs: dict[str, Any] = field(default_factory=dict)
    plain_headers: pulumi.Output[dict[str, str]] | None = None  # non-secret headers the endpoint needs (Host)


Builder = Callable[[FleetConfig, Plan], Deployment]

# Kubernetes and Docker have no gateway of their own: TGI checks API_KEY as a bearer token.
BEARER_HINT = {"header": "Authorization", "env": "TGI_API_KEY", "value_hint": "Bearer $TGI_API_KEY"}


def required_api_key(cfg: FleetConfig) -> str:
    """The TGI API key that gateway.auth needs; PlanError naming the fix when it is missing."""
    if not cfg.api_key:
        from components.plan import PlanError

        raise PlanError("tgi-fleet:api_key is not set but gateway.auth is on. Fix: "
                        "`pulumi config set --secret api_key <a long random string>`.")
    return cfg.api_key


def bearer_auth(cfg: FleetConfig) -> tuple[pulumi.Output[dict[str, str]], dict[str, str] | None]:
    """The (secret) Authorization header for the smoke stage and the hint for copy-paste examples."""
    key = pulumi.Output.secret(cfg.api_key or "")
    headers: pulumi.Output[dict[str, str]] = key.apply(
        lambda k: {"Authorization": f"Bearer {k}"} if cfg.gateway.auth and k else {})
    return headers, BEARER_HINT if cfg.gateway.auth else None


def builder_for(provider: str) -> Builder:
    """The build function of a provider module (imported lazily: each pulls its own SDKs)."""
    if provider in ("local", "salad"):
        from components.providers import salad

        return salad.build
    if provider == "kubernetes":
        from components.providers import kubernetes

        return kubernetes.build
    if provider == "docker":
        from components.providers import docker

        return docker.build
    from components.plan import PlanError

    raise PlanError(
        f"tgi-fleet:provider = {provider!r}: sizing, the catalog and the policy pack cover it, but tgi-fleet does "
        f"not deploy to it yet. Fix: use local, salad, kubernetes or docker."
    )
