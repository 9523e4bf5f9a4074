"""Engine fixtures: a fresh backend + stack per test, destroyed and removed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.harness import ROOT, Project, make_project

PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture
def dynamic_project(tmp_path: Path) -> Iterator[Project]:
    """The small dynamic-resource program, on its own backend."""
    project = make_project(tmp_path, PROGRAMS / "dynamic")
    yield project
    project.run("destroy", "--yes", check=False)
    project.run("stack", "rm", "--yes", "--force", project.stack, check=False)


__all__ = ["PROGRAMS", "ROOT"]
