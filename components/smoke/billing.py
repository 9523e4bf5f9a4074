"""After a failed smoke test: what still runs and bills, its hourly cost and how to stop it (or the stop itself).

The smoke resource carries a plain `billing` description (made by `billing_spec` in the program); when the test
fails, `after_failure` words the sentence that the failure message ends with. With `tgi-fleet:smoke.on_failure:
stop` it first asks the stack's provider to stop the deployment (`Provider.stop`), through the same readiness
spec the wait used.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from components.errors import ApiError, UserError

OnFailure = Literal["keep", "stop"]


class Billing(BaseModel):
    """What the stack runs, as the smoke resource's provider process sees it (plain values, no secrets)."""

    provider: str
    stack: str
    replicas: int
    gpu: str | None  # the plan's GPU class (the smallest the replicas may land on)
    hourly_cost_usd: float | None  # the plan's cost for all replicas (the `hourly_cost_usd` output)
    on_failure: OnFailure = "keep"


def billing_spec(provider: str, stack: str, replicas: int, gpu: str | None, hourly_cost: float | None,
                 on_failure: OnFailure) -> dict[str, Any]:
    """The smoke resource's `billing` input."""
    return Billing(provider=provider, stack=stack, replicas=replicas, gpu=gpu, hourly_cost_usd=hourly_cost,
                   on_failure=on_failure).model_dump()


def _running(b: Billing) -> str:
    gpu = f" on {b.gpu}" if b.gpu else ""
    cost = (f", about ${b.hourly_cost_usd:.2f}/h (the plan's hourly_cost_usd)" if b.hourly_cost_usd is not None
            else " (no price known for it: see the provider's own price list)")
    return f"the {b.provider} deployment ({b.replicas} replica(s){gpu}){cost}"


def _destroy(b: Billing) -> str:
    return f"`make destroy STACK={b.stack}` (or `pulumi destroy --stack {b.stack}`)"


def after_failure(billing: dict[str, Any] | None, readiness: dict[str, Any] | None) -> str:
    """The sentence a smoke failure ends with: still running and billing (and how to stop it), or stopped."""
    if not billing:
        return ""
    b = Billing.model_validate(billing)
    if b.on_failure == "stop" and readiness:
        from components.providers import registry

        try:
            done = registry.provider(b.provider).stop(readiness)
        except (ApiError, UserError) as exc:
            return (f" tgi-fleet:smoke.on_failure is stop, but stopping failed ({exc}): {_running(b)} is still "
                    f"running and billing. Stop it with {_destroy(b)}.")
        if done:
            return f" tgi-fleet:smoke.on_failure is stop: {done}. {_destroy(b)} removes it."
        return (f" tgi-fleet:smoke.on_failure is stop, but the {b.provider} provider cannot stop a deployment from "
                f"here: {_running(b)} is still running and billing. Stop it with {_destroy(b)}.")
    return (f" Still running and billing: {_running(b)}, kept for its logs and the next `up` "
            f"(tgi-fleet:smoke.on_failure: keep). Stop it with {_destroy(b)}, or set "
            f"tgi-fleet:smoke.on_failure: stop to stop it when the smoke test fails.")
