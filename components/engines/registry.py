"""The engine registry: config name (tgi-fleet:engine) -> the module that implements it. Adding an engine = one
module in components/engines/ and one line here.

A module is imported only when its engine is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from components.errors import UserError, unknown_name

if TYPE_CHECKING:
    from components.engines.base import Engine


class UnknownEngineError(UserError, ValueError):
    """An engine name that is not registered; the message lists those that are."""


ENGINES: dict[str, str] = {
    "tgi": "components.engines.tgi",
    "vllm": "components.engines.vllm",
    "sglang": "components.engines.sglang",
    "trt-llm": "components.engines.trtllm",
}


def names() -> list[str]:
    """Every registered engine name."""
    return list(ENGINES)


def unknown_message(name: object) -> str:
    """'unknown engine X' with the registered names and the closest one."""
    return unknown_name("engine", name, names())


def engine(name: str) -> Engine:
    """The engine object of a registered name (its module is imported now, once)."""
    try:
        module = ENGINES[name]
    except KeyError:
        raise UnknownEngineError(f"tgi-fleet:engine: {unknown_message(name)}.") from None
    found: Engine = importlib.import_module(module).ENGINE
    return found
