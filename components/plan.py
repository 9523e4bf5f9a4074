"""From validated config to a sizing Plan: resolve the GPU request to catalog offerings, run the recommender."""

from __future__ import annotations

from pathlib import Path

from components.catalog.engine_support import refusals
from components.catalog.gpus import GpuCatalog, Offering, load_catalog
from components.catalog.models import ModelArch, load_model
from components.config import FleetConfig
from components.errors import UserError
from components.sizing.engines import EngineKnobs
from components.sizing.fit import fixes, shard_fit
from components.sizing.memory import effective_quantize
from components.sizing.recommend import Plan, PlanInputs, SizingError, StartupRule, check_limits, gib, recommend


class PlanError(UserError, ValueError):
    """The config asks for something the catalog or sizing cannot satisfy; names the key and the fix."""


def resolve_gpu_classes(cfg: FleetConfig, catalog: GpuCatalog, price_list: str | None) -> tuple[Offering, ...]:
    """The offerings a replica may land on (the plan must fit the smallest).

    price_list: the provider's key in the catalog (Provider.catalog); None: your own nodes, unpriced.
    """
    provider = price_list or ""
    req = cfg.gpu
    if req.name is not None:
        try:
            chip = catalog.gpu(req.name)
        except KeyError as exc:
            raise PlanError(f"tgi-fleet:gpu.name = {req.name!r}: {exc.args[0]}") from None
        priced = [o for o in catalog.offerings.get(provider, []) if o.gpu == chip and o.count >= req.count]
        base = min(priced, key=lambda o: o.count) if priced else None
        return (
            Offering(
                provider=cfg.provider,
                name=chip.name,
                gpu=chip,
                count=req.count,
                price_per_hour=base.price_per_hour if base else None,
                gke_accelerator=base.gke_accelerator if base else None,
                node_type=base.name if base else None,
            ),
        )
    if req.classes:
        found = []
        for i, name in enumerate(req.classes):
            try:
                found.append(catalog.offering(provider, name))
            except KeyError as exc:
                raise PlanError(f"tgi-fleet:gpu.classes[{i}] = {name!r}: {exc.args[0]}") from None
        return tuple(found)
    assert req.min_vram_gb is not None
    found = [o for o in catalog.with_min_vram(provider, req.min_vram_gb) if o.count >= req.count]
    if not found:
        raise PlanError(
            f"tgi-fleet:gpu.min_vram_gb = {req.min_vram_gb:g}: no {provider} class has that much VRAM. "
            f"Fix: lower it, or name classes in tgi-fleet:gpu.classes."
        )
    # Any of these may be scheduled; keep the cheapest few of the smallest size that qualifies.
    smallest = min(o.gpu.vram_gb for o in found)
    return tuple(sorted((o for o in found if o.gpu.vram_gb == smallest), key=lambda o: o.price_per_hour or 0))


def model_arch(cfg: FleetConfig, hf_token: str | None = None) -> ModelArch:
    """Architecture of the configured model (shipped, a config.json path, or the Hub with the stack's token)."""
    path = cfg.model.config_path
    if path is not None and not (Path(path).is_file() and path.endswith(".json")):
        why = "not a .json file" if Path(path).is_file() else "no such file"
        raise PlanError(f"tgi-fleet:model.config_path = {path!r}: {why}. Fix: the path of the model's config.json "
                        f"(relative to the project directory), or remove model.config_path to use the shipped or "
                        f"Hub config.")
    try:
        return load_model(cfg.model.config_path or cfg.model.id, hf_token, cfg.model.revision,
                          endpoint=cfg.secrets.hf_endpoint)
    except ValueError as exc:
        raise PlanError(f"tgi-fleet:model.id = {cfg.model.id!r}: {exc}") from None


