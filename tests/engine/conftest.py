"""Engine fixtures: a fresh backend + stack per test, destroyed and removed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator_fixture import Emulator
from tests.engine.harness import ROOT, Project, copy_program, make_project

PROGRAMS = Path(__file__).parent / "programs"
LOCAL_PASSPHRASE = "tgi-fleet-local"  # the documented default the committed local stack is encrypted with


@pytest.fixture
def dynamic_project(tmp_path: Path) -> Iterator[Project]:
    """The small dynamic-resource program, on its own backend."""
    project = make_project(tmp_path, PROGRAMS / "dynamic")
    yield project
    project.run("destroy", "--yes", check=False)
    project.run("stack", "rm", "--yes", "--force", project.stack, check=False)


def local_stack(tmp_path: Path, emulator: Emulator) -> Iterator[Project]:
    """The real program's `local` stack, pointed at `emulator`; destroyed afterwards (a fixture's body)."""
    p = make_project(tmp_path, copy_program(tmp_path), stack="local", passphrase=LOCAL_PASSPHRASE)
    emulator.point_at(p, extra={"tgi-fleet:smoke.ready_timeout_s": "60"})
    yield p
    p.run("destroy", "--yes", "--skip-preview", check=False)


@pytest.fixture
def local(tmp_path: Path, emulator: Emulator) -> Iterator[Project]:
    """The real program's `local` stack, pointed at a fresh emulator; destroyed afterwards."""
    yield from local_stack(tmp_path, emulator)


__all__ = ["LOCAL_PASSPHRASE", "PROGRAMS", "ROOT"]
