"""Policy rules as pure functions over the TgiService contract: each returns violation messages (empty = ok)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from components.catalog.gpus import GIB, Gpu
from components.catalog.nodes import request_problems
from components.contract import ServiceContract
from components.image import PIN_EXAMPLE, pin_problem
from components.sizing.fit import fixes, need, shard_fit
from components.sizing.recommend import check_limits, gib

Config = Mapping[str, Any]
SECRET_WORDS = frozenset({"TOKEN", "SECRET", "PASSWORD", "PASSWD", "APIKEY", "CREDENTIALS"})
KEY_QUALIFIERS = frozenset({"API", "ACCESS", "PRIVATE", "SECRET", "AUTH"})
SECRET_VALUE = re.compile(r"^(hf_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16})$")


def _chip(c: ServiceContract) -> Gpu:
    return Gpu(name=c.gpu_name, vram_gb=c.gpu_vram_bytes / GIB, compute_capability=c.gpu_compute_capability)


def required_vram(c: ServiceContract) -> int:
    """min_vram_bytes recomputed from the model's architecture and the deployed limits (not trusted as given), by
    the engine's own rule (TGI: all of the GPU; vLLM, SGLang: the fraction of it they take)."""
    return need(c.model_arch, c.dtype, c.quantize, c.max_total_tokens, c.max_batch_prefill_tokens, c.num_shard,
                c.engine, c.engine_knobs, _chip(c))


def gpu_vram_minimum(c: ServiceContract, cfg: Config) -> list[str]:
    """The GPU must hold the model at the configured context by the engine's rule (weights + KV + prefill + CUDA
    context; vLLM and SGLang within the fraction of the GPU they take)."""
    needed = required_vram(c)
    if needed <= c.gpu_vram_bytes:
        return []
    found = fixes(c.model_arch, c.dtype, c.quantize, c.max_total_tokens, c.max_batch_prefill_tokens, c.num_shard,
                  c.gpu_vram_bytes, c.gpu_count, c.engine, c.engine_knobs, _chip(c))
    override = (" The stack sets tgi-fleet:sizing.allow_unfit, which lets the program deploy it; this policy still "
                "stops it." if c.allow_unfit else "")
    return [
        f"{c.model_id} {c.quantize if c.quantize != 'none' else c.dtype} at {c.max_total_tokens} tokens "
        f"needs {gib(needed)} per GPU; {c.gpu_class} has {gib(c.gpu_vram_bytes)}: " + " or ".join(found) + "."
        + override
    ]


def prod_replica_minimum(c: ServiceContract, cfg: Config) -> list[str]:
    """Interruptible capacity (SaladCloud) needs spare replicas; prod needs more."""
    minimum = int(cfg.get("prodMinimum", 5)) if c.environment == "prod" else 1
    if c.interruptible:
        minimum = max(minimum, int(cfg.get("interruptibleMinimum", 3)))
    if c.replicas >= minimum:
        return []
    why = "interruptible nodes can vanish at any time" if c.interruptible else "prod needs spare capacity"
    return [f"{c.name} runs {c.replicas} replica(s) on {c.provider} ({c.environment}); {why}: "
            f"set tgi-fleet:replicas >= {minimum}."]


def pinned_image(c: ServiceContract, cfg: Config) -> list[str]:
    """The TGI image must have a fixed tag or digest, never latest."""
    if pin_problem(c.image) is None:
        return []
    return [f"image {c.image!r} is not pinned: set tgi-fleet:image to a fixed tag "
            f"(e.g. {PIN_EXAMPLE}) or a @sha256 digest."]


def secrets_are_secret(c: ServiceContract, cfg: Config) -> list[str]:
    """Tokens and keys reach the container only as secret refs, never as plain env."""
    return [
        f"env {name} is passed in plain text: keep it in a Pulumi secret "
        f"(`pulumi config set --secret ...`) so the provider passes it as a secret reference."
        for name, value in sorted(c.plain_env.items())
        if looks_secret(name) or SECRET_VALUE.match(value)
    ]


def looks_secret(name: str) -> bool:
    """HF_TOKEN, SALAD_API_KEY, AWS_SECRET_ACCESS_KEY: yes; MAX_TOTAL_TOKENS, KEY_VALUE_CACHE: no."""
    words = name.upper().split("_")
    if SECRET_WORDS.intersection(words):
        return True
    return any(w == "KEY" and i > 0 and words[i - 1] in KEY_QUALIFIERS for i, w in enumerate(words))


def gateway_auth_in_prod(c: ServiceContract, cfg: Config) -> list[str]:
    """A public endpoint in prod must require auth."""
    if c.environment != "prod" or not c.gateway_enabled or c.gateway_auth:
        return []
    return [f"{c.name} exposes a public endpoint in prod without auth: set tgi-fleet:gateway.auth: true."]


def token_limits_consistent(c: ServiceContract, cfg: Config) -> list[str]:
    """max_input < max_total <= model context, and the engine's own rule for the prefill batch (TGI: >= max_input;
    vLLM: >= max_num_seqs): the engine refuses to start otherwise."""
    problems = check_limits(c.max_input_tokens, c.max_total_tokens, c.max_batch_prefill_tokens, c.model_max_context,
                            c.engine, c.engine_knobs.max_num_seqs)
    return [f"{c.model_id}: {p}: fix tgi-fleet:serving." for p in problems]


