"""GKE node types and their allocatable CPU and memory (nodes.yaml), and whether a pod's requests fit one."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

_DATA = Path(__file__).with_name("nodes.yaml")
MIB_PER_GIB = 1024


class NodeType(BaseModel):
    """One machine type: its capacity and what GKE leaves to pods."""

    model_config = ConfigDict(frozen=True)
    name: str
    vcpus: int
    memory_mib: int
    allocatable_cpu_m: int
    allocatable_memory_mib: int


def _tiered(amount: float, tiers: list[list[float | None]]) -> float:
    """The reserved share of `amount` under [upper bound, fraction] tiers (the last bound is None: no limit)."""
    reserved, lower = 0.0, 0.0
    for upper, fraction in tiers:
        assert fraction is not None
        top = amount if upper is None else min(amount, upper)
        if top > lower:
            reserved += (top - lower) * fraction
        if upper is None or amount <= upper:
            break
        lower = upper
    return reserved


@cache
def node_types(path: Path = _DATA) -> dict[str, NodeType]:
    """Every machine type in nodes.yaml with its allocatable, by name (cached)."""
    raw = yaml.safe_load(path.read_text())
    res = raw["reservations"]
    out = {}
    for name, spec in raw["machine_types"].items():
        vcpus, memory_mib = int(spec["vcpus"]), int(spec["memory_mib"])
        cpu_reserved_m = math.ceil(_tiered(vcpus, res["cpu_tiers"]) * 1000)
        mem_reserved_mib = math.ceil(_tiered(memory_mib / MIB_PER_GIB, res["memory_tiers_gib"]) * MIB_PER_GIB)
        out[name] = NodeType(name=name, vcpus=vcpus, memory_mib=memory_mib,
                             allocatable_cpu_m=vcpus * 1000 - cpu_reserved_m,
                             allocatable_memory_mib=memory_mib - mem_reserved_mib - int(res["eviction_mib"]))
    return out


def node_type(offering: str) -> NodeType | None:
    """The machine type behind a GCP offering name ('g2-standard-8', 'n1-standard-4+t4'); None when unknown."""
    return node_types().get(offering.split("+", 1)[0])


def request_problems(offering: str, cpu_m: int | None, memory_mib: int | None) -> list[str]:
    """Why a pod requesting cpu_m millicores and memory_mib MiB never schedules on the offering's node (empty:
    it fits, or the node type is unknown); each names the config key and the fix."""
    node = node_type(offering)
    if node is None:
        return []
    problems = []
    if cpu_m is not None and cpu_m > node.allocatable_cpu_m:
        problems.append(
            f"tgi-fleet:resources.cpu requests {cpu_m / 1000:g} vCPU, but a {node.name} node leaves pods only "
            f"{node.allocatable_cpu_m}m after GKE's reservations (and GKE's DaemonSets take part of that): the pod "
            f"stays Pending. Fix: remove resources.cpu (the pod then requests only its GPUs, as Google's example "
            f"does) or set it well below {node.allocatable_cpu_m}m, or pick a larger node type.")
    if memory_mib is not None and memory_mib > node.allocatable_memory_mib:
        problems.append(
            f"tgi-fleet:resources.memory_mb requests {memory_mib} MiB, but a {node.name} node leaves pods only "
            f"{node.allocatable_memory_mib} MiB after GKE's reservations and eviction threshold (and GKE's "
            f"DaemonSets take part of that): the pod stays Pending. Fix: remove resources.memory_mb (the pod then "
            f"requests only its GPUs, as Google's example does) or set it well below {node.allocatable_memory_mib}, "
            f"or pick a larger node type.")
    return problems
