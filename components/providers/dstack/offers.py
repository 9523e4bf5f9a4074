"""dstack's offers for a plan: the run plan's offers as the sizing table's live prices, and the log's lines.

Light at import (no dstack module): the dynamic provider's process loads this; the program calls `live_offers`,
which loads dstack's client only then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from components.sizing.recommend import LiveOffer, LiveOffers

if TYPE_CHECKING:
    from components.providers.base import BuildContext
    from components.providers.dstack.settings import DstackSettings

MAX_OFFERS_SHOWN = 5
NO_OFFERS = "no offers: no fleet or backend of the project has this GPU (within max_price)"


def offers_of(run_plan: Any, provider: str = "dstack", source: str = "dstack server") -> LiveOffers:
    """The offers of dstack's run plan (its first job's; a service's jobs all ask for the same resources)."""
    job = run_plan.job_plans[0]
    offers = []
    for o in job.offers:
        gpus = o.instance.resources.gpus
        offers.append(LiveOffer(
            offering=f"{o.backend.value} {o.region} {o.instance.name}",
            gpu=gpus[0].name if gpus else "none", gpus=len(gpus), price_per_hour=float(o.price),
            spot=bool(o.instance.resources.spot), availability=o.availability.value))
    return LiveOffers(provider=provider, source=source, offers=offers, total=max(job.total_offers, len(offers)),
                      empty_reason=NO_OFFERS)


def describe_plan(run_plan: Any) -> list[str]:
    """dstack's offers for the plan, cheapest first, one line each (what the update's log shows)."""
    live = offers_of(run_plan)
    lines = [f"{o.offering}: ${o.price_per_hour:.4g}/h{' (spot)' if o.spot else ''}, {o.availability}"
             for o in live.offers[:MAX_OFFERS_SHOWN]]
    more = live.total - len(lines)
    if more > 0:
        lines.append(f"... and {more} more offers")
    return lines or [NO_OFFERS]


def live_offers(ctx: BuildContext[DstackSettings], conf: dict[str, Any], token: str) -> LiveOffers | None:
    """The server's offers for the service configuration; None when the server cannot be asked (the run's check
    then fails with the reason, naming the key)."""
    from components.providers.dstack.client import DstackApiError, api_from

    s = ctx.settings
    try:
        plan = api_from(s.api(), token).plan(conf)
    except DstackApiError:
        return None
    return offers_of(plan, ctx.cfg.provider, f"dstack server {s.server_url}, project {s.project!r}")
