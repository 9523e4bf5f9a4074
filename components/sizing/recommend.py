"""The sizing recommender: serving limits, num_shard, GPU fit, probe budget and hourly cost of a plan."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from components.catalog.gpus import GIB, Gpu, GpuCatalog, Offering
from components.catalog.models import ModelArch
from components.sizing import engines
from components.sizing.engines import EngineKnobs, EngineLimits
from components.sizing.memory import Dtype, MemoryEstimate, Quantize, effective_quantize

DEFAULT_TOTAL_TOKENS = 4096  # what HF's TGI recommender proposes for 7B-class models (seed 003)
FALLBACK_TOTAL_TOKENS = (2048, 1024, 512)
GENERATION_RESERVE = 96  # tokens kept for the answer when only max_total_tokens is known (HF: 4096 -> 4000)
SHARD_CHOICES = (1, 2, 4, 8)


class SizingError(ValueError):
    """Limits that cannot work whatever the GPU (e.g. max_input_tokens >= max_total_tokens)."""


class Bandwidth(BaseModel):
    """What the startup budget assumes; override per stack (tgi-fleet:sizing)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    download_mb_s: float = Field(100.0, gt=0, description="weights download speed from the Hub, MB/s")
    load_mb_s: float = Field(1000.0, gt=0, description="disk-to-GPU load speed, MB/s")
    warmup_s: int = Field(60, ge=0, description="TGI warm-up (prefill of max_batch_prefill_tokens, CUDA graphs)")
    image_gb: float = Field(10.0, ge=0, description="TGI image size pulled on a fresh node, GB")


class StartupRule(BaseModel):
    """A platform's own facts for the startup budget (each provider states its own, with sources)."""

    model_config = ConfigDict(frozen=True)
    download_mb_s: float | None = Field(None, gt=0, description="a conservative weights download rate on its "
                                        "nodes, MB/s; None: Bandwidth's. A stack's sizing.download_mb_s wins")
    slow_download_mb_s: float | None = Field(None, gt=0, description="a slow node's rate, MB/s, which the "
                                             "probe's budget allows for (the readiness wait keeps download_mb_s); "
                                             "None: download_mb_s")
    floor_s: int = Field(0, ge=0, description="the platform's own default startup allowance: never below it")
    ceiling_s: int | None = Field(None, gt=0, description="the longest startup its probe settings can express")


# A datacenter node's conservative Hub rate: one HTTP connection per file, ~40 MB/s whatever the node's link
# (huggingface/huggingface_hub#2658: one file "limited to only 40 megabytes per second" on a server with over
# 1 Gbit/s; the maintainer: "There will still be 1 connection per file"). hf_transfer, which TGI's images enable,
# is faster when it works and falls back to that one connection when it does not.
SINGLE_CONNECTION_HUB_MB_S = 40.0


class PlanInputs(BaseModel):
    """What the stack asks for; None means 'let the recommender choose'."""

    model_config = ConfigDict(frozen=True)
    model_id: str
    arch: ModelArch
    engine: str = "tgi"  # tgi-fleet:engine: whose memory rule sizes the plan (sizing.engines)
    knobs: EngineKnobs = EngineKnobs()
    dtype: Dtype = "float16"
    quantize: Quantize = "none"
    max_input_tokens: int | None = None
    max_total_tokens: int | None = None
    max_batch_prefill_tokens: int | None = None
    num_shard: int | None = None
    gpu_classes: tuple[Offering, ...] = ()  # the classes the deployment may land on; empty = any
    replicas: int = 1
    bandwidth: Bandwidth = Bandwidth()
    startup: StartupRule = StartupRule()


class ProviderQuote(BaseModel):
    """The cheapest way to run the plan's limits on one provider."""

    provider: str
    offering: str
    gpu: str
    gpus: int
    num_shard: int
    min_vram_bytes: int
    price_per_hour: float
    hourly_cost: float  # all replicas


class LiveOffer(BaseModel):
    """One offer the provider's own API quotes for the plan right now (one replica)."""

    offering: str  # e.g. "aws us-east-1 g5.xlarge"
    gpu: str  # e.g. "A10G"
    gpus: int
    price_per_hour: float
    spot: bool
    availability: str


class LiveOffers(BaseModel):
    """The stack provider's own quote for the plan (e.g. a dstack server's run plan), cheapest first."""

    provider: str
    source: str  # where the offers come from, e.g. "dstack server http://127.0.0.1:3000, project main"
    offers: list[LiveOffer]
    total: int  # offers in all (the list may hold only the cheapest few)
    empty_reason: str = "no offers"


