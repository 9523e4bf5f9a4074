"""Runs the real Pulumi CLI (through scripts/pulumi) against a throwaway file backend."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PULUMI = ROOT / "scripts" / "pulumi"
PASSPHRASE = "engine-tests"
# Where setup installs the Kubernetes provider; each test's own PULUMI_HOME links to it (state stays private).
PLUGINS = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi") / "plugins"


@cache  # one `pulumi version` per test process, not per stack
def engine_available() -> str | None:
    """None when the CLI runs, else why not."""
    try:
        out = subprocess.run([str(PULUMI), "version"], capture_output=True, text=True, timeout=60)
    except OSError as exc:
        return str(exc)
    return None if out.returncode == 0 else (out.stderr or out.stdout).strip()


def require_engine() -> None:
    """Skip without the engine locally; fail under CI, where a missing engine is a broken setup."""
    why = engine_available()
    if why is None:
        return
    message = f"the Pulumi engine is not set up ({why}): run `make setup`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def pulumi_home(tmp: Path) -> Path:
    """A private PULUMI_HOME under tmp that shares setup's plugin cache (the Kubernetes provider)."""
    home = tmp / "pulumi-home"
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "plugins").exists():
        (home / "plugins").symlink_to(PLUGINS, target_is_directory=True)
    return home


@dataclass
class Project:
    """A Pulumi project directory, a private backend and one selected stack."""

    workdir: Path
    backend: Path
    stack: str
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, check: bool = True, timeout: int = 600, stdin: str | None = None
            ) -> subprocess.CompletedProcess[str]:
        """`pulumi ARGS --stack STACK` (stack-scoped commands) with this project's env."""
        words = list(args)
        if args and args[0] not in ("stack", "version", "plugin", "login", "whoami"):
            at = words.index("--") if "--" in words else len(words)
            words[at:at] = ["--stack", self.stack, "--non-interactive"]
        cmd = [str(PULUMI), *words]
        proc = subprocess.run(cmd, cwd=self.workdir, env=self.env, capture_output=True, text=True,
                              timeout=timeout, input=stdin)
        if check and proc.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def config(self, key: str, value: str, secret: bool = False, path: bool = False) -> None:
        """`pulumi config set` for this stack."""
        flags = ["--secret"] if secret else ["--plaintext"]
        if path:
            flags.append("--path")
        self.run("config", "set", key, *flags, "--", value)

    def configure(self, values: Mapping[str, str], secrets: Mapping[str, str] | None = None) -> None:
        """Several keys (paths, as `config set --path`) in one `pulumi config set-all`: each `config set` is a CLI
        start of its own."""
        words = ["config", "set-all", "--path"]
        for key, value in values.items():
            words += ["--plaintext", f"{key}={value}"]
        for key, value in (secrets or {}).items():
            words += ["--secret", f"{key}={value}"]
        self.run(*words)

    def outputs(self) -> dict[str, Any]:
        """Stack outputs, secrets shown."""
        out = self.run("stack", "output", "--json", "--show-secrets", "--stack", self.stack).stdout
        data: dict[str, Any] = json.loads(out)
        return data

    def export(self) -> str:
        """`pulumi stack export` as text (the raw checkpoint)."""
        return self.run("stack", "export", "--stack", self.stack).stdout


def make_project(tmp: Path, source: Path, stack: str = "test", extra_env: dict[str, str] | None = None,
                 copy: bool = True, passphrase: str = PASSPHRASE) -> Project:
    """Copy a program to tmp (or use it in place), give it a fresh backend and `stack init` it."""
    require_engine()
    workdir = tmp / "project"
    if copy:
        shutil.copytree(source, workdir, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".pulumi-state"))
    else:
        workdir = source
    backend = tmp / "state"
    backend.mkdir(parents=True, exist_ok=True)
    home = pulumi_home(tmp)
    env = {
        **os.environ,
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": passphrase,
        "PULUMI_HOME": str(home),
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    project = Project(workdir=workdir, backend=backend, stack=stack, env=env)
    project.run("stack", "init", stack, "--secrets-provider", "passphrase")
    return project


def copy_program(tmp: Path) -> Path:
    """The real program and stack files in a scratch dir, so tests can change config without touching the repo."""
    src = tmp / "src"
    (src / "stacks").mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, src / name)
    for stack in (ROOT / "stacks").glob("Pulumi.*.yaml"):
        shutil.copy(stack, src / "stacks" / stack.name)
    (src / ".venv").symlink_to(ROOT / ".venv")  # Pulumi.yaml's virtualenv, used by the dynamic providers
    (src / "models").symlink_to(ROOT / "models")  # local model configs a stack names (model.config_path)
    return src
