"""The startup budget of each shipped stack beside the time a slow node needs to download its weights.

    .venv/bin/python bench/startup_budget.py

"slow node": on SaladCloud (and the local emulator of it) the 90th percentile (5.5 GB in 40 minutes, SaladCloud's
figure in shared/notes/real-artifacts.md, 2.3 MB/s); elsewhere a datacenter node on one connection per file,
40 MB/s (huggingface/huggingface_hub#2658; components/sizing/recommend.py SINGLE_CONNECTION_HUB_MB_S).
A budget below the slow node's time means such a node is killed by its startup probe before it can be ready.
gke-prod ships Google's DLC URI without a digest (Google publishes it as `latest` only): it is read here with a
stand-in digest, as the tests read it; the digest changes nothing in the budget.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.config import ConfigError  # noqa: E402
from components.plan import build_plan  # noqa: E402
from components.providers import registry  # noqa: E402
from components.stack import parse_config  # noqa: E402
from tests.baseten_cases import raw_config  # noqa: E402

SLOW_MB_S = {"salad": 5500 / 2400, "local": 5500 / 2400}
DEFAULT_SLOW_MB_S = 40.0
STAND_IN = {"gke-prod": {"image": "us-docker.pkg.dev/deeplearning-platform-release/gcr.io/huggingface-text-generation-"
                                  "inference-cu124.2-4.ubuntu2204.py311@sha256:" + "0" * 64}}


def main() -> None:
    print(f"{'stack':18} {'provider':10} {'weights GB':>10} {'rate MB/s':>9} {'budget s':>9} {'wait s':>7} "
          f"{'slow node s':>11}  verdict")
    for path in sorted((ROOT / "stacks").glob("Pulumi.*.yaml")):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        try:
            cfg = parse_config(*raw_config(stack, **STAND_IN.get(stack, {})))
        except ConfigError as exc:
            print(f"{stack:18} (its config needs more than the stack file: {str(exc).splitlines()[1].strip()[:60]}...)")
            continue
        provider = registry.provider(cfg.provider)
        rule = provider.startup
        plan = build_plan(cfg, provider.catalog(cfg.settings), startup=rule)
        weights_mb = plan.memory.weights_bytes / 1e6
        stack_rate = "download_mb_s" in cfg.sizing.model_fields_set or rule.download_mb_s is None
        rate = cfg.sizing.download_mb_s if stack_rate else rule.download_mb_s
        slow = weights_mb / SLOW_MB_S.get(cfg.provider, DEFAULT_SLOW_MB_S)
        verdict = "ok" if plan.startup_budget_s >= slow else "a slow node is killed"
        print(f"{stack:18} {cfg.provider:10} {weights_mb / 1000:10.1f} {rate:9g} {plan.startup_budget_s:9d} "
              f"{plan.readiness_timeout_s:7d} {slow:11.0f}  {verdict}")


if __name__ == "__main__":
    main()
