"""python -m components.sizing --model-config PATH_OR_HF_ID [--engine tgi] [--dtype float16] [--quantize …] [--json]"""

from __future__ import annotations

import argparse
import json
import sys
from typing import get_args

from components.catalog.gpus import Offering, load_catalog
from components.catalog.models import load_model
from components.sizing.engines import RULES, EngineKnobs
from components.sizing.memory import Dtype, Quantize
from components.sizing.recommend import PlanInputs, recommend
from components.sizing.report import explain


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    """The CLI's arguments."""
    p = argparse.ArgumentParser(prog="python -m components.sizing", description=__doc__)
    p.add_argument("--model-config", required=True, metavar="PATH_OR_HF_ID",
                   help="a config.json path, a shipped model id, or (online) any HF Hub model id")
    p.add_argument("--engine", choices=list(RULES), default="tgi", help="whose memory rule sizes it (default: tgi)")
    p.add_argument("--gpu-memory-utilization", type=float, help="vLLM: the share of the GPU it takes (default 0.92)")
    p.add_argument("--mem-fraction-static", type=float, help="SGLang: the share for weights and KV (default: SGLang's)")
    p.add_argument("--dtype", choices=get_args(Dtype), default="float16")
    p.add_argument("--quantize", choices=get_args(Quantize), default="none")
    p.add_argument("--max-total-tokens", type=_positive)
    p.add_argument("--max-input-tokens", type=_positive)
    p.add_argument("--max-batch-prefill-tokens", type=_positive)
    p.add_argument("--num-shard", type=_positive)
    p.add_argument("--gpu", help="check the fit on this GPU class, e.g. 'RTX 4090 (24 GB)' or 'A10G'")
    p.add_argument("--provider", default="salad", help="whose class names --gpu uses (default: salad)")
    p.add_argument("--replicas", type=_positive, default=1)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the recommender and print its table or JSON."""
    args = parser().parse_args(argv)
    catalog = load_catalog()
    try:
        arch = load_model(args.model_config)
        classes: tuple[Offering, ...] = ()
        if args.gpu:
            classes = (catalog.offering(args.provider, args.gpu),)
        plan = recommend(
            PlanInputs(
                model_id=args.model_config,
                arch=arch,
                engine=args.engine,
                knobs=EngineKnobs(gpu_memory_utilization=args.gpu_memory_utilization,
                                  mem_fraction_static=args.mem_fraction_static),
                dtype=args.dtype,
                quantize=args.quantize,
                max_input_tokens=args.max_input_tokens,
                max_total_tokens=args.max_total_tokens,
                max_batch_prefill_tokens=args.max_batch_prefill_tokens,
                num_shard=args.num_shard,
                gpu_classes=classes,
                replicas=args.replicas,
            ),
            catalog,
        )
    except (ValueError, KeyError) as exc:
        print(f"error: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        return 2
    if args.json:
        out = {
            "model_id": plan.model_id,
            "params": plan.memory.params,
            "weights_bytes": plan.memory.weights_bytes,
            "kv_cache_bytes_per_token": plan.memory.kv_cache_bytes_per_token,
            "min_vram_bytes": plan.memory.min_vram_bytes,
            "fits": plan.fits,
            **plan.model_dump(exclude={"memory", "gpu", "fits", "arch", "gpu_classes"}),
            "memory": plan.memory.model_dump(),
            "gpu": plan.gpu.name if plan.gpu else None,
        }
        print(json.dumps(out))
    else:
        print(explain(plan))
    return 0 if plan.fits else 1


if __name__ == "__main__":
    sys.exit(main())
