"""The program's one path: config -> plan -> provider -> smoke -> outputs."""

from __future__ import annotations

import pulumi

from components.config import from_pulumi
from components.plan import build_plan, check_fit
from components.providers import builder_for
from components.secrets import check_model_access, hf_token
from components.sizing.report import explain
from components.smoke.resource import SmokeTest


def deploy() -> None:
    """Build this stack: everything `__main__.py` does."""
    cfg = from_pulumi()
    plan = build_plan(cfg)
    pulumi.log.info(explain(plan))
    if plan.filled:
        pulumi.log.info(f"filled by the sizing recommender (not in the stack config): {', '.join(plan.filled)}")
    unfit = check_fit(cfg, plan)  # raises before any resource exists, unless the stack overrides it
    if unfit:
        pulumi.log.warn(unfit)
    if cfg.secrets.check_model_access and not pulumi.runtime.is_dry_run() and not cfg.renders_only:
        # Before any GPU is rented: a gated model would otherwise fail only after the replicas are paid for.
        check_model_access(cfg, hf_token(cfg))
    deployment = builder_for(cfg.provider)(cfg, plan)

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
    for key, value in deployment.outputs.items():
        pulumi.export(key, value)
    if deployment.endpoint is not None:
        pulumi.export("endpoint", deployment.endpoint)

    smoke = cfg.smoke
    if smoke.enabled and deployment.endpoint is not None and deployment.readiness is not None:
        endpoint = pulumi.Output.from_input(smoke.endpoint) if smoke.endpoint else deployment.endpoint
        test = SmokeTest(
            f"{cfg.name}-smoke",
            endpoint=endpoint,
            headers=deployment.headers,
            readiness=deployment.readiness,
            min_ready=smoke.min_ready_replicas or 1,
            timeout_s=smoke.ready_timeout_s or plan.readiness_timeout_s,
            knobs=smoke.model_dump(include={"prompts", "max_tokens", "temperature", "top_p", "stop",
                                            "ttft_slo_ms", "latency_slo_ms"}),
            model=cfg.model.id,
            trigger=deployment.trigger,
            auth_hint=deployment.auth_hint,
            plain_headers=deployment.plain_headers,
            opts=pulumi.ResourceOptions(parent=deployment.service),
        )
        pulumi.export("smoke", {k: getattr(test, k) for k in
                                ("ttft_ms_p50", "ttft_ms_p95", "latency_ms_p50", "latency_ms_p95", "tokens_per_s",
                                 "readiness_to_first_request_ms")})
        pulumi.export("curl_example", test.curl_example)
        pulumi.export("openai_example", test.openai_example)
