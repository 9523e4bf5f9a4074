"""The emulated SaladCloud: container groups, their instances as real replica processes, and probes.

State that matters to `pulumi refresh` (the groups) is saved to a JSON file after every change, so it survives
a restart; instances are re-allocated on restart, as SaladCloud re-allocates nodes.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from components.salad.api_models import ContainerGroup, ContainerGroupPatch, ContainerGroupPrototype
from emulator.procs import free_port

GPU_CLASSES = Path(__file__).with_name("data") / "gpu-classes.json"
_VRAM = re.compile(r"\((\d+)\s*GB", re.IGNORECASE)
SYSTEM_LOG_MAX = 50  # SystemLogList.items maxItems


def now_iso() -> str:
    """An RFC 3339 timestamp, as the API returns them."""
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Timings:
    """How long each instance phase takes (seconds); small values make tests fast."""

    allocate_s: float = 2.0
    download_s: float = 3.0
    load_s: float = 5.0
    token_ms: float = 20.0
    restart_backoff_s: float = 1.0
    delete_s: float = 0.5


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
    port: int | None = None
    process: asyncio.subprocess.Process | None = None
    probe_next: dict[str, float] = field(default_factory=dict)
    probe_ok: dict[str, int] = field(default_factory=dict)
    probe_fail: dict[str, int] = field(default_factory=dict)
    probing: set[str] = field(default_factory=set)
    connections: int = 0
    gpu_vram_bytes: int | None = None
    ready_at: float | None = None  # wall clock when the readiness probe last turned it ready (benchmarks)
    last_line: str = ""  # the container's last stderr line: the reason of its exit, as a container log shows it

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
    first_request_at: float | None = None  # wall clock of the gateway's first proxied request (benchmarks)
    events: list[dict[str, Any]] = field(default_factory=list)  # the API's system logs, newest last

    @property
    def name(self) -> str:
        return str(self.doc["name"])

    def api(self) -> dict[str, Any]:
        """The ContainerGroup JSON with live state counts."""
        counts = {"allocating_count": 0, "creating_count": 0, "running_count": 0, "stopping_count": 0}
        for inst in self.instances:
            key = {"downloading": "creating_count"}.get(inst.state, f"{inst.state}_count")
            if key in counts:
                counts[key] += 1
        self.doc["current_state"]["instance_status_counts"] = counts
        return self.doc


    def log_event(self, inst: Instance, name: str) -> None:
        """Append a SystemLog item (the API returns at most 50)."""
        res = self.doc["container"]["resources"]
        self.events.append({
            "event_name": name[:255], "event_time": now_iso(), "instance_id": inst.id, "machine_id": inst.machine_id,
            "resource_cpu": res.get("cpu"), "resource_gpu_class": ",".join(res.get("gpu_classes") or []),
            "resource_memory": res.get("memory"), "resource_storage_amount": res.get("storage_amount"),
            "version": str(inst.version),
        })
        del self.events[:-SYSTEM_LOG_MAX]


class ApiProblem(Exception):
    """An API error with the spec's ProblemDetails body."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


def vram_of(class_name: str) -> int | None:
    """The VRAM in a GPU class name such as 'RTX 4090 (24 GB)' (the API has no VRAM field)."""
    m = _VRAM.search(class_name)
    return int(m.group(1)) * 1024**3 if m else None


