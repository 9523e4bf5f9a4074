"""From validated config to a sizing Plan: resolve the GPU request to catalog offerings, run the recommender."""

from __future__ import annotations

from components.catalog.gpus import GpuCatalog, Offering, load_catalog
from components.catalog.models import ModelArch, load_model
from components.config import FleetConfig
from components.errors import UserError
from components.providers import registry
from components.sizing.recommend import Plan, PlanInputs, recommend


class PlanError(UserError, ValueError):
    """The config asks for something the catalog or sizing cannot satisfy; names the key and the fix."""


def resolve_gpu_classes(cfg: FleetConfig, catalog: GpuCatalog) -> tuple[Offering, ...]:
    """The offerings a replica may land on (the plan must fit the smallest)."""
    # The provider says which price list it rents from (None: your own nodes, unpriced).
    provider = registry.provider(cfg.provider).catalog(cfg.settings) or ""
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
    try:
        return load_model(cfg.model.config_path or cfg.model.id, hf_token, cfg.model.revision,
                          endpoint=cfg.secrets.hf_endpoint)
    except ValueError as exc:
        raise PlanError(f"tgi-fleet:model.id = {cfg.model.id!r}: {exc}") from None


def build_plan(cfg: FleetConfig, catalog: GpuCatalog | None = None, hf_token: str | None = None) -> Plan:
    """The sizing plan for this stack (hf_token: the resolved token, for models read from the Hub)."""
    catalog = catalog or load_catalog()
    s = cfg.serving
    return recommend(
        PlanInputs(
            model_id=cfg.model.id,
            arch=model_arch(cfg, hf_token),
            dtype=cfg.model.dtype,
            quantize=cfg.model.quantize,
            max_input_tokens=s.max_input_tokens,
            max_total_tokens=s.max_total_tokens,
            max_batch_prefill_tokens=s.max_batch_prefill_tokens,
            num_shard=s.num_shard,
            gpu_classes=resolve_gpu_classes(cfg, catalog),
            replicas=cfg.replicas,
            bandwidth=cfg.sizing,
        ),
        catalog,
    )
