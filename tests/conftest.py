"""Fixtures every test directory may use: the local emulators (SaladCloud, Baseten), a moto server, a dstack server
(all on 127.0.0.1), log collectors; and each test's tier as a marker, from its folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytest_plugins = ["tests.emulator_fixture", "tests.baseten_fixture", "tests.moto_fixture", "tests.dstack_fixture",
                  "tests.log_collectors"]

TIERS = ("unit", "program", "engine", "contract", "realengine")  # the folders under tests/, fastest first
# Session fixtures that cost too much to start once per pytest-xdist worker: every test using one gets the
# fixture's xdist_group, so `--dist loadgroup` (make test) runs them on one worker, which starts it once.
SHARED = {"dstack_server": "dstack-server"}
# Tiers whose tests all share one such fixture set: the real engine's tests share one real vLLM (minutes to start,
# most of the two cores while it does), vLLM's parser process and the tiny model, so they all run on one worker.
SHARED_TIERS = {"realengine": "real-vllm"}
# With workers, what is handed out first: the longest single tests (minutes each, bench/README.md's figures), then the
# slow tiers, so that the unit and program tests (seconds) fill the workers at the end instead of one long test
# running alone there.
LONGEST = ("engine/test_readme_demos.py", "contract/test_conformance.py")
ORDER = ("realengine", "engine", "contract", "program", "unit")


@pytest.fixture(autouse=True)
def main_thread_event_loop() -> None:
    """Give the main thread a current event loop when a test before this one on the same worker left none
    (asyncio.run() unsets it): Pulumi's runtime, under set_mocks, makes its futures on that loop."""
    policy = asyncio.get_event_loop_policy()
    try:
        loop = policy.get_event_loop()
    except RuntimeError:
        loop = None
    if loop is None or loop.is_closed():
        policy.set_event_loop(policy.new_event_loop())


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the xdist_group markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its tier, so `pytest -m "unit or program"` runs the fast ones alone (`make test-fast`),
    and with the xdist_group of the shared session fixture it uses (SHARED); with workers, longest first."""
    root = Path(__file__).parent
    for item in items:
        tier = item.path.relative_to(root).parts[0]
        if tier in TIERS:
            item.add_marker(getattr(pytest.mark, tier))
        groups = {SHARED[f] for f in getattr(item, "fixturenames", ()) if f in SHARED}
        groups |= {SHARED_TIERS[tier]} if tier in SHARED_TIERS else set()
        if groups:
            item.add_marker(pytest.mark.xdist_group(name="+".join(sorted(groups))))
    # On an xdist worker (which collects what the controller hands out) `workerinput` is set and --dist reads "no".
    if hasattr(config, "workerinput") or config.getoption("dist", "no") != "no":  # every worker sorts the same way

        def rank(item: pytest.Item) -> tuple[int, int]:
            path = item.path.relative_to(root)
            tier = path.parts[0]
            return (0 if path.as_posix() in LONGEST else 1, ORDER.index(tier) if tier in ORDER else len(ORDER))

        items.sort(key=rank)  # stable: the collection order within each rank
