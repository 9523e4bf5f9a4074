"""Every bad stack config of tests/bad_config_cases.py through the program (components.deploy) under Pulumi mocks,
in preview: it raises the program's UserError (which `__main__.py` hands Pulumi as a message without a traceback)
naming the key, before any resource is registered. A sample goes through the real engine too
(tests/engine/test_bad_config.py)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from huggingface_hub import constants

from components.deploy import deploy
from components.errors import UserError
from tests.bad_config_cases import CASES, LOCAL, SECRET_KEYS, overridden
from tests.program.harness import Recorder, set_stack_config, settle

PREFIX = "tgi-fleet:"


def split(config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(plain keys, secret keys) without the namespace, as set_stack_config takes them: the stack's secrets keep
    being secrets unless a case set one in plain text."""
    plain = {k.removeprefix(PREFIX): v for k, v in config.items() if not (isinstance(v, dict) and "secure" in v)}
    secrets = {k.removeprefix(PREFIX): f"{k}-value" for k, v in config.items() if isinstance(v, dict) and "secure" in v}
    return plain, secrets


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """As the engine tests run the program: HF_HUB_OFFLINE=1 (read by huggingface_hub at import, so patched here)."""
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)


def test_the_base_config_builds(offline: None) -> None:
    """The control: the local stack's config without a fault registers the whole deployment."""
    rec = Recorder()
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="bad", preview=True)
    assert all(isinstance(LOCAL[k], dict) and "secure" in LOCAL[k] for k in SECRET_KEYS)
    set_stack_config(*split(LOCAL))
    settle(deploy)
    assert any(t == "tgi-fleet:index:TgiService" for t, _, _ in rec.resources)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_is_refused_naming_the_key(offline: None, case: str) -> None:
    overrides, expected = CASES[case]
    rec = Recorder()
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="bad", preview=True)
    set_stack_config(*split(overridden(LOCAL, overrides)))
    with pytest.raises(UserError) as refused:
        settle(deploy)  # waits for every registration the program sent before it raised
    assert expected in str(refused.value)
    assert rec.resources == []
