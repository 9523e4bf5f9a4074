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
