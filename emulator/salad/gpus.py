"""The GPU classes the emulated SaladCloud offers (data/gpu-classes.json, a real API answer), and their VRAM."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

GPU_CLASSES = Path(__file__).with_name("data") / "gpu-classes.json"
_VRAM = re.compile(r"\((\d+)\s*GB", re.IGNORECASE)


def vram_of(class_name: str) -> int | None:
    """The VRAM in a GPU class name such as 'RTX 4090 (24 GB)' (the API has no VRAM field)."""
    m = _VRAM.search(class_name)
    return int(m.group(1)) * 1024**3 if m else None


class GpuClasses:
    """The catalog, by id."""

    def __init__(self, path: Path = GPU_CLASSES) -> None:
        self.items: list[dict[str, Any]] = json.loads(path.read_text())["items"]
        self.names: dict[str, str] = {c["id"]: c["name"] for c in self.items}

    def vram(self, class_id: str | None) -> int | None:
        """The VRAM of a class id, read from its name; None for no GPU or an unknown class."""
        return vram_of(self.names.get(class_id, "")) if class_id else None
