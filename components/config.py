"""Typed stack config: every `tgi-fleet:*` key of stacks/Pulumi.<stack>.yaml, validated once at the edge.

Errors name the config key, the bad value and the fix (the field's description says what is accepted).
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from components.errors import UserError
from components.image import PIN_EXAMPLE, pin_problem
from components.sizing.engines import KNOB_ENGINES, KvCacheDtype
from components.sizing.memory import Dtype, Quantize
from components.sizing.recommend import Bandwidth
from components.urls import HttpUrlText

NAMESPACE = "tgi-fleet"
SECRET_KEYS = ("hf_token", "api_key")  # every provider's; a provider adds its own (Provider.secret_keys)
# Fields the program fills from the provider's section and secret keys, never config keys themselves.
INTERNAL_FIELDS = ("settings", "provider_secrets")
_HF_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_DNS_NAME = re.compile(r"^[a-z][a-z0-9-]{0,61}[a-z0-9]$")

PositiveInt = Annotated[int, Field(ge=1)]
# The engines tgi-fleet deploys: components/engines/registry.py names them (one module each; the stack loader
# refuses a name it lacks, and the provider one it cannot run), so adding an engine needs no change here.
EngineName = str


def _dns_name(v: str) -> str:
    if not _DNS_NAME.match(v):
        raise ValueError("must match ^[a-z][a-z0-9-]{0,61}[a-z0-9]$")
    return v


DnsName = Annotated[str, AfterValidator(_dns_name)]  # a DNS label: names of deployments, orgs, projects


def _scalar_text(x: Any) -> Any:
    if isinstance(x, bool):  # before int: a bool is one
        return "true" if x else "false"
    return str(x) if isinstance(x, (int, float)) else x  # anything else is left for the str check to name


def _env_text(v: Any) -> Any:
    # `pulumi config set --path extra_env.X 4000000` stores a number; environment values are text anyway.
    return {k: _scalar_text(x) for k, x in v.items()} if isinstance(v, dict) else v


# extra_env names the plan or a secret owns, with the key that sets them (TGI launcher env names).
OWNED_ENV = {
    "MODEL_ID": "model.id", "REVISION": "model.revision", "DTYPE": "model.dtype", "QUANTIZE": "model.quantize",
    "MAX_INPUT_TOKENS": "serving.max_input_tokens", "MAX_INPUT_LENGTH": "serving.max_input_tokens",
    "MAX_TOTAL_TOKENS": "serving.max_total_tokens", "MAX_BATCH_PREFILL_TOKENS": "serving.max_batch_prefill_tokens",
    "NUM_SHARD": "serving.num_shard", "SHARDED": "serving.num_shard",
    "MAX_CONCURRENT_REQUESTS": "serving.max_concurrent_requests", "PORT": "gateway.port",
    "TRUST_REMOTE_CODE": "model.trust_remote_code",
}
SECRET_ENV = {"HF_TOKEN": "hf_token", "HUGGING_FACE_HUB_TOKEN": "hf_token", "HUGGINGFACE_HUB_TOKEN": "hf_token",
              "API_KEY": "api_key"}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(BaseModel):
    """Base of a provider's config section (`tgi-fleet:<section>.*`): unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSpec(_Section):
    """The model TGI serves."""

    id: str = Field(description="a Hugging Face model id such as 'mistralai/Mistral-7B-Instruct-v0.3'")
    revision: str | None = Field(None, description="a branch, tag or commit of the model repo")
    dtype: Dtype = Field("float16", description="one of float16, bfloat16 (float32 only for sizing)")
    quantize: Quantize = Field(
        "none", description="one of none, bitsandbytes, bitsandbytes-nf4, bitsandbytes-fp4, eetq, gptq, awq, fp8"
    )
    config_path: str | None = Field(
        None, description="path to the model's config.json when it is neither shipped nor reachable on the Hub"
    )
    trust_remote_code: bool = Field(False, description="true or false")

    @field_validator("id")
    @classmethod
    def _hf_id(cls, v: str) -> str:
        if not _HF_ID.match(v):
            raise ValueError("expected 'owner/name'")
        return v


