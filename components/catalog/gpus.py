"""GPU catalog: chips with VRAM and compute capability, and the offerings each provider rents."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

GIB = 1024**3
_DATA = Path(__file__).with_name("gpus.yaml")
_SIZE_REQUEST = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*GB\s*$", re.IGNORECASE)


class Gpu(BaseModel):
    """One GPU chip."""

    model_config = ConfigDict(frozen=True)
    name: str
    vram_gb: float
    compute_capability: float

    @property
    def vram_bytes(self) -> int:
        return int(self.vram_gb * GIB)


class Offering(BaseModel):
    """What a provider rents: a node with `count` GPUs of one chip, at a node-hour price."""

    model_config = ConfigDict(frozen=True)
    provider: str
    name: str
    gpu: Gpu
    count: int = Field(ge=1)
    price_per_hour: float | None = None
    interruptible: bool = False
    gke_accelerator: str | None = None
    # A chip-name request (gpu.name) is priced from the catalog row it would rent: that row's node type
    # (e.g. g2-standard-8). Catalog rows are their own node type (None here: use `name`).
    node_type: str | None = None


class GpuCatalog(BaseModel):
    """All chips and offerings, with the lookups the sizing and the providers need."""

    gpus: dict[str, Gpu]
    offerings: dict[str, list[Offering]]

    def gpu(self, name: str) -> Gpu:
        """A chip by name, case- and space-insensitive; KeyError names the known chips."""
        key = _norm(name)
        for gpu in self.gpus.values():
            if _norm(gpu.name) == key:
                return gpu
        raise KeyError(f"unknown GPU {name!r}; known GPUs: {', '.join(self.gpus)}")

    def offering(self, provider: str, name: str) -> Offering:
        """A provider's offering by its own name, or by chip name when that is unambiguous."""
        options = self.offerings.get(provider, [])
        key = _norm(name)
        for offering in options:
            if _norm(offering.name) == key:
                return offering
        by_chip = [o for o in options if _norm(o.gpu.name) == key]
        if by_chip:
            return min(by_chip, key=lambda o: o.count)
        known = ", ".join(o.name for o in options) or "(none: this provider uses the GPU you name)"
        raise KeyError(f"unknown {provider} GPU class {name!r}; known classes: {known}")

    def with_min_vram(self, provider: str, vram_gb: float) -> list[Offering]:
        """Offerings whose per-GPU VRAM is at least vram_gb (dstack's '24GB' style request)."""
        return [o for o in self.offerings.get(provider, []) if o.gpu.vram_gb >= vram_gb]

    def cheapest(self, provider: str, min_vram_bytes: int, gpus: int = 1) -> Offering | None:
        """The cheapest priced offering with at least `gpus` GPUs of at least min_vram_bytes each."""
        fits = [
            o
            for o in self.offerings.get(provider, [])
            if o.price_per_hour is not None and o.count >= gpus and o.gpu.vram_bytes >= min_vram_bytes
        ]
        return min(fits, key=lambda o: (o.price_per_hour, o.count), default=None)

    def resolve_request(self, provider: str, request: str) -> list[Offering]:
        """Offerings matching a class name or a '24GB'-style size request."""
        size = _SIZE_REQUEST.match(request)
        if size:
            return self.with_min_vram(provider, float(size.group(1)))
        return [self.offering(provider, request)]


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


@cache
def load_catalog(path: Path = _DATA) -> GpuCatalog:
    """Parse gpus.yaml into a GpuCatalog (cached)."""
    # libyaml's loader parses the catalog ~10x faster than the pure-Python one; every preview pays for it.
    raw = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    gpus = {name: Gpu(name=name, **spec) for name, spec in raw["gpus"].items()}
    offerings: dict[str, list[Offering]] = {}
    for provider, rows in raw["offerings"].items():
        offerings[provider] = [
            Offering(provider=provider, **{**row, "gpu": gpus[row["gpu"]]}) for row in rows or []
        ]
    return GpuCatalog(gpus=gpus, offerings=offerings)
