"""A provider that exists only in tests: proof that a provider is one module plus one registry line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pydantic import Field

from components.config import Settings
from components.providers.base import BuildContext, Provider
from components.readiness import ReadyCount
from components.service import ServiceOutputs, TgiService
from components.tgi import launcher_env


class ThrowawaySettings(Settings):
    """`tgi-fleet:throwaway.*`."""

    region: str = Field("nowhere", description="where the boxes run")


class ThrowawayService(TgiService):
    """One box per replica."""

    def __init__(self, name: str, ctx: BuildContext[ThrowawaySettings]) -> None:
        env = launcher_env(ctx.cfg, ctx.plan)
        super().__init__(name, ctx.contract(plain_env=env, secret_env=[]))
        box = pulumi.CustomResource("throwaway:index:Box", f"{name}-box",
                                    {"region": ctx.settings.region, "env": env, "status": None},
                                    opts=self.child_opts)
        self.finish(ServiceOutputs(
            endpoint=pulumi.Output.from_input(f"https://{name}.{ctx.settings.region}.example"),
            headers=pulumi.Output.secret({}),
            readiness=pulumi.Output.secret({"boxes": ctx.cfg.replicas}),
            trigger=box.id.apply(lambda i: f"{name}-{i}"),
            status=pulumi.Output.from_input("boxed"),
            extras={"region": ctx.settings.region},
        ))


class ReadyBoxes:
    """Every box is ready at once."""

    def __init__(self, boxes: int) -> None:
        self.boxes = boxes

    def count(self) -> ReadyCount:
        return ReadyCount(self.boxes, self.boxes, f"{self.boxes} boxes")


class ThrowawayProvider(Provider[ThrowawaySettings]):
    """Boxes in nowhere, priced like Baseten (to show the catalog key is the provider's)."""

    settings_model = ThrowawaySettings
    secret_keys = ("throwaway_key",)

    def catalog(self, settings: ThrowawaySettings) -> str:
        return "baseten"

    def build(self, name: str, ctx: BuildContext[ThrowawaySettings]) -> TgiService:
        return ThrowawayService(name, ctx)

    def readiness(self, spec: Mapping[str, Any]) -> ReadyBoxes:
        return ReadyBoxes(int(spec["boxes"]))


PROVIDER = ThrowawayProvider()