class Serving(_Section):
    """TGI launcher limits; unset ones are filled by the sizing recommender and reported."""

    max_input_tokens: PositiveInt | None = Field(None, description="a positive integer < max_total_tokens")
    max_total_tokens: PositiveInt | None = Field(None, description="a positive integer <= the model's context")
    max_batch_prefill_tokens: PositiveInt | None = Field(
        None, description="a positive integer >= max_input_tokens"
    )
    num_shard: Literal[1, 2, 4, 8] | None = Field(None, description="1, 2, 4 or 8 (GPUs per replica)")
    max_concurrent_requests: PositiveInt = Field(128, description="a positive integer (TGI default 128)")
    # The engine-specific keys (sizing.engines.KNOB_ENGINES says which engine reads each); unset: its default.
    gpu_memory_utilization: float | None = Field(
        None, gt=0, le=1, description="vLLM only: the fraction of each GPU vLLM takes, > 0 and <= 1 (vLLM's "
                                      "default 0.92)")
    mem_fraction_static: float | None = Field(
        None, gt=0, lt=1, description="SGLang only: the fraction of each GPU for weights and KV cache, > 0 and < 1 "
                                      "(SGLang's default depends on the GPU's memory)")
    kv_cache_dtype: KvCacheDtype = Field(
        "auto", description="vLLM and SGLang: auto (the model's dtype), fp8, fp8_e4m3 or fp8_e5m2")
    max_num_seqs: PositiveInt | None = Field(
        None, description="vLLM and SGLang: the sequences batched at once (vLLM --max-num-seqs, SGLang "
                          "--max-running-requests), a positive integer")

    @model_validator(mode="after")
    def _ordered(self) -> Serving:
        # TGI refuses to start otherwise; the model's context is checked with the plan (it needs the model).
        given, total, prefill = self.max_input_tokens, self.max_total_tokens, self.max_batch_prefill_tokens
        if given is not None and total is not None and given >= total:
            raise ValueError(f"tgi-fleet:serving.max_input_tokens ({given}) must be < serving.max_total_tokens "
                             f"({total}). Fix: lower max_input_tokens or raise max_total_tokens")
        if given is not None and prefill is not None and prefill < given:
            raise ValueError(f"tgi-fleet:serving.max_batch_prefill_tokens ({prefill}) must be >= "
                             f"serving.max_input_tokens ({given}). Fix: raise max_batch_prefill_tokens")
        return self


class GpuRequest(_Section):
    """Which GPUs a replica may land on: class names, or a VRAM minimum for the cheapest fit."""

    classes: list[str] = Field(
        default_factory=list,
        description="GPU class names of the provider, e.g. ['RTX 4090 (24 GB)'] (python -m components.sizing "
        "lists them), or leave empty and set min_vram_gb",
    )
    min_vram_gb: float | None = Field(None, gt=0, description="a VRAM minimum per GPU in GB, e.g. 24")
    count: PositiveInt = Field(1, description="GPUs per replica (>= num_shard)")
    name: str | None = Field(
        None, description="the GPU model your own nodes/host have (kubernetes, docker), e.g. 'L4' or 'A100 80GB'"
    )


class Resources(_Section):
    """CPU, RAM, disk and shared memory per replica."""

    cpu: int = Field(8, ge=1, le=1024, description="vCPUs per replica, 1..1024")
    memory_mb: int = Field(30720, ge=1024, description="RAM per replica in MB, >= 1024")
    storage_gb: int = Field(50, ge=1, description="disk per replica in GB (model cache), >= 1")
    shm_mb: int | None = Field(None, ge=64, description="/dev/shm in MB, >= 64 (default: 1024 when sharded)")


class Gateway(_Section):
    """The public endpoint in front of the replicas."""

    enabled: bool = Field(True, description="true or false")
    auth: bool = Field(False, description="true or false (required true in prod by policy)")
    port: int = Field(3000, ge=1, le=65535, description="the container port TGI listens on, 1..65535")


