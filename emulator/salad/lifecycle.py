"""The emulated SaladCloud's reconciler: drives each group's instances through allocating → downloading →
creating → running with real replica processes, runs their startup/readiness/liveness probes, applies restart
policies, stops and deletes.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from emulator.images import Engines, ImageError
from emulator.reconciler import Reconciler
from emulator.salad.gpus import GpuClasses
from emulator.salad.logship import LogShipping
from emulator.salad.nodes import DownloadRates
from emulator.salad.store import Group, Instance, Node, Store
from emulator.supervisor import (
    REPLICA_LOAD_S,
    REPLICA_TOKEN_MS,
    CapacityError,
    ReplicaSpec,
    SpawnError,
    Supervisor,
    port_open,
    replica_timings,
)

PROBES = ("startup_probe", "readiness_probe", "liveness_probe")
# The parts of a group document that make up its container version (SaladCloud's "Deployment Strategies" guide).
VERSIONED = ("container", "networking", *PROBES)


@dataclass(frozen=True)
class Timings:
    """How long each instance phase takes (seconds); small values make tests fast."""

    allocate_s: float = 2.0
    download_s: float = 3.0
    load_s: float = REPLICA_LOAD_S
    token_ms: float = REPLICA_TOKEN_MS
    restart_backoff_s: float = 1.0
    delete_s: float = 0.5
    node_download: DownloadRates | None = None  # each node's Hub download rate; None: weights already cached

    def replica_defaults(self) -> dict[str, str]:
        """The simulated TGI's own timings (a group's TGI_SIM_* environment overrides them)."""
        return replica_timings(self.load_s, self.token_ms)


class Lifecycle(Reconciler):
    """One reconcile pass every 100 ms over every group in the store."""

    def __init__(self, store: Store, supervisor: Supervisor, timings: Timings, gpus: GpuClasses,
                 engines: Engines | None = None) -> None:
        super().__init__(probe_timeout_s=10.0)
        self.store, self.supervisor, self.t, self.gpus = store, supervisor, timings, gpus
        self.engines = engines or Engines()
        self.shipping = LogShipping()
        self.node_rates = timings.node_download.sampler() if timings.node_download else None

    async def reconcile(self) -> None:
        """One pass: advance every instance's phase, run due probes, apply deletes.

        A group's failure is that group's: it is logged, and the other groups go on."""
        now = time.monotonic()
        for key, group in list(self.store.groups.items()):
            try:
                await self._reconcile_group(key, group, now)
            except Exception as exc:
                print(f"emulator: reconcile error in group {group.name!r}: {exc!r}", file=sys.stderr, flush=True)

    async def _reconcile_group(self, key: tuple[str, str, str], group: Group, now: float) -> None:
        status = group.doc["current_state"]["status"]
        if group.deleting or status in ("stopped", "pending"):
            for inst in list(group.instances):
                self.kill(inst)
            group.instances.clear()
            if group.deleting:
                del self.store.groups[key]
                self.store.save()
            return
        want = int(group.doc["replicas"])
        while len(group.instances) < want:
            group.instances.append(self._new_instance(group, now))
        while len(group.instances) > want:
            victim = min(group.instances, key=lambda i: (i.ready, i.deletion_cost))
            self.kill(victim)
            group.instances.remove(victim)
        for inst in group.instances:
            await self._advance(group, inst, now)
        if status == "deploying" and any(i.state == "running" for i in group.instances):
            group.doc["current_state"]["status"] = "running"
            self.store.save()

    def _new_instance(self, group: Group, now: float) -> Instance:
        inst = Instance(id=str(uuid.uuid4()), machine_id="", version=group.doc["version"])
        self.allocate(group, inst, now)
        return inst

    def allocate(self, group: Group, inst: Instance, now: float) -> None:
        """Put the instance on a new node (a new machine) that fits the group, starting from allocating.

        Nodes take the group's GPU classes and countries in turn, so a group that lists several spans them."""
        doc = group.doc
        res = doc["container"]["resources"]
        classes = res.get("gpu_classes") or []
        countries = doc.get("country_codes") or ["us"]
        n, group.allocations = group.allocations, group.allocations + 1
        gpu = classes[n % len(classes)] if classes else None
        inst.node = Node(gpu_class=gpu, cpu=res["cpu"], memory=res["memory"],
                         storage_amount=res.get("storage_amount", 0), shm_size=res.get("shm_size", 64),
                         country=countries[n % len(countries)],
                         download_mb_s=self.node_rates.draw() if self.node_rates else None)
        inst.machine_id = str(uuid.uuid4())
        inst.gpu_vram_bytes = self.gpus.vram(gpu)
        inst.version = doc["version"]
        self.reset(inst, "allocating", now + self.t.allocate_s)

    def roll_out(self, group: Group, before: dict[str, Any]) -> bool:
        """Apply a changed group document the way SaladCloud does; whether it made a new version.

        A new container version (image, command, env, logging, registry, probes, gateway...) restarts every replica
        at once on its node, so no two versions ever serve together. A resource or country change makes a new
        version too, but only the replicas whose node no longer fits move (reallocated); the others keep running
        and now run the new version. Replica count, display name and autoscaler changes make no version."""
        after = group.doc
        versioned = any(_without_placement(before.get(k)) != _without_placement(after.get(k)) for k in VERSIONED)
        placement = (before["container"]["resources"] != after["container"]["resources"]
                     or before.get("country_codes") != after.get("country_codes"))
        if not (versioned or placement):
            return False
        after["version"] += 1
        now = time.monotonic()
        pull = before["container"]["image"] != after["container"]["image"]
        for inst in group.instances:
            if inst.node is None or not inst.node.fits(after):
                self.allocate(group, inst, now)
            elif versioned:
                inst.version = after["version"]
                self.reset(inst, "downloading" if pull else "creating", now + (self.t.download_s if pull else 0))
            else:
                inst.version = after["version"]
        return True

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
                await self._spawn(group, inst, now)
            elif await inst.process.listening():
                inst.set_state("running")
                inst.started = group.doc.get("startup_probe") is None
                inst.ready = False
                now = time.monotonic()
                inst.probe_next = {k: now + float((group.doc.get(k) or {}).get("initial_delay_seconds", 0))
                                   for k in PROBES}
        elif inst.state == "running":
            if inst.process is not None and inst.process.returncode is not None:
                self._on_exit(group, inst, inst.process.returncode, now)
                return
            self._schedule_probes(group, inst, now)
            if group.doc.get("readiness_probe") is None and inst.started:
                inst.ready = True
        if inst.state == "creating" and inst.process is not None and inst.process.returncode is not None:
            self._on_exit(group, inst, inst.process.returncode, now)

    async def _spawn(self, group: Group, inst: Instance, now: float) -> None:
        """Start the instance's container; one that cannot start fails like a container that exits at once."""
        container = group.doc["container"]
        env = dict(container.get("environment_variables") or {})
        if inst.node is not None and inst.node.download_mb_s is not None:
            env["TGI_SIM_DOWNLOAD_MB_S"] = f"{inst.node.download_mb_s:.3f}"  # the node's link, not the group's
        label = f"{group.name}/{inst.id[:8]}"
        try:
            inst.last_error = ""
            # The image's entrypoint, or the container's command in its place, decides what runs (images.py).
            launch = self.engines.launch(container["image"], container.get("command"))
            spec = ReplicaSpec(env={**env, **launch.env}, gpu_vram_bytes=inst.gpu_vram_bytes, label=label,
                               argv=launch.argv)
            inst.process = await self.supervisor.spawn(spec, on_line=lambda _, stream, text: self._line(
                group, inst, stream, text))
        except CapacityError as exc:  # no node free here: the instance waits, as it would for capacity
            print(f"emulator: {label}: {exc}", file=sys.stderr, flush=True)
            inst.phase_until = now + self.t.restart_backoff_s
        except (SpawnError, ImageError) as exc:
            print(f"emulator: {label}: {exc}", file=sys.stderr, flush=True)
            self._event(group, inst, f"Container failed to start: {exc}")
            self._on_exit(group, inst, 1, now)
        else:
            self._event(group, inst, "Container started")

    def _line(self, group: Group, inst: Instance, stream: str, text: str) -> None:
        if stream == "stderr" and text.strip():
            inst.last_error = text.strip()
        self.shipping.line(group, inst, stream, text)

    def _event(self, group: Group, inst: Instance, event: str) -> None:
        gpu = inst.node.gpu_class if inst.node else None
        group.log_event(event, inst, self.gpus.names.get(gpu, "") if gpu else "")

    def _on_exit(self, group: Group, inst: Instance, code: int, now: float) -> None:
        if inst.process is not None:
            # With the container's last stderr line: what tells a crash loop (CUDA out of memory) from a slow start.
            reason = f": {inst.last_error}" if inst.last_error else ""
            self._event(group, inst, f"Container exited with status {code}{reason}")
        inst.process = None
        inst.ready = inst.started = False
        policy = group.doc.get("restart_policy", "always")
        if policy == "always" or (policy == "on_failure" and code != 0):
            inst.set_state("creating")
            inst.phase_until = now + self.t.restart_backoff_s
        else:
            inst.set_state("stopping")

    def kill(self, inst: Instance) -> None:
        """Kill the instance's container, if it has one."""
        proc = inst.process
        inst.process = None
        inst.ready = False
        if proc is not None:
            proc.kill()

    def _schedule_probes(self, group: Group, inst: Instance, now: float) -> None:
        for kind in PROBES:
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
                asyncio.get_running_loop().create_task(self._probe(inst, kind, probe))

    async def _probe(self, inst: Instance, kind: str, probe: dict[str, Any]) -> None:
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
                    self.restart(inst)
            elif kind == "readiness_probe":
                if inst.probe_ok.get(kind, 0) >= int(probe.get("success_threshold", 1)):
                    if not inst.ready:
                        inst.ready_at = time.time()
                    inst.ready = True
                elif inst.probe_fail.get(kind, 0) >= int(probe.get("failure_threshold", 3)):
                    inst.ready = False
            elif inst.probe_fail.get(kind, 0) >= int(probe.get("failure_threshold", 3)):
                self.restart(inst)
        finally:
            inst.probing.discard(kind)

    def restart(self, inst: Instance) -> None:
        """A failed probe's restart: a fresh container after the backoff."""
        self.reset(inst, "creating", time.monotonic() + self.t.restart_backoff_s)

    def reset(self, inst: Instance, state: str, until: float) -> None:
        """Kill the container and start the instance over from `state`, probes forgotten."""
        self.kill(inst)
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
            return await port_open(inst.port)
        return inst.process is not None and inst.process.alive()  # exec/grpc: alive is all we can say

    def stop_all(self) -> None:
        """Kill every instance's container."""
        for g in self.store.groups.values():
            for inst in g.instances:
                self.kill(inst)

    async def shutdown(self) -> None:
        """Stop the reconciler, every container and the log shipping."""
        await super().shutdown()
        await self.shipping.shutdown()


def _without_placement(section: Any) -> Any:
    """A document section with the container's resources left out (they follow the placement rule instead)."""
    if isinstance(section, dict) and "resources" in section:
        return {k: v for k, v in section.items() if k != "resources"}
    return section
