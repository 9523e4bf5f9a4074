"""scripts/preview_summary.py: the PR comment's Markdown from real preview output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = """Previewing update (local):
 +  pulumi:pulumi:Stack tgi-fleet-local create
 +  tgi-fleet:index:TgiService tgi create
Policies:
    ❌ tgi-fleet@v0.0.1 (local: /work/main/policies)
        - [mandatory]  gpu-vram-minimum  (tgi-fleet:index:TgiService: tgi)
          The GPU must hold the model at the configured context (weights + KV + prefill + CUDA context).
          Mistral needs 22.24 GiB per GPU; RTX 3060 (12 GB) has 12.00 GiB: pick a GPU class with >= 23 GB.

Resources:
    + 2 to create

"""


def test_summary_has_changes_and_violations() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "preview_summary.py"), "--stack", "local",
                          "--exit-code", "255"], input=OUTPUT, capture_output=True, text=True, check=True)
    md = out.stdout
    assert md.startswith("### ❌ `pulumi preview --stack local --policy-pack policies` failed (exit 255)")
    assert "+ 2 to create" in md
    assert "- **mandatory** `gpu-vram-minimum` on `tgi-fleet:index:TgiService: tgi`: Mistral needs 22.24 GiB" in md
    assert "<details><summary>Full preview</summary>" in md


def test_summary_when_clean() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "preview_summary.py"), "--stack", "salad-prod",
                          "--exit-code", "0"], input="Resources:\n    + 3 to create\n\n", capture_output=True,
                         text=True, check=True)
    assert "✅" in out.stdout and "**Policy violations**\nnone" in out.stdout
