"""python -m components.providers.baseten truss STACK [OUT_DIR] — write the truss a Baseten stack pushes, for review.

STACK is a name (stacks/Pulumi.STACK.yaml) or a stack file. OUT_DIR defaults to rendered/STACK-truss. Nothing is
deployed and no secret is read: the truss only names its secret (hf_access_token), Baseten holds the value.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from components.config import NAMESPACE
from components.errors import UserError
from components.plan import build_plan
from components.providers.baseten import BasetenProvider
from components.providers.baseten.component import server_of
from components.providers.baseten.settings import BasetenSettings
from components.providers.baseten.truss import CONFIG_FILE, truss_config, write_truss
from components.stack import parse_config

ROOT = Path(__file__).resolve().parents[3]


def stack_file(stack: str) -> Path:
    """A stack name or path -> its file."""
    path = Path(stack)
    return path if path.suffix in (".yaml", ".yml") else ROOT / "stacks" / f"Pulumi.{stack}.yaml"


def render(stack: str, out: Path | None = None) -> Path:
    """Write the stack's truss directory; returns it."""
    path = stack_file(stack)
    if not path.exists():
        raise UserError(f"truss: no stack file {path}")
    data: dict[str, Any] = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    if data.get(f"{NAMESPACE}:provider") != "baseten":
        raise UserError(f"truss: stack {stack} is not a baseten stack ({NAMESPACE}:provider)")
    raw, secret = {}, set()
    for key, value in data.items():
        if isinstance(value, dict) and "secure" in value:
            raw[key] = "<encrypted>"  # the truss names its secrets, never holds them
            secret.add(key)
        else:
            raw[key] = value if isinstance(value, str) else json.dumps(value)
    cfg = parse_config(raw, frozenset(secret))
    assert isinstance(cfg.settings, BasetenSettings)
    name = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
    plan = build_plan(cfg, BasetenProvider().catalog(cfg.settings), startup=BasetenProvider.startup)
    config = truss_config(cfg, plan, cfg.settings, with_token=cfg.secrets.hf_token_source != "none",
                          server=server_of(cfg, plan))  # vLLM, SGLang: their own server as a docker_server
    return write_truss(out or ROOT / "rendered" / f"{name}-truss", config)


def main(argv: list[str] | None = None) -> int:
    """Dispatch `truss STACK [OUT_DIR]`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3) or args[0] != "truss":
        print(__doc__, file=sys.stderr)
        return 2
    try:
        out = render(args[1], Path(args[2]) if len(args) == 3 else None)
    except UserError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"truss: {out / CONFIG_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
