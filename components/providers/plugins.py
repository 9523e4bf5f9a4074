"""`python -m components.providers.plugins stacks/Pulumi.<stack>.yaml`: the engine plugins that stack's provider needs,
one a line (scripts/setup.sh builds or installs what it can)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from components.providers import registry


def needed(stack_file: Path) -> tuple[str, ...]:
    """The plugins of the stack's provider; none when the file or its provider is unknown (setup stays quiet)."""
    try:
        config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    except (OSError, yaml.YAMLError):
        return ()
    name = config.get("tgi-fleet:provider")
    return registry.provider(name).plugins if name in registry.PROVIDERS else ()


def main(argv: list[str]) -> int:
    """Print one plugin name a line."""
    for plugin in needed(Path(argv[0])):
        print(plugin)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
