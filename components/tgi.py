"""What every provider gives the TGI container: launcher env from the plan, secret env names, /dev/shm."""

from __future__ import annotations

from components.config import FleetConfig
from components.contract import ServiceContract
from components.sizing.recommend import Plan

MB = 1000**2
MIB = 1024**2
HF_TOKEN_ENV = "HF_TOKEN"
API_KEY_ENV = "API_KEY"  # TGI's own bearer-token check, used where no gateway provides auth
SHARDED_SHM_MIB = 1024  # NCCL between shards needs far more than Docker's 64 MB default


def launcher_env(cfg: FleetConfig, plan: Plan, hostname: str = "::") -> dict[str, str]:
    """Non-secret TGI launcher env (text-generation-launcher reads these names).

    hostname: "::" as SaladCloud's recipe wants (its gateway reaches containers over IPv6); "0.0.0.0" where the
    platform owns HOSTNAME (Kubernetes) or IPv6 may be off (a Docker host).
    """
    env = {
        "MODEL_ID": cfg.model.id,
        "PORT": str(cfg.gateway.port),
        "HOSTNAME": hostname,
        "MAX_INPUT_TOKENS": str(plan.max_input_tokens),
        "MAX_TOTAL_TOKENS": str(plan.max_total_tokens),
        "MAX_BATCH_PREFILL_TOKENS": str(plan.max_batch_prefill_tokens),
        "NUM_SHARD": str(plan.num_shard),
        "MAX_CONCURRENT_REQUESTS": str(cfg.serving.max_concurrent_requests),
    }
    if cfg.model.revision:
        env["REVISION"] = cfg.model.revision
    if plan.quantize != "none":
        env["QUANTIZE"] = plan.quantize
    elif cfg.model.dtype != "float16":
        env["DTYPE"] = cfg.model.dtype  # TGI refuses --dtype together with --quantize
    if cfg.model.trust_remote_code:
        env["TRUST_REMOTE_CODE"] = "true"
    return {**env, **cfg.extra_env}


def shm_bytes(cfg: FleetConfig, plan: Plan) -> int:
    """/dev/shm size: configured, else 1 GiB when sharded, else Docker's 64 MiB."""
    mib = cfg.resources.shm_mb or (SHARDED_SHM_MIB if plan.num_shard > 1 else 64)
    return mib * MIB


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
        image=cfg.image,
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

