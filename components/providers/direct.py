"""TGI served directly, without a provider gateway (Kubernetes, Docker): its own bearer token, /health readiness."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi

from components.config import FleetConfig
from components.plan import PlanError
from components.secrets import ResolvedSecrets

if TYPE_CHECKING:
    from components.readiness import ReadinessSource

HINT = {"header": "Authorization", "env": "TGI_API_KEY", "value_hint": "Bearer $TGI_API_KEY"}


def required_api_key(secrets: ResolvedSecrets) -> str:
    """The TGI API key that gateway.auth needs; PlanError naming the fix when it is missing."""
    if not secrets.api_key:
        raise PlanError("tgi-fleet:api_key is not set but gateway.auth is on. Fix: "
                        "`pulumi config set --secret api_key <a long random string>`.")
    return secrets.api_key


def bearer_auth(cfg: FleetConfig,
                secrets: ResolvedSecrets) -> tuple[pulumi.Output[dict[str, str]], dict[str, str] | None]:
    """The (secret) Authorization header for the smoke stage and the hint for copy-paste examples."""
    if not cfg.gateway.auth:
        return pulumi.Output.secret({}), None
    # Render mode needs no key (the GitOps pipeline provides the Secret); deploying providers require it.
    key = secrets.api_key
    return pulumi.Output.secret({"Authorization": f"Bearer {key}"} if key else {}), HINT


class HealthReadiness:
    """Provider mixin: one endpoint whose GET /health answers 200 once TGI serves (it cannot count replicas)."""

    counts_replicas = False

    def readiness(self, spec: Mapping[str, Any]) -> ReadinessSource:
        from components.readiness import HttpHealth

        return HttpHealth(spec["url"], spec.get("headers") or {})
