"""Measure real device memory for the sizing benchmark. Run on a GPU machine (needs torch + transformers):

    python bench/measure_vram.py --out bench/vram_measurements.csv

For every shipped model that fits the GPU: build it from its config.json with random fp16 weights (no download),
run one prefill of 512, 2048 and 4096 tokens with the KV cache kept and logits for the last token only (as TGI
computes them), and record device memory in use (torch.cuda.mem_get_info: total - free, CUDA context and the
caching allocator included) next to torch's own peak allocation. Pre-quantized checkpoints (GPTQ) are skipped:
their kernels are not part of plain transformers.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "components" / "catalog" / "models"
FIELDS = ["model", "dtype", "prefill_tokens", "device_used_bytes", "torch_peak_allocated_bytes", "gpu",
          "total_bytes", "baseline_used_bytes", "torch", "transformers"]


def main() -> int:
    """Measure and write the CSV."""
    import torch
    import transformers
    from transformers import AutoConfig, AutoModelForCausalLM

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "vram_measurements.csv")
    p.add_argument("--tokens", type=int, nargs="+", default=[512, 2048, 4096])
    args = p.parse_args()
    torch.cuda.init()
    free0, total = torch.cuda.mem_get_info()
    gpu = torch.cuda.get_device_name()
    # The parameters are made in the default dtype: setting it works across transformers versions (4.x takes
    # torch_dtype=, 5.x dtype=, and an unknown keyword would be swallowed into the config, leaving fp32 weights
    # that a later cast could not hide from the caching allocator).
    torch.set_default_dtype(torch.float16)
    rows = []
    for path in sorted(MODELS.glob("*.json")):
        raw = json.loads(path.read_text())
        model_id = path.stem.replace("--", "/")
        if "quantization_config" in raw:
            print(f"skip {model_id}: pre-quantized checkpoint")
            continue
        raw.pop("torch_dtype", None)
        config = AutoConfig.for_model(raw.pop("model_type"), **raw)
        try:
            with torch.device("cuda"):
                model = AutoModelForCausalLM.from_config(config)
        except torch.OutOfMemoryError:
            print(f"skip {model_id}: does not fit {gpu}")
            gc.collect()
            torch.cuda.empty_cache()
            continue
        model.eval()
        dtypes = {p.dtype for p in model.parameters()}
        if dtypes != {torch.float16}:
            raise SystemExit(f"{model_id}: parameters came out as {dtypes}, not float16")
        for tokens in args.tokens:
            if tokens > config.max_position_embeddings:
                continue
            torch.cuda.reset_peak_memory_stats()
            ids = torch.randint(0, config.vocab_size, (1, tokens), device="cuda")
            with torch.inference_mode():
                out = model(input_ids=ids, use_cache=True, logits_to_keep=1)
                torch.cuda.synchronize()
                free, _ = torch.cuda.mem_get_info()
                peak = torch.cuda.max_memory_allocated()
            rows.append({"model": model_id, "dtype": "float16", "prefill_tokens": tokens,
                         "device_used_bytes": total - free, "torch_peak_allocated_bytes": peak, "gpu": gpu,
                         "total_bytes": total, "baseline_used_bytes": total - free0, "torch": torch.__version__,
                         "transformers": transformers.__version__})
            print(rows[-1])
            del out, ids
        del model
        gc.collect()
        torch.cuda.empty_cache()
    with args.out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {args.out} (baseline free before any model: {free0})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
