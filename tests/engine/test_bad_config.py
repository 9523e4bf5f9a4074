"""Bad stack config through the real program and engine: `pulumi preview` WITHOUT the policy pack fails, names
the key, prints no traceback and registers nothing. One project; each case writes its stack file. One case per
stage of the program that refuses (the config schema, unknown keys, plain-text secrets, the provider's section, the
model catalog offline, the plan and sizing, the engine's environment): every case runs through the program under
mocks in tests/program/test_bad_config.py, where a case that raised anything but the program's UserError (the
exception `__main__.py` turns into Pulumi's message without a traceback) fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.bad_config_cases import CASES, SECRET_KEYS, overridden
from tests.engine.harness import Project, copy_program, make_project

STACK = "bad"
THROUGH_THE_ENGINE = ("replicas-text", "misspelt-key", "plain-hf-token", "another-providers-section",
                      "unknown-provider", "unknown-model-offline", "does-not-fit", "min-ready-above-replicas",
                      "extra-env-planned", "untagged-image")


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Project, dict[str, Any]]]:
    """The real program on the `local` stack's config (secrets encrypted once), offline from the Hub."""
    tmp = tmp_path_factory.mktemp("bad-config")
    p = make_project(tmp, copy_program(tmp), stack=STACK, extra_env={"HF_HUB_OFFLINE": "1"})
    local = yaml.safe_load((p.workdir / "stacks" / "Pulumi.local.yaml").read_text())["config"]
    for key in SECRET_KEYS:
        p.config(key, f"{key}-value", secret=True)
    encrypted = yaml.safe_load((p.workdir / "stacks" / f"Pulumi.{STACK}.yaml").read_text())
    base = {**encrypted, "config": {**local, **encrypted["config"]}}
    yield p, base
    p.run("stack", "rm", "--yes", "--force", STACK, check=False)


def test_the_base_config_previews(bad: tuple[Project, dict[str, Any]]) -> None:
    """The control: the same project and stack file without the fault previews the whole deployment."""
    p, base = bad
    (p.workdir / "stacks" / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump(base))
    out = p.run("preview")
    assert "tgi-fleet:index:TgiService" in out.stdout and "pulumi-python:dynamic:Resource" in out.stdout, out.stdout


def test_the_engine_cases_are_cases() -> None:
    assert set(THROUGH_THE_ENGINE) <= set(CASES)


@pytest.mark.parametrize("case", THROUGH_THE_ENGINE)
def test_bad_config_fails_at_preview_naming_the_key(bad: tuple[Project, dict[str, Any]], case: str) -> None:
    p, base = bad
    overrides, expected = CASES[case]
    config = overridden(base["config"], overrides)
    (p.workdir / "stacks" / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump({**base, "config": config}))
    out = p.run("preview", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert expected in text, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    # Refused before any resource was registered: only the stack itself appears in the preview.
    assert "tgi-fleet:index:TgiService" not in text and "pulumi-python:dynamic:Resource" not in text, text
