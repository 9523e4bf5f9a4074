"""What every provider gives the engine's container: the policy contract, secret env names, /dev/shm.

The engine's own launch settings live in components/engines/ (TGI's launcher env: components/engines/tgi.py,
re-exported here as `launcher_env` for the TGI-only callers).
"""

from __future__ import annotations

from components.config import FleetConfig
from components.contract import ServiceContract
from components.engines.base import HF_TOKEN_ENV, MIB
from components.engines.registry import engine
from components.engines.tgi import launcher_env
from components.sizing.recommend import Plan

__all__ = ["API_KEY_ENV", "HF_TOKEN_ENV", "MB", "MIB", "launcher_env", "service_contract", "shm_bytes"]

MB = 1000**2
API_KEY_ENV = "API_KEY"  # TGI's own bearer-token check, used where no gateway provides auth


def shm_bytes(cfg: FleetConfig, plan: Plan) -> int:
    """/dev/shm size by the stack's engine's rule (configured, else 1 GiB when sharded, else Docker's 64 MiB)."""
    return engine(cfg.engine).shm_bytes(cfg, plan)


def service_contract(
    cfg: FleetConfig,
    plan: Plan,
    *,
    plain_env: dict[str, str],
    secret_env: list[str],
    interruptible: bool,
    log_destination: str | None,
    shm: int | None = None,
    gateway_auth: bool | None = None,
    node_type: str | None = None,
    cpu_request_m: int | None = None,
    memory_request_mib: int | None = None,
) -> ServiceContract:
    """The TgiService inputs for this plan; providers pass the env (and node requests) they really deploy (through
    BuildContext.contract, which adds whether their nodes are interruptible and where their logs go)."""
    gpu = plan.gpu
    assert gpu is not None, "a deployment always has a GPU class"
    return ServiceContract(
        provider=cfg.provider,
        environment=cfg.environment,
        interruptible=interruptible or gpu.interruptible,
        name=cfg.name,
        engine=cfg.engine,
        engine_knobs=plan.engine_limits.knobs if plan.engine_limits else plan.knobs,
        model_id=cfg.model.id,
        dtype=cfg.model.dtype,
        quantize=plan.quantize,
        model_arch=plan.arch,
        max_input_tokens=plan.max_input_tokens,
        max_total_tokens=plan.max_total_tokens,
        max_batch_prefill_tokens=plan.max_batch_prefill_tokens,
        model_max_context=plan.model_max_context,
        num_shard=plan.num_shard,
        gpu_class=gpu.name,
        gpu_name=gpu.gpu.name,
        gpu_vram_bytes=gpu.gpu.vram_bytes,
        gpu_count=gpu.count,
        gpu_compute_capability=gpu.gpu.compute_capability,
        min_vram_bytes=plan.memory.min_vram_bytes,
        replicas=cfg.replicas,
        image=engine(cfg.engine).image(cfg),
        gateway_enabled=cfg.gateway.enabled,
        gateway_auth=cfg.gateway.auth if gateway_auth is None else gateway_auth,
        shm_bytes=shm_bytes(cfg, plan) if shm is None else shm,
        plain_env=plain_env,
        secret_env=secret_env,
        hourly_cost=plan.hourly_cost,
        allow_unfit=cfg.sizing.allow_unfit,
        log_destination=log_destination,
        node_type=node_type,
        cpu_request_m=cpu_request_m,
        memory_request_mib=memory_request_mib,
    )

