"""The emulated container's `text-generation-launcher`: TGI's launcher flags in, the simulated TGI server out.

A truss's model class (or a docker_server start command) runs `text-generation-launcher --model-id ... --port N`;
in the emulated container that name is this shim (an executable on the container's PATH), which turns the flags
into the environment TGI's launcher would read (--max-total-tokens -> MAX_TOTAL_TOKENS, ...) and becomes the
simulated TGI server (emulator.replica) on the flag's port. It dies with the process that started it, as a
container's processes do.
Run: python -m emulator.baseten.launcher --model-id M --port N ...
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from emulator.linux import die_with_parent

NAME = "text-generation-launcher"
REPLICA_MODULE = "emulator.replica"
ROOT = Path(__file__).resolve().parents[2]  # where `emulator` is importable from


def flags_env(args: list[str]) -> dict[str, str]:
    """TGI launcher flags as the environment variables TGI reads them from (a flag alone is 'true')."""
    env: dict[str, str] = {}
    i = 0
    while i < len(args):
        flag = args[i].removeprefix("--").replace("-", "_").upper()
        takes_value = i + 1 < len(args) and not args[i + 1].startswith("--")
        env[flag] = args[i + 1] if takes_value else "true"
        i += 2 if takes_value else 1
    return env


def install(bin_dir: Path) -> Path:
    """Write the `text-generation-launcher` executable into bin_dir (put it first on the container's PATH)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / NAME
    text = (f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
            f"from emulator.baseten.launcher import main\nsys.exit(main())\n")
    if not path.exists() or path.read_text() != text:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.chmod(0o755)
        tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    """Become the simulated TGI server with the flags' settings (exec: same pid, so the launcher's caller owns it)."""
    env = {**os.environ, **flags_env(list(sys.argv[1:] if argv is None else argv))}
    port = env.pop("PORT", "3000")  # TGI's default port
    env.pop("HOSTNAME", None)  # the simulated server listens on loopback whatever it is told
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    die_with_parent()  # SIGKILL when the process that launched it dies: no orphaned simulated TGI
    os.execve(sys.executable, [sys.executable, "-m", REPLICA_MODULE, "--port", port], env)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