class Secrets(_Section):
    """Where the Hugging Face token comes from."""

    hf_token_source: Literal["config", "env", "aws", "none"] = Field(
        "config",
        description="config (secret tgi-fleet:hf_token), env (variable hf_token_env), "
        "aws (Secrets Manager, hf_token_aws_secret_id) or none (public models)",
    )
    hf_token_env: str = Field("HF_TOKEN", description="the environment variable holding the token")
    hf_token_aws_secret_id: str | None = Field(None, description="the Secrets Manager secret ARN or name")
    aws_region: str | None = Field(None, description="the AWS region of the secret, e.g. us-east-1")
    aws_endpoint_url: str | None = Field(None, description="a Secrets Manager endpoint override (tests, VPC)")
    hf_endpoint: HttpUrlText = Field("https://huggingface.co", description="the Hugging Face Hub URL, e.g. "
                                     "https://huggingface.co")
    check_model_access: bool = Field(True, description="true: check the token can read the model first")

    @model_validator(mode="after")
    def _aws_needs_id(self) -> Secrets:
        if self.hf_token_source == "aws" and not self.hf_token_aws_secret_id:
            raise ValueError("hf_token_source 'aws' needs hf_token_aws_secret_id (the secret's ARN or name)")
        return self


class SeedRequest(_Section):
    """One request a seed document itself sends to the deployment; the smoke stage sends it as given."""

    name: str = Field(min_length=1, description="a short name the smoke stage's messages use, e.g. 'seed-003-generate'")
    source: str = Field(min_length=1, description="where the request comes from (the seed document and its section)")
    route: str = Field(
        pattern=r"^(/\S*|[a-z][a-z0-9_-]*)$",
        description="a path on the smoke endpoint such as '/v1/chat/completions' or '/generate', or the name of the "
                    "provider's own route (e.g. 'predict' on Baseten)")
    body: dict[str, Any] = Field(description="the JSON body, sent as given")
    stream: bool = Field(False, description="true when the body asks for a streamed answer (chat: the body's 'stream')")
    reply: Literal["chat", "generate", "text"] = Field(
        description="what a valid answer is: 'chat' (an OpenAI chat completion, or its chunks when streamed), "
                    "'generate' (TGI's GenerateResponse), 'text' (200 with a non-empty body)")

    @model_validator(mode="after")
    def _stream_agrees(self) -> SeedRequest:
        if self.reply == "chat" and bool(self.body.get("stream", False)) != self.stream:
            raise ValueError(f"stream is {str(self.stream).lower()} but the body's 'stream' is "
                             f"{str(bool(self.body.get('stream', False))).lower()}: set both alike")
        return self


class Smoke(_Section):
    """The smoke-test stage: readiness wait, chat completions, SLOs."""

    enabled: bool = Field(True, description="true or false")
    min_ready_replicas: PositiveInt | None = Field(None, description="replicas that must be ready (default 1)")
    ready_timeout_s: PositiveInt | None = Field(
        None, description="seconds to wait for readiness (default: the recommender's readiness timeout)"
    )
    prompts: list[str] = Field(
        default_factory=lambda: ["What is the meaning of life?"], min_length=1, description="non-empty prompts"
    )
    max_tokens: PositiveInt = Field(64, description="a positive integer")
    temperature: float = Field(0.1, ge=0, le=2, description="0..2 (Truss default 0.1)")
    top_p: float = Field(0.75, gt=0, le=1, description="0 < top_p <= 1 (Truss default 0.75)")
    stop: list[str] = Field(default_factory=list, max_length=4, description="at most 4 stop sequences")
    ttft_slo_ms: PositiveInt = Field(5000, description="time-to-first-token ceiling in ms")
    latency_slo_ms: PositiveInt = Field(60000, description="whole-answer latency ceiling in ms")
    endpoint: str | None = Field(None, description="override the URL the smoke test calls")
    on_failure: Literal["keep", "stop"] = Field(
        "keep", description="keep (the replicas stay up, and bill, for their logs and the next up) or stop (the "
                            "provider stops or scales the deployment to zero where it can) when the smoke test fails")
    requests: list[SeedRequest] = Field(
        default_factory=list,
        description="the seed's own example requests, sent after the prompts: each {name, source, route (a path "
                    "such as '/v1/chat/completions' or '/generate', or a provider route such as 'predict'), body, "
                    "stream, reply ('chat', 'generate' or 'text')}")


