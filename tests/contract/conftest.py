"""Contract tests need the real specs from ../shared/contracts (beside the checkout, as in CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CONTRACTS = Path(__file__).resolve().parents[2].parent / "shared" / "contracts"


@pytest.fixture
def contracts() -> Path:
    if not CONTRACTS.is_dir():
        message = f"the API contracts are not at {CONTRACTS}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CONTRACTS
