"""The dstack service configuration of a plan: what a dstack user would write in serve.dstack.yml by hand.

Pure: no dstack import, no server. components/providers/dstack/validate.py checks the result with dstack's own
configuration models.
"""

from __future__ import annotations

from typing import Any

import yaml

from components.catalog.tokenizers import shipped_chat_template
from components.config import FleetConfig
from components.engines.registry import engine
from components.errors import UserError
from components.providers.dstack.settings import DstackSettings
from components.sizing.recommend import Plan
from components.tgi import HF_TOKEN_ENV, shm_bytes

# TGI's image runs as root. Naming the user, together with the CPU architecture, spares the dstack server a
# download of the image's config from its registry at get_plan (dstack reads both from there otherwise).
USER = "root"
CPU_ARCH = "x86"  # TGI's CUDA images are built for amd64 only
PROBE: dict[str, Any] = {"type": "http", "url": "/health", "interval": "15s", "timeout": "10s"}
MAX_RUN_NAME = 41  # dstack's resource names: ^[a-z][a-z0-9-]{1,40}$
GB = 1024  # dstack's memory sizes are GiB written "GB"
# dstack runs `commands` in its own shell: the engine writes its launch as shell lines (Engine.shell_commands).

# Where each top-level key of the service configuration comes from in the stack config: errors from dstack's
# models or its server name the key the user can change.
SOURCE_KEYS = {
    "name": "tgi-fleet:name",
    "image": "tgi-fleet:image",
    "env": "tgi-fleet:extra_env",
    "commands": "tgi-fleet:gateway.port",
    "port": "tgi-fleet:gateway.port",
    "model": "tgi-fleet:dstack.model_format",
    "resources.gpu": "tgi-fleet:gpu",
    "resources.cpu": "tgi-fleet:resources.cpu",
    "resources.memory": "tgi-fleet:resources.memory_mb",
    "resources.disk": "tgi-fleet:resources.storage_gb",
    "resources.shm_size": "tgi-fleet:resources.shm_mb",
    "replicas": "tgi-fleet:replicas",
    "scaling": "tgi-fleet:dstack.autoscaling",
    "gateway": "tgi-fleet:dstack.gateway",
    "auth": "tgi-fleet:gateway.auth",
    "spot_policy": "tgi-fleet:dstack.spot_policy",
    "max_price": "tgi-fleet:dstack.max_price",
    "retry": "tgi-fleet:dstack.retry",
    "backends": "tgi-fleet:dstack.backends",
    "regions": "tgi-fleet:dstack.regions",
    "fleets": "tgi-fleet:dstack.fleets",
}


class ServiceConfigError(UserError, ValueError):
    """The stack asks for a dstack service dstack would refuse; the message names the key and the fix."""


def source_key(path: str) -> str:
    """The stack key behind a dotted service-config path (the longest known prefix), e.g. resources.gpu.memory."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        key = SOURCE_KEYS.get(".".join(parts[:n]))
        if key:
            if key == "tgi-fleet:extra_env" and n < len(parts):
                return f"{key}.{parts[n]}"
            return key
    return "tgi-fleet:dstack"


def hf_token_ref(settings: DstackSettings) -> str:
    """The env value dstack replaces with the project secret when it places the job."""
    return f"${{{{ secrets.{settings.hf_token_secret} }}}}"


def _gb(mib: float) -> str:
    return f"{mib / GB:g}GB"


def resources(cfg: FleetConfig, plan: Plan) -> dict[str, Any]:
    """GPU VRAM minimum of the plan's smallest class and one GPU per shard; CPU (with arch), RAM, disk, /dev/shm."""
    assert plan.gpu is not None, "a deployment always has a GPU class"
    res: dict[str, Any] = {
        "gpu": {"memory": f"{plan.gpu.gpu.vram_gb:g}GB..", "count": plan.num_shard},
        "cpu": f"{CPU_ARCH}:{cfg.resources.cpu}..",
        "memory": f"{_gb(cfg.resources.memory_mb)}..",
        "disk": f"{cfg.resources.storage_gb}GB..",
    }
    if plan.num_shard > 1:  # NCCL between the shards needs more than Docker's 64 MB
        res["shm_size"] = _gb(shm_bytes(cfg, plan) / 1024**2)
    return res


