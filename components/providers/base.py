"""The one interface every provider module implements, and what the program hands it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from components.config import FleetConfig, Settings
from components.contract import ServiceContract
from components.engines.base import Engine
from components.engines.registry import engine
from components.secrets import ResolvedSecrets, hf_token, require
from components.sizing.recommend import Plan, StartupRule
from components.tgi import service_contract

if TYPE_CHECKING:
    from components.readiness import ReadinessSource
    from components.service import TgiService
    from components.sizing.recommend import LiveOffers

S = TypeVar("S", bound=Settings)


@dataclass(frozen=True)
class BuildContext(Generic[S]):
    """What a provider builds from: itself, the validated config, its own section, the sizing plan and the secrets."""

    provider: Provider[S]
    cfg: FleetConfig
    settings: S
    plan: Plan
    secrets: ResolvedSecrets

    @property
    def engine(self) -> Engine:
        """The stack's engine (tgi-fleet:engine): what the provider puts in the container."""
        return engine(self.cfg.engine)

    def contract(self, *, plain_env: dict[str, str], secret_env: list[str], shm: int | None = None,
                 gateway_auth: bool | None = None, node_type: str | None = None, cpu_request_m: int | None = None,
                 memory_request_mib: int | None = None) -> ServiceContract:
        """The TgiService inputs the policy pack checks, with the env (and node requests) the provider deploys."""
        return service_contract(self.cfg, self.plan, plain_env=plain_env, secret_env=secret_env, shm=shm,
                                gateway_auth=gateway_auth, interruptible=self.provider.interruptible(self.settings),
                                log_destination=self.provider.log_destination(self.settings), node_type=node_type,
                                cpu_request_m=cpu_request_m, memory_request_mib=memory_request_mib)


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
    # The engines (tgi-fleet:engine, components/engines/) it can run; the stack loader refuses any other.
    engines: ClassVar[tuple[str, ...]] = ("tgi", "vllm", "sglang")

    def engine_problem(self, name: str, engine: str) -> str | None:
        """Why this provider cannot run `engine` (a line naming the key and the fix), or None when it can."""
        if engine in self.engines:
            return None
        return (f"tgi-fleet:engine = {engine!r}: the {name} provider cannot run it. Fix: set tgi-fleet:engine to "
                f"one of {', '.join(self.engines)}, or pick a provider that runs {engine} (docs/engines.md).")

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
        return {key: require(cfg, key) for key in self.secret_keys}

    def secrets(self, cfg: FleetConfig) -> ResolvedSecrets:
        """Every secret of the stack, read once from its source, before anything is built.

        Render mode writes plain-text files and never their secrets: nothing is read (nor required) then.
        """
        settings: Any = cfg.settings  # the stack loader validated it with this provider's settings_model
        if self.renders_only(settings):
            return ResolvedSecrets()
        return ResolvedSecrets(hf_token=hf_token(cfg), api_key=cfg.api_key,
                               provider=self.resolve_secrets(cfg, settings))

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
