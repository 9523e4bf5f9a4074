"""Every pulumi.dynamic provider module of components/: a watchdog in the engine's provider process, and no plain
digest of a secret in the state."""

from __future__ import annotations

import importlib
import re
import socket
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
    assert {"components.providers.salad.resource", "components.smoke.resource"} <= set(modules)
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
    assert checked >= {"components.providers.salad.resource", "components.providers.baseten.resource",
                       "components.providers.dstack.resource"}, checked


def test_the_policy_pack_exits_once_its_engine_is_gone() -> None:
    """`kill -9` of `pulumi up` left the analyzer (the policy pack's process pair) serving for over an hour (#27.6).

    The pack is started as the engine starts it: pulumi-analyzer-policy-python runs `python -u -m pulumi.policy
    ENGINE_ADDRESS PACK_DIR` (the shim in the Python SDK's dist/), and PolicyPack serves until interrupted.
    """
    engine = socket.create_server(("127.0.0.1", 0))
    port = engine.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-u", "-m", "pulumi.policy", f"127.0.0.1:{port}", str(ROOT / "policies")],
                            cwd=ROOT / "policies", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip().isdigit()  # the analyzer's port: the pack is serving
        assert proc.poll() is None
        engine.close()  # the engine is gone, as after kill -9
        assert proc.wait(timeout=30) != 0
    finally:
        engine.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
