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


def test_every_tier_is_a_declared_marker() -> None:
    """`pytest -m realengine` (or any tier) selects by a marker pyproject.toml declares."""
    import tomllib

    markers = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["markers"]
    assert sorted(m.split(":")[0] for m in markers) == sorted(TIERS)