class Plan(BaseModel):
    """The resolved serving plan every provider component deploys and the policy pack checks."""

    model_id: str
    arch: ModelArch
    dtype: Dtype
    quantize: Quantize
    max_input_tokens: int
    max_total_tokens: int
    max_batch_prefill_tokens: int
    num_shard: int
    model_max_context: int
    filled: list[str]  # limits the recommender chose (not set in the stack)
    memory: MemoryEstimate
    gpu: Offering | None  # the smallest class the deployment may land on (the one that must fit)
    gpu_classes: list[Offering]  # every class the deployment may land on
    fits: bool
    startup_budget_s: int
    readiness_timeout_s: int
    replicas: int
    hourly_cost: float | None
    quotes: list[ProviderQuote]
    live: LiveOffers | None = None  # the provider's own offers, where its API quotes them (the catalog estimates)
    engine: str = "tgi"  # tgi-fleet:engine: whose memory rule sized it
    knobs: EngineKnobs = EngineKnobs()
    # The engine's launch limits and expected KV capacity (vLLM, SGLang); None: TGI reads the fields above.
    engine_limits: EngineLimits | None = None


def _estimate(inputs: PlanInputs, total: int, prefill: int, shards: int, gpu: Gpu | None) -> MemoryEstimate:
    return engines.rule(inputs.engine).estimate(inputs.arch, dtype=inputs.dtype, quantize=inputs.quantize, total=total,
                                        prefill=prefill, num_shard=shards, knobs=inputs.knobs, gpu=gpu)