class Sizing(Bandwidth):
    """The startup-budget assumptions, and the one override of the fit check."""

    allow_unfit: bool = Field(
        False, description="true: deploy a plan the sizing says does not fit the GPU (logged as a warning; "
        "the policy pack still checks it)"
    )


class FleetConfig(BaseModel):
    """The whole stack config, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    provider: str = Field(description="a registered provider (components/providers/registry.py)")
    environment: Literal["dev", "prod"] = Field("dev", description="dev or prod")
    name: DnsName = Field("tgi", description="the deployment name: lowercase letters, digits, dashes, 2..63 chars")
    model: ModelSpec = Field(description="an object with at least id")
    serving: Serving = Serving()
    engine: EngineName = Field(
        "tgi", description="the inference engine every replica runs (docs/engines.md): tgi, vllm, sglang, or "
                           "trt-llm (Baseten's TensorRT-LLM builder, Baseten only)")
    gpu: GpuRequest = GpuRequest()
    replicas: int = Field(1, ge=1, le=500, description="replicas, 1..500")
    resources: Resources = Resources()
    image: str | None = Field(
        None,
        min_length=1,
        description="the engine's image with a pinned tag or digest (default: the engine's pinned image, "
                    "docs/engines.md; TGI: ghcr.io/huggingface/text-generation-inference:3.3.0)",
    )
    gateway: Gateway = Gateway()
    extra_env: Annotated[dict[str, str], BeforeValidator(_env_text)] = Field(
        default_factory=dict, description="extra plain env for the TGI container, e.g. {PAYLOAD_LIMIT: '4000000'}"
    )
    secrets: Secrets = Secrets()
    smoke: Smoke = Smoke()
    sizing: Sizing = Sizing()
    settings: SerializeAsAny[Settings] = Field(default_factory=Settings, description="the provider's section")
    # Secret values: read from the raw map, never echoed in errors.
    hf_token: str | None = Field(None, repr=False, description="set with `pulumi config set --secret hf_token`")
    api_key: str | None = Field(None, repr=False, description="set with `pulumi config set --secret api_key`")
    provider_secrets: dict[str, str] = Field(default_factory=dict, repr=False, description="the provider's secrets")

    @field_validator("image")
    @classmethod
    def _pinned(cls, v: str | None) -> str | None:
        problem = pin_problem(v) if v is not None else None
        if problem:
            raise ValueError(f"the image is not pinned: {problem}. Fix: a fixed tag (e.g. {PIN_EXAMPLE}) or "
                             f"an @sha256: digest")
        return v

    @model_validator(mode="after")
    def _cross_checks(self) -> FleetConfig:
        s = self.serving
        if s.num_shard and s.num_shard > self.gpu.count and not self.gpu.classes:
            raise ValueError(f"tgi-fleet:serving.num_shard ({s.num_shard}) needs gpu.count >= {s.num_shard}")
        if not self.gpu.classes and self.gpu.min_vram_gb is None and self.gpu.name is None:
            raise ValueError("tgi-fleet:gpu: set gpu.classes, gpu.min_vram_gb or gpu.name")
        # A stack without a public gateway has no endpoint to protect (the pack's gateway-auth-in-prod agrees).
        if self.environment == "prod" and self.gateway.enabled and not self.gateway.auth:
            raise ValueError("tgi-fleet:gateway.auth is false with tgi-fleet:environment 'prod': a prod endpoint "
                             "must ask for the API key. Fix: set gateway.auth: true (and the secret api_key), or "
                             "environment: dev")
        for name in self.extra_env:
            upper = name.upper()
            if upper in OWNED_ENV:
                raise ValueError(f"tgi-fleet:extra_env.{name} overrides what tgi-fleet sets from "
                                 f"tgi-fleet:{OWNED_ENV[upper]}. Fix: remove extra_env.{name} and set "
                                 f"{OWNED_ENV[upper]}")
            if upper in SECRET_ENV or re.search(r"(TOKEN|SECRET|PASSWORD|API_KEY)", upper):
                key = SECRET_ENV.get(upper, "a Pulumi secret")
                raise ValueError(f"tgi-fleet:extra_env.{name} is set in plain text, and it is a secret. Fix: remove "
                                 f"extra_env.{name} and use `pulumi config set --secret "
                                 f"{key if key in SECRET_KEYS else '<key>'} <value>`")
        for key, engines in KNOB_ENGINES.items():
            value = getattr(s, key)
            if self.engine not in engines and value not in (None, "auto"):
                raise ValueError(f"tgi-fleet:serving.{key} = {value!r} is read by {' and '.join(engines)} only; "
                                 f"tgi-fleet:engine is {self.engine!r}. Fix: remove serving.{key}, or set "
                                 f"tgi-fleet:engine to {' or '.join(engines)}")
        ready = self.smoke.min_ready_replicas
        if ready is not None and ready > self.replicas:
            raise ValueError(f"tgi-fleet:smoke.min_ready_replicas ({ready}) is more than tgi-fleet:replicas "
                             f"({self.replicas}): the smoke stage would wait for replicas that never exist. "
                             f"Fix: lower smoke.min_ready_replicas or raise replicas")
        return self


class ConfigError(UserError, ValueError):
    """Invalid stack config; the message lists every problem with its key and fix."""


def _walk(model: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model reached and the field found at loc, walking nested models."""
    current: type[BaseModel] | None = model
    info: FieldInfo | None = None
    for part in loc:
        if current is None or not isinstance(part, str) or part not in current.model_fields:
            return None, info
        info = current.model_fields[part]
        ann = info.annotation
        current = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return current, info


