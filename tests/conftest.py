"""Fixtures every test directory may use: the local emulators (SaladCloud, Baseten), a moto server, a dstack server
(all on 127.0.0.1), log collectors; and each test's tier as a marker, from its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.emulator_fixture", "tests.baseten_fixture", "tests.moto_fixture", "tests.dstack_fixture",
                  "tests.log_collectors"]

TIERS = ("unit", "program", "engine", "contract")  # the folders under tests/, fastest first
# Session fixtures that cost too much to start once per pytest-xdist worker: every test using one gets the
# fixture's xdist_group, so `--dist loadgroup` (make test) runs them on one worker, which starts it once.
SHARED = {"dstack_server": "dstack-server"}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the xdist_group markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier, so `pytest -m "unit or program"` runs the fast ones alone (`make test-fast`),
    and with the xdist_group of the shared session fixture it uses (SHARED)."""
    root = Path(__file__).parent
    for item in items:
        tier = item.path.relative_to(root).parts[0]
        if tier in TIERS:
            item.add_marker(getattr(pytest.mark, tier))
        groups = {SHARED[f] for f in getattr(item, "fixturenames", ()) if f in SHARED}
        if groups:
            item.add_marker(pytest.mark.xdist_group(name="+".join(sorted(groups))))
