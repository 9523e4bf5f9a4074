"""scripts/pulumi's secrets rule, against a stand-in pulumi: the published passphrase encrypts only `local`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKE_PULUMI = """#!/usr/bin/env bash
if [ "$1" = stack ] && [ "$2" = --show-name ]; then
  [ -n "${FAKE_SELECTED:-}" ] || { echo "no stack selected" >&2; exit 255; }
  echo "$FAKE_SELECTED"; exit 0
fi
echo "ran: $* passphrase=${PULUMI_CONFIG_PASSPHRASE-<unset>}"
"""


@pytest.fixture
def wrapper(tmp_path: Path) -> Path:
    """A copy of scripts/pulumi whose engine is a stand-in, and a project with the shipped stack files."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    for name in ("pulumi", "pulumi-secrets", "stack_endpoints.py"):
        shutil.copy(ROOT / "scripts" / name, root / "scripts" / name)
    (root / "components").mkdir()
    for name in ("__init__.py", "urls.py"):  # the loopback rule stack_endpoints.py shares with the program
        shutil.copy(ROOT / "components" / name, root / "components" / name)
    (root / ".venv" / "bin").mkdir(parents=True)
    # The real interpreter: the secrets rule parses the stack's URLs with httpx (scripts/stack_endpoints.py).
    (root / ".venv" / "bin" / "python").symlink_to(ROOT / ".venv" / "bin" / "python")
    shutil.copy(ROOT / ".venv" / "pyvenv.cfg", root / ".venv" / "pyvenv.cfg")
    (root / ".venv" / "lib").symlink_to(ROOT / ".venv" / "lib")
    fake = tmp_path / "engine"
    fake.mkdir()
    (fake / "pulumi").write_text(FAKE_PULUMI)
    (fake / "pulumi").chmod(0o755)
    (root / ".venv" / "tgi-fleet-path").write_text(str(fake))
    shutil.copy(ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
    shutil.copytree(ROOT / "stacks", root / "stacks")
    return root


def run(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_BACKEND_URL",
                         "TGI_FLEET_USE_PULUMI_LOGIN")}
    return subprocess.run([str(root / "scripts" / "pulumi"), *args], cwd=root, capture_output=True, text=True,
                          timeout=60, env={**base, "HOME": str(root), "PULUMI_HOME": str(root / ".ph"), **env})


def refused(out: subprocess.CompletedProcess[str], stack: str) -> None:
    assert out.returncode == 1 and "ran:" not in out.stdout, out
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith(f"scripts/pulumi: stack {stack} ") and "PULUMI_CONFIG_PASSPHRASE" in line, line
    assert "pulumi stack change-secrets-provider" in line and "nothing was run" in line


def test_local_stack_gets_the_documented_passphrase(wrapper: Path) -> None:
    out = run(wrapper, "up", "--stack", "local", "--yes")
    assert out.returncode == 0 and "passphrase=tgi-fleet-local" in out.stdout, out


@pytest.mark.parametrize("args", [
    ("stack", "init", "salad-prod"),
    ("stack", "select", "salad-prod", "--create"),
    ("config", "set", "--stack", "salad-prod", "--secret", "salad_api_key", "k"),
    ("up", "--stack=salad-prod", "--yes"),
    ("preview", "-s", "organization/tgi-fleet/salad-prod"),
])
def test_another_stack_without_a_passphrase_stops_before_pulumi_runs(wrapper: Path, args: tuple[str, ...]) -> None:
    refused(run(wrapper, *args), "salad-prod")


def test_the_published_passphrase_is_refused_for_another_stack(wrapper: Path, tmp_path: Path) -> None:
    refused(run(wrapper, "config", "set", "--secret", "hf_token", "x", "--stack", "salad-dev",
                PULUMI_CONFIG_PASSPHRASE="tgi-fleet-local"), "salad-dev")
    phrase = tmp_path / "phrase"
    phrase.write_text("tgi-fleet-local")
    refused(run(wrapper, "up", "--stack", "k8s-prod", PULUMI_CONFIG_PASSPHRASE_FILE=str(phrase)), "k8s-prod")


def test_the_selected_stack_counts_when_no_stack_is_named(wrapper: Path) -> None:
    refused(run(wrapper, "config", "set", "--secret", "hf_token", "x", FAKE_SELECTED="salad-prod"), "salad-prod")
    out = run(wrapper, "config", "set", "--secret", "hf_token", "x", FAKE_SELECTED="local")
    assert out.returncode == 0 and "passphrase=tgi-fleet-local" in out.stdout, out


