"""Baseten: TGI, TensorRT-LLM, vLLM or SGLang as a truss pushed through Baseten's management API.

Light on purpose: a preview imports this package; the SDK, httpx and boto3 load only inside create/update.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from components.providers.base import BuildContext, Provider
from components.providers.baseten.settings import BasetenSettings
from components.sizing.recommend import StartupRule

if TYPE_CHECKING:
    from components.readiness import ReadinessSource
    from components.service import TgiService

API_KEY = "baseten_api_key"


class BasetenProvider(Provider[BasetenSettings]):
    """Baseten's managed GPUs: a model whose production deployment serves the truss, priced per GPU-minute."""

    settings_model = BasetenSettings
    secret_keys = (API_KEY,)
    # Baseten's default startup threshold is 30 minutes (Baseten's health-check docs, as gathered in
    # shared/notes/real-artifacts.md; truss's HealthChecks says "Defaults to platform-determined value when
    # not set"): the truss's own startup_threshold_seconds is never shorter.
    startup = StartupRule(floor_s=30 * 60)
    # TGI inside a truss (its model class), Baseten's TensorRT-LLM builder (truss.py's TRUSS_BUILDERS), or an
    # engine that is its own OpenAI server (Engine.openai_server: vLLM, SGLang) as a `docker_server` truss.
    engines = ("tgi", "trt-llm", "vllm", "sglang")

    def catalog(self, settings: BasetenSettings) -> str:
        return "baseten"

    def build(self, name: str, ctx: BuildContext[BasetenSettings]) -> TgiService:
        from components.providers.baseten.component import BasetenService, server_of

        return BasetenService(name, ctx, server=server_of(ctx.cfg, ctx.plan))

    def readiness(self, spec: Mapping[str, Any]) -> ReadinessSource:
        from components.providers.baseten.client import client_from
        from components.providers.baseten.readiness import BasetenReplicas

        # One query per poll: the readiness wait paces, backs off and gives up on a dead API itself.
        return BasetenReplicas(client_from(spec["api"], spec["api_key"], max_attempts=1), spec["model_id"])

    def stop(self, spec: Mapping[str, Any]) -> str | None:
        """Deactivate the model's production deployment (an inactive deployment runs no replica)."""
        from components.providers.baseten.client import client_from

        client = client_from(spec["api"], spec["api_key"])
        deployment = client.get_deployment(spec["model_id"], "production")
        if deployment is None:
            return f"Baseten model {spec['model_id']} has no production deployment left to stop"
        client.deactivate(spec["model_id"], deployment.id)
        return (f"Baseten deployment {deployment.id} of model {spec['model_id']} deactivated (no replicas run); "
                f"activate it again in Baseten's UI or API, or change the truss for a new deployment")


PROVIDER = BasetenProvider()
