"""The sizing estimate against measured device memory (bench/vram_measurements.csv, made by measure_vram.py on a
GPU machine). Prints the error per model and prefill length; the goal is within +-5% for every model.

Run: .venv/bin/python bench/sizing_accuracy.py [--csv bench/vram_measurements.csv]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.catalog.models import load_model  # noqa: E402
from components.sizing.memory import estimate_memory  # noqa: E402

GOAL = 0.05


def main() -> int:
    """Compare, print, and exit 0 only when every row is within the goal."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--csv", type=Path, default=ROOT / "bench" / "vram_measurements.csv")
    args = p.parse_args()
    if not args.csv.exists():
        print(f"no measurements at {args.csv}: run bench/measure_vram.py on a GPU machine first "
              f"(nothing is compared without real numbers).")
        return 2
    rows = list(csv.DictReader(args.csv.open()))
    worst = 0.0
    print(f"{'model':<42}{'tokens':>7}{'measured GiB':>14}{'estimate GiB':>14}{'error':>9}")
    for row in rows:
        tokens = int(row["prefill_tokens"])
        est = estimate_memory(load_model(row["model"]), dtype=row["dtype"],  # type: ignore[arg-type]
                              max_total_tokens=tokens, max_batch_prefill_tokens=tokens).min_vram_bytes
        measured = int(row["device_used_bytes"])
        err = (est - measured) / measured
        worst = max(worst, abs(err))
        print(f"{row['model']:<42}{tokens:>7}{measured / 2**30:>14.2f}{est / 2**30:>14.2f}{err:>+9.1%}")
    print(f"worst error {worst:.1%} over {len(rows)} measurements on {rows[0]['gpu'] if rows else '-'} "
          f"(goal +-{GOAL:.0%})")
    return 0 if worst <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
