"""Pulumi mocks for program tests: the real SDKs record what a provider's component registers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import pulumi
from pulumi.runtime import rpc

from components.config import FleetConfig
from components.plan import build_plan
from components.providers import registry
from components.providers.base import BuildContext
from components.service import TgiService
from components.stack import parse_config

T = TypeVar("T")


class Recorder(pulumi.runtime.Mocks):
    """Records every registered resource: (type, name, inputs); outputs echo the inputs plus `extra` by type."""

    def __init__(self, extra: dict[str, dict[str, Any]] | None = None) -> None:
        self.resources: list[tuple[str, str, dict[str, Any]]] = []
        self.extra = extra or {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.resources.append((args.typ, args.name, dict(args.inputs)))
        outputs = {k: unwrap(v) for k, v in args.inputs.items()}
        outputs.update(self.extra.get(args.typ, {}))
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    def of_type(self, typ: str) -> list[dict[str, Any]]:
        """Inputs of every recorded resource of one type."""
        return [inputs for t, _, inputs in self.resources if t == typ]


def is_secret(value: Any) -> bool:
    """A value the engine got as a secret (wrapped in Pulumi's secret signature)."""
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def unwrap(value: Any) -> Any:
    return value["value"] if is_secret(value) else value


def raw_config(base: dict[str, Any], secrets: dict[str, str] | None = None) -> dict[str, str]:
    """The flat {'tgi-fleet:key': value} map Pulumi hands the program: non-strings JSON-encoded, then `secrets`."""
    raw = {f"tgi-fleet:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in base.items()}
    raw |= {f"tgi-fleet:{k}": v for k, v in (secrets or {}).items()}
    return raw


def stack_config(base: dict[str, Any], secret_values: dict[str, str], /, **overrides: Any) -> FleetConfig:
    """A FleetConfig as the program parses it: `base` + overrides as plain keys, `secret_values` as Pulumi secrets."""
    raw = raw_config({**base, **overrides}, secret_values)
    return parse_config(raw, frozenset(f"tgi-fleet:{k}" for k in secret_values))


def build_service(cfg: FleetConfig) -> TgiService:
    """What deploy() does up to the provider's component: secrets once, the plan, the registered provider."""
    provider = registry.provider(cfg.provider)
    secrets = provider.secrets(cfg)
    plan = build_plan(cfg, provider.catalog(cfg.settings), hf_token=secrets.hf_token)
    ctx = BuildContext(provider=provider, cfg=cfg, settings=cfg.settings, plan=plan, secrets=secrets)
    return provider.build(cfg.name, ctx)


def set_stack_config(base: dict[str, Any], secrets: dict[str, str]) -> None:
    """Hand the running program (under mocks) a stack's config, as the engine does."""
    pulumi.runtime.set_all_config(raw_config(base, secrets), [f"tgi-fleet:{k}" for k in secrets])


def settle(program: Callable[[], T]) -> T:
    """Run `program` under the mocks and return once every resource is registered and every output resolved."""
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    result: list[T] = []
    _sync_await(run_pulumi_func(lambda: result.append(program())))
    return result[0]


def value_of(output: pulumi.Input[Any]) -> Any:
    """An output's value; call after settle()."""
    from pulumi.runtime.sync_await import _sync_await

    return _sync_await(pulumi.Output.from_input(output).future())
