"""The program's one path: config -> secrets -> plan -> provider component -> smoke -> outputs."""

from __future__ import annotations

from dataclasses import replace

import pulumi

from components.plan import PlanError, build_plan, check_fit
from components.providers import registry
from components.providers.base import BuildContext
from components.secrets import check_model_access
from components.sizing.recommend import with_live_offers
from components.sizing.report import explain
from components.smoke.args import SmokeArgs
from components.smoke.billing import billing_spec
from components.smoke.resource import SmokeTest
from components.stack import from_pulumi


def deploy() -> None:
    """Build this stack: everything `__main__.py` does."""
    cfg = from_pulumi()
    provider = registry.provider(cfg.provider)
    secrets = provider.secrets(cfg)  # once: the AWS source is one Secrets Manager call per secret per run
    plan = build_plan(cfg, provider.catalog(cfg.settings), hf_token=secrets.hf_token, startup=provider.startup)
    wanted = cfg.smoke.min_ready_replicas or 1
    if cfg.smoke.enabled and wanted > 1 and not provider.counts_replicas:
        raise PlanError(f"tgi-fleet:smoke.min_ready_replicas = {wanted}: the {cfg.provider} provider's readiness "
                        f"check sees one endpoint (GET /health), so it can count 1 at most. Fix: unset it; the "
                        f"provider's own rollout waits for the replicas.")
    ctx = BuildContext(provider=provider, cfg=cfg, settings=cfg.settings, plan=plan, secrets=secrets)
    live = provider.live_offers(ctx)
    if live is not None:  # the provider's own prices replace the catalog's estimate for it
        plan = with_live_offers(plan, live)
        ctx = replace(ctx, plan=plan)
    pulumi.log.info(explain(plan))
    if plan.filled:
        pulumi.log.info(f"filled by the sizing recommender (not in the stack config): {', '.join(plan.filled)}")
    unfit = check_fit(cfg, plan)  # raises before any resource exists, unless the stack overrides it
    if unfit:
        pulumi.log.warn(unfit)
    if cfg.secrets.check_model_access and not pulumi.runtime.is_dry_run() and not provider.renders_only(cfg.settings):
        # Before any GPU is rented: a gated model would otherwise fail only after the replicas are paid for.
        check_model_access(cfg, secrets.hf_token)
    service = provider.build(cfg.name, ctx)
    out = service.outputs

    pulumi.export("provider", cfg.provider)
    pulumi.export("model", cfg.model.id)
    pulumi.export("limits", {k: getattr(plan, k) for k in
                             ("max_input_tokens", "max_total_tokens", "max_batch_prefill_tokens", "num_shard")})
    pulumi.export("gpu", {"class": plan.gpu.name if plan.gpu else None,
                          "min_vram_gib": round(plan.memory.min_vram_bytes / 1024**3, 2)})
    pulumi.export("hourly_cost_usd", plan.hourly_cost)
    pulumi.export("cost_by_provider", {q.provider: {"offering": q.offering, "usd_per_hour": q.hourly_cost}
                                       for q in plan.quotes})
    pulumi.export("sizing", explain(plan))
    for key, value in out.extras.items():
        pulumi.export(key, value)
    if out.endpoint is not None:
        pulumi.export("endpoint", out.endpoint)

    smoke = cfg.smoke
    test: SmokeTest | None = None
    if smoke.enabled and out.endpoint is not None and out.readiness is not None:
        endpoint = pulumi.Output.from_input(smoke.endpoint) if smoke.endpoint else out.endpoint
        args = SmokeArgs.of(
            out, endpoint,
            min_ready=wanted,
            timeout_s=smoke.ready_timeout_s or plan.readiness_timeout_s,
            knobs=smoke.model_dump(include={"prompts", "max_tokens", "temperature", "top_p", "stop",
                                            "ttft_slo_ms", "latency_slo_ms"}),
            model=cfg.model.id,
            seed_requests=[r.model_dump() for r in smoke.requests],
            billing=billing_spec(cfg.provider, pulumi.get_stack(), cfg.replicas, plan.gpu.name if plan.gpu else None,
                                 plan.hourly_cost, smoke.on_failure),
            engine=cfg.engine,
        )
        test = SmokeTest(f"{cfg.name}-smoke", args, opts=pulumi.ResourceOptions(parent=service))
        pulumi.export("smoke", {k: getattr(test, k) for k in
                                ("ttft_ms_p50", "ttft_ms_p95", "latency_ms_p50", "latency_ms_p95", "tokens_per_s",
                                 "readiness_to_first_request_ms", "readiness_calls_per_min")})
        # After the readiness wait and the smoke requests (and `pulumi refresh` updates them): not the snapshot the
        # provider's create returned.
        pulumi.export("status", test.status)
        pulumi.export("ready_replicas", test.ready_replicas)
        pulumi.export("curl_example", test.curl_example)
        pulumi.export("openai_example", test.openai_example)
    elif smoke.enabled:
        pulumi.log.warn(f"smoke: skipped: the {cfg.provider} deployment has no endpoint reachable from here (no "
                        f"gateway, render mode, or no public host). Fix: set tgi-fleet:smoke.endpoint to a URL "
                        f"that reaches it, or tgi-fleet:smoke.enabled: false to silence this.")
    service.after_proven(test)
