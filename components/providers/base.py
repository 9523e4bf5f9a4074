"""The one interface every provider module implements, and what the program hands it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from components.sizing.recommend import StartupRule

if TYPE_CHECKING:
    from components.config import FleetConfig
    from components.service import TgiService
    from components.sizing.recommend import LiveOffers, Plan
    from components.smoke.readiness import ReadinessSource


class Settings(BaseModel):
    """Base of a provider's config section (`tgi-fleet:<section>.*`): unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


S = TypeVar("S", bound=Settings)


@dataclass(frozen=True)
class Secrets:
    """Every secret the stack needs, resolved once (config, env or AWS Secrets Manager) before anything is built."""

    hf_token: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)  # TGI's own bearer token, where no gateway gives auth
    provider: Mapping[str, str] = field(default_factory=dict, repr=False)  # the provider's own keys, by config key


@dataclass(frozen=True)
class BuildContext(Generic[S]):
    """What a provider builds from: the validated config, its own section, the sizing plan and the secrets."""

    cfg: FleetConfig
    settings: S
    plan: Plan
    secrets: Secrets


class Provider(Generic[S]):
    """A deploy target. Subclasses set the class attributes and implement `build` and `readiness`.

    Provider modules are imported only for the stack's provider (see registry.py): heavy SDK imports belong
    inside `build`, so a preview of one provider never loads another's.
    """

    settings_model: ClassVar[type[Settings]] = Settings
    secret_keys: ClassVar[tuple[str, ...]] = ()  # top-level Pulumi secret config keys this provider reads
    counts_replicas: ClassVar[bool] = True  # its readiness source counts replicas (not one endpoint's health)
    plugins: ClassVar[tuple[str, ...]] = ()  # Pulumi resource plugins its resources need (setup installs them)
    # Its nodes' download rate and its probes' default and limit, which the startup budget respects (with sources).
    startup: ClassVar[StartupRule] = StartupRule()

    def catalog(self, settings: S) -> str | None:
        """Its key in components/catalog/gpus.yaml for prices and classes; None when it has no price list."""
        return None

    def interruptible(self, settings: S) -> bool:
        """Whether its nodes can be taken away at any time (consumer GPUs, spot instances)."""
        return False

    def log_destination(self, settings: S) -> str | None:
        """Where the container's logs are shipped; by default the platform's own log store keeps them."""
        return "platform"

    def renders_only(self, settings: S) -> bool:
        """True when this stack writes files instead of deploying (no GPU is rented)."""
        return False

    def resolve_secrets(self, cfg: FleetConfig, settings: S) -> dict[str, str]:
        """The provider's own secrets; by default its secret config keys, each required."""
        from components.secrets import require

        return {key: require(cfg, key) for key in self.secret_keys}

    def live_offers(self, ctx: BuildContext[S]) -> LiveOffers | None:
        """The provider's own current offers for the plan (its API quotes prices); None where it has no such API.

        Called in preview and up before the cost table is printed; the catalog's prices stay where this is None.
        """
        return None

    def build(self, name: str, ctx: BuildContext[S]) -> TgiService:
        """The provider's TgiService, with every resource a child of it."""
        raise NotImplementedError

    def readiness(self, spec: Mapping[str, Any]) -> ReadinessSource:
        """A ready-replica counter from the plain description the component put in its `readiness` output."""
        raise NotImplementedError

    def stop(self, spec: Mapping[str, Any]) -> str | None:
        """Stop (or scale to zero) the deployment a readiness spec describes, so it stops billing; what it did.

        The smoke stage calls it after a failed smoke test when `tgi-fleet:smoke.on_failure` is `stop`. None (the
        default) means this provider cannot stop it from there; the failure message then says it still runs.
        """
        return None