class Cloud:
    """All organizations' groups, the reconciler that drives instances, and persistence."""

    def __init__(self, state_path: Path | None, timings: Timings, gateway_domain: str = "salad.localhost",
                 replica_env: dict[str, str] | None = None, replica_quota: int = 20) -> None:
        self.state_path, self.t, self.domain = state_path, timings, gateway_domain
        # Every replica is a real process on this machine: the organization quota bounds them.
        self.replica_quota = replica_quota
        self.replica_env = replica_env or {}
        self.groups: dict[tuple[str, str, str], Group] = {}
        self.gpu_classes: list[dict[str, Any]] = json.loads(GPU_CLASSES.read_text())["items"]
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
        self._task: asyncio.Task[None] | None = None
        self._load()

    # -- persistence --------------------------------------------------------------------------------------
    def _load(self) -> None:
        if not self.state_path or not self.state_path.exists():
            return
        data = json.loads(self.state_path.read_text())
        for g in data.get("groups", []):
            group = Group(g["org"], g["project"], g["doc"])
            if group.doc["current_state"]["status"] in ("running", "deploying"):
                group.doc["current_state"]["status"] = "deploying"  # nodes are re-allocated after a restart
            self.groups[(group.org, group.project, group.name)] = group

    def save(self) -> None:
        """Write the groups to the state file (atomic rename)."""
        if not self.state_path:
            return
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"groups": [{"org": g.org, "project": g.project, "doc": g.doc}
                                              for g in self.groups.values() if not g.deleting]}, indent=1))
        tmp.replace(self.state_path)

    # -- API operations -----------------------------------------------------------------------------------
    def get(self, org: str, project: str, name: str) -> Group:
        """A group or a 404 problem (a name that no group can have included)."""
        group = self.groups.get((org, project, name))
        if group is None or group.deleting:
            raise ApiProblem(404, f"container group {name!r} not found in project {project!r}")
        return group

    def create(self, org: str, project: str, proto: ContainerGroupPrototype) -> Group:
        """POST containers."""
        if (org, project, proto.name) in self.groups:
            raise ApiProblem(409, f"a container group named {proto.name!r} already exists")
        self._check_quota(org, proto.replicas)
        known = {c["id"] for c in self.gpu_classes}
        unknown = [str(g) for g in proto.container.resources.gpu_classes or [] if str(g) not in known]
        if unknown:
            raise ApiProblem(400, f"unknown GPU class id(s): {unknown}")
        body = proto.model_dump(mode="json", by_alias=True, exclude_none=True)
        container = body["container"]
        priority = container.get("priority") or "high"  # SaladCloud's default when the request names none
        container["priority"] = priority
        stamp = now_iso()
        doc: dict[str, Any] = {
            **{k: v for k, v in body.items() if k != "container"},
            "id": str(uuid.uuid4()), "organization_name": org, "project_name": project,
            "display_name": body.get("display_name") or proto.name,
            "container": {
                "command": None, "environment_variables": {}, **container,
                "resources": {"gpu_classes": [], "storage_amount": 1073741824, "shm_size": 64,
                              **container["resources"]},
                "hash": "sha256:" + uuid.uuid4().hex + uuid.uuid4().hex, "size": 10_000_000_000,
            },
            "country_codes": body.get("country_codes") or [], "priority": priority,
            "pending_change": False, "version": 1, "create_time": stamp, "update_time": stamp,
            "scaling-actions": [], "scheduled-scaling-enabled": False,
            "current_state": {"status": "deploying" if proto.autostart_policy else "pending", "start_time": stamp,
                              "finish_time": stamp, "instance_status_counts": dict.fromkeys(
                                  ("allocating_count", "creating_count", "running_count", "stopping_count"), 0)},
        }
        if "networking" in body:
            label = f"{proto.name[:54].rstrip('-')}-{doc['id'][:8]}"  # a DNS label is at most 63 characters
            doc["networking"] = {**body["networking"], "dns": f"{label}.{self.domain}"}
        ContainerGroup.model_validate(doc)  # what we serve must match the spec
        group = Group(org, project, doc)
        self.groups[(org, project, proto.name)] = group
        self.save()
        return group

    def patch(self, group: Group, patch: ContainerGroupPatch, raw: dict[str, Any]) -> Group:
        """PATCH with merge-patch semantics (RFC 7396) over the fields ContainerGroupPatch allows."""
        doc = group.doc
        if patch.replicas is not None:
            self._check_quota(group.org, patch.replicas - int(doc["replicas"]))
        before = json.dumps(doc, sort_keys=True)
        merge_patch(doc, raw)
        if doc.get("display_name") is None:
            doc["display_name"] = doc["name"]
        if "country_codes" in raw and raw["country_codes"] is None:
            doc["country_codes"] = []
        if json.dumps(doc, sort_keys=True) != before:
            doc["version"] += 1
            doc["update_time"] = now_iso()
            # A changed container means new instances; replica count alone does not.
            if "container" in raw or any(k in raw for k in ("readiness_probe", "startup_probe", "liveness_probe")):
                for inst in list(group.instances):
                    self._kill(inst)
                group.instances.clear()
        ContainerGroup.model_validate(doc)
        self.save()
        return group

    def delete(self, group: Group) -> None:
        """DELETE: 202 at once; instances stop, then the group disappears."""
        group.deleting = True
        for inst in group.instances:
            inst.set_state("stopping")
        self.save()

    def start(self, group: Group) -> None:
        """POST start."""
        if group.doc["current_state"]["status"] in ("running", "deploying"):
            raise ApiProblem(400, f"container group {group.name!r} is already {group.doc['current_state']['status']}")
        group.doc["current_state"].update(status="deploying", start_time=now_iso())
        self.save()

    def stop(self, group: Group) -> None:
        """POST stop."""
        if group.doc["current_state"]["status"] in ("stopped", "pending"):
            raise ApiProblem(400, f"container group {group.name!r} is not running")
        group.doc["current_state"].update(status="stopped", finish_time=now_iso())
        for inst in group.instances:
            inst.set_state("stopping")
        self.save()

    def instance(self, group: Group, instance_id: str) -> Instance:
        """An instance or a 404 problem."""
        for inst in group.instances:
            if inst.id == instance_id:
                return inst
        raise ApiProblem(404, f"instance {instance_id!r} not found in {group.name!r}")

    def instance_action(self, group: Group, inst: Instance, action: str) -> None:
        """reallocate (new machine), recreate (same machine, fresh container), restart (same container)."""
        if action == "reallocate":
            inst.machine_id = str(uuid.uuid4())
            self._reset(inst, "allocating", time.monotonic() + self.t.allocate_s)
        else:
            self._reset(inst, "creating", 0.0)

    def _used(self, org: str) -> int:
        return sum(int(g.doc["replicas"]) for (o, _, _), g in self.groups.items() if o == org and not g.deleting)

    def _check_quota(self, org: str, more: int) -> None:
        if more > 0 and self._used(org) + more > self.replica_quota:
            raise ApiProblem(403, f"container replica quota exceeded: {self._used(org)} of {self.replica_quota} "
                                  f"used, {more} more requested")

    def quotas(self, org: str) -> dict[str, Any]:
        """GET quotas."""
        used = self._used(org)
        return {"container_groups_quotas": {"container_replicas_quota": self.replica_quota,
                                            "container_replicas_used": used,
                                            "max_container_group_reallocations_per_minute": 30,
                                            "max_container_group_recreates_per_minute": 30,
                                            "max_container_group_restarts_per_minute": 30},
                "create_time": "2024-01-01T00:00:00Z", "update_time": now_iso()}

    def by_dns(self, host: str) -> Group | None:
        """The group whose access domain is host (the gateway's routing)."""
        host = host.split(":")[0].lower()
        for g in self.groups.values():
            if not g.deleting and (g.doc.get("networking") or {}).get("dns") == host:
                return g
        return None

    def processes(self) -> list[dict[str, Any]]:
        """Live replica processes (for tests and `python -m emulator status`)."""
        return [{"group": g.name, "instance": i.id, "pid": i.process.pid, "port": i.port, "ready_at": i.ready_at}
                for g in self.groups.values() for i in g.instances
                if i.process is not None and i.process.returncode is None]

    # -- the reconciler ------------------------------------------------------------------------------------
    def start_reconciler(self) -> None:
        """Run the instance lifecycle in the background."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                await self.reconcile()
            except Exception as exc:  # keep the emulator alive; the log shows what went wrong
                print(f"emulator: reconcile error: {exc!r}", file=sys.stderr, flush=True)
            await asyncio.sleep(0.1)

    async def reconcile(self) -> None:
        """One pass: advance every instance's phase, run due probes, apply deletes."""
        now = time.monotonic()
        for key, group in list(self.groups.items()):
            status = group.doc["current_state"]["status"]
            if group.deleting or status in ("stopped", "pending"):
                for inst in list(group.instances):
                    self._kill(inst)
                group.instances.clear()
                if group.deleting:
                    del self.groups[key]
                    self.save()
                continue
            want = int(group.doc["replicas"])
            while len(group.instances) < want:
                group.instances.append(self._new_instance(group, now))
            while len(group.instances) > want:
                victim = min(group.instances, key=lambda i: (i.ready, i.deletion_cost))
                self._kill(victim)
                group.instances.remove(victim)
            for inst in group.instances:
                await self._advance(group, inst, now)
            if status == "deploying" and any(i.state == "running" for i in group.instances):
                group.doc["current_state"]["status"] = "running"
                self.save()

    def _new_instance(self, group: Group, now: float) -> Instance:
        classes = group.doc["container"]["resources"].get("gpu_classes") or []
        names = {c["id"]: c["name"] for c in self.gpu_classes}
        vram = vram_of(names.get(classes[0], "")) if classes else None
        return Instance(id=str(uuid.uuid4()), machine_id=str(uuid.uuid4()), version=group.doc["version"],
                        phase_until=now + self.t.allocate_s, gpu_vram_bytes=vram)

    async def _advance(self, group: Group, inst: Instance, now: float) -> None:
        if inst.state == "allocating" and now >= inst.phase_until:
            inst.set_state("downloading")
            inst.phase_until = now + self.t.download_s
        elif inst.state == "downloading":
            left = max(0.0, inst.phase_until - now)
            inst.pulling_progress = int(100 * (1 - left / self.t.download_s)) if self.t.download_s else 100
            if left == 0:
                inst.set_state("creating")
                inst.phase_until = 0.0
        elif inst.state == "creating" and now >= inst.phase_until:
            if inst.process is None:
                await self._spawn(group, inst)
            elif await _port_open(inst.port):
                inst.set_state("running")
                inst.started = group.doc.get("startup_probe") is None
                inst.ready = False
                now = time.monotonic()
                inst.probe_next = {k: now + float((group.doc.get(k) or {}).get("initial_delay_seconds", 0))
                                   for k in ("startup_probe", "readiness_probe", "liveness_probe")}
        elif inst.state == "running":
            if inst.process is not None and inst.process.returncode is not None:
                self._on_exit(group, inst, inst.process.returncode, now)
                return
            self._schedule_probes(group, inst, now)
            if group.doc.get("readiness_probe") is None and inst.started:
                inst.ready = True
        if inst.state == "creating" and inst.process is not None and inst.process.returncode is not None:
            self._on_exit(group, inst, inst.process.returncode, now)

    def _on_exit(self, group: Group, inst: Instance, code: int, now: float) -> None:
        inst.process = None
        # Event names are the emulator's own (the spec does not list SaladCloud's): the exit code and the
        # container's last stderr line, which is what a crash-looping TGI replica tells its operator.
        group.log_event(inst, f"Container exited with code {code}" + (f": {inst.last_line}" if inst.last_line else ""))
        inst.ready = inst.started = False
        policy = group.doc.get("restart_policy", "always")
        if policy == "always" or (policy == "on_failure" and code != 0):
            inst.set_state("creating")
            inst.phase_until = now + self.t.restart_backoff_s
        else:
            inst.set_state("stopping")

    async def _spawn(self, group: Group, inst: Instance) -> None:
        port = free_port()
        container_env = group.doc["container"].get("environment_variables") or {}
        env = {**os.environ, **container_env, **self.replica_env,
               "PORT": str(port), "TGI_SIM_LOAD_S": str(self.t.load_s), "TGI_SIM_TOKEN_MS": str(self.t.token_ms),
               # A group's own TGI_SIM_* settings (fault injection, timings) win over the emulator's defaults.
               **{k: v for k, v in container_env.items() if k.startswith("TGI_SIM_")}}
        if inst.gpu_vram_bytes:
            env["TGI_SIM_GPU_VRAM_BYTES"] = str(inst.gpu_vram_bytes)
        inst.port = port
        inst.last_line = ""
        # The replica's stdout and stderr (load messages, CUDA OOM) go to the emulator's log like container logs;
        # stderr passes through here so that its last line can explain an exit.
        inst.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "emulator.replica", "--port", str(port), env=env, start_new_session=True,
            preexec_fn=_die_with_parent, stderr=asyncio.subprocess.PIPE)
        group.log_event(inst, "Container started")
        asyncio.get_running_loop().create_task(_relay_stderr(inst, inst.process))

    def _kill(self, inst: Instance) -> None:
        proc = inst.process
        inst.process = None
        inst.ready = False
        if proc is not None and proc.returncode is None:
            proc.kill()

    def _schedule_probes(self, group: Group, inst: Instance, now: float) -> None:
        for kind in ("startup_probe", "readiness_probe", "liveness_probe"):
            probe = group.doc.get(kind)
            if probe is None or kind in inst.probing:
                continue
            if kind != "startup_probe" and not inst.started:
                continue  # readiness and liveness start after the startup probe passed
            if kind == "startup_probe" and inst.started:
                continue
            if now >= inst.probe_next.get(kind, 0.0):
                inst.probing.add(kind)
                inst.probe_next[kind] = now + float(probe.get("period_seconds", 10))
                asyncio.get_running_loop().create_task(self._probe(group, inst, kind, probe))

    async def _probe(self, group: Group, inst: Instance, kind: str, probe: dict[str, Any]) -> None:
        try:
            ok = await self._check(inst, probe)
            if ok:
                inst.probe_ok[kind] = inst.probe_ok.get(kind, 0) + 1
                inst.probe_fail[kind] = 0
            else:
                inst.probe_fail[kind] = inst.probe_fail.get(kind, 0) + 1
                inst.probe_ok[kind] = 0
            if kind == "startup_probe":
                if inst.probe_ok[kind] >= int(probe.get("success_threshold", 1)):
                    inst.started = True
                elif inst.probe_fail.get(kind, 0) >= int(probe.get("failure_threshold", 3)):
                    self._restart(inst)
            elif kind == "readiness_probe":
                if inst.probe_ok.get(kind, 0) >= int(probe.get("success_threshold", 1)):
                    if not inst.ready:
                        inst.ready_at = time.time()
                    inst.ready = True
                elif inst.probe_fail.get(kind, 0) >= int(probe.get("failure_threshold", 3)):
                    inst.ready = False
            elif inst.probe_fail.get(kind, 0) >= int(probe.get("failure_threshold", 3)):
                self._restart(inst)
        finally:
            inst.probing.discard(kind)

    def _restart(self, inst: Instance) -> None:
        self._reset(inst, "creating", time.monotonic() + self.t.restart_backoff_s)

    def _reset(self, inst: Instance, state: str, until: float) -> None:
        """Kill the container and start the instance over from `state`, probes forgotten."""
        self._kill(inst)
        inst.started = False
        inst.probe_ok.clear()
        inst.probe_fail.clear()
        inst.set_state(state)
        inst.phase_until = until

    async def _check(self, inst: Instance, probe: dict[str, Any]) -> bool:
        if inst.port is None:
            return False
        if probe.get("http"):
            spec = probe["http"]
            headers = {h["name"]: h["value"] for h in spec.get("headers") or []}
            try:
                r = await self.http.get(f"http://127.0.0.1:{inst.port}{spec['path']}", headers=headers,
                                        timeout=float(probe.get("timeout_seconds", 1)))
            except httpx.HTTPError:
                return False
            return 200 <= r.status_code < 400
        if probe.get("tcp"):
            return await _port_open(inst.port)
        return inst.process is not None and inst.process.returncode is None  # exec/grpc: alive is all we can say

    async def shutdown(self) -> None:
        """Stop the reconciler and every replica process."""
        if self._task:
            self._task.cancel()
        for g in self.groups.values():
            for inst in g.instances:
                self._kill(inst)
        await self.http.aclose()


async def _relay_stderr(inst: Instance, proc: asyncio.subprocess.Process) -> None:
    """Copy a replica's stderr to the emulator's, keeping the last non-empty line on its instance."""
    assert proc.stderr is not None
    async for raw in proc.stderr:
        sys.stderr.buffer.write(raw)
        sys.stderr.flush()
        line = raw.decode(errors="replace").strip()
        if line and inst.process is proc:
            inst.last_line = line


def _die_with_parent() -> None:
    """Linux: SIGKILL the replica when the emulator dies, however it dies (no orphaned replicas)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


async def _port_open(port: int | None) -> bool:
    if port is None:
        return False
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """RFC 7396 JSON merge patch, in place."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = value
