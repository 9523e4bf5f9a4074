"""Every pulumi.dynamic provider module of components/: a watchdog in the engine's provider process, and no plain
digest of a secret in the state."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def provider_modules() -> list[str]:
    """Every module of components/ that defines a pulumi.dynamic ResourceProvider."""
    found = []
    for path in sorted((ROOT / "components").rglob("*.py")):
        if "(ResourceProvider)" in path.read_text():
            found.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def test_every_dynamic_provider_module_starts_the_engine_watchdog() -> None:
    modules = provider_modules()
    assert {"components.salad.resource", "components.smoke.resource"} <= set(modules)
    for module in modules:
        # As the engine's provider process imports it: `python -m pulumi.dynamic ADDRESS`, then the unpickling.
        code = ("import importlib.machinery, sys, threading\n"
                "sys.modules['__main__'].__spec__ = importlib.machinery.ModuleSpec('pulumi.dynamic.__main__', None)\n"
                "sys.argv = ['pulumi/dynamic/__main__.py', '127.0.0.1:9']\n"
                f"import {module}\n"
                "print([t.name for t in threading.enumerate()])")
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert "tgi-fleet-engine-watch" in out.stdout, (module, out.stdout, out.stderr[-500:])


def test_every_digest_of_a_secret_is_a_secret_output() -> None:
    """A plain hash of an HF token in the state lets anyone who reads it test guesses (issue #20)."""
    for module in provider_modules():
        mod = importlib.import_module(module)
        outputs = " ".join(str(v) for v in vars(mod).values() if isinstance(v, (tuple, list)))
        for name in ("hf_token_digest", "secret_env_digest"):
            if name in outputs or name in (ROOT / Path(*module.split("."))).with_suffix(".py").read_text():
                assert name in getattr(mod, "SECRET_OUTPUTS", []), (module, name)