def test_a_provider_of_the_users_own_is_used_as_is(wrapper: Path) -> None:
    own = run(wrapper, "up", "--stack", "salad-prod", PULUMI_CONFIG_PASSPHRASE="my own long passphrase")
    assert own.returncode == 0 and "passphrase=my own long passphrase" in own.stdout, own
    init = run(wrapper, "stack", "init", "salad-prod", "--secrets-provider", "awskms://alias/tgi")
    assert init.returncode == 0 and "passphrase=<unset>" in init.stdout, init
    stack_file = wrapper / "stacks" / "Pulumi.salad-prod.yaml"
    stack_file.write_text("secretsprovider: gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k\n"
                          + stack_file.read_text())
    kms = run(wrapper, "up", "--stack", "salad-prod")
    assert kms.returncode == 0 and "passphrase=<unset>" in kms.stdout, kms
    cloud = run(wrapper, "up", "--stack", "salad-dev", PULUMI_BACKEND_URL="https://api.pulumi.com")
    assert cloud.returncode == 0 and "passphrase=<unset>" in cloud.stdout, cloud


def test_no_default_passphrase_off_the_default_backend_or_without_a_stack(wrapper: Path, tmp_path: Path) -> None:
    other = run(wrapper, "up", "--stack", "local", PULUMI_BACKEND_URL=f"file://{tmp_path}/state")
    assert other.returncode == 0 and "passphrase=<unset>" in other.stdout, other
    version = run(wrapper, "version")
    assert version.returncode == 0 and "passphrase=<unset>" in version.stdout, version


def test_an_emulator_stack_may_use_the_published_passphrase_until_it_points_elsewhere(tmp_path: Path) -> None:
    """A stack whose provider API is on loopback only holds the emulators' throwaway keys; a real one does not."""
    project = tmp_path / "p"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: x\nruntime: python\nstackConfigDir: stacks\n")
    stack = project / "stacks" / "Pulumi.demo.yaml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG_PASSPHRASE")}

    def verdict() -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(ROOT / "scripts" / "pulumi-secrets"), "1", "preview", "--stack", "demo"],
                              cwd=project, env=env, capture_output=True, text=True, timeout=30)

    stack.write_text("config:\n  tgi-fleet:baseten:\n    base_url: http://127.0.0.1:5810\n")
    assert verdict().stdout.strip() == "default"
    stack.write_text("config:\n  tgi-fleet:baseten:\n    base_url: https://api.baseten.co\n")
    assert verdict().returncode == 1
    stack.write_text("config:\n  tgi-fleet:baseten:\n    poll_s: 1\n")  # the real service by default
    out = verdict()
    assert out.returncode == 1 and "PULUMI_CONFIG_PASSPHRASE" in out.stderr


# Issue #27 item 1: the published passphrase may encrypt only throwaway emulator keys.
REAL_LOOKING = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"  # the shape of a Hugging Face user access token


def credential_refused(out: subprocess.CompletedProcess[str], stack: str) -> None:
    assert out.returncode == 1 and "ran:" not in out.stdout, out
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith(f"scripts/pulumi: stack {stack}: refusing to store") and "PULUMI_CONFIG_PASSPHRASE" in line
    assert REAL_LOOKING not in line


def test_the_readmes_dstack_token_step_is_refused_under_the_published_passphrase(wrapper: Path) -> None:
    # dstack-dev's server is on loopback but its Hub is huggingface.co: its hf_token is a real one.
    credential_refused(run(wrapper, "config", "set", "--stack", "dstack-dev", "--secret", "hf_token", "anything"),
                       "dstack-dev")
    ok = run(wrapper, "config", "set", "--stack", "dstack-dev", "--secret", "hf_token", "x",
             PULUMI_CONFIG_PASSPHRASE="my own long passphrase")
    assert ok.returncode == 0 and "passphrase=my own long passphrase" in ok.stdout, ok


def test_a_real_looking_hf_token_is_refused_even_on_an_emulator_stack(wrapper: Path) -> None:
    credential_refused(run(wrapper, "config", "set", "--stack", "local", "--secret", "hf_token", REAL_LOOKING),
                       "local")
    credential_refused(run(wrapper, "config", "set", "--stack", "local", "--secret", "hf_token", REAL_LOOKING,
                           PULUMI_CONFIG_PASSPHRASE="tgi-fleet-local"), "local")
    throwaway = run(wrapper, "config", "set", "--stack", "local", "--secret", "hf_token", "hf_emulator_token")
    assert throwaway.returncode == 0 and "passphrase=tgi-fleet-local" in throwaway.stdout, throwaway


def test_config_set_all_is_held_to_the_same_rule(wrapper: Path) -> None:
    """`pulumi config set-all --secret KEY=VALUE` stores a secret as `config set --secret` does."""
    for secret in (["--secret", f"hf_token={REAL_LOOKING}"], [f"--secret=hf_token={REAL_LOOKING}"]):
        credential_refused(run(wrapper, "config", "set-all", "--stack", "local", "--path", "--plaintext",
                               "salad.project=default", *secret), "local")
    throwaway = run(wrapper, "config", "set-all", "--stack", "local", "--plaintext", "salad.project=default",
                    "--secret", "hf_token=hf_emulator_token")
    assert throwaway.returncode == 0 and "passphrase=tgi-fleet-local" in throwaway.stdout, throwaway


