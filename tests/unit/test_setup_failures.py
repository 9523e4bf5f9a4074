"""scripts/build-engine.sh fails with one clear sentence when Go or the module proxy is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = str(ROOT / "scripts" / "build-engine.sh")


def run(tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", SCRIPT, "engine"], capture_output=True, text=True, timeout=120,
                          env={"HOME": str(tmp), "TGI_FLEET_CACHE": str(tmp / "cache"), **env})


def path_without_go(tmp: Path) -> str:
    """A PATH holding this machine's usual tools but no Go, wherever Go is installed (/usr/bin included)."""
    bin_dir = tmp / "bin-without-go"
    bin_dir.mkdir()
    for d in [*os.environ.get("PATH", "").split(os.pathsep), "/usr/bin", "/bin"]:
        for tool in Path(d).glob("*") if os.path.isdir(d) else ():
            if tool.name not in ("go", "gofmt") and not (bin_dir / tool.name).exists() and os.access(tool, os.X_OK):
                (bin_dir / tool.name).symlink_to(tool)
    return str(bin_dir)


def test_without_go(tmp_path: Path) -> None:
    path = path_without_go(tmp_path)
    assert shutil.which("go", path=path) is None and shutil.which("bash", path=path)
    out = run(tmp_path, PATH=path)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == [
        "setup: Go is not on PATH: install Go >= 1.24 (or put the official pulumi CLI >= 3.220 on PATH) and run "
        "setup again."]


def test_with_the_module_proxy_off(tmp_path: Path) -> None:
    go = shutil.which("go")
    if go is None:
        pytest.skip("Go is not installed here: the module-proxy message needs a Go that runs")
    out = run(tmp_path, PATH=f"{os.path.dirname(go)}:/usr/bin:/bin", GOPROXY="off")
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("setup: the Go module proxy is off (GOPROXY=off): set GOPROXY"), out.stderr
    assert "Traceback" not in out.stderr and "panic" not in out.stderr
