"""Timing `pulumi preview` of throwaway projects, interleaved, for the preview benchmarks."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.emulator_fixture import Emulator  # noqa: E402
from tests.engine.harness import Project, make_project  # noqa: E402

EMPTY = 'import pulumi\npulumi.export("ok", True)\n'


@contextmanager
def emulator_in_tmp() -> Iterator[tuple[Path, Emulator]]:
    """A temporary directory and a SaladCloud emulator started in it on free ports, stopped afterwards."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        emu = Emulator.on_free_ports(tmp / "emulator")
        emu.start()
        try:
            yield tmp, emu
        finally:
            emu.stop()


def scratch_project(tmp: Path, name: str, files: dict[str, str]) -> Project:
    """A Python project named `name` made of `files` ({file name: source}) on its own backend, stack `bench`."""
    src = tmp / f"{name}-src"
    src.mkdir()
    (src / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    for file, source in files.items():
        (src / file).write_text(source)
    return make_project(tmp / name, src, stack="bench")


def interleaved(projects: dict[str, Project], runs: int) -> dict[str, list[float]]:
    """Preview each project once to warm the OS caches and plugin lookups, then `runs` rounds of one each."""
    for project in projects.values():
        _timed(project)
    times: dict[str, list[float]] = {name: [] for name in projects}
    for _ in range(runs):
        for name, project in projects.items():
            times[name].append(_timed(project))
    return times


def report(times: dict[str, list[float]], base: str) -> dict[str, float]:
    """Print each project's runs, median and ratio to `base`'s median; return the ratios."""
    base_median = statistics.median(times[base])
    ratios = {}
    for name, runs in times.items():
        median = statistics.median(runs)
        ratios[name] = median / base_median
        print(f"{name:15s} median {median:.2f} s  ratio {ratios[name]:.2f}x  ({', '.join(f'{t:.2f}' for t in runs)})")
    return ratios


def runs_arg(description: str | None) -> int:
    """The `--runs N` command-line option (rounds of interleaved previews)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--runs", type=int, default=11)
    return int(p.parse_args().runs)


def _timed(project: Project) -> float:
    start = time.perf_counter()
    project.run("preview")
    return time.perf_counter() - start
