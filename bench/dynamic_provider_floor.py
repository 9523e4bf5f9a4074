"""What any program with a `pulumi.dynamic` resource pays on `pulumi preview`, next to an empty program.

Four throwaway programs, previewed interleaved on their own file backends (medians, ratio to the empty one):
- `empty`: exports one value, like `preview_overhead.py`'s baseline;
- `dynamic`: 0.1 s of CPU work (a stand-in for importing pydantic and building the config and plan), then one
  trivial dynamic resource on the default `pulumi-python` provider — the shape of tgi-fleet's program;
- `frozen`: the same, with `gc.freeze()` where tgi-fleet calls it (the provider's module, the program's end), so
  neither Python process runs full collections over the SDK's objects at exit;
- `early-provider`: the same work and resource, but an explicit `pulumi-python` provider is registered first and
  the rest runs as an asyncio task, so the engine boots the provider process while the work runs.

It shows the floor under `preview_overhead.py`'s ratio and what overlapping the provider's start would buy.
Run: .venv/bin/python bench/dynamic_provider_floor.py [--runs 11]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from previews import EMPTY, interleaved, report, runs_arg, scratch_project

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

DYNAMIC = """\
import pulumi
from echo import Echo, EchoResource, busy

busy(0.1)
EchoResource(Echo(), "r", {"a": 1})
pulumi.export("ok", True)
"""

PROGRAMS = {
    "empty": EMPTY,
    "dynamic": DYNAMIC,
    # The same program and provider, each with a freeze added where tgi-fleet has one.
    "frozen": "import gc\n" + DYNAMIC.replace("from echo import", "from echo_frozen import") + "gc.freeze()\n",
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


def main() -> int:
    """Print each program's median preview time and its ratio to the empty program."""
    runs = runs_arg(__doc__)
    with tempfile.TemporaryDirectory() as tmp_name:
        modules = {"echo.py": PROVIDER, "echo_frozen.py": PROVIDER + "\n\nimport gc\n\ngc.freeze()\n"}
        projects = {name: scratch_project(Path(tmp_name), name, {"__main__.py": source, **modules})
                    for name, source in PROGRAMS.items()}
        report(interleaved(projects, runs), base="empty")
    return 0


if __name__ == "__main__":
    sys.exit(main())
