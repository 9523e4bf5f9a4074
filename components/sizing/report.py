"""The human-readable sizing table (CLI, `pulumi preview` logs and stack outputs)."""

from __future__ import annotations

from components.sizing.recommend import LiveOffers, Plan, gib


def explain(plan: Plan) -> str:
    """A table a reviewer can check by hand: every number with where it came from."""
    m = plan.memory
    src = {k: "recommended" if k in plan.filled else "stack config" for k in
           ("max_input_tokens", "max_total_tokens", "max_batch_prefill_tokens", "num_shard")}
    rows = [
        f"tgi-fleet sizing: {plan.model_id}  dtype={plan.dtype} quantize={plan.quantize}  "
        f"{m.params / 1e9:.2f} B params, context {plan.model_max_context}",
        f"  {'limit':<28}{'value':>10}  source",
        f"  {'max_input_tokens':<28}{plan.max_input_tokens:>10}  {src['max_input_tokens']}",
        f"  {'max_total_tokens':<28}{plan.max_total_tokens:>10}  {src['max_total_tokens']}",
        f"  {'max_batch_prefill_tokens':<28}{plan.max_batch_prefill_tokens:>10}  {src['max_batch_prefill_tokens']}",
        f"  {'num_shard':<28}{plan.num_shard:>10}  {src['num_shard']}",
        f"  memory per GPU ({plan.num_shard} shard{'s' if plan.num_shard > 1 else ''})",
        f"  {'weights':<28}{gib(m.weights_bytes_per_shard):>12}  {gib(m.weights_bytes)} / {plan.num_shard}",
        f"  {'KV cache':<28}{gib(m.kv_cache_bytes):>12}  {plan.max_total_tokens} tokens x "
        f"{m.kv_cache_bytes_per_token / 1024:.1f} KiB",
        f"  {'prefill workspace':<28}{gib(m.prefill_workspace_bytes):>12}  "
        f"{plan.max_batch_prefill_tokens} tokens "
        f"({'TGI warm-up' if plan.engine_limits is None else plan.engine + ' profile run'})",
        f"  {'CUDA context + allocator':<28}{gib(m.overhead_bytes):>12}",
    ]
    limits = plan.engine_limits
    if limits is not None and m.engine_reserve_bytes:
        rows.append(f"  {'outside the engine share':<28}{gib(m.engine_reserve_bytes):>12}  "
                    f"{plan.engine} takes {limits.memory_fraction:g} of the GPU")
    rows.append(f"  {'min VRAM per GPU':<28}{gib(m.min_vram_bytes):>12}")
    if limits is not None:
        rows += engine_rows(plan)
    if plan.gpu is not None:
        verdict = "fits" if plan.fits else "DOES NOT FIT"
        rows.append(
            f"  GPU {plan.gpu.name} ({plan.gpu.gpu.name}, {plan.gpu.gpu.vram_gb:g} GiB): {verdict}, "
            f"headroom {gib(plan.gpu.gpu.vram_bytes - m.min_vram_bytes)}"
        )
    rows.append(f"  startup budget {plan.startup_budget_s} s, readiness timeout {plan.readiness_timeout_s} s")
    if plan.hourly_cost is not None:
        rows.append(f"  cost of this plan: ${plan.hourly_cost:.2f}/h for {plan.replicas} replica(s)")
    if plan.quotes:
        rows.append(f"  cheapest fit per provider ({plan.replicas} replica(s)):")
        width = max(26, *(len(q.offering) + 1 for q in plan.quotes))  # a live offer's name can be longer
        rows += [
            f"    {q.provider:<10}{q.offering:<{width}}num_shard={q.num_shard:<3}${q.hourly_cost:>9.2f}/h"
            for q in plan.quotes
        ]
    if plan.live is not None:
        rows += live_rows(plan.live, plan.replicas)
    return "\n".join(rows)


def engine_rows(plan: Plan) -> list[str]:
    """The engine's launch limits, the KV tokens it should hold on the GPU, and why (vLLM, SGLang)."""
    limits = plan.engine_limits
    assert limits is not None
    rows = [f"  {plan.engine} launch limits (its own rule, sizing.engines):"]
    rows += [f"    {flag:<30}{value:>10}" for flag, value in limits.flags.items()]
    if plan.gpu is not None:
        rows.append(f"  KV cache on {plan.gpu.gpu.name}: {limits.kv_token_capacity} tokens per GPU "
                    f"({limits.kv_token_capacity / plan.max_total_tokens:.1f} x a {plan.max_total_tokens}-token "
                    f"sequence)")
    rows += [f"    why: {line}" for line in limits.why]
    return rows


def live_rows(live: LiveOffers, replicas: int, shown: int = 5) -> list[str]:
    """The provider's own offers under the table: the cheapest few, or why there is none."""
    if not live.offers:
        return [f"  {live.source}: {live.empty_reason}; the {live.provider} price above is the catalog's "
                f"estimate, not an offer"]
    rows = [f"  offers of the {live.source} (cheapest first, {replicas} replica(s)):"]
    rows += [f"    {o.offering:<36}{o.gpus}x {o.gpu:<10}${o.price_per_hour * replicas:>9.2f}/h"
             f"{' spot' if o.spot else ''}, {o.availability}" for o in live.offers[:shown]]
    if live.total > min(shown, len(live.offers)):
        rows.append(f"    ... and {live.total - min(shown, len(live.offers))} more")
    return rows
