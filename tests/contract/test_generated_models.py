"""The committed models are exactly what the generators make from the real specs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.unit.test_preview_imports import loaded_modules

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("script,spec,committed", [
    ("gen-salad-models.sh", "salad/salad-cloud.yaml", "components/providers/salad/api_models.py"),
    ("gen-tgi-models.sh", "tgi/openapi.json", "components/tgi_api/models.py"),
])
def test_models_are_current(contracts: Path, tmp_path: Path, script: str, spec: str, committed: str) -> None:
    out = tmp_path / "models.py"
    subprocess.run([str(ROOT / "scripts" / script), str(contracts / spec), str(out)], check=True,
                   capture_output=True, timeout=300)
    assert out.read_text() == (ROOT / committed).read_text(), f"regenerate with scripts/{script}"


def test_tgi_models_import_without_a_web_framework() -> None:
    # The smoke stage (a Pulumi dynamic provider) imports them; FastAPI and Starlette are the emulator's business.
    loaded = loaded_modules("import json, sys\nimport components.tgi_api.models\n"
                            "print(json.dumps(sorted(sys.modules)))")
    assert "components.tgi_api.models" in loaded
    assert not {m for m in ("fastapi", "starlette", "uvicorn", "httpx") if m in loaded}
