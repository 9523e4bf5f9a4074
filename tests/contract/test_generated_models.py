"""The committed models are exactly what the generators make from the real specs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("script,spec,committed", [
    ("gen-salad-models.sh", "salad/salad-cloud.yaml", "components/salad/api_models.py"),
    ("gen-tgi-models.sh", "tgi/openapi.json", "emulator/tgi_models.py"),
])
def test_models_are_current(contracts: Path, tmp_path: Path, script: str, spec: str, committed: str) -> None:
    out = tmp_path / "models.py"
    subprocess.run([str(ROOT / "scripts" / script), str(contracts / spec), str(out)], check=True,
                   capture_output=True, timeout=300)
    assert out.read_text() == (ROOT / committed).read_text(), f"regenerate with scripts/{script}"
