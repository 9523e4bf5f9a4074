"""docs/config.md is generated from the config models (scripts/config_docs.py): a stale page fails here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _config_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("config_docs", ROOT / "scripts" / "config_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_page_is_the_generated_one() -> None:
    page = ROOT / "docs" / "config.md"
    assert page.read_text() == _config_docs().render(), "docs/config.md is stale: run `make docs` and commit it"


def test_every_config_key_and_provider_section_is_on_the_page() -> None:
    from components.config import FleetConfig
    from components.providers import registry

    text = _config_docs().render()
    for name in FleetConfig.model_fields:
        if name not in ("settings", "provider_secrets", "hf_token", "api_key"):
            assert f"| `{name}` |" in text, name
    for section in registry.sections():
        assert f"## `{section}.*`" in text, section
    assert "`smoke.requests[].route`" in text  # list items' keys are documented too


def test_check_fails_on_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    docs = _config_docs()
    stale = tmp_path / "docs" / "config.md"
    stale.parent.mkdir()
    stale.write_text(docs.render().replace("replicas, 1..500", "replicas, 1..5"))
    monkeypatch.setattr(docs, "PAGE", stale)
    monkeypatch.setattr(docs, "ROOT", tmp_path)
    assert docs.main(["config_docs.py", "--check"]) == 1
    assert "make docs" in capsys.readouterr().err
    stale.write_text(docs.render())
    assert docs.main(["config_docs.py", "--check"]) == 0
    sys.modules.pop("config_docs", None)
