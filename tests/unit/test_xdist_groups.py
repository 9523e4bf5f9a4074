"""`make test`'s `--dist loadgroup` keeps the tests of one xdist_group on one worker, with the group added at
collection as tests/conftest.py adds it (SHARED, SHARED_TIERS): otherwise every worker starts its own dstack server
and its own real vLLM (minutes of CPU each). pytest 9.2.0 broke this silently with pytest-xdist 3.8.0: xdist marks
a grouped test by rewriting `item._nodeid`, which pytest 9.2 no longer reads (pytest-dev/pytest-xdist#1386, open;
fix proposed in #1388), so constraints.txt holds pytest at 9.1.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONFTEST = '''
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if "shared" in item.name:
            item.add_marker(pytest.mark.xdist_group(name="one-server"))
'''
TESTS = '''
import os, time
from pathlib import Path

def record(name):
    time.sleep(0.2)  # long enough that both workers are handed tests
    Path(os.environ["OUT"], name).write_text(os.environ["PYTEST_XDIST_WORKER"])
''' + "".join(f'''
def test_shared_{i}():
    record("shared_{i}")

def test_alone_{i}():
    record("alone_{i}")
''' for i in range(4))


def test_a_group_added_at_collection_runs_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_groups.py").write_text(TESTS)
    out = tmp_path / "out"
    out.mkdir()
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "--dist",
                          "loadgroup", "-v", str(tmp_path / "test_groups.py")], cwd=tmp_path, capture_output=True,
                         text=True, env={"OUT": str(out), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    workers = {p.name: p.read_text() for p in out.iterdir()}
    assert len(workers) == 8
    assert len({workers[f"shared_{i}"] for i in range(4)}) == 1, workers
    assert "test_shared_0@one-server" in run.stdout, run.stdout
