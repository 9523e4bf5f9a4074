"""Every test file sits in one tier folder, so its marker (tests/conftest.py) says how slow it is."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TIERS

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_file_is_in_a_tier() -> None:
    files = sorted(ROOT.rglob("test_*.py"))
    assert files
    outside = [str(f.relative_to(ROOT)) for f in files if f.relative_to(ROOT).parts[0] not in TIERS]
    assert outside == [], f"move these under one of tests/{{{','.join(TIERS)}}}/: {outside}"
