"""scripts/build-engine.sh fails with one clear sentence when Go or the module proxy is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = str(ROOT / "scripts" / "build-engine.sh")


def run(tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", SCRIPT, "engine"], capture_output=True, text=True, timeout=120,
                          env={"HOME": str(tmp), "TGI_FLEET_CACHE": str(tmp / "cache"), **env})


def test_without_go(tmp_path: Path) -> None:
    out = run(tmp_path, PATH="/usr/bin:/bin")  # no Go there
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == [
        "setup: Go is not on PATH: install Go >= 1.24 (or put the official pulumi CLI >= 3.220 on PATH) and run "
        "setup again."]


def test_with_the_module_proxy_off(tmp_path: Path) -> None:
    go = shutil.which("go")
    assert go, "Go is part of this machine's toolchain"
    out = run(tmp_path, PATH=f"{os.path.dirname(go)}:/usr/bin:/bin", GOPROXY="off")
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("setup: the Go module proxy is off (GOPROXY=off): set GOPROXY"), out.stderr
    assert "Traceback" not in out.stderr and "panic" not in out.stderr