def _limits(inputs: PlanInputs, total: int, gpu: Gpu | None = None, shards: int = 1) -> tuple[int, int, int]:
    """(max_input, max_total, max_batch_prefill) with the recommender's defaults for what is unset (the prefill
    batch: TGI's max_input rounded up to 256; vLLM's and SGLang's own default for the GPU)."""
    if inputs.max_total_tokens is None and inputs.max_input_tokens is not None:
        total = inputs.max_input_tokens + GENERATION_RESERVE
    total = inputs.max_total_tokens or total
    reserve = min(GENERATION_RESERVE, total // 2)
    max_input = inputs.max_input_tokens or total - reserve
    prefill = inputs.max_batch_prefill_tokens or engines.rule(inputs.engine).default_prefill(max_input, gpu, shards)
    return max_input, total, prefill


def check_limits(max_input: int, total: int, prefill: int, context: int, engine: str = "tgi",
                 max_num_seqs: int | None = None) -> list[str]:
    """The engine's own start-up rules for the token limits (TGI's by default); an empty list means consistent."""
    return engines.rule(engine).check_limits(max_input, total, prefill, context, max_num_seqs)


def shard_choices(arch: ModelArch, max_gpus: int) -> list[int]:
    """Shard counts TGI accepts: powers of two that divide the attention heads, up to the GPUs at hand."""
    return [n for n in SHARD_CHOICES if n <= max_gpus and arch.num_attention_heads % n == 0]


def recommend(inputs: PlanInputs, catalog: GpuCatalog | None = None) -> Plan:
    """Resolve limits and num_shard for the requested GPU classes, and quote every provider."""
    arch = inputs.arch
    context = arch.max_position_embeddings
    smallest = min(inputs.gpu_classes, key=lambda o: (o.gpu.vram_bytes, o.count), default=None)
    chip = smallest.gpu if smallest else None
    max_gpus = smallest.count if smallest else 8
    shards = [inputs.num_shard] if inputs.num_shard else shard_choices(arch, max_gpus) or [1]
    totals = [inputs.max_total_tokens] if inputs.max_total_tokens else [
        t for t in (DEFAULT_TOTAL_TOKENS, *FALLBACK_TOTAL_TOKENS) if t <= context
    ] or [context]

    # Prefer the default context on the fewest shards; shorten the context only when nothing else fits.
    chosen: tuple[int, int, int, int, MemoryEstimate] | None = None
    for total_guess in totals:
        for n in shards:
            max_input, total, prefill = _limits(inputs, total_guess, chip, n)
            mem = _estimate(inputs, total, prefill, n, chip)
            if chosen is None:
                chosen = (max_input, total, prefill, n, mem)
            if smallest is None or mem.min_vram_bytes <= smallest.gpu.vram_bytes:
                chosen = (max_input, total, prefill, n, mem)
                break
        else:
            continue
        break
    assert chosen is not None
    max_input, total, prefill, n, mem = chosen
    if smallest is not None and mem.min_vram_bytes > smallest.gpu.vram_bytes and not inputs.num_shard:
        # Nothing fits: report the largest shard count (least memory per GPU) so the message is useful.
        n = shards[-1]
        max_input, total, prefill = _limits(inputs, totals[0], chip, n)
        mem = _estimate(inputs, total, prefill, n, chip)

    engine_rule = engines.rule(inputs.engine)
    seqs = inputs.knobs.max_num_seqs or engine_rule.default_max_num_seqs(chip, n)
    problems = check_limits(max_input, total, prefill, context, inputs.engine, seqs)
    if inputs.max_total_tokens is None and inputs.max_input_tokens is None and problems:
        raise SizingError("; ".join(problems))
    filled = [
        name
        for name, given in (
            ("max_input_tokens", inputs.max_input_tokens),
            ("max_total_tokens", inputs.max_total_tokens),
            ("max_batch_prefill_tokens", inputs.max_batch_prefill_tokens),
            ("num_shard", inputs.num_shard),
        )
        if given is None
    ]
    fits = smallest is None or mem.min_vram_bytes <= smallest.gpu.vram_bytes
    bw, rule = inputs.bandwidth, inputs.startup
    # A rate the stack sets is the stack's; otherwise the platform's conservative one (a replica killed by its
    # startup probe mid-download restarts, never gets ready, and bills).
    rate = bw.download_mb_s
    own_rate = "download_mb_s" in bw.model_fields_set
    if rule.download_mb_s is not None and not own_rate:
        rate = rule.download_mb_s
    # The probe allows for a slow node where the platform has them (one killed mid-download never gets ready);
    # the update's wait needs the first replicas, so it keeps the typical rate.
    slow = rule.slow_download_mb_s if rule.slow_download_mb_s is not None and not own_rate else rate
    weights_mb = mem.weights_bytes / 1e6

    def seconds_at(mb_s: float) -> int:
        return math.ceil(weights_mb / mb_s + weights_mb / bw.load_mb_s + bw.warmup_s)

    expected = seconds_at(rate)
    # The platform's own default is the least it gets (a shorter one only kills slow nodes sooner); the wait
    # itself stays the expected time plus the image pull.
    startup = max(seconds_at(slow), rule.floor_s)
    if rule.ceiling_s is not None:
        startup = min(startup, rule.ceiling_s)
    readiness = expected + math.ceil(bw.image_gb * 1000 / rate)
    price = smallest.price_per_hour if smallest else None
    plan = Plan(
        model_id=inputs.model_id,
        arch=arch,
        dtype=inputs.dtype,
        quantize=effective_quantize(arch, inputs.quantize),
        max_input_tokens=max_input,
        max_total_tokens=total,
        max_batch_prefill_tokens=prefill,
        num_shard=n,
        model_max_context=context,
        filled=filled,
        memory=mem,
        gpu=smallest,
        gpu_classes=list(inputs.gpu_classes),
        fits=fits,
        startup_budget_s=startup,
        readiness_timeout_s=readiness,
        replicas=inputs.replicas,
        hourly_cost=None if price is None else round(price * inputs.replicas, 4),
        quotes=[],
        engine=inputs.engine,
        knobs=inputs.knobs,
        engine_limits=engine_rule.limits(arch, dtype=inputs.dtype, quantize=inputs.quantize, total=total,
                                         prefill=prefill, num_shard=n, knobs=inputs.knobs, gpu=chip),
    )
    if catalog is not None:
        plan.quotes = quote_providers(inputs, plan, catalog)
    return plan


def quote_providers(inputs: PlanInputs, plan: Plan, catalog: GpuCatalog) -> list[ProviderQuote]:
    """Cheapest fitting offering per provider at the plan's limits (fewest shards on a price tie)."""
    quotes = []
    for provider in catalog.offerings:
        best: ProviderQuote | None = None
        for n in shard_choices(inputs.arch, 8):
            mem = _estimate(inputs, plan.max_total_tokens, plan.max_batch_prefill_tokens, n, None)
            offering = catalog.cheapest(provider, mem.min_vram_bytes, gpus=n)
            if offering is None or offering.price_per_hour is None:
                continue
            cost = round(offering.price_per_hour * inputs.replicas, 4)
            if best is None or cost < best.hourly_cost:
                best = ProviderQuote(
                    provider=provider,
                    offering=offering.name,
                    gpu=offering.gpu.name,
                    gpus=offering.count,
                    num_shard=n,
                    min_vram_bytes=mem.min_vram_bytes,
                    price_per_hour=offering.price_per_hour,
                    hourly_cost=cost,
                )
        if best is not None:
            quotes.append(best)
    return sorted(quotes, key=lambda q: q.hourly_cost)


def with_live_offers(plan: Plan, live: LiveOffers) -> Plan:
    """The plan priced by the provider's own cheapest offer (its row of the table and the plan's cost) where it
    has one; with none, the catalog's estimate stays and the table says the provider has no offer."""
    if not live.offers:
        return plan.model_copy(update={"live": live})
    best = min(live.offers, key=lambda o: o.price_per_hour)
    cost = round(best.price_per_hour * plan.replicas, 4)
    quote = ProviderQuote(provider=live.provider, offering=f"{best.offering} (live)", gpu=best.gpu, gpus=best.gpus,
                          num_shard=plan.num_shard, min_vram_bytes=plan.memory.min_vram_bytes,
                          price_per_hour=best.price_per_hour, hourly_cost=cost)
    quotes = sorted([q for q in plan.quotes if q.provider != live.provider] + [quote], key=lambda q: q.hourly_cost)
    return plan.model_copy(update={"live": live, "hourly_cost": cost, "quotes": quotes})


def gib(n: int) -> str:
    """Bytes as GiB with two decimals."""
    return f"{n / GIB:.2f} GiB"
