"""The emulated Baseten's reconciler: BUILDING → DEPLOYING → LOADING_MODEL → ACTIVE, with real replica processes.

BUILDING unpacks the uploaded truss archive (it must hold the config the deployment was created with, and a
model-class truss its model file), DEPLOYING checks the truss's secrets exist, LOADING_MODEL runs the replicas on
the shared supervisor — for a model-class truss the emulated truss server running the archive's model class (with
the emulated `text-generation-launcher` on its PATH, the truss's secrets as TRUSS_SECRET_<name>), a docker_server
truss's start command as truss's image runs it (docker_server.py: the secrets as /secrets/<name>, the server's
stand-in found by the resolver, readiness on its readiness_endpoint), the simulated TensorRT-LLM engine for a
trt_llm truss — and a replica that cannot load (CUDA out of memory when the plan does not fit the GPUs) crash-loops
until the deployment is DEPLOY_FAILED. Replicas follow the autoscaling settings and the traffic in flight.

Fault knobs travel in the truss's environment_variables, like TGI_SIM_FAULTS for the replicas:
BASETEN_SIM_FAULTS=build_failed | deploy_failed.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from emulator.baseten import launcher
from emulator.baseten.archive import unpack
from emulator.baseten.docker_server import Resolver, StartCommandError, container, tgi_launcher
from emulator.baseten.state import Deployment, Model, Replica, Workspace, new_id
from emulator.reconciler import Reconciler
from emulator.supervisor import ReplicaProcess, ReplicaSpec, SpawnError, Supervisor

ENGINE_MODULE = "emulator.baseten.engine"
TRUSS_SERVER_MODULE = "emulator.baseten.truss_server"
DOCKER_SERVER = "docker_server"  # replica_env's name for a docker_server truss's stand-in (its own command line)
TRUSS_READINESS = "/v1/models/model"  # truss's readiness route (templates/server/truss_server.py)
# trt_llm quantization_type -> the simulated server's QUANTIZE (what it sizes the weights with).
TRT_QUANTIZE = {"no_quant": "none", "weights_int8": "eetq", "weights_kv_int8": "eetq", "smooth_quant": "eetq",
                "weights_int4": "awq", "weights_int4_kv_int8": "awq", "fp8": "fp8", "fp8_kv": "fp8",
                "fp8_mlp_only": "fp8"}
MAX_LOAD_RESTARTS = 2  # a replica that fails to load this often more fails the deployment
SECRETS_DIR = "/secrets/"


@dataclass(frozen=True)
class Timings:
    """Seconds each phase takes; the defaults are a short real push, tests use tenths."""

    build_s: float = 20.0
    deploy_s: float = 5.0
    deactivate_s: float = 1.0
    restart_backoff_s: float = 1.0


def faults(dep: Deployment) -> set[str]:
    """BASETEN_SIM_FAULTS from the truss's environment_variables."""
    env = dep.config.get("environment_variables") or {}
    return {f.strip() for f in str(env.get("BASETEN_SIM_FAULTS", "")).split(",") if f.strip()}


def replica_env(config: dict[str, Any], resolve: Resolver = tgi_launcher) -> tuple[str, dict[str, str]]:
    """(module, environment) of the simulated server a truss runs; ValueError when the emulator cannot run it."""
    plain = {k: str(v) for k, v in (config.get("environment_variables") or {}).items()}
    trt = config.get("trt_llm")
    if trt:
        build, runtime = trt.get("build") or {}, trt.get("runtime") or {}
        seq = int(runtime.get("max_seq_len") or build.get("max_seq_len") or 4096)
        repo = (build.get("checkpoint_repository") or {}).get("repo")
        if not repo:
            raise ValueError("trt_llm.build.checkpoint_repository.repo is required")
        return ENGINE_MODULE, {
            **plain, "MODEL_ID": repo, "MAX_TOTAL_TOKENS": str(seq), "MAX_INPUT_TOKENS": str(seq - 1),
            "MAX_BATCH_PREFILL_TOKENS": str(runtime.get("max_num_tokens") or build.get("max_num_tokens") or 8192),
            "NUM_SHARD": str(runtime.get("tensor_parallel_size") or build.get("tensor_parallel_count") or 1),
            "QUANTIZE": TRT_QUANTIZE.get(str(build.get("quantization_type") or "no_quant"), "none"),
            "MAX_CONCURRENT_REQUESTS": str(runtime.get("max_batch_size") or build.get("max_batch_size") or 256),
        }
    if not config.get("docker_server"):
        # A model-class truss: the truss server runs the archive's model class (whatever that starts).
        return TRUSS_SERVER_MODULE, plain
    try:
        box = container(config, {}, resolve)
    except StartCommandError as exc:
        raise ValueError(f"docker_server.start_command: {exc}") from None
    return DOCKER_SERVER, dict(box.launch.env)