def _check_shards(cfg: FleetConfig, arch: ModelArch, offerings: tuple[Offering, ...]) -> None:
    """num_shard must split the attention heads evenly and fit the GPUs one instance has (sizing.fit.shard_fit)."""
    shards = cfg.serving.num_shard
    if shards is None:
        return
    heads = arch.num_attention_heads
    fits = [shard_fit(shards, heads, o.count) for o in offerings]
    if not all(f.splits_heads for f in fits):
        raise PlanError(f"tgi-fleet:serving.num_shard = {shards}: {cfg.model.id} has {heads} attention heads, "
                        f"which {shards} shards cannot split evenly (TGI refuses it at start). Fix: set "
                        f"serving.num_shard to one of {', '.join(map(str, fits[0].divisors))}.")
    for o, fit in zip(offerings, fits, strict=True):
        if not fit.fits_gpus:
            raise PlanError(f"tgi-fleet:serving.num_shard = {shards}: {o.name} has {o.count} GPU(s) per "
                            f"instance, one per shard. Fix: set serving.num_shard <= {o.count}, or pick a GPU "
                            f"class with {shards} GPUs in tgi-fleet:gpu.classes.")


# Quantizations that read pre-quantized weights: the checkpoint's config.json names its method.
_CHECKPOINT_QUANTIZE = ("gptq", "awq")


def _check_checkpoint_quantization(cfg: FleetConfig, arch: ModelArch) -> None:
    """gptq/awq load pre-quantized weights: the checkpoint's quantization_config.quant_method must match."""
    want = cfg.model.quantize
    if want not in _CHECKPOINT_QUANTIZE:
        return
    has = arch.quantization_config.quant_method.lower() if arch.quantization_config else None
    if has != want:
        what = f"is a {has} checkpoint" if has else "is not a pre-quantized checkpoint (no quantization_config)"
        instead = repr(has) if has else "none or an on-the-fly method (bitsandbytes, eetq, fp8)"
        raise PlanError(f"tgi-fleet:model.quantize = {want!r}: {cfg.model.id} {what}. Fix: use a {want.upper()} "
                        f"checkpoint in model.id, or set model.quantize to {instead}.")


def engine_knobs(cfg: FleetConfig) -> EngineKnobs:
    """The stack's engine-specific serving keys, for the engine's sizing rule."""
    s = cfg.serving
    return EngineKnobs(gpu_memory_utilization=s.gpu_memory_utilization, mem_fraction_static=s.mem_fraction_static,
                       kv_cache_dtype=s.kv_cache_dtype, max_num_seqs=s.max_num_seqs)


# The config key that sets each value the engine support table checks.
_SUPPORT_KEYS = {"quantize": "model.quantize", "dtype": "model.dtype", "kv_cache_dtype": "serving.kv_cache_dtype"}


def _check_engine_support(cfg: FleetConfig, arch: ModelArch, offerings: tuple[Offering, ...]) -> None:
    """The engine must run the quantization (the checkpoint's own included), dtype and KV dtype on every GPU."""
    quantize = effective_quantize(arch, cfg.model.quantize)
    for o in offerings:
        found = refusals(cfg.engine, o.gpu, quantize=quantize, dtype=cfg.model.dtype,
                         kv_cache_dtype=cfg.serving.kv_cache_dtype)
        if not found:
            continue
        r = found[0]
        usable = ", ".join(r.supported) or "none"
        where = f"tgi-fleet:{_SUPPORT_KEYS[r.kind]} = {r.value!r}"
        fix = f"set {_SUPPORT_KEYS[r.kind]} to one {r.label} runs on {o.gpu.name} ({usable})"
        if r.kind == "quantize" and cfg.model.quantize == "none":  # a pre-quantized checkpoint carries its method
            where = f"tgi-fleet:model.id = {cfg.model.id!r}: a {r.value} checkpoint"
            fix = f"use a checkpoint quantized with one {r.label} runs on {o.gpu.name} ({usable}) in model.id"
        raise PlanError(f"{where}: {r.reason}; tgi-fleet:engine is {cfg.engine!r}, GPU {o.name}. Fix: {fix}, pick "
                        f"a GPU class it runs on in tgi-fleet:gpu, or another tgi-fleet:engine.")


