"""The plan and the policy contract as deploy() makes them, for tests that start from a parsed stack config."""

from __future__ import annotations

from typing import Any

from components.config import FleetConfig
from components.contract import ServiceContract
from components.plan import build_plan
from components.providers import registry
from components.providers.base import BuildContext
from components.secrets import ResolvedSecrets
from components.sizing.recommend import Plan


def plan_for(cfg: FleetConfig, **kwargs: Any) -> Plan:
    """build_plan with the stack's provider's price list, as deploy() calls it."""
    return build_plan(cfg, registry.provider(cfg.provider).catalog(cfg.settings), **kwargs)


def contract_for(cfg: FleetConfig, plan: Plan, **kwargs: Any) -> ServiceContract:
    """The policy contract the stack's provider builds from this plan (BuildContext.contract)."""
    provider = registry.provider(cfg.provider)
    return BuildContext(provider, cfg, cfg.settings, plan, ResolvedSecrets()).contract(**kwargs)