def model_mapping(cfg: FleetConfig, settings: DstackSettings) -> dict[str, Any]:
    """The OpenAI-compatible model mapping: dstack's tgi format (with the chat template) or the engine's own /v1.

    dstack's `format: tgi` maps chat to TGI's own API; an engine without it (vLLM, SGLang) serves /v1 itself, as
    in dstack's vLLM and SGLang examples (examples/inference/vllm, sglang: `model: <id>`, OpenAI format).
    """
    eng = engine(cfg.engine)
    if not eng.tgi_api and settings.model_format == "tgi":
        if "model_format" in settings.model_fields_set:
            raise ServiceConfigError(
                f"tgi-fleet:dstack.model_format = 'tgi' maps chat to TGI's own API, which the {eng.name} engine "
                f"does not serve. Fix: set tgi-fleet:dstack.model_format: openai (or remove it).")
        return {"type": "chat", "name": cfg.model.id, "format": "openai", "prefix": eng.openai_base}
    if settings.model_format == "openai":
        return {"type": "chat", "name": cfg.model.id, "format": "openai", "prefix": "/v1"}
    shipped = shipped_chat_template(cfg.model.id)
    template = settings.chat_template or (shipped.chat_template if shipped else None)
    eos = settings.eos_token or (shipped.eos_token if shipped else None)
    if template is None or eos is None:
        missing = "tgi-fleet:dstack.chat_template" if template is None else "tgi-fleet:dstack.eos_token"
        raise ServiceConfigError(
            f"{missing} is not set and no tokenizer config of {cfg.model.id!r} is shipped: dstack's `format: tgi` "
            f"model mapping needs the chat template and the end-of-sequence token (the dstack server would "
            f"download them from the Hub at apply). Fix: set tgi-fleet:dstack.chat_template and "
            f"tgi-fleet:dstack.eos_token from the model's tokenizer_config.json, or set "
            f"tgi-fleet:dstack.model_format: openai (TGI's own /v1 chat API)."
        )
    return {"type": "chat", "name": cfg.model.id, "format": "tgi", "chat_template": template, "eos_token": eos}


def _replicas(cfg: FleetConfig, settings: DstackSettings) -> dict[str, Any]:
    auto = settings.autoscaling
    if auto is None:
        return {"replicas": cfg.replicas} if cfg.replicas != 1 else {}
    if not settings.has_gateway:
        raise ServiceConfigError(
            "tgi-fleet:dstack.autoscaling is set without a gateway: dstack refuses it (\"Auto-scaling is not "
            "supported when running services without a gateway\"). Fix: set tgi-fleet:dstack.gateway (true for "
            "the project's default gateway, or its name), or remove tgi-fleet:dstack.autoscaling and keep a fixed "
            "tgi-fleet:replicas."
        )
    if auto.max_replicas < cfg.replicas:
        raise ServiceConfigError(
            f"tgi-fleet:dstack.autoscaling.max_replicas = {auto.max_replicas} is below tgi-fleet:replicas = "
            f"{cfg.replicas}. Fix: raise max_replicas to at least {cfg.replicas}."
        )
    scaling: dict[str, Any] = {"metric": "rps", "target": auto.target_rps}
    if auto.scale_up_delay:
        scaling["scale_up_delay"] = auto.scale_up_delay
    if auto.scale_down_delay:
        scaling["scale_down_delay"] = auto.scale_down_delay
    return {"replicas": f"{cfg.replicas}..{auto.max_replicas}", "scaling": scaling}


def _profile(settings: DstackSettings) -> dict[str, Any]:
    out: dict[str, Any] = {"spot_policy": settings.spot_policy}
    if settings.max_price is not None:
        out["max_price"] = settings.max_price
    if settings.retry is not None:
        out["retry"] = {"on_events": list(settings.retry.on_events), "duration": settings.retry.duration}
    for key in ("backends", "regions", "fleets"):
        if getattr(settings, key):
            out[key] = list(getattr(settings, key))
    return out


def service_config(cfg: FleetConfig, plan: Plan, settings: DstackSettings, *, hf_token: bool) -> dict[str, Any]:
    """The service configuration (a dstack `type: service` document) for this plan.

    hf_token: reference the HF token as `${{ secrets.<hf_token_secret> }}` (the provider sets that project
    secret); never a plain env value.
    """
    if len(cfg.name) > MAX_RUN_NAME:
        raise ServiceConfigError(
            f"tgi-fleet:name = {cfg.name!r} is {len(cfg.name)} characters: dstack run names have at most "
            f"{MAX_RUN_NAME} (^[a-z][a-z0-9-]{{1,40}}$). Fix: shorten tgi-fleet:name."
        )
    eng = engine(cfg.engine)
    # dstack's own auth (its token) guards the service: the engine's key is not needed behind it.
    launch = eng.launch(cfg, plan, host="0.0.0.0")
    env = dict(launch.env)
    if HF_TOKEN_ENV in cfg.extra_env:
        raise ServiceConfigError(
            f"tgi-fleet:extra_env.{HF_TOKEN_ENV} is set in plain text. Fix: remove it; set the token with "
            f"`pulumi config set --secret hf_token ...` (it reaches the service as a dstack project secret)."
        )
    if hf_token:
        env[HF_TOKEN_ENV] = hf_token_ref(settings)
    port = cfg.gateway.port
    return {
        "type": "service",
        "name": cfg.name,
        "image": eng.image(cfg),
        "user": USER,
        "env": env,
        "commands": eng.shell_commands(launch),
        "port": port,
        "model": model_mapping(cfg, settings),
        "resources": resources(cfg, plan),
        **_replicas(cfg, settings),
        "gateway": settings.gateway,
        "auth": cfg.gateway.auth,
        "probes": [{**PROBE, "url": eng.health_path}],
        **_profile(settings),
    }


def to_yaml(conf: dict[str, Any], title: str) -> str:
    """The configuration as a reviewer reads it: keys in writing order, long templates on one line."""
    return f"# {title}\n" + yaml.safe_dump(conf, sort_keys=False, width=1_000_000, allow_unicode=True)
