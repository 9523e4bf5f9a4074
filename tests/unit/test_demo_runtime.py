"""The demos (`make demo`, `make baseten-demo`) run after `make setup`, which installs the runtime packages only
(pyproject's dependencies, not its dev extra): everything the emulators import must come from the runtime set."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]


def _names(reqs: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in reqs}


def test_the_emulators_import_nothing_that_only_the_dev_extra_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _names(project["dependencies"])
    dev_only = _names(project["optional-dependencies"]["dev"]) - runtime
    dists = packages_distributions()
    imported: set[str] = set()
    for path in (ROOT / "emulator").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"emulator", "components"}
    needs_dev = {m: d for m in third_party for d in dists.get(m, [])
                 if d.lower().replace("_", "-") in dev_only}
    assert not needs_dev, f"the emulators import dev-only packages (make baseten-demo would fail): {needs_dev}"
