"""Fixtures every test directory may use: the local emulators (SaladCloud, Baseten), a moto server, a dstack server
(all on 127.0.0.1), log collectors; and each test's tier as a marker, from its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.emulator_fixture", "tests.baseten_fixture", "tests.moto_fixture", "tests.dstack_fixture",
                  "tests.log_collectors"]

TIERS = ("unit", "program", "engine", "contract", "realengine")  # the folders under tests/, fastest first


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier, so `pytest -m "unit or program"` runs the fast ones alone (`make test-fast`)."""
    root = Path(__file__).parent
    for item in items:
        tier = item.path.relative_to(root).parts[0]
        if tier in TIERS:
            item.add_marker(getattr(pytest.mark, tier))