def build_plan(cfg: FleetConfig, price_list: str | None, catalog: GpuCatalog | None = None,
               hf_token: str | None = None, startup: StartupRule | None = None) -> Plan:
    """The sizing plan for this stack; PlanError when its token limits cannot work for the model.

    price_list: the provider's key in the catalog (Provider.catalog; None: unpriced). hf_token: the resolved
    token, for models read from the Hub. startup: the provider's startup rule.
    """
    catalog = catalog or load_catalog()
    s = cfg.serving
    arch = model_arch(cfg, hf_token)
    context = arch.max_position_embeddings
    offerings = resolve_gpu_classes(cfg, catalog, price_list)
    _check_shards(cfg, arch, offerings)
    _check_checkpoint_quantization(cfg, arch)
    _check_engine_support(cfg, arch, offerings)
    for key, value in (("max_total_tokens", s.max_total_tokens), ("max_input_tokens", s.max_input_tokens)):
        if value is not None and value > context:
            raise PlanError(f"tgi-fleet:serving.{key} = {value}: beyond the context of {cfg.model.id} ({context} "
                            f"tokens). Fix: set serving.{key} <= {context}.")
    try:
        plan = recommend(
            PlanInputs(
                model_id=cfg.model.id,
                arch=arch,
                engine=cfg.engine,
                knobs=engine_knobs(cfg),
                dtype=cfg.model.dtype,
                quantize=cfg.model.quantize,
                max_input_tokens=s.max_input_tokens,
                max_total_tokens=s.max_total_tokens,
                max_batch_prefill_tokens=s.max_batch_prefill_tokens,
                num_shard=s.num_shard,
                gpu_classes=offerings,
                replicas=cfg.replicas,
                bandwidth=cfg.sizing,
                startup=startup or StartupRule(),
            ),
            catalog,
        )
    except SizingError as exc:
        raise PlanError(f"tgi-fleet:serving: {exc}. Fix: set the serving limits explicitly.") from None
    seqs = plan.engine_limits.max_num_seqs if plan.engine_limits else None
    problems = check_limits(plan.max_input_tokens, plan.max_total_tokens, plan.max_batch_prefill_tokens, context,
                            plan.engine, seqs)
    if problems:
        raise PlanError(f"tgi-fleet:serving: {'; '.join(problems)}. Fix: adjust tgi-fleet:serving.")
    return plan


def _reserve_text(plan: Plan) -> str:
    """The part of the GPU the engine's rule keeps out of its budget (vLLM, SGLang), for the verdict."""
    if plan.engine_limits is None or not plan.memory.engine_reserve_bytes:
        return ""
    return (f", and {gib(plan.memory.engine_reserve_bytes)} {plan.engine} keeps outside its "
            f"{plan.engine_limits.memory_fraction:g} of the GPU")


def check_fit(cfg: FleetConfig, plan: Plan) -> str | None:
    """None when the plan fits its GPU. Otherwise the sizing verdict with its numbers and fixes: raised as a
    PlanError, or returned (for a warning) when the stack sets tgi-fleet:sizing.allow_unfit."""
    gpu = plan.gpu
    if plan.fits or gpu is None:
        return None
    m = plan.memory
    found = fixes(plan.arch, plan.dtype, plan.quantize, plan.max_total_tokens, plan.max_batch_prefill_tokens,
                  plan.num_shard, gpu.gpu.vram_bytes, gpu.count, plan.engine, plan.knobs, gpu.gpu)
    verdict = (
        f"tgi-fleet:gpu: sizing verdict DOES NOT FIT: {plan.model_id} "
        f"{plan.quantize if plan.quantize != 'none' else plan.dtype} at {plan.max_total_tokens} tokens "
        f"(num_shard {plan.num_shard}) needs {gib(m.min_vram_bytes)} per GPU (weights "
        f"{gib(m.weights_bytes_per_shard)}, KV cache {gib(m.kv_cache_bytes)}, prefill workspace "
        f"{gib(m.prefill_workspace_bytes)}, CUDA context + allocator {gib(m.overhead_bytes)}"
        f"{_reserve_text(plan)}); {gpu.name} has "
        f"{gib(gpu.gpu.vram_bytes)}. Fix: {' or '.join(found)}"
    )
    if cfg.sizing.allow_unfit:
        return f"{verdict}. tgi-fleet:sizing.allow_unfit is set: deploying it anyway; its replicas will run out of " \
               f"GPU memory."
    raise PlanError(f"{verdict} (tgi-fleet:gpu, tgi-fleet:serving, tgi-fleet:model.quantize); nothing was "
                    f"created or changed. To deploy it anyway, set tgi-fleet:sizing.allow_unfit: true.")
