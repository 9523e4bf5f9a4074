"""The truss a plan becomes: its config.yaml, as a Baseten user would write it by hand, and the archive pushed.

engine tgi: TGI's own image as the truss's base image with a model class (truss_model.py, shipped as
model/model.py): truss's server loads it, it starts text-generation-launcher with the plan's limits (config.yaml
`model_metadata.tgi`) and serves seed 001's predict API (prompt, max_new_tokens, ...) and TGI's OpenAI routes.
engine trt-llm: Baseten's TensorRT-LLM engine builder (`trt_llm`), from the model's Hub checkpoint.
An OpenAI-compatible server image (vLLM, SGLang): a `docker_server` truss (docker_server.py) that runs the engine's
own command line, the HF token read from the truss secret, Baseten's /predict mapped to its chat route. Pure: plain
dicts, no SDK, so preview stays light; the SDK's generated ModelConfig validates the result at create
(config_model) and truss's own model in the tests.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from pathlib import Path
from typing import Any

import yaml

from components.config import FleetConfig
from components.engines.registry import engine
from components.errors import UserError
from components.providers.baseten.docker_server import ServerSpec, sections
from components.providers.baseten.settings import BasetenSettings
from components.sizing.recommend import Plan
from components.tgi import HF_TOKEN_ENV

HF_SECRET = "hf_access_token"  # truss's default runtime_secret_name; Baseten mounts it at /secrets/<name>
OPENAI_TAG = "openai-compatible"  # trt_llm decoders must choose; this one serves /v1/chat/completions
CONFIG_FILE = "config.yaml"
MODEL_FILE = "model/model.py"  # truss's defaults: model_module_dir "model", model_class_filename "model.py"
MODEL_SOURCE = Path(__file__).with_name("truss_model.py")
SEED_MAX_NEW_TOKENS = 4096  # seed 001's predict: "max_new_tokens ... Maximum of 4096"
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
IMAGE_BUILD_S = 600  # a docker_server truss (vLLM, SGLang): copying the engine's image, as for TGI's


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


def launcher_args(cfg: FleetConfig, plan: Plan) -> list[str]:
    """text-generation-launcher's flags for the plan's limits (the model class adds --hostname and --port)."""
    args = ["--model-id", cfg.model.id,
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
    return args


def max_new_tokens(plan: Plan) -> tuple[int, str]:
    """The most tokens a predict may ask for: the seed's documented 4096, or what max_total_tokens leaves after
    a one-token prompt; and the reason when that is fewer (the model class's refusal quotes it)."""
    room = plan.max_total_tokens - 1
    if room >= SEED_MAX_NEW_TOKENS:
        return SEED_MAX_NEW_TOKENS, ""
    return room, (f"tgi-fleet:serving.max_total_tokens is {plan.max_total_tokens}, which prompt and answer share; "
                  f"raise it to {SEED_MAX_NEW_TOKENS + plan.max_input_tokens} for the documented {SEED_MAX_NEW_TOKENS}")


def model_source() -> str:
    """The model class's source, as the truss ships it (model/model.py)."""
    return MODEL_SOURCE.read_text()


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
    """engine tgi: TGI's pinned image as the base image, the model class runs TGI and serves seed 001's predict."""
    most, why = max_new_tokens(plan)
    tgi: dict[str, Any] = {"launcher_args": launcher_args(cfg, plan), "max_new_tokens": most,
                           # a changed model class is a changed truss, so a new deployment
                           "model_file_sha256": hashlib.sha256(model_source().encode()).hexdigest()[:16]}
    if why:
        tgi["max_new_tokens_reason"] = why
    return {
        **_common(cfg, plan, with_token),
        # truss runs its server with the image's python3 (TGI's own venv), the launcher is on the image's PATH.
        "base_image": {"image": engine(cfg.engine).image(cfg)},
        # example_model_input: seed 001's example (`truss predict -d ...`), which Baseten's UI offers to send.
        "model_metadata": {"tgi": tgi, "example_model_input": {"prompt": "What is the meaning of life?",
                                                               "max_new_tokens": most}},
        # Traffic waits for truss's readiness, which waits for load(): TGI's download + load + warm-up.
        "runtime": {"predict_concurrency": cfg.serving.max_concurrent_requests,
                    "health_checks": {"startup_threshold_seconds": plan.startup_budget_s}},
    }


def trt_quantization(cfg: FleetConfig, plan: Plan) -> str:
    """trt_llm.build.quantization_type for model.quantize on this GPU, or TrussError naming the key."""
    assert plan.gpu is not None
    quantize = plan.quantize
    if quantize not in TRT_QUANTIZATION:
        raise TrussError(
            f"tgi-fleet:model.quantize = {quantize!r}: Baseten's TensorRT-LLM engine (tgi-fleet:engine: trt-llm) has "
            f"no such quantization. Fix: none, eetq or bitsandbytes (int8 weights: weights_int8) or fp8, or "
            f"tgi-fleet:engine: tgi."
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


def server_config(cfg: FleetConfig, plan: Plan, server: ServerSpec, with_token: bool) -> dict[str, Any]:
    """An engine's own server image (vLLM, SGLang) as a docker_server truss, on the plan's GPUs.

    The HF token reaches the server as HF_TOKEN read from the truss secret's file, never as text in config.yaml;
    tgi-fleet:extra_env joins the server's env. example_model_input is an OpenAI chat request, what Baseten's
    /predict (mapped to the server's chat route) takes, as in truss-examples' vLLM trusses (essential/config.yaml,
    commit 3003cbe5e66cd40e89d625738b5cf78b05b53d09: model, messages, max_tokens).
    """
    secret_env = {**server.secret_env, **({HF_TOKEN_ENV: HF_SECRET} if with_token else {})}
    try:
        server = ServerSpec.model_validate({**server.model_dump(), "env": {**server.env, **cfg.extra_env},
                                            "secret_env": secret_env})
    except ValueError as exc:
        raise TrussError(f"tgi-fleet:extra_env cannot join the server's environment on Baseten: {exc}. Fix: "
                         f"rename or drop that tgi-fleet:extra_env entry.") from None
    common = {k: v for k, v in _common(cfg, plan, with_token=False).items() if k != "environment_variables"}
    example = {"model": served_model(server, cfg), "messages": [{"role": "user", "content": "What is Deep Learning?"}],
               "max_tokens": min(cfg.smoke.max_tokens, plan.max_total_tokens - 1), "stream": False}
    return {
        **common, **sections(server),
        "model_metadata": {"example_model_input": example, "tags": [OPENAI_TAG]},
        # Traffic waits for readiness_endpoint, which the server answers once the model is loaded.
        "runtime": {"predict_concurrency": cfg.serving.max_concurrent_requests,
                    "health_checks": {"startup_threshold_seconds": plan.startup_budget_s}},
    }


def served_model(server: ServerSpec, cfg: FleetConfig) -> str:
    """The model name the server answers to: its --served-model-name when it has one, else the model id."""
    words = list(server.command)
    for i, word in enumerate(words):
        if word == "--served-model-name" and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--served-model-name="):
            return word.split("=", 1)[1]
    return cfg.model.id


def truss_config(cfg: FleetConfig, plan: Plan, settings: BasetenSettings, *, with_token: bool,
                 server: ServerSpec | None = None) -> dict[str, Any]:
    """The whole config.yaml as a dict, keys in the order a person writes them: a docker_server truss when the
    engine runs as its own server image (`server`), else the configured engine's (tgi or trt-llm)."""
    if server is not None:
        config = server_config(cfg, plan, server, with_token)
    else:
        config = TRUSS_BUILDERS[cfg.engine](cfg, plan, with_token)
    return {key: config[key] for key in sorted(config, key=KEY_ORDER.index)}


def with_secrets(config: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """config with `secrets` naming each of names (null values: references to Baseten secrets), keys in order;
    config unchanged when names is empty."""
    if not names:
        return config
    config = {**config, "secrets": dict.fromkeys(names)}
    rank = {key: i for i, key in enumerate(KEY_ORDER)}
    return {key: config[key] for key in sorted(config, key=lambda k: rank.get(k, len(rank)))}


# The truss each engine Baseten runs becomes (BasetenProvider.engines lists the same names).
TRUSS_BUILDERS = {"tgi": tgi_config, "trt-llm": trt_llm_config}


def deploy_timeout_s(plan: Plan, settings: BasetenSettings, engine: str) -> int:
    """How long a new deployment may take to become ACTIVE: configured, else build allowance + readiness."""
    return settings.deploy_timeout_s or BUILD_ALLOWANCE_S.get(engine, IMAGE_BUILD_S) + plan.readiness_timeout_s


def config_yaml(config: dict[str, Any]) -> str:
    """config.yaml text, keys in the order a person writes them."""
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False, width=1000)


def _files(config: dict[str, Any]) -> dict[str, bytes]:
    """The truss's files: config.yaml, and the model class unless the truss is a trt_llm engine."""
    files = {CONFIG_FILE: config_yaml(config).encode()}
    if not config.get("trt_llm") and not config.get("docker_server"):
        files[MODEL_FILE] = model_source().encode()
    return files


def write_truss(directory: Path, config: dict[str, Any]) -> Path:
    """A truss directory (config.yaml, and model/model.py for engine tgi); returns its path."""
    for name, data in _files(config).items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return directory


def truss_archive(config: dict[str, Any]) -> bytes:
    """The truss as the uncompressed tar `truss push` uploads; byte-identical for the same config."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in _files(config).items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def read_archive_config(archive: bytes) -> dict[str, Any]:
    """config.yaml from a truss archive; ValueError when it has none."""
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
