"""The truss a plan becomes: its config.yaml, as a Baseten user would write it by hand, and the archive pushed.

engine tgi: TGI's own image as a `docker_server` (truss replaces the image's entrypoint, so the start command
runs text-generation-launcher itself, with the plan's limits). engine trt-llm: Baseten's TensorRT-LLM engine
builder (`trt_llm`), from the model's Hub checkpoint. Pure: plain dicts, no SDK, so preview stays light; the
SDK's generated ModelConfig validates the result at create (config_model) and truss's own model in the tests.
"""

from __future__ import annotations

import io
import re
import shlex
import tarfile
from pathlib import Path
from typing import Any

import yaml

from components.config import FleetConfig
from components.errors import UserError
from components.providers.baseten.settings import BasetenSettings
from components.sizing.recommend import Plan

HF_SECRET = "hf_access_token"  # truss's default runtime_secret_name; Baseten mounts it at /secrets/<name>
SECRETS_DIR = "/secrets"
RESERVED_PORT = 8080  # truss's own proxy listens there
OPENAI_TAG = "openai-compatible"  # trt_llm decoders must choose; this one serves /v1/chat/completions
CONFIG_FILE = "config.yaml"
# truss 0.18's Accelerator enum (tests compare it with truss and with the SDK's schema).
ACCELERATORS = ("T4", "L4", "A10G", "V100", "A100", "A100_40GB", "H100", "H200", "H100_40GB", "B200", "L40S",
                "RTX_PRO_6000", "B300", "GB300")
_SPEC = re.compile(r"^(?P<gpu>[A-Z0-9_]+)(?::(?P<count>[1-9]\d*))?$")
# model.quantize -> trt_llm.build.quantization_type. TGI's eetq and bitsandbytes are int8 weight-only, which the
# current truss schema still names weights_int8 (marked legacy there; its successor fp8 needs compute >= 8.9).
TRT_QUANTIZATION = {"none": "no_quant", "eetq": "weights_int8", "bitsandbytes": "weights_int8", "fp8": "fp8"}
FP8_MIN_COMPUTE = 8.9  # truss refuses fp8 on A10G/A100/T4/V100 (CUDA compute < 8.9)
KEY_ORDER = ("model_name", "description", "model_metadata", "base_image", "docker_server", "trt_llm", "resources",
             "secrets", "environment_variables", "runtime")
# Seconds a deployment may spend building before it loads: copying TGI's image vs compiling a TensorRT engine.
BUILD_ALLOWANCE_S = {"tgi": 600, "trt-llm": 3600}


class TrussError(UserError, ValueError):
    """The plan cannot become a truss Baseten accepts; the message names the config key and the fix."""


def accelerator(plan: Plan) -> str:
    """resources.accelerator: the Baseten offering's name (GPU[:count]), checked against truss's GPU names."""
    assert plan.gpu is not None, "a Baseten deployment always has a GPU class"
    name = plan.gpu.name
    match = _SPEC.match(name)
    if not match or match["gpu"] not in ACCELERATORS:
        raise TrussError(f"tgi-fleet:gpu.classes = {name!r} is not a truss accelerator. Fix: one of "
                         f"{', '.join(ACCELERATORS)}, with ':N' for N GPUs (e.g. A100:4).")
    return name


def launcher_command(cfg: FleetConfig, plan: Plan, with_token: bool) -> str:
    """docker_server.start_command: text-generation-launcher with the plan's limits, HF token from the mount."""
    args = ["--model-id", cfg.model.id, "--hostname", "0.0.0.0", "--port", str(cfg.gateway.port),
            "--max-input-tokens", str(plan.max_input_tokens), "--max-total-tokens", str(plan.max_total_tokens),
            "--max-batch-prefill-tokens", str(plan.max_batch_prefill_tokens), "--num-shard", str(plan.num_shard),
            "--max-concurrent-requests", str(cfg.serving.max_concurrent_requests)]
    if cfg.model.revision:
        args += ["--revision", cfg.model.revision]
    if plan.quantize != "none":
        args += ["--quantize", plan.quantize]
    elif cfg.model.dtype != "float16":
        args += ["--dtype", cfg.model.dtype]  # TGI refuses --dtype together with --quantize
    if cfg.model.trust_remote_code:
        args.append("--trust-remote-code")
    launch = "exec text-generation-launcher " + shlex.join(args)
    if with_token:
        launch = f'export HF_TOKEN="$(cat {SECRETS_DIR}/{HF_SECRET})" && {launch}'
    return f"sh -c {shlex.quote(launch)}"


def _common(cfg: FleetConfig, plan: Plan, with_token: bool) -> dict[str, Any]:
    common: dict[str, Any] = {
        "model_name": cfg.name,
        "description": f"{cfg.model.id} served by tgi-fleet ({cfg.environment})",
        "resources": {"accelerator": accelerator(plan), "cpu": str(cfg.resources.cpu),
                      "memory": f"{cfg.resources.memory_mb}Mi", "use_gpu": True},
    }
    if with_token:
        common["secrets"] = {HF_SECRET: None}  # a placeholder: the value is the Baseten secret of that name
    if cfg.extra_env:
        common["environment_variables"] = dict(cfg.extra_env)
    return common


