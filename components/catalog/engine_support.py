"""What each engine runs on which GPU: quantization methods, dtypes and KV-cache dtypes (engine_support.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from components.catalog.gpus import Gpu

_DATA = Path(__file__).with_name("engine_support.yaml")
KINDS = ("quantize", "dtype", "kv_cache_dtype")


class Support(BaseModel):
    """One supported value: the least compute capability it needs (None: no floor) and where that is written."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    min_capability: float | None
    source: str


class EngineSupport(BaseModel):
    """One engine's table; a value missing from it is not supported."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    label: str
    quantize: dict[str, Support]
    dtype: dict[str, Support]
    kv_cache_dtype: dict[str, Support]


@cache
def load_support() -> dict[str, EngineSupport]:
    """The shipped table, by engine name (tgi-fleet:engine's values)."""
    raw = yaml.safe_load(_DATA.read_text())["engines"]
    return {name: EngineSupport.model_validate(row) for name, row in raw.items()}


@dataclass(frozen=True)
class Refusal:
    """A value the engine does not run, or not on this GPU; `supported` lists what it does run there."""

    kind: str  # quantize, dtype or kv_cache_dtype
    value: str
    label: str  # the engine, e.g. "vLLM 0.32.0"
    reason: str
    supported: tuple[str, ...]


def refusals(engine: str, gpu: Gpu, **values: str) -> list[Refusal]:
    """What of values (quantize=, dtype=, kv_cache_dtype=) the engine cannot run on the GPU."""
    table = load_support()[engine]
    found = []
    for kind, value in values.items():
        rows: dict[str, Support] = getattr(table, kind)
        usable = tuple(v for v, s in rows.items()
                       if s.min_capability is None or gpu.compute_capability >= s.min_capability)
        row = rows.get(value)
        if row is None:
            found.append(Refusal(kind, value, table.label, f"{table.label} does not support {value}", usable))
        elif row.min_capability is not None and gpu.compute_capability < row.min_capability:
            found.append(Refusal(kind, value, table.label,
                                 f"{table.label} runs {value} on compute capability >= {row.min_capability:g}; "
                                 f"{gpu.name} has {gpu.compute_capability:g} ({row.source})", usable))
    return found
