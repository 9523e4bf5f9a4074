"""python -m components.providers.dstack render STACK [--out FILE]: a stack's dstack service config, as YAML.

What `pulumi up` would apply (the same service_config() and dstack's own validation), written for review without
a dstack server, Pulumi or secrets: `make dstack-config STACK=dstack-dev` writes serve.dstack.yml.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from components.config import NAMESPACE, SECRET_KEYS, FleetConfig, format_errors, parse_config
from components.errors import UserError
from components.plan import build_plan
from components.providers.dstack.settings import DstackSettings

ROOT = Path(__file__).resolve().parents[3]
SECTION = f"{NAMESPACE}:dstack"
SECRETS = (*SECRET_KEYS, "dstack_token")


def stack_config(stack: str, stacks_dir: Path = ROOT / "stacks") -> tuple[FleetConfig, DstackSettings]:
    """A stack file's validated config and dstack section (secret values are neither needed nor read)."""
    path = stacks_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise UserError(f"no stack file {path}. Fix: name a stack of {stacks_dir} (e.g. dstack-dev).")
    config: dict[str, Any] = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    section = config.pop(SECTION, None) or {}
    # As Pulumi hands config to the program: structured values as JSON text.
    raw = {k: v if isinstance(v, str) else json.dumps(v)
           for k, v in config.items() if k.partition(":")[2] not in SECRETS}
    cfg = parse_config(raw)
    try:
        settings = DstackSettings.model_validate(section)
    except ValidationError as exc:
        raise UserError(format_errors(exc).replace(f"{NAMESPACE}:", f"{SECTION}.")) from None
    return cfg, settings


def render(stack: str, stacks_dir: Path = ROOT / "stacks") -> str:
    """The stack's service configuration as YAML, after dstack's models accepted it."""
    from components.providers.dstack.service_config import service_config
    from components.providers.dstack.validate import parse

    cfg, settings = stack_config(stack, stacks_dir)
    if cfg.provider != "dstack":
        raise UserError(f"stack {stack} has {NAMESPACE}:provider = {cfg.provider!r}. Fix: name a dstack stack.")
    conf = service_config(cfg, build_plan(cfg), settings, hf_token=cfg.secrets.hf_token_source != "none")
    parse(conf)
    header = f"# dstack service of stack {stack} (rendered by tgi-fleet: `make dstack-config STACK={stack}`)\n"
    return header + yaml.safe_dump(conf, sort_keys=False, width=1_000_000, allow_unicode=True)


def main(argv: list[str] | None = None) -> int:
    """Render a stack's service configuration to a file (or stdout)."""
    p = argparse.ArgumentParser(prog="python -m components.providers.dstack", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="write a stack's dstack service configuration")
    r.add_argument("stack")
    r.add_argument("--out", help="the file to write (default: stdout)")
    args = p.parse_args(argv)
    try:
        text = render(args.stack)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out:
        Path(args.out).write_text(text)
        print(f"dstack-config: wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