def tgi_config(cfg: FleetConfig, plan: Plan, with_token: bool) -> dict[str, Any]:
    """engine tgi: TGI's pinned image as a custom server; /health gates traffic, predict maps to /generate."""
    port = cfg.gateway.port
    if port == RESERVED_PORT:
        raise TrussError(f"tgi-fleet:gateway.port = {port}: truss's proxy owns port {RESERVED_PORT} on Baseten. "
                         f"Fix: another port, e.g. 3000.")
    return {
        **_common(cfg, plan, with_token),
        "base_image": {"image": cfg.image},
        "docker_server": {
            "start_command": launcher_command(cfg, plan, with_token),
            "server_port": port,
            "predict_endpoint": "/generate",
            "readiness_endpoint": "/health",
            "liveness_endpoint": "/health",
        },
        # Traffic waits for /health, which TGI answers only after download + load + warm-up.
        "runtime": {"predict_concurrency": cfg.serving.max_concurrent_requests,
                    "health_checks": {"startup_threshold_seconds": plan.startup_budget_s}},
    }


def trt_quantization(cfg: FleetConfig, plan: Plan) -> str:
    """trt_llm.build.quantization_type for model.quantize on this GPU, or TrussError naming the key."""
    assert plan.gpu is not None
    quantize = plan.quantize
    if quantize not in TRT_QUANTIZATION:
        raise TrussError(
            f"tgi-fleet:model.quantize = {quantize!r}: Baseten's TensorRT-LLM engine (baseten.engine: trt-llm) has "
            f"no such quantization. Fix: none, eetq or bitsandbytes (int8 weights: weights_int8) or fp8, or "
            f"baseten.engine: tgi."
        )
    quant = TRT_QUANTIZATION[quantize]
    compute = plan.gpu.gpu.compute_capability
    if quant.startswith("fp8") and compute < FP8_MIN_COMPUTE:
        raise TrussError(
            f"tgi-fleet:model.quantize = {quantize!r}: truss refuses fp8 on {plan.gpu.name} (compute capability "
            f"{compute:g} < {FP8_MIN_COMPUTE:g}). Fix: eetq (int8 weights) or an L4/H100 class in gpu.classes."
        )
    return quant


def trt_llm_config(cfg: FleetConfig, plan: Plan, with_token: bool) -> dict[str, Any]:
    """engine trt-llm: the engine builder compiles the Hub checkpoint at the plan's limits and shards.

    Dense decoders use the v1 inference stack (sequence length and tensor parallelism in `build`); mixture-of-
    experts models such as Mixtral need v2, where truss moves both to `runtime` and forbids them in `build`.
    """
    repo: dict[str, Any] = {"source": "HF", "repo": cfg.model.id, "runtime_secret_name": HF_SECRET}
    if cfg.model.revision:
        repo["revision"] = cfg.model.revision
    build: dict[str, Any] = {"base_model": "decoder", "checkpoint_repository": repo,
                             "quantization_type": trt_quantization(cfg, plan)}
    limits = {"max_seq_len": plan.max_total_tokens, "max_num_tokens": max(plan.max_batch_prefill_tokens, 128),
              "max_batch_size": min(cfg.serving.max_concurrent_requests, 2048)}
    if plan.arch.experts > 1:
        trt: dict[str, Any] = {"inference_stack": "v2", "build": build,
                               "runtime": {**limits, "tensor_parallel_size": plan.num_shard,
                                           "served_model_name": cfg.model.id}}
    else:
        trt = {"build": {**build, **limits, "tensor_parallel_count": plan.num_shard},
               "runtime": {"served_model_name": cfg.model.id}}
    return {**_common(cfg, plan, with_token), "model_metadata": {"tags": [OPENAI_TAG]}, "trt_llm": trt}


def truss_config(cfg: FleetConfig, plan: Plan, settings: BasetenSettings, *, with_token: bool) -> dict[str, Any]:
    """The whole config.yaml as a dict, for the configured engine, keys in the order a person writes them."""
    build = trt_llm_config if settings.engine == "trt-llm" else tgi_config
    config = build(cfg, plan, with_token)
    return {key: config[key] for key in sorted(config, key=KEY_ORDER.index)}


def deploy_timeout_s(plan: Plan, settings: BasetenSettings) -> int:
    """How long a new deployment may take to become ACTIVE: configured, else build allowance + readiness."""
    return settings.deploy_timeout_s or BUILD_ALLOWANCE_S[settings.engine] + plan.readiness_timeout_s


def config_yaml(config: dict[str, Any]) -> str:
    """config.yaml text, keys in the order a person writes them."""
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False, width=1000)


def write_truss(directory: Path, config: dict[str, Any]) -> Path:
    """A truss directory (config.yaml is all a docker_server or trt_llm truss needs); returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIG_FILE).write_text(config_yaml(config))
    return directory


def truss_archive(config: dict[str, Any]) -> bytes:
    """The truss as the uncompressed tar `truss push` uploads; byte-identical for the same config."""
    data = config_yaml(config).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(CONFIG_FILE)
        info.size, info.mode, info.mtime = len(data), 0o644, 0
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def read_archive_config(archive: bytes) -> dict[str, Any]:
    """config.yaml from a truss archive (what the emulated build reads); ValueError when it has none."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            member = tar.extractfile(CONFIG_FILE)
            if member is None:
                raise ValueError(f"{CONFIG_FILE} is not a file in the archive")
            data = yaml.safe_load(member.read())
    except (tarfile.TarError, KeyError, yaml.YAMLError) as exc:
        raise ValueError(f"not a truss archive with a {CONFIG_FILE}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{CONFIG_FILE} is not a mapping")
    return data
