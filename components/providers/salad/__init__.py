"""SaladCloud (and the local emulator, which speaks the same API): a container group behind the container gateway.

Light on purpose: a preview imports this package; the generated API models and httpx load only where they are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from components.providers.base import BuildContext, Provider
from components.providers.salad.log_shipping import SECRET_KEY as LOG_SECRET
from components.providers.salad.log_shipping import destination, needs_secret
from components.providers.salad.settings import SaladSettings
from components.sizing.recommend import StartupRule

if TYPE_CHECKING:
    from components.config import FleetConfig
    from components.readiness import ReadinessSource
    from components.service import TgiService

API_KEY = "salad_api_key"


class SaladProvider(Provider[SaladSettings]):
    """SaladCloud's public API: interruptible consumer GPUs priced per class."""

    settings_model = SaladSettings
    secret_keys = (API_KEY, LOG_SECRET)
    # SaladCloud's nodes are home PCs. SaladCloud's own figure: of 100 instances pulling a 5.5 GB image, half
    # were online after 10 minutes, 90% after 40 (as gathered in shared/notes/real-artifacts.md): the probe
    # allows for the 90th-percentile node, 5,500 MB / 2,400 s ~ 2.3 MB/s, the update's wait for the median
    # node, 5,500 MB / 600 s ~ 9 MB/s. The startup probe can express at most initial_delay 1200 s +
    # failure_threshold 20 x period 120 s (the API's limits, components/providers/salad/body.py), but an initial
    # delay holds back every replica, the fast ones too: the budget stops at the 2,400 s it covers without one.
    startup = StartupRule(download_mb_s=9.0, slow_download_mb_s=2.3, ceiling_s=20 * 120)

    def catalog(self, settings: SaladSettings) -> str:
        return "salad"

    def interruptible(self, settings: SaladSettings) -> bool:
        return True  # consumer GPUs: a node's owner can take it back at any time

    def log_destination(self, settings: SaladSettings) -> str | None:
        # SaladCloud's portal keeps a short window of logs only: production wants a destination of its own.
        return destination(settings.logging) if settings.logging else None

    def resolve_secrets(self, cfg: FleetConfig, settings: SaladSettings) -> dict[str, str]:
        from components.secrets import aws_secret, require

        def one(key: str, aws_id: str | None, required: bool) -> dict[str, str]:
            if aws_id:
                return {key: aws_secret(cfg, aws_id, key)}
            if required or cfg.provider_secrets.get(key):
                return {key: require(cfg, key)}
            return {}

        return {**one(API_KEY, settings.api_key_aws_secret_id, True),
                **one(LOG_SECRET, settings.log_secret_aws_secret_id, needs_secret(settings.logging))}

    def build(self, name: str, ctx: BuildContext[SaladSettings]) -> TgiService:
        from components.providers.salad.component import SaladService

        return SaladService(name, ctx)

    def readiness(self, spec: Mapping[str, Any]) -> ReadinessSource:
        from components.providers.salad.client import client_from
        from components.providers.salad.readiness import SaladInstances

        # One query per poll: the readiness wait paces and backs off itself (the API's rate limit is per key).
        return SaladInstances(client_from(spec["api"], spec["api_key"], max_attempts=1), spec["group"],
                              int(spec["version"]))

    def stop(self, spec: Mapping[str, Any]) -> str | None:
        """Stop the container group (a stopped group keeps no instance); `pulumi up` starts it again."""
        from components.providers.salad.client import client_from

        # contracts/salad/salad-cloud.yaml: POST .../containers/{container_group_name}/stop (202).
        client_from(spec["api"], spec["api_key"]).stop_group(spec["group"])
        return (f"SaladCloud container group {spec['group']!r} stopped (its instances are released); the next "
                f"`pulumi up` starts it again")


PROVIDER = SaladProvider()
