"""The provider registry: config name -> the module that implements it. Adding a provider = one line here.

A module is imported only when its provider is used (a preview loads the stack's provider alone). Its config
section is named after the module (`tgi-fleet:salad.*` for both `local` and `salad`).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from components.errors import UserError, unknown_name

if TYPE_CHECKING:
    from components.providers.base import Provider
    from components.readiness import ReadinessSource

PROVIDERS: dict[str, str] = {
    "local": "components.providers.salad",  # the local SaladCloud emulator speaks the same API
    "salad": "components.providers.salad",
    "kubernetes": "components.providers.kubernetes",
    "docker": "components.providers.docker",
    "dstack": "components.providers.dstack",
    "baseten": "components.providers.baseten",
}


class UnknownProviderError(UserError, ValueError):
    """A provider name that is not registered; the message lists those that are."""


def names() -> list[str]:
    """Every registered provider name."""
    return list(PROVIDERS)


def sections() -> dict[str, str]:
    """Config section name -> module, one per module."""
    return {module.rsplit(".", 1)[1]: module for module in PROVIDERS.values()}


def section_of(name: str) -> str:
    """The config section (`tgi-fleet:<section>.*`) of a registered provider."""
    return _module(name).rsplit(".", 1)[1]


def unknown_message(name: object) -> str:
    """'provider X is not registered' with the registered names and the closest one."""
    return unknown_name("provider", name, names())


def _module(name: str) -> str:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise UnknownProviderError(f"tgi-fleet:provider: {unknown_message(name)}.") from None


def provider(name: str) -> Provider[Any]:
    """The provider object of a registered name (its module is imported now, once)."""
    found: Provider[Any] = importlib.import_module(_module(name)).PROVIDER
    return found


def readiness_source(spec: Mapping[str, Any]) -> ReadinessSource:
    """The source a provider described in its component's `readiness` output (the smoke resource's input)."""
    return provider(spec["provider"]).readiness(spec)