def secrets_read(config: dict[str, Any]) -> set[str]:
    """The workspace secrets a truss needs: its `secrets` and the trt_llm checkpoint's runtime secret."""
    names = set((config.get("secrets") or {}).keys())
    repo = ((config.get("trt_llm") or {}).get("build") or {}).get("checkpoint_repository") or {}
    if repo.get("runtime_secret_name") and repo.get("source", "HF") == "HF" and names:
        names.add(repo["runtime_secret_name"])
    return names


def readiness_path(config: dict[str, Any]) -> str:
    """Where a replica's readiness is probed: what truss's proxy sends its readiness route to (a docker_server's
    readiness_endpoint), truss's own readiness route for a model-class truss, /health for the trt_llm engine."""
    server = config.get("docker_server")
    if server:
        return str(server.get("readiness_endpoint") or "/")
    return "/health" if config.get("trt_llm") else TRUSS_READINESS


class Lifecycle(Reconciler):
    """One reconcile pass every 100 ms over every deployment of the workspace."""

    name = "emulator (baseten)"

    def __init__(self, ws: Workspace, supervisor: Supervisor, timings: Timings,
                 vram_of: Callable[[str], tuple[int, int] | None],
                 read_archive: Callable[[str], bytes] | None = None, resolve: Resolver = tgi_launcher) -> None:
        # vram_of: accelerator spec -> (VRAM per GPU, GPU count); read_archive: s3 key -> the uploaded archive;
        # resolve: (image, a docker_server's argv) -> the local process standing in for that server
        super().__init__(probe_timeout_s=2.0)
        self.ws, self.supervisor, self.t, self.vram_of, self.read_archive = (ws, supervisor, timings, vram_of,
                                                                             read_archive)
        self.resolve = resolve
        self.unreachable: set[str] = set()  # replicas whose server listens where truss's proxy never forwards
        self.clock = time.monotonic
        # Unpacked trusses (the containers' files) live beside the state, so a restart can load them again.
        self.files = ws.path.parent / "trusses" if ws.path else Path(tempfile.mkdtemp(prefix="baseten-trusses-"))
        self.bin = self.files / "bin"  # the emulated container's own executables, first on its PATH

    def truss_dir(self, dep: Deployment) -> Path:
        """Where a deployment's truss archive is unpacked."""
        return self.files / dep.id

    async def reconcile(self) -> None:
        """Advance every deployment one step."""
        now = time.monotonic()
        for model in list(self.ws.models.values()):
            for dep in list(model.deployments.values()):
                await self._advance(model, dep, now)

    def _set(self, dep: Deployment, status: str, until: float = 0.0) -> None:
        dep.doc["status"], dep.phase_until = status, until
        self.ws.save()

    def fail(self, dep: Deployment, status: str, why: str) -> None:
        """End a deployment (BUILD_FAILED, DEPLOY_FAILED) and say why in the log."""
        self.stop_replicas(dep)
        dep.failure = why
        dep.log(f"{status}: {why}", "ERROR")
        print(f"emulator: baseten deployment {dep.id} of model {dep.doc['model_id']}: {status}: {why}",
              file=sys.stderr, flush=True)
        self._set(dep, status)

    async def _advance(self, model: Model, dep: Deployment, now: float) -> None:
        status = dep.status
        if status == "BUILDING" and now >= dep.phase_until:
            problem = self._build_problem(dep)  # a loopback S3 read: quick
            if problem:
                self.fail(dep, "BUILD_FAILED", problem)
            else:
                self._set(dep, "DEPLOYING", now + self.t.deploy_s)
        elif status == "DEPLOYING" and now >= dep.phase_until:
            missing = sorted(secrets_read(dep.config) - set(self.ws.secrets))
            if "deploy_failed" in faults(dep):
                self.fail(dep, "DEPLOY_FAILED", "simulated deploy failure (BASETEN_SIM_FAULTS=deploy_failed)")
            elif missing:
                self.fail(dep, "DEPLOY_FAILED", f"the truss reads secret(s) {missing}, which this workspace does "
                                                f"not have: POST /v1/secrets first")
            else:
                self._set(dep, "LOADING_MODEL")
        elif status == "DEACTIVATING":
            self.stop_replicas(dep)
            if now >= dep.phase_until:
                self._set(dep, "INACTIVE")
        elif status in ("LOADING_MODEL", "ACTIVE", "UNHEALTHY", "SCALED_TO_ZERO", "WAKING_UP", "UPDATING"):
            await self._serve(dep, now)
        if dep.status not in ("LOADING_MODEL", "ACTIVE", "UNHEALTHY", "SCALED_TO_ZERO", "WAKING_UP", "UPDATING"):
            dep.doc["active_replica_count"] = 0

    def _build_problem(self, dep: Deployment) -> str | None:
        if "build_failed" in faults(dep):
            return "simulated build failure (BASETEN_SIM_FAULTS=build_failed)"
        if self.read_archive is not None and dep.s3_key:
            try:
                uploaded = unpack(self.read_archive(dep.s3_key), self.truss_dir(dep))
            except (KeyError, ValueError) as exc:
                return f"the truss archive at {dep.s3_key} cannot be read: {exc}"
            if uploaded != dep.config:
                return "the uploaded truss's config.yaml differs from the config the deployment was created with"
        try:
            module, env = replica_env(dep.config, self.resolve)
        except ValueError as exc:
            return str(exc)
        if module == TRUSS_SERVER_MODULE:
            model_file = Path(str(dep.config.get("model_module_dir") or "model")) / str(
                dep.config.get("model_class_filename") or "model.py")
            if not (self.truss_dir(dep) / model_file).is_file():
                return (f"the truss has neither docker_server nor trt_llm, so it needs its model class, but the "
                        f"uploaded archive has no {model_file}")
        accelerator = str((dep.config.get("resources") or {}).get("accelerator") or "")
        gpus = self.vram_of(accelerator)
        if gpus is None:
            return f"resources.accelerator {accelerator!r} is not an instance type this workspace offers"
        shards = int(env.get("NUM_SHARD", "1"))
        if shards > gpus[1]:
            return f"the server shards over {shards} GPUs but {accelerator} has {gpus[1]}"
        return None

    # -- replicas -------------------------------------------------------------------------------------------
    def desired(self, dep: Deployment, now: float) -> int:
        """Replicas the autoscaler wants: traffic / concurrency_target within [min, max], slow to scale down."""
        scaling = dep.autoscaling()
        low, high = int(scaling["min_replica"]), max(1, int(scaling["max_replica"]))
        need = math.ceil(dep.in_flight / max(1, int(scaling["concurrency_target"])))
        want = min(high, max(low, need))
        if dep.status == "LOADING_MODEL":
            want = max(1, want)
        current = len(dep.replicas)
        if want >= current:
            if need >= current:
                dep.wanted_more_at = now
            return want
        if now - dep.wanted_more_at < float(scaling.get("scale_down_delay") or 0):
            return current
        return want

    async def _serve(self, dep: Deployment, now: float) -> None:
        want = self.desired(dep, now)
        while len(dep.replicas) < want:
            dep.replicas.append(Replica(id=new_id()))
        while len(dep.replicas) > want:
            victim = min(dep.replicas, key=lambda r: r.ready)
            self._kill(victim)
            dep.replicas.remove(victim)
        for replica in dep.replicas:
            await self._drive(dep, replica, now)
            if dep.status in ("BUILD_FAILED", "DEPLOY_FAILED"):
                return
        ready = sum(r.ready for r in dep.replicas)
        dep.doc["active_replica_count"] = ready
        status = dep.status
        if status in ("LOADING_MODEL", "UNHEALTHY", "WAKING_UP") and ready:
            self._set(dep, "ACTIVE")
        elif status == "ACTIVE" and not ready:
            self._set(dep, "SCALED_TO_ZERO" if want == 0 else "UNHEALTHY")
        elif status == "SCALED_TO_ZERO" and want > 0:
            self._set(dep, "WAKING_UP")

    async def _drive(self, dep: Deployment, replica: Replica, now: float) -> None:
        proc = replica.process
        if proc is not None and not proc.alive():
            replica.process, replica.ready = None, False
            replica.restarts += 1
            replica.restart_at = now + self.t.restart_backoff_s
            if dep.status == "LOADING_MODEL" and replica.restarts > MAX_LOAD_RESTARTS:
                self.fail(dep, "DEPLOY_FAILED", f"replica {replica.id} failed to load {replica.restarts} times: "
                                                f"{replica.last_error or 'it exited'}")
            return
        if proc is None:
            if now >= replica.restart_at:
                await self._spawn(dep, replica)
            return
        if not replica.ready and replica.id not in self.unreachable and await proc.listening():
            try:
                url = f"http://127.0.0.1:{proc.port}{readiness_path(dep.config)}"
                replica.ready = (await self.http.get(url)).status_code == 200
            except httpx.HTTPError:
                replica.ready = False

    def secret_files(self, config: dict[str, Any]) -> dict[str, str]:
        """The files /secrets/<name> of a truss's container: the workspace secrets its `secrets` names."""
        return {name: str(self.ws.secrets[name]["value"]) for name in secrets_read(config) if name in self.ws.secrets}

    async def _spawn(self, dep: Deployment, replica: Replica) -> None:
        module, env = replica_env(dep.config, self.resolve)
        argv: Callable[[int], list[str]] | None = None
        self.unreachable.discard(replica.id)
        if dep.config.get("docker_server"):
            box = container(dep.config, self.secret_files(dep.config), self.resolve)
            argv, env = box.launch.argv, dict(box.launch.env)
            for line in box.stderr:
                dep.log(line, "ERROR", replica.id)
            if not box.reachable:
                self.unreachable.add(replica.id)
        accelerator = str((dep.config.get("resources") or {}).get("accelerator") or "")
        vram = self.vram_of(accelerator)

        def on_line(_: ReplicaProcess, stream: str, line: str) -> None:
            text = line.strip()
            if not text:
                return
            error = stream == "stderr" and ("Error" in text or "error" in text)
            dep.log(text, "ERROR" if error else "INFO", replica.id)
            if stream == "stderr":
                replica.last_error = text

        if module == TRUSS_SERVER_MODULE:
            launcher.install(self.bin)
            # Secrets reach the truss server as truss's SecretsResolver also reads them: TRUSS_SECRET_<name>.
            secrets = {f"TRUSS_SECRET_{name}": str(self.ws.secrets[name]["value"])
                       for name in secrets_read(dep.config) if name in self.ws.secrets}
            env = {**env, **secrets, "TRUSS_DIR": str(self.truss_dir(dep)),
                   "PATH": os.pathsep.join([str(self.bin), os.environ.get("PATH", "")])}
        spec = ReplicaSpec(env=env, gpu_vram_bytes=vram[0] if vram else None, module=module, argv=argv,
                           label=f"baseten {dep.doc['model_id']}/{dep.id}/{replica.id}")
        try:
            replica.process = await self.supervisor.spawn(spec, on_line)
        except SpawnError as exc:
            replica.last_error = str(exc)
            replica.restarts += 1
            replica.restart_at = time.monotonic() + self.t.restart_backoff_s

    def _kill(self, replica: Replica) -> None:
        if replica.process is not None:
            replica.process.kill()
        replica.process, replica.ready = None, False

    def stop_replicas(self, dep: Deployment) -> None:
        """Kill every replica of a deployment."""
        for replica in dep.replicas:
            self._kill(replica)
        dep.replicas.clear()
        dep.doc["active_replica_count"] = 0

    def forget(self, dep: Deployment) -> None:
        """A deleted deployment: its replicas stop and its unpacked truss goes."""
        self.stop_replicas(dep)
        shutil.rmtree(self.truss_dir(dep), ignore_errors=True)

    def ready_replicas(self, dep: Deployment) -> list[Replica]:
        """Replicas that passed /health and still run."""
        return [r for r in dep.replicas if r.ready and r.process is not None and r.process.alive()]

    def stop_all(self) -> None:
        """Kill every replica of every deployment."""
        for model in self.ws.models.values():
            for dep in model.deployments.values():
                self.stop_replicas(dep)
