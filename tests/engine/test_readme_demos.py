"""Every demo command the README gives works on a fresh clone after the README's set-up, exits 0 and leaves no
process running (issue #27 item 10).

The commands come in lanes that share nothing (a stack, an emulator's state directory, a server), one test each, so
that pytest-xdist runs them side by side (most of their time is the emulators' build, deploy and load waits). Each
lane: a fresh clone of this checkout's HEAD in a temporary directory, its own Pulumi home (sharing setup's plugin
cache) and its own local backend (`.pulumi-state/` in the clone). The clone's `.venv` (and `.venv-dstack`) point at
this checkout's, when setup's stamp says they are current for the clone's pins: a fresh pip install is the one
set-up step this skips (setup itself still runs, through make, and finds them current). The commands use the fixed
ports the committed stacks name (5800/5801 SaladCloud emulator, 5810-5812 Baseten emulator, 3000 dstack server),
inside a private network namespace per lane (tests/netns.py), so that the lanes run beside each other, the rest of
the suite and a demo already running on this machine. Where no namespace can be made (not root), the lanes use the
host's ports one at a time (a lock), and a lane fails if one of its ports is taken.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests import netns
from tests.engine.harness import ROOT, pulumi_home, require_engine

# Each command exactly as the README writes it (its Set up, Running pulumi, Kubernetes, Baseten, dstack and Sizing
# sections), by lane; within a lane, in an order that needs no other set-up (the preview of `local` while the demo's
# emulator runs). Each lane's ports, and the downs that clean up after a failure (they are idempotent).
LANES: dict[str, tuple[list[str], tuple[int, ...], list[str]]] = {
    "salad": (["make demo", "make preview STACK=local", "make demo-down"], (5800, 5801), ["make demo-down"]),
    **{stack: ([f"make baseten-demo STACK={stack}", f"make baseten-demo-down STACK={stack}"], (5810, 5811, 5812),
               [f"make baseten-demo-down STACK={stack}"])
       for stack in ("baseten-mistral", "baseten-mixtral", "baseten-vllm")},
    "files-and-servers": ([
        "make truss STACK=baseten-mixtral",
        "make render STACK=k8s-prod",
        "make dstack-config STACK=dstack-dev",
        "make dstack-server",
        "make dstack-server-stop",
        ".venv/bin/python -m components.sizing --model-config google/gemma-7b-it --gpu A10G --provider aws",
        ".venv/bin/python -m components.sizing --model-config mistralai/Mistral-7B-Instruct-v0.3 "
        "--max-total-tokens 32768 --json",
    ], (3000,), ["make dstack-server-stop"]),
}
# What each lane leaves in its clone, by the lane's name.
FILES = {"files-and-servers": ("rendered/k8s-prod", "serve.dstack.yml", "rendered/baseten-mixtral-truss/config.yaml")}
HOST_PORTS = threading.Lock()  # without namespaces, one lane at a time on the host's ports
# What the environment must not carry into the clone: another backend, another stack's secrets.
DROP = ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_ACCESS_TOKEN",
        "TGI_FLEET_USE_PULUMI_LOGIN", "PULUMI_STACK")


def readme_commands() -> set[str]:
    """The `make demo`/`baseten-demo`/`truss`/`render`/... and sizing command lines in the code blocks of the README
    and the pages under docs/ it links to."""
    text = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))])
    found: set[str] = set()
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            if re.match(r"make (demo|demo-down|baseten-demo|truss|render|dstack-config|dstack-server)\b", command) \
                    or command.startswith(".venv/bin/python -m components.sizing"):
                found.add(command)
    return found


def current(venv: Path, pins: list[Path], dev: bool) -> bool:
    """Whether setup's stamp in `venv` matches the clone's pins (setup.sh: sha256 of the files, 16 characters)."""
    stamp = venv / ".tgi-fleet-deps"
    if not stamp.exists():
        return False
    want = hashlib.sha256(b"".join(p.read_bytes() for p in pins)).hexdigest()[:16]
    have = stamp.read_text().split()
    return bool(have) and have[0] == want and (not dev or have[1:] == ["dev"])


def busy(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def left_running(clone: Path) -> list[str]:
    """Processes whose command line or working directory is inside the clone."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if str(clone) in cmdline or cwd == str(clone) or cwd.startswith(f"{clone}/"):
            found.append(f"{proc.name}: {cmdline.strip()} (cwd {cwd})")
    return found


def test_every_readme_command_is_in_a_lane() -> None:
    commands = [c for lane_commands, _, _ in LANES.values() for c in lane_commands]
    missing = readme_commands() - set(commands)
    assert not missing, f"the README documents {sorted(missing)}: run them here too (in a lane of LANES)"
    assert len(commands) == len(set(commands))


@pytest.mark.parametrize("lane", sorted(LANES))
def test_readme_demo_commands_on_a_fresh_clone(tmp_path: Path, lane: str) -> None:
    require_engine()
    commands, ports, downs = LANES[lane]
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", head], check=True)
    for venv, pins, dev in ((".venv", ["pyproject.toml", "constraints.txt"], True),
                            (".venv-dstack", ["constraints-dstack-server.txt"], False)):
        if not current(ROOT / venv, [clone / p for p in pins], dev):
            pytest.skip(f"{venv} is not current for HEAD's pins: run `make test` (setup) first")
        (clone / venv).symlink_to(ROOT / venv, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env.update(PULUMI_HOME=str(pulumi_home(tmp_path)), CI="true")
    why = netns.available()
    if why is None:
        with netns.namespace() as inside:
            run_demos(clone, env, inside, commands, downs)
    else:
        with HOST_PORTS:
            taken = [p for p in ports if busy(p)]
            assert not taken, f"port(s) {taken} in use, and no private network namespace here ({why}): stop what " \
                              f"listens there (a demo: make demo-down, make baseten-demo-down, make dstack-server-stop)"
            run_demos(clone, env, [], commands, downs)
    for path in FILES.get(lane, ()):
        assert (clone / path).exists(), f"{path} was not written"
    deadline = time.monotonic() + 20
    while left_running(clone) and time.monotonic() < deadline:
        time.sleep(0.5)  # the engine's provider processes end themselves once the engine is gone
    assert left_running(clone) == [], "a demo command left processes running"


def run_demos(clone: Path, env: dict[str, str], prefix: list[str], commands: list[str], downs: list[str]) -> None:
    """Each of a lane's commands in the clone (prefix: how to run it in the lane's network namespace)."""
    try:
        for command in commands:
            start = time.monotonic()
            out = subprocess.run([*prefix, *shlex.split(command)], cwd=clone, env=env, capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL, timeout=300)
            took = time.monotonic() - start
            assert out.returncode == 0, f"`{command}` exited {out.returncode} after {took:.0f} s:\n" \
                                        f"{out.stdout[-4000:]}\n{out.stderr[-4000:]}"
            if command == "make demo":
                assert "endpoint: http://127.0.0.1:5801" in out.stdout, out.stdout
            if command.startswith("make baseten-demo STACK"):
                assert "smoke: 2 chat completions OK" in out.stdout, out.stdout
    except BaseException:
        # Whatever failed, nothing of the clone's keeps running.
        for down in downs:
            subprocess.run([*prefix, *shlex.split(down)], cwd=clone, env=env, capture_output=True,
                           stdin=subprocess.DEVNULL, timeout=300, check=False)
        raise
