"""What each truss accelerator Baseten rents has: GPU memory per GPU (GiB, as the vendor sells it) and GPU counts.

The names are truss's own (truss 0.18, truss/base/truss_config.py, Accelerator), written `NAME` or `NAME:COUNT`
in `resources.accelerator`; the memory is NVIDIA's per-GPU figure for the part Baseten names (truss's `A100` is
the 80 GB part, `A100_40GB` and `H100_40GB` the 40 GB ones; docs.baseten.co instance types). The emulator's own
table: it never reads tgi-fleet's GPU catalog, so a wrong row there cannot hide here.
"""

from __future__ import annotations

GIB = 1024**3
MEMORY_GIB = {"T4": 16, "V100": 16, "A10G": 24, "L4": 24, "L40S": 48, "A100_40GB": 40, "A100": 80,
              "H100_40GB": 40, "H100": 80, "H200": 141}
COUNTS = (1, 2, 4, 8)  # GPUs per instance type


def gpus_of(accelerator: str) -> tuple[int, int] | None:
    """(memory per GPU in bytes, GPU count) of a `resources.accelerator` value; None when Baseten has no such one."""
    name, _, count = accelerator.partition(":")
    n = int(count) if count.isdigit() else (1 if not count else 0)
    if name not in MEMORY_GIB or n not in COUNTS:
        return None
    return MEMORY_GIB[name] * GIB, n
