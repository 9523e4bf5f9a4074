"""The SaladCloud steps of docs/providers/salad.md and docs/operations.md through scripts/pulumi and the real
engine: a production stack never gets its secrets encrypted with the published local passphrase."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.engine.harness import PULUMI, copy_program, pulumi_home, require_engine

STEPS = (("stack", "init", "salad-prod"),
         ("config", "set", "--stack", "salad-prod", "--secret", "salad_api_key", "a-salad-key"),
         ("up", "--stack", "salad-prod", "--yes", "--non-interactive"))


def run(src: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PULUMI), *args], cwd=src, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    require_engine()
    src = copy_program(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG_PASSPHRASE")}
    env.update(PULUMI_BACKEND_URL=f"file://{tmp_path / 'state'}", PULUMI_HOME=str(pulumi_home(tmp_path)))
    (tmp_path / "state").mkdir()
    return src, env


@pytest.mark.parametrize("passphrase", [None, "tgi-fleet-local"])
def test_a_prod_stack_without_its_own_passphrase_stops_before_writing(
        project: tuple[Path, dict[str, str]], tmp_path: Path, passphrase: str | None) -> None:
    src, env = project
    if passphrase:
        env["PULUMI_CONFIG_PASSPHRASE"] = passphrase
    stack_file = src / "stacks" / "Pulumi.salad-prod.yaml"
    before = stack_file.read_bytes()
    for step in STEPS:
        out = run(src, env, *step)
        assert out.returncode != 0, (step, out.stdout, out.stderr)
        (line,) = out.stderr.strip().splitlines()
        assert line.startswith("scripts/pulumi: stack salad-prod "), line
        assert "PULUMI_CONFIG_PASSPHRASE" in line and "pulumi stack change-secrets-provider" in line, line
    assert stack_file.read_bytes() == before, "no encryptionsalt or ciphertext may be written"
    assert not any((tmp_path / "state").rglob("*.json")), "no stack may be created in the backend"


def test_with_its_own_passphrase_the_same_steps_run(project: tuple[Path, dict[str, str]]) -> None:
    """The control: the engine itself runs the first two steps once the stack has a passphrase of its own."""
    src, env = project
    env["PULUMI_CONFIG_PASSPHRASE"] = "a passphrase of the team's own"
    for step in STEPS[:2]:
        out = run(src, env, *step)
        assert out.returncode == 0, (step, out.stdout, out.stderr)
    text = (src / "stacks" / "Pulumi.salad-prod.yaml").read_text()
    assert "encryptionsalt:" in text and "secure:" in text and "a-salad-key" not in text
