"""Every pulumi.dynamic provider module of components/: a watchdog in the engine's provider process, and no plain
digest of a secret in the state."""

from __future__ import annotations

import importlib
import re
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
    checked = set()
    for module in provider_modules():
        source = (ROOT / Path(*module.split("."))).with_suffix(".py").read_text()
        # Every output key that holds a digest is written as a string literal in its provider module; one of a
        # token, key, secret or password is a digest of a secret (a truss's digest is not).
        for name in set(re.findall(r"[\"']([a-z_]*(?:token|key|secret|password)[a-z_]*_digest)[\"']", source)):
            assert name in getattr(importlib.import_module(module), "SECRET_OUTPUTS", []), (module, name)
            checked.add(module)
    # The three providers that keep a digest of a secret in their state (SaladCloud, Baseten, dstack).
    assert checked >= {"components.salad.resource", "components.providers.baseten.resource",
                       "components.providers.dstack.resource"}, checked