def format_errors(exc: ValidationError, model: type[BaseModel] = FleetConfig, prefix: tuple[str, ...] = (),
                  secret_keys: frozenset[str] = frozenset(SECRET_KEYS), top_keys: tuple[str, ...] = ()) -> list[str]:
    """One line per problem: tgi-fleet:key.path = value: what is wrong. Fix: what is accepted.

    model/prefix: the model that was validated and where it sits in the stack config (a provider's section).
    top_keys: further top-level keys the stack may set (the provider's section and secrets), for "did you mean".
    """
    lines = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p not in ("function-after",))
        key = ".".join(str(p) for p in (*prefix, *loc)) if (prefix or loc) else "(stack)"
        value = "<secret>" if loc and loc[0] in secret_keys else json.dumps(err.get("input"), default=str)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            parent, _ = _walk(model, loc[:-1])
            known = [k for k in (parent.model_fields if parent else ()) if k not in INTERNAL_FIELDS]
            close = difflib.get_close_matches(str(loc[-1]), known + list(top_keys if not loc[:-1] else ()), n=1)
            hint = f"Fix: remove it{f' (did you mean {close[0]!r}?)' if close else ''}."
            lines.append(f"{NAMESPACE}:{key}: unknown key. {hint}")
            continue
        # A section-level check (a dict input) names its keys in the message; the whole section, or at the top
        # the whole config with its secrets, is never echoed.
        if isinstance(err.get("input"), dict) and err["type"] == "value_error":
            lines.append(f"{msg}." if msg.startswith(f"{NAMESPACE}:") else f"{NAMESPACE}:{key}: {msg}.")
            continue
        fix = _walk(model, loc)[1]
        shown = "" if err["type"] == "missing" else f" = {value}"
        described = fix.description if fix else None
        lines.append(f"{NAMESPACE}:{key}{shown}: {msg}." + (f" Fix: {described}." if described else ""))
    return lines
