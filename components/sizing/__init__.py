"""VRAM sizing and serving-limit recommendation for TGI (pure functions; also a CLI: python -m components.sizing)."""

from components.sizing.memory import MemoryEstimate, estimate_memory
from components.sizing.recommend import Plan, PlanInputs, ProviderQuote, SizingError, recommend

__all__ = [
    "MemoryEstimate",
    "Plan",
    "PlanInputs",
    "ProviderQuote",
    "SizingError",
    "estimate_memory",
    "recommend",
]