def shards_fit_gpus(c: ServiceContract, cfg: Config) -> list[str]:
    """One shard per GPU, and the attention heads must split evenly (sizing.fit.shard_fit)."""
    problems = []
    fit = shard_fit(c.num_shard, c.model_arch.num_attention_heads, c.gpu_count)
    if not fit.fits_gpus:
        problems.append(f"num_shard {c.num_shard} needs {c.num_shard} GPUs per replica; {c.gpu_class} gives "
                        f"{c.gpu_count}: lower serving.num_shard or pick a multi-GPU class.")
    if not fit.splits_heads:
        problems.append(f"{c.model_id} has {c.model_arch.num_attention_heads} attention heads, which "
                        f"{c.num_shard} shards cannot split: use a num_shard that divides it.")
    return problems


def requests_fit_node(c: ServiceContract, cfg: Config) -> list[str]:
    """A pod's CPU and memory requests fit its node type's allocatable (GKE's reservations), or it stays Pending."""
    if c.node_type is None:
        return []
    return request_problems(c.node_type, c.cpu_request_m, c.memory_request_mib)


def gpu_compute_capability(c: ServiceContract, cfg: Config) -> list[str]:
    """Flash-attention kernels need Ampere (compute capability 8.0) or newer unless configured otherwise."""
    minimum = float(cfg.get("minimum", 8.0))
    if c.gpu_compute_capability >= minimum or c.gpu_name in cfg.get("allow", []):
        return []
    return [f"{c.gpu_class} has compute capability {c.gpu_compute_capability:g} < {minimum:g} (TGI's "
            f"flash-attention kernels): pick an Ampere or newer GPU, or allow it in the policy config."]


def shm_for_shards(c: ServiceContract, cfg: Config) -> list[str]:
    """Sharded TGI exchanges tensors through /dev/shm (NCCL): it needs far more than the 64 MB default."""
    minimum = int(cfg.get("minimumMb", 1024)) * 1024**2
    if c.num_shard == 1 or c.shm_bytes >= minimum:
        return []
    return [f"num_shard {c.num_shard} with /dev/shm of {c.shm_bytes // 1024**2} MB: set "
            f"tgi-fleet:resources.shm_mb >= {minimum // 1024**2}."]


def hourly_cost_ceiling(c: ServiceContract, cfg: Config) -> list[str]:
    """Advisory: the plan's hourly cost stays under a ceiling."""
    ceiling = float(cfg.get("maxUsdPerHour", 20.0))
    if c.hourly_cost is None or c.hourly_cost <= ceiling:
        return []
    return [f"{c.name} costs ${c.hourly_cost:.2f}/h ({c.replicas} x {c.gpu_class}), over the "
            f"${ceiling:.2f}/h ceiling: fewer replicas, a cheaper class, or raise maxUsdPerHour."]


def logs_shipped_in_prod(c: ServiceContract, cfg: Config) -> list[str]:
    """Production containers ship their logs somewhere that keeps them (SaladCloud: container.logging)."""
    if c.environment != "prod" or c.log_destination:
        return []
    return [f"{c.name} is a prod deployment whose container logs go nowhere beyond the node: name a destination "
            f"(SaladCloud: tgi-fleet:salad.logging, e.g. axiom, datadog, http, splunk; Docker: docker.log_driver)."]


@dataclass(frozen=True)
class Rule:
    """A named rule, its enforcement and its policy-config schema."""

    name: str
    check: Callable[[ServiceContract, Config], list[str]]
    mandatory: bool = True
    config_schema: Mapping[str, Any] | None = None

    @property
    def description(self) -> str:
        return (self.check.__doc__ or self.name).strip()


RULES: tuple[Rule, ...] = (
    Rule("gpu-vram-minimum", gpu_vram_minimum),
    Rule("prod-replica-minimum", prod_replica_minimum, config_schema={
        "prodMinimum": {"type": "integer", "default": 5}, "interruptibleMinimum": {"type": "integer", "default": 3}}),
    Rule("pinned-image", pinned_image),
    Rule("secrets-are-secret", secrets_are_secret),
    Rule("gateway-auth-in-prod", gateway_auth_in_prod),
    Rule("token-limits-consistent", token_limits_consistent),
    Rule("shards-fit-gpus", shards_fit_gpus),
    Rule("requests-fit-node", requests_fit_node),
    Rule("gpu-compute-capability", gpu_compute_capability, config_schema={
        "minimum": {"type": "number", "default": 8.0}, "allow": {"type": "array", "items": {"type": "string"}}}),
    Rule("shm-for-shards", shm_for_shards, config_schema={"minimumMb": {"type": "integer", "default": 1024}}),
    Rule("hourly-cost-ceiling", hourly_cost_ceiling, mandatory=False,
         config_schema={"maxUsdPerHour": {"type": "number", "default": 20.0}}),
    Rule("logs-shipped-in-prod", logs_shipped_in_prod, mandatory=False),
)


def evaluate(props: Mapping[str, Any], config: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, list[str]]:
    """All rules over one TgiService's props: {rule name: violations}; for tests and the CLI-less path."""
    contract = ServiceContract.model_validate(props)
    config = config or {}
    return {rule.name: rule.check(contract, config.get(rule.name, {})) for rule in RULES}