def test_the_local_stack_pointed_at_a_public_api_gets_no_default(wrapper: Path) -> None:
    stack = wrapper / "stacks" / "Pulumi.local.yaml"
    stack.write_text(stack.read_text().replace("http://127.0.0.1:5800/api/public", "https://api.salad.com/api/public"))
    refused(run(wrapper, "up", "--stack", "local"), "local")


def test_the_endpoint_verdict_is_kept_by_the_stack_files_text(wrapper: Path) -> None:
    """Asked once per stack text: a second command does not start Python, and a changed file is judged again."""
    assert "passphrase=tgi-fleet-local" in run(wrapper, "up", "--stack", "local").stdout
    python = wrapper / ".venv" / "bin" / "python"
    real = python.readlink()
    python.unlink()
    python.write_text("#!/bin/sh\nexit 3\n")  # any verdict it gave now would be `public`
    python.chmod(0o755)
    again = run(wrapper, "up", "--stack", "local")
    assert again.returncode == 0 and "passphrase=tgi-fleet-local" in again.stdout, again
    python.unlink()
    python.symlink_to(real)
    stack = wrapper / "stacks" / "Pulumi.local.yaml"
    stack.write_text(stack.read_text().replace("http://127.0.0.1:5800/api/public", "https://api.salad.com/api/public"))
    refused(run(wrapper, "up", "--stack", "local"), "local")


@pytest.mark.parametrize("url", ["https://127.0.0.1:3000@sky.dstack.ai", "http://localhost.sky.dstack.ai:3000",
                                 "https://sky.dstack.ai/127.0.0.1:3000"])
def test_loopback_is_read_as_the_http_client_reads_it(wrapper: Path, url: str) -> None:
    # httpx.URL("https://127.0.0.1:3000@sky.dstack.ai").host is sky.dstack.ai: the request goes there.
    stack = wrapper / "stacks" / "Pulumi.dstack-dev.yaml"
    stack.write_text(stack.read_text().replace("server_url: http://127.0.0.1:3000", f"server_url: {url}"))
    refused(run(wrapper, "up", "--stack", "dstack-dev"), "dstack-dev")


def test_the_published_passphrase_from_a_file_is_held_to_the_same_rule(wrapper: Path, tmp_path: Path) -> None:
    """PULUMI_CONFIG_PASSPHRASE_FILE holding the published passphrase is the published passphrase: a real-looking
    token is refused on an emulator stack as with PULUMI_CONFIG_PASSPHRASE (Pulumi reads either: the passphrase
    secrets provider's docs, "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE")."""
    phrase = tmp_path / "phrase"
    phrase.write_text("tgi-fleet-local\n")
    credential_refused(run(wrapper, "config", "set", "--stack", "local", "--secret", "hf_token", REAL_LOOKING,
                           PULUMI_CONFIG_PASSPHRASE_FILE=str(phrase)), "local")
    credential_refused(run(wrapper, "config", "set", "--stack", "dstack-dev", "--secret", "hf_token", "anything",
                           PULUMI_CONFIG_PASSPHRASE_FILE=str(phrase)), "dstack-dev")
    phrase.write_text("my own long passphrase\n")
    ok = run(wrapper, "config", "set", "--stack", "local", "--secret", "hf_token", REAL_LOOKING,
             PULUMI_CONFIG_PASSPHRASE_FILE=str(phrase))
    assert ok.returncode == 0 and "ran: config set" in ok.stdout, ok


def test_a_passphrase_of_the_users_own_settles_it_without_reading_the_endpoints(wrapper: Path,
                                                                                 tmp_path: Path) -> None:
    """With the user's own passphrase every stack may run, wherever it points: the endpoint rule (a Python start,
    ~0.2 s of CPU on every pulumi command) is not asked."""
    python = wrapper / ".venv" / "bin" / "python"
    python.unlink()
    asked = tmp_path / "asked"
    python.write_text(f'#!/bin/sh\necho "$*" >>"{asked}"\nexit 3\n')
    python.chmod(0o755)
    phrase = tmp_path / "phrase"
    phrase.write_text("my own long passphrase\n")
    own = ({"PULUMI_CONFIG_PASSPHRASE": "my own long passphrase"}, {"PULUMI_CONFIG_PASSPHRASE_FILE": str(phrase)})
    for stack in ("local", "salad-prod", "dstack-dev"):
        for env in own:
            out = run(wrapper, "up", "--stack", stack, **env)
            assert out.returncode == 0 and "ran: up" in out.stdout and out.stderr == "", out
    assert not asked.exists(), asked.read_text()
