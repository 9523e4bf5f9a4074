"""contracts/ is byte for byte the shared API contracts it was copied from (when they sit beside the checkout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.specs import SHARED, VENDORED


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_vendored_copy_is_verbatim() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"no original to compare with at {SHARED}")
    assert files(VENDORED) == files(SHARED), "re-copy: cp -r ../shared/contracts/. contracts/"


def test_vendored_copy_has_the_specs_the_tests_use() -> None:
    for spec in ("salad/salad-cloud.yaml", "tgi/openapi.json", "salad/gpu-classes.sample.json", "vllm/openapi.json",
                 "sglang/openapi.json"):
        assert (VENDORED / spec).stat().st_size > 0, spec
