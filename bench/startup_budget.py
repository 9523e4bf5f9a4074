"""The startup budget of each shipped stack beside the time a slow node needs to download its weights.

    .venv/bin/python bench/startup_budget.py

"slow node": SaladCloud's 90th percentile (5.5 GB in 40 minutes, SaladCloud's figure in shared/notes/
real-artifacts.md, 2.3 MB/s); elsewhere a datacenter node at 30 MB/s (the issue's example of a slow cloud pull).
A budget below the slow node's time means such a node is killed by its startup probe before it can be ready.
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

SLOW_MB_S = {"salad": 5500 / 2400}
DEFAULT_SLOW_MB_S = 30.0


def main() -> None:
    print(f"{'stack':18} {'provider':10} {'weights GB':>10} {'budget s':>9} {'wait s':>7} {'slow node s':>11}  verdict")
    for path in sorted((ROOT / "stacks").glob("Pulumi.*.yaml")):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        try:
            cfg = parse_config(*raw_config(stack))
        except ConfigError as exc:
            print(f"{stack:18} (its config needs more than the stack file: {str(exc).splitlines()[1].strip()[:60]}...)")
            continue
        provider = registry.provider(cfg.provider)
        plan = build_plan(cfg, provider.catalog(cfg.settings), startup=provider.startup)
        weights_mb = plan.memory.weights_bytes / 1e6
        slow = weights_mb / SLOW_MB_S.get(cfg.provider, DEFAULT_SLOW_MB_S)
        verdict = "ok" if plan.startup_budget_s >= slow else "a slow node is killed"
        print(f"{stack:18} {cfg.provider:10} {weights_mb / 1000:10.1f} {plan.startup_budget_s:9d} "
              f"{plan.readiness_timeout_s:7d} {slow:11.0f}  {verdict}")


if __name__ == "__main__":
    main()
