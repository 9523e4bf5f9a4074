"""Contract tests run against the real specs (see specs.py for where they come from)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.specs import VENDORED
from tests.emulator_fixture import emulator

__all__ = ["emulator"]  # the fixture, for every contract test


@pytest.fixture
def contracts() -> Path:
    return VENDORED
