"""contracts/ is byte for byte the shared API contracts it was copied from (when they sit beside the checkout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.specs import SHARED, VENDORED


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_vendored_copy_is_verbatim() -> None:
    """Every shared spec is in contracts/ byte for byte; the shared README is extended, not replaced."""
    if not SHARED.is_dir():
        pytest.skip(f"no original to compare with at {SHARED}")
    shared, vendored = files(SHARED), files(VENDORED)
    readme = shared.pop("README.md", None)
    assert {k: vendored.get(k) for k in shared} == shared, "re-copy: cp -r ../shared/contracts/. contracts/"
    if readme is not None:
        kept = readme.decode().split("\n## ")[1:]  # each shared section stays as it was
        assert all(f"\n## {section}" in vendored["README.md"].decode() for section in kept)


def test_every_spec_of_our_own_says_where_it_comes_from() -> None:
    """Specs vendored beside the shared ones (an engine's own /openapi.json) each have their source in the README."""
    readme = (VENDORED / "README.md").read_text()
    shared = set(files(SHARED)) if SHARED.is_dir() else set()
    for name in set(files(VENDORED)) - shared - {"README.md"}:
        folder, _, file = name.rpartition("/")
        assert f"## {folder}/" in readme and f"| {file} |" in readme, f"contracts/README.md: no source for {name}"


def test_vendored_copy_has_the_specs_the_tests_use() -> None:
    for spec in ("salad/salad-cloud.yaml", "tgi/openapi.json", "salad/gpu-classes.sample.json", "vllm/openapi.json",
                 "sglang/openapi.json"):
        assert (VENDORED / spec).stat().st_size > 0, spec
