"""What any program with a `pulumi.dynamic` resource pays on `pulumi preview`, next to an empty program.

Three throwaway programs, previewed interleaved on their own file backends (medians, ratio to the empty one):
- `empty`: exports one value, like `preview_overhead.py`'s baseline;
- `dynamic`: 0.1 s of CPU work (a stand-in for importing pydantic and building the config and plan), then one
  trivial dynamic resource on the default `pulumi-python` provider — the shape of tgi-fleet's program;
- `early-provider`: the same work and resource, but an explicit `pulumi-python` provider is registered first and
  the rest runs as an asyncio task, so the engine boots the provider process while the work runs.

It shows the floor under `preview_overhead.py`'s ratio and what overlapping the provider's start would buy.
Run: .venv/bin/python bench/dynamic_provider_floor.py [--runs 11]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.engine.harness import Project, make_project  # noqa: E402

PROVIDER = """\
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class Echo(ResourceProvider):
    def create(self, props):
        return CreateResult("echo", props)


class EchoResource(Resource):
    pass


def busy(seconds):
    import time

    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        pass
"""

PROGRAMS = {
    "empty": 'import pulumi\npulumi.export("ok", True)\n',
    "dynamic": """\
import pulumi
from echo import Echo, EchoResource, busy

busy(0.1)
EchoResource(Echo(), "r", {"a": 1})
pulumi.export("ok", True)
""",
    # Exports must stay synchronous: the Stack registers its outputs as soon as the program's synchronous part ends.
    "early-provider": """\
import asyncio
import pulumi
from echo import Echo, EchoResource, busy

provider = pulumi.ProviderResource("pulumi-python", "dynamic", {})


async def main():
    await asyncio.sleep(0.01)  # let the provider's registration reach the engine first
    busy(0.1)
    EchoResource(Echo(), "r", {"a": 1}, pulumi.ResourceOptions(provider=provider))


asyncio.ensure_future(main())
pulumi.export("ok", True)
""",
}


def timed(project: Project) -> float:
    start = time.perf_counter()
    project.run("preview")
    return time.perf_counter() - start


def main() -> int:
    """Print each program's median preview time and its ratio to the empty program."""
    args = _args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        projects: dict[str, Project] = {}
        for name, source in PROGRAMS.items():
            src = tmp / f"{name}-src"
            src.mkdir()
            (src / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
            (src / "__main__.py").write_text(source)
            (src / "echo.py").write_text(PROVIDER)
            projects[name] = make_project(tmp / name, src, stack="bench")
        for project in projects.values():
            timed(project)  # warm the OS caches and the plugin lookups once
        times: dict[str, list[float]] = {name: [] for name in projects}
        for _ in range(args.runs):
            for name, project in projects.items():
                times[name].append(timed(project))
    base = statistics.median(times["empty"])
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"{name:15s} median {median:.2f} s  ratio {median / base:.2f}x  ({', '.join(f'{t:.2f}' for t in runs)})")
    return 0


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=11)
    return p.parse_args()


if __name__ == "__main__":
    sys.exit(main())
