"""Each emulated node's download rate from the Hub, drawn from a configured distribution (seeded: reproducible).

SaladCloud's nodes are home PCs whose links differ widely: of 100 instances pulling a 5.5 GB image, half were
online after 10 minutes and 90% after 40 (SaladCloud's own figure), i.e. a median of ~9 MB/s and a slow tail where
one node in ten is slower than ~2.3 MB/s. A log-normal with that median and 10th percentile is the emulator's model:
    --node-download-mb-s "median=9.2,p10=2.3,seed=7"
(any scale: tests use a faster one so a 14.5 GB model "downloads" in seconds). Unset: no simulated download.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

Z_P10 = 1.2815515655446004  # the standard normal's 90th percentile: p10 = median * exp(-Z_P10 * sigma)


class RatesError(ValueError):
    """A --node-download-mb-s value that cannot be a distribution."""


@dataclass(frozen=True)
class DownloadRates:
    """A log-normal per-node download rate (MB/s): its median, its 10th percentile, and the draw's seed."""

    median_mb_s: float
    p10_mb_s: float
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.p10_mb_s <= self.median_mb_s:
            raise RatesError(f"need 0 < p10 <= median, got median={self.median_mb_s:g}, p10={self.p10_mb_s:g}")

    @classmethod
    def parse(cls, spec: str) -> DownloadRates:
        """From 'median=9.2,p10=2.3[,seed=7]'."""
        fields: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key, sep, value = item.partition("=")
            if not sep or key not in ("median", "p10", "seed"):
                raise RatesError(f"{item!r}: expected median=<MB/s>, p10=<MB/s> and optionally seed=<int>")
            fields[key] = value
        try:
            return cls(float(fields["median"]), float(fields["p10"]), int(fields.get("seed", "0")))
        except KeyError as exc:
            raise RatesError(f"{spec!r}: {exc.args[0]}= is missing") from None
        except ValueError as exc:
            raise RatesError(f"{spec!r}: {exc}") from None

    @property
    def sigma(self) -> float:
        return math.log(self.median_mb_s / self.p10_mb_s) / Z_P10

    def sampler(self) -> NodeRates:
        """A fresh, seeded sequence of node rates."""
        return NodeRates(self)


class NodeRates:
    """Draws one rate per allocated node, in allocation order."""

    def __init__(self, rates: DownloadRates) -> None:
        self.rates = rates
        self.rng = random.Random(rates.seed)

    def draw(self) -> float:
        return self.rng.lognormvariate(math.log(self.rates.median_mb_s), self.rates.sigma)
