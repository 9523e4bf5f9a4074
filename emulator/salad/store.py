"""The emulated SaladCloud's documents: container groups and their instances, and the file they persist to.

What matters to `pulumi refresh` (the groups) is saved as JSON after every change, so it survives an emulator
restart; instances are not saved: they are re-allocated on restart, as SaladCloud re-allocates nodes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from emulator.statefile import save_json
from emulator.supervisor import ReplicaProcess

# The parts of a name that make its value a credential: HF_TOKEN, API_KEY, logging's api_token, ingestion_key,
# password, registry auth's secret_access_key. Split on _ - . so MAX_TOTAL_TOKENS (a limit) is not one.
SECRET_PARTS = frozenset({"token", "key", "secret", "password", "passphrase", "credential", "credentials",
                          "authorization"})
REDACTED = "<redacted: kept in the emulator's memory only>"


def is_secret_name(name: str) -> bool:
    """Whether a field or environment variable of this name holds a credential."""
    return any(part in SECRET_PARTS for part in re.split(r"[_\-.]", name.lower()))


def redacted(value: Any) -> Any:
    """A copy of a document with every credential's value replaced: what may be written to disk."""
    if isinstance(value, dict):
        out = {k: REDACTED if isinstance(v, str) and is_secret_name(str(k)) else redacted(v)
               for k, v in value.items()}
        if isinstance(out.get("name"), str) and isinstance(out.get("value"), str) and is_secret_name(out["name"]):
            out["value"] = REDACTED  # a {name, value} pair: an HTTP log destination's header, e.g. X-Ingest-Token
        return out
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def now_iso() -> str:
    """An RFC 3339 timestamp, as the API returns them."""
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Node:
    """The machine an instance was allocated: what it offers, as much as the group asked for when it was picked."""

    gpu_class: str | None
    cpu: int
    memory: int
    storage_amount: int
    shm_size: int
    country: str
    download_mb_s: float | None = None  # its Hub download rate, drawn per node (emulator/salad/nodes.py); None: cached

    def fits(self, doc: dict[str, Any]) -> bool:
        """Whether this node still satisfies the group's resources and countries."""
        res = doc["container"]["resources"]
        classes = res.get("gpu_classes") or []
        countries = doc.get("country_codes") or []
        return (res["cpu"] <= self.cpu and res["memory"] <= self.memory
                and res.get("storage_amount", 0) <= self.storage_amount and res.get("shm_size", 0) <= self.shm_size
                and (not classes or self.gpu_class in classes) and (not countries or self.country in countries))


@dataclass
class Instance:
    """One replica: the API's ContainerGroupInstance fields plus its process and probe state."""

    id: str
    machine_id: str
    version: int
    state: str = "allocating"
    ready: bool = False
    started: bool = False
    pulling_progress: int = 0
    deletion_cost: int = 0
    update_time: str = field(default_factory=now_iso)
    phase_until: float = 0.0
    process: ReplicaProcess | None = None
    probe_next: dict[str, float] = field(default_factory=dict)
    probe_ok: dict[str, int] = field(default_factory=dict)
    probe_fail: dict[str, int] = field(default_factory=dict)
    probing: set[str] = field(default_factory=set)
    connections: int = 0
    node: Node | None = None
    gpu_vram_bytes: int | None = None
    ready_at: float | None = None  # wall clock when the readiness probe last turned it ready (benchmarks)
    last_error: str = ""  # the container's last stderr line: why it exited, as its log would show

    @property
    def port(self) -> int | None:
        """The loopback port its container listens on, while it has one."""
        return self.process.port if self.process is not None else None

    def api(self) -> dict[str, Any]:
        """The ContainerGroupInstance JSON."""
        out: dict[str, Any] = {
            "id": self.id, "machine_id": self.machine_id, "state": self.state, "update_time": self.update_time,
            "version": self.version, "ready": self.ready, "started": self.started,
            "deletion_cost": self.deletion_cost,
        }
        if self.state == "downloading":
            out["pulling_progress"] = self.pulling_progress
        return out

    def set_state(self, state: str) -> None:
        self.state, self.update_time = state, now_iso()


@dataclass
class Group:
    """A container group: its API document and its instances."""

    org: str
    project: str
    doc: dict[str, Any]
    instances: list[Instance] = field(default_factory=list)
    deleting: bool = False
    rr: int = 0
    allocations: int = 0  # nodes picked so far: spreads instances over the group's GPU classes and countries
    system_logs: list[dict[str, Any]] = field(default_factory=list)  # GET .../system-logs, newest last
    first_request_at: float | None = None  # wall clock of the gateway's first proxied request (benchmarks)

    @property
    def name(self) -> str:
        return str(self.doc["name"])

    @property
    def key(self) -> tuple[str, str, str]:
        return self.org, self.project, self.name

    def log_event(self, event: str, inst: Instance, gpu_class_name: str = "") -> None:
        """Record a system-log event of one instance (SaladCloud's SystemLog; at most 1,000 are kept)."""
        res = self.doc["container"]["resources"]

        def within(value: int, low: int, high: int) -> int | None:
            return value if low <= value <= high else None  # the spec's ranges; outside them the API says null

        self.system_logs.append({
            "event_name": event[:255], "event_time": now_iso(), "instance_id": inst.id,
            "machine_id": inst.machine_id, "resource_cpu": within(res["cpu"], 1, 16),
            "resource_gpu_class": gpu_class_name, "resource_memory": within(res["memory"], 1024, 61440),
            "resource_storage_amount": within(res.get("storage_amount", 0), 2**30, 268435456000),
            "version": str(inst.version)})
        del self.system_logs[:-1000]

    def api(self) -> dict[str, Any]:
        """The ContainerGroup JSON with live state counts."""
        counts = {"allocating_count": 0, "creating_count": 0, "running_count": 0, "stopping_count": 0}
        for inst in self.instances:
            key = {"downloading": "creating_count"}.get(inst.state, f"{inst.state}_count")
            if key in counts:
                counts[key] += 1
        self.doc["current_state"]["instance_status_counts"] = counts
        return self.doc


class Store:
    """Every group, keyed by (organization, project, name), and the JSON file they persist to (or none)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.groups: dict[tuple[str, str, str], Group] = {}
        self._load()

    def _load(self) -> None:
        if not self.path or not self.path.exists():
            return
        for g in json.loads(self.path.read_text()).get("groups", []):
            group = Group(g["org"], g["project"], g["doc"])
            if group.doc["current_state"]["status"] in ("running", "deploying"):
                group.doc["current_state"]["status"] = "deploying"  # nodes are re-allocated after a restart
            self.groups[group.key] = group

    def save(self) -> None:
        """Write the groups to the state file (atomic rename)."""
        if not self.path:
            return
        # Credentials (the HF token in the env, a log destination's token) stay in memory: the file is plain
        # text in the working tree. After a restart a group serves without them until an update sends them.
        save_json(self.path, {"groups": [{"org": g.org, "project": g.project, "doc": redacted(g.doc)}
                                         for g in self.live()]})

    def live(self) -> list[Group]:
        """The groups that are not being deleted."""
        return [g for g in self.groups.values() if not g.deleting]
