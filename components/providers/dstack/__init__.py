"""dstack: TGI as a dstack service, applied through a dstack server's API (self-hosted or dstack Sky).

Light on purpose: a preview imports this and settings.py; the component (component.py), dstack's client and
models load inside `build`, the dynamic provider's methods and `readiness`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from components.providers.base import BuildContext, Provider
from components.providers.dstack.settings import DstackSettings
from components.sizing.recommend import SINGLE_CONNECTION_HUB_MB_S, StartupRule

if TYPE_CHECKING:
    from components.readiness import ReadinessSource
    from components.service import TgiService
    from components.sizing.recommend import LiveOffers

TOKEN_KEY = "dstack_token"


class DstackProvider(Provider[DstackSettings]):
    """dstack rents from its backends and fleets; prices follow the backend it picks (gpus.yaml's dstack rows)."""

    settings_model = DstackSettings
    secret_keys = (TOKEN_KEY,)
    # dstack's cloud VMs pull from the Hub at the single-connection rate (recommend.py). dstack's probes only gate
    # readiness (ProbeConfig: ready_after, until_ready; no failure threshold kills a replica), so the rate sets the
    # readiness wait and there is no platform floor or ceiling.
    startup = StartupRule(download_mb_s=SINGLE_CONNECTION_HUB_MB_S)

    def catalog(self, settings: DstackSettings) -> str:
        return "dstack"

    def interruptible(self, settings: DstackSettings) -> bool:
        return settings.spot_policy != "on-demand"  # dstack may place it on spot instances, which can be reclaimed

    def renders_only(self, settings: DstackSettings) -> bool:
        return settings.render_dir is not None

    def live_offers(self, ctx: BuildContext[DstackSettings]) -> LiveOffers | None:
        """The server's own offers (its backends and fleets, at their prices) for the run this stack applies."""
        if self.renders_only(ctx.settings):
            return None
        from components.providers.dstack.component import service_conf
        from components.providers.dstack.offers import live_offers

        return live_offers(ctx, service_conf(ctx)[0], ctx.secrets.provider[TOKEN_KEY])

    def build(self, name: str, ctx: BuildContext[DstackSettings]) -> TgiService:
        from components.providers.dstack.component import DstackService

        return DstackService(name, ctx)

    def readiness(self, spec: Mapping[str, Any]) -> ReadinessSource:
        from components.providers.dstack.readiness import readiness_from

        return readiness_from(dict(spec))

    def stop(self, spec: Mapping[str, Any]) -> str | None:
        """Stop the dstack run (its instances are released); the next `pulumi up` applies it again."""
        from components.providers.dstack.client import api_from

        api_from(dict(spec), spec["token"]).stop(spec["run"])
        # A plain `up` sees a stopped run live and applies it again (DstackRunProvider.diff): no --refresh needed.
        return f"dstack run {spec['run']!r} stopped; the next `pulumi up` applies it again"


PROVIDER = DstackProvider()
